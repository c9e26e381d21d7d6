/*
 * Streamable HTTP and legacy HTTP+SSE for the MCP client on a libcurl
 * multi handle.  Callbacks only capture headers, count bytes against the
 * caps and frame SSE events into an inbox; parsing, session logic,
 * retries and fallbacks run on the loop thread in http_pump/http_on_done.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "crawler/http.h"
#include "crawler/jsonrpc.h"
#include "crawler/sse.h"
#include "util/addr.h"
#include "util/buf.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

#ifndef MCPRISK_VERSION
#define MCPRISK_VERSION "0.1.0"
#endif

/* Longest captured header value (session id, WWW-Authenticate...). */
#define HTTP_MAX_HEADER_VALUE 4096
/* Longest session id accepted. */
#define HTTP_MAX_SESSION_ID 1024
/* Base of the exponential backoff between retries. */
#define HTTP_BACKOFF_MS 250
/* Most events waiting in a connection's inbox. */
#define HTTP_MAX_INBOX 4096

enum mode {
	M_PROBE,      /* auto: POST initialize, fall back on 400/404/405 */
	M_STREAMABLE, /* Streamable HTTP */
	M_LEGACY,     /* HTTP+SSE */
};

enum kind { R_POST, R_STREAM, R_DELETE };
enum ctype { CT_UNKNOWN, CT_JSON, CT_SSE, CT_OTHER };

struct http_req;

struct event {
	char *type;   /* SSE event type, or NULL for a JSON body */
	char *data;   /* event data or body (NUL-terminated) */
	size_t len;
};

struct http_conn {
	CURLM *multi;           /* borrowed */
	const struct target *t; /* borrowed */
	struct session *s;      /* borrowed */
	struct http_settings o;
	enum mode mode;
	bool forced_sse;        /* transport sse: no probe */
	bool check_addr;        /* learned target: public addresses only */
	long long deadline;
	char *url;              /* the MCP endpoint or SSE URL */
	char *endpoint;         /* legacy: where messages are POSTed */
	char *session_id;       /* Streamable: Mcp-Session-Id */
	bool reinit_done;       /* the one re-initialize was used */
	long probe_status;      /* status of the probing POST */
	struct http_req *reqs;  /* every live request (linked) */
	json_t *held;           /* next ordered message, waiting its turn */
	struct http_req *ordered; /* in-flight ordered POST or NULL */
	struct http_req *stream;  /* legacy GET stream */
	struct event *inbox;
	size_t ninbox, capinbox;
	bool delete_sent, finished;
	/* The last failure that was retried: what the server is reported
	   for if the time budget runs out before a retry succeeds. */
	enum crawl_status retried_status; /* CRAWL_OK: none */
	unsigned retries;
	char retried_why[512];
};

struct http_req {
	struct http_conn *c;
	struct http_req *next;
	CURL *easy;
	enum kind kind;
	char *url;
	char *body;             /* POST body (owned) */
	long long msg_id;       /* id of the request carried, or -1 */
	bool is_init;
	bool sent_session;      /* carried Mcp-Session-Id */
	struct curl_slist *hdrs;
	bool in_multi;
	long long retry_at;     /* > 0: waiting to be retried then */
	unsigned attempts;
	/* Filled by callbacks for the current attempt. */
	long status;
	enum ctype ctype;
	char ctype_raw[128];
	char *session_hdr, *www_auth, *retry_after;
	size_t hdr_bytes, body_bytes;
	struct buf data;        /* JSON body, or the start of an error body */
	struct sse *sse;
	bool too_large, bad_stream, blocked;
	char fail[ERRBUF_SIZE]; /* reason for too_large/bad_stream */
	char blocked_addr[64];
	char curl_err[CURL_ERROR_SIZE];
};

static long long
remaining(const struct http_conn *c, long long now)
{
	return c->deadline - now > 1 ? c->deadline - now : 1;
}

/* ---- callbacks: capture and count only ---- */

static void
inbox_push(struct http_conn *c, const char *type, const char *data,
	   size_t len)
{
	struct event *e;

	if (c->ninbox == c->capinbox) {
		c->capinbox = c->capinbox ? c->capinbox * 2 : 8;
		c->inbox = xreallocarray(c->inbox, c->capinbox,
					 sizeof(*c->inbox));
	}
	e = &c->inbox[c->ninbox++];
	e->type = type ? xstrdup(type) : NULL;
	e->data = xstrndup(data, len);
	e->len = len;
}

