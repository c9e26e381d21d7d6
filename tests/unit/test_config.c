/*
 * Unit tests for crawler/config: every client config shape, ${VAR}
 * expansion, and the errors (which must name fields and variables, never
 * secret values).
 */
#include <stdlib.h>

#include "crawler/config.h"
#include "tests/unit/t.h"

#define SECRET "s3cr3t-value-never-shown"

static int
parse(const char *json, const char *path, struct target_list *l,
      struct errbuf *eb)
{
	return config_parse(json, strlen(json), path, l, eb);
}

static const char *
kv_get(const struct kv *kv, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(kv[i].name, name) == 0)
			return kv[i].value;
	return NULL;
}

TEST(claude_desktop_command_shape)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	setenv("MCPRISK_T_TOKEN", SECRET, 1);
	CHECK_INT(parse("{\"mcpServers\":{\"memory\":{\"command\":\"npx\","
			"\"args\":[\"-y\",\"@modelcontextprotocol/server-memory\"],"
			"\"env\":{\"TOKEN\":\"${MCPRISK_T_TOKEN}\","
			"\"PLAIN\":\"x\"}}},\"globalShortcut\":\"\"}",
			"/home/u/claude_desktop_config.json", &l, &eb), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.v[0].name, "memory");
	CHECK_STR(l.v[0].source, "config:/home/u/claude_desktop_config.json");
	CHECK_INT(l.v[0].transport, TRANSPORT_STDIO);
	CHECK_STR(l.v[0].argv[0], "npx");
	CHECK_STR(l.v[0].argv[2], "@modelcontextprotocol/server-memory");
	CHECK(l.v[0].argv[3] == NULL);
	CHECK_INT(l.v[0].nenv, 2);
	CHECK_STR(kv_get(l.v[0].env, l.v[0].nenv, "TOKEN"), SECRET);
	CHECK(l.v[0].preset_status == NULL);
	target_list_release(&l);
}

TEST(cursor_url_and_headers)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	setenv("MCPRISK_T_TOKEN", SECRET, 1);
	CHECK_INT(parse("{\"mcpServers\":{"
			"\"remote\":{\"url\":\"https://mcp.example.com/mcp\","
			"\"headers\":{\"Authorization\":\"Bearer ${env:MCPRISK_T_TOKEN}\"}},"
			"\"ws\":{\"serverUrl\":\"https://w.example.com/sse\"}}}",
			"mcp.json", &l, &eb), 0);
	CHECK_INT(l.n, 2);
	CHECK_INT(l.v[0].transport, TRANSPORT_AUTO);
	CHECK_STR(l.v[0].url, "https://mcp.example.com/mcp");
	CHECK_INT(l.v[0].nheaders, 1);
	CHECK_STR(l.v[0].headers[0].value, "Bearer " SECRET);
	CHECK_STR(l.v[1].url, "https://w.example.com/sse");
	target_list_release(&l);
}

TEST(claude_code_types)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	CHECK_INT(parse("{\"mcpServers\":{"
			"\"a\":{\"type\":\"http\",\"url\":\"http://127.0.0.1:1/mcp\"},"
			"\"b\":{\"type\":\"sse\",\"url\":\"http://127.0.0.1:1/sse\"},"
			"\"c\":{\"type\":\"stdio\",\"command\":\"srv\",\"args\":[]},"
			"\"d\":{\"type\":\"streamable-http\",\"url\":\"http://h/x\"},"
			"\"e\":{\"command\":\"x\",\"disabled\":true}}}",
			".mcp.json", &l, &eb), 0);
	CHECK_INT(l.n, 4); /* e is disabled */
	CHECK_INT(l.v[0].transport, TRANSPORT_STREAMABLE);
	CHECK_INT(l.v[1].transport, TRANSPORT_SSE);
	CHECK_INT(l.v[2].transport, TRANSPORT_STDIO);
	CHECK_STR(l.v[2].argv[0], "srv");
	CHECK(l.v[2].argv[1] == NULL);
	CHECK_INT(l.v[3].transport, TRANSPORT_STREAMABLE);
	target_list_release(&l);
}

