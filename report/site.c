/*
 * The report generator: the main thread streams the catalog (servers with
 * their tools and drift, then definitions grouped by tool name) into jobs;
 * worker threads decode verdicts, decide policies, render every page with
 * each backend and write it.  The index is written last from the summaries
 * the server jobs leave behind.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/scan.h"
#include "report/doc.h"
#include "report/html.h"
#include "report/pages.h"
#include "report/recommend.h"
#include "report/site.h"
#include "report/vdecode.h"
#include "util/fileio.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Jobs waiting for a worker; bounds the memory the reader runs ahead. */
#define QUEUE_CAP 256
/* A full queue wakes the reader only once it has drained to this, so the
   reader refills it in one go instead of waking for every free slot. */
#define QUEUE_LOW (QUEUE_CAP / 2)

enum job_kind { JOB_SERVER, JOB_DEF };

struct job {
	enum job_kind kind;
	struct page_server srv;    /* JOB_SERVER */
	char **verdict_json;       /* per tool; NULL entries: none */
	size_t def_bytes;          /* definitions' JSON, for the tokens */
	struct page_summary *sum;  /* where the index line goes */
	struct page_def def;       /* JOB_DEF */
	char *def_text, *verdict_text;
};

struct site {
	const struct report_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	struct job *queue[QUEUE_CAP];
	size_t head, count;
	bool closed;  /* no more jobs */
	bool failed;  /* a worker failed; stop early */
	struct errbuf err; /* the first failure */
	size_t files;
};

static void job_free(struct job *j);

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
site_fail(struct site *s, const struct errbuf *eb)
{
	pthread_mutex_lock(&s->lock);
	if (!s->failed) {
		s->failed = true;
		errbuf_set(&s->err, "%s", eb->msg);
	}
	pthread_cond_broadcast(&s->not_full);
	pthread_mutex_unlock(&s->lock);
}

/* Queue a job; false when the report already failed (job freed). */
static bool
site_push(struct site *s, struct job *j)
{
	pthread_mutex_lock(&s->lock);
	if (s->count == QUEUE_CAP)
		while (s->count > QUEUE_LOW && !s->failed)
			pthread_cond_wait(&s->not_full, &s->lock);
	if (s->failed) {
		pthread_mutex_unlock(&s->lock);
		job_free(j);
		return false;
	}
	s->queue[(s->head + s->count) % QUEUE_CAP] = j;
	s->count++;
	pthread_cond_signal(&s->not_empty);
	pthread_mutex_unlock(&s->lock);
	return true;
}

static struct job *
site_pop(struct site *s)
{
	struct job *j = NULL;

	pthread_mutex_lock(&s->lock);
	while (s->count == 0 && !s->closed)
		pthread_cond_wait(&s->not_empty, &s->lock);
	if (s->count > 0) {
		j = s->queue[s->head];
		s->head = (s->head + 1) % QUEUE_CAP;
		s->count--;
		if (s->count == QUEUE_LOW)
			pthread_cond_signal(&s->not_full);
	}
	pthread_mutex_unlock(&s->lock);
	return j;
}

static void
job_free(struct job *j)
{
	size_t i;

	if (!j)
		return;
	if (j->kind == JOB_SERVER) {
		for (i = 0; i < j->srv.ntools; i++)
			free(j->verdict_json[i]);
		free(j->verdict_json);
		page_server_release(&j->srv);
	} else {
		free(j->def_text);
		free(j->verdict_text);
		page_def_release(&j->def);
	}
	free(j);
}

/* Decode a stored verdict; false (and nothing to release) on failure. */
static bool
decode_verdict(const char *text, struct verdict *v)
{
	struct errbuf eb = ERRBUF_INIT;

	return text && vdecode_verdict(text, v, &eb) == 0;
}

/* Render one page with every requested backend into out (the worker's
   buffer, reused from page to page) and write it. */
