/*
 * Shared write path of import and refresh (see ingest.h).  The run row is
 * created on the first write, so an import of files the catalog already
 * holds leaves the database untouched.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "classifier/verdict.h"
#include "cli/ingest.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Servers per transaction when importing saved manifests. */
#define INGEST_IMPORT_BATCH 1024
/* A refresh commits every this many servers, or this often, whichever
   comes first: a commit per server dominated a fast crawl, and a crash
   loses at most this much work (never half a server, never old tools). */
#define INGEST_REFRESH_BATCH 1024
#define INGEST_REFRESH_FLUSH_MS 1000
/* A refresh commits every second, so its cache needs little more than
   the pages a second of servers touch; filling a larger one cost more
   than it saved (a cold crawl of 10,000 servers x 20 tools: 5.0-5.1 s
   with 128 MiB, 4.4-4.7 s with 32 MiB, and half the memory). */
#define INGEST_REFRESH_CACHE_KIB (32 * 1024)

struct ingest {
	struct app *app;
	struct store *st;
	char *kind;
	int64_t run;       /* -1 until the first write */
	struct rules *rules; /* the rule set new definitions are classified
				with (borrowed from app) */
	int classified;    /* definitions classified in this run */
	int servers_new;   /* servers stored for the first time */
	int tools_new;     /* tools of those servers (not "added": a new
			      server records no per-tool change) */
	int files_skipped; /* unchanged files not even parsed */
	long long flushed_ms; /* refresh: last commit (monotonic ms) */
	struct run_stats stats;
	struct writer *writer; /* background writes, or NULL */
};

/* Set on the background writer's thread, where ingest_failure() and
   ingest_manifest_take() write instead of queueing. */
static __thread bool on_writer_thread;

struct ingest *
ingest_new(struct app *app, const char *kind)
{
	struct ingest *ing;
	struct store *st = app_store(app, false);

	if (!st)
		return NULL;
	ing = xcalloc(1, sizeof(*ing));
	ing->app = app;
	ing->st = st;
	/* Load the rules first: a broken rule set should stop the run before
	   anything is written, not after. */
	ing->rules = app_rules(app);
	if (!ing->rules) {
		free(ing);
		return NULL;
	}
	ing->kind = xstrdup(kind);
	ing->run = -1;
	/* Saved manifests come fast: amortise commits over many servers.
	   Each server is still written atomically (store_set_batch). */
	if (strcmp(kind, "import") == 0) {
		store_set_batch(st, INGEST_IMPORT_BATCH);
	} else if (strcmp(kind, "refresh") == 0) {
		struct errbuf eb = ERRBUF_INIT;

		store_set_batch(st, INGEST_REFRESH_BATCH);
		/* Only a hint: the default cache works too. */
		store_set_cache(st, INGEST_REFRESH_CACHE_KIB, &eb);
	}
	return ing;
}

static void writer_stop(struct ingest *ing);

void
ingest_free(struct ingest *ing)
{
	if (!ing)
		return;
	writer_stop(ing);
	free(ing->kind);
	free(ing);
}

const struct run_stats *
ingest_stats(const struct ingest *ing)
{
	return &ing->stats;
}

static int
ensure_run(struct ingest *ing, struct errbuf *eb)
{
	if (ing->run >= 0)
		return 0;
	ing->run = store_run_begin(ing->st, ing->kind,
				   ing->rules ? rules_version(ing->rules) : NULL,
				   eb);
	return ing->run < 0 ? -1 : 0;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A crawl delivers servers slowly at times: commit at least every
   INGEST_REFRESH_FLUSH_MS so results do not wait for a full batch. */
static int
flush_if_due(struct ingest *ing, struct errbuf *eb)
{
	long long now;

	if (strcmp(ing->kind, "refresh") != 0)
		return 0;
	now = mono_ms();
	if (now - ing->flushed_ms < INGEST_REFRESH_FLUSH_MS)
		return 0;
	ing->flushed_ms = now;
	return store_flush(ing->st, eb);
}

int
ingest_start(struct ingest *ing, struct errbuf *eb)
{
	return ensure_run(ing, eb);
}

static void
warn_nonstandard(const struct ingest *ing, const char *where,
		 const struct manifest *m)
{
	size_t i;

	if (ing->app->quiet)
		return;
	for (i = 0; i < m->ntools; i++) {
		if (!m->tools[i].name_nonstandard)
			continue;
		fputs("mcprisk: warning: ", stderr);
		term_print(stderr, where, 0);
		fputs(": tool '", stderr);
		term_print(stderr, m->tools[i].name, 0);
		fputs("': name is outside [A-Za-z0-9_.-]{1,128}; kept and "
		      "flagged\n", stderr);
	}
}

/* A failed write rolled back the servers of the open batch with it: they
   keep their last committed state, so count them as failed, not ok. */
static void
count_failed(struct ingest *ing)
{
	int lost = store_discarded(ing->st);

	ing->stats.servers_failed += 1 + lost;
	ing->stats.servers_ok -= lost;
}

/* Add one successful write to the run's counters. */
static void
count_put(struct ingest *ing, const struct put_result *res, size_t ntools)
{
	if (res->new_server) {
		ing->servers_new++;
		ing->tools_new += (int)ntools;
	}
	ing->stats.servers_ok++;
	if (res->unchanged)
		ing->stats.servers_unchanged++;
	ing->stats.tools_added += res->added;
	ing->stats.tools_removed += res->removed;
	ing->stats.tools_changed += res->changed;
	ing->classified += res->verdicts;
}

/* Store a fetched manifest (pv: verdicts computed ahead, or NULL). */
static int
put_manifest(struct ingest *ing, const struct server_info *info,
	     const struct manifest *m, const struct put_verdicts *pv,
	     struct errbuf *eb)
{
	struct put_result res;
	bool touch = strcmp(ing->kind, "refresh") == 0;

	if (ensure_run(ing, eb) < 0)
		return -1;
	if (store_put_manifest_verdicts(ing->st, ing->run, info, m, pv, NULL,
					touch, &res, eb) < 0) {
		count_failed(ing);
		return -1;
	}
	count_put(ing, &res, m->ntools);
	return flush_if_due(ing, eb);
}

int
ingest_manifest(struct ingest *ing, const struct server_info *info,
		const struct manifest *m, struct errbuf *eb)
{
	if (put_manifest(ing, info, m, NULL, eb) < 0)
		return -1;
	warn_nonstandard(ing, info->name, m);
	return 0;
}

/*
 * The definitions an import worker or a refresh's writer has classified
 * while a new catalog is built (no older verdicts to ask for), by a
 * 32-bit fingerprint of their hash, so that one shared by many servers is
 * classified once.  It only saves work: a definition skipped because its
 * fingerprint collided, or first written from another worker's file
 * without a verdict, is classified by the pending pass at the end.
 */
struct seen {
	uint32_t *slot; /* open addressing; 0 is empty */
	size_t cap;     /* a power of two, or 0 */
	size_t n;
};

/* The first eight hex digits of a definition hash, never 0. */
static uint32_t
fingerprint(const char *hex)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char ch = hex[i];

		v = v << 4 | (uint32_t)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
	}
	return v ? v : 1;
}

