/*
 * Resources commands open on demand: the catalog store and the rule set.
 * Opening lazily keeps commands that need neither (classify with --rules,
 * --help) free of database side effects.
 */
#include <stdlib.h>

#include "cli/cli.h"
#include "util/banned.h"

void
app_release(struct app *app)
{
	app_rules_release(app);
}
