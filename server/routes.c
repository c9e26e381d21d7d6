/*
 * The endpoints of the service: a routing table (method + path pattern ->
 * handler) and one handler per route.  Handlers return the same JSON the
 * CLI prints with --json (the store's query functions, the classifier's
 * document, the exporters' bytes), encoded the same way.
 */
#include <ctype.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "crawler/manifest.h"
#include "db/store.h"
#include "report/recommend.h"
#include "server/decode.h"
#include "server/service.h"
#include "util/buf.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/parse.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define CT_JSON "application/json"
#define CT_YAML "application/yaml"
#define CT_TOML "application/toml"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"

/* Page sizes: GET /v1/servers, /v1/search and /v1/changes. */
#define SERVERS_LIMIT_DEFAULT 100
#define SERVERS_LIMIT_MAX 500
#define SEARCH_LIMIT_DEFAULT 20
#define SEARCH_LIMIT_MAX 1000
#define CHANGES_LIMIT_DEFAULT 1000
#define CHANGES_LIMIT_MAX 10000
/* Longest decoded cursor (a server name) and search text accepted. */
#define CURSOR_MAX 2048
#define SEARCH_MAX 512
/* Longest decoded name in a path (server or tool). */
#define NAME_MAX_BYTES 2048
/* Largest GET /v1/tools/{name} answer: a tool name shared by thousands of
   servers stays far below it. */
#define TOOL_REPLY_MAX ((size_t)64 << 20)
/* The flags `mcprisk --json` prints store results with (json_print). */
#define STORE_JSON_FLAGS                                                    \
	(JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY |                \
	 JSON_REAL_PRECISION(JSON_PRINT_PRECISION))

void
reply_error(struct reply *out, int status, const char *fmt, ...)
{
	struct errbuf eb = ERRBUF_INIT;
	json_t *j;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	vsnprintf(eb.msg, sizeof(eb.msg), fmt, ap);
	va_end(ap);
	j = json_pack("{s:s}", "error", eb.msg);
	/* Messages may quote hostile input cut mid-character: encode what
	   is valid and fall back to a fixed text. */
	if (!j)
		j = json_pack("{s:s}", "error", "invalid request");
	s = json_text(j, JSON_COMPACT);
	json_decref(j);
	free(out->body);
	out->len = strlen(s);
	out->body = xrealloc(s, out->len + 2);
	out->body[out->len++] = '\n';
	out->body[out->len] = '\0';
	out->status = status;
	out->ctype = CT_JSON;
}

/* Answer 200 with j encoded by flags plus a newline; steals j. */
static void
reply_json(struct reply *out, json_t *j, size_t flags)
{
	char *s = json_text(j, flags);

	json_decref(j);
	if (!s) {
		reply_error(out, 500, "cannot encode the response");
		return;
	}
	out->len = strlen(s);
	out->body = xrealloc(s, out->len + 2);
	out->body[out->len++] = '\n';
	out->body[out->len] = '\0';
	out->status = 200;
	out->ctype = CT_JSON;
}

/* A store query failed: "no ..." is a missing object, anything else ours. */
static void
reply_store_error(struct reply *out, const struct errbuf *eb)
{
	if (strncmp(eb->msg, "no ", 3) == 0)
		reply_error(out, 404, "%s", eb->msg);
	else
		reply_error(out, 500, "%s", eb->msg);
}

/*
 * The decoded query parameter key (NULL when absent) in *val (new).
 * Returns -1 after answering 400 when it does not decode.
 */
static int
query_arg(struct call *c, const char *key, char **val, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	const char *raw;

	*val = NULL;
	raw = MHD_lookup_connection_value(c->conn, MHD_GET_ARGUMENT_KIND, key);
	if (!raw)
		return 0;
	*val = http_unescape(raw, strlen(raw), true, &eb);
	if (!*val) {
		reply_error(out, 400, "query parameter '%s': %s", key, eb.msg);
		return -1;
	}
	return 0;
}

/* An integer query parameter in [min, max], def when absent. */
static int
query_int(struct call *c, const char *key, long long min, long long max,
	  long long def, long long *v, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	char *s;

	if (query_arg(c, key, &s, out) < 0)
		return -1;
	*v = def;
	if (s && parse_ll(s, min, max, v, &eb) < 0) {
		reply_error(out, 400, "query parameter '%s': %s (expected "
			    "%lld to %lld)", key, eb.msg, min, max);
		free(s);
		return -1;
	}
	free(s);
	return 0;
}

