/*
 * Catalog -> policy: decode stored verdicts, then run the one decision
 * step and one writer (report/export.h).  No format or decision logic
 * lives here; this is only the plumbing from the store.
 */
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "report/recommend.h"
#include "util/json.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "util/banned.h"

void
server_verdicts_release(struct server_verdicts *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++) {
		verdict_release(&sv->verdicts[i]);
		free(sv->names[i]);
	}
	free(sv->verdicts);
	free(sv->names);
	free(sv->tools);
	free(sv->server);
	memset(sv, 0, sizeof(*sv));
}

int
recommend_decode(const json_t *server, struct server_verdicts *out,
		 struct errbuf *eb)
{
	const json_t *tools = json_object_get(server, "tools");
	json_t *t;
	size_t i, n = json_array_size(tools);

	memset(out, 0, sizeof(*out));
	out->server = xstrdup(json_get_str(server, "name"));
	out->tools = xcalloc(n ? n : 1, sizeof(*out->tools));
	out->verdicts = xcalloc(n ? n : 1, sizeof(*out->verdicts));
	out->names = xcalloc(n ? n : 1, sizeof(*out->names));
	json_array_foreach(tools, i, t) {
		json_t *v = json_object_get(t, "verdict");

		out->names[i] = xstrdup(json_get_str(t, "name"));
		out->tools[i].name = out->names[i];
		out->n = i + 1;
		if (!json_is_object(v))
			continue;
		if (verdict_from_json(v, &out->verdicts[i], eb) < 0) {
			errbuf_prefix(eb, "server '%s': tool '%s'",
				      out->server, out->names[i]);
			server_verdicts_release(out);
			return -1;
		}
		out->tools[i].verdict = &out->verdicts[i];
	}
	return 0;
}

int
recommend_load(struct store *st, const char *server, const char *rules_version,
	       struct server_verdicts *out, struct errbuf *eb)
{
	json_t *cat, *srv;
	int ret = -1;

	cat = store_catalog(st, rules_version, server, eb);
	if (!cat)
		return -1;
	srv = json_array_get(json_object_get(cat, "servers"), 0);
	if (!srv) {
		/* A known server whose tools are all gone still has a
		   policy: deny everything. */
		json_t *one = store_server(st, server, NULL, eb);

		if (!one)
			goto out;
		json_decref(one);
		memset(out, 0, sizeof(*out));
		out->server = xstrdup(server);
		ret = 0;
		goto out;
	}
	ret = recommend_decode(srv, out, eb);
out:
	json_decref(cat);
	return ret;
}

int
recommend_render(const struct profile *p, const struct server_verdicts *sv,
		 const char *alias, const char *rules_version,
		 enum export_format f, struct buf *out,
		 struct export_notes *notes, struct errbuf *eb)
{
	struct export_server s = { 0 };
	int ret;

	s.server = sv->server;
	s.alias = alias;
	s.mcprisk_version = MCPRISK_VERSION;
	s.rules_version = rules_version;
	export_decide(p, sv->tools, sv->n, &s);
	ret = export_render(&s, f, out, notes, eb);
	export_server_release(&s);
	return ret;
}

void
recommend_grade(const struct server_verdicts *sv, struct grade *out)
{
	grade_server(sv->tools, sv->n, out);
}

static int
grade_each(void *ctx, json_t *server)
{
	json_t *map = ctx;
	struct server_verdicts sv;
	struct errbuf eb = ERRBUF_INIT;
	struct grade g;
	char letter[2];

	if (recommend_decode(server, &sv, &eb) < 0)
		return -1;
	recommend_grade(&sv, &g);
	letter[0] = g.letter;
	letter[1] = '\0';
	json_object_set_new(map, sv.server,
			    json_pack("{s:s,s:s}", "grade", letter, "reason",
				      g.reason));
	server_verdicts_release(&sv);
	return 0;
}

json_t *
recommend_grades(struct store *st, const char *rules_version,
		 struct errbuf *eb)
{
	json_t *map = json_object();

	if (store_each_server_tools(st, rules_version, grade_each, map, eb) <
	    0) {
		if (!eb->msg[0])
			errbuf_set(eb, "cannot grade servers");
		json_decref(map);
		return NULL;
	}
	return map;
}

/*
 * Add "grade", "grade_reason" and "tokens" to each server of a
 * store_servers() result; servers without tools grade A.
 */
int
recommend_add_grades(struct store *st, const char *rules_version, json_t *res,
	   struct errbuf *eb)
{
	json_t *grades = NULL, *row;
	size_t i;

	if (rules_version) {
		grades = recommend_grades(st, rules_version, eb);
		if (!grades)
			return -1;
	}
	json_array_foreach(json_object_get(res, "servers"), i, row) {
		json_t *g = json_object_get(grades, json_get_str(row, "name"));
		size_t bytes = (size_t)json_integer_value(
			json_object_get(row, "definition_bytes"));
		size_t n = (size_t)json_integer_value(
			json_object_get(row, "tool_count"));

		bool never = json_is_null(json_object_get(row, "last_success"));

		/* A server never fetched has no grade, not an A. */
		if (rules_version && never) {
			json_object_set_new(row, "grade", json_null());
			json_object_set_new(row, "grade_reason",
					    json_string("never fetched"));
		} else if (rules_version) {
			json_object_set_new(row, "grade",
					    json_string(g ? json_get_str(g, "grade") : "A"));
			json_object_set_new(row, "grade_reason",
					    json_string(g ? json_get_str(g, "reason") : "no tools"));
		}
		json_object_set_new(row, "tokens",
				    never ? json_null() :
				    json_integer((json_int_t)grade_tokens_for_def_bytes(bytes, n)));
		json_object_del(row, "definition_bytes");
	}
	json_decref(grades);
	return 0;
}

