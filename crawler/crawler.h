/*
 * The crawler: one event loop (libcurl multi plus poll() on stdio pipes)
 * that fetches the tool manifests of many servers concurrently, with
 * bounded jobs, a per-host connection cap, a time budget per server and
 * bounded retries.  Each target ends in one crawl result handed to a
 * callback on the loop thread.
 */
#ifndef MCPRISK_CRAWLER_H
#define MCPRISK_CRAWLER_H

#include <stdbool.h>
#include <stddef.h>

#include "crawler/result.h"
#include "crawler/target.h"
#include "util/errbuf.h"

struct crawl_progress {
	size_t done;   /* targets reported so far */
	size_t total;  /* targets in the run */
	size_t ok;     /* reported with status ok */
	size_t failed; /* reported with any other status */
	size_t active; /* being crawled now */
};

struct crawler_opts {
	unsigned jobs;            /* servers crawled at once (0: 8) */
	long max_host_conns;      /* connections per host (0: 4) */
	long long budget_ms;      /* per server, all included (0: 30 s) */
	long long connect_ms;     /* TCP+TLS connect timeout (0: 10 s) */
	long long low_speed_secs; /* stalled transfer cutoff (0: 20 s) */
	long long stdio_grace_ms; /* each teardown wait (0: 1 s) */
	unsigned max_retries;     /* per request on 429/503/reset (0: 3) */
	long long retry_max_ms;   /* longest backoff honoured (0: 30 s) */
	bool allow_private;       /* learned targets may use any address */
	/* Called after every reported target and when jobs start; may be
	   NULL. */
	void (*progress)(void *ctx, const struct crawl_progress *p);
	void *progress_ctx;
};

struct crawler;

/*
 * The result of one target, called on the loop thread.  index is the
 * target's position in the list; t is borrowed; r belongs to the callback
 * for the call: it may move members out (leaving them NULL / released);
 * the crawler releases whatever is left when the callback returns.
 * Targets with a preset_status are reported as CRAWL_PRESET and
 * TRANSPORT_MANIFEST targets as CRAWL_SKIPPED, both without crawling.
 */
typedef void (*crawler_result_fn)(void *ctx, const struct target *t,
				  size_t index, struct crawl_result *r);

/* A new crawler (opts copied); NULL with a reason if libcurl fails. */
struct crawler *crawler_new(const struct crawler_opts *opts,
			    struct errbuf *eb);

/*
 * Crawl every target of l, calling fn once per target.  SIGPIPE is
 * ignored while it runs (writes to a dead child must fail, not kill us)
 * and restored after.  Returns 0, or -1 if the loop itself failed.
 */
int crawler_run(struct crawler *c, const struct target_list *l,
		crawler_result_fn fn, void *ctx, struct errbuf *eb);

/* Free the crawler; NULL is fine. */
void crawler_free(struct crawler *c);

#endif
