/*
 * mcprisk serve: a read-only HTTP/JSON API over the catalog, on
 * libmicrohttpd with a pool of worker threads.  Each worker opens its own
 * read-only database connection and classifier; the rule set is loaded
 * once and shared.  docs/api.md describes the endpoints.
 */
#ifndef MCPRISK_SERVER_H
#define MCPRISK_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "util/errbuf.h"

/* Defaults and caps of the service. */
#define SERVER_DEFAULT_LISTEN "127.0.0.1:8080"
#define SERVER_DEFAULT_THREADS 2
#define SERVER_MAX_THREADS 64
/* Longest request target (path and query) answered; longer gets 414. */
#define SERVER_MAX_URL 4096
/* Largest request body (POST /v1/classify); larger gets 413. */
#define SERVER_MAX_BODY ((size_t)8 << 20)
/* Most connections open at once; more are refused at accept. */
#define SERVER_MAX_CONNECTIONS 1024
/* Seconds a connection may stay idle before it is closed. */
#define SERVER_CONN_TIMEOUT 30
/* Seconds in-flight requests get to finish after a stop signal. */
#define SERVER_DRAIN_SECONDS 10

/* What server_run() needs; strings are borrowed for the call. */
struct server_opts {
	const char *listen;   /* "HOST:PORT" or "[V6]:PORT"; port 0 picks a
				 free one */
	int threads;          /* worker threads, 1..SERVER_MAX_THREADS */
	const char *db_path;  /* the catalog, opened read-only */
	const char *rules_path; /* rule set file or directory */
	const char *data_dir; /* bundled data (profiles/) */
	size_t max_url;       /* 0: SERVER_MAX_URL */
	size_t max_body;      /* 0: SERVER_MAX_BODY */
	unsigned max_connections; /* 0: SERVER_MAX_CONNECTIONS */
	unsigned conn_timeout;    /* seconds; 0: SERVER_CONN_TIMEOUT */
};

/*
 * Split "HOST:PORT" / "[V6]:PORT" into host (new string, without the
 * brackets) and port.  -1 with a reason.
 */
int server_parse_listen(const char *listen, char **host, int *port,
			struct errbuf *eb);

/*
 * Serve until *stop becomes non-zero (set it from a signal handler), then
 * stop accepting, let requests in flight finish (at most
 * SERVER_DRAIN_SECONDS) and return 0.  Prints "listening on
 * http://HOST:PORT" to stderr once the socket is bound (with the real port
 * when 0 was asked).  Returns -1 with a reason when it cannot start.
 */
int server_run(const struct server_opts *opts, volatile sig_atomic_t *stop,
	       struct errbuf *eb);

#endif