static void
seen_put(uint32_t *slot, size_t cap, uint32_t fp)
{
	size_t i = fp & (cap - 1);

	while (slot[i] && slot[i] != fp)
		i = (i + 1) & (cap - 1);
	slot[i] = fp;
}

/* Add fp; false when it was there already. */
static bool
seen_add(struct seen *s, uint32_t fp)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : (size_t)1 << 16;
		uint32_t *slot = xcalloc(cap, sizeof(*slot));

		for (i = 0; i < s->cap; i++)
			if (s->slot[i])
				seen_put(slot, cap, s->slot[i]);
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	for (i = fp & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == fp)
			return false;
	s->slot[i] = fp;
	s->n++;
	return true;
}

/*
 * Verdicts for the tools of m whose definition has none under the rule
 * set yet (rows[i].json stays NULL for the others, and for a tool the
 * classifier refused: the pass at the end reports it).  st may be NULL;
 * seen, when given, skips definitions classified already in this run.
 */
static void
classify_new(struct classifier *c, struct store *st, struct seen *seen,
	     const char *rv, const struct manifest *m,
	     struct verdict_row *rows)
{
	struct errbuf eb = ERRBUF_INIT;
	size_t t;

	for (t = 0; t < m->ntools; t++) {
		struct verdict v;

		if (st && store_has_verdict(st, m->tools[t].hash, rv))
			continue;
		if (seen && !seen_add(seen, fingerprint(m->tools[t].hash)))
			continue;
		if (classify_text(c, m->tools[t].canonical,
				  m->tools[t].canonical_len, &v, &eb) < 0) {
			errbuf_clear(&eb);
			continue;
		}
		verdict_row_fill(&rows[t], &v);
		verdict_release(&v);
	}
}

static void
rows_free(struct verdict_row *rows, size_t n)
{
	size_t t;

	for (t = 0; rows && t < n; t++)
		verdict_row_release(&rows[t]);
	free(rows);
}

static int queue_item(struct ingest *ing, const struct server_info *info,
		      struct manifest *m, const char *status,
		      const char *error);

int
ingest_failure(struct ingest *ing, const struct server_info *info,
	       const char *status, const char *error, struct errbuf *eb)
{
	if (ing->writer && !on_writer_thread)
		return queue_item(ing, info, NULL, status, error);
	if (ensure_run(ing, eb) < 0)
		return -1;
	if (store_put_failure(ing->st, info, status, error, eb) < 0) {
		count_failed(ing);
		return -1;
	}
	ing->stats.servers_failed++;
	return flush_if_due(ing, eb);
}

static void
count_skipped(struct ingest *ing)
{
	ing->files_skipped++;
	ing->stats.servers_unchanged++;
	ing->stats.servers_ok++;
}

