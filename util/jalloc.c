/*
 * The tagged allocator behind jansson (see jalloc.h).  Each block starts
 * with a 16-byte header whose tag tells a heap block (free it) from an
 * arena block (nothing to do: the arena's reset drops it); 16 bytes keep
 * the payload aligned as malloc's is.
 */
#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/jalloc.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Arena chunks are this big unless one block needs more. */
#define JARENA_CHUNK ((size_t)64 * 1024)

/* Header tags: where a block came from. */
#define TAG_HEAP ((uint64_t)0x6a616c6c6f634850)
#define TAG_ARENA ((uint64_t)0x6a616c6c6f634152)

struct hdr {
	uint64_t tag;
	uint64_t unused; /* keeps the payload 16-byte aligned */
};

struct chunk {
	struct chunk *next;
	size_t size, used;
	max_align_t data[]; /* size bytes */
};

struct jarena {
	struct chunk *head; /* the chunk being filled first */
	size_t bytes;       /* in its chunks */
	atomic_uint refs;   /* holders; the last jarena_free() frees */
};

static bool installed;
static _Thread_local struct jarena *current;

static void *
arena_alloc(struct jarena *a, size_t n)
{
	size_t need = (sizeof(struct hdr) + n + 15) & ~(size_t)15;
	struct chunk *c = a->head;
	struct hdr *h;

	if (need < n)
		return NULL;
	if (!c || c->size - c->used < need) {
		size_t size = need > JARENA_CHUNK ? need : JARENA_CHUNK;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
		a->bytes += size;
	}
	h = (struct hdr *)((char *)c->data + c->used);
	c->used += need;
	h->tag = TAG_ARENA;
	return h + 1;
}

static void *
tagged_malloc(size_t n)
{
	struct hdr *h;

	if (current)
		return arena_alloc(current, n);
	if (n > SIZE_MAX - sizeof(*h))
		return NULL;
	h = malloc(sizeof(*h) + n);
	if (!h)
		return NULL;
	h->tag = TAG_HEAP;
	return h + 1;
}

static void
tagged_free(void *p)
{
	struct hdr *h;

	if (!p)
		return;
	h = (struct hdr *)p - 1;
	if (h->tag == TAG_HEAP) {
		h->tag = 0; /* a second free aborts below */
		free(h);
	} else if (h->tag != TAG_ARENA) {
		abort(); /* not ours: freeing it would corrupt the heap */
	}
}

void
jalloc_install(void)
{
	json_set_alloc_funcs(tagged_malloc, tagged_free);
	installed = true;
}

struct jarena *
jarena_new(void)
{
	struct jarena *a = xcalloc(1, sizeof(struct jarena));

	atomic_init(&a->refs, 1);
	return a;
}

struct jarena *
jarena_ref(struct jarena *a)
{
	if (a)
		atomic_fetch_add_explicit(&a->refs, 1, memory_order_relaxed);
	return a;
}

void
jarena_reset(struct jarena *a)
{
	struct chunk *c = a->head, *keep = NULL;

	while (c) {
		struct chunk *next = c->next;

		/* Keep one standard chunk, the first one made. */
		if (!next && c->size == JARENA_CHUNK) {
			keep = c;
			keep->used = 0;
		} else {
			free(c);
		}
		c = next;
	}
	a->head = keep;
	a->bytes = keep ? keep->size : 0;
}

size_t
jarena_bytes(const struct jarena *a)
{
	return a ? a->bytes : 0;
}

void
jarena_free(struct jarena *a)
{
	if (!a)
		return;
	/* Release: what this holder wrote happens before the last holder
	   frees; acquire: the last sees every holder's writes. */
	if (atomic_fetch_sub_explicit(&a->refs, 1, memory_order_acq_rel) != 1)
		return;
	jarena_reset(a);
	free(a->head);
	free(a);
}

struct jarena *
jarena_use(struct jarena *a)
{
	struct jarena *prev = current;

	if (installed)
		current = a;
	return prev;
}

void
json_free_text(char *s)
{
	json_free_t f;

	json_get_alloc_funcs(NULL, &f);
	f(s);
}

char *
json_text(const json_t *j, size_t flags)
{
	char *s = json_dumps(j, flags), *out;

	if (!s)
		return NULL;
	out = xstrdup(s);
	json_free_text(s);
	return out;
}
