/*
 * An incremental Server-Sent Events parser (WHATWG "event stream
 * interpretation"): bytes go in as they arrive, split anywhere; each
 * dispatched event comes out through a callback.  Lines and events have
 * byte caps so a hostile stream cannot grow memory without bound.
 */
#ifndef MCPRISK_SSE_H
#define MCPRISK_SSE_H

#include <stddef.h>

#include "util/errbuf.h"

struct sse;

/*
 * Called once per dispatched event.  type is the event type ("message"
 * when the stream named none); data is the joined data lines (NUL-
 * terminated, len bytes, "" is never dispatched); id is the last event id
 * ("" when none).  All are borrowed until the callback returns.  Return 0
 * to go on, -1 to stop: sse_feed then returns -1 with the message the
 * callback left in eb (if any).
 */
typedef int (*sse_event_fn)(void *ctx, const char *type, const char *data,
			    size_t len, const char *id, struct errbuf *eb);

/*
 * A new parser.  max_line caps one line (field name and value), max_event
 * the data of one event; both in bytes.  fn and ctx are borrowed.
 */
struct sse *sse_new(size_t max_line, size_t max_event, sse_event_fn fn,
		    void *ctx);

/* Free the parser; NULL is fine. */
void sse_free(struct sse *p);

/*
 * Feed the next n bytes of the stream.  Returns 0, or -1 when a cap was
 * passed ("SSE line exceeds N bytes") or the callback stopped; the parser
 * is then unusable.  An event still open when the stream ends is discarded,
 * as the standard says, so there is no finish call.
 */
int sse_feed(struct sse *p, const char *data, size_t n, struct errbuf *eb);

/* The last "retry:" value in milliseconds, or -1 if none was given. */
long long sse_retry(const struct sse *p);

/* Events dispatched so far. */
size_t sse_events(const struct sse *p);

#endif
