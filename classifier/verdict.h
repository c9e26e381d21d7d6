/*
 * The verdict: what the classifier concludes about one tool definition and
 * why.  This is the contract between classifier/ (which produces it),
 * db/ (which stores its JSON form keyed by definition hash and rule-set
 * version) and report/ (which turns it into policy actions).
 */
#ifndef MCPRISK_VERDICT_H
#define MCPRISK_VERDICT_H

#include <jansson.h>
#include <stddef.h>

#include "util/errbuf.h"

enum category {
	CAT_READ,
	CAT_WRITE,
	CAT_EXECUTE,
	CAT_DESTRUCTIVE,
	CAT_FINANCIAL,
	CAT_UNKNOWN,
	CAT__COUNT
};

enum risk {
	RISK_LOW,
	RISK_MEDIUM,
	RISK_HIGH,
	RISK_CRITICAL,
	RISK__COUNT
};

/* Traits refine the risk; a verdict carries a bit set of them. */
enum trait {
	TRAIT_BULK = 1u << 0,
	TRAIT_PRIVILEGE = 1u << 1,
	TRAIT_CREDENTIALS = 1u << 2,
	TRAIT_EXTERNAL_COMM = 1u << 3,
	TRAIT_CODE_EXEC = 1u << 4,
	TRAIT_FILESYSTEM = 1u << 5,
	TRAIT_NETWORK = 1u << 6,
	TRAIT_OPEN_WORLD = 1u << 7,
	TRAIT_POISONING = 1u << 8,
	TRAIT_ANNOTATION_MISMATCH = 1u << 9,
};
#define TRAIT__COUNT 10

/* One piece of evidence: a rule that matched and what it contributed. */
struct evidence {
	char *rule;  /* rule id, e.g. "verb.cancel"; owned */
	char *field; /* name, verb, description, param_name, param_desc,
			annotations, schema; owned */
	char *match; /* the matched text (capped, as received); owned */
	int weight;  /* contribution to the category score */
};

/* A finding: something a reviewer must look at (poisoning, mismatch). */
struct finding {
	char *rule;        /* rule id; owned */
	enum risk severity;
	char *field;       /* as in struct evidence; owned */
	char *match;       /* owned */
};

struct verdict {
	enum category category;
	enum risk risk;
	int score;           /* 0-100 */
	double confidence;   /* 0-1, rounded to two decimals */
	unsigned traits;     /* enum trait bits */
	struct finding *findings;
	size_t nfindings;
	struct evidence *evidence;
	size_t nevidence;
	char *rationale;     /* one paragraph built from the evidence; owned */
	void *arena;         /* NULL, or one block that holds the arrays and
				strings above (classify_tool): then the
				pointers above are borrowed from it and
				verdict_release() frees only the block; owned */
};

/* Names as they appear in JSON, the CLI and policies ("destructive"). */
const char *category_name(enum category c);
const char *risk_name(enum risk r);
/* Name of one trait bit ("poisoning"); NULL for a non-trait value. */
const char *trait_name(unsigned bit);
/* Parse names back; -1 when unknown. */
int category_parse(const char *s);
int risk_parse(const char *s);
int trait_parse(const char *s); /* returns the bit, or -1 */

/*
 * The verdict as JSON (new reference): {"category","risk","score",
 * "confidence","traits":[..],"findings":[{"rule","severity","field",
 * "match"}],"evidence":[{"rule","field","match","weight"}],"rationale"}.
 * Deterministic: the same verdict always encodes to the same bytes.
 */
json_t *verdict_to_json(const struct verdict *v);

/* The confidence as every encoding of the verdict carries it: rounded to
   two decimals. */
double verdict_confidence(const struct verdict *v);

/*
 * The same JSON as compact text (new string, caller frees): byte for byte
 * what json_dumps(verdict_to_json(v), JSON_COMPACT) gives, written
 * directly, without building the JSON tree.  This is what the database
 * stores; it is the hot path of an import.
 */
char *verdict_to_text(const struct verdict *v);

/* Rebuild a verdict from verdict_to_json()'s output into *out. */
int verdict_from_json(const json_t *j, struct verdict *out, struct errbuf *eb);

/* Free what a verdict owns (not the struct itself). */
void verdict_release(struct verdict *v);

#endif
