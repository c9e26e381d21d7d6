/*
 * Fuzz target: classify_tool over the bundled rules (data/rules, or
 * $MCPRISK_FUZZ_RULES).  The input is a tool object; the same tool must
 * give the same verdict twice, byte for byte.  The input is also read as
 * it is by classify_text, which must cope with any bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "classifier/classify.h"
#include "classifier/rules.h"
#include "classifier/verdict.h"
#include "util/json.h"
#include "tests/fuzz/fuzz.h"

static struct rules *rules;
static struct classifier *cls;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errbuf eb = ERRBUF_INIT;
	struct verdict v1, v2;
	json_t *tool;

	if (!rules) {
		const char *p = getenv("MCPRISK_FUZZ_RULES");

		rules = rules_load(p ? p : "data/rules", &eb);
		if (!rules)
			abort(); /* run from the repository root */
		cls = classifier_new(rules);
	}
	if (classify_text(cls, (const char *)data, size, &v1, &eb) == 0)
		verdict_release(&v1);
	tool = json_load_strict((const char *)data, size, NULL);
	if (!tool)
		return 0;
	if (classify_tool(cls, tool, &v1, &eb) == 0) {
		json_t *a, *b;
		char *sa, *sb;

		if (classify_tool(cls, tool, &v2, &eb) < 0)
			abort();
		a = verdict_to_json(&v1);
		b = verdict_to_json(&v2);
		sa = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
		sb = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
		if (!sa || !sb || strcmp(sa, sb) != 0)
			abort();
		free(sa);
		free(sb);
		json_decref(a);
		json_decref(b);
		verdict_release(&v1);
		verdict_release(&v2);
	}
	json_decref(tool);
	return 0;
}
