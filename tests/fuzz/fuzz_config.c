/*
 * Fuzz target: client config files (mcpServers, VS Code servers and
 * settings.json) through config_parse.
 */
#include "crawler/config.h"
#include "crawler/target.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct target_list out = TARGET_LIST_INIT;
	struct errbuf eb = ERRBUF_INIT;

	(void)config_parse((const char *)data, size,
			   "/nonexistent/fuzz/.vscode/mcp.json", &out, &eb);
	target_list_release(&out);
	return 0;
}
