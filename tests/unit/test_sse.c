/* SSE parser: line endings split across feeds, fields, caps. */
#include "crawler/sse.h"
#include "util/buf.h"
#include "tests/unit/t.h"

struct got {
	struct buf log; /* "type|data|id;" per event */
	int stop_after; /* stop when this many events seen (0: never) */
	int n;
};

static int
on_event(void *ctx, const char *type, const char *data, size_t len,
	 const char *id, struct errbuf *eb)
{
	struct got *g = ctx;

	buf_printf(&g->log, "%s|", type);
	buf_append(&g->log, data, len);
	buf_printf(&g->log, "|%s;", id);
	if (g->stop_after && ++g->n >= g->stop_after) {
		errbuf_set(eb, "stopped");
		return -1;
	}
	return 0;
}

/* Feed s in pieces of size step; returns the event log. */
static char *
run(const char *s, size_t step, int *rc)
{
	struct got g = { BUF_INIT(1 << 20), 0, 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct sse *p = sse_new(1024, 4096, on_event, &g);
	size_t n = strlen(s), i;

	*rc = 0;
	for (i = 0; i < n && *rc == 0; i += step)
		*rc = sse_feed(p, s + i, n - i < step ? n - i : step, &eb);
	sse_free(p);
	return buf_detach(&g.log, NULL);
}

static const char stream[] =
	"\xef\xbb\xbf: comment\r\n"
	"event: endpoint\r\n"
	"data: /message?sessionId=1\r\n\r\n"
	"data:first\rdata:  second\r\rid: 7\ndata: {\"a\":1}\n\n"
	"event: message\ndata\n\n"      /* empty data: not dispatched */
	"retry: 1500\nfoo: bar\ndata: x\n\n"
	"data: tail never dispatched";

static const char expect[] = "endpoint|/message?sessionId=1|;"
			     "message|first\n second|;"
			     "message|{\"a\":1}|7;"
			     "message|x|7;";

TEST(sse_whole_and_every_split)
{
	size_t step;
	int rc;

	for (step = 1; step <= sizeof(stream); step++) {
		char *log = run(stream, step, &rc);

		CHECK_INT(rc, 0);
		if (strcmp(log, expect) != 0) {
			T_FAIL("step %zu: got '%s'", step, log);
			free(log);
			break;
		}
		free(log);
	}
}

TEST(sse_crlf_split_across_feeds_is_one_line_end)
{
	struct got g = { BUF_INIT(4096), 0, 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct sse *p = sse_new(1024, 4096, on_event, &g);

	CHECK_INT(sse_feed(p, "data: a\r", 8, &eb), 0);
	CHECK_INT(sse_feed(p, "\n\r", 2, &eb), 0);
	CHECK_INT(sse_feed(p, "\ndata: b\n\n", 10, &eb), 0);
	CHECK_STR(buf_cstr(&g.log), "message|a|;message|b|;");
	CHECK_INT((long long)sse_events(p), 2);
	sse_free(p);
	buf_release(&g.log);
}

TEST(sse_retry_and_bad_retry)
{
	struct got g = { BUF_INIT(4096), 0, 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct sse *p = sse_new(1024, 4096, on_event, &g);

	CHECK_INT(sse_retry(p), -1);
	sse_feed(p, "retry: 250\n", 11, &eb);
	CHECK_INT(sse_retry(p), 250);
	sse_feed(p, "retry: 25x\n", 11, &eb);
	CHECK_INT(sse_retry(p), 250);
	sse_free(p);
	buf_release(&g.log);
}

TEST(sse_line_cap)
{
	struct got g = { BUF_INIT(4096), 0, 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct sse *p = sse_new(16, 4096, on_event, &g);

	CHECK_INT(sse_feed(p, "data: 0123456789", 16, &eb), 0);
	CHECK_INT(sse_feed(p, "x", 1, &eb), -1);
	CHECK_CONTAINS(eb.msg, "line exceeds 16");
	CHECK_INT(sse_feed(p, "\n", 1, &eb), -1);
	sse_free(p);
	buf_release(&g.log);
}

TEST(sse_event_cap_over_many_lines)
{
	struct got g = { BUF_INIT(4096), 0, 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct sse *p = sse_new(1024, 20, on_event, &g);
	int i, rc = 0;

	for (i = 0; i < 10 && rc == 0; i++)
		rc = sse_feed(p, "data: abcd\n", 11, &eb);
	CHECK_INT(rc, -1);
	CHECK_CONTAINS(eb.msg, "event exceeds 20");
	CHECK_STR(buf_cstr(&g.log), "");
	sse_free(p);
	buf_release(&g.log);
}

TEST(sse_callback_stops)
{
	struct got g = { BUF_INIT(4096), 1, 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct sse *p = sse_new(1024, 4096, on_event, &g);
	const char *s = "data: 1\n\ndata: 2\n\n";

	CHECK_INT(sse_feed(p, s, strlen(s), &eb), -1);
	CHECK_STR(eb.msg, "stopped");
	CHECK_STR(buf_cstr(&g.log), "message|1|;");
	sse_free(p);
	buf_release(&g.log);
}

TEST(sse_keepalives_only)
{
	int rc;
	char *log = run(": ping\n\n: ping\r\n\r\n\n\n", 3, &rc);

	CHECK_INT(rc, 0);
	CHECK_STR(log, "");
	free(log);
}