/* Write one parsed manifest file (pv: verdicts computed ahead, or NULL). */
static int
put_parsed(struct ingest *ing, const char *path, const struct manifest *mp,
	   const struct put_verdicts *pv, const char *fallback_name,
	   const char *key, struct errbuf *eb)
{
	const struct manifest m = *mp;
	struct server_info info = { 0 };
	struct put_result res;
	char *source = NULL;
	int ret = -1;

	source = xasprintf("import:%s", path);
	info.name = m.server_name ? m.server_name : fallback_name;
	info.source = source;
	info.transport = "manifest";
	info.endpoint = path;
	if (m.server) {
		info.title = json_get_str(m.server, "title");
		info.description = json_get_str(m.server, "description");
		info.version = json_get_str(m.server, "version");
		info.protocol_version =
			json_get_str(m.server, "protocolVersion");
		info.instructions = json_get_str(m.server, "instructions");
		info.extra = m.server;
	}
	if (ensure_run(ing, eb) < 0)
		goto out;
	if (store_put_manifest_verdicts(ing->st, ing->run, &info, &m, pv, key,
					false, &res, eb) < 0) {
		errbuf_prefix(eb, "%s", path);
		count_failed(ing);
		goto out;
	}
	count_put(ing, &res, m.ntools);
	warn_nonstandard(ing, path, &m);
	ret = 0;
out:
	free(source);
	return ret;
}

int
ingest_file(struct ingest *ing, const char *path, const char *body,
	    size_t len, const char *fallback_name, const char *key,
	    struct errbuf *eb)
{
	struct manifest m = MANIFEST_INIT;
	int ret;

	if (store_has_source(ing->st, key)) {
		count_skipped(ing);
		return 0;
	}
	if (manifest_parse(body, len, &m, eb) < 0) {
		errbuf_prefix(eb, "%s", path);
		ing->stats.servers_failed++;
		return -1;
	}
	ret = put_parsed(ing, path, &m, NULL, fallback_name, key, eb);
	manifest_release(&m);
	return ret;
}

/*
 * The background writer of a refresh.  The crawl loop hands every
 * finished server over and goes back to its transfers while a thread of
 * its own, the only user of the read-write connection from then on,
 * writes the servers in the order they came.  The queue is bounded: a
 * slow disk slows the crawl down instead of filling memory.  Errors are
 * kept for the crawl thread to print, so all output stays on one thread.
 */

/* Servers handed over and not yet written, at most; and at most this
   many bytes of their canonical definitions (their parsed trees take a
   few times that), so that a run of huge manifests cannot pile up. */
#define WRITER_QUEUE_MAX 256
#define WRITER_QUEUE_BYTES ((size_t)16 << 20)
/* The crawl wakes an idle writer once this many servers wait; otherwise
   the writer looks for work every WRITER_POLL_MS.  A wake-up per server
   cost more than writing an unchanged one. */
#define WRITER_WAKE_AT 32
#define WRITER_POLL_MS 50
/* While a new catalog is built, the crawl classifies the servers it hands
   over itself whenever this many wait: the writer is then the slower of
   the two, and classifying is most of its work that needs no database.
   Well above WRITER_WAKE_AT, which that many wait for as a matter of
   course: at 16 the crawl classified half of a cold crawl's servers while
   the writer idled for half the run (under callgrind, 1,000 farm servers:
   the crawl thread's instructions 1,634M at 16, 1,511M at 96, the
   writer's 1,658M and 1,778M; the crawl thread is the one that sets the
   pace). */
#define WRITER_SHARE_AT 96

/* One server to write: a good manifest, or a failure. */
struct write_item {
	struct write_item *next;
	char *name, *title, *description, *version, *source, *transport,
		*endpoint, *protocol_version, *instructions; /* owned */
	json_t *extra;         /* owned reference or NULL */
	struct manifest m;     /* moved in; empty for a failure */
	struct verdict_row *rows; /* m's verdicts: classified by the crawl
				     (WRITER_SHARE_AT) or by the writer;
				     NULL until then; owned */
	size_t bytes;          /* canonical definition bytes of m */
	bool failure;
	char *status, *error;  /* failure: owned */
};

struct writer {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* an item queued, taken, or closing */
	struct write_item *head, *tail;
	size_t queued;          /* items in the list */
	size_t queued_bytes;    /* their bytes */
	struct write_item *done; /* written, to be freed by the crawl thread:
				    memory freed by the thread that
				    allocated it stays in its malloc arena */
	bool closing;           /* no more items: drain and end */
	struct buf errors;      /* messages of failed writes, one a line */
	int nerrors;            /* lines in errors */
	struct classifier *c;   /* the writer thread's */
	struct seen seen;       /* definitions it classified, when building */
	/* The crawl thread's, for the servers it classifies itself. */
	bool building;          /* a new catalog: no older verdicts */
	struct classifier *crawl_c;
	struct seen crawl_seen;
};

/* Messages of failed writes kept for the crawl thread, at most. */
#define WRITER_ERRORS_MAX (1 << 20)

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Drop an item's JSON: its extra, verdict rows and manifest. */
static void
item_release_json(struct write_item *it)
{
	json_decref(it->extra);
	it->extra = NULL;
	rows_free(it->rows, it->m.ntools);
	it->rows = NULL;
	manifest_release(&it->m);
}

static void
item_free(struct write_item *it)
{
	free(it->name);
	free(it->title);
	free(it->description);
	free(it->version);
	free(it->source);
	free(it->transport);
	free(it->endpoint);
	free(it->protocol_version);
	free(it->instructions);
	item_release_json(it);
	free(it->status);
	free(it->error);
	free(it);
}

