/*
 * Unit tests for crawler/registry: page parsing (every remote and package
 * shape, deleted and old versions, both cursor spellings, needs_exec and
 * auth_required presets), time stamps, and registry_sync against the mock
 * registry (tests/fixtures/mock_registry.py) on 127.0.0.1, including its
 * hostile variants.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crawler/registry.h"
#include "tests/unit/t.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/xalloc.h"

static const char *
root_dir(void)
{
	const char *r = getenv("ROOT");

	return r && *r ? r : ".";
}

/* Parse tests/data/registry/<name> with the given options. */
static int
parse_file(const char *name, const struct registry_opts *o,
	   struct target_list *l, char **next, struct registry_stats *st,
	   struct errbuf *eb)
{
	char *path = xasprintf("%s/tests/data/registry/%s", root_dir(), name);
	struct buf b = BUF_INIT(1 << 20);
	int r = -1;

	if (file_read_capped(path, 1 << 20, &b, eb) == 0)
		r = registry_parse_page(o, b.data, b.len, l, next, st, eb);
	buf_release(&b);
	free(path);
	return r;
}

static const struct target *
find(const struct target_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static char *
joined_argv(const struct target *t)
{
	struct buf b = BUF_INIT(4096);
	char **a;

	for (a = t->argv; a && *a; a++) {
		if (a != t->argv)
			buf_putc(&b, ' ');
		buf_puts(&b, *a);
	}
	return buf_detach(&b, NULL);
}

#define CHECK_ARGV(t, want)                                                 \
	do {                                                                \
		char *t_j = joined_argv(t);                                 \
		CHECK_STR(t_j, want);                                       \
		free(t_j);                                                  \
	} while (0)

TEST(page1_remotes_packages_deleted_and_old_versions)
{
	struct registry_opts o = { .url = "https://registry.example.com/" };
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	const struct target *t;
	char *next = NULL;

	CHECK_INT(parse_file("page1.json", &o, &l, &next, &st, &eb), 0);
	CHECK_STR(next, "io.github.gone/away:1.0.0");
	CHECK_INT(st.servers, 5);
	CHECK_INT(st.deleted, 1);
	CHECK_INT(st.not_latest, 1);
	CHECK_INT(st.invalid, 0);
	CHECK_INT(l.n, 4);
	CHECK_INT(st.targets, 4);
	CHECK_INT(st.needs_exec, 1);
	CHECK_STR(json_string_value(json_array_get(st.deleted_names, 0)),
		  "io.github.gone/away");
	/* +02:00 is 10:00Z, later than every other stamp on the page */
	CHECK_STR(st.max_updated_at, "2025-10-20T12:00:00+02:00");

	t = find(&l, "io.github.example/weather");
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(t->transport, TRANSPORT_STREAMABLE);
		CHECK_STR(t->url, "https://weather.example.com/mcp");
		CHECK(t->learned);
		CHECK(t->preset_status == NULL);
		CHECK_STR(t->source, "registry:https://registry.example.com");
		CHECK_STR(json_string_value(json_object_get(t->meta, "title")),
			  "Weather");
		CHECK_STR(json_string_value(json_object_get(t->meta,
							    "version")),
			  "1.2.0");
		CHECK_STR(json_string_value(json_object_get(
				  json_object_get(t->meta, "repository"), "url")),
			  "https://github.com/example/weather");
		CHECK_STR(json_string_value(json_object_get(t->meta,
							    "updatedAt")),
			  "2025-09-01T10:00:00Z");
	}
	t = find(&l, "com.example/both#streamable-http");
	CHECK(t && t->transport == TRANSPORT_STREAMABLE);
	t = find(&l, "com.example/both#sse");
	CHECK(t && t->transport == TRANSPORT_SSE);
	CHECK(find(&l, "com.example/both") == NULL);

	t = find(&l, "io.github.acme/db");
	CHECK(t != NULL);
	if (t) {
		CHECK_INT(t->transport, TRANSPORT_STDIO);
		CHECK_ARGV(t, "npx -y @acme/db-mcp@0.3.1 --read-only --pool 4");
		CHECK_STR(t->preset_status, "needs_exec");
		CHECK_CONTAINS(t->preset_error, "--allow-exec");
		CHECK_INT(t->nenv, 1);
		CHECK_STR(t->env[0].name, "LOG_LEVEL");
		CHECK_STR(json_string_value(json_array_get(
				  json_object_get(t->meta, "missingEnv"), 0)),
			  "DB_URL");
		CHECK_STR(json_string_value(json_array_get(
				  json_object_get(t->meta, "missingArguments"),
				  0)),
			  "database_url");
	}
	CHECK(find(&l, "io.github.gone/away") == NULL);
	free(next);
	target_list_release(&l);
	registry_stats_release(&st);
}

