/*
 * Export benchmark: synthetic verdicts for many servers (43,000 x 20 tools
 * by default), decided with a profile and written in every format, one
 * atomic file per server and format, as `export --all --out DIR` would:
 * no fsync per file, one sync of the file system at the end (included in
 * the time).
 *
 *	bench_export PROFILE.json OUTDIR [SERVERS [TOOLS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/export.h"
#include "report/profile.h"
#include "util/buf.h"
#include "util/parse.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const verbs[] = {
	"List", "Get", "Describe", "Create", "Update", "Tag", "Start", "Run",
	"Delete", "Cancel", "Charge", "Frob",
};
static const char *const nouns[] = {
	"Runs", "Resource", "Workflow", "Batch", "Invoice", "User", "Bucket",
	"Thing", "Secret", "Job",
};

static unsigned long long rng = 88172645463325252ULL;

static unsigned
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 16);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct errbuf eb = ERRBUF_INIT;
	struct profile *p = NULL;
	long long nservers = 43000, ntools = 20;
	struct verdict *v = NULL;
	struct tool_verdict *tv = NULL;
	struct evidence ev[CAT__COUNT];
	char **tnames = NULL;
	struct buf out = BUF_INIT(EXPORT_MAX);
	size_t bytes = 0, files = 0, notes = 0;
	double t0, t1;
	long long s, i;
	int f, ret = 1;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: bench_export PROFILE OUTDIR "
			"[SERVERS [TOOLS]]\n");
		return 2;
	}
	if ((argc > 3 && parse_ll(argv[3], 1, 10000000, &nservers, &eb) < 0) ||
	    (argc > 4 && parse_ll(argv[4], 1, 10000, &ntools, &eb) < 0))
		goto fail;
	p = profile_load(argv[1], &eb);
	if (!p)
		goto fail;
	for (f = 0; f < CAT__COUNT; f++) {
		ev[f].rule = (char *)"bench.rule";
		ev[f].field = (char *)"name";
		ev[f].match = (char *)"x";
		ev[f].weight = 10 + f;
	}
	v = xcalloc((size_t)ntools, sizeof(*v));
	tv = xcalloc((size_t)ntools, sizeof(*tv));
	tnames = xcalloc((size_t)ntools, sizeof(*tnames));
	t0 = now();
	for (s = 0; s < nservers; s++) {
		struct export_server srv = { 0 };
		char name[128];

		/* every 7th name needs escaping in file names */
		snprintf(name, sizeof(name), s % 7 ? "io.example.%lld/server" :
			 "srv %lld \"quoted\"", s);
		for (i = 0; i < ntools; i++) {
			unsigned r = next();

			free(tnames[i]);
			tnames[i] = xasprintf("%s%s%lld",
					      verbs[r % (sizeof(verbs) /
							 sizeof(*verbs))],
					      nouns[(r >> 8) % (sizeof(nouns) /
							 sizeof(*nouns))], i);
			v[i].category = (enum category)(r % 12 < 6 ? CAT_READ :
				(enum category)((r >> 4) % CAT__COUNT));
			v[i].risk = (enum risk)((r >> 12) % RISK__COUNT);
			v[i].confidence = 0.5 + (double)((r >> 16) % 50) / 100;
			v[i].traits = (r >> 20) % 97 == 0 ? TRAIT_POISONING : 0;
			v[i].evidence = &ev[v[i].category];
			v[i].nevidence = 1;
			tv[i].name = tnames[i];
			tv[i].verdict = &v[i];
		}
		srv.server = name;
		srv.mcprisk_version = "bench";
		srv.rules_version = "bench";
		export_decide(p, tv, (size_t)ntools, &srv);
		for (f = 0; f < EXPORT__COUNT; f++) {
			struct export_notes nl = EXPORT_NOTES_INIT;

			buf_reset(&out);
			if (export_render(&srv, f, &out, &nl, &eb) < 0 ||
			    export_write_file_flags(argv[2], name,
						    export_format_name(f),
						    &out, EXPORT_WRITE_NOSYNC,
						    &eb) < 0) {
				export_notes_release(&nl);
				export_server_release(&srv);
				goto fail;
			}
			bytes += out.len;
			files++;
			notes += nl.n;
			export_notes_release(&nl);
		}
		export_server_release(&srv);
	}
	if (export_sync(argv[2], &eb) < 0)
		goto fail;
	t1 = now();
	printf("servers %lld, tools %lld, files %zu, bytes %zu, notes %zu, "
	       "seconds %.2f\n", nservers, nservers * ntools, files, bytes,
	       notes, t1 - t0);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "bench_export: %s\n", eb.msg);
out:
	for (i = 0; tnames && i < ntools; i++)
		free(tnames[i]);
	free(tnames);
	free(v);
	free(tv);
	buf_release(&out);
	profile_free(p);
	return ret;
}
