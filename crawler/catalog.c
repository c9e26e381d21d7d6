/*
 * The catalog file: strict loading (every key known, every type checked,
 * errors carry the JSON path) and expansion of its sources into crawl
 * targets.  Registry sources are only validated here; fetching them is
 * crawler/registry.c's job.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crawler/catalog.h"
#include "crawler/config.h"
#include "crawler/manifest.h"
#include "crawler/registry.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const type_names[] = {
	[SOURCE_SERVER] = "server",
	[SOURCE_CONFIG] = "config",
	[SOURCE_REGISTRY] = "registry",
	[SOURCE_MANIFESTS] = "manifests",
};

/* Keys each source type accepts, NULL-terminated ("type" and "comment"
   are accepted everywhere). */
static const char *const server_keys[] = { "name",    "url",  "transport",
					   "headers", "command", "args",
					   "env",     "cwd",  NULL };
static const char *const config_keys[] = { "path", "optional", NULL };
static const char *const registry_keys[] = { "url", "limit", "search",
					     "max_pages", NULL };
static const char *const manifests_keys[] = { "path", NULL };

void
catalog_registry_opts(const struct catalog_source *s, bool allow_exec,
		      const char *since, struct registry_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->url = s->url;
	o->search = s->search;
	o->limit = s->limit;
	o->max_pages = s->max_pages;
	o->allow_exec = allow_exec;
	o->since = since;
}

const char *
catalog_source_type_name(enum catalog_source_type t)
{
	return type_names[t];
}

void
catalog_release(struct catalog *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].path);
		free(c->v[i].url);
	}
	free(c->v);
	free(c->path);
	free(c->dir);
	json_decref(c->root);
	memset(c, 0, sizeof(*c));
}

/* e[key] must be absent or of type kind; *val is set when present. */
static int
field(const json_t *e, size_t idx, const char *key, json_type kind,
      const json_t **val, struct errbuf *eb)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "object", [JSON_ARRAY] = "array",
		[JSON_STRING] = "string", [JSON_INTEGER] = "integer",
		[JSON_REAL] = "number",   [JSON_TRUE] = "boolean",
		[JSON_FALSE] = "boolean", [JSON_NULL] = "null",
	};
	const json_t *v = json_object_get(e, key);

	*val = v;
	if (!v)
		return 0;
	if (json_typeof(v) == kind ||
	    (kind == JSON_TRUE && json_is_boolean(v)))
		return 0;
	errbuf_set(eb, "sources[%zu].%s: expected %s, got %s", idx, key,
		   names[kind], json_type_name(v));
	return -1;
}

static int
check_keys(const json_t *e, size_t idx, const char *const *allowed,
	   struct errbuf *eb)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)e, key, v) {
		bool ok = strcmp(key, "type") == 0 || strcmp(key, "comment") == 0;

		for (i = 0; !ok && allowed[i]; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok) {
			errbuf_set(eb, "sources[%zu]: unknown key '%.64s'", idx,
				   key);
			return -1;
		}
	}
	return 0;
}

static int
need_string(const json_t *e, size_t idx, const char *key, const char **out,
	    struct errbuf *eb)
{
	const json_t *v;

