/*
 * Unit tests for util/: capped buffer, errbuf, strict parsing, hashing,
 * UTF-8 and terminal escaping, canonical JSON.
 */
#include <unistd.h>

#include "tests/unit/t.h"
#include "util/buf.h"
#include "util/errbuf.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/parse.h"
#include "util/term.h"
#include "util/utf8.h"

TEST(buf_cap_is_enforced)
{
	struct buf b = BUF_INIT(8);

	CHECK_INT(buf_puts(&b, "12345678"), 0);
	CHECK_INT(buf_putc(&b, 'x'), -1);
	CHECK(b.toobig);
	CHECK_STR(buf_cstr(&b), "12345678");
	buf_consume(&b, 3);
	CHECK_STR(buf_cstr(&b), "45678");
	buf_release(&b);
}

TEST(buf_printf_grows)
{
	struct buf b = BUF_INIT(1 << 20);
	int i;

	for (i = 0; i < 1000; i++)
		CHECK_INT(buf_printf(&b, "%d,", i), 0);
	CHECK_INT(b.len, 3890);
	buf_release(&b);
}

TEST(errbuf_prefix_adds_context)
{
	struct errbuf eb = ERRBUF_INIT;

	errbuf_set(&eb, "expected object");
	errbuf_prefix(&eb, "tools[%d].inputSchema", 3);
	CHECK_STR(eb.msg, "tools[3].inputSchema: expected object");
}

