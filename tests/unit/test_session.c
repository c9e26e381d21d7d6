/* The MCP client state machine, fed canned messages. */
#include "crawler/jsonrpc.h"
#include "crawler/session.h"
#include "util/json.h"
#include "tests/unit/t.h"

/* Pop the next outgoing message and return its method (or "reply"). */
static char out_text[4096];

static const char *
next_out(struct session *s, long long *id)
{
	json_t *m = session_next(s);
	const char *meth;
	char *txt;

	if (!m)
		return NULL;
	txt = json_canonical(m);
	snprintf(out_text, sizeof(out_text), "%s", txt);
	free(txt);
	meth = jsonrpc_method(m);
	if (id)
		*id = json_integer_value(json_object_get(m, "id"));
	if (!meth)
		meth = "reply";
	else if (strcmp(meth, "initialize") == 0)
		meth = "initialize";
	else if (strcmp(meth, "tools/list") == 0)
		meth = "tools/list";
	else if (strcmp(meth, "notifications/initialized") == 0)
		meth = "initialized";
	else
		meth = "other";
	json_decref(m);
	return meth;
}

static void
feed(struct session *s, const char *text)
{
	session_receive_text(s, text, strlen(text), true);
}

static const char init_ok[] =
	"{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"protocolVersion\":"
	"\"%s\",\"capabilities\":{\"tools\":{}},\"serverInfo\":{\"name\":"
	"\"srv\",\"title\":\"Srv\",\"version\":\"1.2\"},\"instructions\":"
	"\"be nice\"}}";

static void
feed_init(struct session *s, long long id, const char *ver)
{
	char b[1024];

	snprintf(b, sizeof(b), init_ok, id, ver);
	feed(s, b);
}

static void
feed_page(struct session *s, long long id, const char *tool,
	  const char *cursor)
{
	char b[1024];

	snprintf(b, sizeof(b),
		 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"tools\":[{"
		 "\"name\":\"%s\",\"inputSchema\":{\"type\":\"object\"}}]%s%s%s}}",
		 id, tool, cursor ? ",\"nextCursor\":\"" : "",
		 cursor ? cursor : "", cursor ? "\"" : "");
	feed(s, b);
}

TEST(session_happy_path_with_pages_and_noise)
{
	struct session *s = session_new("mine", "stdio");
	struct crawl_result r = CRAWL_RESULT_INIT;
	long long id = 0, id2 = 0;

	CHECK_STR(next_out(s, &id), "initialize");
	CHECK_CONTAINS(out_text, "\"protocolVersion\":\"2025-11-25\"");
	CHECK_CONTAINS(out_text, "\"capabilities\":{}");
	CHECK_CONTAINS(out_text, "\"clientInfo\":{\"name\":\"mcprisk\"");
	CHECK(next_out(s, NULL) == NULL);
	feed(s, "Starting server...");                  /* banner */
	feed(s, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/tools/"
		"list_changed\"}");
	feed(s, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"roots/list\"}");
	CHECK_STR(next_out(s, NULL), "reply");
	CHECK_CONTAINS(out_text, "\"result\":{\"roots\":[]}");
	feed(s, "{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
	CHECK_STR(next_out(s, NULL), "reply");
	CHECK_CONTAINS(out_text, "\"id\":\"p\"");
	CHECK_CONTAINS(out_text, "\"result\":{}");
	feed(s, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"sampling/"
		"createMessage\"}");
	CHECK_STR(next_out(s, NULL), "reply");
	CHECK_CONTAINS(out_text, "-32601");
	/* A response with a wrong id is ignored. */
	feed_init(s, id + 100, "2025-06-18");
	CHECK(!session_initialized(s));
	feed_init(s, id, "2025-06-18");
	CHECK(session_initialized(s));
	CHECK_STR(session_protocol_version(s), "2025-06-18");
	CHECK_STR(next_out(s, NULL), "initialized");
	CHECK_STR(next_out(s, &id2), "tools/list");
	CHECK(id2 != id);
	feed_page(s, id2, "a", "c1");
	CHECK_STR(next_out(s, &id), "tools/list");
	CHECK_CONTAINS(out_text, "\"params\":{\"cursor\":\"c1\"}");
	feed_page(s, id, "b", NULL);
	CHECK(session_done(s));
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_OK);
	CHECK_INT((long long)r.manifest.ntools, 2);
	CHECK_STR(r.manifest.tools[1].name, "b");
	CHECK_STR(json_get_str(r.server, "name"), "mine");
	CHECK_STR(json_get_str(r.server, "title"), "Srv");
	CHECK_STR(json_get_str(r.server, "version"), "1.2");
	CHECK_STR(json_get_str(r.server, "instructions"), "be nice");
	CHECK_STR(json_get_str(r.server, "transport"), "stdio");
	CHECK_STR(json_get_str(r.server, "protocolVersion"), "2025-06-18");
	CHECK_INT(json_integer_value(json_object_get(r.details,
						     "nonJsonLines")), 1);
	CHECK_INT(json_integer_value(json_object_get(r.details,
						     "strayResponses")), 1);
	CHECK_INT(json_integer_value(json_object_get(r.details,
						     "serverRequests")), 3);
	crawl_result_release(&r);
	session_free(s);
}

