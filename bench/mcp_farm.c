/*
 * A farm of Streamable HTTP MCP servers on 127.0.0.1 for the crawl
 * benchmark: a few listening ports, a few epoll threads, many servers told
 * apart by their path (/s/<n>/mcp), each with a stable set of tools.
 * Keep-alive HTTP/1.1 with JSON replies; GET /stats returns the request
 * counters so a benchmark can check what a client did.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/errbuf.h"
#include "util/parse.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Largest request (headers and body) a connection may buffer. */
#define FARM_MAX_REQUEST (256 * 1024)
/* Largest block of request headers. */
#define FARM_MAX_HEADERS (16 * 1024)
/* Most listening ports and threads. */
#define FARM_MAX_PORTS 64
#define FARM_MAX_THREADS 64
/* Events taken from epoll at once. */
#define FARM_EVENTS 256

static const char usage_text[] =
	"usage: mcp_farm [--servers N] [--tools K] [--ports P] [--threads T]\n"
	"  serves /s/0/mcp .. /s/N-1/mcp on P free ports of 127.0.0.1,\n"
	"  prints \"ports P1 P2 ...\" on stdout once listening, runs until\n"
	"  a signal stops it\n";

/* A tool template: %N in the description becomes the server number. */
struct tool_tpl {
	const char *name;
	const char *desc;
	const char *schema; /* inputSchema, JSON */
	const char *annotations; /* JSON or NULL */
};

