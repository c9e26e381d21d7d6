/*
 * The compiled rule set as the classifier sees it.  Private to
 * classifier/: rules.c builds it, classify.c reads it; everything else
 * uses the opaque handle in rules.h.
 */
#ifndef MCPRISK_RULES_IMPL_H
#define MCPRISK_RULES_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "classifier/prefilter.h"
#include "classifier/rules.h"
#include "classifier/tokenize.h"
#include "classifier/verdict.h"

/*
 * The fields a rule can read, in the order the classifier scans them
 * (which is also the order of preference when a rule matches in more
 * than one).
 */
enum field {
	F_NAME,              /* the tool name as received */
	F_NAME_WORDS,        /* its words, lowercase, space-joined */
	F_VERB,              /* the leading verb (see classify.c) */
	F_DESCRIPTION,       /* title and description */
	F_PARAM_NAME,        /* every property name, one per line */
	F_PARAM_DESC,        /* every property description, one per line */
	F_PARAM_UNDESCRIBED, /* property names with no description */
	F_SCHEMA,            /* every string in inputSchema/outputSchema */
	F_ANNOTATIONS,       /* "readOnlyHint=true ..." and the title */
	F__COUNT
};

extern const char *const rules_field_names[F__COUNT];

enum match_kind {
	MATCH_WORDS,    /* a list of words or phrases */
	MATCH_PATTERN,  /* a PCRE2 pattern */
	MATCH_DETECTOR, /* an engine detector with parameters */
};

enum detector {
	DET_INVISIBLE, /* zero-width, bidi, tag and variation characters */
	DET_ANSI,      /* terminal escape sequences */
	DET_PADDING,   /* long runs of whitespace */
	DET_BLOB,      /* long base64 or hex runs */
	DET__COUNT
};

/* Most thresholds one detector takes. */
#define DET_MAX_PARAMS 3

/*
 * A compiled PCRE2 pattern: a rule's whole pattern, or one of its
 * top-level alternatives.  A pattern such as "a...|b...|c..." is run as
 * its alternatives, each with its own literal condition and first
 * characters, so that a document which holds only one alternative's
 * literals is searched for that one alone; the rule's match is the one
 * that starts first (on a tie, the earlier alternative's), which is the
 * match the whole pattern gives.
 */
struct pattern {
	pcre2_code *re;      /* owned */
	bool jit;            /* re is JIT-compiled */
	pcre2_code *ascii;   /* re compiled for subjects with no byte >=
				0x80, in 8-bit mode (rules.c), or NULL: re
				serves them; owned */
	bool ascii_jit;      /* ascii is JIT-compiled */
	uint32_t minlen;     /* no subject shorter than this (characters,
				so also bytes) can match re */
	int pf;              /* condition in rules.pf that every match of
				re satisfies, or -1: re always runs */
	long span;           /* most characters a match of re consumes, or
				-1: not known (prefilter_add) */
	long reach;          /* most characters from a match's start that
				matching re examines, or -1 (likewise) */
	uint32_t id;         /* index among the rule set's patterns */
};

struct rule {
	char *id;            /* unique, e.g. "verb.cancel"; owned */
	const char *file;    /* file it came from (rules.files); borrowed */
	unsigned fields;     /* 1 << enum field */
	enum match_kind kind;
	struct pattern *pat; /* MATCH_PATTERN: the pattern, or its
				alternatives in order; owned */
	uint32_t npat;
	enum detector det;   /* MATCH_DETECTOR */
	long param[DET_MAX_PARAMS]; /* detector thresholds (rules.c) */
	int category;        /* enum category it weighs for, or -1 */
	int weight;          /* weight added to that category */
	unsigned traits;     /* enum trait bits it sets */
	bool finding;        /* it raises a finding */
	enum risk severity;  /* the finding's severity */
	unsigned contradicts; /* 1 << enum category: a mismatch rule that
				 fires only when the verdict is one of these */
	unsigned only_if;    /* 1 << enum category: the weight counts only
				when the other rules decide one of these */
	bool gated;          /* a pattern that runs only on a field where
				one of its "requires" words occurs */
	char *explain;       /* a phrase for the rationale; owned */
};

