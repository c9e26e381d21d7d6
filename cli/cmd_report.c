/*
 * mcprisk report --html DIR | --markdown DIR [--profile P] [--jobs N]:
 * the static catalog site (index, a page per server, a page per tool
 * definition), for a browser offline or for a code host.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "classifier/rules.h"
#include "cli/cli.h"
#include "report/profile.h"
#include "report/site.h"
#include "util/parse.h"
#include "util/banned.h"

static const char usage_text[] =
	"report (--html DIR | --markdown DIR)... [--profile NAME|FILE] "
	"[--jobs N]";

int
cmd_report(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "html", required_argument, NULL, 'H' },
		{ "markdown", required_argument, NULL, 'M' },
		{ "profile", required_argument, NULL, 'p' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errbuf eb = ERRBUF_INIT;
	struct report_opts o = { 0 };
	struct report_stats stats;
	struct profile *prof = NULL;
	const char *profile_arg = "balanced";
	struct timespec t0, t1;
	struct store *st;
	struct rules *rules;
	long long jobs = 0;
	int c, ret = EXIT_RUNTIME;

	optind = 1;
	while ((c = getopt_long(argc, argv, "H:M:p:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			o.html_dir = optarg;
			break;
		case 'M':
			o.md_dir = optarg;
			break;
		case 'p':
			profile_arg = optarg;
			break;
		case 'j':
			if (parse_ll(optarg, 1, REPORT_JOBS_MAX, &jobs,
				     &eb) < 0) {
				cli_error("--jobs: %s", eb.msg);
				return cli_usage(usage_text);
			}
			break;
		default:
			return cli_usage(usage_text);
		}
	}
	if (optind != argc || (!o.html_dir && !o.md_dir))
		return cli_usage(usage_text);
	o.jobs = (int)jobs;
	if (!(rules = app_rules(app)))
		return EXIT_RUNTIME;
	o.rules_version = rules_version(rules);
	prof = profile_load_named(app->data_dir, profile_arg, &eb);
	if (!prof) {
		cli_error("%s", eb.msg);
		return EXIT_RUNTIME;
	}
	o.profile = prof;
	if (!(st = app_store(app, true)))
		goto out;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (report_site(st, &o, &stats, &eb) < 0) {
		cli_error("report: %s", eb.msg);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!app->quiet)
		fprintf(stderr, "report: %zu servers, %zu tools, %zu "
			"definitions; %zu files in %.1f s\n", stats.servers,
			stats.tools, stats.defs, stats.files,
			(double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	ret = EXIT_OK;
out:
	profile_free(prof);
	return ret;
}