static int
on_sse_event(void *ctx, const char *type, const char *data, size_t len,
	     const char *id, struct errbuf *eb)
{
	struct http_req *r = ctx;

	(void)id;
	if (r->c->ninbox >= HTTP_MAX_INBOX) {
		errbuf_set(eb, "more than %d unprocessed SSE events",
			   HTTP_MAX_INBOX);
		return -1;
	}
	inbox_push(r->c, type, data, len);
	return 0;
}

static char *
header_value(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' ||
		     p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n > HTTP_MAX_HEADER_VALUE)
		n = HTTP_MAX_HEADER_VALUE;
	return xstrndup(p, n);
}

static bool
header_is(const char *line, size_t n, const char *name, size_t *vstart)
{
	size_t k = strlen(name);

	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return false;
	*vstart = k + 1;
	return true;
}

static void
reset_capture(struct http_req *r)
{
	free(r->session_hdr);
	free(r->www_auth);
	free(r->retry_after);
	r->session_hdr = r->www_auth = r->retry_after = NULL;
	r->ctype_raw[0] = '\0';
}

static size_t
header_cb(char *line, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb, v;
	char **slot = NULL;

	r->hdr_bytes += n;
	if (r->hdr_bytes > HTTP_MAX_HEADERS) {
		r->too_large = true;
		snprintf(r->fail, sizeof(r->fail),
			 "response headers exceed %zu bytes", HTTP_MAX_HEADERS);
		return 0;
	}
	if (n > 5 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n);

		reset_capture(r);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		return n;
	}
	if (header_is(line, n, "content-type", &v)) {
		char *val = header_value(line + v, n - v);

		snprintf(r->ctype_raw, sizeof(r->ctype_raw), "%s", val);
		free(val);
		return n;
	}
	if (header_is(line, n, "mcp-session-id", &v))
		slot = &r->session_hdr;
	else if (header_is(line, n, "www-authenticate", &v))
		slot = &r->www_auth;
	else if (header_is(line, n, "retry-after", &v))
		slot = &r->retry_after;
	if (slot) {
		free(*slot);
		*slot = header_value(line + v, n - v);
	}
	return n;
}

/* Media-type essence match: "text/event-stream; charset=utf-8". */
static bool
ctype_is(const char *raw, const char *essence)
{
	size_t k = strlen(essence);

	return strncasecmp(raw, essence, k) == 0 &&
	       (raw[k] == '\0' || raw[k] == ';' || raw[k] == ' ');
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct http_req *r = ud;
	size_t n = size * nmemb;
	struct errbuf eb = ERRBUF_INIT;

	/* Decoded bytes: a compressed bomb is stopped here. */
	r->body_bytes += n;
	if (r->body_bytes > HTTP_MAX_BODY) {
		r->too_large = true;
		snprintf(r->fail, sizeof(r->fail),
			 "response body exceeds %zu bytes", HTTP_MAX_BODY);
		return 0;
	}
	if (r->ctype == CT_UNKNOWN) {
		bool ok = r->status >= 200 && r->status < 300;

		if (ok && ctype_is(r->ctype_raw, "text/event-stream")) {
			r->ctype = CT_SSE;
			r->sse = sse_new(HTTP_MAX_BODY, HTTP_MAX_BODY,
					 on_sse_event, r);
		} else if (ok && ctype_is(r->ctype_raw, "application/json")) {
			r->ctype = CT_JSON;
		} else {
			r->ctype = CT_OTHER;
		}
	}
	switch (r->ctype) {
	case CT_SSE:
		if (sse_feed(r->sse, p, n, &eb) < 0) {
			r->bad_stream = true;
			snprintf(r->fail, sizeof(r->fail), "%s", eb.msg);
			return 0;
		}
		break;
	case CT_JSON:
		if (buf_append(&r->data, p, n) < 0) {
			r->too_large = true;
			snprintf(r->fail, sizeof(r->fail),
				 "response body exceeds %zu bytes",
				 HTTP_MAX_BODY);
			return 0;
		}
		break;
	default:
		if (r->data.len < HTTP_MAX_ERROR_BODY)
			buf_append(&r->data, p,
				   n < HTTP_MAX_ERROR_BODY - r->data.len
					   ? n
					   : HTTP_MAX_ERROR_BODY - r->data.len);
		break;
	}
	return n;
}

