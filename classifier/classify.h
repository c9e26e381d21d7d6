/*
 * Classifying one tool definition against a rule set: the signals
 * (name words and leading verb, description, parameters, every schema
 * string, annotations), the verdict with its evidence, and the rationale.
 */
#ifndef MCPRISK_CLASSIFY_H
#define MCPRISK_CLASSIFY_H

#include <jansson.h>

#include "classifier/rules.h"
#include "classifier/verdict.h"
#include "util/errbuf.h"

/*
 * How much of each field is scanned.  Text past a cap is not read by any
 * rule; the caps sit above the manifest limits a real tool reaches (a
 * whole definition is at most 512 KiB).
 */
#define CLASSIFY_MAX_NAME 1024              /* tool name */
#define CLASSIFY_MAX_DESCRIPTION (128 << 10) /* title + description */
#define CLASSIFY_MAX_SCHEMA (512 << 10)     /* joined schema strings */
#define CLASSIFY_MAX_PARAMS (64 << 10)      /* each parameter document */
#define CLASSIFY_MAX_ANNOTATIONS (4 << 10)  /* annotations text */
/* Deepest schema nesting walked. */
#define CLASSIFY_MAX_DEPTH 64
/* Longest matched text kept in evidence and findings, in bytes. */
#define CLASSIFY_MAX_MATCH 120

struct classifier;

/*
 * A classifier over rules (borrowed: must outlive it).  It holds the
 * per-thread scratch (PCRE2 match data, word lists, documents); use one
 * per thread.  Never NULL.
 */
struct classifier *classifier_new(const struct rules *rules);

/* Free a classifier; NULL is allowed. */
void classifier_free(struct classifier *c);

/*
 * Classify one MCP tool object ({"name","title","description",
 * "inputSchema","outputSchema","annotations"}) into *out, which the caller
 * releases with verdict_release().  The same definition always gives the
 * same verdict, byte for byte.  Returns -1 (and *out empty) when tool is
 * not an object with a string name.
 */
int classify_tool(struct classifier *c, const json_t *tool, struct verdict *out,
		  struct errbuf *eb);

/*
 * The same for a definition given as its canonical JSON text (util/json.c:
 * compact, keys sorted, nulls left out), the bytes its hash is taken over
 * and the text the catalog stores: classify_tool() classifies exactly that
 * text of the tool.  Other compact JSON is read too, its members in their
 * order (which may give another verdict).  Returns -1 when json is
 * malformed or not an object with a string "name".
 */
int classify_text(struct classifier *c, const char *json, size_t len,
		  struct verdict *out, struct errbuf *eb);

struct manifest;

/*
 * How the CLI (`classify --json`) and the service (POST /v1/classify)
 * encode classify_manifest_json()'s document, so both give the same bytes.
 */
#define CLASSIFY_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(2))

/*
 * Classify every tool of a parsed manifest with c (built over rules):
 * {"rules_version":..,"tools":[{"name":..,<verdict_to_json fields>}]} in
 * manifest order.  *worst (may be NULL) gets the highest risk seen, -1 for
 * no tools.  Returns a new document, or NULL with "tools[i]: reason".
 */
json_t *classify_manifest_json(struct classifier *c, const struct rules *rules,
			       const struct manifest *m, int *worst,
			       struct errbuf *eb);

#endif
