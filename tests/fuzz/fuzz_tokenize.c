/*
 * Fuzz target: the name and text tokenizers.  Every word must be
 * non-empty and NUL-terminated, and a text word's hash its word_hash();
 * a folded text must be the input with its ASCII letters lowercased; the
 * joined text must fit its buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "classifier/tokenize.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wordlist wl = { 0 };
	char joined[256], *fold = malloc(TEXT_FOLD_ROOM(size) + 1);
	size_t i, first = 0;
	unsigned facts;

	if (!fold)
		return 0;
	facts = tokenize_text(&wl, (const char *)data, size, fold);
	for (i = 0; i < wl.n; i++) {
		const char *w = wordlist_word(&wl, i);

		if (wl.w[i].llen == 0 || strlen(w) != wl.w[i].llen ||
		    wl.w[i].hash != word_hash(w, wl.w[i].llen))
			abort();
	}
	if (!(facts & TEXT_NOT_FOLDED)) {
		for (i = 0; i < size; i++)
			if ((unsigned char)fold[i] !=
			    (data[i] >= 'A' && data[i] <= 'Z' ? data[i] + 32
							      : data[i]))
				abort();
		if (((facts & TEXT_ESC) != 0) !=
		    (memchr(data, 0x1b, size) != NULL))
			abort();
	}
	free(fold);
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
