/*
 * jansson helpers: strict loading with readable errors, canonical encoding
 * (the basis of every hash), and small typed getters.
 */
#ifndef MCPRISK_JSONUTIL_H
#define MCPRISK_JSONUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/errbuf.h"

/*
 * Parse data[0..len) as JSON, rejecting duplicate keys, invalid UTF-8 and
 * NUL characters in strings (jansson's defaults plus
 * JSON_REJECT_DUPLICATES).  Returns a new reference or NULL with
 * "line L column C: reason" in eb.
 */
json_t *json_load_strict(const char *data, size_t len, struct errbuf *eb);

/*
 * The canonical encoding of j: compact, object keys sorted at every level,
 * UTF-8 as is.  Two values that mean the same JSON give the same bytes.
 * Returns a new string (caller frees) or NULL if j holds something
 * unencodable.
 */
char *json_canonical(const json_t *j);

/* o[key] if it is a string, else NULL (borrowed). */
const char *json_get_str(const json_t *o, const char *key);

/* Encode j with JSON_INDENT(2)|JSON_SORT_KEYS to f followed by "\n". */
int json_print(FILE *f, const json_t *j);

/* A short name for j's type ("object", "string", ...), for messages. */
const char *json_type_name(const json_t *j);

#endif
