/*
 * Unit tests for util/jparse: every text is read by jparse() and by
 * json_loadb(JSON_REJECT_DUPLICATES) and the two compared (tests/jtree.h).
 * jparse() may decline what jansson accepts, never accept what jansson
 * refuses nor build another tree.  A table pins jansson's rules one case
 * at a time; generated documents and byte mutations of them cover the
 * combinations; typical documents must take the fast path.
 */
#include <stdint.h>

#include "tests/unit/t.h"
#include "tests/jtree.h"
#include "util/buf.h"
#include "util/jparse.h"

/* What a table case must do. */
enum want {
	FAST,   /* jansson accepts it and jparse() builds the same tree */
	REJECT, /* jansson refuses it (so jparse() must too) */
	PUNT,   /* jansson accepts it, jparse() leaves it to jansson */
};

struct jcase {
	const char *text;
	size_t len; /* texts may hold NUL bytes */
	enum want want;
};

#define C(s, w) { s, sizeof(s) - 1, w }

static const struct jcase cases[] = {
	/* Top level: an object or an array, whitespace around it. */
	C("{}", FAST),
	C("[]", FAST),
	C(" \t\r\n{ } \n", FAST),
	C("[ 1 , 2 ]", FAST),
	C("{ \"a\" : 1 }", FAST),
	C("", REJECT),
	C("   ", REJECT),
	C("1", REJECT),
	C("-1", REJECT),
	C("\"a\"", REJECT),
	C("true", REJECT),
	C("null", REJECT),
	C("[] x", REJECT),
	C("[][]", REJECT),
	C("{}{}", REJECT),
	C("[]\f", REJECT),
	C("\f[]", REJECT),
	C("[]\v", REJECT),
	C("\xef\xbb\xbf[]", REJECT),
	C("[]\0", REJECT),
	C("[\0]", REJECT),
	/* Structure. */
	C("[1,2,3]", FAST),
	C("{\"a\":1,\"b\":[true,false,null]}", FAST),
	C("[[[[]]]]", FAST),
	C("{\"a\":{\"b\":{\"c\":[{}]}}}", FAST),
	C("[{},[],{}]", FAST),
	C("[", REJECT),
	C("]", REJECT),
	C("{", REJECT),
	C("}", REJECT),
	C("[1", REJECT),
	C("[1,", REJECT),
	C("[1,]", REJECT),
	C("[,1]", REJECT),
	C("[,]", REJECT),
	C("[1 2]", REJECT),
	C("[1:2]", REJECT),
	C("[}", REJECT),
	C("{]", REJECT),
	C("{\"a\"}", REJECT),
	C("{\"a\":}", REJECT),
	C("{\"a\" 1}", REJECT),
	C("{\"a\":1,}", REJECT),
	C("{\"a\":1 \"b\":2}", REJECT),
	C("{,}", REJECT),
	C("{1:2}", REJECT),
	C("{a:1}", REJECT),
	C("{'a':1}", REJECT),
	C("['a']", REJECT),
	C("{\"a\"::1}", REJECT),
	/* Literals. */
	C("[true,false,null]", FAST),
	C("[tru]", REJECT),
	C("[truex]", REJECT),
	C("[true1]", REJECT),
	C("[True]", REJECT),
	C("[nul]", REJECT),
	C("[NULL]", REJECT),
	C("[falsey]", REJECT),
	C("[t]", REJECT),
	C("[nulltrue]", REJECT),
	/* Integers: strtoll's range. */
	C("[0]", FAST),
	C("[-0]", FAST),
	C("[7]", FAST),
	C("[-7]", FAST),
	C("[1234567890123456789]", FAST),
	C("[9223372036854775807]", FAST),
	C("[-9223372036854775808]", FAST),
	C("[9223372036854775808]", REJECT),
	C("[-9223372036854775809]", REJECT),
	C("[10000000000000000000]", REJECT),
	C("[99999999999999999999999]", REJECT),
	C("[01]", REJECT),
	C("[-01]", REJECT),
	C("[00]", REJECT),
	C("[+1]", REJECT),
	C("[-]", REJECT),
	C("[--1]", REJECT),
	C("[-a]", REJECT),
	C("[0x10]", REJECT),
	C("[1_000]", REJECT),
	/* Reals: strtod's double, overflow refused, underflow kept. */
	C("[0.0]", FAST),
	C("[-0.0]", FAST),
	C("[1.5]", FAST),
	C("[-1.5]", FAST),
	C("[0.1]", FAST),
	C("[3.141592653589793]", FAST),
	C("[0.30000000000000004]", FAST),
	C("[1e5]", FAST),
	C("[1E5]", FAST),
	C("[1e+5]", FAST),
	C("[1e-5]", FAST),
	C("[0e0]", FAST),
	C("[0E+0]", FAST),
	C("[-0e-0]", FAST),
	C("[1.25e-3]", FAST),
	C("[1e22]", FAST),
	C("[1e23]", FAST),
	C("[1e0000000000000000001]", FAST),
	C("[9007199254740993.0]", FAST),
	C("[123456789012345678901234567890.0]", FAST),
	C("[0.000000000000000000000000000001]", FAST),
	C("[1.7976931348623157e308]", FAST),
	C("[1.7976931348623158e308]", FAST),
	C("[2.2250738585072014e-308]", FAST),
	C("[4.9e-324]", FAST),
	C("[2e-324]", FAST),
	C("[1e-400]", FAST),
	C("[1e-99999999]", FAST),
	C("[0e99999999]", FAST),
	C("[1e309]", REJECT),
	C("[-1e309]", REJECT),
	C("[1.7976931348623159e308]", REJECT),
	C("[1e99999999]", REJECT),
	C("[1.]", REJECT),
	C("[.5]", REJECT),
	C("[-.5]", REJECT),
	C("[1.e5]", REJECT),
	C("[1e]", REJECT),
	C("[1e+]", REJECT),
	C("[1e-]", REJECT),
	C("[1.5.3]", REJECT),
	C("[1e5e5]", REJECT),
	C("[NaN]", REJECT),
	C("[Infinity]", REJECT),
	C("[-Infinity]", REJECT),
	C("[1.000000000000000000000000000000000000000000000000000000000000"
	  "000000001]",
	  PUNT),
	/* Strings and escapes. */
	C("[\"\"]", FAST),
	C("[\"abc\"]", FAST),
	C("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", FAST),
	C("[\"a\\nb\"]", FAST),
	C("[\"\\u0041\"]", FAST),
	C("[\"\\u0001\"]", FAST),
	C("[\"\\u00e9\"]", FAST),
	C("[\"\\u00E9\"]", FAST),
	C("[\"\\u07ff\\u0800\"]", FAST),
	C("[\"\\u20AC\"]", FAST),
	C("[\"\\uFFFF\"]", FAST),
	C("[\"\\ud7ff\\ue000\"]", FAST),
	C("[\"\\ud83d\\ude00\"]", FAST),
	C("[\"\\uD83D\\uDE00\"]", FAST),
	C("[\"\\ud800\\udc00\"]", FAST),
	C("[\"\\udbff\\udfff\"]", FAST),
	C("[\"x\\ud83d\\ude00y\\u00e9z\"]", FAST),
	C("[\"abc]", REJECT),
	C("[\"\\\"]", REJECT),
	C("[\"\\", REJECT),
	C("[\"\\u", REJECT),
	C("[\"\\u12", REJECT),
	C("[\"\\x\"]", REJECT),
	C("[\"\\U0041\"]", REJECT),
	C("[\"\\'\"]", REJECT),
	C("[\"\\a\"]", REJECT),
	C("[\"\\0\"]", REJECT),
	C("[\"\\u12\"]", REJECT),
	C("[\"\\u12G4\"]", REJECT),
	C("[\"\\u 123\"]", REJECT),
	C("[\"\\u0000\"]", REJECT),
	C("[\"a\\u0000b\"]", REJECT),
	C("{\"\\u0000\":1}", REJECT),
	C("[\"\\ud800\"]", REJECT),
	C("[\"\\udc00\"]", REJECT),
	C("[\"\\udfff\\ud800\"]", REJECT),
	C("[\"\\ud800\\u0041\"]", REJECT),
	C("[\"\\ud800\\ud800\"]", REJECT),
	C("[\"\\ud800\\ue000\"]", REJECT),
	C("[\"\\udbff\\uffff\"]", REJECT),
	C("[\"\\ud800x\"]", REJECT),
	C("[\"\\ud800\\n\"]", REJECT),
	C("[\"\\ud800\\u00\"]", REJECT),
	C("[\"\\ud800\\\"]", REJECT),
	C("[\"\t\"]", REJECT),
	C("[\"\n\"]", REJECT),
	C("[\"\r\"]", REJECT),
	C("[\"\x01\"]", REJECT),
	C("[\"\x1f\"]", REJECT),
	C("[\"a\0b\"]", REJECT),
	C("[\"\x7f\"]", FAST),
	/* UTF-8: strict, checked inside strings, refused outside them. */
	C("[\"\xc3\xa9\"]", FAST),
	C("[\"\xe2\x82\xac\"]", FAST),
	C("[\"\xf0\x9f\x98\x80\"]", FAST),
	C("[\"\xc2\x80\xdf\xbf\"]", FAST),
	C("[\"\xe0\xa0\x80\xef\xbf\xbf\"]", FAST),
	C("[\"\xed\x9f\xbf\xee\x80\x80\"]", FAST),
	C("[\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"]", FAST),
	C("[\"\x80\"]", REJECT),
	C("[\"\xbf\"]", REJECT),
	C("[\"\xc0\x80\"]", REJECT),
	C("[\"\xc1\xbf\"]", REJECT),
	C("[\"\xc2\"]", REJECT),
	C("[\"\xc2\x41\"]", REJECT),
	C("[\"\xc2\xc2\x80\"]", REJECT),
	C("[\"\xe0\x80\x80\"]", REJECT),
	C("[\"\xe0\x9f\xbf\"]", REJECT),
	C("[\"\xed\xa0\x80\"]", REJECT),
	C("[\"\xed\xbf\xbf\"]", REJECT),
	C("[\"\xe2\x82\"]", REJECT),
	C("[\"\xe2\x82", REJECT),
	C("[\"\xf0\x80\x80\x80\"]", REJECT),
	C("[\"\xf0\x8f\xbf\xbf\"]", REJECT),
	C("[\"\xf0\x9f\x98\"]", REJECT),
	C("[\"\xf4\x90\x80\x80\"]", REJECT),
	C("[\"\xf5\x80\x80\x80\"]", REJECT),
	C("[\"\xf8\x88\x80\x80\x80\"]", REJECT),
	C("[\"\xfe\"]", REJECT),
	C("[\"\xff\"]", REJECT),
	C("[\xc3\xa9]", REJECT),
	C("{\"\xc3\xa9\":1,\"\xe2\x82\xac\":[\"\xf0\x9f\x98\x80\"]}", FAST),
	/* Keys and duplicates. */
	C("{\"\":1}", FAST),
	C("{\"a\":1,\"A\":2}", FAST),
	C("{\"a\\u0062\":1,\"ab\\u0063\":2}", FAST),
	C("{\"\\n\":1,\"\\t\":2}", FAST),
	C("{\"a\":{\"a\":1}}", FAST),
	C("{\"b\":1,\"a\":2,\"c\":3}", FAST),
	C("{\"a\":1,\"a\":2}", REJECT),
	C("{\"a\":1,\"b\":2,\"a\":3}", REJECT),
	C("{\"a\":1,\"\\u0061\":2}", REJECT),
	C("{\"\":1,\"\":2}", REJECT),
	C("{\"\xc3\xa9\":1,\"\\u00e9\":2}", REJECT),
	C("{\"a\":{},\"a\":{}}", REJECT),
	C("[{\"a\":1},{\"a\":2}]", FAST),
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static const char *const verdict_names[] = {
	"both refuse", "declined", "same tree", "ACCEPTED WHAT JANSSON REFUSES",
	"DIFFERENT TREE",
};

/* Check one text against what it must do; name says which in messages. */
static void
check_case(const char *name, const char *text, size_t len, enum want want)
{
	char why[256];
	enum jtree_verdict v = jtree_check(text, len, why, sizeof(why));
	enum jtree_verdict expect = want == FAST     ? JT_SAME
				    : want == REJECT ? JT_BOTH_REJECT
						     : JT_DECLINED;

	if (v != expect)
		T_FAIL("%s: %s, expected %s %s", name, verdict_names[v],
		       verdict_names[expect], why);
}

TEST(table_of_jansson_rules)
{
	char name[96];
	size_t i;

	CHECK(NCASES >= 100);
	for (i = 0; i < NCASES; i++) {
		snprintf(name, sizeof(name), "case %zu '%.*s'", i,
			 (int)(cases[i].len > 60 ? 60 : cases[i].len),
			 cases[i].text);
		check_case(name, cases[i].text, cases[i].len, cases[i].want);
	}
}

/* depth arrays around inner (which may be empty). */
static char *
nested(int depth, const char *inner, size_t *len)
{
	size_t n = strlen(inner), total = 2 * (size_t)depth + n;
	char *s = malloc(total + 1);
	int i;

	for (i = 0; i < depth; i++) {
		s[i] = '[';
		s[(size_t)depth + n + (size_t)i] = ']';
	}
	memcpy(s + depth, inner, n);
	s[total] = '\0';
	*len = total;
	return s;
}

TEST(nesting_depth)
{
	static const struct {
		int depth;
		const char *inner;
		enum want want;
	} d[] = {
		{ JPARSE_MAX_DEPTH, "", FAST },
		{ JPARSE_MAX_DEPTH, "1", FAST },
		{ JPARSE_MAX_DEPTH, "{\"a\":\"b\"}", PUNT },
		{ JPARSE_MAX_DEPTH + 1, "", PUNT },
		/* jansson counts the scalar too: 2048 values deep at most. */
		{ JSON_PARSER_MAX_DEPTH - 1, "1", PUNT },
		{ JSON_PARSER_MAX_DEPTH, "", PUNT },
		{ JSON_PARSER_MAX_DEPTH, "1", REJECT },
		{ JSON_PARSER_MAX_DEPTH + 1, "", REJECT },
		{ 100000, "", REJECT },
	};
	char name[64];
	size_t i, len;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		char *s = nested(d[i].depth, d[i].inner, &len);

		snprintf(name, sizeof(name), "%d deep around '%s'", d[i].depth,
			 d[i].inner);
		check_case(name, s, len, d[i].want);
		free(s);
	}
}

