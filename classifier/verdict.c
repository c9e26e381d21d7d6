/*
 * The verdict's names and JSON form.  The JSON encoding is the one the
 * database stores and the CLI prints, so its key order and number format
 * are fixed here and nowhere else.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "classifier/verdict.h"
#include "util/buf.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

static const char *const category_names[CAT__COUNT] = {
	[CAT_READ] = "read",
	[CAT_WRITE] = "write",
	[CAT_EXECUTE] = "execute",
	[CAT_DESTRUCTIVE] = "destructive",
	[CAT_FINANCIAL] = "financial",
	[CAT_UNKNOWN] = "unknown",
};

static const char *const risk_names[RISK__COUNT] = {
	[RISK_LOW] = "low",
	[RISK_MEDIUM] = "medium",
	[RISK_HIGH] = "high",
	[RISK_CRITICAL] = "critical",
};

/* Indexed by bit position. */
static const char *const trait_names[TRAIT__COUNT] = {
	"bulk",	       "privilege", "credentials", "external_comm",
	"code_exec",   "filesystem", "network",    "open_world",
	"poisoning",   "annotation_mismatch",
};

const char *
category_name(enum category c)
{
	return (unsigned)c < CAT__COUNT ? category_names[c] : "unknown";
}

const char *
risk_name(enum risk r)
{
	return (unsigned)r < RISK__COUNT ? risk_names[r] : "critical";
}

const char *
trait_name(unsigned bit)
{
	unsigned i;

	for (i = 0; i < TRAIT__COUNT; i++)
		if (bit == 1u << i)
			return trait_names[i];
	return NULL;
}

int
category_parse(const char *s)
{
	int i;

	for (i = 0; s && i < CAT__COUNT; i++)
		if (strcmp(s, category_names[i]) == 0)
			return i;
	return -1;
}

int
risk_parse(const char *s)
{
	int i;

	for (i = 0; s && i < RISK__COUNT; i++)
		if (strcmp(s, risk_names[i]) == 0)
			return i;
	return -1;
}

int
trait_parse(const char *s)
{
	int i;

	for (i = 0; s && i < TRAIT__COUNT; i++)
		if (strcmp(s, trait_names[i]) == 0)
			return (int)(1u << i);
	return -1;
}

/* A JSON string that never fails on odd bytes (NULL or invalid -> ""). */
static json_t *
str_or_empty(const char *s)
{
	json_t *j = json_string(s ? s : "");

	return j ? j : json_string("");
}

double
verdict_confidence(const struct verdict *v)
{
	return round(v->confidence * 100.0) / 100.0;
}

json_t *
verdict_to_json(const struct verdict *v)
{
	json_t *o = json_object(), *traits = json_array(),
	       *findings = json_array(), *evidence = json_array();
	unsigned i;
	size_t k;

	json_object_set_new(o, "category", json_string(category_name(v->category)));
	json_object_set_new(o, "risk", json_string(risk_name(v->risk)));
	json_object_set_new(o, "score", json_integer(v->score));
	/* Two decimals, stored as a real; printed with JSON_REAL_PRECISION. */
	json_object_set_new(o, "confidence",
			    json_real(verdict_confidence(v)));
	for (i = 0; i < TRAIT__COUNT; i++)
		if (v->traits & (1u << i))
			json_array_append_new(traits,
					      json_string(trait_names[i]));
	json_object_set_new(o, "traits", traits);
	for (k = 0; k < v->nfindings; k++) {
		const struct finding *f = &v->findings[k];
		json_t *fo = json_object();

		json_object_set_new(fo, "rule", str_or_empty(f->rule));
		json_object_set_new(fo, "severity",
				    json_string(risk_name(f->severity)));
		json_object_set_new(fo, "field", str_or_empty(f->field));
		json_object_set_new(fo, "match", str_or_empty(f->match));
		json_array_append_new(findings, fo);
	}
	json_object_set_new(o, "findings", findings);
	for (k = 0; k < v->nevidence; k++) {
		const struct evidence *e = &v->evidence[k];
		json_t *eo = json_object();

		json_object_set_new(eo, "rule", str_or_empty(e->rule));
		json_object_set_new(eo, "field", str_or_empty(e->field));
		json_object_set_new(eo, "match", str_or_empty(e->match));
		json_object_set_new(eo, "weight", json_integer(e->weight));
		json_array_append_new(evidence, eo);
	}
	json_object_set_new(o, "evidence", evidence);
	json_object_set_new(o, "rationale", str_or_empty(v->rationale));
	return o;
}

/* The largest verdict text: evidence matches and rationale are capped by
   the classifier far below this. */
#define VERDICT_TEXT_MAX (4u << 20)

/* Append a string literal (its length known at compile time). */
#define PUT_LIT(b, lit) buf_append((b), (lit), sizeof(lit) - 1)

