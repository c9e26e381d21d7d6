/*
 * Profiles: loading errors name the file and entry, every balanced mapping,
 * first match wins, and the reason text built from the verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/profile.h"
#include "util/errbuf.h"
#include "util/fileio.h"
#include "util/utf8.h"
#include "t.h"

static struct evidence ev_cancel[] = {
	{ (char *)"trait.bulk", (char *)"name", (char *)"Batch", 10 },
	{ (char *)"verb.cancel", (char *)"name", (char *)"Cancel", 60 },
};

/* A verdict with one evidence rule (or the cancel pair when rule NULL). */
static struct verdict
mkv(enum category c, enum risk r, unsigned traits, const char *rule)
{
	static struct evidence one[64];
	static int next;
	struct verdict v = { .category = c, .risk = r, .score = 50,
			     .confidence = 0.8, .traits = traits };

	if (rule) {
		struct evidence *e = &one[next++ % 64];

		e->rule = (char *)rule;
		e->field = (char *)"name";
		e->match = (char *)"x";
		e->weight = 40;
		v.evidence = e;
		v.nevidence = 1;
	} else {
		v.evidence = ev_cancel;
		v.nevidence = 2;
	}
	return v;
}

static struct profile *
load(const char *name)
{
	struct errbuf eb = ERRBUF_INIT;
	struct profile *p = profile_load_named("data", name, &eb);

	if (!p)
		fprintf(stderr, "  load %s: %s\n", name, eb.msg);
	return p;
}

/* Write text to <tmpdir>/name and try to load it; returns the error. */
static const char *
load_err(const char *name, const char *text)
{
	static struct errbuf eb;
	char dir[] = "/tmp/mcprisk-prof.XXXXXX";
	char *path;
	struct profile *p;

	errbuf_clear(&eb);
	if (!mkdtemp(dir))
		return "mkdtemp failed";
	path = malloc(strlen(dir) + strlen(name) + 2);
	snprintf(path, strlen(dir) + strlen(name) + 2, "%s/%s", dir, name);
	if (file_write_atomic(path, text, strlen(text), &eb) < 0) {
		free(path);
		return eb.msg;
	}
	p = profile_load(path, &eb);
	if (p) {
		profile_free(p);
		errbuf_set(&eb, "loaded");
	}
	unlink(path);
	rmdir(dir);
	free(path);
	return eb.msg;
}

#define RULE_N(n) "{\"name\":\"r" n "\",\"action\":\"allow\",\"reason\":\"ok\"}"
#define RULE_OK "{\"name\":\"r0\",\"action\":\"allow\",\"reason\":\"ok\"}"

TEST(bundled_profiles_load)
{
	const char *names[] = { "strict", "balanced", "permissive" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct profile *p = load(names[i]);

		CHECK(p != NULL);
		if (p)
			CHECK_STR(profile_name(p), names[i]);
		profile_free(p);
	}
}

TEST(error_names_the_entry)
{
	CHECK_CONTAINS(load_err("balanced.json",
		"{\"name\":\"b\",\"rules\":[" RULE_N("0") "," RULE_N("1") ","
		RULE_N("2") ",{\"name\":\"r3\",\"action\":\"hid\","
		"\"reason\":\"x\"}]}"),
		"balanced.json: rules[3].action: unknown action 'hid'");
}

