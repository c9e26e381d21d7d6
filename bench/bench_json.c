/*
 * JSON reading benchmark: jansson's json_loadb(JSON_REJECT_DUPLICATES)
 * against jparse() on generated tools/list responses (name, description
 * sentences, an inputSchema with described properties, annotations), the
 * documents the crawler and the import read most.  Each is timed with the
 * trees' json_decref() and without it (trees freed outside the clock),
 * and with jansson's allocations in an arena reset after every tree, as
 * the import workers parse; all in CPU time.
 * Usage: bench_json [NTOOLS [MBYTES]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/jalloc.h"
#include "util/jparse.h"
#include "bench/gen.h"
#include "util/banned.h"

/* Trees parsed before they are freed in the timing without json_decref. */
#define BATCH 32

static const char *const verbs[] = {
	"get", "list", "describe", "create", "update", "delete", "run",
	"start", "cancel", "search", "send", "charge", "put", "fetch",
};
static const char *const nouns[] = {
	"instance", "bucket", "user", "issue", "file", "message", "payment",
	"record", "job", "batch", "policy", "secret", "table", "document",
};
static const char *const sentences[] = {
	"Returns the details of the specified resource. ",
	"Use this tool to look up records by their identifier. ",
	"The result is paginated; pass the \"cursor\" from the previous page. ",
	"Creates a new item in the workspace and returns its id.\n",
	"Deletes the resource permanently. This cannot be undone. ",
	"IMPORTANT: dates must be ISO 8601 strings such as 2024-05-01. ",
	"Requires the caller to have write access to the project.\n\n",
	"Runs the job asynchronously and returns an execution handle. ",
	"Lists at most 100 entries unless a larger limit is given. ",
	"Filters are combined with AND \xe2\x80\x94 see the syntax guide. ",
};
static json_t *
gen_tool(int i)
{
	json_t *t = json_object(), *schema = json_object(),
	       *props = json_object(), *req = json_array();
	char name[96], desc[1024] = "", pn[32];
	unsigned k, np;

	snprintf(name, sizeof(name), "%s_%s_%d", verbs[rnd(N(verbs))],
		 nouns[rnd(N(nouns))], i);
	json_object_set_new(t, "name", json_string(name));
	for (k = 1 + rnd(6); k > 0; k--)
		if (strlen(desc) + strlen(sentences[0]) + 32 < sizeof(desc))
			snprintf(desc + strlen(desc),
				 sizeof(desc) - strlen(desc), "%s",
				 sentences[rnd(N(sentences))]);
	json_object_set_new(t, "description", json_string(desc));
	json_object_set_new(schema, "type", json_string("object"));
	for (np = 1 + rnd(5), k = 0; k < np; k++) {
		json_t *p = json_object();

		snprintf(pn, sizeof(pn), "%s%u", nouns[rnd(N(nouns))], k);
		if (rnd(4) == 0) {
			json_object_set_new(p, "type", json_string("integer"));
			json_object_set_new(p, "minimum", json_integer(1));
			json_object_set_new(p, "maximum", json_integer(100));
		} else {
			json_object_set_new(p, "type", json_string("string"));
		}
		json_object_set_new(p, "description",
				    json_string(pdesc[rnd(N(pdesc))]));
		json_object_set_new(props, pn, p);
		if (rnd(2))
			json_array_append_new(req, json_string(pn));
	}
	json_object_set_new(schema, "properties", props);
	json_object_set_new(schema, "required", req);
	json_object_set_new(schema, "additionalProperties", json_false());
	json_object_set_new(t, "inputSchema", schema);
	if (rnd(2))
		json_object_set_new(
			t, "annotations",
			json_pack("{s:s,s:b,s:b}", "title", name,
				  "readOnlyHint", rnd(2), "destructiveHint",
				  rnd(2)));
	return t;
}

