/*
 * Stored verdicts back into struct verdict, for the bulk readers (the
 * report and export --all decode a verdict per tool, a million of them on
 * a large catalog).  The store keeps verdict_to_text()'s compact JSON;
 * that one shape is parsed directly, everything else goes through jansson.
 */
#ifndef MCPRISK_VDECODE_H
#define MCPRISK_VDECODE_H

#include "classifier/verdict.h"
#include "util/errbuf.h"

/*
 * Decode the stored verdict text (NUL-terminated) into *out, with exactly
 * the result of json_loads() followed by verdict_from_json():
 *   0   *out holds the verdict (verdict_release() frees it);
 *   1   text is not a JSON object (invalid JSON, or another type): no
 *       verdict, *out is empty;
 *  -1   a JSON object that is not a valid verdict: *out is empty and eb
 *       says what is wrong, in verdict_from_json()'s words.
 * Text in the canonical form (keys in verdict_to_text() order, no
 * whitespace, valid UTF-8, no \u0000 or surrogate escapes) is parsed into
 * one allocation without building a JSON tree; any other text takes the
 * jansson path.
 */
int vdecode_verdict(const char *text, struct verdict *out, struct errbuf *eb);

#endif