/* Deterministic xorshift64, so a failure reproduces. */
static uint64_t rng_state;

static uint64_t
rnd64(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)(rnd64() % n);
}

static void
gen_ws(struct buf *b)
{
	static const char ws[] = " \t\n\r";

	if (rnd(4) == 0) {
		unsigned k = 1 + rnd(4);

		while (k--)
			buf_putc(b, ws[rnd(4)]);
	}
}

/* One character of a string body: mostly plain ASCII, with every kind of
   escape and raw UTF-8 mixed in. */
static void
gen_char(struct buf *b)
{
	static const char plain[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789 .,;:!?-_()[]{}<>=+*&^%$#@~`|'/";
	static const char *const esc[] = {
		"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
	};
	static const char *const raw[] = {
		"\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xe2\x82\xac",
		"\xe0\xa0\x80", "\xef\xbf\xbf", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xf0\x9f\x98\x80", "\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf", "\xe4\xb8\xad",
	};
	unsigned r = rnd(100), cp;

	if (r < 80) {
		buf_putc(b, plain[rnd(sizeof(plain) - 1)]);
	} else if (r < 88) {
		buf_puts(b, esc[rnd(8)]);
	} else if (r < 94) {
		buf_puts(b, raw[rnd(sizeof(raw) / sizeof(raw[0]))]);
	} else if (r < 98) {
		/* A \u escape of any BMP character but NUL and the
		   surrogates, in either case. */
		do
			cp = 1 + rnd(0xfffe);
		while (cp >= 0xd800 && cp <= 0xdfff);
		buf_printf(b, rnd(2) ? "\\u%04x" : "\\u%04X", cp);
	} else {
		cp = 0x10000 + rnd(0x100000);
		buf_printf(b, "\\u%04x\\u%04X", 0xd800 + ((cp - 0x10000) >> 10),
			   0xdc00 + ((cp - 0x10000) & 0x3ff));
	}
}

static void
gen_string(struct buf *b)
{
	unsigned n = rnd(10) == 0 ? rnd(3000) : rnd(24);

	buf_putc(b, '"');
	while (n--)
		gen_char(b);
	buf_putc(b, '"');
}

static void
gen_digits(struct buf *b, unsigned n, bool lead_nonzero)
{
	unsigned i;

	for (i = 0; i < n; i++)
		buf_putc(b, (char)((i == 0 && lead_nonzero ? '1' + rnd(9)
							   : '0' + rnd(10))));
}

/* A number, in every shape the grammar allows: integers near the limits
   of long long, reals with few and many digits and exponents from
   underflow to overflow. */
static void
gen_number(struct buf *b)
{
	static const char *const edge[] = {
		"0", "-0", "9223372036854775807", "-9223372036854775808",
		"9223372036854775806", "-9223372036854775807",
		"9007199254740992", "9007199254740993", "0.0", "-0.0",
		"1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308",
		"1e22", "1e23", "1e-22", "1e-23", "0.1", "0.2", "0.3",
	};
	unsigned r = rnd(10);

	if (r == 0) {
		buf_puts(b, edge[rnd(sizeof(edge) / sizeof(edge[0]))]);
		return;
	}
	if (rnd(3) == 0)
		buf_putc(b, '-');
	if (rnd(5) == 0)
		buf_putc(b, '0');
	else
		gen_digits(b, 1 + rnd(r < 5 ? 6 : 20), true);
	if (r < 5)
		return;
	if (rnd(3)) {
		buf_putc(b, '.');
		gen_digits(b, 1 + rnd(rnd(4) ? 6 : 22), false);
	}
	if (rnd(2)) {
		static const char *const e[] = { "e", "E", "e+", "e-", "E-" };

		buf_puts(b, e[rnd(5)]);
		gen_digits(b, 1 + rnd(3), false);
	}
}

/* Keys from a small set so that duplicates happen now and then. */
static void
gen_key(struct buf *b)
{
	static const char *const keys[] = {
		"\"name\"", "\"description\"", "\"type\"", "\"properties\"",
		"\"required\"", "\"n\\u0061me\"", "\"\"", "\"a\"", "\"b\"",
	};

	if (rnd(3))
		buf_puts(b, keys[rnd(sizeof(keys) / sizeof(keys[0]))]);
	else
		gen_string(b);
}

static void
gen_value(struct buf *b, int depth)
{
	unsigned r = depth > 6 ? 4 + rnd(6) : rnd(10), n, i;

	switch (r) {
	case 0:
	case 1:
		n = rnd(6);
		buf_putc(b, '{');
		for (i = 0; i < n; i++) {
			gen_ws(b);
			if (i)
				buf_putc(b, ',');
			gen_ws(b);
			gen_key(b);
			gen_ws(b);
			buf_putc(b, ':');
			gen_ws(b);
			gen_value(b, depth + 1);
		}
		gen_ws(b);
		buf_putc(b, '}');
		break;
	case 2:
	case 3:
		n = rnd(6);
		buf_putc(b, '[');
		for (i = 0; i < n; i++) {
			gen_ws(b);
			if (i)
				buf_putc(b, ',');
			gen_ws(b);
			gen_value(b, depth + 1);
		}
		gen_ws(b);
		buf_putc(b, ']');
		break;
	case 4:
	case 5:
	case 6:
		gen_string(b);
		break;
	case 7:
	case 8:
		gen_number(b);
		break;
	default: {
		static const char *const lit[] = { "true", "false", "null" };

		buf_puts(b, lit[rnd(3)]);
		break;
	}
	}
}

static void
gen_doc(struct buf *b)
{
	buf_reset(b);
	gen_ws(b);
	if (rnd(2)) {
		buf_putc(b, '[');
		gen_value(b, 1);
		buf_putc(b, ']');
	} else {
		buf_puts(b, "{\"k\":");
		gen_value(b, 1);
		buf_putc(b, '}');
	}
	gen_ws(b);
}

/* One random edit: a byte changed (often to one that matters to the
   grammar), removed, added, or the text cut short. */
static size_t
mutate(char *s, size_t len, size_t cap)
{
	static const char hot[] = "\"\\{}[],:0-+.eEu \t\n\x80\xc3\xed\xf0\xbf";
	size_t at = len ? rnd((unsigned)len) : 0;
	char c = rnd(2) ? hot[rnd(sizeof(hot) - 1)] : (char)rnd(256);

	switch (rnd(5)) {
	case 0:
	case 1:
		if (len)
			s[at] = c;
		return len;
	case 2:
		if (len) {
			memmove(s + at, s + at + 1, len - at - 1);
			len--;
		}
		return len;
	case 3:
		if (len < cap) {
			memmove(s + at + 1, s + at, len - at);
			s[at] = c;
			len++;
		}
		return len;
	default:
		return at;
	}
}

TEST(generated_documents_and_mutations)
{
	struct buf b = BUF_INIT(1 << 24);
	size_t count[5] = { 0 }, mcount[5] = { 0 };
	char why[256], *m = NULL;
	size_t mcap = 0;
	int i, k, reported = 0;

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < 4000; i++) {
		enum jtree_verdict v;

		gen_doc(&b);
		v = jtree_check(b.data, b.len, why, sizeof(why));
		count[v]++;
		/* Generated documents stay within what jparse() reads
		   itself: it must agree with jansson on every one. */
		if (v != JT_SAME && v != JT_BOTH_REJECT && reported++ < 5)
			T_FAIL("document %d: %s %s: %.200s", i,
			       verdict_names[v], why, b.data);
		if (mcap < b.len + 16) {
			mcap = b.len + 16;
			m = realloc(m, mcap);
		}
		for (k = 0; k < 8; k++) {
			size_t len = b.len;
			int edits = 1 + (int)rnd(3);

			char *exact;

			memcpy(m, b.data, b.len);
			while (edits--)
				len = mutate(m, len, mcap);
			/* A copy of exactly len bytes, so that the sanitizer
			   build sees any read past the end. */
			exact = malloc(len ? len : 1);
			memcpy(exact, m, len);
			v = jtree_check(exact, len, why, sizeof(why));
			free(exact);
			mcount[v]++;
			if ((v == JT_FAST_ONLY || v == JT_DIFFERENT) &&
			    reported++ < 5)
				T_FAIL("mutation %d.%d: %s %s: %.*s", i, k,
				       verdict_names[v], why,
				       (int)(len > 200 ? 200 : len), m);
		}
	}
	printf("# documents: %zu same, %zu both refuse; mutations: %zu same, "
	       "%zu both refuse, %zu declined\n",
	       count[JT_SAME], count[JT_BOTH_REJECT], mcount[JT_SAME],
	       mcount[JT_BOTH_REJECT], mcount[JT_DECLINED]);
	/* The generator must exercise both sides of every rule. */
	CHECK(count[JT_SAME] > 1000);
	CHECK(count[JT_BOTH_REJECT] > 100);
	CHECK(mcount[JT_SAME] > 1000);
	CHECK(mcount[JT_BOTH_REJECT] > 1000);
	free(m);
	buf_release(&b);
}

