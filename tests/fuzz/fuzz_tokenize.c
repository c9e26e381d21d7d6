/*
 * Fuzz target: the name and text tokenizers.  Every word must be
 * non-empty and NUL-terminated; the joined text must fit its buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "classifier/tokenize.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wordlist wl = { 0 };
	char joined[256];
	size_t i, first = 0;

	tokenize_words(&wl, (const char *)data, size, 0);
	wordlist_reset(&wl);
	tokenize_words(&wl, (const char *)data, size, TOKENIZE_CAMEL);
	for (i = 0; i < wl.n; i++)
		if (strlen(wordlist_word(&wl, i)) == 0)
			abort();
	wordlist_reset(&wl);
	tokenize_name(&wl, (const char *)data, size, &first);
	if (wl.n && first >= wl.n)
		abort();
	wordlist_join(&wl, joined, sizeof(joined));
	if (strlen(joined) >= sizeof(joined))
		abort();
	wordlist_release(&wl);
	return 0;
}
