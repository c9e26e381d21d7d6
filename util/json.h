/*
 * jansson helpers: strict loading with readable errors, canonical encoding
 * (the basis of every hash), and small typed getters.
 */
#ifndef MCPRISK_JSONUTIL_H
#define MCPRISK_JSONUTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/errbuf.h"

/*
 * Parse data[0..len) as JSON, rejecting duplicate keys, invalid UTF-8 and
 * NUL characters in strings (jansson's defaults plus
 * JSON_REJECT_DUPLICATES).  Returns a new reference or NULL with
 * "line L column C: reason" in eb.  The text is read by jparse() when it
 * can (the same tree, faster) and by jansson otherwise.
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
 * Append the canonical encoding of j to b: byte for byte what jansson's
 * json_dumps(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) writes, so
 * hashes stored by earlier versions stay valid.  -1 when b is full or j
 * holds a string that is not valid UTF-8 (b then holds a partial text).
 */
int json_canonical_buf(struct buf *b, const json_t *j);

/*
 * The same, but the bytes of a string that is not valid UTF-8 are kept as
 * they are instead of refused: the text the classifier reads of a tree
 * built in memory, which may hold any bytes (a parsed one never does).
 */
int json_canonical_buf_bytes(struct buf *b, const json_t *j);

/*
 * Append a real as jansson's json_dumps() writes it with no precision flag:
 * "%.17g", ".0" added to an integral value, the exponent without '+' or
 * leading zeros.  -1 when b is full or the value is not finite.
 */
int json_buf_real(struct buf *b, double v);

/*
 * Decode the JSON string literal at *p into out, NUL-terminated, for the
 * fast readers of texts the store wrote.  Declines (NULL) whatever jansson
 * might read differently or refuse: raw control bytes, invalid UTF-8,
 * \u0000, surrogate escapes, unknown escapes; the caller then falls back
 * to jansson.  out needs room for the quoted text; the decoded form is
 * never longer.  On success *p is past the closing quote and the result is
 * the byte after out's terminator (where the next string can go).
 */
char *json_scan_string(const char **p, char *out);

/*
 * Decode the JSON escape whose backslash is at p (end: one past the text)
 * into out as UTF-8 (*outlen bytes, at most 4) and *cp.  Returns the
 * escape's length in the text (2, 6, or 12 for a surrogate pair), or 0
 * for an unknown escape, bad hex digits or a surrogate that does not pair
 * up.  \u0000 decodes: callers that follow jansson refuse *cp 0.
 */
size_t json_unescape(const unsigned char *p, const unsigned char *end,
		     unsigned char out[4], size_t *outlen, uint32_t *cp);

/* o[key] if it is a string, else NULL (borrowed). */
const char *json_get_str(const json_t *o, const char *key);

/* Significant digits of reals in --json output (JSON_REAL_PRECISION). */
#define JSON_PRINT_PRECISION 10

/* Encode j with JSON_INDENT(2)|JSON_SORT_KEYS to f followed by "\n". */
int json_print(FILE *f, const json_t *j);

/*
 * Append s[0..len) to b as a JSON string the way jansson writes one:
 * quoted, '"', '\\' and every control character (NUL too) escaped, other
 * UTF-8 as is.  -1 when s is not valid UTF-8 (jansson refuses such a
 * string) or b is full.
 */
int json_put_string(struct buf *b, const char *s, size_t len);

/*
 * Whether the JSON text s[0..len) can be copied into output that jansson
 * would print with JSON_REAL_PRECISION(precision) without changing its
 * value: false when a real number in it reads back as another double once
 * printed with that many significant digits, or when the text holds a NUL
 * byte or an escaped NUL (jansson refuses both when loading).  The text is
 * assumed to be JSON written by jansson; it is not validated.
 */
bool json_text_reals_stable(const char *s, size_t len, int precision);

/* A short name for j's type ("object", "string", ...), for messages. */
const char *json_type_name(const json_t *j);

#endif