/* Reals one at a time: the fast conversion and strtod() must agree to the
   bit, across digit counts and exponents. */
TEST(generated_reals)
{
	struct buf b = BUF_INIT(1 << 10);
	char why[256];
	size_t same = 0;
	int i, reported = 0;

	rng_state = 0x2545f4914f6cdd1dULL;
	for (i = 0; i < 20000; i++) {
		enum jtree_verdict v;

		buf_reset(&b);
		buf_putc(&b, '[');
		if (rnd(2))
			buf_putc(&b, '-');
		gen_digits(&b, 1 + rnd(17), true);
		if (rnd(4)) {
			buf_putc(&b, '.');
			gen_digits(&b, 1 + rnd(17), false);
		}
		if (rnd(2))
			buf_printf(&b, "e%d", (int)rnd(700) - 350);
		else if (rnd(2))
			buf_printf(&b, "e%d", (int)rnd(50) - 25);
		buf_putc(&b, ']');
		v = jtree_check(b.data, b.len, why, sizeof(why));
		same += v == JT_SAME;
		if (v != JT_SAME && v != JT_BOTH_REJECT && reported++ < 5)
			T_FAIL("%s: %s %s", b.data, verdict_names[v], why);
	}
	CHECK(same > 15000);
	buf_release(&b);
}

