/*
 * Manifest parsing and validation.  Everything here reads hostile input:
 * each value's type is checked before use, sizes are capped, and an error
 * names the JSON path of the offending value.
 */
#include <stdlib.h>
#include <string.h>

#include "crawler/manifest.h"
#include "util/buf.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The definition fields, in the order they are described in the spec. */
static const char *const def_fields[] = {
	"name", "title", "description", "inputSchema", "outputSchema",
	"annotations",
};

static const char *const hint_fields[] = {
	"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint",
};

json_t *
manifest_definition(const json_t *tool)
{
	json_t *def = json_object();
	size_t j;

	for (j = 0; j < sizeof(def_fields) / sizeof(def_fields[0]); j++) {
		json_t *v = json_object_get(tool, def_fields[j]);

		if (v && !json_is_null(v))
			json_object_set(def, def_fields[j], v);
	}
	return def;
}

bool
manifest_name_is_standard(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++) {
		char c = name[n];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
		if (n >= 128)
			return false;
	}
	return n >= 1;
}

const char *
manifest_tool_description(const struct manifest_tool *t)
{
	const char *d = json_get_str(t->json, "description");

	return d ? d : "";
}

void
manifest_release(struct manifest *m)
{
	size_t i;

	for (i = 0; i < m->ntools; i++) {
		json_decref(m->tools[i].definition);
		free(m->tools[i].canonical);
	}
	free(m->tools);
	json_decref(m->root);
	m->root = NULL;
	jarena_free(m->arena);
	m->arena = NULL;
	m->server = NULL;
	m->server_name = NULL;
	m->tools = NULL;
	m->ntools = 0;
	m->hash[0] = '\0';
}

/* Check o[key] is absent, null or of the wanted type. */
static int
check_type(const json_t *o, const char *key, json_type want, const char *path,
	   size_t idx, struct errbuf *eb)
{
	static const char *const names[] = {
		[JSON_OBJECT] = "object", [JSON_ARRAY] = "array",
		[JSON_STRING] = "string", [JSON_INTEGER] = "integer",
		[JSON_REAL] = "number",   [JSON_TRUE] = "boolean",
		[JSON_FALSE] = "boolean", [JSON_NULL] = "null",
	};
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v) || json_typeof(v) == want)
		return 0;
	errbuf_set(eb, "%s[%zu].%s: expected %s, got %s", path, idx, key,
		   names[want], json_type_name(v));
	return -1;
}

static int
tool_check(json_t *t, const char *path, size_t idx, struct errbuf *eb)
{
	json_t *ann;
	const char *name;
	size_t i;

	if (!json_is_object(t)) {
		errbuf_set(eb, "%s[%zu]: expected object, got %s", path, idx,
			   json_type_name(t));
		return -1;
	}
	name = json_get_str(t, "name");
	if (!json_object_get(t, "name")) {
		errbuf_set(eb, "%s[%zu]: tool has no name", path, idx);
		return -1;
	}
	if (!name) {
		errbuf_set(eb, "%s[%zu].name: expected string, got %s", path,
			   idx, json_type_name(json_object_get(t, "name")));
		return -1;
	}
	if (name[0] == '\0' || strlen(name) > MANIFEST_MAX_NAME) {
		errbuf_set(eb, "%s[%zu].name: %s", path, idx,
			   name[0] ? "longer than 1024 bytes" : "empty");
		return -1;
	}
	if (check_type(t, "title", JSON_STRING, path, idx, eb) < 0 ||
	    check_type(t, "description", JSON_STRING, path, idx, eb) < 0 ||
	    check_type(t, "inputSchema", JSON_OBJECT, path, idx, eb) < 0 ||
	    check_type(t, "outputSchema", JSON_OBJECT, path, idx, eb) < 0 ||
	    check_type(t, "annotations", JSON_OBJECT, path, idx, eb) < 0)
		return -1;
	ann = json_object_get(t, "annotations");
	for (i = 0; json_is_object(ann) && i < 4; i++) {
		json_t *h = json_object_get(ann, hint_fields[i]);

		if (h && !json_is_null(h) && !json_is_boolean(h)) {
			errbuf_set(eb,
				   "%s[%zu].annotations.%s: expected boolean, "
				   "got %s",
				   path, idx, hint_fields[i],
				   json_type_name(h));
			return -1;
		}
	}
	return 0;
}

