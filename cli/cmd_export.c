/*
 * mcprisk export: the recommended policy of one server (to stdout or a
 * folder) or of every server (--all --out DIR), in one or more formats.
 * Decisions come from the profile, bytes from the format writers; this
 * file only chooses what to write where and summarises what a format
 * could not express.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classifier/rules.h"
#include "cli/cli.h"
#include "db/scan.h"
#include "db/store.h"
#include "report/vdecode.h"
#include "report/recommend.h"
#include "util/fileio.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char usage_text[] =
	"export SERVER|--all [--format F[,F...]|all] [--profile P] "
	"[--alias NAME] [--out DIR]";

struct export_job {
	struct app *app;
	const struct profile *profile;
	const char *rules_version;
	const char *alias;
	const char *out_dir; /* NULL: stdout */
	bool formats[EXPORT__COUNT];
	int servers; /* >1: many files, written without a sync each */
};

/* Parse "policylayer,claude" or "all" into job->formats. */
static int
parse_formats(const char *arg, bool *formats)
{
	char *copy = xstrdup(arg), *p = copy, *comma;
	int ret = 0, f;

	for (;;) {
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (strcmp(p, "all") == 0) {
			for (f = 0; f < EXPORT__COUNT; f++)
				formats[f] = true;
		} else if ((f = export_format_parse(p)) >= 0) {
			formats[f] = true;
		} else {
			cli_error("unknown format '%s' (policylayer, intercept, "
				  "claude, codex, docker, all)", p);
			ret = -1;
			break;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	return ret;
}

/* What one thread accumulates; merged into the job at the end. */
struct export_tally {
	struct export_notes notes[EXPORT__COUNT];
	int files;
};

/* Decide once, then write every requested format of sv. */
static int
export_one(const struct export_job *job, struct export_tally *tally,
	   const struct server_verdicts *sv)
{
	struct export_server es = { 0 };
	struct errbuf eb = ERRBUF_INIT;
	int f, ret = 0;

	es.server = sv->server;
	es.alias = job->alias;
	es.mcprisk_version = MCPRISK_VERSION;
	es.rules_version = job->rules_version;
	export_decide(job->profile, sv->tools, sv->n, &es);
	for (f = 0; f < EXPORT__COUNT && ret == 0; f++) {
		struct buf out = BUF_INIT(EXPORT_MAX);
		int r;

		if (!job->formats[f])
			continue;
		r = export_render(&es, (enum export_format)f, &out,
				  &tally->notes[f], &eb);
		if (r == 0 && job->out_dir)
			r = export_write_file_flags(
				job->out_dir, sv->server,
				export_format_name((enum export_format)f), &out,
				job->servers > 1 ? EXPORT_WRITE_NOSYNC |
				EXPORT_WRITE_DIR_EXISTS : 0, &eb);
		else if (r == 0 && fwrite(out.data, 1, out.len, stdout) != out.len)
			errbuf_set(&eb, "cannot write output");
		buf_release(&out);
		if (r < 0 || eb.msg[0]) {
			cli_error("export '%s' as %s: %s", sv->server,
				  export_format_name((enum export_format)f),
				  eb.msg);
			ret = -1;
			break;
		}
		tally->files++;
	}
	export_server_release(&es);
	return ret;
}

/*
 * --all: the catalog is streamed on the calling thread (names and stored
 * verdict text only) and each server is handed to a worker that decodes,
 * decides, renders and writes it; files do not depend on each other, so
 * order does not matter.
 */

/* Servers queued between the reader and the workers. */
#define EXPORT_QUEUE 64
/* A full queue wakes the reader only once it has drained to this, so it
   refills the queue in one go rather than waking for every free slot. */
#define EXPORT_QUEUE_LOW (EXPORT_QUEUE / 2)
/* Most worker threads. */
#define EXPORT_MAX_WORKERS 8

/* One server as the reader hands it over; all owned. */
struct export_item {
	char *server;
	char **names;    /* tool names, in the scan's (bytewise) order */
	char **verdicts; /* stored verdict text per tool; NULL: none */
	size_t n;
};

static void
export_item_free(struct export_item *it)
{
	size_t i;

	if (!it)
		return;
	for (i = 0; i < it->n; i++) {
		free(it->names[i]);
		free(it->verdicts[i]);
	}
	free(it->names);
	free(it->verdicts);
	free(it->server);
	free(it);
}

/*
 * Decode an item into *sv, taking its names.  As for one server's export:
 * a tool whose stored text is no JSON object has no verdict (decided as
 * unknown); an object that is no valid verdict fails the server.
 */
static int
export_item_decode(struct export_item *it, struct server_verdicts *sv,
		   struct errbuf *eb)
{
	size_t i, n = it->n;

	memset(sv, 0, sizeof(*sv));
	sv->server = it->server;
	it->server = NULL;
	sv->names = it->names;
	it->names = NULL;
	sv->tools = xcalloc(n ? n : 1, sizeof(*sv->tools));
	sv->verdicts = xcalloc(n ? n : 1, sizeof(*sv->verdicts));
	sv->n = n;
	for (i = 0; i < n; i++)
		sv->tools[i].name = sv->names[i];
	it->n = 0;
	for (i = 0; i < n; i++) {
		const char *text = it->verdicts[i];
		int r = text ? vdecode_verdict(text, &sv->verdicts[i], eb) : 1;

		if (r < 0) {
			errbuf_prefix(eb, "server '%s': tool '%s'", sv->server,
				      sv->names[i]);
			for (; i < n; i++)
				free(it->verdicts[i]);
			return -1;
		}
		if (r == 0)
			sv->tools[i].verdict = &sv->verdicts[i];
		free(it->verdicts[i]);
	}
	return 0;
}

struct export_queue {
	const struct export_job *job;
	struct export_item *items[EXPORT_QUEUE];
	size_t head, count;
	bool done;   /* the reader has finished */
	bool failed; /* a worker failed: stop early */
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
};

struct export_worker {
	struct export_queue *q;
	struct export_tally tally;
	pthread_t tid;
};

static void *
export_worker(void *arg)
{
	struct export_worker *w = arg;
	struct export_queue *q = w->q;

	for (;;) {
		struct server_verdicts sv;
		struct errbuf eb = ERRBUF_INIT;
		struct export_item *it;
		int r;

		pthread_mutex_lock(&q->mu);
		while (q->count == 0 && !q->done)
			pthread_cond_wait(&q->nonempty, &q->mu);
		if (q->count == 0) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		it = q->items[q->head];
		q->head = (q->head + 1) % EXPORT_QUEUE;
		q->count--;
		if (q->count == EXPORT_QUEUE_LOW)
			pthread_cond_signal(&q->nonfull);
		pthread_mutex_unlock(&q->mu);

		r = export_item_decode(it, &sv, &eb);
		export_item_free(it);
		if (r < 0)
			cli_error("%s", eb.msg);
		else
			r = export_one(q->job, &w->tally, &sv);
		server_verdicts_release(&sv);
		if (r < 0) {
			pthread_mutex_lock(&q->mu);
			q->failed = true;
			pthread_cond_broadcast(&q->nonfull);
			pthread_mutex_unlock(&q->mu);
		}
	}
	return NULL;
}

/* Queue an item (taken); -1 when a worker failed (item freed). */
static int
export_enqueue(struct export_queue *q, struct export_item *it)
{
	int ret = 0;

	pthread_mutex_lock(&q->mu);
	if (q->count == EXPORT_QUEUE)
		while (q->count > EXPORT_QUEUE_LOW && !q->failed)
			pthread_cond_wait(&q->nonfull, &q->mu);
	if (q->failed) {
		ret = -1;
		export_item_free(it);
	} else {
		q->items[(q->head + q->count) % EXPORT_QUEUE] = it;
		q->count++;
		pthread_cond_signal(&q->nonempty);
	}
	pthread_mutex_unlock(&q->mu);
	return ret;
}

/*
 * Stream every server with present tools (the scan's order: server, then
 * tool name) into the queue; -1 with eb set on a read error, -1 with eb
 * empty when a worker failed.
 */
static int
export_read(struct store *st, struct export_queue *q, struct errbuf *eb)
{
	struct store_scan *sc;
	struct export_item *cur = NULL;
	size_t cap = 0;
	int rc, ret = -1;

	/* A snapshot also maps the file for the scan's lookups. */
	if (store_snapshot_begin(st, eb) < 0)
		return -1;
	sc = store_scan_new(st, SCAN_SERVER_TOOLS, q->job->rules_version, 0,
			    eb);
	if (!sc)
		goto out;
	while ((rc = store_scan_next(sc, eb)) == 1) {
		const char *server = store_scan_text(sc, SC_TOOL_SERVER);
		const char *verdict = store_scan_text(sc, SC_TOOL_VERDICT);

		if (!cur || strcmp(cur->server, server) != 0) {
			if (cur && export_enqueue(q, cur) < 0) {
				cur = NULL;
				goto out;
			}
			cur = xcalloc(1, sizeof(*cur));
			cur->server = xstrdup(server);
			cap = 0;
		}
		if (cur->n == cap) {
			cap = cap ? cap * 2 : 32;
			cur->names = xreallocarray(cur->names, cap,
						   sizeof(*cur->names));
			cur->verdicts = xreallocarray(cur->verdicts, cap,
						      sizeof(*cur->verdicts));
		}
		cur->names[cur->n] = xstrdup(store_scan_text(sc, SC_TOOL_NAME));
		cur->verdicts[cur->n] = verdict ? xstrdup(verdict) : NULL;
		cur->n++;
	}
	if (rc < 0)
		goto out;
	if (cur) {
		struct export_item *last = cur;

		cur = NULL;
		if (export_enqueue(q, last) < 0)
			goto out;
	}
	ret = 0;
out:
	export_item_free(cur);
	store_scan_free(sc);
	store_snapshot_end(st);
	return ret;
}

static int
cmp_note(const void *a, const void *b)
{
	const struct export_note *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	if (c)
		return c;
	return strcmp(x->tool ? x->tool : "", y->tool ? y->tool : "");
}

/* Export every server on worker threads; merges their tallies into t. */
static int
export_all(struct store *st, struct export_job *job, struct export_tally *t)
{
	struct export_worker w[EXPORT_MAX_WORKERS];
	struct export_queue q = { 0 };
	struct errbuf eb = ERRBUF_INIT;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = ncpu < 1 ? 1 : ncpu > EXPORT_MAX_WORKERS ? EXPORT_MAX_WORKERS
							   : (size_t)ncpu;
	size_t i, k, started = 0;
	int r;

	/* Made once here, so the writes need not check it per file. */
	if (file_mkdirs(job->out_dir, &eb) < 0) {
		cli_error("%s", eb.msg);
		return -1;
	}
	q.job = job;
	pthread_mutex_init(&q.mu, NULL);
	pthread_cond_init(&q.nonempty, NULL);
	pthread_cond_init(&q.nonfull, NULL);
	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		w[i].q = &q;
		if (pthread_create(&w[i].tid, NULL, export_worker, &w[i]) != 0)
			break;
		started++;
	}
	if (started == 0) {
		cli_error("cannot start export threads");
		r = -1;
	} else {
		r = export_read(st, &q, &eb);
		if (r < 0 && eb.msg[0])
			cli_error("%s", eb.msg);
	}
	pthread_mutex_lock(&q.mu);
	q.done = true;
	pthread_cond_broadcast(&q.nonempty);
	pthread_mutex_unlock(&q.mu);
	for (i = 0; i < started; i++)
		pthread_join(w[i].tid, NULL);
	for (i = 0; i < started; i++) {
		t->files += w[i].tally.files;
		for (k = 0; k < EXPORT__COUNT; k++) {
			size_t j;

			for (j = 0; j < w[i].tally.notes[k].n; j++)
				export_note_add(&t->notes[k],
						w[i].tally.notes[k].v[j].tool,
						w[i].tally.notes[k].v[j].text);
			export_notes_release(&w[i].tally.notes[k]);
		}
	}
	/* Threads finish in any order: sort so the summary is stable. */
	for (k = 0; k < EXPORT__COUNT; k++)
		if (t->notes[k].n > 1)
			qsort(t->notes[k].v, t->notes[k].n,
			      sizeof(*t->notes[k].v), cmp_note);
	for (i = 0; i < q.count; i++)
		export_item_free(q.items[(q.head + i) % EXPORT_QUEUE]);
	pthread_cond_destroy(&q.nonempty);
	pthread_cond_destroy(&q.nonfull);
	pthread_mutex_destroy(&q.mu);
	return r < 0 || q.failed ? -1 : 0;
}

/* One line per kind of loss and format, naming a few tools. */
static void
print_notes(const struct export_tally *tally)
{
	int f;
	size_t i, j;

	for (f = 0; f < EXPORT__COUNT; f++) {
		const struct export_notes *n = &tally->notes[f];

		for (i = 0; i < n->n; i++) {
			size_t count = 0;
			bool first = true;

			for (j = 0; j < i; j++)
				if (strcmp(n->v[j].text, n->v[i].text) == 0)
					break;
			if (j < i)
				continue; /* already summarised */
			for (j = i; j < n->n; j++)
				if (strcmp(n->v[j].text, n->v[i].text) == 0)
					count++;
			fprintf(stderr, "mcprisk: note: %s: %s",
				export_format_name((enum export_format)f),
				n->v[i].text);
			if (n->v[i].tool) {
				size_t shown = 0;

				fprintf(stderr, " (%zu tool%s: ", count,
					count == 1 ? "" : "s");
				for (j = i; j < n->n && shown < 5; j++) {
					if (strcmp(n->v[j].text,
						   n->v[i].text) != 0 ||
					    !n->v[j].tool)
						continue;
					fprintf(stderr, "%s%s", first ? "" : ", ",
						n->v[j].tool);
					first = false;
					shown++;
				}
				fprintf(stderr, "%s)", count > shown ? ", ..." :
								      "");
			}
			fputc('\n', stderr);
		}
	}
}

int
cmd_export(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "profile", required_argument, NULL, 'p' },
		{ "alias", required_argument, NULL, 'A' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct export_job job = { 0 };
	struct export_tally tally = { 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct profile *profile = NULL;
	const char *profile_name_arg = "balanced";
	struct rules *rules;
	struct store *st;
	bool all = false, any = false;
	int c, f, nformats = 0, ret = EXIT_RUNTIME;

	job.app = app;
	optind = 1;
	while ((c = getopt_long(argc, argv, "af:p:A:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'f':
			if (parse_formats(optarg, job.formats) < 0)
				return EXIT_USAGE;
			any = true;
			break;
		case 'p': profile_name_arg = optarg; break;
		case 'A': job.alias = optarg; break;
		case 'o': job.out_dir = optarg; break;
		default: return cli_usage(usage_text);
		}
	}
	if (!any)
		job.formats[EXPORT_POLICYLAYER] = true;
	for (f = 0; f < EXPORT__COUNT; f++)
		nformats += job.formats[f];
	if ((all && optind != argc) || (!all && optind != argc - 1))
		return cli_usage(usage_text);
	if (all && !job.out_dir) {
		cli_error("--all writes one file per server and format; give "
			  "--out DIR");
		return EXIT_USAGE;
	}
	if (!job.out_dir && nformats != 1) {
		cli_error("several formats need --out DIR");
		return EXIT_USAGE;
	}
	if (all && job.alias) {
		cli_error("--alias names one server; it cannot go with --all");
		return EXIT_USAGE;
	}
	profile = profile_load_named(app->data_dir, profile_name_arg, &eb);
	if (!profile) {
		cli_error("%s", eb.msg);
		return EXIT_USAGE;
	}
	job.profile = profile;
	if (!(rules = app_rules(app)) || !(st = app_store(app, true)))
		goto out;
	job.rules_version = rules_version(rules);
	if (all) {
		job.servers = 2; /* batch writes: sync once at the end */
		if (export_all(st, &job, &tally) < 0)
			goto out;
		if (export_sync(job.out_dir, &eb) < 0) {
			cli_error("%s", eb.msg);
			goto out;
		}
	} else {
		struct server_verdicts sv;

		if (recommend_load(st, argv[optind], job.rules_version, &sv,
				   &eb) < 0) {
			cli_error("%s", eb.msg);
			goto out;
		}
		job.servers = 1;
		c = export_one(&job, &tally, &sv);
		server_verdicts_release(&sv);
		if (c < 0)
			goto out;
	}
	if (!app->quiet) {
		print_notes(&tally);
		if (job.out_dir)
			fprintf(stderr, "export: %d files written to %s\n",
				tally.files, job.out_dir);
	}
	ret = EXIT_OK;
out:
	for (f = 0; f < EXPORT__COUNT; f++)
		export_notes_release(&tally.notes[f]);
	profile_free(profile);
	return ret;
}
