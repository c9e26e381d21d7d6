/*
 * Client config files (Claude Desktop / Claude Code / Cursor "mcpServers",
 * VS Code "servers") into crawl targets, plus the variable expansion and
 * entry-to-target code the catalog file shares.  Values of headers and
 * environment variables are secrets: no message here ever quotes one.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crawler/config.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest ${...} expression quoted in a message. */
#define EXPR_SHOWN 64

bool
config_env_name_ok(const char *name)
{
	const char *p;

	if (!name || !(isalpha((unsigned char)*name) || *name == '_'))
		return false;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return p - name <= 256;
}

bool
config_header_name_ok(const char *name)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	const char *p;

	if (!name || !*name || strlen(name) > 256)
		return false;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(tchar, *p))
			return false;
	return true;
}

bool
config_url_ok(const char *url)
{
	size_t skip;

	if (!url)
		return false;
	if (strncasecmp(url, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		skip = 8;
	else
		return false;
	if (url[skip] == '\0' || strchr("/?#", url[skip]))
		return false;
	/* No controls or spaces anywhere: they have no place in a URL. */
	for (; *url; url++)
		if ((unsigned char)*url <= ' ' || *url == 0x7f)
			return false;
	return true;
}

/* Expand one ${expr}; expr is expr_len bytes, not NUL-terminated. */
static int
expand_one(const char *expr, size_t expr_len, const char *workspace,
	   struct buf *out, struct errbuf *eb)
{
	char *e = xstrndup(expr, expr_len);
	const char *name = e, *def = NULL, *val;
	char *dash;
	int ret = -1;

	if (strncmp(e, "env:", 4) == 0) {
		name = e + 4;
	} else if (strncmp(e, "input:", 6) == 0) {
		errbuf_set(eb, "uses '${%.*s}', a prompt mcprisk cannot answer",
			   EXPR_SHOWN, e);
		goto out;
	} else if (strcmp(e, "workspaceFolder") == 0) {
		if (!workspace) {
			errbuf_set(eb, "uses '${workspaceFolder}' outside a "
				       ".vscode folder");
			goto out;
		}
		ret = buf_puts(out, workspace);
		goto out;
	} else if (strcmp(e, "userHome") == 0) {
		name = "HOME";
	} else if ((dash = strstr(e, ":-")) != NULL) {
		*dash = '\0';
		def = dash + 2;
	}
	if (!config_env_name_ok(name)) {
		errbuf_set(eb, "unsupported variable '${%.*s}'", EXPR_SHOWN, e);
		goto out;
	}
	val = getenv(name);
	if (def && (!val || !*val))
		val = def;
	if (!val) {
		errbuf_set(eb, "environment variable '%s' is not set", name);
		goto out;
	}
	ret = buf_puts(out, val);
out:
	free(e);
	return ret;
}

int
config_expand(const char *in, const char *workspace, char **out,
	      struct errbuf *eb)
{
	struct buf b = BUF_INIT(CONFIG_MAX_VALUE);
	const char *p = in, *open, *close;
	int ret = -1;

	*out = NULL;
	while ((open = strstr(p, "${")) != NULL) {
		if (buf_append(&b, p, (size_t)(open - p)) < 0)
			goto toobig;
		close = strchr(open + 2, '}');
		if (!close) {
			errbuf_set(eb, "unterminated '${'");
			goto out;
		}
		if (expand_one(open + 2, (size_t)(close - open - 2), workspace,
			       &b, eb) < 0) {
			if (b.toobig)
				goto toobig;
			goto out;
		}
		p = close + 1;
	}
	if (buf_puts(&b, p) < 0)
		goto toobig;
	*out = buf_detach(&b, NULL);
	ret = 0;
	goto out;
toobig:
	errbuf_set(eb, "value longer than %zu bytes after expansion",
		   CONFIG_MAX_VALUE);
out:
	if (b.data)
		memset(b.data, 0, b.len); /* may hold part of a secret */
	buf_release(&b);
	return ret;
}

char *
config_resolve_path(const char *path, const char *base_dir, struct errbuf *eb)
{
	const char *home;

	if (!*path) {
		errbuf_set(eb, "empty path");
		return NULL;
	}
	if (path[0] == '~') {
		if (path[1] != '\0' && path[1] != '/') {
			errbuf_set(eb, "'~user' paths are not supported");
			return NULL;
		}
		home = getenv("HOME");
		if (!home || !*home) {
			errbuf_set(eb, "cannot expand '~': HOME is not set");
			return NULL;
		}
		return xasprintf("%s%s", home, path + 1);
	}
	if (path[0] == '/' || !base_dir)
		return xstrdup(path);
	return xasprintf("%s/%s", base_dir, path);
}

/*
 * Release a target's contents but keep it as a preset config_error.  A
 * literal URL (no variables, so no secret) is kept for messages.
 */
static void
target_to_error(struct target *t, const struct server_spec *s,
		const char *msg)
{
	char *name = t->name, *source = t->source;
	enum transport tr = t->transport;

	t->name = t->source = NULL;
	target_release(t);
	t->name = name;
	t->source = source;
	t->transport = tr;
	if (s->url && !strchr(s->url, '$') && config_url_ok(s->url))
		t->url = xstrdup(s->url);
	t->preset_status = xstrdup(CONFIG_STATUS_ERROR);
	t->preset_error = xstrdup(msg);
}

/*
 * Check and expand an object of strings into kv pairs.  Returns -1 for a
 * malformed object (message in eb), 1 when a value cannot be expanded
 * (message in exp_err), 0 when done.
 */
static int
build_kv(const json_t *obj, bool is_env, const struct server_spec *s,
	 const char *field, struct kv **out, size_t *nout, struct errbuf *eb,
	 struct errbuf *exp_err)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	if (!obj)
		return 0;
	if (!json_is_object(obj)) {
		errbuf_set(eb, "%s.%s: expected object, got %s", s->where,
			   field, json_type_name(obj));
		return -1;
	}
	if (json_object_size(obj) > CONFIG_MAX_KV) {
		errbuf_set(eb, "%s.%s: more than %d entries", s->where, field,
			   CONFIG_MAX_KV);
		return -1;
	}
	*out = xcalloc(json_object_size(obj) + 1, sizeof(**out));
	json_object_foreach((json_t *)obj, key, v) {
		char *val = NULL;
		const char *p;

		if (!json_is_string(v)) {
			errbuf_set(eb, "%s.%s.%s: expected string, got %s",
				   s->where, field, key, json_type_name(v));
			return -1;
		}
		if (is_env ? !config_env_name_ok(key) :
			     !config_header_name_ok(key)) {
			errbuf_set(eb, "%s.%s: invalid %s name '%.64s'",
				   s->where, field,
				   is_env ? "variable" : "header", key);
			return -1;
		}
		if (config_expand(json_string_value(v), s->workspace, &val,
				  exp_err) < 0) {
			errbuf_prefix(exp_err, "server '%s': %s.%s", s->name,
				      field, key);
			return 1;
		}
		(*out)[n].name = xstrdup(key);
		(*out)[n].value = val;
		*nout = ++n;
		for (p = val; !is_env && *p; p++)
			if (*p == '\r' || *p == '\n') {
				errbuf_set(exp_err, "server '%s': %s.%s: value "
					   "contains a line break", s->name,
					   field, key);
				return 1;
			}
	}
	return 0;
}

/* Expand one string field into *out; same return values as build_kv. */
static int
build_str(const char *in, const struct server_spec *s, const char *field,
	  char **out, struct errbuf *exp_err)
{
	if (config_expand(in, s->workspace, out, exp_err) < 0) {
		errbuf_prefix(exp_err, "server '%s': %s", s->name, field);
		return 1;
	}
	return 0;
}

static int
build_argv(const struct server_spec *s, struct target *t, struct errbuf *eb,
	   struct errbuf *exp_err)
{
	size_t n = 0, i;
	char field[64];
	int r;

	if (s->args && !json_is_array(s->args)) {
		errbuf_set(eb, "%s.args: expected array, got %s", s->where,
			   json_type_name(s->args));
		return -1;
	}
	if (s->args)
		n = json_array_size(s->args);
	if (n > CONFIG_MAX_ARGS) {
		errbuf_set(eb, "%s.args: more than %d arguments", s->where,
			   CONFIG_MAX_ARGS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		json_t *a = json_array_get(s->args, i);

		if (!json_is_string(a)) {
			errbuf_set(eb, "%s.args[%zu]: expected string, got %s",
				   s->where, i, json_type_name(a));
			return -1;
		}
	}
	if (!*s->command) {
		errbuf_set(eb, "%s.command: empty", s->where);
		return -1;
	}
	t->argv = xcalloc(n + 2, sizeof(*t->argv));
	if ((r = build_str(s->command, s, "command", &t->argv[0], exp_err)))
		return r;
	for (i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "args[%zu]", i);
		r = build_str(json_string_value(json_array_get(s->args, i)), s,
			      field, &t->argv[i + 1], exp_err);
		if (r)
			return r;
	}
	return 0;
}

int
config_build_target(const struct server_spec *s, struct target_list *out,
		    struct errbuf *eb)
{
	struct errbuf exp_err = ERRBUF_INIT;
	struct target *t = target_list_add(out);
	char *cwd = NULL;
	int r = 0;

	t->name = xstrdup(s->name);
	t->source = xstrdup(s->source);
	t->transport = s->transport;
	if (s->transport == TRANSPORT_STDIO) {
		r = build_argv(s, t, eb, &exp_err);
		if (r == 0)
			r = build_kv(s->env, true, s, "env", &t->env, &t->nenv,
				     eb, &exp_err);
		if (r == 0 && s->cwd)
			r = build_str(s->cwd, s, "cwd", &cwd, &exp_err);
		if (r == 0 && cwd) {
			t->cwd = config_resolve_path(cwd, s->base_dir,
						     &exp_err);
			if (!t->cwd) {
				errbuf_prefix(&exp_err, "server '%s': cwd",
					      s->name);
				r = 1;
			}
		}
	} else {
		r = build_str(s->url, s, "url", &t->url, &exp_err);
		if (r == 0 && !config_url_ok(t->url)) {
			/* The literal may be fine and the variable not:
			   name the field, never the expanded value. */
			if (strchr(s->url, '$'))
				errbuf_set(&exp_err, "server '%s': url is not "
					   "an http(s) URL after expansion",
					   s->name);
			else
				errbuf_set(eb, "%s.url: not an http(s) URL",
					   s->where);
			r = strchr(s->url, '$') ? 1 : -1;
		}
		if (r == 0)
			r = build_kv(s->headers, false, s, "headers",
				     &t->headers, &t->nheaders, eb, &exp_err);
	}
	free(cwd);
	if (r < 0) {
		target_release(t);
		out->n--;
		return -1;
	}
	if (r > 0)
		target_to_error(t, s, exp_err.msg);
	return 0;
}

/* Path of the workspace when path is <workspace>/.vscode/<file>. */
static char *
vscode_workspace(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash)
		return NULL;
	n = (size_t)(slash - path);
	if (n >= 8 && strncmp(slash - 8, "/.vscode", 8) == 0)
		return xstrndup(path, n - 8);
	if (n == 7 && strncmp(path, ".vscode", 7) == 0)
		return xstrdup(".");
	return NULL;
}

