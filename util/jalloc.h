/*
 * Where jansson allocates.  By default every jansson allocation comes from
 * malloc; a thread may instead direct its allocations into an arena for a
 * while (a parsed manifest and everything classifying it makes), so that
 * building a tree is a pointer bump and dropping it is one reset instead
 * of a free per node.
 *
 * jalloc_install() must run before jansson allocates anything (first thing
 * in main): every block carries a tag saying where it came from, so a
 * tree may mix arena and heap blocks, and a free of an arena block is a
 * no-op.  Text that jansson returns to be freed (json_dumps) must then be
 * released with json_free_text(), which is right whether or not
 * jalloc_install() ran; json_text() gives a copy free() takes.
 */
#ifndef MCPRISK_JALLOC_H
#define MCPRISK_JALLOC_H

#include <jansson.h>
#include <stddef.h>

struct jarena;

/* Route jansson's allocations through the tagged allocator. */
void jalloc_install(void);

/* A new arena with one holder. */
struct jarena *jarena_new(void);
/* One more holder of a (NULL is fine); returns a.  Holders may drop it on
   any thread, but only one thread at a time may allocate from it. */
struct jarena *jarena_ref(struct jarena *a);
/* Forget every block allocated from a (keeping one chunk for reuse).  No
   value allocated from it may be used afterwards. */
void jarena_reset(struct jarena *a);
/* Bytes a holds (0 for NULL): what its blocks take, and more. */
size_t jarena_bytes(const struct jarena *a);
/* Drop a holder (NULL is fine); the last one frees the arena and every
   block allocated from it. */
void jarena_free(struct jarena *a);

/* Send this thread's jansson allocations to a (NULL: the heap); returns
   the arena that was in use.  Without jalloc_install() this is a no-op. */
struct jarena *jarena_use(struct jarena *a);

/* Free text jansson allocated (json_dumps and friends). */
void json_free_text(char *s);

/* json_dumps(j, flags) as a string that free() releases, or NULL. */
char *json_text(const json_t *j, size_t flags);

#endif