static curl_socket_t
opensocket_cb(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_req *r = ud;

	(void)purpose;
	if (r->c->check_addr && !addr_is_public(&a->addr, a->addrlen)) {
		r->blocked = true;
		addr_format(&a->addr, a->addrlen, r->blocked_addr,
			    sizeof(r->blocked_addr));
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* ---- requests ---- */

static void
req_reset_attempt(struct http_req *r)
{
	reset_capture(r);
	buf_release(&r->data);
	buf_init(&r->data, HTTP_MAX_BODY);
	sse_free(r->sse);
	r->sse = NULL;
	r->status = 0;
	r->ctype = CT_UNKNOWN;
	r->hdr_bytes = r->body_bytes = 0;
	r->too_large = r->bad_stream = r->blocked = false;
	r->fail[0] = r->curl_err[0] = '\0';
}

static void
req_detach(struct http_req *r)
{
	if (r->in_multi) {
		curl_multi_remove_handle(r->c->multi, r->easy);
		r->in_multi = false;
	}
}

static void
req_free(struct http_req *r)
{
	struct http_req **pp;

	if (!r)
		return;
	for (pp = &r->c->reqs; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	if (r->c->ordered == r)
		r->c->ordered = NULL;
	if (r->c->stream == r)
		r->c->stream = NULL;
	req_detach(r);
	curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->hdrs);
	reset_capture(r);
	buf_release(&r->data);
	sse_free(r->sse);
	free(r->url);
	free(r->body);
	free(r);
}

static struct curl_slist *
add_header(struct curl_slist *l, const char *name, const char *value)
{
	char *h = xasprintf("%s: %s", name, value);
	struct curl_slist *n = curl_slist_append(l, h);

	memset(h, 0, strlen(h)); /* configured headers may be secrets */
	free(h);
	if (!n) {
		fputs("mcprisk: out of memory\n", stderr);
		exit(3);
	}
	return n;
}

static struct curl_slist *
build_headers(struct http_req *r)
{
	struct http_conn *c = r->c;
	struct curl_slist *l = NULL;
	size_t i;
	const char *ver = session_protocol_version(c->s);

	if (r->kind == R_POST) {
		l = add_header(l, "Content-Type", "application/json");
		l = add_header(l, "Accept",
			       "application/json, text/event-stream");
	} else if (r->kind == R_STREAM) {
		l = add_header(l, "Accept", "text/event-stream");
		l = add_header(l, "Cache-Control", "no-cache");
	}
	l = curl_slist_append(l, "Expect:");
	if (c->mode != M_LEGACY && c->session_id && !r->is_init) {
		l = add_header(l, "Mcp-Session-Id", c->session_id);
		r->sent_session = true;
	}
	if (c->mode == M_STREAMABLE && ver && !r->is_init)
		l = add_header(l, "MCP-Protocol-Version", ver);
	for (i = 0; i < c->t->nheaders; i++)
		l = add_header(l, c->t->headers[i].name,
			       c->t->headers[i].value ? c->t->headers[i].value
						      : "");
	return l;
}

static void
req_start(struct http_req *r, long long now)
{
	struct http_conn *c = r->c;
	CURL *e = r->easy;
	long long timeout = remaining(c, now);

	req_reset_attempt(r);
	r->retry_at = 0;
	r->attempts++;
	curl_easy_reset(e);
	curl_slist_free_all(r->hdrs);
	r->hdrs = build_headers(r);
	if (r->kind == R_DELETE)
		timeout = HTTP_DELETE_MS;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, HTTP_MAX_REDIRS);
	curl_easy_setopt(e, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "mcprisk/" MCPRISK_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(c->o.connect_ms < timeout ? c->o.connect_ms
							  : timeout));
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)timeout);
	if (r->kind != R_STREAM && c->o.low_speed_secs > 0) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 16L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
				 (long)c->o.low_speed_secs);
	}
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)HTTP_MAX_BODY);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_err);
	if (r->kind == R_POST) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE,
				 (long)strlen(r->body));
	} else if (r->kind == R_DELETE) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	}
	if (curl_multi_add_handle(c->multi, e) == CURLM_OK)
		r->in_multi = true;
	else
		session_fail(c->s, CRAWL_HTTP_ERROR, "cannot start request");
}

