/*
 * The crawl event loop: libcurl's multi interface for every HTTP transfer
 * and the stdio children's pipes as extra descriptors of the same
 * curl_multi_poll() call, so one thread serves many servers.  Results are
 * built and handed out on completion, outside every curl callback.
 */
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "crawler/crawler.h"
#include "crawler/http.h"
#include "crawler/session.h"
#include "crawler/stdio.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest single wait of the loop, so deadlines are noticed. */
#define CRAWLER_MAX_WAIT_MS 1000

struct job {
	const struct target *t;
	size_t index;
	struct session *s;
	struct stdio_proc *proc;  /* stdio transport or NULL */
	struct http_conn *http;   /* HTTP transports or NULL */
	long long started;
	long long deadline;       /* end of the time budget */
	bool tearing_down;        /* stdio: reaping the child */
	struct crawl_result res;  /* filled when the session ends */
};

struct crawler {
	struct crawler_opts o;
	CURLM *multi;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct crawler *
crawler_new(const struct crawler_opts *opts, struct errbuf *eb)
{
	struct crawler *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		errbuf_set(eb, "cannot initialise libcurl");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->o = *opts;
	if (!c->o.jobs)
		c->o.jobs = 8;
	if (!c->o.max_host_conns)
		c->o.max_host_conns = 4;
	if (!c->o.budget_ms)
		c->o.budget_ms = 30000;
	if (!c->o.connect_ms)
		c->o.connect_ms = 10000;
	if (!c->o.low_speed_secs)
		c->o.low_speed_secs = 20;
	if (!c->o.stdio_grace_ms)
		c->o.stdio_grace_ms = 1000;
	if (!c->o.max_retries)
		c->o.max_retries = 3;
	if (!c->o.retry_max_ms)
		c->o.retry_max_ms = 30000;
	c->multi = curl_multi_init();
	if (!c->multi) {
		errbuf_set(eb, "cannot initialise libcurl");
		free(c);
		curl_global_cleanup();
		return NULL;
	}
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  c->o.max_host_conns);
	return c;
}

void
crawler_free(struct crawler *c)
{
	if (!c)
		return;
	curl_multi_cleanup(c->multi);
	free(c);
	curl_global_cleanup();
}

static void
on_line(void *ctx, const char *line, size_t len)
{
	struct job *j = ctx;

	session_receive_text(j->s, line, len, true);
}

static void
stdio_flush(struct job *j)
{
	json_t *m;

	while ((m = session_next(j->s))) {
		char *text = json_text(m, JSON_COMPACT);

		if (text) {
			stdio_send(j->proc, text, strlen(text));
			free(text);
		}
		json_decref(m);
	}
}

/* Start crawling target t; false when it finished at once (result set). */
static bool
job_start(struct crawler *c, struct job *j, long long now)
{
	struct errbuf eb = ERRBUF_INIT;
	const struct target *t = j->t;

	j->started = now;
	j->deadline = now + c->o.budget_ms;
	if (t->preset_status) {
		j->res.status = CRAWL_PRESET;
		j->res.preset_status = t->preset_status;
		errbuf_set(&j->res.error, "%s",
			   t->preset_error ? t->preset_error : "");
		return false;
	}
	if (t->transport == TRANSPORT_MANIFEST) {
		j->res.status = CRAWL_SKIPPED;
		errbuf_set(&j->res.error, "saved manifest: nothing to crawl");
		return false;
	}
	j->s = session_new(t->name ? t->name : "",
			   t->transport == TRANSPORT_STDIO ? "stdio"
							    : "streamable-http");
	if (t->transport == TRANSPORT_STDIO) {
		j->proc = stdio_spawn(t, &eb);
		if (!j->proc) {
			session_fail(j->s, CRAWL_SPAWN_FAILED, "%s", eb.msg);
			return false;
		}
		stdio_flush(j);
		return true;
	}
	struct http_settings hs = {
		.allow_private = c->o.allow_private,
		.connect_ms = c->o.connect_ms,
		.low_speed_secs = c->o.low_speed_secs,
		.max_retries = c->o.max_retries,
		.retry_max_ms = c->o.retry_max_ms,
	};
	j->http = http_new(c->multi, t, j->s, &hs, now, j->deadline);
	return true;
}

/* The session of a stdio job ended: explain an early exit, start reaping. */
static void
stdio_end(struct crawler *c, struct job *j, long long now)
{
	if (!session_done(j->s) && stdio_eof(j->proc)) {
		const char *tail = stdio_stderr_tail(j->proc);
		long long wait_until = now + 200;
		const char *why;

		/* Give the exit status a moment to become visible. */
		while (strcmp(stdio_exit_text(j->proc), "still running") == 0 &&
		       now_ms() < wait_until)
			usleep(5000);
		why = stdio_exit_text(j->proc);
		session_fail(j->s,
			     session_initialized(j->s) ? CRAWL_PROTOCOL_ERROR
						       : CRAWL_SPAWN_FAILED,
			     "server closed stdout before the %s response "
			     "(%s)%s%s",
			     session_waiting_for(j->s), why,
			     *tail ? ": " : "", tail);
	}
	stdio_shutdown(j->proc, now, c->o.stdio_grace_ms);
	j->tearing_down = true;
}

static void
job_finish_result(struct job *j, long long now)
{
	if (j->s)
		session_take_result(j->s, &j->res);
	j->res.elapsed_ms = now - j->started;
}

