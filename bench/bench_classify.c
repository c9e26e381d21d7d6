/*
 * Classifier benchmark: 1,000,000 generated tools with realistic name,
 * description and schema sizes (built in batches, generation not timed),
 * then the same tools again the way import and refresh meet them (each
 * server's tools classified right after its manifest is built, while it
 * is still in the cache), then the slowest of several runs on 64 KiB
 * adversarial descriptions.  Each tool is classified from its canonical
 * JSON text, which the product computes for the definition's hash anyway
 * (crawler/manifest.c) and stores (the pending pass and `rules diff`
 * classify the stored text).
 * A digest of every verdict's stored text is printed last, so that a
 * change meant only to make classification faster can show it changed
 * no verdict.  Usage: bench_classify [RULES [NTOOLS]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "util/buf.h"
#include "util/json.h"
#include "bench/gen.h"
#include "util/banned.h"

#define BATCH 10000
/* Tools of one server in the second pass. */
#define SERVER_TOOLS 20
#define ADV_BYTES (64 << 10)

static const char *const verbs[] = {
	"get", "list", "describe", "create", "update", "delete", "run",
	"start", "cancel", "search", "send", "charge", "put", "terminate",
	"fetch", "query", "invoke", "tag", "refund", "read",
};
static const char *const nouns[] = {
	"instance", "bucket", "user", "issue", "file", "message", "payment",
	"record", "job", "batch", "policy", "secret", "table", "document",
	"pipeline", "cluster", "invoice", "comment", "repository", "snapshot",
};
static const char *const sentences[] = {
	"Returns the details of the specified resource. ",
	"Use this tool to look up records by their identifier. ",
	"The result is paginated; pass the cursor from the previous page. ",
	"Creates a new item in the workspace and returns its id. ",
	"Deletes the resource permanently. This cannot be undone. ",
	"IMPORTANT: dates must be ISO 8601 strings such as 2024-05-01. ",
	"Requires the caller to have write access to the project. ",
	"Runs the job asynchronously and returns an execution handle. ",
	"Lists at most 100 entries unless a larger limit is given. ",
	"Filters are combined with AND; see the filter syntax guide. ",
};
static json_t *
gen_tool(size_t i, size_t *bytes)
{
	struct buf b = BUF_INIT(1 << 16);
	json_t *t = json_object(), *schema = json_object(),
	       *props = json_object();
	char name[128];
	unsigned k, np;

	snprintf(name, sizeof(name), "%s_%s_%s%zu", verbs[rnd(N(verbs))],
		 nouns[rnd(N(nouns))], nouns[rnd(N(nouns))], i);
	json_object_set_new(t, "name", json_string(name));
	for (k = 1 + rnd(8); k > 0; k--)
		buf_puts(&b, sentences[rnd(N(sentences))]);
	json_object_set_new(t, "description", json_string(buf_cstr(&b)));
	*bytes += strlen(name) + b.len;
	json_object_set_new(schema, "type", json_string("object"));
	for (np = 1 + rnd(6), k = 0; k < np; k++) {
		json_t *p = json_object();
		const char *d = pdesc[rnd(N(pdesc))];
		char pn[32];

		snprintf(pn, sizeof(pn), "%s%u", nouns[rnd(N(nouns))], k);
		json_object_set_new(p, "type", json_string("string"));
		json_object_set_new(p, "description", json_string(d));
		json_object_set_new(props, pn, p);
		*bytes += strlen(pn) + strlen(d) + 10;
	}
	json_object_set_new(schema, "properties", props);
	json_object_set_new(t, "inputSchema", schema);
	if (rnd(3) == 0)
		json_object_set_new(t, "annotations",
				    json_pack("{s:b}", "readOnlyHint", rnd(2)));
	buf_release(&b);
	return t;
}

/* FNV-1a over s, continuing from h: the verdict digest. */
static uint64_t
digest_add(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ '\n') * 0x100000001b3ull;
}

