/*
 * What server.c (the libmicrohttpd plumbing) and routes.c (the endpoints)
 * share: the service state, a worker's resources, one call and its reply.
 * Internal to server/.
 */
#ifndef MCPRISK_SERVER_SERVICE_H
#define MCPRISK_SERVER_SERVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "server/metrics.h"
#include "server/server.h"

struct MHD_Connection;
struct rules;
struct store;
struct classifier;

/* A worker thread's own resources, opened on its first request. */
struct worker {
	struct store *store;     /* read-only connection; owned */
	struct classifier *cls;  /* over the shared rules; owned */
	struct worker *next;     /* the service's list, for freeing */
};

/* The service: read-only after start except the metrics (atomic). */
struct service {
	const struct server_opts *opts; /* borrowed */
	struct rules *rules;            /* shared by every worker; owned */
	const char *rules_version;      /* borrowed from rules */
	struct metrics *metrics;        /* owned */
	size_t max_url, max_body;       /* caps in force */
	pthread_key_t key;              /* this thread's struct worker */
	pthread_mutex_t lock;           /* guards workers */
	struct worker *workers;         /* every worker, freed at the end */
	int inflight;                   /* requests between request line and
					   completion (atomic) */
};

/* One request being answered. */
struct call {
	struct service *svc;
	struct worker *w;            /* NULL if it could not be set up */
	struct MHD_Connection *conn;
	const char *rest;            /* the path after a prefix route */
	const char *body;            /* POST body (NUL-terminated) or NULL */
	size_t body_len;
	enum route_id route;         /* for metrics; handlers may refine */
};

/* What a handler answers. */
struct reply {
	int status;
	const char *ctype; /* static string */
	char *body;        /* malloc'd (handed to MHD, which frees it) */
	size_t len;
	const char *allow; /* Allow header for 405, static */
};

/* A route: an exact path or a prefix, the methods it takes. */
struct route {
	const char *path;
	bool prefix;        /* path is a prefix; the rest goes to call.rest */
	bool post;          /* POST with a body (else GET and HEAD) */
	enum route_id id;
	void (*fn)(struct call *call, struct reply *out);
};

/*
 * The route for url (raw, not decoded), or NULL.  A route whose path
 * matches but not the method is returned with *method_ok false.
 */
const struct route *routes_match(const char *method, const char *url,
				 bool *method_ok, const char **rest);

/* The Allow header value of a route ("GET, HEAD" or "POST"). */
const char *route_allow(const struct route *r);

/* Fill out with {"error": msg} and status. */
void reply_error(struct reply *out, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