static struct http_req *
req_new(struct http_conn *c, enum kind kind, const char *url,
	const json_t *msg)
{
	struct http_req *r = xcalloc(1, sizeof(*r));

	r->c = c;
	r->kind = kind;
	r->url = xstrdup(url);
	r->msg_id = -1;
	buf_init(&r->data, HTTP_MAX_BODY);
	r->easy = curl_easy_init();
	if (!r->easy) {
		fputs("mcprisk: out of memory\n", stderr);
		exit(3);
	}
	if (msg) {
		const json_t *id = json_object_get(msg, "id");
		const char *m = jsonrpc_method(msg);

		r->body = json_text(msg, JSON_COMPACT);
		if (m && json_is_integer(id))
			r->msg_id = json_integer_value(id);
		r->is_init = m && strcmp(m, "initialize") == 0;
	}
	r->next = c->reqs;
	c->reqs = r;
	return r;
}

/* ---- parsing on the loop thread ---- */

static const char *
method_of(const struct http_req *r)
{
	if (r->kind == R_STREAM)
		return "GET";
	if (r->kind == R_DELETE)
		return "DELETE";
	return "POST";
}

/* Process every queued event; legacy endpoint events set the endpoint. */
static void
drain_inbox(struct http_conn *c)
{
	size_t i;

	for (i = 0; i < c->ninbox; i++) {
		struct event *e = &c->inbox[i];

		if (session_done(c->s))
			;
		else if (e->type && strcmp(e->type, "endpoint") == 0) {
			if (c->mode == M_LEGACY && !c->endpoint) {
				/* resolved in pump: keep the raw text */
				c->endpoint = xstrdup(e->data);
			}
		} else if (!e->type || strcmp(e->type, "message") == 0) {
			session_receive_text(c->s, e->data, e->len, false);
		}
		free(e->type);
		free(e->data);
	}
	c->ninbox = 0;
}

static char *
curl_url_part(CURLU *u, CURLUPart part)
{
	char *v = NULL, *copy;

	if (curl_url_get(u, part, &v, part == CURLUPART_PORT
					       ? CURLU_DEFAULT_PORT
					       : 0) != CURLUE_OK)
		return NULL;
	copy = xstrdup(v);
	curl_free(v);
	return copy;
}

/* Resolve the legacy endpoint against base; same origin only. */
static int
resolve_endpoint(struct http_conn *c, const char *base)
{
	CURLU *b = curl_url(), *u = curl_url();
	char *bs = NULL, *bh = NULL, *bp = NULL, *us = NULL, *uh = NULL,
	     *up = NULL, *full = NULL;
	int ret = -1;

	if (!b || !u || curl_url_set(b, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, c->endpoint, 0) != CURLUE_OK) {
		session_fail(c->s, CRAWL_PROTOCOL_ERROR,
			     "invalid endpoint event");
		goto out;
	}
	bs = curl_url_part(b, CURLUPART_SCHEME);
	bh = curl_url_part(b, CURLUPART_HOST);
	bp = curl_url_part(b, CURLUPART_PORT);
	us = curl_url_part(u, CURLUPART_SCHEME);
	uh = curl_url_part(u, CURLUPART_HOST);
	up = curl_url_part(u, CURLUPART_PORT);
	full = curl_url_part(u, CURLUPART_URL);
	if (!bs || !bh || !bp || !us || !uh || !up || !full ||
	    strcasecmp(bs, us) != 0 || strcasecmp(bh, uh) != 0 ||
	    strcmp(bp, up) != 0) {
		session_fail(c->s, CRAWL_PROTOCOL_ERROR,
			     "endpoint event points to another origin");
		goto out;
	}
	free(c->endpoint);
	c->endpoint = full;
	full = NULL;
	ret = 0;
out:
	free(bs);
	free(bh);
	free(bp);
	free(us);
	free(uh);
	free(up);
	free(full);
	curl_url_cleanup(b);
	curl_url_cleanup(u);
	return ret;
}

