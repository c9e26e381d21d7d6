/*
 * The transport-independent MCP client: initialize, initialized, every
 * tools/list page, with ids matched, server requests answered and loops
 * guarded.  It only produces and consumes JSON messages; the transports
 * carry them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/jsonrpc.h"
#include "crawler/session.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

#ifndef MCPRISK_VERSION
#define MCPRISK_VERSION "0.1.0"
#endif

/* The most a session's arena grows to (see session_receive_text()). */
#define SESSION_ARENA_MAX ((size_t)64 << 20)

enum sstate {
	S_INIT,  /* initialize sent, waiting for its response */
	S_LIST,  /* tools/list sent, waiting for a page */
	S_DONE,  /* finished, successfully or not */
};

struct session {
	char *name;           /* target name, becomes server.name */
	char *transport;      /* recorded in server.transport */
	enum sstate state;
	long long next_id;    /* next request id to use */
	long long wait_id;    /* id of the request awaiting an answer */
	json_t *out;          /* queued outgoing messages (array) */
	json_t *tools;        /* tools collected so far (array) */
	json_t *cursors;      /* cursors already followed (object as set) */
	size_t pages;         /* tools/list pages received */
	json_t *server;       /* snapshot "server" object once initialized */
	char *version;        /* negotiated protocol version */
	json_t *details;      /* status details and counters */
	/* Where messages are parsed and the manifest built: the tools
	   live on in the manifest, which holds the arena too, and the rest
	   goes with the session, without a free per node. */
	struct jarena *arena;
	enum crawl_status status;
	struct errbuf err;
	unsigned long nonjson, invalid, notifications, requests, stray;
};

static const char *const known_versions[] = {
	"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
};

static bool
version_known(const char *v)
{
	size_t i;

	for (i = 0; i < sizeof(known_versions) / sizeof(known_versions[0]);
	     i++)
		if (strcmp(v, known_versions[i]) == 0)
			return true;
	return false;
}

static void
queue(struct session *s, json_t *msg)
{
	json_array_append_new(s->out, msg);
}

static void
send_initialize(struct session *s)
{
	json_t *params = json_pack(
		"{s:s,s:{},s:{s:s,s:s}}", "protocolVersion",
		SESSION_PROTOCOL_VERSION, "capabilities", "clientInfo", "name",
		"mcprisk", "version", MCPRISK_VERSION);

	s->wait_id = s->next_id++;
	queue(s, jsonrpc_request(s->wait_id, "initialize", params));
	s->state = S_INIT;
}

static void
send_list(struct session *s, const char *cursor)
{
	json_t *params = NULL;

	if (cursor)
		params = json_pack("{s:s}", "cursor", cursor);
	s->wait_id = s->next_id++;
	queue(s, jsonrpc_request(s->wait_id, "tools/list", params));
	s->state = S_LIST;
}

struct session *
session_new(const char *name, const char *transport)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->name = xstrdup(name);
	s->transport = xstrdup(transport);
	s->next_id = 1;
	s->out = json_array();
	s->tools = json_array();
	s->cursors = json_object();
	s->details = json_object();
	s->arena = jarena_new();
	send_initialize(s);
	return s;
}

void
session_free(struct session *s)
{
	if (!s)
		return;
	free(s->name);
	free(s->transport);
	free(s->version);
	json_decref(s->out);
	json_decref(s->tools);
	json_decref(s->cursors);
	json_decref(s->server);
	json_decref(s->details);
	jarena_free(s->arena);
	free(s);
}

void
session_set_transport(struct session *s, const char *transport)
{
	free(s->transport);
	s->transport = xstrdup(transport);
	if (s->server)
		json_object_set_new(s->server, "transport",
				    json_string(transport));
}

void
session_restart(struct session *s)
{
	if (s->state == S_DONE)
		return;
	json_array_clear(s->out);
	json_array_clear(s->tools);
	json_object_clear(s->cursors);
	s->pages = 0;
	json_decref(s->server);
	s->server = NULL;
	free(s->version);
	s->version = NULL;
	send_initialize(s);
}

json_t *
session_next(struct session *s)
{
	json_t *m;

	if (json_array_size(s->out) == 0)
		return NULL;
	m = json_incref(json_array_get(s->out, 0));
	json_array_remove(s->out, 0);
	return m;
}

bool
session_has_output(const struct session *s)
{
	return json_array_size(s->out) > 0;
}

