/*
 * Fuzz target: manifest_parse, every accepted manifest shape and its
 * validation, and the description accessor over what it accepted.
 */
#include <string.h>

#include "crawler/manifest.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct manifest m = MANIFEST_INIT;
	struct errbuf eb = ERRBUF_INIT;
	size_t i;

	if (manifest_parse((const char *)data, size, &m, &eb) == 0) {
		for (i = 0; i < m.ntools; i++)
			(void)strlen(manifest_tool_description(&m.tools[i]));
		manifest_release(&m);
	}
	manifest_release(&m);
	return 0;
}