/* Split "Bearer k=v, k2="v 2"" into details. */
static void
parse_www_auth(json_t *d, const char *h)
{
	const char *p = h, *k, *v;
	size_t kn, vn;

	while (*p == ' ')
		p++;
	k = p;
	while (*p && *p != ' ' && *p != ',')
		p++;
	if (p > k)
		json_object_set_new(d, "scheme",
				    json_stringn_nocheck(k, (size_t)(p - k)));
	while (*p) {
		struct buf val = BUF_INIT(HTTP_MAX_HEADER_VALUE);
		char key[64];

		while (*p == ' ' || *p == ',')
			p++;
		k = p;
		while (*p && *p != '=' && *p != ',' && *p != ' ')
			p++;
		kn = (size_t)(p - k);
		if (*p != '=') {
			if (*p)
				p++;
			continue;
		}
		p++;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && p[1])
					p++;
				buf_putc(&val, *p++);
			}
			if (*p == '"')
				p++;
		} else {
			v = p;
			while (*p && *p != ',' && *p != ' ')
				p++;
			vn = (size_t)(p - v);
			buf_append(&val, v, vn);
		}
		if (kn > 0 && kn < sizeof(key)) {
			size_t i;

			for (i = 0; i < kn; i++)
				key[i] = (char)tolower((unsigned char)k[i]);
			key[kn] = '\0';
			if (strcmp(key, "resource_metadata") == 0 ||
			    strcmp(key, "scope") == 0 ||
			    strcmp(key, "error") == 0 ||
			    strcmp(key, "error_description") == 0 ||
			    strcmp(key, "realm") == 0)
				json_object_set_new(d, key,
						    json_string(buf_cstr(&val)));
		}
		buf_release(&val);
	}
}

static void
fail_auth(struct http_conn *c, struct http_req *r)
{
	json_t *d = session_details(c->s);
	const char *rm, *scheme;

	json_object_set_new(d, "http_status", json_integer(r->status));
	if (r->www_auth) {
		json_t *w = json_string(r->www_auth);

		if (w)
			json_object_set_new(d, "www_authenticate", w);
		parse_www_auth(d, r->www_auth);
	}
	rm = json_get_str(d, "resource_metadata");
	scheme = json_get_str(d, "scheme");
	session_fail(c->s, CRAWL_AUTH_REQUIRED, "HTTP %ld from %s %s%s%s%s%s",
		     r->status, method_of(r), r->url, scheme ? ": " : "",
		     scheme ? scheme : "", rm ? " resource_metadata=" : "",
		     rm ? rm : "");
}

/* A short printable excerpt of an error body. */
static void
body_excerpt(const struct http_req *r, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < r->data.len && n + 1 < outlen && n < 160; i++) {
		unsigned char ch = (unsigned char)r->data.data[i];

		out[n++] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	out[n] = '\0';
}

static void
fail_http(struct http_conn *c, struct http_req *r)
{
	char ex[200];

	body_excerpt(r, ex, sizeof(ex));
	json_object_set_new(session_details(c->s), "http_status",
			    json_integer(r->status));
	session_fail(c->s, CRAWL_HTTP_ERROR, "HTTP %ld from %s %s%s%s",
		     r->status, method_of(r), r->url, *ex ? ": " : "", ex);
}

/* Retry-After in ms (seconds or an HTTP date), or -1. */
static long long
retry_after_ms(const char *h)
{
	char *end;
	long long s;
	time_t when;

	if (!h || !*h)
		return -1;
	s = strtoll(h, &end, 10);
	if (end != h && *end == '\0' && s >= 0)
		return s > 86400 ? 86400000 : s * 1000;
	when = curl_getdate(h, NULL);
	if (when < 0)
		return -1;
	s = (long long)(when - time(NULL));
	return s < 0 ? 0 : s * 1000;
}

/* Schedule another attempt; false when none is left or it cannot fit. */
static bool
schedule_retry(struct http_conn *c, struct http_req *r, long long now,
	       enum crawl_status st, const char *why)
{
	long long wait = retry_after_ms(r->retry_after), base;

	if (r->attempts > c->o.max_retries)
		return false;
	if (wait < 0) {
		base = (long long)HTTP_BACKOFF_MS << (r->attempts - 1);
		wait = base + (long long)(random() % (base > 0 ? base : 1));
	}
	if (wait > c->o.retry_max_ms || now + wait >= c->deadline) {
		session_fail(c->s, st,
			     "%s from %s %s; retry in %lld ms does not fit the "
			     "time budget", why, method_of(r), r->url, wait);
		return true;
	}
	req_detach(r);
	r->retry_at = now + wait;
	c->retried_status = st;
	c->retries++;
	snprintf(c->retried_why, sizeof(c->retried_why), "%s from %s %s", why,
		 method_of(r), r->url);
	json_object_set_new(session_details(c->s), "retries",
			    json_integer(c->retries));
	return true;
}

