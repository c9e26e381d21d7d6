/*
 * The one growable byte buffer, and it has a cap: every buffer filled from
 * the network or a file says how large it may grow, and appending past the
 * cap fails instead of allocating without bound.
 */
#ifndef MCPRISK_BUF_H
#define MCPRISK_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;  /* NUL-terminated when non-NULL; owned */
	size_t len;  /* bytes used, not counting the terminator */
	size_t cap;  /* bytes allocated */
	size_t max;  /* largest len allowed; appends past it fail */
	bool toobig; /* set once an append was refused for the cap */
};

#define BUF_INIT(maxlen) { NULL, 0, 0, (maxlen), false }

/* Set up an empty buffer that may hold at most max bytes. */
void buf_init(struct buf *b, size_t max);
/* Free the storage; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);
/* Forget the contents, keep the storage. */
void buf_reset(struct buf *b);
/* Drop everything after the first len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
/* buf_append() past the room there is: grows, or fails at the cap. */
int buf_append_grow(struct buf *b, const void *p, size_t n);
/* Make room for n more bytes without appending; -1 past the cap. */
int buf_reserve(struct buf *b, size_t n);
/* Append v in decimal. */
int buf_put_int(struct buf *b, long long v);

/* Append n bytes; -1 (and toobig set) if that would pass the cap.  The
   common case, room enough and under the cap, is inline. */
static inline int
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n && b->len + n < b->cap && b->len + n <= b->max) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return 0;
	}
	return buf_append_grow(b, p, n);
}

/* Append a NUL-terminated string. */
static inline int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

/* Append one byte. */
static inline int
buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}
/* Append formatted text. */
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Same with a va_list. */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* The contents as a C string ("" for an empty buffer); borrowed. */
const char *buf_cstr(const struct buf *b);
/* Hand the storage to the caller (new, NUL-terminated); b becomes empty. */
char *buf_detach(struct buf *b, size_t *len);
/* Drop the first n bytes (for consumers that parse from the front). */
void buf_consume(struct buf *b, size_t n);

#endif