/* A background flush of a file being written, then its publish. */
TEST(file_sync_runs_beside_writes_and_reports_failure)
{
	struct errbuf eb = ERRBUF_INIT;
	char tmp[96], path[96];
	struct file_sync *fs;
	struct buf b = BUF_INIT(1 << 20);
	FILE *f;

	snprintf(tmp, sizeof(tmp), "/tmp/mcprisk-test-sync-%d.tmp",
		 (int)getpid());
	snprintf(path, sizeof(path), "/tmp/mcprisk-test-sync-%d", (int)getpid());
	unlink(path);
	f = fopen(tmp, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("first part\n", f);
	fflush(f);
	fs = file_sync_start(tmp);
	fputs("second part\n", f); /* written while it runs */
	fclose(f);
	CHECK_INT(file_sync_wait(fs, &eb), 0);
	CHECK_INT(file_publish(tmp, path, &eb), 0);
	CHECK_INT(file_read_capped(path, 1 << 20, &b, &eb), 0);
	CHECK_STR(buf_cstr(&b), "first part\nsecond part\n");
	buf_release(&b);
	unlink(path);
	/* A file that is not there: the failure is reported, not lost. */
	fs = file_sync_start(tmp);
	CHECK(fs != NULL);
	CHECK_INT(file_sync_wait(fs, &eb), -1);
	CHECK(strstr(eb.msg, "cannot open") != NULL);
	CHECK_INT(file_sync_wait(NULL, &eb), 0);
}

TEST(parse_ll_is_strict)
{
	struct errbuf eb = ERRBUF_INIT;
	long long v = 0;

	CHECK_INT(parse_ll("42", 0, 100, &v, &eb), 0);
	CHECK_INT(v, 42);
	CHECK_INT(parse_ll("42x", 0, 100, &v, &eb), -1);
	CHECK_INT(parse_ll(" 42", 0, 100, &v, &eb), -1);
	CHECK_INT(parse_ll("101", 0, 100, &v, &eb), -1);
	CHECK_INT(parse_ll("99999999999999999999", 0, 100, &v, &eb), -1);
	CHECK_INT(parse_ll("", 0, 100, &v, &eb), -1);
	CHECK_INT(parse_duration("2h", &v, &eb), 0);
	CHECK_INT(v, 7200);
	CHECK_INT(parse_duration("h", &v, &eb), -1);
}

TEST(sha256_known_answer)
{
	char hex[SHA256_HEX_LEN + 1];

	sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sha256_parts_hash_as_one_buffer)
{
	const char whole[] = "{\"tools\":[]}\0server-a";
	const void *part[] = { "{\"tools\":[]}", "", "server-a" };
	size_t len[] = { 12, 1, 8 };
	char a[SHA256_HEX_LEN + 1], b[SHA256_HEX_LEN + 1];

	sha256_hex(whole, sizeof(whole) - 1, a);
	sha256_hex_parts(part, len, 3, b);
	CHECK_STR(a, b);
	/* No parts at all: the digest of nothing. */
	sha256_hex_parts(NULL, NULL, 0, b);
	CHECK_STR(b, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(utf8_rejects_overlong_and_surrogates)
{
	CHECK(utf8_valid("h\xc3\xa9llo", 6));
	CHECK(!utf8_valid("\xc0\xaf", 2));
	CHECK(!utf8_valid("\xed\xa0\x80", 3));
	CHECK(!utf8_valid("\xff", 1));
	CHECK(!utf8_valid("\xe2\x82", 2));
}

TEST(term_escape_neutralises_controls)
{
	struct buf b = BUF_INIT(1024);

	term_escape(&b, "a\x1b[31mred\n\xe2\x80\x8bz\xff", 0);
	CHECK_STR(buf_cstr(&b), "a\\x1b[31mred\\n\\u200bz\\xff");
	buf_reset(&b);
	/* One table line: whitespace folded, other controls still escaped. */
	term_escape_line(&b, "\n    Reads a file.\n\t  Then \x1b[2J it  ends.  \r\n", 0);
	CHECK_STR(buf_cstr(&b), "Reads a file. Then \\x1b[2J it ends.");
	buf_reset(&b);
	term_escape_line(&b, " \n\t ", 0);
	CHECK_STR(buf_cstr(&b), "");
	buf_release(&b);
}

TEST(canonical_json_sorts_keys)
{
	struct errbuf eb = ERRBUF_INIT;
	json_t *a = json_load_strict("{\"b\":1,\"a\":{\"d\":2,\"c\":[3]}}", 27, &eb);
	char *s = json_canonical(a);

	CHECK_STR(s, "{\"a\":{\"c\":[3],\"d\":2},\"b\":1}");
	free(s);
	json_decref(a);
	CHECK(json_load_strict("{\"a\":1,\"a\":2}", 13, &eb) == NULL);
	CHECK_CONTAINS(eb.msg, "duplicate");
}

/* The canonical encoder is the basis of every definition hash: it must
   give jansson's bytes for every kind of value, or stored hashes would
   stop matching their definitions. */
TEST(canonical_json_is_janssons_encoding)
{
	static const char *const docs[] = {
		"{}", "[]", "\"\"", "0", "-0.0", "1e400x",
		"{\"b\":1,\"a\":2,\"ab\":3,\"\":4,\"\u00e9\":5,\"Z\":6}",
		"{\"x\":[1,-9223372036854775808,9223372036854775807,0.1,"
		"1e-7,1.5e300,-2.5e-300,123456789012345680000.0,true,false,"
		"null]}",
		"{\"s\":\"tab\\t nl\\n \\u0001 \\u001f \\u007f "
		"\\\"q\\\" \\\\ / \\u2028 \\ud83d\\ude00 caf\u00e9\"}",
		"{\"inputSchema\":{\"type\":\"object\",\"properties\":"
		"{\"b\":{\"type\":\"string\"},\"a\":{\"enum\":[\"z\","
		"\"y\"],\"default\":{\"q\":{},\"p\":[]}}}},\"name\":\"t\"}",
	};
	json_t *big = json_object();
	size_t i;
	char key[16];

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		json_t *j = json_loads(docs[i], JSON_DECODE_ANY, NULL);
		char *ours, *theirs;

		if (!j)
			continue; /* "1e400x": not JSON, nothing to compare */
		ours = json_canonical(j);
		theirs = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
					       JSON_ENCODE_ANY);
		CHECK_STR(ours, theirs);
		free(ours);
		free(theirs);
		json_decref(j);
	}
	/* More members than the encoder sorts on its stack. */
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%zu", (i * 37) % 100);
		json_object_set_new(big, key, json_integer((json_int_t)i));
	}
	{
		char *ours = json_canonical(big);
		char *theirs = json_dumps(big, JSON_COMPACT | JSON_SORT_KEYS);

		CHECK_STR(ours, theirs);
		free(ours);
		free(theirs);
	}
	json_decref(big);
}

/* json_buf_real writes a real as json_dumps would, and json_put_string
   escapes exactly as jansson does (uppercase hex in \u escapes). */
