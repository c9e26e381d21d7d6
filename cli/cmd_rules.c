/*
 * mcprisk rules check [FILE|DIR]: load a rule set the way every command
 * would and report what it holds, or the first error with its file, rule
 * id and pattern offset.  mcprisk rules diff OLD NEW: classify every
 * present definition of the catalog with both sets and show what flips.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "cli/cli.h"
#include "db/store.h"
#include "util/json.h"
#include "util/term.h"
#include "util/errbuf.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define RULES_USAGE "rules check [FILE|DIR] | rules diff OLD NEW"
/* Tool names listed per flip group in text output before "and N more". */
#define DIFF_TEXT_NAMES 8

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

/* State of one diff over the catalog. */
struct diff {
	struct classifier *old, *new;
	char *last_hash;     /* definition being walked; owned */
	json_t *group;       /* its flip group, or NULL (borrowed) */
	json_t *groups;      /* "from -> to" label -> group object */
	size_t ndefs;        /* definitions classified */
	size_t ntools;       /* present tools walked */
	size_t nflips;       /* definitions whose verdict flips */
	size_t nbad;         /* definitions neither set can classify */
};

/* The verdicts of one definition under both sets; NULL when equal. */
static json_t *
diff_group(struct diff *d, const char *json)
{
	struct errbuf eb = ERRBUF_INIT;
	struct verdict a, b;
	json_t *g = NULL;
	char label[128];
	size_t len = strlen(json);

	/* A stored definition is its canonical text: classified as it
	   is, without a parse. */
	if (classify_text(d->old, json, len, &a, &eb) < 0) {
		d->nbad++;
		return NULL;
	}
	if (classify_text(d->new, json, len, &b, &eb) < 0) {
		d->nbad++;
		verdict_release(&a);
		return NULL;
	}
	if (a.category != b.category || a.risk != b.risk) {
		snprintf(label, sizeof(label), "%s %s -> %s %s",
			 category_name(a.category), risk_name(a.risk),
			 category_name(b.category), risk_name(b.risk));
		g = json_object_get(d->groups, label);
		if (!g) {
			g = json_pack("{s:{s:s,s:s},s:{s:s,s:s},s:i,s:[]}",
				      "from", "category",
				      category_name(a.category), "risk",
				      risk_name(a.risk), "to", "category",
				      category_name(b.category), "risk",
				      risk_name(b.risk), "definitions", 0,
				      "tools");
			json_object_set_new(d->groups, label, g);
		}
		json_object_set_new(g, "definitions",
				    json_integer(json_integer_value(json_object_get(
					    g, "definitions")) + 1));
		d->nflips++;
	}
	verdict_release(&a);
	verdict_release(&b);
	return g;
}

static int
diff_row(void *ctx, const char *server, const char *tool, const char *hash,
	 const char *json)
{
	struct diff *d = ctx;
	char name[1024];

	if (!d->last_hash || strcmp(d->last_hash, hash) != 0) {
		free(d->last_hash);
		d->last_hash = xstrdup(hash);
		d->ndefs++;
		d->group = diff_group(d, json);
	}
	d->ntools++;
	if (d->group) {
		snprintf(name, sizeof(name), "%s/%s", server, tool);
		json_array_append_new(json_object_get(d->group, "tools"),
				      json_string(name));
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
		      json_string_value(*(json_t *const *)b));
}

/* The groups as an array in label order, each tool list sorted. */
static json_t *
diff_flips(json_t *groups)
{
	json_t *out = json_array(), *g, **items;
	const char **labels;
	const char *k;
	size_t n = json_object_size(groups), i = 0, j;

	labels = xcalloc(n + 1, sizeof(*labels));
	json_object_foreach(groups, k, g)
		labels[i++] = k;
	qsort(labels, n, sizeof(*labels), cmp_str);
	for (i = 0; i < n; i++) {
		json_t *tools, *sorted = json_array();

		g = json_object_get(groups, labels[i]);
		tools = json_object_get(g, "tools");
		items = xcalloc(json_array_size(tools) + 1, sizeof(*items));
		for (j = 0; j < json_array_size(tools); j++)
			items[j] = json_array_get(tools, j);
		qsort(items, json_array_size(tools), sizeof(*items),
		      cmp_json_str);
		for (j = 0; j < json_array_size(tools); j++)
			json_array_append(sorted, items[j]);
		free(items);
		json_object_set_new(g, "tools", sorted);
		json_array_append(out, g);
	}
	free(labels);
	return out;
}

