/*
 * mcprisk sources: what a catalog expands to, before any crawling.  Lists
 * every crawl target (name, transport, preset status, endpoint) so users
 * can check a catalog; registry sources are synced unless --no-sync.
 * Secrets never appear: endpoints come from target_describe().
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "crawler/catalog.h"
#include "crawler/registry.h"
#include "util/json.h"
#include "util/term.h"
#include "util/utf8.h"
#include "util/banned.h"

#define SYNOPSIS \
	"sources [--catalog FILE] [--allow-exec] [--no-sync] [--since TIME]"

/* Widest NAME column; longer names push the row out. */
#define NAME_COLS 48

static json_t *
target_json(const struct target *t)
{
	char *endpoint = target_describe(t);
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(t->name));
	json_object_set_new(o, "source", json_string(t->source));
	json_object_set_new(o, "transport",
			    json_string(transport_name(t->transport)));
	json_object_set_new(o, "endpoint", json_string(endpoint));
	json_object_set_new(o, "learned", json_boolean(t->learned));
	json_object_set_new(o, "status", t->preset_status ?
					       json_string(t->preset_status) :
					       json_null());
	json_object_set_new(o, "error", t->preset_error ?
					      json_string(t->preset_error) :
					      json_null());
	/* header and env names only: the values may be secrets */
	if (t->nheaders || t->nenv) {
		json_t *h = json_array(), *e = json_array();
		size_t i;

		for (i = 0; i < t->nheaders; i++)
			json_array_append_new(h,
					      json_string(t->headers[i].name));
		for (i = 0; i < t->nenv; i++)
			json_array_append_new(e, json_string(t->env[i].name));
		json_object_set_new(o, "headers", h);
		json_object_set_new(o, "env", e);
	}
	if (t->meta)
		json_object_set(o, "meta", t->meta);
	free(endpoint);
	return o;
}

static void
print_table(const struct target_list *l)
{
	size_t w = 4, i, n;

	for (i = 0; i < l->n; i++) {
		n = utf8_width(l->v[i].name);
		if (n > w)
			w = n < NAME_COLS ? n : NAME_COLS;
	}
	printf("%-*s  %-15s  %-21s  %s\n", (int)w, "NAME", "TRANSPORT",
	       "STATUS", "ENDPOINT");
	for (i = 0; i < l->n; i++) {
		const struct target *t = &l->v[i];
		char *endpoint = target_describe(t);

		term_print(stdout, t->name, w);
		printf("  %-15s  ", transport_name(t->transport));
		term_print(stdout, t->preset_status ? t->preset_status : "-",
			   21);
		fputs("  ", stdout);
		term_print(stdout, endpoint, 0);
		fputc('\n', stdout);
		free(endpoint);
	}
	for (i = 0; i < l->n; i++) {
		if (!l->v[i].preset_error)
			continue;
		fputs("note: ", stdout);
		term_print(stdout, l->v[i].name, 0);
		fputs(": ", stdout);
		term_print(stdout, l->v[i].preset_error, 0);
		fputc('\n', stdout);
	}
}

static void
report_registry(const char *url, const struct registry_stats *st)
{
	fputs("mcprisk: registry ", stderr);
	term_print(stderr, url, 0);
	fprintf(stderr, ": %zu pages, %zu servers, %zu targets (%zu deleted, "
		"%zu old versions, %zu without endpoints, %zu malformed "
		"skipped)%s\n", st->pages, st->servers, st->targets,
		st->deleted, st->not_latest, st->empty, st->invalid,
		st->truncated ? "; stopped at the page cap" : "");
	if (st->invalid_example[0]) {
		fputs("mcprisk: first malformed entry: ", stderr);
		term_print(stderr, st->invalid_example, 0);
		fputc('\n', stderr);
	}
}

static void
set_count(json_t *o, const char *key, size_t n)
{
	json_object_set_new(o, key, json_integer((json_int_t)n));
}

