/*
 * The report pages, written once for both backends: the index (totals,
 * risk chart, server table), a server page (tools, policies in every
 * format, drift) and a tool page (what it does, why it needs a policy,
 * the policy, related definitions).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/pages.h"
#include "classifier/verdict.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* export_filename()'s suffix for the policylayer format, which
   page_server_path() swaps for its own. */
#define POLICY_SUFFIX ".policy.json"

char *
page_server_path(const char *server, const char *ext)
{
	char *name = export_filename(server, "policylayer"), *out;
	size_t n = strlen(name) - strlen(POLICY_SUFFIX);

	out = xasprintf("s/%.*s.%s", (int)n, name, ext);
	free(name);
	return out;
}

char *
page_def_path(const char *hash, const char *ext)
{
	return xasprintf("t/%.2s/%s.%s", hash, hash, ext);
}

char *
page_index_path(size_t page, const char *ext)
{
	if (page == 0)
		return xasprintf("index.%s", ext);
	return xasprintf("index-%zu.%s", page + 1, ext);
}

/* Small building blocks. */

static void
link_to(struct doc *d, const char *path, const char *text)
{
	char *href = xasprintf("%s%s", d->root, path);

	d->ops->link(d, href, text);
	free(href);
}

static void
link_index(struct doc *d)
{
	char *path = page_index_path(0, d->ops->ext);

	link_to(d, path, "Catalog");
	free(path);
}

static void
link_server(struct doc *d, const char *server, const char *text)
{
	char *path = page_server_path(server, d->ops->ext);

	link_to(d, path, text ? text : server);
	free(path);
}

static void
link_def(struct doc *d, const char *hash, const char *text)
{
	char *path = page_def_path(hash, d->ops->ext);

	link_to(d, path, text);
	free(path);
}

static void
cell_text(struct doc *d, const char *s)
{
	d->ops->cell_begin(d);
	d->ops->text(d, s ? s : "");
	d->ops->cell_end(d);
}

static void
cell_num(struct doc *d, size_t n)
{
	char num[32];

	snprintf(num, sizeof(num), "%zu", n);
	cell_text(d, num);
}

static void
badge_category(struct doc *d, const char *cat)
{
	char cls[48];

	snprintf(cls, sizeof(cls), "cat-%s", cat);
	d->ops->badge(d, category_parse(cat) >= 0 ? cls : "cat-unknown",
		      cat);
}

static void
badge_risk(struct doc *d, const char *risk)
{
	char cls[48];

	snprintf(cls, sizeof(cls), "risk-%s", risk);
	d->ops->badge(d, risk_parse(risk) >= 0 ? cls : "risk-high", risk);
}

static void
badge_grade(struct doc *d, char letter)
{
	char cls[16], text[2] = { letter, '\0' };

	snprintf(cls, sizeof(cls), "grade-%c", letter);
	d->ops->badge(d, cls, text);
}

static void
badge_status(struct doc *d, const char *status)
{
	d->ops->badge(d, status && strcmp(status, "ok") == 0 ? "status-ok" :
		      "status-bad", status ? status : "unknown");
}

static void
badge_action(struct doc *d, const struct action *a)
{
	char cls[48], text[64];

	snprintf(cls, sizeof(cls), "action-%s", action_kind_name(a->kind));
	if (a->kind == ACTION_RATE_LIMIT)
		snprintf(text, sizeof(text), "rate limit %lld/%s", a->max,
			 rate_window_name(a->window));
	else
		snprintf(text, sizeof(text), "%s", action_kind_name(a->kind));
	for (char *p = text; *p; p++)
		if (*p == '_')
			*p = ' ';
	d->ops->badge(d, cls, text);
}