static const struct tool_tpl tpls[] = {
	{ "read_file", "Read the complete contents of a file in workspace %N. "
	  "Handles text encodings and returns the content as text.",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\","
	  "\"description\":\"Path of the file to read\"}},\"required\":[\"path\"]}",
	  "{\"readOnlyHint\":true}" },
	{ "write_file", "Create a new file or overwrite an existing file in "
	  "workspace %N with new content. Use with caution.",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
	  "\"content\":{\"type\":\"string\"}},\"required\":[\"path\",\"content\"]}",
	  "{\"destructiveHint\":true}" },
	{ "list_directory", "List files and directories under a path of "
	  "workspace %N, with [FILE] and [DIR] prefixes.",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
	  "\"required\":[\"path\"]}", "{\"readOnlyHint\":true}" },
	{ "delete_file", "Permanently delete a file from workspace %N. "
	  "This cannot be undone.",
	  "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}},"
	  "\"required\":[\"path\"]}", "{\"destructiveHint\":true}" },
	{ "search_code", "Search the code of project %N for a regular "
	  "expression and return matching lines with file names.",
	  "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"},"
	  "\"max_results\":{\"type\":\"integer\",\"minimum\":1}},"
	  "\"required\":[\"query\"]}", NULL },
	{ "create_issue", "Create a new issue in repository %N with a title, "
	  "a body and optional labels.",
	  "{\"type\":\"object\",\"properties\":{\"title\":{\"type\":\"string\"},"
	  "\"body\":{\"type\":\"string\"},\"labels\":{\"type\":\"array\","
	  "\"items\":{\"type\":\"string\"}}},\"required\":[\"title\"]}", NULL },
	{ "close_issue", "Close an open issue of repository %N by number.",
	  "{\"type\":\"object\",\"properties\":{\"number\":{\"type\":\"integer\"}},"
	  "\"required\":[\"number\"]}", "{\"idempotentHint\":true}" },
	{ "get_issue", "Get the details of an issue of repository %N, "
	  "including comments.",
	  "{\"type\":\"object\",\"properties\":{\"number\":{\"type\":\"integer\"}},"
	  "\"required\":[\"number\"]}", "{\"readOnlyHint\":true}" },
	{ "delete_repository", "Delete repository %N and all of its history. "
	  "Requires admin rights.",
	  "{\"type\":\"object\",\"properties\":{\"confirm\":{\"type\":\"boolean\"}},"
	  "\"required\":[\"confirm\"]}", "{\"destructiveHint\":true}" },
	{ "send_email", "Send an email from the account of tenant %N to one "
	  "or more recipients.",
	  "{\"type\":\"object\",\"properties\":{\"to\":{\"type\":\"array\","
	  "\"items\":{\"type\":\"string\"}},\"subject\":{\"type\":\"string\"},"
	  "\"body\":{\"type\":\"string\"}},\"required\":[\"to\",\"subject\"]}",
	  "{\"openWorldHint\":true}" },
	{ "list_emails", "List recent emails in the inbox of tenant %N.",
	  "{\"type\":\"object\",\"properties\":{\"limit\":{\"type\":\"integer\"}}}",
	  "{\"readOnlyHint\":true}" },
	{ "run_query", "Run a SQL query against database %N and return the "
	  "rows as JSON. Any statement is accepted.",
	  "{\"type\":\"object\",\"properties\":{\"sql\":{\"type\":\"string\"}},"
	  "\"required\":[\"sql\"]}", NULL },
	{ "list_tables", "List the tables of database %N with their columns.",
	  "{\"type\":\"object\",\"properties\":{}}", "{\"readOnlyHint\":true}" },
	{ "execute_command", "Execute a shell command on host %N and return "
	  "its standard output and exit status.",
	  "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"},"
	  "\"cwd\":{\"type\":\"string\"}},\"required\":[\"command\"]}", NULL },
	{ "fetch_url", "Fetch a URL from the internet on behalf of agent %N "
	  "and return the page as markdown.",
	  "{\"type\":\"object\",\"properties\":{\"url\":{\"type\":\"string\","
	  "\"format\":\"uri\"}},\"required\":[\"url\"]}",
	  "{\"readOnlyHint\":true,\"openWorldHint\":true}" },
	{ "create_payment", "Create a payment of an amount in a currency from "
	  "merchant account %N.",
	  "{\"type\":\"object\",\"properties\":{\"amount\":{\"type\":\"number\"},"
	  "\"currency\":{\"type\":\"string\"}},\"required\":[\"amount\","
	  "\"currency\"]}", NULL },
	{ "refund_payment", "Refund a payment of merchant account %N, fully "
	  "or in part.",
	  "{\"type\":\"object\",\"properties\":{\"payment_id\":{\"type\":"
	  "\"string\"},\"amount\":{\"type\":\"number\"}},\"required\":"
	  "[\"payment_id\"]}", NULL },
	{ "get_weather", "Get the current weather for a city (station %N).",
	  "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
	  "\"required\":[\"city\"]}", "{\"readOnlyHint\":true}" },
	{ "create_memory", "Store an observation about an entity in knowledge "
	  "graph %N.",
	  "{\"type\":\"object\",\"properties\":{\"entity\":{\"type\":\"string\"},"
	  "\"observation\":{\"type\":\"string\"}},\"required\":[\"entity\","
	  "\"observation\"]}", NULL },
	{ "search_memory", "Search knowledge graph %N for entities matching "
	  "a query.",
	  "{\"type\":\"object\",\"properties\":{\"query\":{\"type\":\"string\"}},"
	  "\"required\":[\"query\"]}", "{\"readOnlyHint\":true}" },
	{ "update_record", "Update fields of a record in CRM %N.",
	  "{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"},"
	  "\"fields\":{\"type\":\"object\"}},\"required\":[\"id\",\"fields\"]}",
	  "{\"idempotentHint\":true}" },
	{ "drop_table", "Drop a table from database %N. All rows are lost.",
	  "{\"type\":\"object\",\"properties\":{\"table\":{\"type\":\"string\"}},"
	  "\"required\":[\"table\"]}", "{\"destructiveHint\":true}" },
	{ "post_message", "Post a message to a channel of workspace %N.",
	  "{\"type\":\"object\",\"properties\":{\"channel\":{\"type\":\"string\"},"
	  "\"text\":{\"type\":\"string\"}},\"required\":[\"channel\",\"text\"]}",
	  "{\"openWorldHint\":true}" },
	{ "take_screenshot", "Take a screenshot of the current page of "
	  "browser %N.",
	  "{\"type\":\"object\",\"properties\":{\"full_page\":{\"type\":"
	  "\"boolean\"}}}", "{\"readOnlyHint\":true}" },
};
#define NTPLS (sizeof(tpls) / sizeof(tpls[0]))

