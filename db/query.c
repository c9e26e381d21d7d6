/*
 * Read-side queries of the catalog store, returning JSON so that the CLI
 * (tables or --json) and the HTTP service share one implementation.
 * Columns whose name ends in "_json" hold JSON text and are decoded.
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "util/buf.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* The longest search query accepted, in bytes. */
#define SEARCH_MAX_QUERY 512

/* The value of column i as JSON (new reference). */
static json_t *
column_json(sqlite3_stmt *s, int i)
{
	const char *name = sqlite3_column_name(s, i);
	size_t n = strlen(name);

	switch (sqlite3_column_type(s, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(s, i));
	case SQLITE_FLOAT:
		return json_real(sqlite3_column_double(s, i));
	case SQLITE_NULL:
		return json_null();
	default:
		break;
	}
	if (n > 5 && strcmp(name + n - 5, "_json") == 0) {
		json_t *j = json_loads((const char *)sqlite3_column_text(s, i),
				       JSON_DECODE_ANY, NULL);

		return j ? j : json_null();
	}
	return json_stringn((const char *)sqlite3_column_text(s, i),
			    (size_t)sqlite3_column_bytes(s, i));
}

/* The JSON key for column i: its name without a "_json" suffix. */
static char *
column_key(sqlite3_stmt *s, int i)
{
	const char *name = sqlite3_column_name(s, i);
	size_t n = strlen(name);

	if (n > 5 && strcmp(name + n - 5, "_json") == 0)
		n -= 5;
	return xstrndup(name, n);
}

/*
 * Run sql with the arguments described by types ('t' text, 'i' int64,
 * 'n' int) and return its rows as an array of objects (new), or NULL.
 */
static json_t *
rows(struct store *st, struct errbuf *eb, const char *sql,
     const char *types, ...)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	json_t *out = NULL;
	va_list ap;
	int i, rc;

	if (!(s = store_query_stmt(st, sql, eb)))
		return NULL;
	va_start(ap, types);
	for (i = 0; types[i]; i++) {
		if (types[i] == 't') {
			const char *v = va_arg(ap, const char *);

			if (v)
				sqlite3_bind_text(s, i + 1, v, -1,
						  SQLITE_TRANSIENT);
		} else if (types[i] == 'i') {
			sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
		} else {
			sqlite3_bind_int(s, i + 1, va_arg(ap, int));
		}
	}
	va_end(ap);
	out = json_array();
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		json_t *row = json_object();
		int c;

		for (c = 0; c < sqlite3_column_count(s); c++) {
			char *key = column_key(s, c);

			json_object_set_new(row, key, column_json(s, c));
			free(key);
		}
		json_array_append_new(out, row);
	}
	if (rc != SQLITE_DONE) {
		errbuf_set(eb, "query failed: %s", sqlite3_errmsg(db));
		json_decref(out);
		out = NULL;
	}
	if (store_query_cached(st, s))
		sqlite3_reset(s);
	else
		sqlite3_finalize(s);
	return out;
}

static const char *const categories[] = { "read",	 "write",
					  "execute",	 "destructive",
					  "financial", "unknown" };

