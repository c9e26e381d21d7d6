/*
 * Unit tests for the report's escapers and page names: HTML text and
 * attribute escaping, href encoding, Markdown escaping and fences, and
 * file names that stay inside the site whatever a name contains; the
 * definition reader against jansson.
 */
#include <stdlib.h>
#include <string.h>

#include "db/store.h"
#include "report/doc.h"
#include "report/html.h"
#include "report/markdown.h"
#include "report/pages.h"
#include "report/site.h"
#include "tests/unit/t.h"
#include "util/fileio.h"
#include "util/xalloc.h"
#include "util/banned.h"

static char *
esc(int (*fn)(struct buf *, const char *), const char *s)
{
	struct buf b = BUF_INIT(1 << 20);
	char *out;

	fn(&b, s);
	out = buf_detach(&b, NULL);
	return out ? out : calloc(1, 1);
}

TEST(html_escapes_markup_and_quotes)
{
	char *s = esc(html_escape, "<script>alert(1)</script>");

	CHECK_STR(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
	free(s);
	s = esc(html_escape, "<img src=x onerror=\"a('b')\">&amp;");
	CHECK_STR(s, "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;"
		  "&amp;amp;");
	free(s);
	s = esc(html_escape, "plain text, caf\xc3\xa9 \xe5\xb7\xa5\xe5\x85\xb7");
	CHECK_STR(s, "plain text, caf\xc3\xa9 \xe5\xb7\xa5\xe5\x85\xb7");
	free(s);
}

TEST(html_escapes_controls_and_bad_bytes)
{
	char *s = esc(html_escape, "a\x01" "b\x7f" "c\td\ne");

	/* U+2401 and U+2421 control pictures; tab and newline stay */
	CHECK_STR(s, "a\xe2\x90\x81" "b\xe2\x90\xa1" "c\td\ne");
	free(s);
	s = esc(html_escape, "x\xff\xc0y");
	CHECK_STR(s, "x\xef\xbf\xbd\xef\xbf\xbdy");
	free(s);
	/* U+202E right-to-left override and a C1 control (U+0085) */
	s = esc(html_escape, "a\xe2\x80\xae" "b\xc2\x85" "c");
	CHECK_STR(s, "a[U+202E]b\xef\xbf\xbd" "c");
	free(s);
	s = esc(html_escape, NULL);
	CHECK_STR(s, "");
	free(s);
}

TEST(href_encodes_everything_but_paths)
{
	char *s = esc(html_href, "../s/%2E.%2F..%2Fx.html");

	CHECK_STR(s, "../s/%252E.%252F..%252Fx.html");
	free(s);
	s = esc(html_href, "a b\"c'<d>#?&=:");
	CHECK_STR(s, "a%20b%22c%27%3Cd%3E%23%3F%26%3D%3A");
	free(s);
	s = esc(html_href, "javascript:alert(1)");
	CHECK(strchr(s, ':') == NULL);
	free(s);
}

TEST(markdown_escapes_metacharacters)
{
	char *s = esc(md_escape, "[click](javascript:alert(1)) | `x` *b* _i_");

	CHECK_STR(s, "\\[click\\]\\(javascript\\:alert\\(1\\)\\) \\| \\`x\\` "
		  "\\*b\\* \\_i\\_");
	free(s);
	s = esc(md_escape, "# head\nline2\r\n| cell");
	CHECK_STR(s, "\\# head line2  \\| cell");
	free(s);
	s = esc(md_escape, " a ");
	CHECK_STR(s, " a ");
	free(s);
	s = esc(md_escape, "<script>&amp;");
	CHECK_STR(s, "\\<script\\>&amp;amp;");
	free(s);
	s = esc(md_escape, "1. item");
	CHECK_STR(s, "1\\. item");
	free(s);
	s = esc(md_escape, "bell\x07");
	CHECK_STR(s, "bell\xe2\x90\x87");
	free(s);
}

TEST(markdown_fence_outlasts_content)
{
	char fence[16];

	md_fence("plain", 5, fence, sizeof(fence));
	CHECK_STR(fence, "```");
	md_fence("a ``` b ````` c", 15, fence, sizeof(fence));
	CHECK_STR(fence, "``````");
	md_fence("", 0, fence, sizeof(fence));
	CHECK_STR(fence, "```");
}

TEST(page_names_stay_inside_the_site)
{
	static const char *const names[] = {
		"..", "../../etc/passwd", "/abs", "a/b", ".hidden", "",
		"x<script>", "caf\xc3\xa9",
	};
	char *p, *q;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = page_server_path(names[i], "html");
		CHECK(strncmp(p, "s/", 2) == 0);
		/* one slash only, and the name part never starts with '.' */
		CHECK(strchr(p + 2, '/') == NULL);
		CHECK(p[2] != '.');
		CHECK(strstr(p, "..") == NULL || p[2] == '%');
		CHECK(strcmp(p + strlen(p) - 5, ".html") == 0);
		free(p);
	}
	p = page_server_path("a/b", "md");
	CHECK_STR(p, "s/a%2Fb.md");
	free(p);
	p = page_server_path("..", "html");
	CHECK_STR(p, "s/%2E..html");
	free(p);
	/* distinct names, distinct files, long ones cut with a hash */
	{
		char a[600], b[600];

		memset(a, 'a', sizeof(a) - 1);
		a[sizeof(a) - 1] = '\0';
		memcpy(b, a, sizeof(a));
		b[598] = 'b';
		p = page_server_path(a, "html");
		q = page_server_path(b, "html");
		CHECK(strcmp(p, q) != 0);
		CHECK(strlen(p) < 255);
		free(p);
		free(q);
	}
	p = page_def_path("abcdef", "html");
	CHECK_STR(p, "t/ab/abcdef.html");
	free(p);
	p = page_index_path(0, "md");
	CHECK_STR(p, "index.md");
	free(p);
	p = page_index_path(2, "html");
	CHECK_STR(p, "index-3.html");
	free(p);
}