TEST(vscode_servers_inputs_and_workspace)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	CHECK_INT(parse("{\"inputs\":[{\"type\":\"promptString\",\"id\":\"key\","
			"\"password\":true}],\"servers\":{"
			"\"gh\":{\"type\":\"http\",\"url\":\"https://api.example.com/mcp\","
			"\"headers\":{\"Authorization\":\"Bearer ${input:key}\"}},"
			"\"fs\":{\"type\":\"stdio\",\"command\":\"npx\",\"args\":"
			"[\"-y\",\"server-filesystem\",\"${workspaceFolder}\"]}}}",
			"/w/proj/.vscode/mcp.json", &l, &eb), 0);
	CHECK_INT(l.n, 2);
	CHECK_STR(l.v[0].preset_status, CONFIG_STATUS_ERROR);
	CHECK_CONTAINS(l.v[0].preset_error, "server 'gh'");
	CHECK_CONTAINS(l.v[0].preset_error, "${input:key}");
	CHECK_INT(l.v[0].nheaders, 0); /* nothing half-expanded is kept */
	CHECK(l.v[1].preset_status == NULL);
	CHECK_STR(l.v[1].argv[3], "/w/proj");
	target_list_release(&l);

	/* settings.json keeps them under "mcp" */
	CHECK_INT(parse("{\"editor.fontSize\":12,\"mcp\":{\"servers\":{"
			"\"x\":{\"command\":\"y\"}}}}", "settings.json", &l, &eb),
		  0);
	CHECK_INT(l.n, 1);
	target_list_release(&l);
}

TEST(missing_variable_names_server_and_variable_only)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	setenv("MCPRISK_T_TOKEN", SECRET, 1);
	unsetenv("MCPRISK_T_UNSET");
	CHECK_INT(parse("{\"mcpServers\":{\"api\":{\"url\":\"https://h/mcp\","
			"\"headers\":{\"X-A\":\"${MCPRISK_T_TOKEN}\","
			"\"X-B\":\"k=${MCPRISK_T_UNSET}\"}}}}", "c.json", &l,
			&eb), 0);
	CHECK_INT(l.n, 1);
	CHECK_STR(l.v[0].preset_status, "config_error");
	CHECK_STR(l.v[0].preset_error, "server 'api': headers.X-B: "
		  "environment variable 'MCPRISK_T_UNSET' is not set");
	CHECK(!strstr(l.v[0].preset_error, SECRET));
	CHECK_INT(l.v[0].nheaders, 0);
	CHECK_STR(l.v[0].url, "https://h/mcp"); /* literal: kept */
	target_list_release(&l);
}

TEST(expansion_forms)
{
	struct errbuf eb = ERRBUF_INIT;
	char *out = NULL;

	setenv("MCPRISK_T_A", "aa", 1);
	setenv("MCPRISK_T_EMPTY", "", 1);
	unsetenv("MCPRISK_T_UNSET");
	CHECK_INT(config_expand("x${MCPRISK_T_A}y${env:MCPRISK_T_A}$HOME", NULL,
				&out, &eb), 0);
	CHECK_STR(out, "xaayaa$HOME");
	free(out);
	CHECK_INT(config_expand("${MCPRISK_T_UNSET:-def}/${MCPRISK_T_EMPTY:-e}",
				NULL, &out, &eb), 0);
	CHECK_STR(out, "def/e");
	free(out);
	CHECK_INT(config_expand("${MCPRISK_T_A", NULL, &out, &eb), -1);
	CHECK_STR(eb.msg, "unterminated '${'");
	CHECK(out == NULL);
	CHECK_INT(config_expand("${1BAD}", NULL, &out, &eb), -1);
	CHECK_CONTAINS(eb.msg, "unsupported variable '${1BAD}'");
	CHECK_INT(config_expand("${workspaceFolder}", NULL, &out, &eb), -1);
	CHECK_CONTAINS(eb.msg, "workspaceFolder");
}

