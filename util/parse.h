/*
 * Strict number parsing: the whole string must be a number in range, with
 * no leading space, sign tricks or trailing garbage.
 */
#ifndef MCPRISK_PARSE_H
#define MCPRISK_PARSE_H

#include <stdint.h>

#include "util/errbuf.h"

/* Parse a decimal integer in [min, max] into *out; -1 with a reason. */
int parse_ll(const char *s, long long min, long long max, long long *out,
	     struct errbuf *eb);

/* The value of one hex digit, or -1. */
int hex_value(char c);

/* The four hex digits at p as a number (a JSON \u escape), or -1. */
long hex4_value(const unsigned char *p);

/* Parse a duration such as "30", "30s", "5m", "2h", "7d" into seconds. */
int parse_duration(const char *s, long long *seconds, struct errbuf *eb);

/*
 * A point in time: Unix seconds ("1767225600"), RFC 3339
 * ("2026-01-01T00:00:00Z", "2026-01-01T02:00:00.5+02:00", or a date
 * "2026-01-01" for its midnight UTC), or a duration before now ("30s",
 * "5m", "2h", "7d").  Returns 0 with *out in Unix seconds, or -1.
 */
int parse_when(const char *s, int64_t now, int64_t *out, struct errbuf *eb);

#endif