static void
text_time(struct doc *d, int64_t t)
{
	char when[40] = "never";
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > 0 && gmtime_r(&tt, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	d->ops->text(d, when);
}

static void
kv_row(struct doc *d, const char *key, const char *value)
{
	if (!value || !*value)
		return;
	d->ops->row_begin(d);
	cell_text(d, key);
	cell_text(d, value);
	d->ops->row_end(d);
}

/* The index. */

static void
index_nav(struct doc *d, size_t page, size_t npages)
{
	char *path, label[48];
	size_t i;

	if (npages < 2)
		return;
	d->ops->para_begin(d);
	d->ops->text(d, "Pages: ");
	for (i = 0; i < npages; i++) {
		snprintf(label, sizeof(label), "%zu", i + 1);
		if (i)
			d->ops->text(d, " ");
		if (i == page) {
			d->ops->strong(d, label);
			continue;
		}
		path = page_index_path(i, d->ops->ext);
		link_to(d, path, label);
		free(path);
	}
	d->ops->para_end(d);
}

void
page_index(struct doc *d, const struct page_index *idx, size_t page,
	   size_t npages)
{
	static const char *const head[] = { "Server", "Grade", "Tools",
					    "Read", "Write", "Execute",
					    "Destructive", "Financial",
					    "Unknown", "Max risk", "Status" };
	static const char *const labels[] = { "Servers", "Tools",
					      "Definitions", "Critical tools",
					      "Poisoning findings" };
	char vals[5][32];
	const char *values[5];
	size_t i, first = page * PAGES_INDEX_ROWS, last;
	int c;

	snprintf(vals[0], sizeof(vals[0]), "%zu", idx->nservers);
	snprintf(vals[1], sizeof(vals[1]), "%zu", idx->ntools);
	snprintf(vals[2], sizeof(vals[2]), "%zu", idx->ndefs);
	snprintf(vals[3], sizeof(vals[3]), "%zu", idx->ncritical);
	snprintf(vals[4], sizeof(vals[4]), "%zu", idx->npoisoning);
	for (i = 0; i < 5; i++)
		values[i] = vals[i];

	d->ops->page_begin(d, "MCP server catalog");
	d->ops->heading(d, 1, "MCP server catalog");
	d->ops->para_begin(d);
	d->ops->text(d, "Every server in the local catalog with its grade, "
		     "its tools by category and its riskiest tool. Verdicts "
		     "come from rule set ");
	d->ops->code(d, idx->rules_version ? idx->rules_version : "(none)");
	d->ops->text(d, "; policies from the ");
	d->ops->code(d, idx->profile);
	d->ops->text(d, " profile.");
	d->ops->para_end(d);
	d->ops->stats(d, labels, values, 5);
	if (page == 0) {
		d->ops->heading(d, 2, "Risk distribution");
		d->ops->chart(d, &idx->chart);
	}
	d->ops->heading(d, 2, "Servers");
	index_nav(d, page, npages);
	d->ops->table_begin(d, 11, head);
	last = first + PAGES_INDEX_ROWS;
	if (last > idx->nservers)
		last = idx->nservers;
	for (i = first; i < last; i++) {
		const struct page_summary *s = idx->servers[i];

		d->ops->row_begin(d);
		d->ops->cell_begin(d);
		link_server(d, s->name, NULL);
		if (s->title && *s->title && strcmp(s->title, s->name) != 0) {
			d->ops->text(d, " \xe2\x80\x94 ");
			d->ops->text(d, s->title);
		}
		d->ops->cell_end(d);
		d->ops->cell_begin(d);
		badge_grade(d, s->grade);
		d->ops->cell_end(d);
		cell_num(d, s->ntools);
		for (c = 0; c < CAT__COUNT; c++)
			cell_num(d, s->by_category[c]);
		d->ops->cell_begin(d);
		if (s->max_risk >= 0)
			badge_risk(d, risk_name((enum risk)s->max_risk));
		else
			d->ops->text(d, "-");
		d->ops->cell_end(d);
		d->ops->cell_begin(d);
		badge_status(d, s->status);
		if (s->error && *s->error) {
			d->ops->text(d, " ");
			d->ops->text(d, s->error);
		}
		d->ops->cell_end(d);
		d->ops->row_end(d);
	}
	d->ops->table_end(d);
	index_nav(d, page, npages);
	d->ops->page_end(d);
}

/* A server page. */

static void
server_tools(struct doc *d, const struct page_server *s)
{
	static const char *const head[] = { "Tool", "Category", "Risk",
					    "Confidence", "Policy",
					    "Top evidence" };
	char conf[16];
	size_t i, j;

	d->ops->heading(d, 2, "Tools");
	if (s->ntools == 0) {
		d->ops->para_begin(d);
		d->ops->text(d, "No tools stored for this server.");
		d->ops->para_end(d);
		return;
	}
	d->ops->table_begin(d, 6, head);
	for (i = 0; i < s->ntools; i++) {
		const struct page_tool *t = &s->tools[i];

		d->ops->row_begin(d);
		d->ops->cell_begin(d);
		link_def(d, t->hash, t->name);
		d->ops->cell_end(d);
		if (!t->classified) {
			cell_text(d, "not classified");
			cell_text(d, "-");
			cell_text(d, "-");
		} else {
			d->ops->cell_begin(d);
			badge_category(d, category_name(t->v.category));
			d->ops->cell_end(d);
			d->ops->cell_begin(d);
			badge_risk(d, risk_name(t->v.risk));
			d->ops->cell_end(d);
			snprintf(conf, sizeof(conf), "%.2f", t->v.confidence);
			cell_text(d, conf);
		}
		d->ops->cell_begin(d);
		badge_action(d, &t->action);
		d->ops->cell_end(d);
		d->ops->cell_begin(d);
		for (j = 0; t->classified && j < t->v.nevidence &&
			    j < PAGES_TOP_EVIDENCE; j++) {
			if (j)
				d->ops->text(d, "; ");
			d->ops->code(d, t->v.evidence[j].rule);
			d->ops->text(d, " \xe2\x80\x9c");
			d->ops->text(d, t->v.evidence[j].match);
			d->ops->text(d, "\xe2\x80\x9d");
		}
		d->ops->cell_end(d);
		d->ops->row_end(d);
	}
	d->ops->table_end(d);
}

static void
server_policies(struct doc *d, const struct page_server *s)
{
	static const char *const labels[EXPORT__COUNT] = {
		[EXPORT_POLICYLAYER] = "PolicyLayer policy.json",
		[EXPORT_INTERCEPT] = "PolicyLayer Intercept (YAML)",
		[EXPORT_CLAUDE] = "Claude Code settings.json",
		[EXPORT_CODEX] = "Codex config.toml",
		[EXPORT_DOCKER] = "Docker MCP gateway tools.yaml",
	};
	int f;
	size_t i;

	d->ops->heading(d, 2, "Recommended policy");
	d->ops->para_begin(d);
	d->ops->text(d, "Decided by the ");
	d->ops->code(d, s->profile);
	d->ops->text(d, " profile, in each export format (the same bytes "
		     "as mcprisk export).");
	d->ops->para_end(d);
	if (s->policy_error) {
		d->ops->para_begin(d);
		d->ops->text(d, "No policy: ");
		d->ops->text(d, s->policy_error);
		d->ops->para_end(d);
		return;
	}
	for (f = 0; f < EXPORT__COUNT; f++)
		d->ops->pre(d, labels[f], buf_cstr(&s->policy[f]),
			    s->policy[f].len);
	if (s->notes.n == 0)
		return;
	d->ops->heading(d, 3, "What some formats cannot express");
	d->ops->list_begin(d);
	for (i = 0; i < s->notes.n; i++) {
		d->ops->item_begin(d);
		if (s->notes.v[i].tool) {
			d->ops->code(d, s->notes.v[i].tool);
			d->ops->text(d, ": ");
		}
		d->ops->text(d, s->notes.v[i].text);
		d->ops->item_end(d);
	}
	d->ops->list_end(d);
}

static void
cell_verdict(struct doc *d, const char *cat, const char *risk)
{
	d->ops->cell_begin(d);
	if (cat && risk) {
		badge_category(d, cat);
		d->ops->text(d, " ");
		badge_risk(d, risk);
	} else {
		d->ops->text(d, "-");
	}
	d->ops->cell_end(d);
}

static void
server_drift(struct doc *d, const struct page_server *s)
{
	static const char *const head[] = { "When", "Run", "Tool", "Change",
					    "Fields", "Before", "After" };
	char run[32];
	size_t i;

	d->ops->heading(d, 2, "Drift");
	if (s->nchanges == 0) {
		d->ops->para_begin(d);
		d->ops->text(d, "No changes recorded for this server.");
		d->ops->para_end(d);
		return;
	}
	d->ops->para_begin(d);
	d->ops->text(d, "The newest recorded changes, newest first: tools "
		     "added, removed or changed by imports and refreshes, "
		     "with the verdict before and after.");
	d->ops->para_end(d);
	d->ops->table_begin(d, 7, head);
	for (i = 0; i < s->nchanges; i++) {
		const struct page_change *c = &s->changes[i];

		d->ops->row_begin(d);
		d->ops->cell_begin(d);
		text_time(d, c->at);
		d->ops->cell_end(d);
		snprintf(run, sizeof(run), "%lld", (long long)c->run);
		cell_text(d, run);
		cell_text(d, c->tool ? c->tool : "(server)");
		cell_text(d, c->kind);
		cell_text(d, c->fields ? c->fields : "");
		cell_verdict(d, c->old_category, c->old_risk);
		cell_verdict(d, c->new_category, c->new_risk);
		d->ops->row_end(d);
	}
	d->ops->table_end(d);
}

void
page_server(struct doc *d, const struct page_server *s)
{
	static const char *const labels[] = { "Grade", "Tools", "Max risk",
					      "Tokens (approx.)" };
	static const char *const kvhead[] = { "Field", "Value" };
	char vals[4][32];
	const char *values[4];
	int r, maxr = -1;
	size_t i;

	for (i = 0; i < s->ntools; i++)
		if (s->tools[i].classified && (int)s->tools[i].v.risk > maxr)
			maxr = (int)s->tools[i].v.risk;
	snprintf(vals[0], sizeof(vals[0]), "%c", s->grade.letter);
	snprintf(vals[1], sizeof(vals[1]), "%zu", s->ntools);
	snprintf(vals[2], sizeof(vals[2]), "%s",
		 maxr >= 0 ? risk_name((enum risk)maxr) : "-");
	snprintf(vals[3], sizeof(vals[3]), "%zu", s->tokens);
	for (r = 0; r < 4; r++)
		values[r] = vals[r];

	d->ops->page_begin(d, s->name);
	d->ops->para_begin(d);
	link_index(d);
	d->ops->text(d, " \xe2\x80\xba server");
	d->ops->para_end(d);
	d->ops->heading(d, 1, s->name);
	d->ops->para_begin(d);
	badge_grade(d, s->grade.letter);
	d->ops->text(d, " ");
	d->ops->text(d, s->grade.reason);
	d->ops->text(d, " ");
	badge_status(d, s->status);
	d->ops->para_end(d);
	if (s->description && *s->description) {
		d->ops->para_begin(d);
		d->ops->text(d, s->description);
		d->ops->para_end(d);
	}
	d->ops->stats(d, labels, values, 4);
	d->ops->table_begin(d, 2, kvhead);
	kv_row(d, "Title", s->title);
	kv_row(d, "Version", s->version);
	kv_row(d, "Status", s->status);
	kv_row(d, "Error", s->error);
	kv_row(d, "Source", s->source);
	kv_row(d, "Transport", s->transport);
	kv_row(d, "Endpoint", s->endpoint);
	if (s->last_success > 0) {
		d->ops->row_begin(d);
		cell_text(d, "Last success");
		d->ops->cell_begin(d);
		text_time(d, s->last_success);
		d->ops->cell_end(d);
		d->ops->row_end(d);
	}
	d->ops->table_end(d);
	server_tools(d, s);
	server_policies(d, s);
	server_drift(d, s);
	d->ops->page_end(d);
}

/* A tool page. */

static void
def_parameters(struct doc *d, const struct page_def *t)
{
	static const char *const head[] = { "Parameter", "Type", "Required",
					    "Description" };
	size_t i;

	d->ops->heading(d, 3, "Parameters");
	if (t->nparams == 0) {
		d->ops->para_begin(d);
		d->ops->text(d, "No parameters.");
		d->ops->para_end(d);
		return;
	}
	d->ops->table_begin(d, 4, head);
	for (i = 0; i < t->nparams; i++) {
		const struct page_param *pp = &t->params[i];

		d->ops->row_begin(d);
		d->ops->cell_begin(d);
		d->ops->code(d, pp->name);
		d->ops->cell_end(d);
		cell_text(d, pp->type);
		cell_text(d, pp->required ? "yes" : "no");
		cell_text(d, pp->description);
		d->ops->row_end(d);
	}
	d->ops->table_end(d);
	if (t->more_params) {
		d->ops->para_begin(d);
		d->ops->text(d, "More parameters are not shown.");
		d->ops->para_end(d);
	}
}

static void
def_evidence(struct doc *d, const struct page_def *t)
{
	static const char *const ehead[] = { "Rule", "Field", "Matched text",
					     "Weight" };
	static const char *const fhead[] = { "Severity", "Rule", "Field",
					     "Matched text" };
	char w[32];
	unsigned bit;
	size_t i;
	bool any = false;

	d->ops->heading(d, 2, "Why it needs a policy");
	if (!t->classified) {
		d->ops->para_begin(d);
		d->ops->text(d, "This definition has no verdict for the "
			     "current rule set yet; it is treated as unknown "
			     "with high risk.");
		d->ops->para_end(d);
		return;
	}
	d->ops->para_begin(d);
	d->ops->text(d, t->v.rationale ? t->v.rationale : "");
	d->ops->para_end(d);
	d->ops->para_begin(d);
	d->ops->text(d, "Traits: ");
	for (bit = 1; bit < (1u << TRAIT__COUNT); bit <<= 1) {
		if (!(t->v.traits & bit) || !trait_name(bit))
			continue;
		if (any)
			d->ops->text(d, " ");
		d->ops->badge(d, bit == TRAIT_POISONING ||
			      bit == TRAIT_ANNOTATION_MISMATCH ? "flag" :
			      "trait", trait_name(bit));
		any = true;
	}
	if (!any)
		d->ops->text(d, "none");
	d->ops->para_end(d);
	d->ops->heading(d, 3, "Evidence");
	if (t->v.nevidence == 0) {
		d->ops->para_begin(d);
		d->ops->text(d, "No rule matched.");
		d->ops->para_end(d);
	} else {
		d->ops->table_begin(d, 4, ehead);
		for (i = 0; i < t->v.nevidence; i++) {
			const struct evidence *e = &t->v.evidence[i];

			d->ops->row_begin(d);
			d->ops->cell_begin(d);
			d->ops->code(d, e->rule);
			d->ops->cell_end(d);
			cell_text(d, e->field);
			cell_text(d, e->match);
			snprintf(w, sizeof(w), "%d", e->weight);
			cell_text(d, w);
			d->ops->row_end(d);
		}
		d->ops->table_end(d);
	}
	d->ops->heading(d, 3, "Findings");
	if (t->v.nfindings == 0) {
		d->ops->para_begin(d);
		d->ops->text(d, "No findings.");
		d->ops->para_end(d);
		return;
	}
	d->ops->table_begin(d, 4, fhead);
	for (i = 0; i < t->v.nfindings; i++) {
		const struct finding *f = &t->v.findings[i];

		d->ops->row_begin(d);
		d->ops->cell_begin(d);
		badge_risk(d, risk_name(f->severity));
		d->ops->cell_end(d);
		d->ops->cell_begin(d);
		d->ops->code(d, f->rule);
		d->ops->cell_end(d);
		cell_text(d, f->field);
		cell_text(d, f->match);
		d->ops->row_end(d);
	}
	d->ops->table_end(d);
}

/* One annotation row: declared value against what the verdict implies
   (< 0: not declared; the verdict says nothing about it). */
static void
annotation_row(struct doc *d, const char *hint, int declared, int implied)
{
	d->ops->row_begin(d);
	d->ops->cell_begin(d);
	d->ops->code(d, hint);
	d->ops->cell_end(d);
	cell_text(d, declared < 0 ? "not declared" :
		  declared ? "true" : "false");
	cell_text(d, implied < 0 ? "-" : implied ? "true" : "false");
	d->ops->cell_begin(d);
	if (declared >= 0 && implied >= 0 && declared != implied)
		d->ops->badge(d, "flag", "contradicts the verdict");
	else if (declared >= 0 && implied >= 0)
		d->ops->badge(d, "ok", "agrees");
	else
		d->ops->text(d, "-");
	d->ops->cell_end(d);
	d->ops->row_end(d);
}

static void
def_annotations(struct doc *d, const struct page_def *t)
{
	static const char *const head[] = { "Hint", "Declared by the server",
					    "Implied by the verdict",
					    "Check" };
	int ro = -1, de = -1, ow = -1;

	d->ops->heading(d, 3, "Annotations");
	if (t->classified) {
		ro = t->v.category == CAT_READ;
		de = t->v.category == CAT_DESTRUCTIVE;
		if (t->v.traits & (TRAIT_OPEN_WORLD | TRAIT_EXTERNAL_COMM |
				   TRAIT_NETWORK))
			ow = 1;
	}
	d->ops->para_begin(d);
	d->ops->text(d, "Annotations are hints from the server. They can "
		     "raise a verdict's risk but never lower it.");
	d->ops->para_end(d);
	d->ops->table_begin(d, 4, head);
	annotation_row(d, "readOnlyHint", t->hints[HINT_READ_ONLY], ro);
	annotation_row(d, "destructiveHint", t->hints[HINT_DESTRUCTIVE], de);
	annotation_row(d, "idempotentHint", t->hints[HINT_IDEMPOTENT], -1);
	annotation_row(d, "openWorldHint", t->hints[HINT_OPEN_WORLD], ow);
	d->ops->table_end(d);
}

static void
def_related(struct doc *d, const struct page_def *t)
{
	size_t i;

	d->ops->heading(d, 2, "Servers with this definition");
	d->ops->para_begin(d);
	d->ops->text(d, t->nservers == 1 ? "One server carries exactly this "
		     "definition (same SHA-256):" : "These servers carry "
		     "exactly this definition (same SHA-256), so they share "
		     "this verdict:");
	d->ops->para_end(d);
	d->ops->list_begin(d);
	for (i = 0; i < t->nservers && i < PAGES_RELATED_MAX; i++) {
		d->ops->item_begin(d);
		link_server(d, t->servers[i], NULL);
		d->ops->item_end(d);
	}
	d->ops->list_end(d);
	if (t->nservers > PAGES_RELATED_MAX) {
		char more[64];

		snprintf(more, sizeof(more), "and %zu more.",
			 t->nservers - PAGES_RELATED_MAX);
		d->ops->para_begin(d);
		d->ops->text(d, more);
		d->ops->para_end(d);
	}
	if (t->nsiblings == 0)
		return;
	d->ops->heading(d, 2, "Other definitions with this name");
	d->ops->list_begin(d);
	for (i = 0; i < t->nsiblings && i < PAGES_RELATED_MAX; i++) {
		char label[32];

		snprintf(label, sizeof(label), "definition %.12s",
			 t->siblings[i]);
		d->ops->item_begin(d);
		link_def(d, t->siblings[i], label);
		d->ops->item_end(d);
	}
	d->ops->list_end(d);
}

void
page_def(struct doc *d, const struct page_def *t)
{
	const char *desc = t->description;
	const char *title = t->title;
	char num[32];

	d->ops->page_begin(d, t->name);
	d->ops->para_begin(d);
	link_index(d);
	if (t->nservers == 1) {
		d->ops->text(d, " \xe2\x80\xba ");
		link_server(d, t->servers[0], NULL);
	}
	d->ops->text(d, " \xe2\x80\xba tool");
	d->ops->para_end(d);
	d->ops->heading(d, 1, t->name);
	d->ops->para_begin(d);
	if (t->classified) {
		badge_category(d, category_name(t->v.category));
		d->ops->text(d, " ");
		badge_risk(d, risk_name(t->v.risk));
		snprintf(num, sizeof(num), " score %d, confidence %.2f ",
			 t->v.score, t->v.confidence);
		d->ops->text(d, num);
	} else {
		d->ops->text(d, "not classified ");
	}
	badge_action(d, &t->action);
	d->ops->para_end(d);

	d->ops->heading(d, 2, "What it does");
	if (title && *title) {
		d->ops->para_begin(d);
		d->ops->strong(d, title);
		d->ops->para_end(d);
	}
	d->ops->para_begin(d);
	d->ops->text(d, desc && *desc ? desc : "The server gives no "
		     "description.");
	d->ops->para_end(d);
	def_parameters(d, t);
	def_evidence(d, t);
	def_annotations(d, t);

	d->ops->heading(d, 2, "Recommended policy");
	d->ops->para_begin(d);
	badge_action(d, &t->action);
	d->ops->text(d, " by the ");
	d->ops->code(d, t->profile);
	d->ops->text(d, " profile (rule ");
	d->ops->code(d, t->action.rule);
	d->ops->text(d, "): ");
	d->ops->text(d, t->action.reason);
	d->ops->para_end(d);
	d->ops->pre(d, "policy.json for this tool", buf_cstr(&t->policy),
		    t->policy.len);
	def_related(d, t);
	d->ops->para_begin(d);
	d->ops->text(d, "Definition SHA-256: ");
	d->ops->code(d, t->hash);
	d->ops->para_end(d);
	d->ops->page_end(d);
}

/* Reading a definition into the model, with jansson or report/jscan.h;
   both functions below say the same thing about the same text. */

static const char *const hint_names[HINT__COUNT] = {
	[HINT_READ_ONLY] = "readOnlyHint",
	[HINT_DESTRUCTIVE] = "destructiveHint",
	[HINT_IDEMPOTENT] = "idempotentHint",
	[HINT_OPEN_WORLD] = "openWorldHint",
};

/* Append one name of a "type" list: " | " between, stop once cut. */
static bool
type_add(char *out, size_t n, size_t *used, const char *name)
{
	int w = snprintf(out + *used, n - *used, "%s%s", *used ? " | " : "",
			 name);

	if (w < 0 || (size_t)w >= n - *used)
		return false;
	*used += (size_t)w;
	return true;
}

static void
json_schema_type(const json_t *prop, char *out, size_t n)
{
	const json_t *t = json_object_get(prop, "type");
	size_t used = 0, i;
	json_t *e;

	snprintf(out, n, "any");
	if (json_is_string(t)) {
		snprintf(out, n, "%s", json_string_value(t));
	} else if (json_is_array(t)) {
		out[0] = '\0';
		json_array_foreach(t, i, e) {
			if (!json_is_string(e))
				continue;
			if (!type_add(out, n, &used, json_string_value(e)))
				break;
		}
	} else if (json_object_get(prop, "enum")) {
		snprintf(out, n, "enum");
	} else if (json_object_get(prop, "$ref")) {
		snprintf(out, n, "reference");
	}
}

static bool
json_is_required(const json_t *schema, const char *name)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(schema, "required"), i, e)
		if (json_is_string(e) &&
		    strcmp(json_string_value(e), name) == 0)
			return true;
	return false;
}

