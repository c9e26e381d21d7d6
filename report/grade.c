/*
 * Server grades: first match wins, from F (poisoning) down to A (only
 * low-risk tools, nothing to review).  Token cost: compact JSON bytes / 4,
 * the usual rule of thumb for English-heavy JSON with BPE tokenizers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/grade.h"
#include "report/vnames.h"
#include "util/banned.h"

void
grade_server(const struct tool_verdict *tools, size_t ntools,
	     struct grade *out)
{
	static const struct verdict unclassified = {
		.category = CAT_UNKNOWN, .risk = RISK_HIGH,
	};
	const char *poisoned = NULL, *worst_tool = NULL;
	int worst_finding = -1;
	size_t i, j, ncrit;

	memset(out, 0, sizeof(*out));
	out->ntools = ntools;
	for (i = 0; i < ntools; i++) {
		const struct verdict *v = tools[i].verdict ? tools[i].verdict :
					  &unclassified;

		if ((unsigned)v->risk < RISK__COUNT)
			out->by_risk[v->risk]++;
		if ((unsigned)v->category < CAT__COUNT)
			out->by_category[v->category]++;
		out->nfindings += v->nfindings;
		if (v->traits & TRAIT_POISONING) {
			out->npoisoned++;
			if (!poisoned)
				poisoned = tools[i].name;
		}
		for (j = 0; j < v->nfindings; j++)
			if ((int)v->findings[j].severity > worst_finding) {
				worst_finding = (int)v->findings[j].severity;
				worst_tool = tools[i].name;
			}
	}
	ncrit = out->by_risk[RISK_CRITICAL];
	if (poisoned || worst_finding >= RISK_CRITICAL) {
		out->letter = 'F';
		snprintf(out->reason, sizeof(out->reason),
			 poisoned ? "possible tool poisoning in '%.80s'" :
			 "critical finding in '%.80s'",
			 poisoned ? poisoned : worst_tool);
	} else if (ncrit > 0 &&
		   ncrit * 100 >= (size_t)GRADE_CRITICAL_SHARE_E * ntools) {
		out->letter = 'E';
		snprintf(out->reason, sizeof(out->reason),
			 "%zu of %zu tools are critical", ncrit, ntools);
	} else if (ncrit > 0 || worst_finding >= RISK_HIGH) {
		out->letter = 'D';
		if (ncrit > 0)
			snprintf(out->reason, sizeof(out->reason),
				 "%zu of %zu tools are critical", ncrit,
				 ntools);
		else
			snprintf(out->reason, sizeof(out->reason),
				 "high finding in '%.80s'", worst_tool);
	} else if (out->by_risk[RISK_HIGH] > 0 || worst_finding >= 0) {
		out->letter = 'C';
		if (out->by_risk[RISK_HIGH] > 0)
			snprintf(out->reason, sizeof(out->reason),
				 "%zu of %zu tools are high risk",
				 out->by_risk[RISK_HIGH], ntools);
		else
			snprintf(out->reason, sizeof(out->reason),
				 "%s finding in '%.80s'",
				 vname_risk((enum risk)worst_finding),
				 worst_tool);
	} else if (out->by_risk[RISK_MEDIUM] > 0) {
		out->letter = 'B';
		snprintf(out->reason, sizeof(out->reason),
			 "%zu of %zu tools are medium risk",
			 out->by_risk[RISK_MEDIUM], ntools);
	} else {
		out->letter = 'A';
		snprintf(out->reason, sizeof(out->reason), ntools ?
			 "only low-risk tools" : "no tools");
	}
}

size_t
grade_tokens_for_bytes(size_t nbytes)
{
	return nbytes / 4 + (nbytes % 4 != 0);
}

static int
count_cb(const char *chunk, size_t size, void *data)
{
	(void)chunk;
	*(size_t *)data += size;
	return 0;
}

size_t
grade_tokens(const json_t *tools)
{
	json_t *root = json_pack("{s:O}", "tools", (json_t *)tools);
	size_t n = 0;

	if (!root || json_dump_callback(root, count_cb, &n, JSON_COMPACT) < 0)
		n = 0;
	json_decref(root);
	return grade_tokens_for_bytes(n);
}

size_t
grade_tokens_defs(const char *const *defs, size_t ndefs)
{
	size_t n = 0, i;

	for (i = 0; i < ndefs; i++)
		n += strlen(defs[i]);
	return grade_tokens_for_def_bytes(n, ndefs);
}

size_t
grade_tokens_for_def_bytes(size_t total, size_t ndefs)
{
	/* {"tools":[ d1,d2,... ]}: the wrapping plus a comma between. */
	return grade_tokens_for_bytes(strlen("{\"tools\":[]}") + total +
				      (ndefs ? ndefs - 1 : 0));
}