TEST(wrong_types_are_errors_with_paths)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\",\"args\":[\"ok\",1]}}}",
		  "c.json: mcpServers.a.args[1]: expected string, got integer" },
		{ "{\"mcpServers\":[]}",
		  "c.json: mcpServers: expected object, got array" },
		{ "{\"mcpServers\":{\"a\":\"npx\"}}",
		  "c.json: mcpServers.a: expected object, got string" },
		{ "{\"mcpServers\":{\"a\":{\"command\":7}}}",
		  "c.json: mcpServers.a.command: expected string, got integer" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\",\"env\":{\"K\":1}}}}",
		  "c.json: mcpServers.a.env.K: expected string, got integer" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\",\"env\":[]}}}",
		  "c.json: mcpServers.a.env: expected object, got array" },
		{ "{\"mcpServers\":{\"a\":{\"url\":\"http://h\",\"headers\":{\"Bad Name\":\"v\"}}}}",
		  "c.json: mcpServers.a.headers: invalid header name 'Bad Name'" },
		{ "{\"mcpServers\":{\"a\":{\"type\":\"ws\",\"url\":\"http://h\"}}}",
		  "c.json: mcpServers.a.type: unknown transport 'ws'" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\",\"url\":\"http://h\"}}}",
		  "c.json: mcpServers.a: has both 'command' and 'url'" },
		{ "{\"mcpServers\":{\"a\":{\"type\":\"stdio\"}}}",
		  "c.json: mcpServers.a: missing 'command'" },
		{ "{\"mcpServers\":{\"a\":{}}}",
		  "c.json: mcpServers.a: missing 'url' or 'command'" },
		{ "{\"mcpServers\":{\"a\":{\"url\":\"file:///etc/passwd\"}}}",
		  "c.json: mcpServers.a.url: not an http(s) URL" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\",\"disabled\":\"yes\"}}}",
		  "c.json: mcpServers.a.disabled: expected boolean, got string" },
		{ "{\"projects\":{}}",
		  "c.json: no 'mcpServers' or 'servers' object" },
		{ "[]", "c.json: expected an object, got array" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\"}},"
		  "\"servers\":{\"a\":{\"command\":\"y\"}}}",
		  "c.json: server 'a' is defined twice" },
		{ "{\"mcpServers\":{\"a\":{\"command\":\"x\"},\"a\":{}}}",
		  "c.json: invalid JSON" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct target_list l = TARGET_LIST_INIT;
		struct errbuf eb = ERRBUF_INIT;

		if (parse(cases[i].json, "c.json", &l, &eb) != -1)
			T_FAIL("case %zu: parse succeeded", i);
		if (strncmp(eb.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			T_FAIL("case %zu: \"%s\", expected \"%s\"", i, eb.msg,
			       cases[i].msg);
		CHECK_INT(l.n, 0);
		target_list_release(&l);
	}
}

TEST(header_line_break_after_expansion_is_refused)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	setenv("MCPRISK_T_NL", "a\r\nX-Injected: 1", 1);
	CHECK_INT(parse("{\"mcpServers\":{\"a\":{\"url\":\"http://h/\","
			"\"headers\":{\"X-K\":\"${MCPRISK_T_NL}\"}}}}", "c.json",
			&l, &eb), 0);
	CHECK_STR(l.v[0].preset_status, "config_error");
	CHECK_CONTAINS(l.v[0].preset_error, "headers.X-K: value contains a "
			"line break");
	CHECK(!strstr(l.v[0].preset_error, "Injected"));
	target_list_release(&l);
}

TEST(relative_cwd_and_paths)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	char *p;

	CHECK_INT(parse("{\"mcpServers\":{\"a\":{\"command\":\"x\","
			"\"cwd\":\"sub/dir\"}}}", "/etc/mcp/c.json", &l, &eb), 0);
	CHECK_STR(l.v[0].cwd, "/etc/mcp/sub/dir");
	target_list_release(&l);

	setenv("HOME", "/home/t", 1);
	p = config_resolve_path("~/.cursor/mcp.json", "/x", &eb);
	CHECK_STR(p, "/home/t/.cursor/mcp.json");
	free(p);
	p = config_resolve_path("rel/f", "/x", &eb);
	CHECK_STR(p, "/x/rel/f");
	free(p);
	p = config_resolve_path("/abs", "/x", &eb);
	CHECK_STR(p, "/abs");
	free(p);
	CHECK(config_resolve_path("~bob/x", "/x", &eb) == NULL);
	CHECK_CONTAINS(eb.msg, "~user");
}

TEST(load_missing_file)
{
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	CHECK_INT(config_load("/nonexistent/mcp.json", &l, &eb), -1);
	CHECK_CONTAINS(eb.msg, "cannot open '/nonexistent/mcp.json'");
}

TEST(name_checks)
{
	CHECK(config_header_name_ok("X-API-Key"));
	CHECK(!config_header_name_ok("X:Y"));
	CHECK(!config_header_name_ok(""));
	CHECK(config_env_name_ok("_A1"));
	CHECK(!config_env_name_ok("A=B"));
	CHECK(config_url_ok("HTTPS://h/x"));
	CHECK(!config_url_ok("http:///x"));
	CHECK(!config_url_ok("http://h/a b"));
	CHECK(!config_url_ok("ftp://h/"));
}
