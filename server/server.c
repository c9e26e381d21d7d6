/*
 * The libmicrohttpd side of mcprisk serve: the daemon and its thread pool,
 * one request's life (caps on the URL and body, routing, the reply), the
 * per-thread workers, and a clean stop that lets requests in flight end.
 */
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "db/store.h"
#include "server/service.h"
#include "util/buf.h"
#include "util/parse.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Memory libmicrohttpd may use per connection (request line, headers);
   a request line past it gets libmicrohttpd's own 414.  Not more: it
   clears the whole pool after every request (64 KiB made that memset 4%
   of the service's time), and 16 KiB still holds a request target at
   SERVER_MAX_URL with about 11 KiB of headers. */
#define CONN_MEMORY_LIMIT ((size_t)16 << 10)
/* Pending connections the kernel queues before accept. */
#define LISTEN_BACKLOG 1024
/* Per worker connection: bytes of the catalog file mapped, and the page
   cache in KiB (mapped pages do not count against it). */
#define READER_MMAP_BYTES (1LL << 30)
#define READER_CACHE_KIB 16384
/* How often the main thread looks at the stop flag. */
#define STOP_POLL_MS 50

/* One request's state, from its request line to the end of the reply. */
struct request {
	struct timespec start;     /* when the request line was read */
	size_t url_len;            /* length of the request target */
	bool routed;               /* the first handler call happened */
	bool method_ok;            /* the route takes this method */
	const struct route *route; /* NULL: answered without a route */
	char *rest;                /* the path after a prefix route */
	struct buf body;           /* POST body, capped at max_body */
	enum route_id id;          /* counted under this route */
	int status;                /* 0 until a reply was queued */
};

int
server_parse_listen(const char *listen, char **host, int *port,
		    struct errbuf *eb)
{
	const char *colon, *h = listen;
	size_t hlen;
	long long p;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':') {
			errbuf_set(eb, "bad listen address '%s' (expected "
				       "[V6ADDR]:PORT)", listen);
			return -1;
		}
		h = listen + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || strchr(listen, ':') != colon) {
			errbuf_set(eb, "bad listen address '%s' (expected "
				       "HOST:PORT)", listen);
			return -1;
		}
		hlen = (size_t)(colon - h);
	}
	if (hlen == 0 || parse_ll(colon + 1, 0, 65535, &p, eb) < 0) {
		errbuf_set(eb, "bad listen address '%s' (expected HOST:PORT, "
			       "port 0 to 65535)", listen);
		return -1;
	}
	*host = xstrndup(h, hlen);
	*port = (int)p;
	return 0;
}

/* This thread's worker, opened on its first request; NULL with a reason
   (the next request tries again). */
static struct worker *
worker_get(struct service *svc, struct errbuf *eb)
{
	struct worker *w = pthread_getspecific(svc->key);
	struct store *st;

	if (w)
		return w;
	st = store_open(svc->opts->db_path, STORE_READONLY, eb);
	if (!st)
		return NULL;
	/* Best effort: a failure only costs speed. */
	store_reader_tune(st, READER_MMAP_BYTES, READER_CACHE_KIB, NULL);
	w = xcalloc(1, sizeof(*w));
	w->store = st;
	w->cls = classifier_new(svc->rules);
	pthread_mutex_lock(&svc->lock);
	w->next = svc->workers;
	svc->workers = w;
	pthread_mutex_unlock(&svc->lock);
	pthread_setspecific(svc->key, w);
	return w;
}

static uint64_t
elapsed_us(const struct timespec *start)
{
	struct timespec now;
	int64_t us;

	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (int64_t)(now.tv_sec - start->tv_sec) * 1000000 +
	     (now.tv_nsec - start->tv_nsec) / 1000;
	return us < 0 ? 0 : (uint64_t)us;
}

/* libmicrohttpd decodes the path before routing; keep it raw so that
   %2F in a server name stays part of the name (routes.c decodes). */
static size_t
keep_escaped(void *cls, struct MHD_Connection *conn, char *uri)
{
	(void)cls;
	(void)conn;
	return strlen(uri);
}

