/*
 * A single-pass, recursive-descent JSON reader that builds jansson trees
 * with jansson's own constructors.  jansson's lexer copies every byte into
 * a token buffer and validates it one call at a time; here plain string
 * runs are skipped 16 bytes at a time and strings without escapes go to
 * json_stringn_nocheck() straight from the input.
 */
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util/jparse.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* jansson's limit counts every value, the innermost scalar too. */
_Static_assert(JPARSE_MAX_DEPTH < JSON_PARSER_MAX_DEPTH,
	       "jparse must not accept what jansson finds too deep");
_Static_assert(DBL_MANT_DIG == 53, "reals are IEEE 754 doubles");
/* Integers are read in strtoll's range, as jansson reads them. */
_Static_assert(JSON_INTEGER_IS_LONG_LONG, "json_int_t is long long");

/* Decoded strings up to this many bytes stay on jparse()'s stack.  The
   scratch never holds more than the input's length: a decoded string is
   never longer than its quoted text, and only the keys of the objects
   open around the current value are kept. */
#define SCRATCH_STACK 1024

/* Longest number text handed to strtod(); longer reals are left to
   jansson. */
#define NUM_TEXT_MAX 64

/* Clinger's fast path: with double arithmetic exactly IEEE (no excess
   precision), m * 10^e or m / 10^e for m <= 2^53 and |e| <= 22 is one
   correctly rounded operation, the same double strtod() gives. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define FAST_REAL 1
#else
#define FAST_REAL 0
#endif

struct jp {
	const unsigned char *p;   /* next byte to read */
	const unsigned char *end; /* one past the last byte */
	char *scratch;            /* decoded strings, used as a stack */
	size_t top;               /* bytes of scratch in use */
	size_t cap;               /* bytes scratch can hold */
	int depth;                /* arrays and objects open at p */
	char stack[SCRATCH_STACK]; /* scratch until a string outgrows it */
};

/* Bytes that end a run of plain string bytes: '"', '\\', the controls
   (jansson refuses them raw) and every byte of a multibyte character
   (checked as UTF-8 one character at a time). */
static const unsigned char str_stop[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 '"' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 '\\' */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xa0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xb0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xc0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xd0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xe0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0xf0 */
};

/* JSON's whitespace, as a bit set over the bytes 0..32. */
#define WS_SET                                                              \
	((1ULL << ' ') | (1ULL << '\t') | (1ULL << '\n') | (1ULL << '\r'))

static json_t *parse_value(struct jp *jp);

static inline void
skip_ws(struct jp *jp)
{
	const unsigned char *p = jp->p;

	while (p < jp->end && *p <= ' ' && ((WS_SET >> *p) & 1))
		p++;
	jp->p = p;
}

static inline bool
is_digit(unsigned c)
{
	return c - '0' < 10;
}

/* The first byte at or after p that str_stop names, or end. */
static inline const unsigned char *
plain_run(const unsigned char *p, const unsigned char *end)
{
#if defined(__SSE2__)
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
		      space = _mm_set1_epi8(' ');

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* A signed compare: bytes >= 0x80 are negative, so "below
		   space" catches the controls and multibyte characters. */
		__m128i hit = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, quote),
				     _mm_cmpeq_epi8(v, bslash)),
			_mm_cmplt_epi8(v, space));
		unsigned mask = (unsigned)_mm_movemask_epi8(hit);

		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (p < end && !str_stop[*p])
		p++;
	return p;
}

/* Length of the valid UTF-8 character at p (whose first byte is >= 0x80),
   or 0 when it is not one: jansson refuses overlong forms, surrogates
   and code points above U+10FFFF just as this does. */