TEST(error_cases)
{
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"when\":{\"category\":[\"read\",\"reed\"]},"
		"\"action\":\"allow\",\"reason\":\"x\"}]}"),
		"p.json: rules[0].when.category[1]: unknown category 'reed'");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"when\":{\"traits_any\":[\"bulky\"]},"
		"\"action\":\"allow\",\"reason\":\"x\"}]}"),
		"rules[0].when.traits_any[0]: unknown trait 'bulky'");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"when\":{\"risk_at_least\":\"huge\"},"
		"\"action\":\"allow\",\"reason\":\"x\"}]}"),
		"rules[0].when.risk_at_least: unknown risk 'huge'");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"when\":{\"colour\":\"red\"},"
		"\"action\":\"allow\",\"reason\":\"x\"}]}"),
		"rules[0].when.colour: unknown condition");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"when\":{\"confidence_below\":2},"
		"\"action\":\"allow\",\"reason\":\"x\"}]}"),
		"rules[0].when.confidence_below: expected a number in (0, 1]");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"rate_limit\",\"reason\":\"x\"}]}"),
		"rules[0].limit: rate_limit needs a limit object");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"rate_limit\",\"limit\":{\"max\":0,"
		"\"window\":\"hour\"},\"reason\":\"x\"}]}"),
		"rules[0].limit.max: expected an integer from 1");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"rate_limit\",\"limit\":{\"max\":3,"
		"\"window\":\"week\"},\"reason\":\"x\"}]}"),
		"rules[0].limit.window: expected \"minute\", \"hour\" or");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"deny\",\"limit\":{\"max\":3,"
		"\"window\":\"hour\"},\"reason\":\"x\"}]}"),
		"rules[0].limit: only rate_limit rules take a limit");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"deny\",\"reason\":\"{tol}\"}]}"),
		"rules[0].reason: unknown placeholder '{tol}'");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"deny\",\"reason\":\"{limit}\"}]}"),
		"rules[0].reason: {limit} only applies to rate_limit rules");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"deny\",\"reason\":\"{tool\"}]}"),
		"rules[0].reason: unterminated placeholder");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":["
		RULE_OK "," RULE_OK "]}"),
		"rules[1].name: 'r0' is already rules[0]");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a b\",\"action\":\"deny\",\"reason\":\"x\"}]}"),
		"rules[0].name: 'a b' is not");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"deny\",\"reason\":\"x\","
		"\"then\":1}]}"), "rules[0].then: unknown key");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[{"
		"\"name\":\"a\",\"action\":\"deny\"}]}"),
		"rules[0].reason: missing");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[]}"),
		"p.json: rules: expected an array of 1 to");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":[1]}"),
		"p.json: rules[0]: expected an object, got integer");
	CHECK_CONTAINS(load_err("p.json", "{\"rules\":[" RULE_OK "]}"),
		"p.json: name: missing");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"extra\":1,"
		"\"rules\":[" RULE_OK "]}"), "p.json: extra: unknown key");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"rules\":["),
		"p.json: invalid JSON at line 1");
	CHECK_CONTAINS(load_err("p.json", "{\"name\":\"p\",\"name\":\"q\","
		"\"rules\":[" RULE_OK "]}"), "p.json: invalid JSON");
	CHECK_STR(load_err("p.json", "{\"name\":\"p\",\"rules\":[" RULE_OK
		"]}"), "loaded");
}

TEST(load_named)
{
	struct errbuf eb = ERRBUF_INIT;
	struct profile *p;

	p = profile_load_named("data", "data/profiles/strict.json", &eb);
	CHECK(p != NULL);
	profile_free(p);
	p = profile_load_named("data", "nosuch", &eb);
	CHECK(p == NULL);
	CHECK_CONTAINS(eb.msg, "data/profiles/nosuch.json");
	p = profile_load_named("data", ".hidden", &eb);
	CHECK(p == NULL);
	CHECK_CONTAINS(eb.msg, "bad profile name '.hidden'");
	p = profile_load_named("data", "a b", &eb);
	CHECK(p == NULL);
	profile_free(NULL);
}

static void
check_action(const struct profile *p, const char *tool, struct verdict v,
	     enum action_kind want, const char *want_reason)
{
	struct action a;

	CHECK_INT(profile_decide(p, tool, &v, &a), want);
	CHECK_INT(a.kind, want);
	if (want_reason)
		CHECK_STR(a.reason, want_reason);
}

