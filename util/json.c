/*
 * jansson helpers shared by every module that reads or writes JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/jparse.h"
#include "util/parse.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

json_t *
json_load_strict(const char *data, size_t len, struct errbuf *eb)
{
	json_error_t jerr;
	json_t *root;

	/* The fast reader builds the same tree or declines; jansson then
	   decides, and its message is the one the caller sees. */
	if ((root = jparse(data, len)))
		return root;
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		errbuf_set(eb, "invalid JSON at line %d column %d: %s",
			   jerr.line, jerr.column, jerr.text);
	return root;
}

/* Longest canonical text json_canonical() builds; inputs are capped far
   below this (a manifest at 64 MiB), so it only bounds a runaway. */
#define JSON_CANONICAL_MAX ((size_t)1 << 30)
/* Object members sorted on the stack up to this many, else on the heap. */
#define JSON_CANONICAL_STACK_KEYS 32

/* One object member, for sorting. */
struct member {
	const char *key; /* borrowed from the object */
	size_t len;      /* key length in bytes */
	json_t *value;   /* borrowed */
};

/* jansson's JSON_SORT_KEYS order: bytes as unsigned, then length. */
static int
cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

static int canonical(struct buf *b, const json_t *j, bool strict);
static int put_string(struct buf *b, const char *s, size_t len, bool strict);

static int
canonical_object(struct buf *b, const json_t *j, bool strict)
{
	struct member stack[JSON_CANONICAL_STACK_KEYS], *m = stack;
	size_t n = json_object_size(j), i = 0;
	void *it;
	int ret = -1;

	if (n > JSON_CANONICAL_STACK_KEYS)
		m = xcalloc(n, sizeof(*m));
	for (it = json_object_iter((json_t *)j); it && i < n;
	     it = json_object_iter_next((json_t *)j, it), i++) {
		m[i].key = json_object_iter_key(it);
		m[i].len = json_object_iter_key_len(it);
		m[i].value = json_object_iter_value(it);
	}
	n = i;
	if (n > 1)
		qsort(m, n, sizeof(*m), cmp_member);
	if (buf_putc(b, '{') < 0)
		goto out;
	for (i = 0; i < n; i++)
		if ((i && buf_putc(b, ',') < 0) ||
		    put_string(b, m[i].key, m[i].len, strict) < 0 ||
		    buf_putc(b, ':') < 0 || canonical(b, m[i].value, strict) < 0)
			goto out;
	ret = buf_putc(b, '}');
out:
	if (m != stack)
		free(m);
	return ret;
}

int
json_canonical_buf(struct buf *b, const json_t *j)
{
	return canonical(b, j, true);
}

int
json_canonical_buf_bytes(struct buf *b, const json_t *j)
{
	return canonical(b, j, false);
}

static int
canonical(struct buf *b, const json_t *j, bool strict)
{
	char num[32];
	size_t i, n;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return canonical_object(b, j, strict);
	case JSON_ARRAY:
		n = json_array_size(j);
		if (buf_putc(b, '[') < 0)
			return -1;
		for (i = 0; i < n; i++)
			if ((i && buf_putc(b, ',') < 0) ||
			    canonical(b, json_array_get(j, i), strict) < 0)
				return -1;
		return buf_putc(b, ']');
	case JSON_STRING:
		return put_string(b, json_string_value(j),
				  json_string_length(j), strict);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(j));
		return buf_puts(b, num);
	case JSON_REAL:
		return json_buf_real(b, json_real_value(j));
	case JSON_TRUE:
		return buf_puts(b, "true");
	case JSON_FALSE:
		return buf_puts(b, "false");
	case JSON_NULL:
		return buf_puts(b, "null");
	}
	return -1;
}

