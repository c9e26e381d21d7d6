/*
 * The export pipeline around the writers: the decision step (profile →
 * one action per tool, sorted), format dispatch, the notes list, default
 * aliases, and safe file names for writing one file per server and format.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/export.h"
#include "report/fmt.h"
#include "util/fileio.h"
#include "util/hash.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const struct {
	const char *name;   /* the --format name */
	const char *suffix; /* file name suffix */
	fmt_writer write;
} formats[EXPORT__COUNT] = {
	[EXPORT_POLICYLAYER] = { "policylayer", "policy.json",
				 fmt_policylayer },
	[EXPORT_INTERCEPT] = { "intercept", "intercept.yaml", fmt_intercept },
	[EXPORT_CLAUDE] = { "claude", "claude.json", fmt_claude },
	[EXPORT_CODEX] = { "codex", "codex.toml", fmt_codex },
	[EXPORT_DOCKER] = { "docker", "docker.yaml", fmt_docker },
};

const char *
export_format_name(enum export_format f)
{
	return (unsigned)f < EXPORT__COUNT ? formats[f].name : NULL;
}

int
export_format_parse(const char *name)
{
	int i;

	for (i = 0; i < EXPORT__COUNT; i++)
		if (strcmp(name, formats[i].name) == 0)
			return i;
	return -1;
}

