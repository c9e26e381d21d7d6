/*
 * SHA-256 (OpenSSL libcrypto) as lowercase hex: the identity of a tool
 * definition and of a manifest.
 */
#ifndef MCPRISK_HASH_H
#define MCPRISK_HASH_H

#include <stddef.h>

#define SHA256_HEX_LEN 64

/* Write the hex digest of data[0..len) and a NUL into out. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

/* The same over the n parts part[i][0..len[i]) one after another, as if
   they were one buffer, without copying them into one. */
void sha256_hex_parts(const void *const *part, const size_t *len, size_t n,
		      char out[SHA256_HEX_LEN + 1]);

#endif
