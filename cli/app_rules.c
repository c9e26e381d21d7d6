/*
 * The rule set for commands that classify: --rules (or $MCPRISK_RULES) when
 * given, else the bundled data/rules, loaded once on first use.
 */
#include <stdlib.h>

#include "classifier/rules.h"
#include "cli/cli.h"
#include "util/errbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct rules *
app_rules(struct app *app)
{
	struct errbuf eb = ERRBUF_INIT;
	char *path;

	if (app->rules)
		return app->rules;
	path = app->rules_path ? xstrdup(app->rules_path)
			       : app_data_path(app, "rules");
	app->rules = rules_load(path, &eb);
	if (!app->rules)
		cli_error("%s", eb.msg);
	free(path);
	return app->rules;
}

void
app_rules_release(struct app *app)
{
	rules_free(app->rules);
	app->rules = NULL;
}