static unsigned long nservers = 10000;
static unsigned ntools = 20;
static atomic_ulong n_init, n_notif, n_list, n_delete, n_get, n_bad;
static atomic_ulong n_sessions;

struct conn {
	int fd;
	char *in;        /* request bytes not yet handled */
	size_t inlen, incap;
	struct buf out;  /* response bytes not yet sent */
	size_t outoff;
	bool want_out;   /* EPOLLOUT registered */
	bool closing;    /* close once out is sent */
};

struct worker {
	pthread_t th;
	int ep;
	int lfds[FARM_MAX_PORTS];
	size_t nl;
};

/* The tools/list result of server n, appended to b. */
static void
render_tools(struct buf *b, unsigned long n)
{
	unsigned i;

	buf_puts(b, "{\"tools\":[");
	for (i = 0; i < ntools; i++) {
		const struct tool_tpl *t = &tpls[(n + i) % NTPLS];
		const char *d = t->desc, *pct = strstr(d, "%N");
		char num[32];

		if (i)
			buf_putc(b, ',');
		buf_puts(b, "{\"name\":\"");
		buf_puts(b, t->name);
		if (i >= NTPLS) {
			snprintf(num, sizeof(num), "_%u", i / (unsigned)NTPLS);
			buf_puts(b, num);
		}
		buf_puts(b, "\",\"description\":\"");
		snprintf(num, sizeof(num), "%lu", n);
		if (pct) {
			buf_append(b, d, (size_t)(pct - d));
			buf_puts(b, num);
			buf_puts(b, pct + 2);
		} else {
			buf_puts(b, d);
		}
		buf_puts(b, "\",\"inputSchema\":");
		buf_puts(b, t->schema);
		if (t->annotations) {
			buf_puts(b, ",\"annotations\":");
			buf_puts(b, t->annotations);
		}
		buf_putc(b, '}');
	}
	buf_puts(b, "]}");
}

static void
respond(struct conn *c, int status, const char *reason, const char *extra,
	const char *body, size_t blen)
{
	char head[512];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s%s%s\r\n",
			 status, reason, blen,
			 blen ? "Content-Type: application/json\r\n" : "",
			 extra ? extra : "",
			 c->closing ? "Connection: close\r\n" : "");

	buf_append(&c->out, head, (size_t)n);
	if (blen)
		buf_append(&c->out, body, blen);
}

/* The JSON-RPC reply for id (raw JSON text) with result text. */
static void
respond_rpc(struct conn *c, const char *id, const char *result,
	    size_t rlen, const char *extra)
{
	struct buf b = BUF_INIT(FARM_MAX_REQUEST * 4);

	buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
	buf_puts(&b, id);
	buf_puts(&b, ",\"result\":");
	buf_append(&b, result, rlen);
	buf_putc(&b, '}');
	respond(c, 200, "OK", extra, b.data, b.len);
	buf_release(&b);
}

static const char *
pick_version(const char *asked)
{
	static const char *known[] = { "2025-11-25", "2025-06-18",
				       "2025-03-26", "2024-11-05" };
	size_t i;

	for (i = 0; asked && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(asked, known[i]) == 0)
			return known[i];
	return known[0];
}

