/*
 * Request metrics of the service, kept with atomic counters so worker
 * threads never take a lock to count: requests by route and status and a
 * latency histogram per route, rendered in the Prometheus text format.
 */
#ifndef MCPRISK_SERVER_METRICS_H
#define MCPRISK_SERVER_METRICS_H

#include <stdint.h>

#include "util/buf.h"

/* The routes requests are counted under. */
enum route_id {
	ROUTE_HEALTHZ,
	ROUTE_METRICS,
	ROUTE_SERVERS,
	ROUTE_SERVER,
	ROUTE_POLICY,
	ROUTE_TOOL,
	ROUTE_SEARCH,
	ROUTE_CHANGES,
	ROUTE_CLASSIFY,
	ROUTE_NONE, /* no route matched (404, 405, 414) */
	ROUTE__COUNT
};

struct metrics;

/* New zeroed metrics (metrics_free). */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Count one answered request; safe from any thread. */
void metrics_count(struct metrics *m, enum route_id route, int status,
		   uint64_t micros);

/* The route's label ("tool", "servers", ...; borrowed). */
const char *route_name(enum route_id route);

/* Append the request counters and histograms in Prometheus text format. */
int metrics_render(const struct metrics *m, struct buf *out);

#endif
