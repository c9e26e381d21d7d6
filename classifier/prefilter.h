/*
 * Literal prefilters: from each PCRE2 pattern, a condition on literal
 * substrings that every match must satisfy ("tool" and one of "must",
 * "should", "shall"), checked over a document in one pass so that a
 * pattern which cannot match is not run.  The condition is derived from
 * the pattern alone, never from a rule's "requires" words, so skipping a
 * pattern never changes what it would have matched.
 */
#ifndef MCPRISK_PREFILTER_H
#define MCPRISK_PREFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct prefilter;

/* Bytes a fold buffer needs above the document it holds. */
#define PREFILTER_SLACK 64
/* "Nowhere": prefilter_where() of a condition that fails. */
#define PREFILTER_NONE SIZE_MAX

/* A prefilter set with no patterns yet.  Never NULL. */
struct prefilter *prefilter_new(void);

/* Free a prefilter set; NULL is allowed. */
void prefilter_free(struct prefilter *p);

/*
 * Derive the condition of pattern (a PCRE2 pattern compiled without
 * PCRE2_EXTENDED) and add it to p.  Returns its id, or -1 when nothing
 * useful can be said (a construct the analysis does not know, or a
 * pattern that can match without any literal): then the pattern must
 * always run.  *span is the most characters a match can consume
 * (lookarounds consume none) and *reach the most characters from a
 * match's start that matching examines (lookaheads, \b and $ look past
 * what they consume); both -1 when not known or when matches depend on
 * where matching starts (\G).
 */
int prefilter_add(struct prefilter *p, const char *pattern, long *span,
		  long *reach);

/* Number of 64-bit words of the scratch state for one document. */
size_t prefilter_words(const struct prefilter *p);

/*
 * Prepare to check conditions over s[0..n): copy it into fold the way a
 * caseless PCRE2 pattern compares ASCII (letters lowercase, U+017F and
 * U+212A as "s" and "k"), followed by zero padding, and reset state
 * (prefilter_words() words).  Returns false, and no condition may be
 * checked, when fold's cap does not leave PREFILTER_SLACK bytes above n.
 */
bool prefilter_fold(const struct prefilter *p, const char *s, size_t n,
		    struct buf *fold, uint64_t *state);

/*
 * prefilter_fold() for a document the caller folded already: fold's
 * storage holds its n bytes folded (as an ASCII text is by lowercasing
 * its letters).  False, as there, when fold's storage (cap) does not
 * leave PREFILTER_SLACK bytes above n.
 */
bool prefilter_adopt(const struct prefilter *p, struct buf *fold, size_t n,
		     uint64_t *state);

/*
 * Whether condition id (from prefilter_add; -1 is always true) holds for
 * the document prefilter_fold() prepared in folded and state.  state
 * remembers which literals were looked for, so that several conditions
 * over one document search each literal once.
 */
bool prefilter_eval(const struct prefilter *p, int id,
		    const struct buf *folded, uint64_t *state);

/*
 * Like prefilter_eval(), but where.  With last false: an offset q in the
 * folded document such that every match of the pattern contains one of
 * its condition's literals at q or later (folding only shrinks text, so
 * in the document as given, at q or later too); a match is no longer
 * than span characters (prefilter_add), so none starts before q minus
 * span characters' bytes; 0 for id -1.  With last true: an offset after
 * which no match starts (each holds one of the literals at or after its
 * start, and none occurs later), an offset in the document as given only
 * where folding left its length as it was; PREFILTER_NONE for id -1.
 * PREFILTER_NONE, too, when the condition fails.
 */
size_t prefilter_where(const struct prefilter *p, int id,
		       const struct buf *folded, uint64_t *state, bool last);

#endif