TEST(balanced_mappings)
{
	struct profile *p = load("balanced");
	struct finding crit = { (char *)"poison.hidden", RISK_CRITICAL,
				(char *)"description", (char *)"ignore" };
	struct finding low = { (char *)"annot.mismatch", RISK_LOW,
			       (char *)"annotations", (char *)"x" };
	struct verdict v;
	struct action a;

	if (!p)
		return;
	check_action(p, "CancelAHORunBatch",
		     mkv(CAT_DESTRUCTIVE, RISK_CRITICAL, TRAIT_BULK, NULL),
		     ACTION_HIDE, "Hidden: destructive, critical (verb.cancel)");
	check_action(p, "ChargeCard", mkv(CAT_FINANCIAL, RISK_CRITICAL, 0,
		     "verb.charge"), ACTION_HIDE,
		     "Hidden: financial, critical (verb.charge)");
	check_action(p, "Frob", mkv(CAT_UNKNOWN, RISK_HIGH, 0, NULL),
		     ACTION_DENY, "Denied until reviewed: unknown, high, "
		     "confidence 0.80 (verb.cancel)");
	check_action(p, "StartRun", mkv(CAT_EXECUTE, RISK_HIGH, 0,
		     "verb.start"), ACTION_REQUIRE_APPROVAL,
		     "Requires approval: execute, high (verb.start)");
	check_action(p, "TagResource", mkv(CAT_WRITE, RISK_MEDIUM, 0,
		     "verb.tag"), ACTION_RATE_LIMIT,
		     "Rate limited to 30/hour: write, medium (verb.tag)");
	check_action(p, "ListRuns", mkv(CAT_READ, RISK_LOW, 0, "verb.list"),
		     ACTION_ALLOW, "Allowed: read, low (verb.list)");

	v = mkv(CAT_WRITE, RISK_MEDIUM, 0, "verb.tag");
	profile_decide(p, "TagResource", &v, &a);
	CHECK_INT(a.max, 30);
	CHECK_INT(a.window, WINDOW_HOUR);
	CHECK_STR(a.rule, "write");

	/* poisoning trait on a read tool still hides it */
	v = mkv(CAT_READ, RISK_LOW, TRAIT_POISONING, "verb.get");
	v.findings = &crit;
	v.nfindings = 1;
	check_action(p, "GetNotes", v, ACTION_HIDE,
		     "Hidden: possible tool poisoning (poison.hidden)");
	/* a critical finding without the trait, too */
	v.traits = 0;
	check_action(p, "GetNotes", v, ACTION_HIDE,
		     "Hidden: critical finding (poison.hidden)");
	/* a low finding does not */
	v.findings = &low;
	check_action(p, "GetNotes", v, ACTION_ALLOW, NULL);

	/* not yet classified: unknown, denied */
	CHECK_INT(profile_decide(p, "X", NULL, &a), ACTION_DENY);
	CHECK_STR(a.reason, "Denied until reviewed: unknown, high, "
		  "confidence 0.00 (no evidence)");
	profile_free(p);
}

TEST(strict_and_permissive)
{
	struct profile *s = load("strict"), *p = load("permissive");
	struct verdict v;

	if (!s || !p)
		goto out;
	check_action(s, "StartRun", mkv(CAT_EXECUTE, RISK_HIGH, 0, "v"),
		     ACTION_DENY, NULL);
	check_action(s, "Tag", mkv(CAT_WRITE, RISK_MEDIUM, 0, "v"),
		     ACTION_REQUIRE_APPROVAL, NULL);
	check_action(s, "GetSecret", mkv(CAT_READ, RISK_MEDIUM,
		     TRAIT_CREDENTIALS | TRAIT_NETWORK, "v"),
		     ACTION_REQUIRE_APPROVAL,
		     "Requires approval: reads credentials, network (v)");
	v = mkv(CAT_READ, RISK_LOW, 0, "v");
	v.confidence = 0.3;
	check_action(s, "Thing", v, ACTION_REQUIRE_APPROVAL, NULL);
	check_action(s, "List", mkv(CAT_READ, RISK_LOW, 0, "v"), ACTION_ALLOW,
		     NULL);
	check_action(p, "Delete", mkv(CAT_DESTRUCTIVE, RISK_CRITICAL, 0, "v"),
		     ACTION_REQUIRE_APPROVAL, NULL);
	check_action(p, "Run", mkv(CAT_EXECUTE, RISK_HIGH, 0, "v"),
		     ACTION_RATE_LIMIT, NULL);
	check_action(p, "Put", mkv(CAT_WRITE, RISK_MEDIUM, 0, "v"),
		     ACTION_ALLOW, NULL);
	check_action(p, "Evil", mkv(CAT_READ, RISK_LOW, TRAIT_POISONING, "v"),
		     ACTION_HIDE, "Hidden: possible tool poisoning (v)");
out:
	profile_free(s);
	profile_free(p);
}

