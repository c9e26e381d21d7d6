/*
 * PolicyLayer Intercept YAML: default deny, hidden tools in "hide", and a
 * rule list per remaining tool.  Every string is a double-quoted scalar
 * (report/encode.c), so no tool name can change the document's shape.
 */
#include <stdio.h>
#include <stdlib.h>

#include "report/encode.h"
#include "report/fmt.h"
#include "util/banned.h"

/* One rule item: its name, one key, on_deny; starts a new line. */
static int
put_rule(struct buf *out, const struct action *a, const char *extra_key,
	 const char *extra_val, struct errbuf *eb)
{
	if (enc_puts(out, "\n      - name: ", eb) < 0 ||
	    enc_yaml_str(out, a->rule, eb) < 0 ||
	    enc_puts(out, "\n        ", eb) < 0 ||
	    enc_puts(out, extra_key, eb) < 0 ||
	    enc_puts(out, ": ", eb) < 0 ||
	    enc_yaml_str(out, extra_val, eb) < 0 ||
	    enc_puts(out, "\n        on_deny: ", eb) < 0 ||
	    enc_yaml_str(out, a->reason, eb) < 0)
		return -1;
	return 0;
}

int
fmt_intercept(const struct export_server *s, const char *alias,
	      struct buf *out, struct export_notes *notes, struct errbuf *eb)
{
	char *desc = fmt_description(s);
	char limit[64];
	size_t i, nhide = 0, ntools = 0;
	int ret = -1;

	(void)alias;
	if (enc_puts(out, "version: \"1\"\ndescription: ", eb) < 0 ||
	    enc_yaml_str(out, desc, eb) < 0 ||
	    enc_puts(out, "\ndefault: \"deny\"\nhide:", eb) < 0)
		goto out;
	for (i = 0; i < s->ntools; i++) {
		if (s->tools[i].action.kind != ACTION_HIDE)
			continue;
		if (enc_puts(out, "\n  - ", eb) < 0 ||
		    enc_yaml_str(out, s->tools[i].name, eb) < 0)
			goto out;
		nhide++;
	}
	if (enc_puts(out, nhide ? "\ntools:" : " []\ntools:", eb) < 0)
		goto out;
	for (i = 0; i < s->ntools; i++) {
		const struct export_tool *t = &s->tools[i];
		const struct action *a = &t->action;

		if (a->kind == ACTION_HIDE)
			continue;
		ntools++;
		if (enc_puts(out, "\n  ", eb) < 0 ||
		    enc_yaml_str(out, t->name, eb) < 0 ||
		    enc_puts(out, ":\n    rules:", eb) < 0)
			goto out;
		switch (a->kind) {
		case ACTION_ALLOW:
			if (enc_puts(out, " []", eb) < 0)
				goto out;
			break;
		case ACTION_RATE_LIMIT:
			snprintf(limit, sizeof(limit), "%lld/%s", a->max,
				 rate_window_name(a->window));
			if (put_rule(out, a, "rate_limit", limit, eb) < 0)
				goto out;
			break;
		case ACTION_REQUIRE_APPROVAL:
			export_note_add(notes, t->name, "no approval step; "
					"written as a deny whose message asks "
					"for approval");
			__attribute__((fallthrough));
		case ACTION_DENY:
			if (put_rule(out, a, "action", "deny", eb) < 0)
				goto out;
			break;
		case ACTION_HIDE:
		case ACTION__COUNT:
			break;
		}
	}
	if (enc_puts(out, ntools ? "\n" : " {}\n", eb) < 0)
		goto out;
	ret = 0;
out:
	free(desc);
	return ret;
}