static void
def_from_json(struct page_def *t, const json_t *def)
{
	const json_t *schema = json_object_get(def, "inputSchema");
	const json_t *props = json_object_get(schema, "properties");
	const json_t *ann = json_object_get(def, "annotations");
	const char *key;
	json_t *prop;
	size_t n;
	int h;

	t->description = json_get_str(def, "description");
	t->title = json_get_str(def, "title");
	for (h = 0; h < HINT__COUNT; h++) {
		const json_t *v = json_object_get(ann, hint_names[h]);

		t->hints[h] = json_is_boolean(v) ? json_is_true(v) : -1;
	}
	n = json_object_size(props);
	if (!json_is_object(props) || n == 0)
		return;
	t->more_params = n > PAGES_PARAMS_MAX;
	t->params = xcalloc(n < PAGES_PARAMS_MAX ? n : PAGES_PARAMS_MAX,
			    sizeof(*t->params));
	json_object_foreach((json_t *)props, key, prop) {
		struct page_param *pp = &t->params[t->nparams];

		if (t->nparams == PAGES_PARAMS_MAX)
			break;
		pp->name = key;
		json_schema_type(prop, pp->type, sizeof(pp->type));
		pp->required = json_is_required(schema, key);
		pp->description = json_get_str(prop, "description");
		t->nparams++;
	}
}