/* Type-check o[key] (when present) as kind; -1 with a path otherwise. */
static int
want(const json_t *o, const char *key, json_type kind, const char *where,
     const json_t **val, struct errbuf *eb)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "object", [JSON_ARRAY] = "array",
		[JSON_STRING] = "string", [JSON_INTEGER] = "integer",
		[JSON_REAL] = "number",   [JSON_TRUE] = "boolean",
		[JSON_FALSE] = "boolean", [JSON_NULL] = "null",
	};
	const json_t *v = json_object_get(o, key);

	*val = NULL;
	if (!v)
		return 0;
	if (json_typeof(v) != kind &&
	    !(kind == JSON_TRUE && json_is_boolean(v))) {
		errbuf_set(eb, "%s.%s: expected %s, got %s", where, key,
			   names[kind], json_type_name(v));
		return -1;
	}
	*val = v;
	return 0;
}

static int
config_entry(const char *group, const char *name, const json_t *e,
	     const char *path, const char *dir, const char *workspace,
	     struct target_list *out, struct errbuf *eb)
{
	const json_t *type, *command, *args, *env, *cwd, *url, *surl, *headers,
		*disabled;
	struct server_spec s = { 0 };
	char *where = xasprintf("%s.%s", group, name);
	char *source = xasprintf("config:%s", path);
	const char *ty;
	int ret = -1;