static int
write_item(struct ingest *ing, struct write_item *it, struct errbuf *eb)
{
	struct server_info info = {
		.name = it->name, .title = it->title,
		.description = it->description, .version = it->version,
		.source = it->source, .transport = it->transport,
		.endpoint = it->endpoint,
		.protocol_version = it->protocol_version,
		.instructions = it->instructions, .extra = it->extra,
	};
	struct writer *w = ing->writer;
	struct put_verdicts pv = { rules_version(ing->rules), NULL };
	size_t t;

	if (it->failure)
		return ingest_failure(ing, &info, it->status, it->error, eb);
	/* An unchanged server (most of a nightly run) has nothing new to
	   classify. */
	if (store_manifest_is_current(ing->st, info.name, it->m.hash))
		return put_manifest(ing, &info, &it->m, NULL, eb);
	if (it->rows) {
		/* The crawl classified it: remember what, so that a later
		   server sharing a definition does not classify it again. */
		for (t = 0; t < it->m.ntools; t++)
			if (it->rows[t].json)
				seen_add(&w->seen,
					 fingerprint(it->m.tools[t].hash));
	} else {
		/* Classified here, from the parsed definitions, rather than
		   by the pass at the end, which would parse them again from
		   the store.  A catalog being built has no verdicts but this
		   run's: a set of what was classified answers without a
		   query per tool. */
		it->rows = xcalloc(it->m.ntools + 1, sizeof(*it->rows));
		classify_new(w->c, w->building ? NULL : ing->st,
			     w->building ? &w->seen : NULL, pv.rules_version,
			     &it->m, it->rows);
	}
	pv.rows = it->rows;
	return put_manifest(ing, &info, &it->m, &pv, eb);
}

/* Keep a failed write's message for the crawl thread. */
static void
writer_error(struct writer *w, struct errbuf *eb)
{
	pthread_mutex_lock(&w->mu);
	if (buf_puts(&w->errors, eb->msg) == 0 &&
	    buf_putc(&w->errors, '\n') == 0)
		w->nerrors++;
	pthread_mutex_unlock(&w->mu);
	errbuf_clear(eb);
}

static void *
writer_main(void *arg)
{
	struct ingest *ing = arg;
	struct writer *w = ing->writer;

	for (;;) {
		struct errbuf eb = ERRBUF_INIT;
		struct write_item *it;

		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->closing) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += WRITER_POLL_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&w->cv, &w->mu, &until) !=
				    ETIMEDOUT ||
			    w->head)
				continue;
			/* Idle while slow servers are still crawled: commit
			   what is written once it is due, so that a crash
			   then loses at most a second of finished servers. */
			pthread_mutex_unlock(&w->mu);
			if (flush_if_due(ing, &eb) < 0)
				writer_error(w, &eb);
			pthread_mutex_lock(&w->mu);
		}
		it = w->head;
		if (!it) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		w->head = it->next;
		if (!w->head)
			w->tail = NULL;
		w->queued--;
		w->queued_bytes -= it->bytes;
		pthread_cond_broadcast(&w->cv); /* room for the crawl */
		pthread_mutex_unlock(&w->mu);

		/* On this thread ingest_failure() writes instead of
		   queueing (on_writer_thread). */
		if (write_item(ing, it, &eb) < 0)
			writer_error(w, &eb);
		/* Its JSON is the item's alone (queue_item), so it is
		   dropped here, where there is time to spare, rather than on
		   the crawl thread (walking these trees, cold by now, took 9%
		   of its perf samples in a cold crawl).  The hand-back below
		   orders this before item_free(). */
		item_release_json(it);
		pthread_mutex_lock(&w->mu);
		it->next = w->done;
		w->done = it;
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

static void *
writer_thread(void *arg)
{
	on_writer_thread = true;
	return writer_main(arg);
}

int
ingest_background(struct ingest *ing, struct errbuf *eb)
{
	struct writer *w;

	if (ing->writer)
		return 0;
	if (ensure_run(ing, eb) < 0)
		return -1;
	w = xcalloc(1, sizeof(*w));
	w->c = classifier_new(ing->rules);
	w->building = store_is_building(ing->st);
	buf_init(&w->errors, WRITER_ERRORS_MAX);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	ing->writer = w;
	if (pthread_create(&w->tid, NULL, writer_thread, ing) != 0) {
		/* No thread: write on the caller's thread as before. */
		ing->writer = NULL;
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		buf_release(&w->errors);
		classifier_free(w->c);
		free(w);
	}
	return 0;
}

static void
free_items(struct write_item *it)
{
	while (it) {
		struct write_item *next = it->next;

		item_free(it);
		it = next;
	}
}

/* Whether the crawl should classify what it hands over (WRITER_SHARE_AT). */
static bool
writer_behind(struct writer *w)
{
	size_t n;

	if (!w->building)
		return false;
	pthread_mutex_lock(&w->mu);
	n = w->queued;
	pthread_mutex_unlock(&w->mu);
	return n >= WRITER_SHARE_AT;
}

/* The verdicts of m, classified on the crawl thread. */
static struct verdict_row *
classify_here(struct ingest *ing, const struct manifest *m)
{
	struct writer *w = ing->writer;
	struct verdict_row *rows = xcalloc(m->ntools + 1, sizeof(*rows));

	if (!w->crawl_c)
		w->crawl_c = classifier_new(ing->rules);
	classify_new(w->crawl_c, NULL, &w->crawl_seen,
		     rules_version(ing->rules), m, rows);
	return rows;
}

