/*
 * The crawl loop over several targets at once: stdio fixtures, presets,
 * saved manifests and a missing program, with fewer jobs than targets.
 */
#include <stdlib.h>

#include "crawler/crawler.h"
#include "util/xalloc.h"
#include "tests/unit/t.h"

struct seen {
	int calls;
	int status[16];
	size_t ntools[16];
	int progress_calls;
	size_t last_done, max_active;
};

static void
on_result(void *ctx, const struct target *t, size_t index,
	  struct crawl_result *r)
{
	struct seen *s = ctx;

	(void)t;
	s->calls++;
	if (index < 16) {
		s->status[index] = (int)r->status;
		s->ntools[index] = r->manifest.ntools;
	}
}

static void
on_progress(void *ctx, const struct crawl_progress *p)
{
	struct seen *s = ctx;

	s->progress_calls++;
	s->last_done = p->done;
	if (p->active > s->max_active)
		s->max_active = p->active;
}

static void
add_stdio(struct target_list *l, const char *prog, const char *mode)
{
	struct target *t = target_list_add(l);

	t->name = xstrdup(mode);
	t->transport = TRANSPORT_STDIO;
	t->argv = xcalloc(3, sizeof(*t->argv));
	t->argv[0] = xstrdup(prog);
	t->argv[1] = xstrdup(mode);
}

TEST(crawler_runs_many_targets_with_few_jobs)
{
	const char *build = getenv("BUILD");
	char *prog = xasprintf("%s/fixtures/stdio_fixture",
			       build ? build : "build/rel");
	struct target_list l = TARGET_LIST_INIT;
	struct crawler_opts o = { 0 };
	struct seen s = { 0 };
	struct errbuf eb = ERRBUF_INIT;
	struct crawler *c;
	struct target *t;

	add_stdio(&l, prog, "good");
	add_stdio(&l, prog, "banner");
	t = target_list_add(&l);
	t->name = xstrdup("preset");
	t->preset_status = xstrdup("needs_exec");
	t->preset_error = xstrdup("pass --allow-exec");
	t = target_list_add(&l);
	t->name = xstrdup("saved");
	t->transport = TRANSPORT_MANIFEST;
	t->path = xstrdup("x.json");
	add_stdio(&l, "/nonexistent/program", "x");
	add_stdio(&l, prog, "midexit");
	add_stdio(&l, prog, "flood");
	o.jobs = 2;
	o.budget_ms = 10000;
	o.progress = on_progress;
	o.progress_ctx = &s;
	c = crawler_new(&o, &eb);
	CHECK(c != NULL);
	CHECK_INT(crawler_run(c, &l, on_result, &s, &eb), 0);
	CHECK_INT(s.calls, 7);
	CHECK_INT(s.status[0], CRAWL_OK);
	CHECK_INT((long long)s.ntools[0], 2);
	CHECK_INT(s.status[1], CRAWL_OK);
	CHECK_INT(s.status[2], CRAWL_PRESET);
	CHECK_INT(s.status[3], CRAWL_SKIPPED);
	CHECK_INT(s.status[4], CRAWL_SPAWN_FAILED);
	CHECK_INT(s.status[5], CRAWL_PROTOCOL_ERROR);
	CHECK_INT(s.status[6], CRAWL_OK);
	CHECK(s.progress_calls > 0);
	CHECK_INT((long long)s.last_done, 7);
	CHECK(s.max_active <= 2);
	crawler_free(c);
	target_list_release(&l);
	free(prog);
}