static inline size_t
utf8_char(const unsigned char *p, const unsigned char *end)
{
	size_t avail = (size_t)(end - p);
	unsigned c = p[0];

	if (c < 0xc2)
		return 0; /* a continuation byte, or an overlong 2-byte form */
	if (c < 0xe0)
		return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (avail < 3 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] >= 0xa0))
			return 0; /* overlong, or a surrogate */
		return 3;
	}
	if (c < 0xf5) {
		if (avail < 4 || (p[1] & 0xc0) != 0x80 ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] >= 0x90))
			return 0; /* overlong, or above U+10FFFF */
		return 4;
	}
	return 0;
}

static void
scratch_grow(struct jp *jp, size_t n)
{
	size_t cap = jp->cap * 2;

	while (cap - jp->top < n)
		cap *= 2;
	if (jp->scratch == jp->stack) {
		jp->scratch = xmalloc(cap);
		memcpy(jp->scratch, jp->stack, jp->top);
	} else {
		jp->scratch = xrealloc(jp->scratch, cap);
	}
	jp->cap = cap;
}

/* Room for n more bytes on the scratch stack. */
static inline char *
scratch_room(struct jp *jp, size_t n)
{
	if (jp->cap - jp->top < n)
		scratch_grow(jp, n);
	return jp->scratch + jp->top;
}

static inline void
scratch_push(struct jp *jp, const unsigned char *s, size_t n)
{
	memcpy(scratch_room(jp, n), s, n);
	jp->top += n;
}

/* Decode the escape whose backslash is at *pp onto the scratch stack and
   move *pp past it; false for what jansson refuses: unknown escapes,
   \u0000 (no JSON_ALLOW_NUL) and surrogates that do not pair up. */
static bool
decode_escape(struct jp *jp, const unsigned char **pp)
{
	size_t n, ol;
	uint32_t cp;

	n = json_unescape(*pp, jp->end, (unsigned char *)scratch_room(jp, 4),
			  &ol, &cp);
	if (n == 0 || cp == 0)
		return false;
	jp->top += ol;
	*pp += n;
	return true;
}

/* The rest of scan_string() for a string with escapes: start is its first
   byte, p its first backslash.  The decoded bytes go on the scratch
   stack. */
static int
decode_string(struct jp *jp, const unsigned char *start,
	      const unsigned char *p, const char **s, size_t *len)
{
	const unsigned char *end = jp->end, *q;
	size_t base = jp->top, n;

	scratch_push(jp, start, (size_t)(p - start));
	for (;;) {
		if (*p == '\\') {
			if (!decode_escape(jp, &p))
				goto fail;
		} else if (*p >= 0x80) {
			if (!(n = utf8_char(p, end)))
				goto fail;
			scratch_push(jp, p, n);
			p += n;
		} else if (*p == '"') {
			break;
		} else {
			goto fail; /* a raw control character */
		}
		q = plain_run(p, end);
		scratch_push(jp, p, (size_t)(q - p));
		if ((p = q) == end)
			goto fail;
	}
	*s = jp->scratch + base;
	*len = jp->top - base;
	jp->p = p + 1;
	return 1;
fail:
	jp->top = base;
	return -1;
}

/*
 * Read the string whose opening quote is at jp->p.  Returns 0 with *s in
 * the input when it has no escapes (most strings: no copy at all), 1 with
 * *s on the scratch stack (valid until the stack next grows; the caller
 * pops it by restoring jp->top), -1 for what jansson refuses.
 */
static int
scan_string(struct jp *jp, const char **s, size_t *len)
{
	const unsigned char *start = jp->p + 1, *p = start, *end = jp->end;
	size_t n;

	for (;;) {
		p = plain_run(p, end);
		if (p == end)
			return -1;
		if (*p == '"')
			break;
		if (*p < 0x80)
			return *p == '\\' ? decode_string(jp, start, p, s, len)
					  : -1;
		if (!(n = utf8_char(p, end)))
			return -1;
		p += n;
	}
	*s = (const char *)start;
	*len = (size_t)(p - start);
	jp->p = p + 1;
	return 0;
}