static void
job_release(struct job *j)
{
	http_free(j->http);
	stdio_free(j->proc);
	session_free(j->s);
	crawl_result_release(&j->res);
	memset(j, 0, sizeof(*j));
}

static void
report(struct job *j, crawler_result_fn fn, void *ctx,
       struct crawl_progress *pg)
{
	if (j->res.status == CRAWL_OK)
		pg->ok++;
	else
		pg->failed++;
	pg->done++;
	fn(ctx, j->t, j->index, &j->res);
}

int
crawler_run(struct crawler *c, const struct target_list *l,
	    crawler_result_fn fn, void *ctx, struct errbuf *eb)
{
	struct crawl_progress pg = { 0, l->n, 0, 0, 0 };
	struct job *jobs = xcalloc(c->o.jobs, sizeof(*jobs));
	struct curl_waitfd *wfd = xcalloc((size_t)c->o.jobs * 3,
					  sizeof(*wfd));
	size_t *wjob = xcalloc((size_t)c->o.jobs * 3, sizeof(*wjob));
	struct sigaction ign, old;
	size_t next = 0, i;
	int ret = -1;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	for (;;) {
		long long now = now_ms(), wake = now + CRAWLER_MAX_WAIT_MS;
		unsigned nw = 0;
		int running, numfds, msgs;
		CURLMsg *msg;

		/* Fill free slots. */
		for (i = 0; i < c->o.jobs && next < l->n; i++) {
			struct job *j = &jobs[i];

			if (j->t)
				continue;
			j->t = &l->v[next];
			j->index = next++;
			if (!job_start(c, j, now)) {
				job_finish_result(j, now);
				report(j, fn, ctx, &pg);
				job_release(j);
				i--; /* reuse the slot at once */
				continue;
			}
			pg.active++;
			if (c->o.progress)
				c->o.progress(c->o.progress_ctx, &pg);
		}
		if (pg.active == 0 && next >= l->n)
			break;
		/* Collect stdio descriptors and the next deadline. */
		for (i = 0; i < c->o.jobs; i++) {
			struct job *j = &jobs[i];
			struct pollfd pfd[3];
			size_t k, n;
			long long w;

			if (!j->t)
				continue;
			if (j->proc && !j->tearing_down) {
				n = stdio_pollfds(j->proc, pfd);
				for (k = 0; k < n; k++) {
					wfd[nw].fd = pfd[k].fd;
					wfd[nw].events = pfd[k].events;
					wfd[nw].revents = 0;
					wjob[nw++] = i;
				}
			}
			if (j->deadline < wake)
				wake = j->deadline;
			if (j->http && (w = http_wake(j->http)) >= 0 && w < wake)
				wake = w;
			if (j->tearing_down &&
			    !stdio_reap(j->proc, now, &w) && w < wake)
				wake = w;
		}
		if (curl_multi_poll(c->multi, wfd, nw,
				    (int)(wake > now ? wake - now : 0),
				    &numfds) != CURLM_OK) {
			errbuf_set(eb, "curl_multi_poll failed");
			goto out;
		}
		curl_multi_perform(c->multi, &running);
		now = now_ms();
		while ((msg = curl_multi_info_read(c->multi, &msgs)))
			if (msg->msg == CURLMSG_DONE)
				http_on_done(msg->easy_handle, msg->data.result,
					     now);
		/* stdio I/O, per job. */
		for (i = 0; i < nw; i++) {
			struct job *j = &jobs[wjob[i]];
			struct pollfd pfd[3];
			size_t k = 0, first = i;
			enum crawl_status st = CRAWL_PROTOCOL_ERROR;
			struct errbuf ioerr = ERRBUF_INIT;

			while (i < nw && wjob[i] == wjob[first] && k < 3) {
				pfd[k] = (struct pollfd){ wfd[i].fd,
							  wfd[i].events,
							  wfd[i].revents };
				k++;
				i++;
			}
			i--;
			if (j->tearing_down || !j->proc)
				continue;
			if (stdio_io(j->proc, pfd, k, on_line, j, &st,
				     &ioerr) < 0)
				session_fail(j->s, st, "%s", ioerr.msg);
		}
		/* Advance every job. */
		for (i = 0; i < c->o.jobs; i++) {
			struct job *j = &jobs[i];
			long long w;

			if (!j->t)
				continue;
			if (!j->tearing_down && now >= j->deadline &&
			    !session_done(j->s) &&
			    !(j->http && http_expire(j->http))) {
				const char *what = session_waiting_for(j->s);

				session_fail(j->s, CRAWL_TIMEOUT,
					     "no %s response within %lld s",
					     what ? what : "",
					     c->o.budget_ms / 1000);
			}
			if (j->http) {
				http_pump(j->http, now);
				if (!http_finished(j->http))
					continue;
			} else if (j->proc) {
				if (!j->tearing_down) {
					stdio_flush(j);
					if (session_done(j->s) ||
					    stdio_eof(j->proc))
						stdio_end(c, j, now);
					else
						continue;
				}
				if (!stdio_reap(j->proc, now, &w))
					continue;
			}
			job_finish_result(j, now);
			pg.active--;
			report(j, fn, ctx, &pg);
			job_release(j);
			if (c->o.progress)
				c->o.progress(c->o.progress_ctx, &pg);
		}
	}
	ret = 0;
out:
	for (i = 0; i < c->o.jobs; i++)
		if (jobs[i].t)
			job_release(&jobs[i]);
	sigaction(SIGPIPE, &old, NULL);
	free(jobs);
	free(wfd);
	free(wjob);
	return ret;
}