json_t *
store_servers(struct store *st, const char *rules_version, struct errbuf *eb)
{
	json_t *list, *counts, *row, *out;
	size_t i, j;

	list = rows(st, eb,
		    "SELECT name, title, version, status, error, tool_count,"
		    " source, transport, endpoint, protocol_version,"
		    " first_seen, last_attempt, last_success,"
		    " (SELECT coalesce(sum(length(CAST(d.json AS BLOB))), 0)"
		    "  FROM tools t JOIN definitions d ON d.id = t.def_id"
		    "  WHERE t.server_id = servers.id AND t.removed_at IS NULL)"
		    "  AS definition_bytes"
		    " FROM servers ORDER BY name",
		    "");
	if (!list)
		return NULL;
	counts = rows(st, eb,
		      "SELECT s.name AS server, v.category AS category,"
		      " count(*) AS n,"
		      " max(CASE v.risk WHEN 'critical' THEN 3 WHEN 'high' THEN 2"
		      " WHEN 'medium' THEN 1 ELSE 0 END) AS risk_level"
		      " FROM tools t JOIN servers s ON s.id = t.server_id"
		      " JOIN verdicts v ON v.def_id = t.def_id AND v.rules_version = ?1"
		      " WHERE t.removed_at IS NULL"
		      " GROUP BY s.name, v.category ORDER BY s.name",
		      "t", rules_version);
	if (!counts) {
		json_decref(list);
		return NULL;
	}
	/* Both lists are ordered by server name: walk them together. */
	j = 0;
	json_array_foreach(list, i, row) {
		json_t *cat = json_object();
		const char *name = json_get_str(row, "name");
		int maxlevel = -1;
		size_t k;

		for (k = 0; k < sizeof(categories) / sizeof(categories[0]); k++)
			json_object_set_new(cat, categories[k], json_integer(0));
		json_object_set_new(row, "categories", cat);
		if (!rules_version)
			continue;
		for (; j < json_array_size(counts); j++) {
			json_t *c = json_array_get(counts, j);
			int cmp = strcmp(json_get_str(c, "server"), name), lvl;

			if (cmp > 0)
				break;
			if (cmp < 0)
				continue; /* cannot happen: counts join servers */
			json_object_set(cat, json_get_str(c, "category"),
					json_object_get(c, "n"));
			lvl = (int)json_integer_value(
				json_object_get(c, "risk_level"));
			if (lvl > maxlevel)
				maxlevel = lvl;
		}
		json_object_set_new(row, "max_risk",
				    maxlevel < 0 ? json_null() :
				    json_string((const char *[]){ "low", "medium",
								  "high",
								  "critical" }
							[maxlevel]));
	}
	json_decref(counts);
	out = json_pack("{s:o}", "servers", list);
	return out;
}

json_t *
store_server(struct store *st, const char *name, const char *rules_version,
	     struct errbuf *eb)
{
	json_t *srv, *tools;

	srv = rows(st, eb,
		   "SELECT name, title, description, version, status, error,"
		   " tool_count, source, transport, endpoint, protocol_version,"
		   " instructions, extra AS extra_json, first_seen,"
		   " last_attempt, last_success, manifest_hash"
		   " FROM servers WHERE name = ?1",
		   "t", name);
	if (!srv)
		return NULL;
	if (json_array_size(srv) == 0) {
		errbuf_set(eb, "no server '%s' in the catalog", name);
		json_decref(srv);
		return NULL;
	}
	tools = rows(st, eb,
		     "SELECT t.name, d.description, d.hash,"
		     " t.nonstandard, t.first_seen, t.last_seen,"
		     " d.json AS definition_json, v.json AS verdict_json"
		     " FROM tools t JOIN servers s ON s.id = t.server_id"
		     " JOIN definitions d ON d.id = t.def_id"
		     " LEFT JOIN verdicts v ON v.def_id = t.def_id"
		     "  AND v.rules_version = ?2"
		     " WHERE s.name = ?1 AND t.removed_at IS NULL"
		     " ORDER BY t.name",
		     "tt", name, rules_version);
	if (!tools) {
		json_decref(srv);
		return NULL;
	}
	{
		json_t *out = json_pack("{s:O,s:o}", "server",
					json_array_get(srv, 0), "tools", tools);

		json_decref(srv);
		return out;
	}
}

/* One query for store_tool() and store_tool_text(), so both read the same
   rows.  The columns are in the sorted order of their keys except server,
   which store_tool_text() knows. */
#define TOOL_SELECT                                                         \
	"SELECT s.name AS server, d.hash, d.description,"                   \
	" d.json AS definition_json, v.json AS verdict_json"                \
	" FROM tools t JOIN servers s ON s.id = t.server_id"                \
	" JOIN definitions d ON d.id = t.def_id"                            \
	" LEFT JOIN verdicts v ON v.def_id = t.def_id"                      \
	"  AND v.rules_version = ?3"                                        \
	" WHERE t.name = ?1 AND t.removed_at IS NULL"                       \
	"  AND (?2 IS NULL OR s.name = ?2)"
static const char tool_sql[] = TOOL_SELECT " ORDER BY s.name";
/* store_tool_text() orders its rows itself: SQLite's sorter would copy
   every definition and verdict text twice to order what is nearly always
   a single row. */