static void
handle_post(struct conn *c, unsigned long n, const char *session,
	    const char *body, size_t blen)
{
	json_t *m = json_loadb(body, blen, 0, NULL);
	const char *method = json_string_value(json_object_get(m, "method"));
	json_t *idj = json_object_get(m, "id");
	char *id = NULL;

	if (!method) {
		atomic_fetch_add(&n_bad, 1);
		respond(c, 400, "Bad Request", NULL, NULL, 0);
		goto out;
	}
	if (!idj) {
		atomic_fetch_add(&n_notif, 1);
		respond(c, 202, "Accepted", NULL, NULL, 0);
		goto out;
	}
	id = json_dumps(idj, JSON_ENCODE_ANY | JSON_COMPACT);
	if (strcmp(method, "initialize") == 0) {
		const char *asked = json_string_value(json_object_get(
			json_object_get(m, "params"), "protocolVersion"));
		char res[512], hdr[128];
		int rn;

		atomic_fetch_add(&n_init, 1);
		rn = snprintf(res, sizeof(res),
			      "{\"protocolVersion\":\"%s\",\"capabilities\":"
			      "{\"tools\":{\"listChanged\":false}},"
			      "\"serverInfo\":{\"name\":\"farm-%lu\","
			      "\"version\":\"1.0.%lu\"},\"instructions\":"
			      "\"Benchmark server %lu.\"}",
			      pick_version(asked), n, n % 7, n);
		snprintf(hdr, sizeof(hdr), "Mcp-Session-Id: %lx-%lx\r\n", n,
			 atomic_fetch_add(&n_sessions, 1));
		respond_rpc(c, id, res, (size_t)rn, hdr);
	} else if (!session) {
		atomic_fetch_add(&n_bad, 1);
		respond(c, 400, "Bad Request", NULL, NULL, 0);
	} else if (strcmp(method, "tools/list") == 0) {
		struct buf b = BUF_INIT(FARM_MAX_REQUEST * 4);

		atomic_fetch_add(&n_list, 1);
		render_tools(&b, n);
		respond_rpc(c, id, b.data, b.len, NULL);
		buf_release(&b);
	} else if (strcmp(method, "ping") == 0) {
		respond_rpc(c, id, "{}", 2, NULL);
	} else {
		char err[256];
		int en = snprintf(err, sizeof(err),
				  "{\"jsonrpc\":\"2.0\",\"id\":%s,\"error\":"
				  "{\"code\":-32601,\"message\":\"Method not "
				  "found\"}}", id);

		atomic_fetch_add(&n_bad, 1);
		respond(c, 200, "OK", NULL, err, (size_t)en);
	}
out:
	free(id);
	json_decref(m);
}

static void
handle_stats(struct conn *c)
{
	char body[512];
	int n = snprintf(body, sizeof(body),
			 "{\"initialize\":%lu,\"notifications\":%lu,"
			 "\"tools_list\":%lu,\"delete\":%lu,\"get\":%lu,"
			 "\"bad\":%lu}",
			 atomic_load(&n_init), atomic_load(&n_notif),
			 atomic_load(&n_list), atomic_load(&n_delete),
			 atomic_load(&n_get), atomic_load(&n_bad));

	respond(c, 200, "OK", NULL, body, (size_t)n);
}

/* The server number of "/s/<n>/mcp", or -1. */
static long
server_of(const char *path, size_t len)
{
	unsigned long n = 0;
	size_t i = 3;

	if (len < 8 || strncmp(path, "/s/", 3) != 0)
		return -1;
	if (path[i] < '0' || path[i] > '9')
		return -1;
	while (i < len && path[i] >= '0' && path[i] <= '9' && n < nservers)
		n = n * 10 + (unsigned long)(path[i++] - '0');
	if (n >= nservers || len - i != 4 || strncmp(path + i, "/mcp", 4))
		return -1;
	return (long)n;
}

/* A header value in [h, end): name must include the colon. */
static const char *
find_header(const char *h, const char *end, const char *name, size_t *vlen)
{
	size_t k = strlen(name);
	const char *p = h;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > k && strncasecmp(p, name, k) == 0) {
			const char *v = p + k, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		p = eol + 1;
	}
	return NULL;
}

