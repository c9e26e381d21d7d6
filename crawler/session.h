/*
 * The MCP client state machine, independent of the transport: it says
 * which messages to send (session_next), consumes what arrives
 * (session_receive), and ends in a crawl result.  The transports (stdio,
 * Streamable HTTP, legacy SSE) only move bytes and report failures.
 *
 * Sequence: initialize (protocolVersion 2025-11-25, empty capabilities,
 * clientInfo mcprisk) -> notifications/initialized -> tools/list through
 * every nextCursor.  Responses are matched by integer id, never by order;
 * pings get {}, roots/list gets {"roots":[]}, any other server request
 * -32601; notifications are ignored; a JSON array is taken as a batch.
 *
 * Versions: 2024-11-05, 2025-03-26, 2025-06-18 and 2025-11-25 are known.
 * Any other version string the server answers with is accepted and
 * recorded as is (server.protocolVersion, and details.unknownVersion set):
 * tools/list has kept its shape in every version, and a crawler learns
 * more by trying than by hanging up.  protocol_too_new is recorded when
 * initialize is refused with a version error (-32020..-32022, or -32602
 * whose data.supported names none of the known versions).
 */
#ifndef MCPRISK_SESSION_H
#define MCPRISK_SESSION_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "crawler/result.h"

/* The version the client asks for. */
#define SESSION_PROTOCOL_VERSION "2025-11-25"
/* Most tools/list pages followed before giving up (cursor loops). */
#define SESSION_MAX_PAGES 1000

struct session;

/*
 * A new session for the server called name (copied: it becomes
 * server.name); transport names the wire ("stdio", "streamable-http",
 * "sse") and may change later with session_set_transport.  The first
 * message to send is the initialize request.
 */
struct session *session_new(const char *name, const char *transport);

/* Free the session; NULL is fine. */
void session_free(struct session *s);

/* Change the transport name recorded in server.transport. */
void session_set_transport(struct session *s, const char *transport);

/*
 * Start over with a fresh initialize (new id), forgetting tools and
 * cursors: used when a transport falls back or a server lost the
 * session.  Ignored once the session is done.
 */
void session_restart(struct session *s);

/* The next message to send, in order, or NULL when none is due (new). */
json_t *session_next(struct session *s);

/* True when a message is waiting for session_next. */
bool session_has_output(const struct session *s);

/* Take one received message or array of messages (borrowed). */
void session_receive(struct session *s, const json_t *msg);

/*
 * Parse p[0..n) as JSON and receive it.  With lenient set (stdio), text
 * that does not start with "{" or "[", or starts with "[" but does not
 * parse (a "[info] ..." log line), is skipped and counted as a non-JSON
 * line; otherwise, and for an object that does not parse (duplicate keys,
 * truncation), the session fails with protocol_error.
 */
void session_receive_text(struct session *s, const char *p, size_t n,
			  bool lenient);

/*
 * Record a failure (the first one wins) and end the session; fmt is the
 * human-readable error.
 */
void session_fail(struct session *s, enum crawl_status st, const char *fmt,
		  ...) __attribute__((format(printf, 3, 4)));

/* True once the session succeeded or failed. */
bool session_done(const struct session *s);

/* True once the initialize result was received. */
bool session_initialized(const struct session *s);

/* The negotiated protocol version after initialize, else NULL (borrowed). */
const char *session_protocol_version(const struct session *s);

/* The method of the request still unanswered ("initialize", "tools/list"),
   or NULL (borrowed). */
const char *session_waiting_for(const struct session *s);

/* The id of the request still unanswered, or -1. */
long long session_waiting_id(const struct session *s);

/* Details object for transports to add to (http_status, auth...);
   borrowed, never NULL. */
json_t *session_details(struct session *s);

/* Count a stdout line that was not JSON (stdio banners). */
void session_count_nonjson(struct session *s);

/*
 * Move the outcome into out (released first): status, error, details,
 * server object and, on success, the manifest built with
 * manifest_from_tools().  A session not yet done reports protocol_error.
 * The session keeps nothing of it.
 */
void session_take_result(struct session *s, struct crawl_result *out);

#endif
