/*
 * mcprisk rules check [FILE|DIR]: load a rule set the way every command
 * would and report what it holds, or the first error with its file, rule
 * id and pattern offset.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/rules.h"
#include "cli/cli.h"
#include "util/errbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define RULES_USAGE "rules check [FILE|DIR]"

static int
rules_check(int argc, char **argv, struct app *app)
{
	struct errbuf eb = ERRBUF_INIT;
	struct rules *r;
	char *path;
	size_t w, p, d;

	if (argc > 2)
		return cli_usage(RULES_USAGE);
	if (argc == 2)
		path = xstrdup(argv[1]);
	else if (app->rules_path)
		path = xstrdup(app->rules_path);
	else
		path = app_data_path(app, "rules");
	r = rules_load(path, &eb);
	if (!r) {
		cli_error("%s", eb.msg);
		free(path);
		return EXIT_RUNTIME;
	}
	rules_kinds(r, &w, &p, &d);
	if (app->json) {
		json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}",
				      "version", rules_version(r), "rules",
				      (json_int_t)rules_count(r), "files",
				      (json_int_t)rules_nfiles(r), "words",
				      (json_int_t)w, "patterns", (json_int_t)p,
				      "detectors", (json_int_t)d);

		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		printf("%s: rule set %s is valid: %zu rules (%zu word lists, "
		       "%zu patterns, %zu detectors) in %zu files\n",
		       path, rules_version(r), rules_count(r), w, p, d,
		       rules_nfiles(r));
	}
	rules_free(r);
	free(path);
	return EXIT_OK;
}

int
cmd_rules(int argc, char **argv, struct app *app)
{
	if (argc < 2)
		return cli_usage(RULES_USAGE);
	if (strcmp(argv[1], "check") == 0)
		return rules_check(argc - 1, argv + 1, app);
	cli_error("'rules %s' is not a rules command", argv[1]);
	return cli_usage(RULES_USAGE);
}
