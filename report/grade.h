/*
 * Server grade and token cost: a letter A-F for how much care a server's
 * tool list needs, from its riskiest tools and findings, and the
 * approximate number of model tokens its tools/list result costs.  The
 * rules are documented in docs/grades.md.
 */
#ifndef MCPRISK_GRADE_H
#define MCPRISK_GRADE_H

#include <jansson.h>
#include <stddef.h>

#include "classifier/verdict.h"
#include "report/profile.h"

/* Share of critical tools (percent) from which a server grades E, not D. */
#define GRADE_CRITICAL_SHARE_E 25
/* Longest grade reason kept, with its NUL. */
#define GRADE_REASON_MAX 256

struct grade {
	char letter;                   /* 'A'..'F' */
	size_t ntools;                 /* tools counted */
	size_t by_risk[RISK__COUNT];   /* tools per risk level */
	size_t by_category[CAT__COUNT]; /* tools per category */
	size_t nfindings;              /* findings over all tools */
	size_t npoisoned;              /* tools with the poisoning trait */
	char reason[GRADE_REASON_MAX]; /* why this letter, one line */
};

/*
 * Grade a server from its tools' verdicts (a NULL verdict counts as
 * unknown/high, like the profiles do).  Fills *out.
 */
void grade_server(const struct tool_verdict *tools, size_t ntools,
		  struct grade *out);

/* Tokens for a tools/list result of nbytes compact JSON: ceil(n / 4). */
size_t grade_tokens_for_bytes(size_t nbytes);

/*
 * Tokens for a tools array (the "tools" of a tools/list result): the size
 * of {"tools":<array>} encoded compactly, / 4, rounded up.  0 if it cannot
 * be encoded.
 */
size_t grade_tokens(const json_t *tools);

/*
 * The same from stored definitions (each one tool's compact JSON), without
 * parsing them: their bytes plus the {"tools":[...]} wrapping and commas.
 */
size_t grade_tokens_defs(const char *const *defs, size_t ndefs);

/* The same from the total bytes of ndefs stored definitions. */
size_t grade_tokens_for_def_bytes(size_t total, size_t ndefs);

#endif