TEST(session_array_body_and_every_known_version)
{
	static const char *const vers[] = { "2024-11-05", "2025-03-26",
					    "2025-06-18", "2025-11-25",
					    "2031-01-01" };
	size_t i;

	for (i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
		struct session *s = session_new("x", "stdio");
		struct crawl_result r = CRAWL_RESULT_INIT;
		char b[2048];
		long long id;

		next_out(s, &id);
		snprintf(b, sizeof(b), "[{\"jsonrpc\":\"2.0\",\"method\":\"n\"},"
			 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{"
			 "\"protocolVersion\":\"%s\",\"capabilities\":{}}}]",
			 id, vers[i]);
		feed(s, b);
		next_out(s, NULL);
		next_out(s, &id);
		feed_page(s, id, "t", "");
		session_take_result(s, &r);
		CHECK_INT(r.status, CRAWL_OK);
		CHECK_STR(json_get_str(r.server, "protocolVersion"), vers[i]);
		CHECK_INT(json_is_true(json_object_get(r.details,
						       "unknownVersion")),
			  i == 4);
		crawl_result_release(&r);
		session_free(s);
	}
}

static struct crawl_result
run_list_error(const char *err)
{
	struct session *s = session_new("x", "stdio");
	struct crawl_result r = CRAWL_RESULT_INIT;
	char b[1024];
	long long id;

	next_out(s, &id);
	feed_init(s, id, "2025-11-25");
	next_out(s, NULL);
	next_out(s, &id);
	snprintf(b, sizeof(b), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":%s}",
		 id, err);
	feed(s, b);
	session_take_result(s, &r);
	session_free(s);
	return r;
}

TEST(session_list_errors)
{
	struct crawl_result r =
		run_list_error("{\"code\":-32601,\"message\":\"nope\"}");

	CHECK_INT(r.status, CRAWL_NO_TOOLS_CAPABILITY);
	CHECK(r.server != NULL);
	crawl_result_release(&r);
	r = run_list_error("{\"code\":-32603,\"message\":\"boom\"}");
	CHECK_INT(r.status, CRAWL_PROTOCOL_ERROR);
	CHECK_CONTAINS(r.error.msg, "-32603 boom");
	crawl_result_release(&r);
}

TEST(session_init_errors)
{
	struct session *s = session_new("x", "stdio");
	struct crawl_result r = CRAWL_RESULT_INIT;
	long long id;
	char b[512];

	next_out(s, &id);
	snprintf(b, sizeof(b), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":"
		 "{\"code\":-32602,\"message\":\"Unsupported\",\"data\":{"
		 "\"supported\":[\"2026-07-28\"]}}}", id);
	feed(s, b);
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_PROTOCOL_TOO_NEW);
	crawl_result_release(&r);
	session_free(s);

	s = session_new("x", "stdio");
	next_out(s, &id);
	snprintf(b, sizeof(b), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":"
		 "{\"code\":-32603,\"message\":\"down\"}}", id);
	feed(s, b);
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_INIT_ERROR);
	CHECK_CONTAINS(r.error.msg, "initialize failed: -32603 down");
	crawl_result_release(&r);
	session_free(s);

	s = session_new("x", "stdio");
	next_out(s, &id);
	snprintf(b, sizeof(b), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":"
		 "{\"capabilities\":{}}}", id);
	feed(s, b);
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_PROTOCOL_ERROR);
	CHECK_CONTAINS(r.error.msg, "protocolVersion");
	crawl_result_release(&r);
	session_free(s);
}