/* Handle every complete request buffered; -1 to close at once. */
static int
handle_input(struct conn *c)
{
	size_t off = 0;

	while (!c->closing) {
		char *req = c->in + off, *hend, *sp1, *sp2;
		size_t avail = c->inlen - off, clen = 0, vlen, hlen, plen;
		const char *v, *session = NULL;
		char sess[256], num[24];
		long n;

		hend = memmem(req, avail, "\r\n\r\n", 4);
		if (!hend)
			break;
		hlen = (size_t)(hend - req) + 4;
		if ((v = find_header(req, hend, "content-length:", &vlen))) {
			long long ll;
			struct errbuf eb = ERRBUF_INIT;

			if (vlen >= sizeof(num))
				return -1;
			memcpy(num, v, vlen);
			num[vlen] = '\0';
			if (parse_ll(num, 0, FARM_MAX_REQUEST, &ll, &eb) < 0)
				return -1;
			clen = (size_t)ll;
		}
		if (find_header(req, hend, "transfer-encoding:", &vlen))
			return -1; /* clients here send Content-Length */
		if (avail < hlen + clen)
			break;
		if ((v = find_header(req, hend, "connection:", &vlen)) &&
		    vlen == 5 && strncasecmp(v, "close", 5) == 0)
			c->closing = true;
		if ((v = find_header(req, hend, "mcp-session-id:", &vlen)) &&
		    vlen < sizeof(sess)) {
			memcpy(sess, v, vlen);
			sess[vlen] = '\0';
			session = sess;
		}
		sp1 = memchr(req, ' ', hlen);
		sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(hend - sp1 - 1))
			  : NULL;
		if (!sp2)
			return -1;
		plen = (size_t)(sp2 - sp1 - 1);
		n = server_of(sp1 + 1, plen);
		if (sp1 - req == 3 && strncmp(req, "GET", 3) == 0 &&
		    plen == 6 && strncmp(sp1 + 1, "/stats", 6) == 0) {
			handle_stats(c);
		} else if (n < 0) {
			atomic_fetch_add(&n_bad, 1);
			respond(c, 404, "Not Found", NULL, NULL, 0);
		} else if (sp1 - req == 4 && strncmp(req, "POST", 4) == 0) {
			handle_post(c, (unsigned long)n, session, req + hlen,
				    clen);
		} else if (sp1 - req == 6 && strncmp(req, "DELETE", 6) == 0) {
			atomic_fetch_add(&n_delete, 1);
			respond(c, 200, "OK", NULL, NULL, 0);
		} else if (sp1 - req == 3 && strncmp(req, "GET", 3) == 0) {
			/* No standalone SSE stream: the spec's 405. */
			atomic_fetch_add(&n_get, 1);
			respond(c, 405, "Method Not Allowed",
				"Allow: POST, DELETE\r\n", NULL, 0);
		} else {
			atomic_fetch_add(&n_bad, 1);
			respond(c, 405, "Method Not Allowed", NULL, NULL, 0);
		}
		off += hlen + clen;
	}
	if (off) {
		memmove(c->in, c->in + off, c->inlen - off);
		c->inlen -= off;
	}
	if (c->inlen >= FARM_MAX_REQUEST ||
	    (c->inlen > FARM_MAX_HEADERS &&
	     !memmem(c->in, c->inlen, "\r\n\r\n", 4)))
		return -1;
	return 0;
}

static void
conn_close(struct worker *w, struct conn *c)
{
	epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	buf_release(&c->out);
	free(c);
}