/* The string value of member key of object obj; NULL when not a string. */
static const char *
scan_str(const struct jscan *js, size_t obj, const char *key)
{
	size_t i = jscan_get(js, obj, key);

	return i && js->n[i].type == JSCAN_STRING ? js->n[i].str : NULL;
}

static void
scan_schema_type(const struct jscan *js, size_t prop, char *out, size_t n)
{
	size_t t = jscan_get(js, prop, "type"), used = 0, i;

	snprintf(out, n, "any");
	if (t && js->n[t].type == JSCAN_STRING) {
		snprintf(out, n, "%s", js->n[t].str);
	} else if (t && js->n[t].type == JSCAN_ARRAY) {
		out[0] = '\0';
		for (i = t + 1; i < js->n[t].next; i = js->n[i].next) {
			if (js->n[i].type != JSCAN_STRING)
				continue;
			if (!type_add(out, n, &used, js->n[i].str))
				break;
		}
	} else if (jscan_get(js, prop, "enum")) {
		snprintf(out, n, "enum");
	} else if (jscan_get(js, prop, "$ref")) {
		snprintf(out, n, "reference");
	}
}

static bool
scan_is_required(const struct jscan *js, size_t schema, const char *name)
{
	size_t r = jscan_get(js, schema, "required"), i;

	if (!r || js->n[r].type != JSCAN_ARRAY)
		return false;
	for (i = r + 1; i < js->n[r].next; i = js->n[i].next)
		if (js->n[i].type == JSCAN_STRING &&
		    strcmp(js->n[i].str, name) == 0)
			return true;
	return false;
}