/* A string as verdict_to_json() has it: one jansson refuses (not UTF-8,
   e.g. a match cut inside a character) is "". */
static void
put_string(struct buf *b, const char *s)
{
	size_t mark = b->len;

	if (!s)
		s = "";
	if (json_put_string(b, s, strlen(s)) < 0 && !b->toobig) {
		buf_truncate(b, mark);
		PUT_LIT(b, "\"\"");
	}
}

/*
 * Confidence is a whole number of hundredths (verdict_confidence()), so
 * its text, as jansson writes a real, is one of 101: worked out once.
 */
#define CONF_STEPS 101
static char conf_text[CONF_STEPS][32];
static size_t conf_len[CONF_STEPS];
static pthread_once_t conf_once = PTHREAD_ONCE_INIT;

static void
conf_init(void)
{
	struct buf b = BUF_INIT(sizeof(conf_text[0]) - 1);
	int k;

	for (k = 0; k < CONF_STEPS; k++) {
		buf_reset(&b);
		if (json_buf_real(&b, (double)k / 100.0) < 0)
			continue; /* conf_len 0: written the long way */
		memcpy(conf_text[k], b.data, b.len + 1);
		conf_len[k] = b.len;
	}
	buf_release(&b);
}

static void
put_confidence(struct buf *b, double c)
{
	double k = round(c * 100.0);

	pthread_once(&conf_once, conf_init);
	if (k >= 0 && k < CONF_STEPS && (double)k / 100.0 == c &&
	    conf_len[(int)k]) {
		buf_append(b, conf_text[(int)k], conf_len[(int)k]);
		return;
	}
	json_buf_real(b, c);
}

char *
verdict_to_text(const struct verdict *v)
{
	struct buf b = BUF_INIT(VERDICT_TEXT_MAX);
	unsigned i;
	size_t k;
	bool first;
	char *out;

	/* Most verdicts fit: one allocation instead of doubling up. */
	buf_reserve(&b, 1024);
	PUT_LIT(&b, "{\"category\":");
	put_string(&b, category_name(v->category));
	PUT_LIT(&b, ",\"risk\":");
	put_string(&b, risk_name(v->risk));
	PUT_LIT(&b, ",\"score\":");
	buf_put_int(&b, v->score);
	PUT_LIT(&b, ",\"confidence\":");
	put_confidence(&b, verdict_confidence(v));
	PUT_LIT(&b, ",\"traits\":[");
	for (i = 0, first = true; i < TRAIT__COUNT; i++) {
		if (!(v->traits & (1u << i)))
			continue;
		if (!first)
			buf_putc(&b, ',');
		put_string(&b, trait_names[i]);
		first = false;
	}
	PUT_LIT(&b, "],\"findings\":[");
	for (k = 0; k < v->nfindings; k++) {
		const struct finding *f = &v->findings[k];

		if (k)
			buf_putc(&b, ',');
		PUT_LIT(&b, "{\"rule\":");
		put_string(&b, f->rule);
		PUT_LIT(&b, ",\"severity\":");
		put_string(&b, risk_name(f->severity));
		PUT_LIT(&b, ",\"field\":");
		put_string(&b, f->field);
		PUT_LIT(&b, ",\"match\":");
		put_string(&b, f->match);
		buf_putc(&b, '}');
	}
	PUT_LIT(&b, "],\"evidence\":[");
	for (k = 0; k < v->nevidence; k++) {
		const struct evidence *e = &v->evidence[k];

		if (k)
			buf_putc(&b, ',');
		PUT_LIT(&b, "{\"rule\":");
		put_string(&b, e->rule);
		PUT_LIT(&b, ",\"field\":");
		put_string(&b, e->field);
		PUT_LIT(&b, ",\"match\":");
		put_string(&b, e->match);
		PUT_LIT(&b, ",\"weight\":");
		buf_put_int(&b, e->weight);
		buf_putc(&b, '}');
	}
	PUT_LIT(&b, "],\"rationale\":");
	put_string(&b, v->rationale);
	buf_putc(&b, '}');
	if (b.toobig) {
		/* Cannot happen with the classifier's caps; the tree encoder
		   is the fallback that always works. */
		json_t *j = verdict_to_json(v);

		buf_release(&b);
		out = json_text(j, JSON_COMPACT);
		json_decref(j);
		return out;
	}
	out = b.data;
	return out;
}

/* o[key] as a string or an error naming the key. */
static const char *
need_str(const json_t *o, const char *key, const char *where,
	 struct errbuf *eb)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		errbuf_set(eb, "%s%s: expected string", where, key);
	return s;
}