	if (!json_is_object(e)) {
		errbuf_set(eb, "%s: expected object, got %s", where,
			   json_type_name(e));
		goto out;
	}
	if (!*name || strlen(name) > CONFIG_MAX_NAME) {
		errbuf_set(eb, "%s: server name must be 1 to %d bytes", group,
			   CONFIG_MAX_NAME);
		goto out;
	}
	if (want(e, "type", JSON_STRING, where, &type, eb) < 0 ||
	    want(e, "command", JSON_STRING, where, &command, eb) < 0 ||
	    want(e, "args", JSON_ARRAY, where, &args, eb) < 0 ||
	    want(e, "env", JSON_OBJECT, where, &env, eb) < 0 ||
	    want(e, "cwd", JSON_STRING, where, &cwd, eb) < 0 ||
	    want(e, "url", JSON_STRING, where, &url, eb) < 0 ||
	    want(e, "serverUrl", JSON_STRING, where, &surl, eb) < 0 ||
	    want(e, "headers", JSON_OBJECT, where, &headers, eb) < 0 ||
	    want(e, "disabled", JSON_TRUE, where, &disabled, eb) < 0)
		goto out;
	if (disabled && json_is_true(disabled)) {
		ret = 0; /* the client does not start it either */
		goto out;
	}
	if (!url)
		url = surl; /* Windsurf spells it serverUrl */
	if (command && url) {
		errbuf_set(eb, "%s: has both 'command' and 'url'", where);
		goto out;
	}
	ty = type ? json_string_value(type) : NULL;
	if (!ty)
		s.transport = command ? TRANSPORT_STDIO : TRANSPORT_AUTO;
	else if (strcmp(ty, "stdio") == 0)
		s.transport = TRANSPORT_STDIO;
	else if (strcmp(ty, "http") == 0 || strcmp(ty, "streamable-http") == 0 ||
		 strcmp(ty, "streamableHttp") == 0)
		s.transport = TRANSPORT_STREAMABLE;
	else if (strcmp(ty, "sse") == 0)
		s.transport = TRANSPORT_SSE;
	else {
		errbuf_set(eb, "%s.type: unknown transport '%.64s'", where, ty);
		goto out;
	}
	if (s.transport == TRANSPORT_STDIO && !command) {
		errbuf_set(eb, "%s: missing 'command'", where);
		goto out;
	}
	if (s.transport != TRANSPORT_STDIO && !url) {
		errbuf_set(eb, "%s: missing 'url' or 'command'", where);
		goto out;
	}
	s.name = name;
	s.where = where;
	s.source = source;
	s.base_dir = dir;
	s.workspace = workspace;
	s.url = url ? json_string_value(url) : NULL;
	s.headers = headers;
	s.command = command ? json_string_value(command) : NULL;
	s.args = args;
	s.env = env;
	s.cwd = cwd ? json_string_value(cwd) : NULL;
	ret = config_build_target(&s, out, eb);
out:
	free(where);
	free(source);
	return ret;
}