static const char tool_text_sql[] = TOOL_SELECT;
enum { TOOL_SERVER, TOOL_HASH, TOOL_DESCRIPTION, TOOL_DEFINITION,
       TOOL_VERDICT };

static void
no_tool(struct errbuf *eb, const char *name, const char *server)
{
	if (server)
		errbuf_set(eb, "no tool '%s' on server '%s'", name, server);
	else
		errbuf_set(eb, "no tool '%s' in the catalog", name);
}

json_t *
store_tool(struct store *st, const char *name, const char *server,
	   const char *rules_version, struct errbuf *eb)
{
	json_t *list;

	list = rows(st, eb, tool_sql, "ttt", name, server, rules_version);
	if (!list)
		return NULL;
	if (json_array_size(list) == 0) {
		no_tool(eb, name, server);
		json_decref(list);
		return NULL;
	}
	return json_pack("{s:s,s:o}", "tool", name, "servers", list);
}

/* The flags store_tool_text() falls back to: the value `mcprisk --json`
   prints (sorted keys, its real precision), compact. */
#define TOOL_TEXT_FLAGS                                                     \
	(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |                  \
	 JSON_REAL_PRECISION(JSON_PRINT_PRECISION))

/*
 * Column i as JSON text that column_json() and --json would give the same
 * value: NULL is null, otherwise it must be text that looks like an
 * object written by jansson (the definitions and verdicts always are).
 */
static int
put_stored_json(struct buf *b, sqlite3_stmt *s, int i, bool *ok)
{
	const char *text;
	size_t len;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return buf_puts(b, "null");
	if (sqlite3_column_type(s, i) != SQLITE_TEXT) {
		*ok = false;
		return 0;
	}
	text = (const char *)sqlite3_column_text(s, i);
	len = (size_t)sqlite3_column_bytes(s, i);
	if (len < 2 || text[0] != '{' || text[len - 1] != '}' ||
	    !json_text_reals_stable(text, len, JSON_PRINT_PRECISION)) {
		*ok = false;
		return 0;
	}
	return buf_append(b, text, len);
}

/* Column i, a text column, as a JSON string; *ok false when it is not
   text or not valid UTF-8 (store_tool() then decides what it is). */
static int
put_text_column(struct buf *b, sqlite3_stmt *s, int i, bool *ok)
{
	size_t mark = b->len;

	if (sqlite3_column_type(s, i) != SQLITE_TEXT) {
		*ok = false;
		return 0;
	}
	if (json_put_string(b, (const char *)sqlite3_column_text(s, i),
			    (size_t)sqlite3_column_bytes(s, i)) < 0 &&
	    !b->toobig) {
		b->len = mark;
		*ok = false;
	}
	return b->toobig ? -1 : 0;
}

/* One row of tool_text_sql as a store_tool() "servers" entry, keys
   sorted. */
static int
put_tool_row(struct buf *b, sqlite3_stmt *s, bool *ok)
{
	buf_puts(b, "{\"definition\":");
	put_stored_json(b, s, TOOL_DEFINITION, ok);
	buf_puts(b, ",\"description\":");
	put_text_column(b, s, TOOL_DESCRIPTION, ok);
	buf_puts(b, ",\"hash\":");
	put_text_column(b, s, TOOL_HASH, ok);
	buf_puts(b, ",\"server\":");
	put_text_column(b, s, TOOL_SERVER, ok);
	buf_puts(b, ",\"verdict\":");
	put_stored_json(b, s, TOOL_VERDICT, ok);
	buf_putc(b, '}');
	return b->toobig ? -1 : 0;
}

/* store_tool_text() the slow way: decode, encode. */
static int
tool_text_encoded(struct store *st, const char *name, const char *server,
		  const char *rules_version, struct buf *out,
		  struct errbuf *eb)
{
	json_t *j;
	char *s;
	int ret = -1;

	if (!(j = store_tool(st, name, server, rules_version, eb)))
		return -1;
	if (!(s = json_text(j, TOOL_TEXT_FLAGS))) {
		errbuf_set(eb, "cannot encode tool '%s'", name);
		goto out;
	}
	if (buf_puts(out, s) < 0) {
		errbuf_set(eb, "response is larger than %zu bytes", out->max);
		goto out;
	}
	ret = 0;
out:
	free(s);
	json_decref(j);
	return ret;
}

