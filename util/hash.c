/*
 * SHA-256 through libcrypto's one-shot EVP_Digest.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/hash.h"
#include "util/banned.h"

void
sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	unsigned int i;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32) {
		/* Only possible if libcrypto itself is broken. */
		fprintf(stderr, "mcprisk: SHA-256 unavailable in libcrypto\n");
		abort();
	}
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
}