TEST(backends_escape_text_in_pages)
{
	struct buf out = BUF_INIT(1 << 20);
	struct doc d = { &doc_html_ops, &out, "../", false };
	static const char *const head[] = { "<th>" };

	d.ops->table_begin(&d, 1, head);
	d.ops->row_begin(&d);
	d.ops->cell_begin(&d);
	d.ops->link(&d, "../s/a\"b.html", "<b>x</b>");
	d.ops->badge(&d, "risk-\"x", "<i>");
	d.ops->cell_end(&d);
	d.ops->row_end(&d);
	d.ops->table_end(&d);
	d.ops->pre(&d, "<l>", "</pre><script>", 14);
	CHECK(strstr(buf_cstr(&out), "<b>") == NULL);
	CHECK(strstr(buf_cstr(&out), "<script") == NULL);
	CHECK(strstr(buf_cstr(&out), "<i>") == NULL);
	CHECK_CONTAINS(buf_cstr(&out), "href=\"../s/a%22b.html\"");
	CHECK_CONTAINS(buf_cstr(&out), "class=\"badge risk-&quot;x\"");
	buf_reset(&out);
	d.ops = &doc_md_ops;
	d.ops->table_begin(&d, 1, head);
	d.ops->cell_begin(&d);
	d.ops->text(&d, "a|b\nc");
	d.ops->cell_end(&d);
	d.ops->row_end(&d);
	d.ops->pre(&d, "p", "x ``` y", 7);
	CHECK_CONTAINS(buf_cstr(&out), "| a\\|b c |");
	CHECK_CONTAINS(buf_cstr(&out), "````\nx ``` y\n````");
	buf_release(&out);
}

TEST(failed_server_shows_its_error)
{
	char dir[] = "/tmp/mcprisk-html.XXXXXX";
	struct errbuf eb = ERRBUF_INIT;
	struct server_info info = { .name = "down/../x" };
	struct report_opts o = { 0 };
	struct report_stats stats;
	struct buf page = BUF_INIT(1 << 20);
	struct profile *p = NULL;
	struct store *st = NULL;
	char *db = NULL, *site = NULL, *path = NULL;

	if (!mkdtemp(dir)) {
		T_FAIL("mkdtemp failed");
		return;
	}
	db = xasprintf("%s/cat.db", dir);
	site = xasprintf("%s/site", dir);
	st = store_open(db, STORE_CREATE, &eb);
	p = profile_load("data/profiles/balanced.json", &eb);
	CHECK(st && p);
	if (!st || !p)
		goto out;
	CHECK_INT(store_put_failure(st, &info, "http_error",
				    "<b>502</b> from \"upstream\"", &eb), 0);
	o.html_dir = site;
	o.md_dir = NULL;
	o.profile = p;
	o.rules_version = "test";
	o.jobs = 2;
	CHECK_INT(report_site(st, &o, &stats, &eb), 0);
	CHECK_INT((int)stats.servers, 1);
	CHECK_INT((int)stats.tools, 0);
	path = xasprintf("%s/index.html", site);
	CHECK_INT(file_read_capped(path, 1 << 20, &page, &eb), 0);
	CHECK_CONTAINS(buf_cstr(&page), "status-bad\">http_error</span> "
		       "&lt;b&gt;502&lt;/b&gt; from &quot;upstream&quot;");
	free(path);
	buf_reset(&page);
	path = xasprintf("%s/s/down%%2F..%%2Fx.html", site);
	CHECK_INT(file_read_capped(path, 1 << 20, &page, &eb), 0);
	CHECK_CONTAINS(buf_cstr(&page), "No tools stored for this server.");
	/* a server without tools still gets a deny-all policy */
	CHECK_CONTAINS(buf_cstr(&page), "&quot;default&quot;:&quot;deny&quot;");
out:
	buf_release(&page);
	store_free(st);
	profile_free(p);
	if (site) {
		char *cmd = xasprintf("rm -rf '%s'", dir);

		CHECK_INT(system(cmd), 0);
		free(cmd);
	}
	free(path);
	free(db);
	free(site);
}