/* Where one row of store_tool_text() went in the output. */
struct tool_row {
	size_t off, len;           /* its JSON in the output */
	size_t name_off, name_len; /* its server name in the names buffer */
	const char *name;          /* the same, once names stops growing */
};

/* Server names in SQLite's BINARY order (tool_sql's ORDER BY). */
static int
tool_row_cmp(const void *a, const void *b)
{
	const struct tool_row *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int c = memcmp(x->name, y->name, n);

	if (c)
		return c;
	return x->name_len < y->name_len ? -1 : x->name_len > y->name_len;
}

/* Put the n rows written from out->data + from on in server name order,
   in place: the same rows and commas, so the same length. */
static void
tool_rows_sort(struct buf *out, size_t from, struct tool_row *r, size_t n,
	       const struct buf *names)
{
	size_t i, pos = from, len = out->len - from;
	char *copy;

	for (i = 0; i < n; i++)
		r[i].name = names->data + r[i].name_off;
	for (i = 1; i < n && tool_row_cmp(&r[i - 1], &r[i]) < 0; i++)
		;
	if (i == n)
		return;
	qsort(r, n, sizeof(*r), tool_row_cmp);
	copy = xmalloc(len);
	memcpy(copy, out->data + from, len);
	for (i = 0; i < n; i++) {
		if (i)
			out->data[pos++] = ',';
		memcpy(out->data + pos, copy + (r[i].off - from), r[i].len);
		pos += r[i].len;
	}
	free(copy);
}

int
store_tool_text(struct store *st, const char *name, const char *server,
		const char *rules_version, struct buf *out, struct errbuf *eb)
{
	struct buf names = BUF_INIT(out->max);
	struct tool_row *r = NULL;
	sqlite3_stmt *s = NULL;
	size_t start = out->len, from, n = 0, nalloc = 0;
	bool ok = true;
	int rc = SQLITE_DONE, ret = -1;

	if (!(s = store_query_stmt(st, tool_text_sql, eb)))
		return -1;
	/* Static: the statement is reset and unbound before returning. */
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (server)
		sqlite3_bind_text(s, 2, server, -1, SQLITE_STATIC);
	if (rules_version)
		sqlite3_bind_text(s, 3, rules_version, -1, SQLITE_STATIC);
	buf_puts(out, "{\"servers\":[");
	from = out->len;
	while (ok && !out->toobig && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const void *name_text;

		if (n == nalloc) {
			nalloc = nalloc ? nalloc * 2 : 4;
			r = xreallocarray(r, nalloc, sizeof(*r));
		}
		if (n)
			buf_putc(out, ',');
		r[n].off = out->len;
		r[n].name_off = names.len;
		name_text = sqlite3_column_blob(s, TOOL_SERVER);
		r[n].name_len = (size_t)sqlite3_column_bytes(s, TOOL_SERVER);
		buf_append(&names, name_text, r[n].name_len);
		put_tool_row(out, s, &ok);
		r[n].len = out->len - r[n].off;
		n++;
	}
	if (out->toobig || names.toobig) {
		errbuf_set(eb, "response is larger than %zu bytes", out->max);
		goto out;
	}
	if (!ok)
		goto out;
	if (rc != SQLITE_DONE) {
		errbuf_set(eb, "query failed: %s", sqlite3_errmsg(store_db(st)));
		goto out;
	}
	if (n == 0) {
		no_tool(eb, name, server);
		goto out;
	}
	tool_rows_sort(out, from, r, n, &names);
	buf_puts(out, "],\"tool\":");
	if (json_put_string(out, name, strlen(name)) < 0 && !out->toobig) {
		ok = false;
		goto out;
	}
	buf_putc(out, '}');
	if (out->toobig) {
		errbuf_set(eb, "response is larger than %zu bytes", out->max);
		goto out;
	}
	ret = 0;
out:
	/* Before anything else runs the statement: resetting it also ends
	   this read transaction. */
	if (store_query_cached(st, s)) {
		sqlite3_reset(s);
		sqlite3_clear_bindings(s);
	} else {
		sqlite3_finalize(s);
	}
	buf_release(&names);
	free(r);
	if (!ok) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
		ret = tool_text_encoded(st, name, server, rules_version, out,
					eb);
	}
	return ret;
}

