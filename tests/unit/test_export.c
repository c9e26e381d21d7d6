/*
 * Exports: the seed case byte for byte, each format for a fixed set of
 * tools, escaping of hostile strings, determinism, notes, and safe file
 * names.  Actions are built by hand so no classifier is needed.  Also
 * the direct decoder of stored verdicts against jansson.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/encode.h"
#include "report/export.h"
#include "report/vdecode.h"
#include "util/fileio.h"
#include "t.h"

static struct export_tool
mk(const char *name, enum action_kind k, const char *rule,
   const char *reason)
{
	struct export_tool t;

	memset(&t, 0, sizeof(t));
	t.name = name;
	t.action.kind = k;
	if (k == ACTION_RATE_LIMIT) {
		t.action.max = 30;
		t.action.window = WINDOW_HOUR;
	}
	snprintf(t.action.rule, sizeof(t.action.rule), "%s", rule);
	snprintf(t.action.reason, sizeof(t.action.reason), "%s", reason);
	return t;
}

/* The five tools of the reference example, sorted by name. */
static struct export_tool sample[5];

static struct export_server
sample_server(void)
{
	struct export_server s = { 0 };

	sample[0] = mk("CancelAHORunBatch", ACTION_HIDE, "destructive",
		       "Hidden: destructive, critical (verb.cancel)");
	sample[1] = mk("ListRuns", ACTION_ALLOW, "read",
		       "Allowed: read, low (verb.list)");
	sample[2] = mk("Mystery", ACTION_DENY, "unknown",
		       "Denied until reviewed: unknown, high");
	sample[3] = mk("StartRun", ACTION_REQUIRE_APPROVAL, "execute",
		       "Requires approval: execute, high (verb.start)");
	sample[4] = mk("TagResource", ACTION_RATE_LIMIT, "write",
		       "Rate limited to 30/hour: write, medium (verb.tag)");
	s.server = "aws-omics";
	s.mcprisk_version = "0.1.0";
	s.rules_version = "2025.1";
	s.profile = "balanced";
	s.tools = sample;
	s.ntools = 5;
	return s;
}

/* Render s in f; returns a new string (or NULL, message on stderr). */
static char *
render(const struct export_server *s, enum export_format f,
       struct export_notes *notes)
{
	struct errbuf eb = ERRBUF_INIT;
	struct export_notes local = EXPORT_NOTES_INIT;
	struct buf b = BUF_INIT(EXPORT_MAX);

	if (export_render(s, f, &b, notes ? notes : &local, &eb) < 0) {
		fprintf(stderr, "  render: %s\n", eb.msg);
		buf_release(&b);
		export_notes_release(&local);
		return NULL;
	}
	export_notes_release(&local);
	return buf_detach(&b, NULL);
}

static bool
has_note(const struct export_notes *n, const char *tool, const char *text)
{
	size_t i;

	for (i = 0; i < n->n; i++)
		if (((!tool && !n->v[i].tool) ||
		     (tool && n->v[i].tool && strcmp(tool, n->v[i].tool) == 0)) &&
		    strstr(n->v[i].text, text))
			return true;
	return false;
}

TEST(seed_case_is_policylayers_smallest_form)
{
	struct export_tool t = mk("CancelAHORunBatch", ACTION_HIDE,
				  "destructive", "Hidden: destructive");
	struct export_server s = { .server = "aws-omics", .tools = &t,
				   .ntools = 1 };
	char *out = render(&s, EXPORT_POLICYLAYER, NULL);

	CHECK_STR(out, "{\"version\":\"1\",\"default\":\"deny\","
		  "\"hide\":[\"CancelAHORunBatch\"]}\n");
	free(out);
}

TEST(policylayer_sample)
{
	struct export_server s = sample_server();
	char *out = render(&s, EXPORT_POLICYLAYER, NULL);

	CHECK_STR(out, "{\"version\":\"1\",\"default\":\"deny\","
		  "\"hide\":[\"CancelAHORunBatch\"],\"tools\":{"
		  "\"ListRuns\":{},"
		  "\"Mystery\":{\"deny_if\":[{\"conditions\":[],\"on_deny\":"
		  "\"Denied until reviewed: unknown, high\"}]},"
		  "\"StartRun\":{\"deny_if\":[{\"conditions\":[],\"on_deny\":"
		  "\"Requires approval: execute, high (verb.start)\"}]},"
		  "\"TagResource\":{\"limits\":[{\"counter\":"
		  "\"TagResource_per_hour\",\"window\":\"hour\",\"max\":30,"
		  "\"scope\":\"grant\"}]}}}\n");
	free(out);
}