/* A tools/list result as servers send it: the shape the fast path is
   for. */
static void
gen_tools_list(struct buf *b, int ntools, bool pretty)
{
	const char *nl = pretty ? "\n    " : "";
	int i;

	buf_reset(b);
	buf_printf(b, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[");
	for (i = 0; i < ntools; i++) {
		buf_printf(
			b,
			"%s%s{\"name\":\"list_items_%d\",\"description\":"
			"\"Lists the items in the workspace.\\nResults are "
			"paginated; pass \\\"cursor\\\" from the previous "
			"page. Caf\xc3\xa9 \\u2014 ok.\",%s\"inputSchema\":"
			"{\"type\":\"object\",\"properties\":{\"limit\":"
			"{\"type\":\"integer\",\"minimum\":1,\"maximum\":100,"
			"\"default\":20.5,\"description\":\"Maximum number "
			"of results\"},\"cursor\":{\"type\":[\"string\","
			"\"null\"]}},\"required\":[],\"additionalProperties\":"
			"false},%s\"annotations\":{\"readOnlyHint\":true,"
			"\"title\":\"List items \\ud83d\\udcc4\"}}",
			i ? "," : "", nl, i, nl, nl);
	}
	buf_puts(b, "]}}");
}

TEST(typical_documents_take_the_fast_path)
{
	static const char manifest[] =
		"{\n  \"name\": \"files\",\n  \"version\": \"1.2.0\",\n"
		"  \"tools\": [\n    {\n      \"name\": \"read_file\",\n"
		"      \"description\": \"Read a file.\",\n"
		"      \"inputSchema\": {\"type\": \"object\", \"properties\":"
		" {\"path\": {\"type\": \"string\"}}, \"required\": [\"path\"]"
		"}\n    }\n  ]\n}\n";
	struct buf b = BUF_INIT(1 << 24);
	char why[256];
	int n;

	CHECK_INT(jtree_check(manifest, sizeof(manifest) - 1, why,
			      sizeof(why)),
		  JT_SAME);
	for (n = 1; n <= 200; n *= 3) {
		CHECK_INT(jtree_check(b.data, (gen_tools_list(&b, n, false),
					       b.len),
				      why, sizeof(why)),
			  JT_SAME);
		CHECK_INT(jtree_check(b.data, (gen_tools_list(&b, n, true),
					       b.len),
				      why, sizeof(why)),
			  JT_SAME);
	}
	buf_release(&b);
}

/* Long strings: runs across the 16-byte steps, escapes that outgrow the
   scratch on the stack, and keys decoded on the scratch while the value
   decodes more. */
TEST(long_strings_and_scratch)
{
	struct buf b = BUF_INIT(1 << 24);
	char why[256];
	int len, i;

	for (len = 0; len < 5000; len += len < 40 ? 1 : 397) {
		buf_reset(&b);
		buf_puts(&b, "{\"k\\u0065y");
		for (i = 0; i < len; i++)
			buf_putc(&b, (char)('a' + i % 26));
		buf_puts(&b, "\":[\"");
		for (i = 0; i < len; i++)
			buf_puts(&b, i % 7 == 3 ? "\\n" : "x");
		buf_puts(&b, "\",{\"in\\u006Eer\":\"");
		for (i = 0; i < len; i++)
			buf_puts(&b, i % 5 == 1 ? "\xc3\xa9" : "y");
		buf_puts(&b, "\\t\"}],\"k\\u0065y2\":1}");
		CHECK_INT(jtree_check(b.data, b.len, why, sizeof(why)),
			  JT_SAME);
	}
	buf_release(&b);
}

TEST(null_data_is_declined)
{
	CHECK(jparse(NULL, 0) == NULL);
	CHECK(jparse("", 0) == NULL);
}
