/*
 * A whole manifest classified into one JSON document: the output of
 * `mcprisk classify --json` and of the service's POST /v1/classify, built
 * in one place so the two cannot drift apart.
 */
#include "classifier/classify.h"
#include "crawler/manifest.h"
#include "util/banned.h"

json_t *
classify_manifest_json(struct classifier *c, const struct rules *rules,
		       const struct manifest *m, int *worst, struct errbuf *eb)
{
	json_t *doc = NULL, *tools;
	int top = -1;
	size_t i;

	tools = json_array();
	for (i = 0; i < m->ntools; i++) {
		struct verdict v;
		json_t *t, *vj;

		if (classify_text(c, m->tools[i].canonical,
				  m->tools[i].canonical_len, &v, eb) < 0) {
			errbuf_prefix(eb, "tools[%zu]", i);
			goto out;
		}
		if ((int)v.risk > top)
			top = (int)v.risk;
		t = json_object();
		json_object_set_new(t, "name", json_string(m->tools[i].name));
		vj = verdict_to_json(&v);
		json_object_update(t, vj);
		json_decref(vj);
		json_array_append_new(tools, t);
		verdict_release(&v);
	}
	doc = json_object();
	json_object_set_new(doc, "rules_version",
			    json_string(rules_version(rules)));
	json_object_set_new(doc, "tools", tools);
	tools = NULL;
	if (worst)
		*worst = top;
out:
	json_decref(tools);
	return doc;
}
