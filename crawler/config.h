/*
 * Client configuration files as crawl sources: the "mcpServers" object of
 * Claude Desktop, Claude Code and Cursor, and the "servers" object of VS
 * Code (mcp.json, or "mcp.servers" in settings.json).  Also the pieces the
 * catalog file shares with them: ${VAR} expansion, path resolution, and
 * turning one server entry into a crawl target.
 *
 * Secrets: header and environment values are never put into an error
 * message; errors name the server, the field and the variable only.
 */
#ifndef MCPRISK_CONFIG_H
#define MCPRISK_CONFIG_H

#include <jansson.h>

#include "crawler/target.h"
#include "util/errbuf.h"

/* Largest client config read: ~/.claude.json also keeps project history. */
#define CONFIG_MAX_BYTES ((size_t)64 << 20)
/* Most servers taken from one config file. */
#define CONFIG_MAX_SERVERS 4096
/* Most arguments of one command, and headers or env entries of a server. */
#define CONFIG_MAX_ARGS 1024
#define CONFIG_MAX_KV 256
/* Longest value after ${VAR} expansion. */
#define CONFIG_MAX_VALUE ((size_t)64 << 10)
/* Longest server name accepted from a catalog or config file. */
#define CONFIG_MAX_NAME 200

/*
 * Preset status of a server whose entry cannot be completed here (a
 * variable that is not set, a VS Code ${input:...} prompt).  The rest of
 * the run goes on; the server is recorded with this status and the error.
 */
#define CONFIG_STATUS_ERROR "config_error"

/*
 * One server entry, already picked apart by the caller (catalog or config
 * parser).  Everything is borrowed for the duration of the call.  The
 * JSON values are type-checked again here, with `where` as the path.
 */
struct server_spec {
	const char *name;      /* catalog name of the server */
	const char *where;     /* JSON path of the entry, for messages */
	const char *source;    /* target source ("catalog", "config:PATH") */
	const char *base_dir;  /* relative cwd is resolved against it */
	const char *workspace; /* value of ${workspaceFolder}, or NULL */
	enum transport transport; /* STDIO for commands, else an HTTP kind */
	const char *url;          /* HTTP: the URL (may hold ${VAR}) */
	const json_t *headers;    /* HTTP: object of strings, or NULL */
	const char *command;      /* stdio: the program */
	const json_t *args;       /* stdio: array of strings, or NULL */
	const json_t *env;        /* stdio: object of strings, or NULL */
	const char *cwd;          /* stdio: working directory, or NULL */
};

/*
 * Append the target described by s to out.  ${VAR}, ${env:VAR},
 * ${VAR:-default}, ${userHome} and ${workspaceFolder} are expanded in the
 * url, headers, command, args, env and cwd.  A value that cannot be
 * expanded (unset variable, ${input:...}) still yields a target, with
 * preset_status CONFIG_STATUS_ERROR and a message naming the server, field
 * and variable.  Returns -1 (nothing appended) for a malformed entry: a
 * wrong type, a bad header or variable name, a URL that is not http(s).
 */
int config_build_target(const struct server_spec *s, struct target_list *out,
			struct errbuf *eb);

/*
 * Expand variables in `in` as described above into a new string (*out).
 * On failure returns -1 with a message naming the variable only.
 */
int config_expand(const char *in, const char *workspace, char **out,
		  struct errbuf *eb);

/*
 * Resolve path: "~" and "~/..." against $HOME, a relative path against
 * base_dir (when non-NULL).  Returns a new string or NULL with a reason.
 */
char *config_resolve_path(const char *path, const char *base_dir,
			  struct errbuf *eb);

/* True when name is an HTTP header field name (an RFC 9110 token). */
bool config_header_name_ok(const char *name);

/* True when name is a portable environment variable name. */
bool config_env_name_ok(const char *name);

/* True when url starts with http:// or https:// (any case) and has a host. */
bool config_url_ok(const char *url);

/*
 * Parse a client config document body[0..len) read from path (used for
 * the source "config:PATH", for messages, and to resolve relative cwd and
 * ${workspaceFolder}).  Appends one target per enabled server, named by
 * its key, in the file's order.  Keys mcprisk does not use are ignored
 * (the file belongs to another program); the keys it uses are
 * type-checked.  Returns -1 with "PATH: mcpServers.x.args[1]: expected
 * string, got integer" style messages; nothing is appended then.
 */
int config_parse(const char *body, size_t len, const char *path,
		 struct target_list *out, struct errbuf *eb);

/* Read path (at most CONFIG_MAX_BYTES) and config_parse() it. */
int config_load(const char *path, struct target_list *out, struct errbuf *eb);

#endif