TEST(policylayer_daily_limit_becomes_hourly)
{
	struct export_tool t = mk("Send", ACTION_RATE_LIMIT, "w", "r");
	struct export_server s = { .server = "x", .tools = &t, .ntools = 1 };
	struct export_notes n = EXPORT_NOTES_INIT;
	char *out;

	t.action.max = 100;
	t.action.window = WINDOW_DAY;
	out = render(&s, EXPORT_POLICYLAYER, &n);
	CHECK_CONTAINS(out, "\"counter\":\"Send_per_hour\",\"window\":"
		       "\"hour\",\"max\":5,");
	CHECK(has_note(&n, "Send", "daily rate limit"));
	free(out);
	export_notes_release(&n);
}

TEST(intercept_sample)
{
	struct export_server s = sample_server();
	struct export_notes n = EXPORT_NOTES_INIT;
	char *out = render(&s, EXPORT_INTERCEPT, &n);

	CHECK_STR(out,
		"version: \"1\"\n"
		"description: \"Recommended policy for aws-omics (mcprisk "
		"0.1.0, rules 2025.1, profile balanced)\"\n"
		"default: \"deny\"\n"
		"hide:\n"
		"  - \"CancelAHORunBatch\"\n"
		"tools:\n"
		"  \"ListRuns\":\n"
		"    rules: []\n"
		"  \"Mystery\":\n"
		"    rules:\n"
		"      - name: \"unknown\"\n"
		"        action: \"deny\"\n"
		"        on_deny: \"Denied until reviewed: unknown, high\"\n"
		"  \"StartRun\":\n"
		"    rules:\n"
		"      - name: \"execute\"\n"
		"        action: \"deny\"\n"
		"        on_deny: \"Requires approval: execute, high "
		"(verb.start)\"\n"
		"  \"TagResource\":\n"
		"    rules:\n"
		"      - name: \"write\"\n"
		"        rate_limit: \"30/hour\"\n"
		"        on_deny: \"Rate limited to 30/hour: write, medium "
		"(verb.tag)\"\n");
	CHECK(has_note(&n, "StartRun", "no approval step"));
	CHECK_INT(n.n, 1);
	free(out);
	export_notes_release(&n);
}

TEST(intercept_empty_lists)
{
	struct export_server s = { .server = "x" };
	char *out = render(&s, EXPORT_INTERCEPT, NULL);

	CHECK_STR(out, "version: \"1\"\ndescription: \"Recommended policy "
		  "for x\"\ndefault: \"deny\"\nhide: []\ntools: {}\n");
	free(out);
}

TEST(claude_sample)
{
	struct export_server s = sample_server();
	struct export_notes n = EXPORT_NOTES_INIT;
	char *out = render(&s, EXPORT_CLAUDE, &n);

	CHECK_STR(out,
		"{\n"
		"  \"permissions\": {\n"
		"    \"deny\": [\n"
		"      \"mcp__aws-omics__CancelAHORunBatch\",\n"
		"      \"mcp__aws-omics__Mystery\"\n"
		"    ],\n"
		"    \"ask\": [\n"
		"      \"mcp__aws-omics__StartRun\"\n"
		"    ],\n"
		"    \"allow\": [\n"
		"      \"mcp__aws-omics__ListRuns\",\n"
		"      \"mcp__aws-omics__TagResource\"\n"
		"    ]\n"
		"  }\n"
		"}\n");
	CHECK(has_note(&n, "TagResource", "no rate limits"));
	CHECK_INT(n.n, 1);
	free(out);
	export_notes_release(&n);
}