static void start_stream(struct http_conn *c, long long now);

static void
on_post_done(struct http_conn *c, struct http_req *r, long long now)
{
	long st = r->status;

	if (st == 401 || st == 403) {
		fail_auth(c, r);
		return;
	}
	if (st == 429 || st == 503) {
		char why[32];

		snprintf(why, sizeof(why), "HTTP %ld", st);
		if (schedule_retry(c, r, now, CRAWL_HTTP_ERROR, why))
			return;
		fail_http(c, r);
		return;
	}
	if (r->is_init && c->mode == M_PROBE) {
		if (st == 400 && r->ctype == CT_OTHER && r->data.len) {
			json_t *j = json_loadb(r->data.data, r->data.len, 0,
					       NULL);
			json_t *e = json_object_get(j, "error");
			long long code =
				json_integer_value(json_object_get(e, "code"));

			if (code >= -32022 && code <= -32020) {
				json_decref(j);
				session_fail(c->s, CRAWL_PROTOCOL_TOO_NEW,
					     "HTTP 400 from POST %s: server "
					     "refuses protocol %s",
					     r->url, SESSION_PROTOCOL_VERSION);
				return;
			}
			json_decref(j);
		}
		if (st == 400 || st == 404 || st == 405) {
			c->probe_status = st;
			c->mode = M_LEGACY;
			session_set_transport(c->s, "sse");
			session_restart(c->s);
			start_stream(c, now);
			return;
		}
	}
	if ((st == 400 || st == 404) && r->sent_session && !r->is_init &&
	    c->mode == M_STREAMABLE) {
		if (c->reinit_done) {
			fail_http(c, r);
			return;
		}
		/* The server lost our session: start again, once. */
		c->reinit_done = true;
		free(c->session_id);
		c->session_id = NULL;
		json_decref(c->held);
		c->held = NULL;
		session_restart(c->s);
		return;
	}
	if (st < 200 || st >= 300) {
		fail_http(c, r);
		return;
	}
	if (r->is_init && c->mode == M_PROBE) {
		c->mode = M_STREAMABLE;
		session_set_transport(c->s, "streamable-http");
	}
	if (r->is_init && c->mode == M_STREAMABLE && r->session_hdr) {
		const char *p;

		for (p = r->session_hdr; *p; p++)
			if (*p < 0x21 || *p > 0x7e)
				break;
		if (*p || p == r->session_hdr ||
		    strlen(r->session_hdr) > HTTP_MAX_SESSION_ID) {
			session_fail(c->s, CRAWL_PROTOCOL_ERROR,
				     "invalid Mcp-Session-Id");
			return;
		}
		free(c->session_id);
		c->session_id = xstrdup(r->session_hdr);
	}
	if (r->ctype == CT_JSON)
		session_receive_text(c->s, buf_cstr(&r->data), r->data.len,
				     false);
	else if (r->ctype == CT_OTHER && r->data.len && r->msg_id >= 0 &&
		 c->mode != M_LEGACY) {
		session_fail(c->s, CRAWL_PROTOCOL_ERROR,
			     "POST %s: unexpected content type '%s'", r->url,
			     r->ctype_raw);
		return;
	}
}

static bool
still_waiting_for(struct http_conn *c, long long id)
{
	return !session_done(c->s) && session_waiting_id(c->s) == id;
}

static void
on_stream_done(struct http_conn *c, struct http_req *r)
{
	long st = r->status;

	if (st == 401 || st == 403) {
		fail_auth(c, r);
		return;
	}
	if (st != 200 || r->ctype != CT_SSE) {
		if (c->probe_status)
			session_fail(c->s, CRAWL_TRANSPORT_UNSUPPORTED,
				     "neither Streamable HTTP (POST: HTTP %ld) "
				     "nor HTTP+SSE (GET: HTTP %ld%s%s)",
				     c->probe_status, st,
				     st == 200 ? ", " : "",
				     st == 200 ? r->ctype_raw : "");
		else
			fail_http(c, r);
		return;
	}
	session_fail(c->s, CRAWL_PROTOCOL_ERROR,
		     "SSE stream closed before the %s response",
		     session_waiting_for(c->s) ? session_waiting_for(c->s)
					       : "expected");
}