static void
def_from_scan(struct page_def *t, const struct jscan *js)
{
	size_t schema = jscan_get(js, 0, "inputSchema");
	size_t props = jscan_get(js, schema, "properties");
	size_t ann = jscan_get(js, 0, "annotations"), n, i;
	int h;

	t->description = scan_str(js, 0, "description");
	t->title = scan_str(js, 0, "title");
	for (h = 0; h < HINT__COUNT; h++) {
		size_t v = jscan_get(js, ann, hint_names[h]);

		t->hints[h] = !v ? -1 : js->n[v].type == JSCAN_TRUE ? 1 :
			      js->n[v].type == JSCAN_FALSE ? 0 : -1;
	}
	if (!props || js->n[props].type != JSCAN_OBJECT ||
	    js->n[props].size == 0)
		return;
	n = js->n[props].size;
	t->more_params = n > PAGES_PARAMS_MAX;
	t->params = xcalloc(n < PAGES_PARAMS_MAX ? n : PAGES_PARAMS_MAX,
			    sizeof(*t->params));
	for (i = props + 1; i < js->n[props].next && t->nparams <
	     PAGES_PARAMS_MAX; i = js->n[i].next) {
		struct page_param *pp = &t->params[t->nparams++];

		pp->name = js->n[i].key;
		scan_schema_type(js, i, pp->type, sizeof(pp->type));
		pp->required = scan_is_required(js, schema, pp->name);
		pp->description = scan_str(js, i, "description");
	}
}