/* Sync every registry source into l; -1 after printing the error. */
static int
sync_registries(const struct catalog *c, bool allow_exec, const char *since,
		bool quiet, struct target_list *l, json_t *regs)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < c->n && ret == 0; i++) {
		const struct catalog_source *s = &c->v[i];
		struct registry_stats st = REGISTRY_STATS_INIT;
		struct target_list got = TARGET_LIST_INIT;
		struct registry_opts o = { 0 };
		struct errbuf eb = ERRBUF_INIT;
		char *max = NULL;

		if (s->type != SOURCE_REGISTRY)
			continue;
		catalog_registry_opts(s, allow_exec, since, &o);
		if (registry_sync(&o, &got, &max, &st, &eb) < 0 ||
		    catalog_merge(l, &got, &eb) < 0) {
			cli_error("%s", eb.msg);
			ret = -1;
		} else {
			json_t *r = json_object();

			json_object_set_new(r, "url", json_string(s->url));
			set_count(r, "pages", st.pages);
			set_count(r, "servers", st.servers);
			set_count(r, "targets", st.targets);
			set_count(r, "deleted", st.deleted);
			set_count(r, "invalid", st.invalid);
			json_object_set_new(r, "truncated",
					    json_boolean(st.truncated));
			json_object_set_new(r, "max_updated_at",
					    max ? json_string(max) : json_null());
			json_array_append_new(regs, r);
			if (!quiet)
				report_registry(s->url, &st);
		}
		free(max);
		target_list_release(&got);
		registry_stats_release(&st);
	}
	return ret;
}

int
cmd_sources(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "catalog", required_argument, NULL, 'c' },
		{ "allow-exec", no_argument, NULL, 'x' },
		{ "no-sync", no_argument, NULL, 'n' },
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct catalog cat = CATALOG_INIT;
	struct target_list l = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	const char *catalog_path = NULL, *since = NULL;
	char *default_path = NULL;
	bool allow_exec = false, sync = true, curl_up = false;
	json_t *regs = json_array();
	long long sec;
	long nsec;
	size_t i;
	int ret = EXIT_RUNTIME, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': catalog_path = optarg; break;
		case 'x': allow_exec = true; break;
		case 'n': sync = false; break;
		case 's': since = optarg; break;
		case 'h':
			printf("usage: mcprisk %s\n", SYNOPSIS);
			ret = EXIT_OK;
			goto out;
		default:
			ret = cli_usage(SYNOPSIS);
			goto out;
		}
	}
	if (optind != argc) {
		ret = cli_usage(SYNOPSIS);
		goto out;
	}
	if (since && registry_parse_time(since, &sec, &nsec) < 0) {
		cli_error("--since '%s' is not an RFC 3339 time", since);
		ret = EXIT_USAGE;
		goto out;
	}
	if (!catalog_path)
		catalog_path = default_path = app_data_path(app, "catalog.json");
	if (catalog_load(catalog_path, &cat, &eb) < 0 ||
	    catalog_expand(&cat, &l, &eb) < 0) {
		cli_error("%s", eb.msg);
		goto out;
	}
	for (i = 0; i < cat.n && !sync && !app->quiet; i++)
		if (cat.v[i].type == SOURCE_REGISTRY) {
			fputs("mcprisk: registry ", stderr);
			term_print(stderr, cat.v[i].url, 0);
			fputs(": not synced (--no-sync)\n", stderr);
		}
	if (sync) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		curl_up = true;
		if (sync_registries(&cat, allow_exec, since, app->quiet, &l,
				    regs) < 0)
			goto out;
	}
	if (app->json) {
		json_t *doc = json_object(), *arr = json_array();

		for (i = 0; i < l.n; i++)
			json_array_append_new(arr, target_json(&l.v[i]));
		json_object_set_new(doc, "catalog", json_string(catalog_path));
		json_object_set_new(doc, "targets", arr);
		json_object_set(doc, "registries", regs);
		json_print(stdout, doc);
		json_decref(doc);
	} else {
		print_table(&l);
	}
	if (!app->quiet)
		fprintf(stderr, "mcprisk: %zu targets from %zu sources\n", l.n,
			cat.n);
	ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_RUNTIME;
out:
	if (curl_up)
		curl_global_cleanup();
	json_decref(regs);
	target_list_release(&l);
	catalog_release(&cat);
	free(default_path);
	return ret;
}
