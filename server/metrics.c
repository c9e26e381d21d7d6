/*
 * Lock-free request counters for /metrics: a fixed table of routes and
 * status codes, and per-route latency buckets, updated with relaxed atomic
 * adds (each value is a monotonic counter, read once per scrape).
 */
#include <stdio.h>
#include <stdlib.h>

#include "server/metrics.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The statuses the service answers with; anything else counts as "other". */
static const int statuses[] = { 200, 400, 404, 405, 413, 414, 500, 503 };
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Latency bucket bounds in microseconds (the last bucket is +Inf). */
static const uint64_t bounds_us[] = { 250,    500,    1000,   2500,
				      5000,   10000,  25000,  50000,
				      100000, 250000, 1000000 };
static const char *const bounds_s[] = { "0.00025", "0.0005", "0.001",
					"0.0025",  "0.005",  "0.01",
					"0.025",   "0.05",   "0.1",
					"0.25",    "1" };
#define NBUCKET (sizeof(bounds_us) / sizeof(bounds_us[0]))

struct metrics {
	uint64_t requests[ROUTE__COUNT][NSTATUS]; /* by route and status */
	uint64_t buckets[ROUTE__COUNT][NBUCKET];  /* non-cumulative */
	uint64_t count[ROUTE__COUNT];             /* requests timed */
	uint64_t sum_us[ROUTE__COUNT];            /* their total time */
};

static const char *const route_names[ROUTE__COUNT] = {
	[ROUTE_HEALTHZ] = "healthz", [ROUTE_METRICS] = "metrics",
	[ROUTE_SERVERS] = "servers", [ROUTE_SERVER] = "server",
	[ROUTE_POLICY] = "policy",   [ROUTE_TOOL] = "tool",
	[ROUTE_SEARCH] = "search",   [ROUTE_CHANGES] = "changes",
	[ROUTE_CLASSIFY] = "classify", [ROUTE_NONE] = "none",
};

const char *
route_name(enum route_id route)
{
	return (unsigned)route < ROUTE__COUNT ? route_names[route] : "none";
}

struct metrics *
metrics_new(void)
{
	return xcalloc(1, sizeof(struct metrics));
}

void
metrics_free(struct metrics *m)
{
	free(m);
}

static void
add(uint64_t *p, uint64_t v)
{
	__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

void
metrics_count(struct metrics *m, enum route_id route, int status,
	      uint64_t micros)
{
	size_t s, b;

	if ((unsigned)route >= ROUTE__COUNT)
		route = ROUTE_NONE;
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		;
	add(&m->requests[route][s], 1);
	for (b = 0; b < NBUCKET && micros > bounds_us[b]; b++)
		;
	if (b < NBUCKET)
		add(&m->buckets[route][b], 1);
	add(&m->count[route], 1);
	add(&m->sum_us[route], micros);
}

int
metrics_render(const struct metrics *m, struct buf *out)
{
	size_t r, s, b;

	buf_puts(out, "# HELP mcprisk_http_requests_total HTTP requests "
		      "answered, by route and status.\n"
		      "# TYPE mcprisk_http_requests_total counter\n");
	for (r = 0; r < ROUTE__COUNT; r++)
		for (s = 0; s < NSTATUS; s++) {
			uint64_t v = get(&m->requests[r][s]);
			char st[16];

			if (!v)
				continue;
			if (s < NSTATUS - 1)
				snprintf(st, sizeof(st), "%d", statuses[s]);
			else
				snprintf(st, sizeof(st), "other");
			buf_printf(out,
				   "mcprisk_http_requests_total{route=\"%s\","
				   "status=\"%s\"} %llu\n",
				   route_names[r], st, (unsigned long long)v);
		}
	buf_puts(out, "# HELP mcprisk_http_request_duration_seconds Time "
		      "from the request line to the end of the response.\n"
		      "# TYPE mcprisk_http_request_duration_seconds "
		      "histogram\n");
	for (r = 0; r < ROUTE__COUNT; r++) {
		uint64_t n = get(&m->count[r]), cum = 0;

		if (!n)
			continue;
		for (b = 0; b < NBUCKET; b++) {
			cum += get(&m->buckets[r][b]);
			buf_printf(out,
				   "mcprisk_http_request_duration_seconds_bucket"
				   "{route=\"%s\",le=\"%s\"} %llu\n",
				   route_names[r], bounds_s[b],
				   (unsigned long long)cum);
		}
		buf_printf(out,
			   "mcprisk_http_request_duration_seconds_bucket"
			   "{route=\"%s\",le=\"+Inf\"} %llu\n"
			   "mcprisk_http_request_duration_seconds_sum"
			   "{route=\"%s\"} %.6f\n"
			   "mcprisk_http_request_duration_seconds_count"
			   "{route=\"%s\"} %llu\n",
			   route_names[r], (unsigned long long)n,
			   route_names[r],
			   (double)get(&m->sum_us[r]) / 1e6, route_names[r],
			   (unsigned long long)n);
	}
	return out->toobig ? -1 : 0;
}