static int
cmp_tool_name(const void *a, const void *b)
{
	const struct manifest_tool *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* Validate tools (borrowed, inside m->root) and fill m->tools. */
static int
manifest_fill(struct manifest *m, json_t *tools, const char *path,
	      struct errbuf *eb)
{
	struct manifest_tool **sorted = NULL;
	struct buf ids = BUF_INIT((size_t)MANIFEST_MAX_TOOLS * 200);
	/* Each definition is encoded here, then copied out at its size: one
	   allocation per tool instead of a buffer grown from empty. */
	struct buf canon = BUF_INIT(MANIFEST_MAX_TOOL_BYTES);
	size_t i, n;
	int ret = -1;

	if (!json_is_array(tools)) {
		errbuf_set(eb, "%s: expected array, got %s", path,
			   tools ? json_type_name(tools) : "nothing");
		goto out;
	}
	n = json_array_size(tools);
	if (n > MANIFEST_MAX_TOOLS) {
		errbuf_set(eb, "%s: %zu tools, more than the limit of %d",
			   path, n, MANIFEST_MAX_TOOLS);
		goto out;
	}
	m->tools = xcalloc(n ? n : 1, sizeof(*m->tools));
	for (i = 0; i < n; i++) {
		struct manifest_tool *mt = &m->tools[i];
		json_t *t = json_array_get(tools, i);

		if (tool_check(t, path, i, eb) < 0)
			goto out;
		mt->json = t;
		mt->name = json_get_str(t, "name");
		mt->name_nonstandard = !manifest_name_is_standard(mt->name);
		mt->definition = manifest_definition(t);
		m->ntools = i + 1;
		buf_reset(&canon);
		if (json_canonical_buf(&canon, mt->definition) < 0) {
			if (canon.toobig)
				errbuf_set(eb,
					   "%s[%zu]: definition of '%s' is "
					   "more than the limit of %zu bytes",
					   path, i, mt->name,
					   MANIFEST_MAX_TOOL_BYTES);
			else
				errbuf_set(eb, "%s[%zu]: cannot encode "
					   "definition", path, i);
			goto out;
		}
		mt->canonical_len = canon.len;
		mt->canonical = xstrndup(canon.data, canon.len);
		sha256_hex(mt->canonical, mt->canonical_len, mt->hash);
	}
	m->ntools = n;

	/* Duplicate names and the order-independent manifest hash. */
	sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = &m->tools[i];
	qsort(sorted, n, sizeof(*sorted), cmp_tool_name);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(sorted[i - 1]->name, sorted[i]->name) == 0) {
			errbuf_set(eb, "%s[%zu].name: duplicate tool name '%s'",
				   path, (size_t)(sorted[i] - m->tools),
				   sorted[i]->name);
			goto out;
		}
		buf_puts(&ids, sorted[i]->hash);
		buf_putc(&ids, '\n');
	}
	sha256_hex(buf_cstr(&ids), ids.len, m->hash);
	ret = 0;
out:
	free(sorted);
	buf_release(&ids);
	buf_release(&canon);
	return ret;
}

int
manifest_parse(const char *body, size_t len, struct manifest *out,
	       struct errbuf *eb)
{
	json_t *root = NULL, *tools = NULL, *result;
	const char *path = "tools";

	*out = (struct manifest)MANIFEST_INIT;
	if (len > MANIFEST_MAX_BYTES) {
		errbuf_set(eb, "manifest is %zu bytes, more than the limit of "
			       "%zu", len, MANIFEST_MAX_BYTES);
		return -1;
	}
	root = json_load_strict(body, len, eb);
	if (!root)
		return -1;
	out->root = root;
	if (json_is_array(root)) {
		out->shape = MANIFEST_BARE_LIST;
		tools = root;
		path = "";
	} else if (!json_is_object(root)) {
		errbuf_set(eb, "expected an object or an array at the top, "
			       "got %s", json_type_name(root));
		goto fail;
	} else if (json_object_get(root, "jsonrpc")) {
		json_t *err = json_object_get(root, "error");

		out->shape = MANIFEST_JSONRPC;
		if (err) {
			errbuf_set(eb, "JSON-RPC error response: %s",
				   json_get_str(err, "message") ?
				   json_get_str(err, "message") : "no message");
			goto fail;
		}
		result = json_object_get(root, "result");
		if (!json_is_object(result)) {
			errbuf_set(eb, "result: expected object, got %s",
				   result ? json_type_name(result) : "nothing");
			goto fail;
		}
		tools = json_object_get(result, "tools");
		path = "result.tools";
	} else {
		json_t *server = json_object_get(root, "server");

		tools = json_object_get(root, "tools");
		out->shape = MANIFEST_TOOLS_RESULT;
		if (server) {
			if (!json_is_object(server)) {
				errbuf_set(eb, "server: expected object, got %s",
					   json_type_name(server));
				goto fail;
			}
			if (!json_is_string(json_object_get(server, "name")) ||
			    !*json_get_str(server, "name")) {
				errbuf_set(eb, "server.name: expected a "
					       "non-empty string");
				goto fail;
			}
			out->shape = MANIFEST_SNAPSHOT;
			out->server = server;
			out->server_name = json_get_str(server, "name");
		}
	}
	if (manifest_fill(out, tools, path, eb) < 0)
		goto fail;
	return 0;
fail:
	manifest_release(out);
	return -1;
}

int
manifest_from_tools(json_t *tools, json_t *server, struct manifest *out,
		    struct errbuf *eb)
{
	*out = (struct manifest)MANIFEST_INIT;
	out->root = json_object();
	json_object_set_new(out->root, "tools", tools);
	if (server) {
		json_object_set(out->root, "server", server);
		out->server = server;
		out->server_name = json_get_str(server, "name");
		out->shape = MANIFEST_SNAPSHOT;
	}
	if (manifest_fill(out, tools, "tools", eb) < 0) {
		manifest_release(out);
		return -1;
	}
	return 0;
}