char *
json_canonical(const json_t *j)
{
	struct buf b = BUF_INIT(JSON_CANONICAL_MAX);

	if (!j || json_canonical_buf(&b, j) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

int
json_buf_real(struct buf *b, double v)
{
	char num[40], *e, *digits;
	int n;

	if (!isfinite(v))
		return -1;
	n = snprintf(num, sizeof(num) - 2, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof(num) - 2)
		return -1;
	if (!strchr(num, '.') && !strchr(num, 'e'))
		memcpy(num + n, ".0", 3);
	if ((e = strchr(num, 'e'))) {
		e++;
		if (*e == '-')
			e++;
		for (digits = e; *digits == '+' || *digits == '0'; digits++)
			;
		/* Keep one digit of an all-zero exponent. */
		if (!*digits)
			digits--;
		memmove(e, digits, strlen(digits) + 1);
	}
	return buf_puts(b, num);
}

char *
json_scan_string(const char **pp, char *out)
{
	const unsigned char *p = (const unsigned char *)*pp;
	char *o = out;

	if (*p++ != '"')
		return NULL;
	for (;;) {
		unsigned char u[4];
		unsigned c = *p;
		size_t n, ul;
		uint32_t cp;

		if (c == '"')
			break;
		if (c < 0x20)
			return NULL; /* a raw control, or the end of the text */
		if (c >= 0x80) {
			n = utf8_decode(p, strnlen((const char *)p, 4), &cp);
			if (n == 0)
				return NULL;
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		if (c != '\\') {
			*o++ = (char)c;
			p++;
			continue;
		}
		/* The text is NUL-terminated: an escape is at most 12 bytes.
		   Surrogate pairs are declined too. */
		n = json_unescape(p, p + strnlen((const char *)p, 12), u, &ul,
				  &cp);
		if (n == 0 || cp == 0 || cp >= 0x10000)
			return NULL;
		memcpy(o, u, ul);
		o += ul;
		p += n;
	}
	*o++ = '\0';
	*pp = (const char *)p + 1;
	return o;
}

size_t
json_unescape(const unsigned char *p, const unsigned char *end,
	      unsigned char out[4], size_t *outlen, uint32_t *cp)
{
	long hi, lo;

	if (end - p < 2)
		return 0;
	*outlen = 1;
	switch (p[1]) {
	case '"':
	case '\\':
	case '/': *cp = p[1]; break;
	case 'b': *cp = '\b'; break;
	case 'f': *cp = '\f'; break;
	case 'n': *cp = '\n'; break;
	case 'r': *cp = '\r'; break;
	case 't': *cp = '\t'; break;
	case 'u':
		if (end - p < 6 || (hi = hex4_value(p + 2)) < 0 ||
		    (hi >= 0xdc00 && hi <= 0xdfff))
			return 0;
		if (hi < 0xd800 || hi > 0xdbff) {
			*cp = (uint32_t)hi;
			*outlen = utf8_encode(*cp, out);
			return 6;
		}
		if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
		    (lo = hex4_value(p + 8)) < 0xdc00 || lo > 0xdfff)
			return 0;
		*cp = 0x10000 + (uint32_t)((hi - 0xd800) << 10) +
		      (uint32_t)(lo - 0xdc00);
		*outlen = utf8_encode(*cp, out);
		return 12;
	default:
		return 0;
	}
	out[0] = (unsigned char)*cp;
	return 2;
}

const char *
json_get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int
json_print(FILE *f, const json_t *j)
{
	if (json_dumpf(j, f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY |
			       JSON_REAL_PRECISION(JSON_PRINT_PRECISION)) <
	    0)
		return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}

/* Whether none of the eight bytes in x needs json_put_string()'s
   attention: each is printable ASCII other than '"' and '\\'.  The
   "has a byte below n" test of Bit Twiddling Hacks, exact for n <= 128. */
static bool
plain8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ULL,
		       high = 0x8080808080808080ULL;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');

	return !((x | ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
		  ((bs - ones) & ~bs)) &
		 high);
}

int
json_put_string(struct buf *b, const char *s, size_t len)
{
	return put_string(b, s, len, true);
}

/* json_put_string(); not strict, a byte that does not start a valid
   UTF-8 character goes out as it is. */
static int
put_string(struct buf *b, const char *s, size_t len, bool strict)
{
	/* Uppercase, as jansson writes \u escapes: the verdict texts the
	   store keeps are byte for byte what json_dumps gives. */
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;
	uint32_t cp;

	if (buf_putc(b, '"') < 0)
		return -1;
	while (i < len) {
		unsigned char c = p[i];
		char esc[6] = { '\\', 0, '0', '0', 0, 0 };
		size_t elen = 2, n;
		uint64_t x;

		if (len - i >= 8) {
			memcpy(&x, p + i, 8);
			if (plain8(x)) {
				i += 8;
				continue;
			}
		}
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80) {
			/* Multibyte characters go out as they are, once they
			   are known to be valid. */
			if (!(n = utf8_decode(p + i, len - i, &cp))) {
				if (strict)
					return -1;
				n = 1;
			}
			i += n;
			continue;
		}
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
			break;
		}
		if (buf_append(b, s + run, i - run) < 0 ||
		    buf_append(b, esc, elen) < 0)
			return -1;
		run = ++i;
	}
	if (buf_append(b, s + run, len - run) < 0 || buf_putc(b, '"') < 0)
		return -1;
	return 0;
}