static int
queue_item(struct ingest *ing, const struct server_info *info,
	   struct manifest *m, const char *status, const char *error)
{
	struct writer *w = ing->writer;
	struct write_item *it = xcalloc(1, sizeof(*it)), *done;

	it->name = dup_or_null(info->name);
	it->title = dup_or_null(info->title);
	it->description = dup_or_null(info->description);
	it->version = dup_or_null(info->version);
	it->source = dup_or_null(info->source);
	it->transport = dup_or_null(info->transport);
	it->endpoint = dup_or_null(info->endpoint);
	it->protocol_version = dup_or_null(info->protocol_version);
	it->instructions = dup_or_null(info->instructions);
	/* JSON the crawl thread still references is copied, never shared:
	   jansson's reference counts are not safe to drop on two threads
	   (the last decrement has no acquire barrier). */
	it->extra = info->extra ? json_deep_copy(info->extra) : NULL;
	if (m) {
		json_t *srv = NULL;
		size_t t;

		/* extra usually carries the same server object: one copy
		   serves both. */
		if (m->server && info->extra &&
		    json_object_get(info->extra, "server") == m->server)
			srv = json_incref(json_object_get(it->extra, "server"));
		else if (m->server)
			srv = json_deep_copy(m->server);

		it->m = *m;
		*m = (struct manifest)MANIFEST_INIT;
		for (t = 0; t < it->m.ntools; t++)
			it->bytes += it->m.tools[t].canonical_len;
		if (srv) {
			json_object_set_new(it->m.root, "server", srv);
			it->m.server = srv;
			it->m.server_name = json_get_str(srv, "name");
		}
		if (writer_behind(w))
			it->rows = classify_here(ing, &it->m);
	} else {
		it->m = (struct manifest)MANIFEST_INIT;
		it->failure = true;
		it->status = dup_or_null(status);
		it->error = dup_or_null(error);
	}
	pthread_mutex_lock(&w->mu);
	while (w->queued >= WRITER_QUEUE_MAX ||
	       (w->queued > 0 &&
		w->queued_bytes + it->bytes > WRITER_QUEUE_BYTES))
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->tail)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
	w->queued++;
	w->queued_bytes += it->bytes;
	if (w->queued == WRITER_WAKE_AT)
		pthread_cond_broadcast(&w->cv);
	done = w->done;
	w->done = NULL;
	pthread_mutex_unlock(&w->mu);
	free_items(done);
	return 0;
}

int
ingest_manifest_take(struct ingest *ing, const struct server_info *info,
		     struct manifest *m, struct errbuf *eb)
{
	int ret;

	if (ing->writer && !on_writer_thread) {
		warn_nonstandard(ing, info->name, m);
		return queue_item(ing, info, m, NULL, NULL);
	}
	ret = ingest_manifest(ing, info, m, eb);
	manifest_release(m);
	return ret;
}

/* Call report() on each line of errs (the lines are cut in place). */
static void
report_lines(struct buf *errs, void (*report)(void *ctx, const char *msg),
	     void *ctx)
{
	char *p, *nl;

	for (p = errs->data; p && p < errs->data + errs->len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(errs->data + errs->len - p));
		if (!nl)
			break;
		*nl = '\0';
		report(ctx, p);
	}
}

static void
print_error(void *ctx, const char *msg)
{
	(void)ctx;
	cli_error("%s", msg);
}

/* Let the writer finish its queue and end; ing->writer is then unset,
   and the returned writer holds what is left to report and free. */
static struct writer *
writer_end(struct ingest *ing)
{
	struct writer *w = ing->writer;

	pthread_mutex_lock(&w->mu);
	w->closing = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->tid, NULL);
	ing->writer = NULL;
	return w;
}

static void
writer_free(struct writer *w)
{
	free_items(w->done);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	buf_release(&w->errors);
	classifier_free(w->c);
	free(w->seen.slot);
	classifier_free(w->crawl_c);
	free(w->crawl_seen.slot);
	free(w);
}

int
ingest_collect(struct ingest *ing, bool wait,
	       void (*report)(void *ctx, const char *msg), void *ctx)
{
	struct writer *w = ing->writer;
	struct buf errs = BUF_INIT(WRITER_ERRORS_MAX);
	int n;

	if (!w)
		return 0;
	if (wait)
		w = writer_end(ing);
	pthread_mutex_lock(&w->mu);
	buf_append(&errs, w->errors.data, w->errors.len);
	buf_reset(&w->errors);
	n = w->nerrors;
	w->nerrors = 0;
	pthread_mutex_unlock(&w->mu);
	if (wait)
		writer_free(w);
	report_lines(&errs, report, ctx);
	buf_release(&errs);
	return n;
}

/* End the writer; errors not collected yet are printed here. */
static void
writer_stop(struct ingest *ing)
{
	struct writer *w;

	if (!ing->writer)
		return;
	w = writer_end(ing);
	report_lines(&w->errors, print_error, NULL);
	writer_free(w);
}

/*
 * The parallel file pipeline.  Workers claim files in order, at most
 * PIPE_WINDOW ahead of the writer, and fill a slot each; the writer (the
 * calling thread, which owns the read-write connection) consumes slots in
 * order, so the result is the same as a sequential import.
 */