/* Fold v's stored JSON text into the digest and release v. */
static uint64_t
digest_verdict(uint64_t h, struct verdict *v)
{
	char *text = verdict_to_text(v);

	h = digest_add(h, text);
	free(text);
	verdict_release(v);
	return h;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: on a shared machine, what one core spent. */
static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fill d[0..n) with one adversarial shape. */
static void
adversarial(char *d, size_t n, int shape)
{
	static const char *const unit[] = {
		"ignore ignore previous previous ",
		"<IMPORTANT <SYSTEM <!- <instructions ",
		"do not do not do not tell tell the the ",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"\xff\xfe\xc3 delete\x80 permanently \xe2\x80 ",
		"before using any any other other mcp mcp ",
		"a\xe2\x80\x8b b\xe2\x80\x8b ~/.ss .en pass its content as ",
		"A1b2C3d4E5f6+/ A1b2C3d4E5f6+/ A1b2C3d4E5f6+/",
	};
	const char *u = unit[shape % (int)N(unit)];
	size_t i, ul = strlen(u);

	for (i = 0; i < n; i++)
		d[i] = u[i % ul];
}

int
main(int argc, char **argv)
{
	struct errbuf eb = ERRBUF_INIT;
	const char *path = argc > 1 ? argv[1] : "data/rules";
	long total = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
	struct rules *r = rules_load(path, &eb);
	struct classifier *c;
	json_t **batch;
	char **text;
	uint64_t digest = 0xcbf29ce484222325ull;
	uint64_t digest2 = 0xcbf29ce484222325ull, check = 0;
	const unsigned long seed = rng;
	double t, elapsed = 0, worst = 0, sum = 0, tc, cpu = 0;
	size_t done = 0, bytes = 0, i, crit = 0;
	int shape, rep;
	char *adv;

	if (!r) {
		fprintf(stderr, "bench: %s\n", eb.msg);
		return 3;
	}
	c = classifier_new(r);
	batch = calloc(BATCH, sizeof(*batch));
	text = calloc(BATCH, sizeof(*text));
	while ((long)done < total) {
		size_t n = (size_t)(total - (long)done) < BATCH
				   ? (size_t)(total - (long)done)
				   : BATCH;

		for (i = 0; i < n; i++) {
			batch[i] = gen_tool(done + i, &bytes);
			text[i] = json_canonical(batch[i]);
			json_decref(batch[i]);
		}
		t = now();
		tc = cpu_now();
		for (i = 0; i < n; i++) {
			struct verdict v;

			if (classify_text(c, text[i], strlen(text[i]), &v,
					  &eb) < 0)
				return 3;
			verdict_release(&v);
		}
		elapsed += now() - t;
		cpu += cpu_now() - tc;
		/* Verdicts are checked by classifying again, untimed, so the
		   timed loop frees each verdict at once as a caller does. */
		for (i = 0; i < n; i++) {
			struct verdict v;

			if (classify_text(c, text[i], strlen(text[i]), &v,
					  &eb) < 0)
				return 3;
			crit += v.risk == RISK_CRITICAL;
			digest = digest_verdict(digest, &v);
			free(text[i]);
		}
		done += n;
	}
	printf("corpus: %zu tools, %.0f bytes of name+description+schema "
	       "text per tool on average (%zu critical)\n",
	       done, (double)bytes / (double)done, crit);
	printf("throughput: %.0f tools/s on one core (%.2f s wall); "
	       "%.0f tools/s of CPU time (%.2f s)\n",
	       (double)done / elapsed, elapsed, (double)done / cpu, cpu);
	check = digest;

	/* The same tools, SERVER_TOOLS at a time: built, then classified
	   at once, as a manifest is in the pipeline. */
	rng = seed;
	elapsed = 0;
	for (done = 0; (long)done < total; done += i) {
		size_t n = (size_t)(total - (long)done) < SERVER_TOOLS
				   ? (size_t)(total - (long)done)
				   : SERVER_TOOLS, unused = 0;
		struct verdict v[SERVER_TOOLS];

		for (i = 0; i < n; i++) {
			batch[i] = gen_tool(done + i, &unused);
			text[i] = json_canonical(batch[i]);
		}
		t = now();
		for (i = 0; i < n; i++)
			if (classify_text(c, text[i], strlen(text[i]), &v[i],
					  &eb) < 0)
				return 3;
		elapsed += now() - t;
		for (i = 0; i < n; i++) {
			digest2 = digest_verdict(digest2, &v[i]);
			json_decref(batch[i]);
			free(text[i]);
		}
	}
	printf("throughput as import and refresh run it (a server's %d tools "
	       "classified right after they are built): %.0f tools/s on one "
	       "core (%.2f s wall)%s\n", SERVER_TOOLS,
	       (double)done / elapsed, elapsed,
	       digest2 == check ? "" : "; VERDICTS DIFFER from the first pass");
	if (digest2 != check)
		return 1;

	adv = malloc(ADV_BYTES + 1);
	for (shape = 0; shape < 8; shape++) {
		json_t *tool = json_object();
		double tw = 0;

		adversarial(adv, ADV_BYTES, shape);
		adv[ADV_BYTES] = '\0';
		json_object_set_new(tool, "name", json_string("get_thing"));
		json_object_set_new(tool, "description",
				    json_stringn_nocheck(adv, ADV_BYTES));
		for (rep = 0; rep < 5; rep++) {
			struct verdict v;

			t = cpu_now();
			classify_tool(c, tool, &v, &eb);
			t = cpu_now() - t;
			if (t > tw)
				tw = t;
			if (rep == 0)
				digest = digest_verdict(digest, &v);
			else
				verdict_release(&v);
		}
		if (tw > worst)
			worst = tw;
		sum += tw;
		json_decref(tool);
	}
	printf("adversarial 64 KiB description: worst %.2f ms, mean %.2f ms "
	       "of CPU time over 8 shapes\n", worst * 1e3, sum / 8 * 1e3);
	printf("verdict digest: %016llx\n", (unsigned long long)digest);
	free(adv);
	free(batch);
	free(text);
	classifier_free(c);
	rules_free(r);
	return 0;
}
