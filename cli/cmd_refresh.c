/*
 * mcprisk refresh: the nightly job.  Expand the catalog's sources, sync
 * registries incrementally (remembering what each one taught us), crawl
 * every server concurrently, write each good manifest in its own
 * transaction, record failures without touching the last good tools, then
 * classify what is new and summarise.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/ingest.h"
#include "crawler/catalog.h"
#include "crawler/crawler.h"
#include "crawler/registry.h"
#include "db/store.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/parse.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char usage_text[] =
	"refresh [--catalog FILE] [--jobs N] [--host-conns N] [--only NAME]\n"
	"                       [--allow-exec] [--allow-private] [--timeout SECS]\n"
	"                       [--full]";

struct refresh {
	struct app *app;
	struct ingest *ing;
	bool tty;           /* draw a progress bar on stderr */
	struct timespec t0; /* start of the crawl */
	size_t last_done;   /* progress already drawn */
	int errors;         /* store errors (not server failures) */
};

static double
elapsed(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress(void *ctx, const struct crawl_progress *p)
{
	struct refresh *rf = ctx;
	double secs = elapsed(&rf->t0), rate, eta;
	int width = 30, filled, i;

	if (!rf->tty || p->total == 0)
		return;
	rate = secs > 0 ? (double)p->done / secs : 0;
	eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
	filled = (int)((double)width * (double)p->done / (double)p->total);
	fputs("\r[", stderr);
	for (i = 0; i < width; i++)
		fputc(i < filled ? '=' : ' ', stderr);
	fprintf(stderr, "] %zu/%zu  ok %zu  failed %zu  %.1f/s  ETA %.0fs ",
		p->done, p->total, p->ok, p->failed, rate, eta);
	rf->last_done = p->done;
}

/* What the catalog knows of a server, for failures and good results. */
static void
info_from_target(const struct target *t, const char *endpoint,
		 struct server_info *info)
{
	memset(info, 0, sizeof(*info));
	info->name = t->name;
	info->source = t->source;
	info->transport = transport_name(t->transport);
	info->endpoint = endpoint;
	if (t->meta) {
		info->title = json_get_str(t->meta, "title");
		info->description = json_get_str(t->meta, "description");
		info->version = json_get_str(t->meta, "version");
	}
}

/* A store error from the background writer, printed on this thread. */
static void
report_write_error(void *ctx, const char *msg)
{
	struct refresh *rf = ctx;

	if (rf->tty)
		fputc('\n', stderr);
	cli_error("%s", msg);
}

static void
on_result(void *ctx, const struct target *t, size_t index,
	  struct crawl_result *r)
{
	struct refresh *rf = ctx;
	struct errbuf eb = ERRBUF_INIT;
	struct server_info info;
	char *endpoint = target_describe(t);
	json_t *extra = NULL;
	int rc;

	(void)index;
	if (r->status == CRAWL_SKIPPED) {
		free(endpoint);
		return; /* saved manifests are ingested before the crawl */
	}
	info_from_target(t, endpoint, &info);
	if (r->server || r->details) {
		extra = json_object();
		if (r->server)
			json_object_set(extra, "server", r->server);
		if (r->details)
			json_object_set(extra, "details", r->details);
		json_object_set_new(extra, "elapsed_ms",
				    json_integer(r->elapsed_ms));
		info.extra = extra;
	}
	if (r->server) {
		const char *v;

		if ((v = json_get_str(r->server, "title")))
			info.title = v;
		if ((v = json_get_str(r->server, "version")))
			info.version = v;
		if ((v = json_get_str(r->server, "description")))
			info.description = v;
		if ((v = json_get_str(r->server, "transport")))
			info.transport = v;
		info.protocol_version = json_get_str(r->server, "protocolVersion");
		info.instructions = json_get_str(r->server, "instructions");
	}
	rf->errors += ingest_collect(rf->ing, false, report_write_error, rf);
	if (r->status == CRAWL_OK)
		rc = ingest_manifest_take(rf->ing, &info, &r->manifest, &eb);
	else
		rc = ingest_failure(rf->ing, &info, crawl_status_name(r),
				    r->status == CRAWL_PRESET ? t->preset_error
							      : r->error.msg,
				    &eb);
	if (rc < 0) {
		if (rf->tty)
			fputc('\n', stderr);
		cli_error("%s", eb.msg);
		rf->errors++;
	} else if (r->status != CRAWL_OK && !rf->app->quiet && !rf->tty) {
		fputs("mcprisk: ", stderr);
		term_print(stderr, t->name, 0);
		fprintf(stderr, ": %s: ", crawl_status_name(r));
		term_print(stderr, r->status == CRAWL_PRESET && t->preset_error
					   ? t->preset_error
					   : r->error.msg,
			   0);
		fputc('\n', stderr);
	}
	json_decref(extra);
	free(endpoint);
}

/* Saved manifests named by the catalog go in like `import` would. */
static void
ingest_manifest_targets(struct refresh *rf, const struct target_list *l)
{
	struct buf body = BUF_INIT(MANIFEST_MAX_BYTES);
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct target *t = &l->v[i];
		struct errbuf eb = ERRBUF_INIT;
		char key[SHA256_HEX_LEN + 1];

		if (t->transport != TRANSPORT_MANIFEST)
			continue;
		if (file_read_capped(t->path, MANIFEST_MAX_BYTES, &body, &eb) <
		    0) {
			cli_error("%s", eb.msg);
			rf->errors++;
			continue;
		}
		ingest_source_key(body.data, body.len, t->name, key);
		if (ingest_file(rf->ing, t->path, body.data, body.len, t->name,
				key, &eb) < 0) {
			cli_error("%s", eb.msg);
			rf->errors++;
		}
	}
	buf_release(&body);
}

