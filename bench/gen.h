/*
 * What the benchmarks' generated tools share: a fixed xorshift sequence
 * (the same corpus on every run) and the parameter descriptions.
 */
#ifndef MCPRISK_BENCH_GEN_H
#define MCPRISK_BENCH_GEN_H

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const pdesc[] = {
	"The unique identifier of the resource",
	"Maximum number of results to return (1-100)",
	"Opaque pagination cursor from a previous response",
	"Free-text search query matched against names and descriptions",
	"ISO 8601 timestamp; results created after this time are returned",
	"Whether to include archived items in the result",
};

static unsigned long rng = 88172645463325252UL;

/* The next number below n. */
static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

#endif