TEST(allow_exec_lifts_needs_exec)
{
	struct registry_opts o = { .allow_exec = true };
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	const struct target *t;
	char *next = NULL;

	CHECK_INT(parse_file("page1.json", &o, &l, &next, &st, &eb), 0);
	CHECK_INT(st.needs_exec, 0);
	t = find(&l, "io.github.acme/db");
	/* still not runnable: a required argument has no value */
	CHECK(t && t->preset_status &&
	      strcmp(t->preset_status, "needs_config") == 0);
	CHECK_STR(l.v[0].source,
		  "registry:https://registry.modelcontextprotocol.io");
	free(next);
	target_list_release(&l);
	registry_stats_release(&st);
}

TEST(page2_auth_pypi_oci_invalid_templates_next_cursor)
{
	struct registry_opts o = { 0 };
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	const struct target *t;
	char *next = NULL;

	CHECK_INT(parse_file("page2.json", &o, &l, &next, &st, &eb), 0);
	CHECK_STR(next, "page 3/+&x=1"); /* the next_cursor spelling */
	CHECK_INT(st.invalid, 1);
	CHECK_CONTAINS(st.invalid_example, "servers[3]: server.name");
	CHECK_INT(st.auth, 1);

	t = find(&l, "com.example/keyed");
	CHECK(t != NULL);
	if (t) {
		CHECK_STR(t->preset_status, "auth_required");
		CHECK_CONTAINS(t->preset_error, "required header "
			       "'Authorization' (a secret) with no value");
		CHECK_INT(t->nheaders, 1);
		CHECK_STR(t->headers[0].name, "X-Client");
	}
	t = find(&l, "io.github.py/time");
	CHECK(t != NULL);
	if (t) {
		CHECK_ARGV(t, "uvx mcp-server-time==0.6.2 --local-timezone UTC");
		CHECK_STR(t->preset_status, "needs_exec");
		CHECK_STR(json_string_value(json_object_get(t->meta, "status")),
			  "deprecated");
	}
	t = find(&l, "io.github.box/oci#oci");
	CHECK(t != NULL);
	if (t)
		CHECK_ARGV(t, "docker run -i --rm --network none -e BOX_MODE "
			      "ghcr.io/box/mcp:3.0.0");
	t = find(&l, "io.github.box/oci#nuget");
	CHECK(t && t->argv == NULL && t->preset_status &&
	      strcmp(t->preset_status, "transport_unsupported") == 0);
	t = find(&l, "com.example/templated#sse");
	CHECK(t && t->preset_status &&
	      strcmp(t->preset_status, "needs_config") == 0 &&
	      strstr(t->preset_error, "'tenant'"));
	t = find(&l, "com.example/templated#streamable-http");
	CHECK(t && t->url && strcmp(t->url, "https://eu.example.com/mcp") == 0);
	CHECK_INT(l.n, 6);
	free(next);
	target_list_release(&l);
	registry_stats_release(&st);
}