/*
 * Sync one registry: fetch what changed since the last good sync, remember
 * the targets it taught us, forget deleted servers, then add every
 * remembered target to l.  A failed sync still crawls what was learned
 * before: the catalog never loses servers because a registry was down.
 */
static int
sync_registry(struct refresh *rf, struct store *st,
	      const struct catalog_source *s, bool allow_exec, bool full,
	      struct target_list *l)
{
	struct registry_stats rs = REGISTRY_STATS_INIT;
	struct target_list got = TARGET_LIST_INIT, known = TARGET_LIST_INIT;
	struct registry_opts o = { 0 };
	struct errbuf eb = ERRBUF_INIT;
	char *key = xasprintf("registry:%s:updated_since", s->url);
	char *since = NULL, *max = NULL;
	json_t *remembered = NULL, *j;
	size_t i;
	int ret = -1;

	if (!full && store_meta_get(st, key, &since, &eb) < 0)
		goto fail;
	catalog_registry_opts(s, allow_exec, since, &o);
	if (registry_sync(&o, &got, &max, &rs, &eb) < 0) {
		cli_error("registry '%s': %s; crawling the %s servers it "
			  "listed before", s->url, eb.msg, "remembered");
		errbuf_clear(&eb);
	} else {
		if (store_begin(st, &eb) < 0)
			goto fail;
		for (i = 0; i < got.n; i++) {
			json_t *tj = target_to_json(&got.v[i]);
			int r = store_registry_put(st, s->url, got.v[i].name,
						   tj, &eb);

			json_decref(tj);
			if (r < 0)
				goto fail_tx;
		}
		json_array_foreach(rs.deleted_names, i, j)
			if (store_registry_delete(st, s->url,
						  json_string_value(j), &eb) < 0)
				goto fail_tx;
		if (max && store_meta_set(st, key, max, &eb) < 0)
			goto fail_tx;
		if (store_commit(st, &eb) < 0)
			goto fail;
		if (!rf->app->quiet)
			fprintf(stderr,
				"registry %s: %zu pages, %zu servers updated "
				"(%zu deleted)%s\n",
				s->url, rs.pages, rs.servers, rs.deleted,
				since ? " since the last sync" : "");
	}
	remembered = store_registry_targets(st, s->url, &eb);
	if (!remembered)
		goto fail;
	json_array_foreach(remembered, i, j) {
		struct target *t = target_list_add(&known);

		if (target_from_json(j, t) < 0) {
			known.n--;
			cli_error("registry '%s': a remembered target is "
				  "corrupt; skipped", s->url);
		} else if (!allow_exec && t->argv && !t->preset_status) {
			/* Learned with --allow-exec before, not allowed now. */
			t->preset_status = xstrdup("needs_exec");
			t->preset_error = xstrdup("launching registry packages "
						  "needs --allow-exec");
		}
	}
	if (catalog_merge(l, &known, &eb) < 0)
		goto fail;
	ret = 0;
	goto out;
fail_tx:
	store_rollback(st);
fail:
	cli_error("registry '%s': %s", s->url, eb.msg);
out:
	json_decref(remembered);
	target_list_release(&got);
	target_list_release(&known);
	registry_stats_release(&rs);
	free(key);
	free(since);
	free(max);
	return ret;
}

