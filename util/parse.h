/*
 * Strict number parsing: the whole string must be a number in range, with
 * no leading space, sign tricks or trailing garbage.
 */
#ifndef MCPRISK_PARSE_H
#define MCPRISK_PARSE_H

#include "util/errbuf.h"

/* Parse a decimal integer in [min, max] into *out; -1 with a reason. */
int parse_ll(const char *s, long long min, long long max, long long *out,
	     struct errbuf *eb);

/* Parse a duration such as "30", "30s", "5m", "2h", "7d" into seconds. */
int parse_duration(const char *s, long long *seconds, struct errbuf *eb);

#endif