struct http_conn *
http_on_done(CURL *easy, CURLcode code, long long now)
{
	struct http_req *r = NULL;
	struct http_conn *c;
	const char *cerr;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&r);
	c = r->c;
	r->in_multi = false;
	curl_multi_remove_handle(c->multi, easy);
	drain_inbox(c);
	cerr = r->curl_err[0] ? r->curl_err : curl_easy_strerror(code);
	if (r->kind == R_DELETE || session_done(c->s)) {
		req_free(r);
		return c;
	}
	if (r->blocked) {
		session_fail(c->s, CRAWL_BLOCKED,
			     "%s resolves to %s, which is not a public "
			     "address", r->url, r->blocked_addr);
	} else if (r->too_large) {
		session_fail(c->s, CRAWL_TOO_LARGE, "%s %s: %s", method_of(r),
			     r->url, r->fail);
	} else if (r->bad_stream) {
		session_fail(c->s, CRAWL_PROTOCOL_ERROR, "%s %s: %s",
			     method_of(r), r->url, r->fail);
	} else if (code == CURLE_OPERATION_TIMEDOUT) {
		if (!http_expire(c))
			session_fail(c->s, CRAWL_TIMEOUT, "%s %s: %s",
				     method_of(r), r->url, cerr);
	} else if (code == CURLE_UNSUPPORTED_PROTOCOL ||
		   code == CURLE_TOO_MANY_REDIRECTS) {
		session_fail(c->s, CRAWL_HTTP_ERROR, "%s %s: %s", method_of(r),
			     r->url, cerr);
	} else if (code == CURLE_FILESIZE_EXCEEDED) {
		session_fail(c->s, CRAWL_TOO_LARGE, "%s %s: %s", method_of(r),
			     r->url, cerr);
	} else if (code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
		   code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE) {
		if (r->kind == R_STREAM ||
		    !schedule_retry(c, r, now, CRAWL_PROTOCOL_ERROR, cerr))
			session_fail(c->s, CRAWL_PROTOCOL_ERROR, "%s %s: %s",
				     method_of(r), r->url, cerr);
		if (r->retry_at)
			return c;
	} else if (code == CURLE_COULDNT_RESOLVE_HOST ||
		   code == CURLE_COULDNT_CONNECT ||
		   code == CURLE_SSL_CONNECT_ERROR ||
		   code == CURLE_PEER_FAILED_VERIFICATION) {
		session_fail(c->s, CRAWL_UNREACHABLE, "%s %s: %s", method_of(r),
			     r->url, cerr);
	} else if (code != CURLE_OK) {
		session_fail(c->s, CRAWL_HTTP_ERROR, "%s %s: %s", method_of(r),
			     r->url, cerr);
	} else if (r->kind == R_STREAM) {
		on_stream_done(c, r);
	} else {
		on_post_done(c, r, now);
		if (r->retry_at)
			return c;
		if (c->mode == M_STREAMABLE && r->msg_id >= 0 &&
		    !session_done(c->s) && still_waiting_for(c, r->msg_id))
			session_fail(c->s, CRAWL_PROTOCOL_ERROR,
				     "POST %s: reply ended without the %s "
				     "response", r->url,
				     session_waiting_for(c->s));
	}
	req_free(r);
	return c;
}

/* ---- driving ---- */

static void
start_stream(struct http_conn *c, long long now)
{
	c->stream = req_new(c, R_STREAM, c->url, NULL);
	req_start(c->stream, now);
}

static void
post(struct http_conn *c, json_t *msg, long long now)
{
	const char *url = c->mode == M_LEGACY ? c->endpoint : c->url;
	struct http_req *r = req_new(c, R_POST, url, msg);
	enum jsonrpc_kind k = jsonrpc_classify(msg);

	if (k != JSONRPC_RESPONSE)
		c->ordered = r;
	req_start(r, now);
}

static void
teardown(struct http_conn *c, long long now)
{
	struct http_req *r, *next;

	for (r = c->reqs; r; r = next) {
		next = r->next;
		if (r->kind != R_DELETE)
			req_free(r);
	}
	json_decref(c->held);
	c->held = NULL;
	if (c->mode == M_STREAMABLE && c->session_id && !c->delete_sent) {
		c->delete_sent = true;
		req_start(req_new(c, R_DELETE, c->url, NULL), now);
	}
	if (!c->reqs)
		c->finished = true;
}

