/*
 * Crawl target records: allocation, release, and a secret-free
 * description for messages.
 */
#include <stdlib.h>
#include <string.h>

#include "crawler/target.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

struct target *
target_list_add(struct target_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

static void
kv_free(struct kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].name);
		if (kv[i].value) /* secrets: do not leave them in freed memory */
			memset(kv[i].value, 0, strlen(kv[i].value));
		free(kv[i].value);
	}
	free(kv);
}

void
target_release(struct target *t)
{
	char **a;

	free(t->name);
	free(t->source);
	free(t->url);
	kv_free(t->headers, t->nheaders);
	for (a = t->argv; a && *a; a++)
		free(*a);
	free(t->argv);
	kv_free(t->env, t->nenv);
	free(t->cwd);
	free(t->path);
	free(t->preset_status);
	free(t->preset_error);
	json_decref(t->meta);
	memset(t, 0, sizeof(*t));
}

void
target_list_release(struct target_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		target_release(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

char *
target_describe(const struct target *t)
{
	struct buf b = BUF_INIT(4096);
	char **a;

	if (t->url) {
		/* Drop any userinfo or query: they may carry credentials. */
		const char *s = t->url, *at, *q;
		const char *host = strstr(s, "://");

		host = host ? host + 3 : s;
		at = strchr(host, '@');
		q = strpbrk(host, "?#");
		if (at && (!q || at < q)) {
			buf_append(&b, s, (size_t)(host - s));
			s = at + 1;
		}
		buf_append(&b, s, q ? (size_t)(q - s) : strlen(s));
	} else if (t->argv) {
		for (a = t->argv; *a; a++) {
			if (a != t->argv)
				buf_putc(&b, ' ');
			buf_puts(&b, *a);
		}
	} else if (t->path) {
		buf_puts(&b, t->path);
	}
	return buf_detach(&b, NULL);
}

static const char *const transport_names[] = {
	[TRANSPORT_AUTO] = "auto",	   [TRANSPORT_STREAMABLE] = "streamable-http",
	[TRANSPORT_SSE] = "sse",	   [TRANSPORT_STDIO] = "stdio",
	[TRANSPORT_MANIFEST] = "manifest",
};

const char *
transport_name(enum transport tr)
{
	return (size_t)tr < sizeof(transport_names) / sizeof(transport_names[0])
		       ? transport_names[tr]
		       : "auto";
}

static json_t *
kv_json(const struct kv *kv, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_set_new(o, kv[i].name, json_string(kv[i].value));
	return o;
}

static void
set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

json_t *
target_to_json(const struct target *t)
{
	json_t *o = json_object(), *argv;
	char **a;

	set_str(o, "name", t->name);
	set_str(o, "source", t->source);
	set_str(o, "transport", transport_name(t->transport));
	set_str(o, "url", t->url);
	if (t->nheaders)
		json_object_set_new(o, "headers", kv_json(t->headers, t->nheaders));
	if (t->argv) {
		argv = json_array();
		for (a = t->argv; *a; a++)
			json_array_append_new(argv, json_string(*a));
		json_object_set_new(o, "argv", argv);
	}
	if (t->nenv)
		json_object_set_new(o, "env", kv_json(t->env, t->nenv));
	set_str(o, "cwd", t->cwd);
	set_str(o, "path", t->path);
	json_object_set_new(o, "learned", json_boolean(t->learned));
	set_str(o, "preset_status", t->preset_status);
	set_str(o, "preset_error", t->preset_error);
	if (t->meta)
		json_object_set(o, "meta", t->meta);
	return o;
}

static int
kv_from_json(const json_t *o, struct kv **out, size_t *n)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!o)
		return 0;
	if (!json_is_object(o))
		return -1;
	*out = xcalloc(json_object_size(o) + 1, sizeof(**out));
	json_object_foreach((json_t *)o, k, v) {
		if (!json_is_string(v))
			return -1;
		(*out)[i].name = xstrdup(k);
		(*out)[i].value = xstrdup(json_string_value(v));
		*n = ++i;
	}
	return 0;
}

int
target_from_json(const json_t *j, struct target *t)
{
	const json_t *argv = json_object_get(j, "argv");
	const char *tr = json_get_str(j, "transport");
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!json_is_object(j) || !json_get_str(j, "name"))
		return -1;
	t->name = xstrdup(json_get_str(j, "name"));
	t->source = xstrdup(json_get_str(j, "source"));
	t->url = xstrdup(json_get_str(j, "url"));
	t->cwd = xstrdup(json_get_str(j, "cwd"));
	t->path = xstrdup(json_get_str(j, "path"));
	t->preset_status = xstrdup(json_get_str(j, "preset_status"));
	t->preset_error = xstrdup(json_get_str(j, "preset_error"));
	t->learned = json_is_true(json_object_get(j, "learned"));
	t->transport = TRANSPORT_AUTO;
	for (i = 0; tr && i < sizeof(transport_names) / sizeof(transport_names[0]); i++)
		if (strcmp(tr, transport_names[i]) == 0)
			t->transport = (enum transport)i;
	if (json_object_get(j, "meta"))
		t->meta = json_incref(json_object_get(j, "meta"));
	if (kv_from_json(json_object_get(j, "headers"), &t->headers,
			 &t->nheaders) < 0 ||
	    kv_from_json(json_object_get(j, "env"), &t->env, &t->nenv) < 0)
		goto fail;
	if (argv) {
		json_t *a;

		if (!json_is_array(argv) || json_array_size(argv) == 0)
			goto fail;
		t->argv = xcalloc(json_array_size(argv) + 1, sizeof(*t->argv));
		json_array_foreach(argv, i, a) {
			if (!json_is_string(a))
				goto fail;
			t->argv[i] = xstrdup(json_string_value(a));
		}
	}
	return 0;
fail:
	target_release(t);
	return -1;
}