int
verdict_from_json(const json_t *j, struct verdict *out, struct errbuf *eb)
{
	const json_t *a, *x;
	const char *s;
	size_t i;
	int r;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(j)) {
		errbuf_set(eb, "verdict: expected object");
		return -1;
	}
	if (!(s = need_str(j, "category", "verdict.", eb)))
		goto fail;
	if ((r = category_parse(s)) < 0) {
		errbuf_set(eb, "verdict.category: unknown category '%s'", s);
		goto fail;
	}
	out->category = (enum category)r;
	if (!(s = need_str(j, "risk", "verdict.", eb)))
		goto fail;
	if ((r = risk_parse(s)) < 0) {
		errbuf_set(eb, "verdict.risk: unknown risk '%s'", s);
		goto fail;
	}
	out->risk = (enum risk)r;
	x = json_object_get(j, "score");
	if (!json_is_integer(x) || json_integer_value(x) < 0 ||
	    json_integer_value(x) > 100) {
		errbuf_set(eb, "verdict.score: expected integer 0-100");
		goto fail;
	}
	out->score = (int)json_integer_value(x);
	x = json_object_get(j, "confidence");
	if (!json_is_number(x) || json_number_value(x) < 0 ||
	    json_number_value(x) > 1) {
		errbuf_set(eb, "verdict.confidence: expected number 0-1");
		goto fail;
	}
	out->confidence = json_number_value(x);
	a = json_object_get(j, "traits");
	if (!json_is_array(a)) {
		errbuf_set(eb, "verdict.traits: expected array");
		goto fail;
	}
	for (i = 0; i < json_array_size(a); i++) {
		r = trait_parse(json_string_value(json_array_get(a, i)));
		if (r < 0) {
			errbuf_set(eb, "verdict.traits[%zu]: unknown trait", i);
			goto fail;
		}
		out->traits |= (unsigned)r;
	}
	a = json_object_get(j, "findings");
	if (!json_is_array(a)) {
		errbuf_set(eb, "verdict.findings: expected array");
		goto fail;
	}
	out->findings = xcalloc(json_array_size(a) + 1, sizeof(*out->findings));
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *f = json_array_get(a, i);
		struct finding *d = &out->findings[i];
		const char *rule, *sev, *field, *match;

		if (!(rule = need_str(f, "rule", "verdict.findings[].", eb)) ||
		    !(sev = need_str(f, "severity", "verdict.findings[].", eb)) ||
		    !(field = need_str(f, "field", "verdict.findings[].", eb)) ||
		    !(match = need_str(f, "match", "verdict.findings[].", eb)))
			goto fail;
		if ((r = risk_parse(sev)) < 0) {
			errbuf_set(eb, "verdict.findings[%zu].severity: unknown "
				       "level '%s'", i, sev);
			goto fail;
		}
		d->rule = xstrdup(rule);
		d->severity = (enum risk)r;
		d->field = xstrdup(field);
		d->match = xstrdup(match);
		out->nfindings = i + 1;
	}
	a = json_object_get(j, "evidence");
	if (!json_is_array(a)) {
		errbuf_set(eb, "verdict.evidence: expected array");
		goto fail;
	}
	out->evidence = xcalloc(json_array_size(a) + 1, sizeof(*out->evidence));
	for (i = 0; i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);
		struct evidence *d = &out->evidence[i];
		const char *rule, *field, *match;

		if (!(rule = need_str(e, "rule", "verdict.evidence[].", eb)) ||
		    !(field = need_str(e, "field", "verdict.evidence[].", eb)) ||
		    !(match = need_str(e, "match", "verdict.evidence[].", eb)))
			goto fail;
		x = json_object_get(e, "weight");
		if (!json_is_integer(x)) {
			errbuf_set(eb, "verdict.evidence[%zu].weight: expected "
				       "integer", i);
			goto fail;
		}
		d->rule = xstrdup(rule);
		d->field = xstrdup(field);
		d->match = xstrdup(match);
		d->weight = (int)json_integer_value(x);
		out->nevidence = i + 1;
	}
	if (!(s = need_str(j, "rationale", "verdict.", eb)))
		goto fail;
	out->rationale = xstrdup(s);
	return 0;
fail:
	verdict_release(out);
	return -1;
}

void
verdict_release(struct verdict *v)
{
	size_t i;

	if (!v)
		return;
	if (v->arena) {
		free(v->arena);
		memset(v, 0, sizeof(*v));
		return;
	}
	for (i = 0; i < v->nfindings; i++) {
		free(v->findings[i].rule);
		free(v->findings[i].field);
		free(v->findings[i].match);
	}
	for (i = 0; i < v->nevidence; i++) {
		free(v->evidence[i].rule);
		free(v->evidence[i].field);
		free(v->evidence[i].match);
	}
	free(v->findings);
	free(v->evidence);
	free(v->rationale);
	memset(v, 0, sizeof(*v));
}