void
http_pump(struct http_conn *c, long long now)
{
	struct http_req *r, *next;

	if (c->finished)
		return;
	drain_inbox(c);
	if (!session_done(c->s) && c->mode == M_LEGACY && c->endpoint &&
	    !strstr(c->endpoint, "://")) {
		char *eff = NULL;

		curl_easy_getinfo(c->stream ? c->stream->easy : NULL,
				  CURLINFO_EFFECTIVE_URL, &eff);
		resolve_endpoint(c, eff ? eff : c->url);
	}
	if (session_done(c->s)) {
		teardown(c, now);
		return;
	}
	/* A request whose answer arrived needs its stream no longer. */
	for (r = c->reqs; r; r = next) {
		next = r->next;
		if (r->kind == R_POST && r->msg_id >= 0 && !r->retry_at &&
		    c->mode != M_LEGACY && !still_waiting_for(c, r->msg_id))
			req_free(r);
	}
	for (r = c->reqs; r; r = r->next)
		if (r->retry_at && r->retry_at <= now)
			req_start(r, now);
	if (c->mode == M_LEGACY && !c->endpoint)
		return; /* nothing can be sent before the endpoint event */
	for (;;) {
		json_t *m = c->held ? c->held : session_next(c->s);

		c->held = NULL;
		if (!m)
			break;
		if (jsonrpc_classify(m) != JSONRPC_RESPONSE && c->ordered) {
			c->held = m; /* one ordered message at a time */
			break;
		}
		post(c, m, now);
		json_decref(m);
	}
}

bool
http_expire(struct http_conn *c)
{
	if (c->retried_status == CRAWL_OK || session_done(c->s))
		return false;
	session_fail(c->s, c->retried_status,
		     "%s; retried %u time%s before the time budget ran out",
		     c->retried_why, c->retries, c->retries == 1 ? "" : "s");
	return true;
}

long long
http_wake(const struct http_conn *c)
{
	const struct http_req *r;
	long long w = -1;

	for (r = c->reqs; r; r = r->next)
		if (r->retry_at && (w < 0 || r->retry_at < w))
			w = r->retry_at;
	return w;
}

bool
http_finished(const struct http_conn *c)
{
	return c->finished;
}

static bool
header_ok(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

struct http_conn *
http_new(CURLM *multi, const struct target *t, struct session *s,
	 const struct http_settings *o, long long now, long long deadline)
{
	struct http_conn *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->multi = multi;
	c->t = t;
	c->s = s;
	c->o = *o;
	c->deadline = deadline;
	c->url = xstrdup(t->url);
	c->check_addr = t->learned && !o->allow_private;
	c->forced_sse = t->transport == TRANSPORT_SSE;
	c->mode = t->transport == TRANSPORT_STREAMABLE ? M_STREAMABLE
		  : c->forced_sse			 ? M_LEGACY
							 : M_PROBE;
	session_set_transport(s, c->mode == M_LEGACY ? "sse"
						     : "streamable-http");
	if (!t->url || (strncasecmp(t->url, "http://", 7) != 0 &&
			strncasecmp(t->url, "https://", 8) != 0)) {
		session_fail(s, CRAWL_TRANSPORT_UNSUPPORTED,
			     "not an http or https URL");
		return c;
	}
	for (i = 0; i < t->nheaders; i++)
		if (!header_ok(t->headers[i].name) ||
		    !header_ok(t->headers[i].value ? t->headers[i].value
						   : "")) {
			session_fail(s, CRAWL_HTTP_ERROR,
				     "header '%s' contains a line break",
				     t->headers[i].name ? t->headers[i].name
							: "");
			return c;
		}
	if (c->mode == M_LEGACY) {
		json_t *held = session_next(s);

		c->held = held; /* initialize waits for the endpoint */
		start_stream(c, now);
	}
	http_pump(c, now);
	return c;
}

void
http_free(struct http_conn *c)
{
	size_t i;

	if (!c)
		return;
	while (c->reqs)
		req_free(c->reqs);
	for (i = 0; i < c->ninbox; i++) {
		free(c->inbox[i].type);
		free(c->inbox[i].data);
	}
	free(c->inbox);
	json_decref(c->held);
	free(c->url);
	free(c->endpoint);
	free(c->session_id);
	free(c);
}