/*
 * Turn free text into an FTS5 query: every word quoted (so operators and
 * punctuation in the text are literal), all words required, the last one
 * also matching as a prefix.
 */
static char *
fts_query(const char *text)
{
	struct buf b = BUF_INIT(SEARCH_MAX_QUERY * 3 + 16);
	const char *p = text;
	bool any = false;

	while (*p) {
		const char *start;

		while (*p && (*p == ' ' || *p == '\t' || *p == '\n'))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (any)
			buf_putc(&b, ' ');
		buf_putc(&b, '"');
		for (; start < p; start++) {
			if (*start == '"')
				buf_putc(&b, '"');
			buf_putc(&b, *start);
		}
		buf_putc(&b, '"');
		any = true;
	}
	if (!any) {
		buf_release(&b);
		return NULL;
	}
	buf_putc(&b, '*');
	return buf_detach(&b, NULL);
}

json_t *
store_search(struct store *st, const char *query, int limit,
	     struct errbuf *eb)
{
	json_t *res;
	char *q;

	if (strlen(query) > SEARCH_MAX_QUERY) {
		errbuf_set(eb, "search text is longer than %d bytes",
			   SEARCH_MAX_QUERY);
		return NULL;
	}
	q = fts_query(query);
	if (!q) {
		errbuf_set(eb, "search text is empty");
		return NULL;
	}
	res = rows(st, eb,
		   "WITH hits AS (SELECT rowid AS id,"
		   "  bm25(definitions_fts, 8.0, 4.0, 1.0) AS rank"
		   "  FROM definitions_fts WHERE definitions_fts MATCH ?1)"
		   " SELECT s.name AS server, t.name AS tool, d.description,"
		   "  round(-h.rank, 3) AS score"
		   " FROM hits h JOIN definitions d ON d.id = h.id"
		   " JOIN tools t ON t.def_id = d.id AND t.removed_at IS NULL"
		   " JOIN servers s ON s.id = t.server_id"
		   " ORDER BY h.rank, s.name, t.name LIMIT ?2",
		   "tn", q, limit);
	free(q);
	if (!res)
		return NULL;
	return json_pack("{s:s,s:o}", "query", query, "results", res);
}

json_t *
store_changes(struct store *st, int64_t since, const char *rules_version,
	      int limit, struct errbuf *eb)
{
	json_t *list;

	list = rows(st, eb,
		    "SELECT c.run_id AS run, c.at, s.name AS server, c.tool,"
		    " c.kind, c.fields AS fields_json, c.old_hash, c.new_hash,"
		    " ov.category AS old_category, ov.risk AS old_risk,"
		    " nv.category AS new_category, nv.risk AS new_risk"
		    " FROM changes c JOIN servers s ON s.id = c.server_id"
		    " LEFT JOIN definitions od ON od.hash = c.old_hash"
		    " LEFT JOIN verdicts ov ON ov.def_id = od.id"
		    "  AND ov.rules_version = ?2"
		    " LEFT JOIN definitions nd ON nd.hash = c.new_hash"
		    " LEFT JOIN verdicts nv ON nv.def_id = nd.id"
		    "  AND nv.rules_version = ?2"
		    " WHERE c.at >= ?1 ORDER BY c.id LIMIT ?3",
		    "itn", since, rules_version, limit > 0 ? limit : -1);
	if (!list)
		return NULL;
	return json_pack("{s:o}", "changes", list);
}

