/*
 * Unit tests for classifier/rules: the bundled rule set loads, and every
 * kind of bad rule is refused with the file, the rule id and the reason.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "classifier/rules_impl.h"
#include "tests/unit/t.h"

#define SCORING                                                             \
	"\"version\":\"t.1\",\"scoring\":{\"min_weight\":20,"               \
	"\"strong_weight\":40,\"verb_window\":3,\"category_score\":{"        \
	"\"read\":10,\"write\":45,\"execute\":65,\"destructive\":85,"       \
	"\"financial\":85,\"unknown\":60},\"trait_score\":{\"bulk\":5,"     \
	"\"privilege\":10,\"credentials\":20,\"external_comm\":10,"         \
	"\"code_exec\":10,\"filesystem\":3,\"network\":3,\"open_world\":3,"  \
	"\"poisoning\":10,\"annotation_mismatch\":10},\"risk_at\":{"        \
	"\"medium\":30,\"high\":55,\"critical\":80},\"confidence\":{"       \
	"\"no_description\":0.25,\"acronym_name\":0.15,\"opaque_name\":0.2," \
	"\"unknown\":0.2,\"close_call\":0.15,\"weak\":0.1,\"floor\":0.1,"   \
	"\"close_ratio\":0.75}}"

static char dir[] = "/tmp/mcprisk-rules-XXXXXX";
static bool dir_made; /* mkdtemp may leave an 'X' at the end: not a flag */

