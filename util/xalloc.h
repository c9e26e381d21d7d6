/*
 * Allocation that cannot fail: out of memory is fatal in mcprisk, so these
 * print a message and exit(3) instead of returning NULL.  Every other kind
 * of failure is returned to the caller.
 */
#ifndef MCPRISK_XALLOC_H
#define MCPRISK_XALLOC_H

#include <stddef.h>

/* malloc(n); never NULL; n == 0 allocates one byte. */
void *xmalloc(size_t n);
/* calloc(nmemb, size) with overflow check; never NULL. */
void *xcalloc(size_t nmemb, size_t size);
/* realloc(p, n); never NULL. */
void *xrealloc(void *p, size_t n);
/* realloc(p, nmemb * size) with an overflow check. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
/* strdup(s); s may be NULL, which returns NULL. */
char *xstrdup(const char *s);
/* A copy of the first n bytes of s, NUL-terminated. */
char *xstrndup(const char *s, size_t n);
/* A newly allocated formatted string (caller frees). */
char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
