/*
 * Minimal strict UTF-8 decoding (no overlongs, no surrogates, <= U+10FFFF).
 */
#ifndef MCPRISK_UTF8_H
#define MCPRISK_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decode one code point from p[0..len); returns its length in bytes, or 0
 * when the bytes there are not valid UTF-8.
 */
size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *cp);

/* Encode code point cp (<= U+10FFFF, not a surrogate) into out; returns
   its length in bytes. */
size_t utf8_encode(uint32_t cp, unsigned char out[4]);

/* True when s[0..len) is entirely valid UTF-8. */
bool utf8_valid(const char *s, size_t len);

/* Number of code points in a valid UTF-8 string (invalid bytes count 1). */
size_t utf8_width(const char *s);

#endif