/* One entry of a word list: a phrase of one or more lowercase words. */
struct phrase {
	uint32_t rule;   /* index into rules.rule */
	unsigned fields; /* that rule's fields, at hand for the matcher */
	uint32_t nwords;
	bool gate;      /* a "requires" word of a pattern rule: it arms
			   the pattern instead of matching */
	char **words;   /* lowercase; owned */
	uint32_t *hash; /* rules_word_hash() of each word; owned */
};

/* Hash slot: the phrases whose first word is word. */
struct wslot {
	const char *word; /* borrowed from the first phrase; NULL = empty */
	uint32_t hash;
	uint32_t len;     /* strlen(word) */
	uint32_t first;   /* index into rules.phrases (sorted by word) */
	uint32_t count;
	unsigned fields;  /* union of the phrases' rules' fields */
};

struct scoring {
	int min_weight;             /* below: category unknown */
	int strong_weight;          /* below: confidence lowered */
	int cat_score[CAT__COUNT];  /* base score of each category */
	int trait_score[TRAIT__COUNT]; /* added per trait */
	int risk_at[RISK__COUNT];   /* lowest score of each risk level */
	double conf_no_description; /* subtracted from confidence ... */
	double conf_acronym_name;
	double conf_opaque_name;
	double conf_unknown;
	double conf_close_call;
	double conf_weak;
	double conf_floor;          /* confidence never goes below */
	double close_ratio;         /* runner-up >= ratio * winner: close */
	int verb_window;            /* words searched for the leading verb */
};

struct rules {
	char *version;                /* owned */
	char **files;                 /* owned */
	size_t nfiles;
	struct rule *rule;            /* in load order; owned */
	size_t nrules;
	struct phrase *phrases;       /* sorted by first word; owned */
	size_t nphrases;
	struct wslot *table;          /* open addressing; owned */
	uint8_t *tags;                /* per slot: 0 empty, else
					 rules_word_tag() of its hash, so
					 that a word not in the index (most
					 are) is known from one small array
					 without touching the table; owned */
	size_t tmask;                 /* table size - 1 */
	uint32_t *scan[F__COUNT];     /* per field, in rule order, the
					 pattern and detector rules run on
					 every document of it: all but the
					 gated patterns, which run only
					 where armed (classify.c); owned */
	size_t nscan[F__COUNT];
	unsigned word_fields;         /* fields some word rule reads */
	size_t npatterns;             /* struct pattern of all rules */
	struct scoring sc;
	pcre2_match_context *mctx;    /* match limits; owned */
	struct prefilter *pf;         /* the patterns' literal conditions;
					 owned */
};

/* The hash of a lowercase word, shared by the loader and the matcher. */
static inline uint32_t
rules_word_hash(const char *s, size_t n)
{
	return word_hash(s, n);
}

/* The tag of a slot holding a word of hash h: never 0. */
static inline uint8_t
rules_word_tag(uint32_t h)
{
	return (uint8_t)(h >> 24 | 1);
}

/* The slot for word[0..n) whose rules_word_hash() is h, or NULL. */
static inline const struct wslot *
rules_lookup(const struct rules *r, const char *word, size_t n, uint32_t h)
{
	uint8_t tag = rules_word_tag(h), t;
	size_t i;

	if (!r->table)
		return NULL;
	for (i = h & r->tmask; (t = r->tags[i]) != 0; i = (i + 1) & r->tmask) {
		const struct wslot *s = &r->table[i];

		if (t == tag && s->hash == h && s->len == n &&
		    memcmp(s->word, word, n) == 0)
			return s;
	}
	return NULL;
}

#endif
