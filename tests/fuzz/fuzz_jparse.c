/*
 * Fuzz target: jparse() against jansson's json_loadb() on the same bytes.
 * jparse() may decline; accepting what jansson refuses, or building a
 * tree that differs from jansson's in any way, aborts.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/jtree.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	enum jtree_verdict v = jtree_check((const char *)data, size, why,
					   sizeof(why));

	if (v == JT_FAST_ONLY || v == JT_DIFFERENT) {
		fprintf(stderr, "jparse and jansson disagree: %s\n", why);
		abort();
	}
	return 0;
}
