/*
 * The service's request decoders: percent-escapes, base64url cursors,
 * the time forms of /v1/changes and listen addresses.
 */
#include <stdlib.h>
#include <string.h>

#include "server/decode.h"
#include "util/parse.h"
#include "server/server.h"
#include "t.h"

static char *
unesc(const char *s, bool plus)
{
	struct errbuf eb = ERRBUF_INIT;

	return http_unescape(s, strlen(s), plus, &eb);
}

TEST(unescape_good)
{
	char *s;

	s = unesc("io.github.x%2Fy", false);
	CHECK_STR(s, "io.github.x/y");
	free(s);
	s = unesc("a+b%20c%2b", true);
	CHECK_STR(s, "a b c+");
	free(s);
	s = unesc("a+b", false);
	CHECK_STR(s, "a+b");
	free(s);
	s = unesc("%C3%A9", false);
	CHECK_STR(s, "\xc3\xa9");
	free(s);
}

TEST(unescape_bad)
{
	CHECK(unesc("a%00b", false) == NULL);
	CHECK(unesc("a%", false) == NULL);
	CHECK(unesc("a%4", false) == NULL);
	CHECK(unesc("a%zz", false) == NULL);
	CHECK(unesc("%ff", false) == NULL);
	CHECK(unesc("%c0%af", false) == NULL);
	CHECK(unesc("%ed%a0%80", false) == NULL);
}

TEST(base64url_round_trip)
{
	static const char *const in[] = { "", "a", "ab", "abc", "abcd",
					  "io.github.x/y\xc3\xa9" };
	struct errbuf eb = ERRBUF_INIT;
	size_t i, n;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *e = base64url_encode(in[i], strlen(in[i]));
		char *d = base64url_decode(e, &n, &eb);

		CHECK(d != NULL);
		if (d) {
			CHECK_STR(d, in[i]);
			CHECK_INT(n, strlen(in[i]));
		}
		CHECK(strchr(e, '=') == NULL);
		free(e);
		free(d);
	}
	CHECK(base64url_decode("YQ==", &n, &eb) == NULL);
	CHECK(base64url_decode("a", &n, &eb) == NULL);
	CHECK(base64url_decode("YR", &n, &eb) == NULL); /* stray bits */
	CHECK(base64url_decode("a+b/", &n, &eb) == NULL);
}

TEST(when_forms)
{
	struct errbuf eb = ERRBUF_INIT;
	int64_t t = -1;

	CHECK_INT(parse_when("1767225600", 0, &t, &eb), 0);
	CHECK_INT(t, 1767225600);
	CHECK_INT(parse_when("2026-01-01T00:00:00Z", 0, &t, &eb), 0);
	CHECK_INT(t, 1767225600);
	CHECK_INT(parse_when("2026-01-01T02:00:00.25+02:00", 0, &t, &eb), 0);
	CHECK_INT(t, 1767225600);
	CHECK_INT(parse_when("2025-12-31T19:00:00-05:00", 0, &t, &eb), 0);
	CHECK_INT(t, 1767225600);
	CHECK_INT(parse_when("2026-01-01", 0, &t, &eb), 0);
	CHECK_INT(t, 1767225600);
	CHECK_INT(parse_when("7d", 1000000, &t, &eb), 0);
	CHECK_INT(t, 1000000 - 7 * 86400);
	CHECK_INT(parse_when("2h", 100, &t, &eb), 0);
	CHECK_INT(t, 0);
	CHECK_INT(parse_when("", 0, &t, &eb), -1);
	CHECK_INT(parse_when("-5", 0, &t, &eb), -1);
	CHECK_INT(parse_when("7w", 0, &t, &eb), -1);
	CHECK_INT(parse_when("2026-02-30", 0, &t, &eb), -1);
	CHECK_INT(parse_when("2026-01-01T00:00:00", 0, &t, &eb), -1);
	CHECK_INT(parse_when("2026-01-01T24:00:00Z", 0, &t, &eb), -1);
	CHECK_INT(parse_when("2026-01-01T00:00:00Zjunk", 0, &t, &eb), -1);
	CHECK_INT(parse_when("99999999999999999999", 0, &t, &eb), -1);
}

TEST(listen_addresses)
{
	struct errbuf eb = ERRBUF_INIT;
	char *host = NULL;
	int port = -1;

	CHECK_INT(server_parse_listen("127.0.0.1:8080", &host, &port, &eb), 0);
	CHECK_STR(host, "127.0.0.1");
	CHECK_INT(port, 8080);
	free(host);
	CHECK_INT(server_parse_listen("[::1]:0", &host, &port, &eb), 0);
	CHECK_STR(host, "::1");
	CHECK_INT(port, 0);
	free(host);
	CHECK_INT(server_parse_listen("::1:80", &host, &port, &eb), -1);
	CHECK_INT(server_parse_listen("host", &host, &port, &eb), -1);
	CHECK_INT(server_parse_listen(":80", &host, &port, &eb), -1);
	CHECK_INT(server_parse_listen("h:65536", &host, &port, &eb), -1);
	CHECK_INT(server_parse_listen("[::1]80", &host, &port, &eb), -1);
}