static int
config_group(const json_t *root, const char *group, const char *key,
	     const char *path, const char *dir, const char *workspace,
	     struct target_list *out, size_t *count, struct errbuf *eb)
{
	const json_t *servers = json_object_get(root, key);
	const char *name;
	json_t *e;

	if (!servers)
		return 0;
	if (!json_is_object(servers)) {
		errbuf_set(eb, "%s: expected object, got %s", group,
			   json_type_name(servers));
		return -1;
	}
	json_object_foreach((json_t *)servers, name, e) {
		if (++*count > CONFIG_MAX_SERVERS) {
			errbuf_set(eb, "more than %d servers",
				   CONFIG_MAX_SERVERS);
			return -1;
		}
		if (config_entry(group, name, e, path, dir, workspace, out,
				 eb) < 0)
			return -1;
	}
	return 1;
}

int
config_parse(const char *body, size_t len, const char *path,
	     struct target_list *out, struct errbuf *eb)
{
	json_t *root = NULL;
	const json_t *mcp;
	char *dir = NULL, *workspace = NULL, *slash;
	size_t first = out->n, count = 0, i;
	int ret = -1, found = 0, r;

	root = json_load_strict(body, len, eb);
	if (!root)
		goto fail;
	if (!json_is_object(root)) {
		errbuf_set(eb, "expected an object, got %s",
			   json_type_name(root));
		goto fail;
	}
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else {
		free(dir);
		dir = xstrdup(".");
	}
	workspace = vscode_workspace(path);
	if ((r = config_group(root, "mcpServers", "mcpServers", path, dir,
			      workspace, out, &count, eb)) < 0)
		goto fail;
	found |= r;
	if ((r = config_group(root, "servers", "servers", path, dir, workspace,
			      out, &count, eb)) < 0)
		goto fail;
	found |= r;
	mcp = json_object_get(root, "mcp");
	if (json_is_object(mcp)) {
		if ((r = config_group(mcp, "mcp.servers", "servers", path, dir,
				      workspace, out, &count, eb)) < 0)
			goto fail;
		found |= r;
	}
	if (!found) {
		errbuf_set(eb, "no 'mcpServers' or 'servers' object");
		goto fail;
	}
	/* One file cannot name a server twice across its groups either. */
	for (i = first; i < out->n; i++) {
		size_t j;

		for (j = first; j < i; j++)
			if (strcmp(out->v[i].name, out->v[j].name) == 0) {
				errbuf_set(eb, "server '%s' is defined twice",
					   out->v[i].name);
				goto fail;
			}
	}
	ret = 0;
	goto out;
fail:
	while (out->n > first)
		target_release(&out->v[--out->n]);
	errbuf_prefix(eb, "%s", path);
out:
	json_decref(root);
	free(dir);
	free(workspace);
	return ret;
}

int
config_load(const char *path, struct target_list *out, struct errbuf *eb)
{
	struct buf b = BUF_INIT(CONFIG_MAX_BYTES);
	int ret = -1;

	if (file_read_capped(path, CONFIG_MAX_BYTES, &b, eb) < 0)
		goto out;
	ret = config_parse(b.data ? b.data : "", b.len, path, out, eb);
out:
	if (b.data)
		memset(b.data, 0, b.len); /* the file may hold secrets */
	buf_release(&b);
	return ret;
}
