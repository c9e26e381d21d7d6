/*
 * The query commands over the catalog: servers, show and search.  Each
 * prints a table for people or, with --json, the store's JSON unchanged.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "db/store.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/parse.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest description shown in a table cell. */
#define DESC_COLS 72

/* The rule-set version whose verdicts the queries join (NULL: none). */
static const char *
query_rules_version(struct app *app)
{
	return app_rules_version(app);
}

/* Parse a command's options: only --help exists for these. */
static int
no_options(int argc, char **argv, const char *usage_text, int nargs)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};

	optind = 1;
	if (getopt_long(argc, argv, "h", opts, NULL) != -1)
		return cli_usage(usage_text);
	if (argc - optind != nargs)
		return cli_usage(usage_text);
	return 0;
}

static void
int_cell(char *out, size_t n, const json_t *v)
{
	if (json_is_integer(v))
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
	else
		snprintf(out, n, "-");
}

int
cmd_servers(int argc, char **argv, struct app *app)
{
	static const char *const head[] = { "SERVER", "STATUS", "TOOLS",
					    "READ",   "WRITE",  "EXEC",
					    "DESTR",  "FIN",    "UNKN",
					    "MAX RISK", "LAST OK" };
	static const char *const cats[] = { "read",	   "write",
					    "execute",	   "destructive",
					    "financial", "unknown" };
	struct errbuf eb = ERRBUF_INIT;
	struct store *st;
	json_t *res = NULL, *row;
	struct table *t = NULL;
	int ret;
	size_t i, c;

	if ((ret = no_options(argc, argv, "servers", 0)) != 0)
		return ret;
	if (!(st = app_store(app, true)))
		return EXIT_RUNTIME;
	res = store_servers(st, query_rules_version(app), &eb);
	if (!res) {
		cli_error("%s", eb.msg);
		return EXIT_RUNTIME;
	}
	if (app->json) {
		json_print(stdout, res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(11, head);
	table_set_max(t, 0, 48);
	json_array_foreach(json_object_get(res, "servers"), i, row) {
		char num[7][24], when[32];
		const char *cells[11];
		json_t *cat = json_object_get(row, "categories");

		int_cell(num[0], sizeof(num[0]),
			 json_object_get(row, "tool_count"));
		for (c = 0; c < 6; c++)
			int_cell(num[c + 1], sizeof(num[c + 1]),
				 json_object_get(cat, cats[c]));
		table_time(json_integer_value(
				   json_object_get(row, "last_success")),
			   when);
		cells[0] = json_get_str(row, "name");
		cells[1] = json_get_str(row, "status");
		for (c = 0; c < 7; c++)
			cells[2 + c] = num[c];
		cells[9] = json_get_str(row, "max_risk");
		cells[10] = when;
		table_add(t, cells);
	}
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}

int
cmd_show(int argc, char **argv, struct app *app)
{
	static const char *const head[] = { "TOOL", "CATEGORY", "RISK",
					    "CONF", "REASON" };
	struct errbuf eb = ERRBUF_INIT;
	struct store *st;
	json_t *res, *srv, *tool;
	struct table *t;
	char when[32];
	int ret;
	size_t i;

	if ((ret = no_options(argc, argv, "show SERVER", 1)) != 0)
		return ret;
	if (!(st = app_store(app, true)))
		return EXIT_RUNTIME;
	res = store_server(st, argv[optind], query_rules_version(app), &eb);
	if (!res) {
		cli_error("%s", eb.msg);
		return EXIT_RUNTIME;
	}
	if (app->json) {
		json_print(stdout, res);
		json_decref(res);
		return EXIT_OK;
	}
	srv = json_object_get(res, "server");
	t = table_new(2, (const char *const[]){ "server", json_get_str(srv, "name") });
	table_set_max(t, 1, 100);
	table_add(t, (const char *const[]){ "title", json_get_str(srv, "title") });
	table_add(t, (const char *const[]){ "version", json_get_str(srv, "version") });
	table_add(t, (const char *const[]){ "status", json_get_str(srv, "status") });
	if (json_get_str(srv, "error"))
		table_add(t, (const char *const[]){ "error", json_get_str(srv, "error") });
	table_add(t, (const char *const[]){ "source", json_get_str(srv, "source") });
	table_add(t, (const char *const[]){ "endpoint", json_get_str(srv, "endpoint") });
	table_time(json_integer_value(json_object_get(srv, "last_success")), when);
	table_add(t, (const char *const[]){ "last ok", when });
	table_print(t, stdout);
	table_free(t);
	fputc('\n', stdout);

	t = table_new(5, head);
	table_set_max(t, 0, 48);
	table_set_max(t, 4, DESC_COLS);
	json_array_foreach(json_object_get(res, "tools"), i, tool) {
		json_t *v = json_object_get(tool, "verdict");
		const char *reason = json_get_str(v, "rationale");
		char conf[16] = "-";

		if (json_is_number(json_object_get(v, "confidence")))
			snprintf(conf, sizeof(conf), "%.2f",
				 json_number_value(
					 json_object_get(v, "confidence")));
		table_add(t, (const char *const[]){
				     json_get_str(tool, "name"),
				     json_get_str(v, "category"),
				     json_get_str(v, "risk"), conf,
				     reason ? reason :
				     json_get_str(tool, "description") });
	}
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}

int
cmd_search(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[] = { "SERVER", "TOOL", "DESCRIPTION" };
	static const char usage_text[] = "search [--limit N] TEXT...";
	struct errbuf eb = ERRBUF_INIT;
	struct buf q = BUF_INIT(4096);
	long long limit = 20;
	struct store *st;
	json_t *res = NULL, *hit;
	struct table *t;
	int c, ret = EXIT_RUNTIME;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		if (c == 'n' && parse_ll(optarg, 1, 1000, &limit, &eb) == 0)
			continue;
		if (c == 'n')
			cli_error("--limit: %s", eb.msg);
		return cli_usage(usage_text);
	}
	if (optind >= argc)
		return cli_usage(usage_text);
	for (; optind < argc; optind++) {
		if (q.len)
			buf_putc(&q, ' ');
		if (buf_puts(&q, argv[optind]) < 0) {
			cli_error("search text is too long");
			goto out;
		}
	}
	if (!(st = app_store(app, true)))
		goto out;
	res = store_search(st, buf_cstr(&q), (int)limit, &eb);
	if (!res) {
		cli_error("%s", eb.msg);
		goto out;
	}
	if (app->json) {
		json_print(stdout, res);
	} else {
		t = table_new(3, head);
		table_set_max(t, 0, 40);
		table_set_max(t, 2, DESC_COLS);
		json_array_foreach(json_object_get(res, "results"), i, hit)
			table_add(t, (const char *const[]){
					     json_get_str(hit, "server"),
					     json_get_str(hit, "tool"),
					     json_get_str(hit, "description") });
		table_print(t, stdout);
		table_free(t);
	}
	ret = EXIT_OK;
out:
	buf_release(&q);
	json_decref(res);
	return ret;
}