/* Files in flight between the workers and the writer. */
#define PIPE_WINDOW 256
/* Most worker threads. */
#define PIPE_MAX_WORKERS 8

struct slot {
	struct jarena *arena; /* the jansson trees of m and its verdicts */
	bool ready;
	bool skip;          /* the catalog already holds these bytes */
	bool failed;
	struct manifest m;
	struct verdict_row *verdicts; /* per tool; json NULL where none */
	char key[SHA256_HEX_LEN + 1];
	struct errbuf eb;
};

struct pipe {
	struct ingest *ing;
	char *const *paths;
	char *const *names;
	size_t n;
	struct slot *slots;  /* PIPE_WINDOW of them, indexed i % window */
	size_t next;         /* next file to claim */
	size_t consumed;     /* files the writer has finished */
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

/* Read, identify, and unless unchanged parse and classify file i. */
static void
prepare(struct pipe *p, struct store *ro, struct seen *seen,
	struct classifier *c, struct buf *body, struct slot *sl, size_t i)
{
	const char *rv = rules_version(p->ing->rules);
	struct jarena *prev;

	if (file_read_capped(p->paths[i], MANIFEST_MAX_BYTES, body, &sl->eb) <
	    0) {
		sl->failed = true;
		return;
	}
	ingest_source_key(body->data, body->len, p->names[i], sl->key);
	if (ro && store_has_source(ro, sl->key)) {
		sl->skip = true;
		return;
	}
	/* Parsing builds a jansson node per value and classifying makes
	   more; in the slot's arena that costs a pointer bump each, and
	   slot_clear() drops them all at once. */
	prev = jarena_use(sl->arena);
	if (manifest_parse(body->data, body->len, &sl->m, &sl->eb) < 0) {
		jarena_use(prev);
		errbuf_prefix(&sl->eb, "%s", p->paths[i]);
		sl->failed = true;
		return;
	}
	sl->verdicts = xcalloc(sl->m.ntools + 1, sizeof(*sl->verdicts));
	classify_new(c, ro, seen, rv, &sl->m, sl->verdicts);
	jarena_use(prev);
}

void
ingest_source_key(const char *body, size_t len, const char *name,
		  char key[SHA256_HEX_LEN + 1])
{
	const void *part[] = { body, "", name };
	size_t n[] = { len, 1, strlen(name) };

	sha256_hex_parts(part, n, 3, key);
}

static void
slot_clear(struct slot *sl)
{
	struct jarena *a = sl->arena;

	rows_free(sl->verdicts, sl->m.ntools);
	manifest_release(&sl->m);
	jarena_reset(a);
	memset(sl, 0, sizeof(*sl));
	sl->arena = a;
}

/* What a thread needs to prepare files: its own classifier, read buffer
   and, without a catalog to ask, a set of the definitions it classified. */
struct preparer {
	struct store *ro; /* where verdicts are looked up, or NULL */
	struct classifier *c;
	struct buf body;
	struct seen seen;
};

static void
preparer_init(struct preparer *pr, struct pipe *p, struct store *ro)
{
	pr->ro = ro;
	pr->c = classifier_new(p->ing->rules);
	buf_init(&pr->body, MANIFEST_MAX_BYTES);
	memset(&pr->seen, 0, sizeof(pr->seen));
}

static void
preparer_release(struct preparer *pr)
{
	buf_release(&pr->body);
	free(pr->seen.slot);
	classifier_free(pr->c);
}

/* Prepare file i (claimed by this thread) into its slot and say so. */
static void
prepare_claimed(struct pipe *p, struct preparer *pr, size_t i)
{
	struct slot *sl = &p->slots[i % PIPE_WINDOW];

	/* Free the slot's previous file here, not on the writer: memory
	   freed by the thread that allocated it does not contend for
	   another thread's malloc arena (mostly: the writer prepares files
	   too, below). */
	slot_clear(sl);
	prepare(p, pr->ro, pr->ro ? NULL : &pr->seen, pr->c, &pr->body, sl,
		i);
	pthread_mutex_lock(&p->mu);
	sl->ready = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* Whether a file is there to claim (p->mu held). */
static bool
claimable(const struct pipe *p)
{
	return !p->stop && p->next < p->n &&
	       p->next < p->consumed + PIPE_WINDOW;
}

static void *
worker(void *arg)
{
	struct pipe *p = arg;
	struct errbuf eb = ERRBUF_INIT;
	struct preparer pr;

	/* A private build cannot be shared, and holds nothing to skip. */
	preparer_init(&pr, p,
		      store_is_building(p->ing->st)
			      ? NULL
			      : store_open(store_path(p->ing->st),
					   STORE_READONLY, &eb));
	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->next < p->n && !claimable(p))
			pthread_cond_wait(&p->cv, &p->mu);
		if (!claimable(p)) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		prepare_claimed(p, &pr, i);
	}
	store_free(pr.ro);
	preparer_release(&pr);
	return NULL;
}

/*
 * Wait until slot sl is ready.  Meanwhile the writer prepares files
 * itself: parsing and classifying cost about as much as writing, but not
 * evenly over a run (a small catalog takes rows faster than a big one),
 * so each side would otherwise wait for the other in turn.  Its own
 * connection answers what a worker's read-only one would.
 */
