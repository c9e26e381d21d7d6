/*
 * Unit tests for crawler/manifest: every accepted shape, every rejection
 * with its JSON path, definition hashing and name flags.
 */
#include "tests/unit/t.h"
#include "crawler/manifest.h"

static int
parse(const char *s, struct manifest *m, struct errbuf *eb)
{
	return manifest_parse(s, strlen(s), m, eb);
}

static void
expect_error(const char *doc, const char *msg)
{
	struct manifest m = MANIFEST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	if (parse(doc, &m, &eb) == 0) {
		T_FAIL("accepted %s", doc);
		manifest_release(&m);
		return;
	}
	CHECK_CONTAINS(eb.msg, msg);
	CHECK(m.root == NULL && m.ntools == 0);
}

TEST(accepts_every_shape)
{
	static const char *const docs[] = {
		"{\"tools\":[{\"name\":\"a\",\"inputSchema\":{}}]}",
		"{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"a\",\"inputSchema\":{}}]}}",
		"[{\"name\":\"a\",\"inputSchema\":{}}]",
		"{\"server\":{\"name\":\"s\"},\"tools\":[{\"name\":\"a\",\"inputSchema\":{}}]}",
	};
	static const enum manifest_shape shapes[] = {
		MANIFEST_TOOLS_RESULT, MANIFEST_JSONRPC, MANIFEST_BARE_LIST,
		MANIFEST_SNAPSHOT,
	};
	char first[SHA256_HEX_LEN + 1] = "";
	size_t i;

	for (i = 0; i < 4; i++) {
		struct manifest m = MANIFEST_INIT;
		struct errbuf eb = ERRBUF_INIT;

		CHECK_INT(parse(docs[i], &m, &eb), 0);
		CHECK_INT(m.shape, shapes[i]);
		CHECK_INT(m.ntools, 1);
		if (m.ntools)
			CHECK_STR(m.tools[0].name, "a");
		/* The same tool hashes the same whatever the wrapping. */
		if (i == 0)
			memcpy(first, m.tools[0].hash, sizeof(first));
		else if (m.ntools)
			CHECK_STR(m.tools[0].hash, first);
		manifest_release(&m);
	}
}

TEST(snapshot_names_the_server)
{
	struct manifest m = MANIFEST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	CHECK_INT(parse("{\"server\":{\"name\":\"io.x/y\",\"version\":\"1\"},\"tools\":[]}", &m, &eb), 0);
	CHECK_STR(m.server_name, "io.x/y");
	CHECK_INT(m.ntools, 0);
	manifest_release(&m);
	expect_error("{\"server\":{\"title\":\"x\"},\"tools\":[]}", "server.name");
	expect_error("{\"server\":[],\"tools\":[]}", "server: expected object");
}

TEST(rejects_with_json_path)
{
	expect_error("{\"tools\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"d\",\"inputSchema\":\"x\"}]}",
		     "tools[3].inputSchema: expected object, got string");
	expect_error("{\"tools\":[{\"description\":\"x\"}]}", "tools[0]: tool has no name");
	expect_error("{\"tools\":[{\"name\":7}]}", "tools[0].name: expected string, got integer");
	expect_error("{\"tools\":[{\"name\":\"\"}]}", "tools[0].name: empty");
	expect_error("{\"tools\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", "duplicate tool name 'a'");
	expect_error("{\"tools\":[{\"name\":\"a\",\"annotations\":{\"readOnlyHint\":\"yes\"}}]}",
		     "tools[0].annotations.readOnlyHint: expected boolean");
	expect_error("{\"tools\":{}}", "tools: expected array, got object");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"tools\":[{\"name\":1}]}}",
		     "result.tools[0].name");
	expect_error("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32601,\"message\":\"nope\"}}",
		     "JSON-RPC error response: nope");
	expect_error("{\"tools\":[{\"name\":\"a\",\"name\":\"b\"}]}", "duplicate object key");
	expect_error("{\"tools\":[{\"name\":\"a\\u0000b\"}]}", "invalid JSON");
	expect_error("{\"tools\":[{\"name\":\"a\xff\"}]}", "invalid JSON");
	expect_error("{\"tools\":[{\"name\":\"a\"}", "invalid JSON");
	expect_error("\"tools\"", "expected near");
	expect_error("[1]", "[0]: expected object, got integer");
	expect_error("{\"tools\":[{\"name\":\"\\ud800\"}]}", "invalid JSON");
}

TEST(caps_tool_count_and_size)
{
	struct manifest m = MANIFEST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	size_t n = MANIFEST_MAX_TOOLS + 1, i, len = 0;
	char *doc = malloc(n * 32 + 64), *big;

	len += (size_t)snprintf(doc, 32, "{\"tools\":[");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(doc + len, 32, "%s{\"name\":\"t%zu\"}",
					i ? "," : "", i);
	len += (size_t)snprintf(doc + len, 8, "]}");
	CHECK_INT(manifest_parse(doc, len, &m, &eb), -1);
	CHECK_CONTAINS(eb.msg, "more than the limit");
	free(doc);

	big = malloc(MANIFEST_MAX_TOOL_BYTES + 128);
	len = (size_t)snprintf(big, 64, "{\"tools\":[{\"name\":\"a\",\"description\":\"");
	memset(big + len, 'x', MANIFEST_MAX_TOOL_BYTES);
	len += MANIFEST_MAX_TOOL_BYTES;
	len += (size_t)snprintf(big + len, 8, "\"}]}");
	CHECK_INT(manifest_parse(big, len, &m, &eb), -1);
	CHECK_CONTAINS(eb.msg, "tools[0]: definition of 'a' is");
	free(big);
}

TEST(hash_ignores_key_order_and_extra_fields)
{
	struct manifest a = MANIFEST_INIT, b = MANIFEST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	CHECK_INT(parse("{\"tools\":[{\"name\":\"x\",\"description\":\"d\",\"inputSchema\":{\"type\":\"object\",\"properties\":{}}}]}", &a, &eb), 0);
	CHECK_INT(parse("{\"tools\":[{\"inputSchema\":{\"properties\":{},\"type\":\"object\"},\"_meta\":{\"k\":1},\"icons\":[],\"description\":\"d\",\"name\":\"x\"}]}", &b, &eb), 0);
	CHECK_STR(a.tools[0].hash, b.tools[0].hash);
	CHECK_STR(a.hash, b.hash);
	CHECK_STR(a.tools[0].canonical,
		  "{\"description\":\"d\",\"inputSchema\":{\"properties\":{},\"type\":\"object\"},\"name\":\"x\"}");
	manifest_release(&a);
	manifest_release(&b);
}

TEST(manifest_hash_ignores_tool_order)
{
	struct manifest a = MANIFEST_INIT, b = MANIFEST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	CHECK_INT(parse("[{\"name\":\"x\"},{\"name\":\"y\"}]", &a, &eb), 0);
	CHECK_INT(parse("[{\"name\":\"y\"},{\"name\":\"x\"}]", &b, &eb), 0);
	CHECK_STR(a.hash, b.hash);
	manifest_release(&a);
	manifest_release(&b);
}

TEST(flags_nonstandard_names)
{
	CHECK(manifest_name_is_standard("get_user.v2-beta"));
	CHECK(!manifest_name_is_standard("has space"));
	CHECK(!manifest_name_is_standard("caf\xc3\xa9"));
	CHECK(!manifest_name_is_standard(""));
	{
		char n[130];

		memset(n, 'a', 129);
		n[129] = '\0';
		CHECK(!manifest_name_is_standard(n));
		n[128] = '\0';
		CHECK(manifest_name_is_standard(n));
	}
}
