/*
 * Decoding what arrives in a request line: percent-encoded path segments
 * and query values, opaque page cursors (base64url) and points in time.
 * Everything here is strict: a bad escape, a NUL byte or invalid UTF-8 is
 * an error, never silently repaired.
 */
#ifndef MCPRISK_SERVER_DECODE_H
#define MCPRISK_SERVER_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/errbuf.h"

/*
 * Percent-decode s[0..len) into a new NUL-terminated string.  With
 * plus_space, '+' stands for a space (query values).  Fails on a '%' not
 * followed by two hex digits, on a NUL byte (raw or %00) and when the
 * result is not valid UTF-8.  Returns a new string or NULL with a reason.
 */
char *http_unescape(const char *s, size_t len, bool plus_space,
		    struct errbuf *eb);

/* base64url without padding of s[0..len) (new string). */
char *base64url_encode(const char *s, size_t len);

/*
 * Decode unpadded base64url (padding '=' is refused, as are bits left over
 * in the last character).  Returns a new NUL-terminated string with its
 * length in *len, or NULL with a reason.
 */
char *base64url_decode(const char *s, size_t *len, struct errbuf *eb);

#endif