static void
await_slot(struct pipe *p, struct preparer *pr, struct slot *sl)
{
	pthread_mutex_lock(&p->mu);
	while (!sl->ready) {
		if (claimable(p)) {
			size_t j = p->next++;

			pthread_mutex_unlock(&p->mu);
			if (!pr->c)
				preparer_init(pr, p,
					      store_is_building(p->ing->st)
						      ? NULL
						      : p->ing->st);
			prepare_claimed(p, pr, j);
			pthread_mutex_lock(&p->mu);
			continue;
		}
		pthread_cond_wait(&p->cv, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
}

int
ingest_files(struct ingest *ing, char *const *paths,
	     char *const *fallback_names, size_t n)
{
	pthread_t tids[PIPE_MAX_WORKERS];
	struct pipe p = { 0 };
	struct preparer mine = { 0 }; /* the writer's, made when first used */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nworkers, w, i;
	int bad = 0;

	/* The writer needs a core too; one worker is the least. */
	nworkers = ncpu > 2 ? (size_t)ncpu - 1 : 1;
	if (nworkers > PIPE_MAX_WORKERS)
		nworkers = PIPE_MAX_WORKERS;
	if (nworkers > n)
		nworkers = n ? n : 1;
	p.ing = ing;
	p.paths = paths;
	p.names = fallback_names;
	p.n = n;
	p.slots = xcalloc(PIPE_WINDOW, sizeof(*p.slots));
	for (i = 0; i < PIPE_WINDOW; i++)
		p.slots[i].arena = jarena_new();
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	/* Workers open their own read-only connections: make sure the file
	   and its schema exist first. */
	for (w = 0; w < nworkers; w++)
		if (pthread_create(&tids[w], NULL, worker, &p) != 0)
			break;
	nworkers = w;
	for (i = 0; i < n; i++) {
		struct slot *sl = &p.slots[i % PIPE_WINDOW];
		struct errbuf eb = ERRBUF_INIT;

		/* With no worker started, the writer prepares every file. */
		await_slot(&p, &mine, sl);

		if (sl->failed) {
			cli_error("%s", sl->eb.msg);
			ing->stats.servers_failed++;
			bad++;
		} else if (sl->skip || store_has_source(ing->st, sl->key)) {
			count_skipped(ing);
		} else {
			struct put_verdicts pv = { rules_version(ing->rules),
						   sl->verdicts };

			if (put_parsed(ing, paths[i], &sl->m, &pv,
				       fallback_names[i], sl->key, &eb) < 0) {
				cli_error("%s", eb.msg);
				bad++;
			}
		}
		/* A new catalog that failed a write cannot take more. */
		if (store_build_failed(ing->st))
			break;
		pthread_mutex_lock(&p.mu);
		sl->ready = false;
		p.consumed = i + 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
	}
	pthread_mutex_lock(&p.mu);
	p.stop = true;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	for (w = 0; w < nworkers; w++)
		pthread_join(tids[w], NULL);
	if (mine.c)
		preparer_release(&mine);
	for (i = 0; i < PIPE_WINDOW; i++) {
		slot_clear(&p.slots[i]);
		jarena_free(p.slots[i].arena);
	}
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
	free(p.slots);
	return bad;
}

/*
 * The classification pass over definitions without a verdict: the new ones
 * of a refresh, or every one after a rule change.  Rows are read in rounds
 * of PENDING_ROUND; every thread (this one and up to PIPE_MAX_WORKERS more,
 * started only once a round fills) parses and classifies items of the
 * round, then this thread writes the round's verdicts in order.  The
 * result is the one a single thread gives.
 */

/* Definitions per round. */
#define PENDING_ROUND 1024
/* Verdicts written per transaction. */
#define INGEST_VERDICT_BATCH 2000

struct pending_item {
	char *hash;
	char *json;             /* canonical definition text */
	struct verdict_row row; /* json NULL until classified */
	struct errbuf eb;       /* why it failed, when it did */
};

struct pending {
	struct ingest *ing;
	struct pending_item items[PENDING_ROUND];
	size_t filled;     /* items queued by this thread */
	size_t n;          /* items in the round handed out (under mu) */
	size_t next;       /* next item to claim */
	size_t done;       /* items finished */
	unsigned round;    /* bumped when a round is handed out */
	bool stop;
	pthread_t tids[PIPE_MAX_WORKERS];
	size_t nworkers;
	bool started;      /* workers were started (or could not be) */
	struct classifier *c; /* this thread's */
	int uncommitted;   /* verdicts written in the open transaction */
	struct errbuf *eb; /* where the pass reports failure */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void
pending_classify(struct classifier *c, struct pending_item *it)
{
	struct verdict v;

	/* The stored text is the definition's canonical JSON: classified
	   as it is, without a parse. */
	if (classify_text(c, it->json, strlen(it->json), &v, &it->eb) < 0) {
		errbuf_prefix(&it->eb, "definition %s", it->hash);
	} else {
		verdict_row_fill(&it->row, &v);
		verdict_release(&v);
	}
}

/* Claim and classify items of the current round until none is left. */
static void
pending_work(struct pending *p, struct classifier *c)
{
	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		if (p->next >= p->n) {
			pthread_mutex_unlock(&p->mu);
			return;
		}
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		pending_classify(c, &p->items[i]);
		pthread_mutex_lock(&p->mu);
		if (++p->done == p->n)
			pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

static void *
pending_worker(void *arg)
{
	struct pending *p = arg;
	struct classifier *c = classifier_new(p->ing->rules);
	unsigned seen = 0;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->round == seen)
			pthread_cond_wait(&p->cv, &p->mu);
		seen = p->round;
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		pthread_mutex_unlock(&p->mu);
		pending_work(p, c);
	}
	classifier_free(c);
	return NULL;
}

static void
pending_start_workers(struct pending *p)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t want = ncpu > 1 ? (size_t)ncpu - 1 : 0;

	p->started = true;
	if (want > PIPE_MAX_WORKERS)
		want = PIPE_MAX_WORKERS;
	for (p->nworkers = 0; p->nworkers < want; p->nworkers++)
		if (pthread_create(&p->tids[p->nworkers], NULL,
				   pending_worker, p) != 0)
			break;
}

/* Classify the round on every thread, then write it in order. */
static int
pending_round(struct pending *p, struct errbuf *eb)
{
	struct ingest *ing = p->ing;
	int ret = -1;
	size_t i;

	if (p->filled == PENDING_ROUND && !p->started)
		pending_start_workers(p);
	pthread_mutex_lock(&p->mu);
	p->n = p->filled;
	p->next = p->done = 0;
	p->round++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pending_work(p, p->c);
	pthread_mutex_lock(&p->mu);
	while (p->done < p->n)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);

	for (i = 0; i < p->filled; i++) {
		struct pending_item *it = &p->items[i];

		if (!it->row.json) {
			errbuf_set(eb, "%s", it->eb.msg);
			goto out;
		}
		if (store_put_verdict(ing->st, it->hash, rules_version(ing->rules),
				      &it->row, eb) < 0)
			goto out;
		ing->classified++;
		if (++p->uncommitted >= INGEST_VERDICT_BATCH) {
			p->uncommitted = 0;
			if (store_commit(ing->st, eb) < 0 ||
			    store_begin(ing->st, eb) < 0)
				goto out;
		}
	}
	ret = 0;
out:
	for (i = 0; i < p->filled; i++) {
		free(p->items[i].hash);
		free(p->items[i].json);
		verdict_row_release(&p->items[i].row);
		errbuf_clear(&p->items[i].eb);
	}
	p->filled = 0;
	return ret;
}

