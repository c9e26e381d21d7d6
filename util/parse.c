/*
 * Strict integer and duration parsing for options, headers and data files.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/parse.h"
#include "util/banned.h"

int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
hex4_value(const unsigned char *p)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if ((d = hex_value((char)p[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

int
parse_ll(const char *s, long long min, long long max, long long *out,
	 struct errbuf *eb)
{
	char *end = NULL;
	long long v;

	if (!s || !*s || !(isdigit((unsigned char)s[0]) ||
			   (s[0] == '-' && isdigit((unsigned char)s[1])))) {
		errbuf_set(eb, "'%s' is not a number", s ? s : "");
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || v < min || v > max) {
		errbuf_set(eb, "'%s' is out of range (%lld to %lld)", s, min,
			   max);
		return -1;
	}
	if (*end) {
		errbuf_set(eb, "'%s' is not a number", s);
		return -1;
	}
	*out = v;
	return 0;
}

int
parse_duration(const char *s, long long *seconds, struct errbuf *eb)
{
	char num[32];
	size_t n = s ? strlen(s) : 0;
	long long mult = 1, v;

	if (n == 0 || n >= sizeof(num)) {
		errbuf_set(eb, "'%s' is not a duration", s ? s : "");
		return -1;
	}
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': mult = 1; num[--n] = '\0'; break;
	case 'm': mult = 60; num[--n] = '\0'; break;
	case 'h': mult = 3600; num[--n] = '\0'; break;
	case 'd': mult = 86400; num[--n] = '\0'; break;
	default: break;
	}
	if (parse_ll(num, 0, LLONG_MAX / 86400, &v, eb) < 0) {
		errbuf_set(eb, "'%s' is not a duration (use 30s, 5m, 2h, 7d)",
			   s);
		return -1;
	}
	*seconds = v * mult;
	return 0;
}

/* Read exactly n digits at *p into *v and advance. */
static bool
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static int
parse_rfc3339(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 0;
	struct tm tm = { 0 };

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return -1;
	if (*p) {
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) ||
		    *p++ != ':' || !digits(&p, 2, &sec))
			return -1;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			while (isdigit((unsigned char)*p))
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			sign = *p++ == '-' ? -1 : 1;
			if (!digits(&p, 2, &oh) || *p++ != ':' ||
			    !digits(&p, 2, &om) || oh > 23 || om > 59)
				return -1;
		} else {
			return -1;
		}
		if (*p)
			return -1;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm) - sign * (oh * 3600 + om * 60);
	return 0;
}

int
parse_when(const char *s, int64_t now, int64_t *out, struct errbuf *eb)
{
	size_t n = strlen(s), i;
	long long v;
	int64_t t;

	for (i = 0; i < n && isdigit((unsigned char)s[i]); i++)
		;
	if (n && i == n) {
		if (parse_ll(s, 0, 253402300799LL, &v, eb) < 0)
			return -1;
		*out = v;
		return 0;
	}
	if (n && i == n - 1 && strchr("smhd", s[n - 1])) {
		if (parse_duration(s, &v, eb) < 0)
			return -1;
		*out = v > now ? 0 : now - v;
		return 0;
	}
	if (n < 64 && parse_rfc3339(s, &t) == 0) {
		*out = t;
		return 0;
	}
	errbuf_set(eb, "'%.64s' is not a time (Unix seconds, RFC 3339 or a "
		       "duration such as 7d)", s);
	return -1;
}