static int
write_page(struct site *s, struct buf *out,
	   const char *(*path_fn)(void *ctx, const char *ext, char **owned),
	   void *ctx, void (*render)(struct doc *d, void *ctx),
	   const char *root, struct errbuf *eb)
{
	const char *dirs[2] = { s->o->html_dir, s->o->md_dir };
	const struct doc_ops *ops[2] = { &doc_html_ops, &doc_md_ops };
	int i, ret = 0;

	for (i = 0; i < 2 && ret == 0; i++) {
		struct doc d = { ops[i], out, root, false };
		char *owned = NULL, *full;

		if (!dirs[i])
			continue;
		buf_reset(out);
		render(&d, ctx);
		path_fn(ctx, ops[i]->ext, &owned);
		if (out->toobig) {
			errbuf_set(eb, "page '%s' is larger than %d bytes",
				   owned, REPORT_PAGE_MAX);
			free(owned);
			ret = -1;
			break;
		}
		full = xasprintf("%s/%s", dirs[i], owned);
		ret = file_write_atomic_nosync(full, out->data ? out->data : "",
					       out->len, eb);
		free(full);
		free(owned);
		if (ret == 0) {
			pthread_mutex_lock(&s->lock);
			s->files++;
			pthread_mutex_unlock(&s->lock);
		}
	}
	return ret;
}

static const char *
server_path_cb(void *ctx, const char *ext, char **owned)
{
	*owned = page_server_path(((struct job *)ctx)->srv.name, ext);
	return *owned;
}

static void
server_render_cb(struct doc *d, void *ctx)
{
	page_server(d, &((struct job *)ctx)->srv);
}

static const char *
def_path_cb(void *ctx, const char *ext, char **owned)
{
	*owned = page_def_path(((struct job *)ctx)->def.hash, ext);
	return *owned;
}

static void
def_render_cb(struct doc *d, void *ctx)
{
	page_def(d, &((struct job *)ctx)->def);
}

static int
run_server_job(struct site *s, struct job *j, struct buf *page,
	       struct errbuf *eb)
{
	struct page_server *p = &j->srv;
	struct page_summary *sum = j->sum;
	struct tool_verdict *tv = xcalloc(p->ntools + 1, sizeof(*tv));
	struct export_server es = { 0 };
	struct errbuf peb = ERRBUF_INIT;
	size_t i, k;
	int f, ret;

	for (i = 0; i < p->ntools; i++) {
		struct page_tool *t = &p->tools[i];

		t->classified = decode_verdict(j->verdict_json[i], &t->v);
		tv[i].name = t->name;
		tv[i].verdict = t->classified ? &t->v : NULL;
		profile_decide(s->o->profile, t->name, tv[i].verdict,
			       &t->action);
		if (!t->classified)
			continue;
		sum->chart.counts[t->v.category][t->v.risk]++;
		if ((int)t->v.risk > sum->max_risk)
			sum->max_risk = (int)t->v.risk;
		for (k = 0; k < t->v.nfindings; k++)
			if (strncmp(t->v.findings[k].rule, "poison", 6) == 0)
				sum->npoison_findings++;
	}
	grade_server(tv, p->ntools, &p->grade);
	p->tokens = grade_tokens_for_def_bytes(j->def_bytes, p->ntools);
	p->profile = profile_name(s->o->profile);
	/* One decision, five writers: the same steps as recommend_render()
	   without deciding the tools again for every format. */
	es.server = p->name;
	es.mcprisk_version = MCPRISK_VERSION;
	es.rules_version = s->o->rules_version;
	export_decide(s->o->profile, tv, p->ntools, &es);
	for (f = 0; f < EXPORT__COUNT; f++) {
		buf_init(&p->policy[f], EXPORT_MAX);
		if (!p->policy_error &&
		    export_render(&es, (enum export_format)f, &p->policy[f],
				  &p->notes, &peb) < 0)
			p->policy_error = xstrdup(peb.msg);
	}
	export_server_release(&es);
	sum->grade = p->grade.letter;
	memcpy(sum->grade_reason, p->grade.reason, sizeof(sum->grade_reason));
	sum->ntools = p->ntools;
	memcpy(sum->by_category, p->grade.by_category,
	       sizeof(sum->by_category));
	sum->tokens = p->tokens;
	ret = write_page(s, page, server_path_cb, j, server_render_cb, "../",
			 eb);
	free(tv);
	return ret;
}

static int
run_def_job(struct site *s, struct job *j, struct buf *page,
	    struct errbuf *eb)
{
	struct page_def *p = &j->def;
	struct tool_verdict tv = { p->name, NULL };
	struct server_verdicts sv = { 0 };
	struct export_notes notes = EXPORT_NOTES_INIT;
	struct errbuf peb = ERRBUF_INIT;