TEST(json_writers_match_jansson_bytes)
{
	static const char *const strs[] = {
		"", "plain", "quote \" and \\ backslash", "tab\tnl\ncr\r",
		"\b\f\x01\x1f\x7f", "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x90\xb3",
		"</script> & 'x' /slash/ and a longer tail of plain text",
	};
	static const double reals[] = { 0, 1, 0.75, 0.1, 0.6, 1e-5, 123456.5,
					1e20, 2.5e-300, -0.07 };
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		struct buf b = BUF_INIT(1024);
		json_t *j = json_string(strs[i]);
		char *want = json_dumps(j, JSON_ENCODE_ANY);

		CHECK_INT(json_put_string(&b, strs[i], strlen(strs[i])), 0);
		CHECK_STR(buf_cstr(&b), want);
		free(want);
		json_decref(j);
		buf_release(&b);
	}
	for (i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		struct buf b = BUF_INIT(1024);
		json_t *j = json_real(reals[i]);
		char *want = json_dumps(j, JSON_ENCODE_ANY);

		CHECK_INT(json_buf_real(&b, reals[i]), 0);
		CHECK_STR(buf_cstr(&b), want);
		free(want);
		json_decref(j);
		buf_release(&b);
	}
}

/* json_put_string() must read back (jansson) as exactly its input. */
TEST(json_put_string_round_trips)
{
	static const char *const cases[] = {
		"plain", "", "q\"uo\\te/", "\x01\x1f\b\f\n\r\t\x7f",
		"caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x98\x80 \xe2\x80\xae",
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT(1024);
		json_t *j;

		CHECK_INT(json_put_string(&b, cases[i], strlen(cases[i])), 0);
		j = json_loads(buf_cstr(&b), JSON_DECODE_ANY, NULL);
		CHECK(json_is_string(j));
		CHECK_STR(json_string_value(j), cases[i]);
		json_decref(j);
		buf_release(&b);
	}
	{
		/* Every special character at every offset of a string longer
		   than the eight bytes looked at together. */
		static const char *const specials[] = { "\"", "\\", "\x01",
							"\x1f", "\x7f",
							"\xc3\xa9" };
		char str[41];
		size_t k, m, n;

		for (m = 0; m < sizeof(specials) / sizeof(specials[0]); m++)
			for (k = 0, n = strlen(specials[m]); k + n <= 40; k++) {
				struct buf b = BUF_INIT(1024);
				json_t *j;

				memset(str, 'a', 40);
				str[40] = '\0';
				memcpy(str + k, specials[m], n);
				CHECK_INT(json_put_string(&b, str, 40), 0);
				j = json_loads(buf_cstr(&b), JSON_DECODE_ANY,
					       NULL);
				CHECK_STR(json_string_value(j), str);
				json_decref(j);
				buf_release(&b);
			}
	}
	{
		struct buf b = BUF_INIT(1024);

		CHECK_INT(json_put_string(&b, "a\0b", 3), 0);
		CHECK_STR(buf_cstr(&b), "\"a\\u0000b\"");
		buf_reset(&b);
		CHECK_INT(json_put_string(&b, "bad \xff", 5), -1);
		CHECK_INT(json_put_string(&b, "\xc0\xaf", 2), -1);
		CHECK_INT(json_put_string(&b, "aaaaaaaaaaaa\xe2\x80", 14), -1);
		buf_release(&b);
	}
	{
		struct buf b = BUF_INIT(4);

		CHECK_INT(json_put_string(&b, "toolong", 7), -1);
		CHECK(b.toobig);
		buf_release(&b);
	}
}

TEST(json_text_reals_stable_finds_rounded_reals)
{
#define STABLE(s) json_text_reals_stable((s), strlen(s), 10)
	CHECK(STABLE("{\"a\":1,\"b\":[true,false,null],\"c\":\"1.23456789012345\"}"));
	CHECK(STABLE("{\"confidence\":0.69999999999999996,\"x\":1.0,\"y\":-2.5e-07}"));
	CHECK(STABLE("{\"k\\\"1.234567890123\":\"\\\\\",\"v\":3}"));
	CHECK(STABLE("{\"a\":[1.234567891,-0.0001234567891,1e-320]}"));
	CHECK(!STABLE("{\"minimum\":0.1234567890123}"));
	CHECK(!STABLE("{\"a\":\"x\\\"\",\"b\":1.2345678901234e+30}"));
	CHECK(!STABLE("{\"big\":123456789012345678901}"));
	CHECK(!STABLE("{\"s\":\"a\\u0000b\"}"));
	CHECK(!STABLE("{\"s\":\"unterminated}"));
	CHECK(!json_text_reals_stable("{\"s\":\"a\0b\"}", 11, 10));
#undef STABLE
}
