/*
 * What crawling one server produces: a status from a fixed list, a
 * human-readable error, and on success the manifest plus the server's
 * self-description in the snapshot "server" shape.
 */
#ifndef MCPRISK_RESULT_H
#define MCPRISK_RESULT_H

#include <jansson.h>

#include "crawler/manifest.h"
#include "util/errbuf.h"

enum crawl_status {
	CRAWL_OK,                    /* tools listed */
	CRAWL_AUTH_REQUIRED,         /* 401/403; details has the challenge */
	CRAWL_TIMEOUT,               /* the time budget ran out */
	CRAWL_SPAWN_FAILED,          /* the command could not be started */
	CRAWL_UNREACHABLE,           /* DNS or TCP/TLS connection failed */
	CRAWL_HTTP_ERROR,            /* an unexpected HTTP status */
	CRAWL_PROTOCOL_ERROR,        /* the server broke MCP or JSON-RPC */
	CRAWL_PROTOCOL_TOO_NEW,      /* refused every version we speak */
	CRAWL_TOO_LARGE,             /* a byte, line or tool-count cap */
	CRAWL_BLOCKED,               /* address policy (non-public address) */
	CRAWL_INIT_ERROR,            /* initialize got a JSON-RPC error */
	CRAWL_TRANSPORT_UNSUPPORTED, /* neither Streamable HTTP nor SSE */
	CRAWL_NO_TOOLS_CAPABILITY,   /* tools/list: method not found */
	CRAWL_SKIPPED,               /* not for the crawler (saved manifest) */
	CRAWL_PRESET,                /* reported with the target's preset */
};

struct crawl_result {
	enum crawl_status status;
	/* The target's preset status text when status is CRAWL_PRESET
	   (borrowed from the target), else NULL. */
	const char *preset_status;
	struct errbuf error;      /* "" on success */
	struct manifest manifest; /* CRAWL_OK: root is {"server","tools"} */
	json_t *server;           /* server object when known (also on some
				     failures); owned ref or NULL */
	json_t *details;          /* status details (http_status,
				     www_authenticate, resource_metadata,
				     scope, error; stats); owned or NULL */
	long long elapsed_ms;     /* wall time spent on the server */
};

#define CRAWL_RESULT_INIT                                                  \
	{ CRAWL_OK, NULL, ERRBUF_INIT, MANIFEST_INIT, NULL, NULL, 0 }

/* The stable name of a status ("ok", "auth_required", ...); for a preset
   the target's own status text. */
const char *crawl_status_name(const struct crawl_result *r);

/* The name of a bare status value. */
const char *crawl_status_str(enum crawl_status st);

/* Free what the result owns; safe on CRAWL_RESULT_INIT and twice. */
void crawl_result_release(struct crawl_result *r);

#endif
