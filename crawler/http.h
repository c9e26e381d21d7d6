/*
 * The HTTP transports of the MCP client: Streamable HTTP (one POST per
 * message, JSON or SSE replies, Mcp-Session-Id, MCP-Protocol-Version,
 * DELETE at the end, one re-initialize when the server lost the session)
 * and legacy HTTP+SSE (a GET event stream announcing a POST endpoint),
 * told apart as the spec's backwards-compatibility section says.  Each
 * connection drives easy handles on a multi handle owned by the crawler;
 * the curl callbacks only frame and count bytes, everything is parsed on
 * the loop thread.
 *
 * Hardening: http and https only (redirects too, at most 5), byte caps on
 * headers, bodies (decoded: a gzip bomb stops at the cap) and SSE events
 * enforced inside the callbacks, connect and low-speed timeouts, TLS
 * verification, no proxies, and for learned targets an address check at
 * socket creation (so a DNS answer cannot change between check and use).
 */
#ifndef MCPRISK_HTTP_H
#define MCPRISK_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>

#include "crawler/session.h"
#include "crawler/target.h"

/* Largest response body (after decoding) and SSE event accepted. */
#define HTTP_MAX_BODY MANIFEST_MAX_BYTES
/* Most header bytes accepted per request, redirects included. */
#define HTTP_MAX_HEADERS ((size_t)256 << 10)
/* Most bytes of an error body kept for messages. */
#define HTTP_MAX_ERROR_BODY ((size_t)16 << 10)
/* Redirects followed per request. */
#define HTTP_MAX_REDIRS 5L
/* Time given to the closing DELETE. */
#define HTTP_DELETE_MS 3000

struct http_settings {
	bool allow_private;        /* learned targets may use any address */
	long long connect_ms;      /* connect timeout */
	long long low_speed_secs;  /* abort below 16 B/s for this long */
	unsigned max_retries;      /* per request, for 429/503 and resets */
	long long retry_max_ms;    /* longest backoff or Retry-After */
};

struct http_conn;

/*
 * Start crawling t over HTTP on multi: s (borrowed, must outlive the
 * connection) is driven to completion; deadline is the monotonic ms time
 * by which it must be done.  Failures before anything is sent (a bad URL
 * or header) are recorded in the session.
 */
struct http_conn *http_new(CURLM *multi, const struct target *t,
			   struct session *s, const struct http_settings *o,
			   long long now, long long deadline);

/*
 * A transfer finished (CURLMSG_DONE for easy, which must carry a request
 * of an http connection as CURLOPT_PRIVATE).  Returns the connection it
 * belonged to.
 */
struct http_conn *http_on_done(CURL *easy, CURLcode code, long long now);

/* Process what arrived, send what the session wants, start due retries;
   after the session is done, tear down (DELETE). */
void http_pump(struct http_conn *c, long long now);

/*
 * The time budget ran out.  When an earlier attempt failed in a way that
 * was retried (429, 503, a reset or truncated reply), the session fails
 * with that failure, which says more than "timeout", and this returns
 * true; otherwise it does nothing and returns false.
 */
bool http_expire(struct http_conn *c);

/* The next time (monotonic ms) pump must run for a timer, or -1. */
long long http_wake(const struct http_conn *c);

/* True when the session is done and teardown has finished. */
bool http_finished(const struct http_conn *c);

/* Remove and free every transfer; NULL is fine. */
void http_free(struct http_conn *c);

#endif
