/*
 * Strict decoders for request values (see decode.h): percent-encoding,
 * base64url cursors and the time forms /v1/changes accepts.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/decode.h"
#include "util/parse.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
http_unescape(const char *s, size_t len, bool plus_space, struct errbuf *eb)
{
	char *out = xmalloc(len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0) {
				errbuf_set(eb, "bad percent-escape at "
					       "offset %zu", i);
				goto fail;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		}
		if (c == '\0') {
			errbuf_set(eb, "NUL byte at offset %zu", i);
			goto fail;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	if (!utf8_valid(out, n)) {
		errbuf_set(eb, "not valid UTF-8");
		goto fail;
	}
	return out;
fail:
	free(out);
	return NULL;
}

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *
base64url_encode(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = xmalloc(len / 3 * 4 + 5);
	size_t i, n = 0;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
			     p[i + 2];

		out[n++] = b64url[v >> 18 & 63];
		out[n++] = b64url[v >> 12 & 63];
		out[n++] = b64url[v >> 6 & 63];
		out[n++] = b64url[v & 63];
	}
	if (len - i == 1) {
		unsigned v = (unsigned)p[i] << 16;

		out[n++] = b64url[v >> 18 & 63];
		out[n++] = b64url[v >> 12 & 63];
	} else if (len - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;

		out[n++] = b64url[v >> 18 & 63];
		out[n++] = b64url[v >> 12 & 63];
		out[n++] = b64url[v >> 6 & 63];
	}
	out[n] = '\0';
	return out;
}

static int
b64val(char c)
{
	const char *p = c ? strchr(b64url, c) : NULL;

	return p ? (int)(p - b64url) : -1;
}

char *
base64url_decode(const char *s, size_t *len, struct errbuf *eb)
{
	size_t slen = strlen(s), i, n = 0;
	unsigned acc = 0;
	int bits = 0;
	char *out;

	if (slen % 4 == 1) {
		errbuf_set(eb, "bad base64url length");
		return NULL;
	}
	out = xmalloc(slen / 4 * 3 + 3);
	for (i = 0; i < slen; i++) {
		int v = b64val(s[i]);

		if (v < 0) {
			errbuf_set(eb, "bad base64url character at offset %zu",
				   i);
			goto fail;
		}
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (char)(acc >> bits & 0xff);
		}
	}
	/* The bits left over must be zero: one encoding per value. */
	if (bits && (acc & ((1u << bits) - 1))) {
		errbuf_set(eb, "bad base64url padding bits");
		goto fail;
	}
	out[n] = '\0';
	*len = n;
	return out;
fail:
	free(out);
	return NULL;
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
