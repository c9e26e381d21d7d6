/*
 * Unit tests for crawler/catalog: loading every source type, the strict
 * validation errors (with JSON paths), path resolution, and expansion into
 * targets with the name-uniqueness rule.
 */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crawler/catalog.h"
#include "crawler/registry.h"
#include "util/xalloc.h"
#include "tests/unit/t.h"

static char tmpdir[64];

/* A fresh directory for one test (kept under /tmp, removed at exit). */
static const char *
scratch(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/mcprisk-catalog.XXXXXX");
		if (!mkdtemp(tmpdir))
			abort();
	}
	return tmpdir;
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	free(path);
}

static void
mkdir_in(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);

	mkdir(path, 0755);
	free(path);
}

static int
parse(const char *json, struct catalog *c, struct errbuf *eb)
{
	char *path = xasprintf("%s/catalog.json", scratch());
	int r = catalog_parse(json, strlen(json), path, c, eb);

	free(path);
	return r;
}

__attribute__((destructor)) static void
cleanup(void)
{
	char cmd[128];

	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fputs("cleanup failed\n", stderr);
	}
}

TEST(every_source_type)
{
	const char *d = scratch();
	struct catalog c = CATALOG_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	char *path, *want;

	mkdir_in(d, "snap");
	write_file(d, "snap/b.json", "{\"server\":{\"name\":\"zeta\"},"
		   "\"tools\":[]}");
	write_file(d, "snap/a.json", "{\"tools\":[]}");
	write_file(d, "snap/c.txt", "not a manifest");
	write_file(d, "snap/.hidden.json", "{}");
	write_file(d, "cursor.json", "{\"mcpServers\":{\"fromcfg\":"
		   "{\"command\":\"uvx\",\"args\":[\"mcp-server-time\"]}}}");
	setenv("MCPRISK_T_KEY", "k-secret", 1);
	path = xasprintf("%s/catalog.json", d);
	write_file(d, "catalog.json",
		   "{\"comment\":\"test\",\"sources\":["
		   "{\"type\":\"server\",\"name\":\"everything\","
		   "\"url\":\"http://127.0.0.1:3001/mcp\","
		   "\"transport\":\"streamable-http\","
		   "\"headers\":{\"X-API-Key\":\"${MCPRISK_T_KEY}\"}},"
		   "{\"type\":\"server\",\"name\":\"memory\",\"command\":\"npx\","
		   "\"args\":[\"-y\",\"@modelcontextprotocol/server-memory\"],"
		   "\"env\":{},\"cwd\":\"work\"},"
		   "{\"type\":\"config\",\"path\":\"cursor.json\"},"
		   "{\"type\":\"registry\",\"url\":\"https://registry.example.com\","
		   "\"limit\":50,\"search\":\"github\",\"max_pages\":3},"
		   "{\"type\":\"manifests\",\"path\":\"snap\"}]}");
	CHECK_INT(catalog_load(path, &c, &eb), 0);
	CHECK_STR(eb.msg, "");
	CHECK_INT(c.n, 5);
	CHECK_INT(c.v[0].type, SOURCE_SERVER);
	CHECK_STR(c.v[0].name, "everything");
	CHECK_INT(c.v[2].type, SOURCE_CONFIG);
	want = xasprintf("%s/cursor.json", c.dir);
	CHECK_STR(c.v[2].path, want);
	free(want);
	CHECK_INT(c.v[3].type, SOURCE_REGISTRY);
	CHECK_STR(c.v[3].url, "https://registry.example.com");
	CHECK_INT(c.v[3].limit, 50);
	CHECK_INT(c.v[3].max_pages, 3);
	CHECK_STR(c.v[3].search, "github");
	{
		struct registry_opts o;

		catalog_registry_opts(&c.v[3], true, "2025-01-01T00:00:00Z",
				      &o);
		CHECK_STR(o.url, "https://registry.example.com");
		CHECK_STR(o.search, "github");
		CHECK_STR(o.since, "2025-01-01T00:00:00Z");
		CHECK_INT(o.limit, 50);
		CHECK_INT(o.max_pages, 3);
		CHECK(o.allow_exec);
	}
	CHECK_STR(catalog_source_type_name(c.v[4].type), "manifests");

	CHECK_INT(catalog_expand(&c, &l, &eb), 0);
	CHECK_STR(eb.msg, "");
	CHECK_INT(l.n, 5); /* 2 servers, 1 from config, 2 manifests */
	CHECK_STR(l.v[0].name, "everything");
	CHECK_STR(l.v[0].source, "catalog");
	CHECK_INT(l.v[0].transport, TRANSPORT_STREAMABLE);
	CHECK_STR(l.v[0].headers[0].value, "k-secret");
	CHECK(!l.v[0].learned);
	CHECK_STR(l.v[1].argv[0], "npx");
	want = xasprintf("%s/work", c.dir);
	CHECK_STR(l.v[1].cwd, want);
	free(want);
	CHECK_STR(l.v[2].name, "fromcfg");
	CHECK_CONTAINS(l.v[2].source, "config:/");
	CHECK_STR(l.v[3].name, "a");
	CHECK_INT(l.v[3].transport, TRANSPORT_MANIFEST);
	want = xasprintf("%s/snap/a.json", c.dir);
	CHECK_STR(l.v[3].path, want);
	free(want);
	CHECK_STR(l.v[4].name, "zeta");
	CHECK_CONTAINS(l.v[4].source, "manifests:/");
	target_list_release(&l);
	catalog_release(&c);
	catalog_release(&c); /* twice is fine */
	free(path);
}

