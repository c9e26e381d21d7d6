/*
 * mcprisk classify [FILE|-] [--fail-on LEVEL]: classify one manifest with
 * no database, for CI.  A table for people, --json for machines, and exit
 * 1 when a tool reaches the --fail-on level.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "cli/cli.h"
#include "crawler/manifest.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/term.h"
#include "util/banned.h"

#define CLASSIFY_USAGE "classify [FILE|-] [--fail-on low|medium|high|critical]"
/* Widest tool name shown in the table before it is cut. */
#define TABLE_NAME_COLS 32

static void
print_row(const char *name, const struct verdict *v)
{
	struct buf b = BUF_INIT(1 << 20);
	unsigned i;
	size_t k;
	bool first = true;

	term_escape(&b, name, TABLE_NAME_COLS);
	printf("%-*s  %-11s  %-8s  %5d  %4.2f  ", TABLE_NAME_COLS + 3,
	       buf_cstr(&b), category_name(v->category), risk_name(v->risk),
	       v->score, v->confidence);
	for (i = 0; i < TRAIT__COUNT; i++)
		if (v->traits & (1u << i)) {
			printf("%s%s", first ? "" : ",", trait_name(1u << i));
			first = false;
		}
	putchar('\n');
	for (k = 0; k < v->nfindings; k++) {
		buf_reset(&b);
		term_escape(&b, v->findings[k].match, 80);
		printf("    ! %s (%s) in %s: %s\n", v->findings[k].rule,
		       risk_name(v->findings[k].severity), v->findings[k].field,
		       buf_cstr(&b));
	}
	buf_reset(&b);
	term_escape(&b, v->rationale, 0);
	printf("    %s\n", buf_cstr(&b));
	buf_release(&b);
}

int
cmd_classify(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "fail-on", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errbuf eb = ERRBUF_INIT;
	struct buf body = BUF_INIT(MANIFEST_MAX_BYTES);
	struct manifest m = MANIFEST_INIT;
	struct classifier *c = NULL;
	struct rules *rules;
	json_t *doc = NULL;
	const char *path = "-";
	int fail_on = -1, ret = EXIT_RUNTIME, opt, worst = -1;
	size_t i;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			fail_on = risk_parse(optarg);
			if (fail_on < 0) {
				cli_error("--fail-on: unknown level '%s' (low, "
					  "medium, high or critical)", optarg);
				return cli_usage(CLASSIFY_USAGE);
			}
			break;
		case 'h':
			printf("usage: mcprisk %s\n", CLASSIFY_USAGE);
			return EXIT_OK;
		default:
			return cli_usage(CLASSIFY_USAGE);
		}
	}
	if (argc - optind > 1)
		return cli_usage(CLASSIFY_USAGE);
	if (argc - optind == 1)
		path = argv[optind];
	if (!(rules = app_rules(app)))
		return EXIT_RUNTIME;
	if (file_read_capped(path, MANIFEST_MAX_BYTES, &body, &eb) < 0) {
		cli_error("%s", eb.msg);
		goto out;
	}
	if (manifest_parse(buf_cstr(&body), body.len, &m, &eb) < 0) {
		cli_error("%s: %s", strcmp(path, "-") ? path : "stdin",
			  eb.msg);
		goto out;
	}
	c = classifier_new(rules);
	if (app->json) {
		doc = classify_manifest_json(c, rules, &m, &worst, &eb);
		if (!doc) {
			cli_error("%s", eb.msg);
			goto out;
		}
		if (json_dumpf(doc, stdout, CLASSIFY_JSON_FLAGS) < 0) {
			cli_error("cannot write the output");
			goto out;
		}
		putchar('\n');
		ret = fail_on >= 0 && worst >= fail_on ? EXIT_FINDINGS
						       : EXIT_OK;
		goto out;
	}
	printf("%-*s  %-11s  %-8s  %5s  %4s  %s\n", TABLE_NAME_COLS + 3,
	       "TOOL", "CATEGORY", "RISK", "SCORE", "CONF", "TRAITS");
	for (i = 0; i < m.ntools; i++) {
		struct verdict v;

		if (classify_text(c, m.tools[i].canonical,
				  m.tools[i].canonical_len, &v, &eb) < 0) {
			cli_error("tools[%zu]: %s", i, eb.msg);
			goto out;
		}
		if ((int)v.risk > worst)
			worst = (int)v.risk;
		print_row(m.tools[i].name, &v);
		verdict_release(&v);
	}
	if (!app->quiet)
		fprintf(stderr, "%zu tools classified with rules %s\n",
			m.ntools, rules_version(rules));
	ret = fail_on >= 0 && worst >= fail_on ? EXIT_FINDINGS : EXIT_OK;
out:
	json_decref(doc);
	classifier_free(c);
	manifest_release(&m);
	buf_release(&body);
	return ret;
}
