/*
 * Docker MCP gateway tools.yaml: a map from server to the tools it may
 * expose.  Only an allowlist exists, so everything that is not allowed is
 * left out, and what that loses is reported as notes.
 */
#include "report/encode.h"
#include "report/fmt.h"
#include "util/banned.h"

int
fmt_docker(const struct export_server *s, const char *alias,
	   struct buf *out, struct export_notes *notes, struct errbuf *eb)
{
	size_t i, n = 0;

	if (enc_yaml_str(out, alias, eb) < 0 || enc_puts(out, ":", eb) < 0)
		return -1;
	for (i = 0; i < s->ntools; i++) {
		const struct export_tool *t = &s->tools[i];

		switch (t->action.kind) {
		case ACTION_RATE_LIMIT:
			export_note_add(notes, t->name, "no rate limits; "
					"allowed without a quota");
			__attribute__((fallthrough));
		case ACTION_ALLOW:
			break;
		case ACTION_REQUIRE_APPROVAL:
			export_note_add(notes, t->name, "no approval step; "
					"left out of the allowlist");
			continue;
		case ACTION_DENY:
		case ACTION_HIDE:
		case ACTION__COUNT:
		default:
			continue;
		}
		if (enc_puts(out, "\n  - ", eb) < 0 ||
		    enc_yaml_str(out, t->name, eb) < 0)
			return -1;
		n++;
	}
	if (n == 0)
		export_note_add(notes, NULL, "no tool is allowed; check that "
				"the gateway reads an empty list as none, or "
				"disable the server");
	return enc_puts(out, n ? "\n" : " []\n", eb);
}
