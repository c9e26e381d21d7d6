/*
 * Fuzz target: one registry list page (registry_parse_page), with and
 * without --allow-exec, and the RFC 3339 time parser on the first line.
 */
#include <string.h>

#include "crawler/registry.h"
#include "crawler/target.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry_opts o = { 0 };
	char tbuf[128];
	int exec;

	o.url = "https://registry.example.test";
	for (exec = 0; exec < 2; exec++) {
		struct registry_stats st = REGISTRY_STATS_INIT;
		struct target_list out = TARGET_LIST_INIT;
		struct errbuf eb = ERRBUF_INIT;
		char *next = NULL;

		o.allow_exec = exec;
		(void)registry_parse_page(&o, (const char *)data, size, &out,
					  &next, &st, &eb);
		free(next);
		target_list_release(&out);
		registry_stats_release(&st);
	}
	{
		size_t n = size < sizeof(tbuf) - 1 ? size : sizeof(tbuf) - 1;
		const char *nl = memchr(data, '\n', n);
		long long sec;
		long nsec;

		if (nl)
			n = (size_t)(nl - (const char *)data);
		memcpy(tbuf, data, n);
		tbuf[n] = '\0';
		(void)registry_parse_time(tbuf, &sec, &nsec);
	}
	return 0;
}
