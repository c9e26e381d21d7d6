/*
 * mcprisk import: load saved manifests (files or folders of *.json) into
 * the catalog without crawling.  Each file is read, validated and written
 * atomically, so a bad file changes nothing and the others still go in.
 * A catalog that does not exist yet is built privately and published when
 * the import is done (store_build).
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/ingest.h"
#include "crawler/manifest.h"
#include "db/store.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Most files taken from one folder. */
#define IMPORT_MAX_DIR_FILES 1000000

static const char usage_text[] = "import [--server NAME] FILE|DIR...";

struct strvec {
	char **v;
	size_t n, cap;
};

static void
strvec_push(struct strvec *sv, char *s)
{
	if (sv->n == sv->cap) {
		sv->cap = sv->cap ? sv->cap * 2 : 64;
		sv->v = xreallocarray(sv->v, sv->cap, sizeof(*sv->v));
	}
	sv->v[sv->n++] = s;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has_json_suffix(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Add path, or the *.json files directly inside it, sorted. */
static int
collect(const char *path, struct strvec *files)
{
	struct strvec found = { 0 };
	struct dirent *de;
	struct stat st;
	DIR *d;
	size_t i;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		strvec_push(files, xstrdup(path));
		return 0;
	}
	d = opendir(path);
	if (!d) {
		cli_error("cannot open folder '%s'", path);
		return -1;
	}
	while ((de = readdir(d)) && found.n < IMPORT_MAX_DIR_FILES) {
		if (de->d_name[0] == '.' || !has_json_suffix(de->d_name))
			continue;
		strvec_push(&found, xasprintf("%s/%s", path, de->d_name));
	}
	closedir(d);
	if (found.n > 1)
		qsort(found.v, found.n, sizeof(*found.v), cmp_str);
	for (i = 0; i < found.n; i++)
		strvec_push(files, found.v[i]);
	free(found.v);
	return 0;
}

/* The name a file gives its server when the manifest does not say. */
static char *
name_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (has_json_suffix(base))
		n -= 5;
	return xstrndup(base, n);
}

int
cmd_import(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct strvec files = { 0 };
	struct ingest *ing = NULL;
	const char *server = NULL;
	char **names = NULL;
	int c, i, ret = EXIT_RUNTIME, bad = 0;
	size_t f;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		default: return cli_usage(usage_text);
		}
	}
	if (optind >= argc)
		return cli_usage(usage_text);
	for (i = optind; i < argc; i++)
		if (collect(argv[i], &files) < 0)
			goto out;
	if (server && files.n != 1) {
		cli_error("--server names one server; give exactly one file");
		ret = EXIT_USAGE;
		goto out;
	}
	if (!app_store_build(app))
		goto out;
	ing = ingest_new(app, "import");
	if (!ing)
		goto out;
	names = xcalloc(files.n + 1, sizeof(*names));
	for (f = 0; f < files.n; f++)
		names[f] = server ? xstrdup(server) : name_from_path(files.v[f]);
	bad = ingest_files(ing, files.v, names, files.n);
	if (ingest_finish(ing, bad ? "partial" : "ok") < 0 ||
	    app_store_publish(app) < 0)
		goto out;
	ret = bad ? EXIT_RUNTIME : EXIT_OK;
out:
	ingest_free(ing);
	for (f = 0; f < files.n; f++) {
		free(files.v[f]);
		if (names)
			free(names[f]);
	}
	free(files.v);
	free(names);
	return ret;
}