static struct profile *
load_text(const char *text)
{
	struct errbuf eb = ERRBUF_INIT;
	char path[] = "/tmp/mcprisk-prof-XXXXXX.json";
	int fd = mkstemps(path, 5);
	struct profile *p = NULL;

	if (fd < 0)
		return NULL;
	close(fd);
	if (file_write_atomic(path, text, strlen(text), &eb) == 0)
		p = profile_load(path, &eb);
	if (!p)
		fprintf(stderr, "  %s\n", eb.msg);
	unlink(path);
	return p;
}

TEST(first_match_wins)
{
	struct profile *p = load_text("{\"name\":\"t\",\"rules\":["
		"{\"name\":\"pinned\",\"when\":{\"tools\":[\"Special\"]},"
		"\"action\":\"allow\",\"reason\":\"pinned {tool}\"},"
		"{\"name\":\"high\",\"when\":{\"risk_at_least\":\"high\"},"
		"\"action\":\"deny\",\"reason\":\"high {{literal}\"},"
		"{\"name\":\"exec\",\"when\":{\"category\":[\"execute\"]},"
		"\"action\":\"require_approval\",\"reason\":\"exec\"},"
		"{\"name\":\"mid\",\"when\":{\"risk_at_most\":\"medium\","
		"\"risk_at_least\":\"medium\"},\"action\":\"rate_limit\","
		"\"limit\":{\"max\":5,\"window\":\"day\"},"
		"\"reason\":\"{limit} s={score} t={traits}\"}]}");
	struct action a;
	struct verdict v;

	if (!p)
		return;
	/* execute/high matches "high" and "exec": the first wins */
	check_action(p, "Run", mkv(CAT_EXECUTE, RISK_HIGH, 0, "v"),
		     ACTION_DENY, "high {literal}");
	check_action(p, "Run", mkv(CAT_EXECUTE, RISK_MEDIUM, 0, "v"),
		     ACTION_REQUIRE_APPROVAL, "exec");
	check_action(p, "Special", mkv(CAT_EXECUTE, RISK_CRITICAL, 0, "v"),
		     ACTION_ALLOW, "pinned Special");
	check_action(p, "W", mkv(CAT_WRITE, RISK_MEDIUM, 0, "v"),
		     ACTION_RATE_LIMIT, "5/day s=50 t=none");
	/* nothing matches: denied by the built-in default */
	v = mkv(CAT_READ, RISK_LOW, 0, "v");
	CHECK_INT(profile_decide(p, "R", &v, &a), ACTION_DENY);
	CHECK_STR(a.rule, "default");
	CHECK_CONTAINS(a.reason, "no rule of profile 't' matched");
	profile_free(p);
}

TEST(reason_is_capped_at_a_character_boundary)
{
	struct profile *p = load_text("{\"name\":\"t\",\"rules\":["
		"{\"name\":\"all\",\"action\":\"deny\","
		"\"reason\":\"Denied {tool} {tool}\"}]}");
	char name[2000];
	struct verdict v = mkv(CAT_READ, RISK_LOW, 0, "v");
	struct action a;
	size_t i, n;

	if (!p)
		return;
	/* "é" repeated: a cut in the middle would leave invalid UTF-8 */
	for (i = 0; i + 2 < sizeof(name); i += 2)
		memcpy(name + i, "\xc3\xa9", 2);
	name[i] = '\0';
	profile_decide(p, name, &v, &a);
	n = strlen(a.reason);
	CHECK(n < ACTION_REASON_MAX);
	CHECK(n > ACTION_REASON_MAX - 8);
	CHECK(utf8_valid(a.reason, n));
	CHECK_STR(a.reason + n - 3, "...");
	profile_free(p);
}