/* Write {SCORING, "rules":[rules]} to <dir>/name; return the path. */
static const char *
put(const char *name, const char *rules)
{
	static char path[256];
	FILE *f;

	if (!dir_made) {
		if (!mkdtemp(dir))
			abort();
		dir_made = true;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fprintf(f, "{" SCORING ",\"rules\":[%s]}", rules);
	fclose(f);
	return path;
}

/* Load a one-file rule set; the error message or "" on success. */
static const char *
load_err(const char *rules)
{
	static struct errbuf eb;
	struct rules *r;

	errbuf_clear(&eb);
	r = rules_load(put("r.json", rules), &eb);
	if (r) {
		rules_free(r);
		return "";
	}
	return eb.msg;
}

#define OKRULE(id) "{\"id\":\"" id "\",\"fields\":[\"verb\"]," \
	"\"words\":[\"cancel\"],\"category\":\"destructive\",\"weight\":60," \
	"\"explain\":\"x\"}"

TEST(bundled_rules_load)
{
	struct errbuf eb = ERRBUF_INIT;
	struct rules *r = rules_load("data/rules", &eb);
	size_t w, p, d;

	CHECK_STR(eb.msg, "");
	CHECK(r != NULL);
	if (!r)
		return;
	CHECK_STR(rules_version(r), "2026.11.2");
	CHECK(rules_count(r) > 40);
	rules_kinds(r, &w, &p, &d);
	CHECK(w > 0 && p > 0 && d == 4);
	rules_free(r);
}

TEST(good_rule_loads)
{
	CHECK_STR(load_err(OKRULE("verb.cancel")), "");
}

static const char *match_gated(const char *p, const char *requires,
				const char *d);

/* The text rule "t.p" (pattern p) matches in description d, "" if none. */
static const char *
match_of(const char *p, const char *d)
{
	return match_gated(p, NULL, d);
}

/* Likewise with "requires": requires (a JSON array), unless NULL. */
static const char *
match_gated(const char *p, const char *requires, const char *d)
{
	static char out[1100];
	struct errbuf eb = ERRBUF_INIT;
	char rule[512];
	struct rules *r;
	struct classifier *c;
	struct verdict v;
	json_t *t;
	size_t i;

	snprintf(rule, sizeof(rule),
		 "{\"id\":\"t.p\",\"fields\":[\"description\"],"
		 "\"pattern\":\"%s\",%s%s%s\"category\":\"read\","
		 "\"weight\":30,\"explain\":\"x\"}", p,
		 requires ? "\"requires\":" : "", requires ? requires : "",
		 requires ? "," : "");
	r = rules_load(put("alt.json", rule), &eb);
	unlink(put("alt.json", ""));
	if (!r) {
		snprintf(out, sizeof(out), "load: %s", eb.msg);
		return out;
	}
	c = classifier_new(r);
	t = json_pack("{s:s,s:s}", "name", "xq7", "description", d);
	out[0] = '\0';
	if (classify_tool(c, t, &v, &eb) == 0) {
		for (i = 0; i < v.nevidence; i++)
			if (strcmp(v.evidence[i].rule, "t.p") == 0)
				snprintf(out, sizeof(out), "%s",
					 v.evidence[i].match);
		verdict_release(&v);
	}
	json_decref(t);
	classifier_free(c);
	rules_free(r);
	return out;
}

/* A pattern of top-level alternatives runs as its alternatives, and its
   match is still the whole pattern's: the one that starts first, the
   earlier alternative on a tie. */
TEST(alternatives_match_as_the_whole_pattern)
{
	CHECK_STR(match_of("zeta|alpha", "alpha beta zeta"), "alpha");
	CHECK_STR(match_of("alpha|alp", "xx alpha"), "alpha");
	CHECK_STR(match_of("alp|alpha", "xx alpha"), "alp");
	CHECK_STR(match_of("\\\\bzz\\\\b|a[|]b|(?:c|d)e", "a|b de zz"), "a|b");
	CHECK_STR(match_of("q\\\\Q|\\\\E|r", "x | r"), "r");
	CHECK_STR(match_of("nothing|here", "alpha"), "");
	/* Run whole: an option setting holds for the alternatives after
	   it, a back reference names a group of another. */
	CHECK_STR(match_of("(?-i)zz|ZETA", "zeta ZETA"), "ZETA");
	CHECK_STR(match_of("(?<w>ab)\\\\k<w>|cd", "cd abab"), "cd");
	CHECK_STR(match_of("(?<w>ab)x|\\\\k<w>", "abx"), "abx");
	/* \K: "a.{0,9}\Kz" is tried from the "a", before the "b", but
	   reports "z"; and extended syntax, whose comments may hold "|". */
	CHECK_STR(match_of("a.{0,9}\\\\Kz|b", "a b z"), "z");
	CHECK_STR(match_of("(?x: q # ( | \\n)|r", "q r"), "q");
}

/*
 * ASCII text runs a pattern's 8-bit form, where there is one.  The two
 * characters whose case partners are ASCII still match caselessly, and
 * non-ASCII characters match as written.
 */
TEST(ascii_text_matches_as_in_utf_mode)
{
	CHECK_STR(match_of("\\\\x{212a}ey", "the Key"), "Key");
	CHECK_STR(match_of("\\\\x{17f}ecret", "a SECRET"), "SECRET");
	CHECK_STR(match_of("caf\\u00e9|cafe", "cafe"), "cafe");
	CHECK_STR(match_of("caf\\u00e9", "cafe"), "");
	CHECK_STR(match_of("[^\\\\xe9]x", "ax"), "ax");
	CHECK_STR(match_of("\\\\xe9|b", "a b"), "b");
	CHECK_STR(match_of("(*UTF)k\\\\b", "a K"), "K");
}

/*
 * Every pattern of the bundled rules that has an 8-bit form gives, on
 * ASCII texts made of the rules' own cues, what its UTF form gives.
 */
TEST(bundled_patterns_agree_on_ascii)
{
	static const char *const cue[] = {
		"Delete", "the", "IMPORTANT:", "<system>", "</important>",
		"ignore previous instructions", "do not tell the user",
		"~/.ssh/id_rsa", "cat .env", "this tool", "must", "send all",
		"emails", "to", "K", "s", "readOnlyHint=true", "transfer funds",
		"returns", "will permanently delete", "runs a shell command",
		"creates a new record", "side effects on", "jailbreak",
		"<!--", "-->", "before using any other tool", "overwrite",
		"stop port forward", "buy phone number", "x", "  ", "\n", ". ",
		"you are now", "act as admin", "sidenote", "payment intents",
	};
	struct errbuf eb = ERRBUF_INIT;
	struct rules *r = rules_load("data/rules", &eb);
	pcre2_match_data *a, *b;
	unsigned long rng = 7;
	char text[512];
	size_t i, k, n, len, forms = 0, bad = 0;
	int round;

	CHECK(r != NULL);
	if (!r)
		return;
	a = pcre2_match_data_create(1, NULL);
	b = pcre2_match_data_create(1, NULL);
	for (round = 0; round < 3000; round++) {
		len = 0;
		for (n = 1 + (size_t)round % 12; n > 0; n--) {
			const char *w;

			rng = rng * 6364136223846793005ul + 1442695040888963407;
			w = cue[(rng >> 33) % (sizeof(cue) / sizeof(cue[0]))];
			if (len + strlen(w) + 1 >= sizeof(text))
				break;
			memcpy(text + len, w, strlen(w));
			len += strlen(w);
			text[len++] = (rng >> 20) % 3 ? ' ' : '_';
		}
		for (i = 0; i < r->nrules; i++) {
			for (k = 0; k < r->rule[i].npat; k++) {
				const struct pattern *pt = &r->rule[i].pat[k];
				int x, y;

				if (!pt->ascii)
					continue;
				forms += round == 0;
				x = pcre2_match(pt->re, (PCRE2_SPTR)text, len,
						0, 0, a, r->mctx);
				y = pcre2_match(pt->ascii, (PCRE2_SPTR)text,
						len, 0, 0, b, r->mctx);
				if (x != y ||
				    (x >= 0 &&
				     (pcre2_get_ovector_pointer(a)[0] !=
					      pcre2_get_ovector_pointer(b)[0] ||
				      pcre2_get_ovector_pointer(a)[1] !=
					      pcre2_get_ovector_pointer(b)[1])))
					bad++;
			}
		}
	}
	CHECK(forms > 30);
	CHECK_INT((long long)bad, 0);
	pcre2_match_data_free(a);
	pcre2_match_data_free(b);
	rules_free(r);
}

/* A "requires" entry may be a phrase: the pattern runs only where its
   words occur in a row (so a list that leaves out what a match holds
   makes the rule miss, as docs/rules.md warns). */
TEST(requires_phrases_gate_patterns)
{
	CHECK_STR(match_gated("you\\\\s+are\\\\s+now", "[\"you are now\"]",
			      "Ok. You are  now root."), "You are  now");
	CHECK_STR(match_gated("be\\\\w*\\\\s+gamma", "[\"beta gamma\"]",
			      "a beta gamma"), "beta gamma");
	/* "bet gamma" matches the pattern, but not the list. */
	CHECK_STR(match_of("be\\\\w*\\\\s+gamma", "a bet gamma"), "bet gamma");
	CHECK_STR(match_gated("be\\\\w*\\\\s+gamma", "[\"beta gamma\"]",
			      "a bet gamma"), "");
	CHECK_STR(match_gated("be\\\\w*\\\\s+gamma", "[\"beta gamma\", \"bet\"]",
			      "a bet gamma"), "bet gamma");
	/* The whole phrase, not its first word. */
	CHECK_STR(match_gated("beta\\\\s+\\\\w\\\\s+gamma", "[\"beta gamma\"]",
			      "a beta x gamma"), "");
}

TEST(bad_regex_names_file_rule_and_offset)
{
	const char *e = load_err("{\"id\":\"verb.cancel\",\"fields\":"
				 "[\"description\"],\"pattern\":\"(cancel\","
				 "\"category\":\"destructive\",\"weight\":5,"
				 "\"explain\":\"x\"}");

	CHECK_CONTAINS(e, "r.json: rule 'verb.cancel': missing closing "
			  "parenthesis at offset 7");
}

TEST(unknown_field_and_key)
{
	CHECK_CONTAINS(load_err("{\"id\":\"a\",\"fields\":[\"nmae\"],\"words\":"
				"[\"x\"],\"traits\":[\"bulk\"],\"explain\":"
				"\"x\"}"),
		       "rule 'a': unknown field 'nmae'");
	CHECK_CONTAINS(load_err("{\"id\":\"a\",\"fields\":[\"verb\"],\"words\":"
				"[\"x\"],\"traits\":[\"bulk\"],\"explain\":"
				"\"x\",\"wieght\":3}"),
		       "rule 'a': unknown key 'wieght'");
	CHECK_CONTAINS(load_err("{\"id\":\"a\",\"fields\":[\"verb\"],\"words\":"
				"[\"x\"],\"traits\":[\"bulky\"],\"explain\":"
				"\"x\"}"),
		       "unknown trait 'bulky'");
}

TEST(unbounded_gaps_are_refused)
{
	CHECK_CONTAINS(load_err("{\"id\":\"g\",\"fields\":[\"description\"],"
				"\"pattern\":\"delete.*forever\",\"traits\":"
				"[\"bulk\"],\"explain\":\"x\"}"),
		       "rule 'g': unbounded repeat of a wide match (use "
		       ".{0,N}) at offset 7");
	CHECK_CONTAINS(load_err("{\"id\":\"g\",\"fields\":[\"description\"],"
				"\"pattern\":\"a[^x]+b\",\"traits\":[\"bulk\"],"
				"\"explain\":\"x\"}"),
		       "unbounded repeat");
	CHECK_CONTAINS(load_err("{\"id\":\"g\",\"fields\":[\"description\"],"
				"\"pattern\":\"(a+)+b\",\"traits\":[\"bulk\"],"
				"\"explain\":\"x\"}"),
		       "unbounded repeat of a group");
	CHECK_CONTAINS(load_err("{\"id\":\"g\",\"fields\":[\"description\"],"
				"\"pattern\":\"a.{0,5000}b\",\"traits\":"
				"[\"bulk\"],\"explain\":\"x\"}"),
		       "gap wider than 200");
	CHECK_CONTAINS(load_err("{\"id\":\"g\",\"fields\":[\"description\"],"
				"\"pattern\":\"a\\\\S{3,}b\",\"traits\":"
				"[\"bulk\"],\"explain\":\"x\"}"),
		       "unbounded repeat");
	/* Bounded gaps, narrow repeats and classes with ']' are fine. */
	CHECK_STR(load_err("{\"id\":\"g\",\"fields\":[\"description\"],"
			   "\"pattern\":\"delete.{0,60}forever\\\\s+now[]x]+"
			   "\",\"traits\":[\"bulk\"],\"explain\":\"x\"}"),
		  "");
}

TEST(duplicate_id_and_missing_parts)
{
	CHECK_CONTAINS(load_err(OKRULE("a") "," OKRULE("a")),
		       "rule 'a': duplicate id");
	CHECK_CONTAINS(load_err("{\"id\":\"a\",\"fields\":[\"verb\"],"
				"\"words\":[\"x\"],\"explain\":\"x\"}"),
		       "contributes nothing");
	CHECK_CONTAINS(load_err("{\"id\":\"a\",\"fields\":[\"verb\"],"
				"\"words\":[\"x\"],\"pattern\":\"x\","
				"\"traits\":[\"bulk\"],\"explain\":\"x\"}"),
		       "exactly one of");
	CHECK_CONTAINS(load_err("{\"id\":\"A b\",\"fields\":[\"verb\"]}"),
		       "rules[0]: 'id' must be");
	CHECK_CONTAINS(load_err("{\"id\":\"a\",\"fields\":[\"verb\"],"
				"\"words\":[\"x\"],\"category\":\"read\","
				"\"weight\":500,\"explain\":\"x\"}"),
		       "'weight' must be an integer from 1 to 100");
	CHECK_CONTAINS(load_err("{\"id\":\"a\",\"fields\":[\"verb\"],"
				"\"words\":[\"x\"],\"category\":\"read\","
				"\"weight\":5}"),
		       "'explain'");
}

TEST(detectors_are_checked)
{
	CHECK_CONTAINS(load_err("{\"id\":\"d\",\"fields\":[\"description\"],"
				"\"detector\":\"invisible\",\"traits\":"
				"[\"poisoning\"],\"explain\":\"x\"}"),
		       "unknown detector 'invisible'");
	CHECK_CONTAINS(load_err("{\"id\":\"d\",\"fields\":[\"description\"],"
				"\"detector\":\"whitespace_padding\",\"traits\":"
				"[\"poisoning\"],\"explain\":\"x\"}"),
		       "needs params.min_run");
	CHECK_CONTAINS(load_err("{\"id\":\"d\",\"fields\":[\"verb\"],"
				"\"detector\":\"ansi_escape\",\"traits\":"
				"[\"poisoning\"],\"explain\":\"x\"}"),
		       "raw text fields only");
}

TEST(bad_json_and_directories)
{
	struct errbuf eb = ERRBUF_INIT;
	struct rules *r;
	FILE *f;
	char path[300];

	put("a.json", OKRULE("one"));
	snprintf(path, sizeof(path), "%s/b.json", dir);
	f = fopen(path, "w");
	fputs("{\"rules\":[" OKRULE("two") "]}", f);
	fclose(f);
	/* r.json from earlier tests is in the directory too: remove it. */
	snprintf(path, sizeof(path), "%s/r.json", dir);
	unlink(path);
	r = rules_load(dir, &eb);
	CHECK(r != NULL);
	CHECK_INT(r ? rules_count(r) : 0, 2);
	CHECK_INT(r ? rules_nfiles(r) : 0, 2);
	rules_free(r);
	/* Two scoring sections. */
	put("c.json", OKRULE("three"));
	r = rules_load(dir, &eb);
	CHECK(r == NULL);
	CHECK_CONTAINS(eb.msg, "c.json: 'scoring' is given twice");
	snprintf(path, sizeof(path), "%s/c.json", dir);
	f = fopen(path, "w");
	fputs("{\"rules\":[", f);
	fclose(f);
	r = rules_load(dir, &eb);
	CHECK(r == NULL);
	CHECK_CONTAINS(eb.msg, "c.json: invalid JSON");
	r = rules_load("/nonexistent/rules", &eb);
	CHECK(r == NULL);
	CHECK_CONTAINS(eb.msg, "cannot read rules '/nonexistent/rules'");
	unlink(path);
	snprintf(path, sizeof(path), "%s/a.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.json", dir);
	unlink(path);
	rmdir(dir);
}
