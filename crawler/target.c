/*
 * Crawl target records: allocation, release, and a secret-free
 * description for messages.
 */
#include <stdlib.h>
#include <string.h>

#include "crawler/target.h"
#include "util/buf.h"
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