void
page_def_set_definition(struct page_def *t, const char *text)
{
	int h;

	t->title = t->description = NULL;
	t->params = NULL;
	t->nparams = 0;
	t->more_params = false;
	for (h = 0; h < HINT__COUNT; h++)
		t->hints[h] = -1;
	if (jscan_parse(text, &t->def_scan)) {
		if (t->def_scan.n[0].type == JSCAN_OBJECT)
			def_from_scan(t, &t->def_scan);
		return;
	}
	t->def_json = json_loads(text, 0, NULL);
	if (json_is_object(t->def_json))
		def_from_json(t, t->def_json);
}

/* Releasing the models. */

void
page_server_release(struct page_server *s)
{
	size_t i;
	int f;

	free(s->name);
	free(s->title);
	free(s->description);
	free(s->version);
	free(s->status);
	free(s->error);
	free(s->source);
	free(s->transport);
	free(s->endpoint);
	for (i = 0; i < s->ntools; i++) {
		free(s->tools[i].name);
		free(s->tools[i].hash);
		free(s->tools[i].description);
		if (s->tools[i].classified)
			verdict_release(&s->tools[i].v);
	}
	free(s->tools);
	for (i = 0; i < s->nchanges; i++) {
		struct page_change *c = &s->changes[i];

		free(c->tool);
		free(c->kind);
		free(c->fields);
		free(c->old_category);
		free(c->old_risk);
		free(c->new_category);
		free(c->new_risk);
	}
	free(s->changes);
	for (f = 0; f < EXPORT__COUNT; f++)
		buf_release(&s->policy[f]);
	free(s->policy_error);
	export_notes_release(&s->notes);
	memset(s, 0, sizeof(*s));
}

void
page_def_release(struct page_def *t)
{
	size_t i;

	free(t->name);
	free(t->hash);
	free(t->params);
	json_decref(t->def_json);
	jscan_release(&t->def_scan);
	if (t->classified)
		verdict_release(&t->v);
	buf_release(&t->policy);
	for (i = 0; i < t->nservers; i++)
		free(t->servers[i]);
	free(t->servers);
	for (i = 0; i < t->nsiblings; i++)
		free(t->siblings[i]);
	free(t->siblings);
	memset(t, 0, sizeof(*t));
}

void
page_summary_release(struct page_summary *s)
{
	free(s->name);
	free(s->title);
	free(s->status);
	free(s->error);
	memset(s, 0, sizeof(*s));
}
