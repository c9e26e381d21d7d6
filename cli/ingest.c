/*
 * Shared write path of import and refresh (see ingest.h).  The run row is
 * created on the first write, so an import of files the catalog already
 * holds leaves the database untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "classifier/verdict.h"
#include "cli/ingest.h"
#include "util/json.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Servers per transaction when importing saved manifests. */
#define INGEST_IMPORT_BATCH 256

struct ingest {
	struct app *app;
	struct store *st;
	char *kind;
	int64_t run;       /* -1 until the first write */
	struct rules *rules; /* the rule set new definitions are classified
				with (borrowed from app) */
	int classified;    /* definitions classified at the end */
	int files_skipped; /* unchanged files not even parsed */
	struct run_stats stats;
};

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
	if (strcmp(kind, "import") == 0)
		store_set_batch(st, INGEST_IMPORT_BATCH);
	return ing;
}

void
ingest_free(struct ingest *ing)
{
	if (!ing)
		return;
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

int
ingest_manifest(struct ingest *ing, const struct server_info *info,
		const struct manifest *m, struct errbuf *eb)
{
	struct put_result res;
	bool touch = strcmp(ing->kind, "refresh") == 0;

	if (ensure_run(ing, eb) < 0)
		return -1;
	if (store_put_manifest(ing->st, ing->run, info, m, NULL, touch, &res,
			       eb) < 0) {
		ing->stats.servers_failed++;
		return -1;
	}
	ing->stats.servers_ok++;
	if (res.unchanged)
		ing->stats.servers_unchanged++;
	ing->stats.tools_added += res.added;
	ing->stats.tools_removed += res.removed;
	ing->stats.tools_changed += res.changed;
	warn_nonstandard(ing, info->name, m);
	return 0;
}

int
ingest_failure(struct ingest *ing, const struct server_info *info,
	       const char *status, const char *error, struct errbuf *eb)
{
	if (ensure_run(ing, eb) < 0)
		return -1;
	ing->stats.servers_failed++;
	return store_put_failure(ing->st, info, status, error, eb);
}

int
ingest_file(struct ingest *ing, const char *path, const char *body,
	    size_t len, const char *fallback_name, const char *key,
	    struct errbuf *eb)
{
	struct manifest m = MANIFEST_INIT;
	struct server_info info = { 0 };
	struct put_result res;
	char *source = NULL;
	int ret = -1;

	if (store_has_source(ing->st, key)) {
		ing->files_skipped++;
		ing->stats.servers_unchanged++;
		ing->stats.servers_ok++;
		return 0;
	}
	if (manifest_parse(body, len, &m, eb) < 0) {
		errbuf_prefix(eb, "%s", path);
		ing->stats.servers_failed++;
		return -1;
	}
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
	if (store_put_manifest(ing->st, ing->run, &info, &m, key, false, &res,
			       eb) < 0) {
		errbuf_prefix(eb, "%s", path);
		ing->stats.servers_failed++;
		goto out;
	}
	ing->stats.servers_ok++;
	if (res.unchanged)
		ing->stats.servers_unchanged++;
	ing->stats.tools_added += res.added;
	ing->stats.tools_removed += res.removed;
	ing->stats.tools_changed += res.changed;
	warn_nonstandard(ing, path, &m);
	ret = 0;
out:
	free(source);
	manifest_release(&m);
	return ret;
}

struct classify_ctx {
	struct ingest *ing;
	struct classifier *c;
	struct errbuf *eb;
	int pending; /* verdicts written in the open transaction */
};

/* Verdicts written per transaction while classifying. */
#define INGEST_VERDICT_BATCH 2000

static int
classify_one(void *arg, const char *hash, const json_t *def)
{
	struct classify_ctx *cx = arg;
	struct verdict v;
	json_t *j;
	int r;

	if (classify_tool(cx->c, def, &v, cx->eb) < 0) {
		errbuf_prefix(cx->eb, "definition %s", hash);
		return -1;
	}
	j = verdict_to_json(&v);
	r = store_put_verdict(cx->ing->st, hash, rules_version(cx->ing->rules),
			      j, cx->eb);
	json_decref(j);
	verdict_release(&v);
	if (r < 0)
		return -1;
	cx->ing->classified++;
	if (++cx->pending >= INGEST_VERDICT_BATCH) {
		cx->pending = 0;
		if (store_commit(cx->ing->st, cx->eb) < 0 ||
		    store_begin(cx->ing->st, cx->eb) < 0)
			return -1;
	}
	return 0;
}

/*
 * Classify every definition that has no verdict under the current rule
 * set: the new ones of this run, or all of them after a rule change.
 */
int
ingest_classify_pending(struct ingest *ing, struct errbuf *eb)
{
	struct classify_ctx cx = { ing, NULL, eb, 0 };
	int ret = -1;

	cx.c = classifier_new(ing->rules);
	if (store_begin(ing->st, eb) < 0)
		goto out;
	if (store_each_unclassified(ing->st, rules_version(ing->rules),
				    classify_one, &cx, eb) < 0) {
		store_rollback(ing->st);
		goto out;
	}
	if (store_commit(ing->st, eb) < 0)
		goto out;
	ret = 0;
out:
	classifier_free(cx.c);
	return ret;
}

int
ingest_finish(struct ingest *ing, const char *outcome)
{
	struct errbuf eb = ERRBUF_INIT;
	const struct run_stats *s = &ing->stats;

	if (store_flush(ing->st, &eb) < 0 ||
	    ingest_classify_pending(ing, &eb) < 0 ||
	    (ing->run >= 0 &&
	     store_run_finish(ing->st, ing->run, s, outcome, &eb) < 0)) {
		cli_error("%s", eb.msg);
		return -1;
	}
	if (!ing->app->quiet)
		fprintf(stderr,
			"%s: %d servers ok (%d unchanged), %d failed; "
			"tools: %d added, %d removed, %d changed; "
			"%d definitions classified (rules %s)\n",
			ing->kind, s->servers_ok, s->servers_unchanged,
			s->servers_failed, s->tools_added, s->tools_removed,
			s->tools_changed, ing->classified,
			rules_version(ing->rules));
	return 0;
}