	page_def_set_definition(p, j->def_text);
	p->classified = decode_verdict(j->verdict_text, &p->v);
	tv.verdict = p->classified ? &p->v : NULL;
	profile_decide(s->o->profile, p->name, tv.verdict, &p->action);
	p->profile = profile_name(s->o->profile);
	sv.server = p->nservers ? p->servers[0] : p->name;
	sv.tools = &tv;
	sv.n = 1;
	buf_init(&p->policy, EXPORT_MAX);
	if (recommend_render(s->o->profile, &sv, NULL, s->o->rules_version,
			     EXPORT_POLICYLAYER, &p->policy, &notes,
			     &peb) < 0) {
		buf_reset(&p->policy);
		buf_printf(&p->policy, "(no policy: %s)", peb.msg);
	}
	export_notes_release(&notes);
	return write_page(s, page, def_path_cb, j, def_render_cb, "../../",
			  eb);
}

static void *
worker(void *arg)
{
	struct site *s = arg;
	struct errbuf eb = ERRBUF_INIT;
	struct buf page = BUF_INIT(REPORT_PAGE_MAX);
	struct job *j;

	while ((j = site_pop(s)) != NULL) {
		int rc = 0;
		bool stop;

		pthread_mutex_lock(&s->lock);
		stop = s->failed;
		pthread_mutex_unlock(&s->lock);
		if (!stop)
			rc = j->kind == JOB_SERVER ?
			     run_server_job(s, j, &page, &eb) :
			     run_def_job(s, j, &page, &eb);
		if (rc < 0)
			site_fail(s, &eb);
		job_free(j);
	}
	buf_release(&page);
	return NULL;
}

/* A scan and whether it holds a current row. */
struct cursor {
	struct store_scan *sc;
	int state; /* 1 row, 0 end, -1 error */
};

static int
cursor_open(struct cursor *c, struct store *st, enum store_scan_kind k,
	    const char *rv, struct errbuf *eb)
{
	c->sc = store_scan_new(st, k, rv, REPORT_DRIFT_MAX, eb);
	if (!c->sc)
		return -1;
	c->state = store_scan_next(c->sc, eb);
	return c->state < 0 ? -1 : 0;
}

/* Move c past rows of servers before name; true when at name's rows. */
static bool
cursor_at(struct cursor *c, int col, const char *name, struct errbuf *eb)
{
	while (c->state == 1) {
		int cmp = strcmp(store_scan_text(c->sc, col), name);

		if (cmp == 0)
			return true;
		if (cmp > 0)
			return false;
		c->state = store_scan_next(c->sc, eb);
	}
	return false;
}

