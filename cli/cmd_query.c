/*
 * The query commands over the catalog: servers, show and search.  Each
 * prints a table for people or, with --json, the store's JSON unchanged.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "db/store.h"
#include "report/grade.h"
#include "report/recommend.h"
#include "util/buf.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/parse.h"
#include "util/term.h"
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
	static const char *const head[] = { "SERVER", "STATUS", "GRADE",
					    "TOOLS",  "TOKENS", "READ",
					    "WRITE",  "EXEC",   "DESTR",
					    "FIN",    "UNKN",   "MAX RISK",
					    "LAST OK" };
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
	if (!res || recommend_add_grades(st, query_rules_version(app), res, &eb) < 0) {
		cli_error("%s", eb.msg);
		json_decref(res);
		return EXIT_RUNTIME;
	}
	if (app->json) {
		json_print(stdout, res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(13, head);
	table_set_max(t, 0, 48);
	json_array_foreach(json_object_get(res, "servers"), i, row) {
		char num[8][24], when[32];
		const char *cells[13];
		json_t *cat = json_object_get(row, "categories");

		int_cell(num[0], sizeof(num[0]),
			 json_object_get(row, "tool_count"));
		for (c = 0; c < 6; c++)
			int_cell(num[c + 1], sizeof(num[c + 1]),
				 json_object_get(cat, cats[c]));
		int_cell(num[7], sizeof(num[7]), json_object_get(row, "tokens"));
		table_time(json_integer_value(
				   json_object_get(row, "last_success")),
			   when);
		cells[0] = json_get_str(row, "name");
		cells[1] = json_get_str(row, "status");
		cells[2] = json_get_str(row, "grade");
		cells[3] = num[0];
		cells[4] = num[7];
		for (c = 1; c < 7; c++)
			cells[4 + c] = num[c];
		cells[11] = json_get_str(row, "max_risk");
		cells[12] = when;
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
	if (query_rules_version(app)) {
		struct server_verdicts sv;
		struct grade g;
		char line[GRADE_REASON_MAX + 8];

		if (recommend_load(st, argv[optind], query_rules_version(app),
				   &sv, &eb) == 0) {
			recommend_grade(&sv, &g);
			snprintf(line, sizeof(line), "%c (%s)", g.letter,
				 g.reason);
			table_add(t, (const char *const[]){ "grade", line });
			server_verdicts_release(&sv);
		}
	}
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

/* One verdict as a block of text for `risk`. */
static void
print_verdict(const char *server, const json_t *v)
{
	const json_t *e, *list;
	size_t i;

	printf("%s\n", server);
	if (!json_is_object(v)) {
		printf("  not classified yet\n\n");
		return;
	}
	printf("  category    %s\n  risk        %s (score %lld)\n"
	       "  confidence  %.2f\n",
	       json_get_str(v, "category"), json_get_str(v, "risk"),
	       (long long)json_integer_value(json_object_get(v, "score")),
	       json_number_value(json_object_get(v, "confidence")));
	list = json_object_get(v, "traits");
	if (json_array_size(list)) {
		printf("  traits     ");
		json_array_foreach(list, i, e)
			printf(" %s", json_string_value(e));
		putchar('\n');
	}
	json_array_foreach(json_object_get(v, "findings"), i, e) {
		printf("  finding     %s [%s] in %s: ", json_get_str(e, "rule"),
		       json_get_str(e, "severity"), json_get_str(e, "field"));
		term_print(stdout, json_get_str(e, "match"), 0);
		putchar('\n');
	}
	json_array_foreach(json_object_get(v, "evidence"), i, e) {
		printf("  evidence    %+4lld %s in %s: ",
		       (long long)json_integer_value(json_object_get(e, "weight")),
		       json_get_str(e, "rule"), json_get_str(e, "field"));
		term_print(stdout, json_get_str(e, "match"), 0);
		putchar('\n');
	}
	printf("  why         ");
	term_print(stdout, json_get_str(v, "rationale"), 0);
	printf("\n\n");
}