static int
tool_cmp(const void *a, const void *b)
{
	const struct export_tool *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void
export_decide(const struct profile *p, const struct tool_verdict *tools,
	      size_t ntools, struct export_server *s)
{
	struct export_tool *t;
	size_t i, n = 0;

	free(s->tools);
	t = xcalloc(ntools ? ntools : 1, sizeof(*t));
	for (i = 0; i < ntools; i++) {
		t[i].name = tools[i].name;
		profile_decide(p, tools[i].name, tools[i].verdict,
			       &t[i].action);
	}
	/*
	 * qsort is not stable, so equal names are merged by strictness
	 * below rather than by input order: the result does not depend on
	 * the order the tools came in.
	 */
	qsort(t, ntools, sizeof(*t), tool_cmp);
	for (i = 0; i < ntools; i++) {
		if (n > 0 && strcmp(t[n - 1].name, t[i].name) == 0) {
			struct action *keep = &t[n - 1].action;
			const struct action *a = &t[i].action;

			if (a->kind > keep->kind ||
			    (a->kind == keep->kind &&
			     strcmp(a->reason, keep->reason) < 0))
				*keep = *a;
			continue;
		}
		t[n++] = t[i];
	}
	s->tools = t;
	s->ntools = n;
	if (!s->profile)
		s->profile = profile_name(p);
}

void
export_server_release(struct export_server *s)
{
	free(s->tools);
	s->tools = NULL;
	s->ntools = 0;
}

void
export_note_add(struct export_notes *notes, const char *tool,
		const char *text)
{
	if (notes->n == notes->cap) {
		notes->cap = notes->cap ? notes->cap * 2 : 8;
		notes->v = xreallocarray(notes->v, notes->cap,
					 sizeof(*notes->v));
	}
	notes->v[notes->n].tool = xstrdup(tool);
	notes->v[notes->n].text = xstrdup(text);
	notes->n++;
}

void
export_notes_release(struct export_notes *notes)
{
	size_t i;

	for (i = 0; i < notes->n; i++) {
		free(notes->v[i].tool);
		free(notes->v[i].text);
	}
	free(notes->v);
	notes->v = NULL;
	notes->n = notes->cap = 0;
}

static bool
is_alias_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

char *
export_alias_default(const char *server)
{
	const unsigned char *p = (const unsigned char *)server;
	size_t len = strlen(server), i = 0, n, out = 0;
	char *a = xmalloc(EXPORT_ALIAS_MAX + 1);
	uint32_t cp;

	while (i < len && out < EXPORT_ALIAS_MAX) {
		n = utf8_decode(p + i, len - i, &cp);
		if (n == 0)
			n = 1; /* an invalid byte is one character here */
		a[out++] = n == 1 && is_alias_byte(p[i]) ? (char)p[i] : '_';
		i += n;
	}
	a[out] = '\0';
	if (out == 0) {
		free(a);
		return xstrdup("server");
	}
	return a;
}

char *
fmt_description(const struct export_server *s)
{
	struct buf b = BUF_INIT(EXPORT_MAX);
	const char *sep = " (";

	buf_printf(&b, "Recommended policy for %s", s->server);
	if (s->mcprisk_version) {
		buf_printf(&b, "%smcprisk %s", sep, s->mcprisk_version);
		sep = ", ";
	}
	if (s->rules_version) {
		buf_printf(&b, "%srules %s", sep, s->rules_version);
		sep = ", ";
	}
	if (s->profile) {
		buf_printf(&b, "%sprofile %s", sep, s->profile);
		sep = ", ";
	}
	if (sep[0] == ',')
		buf_putc(&b, ')');
	return buf_detach(&b, NULL);
}

/* NULL is fine; anything else must be valid UTF-8. */
static int
check_utf8(const char *what, const char *s, struct errbuf *eb)
{
	if (s && !utf8_valid(s, strlen(s))) {
		errbuf_set(eb, "%s is not valid UTF-8", what);
		return -1;
	}
	return 0;
}

int
export_render(const struct export_server *s, enum export_format f,
	      struct buf *out, struct export_notes *notes, struct errbuf *eb)
{
	char *alias = NULL;
	size_t i;
	int ret = -1;

	if ((unsigned)f >= EXPORT__COUNT) {
		errbuf_set(eb, "unknown export format %d", (int)f);
		goto out;
	}
	if (!s->server) {
		errbuf_set(eb, "export without a server name");
		goto out;
	}
	if (check_utf8("server name", s->server, eb) < 0 ||
	    check_utf8("alias", s->alias, eb) < 0 ||
	    check_utf8("mcprisk version", s->mcprisk_version, eb) < 0 ||
	    check_utf8("rule-set version", s->rules_version, eb) < 0 ||
	    check_utf8("profile name", s->profile, eb) < 0)
		goto out;
	for (i = 0; i < s->ntools; i++)
		if (check_utf8("tool name", s->tools[i].name, eb) < 0 ||
		    check_utf8("reason", s->tools[i].action.reason, eb) < 0)
			goto out;
	alias = s->alias ? xstrdup(s->alias) : export_alias_default(s->server);
	ret = formats[f].write(s, alias, out, notes, eb);
	if (ret < 0)
		errbuf_prefix(eb, "%s export of '%s'", formats[f].name,
			      s->server);
out:
	free(alias);
	return ret;
}

char *
export_filename(const char *server, const char *format)
{
	struct buf b = BUF_INIT(4 * EXPORT_NAME_STEM_MAX);
	char hex[SHA256_HEX_LEN + 1];
	const unsigned char *p = (const unsigned char *)server;
	int f = export_format_parse(format);
	size_t i, cut = 0;

	if (f < 0)
		return NULL;
	for (i = 0; p[i]; i++) {
		if (is_alias_byte(p[i]) || (p[i] == '.' && i > 0))
			buf_putc(&b, (char)p[i]);
		else
			buf_printf(&b, "%%%02X", p[i]);
		if (b.len <= EXPORT_NAME_STEM_MAX)
			cut = b.len; /* never inside a %XX */
	}
	if (b.len == 0) {
		buf_puts(&b, "%");
		cut = b.len;
	}
	if (b.len > EXPORT_NAME_STEM_MAX) {
		sha256_hex(server, strlen(server), hex);
		b.len = cut;
		b.data[b.len] = '\0';
		buf_printf(&b, "~%.16s", hex);
	}
	buf_printf(&b, ".%s", formats[f].suffix);
	return buf_detach(&b, NULL);
}

int
export_write_file(const char *dir, const char *server, const char *format,
		  const struct buf *b, struct errbuf *eb)
{
	return export_write_file_flags(dir, server, format, b, 0, eb);
}

int
export_sync(const char *dir, struct errbuf *eb)
{
	return file_sync_fs(dir, eb);
}

int
export_write_file_flags(const char *dir, const char *server,
			const char *format, const struct buf *b,
			unsigned flags, struct errbuf *eb)
{
	char *name = export_filename(server, format), *path = NULL;
	int ret = -1;

	if (!name) {
		errbuf_set(eb, "unknown export format '%s'", format);
		goto out;
	}
	if (!(flags & EXPORT_WRITE_DIR_EXISTS) && file_mkdirs(dir, eb) < 0)
		goto out;
	path = xasprintf("%s/%s", dir, name);
	ret = (flags & EXPORT_WRITE_NOSYNC ? file_write_atomic_nosync :
	       file_write_atomic)(path, b->data ? b->data : "", b->len, eb);
out:
	free(name);
	free(path);
	return ret;
}
