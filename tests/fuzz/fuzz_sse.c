/*
 * Fuzz target: the SSE parser.  The first byte picks how the stream is
 * cut into feeds (1 to 256 bytes at a time), so line and event state
 * crossing feed boundaries is exercised; small caps make the limits fire.
 */
#include <string.h>

#include "crawler/sse.h"
#include "tests/fuzz/fuzz.h"

static int
on_event(void *ctx, const char *type, const char *d, size_t len,
	 const char *id, struct errbuf *eb)
{
	size_t *total = ctx;

	(void)eb;
	*total += strlen(type) + strlen(id) + len;
	if (len && d[len - 1] == '!')
		return -1; /* the callback may stop the stream */
	return strlen(d) == len || memchr(d, '\0', len) ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb = ERRBUF_INIT;
	size_t total = 0, step, off = 1;
	struct sse *p;

	if (size == 0)
		return 0;
	step = (size_t)data[0] + 1;
	p = sse_new(1024, 4096, on_event, &total);
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (sse_feed(p, (const char *)data + off, n, &eb) < 0)
			break;
		off += n;
	}
	(void)sse_retry(p);
	(void)sse_events(p);
	sse_free(p);
	return 0;
}