int
cmd_refresh(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "catalog", required_argument, NULL, 'c' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "host-conns", required_argument, NULL, 'H' },
		{ "only", required_argument, NULL, 'o' },
		{ "allow-exec", no_argument, NULL, 'x' },
		{ "allow-private", no_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 't' },
		{ "full", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct crawler_opts copts = { 0 };
	struct refresh rf = { 0 };
	struct catalog cat = { 0 };
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	struct crawler *cr = NULL;
	const char *only = NULL;
	char *catalog_path = NULL;
	bool allow_exec = false, full = false, loaded = false;
	long long v;
	struct store *st;
	size_t i;
	int c, ret = EXIT_RUNTIME;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:j:H:o:xPt:Fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			free(catalog_path);
			catalog_path = xstrdup(optarg);
			break;
		case 'j':
			if (parse_ll(optarg, 1, 1024, &v, &eb) < 0) {
				cli_error("--jobs: %s", eb.msg);
				goto usage;
			}
			copts.jobs = (unsigned)v;
			break;
		case 'H':
			if (parse_ll(optarg, 1, 1024, &v, &eb) < 0) {
				cli_error("--host-conns: %s", eb.msg);
				goto usage;
			}
			copts.max_host_conns = (long)v;
			break;
		case 'o': only = optarg; break;
		case 'x': allow_exec = true; break;
		case 'P': copts.allow_private = true; break;
		case 't':
			if (parse_ll(optarg, 1, 3600, &v, &eb) < 0) {
				cli_error("--timeout: %s", eb.msg);
				goto usage;
			}
			copts.budget_ms = v * 1000;
			break;
		case 'F': full = true; break;
		default: goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (!catalog_path)
		catalog_path = app_data_path(app, "catalog.json");
	if (catalog_load(catalog_path, &cat, &eb) < 0) {
		cli_error("%s", eb.msg);
		goto out;
	}
	loaded = true;
	if (catalog_expand(&cat, &l, &eb) < 0) {
		cli_error("%s", eb.msg);
		goto out;
	}
	if (!(st = app_store_build(app)))
		goto out;
	rf.app = app;
	rf.ing = ingest_new(app, "refresh");
	if (!rf.ing)
		goto out;
	if (ingest_start(rf.ing, &eb) < 0) { /* locked or read-only: stop */
		cli_error("%s", eb.msg);
		goto out;
	}
	for (i = 0; i < cat.n; i++)
		if (cat.v[i].type == SOURCE_REGISTRY &&
		    sync_registry(&rf, st, &cat.v[i], allow_exec, full, &l) < 0)
			rf.errors++;
	if (only) {
		struct target_list keep = TARGET_LIST_INIT;

		for (i = 0; i < l.n; i++) {
			if (strcmp(l.v[i].name, only) == 0) {
				*target_list_add(&keep) = l.v[i];
				memset(&l.v[i], 0, sizeof(l.v[i]));
			}
		}
		target_list_release(&l);
		l = keep;
		if (l.n == 0) {
			cli_error("no server '%s' in the catalog's sources",
				  only);
			goto out;
		}
	}
	ingest_manifest_targets(&rf, &l);
	rf.tty = term_isatty(2) && !app->quiet;
	copts.progress = progress;
	copts.progress_ctx = &rf;
	cli_stop_servers_on_signal();
	cr = crawler_new(&copts, &eb);
	if (!cr) {
		cli_error("%s", eb.msg);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &rf.t0);
	/* HTTP and parsing go on while earlier servers are written. */
	if (ingest_background(rf.ing, &eb) < 0) {
		cli_error("%s", eb.msg);
		goto out;
	}
	if (crawler_run(cr, &l, on_result, &rf, &eb) < 0) {
		cli_error("%s", eb.msg);
		ingest_finish(rf.ing, "failed");
		goto out;
	}
	rf.errors += ingest_collect(rf.ing, true, report_write_error, &rf);
	if (rf.tty && rf.last_done)
		fputc('\n', stderr);
	if (ingest_finish(rf.ing, rf.errors ? "partial" : "ok") < 0 ||
	    app_store_publish(app) < 0)
		goto out;
	if (!app->quiet)
		fprintf(stderr, "refresh: %zu servers in %.1f s\n", l.n,
			elapsed(&rf.t0));
	ret = rf.errors ? EXIT_RUNTIME : EXIT_OK;
	goto out;
usage:
	ret = cli_usage(usage_text);
out:
	crawler_free(cr);
	ingest_free(rf.ing);
	target_list_release(&l);
	if (loaded)
		catalog_release(&cat);
	free(catalog_path);
	return ret;
}