/* store_each_unclassified's callback: queue the row, run full rounds. */
static int
pending_add(void *arg, const char *hash, const char *json)
{
	struct pending *p = arg;
	struct pending_item *it = &p->items[p->filled++];

	it->hash = xstrdup(hash);
	it->json = xstrdup(json);
	if (p->filled < PENDING_ROUND)
		return 0;
	return pending_round(p, p->eb);
}

int
ingest_classify_pending(struct ingest *ing, struct errbuf *eb)
{
	struct pending *p;
	struct errbuf inner = ERRBUF_INIT;
	int ret = -1;
	size_t w;

	/* Nothing to do is the usual case: two counts, not a scan. */
	if (store_all_classified(ing->st, rules_version(ing->rules)))
		return 0;
	p = xcalloc(1, sizeof(*p));
	p->ing = ing;
	p->eb = &inner;
	p->c = classifier_new(ing->rules);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	if (store_begin(ing->st, eb) < 0)
		goto out;
	if (store_each_unclassified(ing->st, rules_version(ing->rules),
				    pending_add, p, &inner) < 0 ||
	    (p->filled && pending_round(p, &inner) < 0)) {
		errbuf_set(eb, "%s", inner.msg);
		store_rollback(ing->st);
		goto out;
	}
	if (store_commit(ing->st, eb) < 0)
		goto out;
	ret = 0;
out:
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (w = 0; w < p->nworkers; w++)
		pthread_join(p->tids[w], NULL);
	for (w = 0; w < p->filled; w++) {
		free(p->items[w].hash);
		free(p->items[w].json);
	}
	classifier_free(p->c);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
	return ret;
}

int
ingest_finish(struct ingest *ing, const char *outcome)
{
	struct errbuf eb = ERRBUF_INIT;
	const struct run_stats *s = &ing->stats;

	writer_stop(ing);
	if (store_flush(ing->st, &eb) < 0 ||
	    ingest_classify_pending(ing, &eb) < 0 ||
	    (ing->run >= 0 &&
	     store_run_finish(ing->st, ing->run, s, outcome, &eb) < 0)) {
		cli_error("%s", eb.msg);
		return -1;
	}
	if (!ing->app->quiet)
		fprintf(stderr,
			"%s: %d server%s ok (%d new, %d unchanged), %d failed; "
			"tools: %d in new servers, %d added, %d removed, "
			"%d changed; %d definitions classified (rules %s)\n",
			ing->kind, s->servers_ok, s->servers_ok == 1 ? "" : "s",
			ing->servers_new, s->servers_unchanged,
			s->servers_failed, ing->tools_new, s->tools_added,
			s->tools_removed, s->tools_changed, ing->classified,
			rules_version(ing->rules));
	return 0;
}
