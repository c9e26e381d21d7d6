/*
 * Policy export: one decision step (export_decide: verdicts → actions via a
 * profile) and five writers (export_render: actions → bytes of one format,
 * plus notes on what the format could not express).  Formats and mappings
 * are described in docs/exports.md.
 *
 * Typical use, for one server:
 *
 *	struct export_server s = { .server = name, .alias = NULL, ... };
 *	struct export_notes notes = EXPORT_NOTES_INIT;
 *	struct buf out = BUF_INIT(EXPORT_MAX);
 *	export_decide(profile, tools, ntools, &s);
 *	export_render(&s, EXPORT_POLICYLAYER, &out, &notes, eb);
 *	export_write_file(dir, s.server, "policylayer", &out, eb);
 *	export_server_release(&s);
 */
#ifndef MCPRISK_EXPORT_H
#define MCPRISK_EXPORT_H

#include <stddef.h>

#include "report/profile.h"
#include "util/buf.h"
#include "util/errbuf.h"

/* A generous cap for one server's export in any format. */
#define EXPORT_MAX (16 * 1024 * 1024)

enum export_format {
	EXPORT_POLICYLAYER, /* PolicyLayer policy.json (the default) */
	EXPORT_INTERCEPT,   /* PolicyLayer Intercept YAML */
	EXPORT_CLAUDE,      /* Claude Code settings.json permissions */
	EXPORT_CODEX,       /* Codex config.toml [mcp_servers.<alias>] */
	EXPORT_DOCKER,      /* Docker MCP gateway tools.yaml */
	EXPORT__COUNT
};

/* One tool's decided action. */
struct export_tool {
	const char *name;     /* borrowed from the decide input */
	struct action action;
};

/*
 * Everything a writer needs for one server.  The caller fills the strings
 * (all borrowed; NULL alias means the default alias, NULL versions and
 * profile are left out); export_decide fills tools.
 */
struct export_server {
	const char *server;          /* catalog name */
	const char *alias;           /* local name (Claude, Codex, Docker) */
	const char *mcprisk_version; /* for descriptions; may be NULL */
	const char *rules_version;   /* rule-set version; may be NULL */
	const char *profile;         /* profile name; export_decide sets it
					when NULL */
	struct export_tool *tools;   /* sorted by name (bytewise), one per
					name; owned (export_server_release) */
	size_t ntools;
};

/* One thing a format could not express. */
struct export_note {
	char *tool; /* the tool it is about, or NULL for the whole server;
		       owned */
	char *text; /* fixed wording per kind of loss, so callers can group
		       notes by text; owned */
};

struct export_notes {
	struct export_note *v; /* owned */
	size_t n, cap;
};

#define EXPORT_NOTES_INIT { NULL, 0, 0 }

/*
 * The decision step: decide every tool with the profile and store the
 * actions in s->tools, sorted by name.  A name listed twice keeps its
 * strictest action.  Replaces any previous s->tools.  Tool names stay
 * borrowed from tools[].
 */
void export_decide(const struct profile *p, const struct tool_verdict *tools,
		   size_t ntools, struct export_server *s);

/* Free s->tools (the strings in s are borrowed and left alone). */
void export_server_release(struct export_server *s);

/*
 * Write s in format f, appending to out, and add to notes what the format
 * could not express.  Fails (with a reason) when a string is not valid
 * UTF-8 or the output passes out's cap.
 */
int export_render(const struct export_server *s, enum export_format f,
		  struct buf *out, struct export_notes *notes,
		  struct errbuf *eb);

/* Free every note; the list is empty and reusable afterwards. */
void export_notes_release(struct export_notes *notes);

/* Add a note (copies tool, which may be NULL, and text). */
void export_note_add(struct export_notes *notes, const char *tool,
		     const char *text);

/* "policylayer", "intercept", "claude", "codex", "docker"; NULL if bad. */
const char *export_format_name(enum export_format f);
/* -1 when unknown. */
int export_format_parse(const char *name);

/*
 * The default alias for a server: its name with every character (code
 * point) outside [A-Za-z0-9_-] replaced by '_', cut after EXPORT_ALIAS_MAX
 * characters; "server" for an empty name.  New string, ASCII only.
 */
#define EXPORT_ALIAS_MAX 64
char *export_alias_default(const char *server);

/*
 * The file name for a server's export in a format: the server name
 * percent-encoded (every byte outside [A-Za-z0-9_-] and '.' not in the
 * first position becomes %XX), then ".<format suffix>"; an encoding longer
 * than EXPORT_NAME_STEM_MAX is cut and ends in "~" and 16 hex digits of
 * SHA-256 of the name.  Distinct names give distinct file names.  New
 * string, or NULL for a bad format.
 */
#define EXPORT_NAME_STEM_MAX 180
char *export_filename(const char *server, const char *format);

/*
 * Write b atomically (temp file, fsync, rename) to
 * dir/export_filename(server, format), creating dir if needed.
 */
int export_write_file(const char *dir, const char *server,
		      const char *format, const struct buf *b,
		      struct errbuf *eb);

/*
 * For --all: the same with flags.  EXPORT_WRITE_NOSYNC skips the per-file
 * fsync (each file is still replaced atomically); call export_sync(dir)
 * once after the batch to make them durable.  A per-file fsync costs about
 * half a millisecond on a disk, which is minutes for 200,000 files.
 * EXPORT_WRITE_DIR_EXISTS: the caller made dir already (once for the
 * batch), so it is not created again for every file.
 */
#define EXPORT_WRITE_NOSYNC 1u
#define EXPORT_WRITE_DIR_EXISTS 2u
int export_write_file_flags(const char *dir, const char *server,
			    const char *format, const struct buf *b,
			    unsigned flags, struct errbuf *eb);

/* Flush the file system holding dir to disk (after a NOSYNC batch). */
int export_sync(const char *dir, struct errbuf *eb);

#endif