/* A tools/list response with ntools tools, as compact text (new). */
static char *
gen_doc(int ntools, size_t *len)
{
	json_t *tools = json_array(), *doc;
	char *text;
	int i;

	for (i = 0; i < ntools; i++)
		json_array_append_new(tools, gen_tool(i));
	doc = json_pack("{s:s,s:i,s:{s:o}}", "jsonrpc", "2.0", "id", 2,
			"result", "tools", tools);
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	*len = strlen(text);
	return text;
}

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *
load_jansson(const char *s, size_t n)
{
	json_error_t jerr;

	return json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
}

/* How the trees are allocated and freed while timed. */
enum mode {
	M_FREE,  /* heap; json_decref() of each tree is timed too */
	M_KEEP,  /* heap; trees freed in batches outside the clock */
	M_ARENA, /* an arena reset after each tree, as the import does */
};

static const char *const mode_names[] = {
	"parse + json_decref",
	"parse (decref untimed)",
	"parse into an arena",
};

/* Seconds of CPU for iters parses of doc. */
static double
run(json_t *(*load)(const char *, size_t), const char *doc, size_t len,
    long iters, enum mode mode, struct jarena *arena)
{
	json_t *keep[BATCH];
	double t, total = 0;
	long i = 0;
	int k, n;

	while (i < iters) {
		n = iters - i < BATCH ? (int)(iters - i) : BATCH;
		t = cpu_now();
		for (k = 0; k < n; k++) {
			switch (mode) {
			case M_FREE:
				json_decref(load(doc, len));
				break;
			case M_KEEP:
				keep[k] = load(doc, len);
				break;
			case M_ARENA:
				jarena_use(arena);
				json_decref(load(doc, len));
				jarena_use(NULL);
				jarena_reset(arena);
				break;
			}
		}
		total += cpu_now() - t;
		if (mode == M_KEEP)
			for (k = 0; k < n; k++)
				json_decref(keep[k]);
		i += n;
	}
	return total;
}

int
main(int argc, char **argv)
{
	static const int sizes[] = { 20, 60, 200 };
	int only = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 0;
	double mbytes = argc > 2 ? strtod(argv[2], NULL) : 200;
	struct jarena *arena;
	double worst = 0; /* smallest jansson/jparse ratio, decref timed */
	size_t s;
	int mode;

	/* As mcprisk's main() does, so that arenas work. */
	jalloc_install();
	arena = jarena_new();
	printf("%-6s %8s  %-24s %11s %11s %7s\n", "tools", "bytes",
	       "timing", "jansson", "jparse", "ratio");
	for (s = 0; s < N(sizes); s++) {
		int ntools = only ? only : sizes[s];
		size_t len;
		char *doc = gen_doc(ntools, &len);
		long iters = (long)(mbytes * 1e6 / (double)len) + 1;
		json_t *a = load_jansson(doc, len), *b = jparse(doc, len);

		if (!a || !b || !json_equal(a, b)) {
			fprintf(stderr, "bench: jparse and jansson disagree\n");
			return 1;
		}
		json_decref(a);
		json_decref(b);
		for (mode = M_FREE; mode <= M_ARENA; mode++) {
			double tj = run(load_jansson, doc, len, iters,
					(enum mode)mode, arena),
			       tf = run(jparse, doc, len, iters,
					(enum mode)mode, arena),
			       mb = (double)len * (double)iters / 1e6;

			printf("%-6d %8zu  %-24s %6.0f MB/s %6.0f MB/s "
			       "%6.2fx\n",
			       ntools, len, mode_names[mode], mb / tj, mb / tf,
			       tj / tf);
			if (mode == M_FREE && (worst == 0 || tj / tf < worst))
				worst = tj / tf;
		}
		json_free_text(doc);
		if (only)
			break;
	}
	jarena_free(arena);
	printf("jparse vs jansson, parse + json_decref: %.2fx at worst "
	       "(target >= 2x: %s)\n",
	       worst, worst >= 2 ? "met" : "missed");
	return 0;
}
