/*
 * Strict integer and duration parsing for options, headers and data files.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"
#include "util/banned.h"

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