/* Send what is pending; -1 on a dead peer. */
static int
flush_out(struct worker *w, struct conn *c)
{
	while (c->outoff < c->out.len) {
		ssize_t k = send(c->fd, c->out.data + c->outoff,
				 c->out.len - c->outoff, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			break;
		if (k <= 0)
			return -1;
		c->outoff += (size_t)k;
	}
	if (c->outoff == c->out.len) {
		c->out.len = 0;
		c->outoff = 0;
		if (c->closing)
			return -1;
	}
	if ((c->outoff < c->out.len) != c->want_out) {
		struct epoll_event ev = { 0 };

		c->want_out = !c->want_out;
		ev.events = EPOLLIN | (c->want_out ? EPOLLOUT : 0);
		ev.data.ptr = c;
		epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return 0;
}

static void
on_readable(struct worker *w, struct conn *c)
{
	for (;;) {
		ssize_t k;

		if (c->incap - c->inlen < 16384) {
			c->incap = c->incap ? c->incap * 2 : 32768;
			c->in = xrealloc(c->in, c->incap);
		}
		k = recv(c->fd, c->in + c->inlen, c->incap - c->inlen, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			break;
		if (k <= 0) {
			conn_close(w, c);
			return;
		}
		c->inlen += (size_t)k;
		if (handle_input(c) < 0) {
			conn_close(w, c);
			return;
		}
	}
	if (flush_out(w, c) < 0)
		conn_close(w, c);
}

static void
on_accept(struct worker *w, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		int one = 1;
		struct epoll_event ev = { 0 };
		struct conn *c;

		if (fd < 0)
			return; /* EAGAIN, or out of descriptors for now */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		buf_init(&c->out, (size_t)FARM_MAX_REQUEST * 8);
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			buf_release(&c->out);
			free(c);
		}
	}
}

static bool
is_listener(const struct worker *w, const void *p, int *lfd)
{
	size_t i;

	for (i = 0; i < w->nl; i++)
		if (p == &w->lfds[i]) {
			*lfd = w->lfds[i];
			return true;
		}
	return false;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[FARM_EVENTS];

	for (;;) {
		int n = epoll_wait(w->ep, evs, FARM_EVENTS, -1), i, lfd;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (is_listener(w, evs[i].data.ptr, &lfd)) {
				on_accept(w, lfd);
			} else if (evs[i].events & (EPOLLERR | EPOLLHUP) &&
				   !(evs[i].events & EPOLLIN)) {
				conn_close(w, c);
			} else if (evs[i].events & EPOLLIN) {
				on_readable(w, c);
			} else if (flush_out(w, c) < 0) {
				conn_close(w, c);
			}
		}
	}
	return NULL;
}

static int
listen_loopback(int *port)
{
	struct sockaddr_in a = { 0 };
	socklen_t alen = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	if (fd < 0)
		return -1;
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int
opt_num(const char *name, const char *v, long long max, long long *out)
{
	struct errbuf eb = ERRBUF_INIT;

	if (!v || parse_ll(v, 1, max, out, &eb) < 0) {
		fprintf(stderr, "mcp_farm: %s: %s\n", name,
			v ? eb.msg : "missing value");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static struct worker ws[FARM_MAX_THREADS];
	long long nports = 4, nthreads = 2, v;
	int i, port;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--servers") == 0 &&
		    opt_num(a, val, 100000000, &v) == 0)
			nservers = (unsigned long)v;
		else if (strcmp(a, "--tools") == 0 &&
			 opt_num(a, val, 1000, &v) == 0)
			ntools = (unsigned)v;
		else if (strcmp(a, "--ports") == 0 &&
			 opt_num(a, val, FARM_MAX_PORTS, &v) == 0)
			nports = v;
		else if (strcmp(a, "--threads") == 0 &&
			 opt_num(a, val, FARM_MAX_THREADS, &v) == 0)
			nthreads = v;
		else {
			fputs(usage_text, stderr);
			return 2;
		}
		i++;
	}
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < nthreads; i++) {
		ws[i].ep = epoll_create1(EPOLL_CLOEXEC);
		if (ws[i].ep < 0) {
			perror("mcp_farm: epoll_create1");
			return 1;
		}
	}
	fputs("ports", stdout);
	for (i = 0; i < nports; i++) {
		struct worker *w = &ws[i % nthreads];
		struct epoll_event ev = { 0 };
		int fd = listen_loopback(&port);

		if (fd < 0) {
			perror("mcp_farm: listen on 127.0.0.1");
			return 1;
		}
		w->lfds[w->nl] = fd;
		ev.events = EPOLLIN;
		ev.data.ptr = &w->lfds[w->nl++];
		epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev);
		printf(" %d", port);
	}
	putchar('\n');
	fflush(stdout);
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
			fputs("mcp_farm: cannot start a thread\n", stderr);
			return 1;
		}
	for (;;)
		pause(); /* until a signal ends the process */
}