/* strtod() on the number text [start, end), as jansson calls it; NULL when
   it overflows (jansson refuses that) or this cannot be sure to read it as
   jansson does. */
static json_t *
real_strtod(const unsigned char *start, const unsigned char *end)
{
	char text[NUM_TEXT_MAX], *stop;
	size_t n = (size_t)(end - start);
	double d;

	if (n >= sizeof(text))
		return NULL;
	memcpy(text, start, n);
	text[n] = '\0';
	/* jansson swaps '.' for the locale's decimal point first. */
	if (memchr(text, '.', n) && strcmp(localeconv()->decimal_point, "."))
		return NULL;
	d = strtod(text, &stop);
	if (stop != text + n || isinf(d))
		return NULL;
	return json_real(d);
}

/*
 * A number: JSON's grammar exactly (no leading zeros, digits on both sides
 * of '.', an exponent with digits).  Without '.', 'e' or 'E' it is an
 * integer in long long's range, as strtoll reads it; otherwise a real,
 * the double strtod() gives.
 */
static json_t *
parse_number(struct jp *jp)
{
	static const double pow10[] = {
		1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
		1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
		1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	const unsigned char *p = jp->p, *end = jp->end, *start = p, *digits;
	uint64_t m = 0;    /* the significant digits, up to 19 */
	int sig = 0;       /* digits in m from its first nonzero one */
	bool lost = false; /* a nonzero digit did not fit in m */
	int64_t e10 = 0;   /* the value is m * 10^e10 unless lost */
	bool neg = false;
	double d;

	if (*p == '-') {
		neg = true;
		p++;
	}
	digits = p;
	if (p == end || !is_digit(*p))
		return NULL;
	if (*p == '0') {
		p++;
	} else {
		for (; p < end && is_digit(*p); p++) {
			if (sig < 19) {
				m = m * 10 + (*p - '0');
				sig++;
			} else {
				lost |= *p != '0';
				e10++;
			}
		}
	}
	if (p == end || (*p != '.' && *p != 'e' && *p != 'E')) {
		/* An integer: 19 digits may still overflow long long; 20
		   always do, and jansson refuses them. */
		if (p - digits > 19 || m > (uint64_t)LLONG_MAX + neg)
			return NULL;
		jp->p = p;
		if (!neg)
			return json_integer((json_int_t)m);
		/* -(m - 1) - 1: m may be 2^63, whose negation is LLONG_MIN
		   but which is not a long long itself. */
		return json_integer(m ? -(json_int_t)(m - 1) - 1 : 0);
	}
	if (*p == '.') {
		if (++p == end || !is_digit(*p))
			return NULL;
		for (; p < end && is_digit(*p); p++) {
			if (sig < 19) {
				m = m * 10 + (*p - '0');
				sig += m != 0;
				e10--;
			} else {
				lost |= *p != '0';
			}
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		bool eneg = false;
		int64_t ex = 0;

		if (++p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || !is_digit(*p))
			return NULL;
		/* Saturate: past 10^6 the exponent only means 0 or
		   overflow, which strtod() sorts out. */
		for (; p < end && is_digit(*p); p++)
			if (ex < 1000000)
				ex = ex * 10 + (*p - '0');
		e10 += eneg ? -ex : ex;
	}
	jp->p = p;
	if (m == 0) {
		/* Every digit is zero: zero whatever the exponent. */
		d = 0.0;
	} else if (FAST_REAL && !lost && m <= (1ULL << 53) && e10 >= -22 &&
		   e10 <= 22) {
		d = (double)m;
		d = e10 < 0 ? d / pow10[-e10] : d * pow10[e10];
	} else {
		return real_strtod(start, p);
	}
	return json_real(neg ? -d : d);
}

/* The literal word at jp->p, if it is exactly word. */
static inline bool
literal(struct jp *jp, const char *word, size_t n)
{
	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
		return false;
	jp->p += n;
	return true;
}

/* After an array element or object member: 1 when a comma says another
   follows, 0 when close ends the container, -1 for anything else. */
static int
next_member(struct jp *jp, char close)
{
	skip_ws(jp);
	if (jp->p == jp->end)
		return -1;
	if (*jp->p == close) {
		jp->p++;
		return 0;
	}
	if (*jp->p++ != ',')
		return -1;
	skip_ws(jp);
	return 1;
}

static json_t *
parse_array(struct jp *jp)
{
	json_t *a = NULL, *v;
	int more;

	if (++jp->depth > JPARSE_MAX_DEPTH || !(a = json_array()))
		goto fail;
	jp->p++;
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		goto out;
	}
	for (;;) {
		v = parse_value(jp);
		if (!v || json_array_append_new(a, v) < 0)
			goto fail;
		if ((more = next_member(jp, ']')) <= 0) {
			if (more < 0)
				goto fail;
			break;
		}
	}
out:
	jp->depth--;
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *
parse_object(struct jp *jp)
{
	json_t *o = NULL, *v;
	size_t n = 0;
	int more;

	if (++jp->depth > JPARSE_MAX_DEPTH || !(o = json_object()))
		goto fail;
	jp->p++;
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jp->p++;
		goto out;
	}
	for (;;) {
		size_t mark = jp->top, klen;
		const char *key;
		int where;

		if (jp->p == jp->end || *jp->p != '"' ||
		    (where = scan_string(jp, &key, &klen)) < 0)
			goto fail;
		skip_ws(jp);
		if (jp->p == jp->end || *jp->p++ != ':')
			goto fail;
		skip_ws(jp);
		if (!(v = parse_value(jp)))
			goto fail;
		/* The value's own strings may have moved the scratch. */
		if (where)
			key = jp->scratch + mark;
		/* A duplicate key replaces the value and leaves the size as
		   it was: one hash lookup per key instead of a
		   json_object_getn() first. */
		if (json_object_setn_new_nocheck(o, key, klen, v) < 0 ||
		    json_object_size(o) != ++n)
			goto fail;
		jp->top = mark;
		if ((more = next_member(jp, '}')) <= 0) {
			if (more < 0)
				goto fail;
			break;
		}
	}
out:
	jp->depth--;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* The value at jp->p (whitespace before it already skipped). */
static json_t *
parse_value(struct jp *jp)
{
	const char *s;
	size_t len, mark;
	json_t *v;

	if (jp->p == jp->end)
		return NULL;
	switch (*jp->p) {
	case '{':
		return parse_object(jp);
	case '[':
		return parse_array(jp);
	case '"':
		mark = jp->top;
		if (scan_string(jp, &s, &len) < 0)
			return NULL;
		v = json_stringn_nocheck(s, len);
		jp->top = mark;
		return v;
	case 't':
		return literal(jp, "true", 4) ? json_true() : NULL;
	case 'f':
		return literal(jp, "false", 5) ? json_false() : NULL;
	case 'n':
		return literal(jp, "null", 4) ? json_null() : NULL;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		return parse_number(jp);
	default:
		return NULL;
	}
}

json_t *
jparse(const char *data, size_t len)
{
	struct jp jp;
	json_t *root = NULL;

	if (!data)
		return NULL;
	jp.p = (const unsigned char *)data;
	jp.end = jp.p + len;
	jp.scratch = jp.stack;
	jp.top = 0;
	jp.cap = sizeof(jp.stack);
	jp.depth = 0;
	skip_ws(&jp);
	/* Without JSON_DECODE_ANY only an object or an array. */
	if (jp.p == jp.end || (*jp.p != '{' && *jp.p != '['))
		goto out;
	root = parse_value(&jp);
	skip_ws(&jp);
	if (root && jp.p != jp.end) {
		json_decref(root);
		root = NULL;
	}
out:
	if (jp.scratch != jp.stack)
		free(jp.scratch);
	return root;
}