TEST(session_cursor_loop_and_page_cap)
{
	struct session *s = session_new("x", "stdio");
	struct crawl_result r = CRAWL_RESULT_INIT;
	long long id;
	int i;
	char cur[32];

	next_out(s, &id);
	feed_init(s, id, "2025-11-25");
	next_out(s, NULL);
	next_out(s, &id);
	feed_page(s, id, "a", "same");
	next_out(s, &id);
	feed_page(s, id, "a", "same");
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_PROTOCOL_ERROR);
	CHECK_CONTAINS(r.error.msg, "cursor repeated");
	crawl_result_release(&r);
	session_free(s);

	s = session_new("x", "stdio");
	next_out(s, &id);
	feed_init(s, id, "2025-11-25");
	next_out(s, NULL);
	next_out(s, &id);
	for (i = 0; i < SESSION_MAX_PAGES + 5 && !session_done(s); i++) {
		snprintf(cur, sizeof(cur), "c%d", i);
		feed(s, "");
		{
			char b[256];

			snprintf(b, sizeof(b),
				 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":"
				 "{\"tools\":[],\"nextCursor\":\"%s\"}}",
				 id, cur);
			feed(s, b);
		}
		next_out(s, &id);
	}
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_TOO_LARGE);
	CHECK_CONTAINS(r.error.msg, "pages");
	crawl_result_release(&r);
	session_free(s);
}

TEST(session_bad_json_and_strict_mode)
{
	struct session *s = session_new("x", "streamable-http");
	struct crawl_result r = CRAWL_RESULT_INIT;

	next_out(s, NULL);
	session_receive_text(s, "{\"a\":1,\"a\":2}", 13, true);
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_PROTOCOL_ERROR);
	CHECK_CONTAINS(r.error.msg, "invalid JSON");
	crawl_result_release(&r);
	session_free(s);

	s = session_new("x", "streamable-http");
	session_receive_text(s, "hello", 5, false);
	CHECK(session_done(s));
	session_free(s);
}

TEST(session_restart_uses_a_new_id_and_forgets_tools)
{
	struct session *s = session_new("x", "sse");
	long long id1, id2;

	next_out(s, &id1);
	session_restart(s);
	CHECK_STR(next_out(s, &id2), "initialize");
	CHECK(id1 != id2);
	feed_init(s, id1, "2025-11-25"); /* the old id is stray now */
	CHECK(!session_initialized(s));
	feed_init(s, id2, "2025-11-25");
	CHECK(session_initialized(s));
	session_fail(s, CRAWL_TIMEOUT, "first");
	session_fail(s, CRAWL_HTTP_ERROR, "second");
	{
		struct crawl_result r = CRAWL_RESULT_INIT;

		session_take_result(s, &r);
		CHECK_INT(r.status, CRAWL_TIMEOUT);
		CHECK_STR(r.error.msg, "first");
		CHECK_STR(crawl_status_name(&r), "timeout");
		crawl_result_release(&r);
	}
	session_free(s);
}

TEST(session_tool_cap)
{
	struct session *s = session_new("x", "stdio");
	struct crawl_result r = CRAWL_RESULT_INIT;
	json_t *msg, *tools;
	long long id;
	int i;

	next_out(s, &id);
	feed_init(s, id, "2025-11-25");
	next_out(s, NULL);
	next_out(s, &id);
	tools = json_array();
	for (i = 0; i <= MANIFEST_MAX_TOOLS; i++)
		json_array_append_new(tools, json_pack("{s:s}", "name", "t"));
	msg = jsonrpc_result(NULL, json_pack("{s:o}", "tools", tools));
	json_object_set_new(msg, "id", json_integer(id));
	session_receive(s, msg);
	json_decref(msg);
	session_take_result(s, &r);
	CHECK_INT(r.status, CRAWL_TOO_LARGE);
	crawl_result_release(&r);
	session_free(s);
}
