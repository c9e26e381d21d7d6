/*
 * SHA-256 through libcrypto's EVP interface, with the algorithm fetched
 * once: EVP_sha256() makes every digest look it up again by name, which
 * cost more than hashing a typical tool definition.
 */
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/hash.h"
#include "util/banned.h"

static void
broken(void)
{
	/* Only possible if libcrypto itself is broken. */
	fprintf(stderr, "mcprisk: SHA-256 unavailable in libcrypto\n");
	abort();
}

static EVP_MD *sha256_md; /* kept for the life of the process */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *
sha256(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	if (!sha256_md)
		broken();
	return sha256_md;
}

static void
to_hex(const unsigned char md[32], char out[SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
}

void
sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, sha256(), NULL) ||
	    mdlen != 32)
		broken();
	to_hex(md, out);
}

void
sha256_hex_parts(const void *const *part, const size_t *len, size_t n,
		 char out[SHA256_HEX_LEN + 1])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	size_t i;

	if (!ctx || !EVP_DigestInit_ex(ctx, sha256(), NULL))
		broken();
	for (i = 0; i < n; i++)
		if (!EVP_DigestUpdate(ctx, part[i], len[i]))
			broken();
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32)
		broken();
	EVP_MD_CTX_free(ctx);
	to_hex(md, out);
}
