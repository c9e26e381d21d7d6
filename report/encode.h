/*
 * Small encoders for the export writers: YAML and TOML strings quoted and
 * escaped so that any tool name reads back as exactly itself, and jansson
 * output straight into a capped buffer.
 */
#ifndef MCPRISK_ENCODE_H
#define MCPRISK_ENCODE_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/errbuf.h"

/*
 * Append s as a YAML double-quoted scalar.  Escapes '"', '\\', every C0
 * and C1 control, DEL, U+2028, U+2029, U+FEFF, U+FFFE and U+FFFF, so the
 * result is printable YAML 1.1 and 1.2 whatever s holds.  -1 when s is not
 * valid UTF-8 or b is full.
 */
int enc_yaml_str(struct buf *b, const char *s, struct errbuf *eb);

/*
 * Append s as a TOML basic string ("..."), usable as a value or a quoted
 * key.  Escapes '"', '\\', every control character (C0, DEL, C1) and the
 * Unicode line separators.  -1 when s is not valid UTF-8 or b is full.
 */
int enc_toml_str(struct buf *b, const char *s, struct errbuf *eb);

/*
 * Append the JSON encoding of j with jansson flags, then a newline.  -1
 * when b is full or j cannot be encoded.
 */
int enc_json(struct buf *b, const json_t *j, size_t flags, struct errbuf *eb);

/* Append s, failing with "export too large" in eb when b is full. */
int enc_puts(struct buf *b, const char *s, struct errbuf *eb);

#endif