	if (field(e, idx, key, JSON_STRING, &v, eb) < 0)
		return -1;
	if (!v || !*json_string_value(v)) {
		errbuf_set(eb, "sources[%zu]: missing '%s'", idx, key);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

/* A bounded integer field; *out keeps its default when absent. */
static int
int_field(const json_t *e, size_t idx, const char *key, long long min,
	  long long max, int *out, struct errbuf *eb)
{
	const json_t *v;

	if (field(e, idx, key, JSON_INTEGER, &v, eb) < 0)
		return -1;
	if (!v)
		return 0;
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		errbuf_set(eb, "sources[%zu].%s: must be %lld to %lld", idx,
			   key, min, max);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static int
parse_server(const json_t *e, struct catalog_source *s, struct errbuf *eb)
{
	const json_t *url, *tr, *headers, *command, *args, *env, *cwd, *v;
	size_t idx = s->index, i;
	const char *key;

	if (check_keys(e, idx, server_keys, eb) < 0 ||
	    need_string(e, idx, "name", &s->name, eb) < 0 ||
	    field(e, idx, "url", JSON_STRING, &url, eb) < 0 ||
	    field(e, idx, "transport", JSON_STRING, &tr, eb) < 0 ||
	    field(e, idx, "headers", JSON_OBJECT, &headers, eb) < 0 ||
	    field(e, idx, "command", JSON_STRING, &command, eb) < 0 ||
	    field(e, idx, "args", JSON_ARRAY, &args, eb) < 0 ||
	    field(e, idx, "env", JSON_OBJECT, &env, eb) < 0 ||
	    field(e, idx, "cwd", JSON_STRING, &cwd, eb) < 0)
		return -1;
	if (strlen(s->name) > CONFIG_MAX_NAME) {
		errbuf_set(eb, "sources[%zu].name: longer than %d bytes", idx,
			   CONFIG_MAX_NAME);
		return -1;
	}
	if (!url == !command) {
		errbuf_set(eb, "sources[%zu]: needs exactly one of 'url' and "
			       "'command'", idx);
		return -1;
	}
	if (url && (args || env || cwd)) {
		errbuf_set(eb, "sources[%zu]: '%s' needs 'command', not 'url'",
			   idx, args ? "args" : env ? "env" : "cwd");
		return -1;
	}
	if (command && (tr || headers)) {
		errbuf_set(eb, "sources[%zu]: '%s' needs 'url', not 'command'",
			   idx, tr ? "transport" : "headers");
		return -1;
	}
	if (tr && strcmp(json_string_value(tr), "auto") != 0 &&
	    strcmp(json_string_value(tr), "streamable-http") != 0 &&
	    strcmp(json_string_value(tr), "sse") != 0) {
		errbuf_set(eb, "sources[%zu].transport: expected "
			       "'streamable-http', 'sse' or 'auto', got '%.64s'",
			   idx, json_string_value(tr));
		return -1;
	}
	/* A literal URL can be checked now; one with ${VAR} at expansion. */
	if (url && !strchr(json_string_value(url), '$') &&
	    !config_url_ok(json_string_value(url))) {
		errbuf_set(eb, "sources[%zu].url: not an http(s) URL", idx);
		return -1;
	}
	for (i = 0; args && i < json_array_size(args); i++)
		if (!json_is_string(json_array_get(args, i))) {
			errbuf_set(eb, "sources[%zu].args[%zu]: expected "
				       "string, got %s", idx, i,
				   json_type_name(json_array_get(args, i)));
			return -1;
		}
	json_object_foreach((json_t *)headers, key, v) {
		if (!json_is_string(v)) {
			errbuf_set(eb, "sources[%zu].headers.%s: expected "
				       "string, got %s", idx, key,
				   json_type_name(v));
			return -1;
		}
		if (!config_header_name_ok(key)) {
			errbuf_set(eb, "sources[%zu].headers: invalid header "
				       "name '%.64s'", idx, key);
			return -1;
		}
	}
	json_object_foreach((json_t *)env, key, v) {
		if (!json_is_string(v)) {
			errbuf_set(eb, "sources[%zu].env.%s: expected string, "
				       "got %s", idx, key, json_type_name(v));
			return -1;
		}
		if (!config_env_name_ok(key)) {
			errbuf_set(eb, "sources[%zu].env: invalid variable "
				       "name '%.64s'", idx, key);
			return -1;
		}
	}
	return 0;
}

static int
parse_path(const json_t *e, struct catalog_source *s, const char *dir,
	   struct errbuf *eb)
{
	const char *p;

	if (need_string(e, s->index, "path", &p, eb) < 0)
		return -1;
	s->path = config_resolve_path(p, dir, eb);
	if (!s->path) {
		errbuf_prefix(eb, "sources[%zu].path", s->index);
		return -1;
	}
	return 0;
}

static int
parse_source(const json_t *e, struct catalog_source *s, const char *dir,
	     struct errbuf *eb)
{
	const json_t *type, *comment, *v;
	const char *t;
	size_t idx = s->index;

	if (!json_is_object(e)) {
		errbuf_set(eb, "sources[%zu]: expected object, got %s", idx,
			   json_type_name(e));
		return -1;
	}
	s->entry = e;
	if (field(e, idx, "type", JSON_STRING, &type, eb) < 0 ||
	    field(e, idx, "comment", JSON_STRING, &comment, eb) < 0)
		return -1;
	if (!type) {
		errbuf_set(eb, "sources[%zu]: missing 'type'", idx);
		return -1;
	}
	t = json_string_value(type);
	if (strcmp(t, "server") == 0) {
		s->type = SOURCE_SERVER;
		return parse_server(e, s, eb);
	}
	if (strcmp(t, "config") == 0) {
		s->type = SOURCE_CONFIG;
		if (check_keys(e, idx, config_keys, eb) < 0 ||
		    field(e, idx, "optional", JSON_TRUE, &v, eb) < 0)
			return -1;
		s->optional = v && json_is_true(v);
		return parse_path(e, s, dir, eb);
	}
	if (strcmp(t, "manifests") == 0) {
		s->type = SOURCE_MANIFESTS;
		if (check_keys(e, idx, manifests_keys, eb) < 0)
			return -1;
		return parse_path(e, s, dir, eb);
	}
	if (strcmp(t, "registry") == 0) {
		s->type = SOURCE_REGISTRY;
		s->limit = REGISTRY_MAX_LIMIT;
		if (check_keys(e, idx, registry_keys, eb) < 0 ||
		    field(e, idx, "url", JSON_STRING, &v, eb) < 0)
			return -1;
		s->url = xstrdup(v ? json_string_value(v) :
				     REGISTRY_DEFAULT_URL);
		if (!config_url_ok(s->url) || strpbrk(s->url, "?#")) {
			errbuf_set(eb, "sources[%zu].url: not an http(s) URL "
				       "without query", idx);
			return -1;
		}
		if (int_field(e, idx, "limit", 1, REGISTRY_MAX_LIMIT,
			      &s->limit, eb) < 0 ||
		    int_field(e, idx, "max_pages", 1, REGISTRY_MAX_PAGES,
			      &s->max_pages, eb) < 0 ||
		    field(e, idx, "search", JSON_STRING, &v, eb) < 0)
			return -1;
		s->search = v ? json_string_value(v) : NULL;
		return 0;
	}
	errbuf_set(eb, "sources[%zu].type: unknown source type '%.64s'", idx,
		   t);
	return -1;
}

static char *
dir_of(const char *path)
{
	char *d = xstrdup(path), *slash = strrchr(d, '/'), *real;

	if (slash == d)
		d[1] = '\0';
	else if (slash)
		*slash = '\0';
	else {
		free(d);
		d = xstrdup(".");
	}
	real = realpath(d, NULL);
	if (real) {
		free(d);
		d = xstrdup(real); /* our allocator, for symmetric frees */
		free(real);
	}
	return d;
}

int
catalog_parse(const char *body, size_t len, const char *path,
	      struct catalog *out, struct errbuf *eb)
{
	const json_t *sources;
	const char *key;
	json_t *v;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	out->path = xstrdup(path);
	out->dir = dir_of(path);
	out->root = json_load_strict(body, len, eb);
	if (!out->root)
		goto fail;
	if (!json_is_object(out->root)) {
		errbuf_set(eb, "expected an object, got %s",
			   json_type_name(out->root));
		goto fail;
	}
	json_object_foreach(out->root, key, v) {
		if (strcmp(key, "sources") != 0 && strcmp(key, "comment") != 0) {
			errbuf_set(eb, "unknown key '%.64s'", key);
			goto fail;
		}
	}
	sources = json_object_get(out->root, "sources");
	if (!sources) {
		errbuf_set(eb, "missing 'sources'");
		goto fail;
	}
	if (!json_is_array(sources)) {
		errbuf_set(eb, "sources: expected array, got %s",
			   json_type_name(sources));
		goto fail;
	}
	if (json_array_size(sources) > CATALOG_MAX_SOURCES) {
		errbuf_set(eb, "sources: more than %d entries",
			   CATALOG_MAX_SOURCES);
		goto fail;
	}
	out->v = xcalloc(json_array_size(sources) + 1, sizeof(*out->v));
	for (i = 0; i < json_array_size(sources); i++) {
		struct catalog_source *s = &out->v[i];

		s->index = i;
		out->n = i + 1;
		if (parse_source(json_array_get(sources, i), s, out->dir,
				 eb) < 0)
			goto fail;
		if (s->type != SOURCE_SERVER)
			continue;
		for (j = 0; j < i; j++)
			if (out->v[j].type == SOURCE_SERVER &&
			    strcmp(out->v[j].name, s->name) == 0) {
				errbuf_set(eb, "sources[%zu]: duplicate server "
					       "name '%s' (first at "
					       "sources[%zu])", i, s->name, j);
				goto fail;
			}
	}
	return 0;
fail:
	errbuf_prefix(eb, "%s", path);
	catalog_release(out);
	return -1;
}

int
catalog_load(const char *path, struct catalog *out, struct errbuf *eb)
{
	struct buf b = BUF_INIT(CATALOG_MAX_BYTES);
	int ret;

	memset(out, 0, sizeof(*out));
	if (file_read_capped(path, CATALOG_MAX_BYTES, &b, eb) < 0) {
		buf_release(&b);
		return -1;
	}
	ret = catalog_parse(b.data ? b.data : "", b.len, path, out, eb);
	buf_release(&b);
	return ret;
}

static int
expand_server(const struct catalog *c, const struct catalog_source *s,
	      struct target_list *out, struct errbuf *eb)
{
	const json_t *e = s->entry, *tr = json_object_get(e, "transport");
	struct server_spec spec = { 0 };
	char where[64];

	snprintf(where, sizeof(where), "sources[%zu]", s->index);
	spec.name = s->name;
	spec.where = where;
	spec.source = "catalog";
	spec.base_dir = c->dir;
	spec.url = json_get_str(e, "url");
	spec.headers = json_object_get(e, "headers");
	spec.command = json_get_str(e, "command");
	spec.args = json_object_get(e, "args");
	spec.env = json_object_get(e, "env");
	spec.cwd = json_get_str(e, "cwd");
	if (spec.command)
		spec.transport = TRANSPORT_STDIO;
	else if (tr && strcmp(json_string_value(tr), "streamable-http") == 0)
		spec.transport = TRANSPORT_STREAMABLE;
	else if (tr && strcmp(json_string_value(tr), "sse") == 0)
		spec.transport = TRANSPORT_SSE;
	else
		spec.transport = TRANSPORT_AUTO;
	/* A relative command with a slash is relative to the catalog, like
	   every other path in it; a bare name is looked up in PATH. */
	if (spec.command && spec.command[0] != '/' &&
	    strchr(spec.command, '/') && !strchr(spec.command, '$')) {
		char *cmd = xasprintf("%s/%s", c->dir, spec.command);
		int r;

		spec.command = cmd;
		r = config_build_target(&spec, out, eb);
		free(cmd);
		return r;
	}
	return config_build_target(&spec, out, eb);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The snapshot's server.name, or the file name without ".json". */
static char *
manifest_name(const char *file, const char *base)
{
	struct buf b = BUF_INIT(MANIFEST_MAX_BYTES);
	json_t *root = NULL;
	const char *n = NULL;
	char *name;

	if (file_read_capped(file, MANIFEST_MAX_BYTES, &b, NULL) == 0)
		root = json_load_strict(b.data ? b.data : "", b.len, NULL);
	if (json_is_object(root))
		n = json_get_str(json_object_get(root, "server"), "name");
	if (n && *n && strlen(n) <= CONFIG_MAX_NAME)
		name = xstrdup(n);
	else if (strlen(base) > 5 &&
		 strcmp(base + strlen(base) - 5, ".json") == 0)
		name = xstrndup(base, strlen(base) - 5);
	else
		name = xstrdup(base);
	json_decref(root);
	buf_release(&b);
	return name;
}

static void
add_manifest(struct target_list *out, const char *file, const char *base,
	     const char *source)
{
	struct target *t = target_list_add(out);

	t->name = manifest_name(file, base);
	t->source = xstrdup(source);
	t->transport = TRANSPORT_MANIFEST;
	t->path = xstrdup(file);
}

static int
expand_manifests(const struct catalog_source *s, struct target_list *out,
		 struct errbuf *eb)
{
	char *source = xasprintf("manifests:%s", s->path);
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int ret = -1;

	if (stat(s->path, &st) < 0) {
		errbuf_set(eb, "sources[%zu]: cannot open '%s': %s", s->index,
			   s->path, strerror(errno));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		const char *slash = strrchr(s->path, '/');

		add_manifest(out, s->path, slash ? slash + 1 : s->path, source);
		ret = 0;
		goto out;
	}
	d = opendir(s->path);
	if (!d) {
		errbuf_set(eb, "sources[%zu]: cannot open '%s': %s", s->index,
			   s->path, strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (n == CATALOG_MAX_MANIFESTS) {
			errbuf_set(eb, "sources[%zu]: more than %d manifests "
				       "in '%s'", s->index,
				   CATALOG_MAX_MANIFESTS, s->path);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		char *file = xasprintf("%s/%s", s->path, names[i]);

		add_manifest(out, file, names[i], source);
		free(file);
	}
	ret = 0;
out:
	if (d)
		closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(source);
	return ret;
}

static bool
argv_equal(char **a, char **b)
{
	if (!a || !b)
		return a == b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

static bool
str_equal(const char *a, const char *b)
{
	return (!a || !b) ? a == b : strcmp(a, b) == 0;
}

/* The same server reached the same way (e.g. listed in two clients). */
static bool
same_endpoint(const struct target *a, const struct target *b)
{
	return a->transport == b->transport && str_equal(a->url, b->url) &&
	       argv_equal(a->argv, b->argv) && str_equal(a->path, b->path);
}

/* A name index over dst followed by src: open addressing, position + 1. */
struct name_index {
	size_t *slot;
	size_t mask;
	const struct target_list *dst, *src;
};

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static const struct target *
index_at(const struct name_index *ix, size_t k)
{
	return k < ix->dst->n ? &ix->dst->v[k] : &ix->src->v[k - ix->dst->n];
}

/* Insert position k under its name; returns the earlier position + 1 of
   the same name (nothing inserted then), or 0. */
static size_t
index_put(struct name_index *ix, size_t k)
{
	const char *name = index_at(ix, k)->name;
	size_t h = (size_t)name_hash(name) & ix->mask;

	while (ix->slot[h]) {
		if (strcmp(index_at(ix, ix->slot[h] - 1)->name, name) == 0)
			return ix->slot[h];
		h = (h + 1) & ix->mask;
	}
	ix->slot[h] = k + 1;
	return 0;
}

int
catalog_merge(struct target_list *dst, struct target_list *src,
	      struct errbuf *eb)
{
	struct name_index ix = { NULL, 0, dst, src };
	size_t total = dst->n + src->n, size = 16, i, dup;
	bool *drop = NULL;
	int ret = -1;

	while (size < total * 2)
		size *= 2;
	ix.slot = xcalloc(size, sizeof(*ix.slot));
	ix.mask = size - 1;
	drop = xcalloc(src->n + 1, sizeof(*drop));
	for (i = 0; i < dst->n; i++)
		index_put(&ix, i);
	/* Decide everything first so that an error changes nothing. */
	for (i = 0; i < src->n; i++) {
		const struct target *t = &src->v[i], *other;

		dup = index_put(&ix, dst->n + i);
		if (!dup)
			continue;
		other = index_at(&ix, dup - 1);
		if (!same_endpoint(t, other)) {
			errbuf_set(eb, "server name '%s' is used by %s and %s "
				       "for different servers", t->name,
				   other->source, t->source);
			goto out;
		}
		drop[i] = true;
	}
	for (i = 0; i < src->n; i++) {
		if (drop[i])
			target_release(&src->v[i]);
		else
			*target_list_add(dst) = src->v[i];
	}
	src->n = 0;
	ret = 0;
out:
	free(ix.slot);
	free(drop);
	return ret;
}

int
catalog_expand(const struct catalog *c, struct target_list *out,
	       struct errbuf *eb)
{
	struct target_list tmp = TARGET_LIST_INIT;
	struct errbuf cerr = ERRBUF_INIT;
	size_t i;
	int ret = -1;

	for (i = 0; i < c->n; i++) {
		const struct catalog_source *s = &c->v[i];

		switch (s->type) {
		case SOURCE_SERVER:
			if (expand_server(c, s, &tmp, eb) < 0)
				goto out;
			break;
		case SOURCE_CONFIG:
			if (s->optional && access(s->path, F_OK) < 0 &&
			    errno == ENOENT)
				break;
			if (config_load(s->path, &tmp, &cerr) < 0) {
				errbuf_set(eb, "sources[%zu]: %s", i, cerr.msg);
				goto out;
			}
			break;
		case SOURCE_MANIFESTS:
			if (expand_manifests(s, &tmp, eb) < 0)
				goto out;
			break;
		case SOURCE_REGISTRY:
			break;
		}
	}
	if (catalog_merge(out, &tmp, eb) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		errbuf_prefix(eb, "%s", c->path);
	target_list_release(&tmp);
	return ret;
}
