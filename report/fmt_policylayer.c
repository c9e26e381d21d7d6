/*
 * PolicyLayer policy.json, the default format: default deny, hidden tools
 * in "hide", and one entry under "tools" per tool that is not hidden.
 * Written compact, keys in the documented order, so the smallest policy
 * is byte for byte the one PolicyLayer's catalog shows.
 */
#include <stdlib.h>

#include "report/encode.h"
#include "report/fmt.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Gateway windows: minute and hour; a daily limit becomes hourly. */
static json_t *
limit_json(const char *tool, const struct action *a,
	   struct export_notes *notes)
{
	const char *window = rate_window_name(a->window);
	long long max = a->max;
	json_t *lim, *arr;
	char *counter;

	if (a->window == WINDOW_DAY) {
		window = "hour";
		max = (max + 23) / 24;
		export_note_add(notes, tool, "daily rate limit has no "
				"PolicyLayer window; written as an hourly "
				"limit of max/24, rounded up");
	}
	counter = xasprintf("%s_per_%s", tool, window);
	lim = json_pack("{s:s, s:s, s:I, s:s}", "counter", counter, "window",
			window, "max", (json_int_t)max, "scope", "grant");
	free(counter);
	arr = json_array();
	json_array_append_new(arr, lim);
	return arr;
}

/* deny_if with no conditions: PolicyLayer's unconditional deny. */
static json_t *
deny_if_json(const char *reason)
{
	return json_pack("[{s:[], s:s}]", "conditions", "on_deny", reason);
}

int
fmt_policylayer(const struct export_server *s, const char *alias,
		struct buf *out, struct export_notes *notes,
		struct errbuf *eb)
{
	json_t *root = json_object(), *hide = json_array(),
	       *tools = json_object();
	size_t i;
	int ret = -1;

	(void)alias;
	for (i = 0; i < s->ntools; i++) {
		const struct export_tool *t = &s->tools[i];
		const struct action *a = &t->action;
		json_t *rule = NULL;

		switch (a->kind) {
		case ACTION_ALLOW:
			rule = json_object();
			break;
		case ACTION_RATE_LIMIT:
			rule = json_object();
			json_object_set_new(rule, "limits",
					    limit_json(t->name, a, notes));
			break;
		case ACTION_REQUIRE_APPROVAL:
			/* no approval flow: the catalog's convention */
			rule = json_object();
			json_object_set_new(rule, "deny_if",
					    deny_if_json(a->reason));
			break;
		case ACTION_DENY:
			/* redundant under default deny, but keeps the why */
			rule = json_object();
			json_object_set_new(rule, "deny_if",
					    deny_if_json(a->reason));
			break;
		case ACTION_HIDE:
		case ACTION__COUNT:
			json_array_append_new(hide, json_string(t->name));
			break;
		}
		if (rule && json_object_set_new(tools, t->name, rule) < 0) {
			errbuf_set(eb, "cannot add tool to JSON");
			goto out;
		}
	}
	json_object_set_new(root, "version", json_string("1"));
	json_object_set_new(root, "default", json_string("deny"));
	if (json_array_size(hide) > 0)
		json_object_set(root, "hide", hide);
	if (json_object_size(tools) > 0)
		json_object_set(root, "tools", tools);
	ret = enc_json(out, root, JSON_COMPACT | JSON_PRESERVE_ORDER, eb);
out:
	json_decref(root);
	json_decref(hide);
	json_decref(tools);
	return ret;
}