/* risk --top N: the riskiest tools of the whole catalog. */
static int
risk_top(struct app *app, struct store *st, int n)
{
	static const char *const head[] = { "SCORE", "RISK", "CATEGORY",
					    "SERVER", "TOOL", "WHY" };
	struct errbuf eb = ERRBUF_INIT;
	struct table *t;
	json_t *res, *row;
	size_t i;

	if (!query_rules_version(app))
		return EXIT_RUNTIME;
	res = store_top(st, query_rules_version(app), n, &eb);
	if (!res) {
		cli_error("%s", eb.msg);
		return EXIT_RUNTIME;
	}
	if (app->json) {
		json_print(stdout, res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(6, head);
	table_set_max(t, 3, 24);
	table_set_max(t, 4, 36);
	table_set_max(t, 5, 60);
	json_array_foreach(json_object_get(res, "tools"), i, row) {
		char score[16];

		int_cell(score, sizeof(score), json_object_get(row, "score"));
		table_add(t, (const char *const[]){ score, json_get_str(row, "risk"),
						    json_get_str(row, "category"),
						    json_get_str(row, "server"),
						    json_get_str(row, "tool"),
						    json_get_str(row, "rationale") });
	}
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}

int
cmd_risk(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage_text[] = "risk TOOL [--server S] | risk --top N";
	struct errbuf eb = ERRBUF_INIT;
	const char *server = NULL;
	long long top = 0;
	struct store *st;
	json_t *res, *row;
	size_t i;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:t:h", opts, NULL)) != -1) {
		if (c == 's') {
			server = optarg;
		} else if (c == 't') {
			if (parse_ll(optarg, 1, 10000, &top, &eb) < 0) {
				cli_error("--top: %s", eb.msg);
				return cli_usage(usage_text);
			}
		} else {
			return cli_usage(usage_text);
		}
	}
	if (top ? (optind != argc || server) : optind != argc - 1)
		return cli_usage(usage_text);
	if (!(st = app_store(app, true)))
		return EXIT_RUNTIME;
	if (top)
		return risk_top(app, st, (int)top);
	res = store_tool(st, argv[optind], server, query_rules_version(app),
			 &eb);
	if (!res) {
		cli_error("%s", eb.msg);
		return EXIT_RUNTIME;
	}
	if (app->json) {
		json_print(stdout, res);
	} else {
		term_print(stdout, argv[optind], 0);
		putchar('\n');
		json_array_foreach(json_object_get(res, "servers"), i, row) {
			struct buf b = BUF_INIT(4096);

			term_escape(&b, json_get_str(row, "server"), 0);
			putchar(' ');
			print_verdict(buf_cstr(&b), json_object_get(row, "verdict"));
			buf_release(&b);
		}
	}
	json_decref(res);
	return EXIT_OK;
}

int
cmd_changes(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const head[] = { "WHEN", "SERVER", "TOOL", "CHANGE",
					    "DETAIL" };
	static const char usage_text[] = "changes [--since WHEN]";
	struct errbuf eb = ERRBUF_INIT;
	int64_t since = 0;
	struct store *st;
	struct table *t;
	json_t *res, *row;
	size_t i;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		if (c != 's')
			return cli_usage(usage_text);
		if (parse_when(optarg, (int64_t)time(NULL), &since, &eb) < 0) {
			cli_error("--since: %s", eb.msg);
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage(usage_text);
	if (!(st = app_store(app, true)))
		return EXIT_RUNTIME;
	res = store_changes(st, since, query_rules_version(app), 0, &eb);
	if (!res) {
		cli_error("%s", eb.msg);
		return EXIT_RUNTIME;
	}
	if (app->json) {
		json_print(stdout, res);
		json_decref(res);
		return EXIT_OK;
	}
	t = table_new(5, head);
	table_set_max(t, 4, 100);
	json_array_foreach(json_object_get(res, "changes"), i, row) {
		struct buf d = BUF_INIT(8192);
		char when[32];
		const char *oc = json_get_str(row, "old_category"),
			   *nc = json_get_str(row, "new_category"),
			   *orisk = json_get_str(row, "old_risk"),
			   *nrisk = json_get_str(row, "new_risk");
		json_t *f;
		size_t k;

		table_time(json_integer_value(json_object_get(row, "at")), when);
		if (oc && nc && (strcmp(oc, nc) != 0 || strcmp(orisk, nrisk) != 0))
			buf_printf(&d, "%s/%s -> %s/%s; ", oc, orisk, nc, nrisk);
		else if (nc)
			buf_printf(&d, "%s/%s; ", nc, nrisk);
		json_array_foreach(json_object_get(row, "fields"), k, f) {
			char *o = json_text(json_object_get(f, "old"), JSON_ENCODE_ANY);
			char *n = json_text(json_object_get(f, "new"), JSON_ENCODE_ANY);

			if (o && n && json_object_get(f, "old") && json_object_get(f, "new"))
				buf_printf(&d, "%s %s -> %s; ", json_get_str(f, "field"), o, n);
			else
				buf_printf(&d, "%s; ", json_get_str(f, "field"));
			free(o);
			free(n);
		}
		if (d.len >= 2)
			d.data[d.len -= 2] = '\0';
		table_add(t, (const char *const[]){ when, json_get_str(row, "server"),
						    json_get_str(row, "tool"),
						    json_get_str(row, "kind"), buf_cstr(&d) });
		buf_release(&d);
	}
	table_print(t, stdout);
	table_free(t);
	json_decref(res);
	return EXIT_OK;
}