int
store_each_server_tools(struct store *st, const char *rules_version,
			int (*fn)(void *ctx, json_t *server), void *ctx,
			struct errbuf *eb)
{
	static const char sql[] =
		"SELECT s.name, t.name, d.hash, v.json"
		" FROM servers s JOIN tools t ON t.server_id = s.id"
		"  AND t.removed_at IS NULL"
		" JOIN definitions d ON d.id = t.def_id"
		" LEFT JOIN verdicts v ON v.def_id = t.def_id"
		"  AND v.rules_version = ?1"
		" ORDER BY s.name, t.name";
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	json_t *cur = NULL;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		errbuf_set(eb, "cannot prepare query: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (rules_version)
		sqlite3_bind_text(s, 1, rules_version, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);
		const char *vj = (const char *)sqlite3_column_text(s, 3);
		json_t *v = vj ? json_loads(vj, 0, NULL) : NULL;

		if (!cur || strcmp(json_get_str(cur, "name"), name) != 0) {
			if (cur && fn(ctx, cur) < 0)
				goto out;
			json_decref(cur);
			cur = json_pack("{s:s,s:[]}", "name", name, "tools");
		}
		json_array_append_new(
			json_object_get(cur, "tools"),
			json_pack("{s:s,s:s,s:o}", "name",
				  (const char *)sqlite3_column_text(s, 1),
				  "hash",
				  (const char *)sqlite3_column_text(s, 2),
				  "verdict", v ? v : json_null()));
	}
	if (rc != SQLITE_DONE) {
		errbuf_set(eb, "query failed: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (cur && fn(ctx, cur) < 0)
		goto out;
	ret = 0;
out:
	json_decref(cur);
	sqlite3_finalize(s);
	return ret;
}

int
store_each_definition(struct store *st,
		      int (*fn)(void *ctx, const char *server,
				const char *tool, const char *hash,
				const char *json),
		      void *ctx, struct errbuf *eb)
{
	static const char sql[] =
		"SELECT s.name, t.name, d.hash, d.json"
		" FROM servers s JOIN tools t ON t.server_id = s.id"
		"  AND t.removed_at IS NULL"
		" JOIN definitions d ON d.id = t.def_id"
		" ORDER BY d.hash, s.name, t.name";
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		errbuf_set(eb, "cannot prepare query: %s", sqlite3_errmsg(db));
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (fn(ctx, (const char *)sqlite3_column_text(s, 0),
		       (const char *)sqlite3_column_text(s, 1),
		       (const char *)sqlite3_column_text(s, 2),
		       (const char *)sqlite3_column_text(s, 3)) < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		errbuf_set(eb, "query failed: %s", sqlite3_errmsg(db));
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	return ret;
}

json_t *
store_catalog(struct store *st, const char *rules_version,
	      const char *only_server, struct errbuf *eb)
{
	json_t *flat, *servers, *cur = NULL, *row;
	const char *last = NULL;
	size_t i;

	flat = rows(st, eb,
		    "SELECT s.name AS server, t.name AS tool, d.hash,"
		    " v.json AS verdict_json"
		    " FROM servers s JOIN tools t ON t.server_id = s.id"
		    "  AND t.removed_at IS NULL"
		    " JOIN definitions d ON d.id = t.def_id"
		    " LEFT JOIN verdicts v ON v.def_id = t.def_id"
		    "  AND v.rules_version = ?1"
		    " WHERE ?2 IS NULL OR s.name = ?2"
		    " ORDER BY s.name, t.name",
		    "tt", rules_version, only_server);
	if (!flat)
		return NULL;
	servers = json_array();
	json_array_foreach(flat, i, row) {
		const char *name = json_get_str(row, "server");

		if (!last || strcmp(last, name) != 0) {
			cur = json_pack("{s:s,s:[]}", "name", name, "tools");
			json_array_append_new(servers, cur);
			last = json_get_str(cur, "name");
		}
		json_array_append_new(
			json_object_get(cur, "tools"),
			json_pack("{s:O,s:O,s:O}", "name",
				  json_object_get(row, "tool"), "hash",
				  json_object_get(row, "hash"), "verdict",
				  json_object_get(row, "verdict")));
	}
	json_decref(flat);
	return json_pack("{s:o}", "servers", servers);
}

int
store_meta_get(struct store *st, const char *key, char **value,
	       struct errbuf *eb)
{
	json_t *r = rows(st, eb, "SELECT value FROM meta WHERE key = ?1", "t",
			 key);

	*value = NULL;
	if (!r)
		return -1;
	if (json_array_size(r))
		*value = xstrdup(json_get_str(json_array_get(r, 0), "value"));
	json_decref(r);
	return 0;
}

static int
exec_bound(struct store *st, struct errbuf *eb, const char *sql,
	   const char *a, const char *b, const char *c)
{
	sqlite3 *db = store_db(st);
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		errbuf_set(eb, "cannot prepare statement: %s",
			   sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
	if (c)
		sqlite3_bind_text(s, 3, c, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		errbuf_set(eb, "cannot write: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int
store_meta_set(struct store *st, const char *key, const char *value,
	       struct errbuf *eb)
{
	return exec_bound(st, eb,
			  "INSERT INTO meta (key, value) VALUES (?1, ?2)"
			  " ON CONFLICT (key) DO UPDATE SET value = ?2",
			  key, value, NULL);
}

int
store_registry_put(struct store *st, const char *registry, const char *name,
		   const json_t *target, struct errbuf *eb)
{
	char *js = json_canonical(target);
	int r;

	r = exec_bound(st, eb,
		       "INSERT INTO registry_targets (name, registry, target)"
		       " VALUES (?1, ?2, ?3) ON CONFLICT (name) DO UPDATE"
		       " SET registry = ?2, target = ?3",
		       name, registry, js);
	free(js);
	return r;
}

int
store_registry_delete(struct store *st, const char *registry,
		      const char *name, struct errbuf *eb)
{
	return exec_bound(st, eb,
			  "DELETE FROM registry_targets WHERE name = ?1"
			  " AND registry = ?2",
			  name, registry, NULL);
}

json_t *
store_registry_targets(struct store *st, const char *registry,
		       struct errbuf *eb)
{
	json_t *r, *row, *out;
	size_t i;

	r = rows(st, eb,
		 "SELECT target AS target_json FROM registry_targets"
		 " WHERE registry = ?1 ORDER BY name",
		 "t", registry);
	if (!r)
		return NULL;
	out = json_array();
	json_array_foreach(r, i, row)
		json_array_append(out, json_object_get(row, "target"));
	json_decref(r);
	return out;
}

json_t *
store_top(struct store *st, const char *rules_version, int limit,
	  struct errbuf *eb)
{
	json_t *list;

	list = rows(st, eb,
		    "SELECT s.name AS server, t.name AS tool, v.category,"
		    " v.risk, v.score, v.confidence,"
		    " json_extract(v.json, '$.rationale') AS rationale"
		    " FROM tools t JOIN servers s ON s.id = t.server_id"
		    " JOIN verdicts v ON v.def_id = t.def_id"
		    "  AND v.rules_version = ?1"
		    " WHERE t.removed_at IS NULL"
		    " ORDER BY v.score DESC, v.confidence DESC, s.name, t.name"
		    " LIMIT ?2",
		    "tn", rules_version, limit);
	if (!list)
		return NULL;
	return json_pack("{s:o}", "tools", list);
}

/* The category counts and max_risk of store_servers(), for the rows in list
   (each an object with "name"); counts is the per-server, per-category
   result of the category query. */
static void
servers_merge_counts(json_t *list, const json_t *counts,
		     const char *rules_version)
{
	static const char *const levels[] = { "low", "medium", "high",
					      "critical" };
	json_t *row;
	size_t i, j = 0, k;

	json_array_foreach(list, i, row) {
		json_t *cat = json_object();
		int maxlevel = -1;

		for (k = 0; k < sizeof(categories) / sizeof(categories[0]); k++)
			json_object_set_new(cat, categories[k], json_integer(0));
		json_object_set_new(row, "categories", cat);
		if (!rules_version)
			continue;
		/* Both lists are ordered by server name: one merge pass. */
		for (; j < json_array_size(counts); j++) {
			json_t *c = json_array_get(counts, j);
			int lvl, cmp = strcmp(json_get_str(c, "server"),
					      json_get_str(row, "name"));

			if (cmp > 0)
				break;
			if (cmp < 0)
				continue;
			json_object_set(cat, json_get_str(c, "category"),
					json_object_get(c, "n"));
			lvl = (int)json_integer_value(
				json_object_get(c, "risk_level"));
			if (lvl > maxlevel)
				maxlevel = lvl;
		}
		json_object_set_new(row, "max_risk",
				    maxlevel < 0 ? json_null()
						 : json_string(levels[maxlevel]));
	}
}

json_t *
store_servers_page(struct store *st, const char *rules_version,
		   const char *after, int limit, bool *more, struct errbuf *eb)
{
	json_t *list, *counts;

	*more = false;
	list = rows(st, eb,
		    "SELECT name, title, version, status, error, tool_count,"
		    " source, transport, endpoint, protocol_version,"
		    " first_seen, last_attempt, last_success,"
		    " (SELECT coalesce(sum(length(CAST(d.json AS BLOB))), 0)"
		    "  FROM tools t JOIN definitions d ON d.id = t.def_id"
		    "  WHERE t.server_id = servers.id AND t.removed_at IS NULL)"
		    "  AS definition_bytes"
		    " FROM servers WHERE ?1 IS NULL OR name > ?1"
		    " ORDER BY name LIMIT ?2",
		    "tn", after, limit + 1);
	if (!list)
		return NULL;
	if (json_array_size(list) > (size_t)limit) {
		*more = true;
		json_array_remove(list, (size_t)limit);
	}
	/* The same counts as store_servers(), for this page's servers. */
	counts = rows(st, eb,
		      "WITH page AS (SELECT id, name FROM servers"
		      "  WHERE ?2 IS NULL OR name > ?2 ORDER BY name LIMIT ?3)"
		      " SELECT p.name AS server, v.category AS category,"
		      " count(*) AS n,"
		      " max(CASE v.risk WHEN 'critical' THEN 3 WHEN 'high' THEN 2"
		      " WHEN 'medium' THEN 1 ELSE 0 END) AS risk_level"
		      " FROM page p JOIN tools t ON t.server_id = p.id"
		      " JOIN verdicts v ON v.def_id = t.def_id"
		      "  AND v.rules_version = ?1"
		      " WHERE t.removed_at IS NULL"
		      " GROUP BY p.name, v.category ORDER BY p.name",
		      "ttn", rules_version, after, limit);
	if (!counts) {
		json_decref(list);
		return NULL;
	}
	servers_merge_counts(list, counts, rules_version);
	json_decref(counts);
	return json_pack("{s:o}", "servers", list);
}

json_t *
store_counts(struct store *st, struct errbuf *eb)
{
	json_t *r, *out;

	r = rows(st, eb,
		 "SELECT (SELECT count(*) FROM servers) AS servers,"
		 " (SELECT count(*) FROM tools WHERE removed_at IS NULL)"
		 "  AS tools,"
		 " (SELECT count(*) FROM definitions) AS definitions",
		 "");
	if (!r)
		return NULL;
	out = json_incref(json_array_get(r, 0));
	json_decref(r);
	return out;
}

json_t *
store_last_run(struct store *st, const char *kind, struct errbuf *eb)
{
	json_t *r, *out;

	r = rows(st, eb,
		 "SELECT id, kind, started, finished, outcome FROM runs"
		 " WHERE kind = ?1 ORDER BY id DESC LIMIT 1",
		 "t", kind);
	if (!r)
		return NULL;
	out = json_array_size(r) ? json_incref(json_array_get(r, 0))
				  : json_null();
	json_decref(r);
	return out;
}

int
store_reader_tune(struct store *st, long long mmap_bytes, int cache_kib,
		  struct errbuf *eb)
{
	char sql[128];
	char *err = NULL;

	snprintf(sql, sizeof(sql),
		 "PRAGMA mmap_size = %lld; PRAGMA cache_size = -%d",
		 mmap_bytes, cache_kib);
	if (sqlite3_exec(store_db(st), sql, NULL, NULL, &err) != SQLITE_OK) {
		errbuf_set(eb, "cannot tune the connection: %s",
			   err ? err : "unknown error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

void
store_process_tune(void)
{
	/* Memory statistics take a global mutex on every allocation; the
	   service's threads allocate a lot and never read them.  Only
	   possible before SQLite is first used, so failure is ignored. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* Each worker has its own connection: SQLite's per-connection
	   mutex only costs a lock and unlock around every call. */
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
}