/* Whether the number n bytes at tok (a real: it has '.' or an exponent)
   is the same double once printed with precision significant digits. */
static bool
real_stable(const char *tok, size_t n, int precision)
{
	char in[64], out[64];
	int digits = 0;
	size_t i;
	double d;

	/* Few enough significant digits: printing gives the same decimal
	   back (confidences such as 1.0 are the common case). */
	for (i = 0; i < n && tok[i] != 'e' && tok[i] != 'E'; i++)
		if (tok[i] >= '0' && tok[i] <= '9' && (digits || tok[i] != '0'))
			digits++;
	if (digits <= precision)
		return true;
	if (n >= sizeof(in))
		return false;
	memcpy(in, tok, n);
	in[n] = '\0';
	d = strtod(in, NULL);
	/* jansson refuses reals that overflow when loading. */
	if (!isfinite(d))
		return false;
	snprintf(out, sizeof(out), "%.*g", precision, d);
	return strtod(out, NULL) == d;
}

static bool
number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
	       c == 'e' || c == 'E';
}

/* Longest integer jansson is sure to load (json_int_t is long long). */
#define INT_DIGITS_MAX 18

bool
json_text_reals_stable(const char *s, size_t len, int precision)
{
	const char *p = s, *end = s + len, *q;

	if (memchr(s, '\0', len))
		return false;
	/* An escaped NUL.  A false alarm (an escaped backslash before
	   "u0000") only costs the caller its slow path. */
	for (q = s; (q = memchr(q, '\\', (size_t)(end - q))) && end - q >= 2;
	     q += 2)
		if (end - q >= 6 && memcmp(q + 1, "u0000", 5) == 0)
			return false;
	while (p < end) {
		if (*p == '"') {
			/* Skip the string: its end is the first quote
			   preceded by an even number of backslashes. */
			for (q = p + 1;; q++) {
				const char *bs;

				q = memchr(q, '"', (size_t)(end - q));
				if (!q)
					return false;
				for (bs = q; bs > p + 1 && bs[-1] == '\\'; bs--)
					;
				if ((q - bs) % 2 == 0)
					break;
			}
			p = q + 1;
		} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
			bool real = false;

			for (q = p; q < end && number_char(*q); q++)
				if (*q == '.' || *q == 'e' || *q == 'E')
					real = true;
			if (real ? !real_stable(p, (size_t)(q - p), precision)
				 : q - p > INT_DIGITS_MAX)
				return false;
			p = q;
		} else {
			p++;
		}
	}
	return true;
}

const char *
json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}