static int
read_servers(struct site *s, struct store *st, struct page_summary ***sums,
	     size_t *nsums, struct errbuf *eb)
{
	const char *rv = s->o->rules_version;
	struct cursor srv = { 0 }, tools = { 0 }, chg = { 0 };
	size_t cap = 0;
	int ret = -1;

	if (cursor_open(&srv, st, SCAN_SERVERS, rv, eb) < 0 ||
	    cursor_open(&tools, st, SCAN_SERVER_TOOLS, rv, eb) < 0 ||
	    cursor_open(&chg, st, SCAN_CHANGES, rv, eb) < 0)
		goto out;
	for (; srv.state == 1; srv.state = store_scan_next(srv.sc, eb)) {
		struct store_scan *sc = srv.sc;
		struct job *j = xcalloc(1, sizeof(*j));
		struct page_server *p = &j->srv;
		struct page_summary *sum = xcalloc(1, sizeof(*sum));
		size_t tcap = 0, ccap = 0;

		j->kind = JOB_SERVER;
		p->name = xstrdup(store_scan_text(sc, SC_SRV_NAME));
		p->title = dup_or_null(store_scan_text(sc, SC_SRV_TITLE));
		p->description = dup_or_null(
			store_scan_text(sc, SC_SRV_DESCRIPTION));
		p->version = dup_or_null(store_scan_text(sc, SC_SRV_VERSION));
		p->status = dup_or_null(store_scan_text(sc, SC_SRV_STATUS));
		p->error = dup_or_null(store_scan_text(sc, SC_SRV_ERROR));
		p->source = dup_or_null(store_scan_text(sc, SC_SRV_SOURCE));
		p->transport = dup_or_null(
			store_scan_text(sc, SC_SRV_TRANSPORT));
		p->endpoint = dup_or_null(store_scan_text(sc, SC_SRV_ENDPOINT));
		p->last_success = store_scan_int(sc, SC_SRV_LAST_SUCCESS);
		sum->name = xstrdup(p->name);
		sum->title = dup_or_null(p->title);
		sum->status = dup_or_null(p->status);
		sum->error = dup_or_null(p->error);
		sum->max_risk = -1;
		sum->grade = '?';
		if (*nsums == cap) {
			cap = cap ? cap * 2 : 1024;
			*sums = xreallocarray(*sums, cap, sizeof(**sums));
		}
		(*sums)[(*nsums)++] = sum;
		j->sum = sum;

		while (cursor_at(&tools, SC_TOOL_SERVER, p->name, eb)) {
			struct store_scan *t = tools.sc;
			struct page_tool *pt;
			const char *def;

			if (p->ntools == tcap) {
				tcap = tcap ? tcap * 2 : 16;
				p->tools = xreallocarray(p->tools, tcap,
							 sizeof(*p->tools));
				j->verdict_json = xreallocarray(
					j->verdict_json, tcap, sizeof(char *));
			}
			pt = &p->tools[p->ntools];
			memset(pt, 0, sizeof(*pt));
			pt->name = xstrdup(store_scan_text(t, SC_TOOL_NAME));
			pt->hash = xstrdup(store_scan_text(t, SC_TOOL_HASH));
			pt->description = dup_or_null(
				store_scan_text(t, SC_TOOL_DESCRIPTION));
			pt->nonstandard = store_scan_int(t, SC_TOOL_NONSTANDARD);
			j->verdict_json[p->ntools] = dup_or_null(
				store_scan_text(t, SC_TOOL_VERDICT));
			/* Only its size is shown (the token estimate):
			   no copy. */
			def = store_scan_text(t, SC_TOOL_DEFINITION);
			j->def_bytes += def ? strlen(def) : 0;
			p->ntools++;
			tools.state = store_scan_next(t, eb);
		}
		while (cursor_at(&chg, SC_CHG_SERVER, p->name, eb)) {
			struct store_scan *c = chg.sc;
			struct page_change *pc;

			if (p->nchanges == ccap) {
				ccap = ccap ? ccap * 2 : 8;
				p->changes = xreallocarray(p->changes, ccap,
							   sizeof(*p->changes));
			}
			pc = &p->changes[p->nchanges++];
			pc->run = store_scan_int(c, SC_CHG_RUN);
			pc->at = store_scan_int(c, SC_CHG_AT);
			pc->tool = dup_or_null(store_scan_text(c, SC_CHG_TOOL));
			pc->kind = dup_or_null(store_scan_text(c, SC_CHG_KIND));
			pc->fields = dup_or_null(
				store_scan_text(c, SC_CHG_FIELDS));
			pc->old_category = dup_or_null(
				store_scan_text(c, SC_CHG_OLD_CATEGORY));
			pc->old_risk = dup_or_null(
				store_scan_text(c, SC_CHG_OLD_RISK));
			pc->new_category = dup_or_null(
				store_scan_text(c, SC_CHG_NEW_CATEGORY));
			pc->new_risk = dup_or_null(
				store_scan_text(c, SC_CHG_NEW_RISK));
			chg.state = store_scan_next(c, eb);
		}
		if (tools.state < 0 || chg.state < 0) {
			job_free(j);
			goto out;
		}
		if (!site_push(s, j))
			goto out;
	}
	if (srv.state == 0)
		ret = 0;
out:
	store_scan_free(srv.sc);
	store_scan_free(tools.sc);
	store_scan_free(chg.sc);
	return ret;
}

/* Definitions of one tool name, collected before their jobs go out so
   that each can list the others. */
struct name_group {
	struct job **v;
	size_t n, cap;
};