/* Decode a name taken from the path; -1 after answering 400. */
static char *
path_name(const char *raw, size_t len, const char *what, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	char *name;

	if (len == 0) {
		reply_error(out, 400, "missing %s name", what);
		return NULL;
	}
	if (len > NAME_MAX_BYTES * 3) {
		reply_error(out, 400, "%s name is too long", what);
		return NULL;
	}
	name = http_unescape(raw, len, false, &eb);
	if (!name)
		reply_error(out, 400, "%s name: %s", what, eb.msg);
	return name;
}

static void
h_healthz(struct call *c, struct reply *out)
{
	reply_json(out,
		   json_pack("{s:s,s:s?}", "status", "ok", "rules_version",
			     c->svc->rules_version),
		   STORE_JSON_FLAGS);
}

/* One gauge line per counted value of store_counts(). */
static void
metrics_catalog(struct call *c, struct buf *b)
{
	static const char *const kinds[] = { "refresh", "import" };
	struct errbuf eb = ERRBUF_INIT;
	json_t *counts, *run;
	const char *k;
	json_t *v;
	size_t i;

	counts = store_counts(c->w->store, &eb);
	buf_puts(b, "# HELP mcprisk_catalog_objects Objects in the catalog "
		    "(servers, present tools, distinct definitions).\n"
		    "# TYPE mcprisk_catalog_objects gauge\n");
	json_object_foreach(counts, k, v)
		buf_printf(b, "mcprisk_catalog_objects{kind=\"%s\"} %lld\n", k,
			   (long long)json_integer_value(v));
	json_decref(counts);
	buf_puts(b, "# HELP mcprisk_last_run_started_seconds Start of the "
		    "latest run of each kind (Unix time).\n"
		    "# TYPE mcprisk_last_run_started_seconds gauge\n"
		    "# HELP mcprisk_last_run_finished_seconds End of the "
		    "latest run of each kind (Unix time; 0 while it runs).\n"
		    "# TYPE mcprisk_last_run_finished_seconds gauge\n"
		    "# HELP mcprisk_last_run_success Whether the latest run "
		    "of each kind ended with outcome ok.\n"
		    "# TYPE mcprisk_last_run_success gauge\n");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *outcome;

		run = store_last_run(c->w->store, kinds[i], &eb);
		if (json_is_object(run)) {
			outcome = json_get_str(run, "outcome");
			buf_printf(b,
				   "mcprisk_last_run_started_seconds{kind=\"%s\"}"
				   " %lld\n"
				   "mcprisk_last_run_finished_seconds{kind=\"%s\"}"
				   " %lld\n"
				   "mcprisk_last_run_success{kind=\"%s\"} %d\n",
				   kinds[i],
				   (long long)json_integer_value(
					   json_object_get(run, "started")),
				   kinds[i],
				   (long long)json_integer_value(
					   json_object_get(run, "finished")),
				   kinds[i],
				   outcome && strcmp(outcome, "ok") == 0);
		}
		json_decref(run);
	}
}

static void
h_metrics(struct call *c, struct reply *out)
{
	/* Routes x statuses x buckets stay far below this. */
	struct buf b = BUF_INIT((size_t)1 << 20);

	metrics_render(c->svc->metrics, &b);
	metrics_catalog(c, &b);
	if (b.toobig) {
		buf_release(&b);
		reply_error(out, 500, "metrics do not fit the buffer");
		return;
	}
	out->status = 200;
	out->ctype = CT_METRICS;
	out->len = b.len;
	out->body = buf_detach(&b, NULL);
}

static void
h_servers(struct call *c, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	char *cursor = NULL, *after = NULL;
	long long limit;
	json_t *res, *list;
	size_t alen;
	bool more;

	if (query_int(c, "limit", 1, SERVERS_LIMIT_MAX, SERVERS_LIMIT_DEFAULT,
		      &limit, out) < 0 ||
	    query_arg(c, "cursor", &cursor, out) < 0)
		goto out;
	if (cursor) {
		if (strlen(cursor) > CURSOR_MAX * 4 / 3 + 4 ||
		    !(after = base64url_decode(cursor, &alen, &eb)) ||
		    strlen(after) != alen) {
			reply_error(out, 400, "bad cursor");
			goto out;
		}
	}
	res = store_servers_page(c->w->store, c->svc->rules_version, after,
				 (int)limit, &more, &eb);
	if (!res) {
		reply_store_error(out, &eb);
		goto out;
	}
	list = json_object_get(res, "servers");
	if (more) {
		const char *last = json_get_str(
			json_array_get(list, json_array_size(list) - 1), "name");
		char *next = base64url_encode(last, strlen(last));

		json_object_set_new(res, "next_cursor", json_string(next));
		free(next);
	} else {
		json_object_set_new(res, "next_cursor", json_null());
	}
	reply_json(out, res, STORE_JSON_FLAGS);
out:
	free(cursor);
	free(after);
}

