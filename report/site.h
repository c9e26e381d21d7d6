/*
 * The static catalog report: `mcprisk report --html DIR` / `--markdown
 * DIR`.  Reads the catalog in a few streaming scans of one snapshot,
 * builds each page's model once and renders it with every requested
 * backend, on a pool of worker threads.  Layout and naming are described
 * in docs/report.md.
 */
#ifndef MCPRISK_SITE_H
#define MCPRISK_SITE_H

#include <stddef.h>

#include "report/profile.h"
#include "util/errbuf.h"

struct store;

/* The largest page written; a larger one fails the report. */
#define REPORT_PAGE_MAX (64 * 1024 * 1024)
/* Changes shown per server page. */
#define REPORT_DRIFT_MAX 50
/* Most worker threads. */
#define REPORT_JOBS_MAX 16

struct report_opts {
	const char *html_dir;          /* NULL: no HTML */
	const char *md_dir;            /* NULL: no Markdown */
	const struct profile *profile; /* borrowed */
	const char *rules_version;     /* NULL: no verdicts */
	int jobs;                      /* threads; 0: one per CPU */
};

/* What a report wrote. */
struct report_stats {
	size_t servers;
	size_t tools;
	size_t defs;
	size_t files;
};

/*
 * Write the site(s).  Every file is replaced atomically; the file system
 * is synced once at the end.  Fails with the first error.
 */
int report_site(struct store *st, const struct report_opts *o,
		struct report_stats *stats, struct errbuf *eb);

#endif