TEST(claude_alias_and_names_are_sanitised)
{
	struct export_tool t[2];
	struct export_server s = { .server = "io.github.x/y", .tools = t,
				   .ntools = 2 };
	struct export_notes n = EXPORT_NOTES_INIT;
	char *out;

	t[0] = mk("*", ACTION_ALLOW, "r", "r");
	t[1] = mk("get.v\xc3\xa9", ACTION_DENY, "r", "r");
	out = render(&s, EXPORT_CLAUDE, &n);
	CHECK_CONTAINS(out, "\"mcp__io_github_x_y___\"");
	CHECK_CONTAINS(out, "\"mcp__io_github_x_y__get_v_\"");
	CHECK(has_note(&n, "*", "outside [A-Za-z0-9_-]"));
	CHECK(!has_note(&n, NULL, "alias")); /* the default is clean */
	free(out);
	export_notes_release(&n);

	s.alias = "my alias";
	out = render(&s, EXPORT_CLAUDE, &n);
	CHECK_CONTAINS(out, "\"mcp__my_alias___\"");
	CHECK(has_note(&n, NULL, "alias"));
	free(out);
	export_notes_release(&n);
}

TEST(codex_sample)
{
	struct export_server s = sample_server();
	struct export_notes n = EXPORT_NOTES_INIT;
	char *out;

	s.alias = "omics";
	out = render(&s, EXPORT_CODEX, &n);
	CHECK_STR(out,
		"# \"Recommended policy for aws-omics (mcprisk 0.1.0, rules "
		"2025.1, profile balanced)\"\n"
		"[mcp_servers.\"omics\"]\n"
		"enabled_tools = [\"ListRuns\", \"StartRun\", "
		"\"TagResource\"]\n"
		"disabled_tools = [\"CancelAHORunBatch\", \"Mystery\"]\n"
		"default_tools_approval_mode = \"prompt\"\n"
		"\n[mcp_servers.\"omics\".tools.\"ListRuns\"]\n"
		"approval_mode = \"auto\"\n"
		"\n[mcp_servers.\"omics\".tools.\"StartRun\"]\n"
		"approval_mode = \"prompt\"\n"
		"\n[mcp_servers.\"omics\".tools.\"TagResource\"]\n"
		"approval_mode = \"auto\"\n");
	CHECK(has_note(&n, "TagResource", "no rate limits"));
	free(out);
	export_notes_release(&n);
}

TEST(docker_sample)
{
	struct export_server s = sample_server();
	struct export_notes n = EXPORT_NOTES_INIT;
	char *out = render(&s, EXPORT_DOCKER, &n);

	CHECK_STR(out, "\"aws-omics\":\n  - \"ListRuns\"\n"
		  "  - \"TagResource\"\n");
	CHECK(has_note(&n, "TagResource", "no rate limits"));
	CHECK(has_note(&n, "StartRun", "no approval step"));
	free(out);
	export_notes_release(&n);

	s.ntools = 1; /* only the hidden tool */
	out = render(&s, EXPORT_DOCKER, &n);
	CHECK_STR(out, "\"aws-omics\": []\n");
	CHECK(has_note(&n, NULL, "no tool is allowed"));
	free(out);
	export_notes_release(&n);
}

