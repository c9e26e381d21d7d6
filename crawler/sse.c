/*
 * Server-Sent Events parsing after the WHATWG rules: lines end in CR, LF
 * or CRLF (a CRLF may be split across feeds), ":" starts a comment, one
 * space after the colon is dropped, data lines join with LF and a blank
 * line dispatches.  Memory is bounded by the line and event caps.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/sse.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest event type and id kept; longer ones are protocol abuse. */
#define SSE_MAX_FIELD 1024

struct sse {
	struct buf line;   /* the line being assembled */
	struct buf data;   /* data lines of the current event, LF-joined */
	struct buf type;   /* event type of the current event */
	struct buf id;     /* last event id (persists across events) */
	bool have_data;    /* a data field was seen in this event */
	bool after_cr;     /* last byte was CR: a following LF is eaten */
	bool started;      /* past the optional leading BOM */
	bool failed;       /* a cap was hit or the callback stopped */
	long long retry;   /* last retry value, -1 if none */
	size_t events;     /* events dispatched */
	sse_event_fn fn;
	void *ctx;
};

struct sse *
sse_new(size_t max_line, size_t max_event, sse_event_fn fn, void *ctx)
{
	struct sse *p = xcalloc(1, sizeof(*p));

	buf_init(&p->line, max_line);
	buf_init(&p->data, max_event);
	buf_init(&p->type, SSE_MAX_FIELD);
	buf_init(&p->id, SSE_MAX_FIELD);
	p->retry = -1;
	p->fn = fn;
	p->ctx = ctx;
	return p;
}

void
sse_free(struct sse *p)
{
	if (!p)
		return;
	buf_release(&p->line);
	buf_release(&p->data);
	buf_release(&p->type);
	buf_release(&p->id);
	free(p);
}

long long
sse_retry(const struct sse *p)
{
	return p->retry;
}

size_t
sse_events(const struct sse *p)
{
	return p->events;
}

static int
dispatch(struct sse *p, struct errbuf *eb)
{
	int ret = 0;

	if (p->have_data && p->data.len > 0) {
		/* Every data line appended a LF; the last one is dropped. */
		p->data.len--;
		p->data.data[p->data.len] = '\0';
		if (p->data.len > 0) {
			p->events++;
			ret = p->fn(p->ctx,
				    p->type.len ? buf_cstr(&p->type) : "message",
				    buf_cstr(&p->data), p->data.len,
				    buf_cstr(&p->id), eb);
		}
	}
	buf_reset(&p->data);
	buf_reset(&p->type);
	p->have_data = false;
	return ret;
}

static bool
all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 18)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int
process_line(struct sse *p, struct errbuf *eb)
{
	const char *l = buf_cstr(&p->line), *colon, *val;
	size_t n = p->line.len, flen, vlen;

	if (n == 0)
		return dispatch(p, eb);
	if (l[0] == ':')
		return 0;
	colon = memchr(l, ':', n);
	if (colon) {
		flen = (size_t)(colon - l);
		val = colon + 1;
		vlen = n - flen - 1;
		if (vlen > 0 && *val == ' ') {
			val++;
			vlen--;
		}
	} else {
		flen = n;
		val = "";
		vlen = 0;
	}
	if (flen == 4 && memcmp(l, "data", 4) == 0) {
		if (buf_append(&p->data, val, vlen) < 0 ||
		    buf_putc(&p->data, '\n') < 0) {
			errbuf_set(eb, "SSE event exceeds %zu bytes",
				   p->data.max);
			return -1;
		}
		p->have_data = true;
	} else if (flen == 5 && memcmp(l, "event", 5) == 0) {
		buf_reset(&p->type);
		if (buf_append(&p->type, val, vlen) < 0) {
			errbuf_set(eb, "SSE event type exceeds %d bytes",
				   SSE_MAX_FIELD);
			return -1;
		}
	} else if (flen == 2 && memcmp(l, "id", 2) == 0) {
		/* An id holding NUL is ignored, as the standard says. */
		if (!memchr(val, '\0', vlen)) {
			buf_reset(&p->id);
			if (buf_append(&p->id, val, vlen) < 0) {
				errbuf_set(eb, "SSE id exceeds %d bytes",
					   SSE_MAX_FIELD);
				return -1;
			}
		}
	} else if (flen == 5 && memcmp(l, "retry", 5) == 0) {
		if (all_digits(val, vlen))
			p->retry = strtoll(val, NULL, 10);
	}
	/* Unknown fields are ignored. */
	return 0;
}

static int
end_line(struct sse *p, struct errbuf *eb)
{
	int r = process_line(p, eb);

	buf_reset(&p->line);
	return r;
}

int
sse_feed(struct sse *p, const char *data, size_t n, struct errbuf *eb)
{
	size_t i = 0;

	if (p->failed) {
		errbuf_set(eb, "SSE stream already failed");
		return -1;
	}
	if (!p->started && n > 0) {
		static const char bom[] = "\xef\xbb\xbf";
		size_t have = p->line.len;

		/* Hold back a possible BOM prefix until it is decided. */
		while (have < 3 && i < n && data[i] == bom[have]) {
			buf_putc(&p->line, data[i]);
			have++;
			i++;
		}
		if (have == 3) {
			buf_reset(&p->line);
			p->started = true;
		} else if (i < n) {
			p->started = true; /* not a BOM: keep what was held */
		} else {
			return 0;
		}
	}
	while (i < n) {
		const char *s = data + i;
		size_t k;

		if (p->after_cr) {
			p->after_cr = false;
			if (*s == '\n') {
				i++;
				continue;
			}
		}
		for (k = 0; k < n - i; k++)
			if (s[k] == '\n' || s[k] == '\r')
				break;
		if (buf_append(&p->line, s, k) < 0) {
			errbuf_set(eb, "SSE line exceeds %zu bytes",
				   p->line.max);
			p->failed = true;
			return -1;
		}
		i += k;
		if (i == n)
			break;
		if (data[i] == '\r')
			p->after_cr = true;
		i++;
		if (end_line(p, eb) < 0) {
			p->failed = true;
			return -1;
		}
	}
	return 0;
}