static void *
on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct service *svc = cls;
	struct request *rq = xcalloc(1, sizeof(*rq));

	(void)conn;
	clock_gettime(CLOCK_MONOTONIC, &rq->start);
	rq->url_len = strlen(uri);
	rq->id = ROUTE_NONE;
	buf_init(&rq->body, svc->max_body);
	__atomic_add_fetch(&svc->inflight, 1, __ATOMIC_SEQ_CST);
	return rq;
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
	     enum MHD_RequestTerminationCode toe)
{
	struct service *svc = cls;
	struct request *rq = *req_cls;

	(void)conn;
	(void)toe;
	if (!rq)
		return;
	if (rq->status)
		metrics_count(svc->metrics, rq->id, rq->status,
			      elapsed_us(&rq->start));
	buf_release(&rq->body);
	free(rq->rest);
	free(rq);
	*req_cls = NULL;
	__atomic_sub_fetch(&svc->inflight, 1, __ATOMIC_SEQ_CST);
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct request *rq, struct reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(r->len, r->body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	r->body = NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r->allow)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
	ret = MHD_queue_response(conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	rq->status = r->status;
	return ret;
}

/* Run the route's handler with this thread's worker. */
static void
dispatch(struct service *svc, struct MHD_Connection *conn,
	 struct request *rq, struct reply *out)
{
	struct errbuf eb = ERRBUF_INIT;
	struct call c = { 0 };

	c.svc = svc;
	c.conn = conn;
	c.rest = rq->rest ? rq->rest : "";
	c.route = rq->route->id;
	if (rq->route->post) {
		c.body = buf_cstr(&rq->body);
		c.body_len = rq->body.len;
	}
	if (!(c.w = worker_get(svc, &eb))) {
		reply_error(out, 503, "catalog unavailable: %s", eb.msg);
		return;
	}
	rq->route->fn(&c, out);
	rq->id = c.route;
	if (!out->status)
		reply_error(out, 500, "no reply");
}

/*
 * The first call for a request, once its headers are in: route it, and
 * refuse a declared oversized body before reading it.  Everything else is
 * answered on the last call: libmicrohttpd keeps a connection alive only
 * for replies queued after the whole request was read.
 */
static enum MHD_Result
first_call(struct service *svc, struct MHD_Connection *conn,
	   struct request *rq, const char *url, const char *method)
{
	struct reply r = { 0 };
	const char *rest = NULL, *cl;
	long long n;

	rq->routed = true;
	if (rq->url_len > svc->max_url)
		return MHD_YES;
	rq->route = routes_match(method, url, &rq->method_ok, &rest);
	if (!rq->route)
		return MHD_YES;
	rq->id = rq->route->id;
	rq->rest = xstrdup(rest);
	if (rq->route->post && rq->method_ok) {
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						 MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (parse_ll(cl, 0, LLONG_MAX, &n, NULL) < 0 ||
			   (unsigned long long)n > svc->max_body)) {
			reply_error(&r, 413, "request body is larger than %zu "
				    "bytes", svc->max_body);
			return send_reply(conn, rq, &r);
		}
	}
	return MHD_YES;
}

/* The last call, with the whole request read: the answer. */
static enum MHD_Result
last_call(struct service *svc, struct MHD_Connection *conn,
	  struct request *rq)
{
	struct reply r = { 0 };

