/*
 * Claude Code settings.json permissions: mcp__<alias>__<tool> rules in
 * allow / ask / deny.  Claude Code has no quotas and names tools with
 * [A-Za-z0-9_-] only, so both losses are reported as notes.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/encode.h"
#include "report/fmt.h"
#include "util/buf.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

static bool
name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/*
 * s with every character (code point) outside [A-Za-z0-9_-] replaced by
 * '_' (new string); *changed tells whether anything was replaced.  This
 * also turns '*', Claude Code's wildcard, into '_', so no rule can match
 * more than the name it was written for.  s is valid UTF-8.
 */
static char *
claude_name(const char *s, bool *changed)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, n;
	char *r = xmalloc(len + 1), *o = r;
	uint32_t cp;

	*changed = false;
	while (i < len) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			n = 1; /* not reached: export_render checked */
		if (n == 1 && name_byte(p[i])) {
			*o++ = (char)p[i];
		} else {
			*o++ = '_';
			*changed = true;
		}
		i += n;
	}
	*o = '\0';
	return r;
}

int
fmt_claude(const struct export_server *s, const char *alias,
	   struct buf *out, struct export_notes *notes, struct errbuf *eb)
{
	json_t *root = NULL, *perm = json_object(), *allow = json_array(),
	       *ask = json_array(), *deny = json_array();
	char *srv, *tool, *rule;
	bool changed;
	size_t i;
	int ret = -1;

	srv = claude_name(alias, &changed);
	if (changed)
		export_note_add(notes, NULL, "alias has characters Claude "
				"Code does not use in tool names; replaced "
				"with '_'");
	for (i = 0; i < s->ntools; i++) {
		const struct export_tool *t = &s->tools[i];
		json_t *list = deny;

		tool = claude_name(t->name, &changed);
		if (changed)
			export_note_add(notes, t->name, "tool name has "
					"characters outside [A-Za-z0-9_-]; "
					"written with them replaced by '_'");
		if (!*t->name)
			export_note_add(notes, t->name, "empty tool name; the "
					"rule has an empty tool part");
		rule = xasprintf("mcp__%s__%s", srv, tool);
		switch (t->action.kind) {
		case ACTION_RATE_LIMIT:
			export_note_add(notes, t->name, "no rate limits; "
					"allowed without a quota");
			__attribute__((fallthrough));
		case ACTION_ALLOW:
			list = allow;
			break;
		case ACTION_REQUIRE_APPROVAL:
			list = ask;
			break;
		case ACTION_DENY:
		case ACTION_HIDE:
		case ACTION__COUNT:
			list = deny;
			break;
		}
		json_array_append_new(list, json_string(rule));
		free(tool);
		free(rule);
	}
	/* Claude evaluates deny, ask, allow: write them in that order. */
	if (json_array_size(deny))
		json_object_set(perm, "deny", deny);
	if (json_array_size(ask))
		json_object_set(perm, "ask", ask);
	if (json_array_size(allow))
		json_object_set(perm, "allow", allow);
	root = json_pack("{s:O}", "permissions", perm);
	ret = enc_json(out, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER, eb);
	json_decref(root);
	json_decref(perm);
	json_decref(allow);
	json_decref(ask);
	json_decref(deny);
	free(srv);
	return ret;
}