static bool
flush_group(struct site *s, struct name_group *g, size_t *ndefs)
{
	size_t i, k, m;
	bool ok = true;

	for (i = 0; i < g->n; i++) {
		struct page_def *p = &g->v[i]->def;
		size_t want = g->n - 1 < PAGES_RELATED_MAX ? g->n - 1 :
			      PAGES_RELATED_MAX;

		p->siblings = want ? xcalloc(want, sizeof(char *)) : NULL;
		for (k = 0, m = 0; k < g->n && m < want; k++)
			if (k != i)
				p->siblings[m++] = xstrdup(g->v[k]->def.hash);
		p->nsiblings = m;
	}
	for (i = 0; i < g->n; i++) {
		if (!ok)
			job_free(g->v[i]);
		else if (site_push(s, g->v[i]))
			(*ndefs)++;
		else
			ok = false;
	}
	g->n = 0;
	return ok;
}

static int
read_definitions(struct site *s, struct store *st, size_t *ndefs,
		 struct errbuf *eb)
{
	struct cursor c = { 0 };
	struct name_group g = { 0 };
	struct job *cur = NULL;
	size_t scap = 0;
	int ret = -1;

	if (cursor_open(&c, st, SCAN_DEFINITIONS, s->o->rules_version,
			eb) < 0)
		goto out;
	for (; c.state == 1; c.state = store_scan_next(c.sc, eb)) {
		const char *name = store_scan_text(c.sc, SC_DEF_NAME);
		const char *hash = store_scan_text(c.sc, SC_DEF_HASH);

		if (!cur || strcmp(cur->def.hash, hash) != 0) {
			if (cur && strcmp(cur->def.name, name) != 0 &&
			    !flush_group(s, &g, ndefs))
				goto out;
			cur = xcalloc(1, sizeof(*cur));
			cur->kind = JOB_DEF;
			cur->def.name = xstrdup(name);
			cur->def.hash = xstrdup(hash);
			cur->def_text = xstrdup(
				store_scan_text(c.sc, SC_DEF_DEFINITION));
			cur->verdict_text = dup_or_null(
				store_scan_text(c.sc, SC_DEF_VERDICT));
			scap = 0;
			if (g.n == g.cap) {
				g.cap = g.cap ? g.cap * 2 : 8;
				g.v = xreallocarray(g.v, g.cap, sizeof(*g.v));
			}
			g.v[g.n++] = cur;
		}
		if (cur->def.nservers == scap) {
			scap = scap ? scap * 2 : 4;
			cur->def.servers = xreallocarray(cur->def.servers, scap,
							 sizeof(char *));
		}
		cur->def.servers[cur->def.nservers++] =
			xstrdup(store_scan_text(c.sc, SC_DEF_SERVER));
	}
	if (c.state == 0 && flush_group(s, &g, ndefs))
		ret = 0;
out:
	if (ret < 0) {
		size_t i;

		for (i = 0; i < g.n; i++)
			job_free(g.v[i]);
	}
	free(g.v);
	store_scan_free(c.sc);
	return ret;
}

static int
make_dirs(const char *dir, struct errbuf *eb)
{
	char sub[8];
	char *p;
	int i, ret = 0;

	p = xasprintf("%s/s", dir);
	ret = file_mkdirs(p, eb);
	free(p);
	for (i = 0; i < 256 && ret == 0; i++) {
		snprintf(sub, sizeof(sub), "%02x", i);
		p = xasprintf("%s/t/%s", dir, sub);
		ret = file_mkdirs(p, eb);
		free(p);
	}
	return ret;
}

