/*
 * Fuzz target: the catalog file (catalog_parse) and its expansion into
 * targets.  Only parsing: catalog_expand would read paths and registries,
 * so it is left to the CLI tests.
 */
#include "crawler/catalog.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog c = { 0 };
	struct errbuf eb = ERRBUF_INIT;

	if (catalog_parse((const char *)data, size,
			  "/nonexistent/fuzz/catalog.json", &c, &eb) == 0)
		catalog_release(&c);
	return 0;
}