static char *
yaml(const char *s)
{
	struct errbuf eb = ERRBUF_INIT;
	struct buf b = BUF_INIT(1024);

	if (enc_yaml_str(&b, s, &eb) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static char *
toml(const char *s)
{
	struct errbuf eb = ERRBUF_INIT;
	struct buf b = BUF_INIT(1024);

	if (enc_toml_str(&b, s, &eb) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

#define CHECK_ENC(fn, in, want)                                             \
	do {                                                                \
		char *t_got = fn(in);                                       \
		CHECK_STR(t_got, want);                                     \
		free(t_got);                                                \
	} while (0)

TEST(yaml_escapes)
{
	CHECK_ENC(yaml, "plain", "\"plain\"");
	CHECK_ENC(yaml, "", "\"\"");
	CHECK_ENC(yaml, "yes", "\"yes\"");
	CHECK_ENC(yaml, "a\"b\\c", "\"a\\\"b\\\\c\"");
	CHECK_ENC(yaml, "l1\nl2\tt\rr", "\"l1\\nl2\\tt\\rr\"");
	CHECK_ENC(yaml, "\x01\x1f\x7f", "\"\\x01\\x1F\\x7F\"");
	CHECK_ENC(yaml, "\xc2\x85\xc2\x9f\xc2\xa0", "\"\\x85\\x9F\xc2\xa0\"");
	CHECK_ENC(yaml, "\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xef\xbf\xbe",
		  "\"\\u2028\\u2029\\uFEFF\\uFFFE\"");
	CHECK_ENC(yaml, ": # - [ ] {} & * ! | > ' % @ `",
		  "\": # - [ ] {} & * ! | > ' % @ `\"");
	CHECK_ENC(yaml, "\xe5\x90\x8d\xf0\x9f\x98\x80",
		  "\"\xe5\x90\x8d\xf0\x9f\x98\x80\"");
	CHECK(yaml("bad\xff") == NULL);
	CHECK(yaml("\xc0\x80") == NULL); /* overlong NUL */
	CHECK(yaml("\xed\xa0\x80") == NULL); /* surrogate */
}

TEST(toml_escapes)
{
	CHECK_ENC(toml, "a\"b\\c", "\"a\\\"b\\\\c\"");
	CHECK_ENC(toml, "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	CHECK_ENC(toml, "\x01\x7f", "\"\\u0001\\u007F\"");
	CHECK_ENC(toml, "\xc2\x85", "\"\\u0085\"");
	CHECK_ENC(toml, "\xe2\x80\xa8", "\"\\u2028\"");
	CHECK_ENC(toml, "[[x]] = # ", "\"[[x]] = # \"");
	CHECK_ENC(toml, "\xc3\xa9", "\"\xc3\xa9\"");
	CHECK(toml("\x80") == NULL);
}

TEST(invalid_utf8_is_refused)
{
	struct export_tool t = mk("bad\xfe", ACTION_ALLOW, "r", "r");
	struct export_server s = { .server = "x", .tools = &t, .ntools = 1 };
	struct errbuf eb = ERRBUF_INIT;
	struct export_notes n = EXPORT_NOTES_INIT;
	struct buf b = BUF_INIT(EXPORT_MAX);
	int f;

	for (f = 0; f < EXPORT__COUNT; f++) {
		CHECK_INT(export_render(&s, f, &b, &n, &eb), -1);
		CHECK_CONTAINS(eb.msg, "tool name is not valid UTF-8");
	}
	buf_release(&b);
	export_notes_release(&n);
}

TEST(output_cap_is_an_error)
{
	struct export_server s = sample_server();
	struct errbuf eb = ERRBUF_INIT;
	struct export_notes n = EXPORT_NOTES_INIT;
	struct buf b = BUF_INIT(40);
	int f;

	for (f = 0; f < EXPORT__COUNT; f++) {
		buf_reset(&b);
		CHECK_INT(export_render(&s, f, &b, &n, &eb), -1);
		CHECK_CONTAINS(eb.msg, "export too large");
		CHECK_CONTAINS(eb.msg, export_format_name(f));
	}
	buf_release(&b);
	export_notes_release(&n);
}

static struct profile *
balanced(void)
{
	struct errbuf eb = ERRBUF_INIT;
	struct profile *p = profile_load_named("data", "balanced", &eb);

	if (!p)
		fprintf(stderr, "  %s\n", eb.msg);
	return p;
}

TEST(decide_sorts_merges_and_is_order_independent)
{
	struct profile *p = balanced();
	struct verdict vr = { .category = CAT_READ, .risk = RISK_LOW };
	struct verdict vd = { .category = CAT_DESTRUCTIVE,
			      .risk = RISK_CRITICAL };
	struct verdict vw = { .category = CAT_WRITE, .risk = RISK_MEDIUM };
	struct tool_verdict in[4] = {
		{ "zeta", &vr }, { "dup", &vr }, { "alpha", &vw },
		{ "dup", &vd },
	};
	struct tool_verdict rev[4] = { in[3], in[2], in[1], in[0] };
	struct export_server a = { .server = "s" }, b = { .server = "s" };
	char *oa = NULL, *ob = NULL;
	int f;

	if (!p)
		return;
	export_decide(p, in, 4, &a);
	export_decide(p, rev, 4, &b);
	CHECK_INT(a.ntools, 3);
	CHECK_STR(a.tools[0].name, "alpha");
	CHECK_STR(a.tools[1].name, "dup");
	CHECK_INT(a.tools[1].action.kind, ACTION_HIDE); /* strictest kept */
	CHECK_STR(a.tools[2].name, "zeta");
	CHECK_STR(a.profile, "balanced");
	for (f = 0; f < EXPORT__COUNT; f++) {
		oa = render(&a, f, NULL);
		ob = render(&b, f, NULL);
		CHECK(oa && ob && strcmp(oa, ob) == 0);
		free(oa);
		free(ob);
	}
	export_server_release(&a);
	export_server_release(&b);
	export_decide(p, NULL, 0, &a);
	CHECK_INT(a.ntools, 0);
	oa = render(&a, EXPORT_POLICYLAYER, NULL);
	CHECK_STR(oa, "{\"version\":\"1\",\"default\":\"deny\"}\n");
	free(oa);
	export_server_release(&a);
	profile_free(p);
}

TEST(seed_case_through_the_profile)
{
	struct profile *p = balanced();
	struct evidence ev = { (char *)"verb.cancel", (char *)"name",
			       (char *)"Cancel", 60 };
	struct verdict v = { .category = CAT_DESTRUCTIVE,
			     .risk = RISK_CRITICAL, .score = 95,
			     .confidence = 0.6, .traits = TRAIT_BULK,
			     .evidence = &ev, .nevidence = 1 };
	struct tool_verdict in = { "CancelAHORunBatch", &v };
	struct export_server s = { .server = "aws-omics" };
	char *out;

	if (!p)
		return;
	export_decide(p, &in, 1, &s);
	CHECK_STR(s.tools[0].action.reason,
		  "Hidden: destructive, critical (verb.cancel)");
	out = render(&s, EXPORT_POLICYLAYER, NULL);
	CHECK_STR(out, "{\"version\":\"1\",\"default\":\"deny\","
		  "\"hide\":[\"CancelAHORunBatch\"]}\n");
	free(out);
	export_server_release(&s);
	profile_free(p);
}

TEST(format_names)
{
	int f;

	for (f = 0; f < EXPORT__COUNT; f++)
		CHECK_INT(export_format_parse(export_format_name(f)), f);
	CHECK_INT(export_format_parse("yaml"), -1);
	CHECK(export_format_name(EXPORT__COUNT) == NULL);
}

TEST(aliases)
{
	char *a;

	a = export_alias_default("io.github.x/y");
	CHECK_STR(a, "io_github_x_y");
	free(a);
	a = export_alias_default("");
	CHECK_STR(a, "server");
	free(a);
	a = export_alias_default("\xe5\x90\x8d-A_1");
	CHECK_STR(a, "_-A_1");
	free(a);
	{
		char longname[200];

		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		a = export_alias_default(longname);
		CHECK_INT(strlen(a), EXPORT_ALIAS_MAX);
		free(a);
	}
}

TEST(file_names)
{
	char longname[400], *a, *b;

	a = export_filename("io.github.x/y", "policylayer");
	CHECK_STR(a, "io.github.x%2Fy.policy.json");
	free(a);
	a = export_filename("../..", "codex");
	CHECK_STR(a, "%2E.%2F...codex.toml");
	free(a);
	a = export_filename("a b\n%", "docker");
	CHECK_STR(a, "a%20b%0A%25.docker.yaml");
	free(a);
	a = export_filename("", "claude");
	CHECK_STR(a, "%.claude.json");
	free(a);
	a = export_filename("x", "intercept");
	CHECK_STR(a, "x.intercept.yaml");
	free(a);
	CHECK(export_filename("x", "nope") == NULL);
	/* distinct names stay distinct, also when cut */
	a = export_filename("a/b", "docker");
	b = export_filename("a%2Fb", "docker");
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
	memset(longname, '/', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	a = export_filename(longname, "policylayer");
	longname[0] = 'x';
	b = export_filename(longname, "policylayer");
	CHECK(strlen(a) <= EXPORT_NAME_STEM_MAX + 17 + 12);
	CHECK(strchr(a, '/') == NULL);
	CHECK(strchr(a, '~') != NULL);
	CHECK(strcmp(a, b) != 0);
	free(a);
	free(b);
}

TEST(write_file_is_atomic_and_named_safely)
{
	char dir[] = "/tmp/mcprisk-exp.XXXXXX";
	struct errbuf eb = ERRBUF_INIT;
	struct buf b = BUF_INIT(100), in = BUF_INIT(100);
	char *sub = NULL, *path = NULL;

	if (!mkdtemp(dir))
		return;
	sub = malloc(strlen(dir) + 8);
	snprintf(sub, strlen(dir) + 8, "%s/out/a", dir);
	buf_puts(&b, "{}\n");
	CHECK_INT(export_write_file(sub, "../evil/x", "policylayer", &b, &eb),
		  0);
	path = malloc(strlen(sub) + 64);
	snprintf(path, strlen(sub) + 64, "%s/%s", sub,
		 "%2E.%2Fevil%2Fx.policy.json");
	CHECK_INT(file_read_capped(path, 100, &in, &eb), 0);
	CHECK_STR(buf_cstr(&in), "{}\n");
	buf_reset(&b);
	buf_puts(&b, "[]\n");
	CHECK_INT(export_write_file_flags(sub, "../evil/x", "policylayer", &b,
					  EXPORT_WRITE_NOSYNC, &eb), 0);
	CHECK_INT(export_sync(sub, &eb), 0);
	CHECK_INT(file_read_capped(path, 100, &in, &eb), 0);
	CHECK_STR(buf_cstr(&in), "[]\n");
	CHECK_INT(export_write_file(sub, "x", "bogus", &b, &eb), -1);
	CHECK_CONTAINS(eb.msg, "unknown export format 'bogus'");
	unlink(path);
	rmdir(sub);
	snprintf(sub, strlen(dir) + 8, "%s/out", dir);
	rmdir(sub);
	rmdir(dir);
	free(sub);
	free(path);
	buf_release(&b);
	buf_release(&in);
}

/* Stored verdicts: the direct parser must agree with jansson +
   verdict_from_json() on every input, canonical or not. */

static int
slow_decode(const char *text, struct verdict *v, struct errbuf *eb)
{
	json_t *j = json_loads(text, 0, NULL);
	int r;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(j)) {
		json_decref(j);
		return 1;
	}
	r = verdict_from_json(j, v, eb) == 0 ? 0 : -1;
	json_decref(j);
	return r;
}

static bool
verdicts_equal(const struct verdict *a, const struct verdict *b)
{
	size_t i;

	if (a->category != b->category || a->risk != b->risk ||
	    a->score != b->score || a->confidence != b->confidence ||
	    a->traits != b->traits || a->nfindings != b->nfindings ||
	    a->nevidence != b->nevidence ||
	    strcmp(a->rationale, b->rationale) != 0)
		return false;
	for (i = 0; i < a->nfindings; i++)
		if (strcmp(a->findings[i].rule, b->findings[i].rule) ||
		    a->findings[i].severity != b->findings[i].severity ||
		    strcmp(a->findings[i].field, b->findings[i].field) ||
		    strcmp(a->findings[i].match, b->findings[i].match))
			return false;
	for (i = 0; i < a->nevidence; i++)
		if (strcmp(a->evidence[i].rule, b->evidence[i].rule) ||
		    strcmp(a->evidence[i].field, b->evidence[i].field) ||
		    strcmp(a->evidence[i].match, b->evidence[i].match) ||
		    a->evidence[i].weight != b->evidence[i].weight)
			return false;
	return true;
}

/* Decode text both ways; returns vdecode's result, or 99 on a mismatch.
   *fast: the direct parser took it (one block). */
static int
both_ways(const char *text, bool *fast)
{
	struct errbuf e1 = ERRBUF_INIT, e2 = ERRBUF_INIT;
	struct verdict a, b;
	int ra = vdecode_verdict(text, &a, &e1), rb = slow_decode(text, &b, &e2);
	int ret = ra;

	*fast = ra == 0 && a.arena != NULL;
	if (ra != rb || (ra == 0 && !verdicts_equal(&a, &b)) ||
	    (ra < 0 && strcmp(e1.msg, e2.msg) != 0)) {
		fprintf(stderr, "  mismatch on %s: %d/%d '%s'/'%s'\n", text, ra,
			rb, e1.msg, e2.msg);
		ret = 99;
	}
	if (ra == 0)
		verdict_release(&a);
	if (rb == 0)
		verdict_release(&b);
	return ret;
}

TEST(stored_verdict_fast_path_matches_jansson)
{
	struct evidence ev[3] = {
		{ (char *)"verb.delete", (char *)"verb", (char *)"Delete", 60 },
		{ (char *)"desc.q", (char *)"description",
		  (char *)"say \"hi\" \\ /\t\x01\x7f caf\xc3\xa9 \xe2\x80\xae", -5 },
		{ (char *)"", (char *)"", (char *)"", 0 },
	};
	struct finding fi[1] = {
		{ (char *)"poison.hidden", RISK_CRITICAL, (char *)"description",
		  (char *)"<IMPORTANT>{x}</IMPORTANT>" },
	};
	struct verdict v = { 0 };
	char *text;
	bool fast;

	v.category = CAT_DESTRUCTIVE;
	v.risk = RISK_HIGH;
	v.score = 75;
	v.confidence = 0.85;
	v.traits = TRAIT_BULK | TRAIT_POISONING | TRAIT_OPEN_WORLD;
	v.findings = fi;
	v.nfindings = 1;
	v.evidence = ev;
	v.nevidence = 3;
	v.rationale = (char *)"Why: {braces} [brackets] \xf0\x9f\x98\x80.";
	text = verdict_to_text(&v);
	CHECK_INT(both_ways(text, &fast), 0);
	CHECK(fast);
	free(text);
	v.nfindings = v.nevidence = 0;
	v.traits = 0;
	v.confidence = 1.0;
	text = verdict_to_text(&v);
	CHECK_INT(both_ways(text, &fast), 0);
	CHECK(fast);
	free(text);
}

TEST(stored_verdict_other_shapes_take_the_general_path)
{
	static const char *const ok[] = {
		/* whitespace, key order, extra keys, integer confidence,
		   surrogate pairs, \u0000-free escapes */
		"{ \"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":1.0,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"risk\":\"low\",\"category\":\"read\",\"score\":10,"
		"\"confidence\":1,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"\\ud83d\\ude00\",\"x\":1}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}\n",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"score\":20,\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[{\"rule\":\"a\",\"field\":\"b\",\"match\":\"c\","
		"\"weight\":12345678901}],\"rationale\":\"r\"}",
	};
	/* not what verdict_to_text() writes, but in its key order: the
	   direct parser may take these and must agree */
	static const char *const odd[] = {
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":-0,"
		"\"confidence\":5e-1,\"traits\":[\"bulk\",\"bulk\"],"
		"\"findings\":[],\"evidence\":[{\"rule\":\"a\",\"field\":\"b\","
		"\"match\":\"\\u00e9\\u2028\",\"weight\":123456789}],"
		"\"rationale\":\"r\"}",
	};
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"\"str\"",
		"{\"category\":\"read\"",
		/* invalid UTF-8, \u0000, a lone surrogate, a raw control */
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"\xc3\x28\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"\\u0000\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"\\udc00\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"a\nb\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":1e999,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"} x",
	};
	static const char *const invalid[] = {
		"{}",
		"{\"category\":\"bogus\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":101,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":1.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[\"nope\"],\"findings\":[],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[{\"rule\":\"a\","
		"\"severity\":\"dire\",\"field\":\"b\",\"match\":\"c\"}],"
		"\"evidence\":[],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[{\"rule\":\"a\",\"field\":\"b\",\"match\":\"c\","
		"\"weight\":1.5}],\"rationale\":\"r\"}",
		"{\"category\":\"read\",\"risk\":\"low\",\"score\":10,"
		"\"confidence\":0.5,\"traits\":[],\"findings\":[],"
		"\"evidence\":[]}",
	};
	size_t i;
	bool fast;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(both_ways(ok[i], &fast), 0);
		CHECK(!fast);
	}
	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		CHECK_INT(both_ways(odd[i], &fast), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(both_ways(bad[i], &fast), 1);
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		CHECK_INT(both_ways(invalid[i], &fast), -1);
}