static int
write_index(struct site *s, struct page_index *idx, struct errbuf *eb)
{
	const char *dirs[2] = { s->o->html_dir, s->o->md_dir };
	const struct doc_ops *ops[2] = { &doc_html_ops, &doc_md_ops };
	struct buf out = BUF_INIT(REPORT_PAGE_MAX);
	size_t npages = (idx->nservers + PAGES_INDEX_ROWS - 1) /
			PAGES_INDEX_ROWS, pg;
	int i, ret = 0;
	char *path;

	if (npages == 0)
		npages = 1;
	for (i = 0; i < 2 && ret == 0; i++) {
		if (!dirs[i])
			continue;
		for (pg = 0; pg < npages && ret == 0; pg++) {
			struct doc d = { ops[i], &out, "", false };
			char *name = page_index_path(pg, ops[i]->ext);

			buf_reset(&out);
			page_index(&d, idx, pg, npages);
			path = xasprintf("%s/%s", dirs[i], name);
			ret = out.toobig ? -1 :
			      file_write_atomic_nosync(path, out.data,
						       out.len, eb);
			if (out.toobig)
				errbuf_set(eb, "index page is too large");
			s->files += ret == 0;
			free(path);
			free(name);
		}
		if (ret == 0 && ops[i] == &doc_html_ops) {
			path = xasprintf("%s/style.css", dirs[i]);
			ret = file_write_atomic_nosync(path, html_stylesheet(),
						       strlen(html_stylesheet()),
						       eb);
			s->files += ret == 0;
			free(path);
		}
		if (ret == 0)
			ret = file_sync_fs(dirs[i], eb);
	}
	buf_release(&out);
	return ret;
}

int
report_site(struct store *st, const struct report_opts *o,
	    struct report_stats *stats, struct errbuf *eb)
{
	struct site s;
	struct page_summary **sums = NULL;
	struct page_index idx;
	pthread_t threads[REPORT_JOBS_MAX];
	int nthreads = o->jobs, started = 0, ret = -1, rc = 0, cat, r;
	bool snap = false;
	size_t i;

	memset(&s, 0, sizeof(s));
	memset(&idx, 0, sizeof(idx));
	memset(stats, 0, sizeof(*stats));
	s.o = o;
	pthread_mutex_init(&s.lock, NULL);
	pthread_cond_init(&s.not_empty, NULL);
	pthread_cond_init(&s.not_full, NULL);
	if (nthreads <= 0)
		nthreads = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > REPORT_JOBS_MAX)
		nthreads = REPORT_JOBS_MAX;
	if ((o->html_dir && make_dirs(o->html_dir, eb) < 0) ||
	    (o->md_dir && make_dirs(o->md_dir, eb) < 0))
		goto out;
	if (store_snapshot_begin(st, eb) < 0)
		goto out;
	snap = true;
	/* jansson seeds its hash function on first use; do it before
	   there are threads to race on it. */
	json_object_seed(0);
	for (; started < nthreads; started++)
		if (pthread_create(&threads[started], NULL, worker, &s) != 0)
			break;
	if (started == 0) {
		errbuf_set(eb, "cannot start a worker thread");
		goto out;
	}
	rc = read_servers(&s, st, &sums, &idx.nservers, eb);
	if (rc == 0)
		rc = read_definitions(&s, st, &idx.ndefs, eb);
	pthread_mutex_lock(&s.lock);
	s.closed = true;
	pthread_cond_broadcast(&s.not_empty);
	pthread_mutex_unlock(&s.lock);
	while (started > 0)
		pthread_join(threads[--started], NULL);
	if (s.failed) {
		errbuf_set(eb, "%s", s.err.msg);
		goto out;
	}
	if (rc < 0)
		goto out;
	idx.servers = sums;
	idx.rules_version = o->rules_version;
	idx.profile = profile_name(o->profile);
	for (i = 0; i < idx.nservers; i++) {
		idx.ntools += sums[i]->ntools;
		idx.npoisoning += sums[i]->npoison_findings;
		for (cat = 0; cat < CAT__COUNT; cat++)
			for (r = 0; r < RISK__COUNT; r++)
				idx.chart.counts[cat][r] +=
					sums[i]->chart.counts[cat][r];
	}
	for (cat = 0; cat < CAT__COUNT; cat++)
		idx.ncritical += idx.chart.counts[cat][RISK_CRITICAL];
	if (write_index(&s, &idx, eb) < 0)
		goto out;
	stats->servers = idx.nservers;
	stats->tools = idx.ntools;
	stats->defs = idx.ndefs;
	stats->files = s.files;
	ret = 0;
out:
	if (snap)
		store_snapshot_end(st);
	for (i = 0; i < idx.nservers; i++) {
		page_summary_release(sums[i]);
		free(sums[i]);
	}
	free(sums);
	pthread_mutex_destroy(&s.lock);
	pthread_cond_destroy(&s.not_empty);
	pthread_cond_destroy(&s.not_full);
	return ret;
}