TEST(page_level_errors)
{
	static const struct {
		const char *body, *msg;
	} cases[] = {
		{ "nope", "invalid JSON" },
		{ "[]", "expected an object, got array" },
		{ "{\"metadata\":{}}", "servers: expected array, got nothing" },
		{ "{\"servers\":{}}", "servers: expected array, got object" },
		{ "{\"servers\":[],\"metadata\":[]}",
		  "metadata: expected object, got array" },
		{ "{\"servers\":[],\"metadata\":{\"nextCursor\":1}}",
		  "metadata.nextCursor: expected string, got integer" },
		{ "{\"servers\":[],\"metadata\":{\"next_cursor\":true}}",
		  "metadata.next_cursor: expected string, got boolean" },
	};
	struct registry_opts o = { 0 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct registry_stats st = REGISTRY_STATS_INIT;
		struct target_list l = TARGET_LIST_INIT;
		struct errbuf eb = ERRBUF_INIT;
		char *next = NULL;

		if (registry_parse_page(&o, cases[i].body,
					strlen(cases[i].body), &l, &next, &st,
					&eb) != -1)
			T_FAIL("case %zu: parse succeeded", i);
		if (strncmp(eb.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			T_FAIL("case %zu: \"%s\", expected \"%s\"", i, eb.msg,
			       cases[i].msg);
		CHECK(next == NULL);
		target_list_release(&l);
		registry_stats_release(&st);
	}
}

TEST(long_cursor_and_end_of_list)
{
	struct registry_opts o = { 0 };
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	struct buf b = BUF_INIT(8192);
	char *next = NULL;
	int i;

	buf_puts(&b, "{\"servers\":[],\"metadata\":{\"nextCursor\":\"");
	for (i = 0; i < 1100; i++)
		buf_putc(&b, 'c');
	buf_puts(&b, "\"}}");
	CHECK_INT(registry_parse_page(&o, b.data, b.len, &l, &next, &st, &eb),
		  -1);
	CHECK_CONTAINS(eb.msg, "longer than 1024 bytes");
	buf_reset(&b);
	buf_puts(&b, "{\"servers\":[],\"metadata\":{\"nextCursor\":\"\"}}");
	CHECK_INT(registry_parse_page(&o, b.data, b.len, &l, &next, &st, &eb),
		  0);
	CHECK(next == NULL); /* empty means the end */
	buf_release(&b);
	registry_stats_release(&st);
}

TEST(hostile_entries_are_skipped)
{
	static const char body[] =
		"{\"servers\":["
		/* an identifier that npx would read as an option */
		"{\"server\":{\"name\":\"a.b/c\",\"packages\":[{\"registryType\":"
		"\"npm\",\"identifier\":\"--prefix=/\",\"version\":\"1\"}]}},"
		/* a header name that would split the request */
		"{\"server\":{\"name\":\"a.b/d\",\"remotes\":[{\"type\":\"sse\","
		"\"url\":\"https://h/sse\",\"headers\":[{\"name\":\"X\\r\\nY\","
		"\"value\":\"v\"}]}]}},"
		/* a file URL */
		"{\"server\":{\"name\":\"a.b/e\",\"remotes\":[{\"type\":"
		"\"streamable-http\",\"url\":\"file:///etc/passwd\"}]}},"
		/* the pre-v0.1 flat shape still works */
		"{\"name\":\"a.b/f\",\"remotes\":[{\"type\":\"sse\","
		"\"url\":\"https://f/sse\"}]},"
		/* nothing to crawl */
		"{\"server\":{\"name\":\"a.b/g\"}},"
		"42]}";
	struct registry_opts o = { 0 };
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	const struct target *t;
	char *next = NULL;

	CHECK_INT(registry_parse_page(&o, body, strlen(body), &l, &next, &st,
				      &eb), 0);
	CHECK_INT(st.invalid, 3);
	CHECK_INT(st.empty, 1);
	CHECK_CONTAINS(st.invalid_example, "servers[0]: packages[0]");
	CHECK_INT(l.n, 2);
	t = find(&l, "a.b/e");
	CHECK(t && t->url == NULL && t->preset_status &&
	      strcmp(t->preset_status, "transport_unsupported") == 0);
	t = find(&l, "a.b/f");
	CHECK(t && t->transport == TRANSPORT_SSE);
	target_list_release(&l);
	registry_stats_release(&st);
}

TEST(rfc3339_times)
{
	long long s = 0;
	long ns = 0;

	CHECK_INT(registry_parse_time("1970-01-01T00:00:00Z", &s, &ns), 0);
	CHECK_INT(s, 0);
	CHECK_INT(registry_parse_time("2025-10-20T12:00:00+02:00", &s, &ns), 0);
	CHECK_INT(s, 1760954400);
	CHECK_INT(registry_parse_time("2025-11-02T10:00:00.5Z", &s, &ns), 0);
	CHECK_INT(ns, 500000000);
	CHECK_INT(registry_parse_time("2025-11-02 10:00:00Z", &s, &ns), -1);
	CHECK_INT(registry_parse_time("2025-13-02T10:00:00Z", &s, &ns), -1);
	CHECK_INT(registry_parse_time("2025-11-02T10:00:00", &s, &ns), -1);
	CHECK_INT(registry_parse_time("2025-11-02T10:00:00.Z", &s, &ns), -1);
}

/* --- the mock registry ------------------------------------------------ */

static pid_t mock_pid = -1;
static int mock_port;
static char mock_dir[64];

static void
mock_stop(void)
{
	char *cmd;

	if (mock_pid > 0) {
		kill(mock_pid, SIGTERM);
		waitpid(mock_pid, NULL, 0);
		mock_pid = -1;
	}
	if (mock_dir[0]) {
		cmd = xasprintf("rm -rf '%s'", mock_dir);
		if (system(cmd) != 0)
			fputs("cannot remove the mock's folder\n", stderr);
		free(cmd);
		mock_dir[0] = '\0';
	}
}

/* Start the mock once (stopped at exit); its port, or 0 if it failed. */
static int
mock_start(void)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	char *script, *data, *portf, *logf;
	struct buf b = BUF_INIT(64);
	int i;

	if (mock_port || mock_pid == 0)
		return mock_port;
	snprintf(mock_dir, sizeof(mock_dir), "/tmp/mcprisk-registry.XXXXXX");
	if (!mkdtemp(mock_dir))
		return 0;
	script = xasprintf("%s/tests/fixtures/mock_registry.py", root_dir());
	data = xasprintf("%s/tests/data/registry", root_dir());
	portf = xasprintf("%s/port", mock_dir);
	logf = xasprintf("%s/log", mock_dir);
	mock_pid = fork();
	if (mock_pid == 0) {
		execlp("python3", "python3", script, "--data", data,
		       "--port-file", portf, "--log", logf, "--lifetime", "120",
		       (char *)NULL);
		_exit(127);
	}
	atexit(mock_stop);
	/* Wait until it listens: at most 10 s. */
	for (i = 0; i < 200 && mock_pid > 0; i++) {
		if (file_read_capped(portf, 64, &b, NULL) == 0 && b.len > 0) {
			mock_port = (int)strtol(b.data, NULL, 10);
			break;
		}
		if (waitpid(mock_pid, NULL, WNOHANG) == mock_pid) {
			mock_pid = -1;
			break;
		}
		nanosleep(&nap, NULL);
	}
	buf_release(&b);
	free(script);
	free(data);
	free(portf);
	free(logf);
	return mock_port;
}

/* The requests the mock has seen so far (new string). */
static char *
mock_log(void)
{
	char *path = xasprintf("%s/log", mock_dir);
	struct buf b = BUF_INIT(1 << 20);

	file_read_capped(path, 1 << 20, &b, NULL);
	free(path);
	return buf_detach(&b, NULL);
}

static char *
mock_url(const char *scenario)
{
	return xasprintf("http://127.0.0.1:%d%s%s", mock_port,
			 scenario ? "/" : "", scenario ? scenario : "");
}

TEST(sync_pages_through_the_mock)
{
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	struct registry_opts o = { 0 };
	char *max = NULL, *log;

	if (!mock_start()) {
		T_FAIL("the mock registry did not start");
		return;
	}
	o.url = mock_url(NULL);
	o.search = "we ather";
	o.timeout = 10;
	CHECK_INT(registry_sync(&o, &l, &max, &st, &eb), 0);
	CHECK_STR(eb.msg, "");
	CHECK_INT(st.pages, 3);
	CHECK_INT(l.n, 4 + 6 + 1);
	CHECK_STR(max, "2025-11-02T10:00:00.5Z");
	CHECK(!st.truncated);
	CHECK(find(&l, "io.github.late/newest") != NULL);
	log = mock_log();
	CHECK_CONTAINS(log, "/v0.1/servers?limit=100&search=we%20ather\n");
	CHECK_CONTAINS(log, "&cursor=io.github.gone%2Faway%3A1.0.0\n");
	CHECK_CONTAINS(log, "&cursor=page%203%2F%2B%26x%3D1\n");
	free(log);
	free(max);
	free((char *)o.url);
	target_list_release(&l);
	registry_stats_release(&st);
}

TEST(sync_incremental_since)
{
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	struct registry_opts o = { 0 };
	char *max = NULL, *log;

	if (!mock_start()) {
		T_FAIL("the mock registry did not start");
		return;
	}
	o.url = mock_url(NULL);
	o.since = "2025-10-01T00:00:00Z";
	o.limit = 2;
	CHECK_INT(registry_sync(&o, &l, &max, &st, &eb), 0);
	CHECK_STR(eb.msg, "");
	/* both (2 remotes) and db on page 1, nothing on 2, newest on 3 */
	CHECK_INT(l.n, 4);
	CHECK_INT(st.deleted, 1);
	CHECK(find(&l, "io.github.example/weather") == NULL);
	CHECK_STR(max, "2025-11-02T10:00:00.5Z");
	log = mock_log();
	CHECK_CONTAINS(log, "?limit=2&updated_since=2025-10-01T00%3A00%3A00Z\n");
	free(log);
	free(max);
	free((char *)o.url);
	target_list_release(&l);
	registry_stats_release(&st);
}

TEST(sync_page_cap_truncates_without_a_watermark)
{
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	struct registry_opts o = { 0 };
	char *max = (char *)"unset";

	if (!mock_start()) {
		T_FAIL("the mock registry did not start");
		return;
	}
	o.url = mock_url(NULL);
	o.max_pages = 2;
	CHECK_INT(registry_sync(&o, &l, &max, &st, &eb), 0);
	CHECK(st.truncated);
	CHECK(max == NULL);
	CHECK_INT(l.n, 10);
	free((char *)o.url);
	target_list_release(&l);
	registry_stats_release(&st);
}

TEST(sync_hostile_registries_fail_cleanly)
{
	static const struct {
		const char *scenario, *msg;
	} cases[] = {
		{ "loop", "page 2 repeats an earlier cursor" },
		{ "huge", "page 1: response larger than 16777216 bytes" },
		{ "gzip", "page 1: response larger than 16777216 bytes" },
		{ "notjson", "page 1: invalid JSON" },
		{ "status", "page 1: HTTP status 503" },
		{ "redirect", "page 1: Protocol \"file\" not supported" },
		{ "badcursor", "page 1: metadata.nextCursor: expected string" },
		{ "nothing", "page 1: HTTP status 404" },
	};
	size_t i;

	if (!mock_start()) {
		T_FAIL("the mock registry did not start");
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct registry_stats st = REGISTRY_STATS_INIT;
		struct target_list l = TARGET_LIST_INIT;
		struct errbuf eb = ERRBUF_INIT;
		struct registry_opts o = { 0 };
		char *max = NULL;

		o.url = mock_url(cases[i].scenario);
		o.timeout = 10;
		if (registry_sync(&o, &l, &max, &st, &eb) != -1)
			T_FAIL("%s: sync succeeded", cases[i].scenario);
		CHECK_CONTAINS(eb.msg, cases[i].msg);
		CHECK_CONTAINS(eb.msg, "registry 'http://127.0.0.1:");
		if (getenv("MCPRISK_T_VERBOSE"))
			fprintf(stderr, "%s\n", eb.msg);
		CHECK_INT(l.n, 0);
		CHECK(max == NULL);
		free((char *)o.url);
		registry_stats_release(&st);
	}
}

TEST(sync_rejects_bad_options_without_traffic)
{
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	struct registry_opts o = { .url = "file:///etc" };
	char *max = NULL;

	CHECK_INT(registry_sync(&o, &l, &max, &st, &eb), -1);
	CHECK_CONTAINS(eb.msg, "not an http(s) URL");
	o.url = "http://127.0.0.1:1";
	o.since = "yesterday";
	CHECK_INT(registry_sync(&o, &l, &max, &st, &eb), -1);
	CHECK_CONTAINS(eb.msg, "since 'yesterday' is not an RFC 3339 time");
	registry_stats_release(&st);
}

TEST(suffixes_number_repeated_kinds)
{
	static const char body[] =
		"{\"servers\":[{\"server\":{\"name\":\"a.b/multi\",\"remotes\":["
		"{\"type\":\"sse\",\"url\":\"https://one/sse\"},"
		"{\"type\":\"sse\",\"url\":\"https://two/sse\"}],\"packages\":["
		"{\"registryType\":\"npm\",\"identifier\":\"m\",\"version\":\"1\"}]},"
		"\"_meta\":{\"io.modelcontextprotocol.registry/official\":"
		"{\"status\":\"active\",\"isLatest\":true}}}]}";
	struct registry_opts o = { 0 };
	struct registry_stats st = REGISTRY_STATS_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	char *next = NULL;

	CHECK_INT(registry_parse_page(&o, body, strlen(body), &l, &next, &st,
				      &eb), 0);
	CHECK_INT(l.n, 3);
	if (l.n == 3) {
		CHECK_STR(l.v[0].name, "a.b/multi#sse");
		CHECK_STR(l.v[1].name, "a.b/multi#sse-2");
		CHECK_STR(l.v[1].url, "https://two/sse");
		CHECK_STR(l.v[2].name, "a.b/multi#npm");
		CHECK_ARGV(&l.v[2], "npx -y m@1");
	}
	CHECK(st.max_updated_at[0] == '\0');
	target_list_release(&l);
	registry_stats_release(&st);
}