	if (rq->url_len > svc->max_url) {
		reply_error(&r, 414, "request target is longer than %zu bytes",
			    svc->max_url);
	} else if (!rq->route) {
		reply_error(&r, 404, "no such endpoint");
	} else if (!rq->method_ok) {
		reply_error(&r, 405, "method not allowed (allowed: %s)",
			    route_allow(rq->route));
		r.allow = route_allow(rq->route);
	} else if (rq->body.toobig) {
		reply_error(&r, 413, "request body is larger than %zu bytes",
			    svc->max_body);
	} else {
		dispatch(svc, conn, rq, &r);
	}
	return send_reply(conn, rq, &r);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_size, void **req_cls)
{
	struct service *svc = cls;
	struct request *rq = *req_cls;

	(void)version;
	if (!rq)
		return MHD_NO;
	if (!rq->routed)
		return first_call(svc, conn, rq, url, method);
	if (rq->status) {
		/* Answered already (413 before the body). */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		/* Only POST routes keep a body; past the cap the rest is
		   read and dropped, then 413. */
		if (rq->route && rq->route->post && rq->method_ok &&
		    !rq->body.toobig)
			buf_append(&rq->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return last_call(svc, conn, rq);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Load what every worker shares and check the catalog opens. */
static int
service_init(struct service *svc, const struct server_opts *opts,
	     struct errbuf *eb)
{
	struct store *st;

	memset(svc, 0, sizeof(*svc));
	store_process_tune();
	svc->opts = opts;
	svc->max_url = opts->max_url ? opts->max_url : SERVER_MAX_URL;
	svc->max_body = opts->max_body ? opts->max_body : SERVER_MAX_BODY;
	pthread_mutex_init(&svc->lock, NULL);
	pthread_key_create(&svc->key, NULL);
	svc->metrics = metrics_new();
	if (!(svc->rules = rules_load(opts->rules_path, eb)))
		return -1;
	svc->rules_version = rules_version(svc->rules);
	if (!(st = store_open(opts->db_path, STORE_READONLY, eb)))
		return -1;
	store_free(st);
	return 0;
}

static void
service_release(struct service *svc)
{
	struct worker *w, *next;

	for (w = svc->workers; w; w = next) {
		next = w->next;
		classifier_free(w->cls);
		store_free(w->store);
		free(w);
	}
	rules_free(svc->rules);
	metrics_free(svc->metrics);
	pthread_key_delete(svc->key);
	pthread_mutex_destroy(&svc->lock);
}

int
server_run(const struct server_opts *opts, volatile sig_atomic_t *stop,
	   struct errbuf *eb)
{
	struct service svc;
	struct MHD_Daemon *d = NULL;
	struct addrinfo hints = { 0 }, *ai = NULL;
	const union MHD_DaemonInfo *info;
	char *host = NULL, portstr[8];
	unsigned flags;
	int port, rc, ret = -1, waited;
	MHD_socket lfd;

	if (service_init(&svc, opts, eb) < 0)
		goto out;
	if (server_parse_listen(opts->listen, &host, &port, eb) < 0)
		goto out;
	snprintf(portstr, sizeof(portstr), "%d", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, portstr, &hints, &ai)) != 0) {
		errbuf_set(eb, "cannot resolve listen address '%s': %s",
			   opts->listen, gai_strerror(rc));
		goto out;
	}
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, &svc,
		MHD_OPTION_SOCK_ADDR, ai->ai_addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opts->threads,
		MHD_OPTION_CONNECTION_LIMIT,
		opts->max_connections ? opts->max_connections
				      : (unsigned)SERVER_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT,
		opts->conn_timeout ? opts->conn_timeout
				   : (unsigned)SERVER_CONN_TIMEOUT,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY_LIMIT,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)LISTEN_BACKLOG,
		MHD_OPTION_URI_LOG_CALLBACK, on_request_line, &svc,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, &svc,
		MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL,
		MHD_OPTION_END);
	if (!d) {
		errbuf_set(eb, "cannot listen on %s: %s", opts->listen,
			   errno ? strerror(errno) : "libmicrohttpd failed");
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	fprintf(stderr, "listening on http://%s%s%s:%u\n",
		ai->ai_family == AF_INET6 ? "[" : "", host,
		ai->ai_family == AF_INET6 ? "]" : "",
		info ? (unsigned)info->port : (unsigned)port);
	fflush(stderr);
	while (!*stop)
		sleep_ms(STOP_POLL_MS);
	/* Stop accepting, let requests in flight finish, then close idle
	   keep-alive connections with the daemon. */
	lfd = MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	for (waited = 0; __atomic_load_n(&svc.inflight, __ATOMIC_SEQ_CST) &&
			 waited < SERVER_DRAIN_SECONDS * 1000;
	     waited += STOP_POLL_MS)
		sleep_ms(STOP_POLL_MS);
	ret = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	if (ai)
		freeaddrinfo(ai);
	free(host);
	service_release(&svc);
	return ret;
}