/* Tool definitions: the direct reader and jansson fill the page model
   alike, and odd or broken text is left to jansson. */

static bool
defs_equal(const struct page_def *a, const struct page_def *b)
{
	size_t i;
	int h;

	if (!!a->title != !!b->title || (a->title && strcmp(a->title, b->title)) ||
	    !!a->description != !!b->description ||
	    (a->description && strcmp(a->description, b->description)) ||
	    a->nparams != b->nparams || a->more_params != b->more_params)
		return false;
	for (h = 0; h < HINT__COUNT; h++)
		if (a->hints[h] != b->hints[h])
			return false;
	for (i = 0; i < a->nparams; i++) {
		const struct page_param *x = &a->params[i], *y = &b->params[i];

		if (strcmp(x->name, y->name) || strcmp(x->type, y->type) ||
		    x->required != y->required ||
		    !!x->description != !!y->description ||
		    (x->description && strcmp(x->description, y->description)))
			return false;
	}
	return true;
}

TEST(definition_reader_matches_jansson)
{
	json_t *def = json_pack(
		"{s:s,s:s,s:{s:b,s:b,s:n,s:s},s:{s:{},s:[s,i,s]}}",
		"name", "t", "title", "T \xf0\x9f\x98\x80 \\u", "annotations",
		"readOnlyHint", 1, "destructiveHint", 0, "idempotentHint",
		"openWorldHint", "yes", "inputSchema", "properties", "required",
		"b", 7, "p10");
	json_t *props = json_object_get(json_object_get(def, "inputSchema"),
					"properties");
	struct page_def a, b;
	char *sorted, *unsorted = NULL, key[16];
	int i;

	for (i = 0; i < PAGES_PARAMS_MAX + 5; i++) {
		snprintf(key, sizeof(key), "p%d", i);
		json_object_set_new(props, key,
				    i % 4 == 0 ? json_pack("{s:[s,i,s],s:s}",
							   "type", "string", 1,
							   "null", "description",
							   "d\x01<x>") :
				    i % 4 == 1 ? json_pack("{s:n}", "enum") :
				    i % 4 == 2 ? json_pack("{s:s}", "$ref", "#") :
				    json_integer(i));
	}
	json_object_set_new(props, "b", json_pack("{s:s}", "type", "integer"));
	sorted = json_dumps(def, JSON_COMPACT | JSON_SORT_KEYS);
	/* the same text with the emoji as a surrogate pair escape, which
	   the direct reader leaves to jansson */
	{
		const char *e = strstr(sorted, "\xf0\x9f\x98\x80");
		size_t pre = e ? (size_t)(e - sorted) : 0;

		CHECK(e != NULL);
		unsorted = xasprintf("%.*s\\ud83d\\ude00%s", (int)pre, sorted,
				     e ? e + 4 : "");
	}
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	page_def_set_definition(&a, sorted);
	page_def_set_definition(&b, unsorted);
	CHECK(a.def_json == NULL);
	CHECK(b.def_json != NULL);
	CHECK(defs_equal(&a, &b));
	CHECK_INT(a.nparams, PAGES_PARAMS_MAX);
	CHECK(a.more_params);
	CHECK_INT(a.hints[HINT_READ_ONLY], 1);
	CHECK_INT(a.hints[HINT_DESTRUCTIVE], 0);
	CHECK_INT(a.hints[HINT_IDEMPOTENT], -1);
	CHECK_INT(a.hints[HINT_OPEN_WORLD], -1);
	CHECK_STR(a.params[0].name, "b");
	CHECK_STR(a.params[0].type, "integer");
	CHECK_STR(a.params[1].type, "string | null");
	CHECK(a.params[1].required == false);
	page_def_release(&a);
	page_def_release(&b);
	free(sorted);
	free(unsorted);
	json_decref(def);
}

TEST(definition_reader_declines_what_jansson_might_read_otherwise)
{
	static const char *const empty[] = {
		"", "[]", "\"s\"", "{\"a\":1", "{\"a\":1} x",
		"{\"description\":\"\\u0000\"}", "{\"description\":\"\xc3\x28\"}",
		"{\"description\":\"\\udc00\"}", "{\"a\":1e999}",
		"{\"a\":123456789012345678901234}",
	};
	struct page_def a;
	size_t i;

	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		memset(&a, 0, sizeof(a));
		page_def_set_definition(&a, empty[i]);
		CHECK(a.description == NULL && a.nparams == 0);
		page_def_release(&a);
	}
	/* duplicate keys: jansson keeps the last */
	memset(&a, 0, sizeof(a));
	page_def_set_definition(&a, "{\"description\":\"one\","
				    "\"description\":\"two\"}");
	CHECK(a.def_json != NULL);
	CHECK_STR(a.description, "two");
	page_def_release(&a);
	memset(&a, 0, sizeof(a));
	page_def_set_definition(&a, "{\"description\":\"\\ud83d\\ude00 ok\"}");
	CHECK_STR(a.description, "\xf0\x9f\x98\x80 ok");
	page_def_release(&a);
}