/* The content type of each export format. */
static const char *
format_ctype(enum export_format f)
{
	switch (f) {
	case EXPORT_INTERCEPT:
	case EXPORT_DOCKER:
		return CT_YAML;
	case EXPORT_CODEX:
		return CT_TOML;
	default:
		return CT_JSON;
	}
}

/* A bundled profile name: lowercase letters, digits, '-' and '_' only,
   so a request can never name a file. */
static bool
profile_name_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return i > 0 && i < 64;
}

static void
policy(struct call *c, const char *name, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	struct server_verdicts sv = { 0 };
	struct export_notes notes = EXPORT_NOTES_INIT;
	struct buf b = BUF_INIT(EXPORT_MAX);
	struct profile *p = NULL;
	char *format = NULL, *pname = NULL, *alias = NULL;
	bool loaded = false;
	int f = EXPORT_POLICYLAYER;

	if (query_arg(c, "format", &format, out) < 0 ||
	    query_arg(c, "profile", &pname, out) < 0 ||
	    query_arg(c, "alias", &alias, out) < 0)
		goto out;
	if (format && (f = export_format_parse(format)) < 0) {
		reply_error(out, 400, "unknown format '%.64s' (policylayer, "
			    "intercept, claude, codex or docker)", format);
		goto out;
	}
	if (pname && !profile_name_ok(pname)) {
		reply_error(out, 400, "bad profile name '%.64s'", pname);
		goto out;
	}
	if (alias && (!*alias || strlen(alias) > EXPORT_ALIAS_MAX)) {
		reply_error(out, 400, "alias must be 1 to %d bytes",
			    EXPORT_ALIAS_MAX);
		goto out;
	}
	p = profile_load_named(c->svc->opts->data_dir,
			       pname ? pname : "balanced", &eb);
	if (!p) {
		reply_error(out, 400, "profile '%.64s': %s",
			    pname ? pname : "balanced", eb.msg);
		goto out;
	}
	if (recommend_load(c->w->store, name, c->svc->rules_version, &sv,
			   &eb) < 0) {
		reply_store_error(out, &eb);
		goto out;
	}
	loaded = true;
	if (recommend_render(p, &sv, alias, c->svc->rules_version,
			     (enum export_format)f, &b, &notes, &eb) < 0) {
		reply_error(out, alias ? 400 : 500, "%s", eb.msg);
		goto out;
	}
	out->status = 200;
	out->ctype = format_ctype((enum export_format)f);
	out->len = b.len;
	out->body = buf_detach(&b, NULL);
out:
	if (loaded)
		server_verdicts_release(&sv);
	export_notes_release(&notes);
	buf_release(&b);
	profile_free(p);
	free(format);
	free(pname);
	free(alias);
}

/*
 * /v1/servers/{name} and /v1/servers/{name}/policy.  The name is
 * everything after "/v1/servers/" (raw '/' included) up to a final
 * "/policy"; a server whose name itself ends in "/policy" is reached with
 * its slash escaped as %2F.
 */
static void
h_server(struct call *c, struct reply *out)
{
	static const char suffix[] = "/policy";
	struct errbuf eb = ERRBUF_INIT;
	size_t len = strlen(c->rest), sl = sizeof(suffix) - 1;
	bool is_policy = len > sl && strcmp(c->rest + len - sl, suffix) == 0;
	char *name;
	json_t *res;

	if (is_policy) {
		len -= sl;
		c->route = ROUTE_POLICY;
	}
	if (!(name = path_name(c->rest, len, "server", out)))
		return;
	if (is_policy) {
		policy(c, name, out);
	} else if (!(res = store_server(c->w->store, name,
					c->svc->rules_version, &eb))) {
		reply_store_error(out, &eb);
	} else {
		reply_json(out, res, STORE_JSON_FLAGS);
	}
	free(name);
}

/*
 * The hottest route: the stored definition and verdict texts are spliced
 * into compact JSON (store_tool_text) instead of decoded and encoded with
 * STORE_JSON_FLAGS; the value is the same as `mcprisk --json risk`.
 */