void
session_fail(struct session *s, enum crawl_status st, const char *fmt, ...)
{
	va_list ap;
	char msg[ERRBUF_SIZE];

	if (s->state == S_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errbuf_set(&s->err, "%s", msg);
	s->status = st;
	s->state = S_DONE;
	json_array_clear(s->out);
}

bool
session_done(const struct session *s)
{
	return s->state == S_DONE;
}

bool
session_initialized(const struct session *s)
{
	return s->version != NULL;
}

const char *
session_protocol_version(const struct session *s)
{
	return s->version;
}

const char *
session_waiting_for(const struct session *s)
{
	switch (s->state) {
	case S_INIT:
		return "initialize";
	case S_LIST:
		return "tools/list";
	case S_DONE:
		break;
	}
	return NULL;
}

long long
session_waiting_id(const struct session *s)
{
	return s->state == S_DONE ? -1 : s->wait_id;
}

json_t *
session_details(struct session *s)
{
	return s->details;
}

void
session_count_nonjson(struct session *s)
{
	s->nonjson++;
}

static void
answer_request(struct session *s, const json_t *msg)
{
	const char *m = jsonrpc_method(msg);
	const json_t *id = json_object_get(msg, "id");

	s->requests++;
	if (strcmp(m, "ping") == 0)
		queue(s, jsonrpc_result(id, json_object()));
	else if (strcmp(m, "roots/list") == 0)
		queue(s, jsonrpc_result(id, json_pack("{s:[]}", "roots")));
	else
		queue(s, jsonrpc_error(id, JSONRPC_METHOD_NOT_FOUND,
				       "Method not found"));
}

/* "code message" of an error response, for messages. */
static void
error_text(const json_t *err, char *out, size_t outlen)
{
	const char *m = json_get_str(err, "message");

	snprintf(out, outlen, "%lld %s",
		 (long long)json_integer_value(json_object_get(err, "code")),
		 m ? m : "(no message)");
}

/* Does a refused initialize look like a version refusal? */
static bool
version_refused(const json_t *err)
{
	long long code = json_integer_value(json_object_get(err, "code"));
	const json_t *sup, *v;
	size_t i;

	if (code >= -32022 && code <= -32020)
		return true;
	if (code != JSONRPC_INVALID_PARAMS)
		return false;
	sup = json_object_get(json_object_get(err, "data"), "supported");
	if (!json_is_array(sup) || json_array_size(sup) == 0)
		return false;
	json_array_foreach(sup, i, v)
		if (json_is_string(v) && version_known(json_string_value(v)))
			return false;
	return true;
}

static void
set_str(json_t *o, const char *key, const json_t *from, const char *fkey)
{
	const char *v = json_get_str(from, fkey);

	if (v)
		json_object_set_new(o, key, json_string(v));
}

static void
on_init(struct session *s, const json_t *msg)
{
	const json_t *err = json_object_get(msg, "error");
	const json_t *res = json_object_get(msg, "result"), *info, *caps;
	const char *ver;
	char text[512];

	if (err) {
		error_text(err, text, sizeof(text));
		if (version_refused(err))
			session_fail(s, CRAWL_PROTOCOL_TOO_NEW,
				     "initialize refused protocol %s: %s",
				     SESSION_PROTOCOL_VERSION, text);
		else
			session_fail(s, CRAWL_INIT_ERROR,
				     "initialize failed: %s", text);
		return;
	}
	ver = json_get_str(res, "protocolVersion");
	if (!ver || !*ver) {
		session_fail(s, CRAWL_PROTOCOL_ERROR,
			     "initialize result has no protocolVersion");
		return;
	}
	info = json_object_get(res, "serverInfo");
	caps = json_object_get(res, "capabilities");
	if ((info && !json_is_object(info)) || (caps && !json_is_object(caps))) {
		session_fail(s, CRAWL_PROTOCOL_ERROR,
			     "initialize result: serverInfo and capabilities "
			     "must be objects");
		return;
	}
	s->version = xstrdup(ver);
	if (!version_known(ver))
		json_object_set_new(s->details, "unknownVersion", json_true());
	s->server = json_object();
	json_object_set_new(s->server, "name", json_string(s->name));
	set_str(s->server, "title", info, "title");
	set_str(s->server, "version", info, "version");
	set_str(s->server, "description", info, "description");
	json_object_set_new(s->server, "protocolVersion", json_string(ver));
	json_object_set_new(s->server, "capabilities",
			    caps ? json_deep_copy(caps) : json_object());
	set_str(s->server, "instructions", res, "instructions");
	json_object_set_new(s->server, "transport", json_string(s->transport));
	if (info)
		json_object_set_new(s->server, "serverInfo",
				    json_deep_copy(info));
	queue(s, jsonrpc_notification("notifications/initialized", NULL));
	send_list(s, NULL);
}

static void
on_list(struct session *s, const json_t *msg)
{
	const json_t *err = json_object_get(msg, "error");
	const json_t *res = json_object_get(msg, "result"), *tools, *next;
	char text[512];

	if (err) {
		error_text(err, text, sizeof(text));
		if (json_integer_value(json_object_get(err, "code")) ==
		    JSONRPC_METHOD_NOT_FOUND)
			session_fail(s, CRAWL_NO_TOOLS_CAPABILITY,
				     "tools/list not supported: %s", text);
		else
			session_fail(s, CRAWL_PROTOCOL_ERROR,
				     "tools/list failed: %s", text);
		return;
	}
	tools = json_object_get(res, "tools");
	if (!json_is_array(tools)) {
		session_fail(s, CRAWL_PROTOCOL_ERROR,
			     "tools/list result: tools: expected array, got %s",
			     tools ? json_type_name(tools) : "nothing");
		return;
	}
	if (json_array_size(s->tools) + json_array_size(tools) >
	    MANIFEST_MAX_TOOLS) {
		session_fail(s, CRAWL_TOO_LARGE,
			     "more than %d tools", MANIFEST_MAX_TOOLS);
		return;
	}
	json_array_extend(s->tools, (json_t *)tools);
	s->pages++;
	next = json_object_get(res, "nextCursor");
	if (next && !json_is_string(next) && !json_is_null(next)) {
		session_fail(s, CRAWL_PROTOCOL_ERROR,
			     "tools/list result: nextCursor: expected string, "
			     "got %s", json_type_name(next));
		return;
	}
	if (json_is_string(next) && *json_string_value(next)) {
		const char *c = json_string_value(next);

		if (json_object_get(s->cursors, c)) {
			session_fail(s, CRAWL_PROTOCOL_ERROR,
				     "tools/list cursor repeated after %zu "
				     "pages", s->pages);
			return;
		}
		if (s->pages >= SESSION_MAX_PAGES) {
			session_fail(s, CRAWL_TOO_LARGE,
				     "more than %d tools/list pages",
				     SESSION_MAX_PAGES);
			return;
		}
		json_object_set_new(s->cursors, c, json_true());
		send_list(s, c);
		return;
	}
	s->status = CRAWL_OK;
	s->state = S_DONE;
}

static void
on_response(struct session *s, const json_t *msg)
{
	if (!jsonrpc_id_is(msg, s->wait_id)) {
		s->stray++;
		return;
	}
	if (s->state == S_INIT)
		on_init(s, msg);
	else if (s->state == S_LIST)
		on_list(s, msg);
}

static void
receive_one(struct session *s, const json_t *msg)
{
	switch (jsonrpc_classify(msg)) {
	case JSONRPC_REQUEST:
		answer_request(s, msg);
		break;
	case JSONRPC_NOTIFICATION:
		s->notifications++;
		break;
	case JSONRPC_RESPONSE:
		on_response(s, msg);
		break;
	case JSONRPC_INVALID:
		s->invalid++;
		break;
	}
}

void
session_receive(struct session *s, const json_t *msg)
{
	size_t i;
	const json_t *m;

	if (s->state == S_DONE)
		return;
	if (!json_is_array(msg)) {
		receive_one(s, msg);
		return;
	}
	json_array_foreach(msg, i, m) {
		if (s->state == S_DONE)
			break;
		receive_one(s, m);
	}
}

void
session_receive_text(struct session *s, const char *p, size_t n,
		     bool lenient)
{
	struct errbuf eb = ERRBUF_INIT;
	struct jarena *prev;
	json_t *j;
	size_t i = 0;

	if (s->state == S_DONE)
		return;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
			 p[i] == '\n'))
		i++;
	if (lenient && (i == n || (p[i] != '{' && p[i] != '['))) {
		s->nonjson++;
		return;
	}
	/* An arena frees nothing before the session ends: a server that
	   talks on and on gets its later messages parsed on the heap. */
	prev = jarena_use(jarena_bytes(s->arena) < SESSION_ARENA_MAX
				  ? s->arena
				  : NULL);
	j = json_load_strict(p, n, &eb);
	jarena_use(prev);
	if (!j && lenient && p[i] == '[') {
		s->nonjson++; /* "[info] ready": a log line, not a batch */
		return;
	}
	if (!j) {
		session_fail(s, CRAWL_PROTOCOL_ERROR, "invalid JSON message: %s",
			     eb.msg);
		return;
	}
	session_receive(s, j);
	json_decref(j);
}

