/* JSON-RPC building and classification. */
#include "crawler/jsonrpc.h"
#include "util/json.h"
#include "tests/unit/t.h"

static enum jsonrpc_kind
kind(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	enum jsonrpc_kind k;

	if (!j)
		return (enum jsonrpc_kind)-1;
	k = jsonrpc_classify(j);
	json_decref(j);
	return k;
}

TEST(jsonrpc_classify_kinds)
{
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}"),
		  JSONRPC_REQUEST);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":\"a\",\"method\":\"x\"}"),
		  JSONRPC_REQUEST);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\"}"),
		  JSONRPC_NOTIFICATION);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"),
		  JSONRPC_RESPONSE);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
		       "{\"code\":-32700,\"message\":\"parse\"}}"),
		  JSONRPC_RESPONSE);
	CHECK_INT(kind("{\"id\":1,\"result\":{}}"), JSONRPC_RESPONSE);
}

TEST(jsonrpc_classify_invalid)
{
	CHECK_INT(kind("[]"), JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"1.0\",\"id\":1,\"result\":{}}"),
		  JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"x\"}"),
		  JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"result\":{}}"),
		  JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[]}"),
		  JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},"
		       "\"error\":{\"code\":1}}"),
		  JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":"
		       "{\"code\":\"x\"}}"),
		  JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"id\":1}"), JSONRPC_INVALID);
	CHECK_INT(kind("{\"jsonrpc\":\"2.0\",\"method\":7}"), JSONRPC_INVALID);
}

TEST(jsonrpc_build_and_match)
{
	json_t *r = jsonrpc_request(7, "tools/list",
				    json_pack("{s:s}", "cursor", "c"));
	json_t *n = jsonrpc_notification("notifications/initialized", NULL);
	json_t *id = json_string("p1");
	json_t *res = jsonrpc_result(id, json_object());
	json_t *err = jsonrpc_error(id, JSONRPC_METHOD_NOT_FOUND, "nope");
	char *s = json_canonical(r);

	CHECK_STR(s, "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"tools/list\","
		     "\"params\":{\"cursor\":\"c\"}}");
	CHECK_INT(jsonrpc_classify(r), JSONRPC_REQUEST);
	CHECK(jsonrpc_id_is(r, 7));
	CHECK(!jsonrpc_id_is(r, 8));
	CHECK_INT(jsonrpc_classify(n), JSONRPC_NOTIFICATION);
	CHECK(json_object_get(n, "id") == NULL);
	CHECK_INT(jsonrpc_classify(res), JSONRPC_RESPONSE);
	CHECK_STR(json_get_str(res, "id"), "p1");
	CHECK_INT(jsonrpc_classify(err), JSONRPC_RESPONSE);
	CHECK(!jsonrpc_id_is(res, 1)); /* a string id never matches ours */
	CHECK_STR(jsonrpc_method(r), "tools/list");
	free(s);
	json_decref(r);
	json_decref(n);
	json_decref(id);
	json_decref(res);
	json_decref(err);
}