static void
h_tool(struct call *c, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	struct buf b = BUF_INIT(TOOL_REPLY_MAX);
	char *name, *server = NULL;

	if (!(name = path_name(c->rest, strlen(c->rest), "tool", out)))
		return;
	if (query_arg(c, "server", &server, out) < 0)
		goto out;
	if (store_tool_text(c->w->store, name, server, c->svc->rules_version,
			    &b, &eb) < 0) {
		reply_store_error(out, &eb);
		goto out;
	}
	if (buf_putc(&b, '\n') < 0) {
		reply_error(out, 500, "response is larger than %zu bytes",
			    b.max);
		goto out;
	}
	out->status = 200;
	out->ctype = CT_JSON;
	out->len = b.len;
	out->body = buf_detach(&b, NULL);
out:
	buf_release(&b);
	free(server);
	free(name);
}

static void
h_search(struct call *c, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	long long limit;
	char *q = NULL;
	const char *p;
	json_t *res;

	if (query_int(c, "limit", 1, SEARCH_LIMIT_MAX, SEARCH_LIMIT_DEFAULT,
		      &limit, out) < 0 ||
	    query_arg(c, "q", &q, out) < 0)
		goto out;
	for (p = q; p && (*p == ' ' || *p == '\t' || *p == '\n'); p++)
		;
	if (!p || !*p) {
		reply_error(out, 400, "query parameter 'q' is required");
		goto out;
	}
	if (strlen(q) > SEARCH_MAX) {
		reply_error(out, 400, "query parameter 'q' is longer than %d "
			    "bytes", SEARCH_MAX);
		goto out;
	}
	res = store_search(c->w->store, q, (int)limit, &eb);
	if (!res)
		reply_error(out, 500, "%s", eb.msg);
	else
		reply_json(out, res, STORE_JSON_FLAGS);
out:
	free(q);
}

static void
h_changes(struct call *c, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	int64_t since = 0;
	long long limit;
	char *when = NULL;
	json_t *res;

	if (query_int(c, "limit", 1, CHANGES_LIMIT_MAX, CHANGES_LIMIT_DEFAULT,
		      &limit, out) < 0 ||
	    query_arg(c, "since", &when, out) < 0)
		goto out;
	if (when && parse_when(when, (int64_t)time(NULL), &since, &eb) < 0) {
		reply_error(out, 400, "query parameter 'since': %s", eb.msg);
		goto out;
	}
	res = store_changes(c->w->store, since, c->svc->rules_version,
				  (int)limit, &eb);
	if (!res)
		reply_error(out, 500, "%s", eb.msg);
	else
		reply_json(out, res, STORE_JSON_FLAGS);
out:
	free(when);
}

static void
h_classify(struct call *c, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	struct manifest m = MANIFEST_INIT;
	json_t *doc;

	if (manifest_parse(c->body ? c->body : "", c->body_len, &m, &eb) < 0) {
		reply_error(out, 400, "%s", eb.msg);
		goto out;
	}
	doc = classify_manifest_json(c->w->cls, c->svc->rules, &m, NULL, &eb);
	if (!doc)
		reply_error(out, 400, "%s", eb.msg);
	else
		reply_json(out, doc, CLASSIFY_JSON_FLAGS);
out:
	manifest_release(&m);
}

/* Exact paths first; a prefix route takes the rest of the path. */
static const struct route routes[] = {
	{ "/healthz", false, false, ROUTE_HEALTHZ, h_healthz },
	{ "/metrics", false, false, ROUTE_METRICS, h_metrics },
	{ "/v1/servers", false, false, ROUTE_SERVERS, h_servers },
	{ "/v1/search", false, false, ROUTE_SEARCH, h_search },
	{ "/v1/changes", false, false, ROUTE_CHANGES, h_changes },
	{ "/v1/classify", false, true, ROUTE_CLASSIFY, h_classify },
	{ "/v1/servers/", true, false, ROUTE_SERVER, h_server },
	{ "/v1/tools/", true, false, ROUTE_TOOL, h_tool },
};

const struct route *
routes_match(const char *method, const char *url, bool *method_ok,
	     const char **rest)
{
	size_t i, n;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];

		n = strlen(r->path);
		if (r->prefix ? strncmp(url, r->path, n) != 0
			      : strcmp(url, r->path) != 0)
			continue;
		*rest = url + (r->prefix ? n : strlen(url));
		if (r->post)
			*method_ok = strcmp(method, "POST") == 0;
		else
			*method_ok = strcmp(method, "GET") == 0 ||
				     strcmp(method, "HEAD") == 0;
		return r;
	}
	return NULL;
}

const char *
route_allow(const struct route *r)
{
	return r->post ? "POST" : "GET, HEAD";
}