static void
add_counter(json_t *o, const char *key, unsigned long v)
{
	if (v)
		json_object_set_new(o, key, json_integer((json_int_t)v));
}

void
session_take_result(struct session *s, struct crawl_result *out)
{
	struct errbuf eb = ERRBUF_INIT;
	json_t *server = s->server;

	crawl_result_release(out);
	*out = (struct crawl_result)CRAWL_RESULT_INIT;
	if (s->state != S_DONE)
		session_fail(s, CRAWL_PROTOCOL_ERROR, "session did not finish");
	add_counter(s->details, "nonJsonLines", s->nonjson);
	add_counter(s->details, "invalidMessages", s->invalid);
	add_counter(s->details, "notifications", s->notifications);
	add_counter(s->details, "serverRequests", s->requests);
	add_counter(s->details, "strayResponses", s->stray);
	add_counter(s->details, "pages", s->pages);
	out->status = s->status;
	out->error = s->err;
	out->details = s->details;
	s->details = json_object();
	s->server = NULL;
	if (out->status == CRAWL_OK) {
		json_t *tools = s->tools;
		struct jarena *prev;
		int rc;

		s->tools = json_array();
		prev = jarena_use(s->arena);
		rc = manifest_from_tools(tools, server, &out->manifest, &eb);
		jarena_use(prev);
		if (rc < 0) {
			out->status = CRAWL_PROTOCOL_ERROR;
			errbuf_set(&out->error, "invalid tools/list result: %s",
				   eb.msg);
		} else {
			out->manifest.arena = jarena_ref(s->arena);
		}
	}
	out->server = server;
}
