/*
 * The rule set: loaded from JSON data (docs/rules.md describes the
 * format), validated entry by entry, and compiled once (PCRE2 with JIT,
 * word tables) so that classifying a tool never parses or compiles.
 */
#ifndef MCPRISK_RULES_H
#define MCPRISK_RULES_H

#include <stddef.h>

#include "util/errbuf.h"

struct rules;

/* Largest rule file read: 4 MiB. */
#define RULES_MAX_FILE_BYTES ((size_t)4 << 20)
/* Most rule files in a rule directory. */
#define RULES_MAX_FILES 256
/* Most rules in a rule set. */
#define RULES_MAX_RULES 4096
/* Longest pattern accepted, in bytes. */
#define RULES_MAX_PATTERN 2048
/* Largest upper bound of a repeat of a wide atom (".{0,N}"). */
#define RULES_MAX_GAP 200
/* Most words in one word-list phrase. */
#define RULES_MAX_PHRASE_WORDS 8

/*
 * Load a rule set from path: one JSON file, or a directory whose *.json
 * files are read in name order as one set.  Every entry is checked; on
 * error returns NULL with "<file>: rule '<id>': <reason>" in eb (for a bad
 * pattern the reason ends in "at offset N", the PCRE2 error offset).
 * Returns a new rule set, immutable and safe to share between threads.
 */
struct rules *rules_load(const char *path, struct errbuf *eb);

/* Free a rule set; NULL is allowed. */
void rules_free(struct rules *r);

/* The rule-set version string, e.g. "2026.11.1" (borrowed). */
const char *rules_version(const struct rules *r);

/* Number of rules, and how many files they came from. */
size_t rules_count(const struct rules *r);
size_t rules_nfiles(const struct rules *r);

/* Rules by kind, for summaries: word lists, patterns, detectors. */
void rules_kinds(const struct rules *r, size_t *words, size_t *patterns,
		 size_t *detectors);

#endif
