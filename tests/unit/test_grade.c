/*
 * Server grades (each letter and the critical-share boundary) and the
 * token-cost approximation.
 */
#include <stdlib.h>
#include <string.h>

#include "report/grade.h"
#include "t.h"

static struct verdict vs[8];
static struct tool_verdict tv[8];
static const char *const names[8] = { "t0", "t1", "t2", "t3", "t4", "t5",
				      "t6", "t7" };

/* n tools, all read/low; callers then raise some of them. */
static void
reset(size_t n)
{
	size_t i;

	memset(vs, 0, sizeof(vs));
	for (i = 0; i < n; i++) {
		vs[i].category = CAT_READ;
		vs[i].risk = RISK_LOW;
		tv[i].name = names[i];
		tv[i].verdict = &vs[i];
	}
}

static char
letter(size_t n, struct grade *g)
{
	grade_server(tv, n, g);
	return g->letter;
}

TEST(letters)
{
	struct finding fcrit = { (char *)"poison.x", RISK_CRITICAL,
				 (char *)"description", (char *)"m" };
	struct finding fhigh = { (char *)"annot.x", RISK_HIGH,
				 (char *)"annotations", (char *)"m" };
	struct finding flow = { (char *)"annot.y", RISK_LOW,
				(char *)"annotations", (char *)"m" };
	struct grade g;

	reset(8);
	CHECK_INT(letter(8, &g), 'A');
	CHECK_STR(g.reason, "only low-risk tools");
	CHECK_INT(g.by_category[CAT_READ], 8);
	CHECK_INT(letter(0, &g), 'A');
	CHECK_STR(g.reason, "no tools");

	vs[1].risk = RISK_MEDIUM;
	CHECK_INT(letter(8, &g), 'B');
	CHECK_STR(g.reason, "1 of 8 tools are medium risk");

	vs[2].findings = &flow;
	vs[2].nfindings = 1;
	CHECK_INT(letter(8, &g), 'C');
	CHECK_STR(g.reason, "low finding in 't2'");
	vs[3].risk = RISK_HIGH;
	CHECK_INT(letter(8, &g), 'C');
	CHECK_STR(g.reason, "1 of 8 tools are high risk");

	vs[2].findings = &fhigh;
	CHECK_INT(letter(8, &g), 'D');
	CHECK_STR(g.reason, "high finding in 't2'");
	vs[2].findings = NULL;
	vs[2].nfindings = 0;

	/* 1 of 8 critical (12.5%) is D; 2 of 8 (25%) is E */
	vs[4].risk = RISK_CRITICAL;
	CHECK_INT(letter(8, &g), 'D');
	CHECK_STR(g.reason, "1 of 8 tools are critical");
	vs[5].risk = RISK_CRITICAL;
	CHECK_INT(letter(8, &g), 'E');
	CHECK_STR(g.reason, "2 of 8 tools are critical");
	CHECK_INT(g.by_risk[RISK_CRITICAL], 2);

	vs[6].findings = &fcrit;
	vs[6].nfindings = 1;
	CHECK_INT(letter(8, &g), 'F');
	CHECK_STR(g.reason, "critical finding in 't6'");
	CHECK_INT(g.nfindings, 1);
	vs[6].findings = NULL;
	vs[6].nfindings = 0;
	vs[7].traits = TRAIT_POISONING;
	CHECK_INT(letter(8, &g), 'F');
	CHECK_STR(g.reason, "possible tool poisoning in 't7'");
	CHECK_INT(g.npoisoned, 1);
}

TEST(unclassified_counts_as_unknown_high)
{
	struct grade g;

	reset(2);
	tv[1].verdict = NULL;
	CHECK_INT(letter(2, &g), 'C');
	CHECK_INT(g.by_category[CAT_UNKNOWN], 1);
}

TEST(tokens)
{
	const char *defs[2] = { "{\"name\":\"a\"}", "{\"name\":\"bb\"}" };
	json_t *arr = json_pack("[{s:s},{s:s}]", "name", "a", "name", "bb");

	CHECK_INT(grade_tokens_for_bytes(0), 0);
	CHECK_INT(grade_tokens_for_bytes(1), 1);
	CHECK_INT(grade_tokens_for_bytes(4), 1);
	CHECK_INT(grade_tokens_for_bytes(5), 2);
	/* {"tools":[{"name":"a"},{"name":"bb"}]} is 39 bytes → 10 */
	CHECK_INT(grade_tokens(arr), 10);
	CHECK_INT(grade_tokens_defs(defs, 2), 10);
	/* {"tools":[]} is 12 bytes → 3 */
	CHECK_INT(grade_tokens_defs(NULL, 0), 3);
	json_decref(arr);
}
