/*
 * jansson helpers: strict loading with readable errors, canonical encoding
 * (the basis of every hash), and small typed getters.
 */
#ifndef MCPRISK_JSONUTIL_H
#define MCPRISK_JSONUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
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

/*
 * Append s as a JSON string, escaped exactly as jansson's json_dumps()
 * escapes it with no flags: '"', '\\' and the C0 controls, the short forms
 * where JSON has them; everything else, UTF-8 included, as is.  A string
 * that is not valid UTF-8 is written as "" (jansson would refuse it).  -1
 * when b is full.
 */
int json_buf_string(struct buf *b, const char *s);

/*
 * Append a real as jansson's json_dumps() writes it with no precision flag:
 * "%.17g", ".0" added to an integral value, the exponent without '+' or
 * leading zeros.  -1 when b is full or the value is not finite.
 */
int json_buf_real(struct buf *b, double v);

/* o[key] if it is a string, else NULL (borrowed). */
const char *json_get_str(const json_t *o, const char *key);

/* Encode j with JSON_INDENT(2)|JSON_SORT_KEYS to f followed by "\n". */
int json_print(FILE *f, const json_t *j);

/* A short name for j's type ("object", "string", ...), for messages. */
const char *json_type_name(const json_t *j);

#endif
