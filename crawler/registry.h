/*
 * The official MCP registry (v0.1 API, GET /v0.1/servers) as a crawl
 * source: parsing a list page into crawl targets, and a paging fetcher
 * with incremental syncs (updated_since).  Each remotes[] entry becomes an
 * HTTP target; each packages[] entry a stdio target that is only launched
 * with allow_exec (running third-party code is the user's choice).
 */
#ifndef MCPRISK_REGISTRY_H
#define MCPRISK_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "crawler/target.h"
#include "util/errbuf.h"

#define REGISTRY_DEFAULT_URL "https://registry.modelcontextprotocol.io"
/* Largest list page accepted (decoded bytes). */
#define REGISTRY_MAX_PAGE_BYTES ((size_t)16 << 20)
/* Largest page size the registry allows. */
#define REGISTRY_MAX_LIMIT 100
/* Pages fetched at most when the options say 0, and the most allowed. */
#define REGISTRY_DEFAULT_PAGES 500
#define REGISTRY_MAX_PAGES 100000
/* Longest cursor accepted from a page. */
#define REGISTRY_MAX_CURSOR 1024
/* Most targets one sync may produce. */
#define REGISTRY_MAX_TARGETS 200000
/* Room for an RFC 3339 time stamp. */
#define REGISTRY_TIME_MAX 64

/* Preset statuses of registry targets that are not crawled as they are. */
#define REGISTRY_STATUS_NEEDS_EXEC "needs_exec"
#define REGISTRY_STATUS_AUTH "auth_required"
#define REGISTRY_STATUS_NEEDS_CONFIG "needs_config"
#define REGISTRY_STATUS_UNSUPPORTED "transport_unsupported"

struct registry_opts {
	const char *url;    /* base URL (http/https); NULL: the official one */
	const char *since;  /* RFC 3339: servers updated since; NULL: all */
	const char *search; /* name filter, or NULL */
	int limit;          /* page size 1..100; 0: 100 */
	int max_pages;      /* page cap; 0: REGISTRY_DEFAULT_PAGES */
	bool allow_exec;    /* packages[] may be launched */
	long timeout;       /* seconds per page; 0: 60 */
};

struct registry_stats {
	size_t pages;      /* pages fetched or parsed */
	size_t servers;    /* server entries seen */
	size_t deleted;    /* dropped: status "deleted" */
	size_t not_latest; /* dropped: isLatest false */
	size_t invalid;    /* dropped: malformed entry */
	size_t empty;      /* dropped: no remotes and no packages */
	size_t targets;    /* targets produced */
	size_t needs_exec; /* of which preset needs_exec */
	size_t auth;       /* of which preset auth_required */
	bool truncated;    /* the page cap stopped the sync */
	/* The first malformed entry's reason, "" when none. */
	char invalid_example[256];
	/* Largest updatedAt seen (as written), "" when none. */
	char max_updated_at[REGISTRY_TIME_MAX];
	long long max_sec; /* max_updated_at as seconds and nanoseconds */
	long max_nsec;
	/* Names of deleted servers (array of strings), so that an
	   incremental sync can retire them; new ref or NULL. */
	json_t *deleted_names;
};

#define REGISTRY_STATS_INIT { 0 }

/* Free what the stats own; they are zeroed and reusable. */
void registry_stats_release(struct registry_stats *st);

/*
 * Parse one list page body[0..len) in the v0.1 shape
 *   {"servers":[{"server":{server.json},"_meta":{
 *      "io.modelcontextprotocol.registry/official":{"status":..,
 *      "updatedAt":..,"isLatest":..}}}],
 *    "metadata":{"nextCursor":..}}   ("next_cursor" is accepted too)
 * and append its targets to out (source "registry:URL", learned=true,
 * meta with title, description, version, repository, websiteUrl,
 * updatedAt, status).  Deleted and non-latest servers are dropped,
 * malformed entries skipped and counted; opts gives the base URL and
 * allow_exec.  *next_cursor is a new string, or NULL at the end.  Returns
 * -1 only when the page as a whole is unusable; nothing is appended then.
 */
int registry_parse_page(const struct registry_opts *opts, const char *body,
			size_t len, struct target_list *out,
			char **next_cursor, struct registry_stats *st,
			struct errbuf *eb);

/*
 * Fetch every page of GET <url>/v0.1/servers (limit, updated_since and
 * search as query parameters) and append the targets to out.  On success
 * *max_updated_at is the largest updatedAt seen (new string), the value
 * to pass as since next time, or NULL when none was seen or the page cap
 * cut the sync short (st->truncated): the caller keeps its old value
 * then.  On error nothing is appended.  http/https only, TLS verified,
 * every page capped at REGISTRY_MAX_PAGE_BYTES, a repeated cursor is an
 * error.
 */
int registry_sync(const struct registry_opts *opts, struct target_list *out,
		  char **max_updated_at, struct registry_stats *st,
		  struct errbuf *eb);

/*
 * Parse an RFC 3339 time stamp ("2025-10-01T12:00:00.5Z", offsets
 * allowed) into seconds since the epoch and nanoseconds.
 */
int registry_parse_time(const char *s, long long *sec, long *nsec);

#endif
