/*
 * Codex config.toml: one [mcp_servers."<alias>"] table with an allowlist
 * (enabled_tools), the tools kept out (disabled_tools), and an approval
 * mode per enabled tool.  Keys and strings are always quoted TOML basic
 * strings (report/encode.c).
 */
#include <stdlib.h>

#include "report/encode.h"
#include "report/fmt.h"
#include "util/banned.h"

/* Append a TOML array of the names of tools whose action is in kinds. */
static int
put_names(struct buf *out, const struct export_server *s, unsigned kinds,
	  struct errbuf *eb)
{
	const char *sep = "";
	size_t i;

	if (enc_puts(out, "[", eb) < 0)
		return -1;
	for (i = 0; i < s->ntools; i++) {
		if (!(kinds & (1u << s->tools[i].action.kind)))
			continue;
		if (enc_puts(out, sep, eb) < 0 ||
		    enc_toml_str(out, s->tools[i].name, eb) < 0)
			return -1;
		sep = ", ";
	}
	return enc_puts(out, "]\n", eb);
}

#define ENABLED ((1u << ACTION_ALLOW) | (1u << ACTION_RATE_LIMIT) | \
		 (1u << ACTION_REQUIRE_APPROVAL))
#define DISABLED ((1u << ACTION_DENY) | (1u << ACTION_HIDE))

int
fmt_codex(const struct export_server *s, const char *alias,
	  struct buf *out, struct export_notes *notes, struct errbuf *eb)
{
	char *desc = fmt_description(s);
	size_t i;
	int ret = -1;

	/* the description goes through the encoder: no raw newline */
	if (enc_puts(out, "# ", eb) < 0 || enc_toml_str(out, desc, eb) < 0 ||
	    enc_puts(out, "\n[mcp_servers.", eb) < 0 ||
	    enc_toml_str(out, alias, eb) < 0 ||
	    enc_puts(out, "]\nenabled_tools = ", eb) < 0 ||
	    put_names(out, s, ENABLED, eb) < 0 ||
	    enc_puts(out, "disabled_tools = ", eb) < 0 ||
	    put_names(out, s, DISABLED, eb) < 0 ||
	    enc_puts(out, "default_tools_approval_mode = \"prompt\"\n", eb) < 0)
		goto out;
	for (i = 0; i < s->ntools; i++) {
		const struct export_tool *t = &s->tools[i];
		const char *mode;

		switch (t->action.kind) {
		case ACTION_RATE_LIMIT:
			export_note_add(notes, t->name, "no rate limits; "
					"enabled without a quota");
			__attribute__((fallthrough));
		case ACTION_ALLOW:
			mode = "auto";
			break;
		case ACTION_REQUIRE_APPROVAL:
			mode = "prompt";
			break;
		case ACTION_DENY:
		case ACTION_HIDE:
		case ACTION__COUNT:
		default:
			continue;
		}
		if (enc_puts(out, "\n[mcp_servers.", eb) < 0 ||
		    enc_toml_str(out, alias, eb) < 0 ||
		    enc_puts(out, ".tools.", eb) < 0 ||
		    enc_toml_str(out, t->name, eb) < 0 ||
		    enc_puts(out, "]\napproval_mode = \"", eb) < 0 ||
		    enc_puts(out, mode, eb) < 0 ||
		    enc_puts(out, "\"\n", eb) < 0)
			goto out;
	}
	ret = 0;
out:
	free(desc);
	return ret;
}