static int
rules_diff(int argc, char **argv, struct app *app)
{
	struct errbuf eb = ERRBUF_INIT;
	struct rules *ro = NULL, *rn = NULL;
	struct diff d = { 0 };
	struct store *st;
	json_t *flips = NULL;
	int ret = EXIT_RUNTIME;
	size_t i, j;

	if (argc != 3)
		return cli_usage(RULES_USAGE);
	if (!(ro = rules_load(argv[1], &eb)) ||
	    !(rn = rules_load(argv[2], &eb))) {
		cli_error("%s", eb.msg);
		goto out;
	}
	if (!(st = app_store(app, true)))
		goto out;
	d.old = classifier_new(ro);
	d.new = classifier_new(rn);
	d.groups = json_object();
	if (store_each_definition(st, diff_row, &d, &eb) < 0) {
		cli_error("%s", eb.msg);
		goto out;
	}
	flips = diff_flips(d.groups);
	if (app->json) {
		json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:O}",
				      "old_version", rules_version(ro),
				      "new_version", rules_version(rn),
				      "definitions", (json_int_t)d.ndefs,
				      "tools", (json_int_t)d.ntools,
				      "flipped", (json_int_t)d.nflips,
				      "unreadable", (json_int_t)d.nbad,
				      "flips", flips);

		json_print(stdout, o);
		json_decref(o);
	} else {
		printf("rules %s -> %s: %zu of %zu definitions (%zu tools) "
		       "flip\n", rules_version(ro), rules_version(rn),
		       d.nflips, d.ndefs, d.ntools);
		for (i = 0; i < json_array_size(flips); i++) {
			json_t *g = json_array_get(flips, i),
			       *tools = json_object_get(g, "tools");
			json_int_t nd = json_integer_value(
				json_object_get(g, "definitions"));

			printf("%s -> %s",
			       json_get_str(json_object_get(g, "from"),
					    "category"),
			       json_get_str(json_object_get(g, "to"),
					    "category"));
			if (strcmp(json_get_str(json_object_get(g, "from"),
						"risk"),
				   json_get_str(json_object_get(g, "to"),
						"risk")) != 0)
				printf(" (risk %s -> %s)",
				       json_get_str(json_object_get(g, "from"),
						    "risk"),
				       json_get_str(json_object_get(g, "to"),
						    "risk"));
			else
				printf(" (risk %s)",
				       json_get_str(json_object_get(g, "to"),
						    "risk"));
			printf(": %lld definition%s (", (long long)nd,
			       nd == 1 ? "" : "s");
			for (j = 0; j < json_array_size(tools) &&
				    j < DIFF_TEXT_NAMES; j++) {
				if (j)
					fputs(", ", stdout);
				term_print(stdout, json_string_value(
						   json_array_get(tools, j)),
					   0);
			}
			if (json_array_size(tools) > DIFF_TEXT_NAMES)
				printf(", and %zu more",
				       json_array_size(tools) -
					       DIFF_TEXT_NAMES);
			printf(")\n");
		}
		if (d.nbad)
			printf("%zu definitions could not be classified\n",
			       d.nbad);
	}
	ret = EXIT_OK;
out:
	json_decref(flips);
	json_decref(d.groups);
	free(d.last_hash);
	classifier_free(d.old);
	classifier_free(d.new);
	rules_free(ro);
	rules_free(rn);
	return ret;
}

int
cmd_rules(int argc, char **argv, struct app *app)
{
	if (argc < 2)
		return cli_usage(RULES_USAGE);
	if (strcmp(argv[1], "check") == 0)
		return rules_check(argc - 1, argv + 1, app);
	if (strcmp(argv[1], "diff") == 0)
		return rules_diff(argc - 1, argv + 1, app);
	cli_error("'rules %s' is not a rules command", argv[1]);
	return cli_usage(RULES_USAGE);
}
