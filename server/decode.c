/*
 * Strict decoders for request values (see decode.h): percent-encoding,
 * base64url cursors and the time forms /v1/changes accepts.
 */
#include <stdlib.h>
#include <string.h>

#include "server/decode.h"
#include "util/parse.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

char *
http_unescape(const char *s, size_t len, bool plus_space, struct errbuf *eb)
{
	char *out = xmalloc(len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3 || (hi = hex_value(s[i + 1])) < 0 ||
			    (lo = hex_value(s[i + 2])) < 0) {
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