TEST(validation_errors_name_the_path)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"sources\":[{\"type\":\"manifests\",\"path\":\"x\"},"
		  "{\"type\":\"manifests\",\"path\":\"y\"},"
		  "{\"type\":\"registry\",\"url\":5}]}",
		  "sources[2].url: expected string, got integer" },
		{ "{\"sources\":[],\"extra\":1}", "unknown key 'extra'" },
		{ "{\"sources\":[{\"type\":\"config\",\"path\":\"x\",\"pth\":1}]}",
		  "sources[0]: unknown key 'pth'" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"url\":\"http://h/\",\"env\":{}}]}",
		  "sources[0]: 'env' needs 'command', not 'url'" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"command\":\"x\",\"headers\":{}}]}",
		  "sources[0]: 'headers' needs 'url', not 'command'" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\"}]}",
		  "sources[0]: needs exactly one of 'url' and 'command'" },
		{ "{\"sources\":[{\"type\":\"server\",\"url\":\"http://h/\"}]}",
		  "sources[0]: missing 'name'" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"command\":\"x\"},{\"type\":\"server\",\"name\":\"b\","
		  "\"command\":\"y\"},{\"type\":\"server\",\"name\":\"a\","
		  "\"url\":\"http://h/\"}]}",
		  "sources[2]: duplicate server name 'a' (first at sources[0])" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"url\":\"http://h/\",\"transport\":\"ws\"}]}",
		  "sources[0].transport: expected 'streamable-http', 'sse' or "
		  "'auto', got 'ws'" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"url\":\"file:///etc/passwd\"}]}",
		  "sources[0].url: not an http(s) URL" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"command\":\"x\",\"args\":[\"a\",true]}]}",
		  "sources[0].args[1]: expected string, got boolean" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"url\":\"http://h/\",\"headers\":{\"K\":1}}]}",
		  "sources[0].headers.K: expected string, got integer" },
		{ "{\"sources\":[{\"type\":\"server\",\"name\":\"a\","
		  "\"command\":\"x\",\"env\":{\"A-B\":\"v\"}}]}",
		  "sources[0].env: invalid variable name 'A-B'" },
		{ "{\"sources\":[{\"type\":\"registry\",\"limit\":101}]}",
		  "sources[0].limit: must be 1 to 100" },
		{ "{\"sources\":[{\"type\":\"registry\",\"limit\":\"5\"}]}",
		  "sources[0].limit: expected integer, got string" },
		{ "{\"sources\":[{\"type\":\"registry\",\"url\":\"https://h/?q=1\"}]}",
		  "sources[0].url: not an http(s) URL without query" },
		{ "{\"sources\":[{\"type\":\"config\"}]}",
		  "sources[0]: missing 'path'" },
		{ "{\"sources\":[{\"type\":\"config\",\"path\":\"x\","
		  "\"optional\":1}]}",
		  "sources[0].optional: expected boolean, got integer" },
		{ "{\"sources\":[{\"type\":\"crawl\"}]}",
		  "sources[0].type: unknown source type 'crawl'" },
		{ "{\"sources\":[{\"path\":\"x\"}]}", "sources[0]: missing 'type'" },
		{ "{\"sources\":[[]]}", "sources[0]: expected object, got array" },
		{ "{\"sources\":{}}", "sources: expected array, got object" },
		{ "{}", "missing 'sources'" },
		{ "{\"sources\":[{\"type\":\"manifests\",\"path\":\"~x/y\"}]}",
		  "sources[0].path: '~user' paths are not supported" },
		{ "{\"sources\":[", "invalid JSON" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct catalog c = CATALOG_INIT;
		struct errbuf eb = ERRBUF_INIT;
		const char *msg;

		if (parse(cases[i].json, &c, &eb) != -1)
			T_FAIL("case %zu: parse succeeded", i);
		/* every message starts with the catalog path */
		msg = strstr(eb.msg, "catalog.json: ");
		msg = msg ? msg + strlen("catalog.json: ") : eb.msg;
		if (strncmp(msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			T_FAIL("case %zu: \"%s\", expected \"%s\"", i, eb.msg,
			       cases[i].msg);
		CHECK(c.root == NULL && c.v == NULL);
		catalog_release(&c);
	}
}

TEST(tilde_and_registry_default)
{
	struct catalog c = CATALOG_INIT;
	struct errbuf eb = ERRBUF_INIT;

	setenv("HOME", "/home/tester", 1);
	CHECK_INT(parse("{\"sources\":[{\"type\":\"config\",\"path\":"
			"\"~/.cursor/mcp.json\",\"optional\":true},"
			"{\"type\":\"registry\"}]}", &c, &eb), 0);
	CHECK_STR(c.v[0].path, "/home/tester/.cursor/mcp.json");
	CHECK(c.v[0].optional);
	CHECK_STR(c.v[1].url, "https://registry.modelcontextprotocol.io");
	CHECK_INT(c.v[1].limit, 100);
	CHECK_INT(c.v[1].max_pages, 0);
	catalog_release(&c);
}

TEST(optional_config_skipped_required_config_fails)
{
	struct catalog c = CATALOG_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	CHECK_INT(parse("{\"sources\":[{\"type\":\"config\",\"path\":"
			"\"/nonexistent/a.json\",\"optional\":true}]}", &c, &eb),
		  0);
	CHECK_INT(catalog_expand(&c, &l, &eb), 0);
	CHECK_INT(l.n, 0);
	catalog_release(&c);

	CHECK_INT(parse("{\"sources\":[{\"type\":\"server\",\"name\":\"x\","
			"\"command\":\"y\"},{\"type\":\"config\",\"path\":"
			"\"/nonexistent/a.json\"}]}", &c, &eb), 0);
	CHECK_INT(catalog_expand(&c, &l, &eb), -1);
	CHECK_CONTAINS(eb.msg, "catalog.json: sources[1]: cannot open "
		       "'/nonexistent/a.json'");
	CHECK_INT(l.n, 0); /* nothing appended on error */
	catalog_release(&c);

	CHECK_INT(parse("{\"sources\":[{\"type\":\"manifests\",\"path\":"
			"\"/nonexistent/snap\"}]}", &c, &eb), 0);
	CHECK_INT(catalog_expand(&c, &l, &eb), -1);
	CHECK_CONTAINS(eb.msg, "sources[0]: cannot open '/nonexistent/snap'");
	catalog_release(&c);
}

TEST(duplicates_across_sources)
{
	const char *d = scratch();
	struct catalog c = CATALOG_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	/* The same server in a config file: dropped, not an error. */
	write_file(d, "same.json", "{\"mcpServers\":{\"memory\":"
		   "{\"command\":\"npx\",\"args\":[\"-y\",\"m\"]}}}");
	write_file(d, "diff.json", "{\"mcpServers\":{\"memory\":"
		   "{\"command\":\"node\",\"args\":[\"other.js\"]}}}");
	CHECK_INT(parse("{\"sources\":[{\"type\":\"server\",\"name\":\"memory\","
			"\"command\":\"npx\",\"args\":[\"-y\",\"m\"]},"
			"{\"type\":\"config\",\"path\":\"same.json\"}]}", &c,
			&eb), 0);
	CHECK_INT(catalog_expand(&c, &l, &eb), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.v[0].source, "catalog");
	target_list_release(&l);
	catalog_release(&c);

	CHECK_INT(parse("{\"sources\":[{\"type\":\"server\",\"name\":\"memory\","
			"\"command\":\"npx\",\"args\":[\"-y\",\"m\"]},"
			"{\"type\":\"config\",\"path\":\"diff.json\"}]}", &c,
			&eb), 0);
	CHECK_INT(catalog_expand(&c, &l, &eb), -1);
	CHECK_CONTAINS(eb.msg, "server name 'memory' is used by catalog and "
		       "config:");
	CHECK_INT(l.n, 0);
	catalog_release(&c);
}

static void
add_url(struct target_list *l, const char *name, const char *url)
{
	struct target *t = target_list_add(l);

	t->name = xstrdup(name);
	t->source = xstrdup(url[8] == 'r' ? "registry:x" : "catalog");
	t->transport = TRANSPORT_STREAMABLE;
	t->url = xstrdup(url);
}

TEST(merge_keeps_names_unique)
{
	struct target_list dst = TARGET_LIST_INIT, src = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	add_url(&dst, "a", "https://a.example/mcp");
	add_url(&dst, "b", "https://b.example/mcp");
	add_url(&src, "c", "https://rc.example/mcp");
	add_url(&src, "a", "https://a.example/mcp"); /* same: dropped */
	add_url(&src, "c", "https://rc.example/mcp"); /* same again */
	CHECK_INT(catalog_merge(&dst, &src, &eb), 0);
	CHECK_INT(dst.n, 3);
	CHECK_INT(src.n, 0);
	CHECK_STR(dst.v[2].name, "c");

	add_url(&src, "d", "https://rd.example/mcp");
	add_url(&src, "b", "https://rother.example/mcp");
	CHECK_INT(catalog_merge(&dst, &src, &eb), -1);
	CHECK_STR(eb.msg, "server name 'b' is used by catalog and registry:x "
		  "for different servers");
	CHECK_INT(dst.n, 3); /* unchanged */
	CHECK_INT(src.n, 2);
	target_list_release(&dst);
	target_list_release(&src);
}

TEST(missing_variable_in_catalog_server)
{
	struct catalog c = CATALOG_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	unsetenv("MCPRISK_T_NOPE");
	CHECK_INT(parse("{\"sources\":[{\"type\":\"server\",\"name\":\"e\","
			"\"url\":\"http://127.0.0.1:1/mcp\",\"headers\":"
			"{\"X-API-Key\":\"${MCPRISK_T_NOPE}\"}},"
			"{\"type\":\"server\",\"name\":\"rel\","
			"\"command\":\"bin/srv\"}]}", &c, &eb), 0);
	CHECK_INT(catalog_expand(&c, &l, &eb), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.v[0].preset_status, "config_error");
	CHECK_STR(l.v[0].preset_error, "server 'e': headers.X-API-Key: "
		  "environment variable 'MCPRISK_T_NOPE' is not set");
	/* a relative command with a slash is relative to the catalog */
	CHECK(l.v[1].argv[0][0] == '/');
	CHECK_CONTAINS(l.v[1].argv[0], "/bin/srv");
	target_list_release(&l);
	catalog_release(&c);
}
