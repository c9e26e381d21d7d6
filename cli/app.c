/*
 * Resources commands open on demand: the catalog store and the rule set.
 * Opening lazily keeps commands that need neither free of database side
 * effects.
 */
#include <stdlib.h>

#include "classifier/rules.h"
#include "cli/cli.h"
#include "db/store.h"
#include "util/errbuf.h"
#include "util/parse.h"
#include "util/banned.h"

/* A fixed clock for reproducible tests and golden files. */
static void
set_clock(struct store *st)
{
	const char *now = getenv("MCPRISK_NOW");
	struct errbuf eb = ERRBUF_INIT;
	long long t;

	if (now && *now && parse_ll(now, 1, 4102444800LL, &t, &eb) == 0)
		store_set_now(st, t);
}

struct store *
app_store(struct app *app, bool readonly)
{
	struct errbuf eb = ERRBUF_INIT;

	if (app->store)
		return app->store;
	app->store = store_open(app->db_path,
				readonly ? STORE_READONLY : STORE_CREATE, &eb);
	if (!app->store) {
		cli_error("%s", eb.msg);
		return NULL;
	}
	set_clock(app->store);
	return app->store;
}

struct store *
app_store_build(struct app *app)
{
	struct errbuf eb = ERRBUF_INIT;
	bool exists;

	if (app->store)
		return app->store;
	app->store = store_build(app->db_path, &exists, &eb);
	if (!app->store) {
		if (exists)
			return app_store(app, false);
		cli_error("%s", eb.msg);
		return NULL;
	}
	set_clock(app->store);
	/* Stopped by a signal, the build would wait for the next one to
	   clear it; it may be gigabytes. */
	cli_remove_on_signal(store_path(app->store));
	cli_stop_servers_on_signal();
	return app->store;
}

int
app_store_publish(struct app *app)
{
	struct errbuf eb = ERRBUF_INIT;

	if (app->store && store_publish(app->store, &eb) < 0) {
		cli_error("%s", eb.msg);
		return -1;
	}
	cli_remove_on_signal(NULL);
	return 0;
}

void
app_release(struct app *app)
{
	app_rules_release(app);
	store_free(app->store);
	app->store = NULL;
}

const char *
app_rules_version(struct app *app)
{
	/* Queries show verdicts of the rule set in use (bundled or --rules);
	   without a loadable rule set they show none. */
	struct rules *r = app_rules(app);

	return r ? rules_version(r) : NULL;
}
