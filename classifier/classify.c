/*
 * The classifier: build one text document per field from a tool
 * definition, run every rule over it once (word lists through the hash
 * index, patterns through PCRE2, detectors as single passes), then score
 * the hits into a verdict whose evidence and rationale cite the rules.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "classifier/classify.h"
#include "classifier/rules_impl.h"
#include "classifier/tokenize.h"
#include "crawler/manifest.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Most clauses in a rationale before "and N more". */
#define RATIONALE_MAX_CLAUSES 6
/* Longest quoted match inside the rationale, in bytes. */
#define RATIONALE_MAX_QUOTE 60

/* Offsets of a selected hit's strings in classifier.strs. */
struct textref {
	bool on;        /* the hit is cited in the verdict */
	uint32_t rule;  /* rule id */
	uint32_t field; /* field name */
	uint32_t match; /* matched text */
};

/*
 * Where a gated rule's "requires" words occur in one field's document:
 * every match holds one of them (docs/rules.md), so every match starts
 * at most the pattern's span before one of them, and not after it.
 */
#define GATE_AT 8       /* occurrences kept; more: first and last only */

struct gatepos {
	int field;      /* enum field, or -1: none recorded */
	uint32_t n;     /* occurrences seen */
	uint32_t last;  /* offset of the last occurrence */
	uint32_t at[GATE_AT]; /* offsets of the first n of them (at most
				 GATE_AT), ascending */
};

/* Where a rule first matched. */
struct hit {
	int field;     /* enum field, or -1: no hit */
	uint32_t off;  /* span in the field's document (or the name) */
	uint32_t len;
	bool in_name;  /* the span is in the name, not the field's doc */
	char det[64];  /* a detector's own description of the match */
};

/*
 * Facts about a document from one pass, so that a detector runs its own
 * pass only where it can fire.
 */
struct docstat {
	bool done;      /* computed for this tool */
	bool high;      /* a byte >= 0x80 */
	bool esc;       /* an ESC byte */
};

struct classifier {
	const struct rules *r;
	pcre2_match_data *md;
	struct buf doc[F__COUNT];      /* one subject per field */
	struct wordlist words[F__COUNT];
	size_t name_first;             /* first word of the tool's own name */
	size_t verb;                   /* index of the verb word, or SIZE_MAX */
	struct hit *hits;              /* one per rule */
	uint32_t *hitlist;             /* rules hit, to reset and sort */
	size_t nhit;
	uint16_t *armed;               /* per rule: fields where a gated
					  pattern's "requires" word occurs */
	uint32_t *armlist;             /* rules armed, to reset */
	size_t narmed;
	struct gatepos *gate;          /* per rule: where its "requires"
					  words occur in the field being
					  scanned */
	struct docstat stat[F__COUNT]; /* one-pass facts for detectors */
	struct buf keys;               /* schema keys, after the values */
	struct buf kstack;             /* keys with escapes, decoded, of the
					  objects being read; its storage
					  never moves while a text is read
					  (classify_text()) */
	struct buf canon;              /* a tree's canonical text */
	struct buf held;               /* the description, while the title
					  that leads it is read */
	bool title_desc;               /* a description was read */
	struct buf strs;               /* a verdict's strings, before they
					  move into its arena */
	struct buf rat;                /* the rationale being built */
	struct textref *sel;           /* per hit: where its strings are in
					  strs, or not selected */
	uint64_t *pf_state;            /* prefilter_eval() scratch for the
					  document being scanned */
	size_t pf_words;               /* its size in words */
	struct buf fold;               /* that document, folded */
	struct pfstat *pfs;            /* per rule: how its prefilter does */
	uint8_t cc[256];               /* CC_* class of each byte */
};

/*
 * A prefilter costs a few literal searches; on a rule whose gate words
 * already make a match likely it rejects almost nothing.  Such a rule's
 * prefilter is left out for a while and then tried again.  Verdicts do
 * not depend on it: a prefilter only skips patterns that cannot match.
 */
#define PF_PROBE 64     /* evaluations per trial */
#define PF_USEFUL 4     /* rejections a trial needs to keep it */
#define PF_REST 1024    /* pattern runs without it after a failed trial */

struct pfstat {
	uint16_t evals;   /* evaluations in the current trial */
	uint16_t rejects; /* of which rejected the pattern */
	uint16_t rest;    /* runs left without the prefilter */
	uint16_t runs;    /* pattern runs in the current trial */
	uint16_t misses;  /* of which found no match */
	bool cut;         /* cutting the document's end pays: the pattern
			     mostly misses (a match ends the run anyway) */
};

/* What c->fold holds of the document being scanned. */
enum fold_state {
	FOLD_NOT_YET,   /* nothing yet */
	FOLD_READY,     /* that document, folded, with prefilter state */
	FOLD_CANNOT,    /* it cannot hold it (too large): no prefilter */
	FOLD_TOKENIZED, /* its storage holds the document folded by the
			   tokenizer; prefilter_adopt() not called yet */
};

/* Byte classes for the one-pass document facts. */
enum {
	CC_SPACE = 1u << 0, /* ASCII whitespace */
	CC_B64 = 1u << 1,   /* base64 (and base64url) alphabet */
};

/* Most bytes of strings (rule ids, fields, matches, rationale) one verdict
   holds: far above what RULES_MAX_RULES capped matches need. */
#define VERDICT_MAX_TEXT ((size_t)16 << 20)

static const size_t doc_cap[F__COUNT] = {
	[F_NAME] = CLASSIFY_MAX_NAME,
	[F_NAME_WORDS] = 2 * CLASSIFY_MAX_NAME,
	[F_VERB] = CLASSIFY_MAX_NAME,
	[F_DESCRIPTION] = CLASSIFY_MAX_DESCRIPTION,
	[F_PARAM_NAME] = CLASSIFY_MAX_PARAMS,
	[F_PARAM_DESC] = CLASSIFY_MAX_PARAMS,
	[F_PARAM_UNDESCRIBED] = CLASSIFY_MAX_PARAMS,
	[F_SCHEMA] = CLASSIFY_MAX_SCHEMA,
	[F_ANNOTATIONS] = CLASSIFY_MAX_ANNOTATIONS,
};

/* How the rationale names a field. */
static const char *const field_label[F__COUNT] = {
	[F_NAME] = "Name",
	[F_NAME_WORDS] = "Name word",
	[F_VERB] = "Name verb",
	[F_DESCRIPTION] = "Description",
	[F_PARAM_NAME] = "Parameter",
	[F_PARAM_DESC] = "Parameter description",
	[F_PARAM_UNDESCRIBED] = "Undescribed parameter",
	[F_SCHEMA] = "Schema text",
	[F_ANNOTATIONS] = "Annotation",
};

static bool
is_space_byte(unsigned char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	       ch == '\v' || ch == '\f';
}

static bool
b64_byte(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' ||
	       ch == '=' || ch == '-' || ch == '_';
}

struct classifier *
classifier_new(const struct rules *rules)
{
	struct classifier *c = xcalloc(1, sizeof(*c));
	size_t i;

	c->r = rules;
	c->md = pcre2_match_data_create(1, NULL);
	if (!c->md)
		abort(); /* out of memory is fatal, as in util/xalloc.c */
	for (i = 0; i < F__COUNT; i++)
		buf_init(&c->doc[i], doc_cap[i]);
	buf_init(&c->keys, CLASSIFY_MAX_SCHEMA);
	buf_init(&c->kstack, SIZE_MAX / 2);
	buf_init(&c->canon, SIZE_MAX / 2);
	buf_init(&c->held, CLASSIFY_MAX_DESCRIPTION);
	buf_init(&c->strs, VERDICT_MAX_TEXT);
	buf_init(&c->rat, VERDICT_MAX_TEXT);
	c->sel = xcalloc(rules->nrules + 1, sizeof(*c->sel));
	c->pf_words = prefilter_words(rules->pf);
	c->pf_state = xcalloc(c->pf_words, sizeof(*c->pf_state));
	c->pfs = xcalloc(rules->npatterns + 1, sizeof(*c->pfs));
	buf_init(&c->fold, CLASSIFY_MAX_SCHEMA + PREFILTER_SLACK);
	for (i = 0; i < 256; i++) {
		unsigned char ch = (unsigned char)i;

		c->cc[i] = (uint8_t)((is_space_byte(ch) ? CC_SPACE : 0) |
				     (b64_byte(ch) ? CC_B64 : 0));
	}
	c->hits = xcalloc(rules->nrules + 1, sizeof(*c->hits));
	c->hitlist = xcalloc(rules->nrules + 1, sizeof(*c->hitlist));
	c->armed = xcalloc(rules->nrules + 1, sizeof(*c->armed));
	c->armlist = xcalloc(rules->nrules + 1, sizeof(*c->armlist));
	c->gate = xcalloc(rules->nrules + 1, sizeof(*c->gate));
	for (i = 0; i <= rules->nrules; i++)
		c->gate[i].field = -1;
	for (i = 0; i < rules->nrules; i++)
		c->hits[i].field = -1;
	return c;
}

void
classifier_free(struct classifier *c)
{
	size_t i;

	if (!c)
		return;
	pcre2_match_data_free(c->md);
	for (i = 0; i < F__COUNT; i++) {
		buf_release(&c->doc[i]);
		wordlist_release(&c->words[i]);
	}
	buf_release(&c->keys);
	buf_release(&c->strs);
	buf_release(&c->rat);
	free(c->sel);
	free(c->pf_state);
	free(c->pfs);
	buf_release(&c->fold);
	buf_release(&c->kstack);
	buf_release(&c->canon);
	buf_release(&c->held);
	free(c->hits);
	free(c->hitlist);
	free(c->armed);
	free(c->armlist);
	free(c->gate);
	free(c);
}

/* Append as much of s[0..n) as fits under the document's cap. */
static void
doc_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->max)
		n = b->max - b->len;
	if (n)
		buf_append(b, s, n);
}

static void
doc_line(struct buf *b, const char *s, size_t n)
{
	if (b->len)
		doc_add(b, "\n", 1);
	doc_add(b, s, n);
}

/*
 * A definition is read from its canonical JSON text (compact, keys sorted:
 * util/json.c), the bytes its hash is taken over, so a verdict is a
 * function of exactly those bytes.  The text is read front to back, once
 * (twice for a parameter's own members: its description comes first in
 * the parameter documents), instead of walking a tree spread over the
 * heap: a tree built long before it is classified cost a cache miss a
 * node (the benchmark's first pass ran at 136,000-147,000 tools/s against
 * 177,000-187,000 for trees just built; from text, both at 181,000-
 * 189,000).  Malformed text is refused, never read past its end.
 */
struct jtext {
	const unsigned char *p;   /* next byte */
	const unsigned char *end; /* one past the last */
};

/*
 * The first '"' or '\\' in [p, end), or end; with nul, the first NUL
 * byte too.
 */
static inline const unsigned char *
string_stop(const unsigned char *p, const unsigned char *end, bool nul)
{
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
		      z = nul ? _mm_setzero_si128() : q;

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, q),
				     _mm_cmpeq_epi8(v, bs)),
			_mm_cmpeq_epi8(v, z)));

		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && (!nul || *p != '\0'))
		p++;
	return p;
}

/* The first '"' or '\\' in [p, end), or end. */
static const unsigned char *
quote_or_escape(const unsigned char *p, const unsigned char *end)
{
	return string_stop(p, end, false);
}

/*
 * Decode the string at t->p (its opening quote) onto b, as much as b's
 * cap takes; the rest is read and dropped.  False on malformed text.
 */
static bool
jt_string(struct jtext *t, struct buf *b)
{
	const unsigned char *p = t->p + 1, *end = t->end, *run;

	if (t->p >= end || *t->p != '"')
		return false;
	for (;;) {
		unsigned char utf[4];
		size_t n, ul;
		uint32_t cp;

		run = p;
		p = quote_or_escape(p, end);
		doc_add(b, (const char *)run, (size_t)(p - run));
		if (p >= end)
			return false;
		if (*p == '"')
			break;
		if ((n = json_unescape(p, end, utf, &ul, &cp)) == 0)
			return false;
		doc_add(b, (const char *)utf, ul);
		p += n;
	}
	t->p = p + 1;
	return true;
}

/* Step over the value at t->p.  False on malformed text. */
static bool
jt_skip(struct jtext *t)
{
	const unsigned char *p = t->p, *end = t->end;
	size_t depth = 0;

	do {
		if (p >= end)
			return false;
		switch (*p) {
		case '"':
			for (p = quote_or_escape(p + 1, end);
			     p < end && *p == '\\';
			     p = quote_or_escape(p + 2 < end ? p + 2 : end, end))
				;
			if (p >= end)
				return false;
			p++;
			break;
		case '{':
		case '[':
			depth++;
			p++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return false;
			depth--;
			p++;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return false;
			p++;
			break;
		default:
			/* A number, true, false or null. */
			while (p < end && *p != ',' && *p != '}' && *p != ']' &&
			       *p != ':' && *p != '"' && *p != '{' &&
			       *p != '[')
				p++;
		}
	} while (depth > 0);
	t->p = p;
	return true;
}

/* Consume ch at t->p. */
static bool
jt_eat(struct jtext *t, unsigned char ch)
{
	if (t->p >= t->end || *t->p != ch)
		return false;
	t->p++;
	return true;
}

/*
 * Open the object or array at t->p (open is '{' or '['): true with *more
 * set when a member or element follows.
 */
static bool
jt_open(struct jtext *t, unsigned char open, bool *more)
{
	if (!jt_eat(t, open))
		return false;
	*more = t->p < t->end && *t->p != (open == '{' ? '}' : ']');
	if (!*more)
		t->p++;
	return true;
}

/* After a member or element: true with *more set when another follows. */
static bool
jt_next(struct jtext *t, unsigned char close, bool *more)
{
	if (t->p >= t->end)
		return false;
	*more = *t->p == ',';
	if (!*more && *t->p != close)
		return false;
	t->p++;
	return true;
}

/*
 * An object's key as read: its bytes, in the text itself or, when it has
 * escapes, decoded onto c->kstack.  A key's bytes are its n, but its
 * name for the schema's key and parameter documents and for comparing
 * with keywords is its first z, up to a NUL byte (a C string's view, as
 * the encoder's output never has one).
 */
struct jkey {
	const char *s;
	size_t n;
	size_t z;
	size_t mark; /* c->kstack's length before it; for jt_pop() */
};

/* Read the key at t->p and its colon into *k. */
static bool
jt_key(struct classifier *c, struct jtext *t, struct jkey *k)
{
	const unsigned char *p;

	k->mark = c->kstack.len;
	if (t->p < t->end && *t->p == '"') {
		p = string_stop(t->p + 1, t->end, true);
		if (p < t->end && *p == '"') {
			k->s = (const char *)t->p + 1;
			k->n = k->z = (size_t)(p - t->p - 1);
			t->p = p + 1;
			return jt_eat(t, ':');
		}
	}
	/* Escapes or a NUL byte: decoded (onto storage that does not
	   move, so k->s stays valid while more keys are pushed). */
	if (!jt_string(t, &c->kstack) || !jt_eat(t, ':') ||
	    buf_append(&c->kstack, "", 1) != 0)
		return false;
	k->s = c->kstack.data + k->mark;
	k->n = c->kstack.len - k->mark - 1;
	k->z = strlen(k->s);
	return true;
}

/* Forget key k and any read after it. */
static void
jt_pop(struct classifier *c, const struct jkey *k)
{
	c->kstack.len = k->mark;
}

/* Whether key k is name (a keyword, compared up to a NUL byte). */
static bool
key_is(const struct jkey *k, const char *name, size_t len)
{
	return k->z == len && memcmp(k->s, name, len) == 0;
}

/* Whether the string at t->p is "" (without reading it). */
static bool
jt_empty_string(const struct jtext *t)
{
	return t->end - t->p >= 2 && t->p[0] == '"' && t->p[1] == '"';
}

/*
 * JSON Schema keywords whose string values are structure, not prose
 * ("type": "string"); left out so that prose from neighbouring fields
 * sits next to each other in the schema document.
 */
static bool
structural(const struct jkey *k)
{
	switch (k->z ? k->s[0] : 0) {
	case 't':
		return key_is(k, "type", 4);
	case 'f':
		return key_is(k, "format", 6);
	case 'r':
		return key_is(k, "required", 8);
	case '$':
		return key_is(k, "$schema", 7) || key_is(k, "$ref", 4) ||
		       key_is(k, "$id", 3);
	default:
		return false;
	}
}

/* Start a new line of document b (doc_line() for text read in place). */
static void
doc_newline(struct buf *b)
{
	if (b->len)
		doc_add(b, "\n", 1);
}

/*
 * A member of an inputSchema "properties" object into the parameter
 * documents: its name (key), and its "description" string or, without a
 * non-empty one, its name again.  t is at the member's value, an object,
 * and is left there.
 */
static bool
add_param(struct classifier *c, const struct jtext *t,
	  const struct jkey *key)
{
	struct jtext o = *t;
	struct jkey k;
	bool more, found = false;

	doc_line(&c->doc[F_PARAM_NAME], key->s, key->z);
	if (!jt_open(&o, '{', &more))
		return false;
	while (more && !found) {
		if (!jt_key(c, &o, &k))
			return false;
		/* All of the key's bytes, a NUL byte too. */
		found = k.n == 11 && memcmp(k.s, "description", 11) == 0 &&
			o.p < o.end && *o.p == '"' && !jt_empty_string(&o);
		jt_pop(c, &k);
		if (found) {
			doc_newline(&c->doc[F_PARAM_DESC]);
			if (!jt_string(&o, &c->doc[F_PARAM_DESC]))
				return false;
		} else if (!jt_skip(&o) || !jt_next(&o, '}', &more)) {
			return false;
		}
	}
	if (!found)
		doc_line(&c->doc[F_PARAM_UNDESCRIBED], key->s, key->z);
	return true;
}

/*
 * Read a schema value: every string into the schema document, every key
 * into c->keys (appended after the values, so prose stays contiguous)
 * and, for inputSchema (params true), every member of a "properties"
 * object into the parameter documents.  prop: the value is that member
 * (an object) and prop its key, whose parameter lines come before those
 * of any property inside it; NULL otherwise.
 */
static bool
walk_schema(struct classifier *c, struct jtext *t, bool params,
	    bool is_props, int depth, bool skip, const struct jkey *prop)
{
	struct jkey key;
	bool more;

	if (t->p >= t->end)
		return false;
	if (depth > CLASSIFY_MAX_DEPTH || skip) {
		if (prop && !add_param(c, t, prop))
			return false;
		return jt_skip(t);
	}
	switch (*t->p) {
	case '"':
		doc_newline(&c->doc[F_SCHEMA]);
		return jt_string(t, &c->doc[F_SCHEMA]);
	case '[':
		if (!jt_open(t, '[', &more))
			return false;
		while (more)
			if (!walk_schema(c, t, params, false, depth + 1, false,
					 NULL) ||
			    !jt_next(t, ']', &more))
				return false;
		return true;
	case '{':
		if (prop && !add_param(c, t, prop))
			return false;
		if (!jt_open(t, '{', &more))
			return false;
		while (more) {
			bool obj;

			if (!jt_key(c, t, &key))
				return false;
			obj = t->p < t->end && *t->p == '{';
			doc_line(&c->keys, key.s, key.z);
			if (!walk_schema(c, t, params,
					 !is_props &&
						 key_is(&key, "properties", 10),
					 depth + 1,
					 !is_props && structural(&key),
					 params && is_props && obj ? &key
								   : NULL) ||
			    !jt_next(t, '}', &more))
				return false;
			jt_pop(c, &key);
		}
		return true;
	default:
		return jt_skip(t);
	}
}

static bool
build_annotations(struct classifier *c, struct jtext *t)
{
	struct buf *b = &c->doc[F_ANNOTATIONS];
	struct jkey key;
	bool more;

	if (t->p >= t->end || *t->p != '{')
		return jt_skip(t);
	if (!jt_open(t, '{', &more))
		return false;
	while (more) {
		if (!jt_key(c, t, &key))
			return false;
		doc_newline(b);
		doc_add(b, key.s, key.z);
		doc_add(b, "=", 1);
		jt_pop(c, &key);
		if (t->p < t->end && *t->p == '"') {
			if (!jt_string(t, b))
				return false;
		} else {
			const unsigned char *v = t->p;

			if (!jt_skip(t))
				return false;
			if (t->p - v == 4 && memcmp(v, "true", 4) == 0)
				doc_add(b, "true", 4);
			else if (t->p - v == 5 && memcmp(v, "false", 5) == 0)
				doc_add(b, "false", 5);
		}
		if (!jt_next(t, '}', &more))
			return false;
	}
	return true;
}

static void
record(struct classifier *c, uint32_t rule, int field, size_t off,
       size_t len)
{
	struct hit *h = &c->hits[rule];

	if (h->field >= 0)
		return;
	h->field = field;
	h->off = (uint32_t)off;
	h->len = (uint32_t)len;
	h->det[0] = '\0';
	h->in_name = false;
	c->hitlist[c->nhit++] = rule;
}

/* A "requires" word of a gated rule occurs at off in field f. */
static void
gate_seen(struct gatepos *g, int f, uint32_t off)
{
	if (g->field != f) {
		g->field = f;
		g->n = 0;
	} else if (off <= g->last) {
		/* Words come in document order: this happens only when a
		   field is matched again, and then every offset is known. */
		return;
	}
	g->last = off;
	if (g->n < GATE_AT)
		g->at[g->n] = off;
	g->n++;
}

/* Run the word lists of field f over its word list. */
static void
match_words(struct classifier *c, int f, const struct wordlist *wl,
	    size_t from, size_t to)
{
	const struct rules *r = c->r;
	unsigned bit = 1u << f;
	size_t i, k, m;

	for (i = from; i < to; i++) {
		const struct wslot *s =
			rules_lookup(r, wordlist_word(wl, i), wl->w[i].llen,
				     wl->w[i].hash);

		if (!s || !(s->fields & bit))
			continue;
		for (k = s->first; k < s->first + s->count; k++) {
			const struct phrase *p = &r->phrases[k];
			const struct word *last;

			if (!(p->fields & bit) ||
			    c->hits[p->rule].field >= 0 ||
			    i + p->nwords > wl->n)
				continue;
			/* Hashes first: most phrases part at their second
			   word. */
			for (m = 1; m < p->nwords; m++)
				if (p->hash[m] != wl->w[i + m].hash ||
				    strcmp(p->words[m],
					   wordlist_word(wl, i + m)) != 0)
					break;
			if (m < p->nwords)
				continue;
			if (p->gate) {
				if (!c->armed[p->rule])
					c->armlist[c->narmed++] = p->rule;
				c->armed[p->rule] |= (uint16_t)bit;
				/* Name words' offsets are in the name, not in
				   the field's document. */
				if (wl != &c->words[F_NAME_WORDS])
					gate_seen(&c->gate[p->rule], f,
						  wl->w[i].off);
				continue;
			}
			last = &wl->w[i + p->nwords - 1];
			record(c, p->rule, f, wl->w[i].off,
			       last->off + last->len - wl->w[i].off);
			c->hits[p->rule].in_name = wl == &c->words[F_NAME_WORDS];
		}
	}
}

/* Whether word i of wl is a one-word phrase of some verb rule. */
static bool
verb_word(const struct rules *r, const struct wordlist *wl, size_t i)
{
	const struct wslot *s =
		rules_lookup(r, wordlist_word(wl, i), wl->w[i].llen,
			     wl->w[i].hash);
	size_t k;

	if (!s || !(s->fields & (1u << F_VERB)))
		return false;
	for (k = s->first; k < s->first + s->count; k++)
		if ((r->rule[r->phrases[k].rule].fields & (1u << F_VERB)) &&
		    r->phrases[k].nwords == 1 && !r->phrases[k].gate)
			return true;
	return false;
}

/*
 * The leading verb: the first of the first verb_window words of the
 * tool's own name that some verb rule knows.  When none is known the
 * first word stands in, so patterns on "verb" still see something.
 */
static void
find_verb(struct classifier *c)
{
	const struct rules *r = c->r;
	const struct wordlist *wl = &c->words[F_NAME_WORDS];
	size_t i, end = c->name_first + (size_t)r->sc.verb_window;

	c->verb = SIZE_MAX;
	if (end > wl->n)
		end = wl->n;
	for (i = c->name_first; i < end && c->verb == SIZE_MAX; i++)
		if (verb_word(r, wl, i))
			c->verb = i;
	/* A namespaced name whose last segment has no known verb
	   ("create_item.v2"): look at the start of the name too. */
	end = (size_t)r->sc.verb_window;
	if (end > c->name_first)
		end = c->name_first;
	for (i = 0; i < end && c->verb == SIZE_MAX; i++)
		if (verb_word(r, wl, i))
			c->verb = i;
	if (c->verb == SIZE_MAX && c->name_first < wl->n)
		c->verb = c->name_first;
	if (c->verb != SIZE_MAX)
		doc_add(&c->doc[F_VERB], wordlist_word(wl, c->verb),
			wl->w[c->verb].llen);
}

static bool
invisible_cp(uint32_t cp, uint32_t prev)
{
	if (cp == 0x200d || cp == 0xfe0e || cp == 0xfe0f)
		return prev < 0x80; /* emoji sequences use these legitimately */
	return cp == 0x200b || cp == 0x200c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2064) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
	       (cp >= 0xfe00 && cp <= 0xfe0d) ||
	       (cp >= 0xe0000 && cp <= 0xe007f) ||
	       (cp >= 0xe0100 && cp <= 0xe01ef);
}

static bool
hex_byte(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
	       (ch >= 'A' && ch <= 'F');
}

/* 0 upper, 1 lower, 2 digit, 3 other: for the blob's class changes. */
static int
char_class(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return 0;
	if (ch >= 'a' && ch <= 'z')
		return 1;
	if (ch >= '0' && ch <= '9')
		return 2;
	return 3;
}

/* One detector over one document; true and h filled on a hit. */
static bool
detect(const struct rule *ru, const unsigned char *s, size_t len,
       struct hit *h)
{
	size_t i = 0, run = 0, first = 0, count = 0;
	uint32_t cp, prev = 0, first_cp = 0;

	switch (ru->det) {
	case DET_INVISIBLE:
		while (i < len) {
			size_t n = s[i] < 0x80 ? 1 : utf8_decode(s + i,
								 len - i, &cp);

			if (s[i] < 0x80)
				cp = s[i];
			if (n == 0) {
				prev = 0xfffd;
				i++;
				continue;
			}
			if (cp >= 0x80 && invisible_cp(cp, prev) &&
			    !(cp == 0xfeff && i == 0)) {
				if (count++ == 0) {
					first = i;
					first_cp = cp;
				}
			}
			prev = cp;
			i += n;
		}
		if (count < (size_t)ru->param[0])
			return false;
		snprintf(h->det, sizeof(h->det), "U+%04X x%zu at offset %zu",
			 (unsigned)first_cp, count, first);
		h->off = (uint32_t)first;
		return true;
	case DET_ANSI:
		for (i = 0; i < len; i++) {
			size_t k, o;

			if (s[i] == 0x1b)
				k = i + 1;
			else if (s[i] == 0xc2 && i + 1 < len && s[i + 1] == 0x9b)
				k = i + 2;
			else
				continue;
			o = (size_t)snprintf(h->det, sizeof(h->det), "ESC");
			for (; k < len && k < i + 13 && s[k] >= 0x20 &&
			       s[k] < 0x7f && o + 1 < sizeof(h->det);
			     k++)
				h->det[o++] = (char)s[k];
			h->det[o] = '\0';
			h->off = (uint32_t)i;
			return true;
		}
		return false;
	case DET_PADDING:
		for (i = 0; i <= len; i++) {
			if (i < len && is_space_byte(s[i])) {
				if (run++ == 0)
					first = i;
				continue;
			}
			if (run >= (size_t)ru->param[0]) {
				snprintf(h->det, sizeof(h->det),
					 "%zu whitespace characters at offset "
					 "%zu", run, first);
				h->off = (uint32_t)first;
				return true;
			}
			run = 0;
		}
		return false;
	case DET_BLOB:
		for (i = 0; i <= len; i++) {
			if (i < len && b64_byte(s[i])) {
				if (run++ == 0)
					first = i;
				continue;
			}
			if (run >= (size_t)ru->param[0] ||
			    run >= (size_t)ru->param[1]) {
				size_t k, hex = 0, up = 0, lo = 0, dig = 0,
					  mix = 0;

				for (k = first; k < i; k++) {
					hex += hex_byte(s[k]);
					up += s[k] >= 'A' && s[k] <= 'Z';
					lo += s[k] >= 'a' && s[k] <= 'z';
					dig += s[k] >= '0' && s[k] <= '9';
					mix += k > first && char_class(s[k]) !=
						char_class(s[k - 1]);
				}
				/* Encoded data changes character class at
				   most characters; URLs, paths and
				   identifiers run in words. */
				if ((hex == run && run >= (size_t)ru->param[1]) ||
				    (run >= (size_t)ru->param[0] && up && lo &&
				     dig && mix * 100 >= run *
				     (size_t)ru->param[2])) {
					snprintf(h->det, sizeof(h->det),
						 "%.24s... (%zu characters)",
						 (const char *)s + first, run);
					h->off = (uint32_t)first;
					return true;
				}
			}
			run = 0;
		}
		return false;
	case DET__COUNT:
		break;
	}
	return false;
}

#if defined(__SSE2__)
/* Whether s[0..len) has a byte >= 0x80, and an ESC: 16 bytes a step. */
static void
doc_stat(struct docstat *st, const unsigned char *s, size_t len)
{
	const __m128i esc = _mm_set1_epi8(0x1b);
	__m128i hi = _mm_setzero_si128(), es = _mm_setzero_si128();
	unsigned tail_hi = 0, tail_esc = 0;
	size_t i;

	for (i = 0; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));

		hi = _mm_or_si128(hi, v);
		es = _mm_or_si128(es, _mm_cmpeq_epi8(v, esc));
	}
	for (; i < len; i++) {
		tail_hi |= s[i] >= 0x80;
		tail_esc |= s[i] == 0x1b;
	}
	st->done = true;
	st->high = tail_hi || _mm_movemask_epi8(hi);
	st->esc = tail_esc || _mm_movemask_epi8(es);
}
#else
static void
doc_stat(struct docstat *st, const unsigned char *s, size_t len)
{
	size_t i;

	st->high = st->esc = false;
	for (i = 0; i < len; i++) {
		st->high |= s[i] >= 0x80;
		st->esc |= s[i] == 0x1b;
	}
	st->done = true;
}
#endif

/*
 * Whether s[0..len) has a run of at least min bytes of class k: any such
 * run covers one of the bytes min-1, 2*min-1, ..., so only the runs
 * through those are measured.
 */
static bool
has_run(const uint8_t *cc, unsigned k, const unsigned char *s, size_t len,
	size_t min)
{
	size_t j = min - 1, a, b;

	if (min == 0)
		return true;
	while (j < len) {
		if (!(cc[s[j]] & k)) {
			j += min;
			continue;
		}
		for (a = j; a > 0 && (cc[s[a - 1]] & k); a--)
			;
		for (b = j; b + 1 < len && (cc[s[b + 1]] & k); b++)
			;
		if (b - a + 1 >= min)
			return true;
		/* b + 1 is outside the class: a longer run starts later
		   and covers b + min. */
		j = b + min;
	}
	return false;
}

/* Whether a detector can fire on document s (facts in st). */
static bool
may_detect(const struct classifier *c, const struct rule *ru,
	   const struct docstat *st, const unsigned char *s, size_t len)
{
	size_t b64 = (size_t)(ru->param[0] < ru->param[1] ? ru->param[0]
							  : ru->param[1]);

	switch (ru->det) {
	case DET_INVISIBLE:
		return st->high;
	case DET_ANSI:
		return st->esc || st->high;
	case DET_PADDING:
		return has_run(c->cc, CC_SPACE, s, len, (size_t)ru->param[0]);
	case DET_BLOB:
		return has_run(c->cc, CC_B64, s, len, b64);
	case DET__COUNT:
		break;
	}
	return true;
}

/* The most bytes a character of document f (d) takes: 1 in ASCII, else
   4 (UTF-8), for turning a pattern's span and reach into bytes. */
static size_t
char_bytes(struct classifier *c, int f, const struct buf *d)
{
	if (!c->stat[f].done)
		doc_stat(&c->stat[f], (const unsigned char *)buf_cstr(d),
			 d->len);
	return c->stat[f].high ? 4 : 1;
}

/*
 * A match holds something at q and is at most span bytes long: set *from
 * to where the earliest can start (on the first byte of a character)
 * when that is past the start.
 */
static void
start_before(const unsigned char *s, size_t q, size_t span, size_t *from)
{
	size_t k;

	if (q <= span)
		return;
	*from = q - span;
	for (k = 0; k < 3 && *from > 0 && (s[*from] & 0xc0) == 0x80; k++)
		(*from)--;
}

/*
 * No match starts after q, and none reads more than read bytes from its
 * start (its reach and one character more): set *end to where s[0..len)
 * can be cut (on the first byte of a character) when that is before len.
 */
static void
cut_after(const unsigned char *s, size_t len, size_t q, size_t read,
	  size_t *end)
{
	size_t k, e = q + read;

	if (e >= len)
		return;
	for (k = 0; k < 3 && e < len && (s[e] & 0xc0) == 0x80; k++)
		e++;
	*end = e;
}

/*
 * Pattern pt over d[0..end) from offset from: PCRE2's result.  ascii:
 * d has no byte >= 0x80, so pt's 8-bit form may run (rules.c).
 */
static int
run_pattern(struct classifier *c, const struct pattern *pt,
	    const struct buf *d, bool ascii, size_t from, size_t end)
{
	const pcre2_code *re = ascii && pt->ascii ? pt->ascii : pt->re;
	bool jit = ascii && pt->ascii ? pt->ascii_jit : pt->jit;

	/* Compiled with PCRE2_MATCH_INVALID_UTF, the JIT code copes with any
	   bytes, so its direct entry needs no UTF check.  A match-limit
	   error counts as no match: the limits exist so that one hostile
	   field cannot stall a whole crawl. */
	if (jit)
		return pcre2_jit_match(re, (PCRE2_SPTR)buf_cstr(d), end, from,
				       0, c->md, c->r->mctx);
	return pcre2_match(re, (PCRE2_SPTR)buf_cstr(d), end, from, 0, c->md,
			   c->r->mctx);
}

/*
 * Pattern pt over the window of document d around the occurrences of its
 * rule's "requires" words from first to last (span and read in bytes):
 * from the pattern's span before first, with d cut past its reach after
 * last (ascii as in run_pattern()).  A match that starts by last is the
 * one the whole document would give there (one starting before the
 * window holds no word, and one starting by last reads nothing past the
 * cut); one starting later says only that none starts by last, unless
 * nothing was cut.  True when that decides the rule, with PCRE2's result
 * in *rc.
 */
static bool
gate_window(struct classifier *c, const struct pattern *pt,
	    const struct buf *d, bool ascii, size_t first, size_t last,
	    size_t span, size_t read, int *rc)
{
	const unsigned char *s = (const unsigned char *)buf_cstr(d);
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
	size_t from = 0, end = d->len;

	start_before(s, first, span, &from);
	cut_after(s, d->len, last, read, &end);
	*rc = run_pattern(c, pt, d, ascii, from, end);
	return end == d->len || (*rc >= 0 && ov[0] <= last);
}

/*
 * Pattern pt of gated rule ri over document f (d), only in the windows
 * around the rule's "requires" words (gate_window), windows that overlap
 * as one.  *rc gets PCRE2's result (the match in the ovector).  False
 * when no word of it was recorded in this field or the pattern's span is
 * not known.
 */
static bool
run_gated(struct classifier *c, int f, uint32_t ri, const struct pattern *pt,
	  const struct buf *d, int *rc)
{
	const struct gatepos *g = &c->gate[ri];
	size_t unit, span, read, i, j;

	if (!c->r->rule[ri].gated || g->field != f || pt->span < 0)
		return false;
	unit = char_bytes(c, f, d);
	span = (size_t)pt->span * unit;
	/* With no known reach nothing is cut (a window runs to the end). */
	read = pt->reach < 0 ? d->len : ((size_t)pt->reach + 1) * unit;
	if (g->n > GATE_AT || pt->reach < 0) {
		/* Too many to list, or one would do: one window from the
		   first to the last. */
		if (!gate_window(c, pt, d, unit == 1, g->at[0], g->last, span,
				 read, rc))
			*rc = PCRE2_ERROR_NOMATCH;
		return true;
	}
	for (i = 0; i < g->n; i = j) {
		for (j = i + 1; j < g->n && g->at[j] - g->at[j - 1] <= span + read;
		     j++)
			;
		if (gate_window(c, pt, d, unit == 1, g->at[i], g->at[j - 1],
				span, read, rc))
			return true;
	}
	*rc = PCRE2_ERROR_NOMATCH;
	return true;
}

/*
 * Whether pattern pt can match document d by its prefilter (always when
 * the prefilter is resting or cannot read d).  *fold says what c->fold
 * holds of d, and is moved on.
 */
static bool
pf_pass(struct classifier *c, const struct pattern *pt, const struct buf *d,
	enum fold_state *fold)
{
	struct pfstat *ps = &c->pfs[pt->id];
	bool ok;

	if (*fold == FOLD_TOKENIZED)
		*fold = prefilter_adopt(c->r->pf, &c->fold, d->len, c->pf_state)
				? FOLD_READY : FOLD_NOT_YET;
	if (*fold == FOLD_NOT_YET)
		*fold = prefilter_fold(c->r->pf, buf_cstr(d), d->len, &c->fold,
				       c->pf_state) ? FOLD_READY : FOLD_CANNOT;
	if (*fold == FOLD_CANNOT)
		return true;
	/* The literal search stops at the first that decides. */
	if (ps->rest) {
		ps->rest--;
		return true;
	}
	ok = prefilter_eval(c->r->pf, pt->pf, &c->fold, c->pf_state);
	ps->rejects += !ok;
	if (++ps->evals == PF_PROBE) {
		if (ps->rejects < PF_USEFUL)
			ps->rest = PF_REST;
		ps->evals = ps->rejects = 0;
	}
	return ok;
}

/*
 * Which part of document f (d) pattern pt must be run on, by where its
 * prefilter's literals occur: false when it cannot match, else *from,
 * an offset before which no match starts, and *end, a length to which the
 * document can be cut without changing what matches (0 and d->len when
 * that is not known).  Called after pf_pass() said yes (fold as there).
 */
static bool
pf_where(struct classifier *c, int f, const struct pattern *pt,
	 const struct buf *d, enum fold_state fold, size_t *from,
	 size_t *end)
{
	const unsigned char *s = (const unsigned char *)buf_cstr(d);
	struct pfstat *ps = &c->pfs[pt->id];
	size_t q, unit, span;

	*from = 0;
	*end = d->len;
	/* Worth the literal searches only on a document longer than the
	   longest match (in bytes: UTF-8 takes at most four a
	   character). */
	if (fold != FOLD_READY || pt->span < 0)
		return true;
	unit = char_bytes(c, f, d);
	span = (size_t)pt->span * unit;
	if (d->len <= span)
		return true;
	q = prefilter_where(c->r->pf, pt->pf, &c->fold, c->pf_state, false);
	if (q == PREFILTER_NONE)
		return false;
	start_before(s, q, span, from);
	/* No match starts after the last place its literals occur, and
	   none examines more than reach characters from its start, so the
	   rest of the document (past one more character) is never read.
	   Offsets agree with the folded document only where folding kept
	   every byte. */
	if (!ps->cut || c->fold.len != d->len)
		return true;
	q = prefilter_where(c->r->pf, pt->pf, &c->fold, c->pf_state, true);
	if (q == PREFILTER_NONE)
		return false;
	cut_after(s, d->len, q, ((size_t)pt->reach + 1) * unit, end);
	return true;
}

/* Count one pattern run for the choice whether to cut documents. */
static void
pf_ran(struct pfstat *ps, bool hit)
{
	ps->misses += !hit;
	if (++ps->runs == PF_PROBE) {
		ps->cut = ps->misses >= PF_PROBE / 2;
		ps->runs = ps->misses = 0;
	}
}

/* Detector rule ri (ru) over the document d of field f. */
static inline void
scan_detector(struct classifier *c, int f, uint32_t ri,
	      const struct rule *ru, const struct buf *d)
{
	const unsigned char *s = (const unsigned char *)buf_cstr(d);
	struct hit h;

	if (!c->stat[f].done)
		doc_stat(&c->stat[f], s, d->len);
	if (d->len && may_detect(c, ru, &c->stat[f], s, d->len) &&
	    detect(ru, s, d->len, &h)) {
		record(c, ri, f, h.off, 0);
		memcpy(c->hits[ri].det, h.det, sizeof(h.det));
	}
}

/* Pattern rule ri (ru) over the document d of field f; *fold as in
   pf_pass(). */
static inline void
scan_pattern(struct classifier *c, int f, uint32_t ri, const struct rule *ru,
	     const struct buf *d, enum fold_state *fold)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
	size_t k, start = SIZE_MAX, len = 0;

	/* A pattern of alternatives matches where the first of theirs
	   starts. */
	for (k = 0; k < ru->npat; k++) {
		const struct pattern *pt = &ru->pat[k];
		int rc;

		if (d->len < pt->minlen)
			continue;
		if (pt->pf >= 0 && !pf_pass(c, pt, d, fold))
			continue;
		/* Only where the rule's words or the pattern's literals
		   occur, less the longest match: PCRE2 tries start offsets
		   in order, each on its own (match limits count per start),
		   and looks behind the offset for \b, ^ and lookbehinds, so
		   starting there finds the same match.  (A start skipped
		   there cannot begin a match; it could only have hit a
		   limit, which docs/rules.md notes.) */
		if (!run_gated(c, f, ri, pt, d, &rc)) {
			size_t from = 0, end = d->len;

			if (pt->pf >= 0 &&
			    !pf_where(c, f, pt, d, *fold, &from, &end))
				continue;
			rc = run_pattern(c, pt, d, char_bytes(c, f, d) == 1,
					 from, end);
		}
		pf_ran(&c->pfs[pt->id], rc >= 0);
		if (rc >= 0 && ov[0] < start) {
			start = ov[0];
			len = ov[1] - ov[0];
		}
	}
	if (start != SIZE_MAX)
		record(c, ri, f, start, len);
}

/*
 * Patterns and detectors of field f over its document (fold as in
 * pf_pass()): first the rules that run on every document, then the gated
 * patterns that one of their "requires" words armed in this field, since
 * a gated pattern cannot match without one of its words.  Which rule runs
 * first changes no verdict: each rule's hit is its own, and evidence is
 * put in rule order afterwards.
 */
static void
match_scan(struct classifier *c, int f, enum fold_state fold)
{
	const struct rules *r = c->r;
	size_t i;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		const uint32_t *list = pass ? c->armlist : r->scan[f];
		size_t n = pass ? c->narmed : r->nscan[f];

		for (i = 0; i < n; i++) {
			uint32_t ri = list[i];
			const struct rule *ru = &r->rule[ri];

			if ((pass && !(c->armed[ri] & (1u << f))) ||
			    c->hits[ri].field >= 0)
				continue;
			if (ru->kind == MATCH_DETECTOR)
				scan_detector(c, f, ri, ru, &c->doc[f]);
			else
				scan_pattern(c, f, ri, ru, &c->doc[f], &fold);
		}
	}
}

/*
 * Split the text of field f into words and, from the same pass, fold it
 * for the prefilter and learn what the detectors ask (tokenize_text()).
 * Returns what c->fold then holds of it (enum fold_state).
 */
static enum fold_state
tokenize_doc(struct classifier *c, int f)
{
	const struct buf *d = &c->doc[f];
	unsigned facts;

	buf_reset(&c->fold);
	if (buf_reserve(&c->fold, TEXT_FOLD_ROOM(d->len) + PREFILTER_SLACK) <
	    0) {
		(void)tokenize_text(&c->words[f], buf_cstr(d), d->len, NULL);
		return FOLD_NOT_YET;
	}
	facts = tokenize_text(&c->words[f], buf_cstr(d), d->len,
			      c->fold.data);
	if (facts & TEXT_NOT_FOLDED)
		return FOLD_NOT_YET;
	c->stat[f].done = true;
	c->stat[f].high = false;
	c->stat[f].esc = (facts & TEXT_ESC) != 0;
	return FOLD_TOKENIZED;
}

/* Forget the previous tool's hits and documents. */
static void
reset(struct classifier *c)
{
	size_t i;

	for (i = 0; i < c->nhit; i++)
		c->hits[c->hitlist[i]].field = -1;
	c->nhit = 0;
	for (i = 0; i < c->narmed; i++) {
		c->armed[c->armlist[i]] = 0;
		c->gate[c->armlist[i]].field = -1;
	}
	c->narmed = 0;
	for (i = 0; i < F__COUNT; i++) {
		c->stat[i].done = false;
		buf_reset(&c->doc[i]);
		wordlist_reset(&c->words[i]);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Append up to max bytes of s[0..n) to b as valid UTF-8 (invalid bytes
 * become U+FFFD, a cut never splits a character), then "..." when cut.
 */
static void
clean_append(struct buf *b, const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = b->len, m = n < max ? n : max;

	/* Plain ASCII, the usual case: one byte in, one byte out. */
	while (i < m && p[i] - 1u < 0x7fu)
		i++;
	if (i == m) {
		buf_append(b, p, m);
		if (m < n)
			buf_append(b, "...", 3);
		return;
	}
	i = 0;
	while (i < n && b->len - start < max) {
		uint32_t cp;
		size_t k = utf8_decode(p + i, n - i, &cp);

		if (k == 0 || cp == 0) {
			buf_append(b, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		if (b->len - start + k > max)
			break;
		buf_append(b, p + i, k);
		i += k;
	}
	if (i < n)
		buf_append(b, "...", 3);
}

/* Append the matched text of a hit to b. */
static void
hit_text(struct classifier *c, const struct hit *h, struct buf *b)
{
	const struct buf *d;

	if (h->det[0]) {
		buf_puts(b, h->det);
		return;
	}
	d = h->in_name ? &c->doc[F_NAME] : &c->doc[h->field];
	if ((size_t)h->off + h->len > d->len)
		return;
	clean_append(b, buf_cstr(d) + h->off, h->len, CLASSIFY_MAX_MATCH);
}

/* Argmax over category weights; ties go to the riskier category. */
static int
pick(const struct scoring *sc, const int *w, int *best_w, int *second_w)
{
	int best = CAT_UNKNOWN, i;

	*best_w = 0;
	*second_w = 0;
	for (i = 0; i < CAT_UNKNOWN; i++) {
		if (w[i] > *best_w ||
		    (w[i] == *best_w && w[i] > 0 &&
		     sc->cat_score[i] > sc->cat_score[best])) {
			*second_w = *best_w;
			*best_w = w[i];
			best = i;
		} else if (w[i] > *second_w) {
			*second_w = w[i];
		}
	}
	if (*best_w < sc->min_weight)
		return CAT_UNKNOWN;
	return best;
}

/*
 * A conditional rule that applies takes the lead: its category gets the
 * decided category's weight plus its own, once per rule.
 */
static void
take_lead(int *w, int decided, const struct rule *ru)
{
	if (decided == CAT_UNKNOWN) {
		w[ru->category] += ru->weight;
		return;
	}
	if (w[ru->category] < w[decided])
		w[ru->category] = w[decided];
	w[ru->category] += ru->weight;
}

/*
 * One rationale clause: "Label 'quote' (rule) explain", the quote taken
 * from the match (from its first word: a pattern's context ". Delete"
 * is skipped) and cut to RATIONALE_MAX_QUOTE bytes.
 */
static void
add_clause(struct buf *b, size_t *nclauses, const char *label,
	   const char *match, const char *rule, const char *explain)
{
	const char *t = match;

	while (*t == ' ' || *t == '\t' || *t == '\n' ||
	       (*t && strchr(".;:!?,", *t) &&
		(t[1] == ' ' || t[1] == '\n' || t[1] == '\t')))
		t++;
	if ((*nclauses)++)
		buf_append(b, "; ", 2);
	buf_puts(b, label);
	if (*t) {
		buf_append(b, " '", 2);
		clean_append(b, t, strlen(t), RATIONALE_MAX_QUOTE);
		buf_append(b, "'", 1);
	}
	buf_append(b, " (", 2);
	buf_puts(b, rule);
	buf_append(b, ") ", 2);
	buf_puts(b, explain);
}

/*
 * Sort the hit list into rule order; it is short, so insertion sort
 * unless it is not.
 */
static void
sort_hits(uint32_t *a, size_t n)
{
	size_t i, j;

	if (n > 32) {
		qsort(a, n, sizeof(*a), cmp_u32);
		return;
	}
	for (i = 1; i < n; i++) {
		uint32_t x = a[i];

		for (j = i; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* Append s and its terminator to b; returns where it starts. */
static uint32_t
put_str(struct buf *b, const char *s)
{
	uint32_t at = (uint32_t)b->len;

	buf_append(b, s, strlen(s) + 1);
	return at;
}

/*
 * Move the cited hits (c->sel, strings in c->strs) and the rationale
 * (c->rat) into one block that out owns: its arrays first, then the
 * strings, so verdict_release() frees one allocation.
 */
static void
build_arena(struct classifier *c, struct verdict *out)
{
	const struct rules *r = c->r;
	size_t ne = 0, nf = 0, ea, fa, i;
	char *block, *text;

	for (i = 0; i < c->nhit; i++) {
		ne += c->sel[i].on;
		nf += c->sel[i].on && r->rule[c->hitlist[i]].finding;
	}
	ea = (ne + 1) * sizeof(struct evidence);
	fa = (nf + 1) * sizeof(struct finding);
	block = xmalloc(ea + fa + c->strs.len + c->rat.len + 1);
	memset(block, 0, ea + fa);
	out->arena = block;
	out->evidence = (struct evidence *)(void *)block;
	out->findings = (struct finding *)(void *)(block + ea);
	text = block + ea + fa;
	if (c->strs.len)
		memcpy(text, buf_cstr(&c->strs), c->strs.len);
	out->rationale = text + c->strs.len;
	memcpy(out->rationale, buf_cstr(&c->rat), c->rat.len + 1);
	for (i = 0; i < c->nhit; i++) {
		const struct rule *ru = &r->rule[c->hitlist[i]];
		const struct textref *t = &c->sel[i];
		struct evidence *e;

		if (!t->on)
			continue;
		if (ru->finding) {
			struct finding *fi =
				&out->findings[out->nfindings++];

			fi->rule = text + t->rule;
			fi->severity = ru->severity;
			fi->field = text + t->field;
			fi->match = text + t->match;
		}
		e = &out->evidence[out->nevidence++];
		e->rule = text + t->rule;
		e->field = text + t->field;
		e->match = text + t->match;
		e->weight = ru->weight;
	}
}

/* The members of a definition classify_text() reads, in key order. */
enum { D_ANNOTATIONS, D_DESCRIPTION, D_INPUT, D_NAME, D_OUTPUT, D_TITLE,
       D__COUNT };

static const char *const def_keys[D__COUNT] = {
	"annotations", "description", "inputSchema", "name", "outputSchema",
	"title",
};

/* Which member key is (all of its bytes), or -1. */
static int
def_member(const struct jkey *key)
{
	int i;

	for (i = 0; i < D__COUNT; i++)
		if (strlen(def_keys[i]) == key->n &&
		    memcmp(key->s, def_keys[i], key->n) == 0)
			return i;
	return -1;
}

/* Read member m's value at t->p into its documents. */
static bool
read_member(struct classifier *c, struct jtext *t, int m, bool *no_desc)
{
	switch (m) {
	case D_NAME:
		return jt_string(t, &c->doc[F_NAME]);
	case D_TITLE:
		/* Comes last, but leads the description document. */
		if (*t->p == '"' && !jt_empty_string(t)) {
			struct buf *d = &c->doc[F_DESCRIPTION];
			size_t had = d->len;

			/* Not in c->canon: that may be the text being
			   read. */
			buf_reset(&c->held);
			doc_add(&c->held, d->data, had);
			buf_reset(d);
			if (!jt_string(t, d))
				return false;
			if (c->title_desc) {
				doc_add(d, "\n", 1);
				doc_add(d, c->held.data, had);
			}
			return true;
		}
		return jt_skip(t);
	case D_DESCRIPTION:
		if (*t->p != '"')
			return jt_skip(t);
		*no_desc = jt_empty_string(t);
		c->title_desc = true;
		return jt_string(t, &c->doc[F_DESCRIPTION]);
	case D_INPUT:
	case D_OUTPUT:
		return walk_schema(c, t, m == D_INPUT, false, 0, false,
				   NULL);
	case D_ANNOTATIONS:
		return build_annotations(c, t);
	default:
		return jt_skip(t);
	}
}

/*
 * The documents of the definition text t, read in one pass: its members
 * come in key order, which is the order their documents are built in but
 * for the title, which leads the description document.
 */
static int
build_documents(struct classifier *c, struct jtext *t, bool *acronym,
		bool *no_desc, struct errbuf *eb)
{
	unsigned seen = 0;
	struct jkey key;
	bool more;
	size_t i;

	c->title_desc = false;
	buf_reset(&c->keys);
	if (!jt_open(t, '{', &more))
		goto bad;
	while (more) {
		int m;

		if (!jt_key(c, t, &key))
			goto bad;
		m = def_member(&key);
		jt_pop(c, &key);
		if (t->p >= t->end)
			goto bad;
		if (m == D_NAME && *t->p != '"') {
			errbuf_set(eb, "tool: expected an object with a string "
				       "name");
			return -1;
		}
		/* A key given twice counts the first time. */
		if (m >= 0 && (seen & (1u << m)))
			m = -1;
		if (m >= 0)
			seen |= 1u << m;
		if (!read_member(c, t, m, no_desc) || !jt_next(t, '}', &more))
			goto bad;
	}
	if (t->p != t->end)
		goto bad;
	if (!(seen & (1u << D_NAME))) {
		errbuf_set(eb, "tool: expected an object with a string name");
		return -1;
	}
	if (c->keys.len)
		doc_line(&c->doc[F_SCHEMA], buf_cstr(&c->keys), c->keys.len);
	tokenize_name(&c->words[F_NAME_WORDS], buf_cstr(&c->doc[F_NAME]),
		      c->doc[F_NAME].len, &c->name_first);
	*acronym = c->words[F_NAME_WORDS].n > 0;
	for (i = 0; i < c->words[F_NAME_WORDS].n; i++) {
		if (i)
			doc_add(&c->doc[F_NAME_WORDS], " ", 1);
		doc_add(&c->doc[F_NAME_WORDS],
			wordlist_word(&c->words[F_NAME_WORDS], i),
			c->words[F_NAME_WORDS].w[i].llen);
		if (!c->words[F_NAME_WORDS].w[i].acronym)
			*acronym = false;
	}
	find_verb(c);
	return 0;
bad:
	errbuf_set(eb, "tool: malformed JSON");
	return -1;
}

int
classify_tool(struct classifier *c, const json_t *tool, struct verdict *out,
	      struct errbuf *eb)
{
	json_t *def;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(tool) ||
	    !json_is_string(json_object_get(tool, "name"))) {
		errbuf_set(eb, "tool: expected an object with a string name");
		return -1;
	}
	/* The canonical text of its definition, the bytes its hash is
	   taken over (crawler/manifest.c), invalid UTF-8 kept as bytes. */
	def = manifest_definition(tool);
	buf_reset(&c->canon);
	rc = json_canonical_buf_bytes(&c->canon, def);
	json_decref(def);
	if (rc < 0) {
		errbuf_set(eb, "tool: cannot encode definition");
		return -1;
	}
	return classify_text(c, c->canon.data, c->canon.len, out, eb);
}

int
classify_text(struct classifier *c, const char *json, size_t len,
	      struct verdict *out, struct errbuf *eb)
{
	const struct rules *r = c->r;
	const struct scoring *sc = &r->sc;
	struct jtext text = { (const unsigned char *)json,
			      (const unsigned char *)json + len };
	int w_all[CAT__COUNT] = { 0 }, w_base[CAT__COUNT] = { 0 };
	int cat_all, cat_base, cat, bw, sw, bw2, sw2, score, f, pre_base,
	    pre_all, pre, score_floor = INT_MIN;
	bool opaque = true, acronym = false, no_desc = true, raised = false;
	double conf;
	size_t i, nclauses = 0, more = 0;
	unsigned traits = 0;
	enum risk risk;

	memset(out, 0, sizeof(*out));
	reset(c);
	/* Keys decoded onto kstack are pointed at while more are pushed, so
	   its storage must not move: no key decodes to more bytes than its
	   text (quotes included) takes, and the keys on the stack at once
	   are disjoint parts of the text. */
	buf_reset(&c->kstack);
	if (buf_reserve(&c->kstack, len + 1) < 0) {
		errbuf_set(eb, "tool: definition too large");
		return -1;
	}
	if (build_documents(c, &text, &acronym, &no_desc, eb) < 0)
		return -1;

	/* Matching, field by field in the order of preference. */
	for (f = 0; f < F__COUNT; f++) {
		struct wordlist *wl = &c->words[f];
		enum fold_state fold = FOLD_NOT_YET;

		if (r->word_fields & (1u << f)) {
			switch (f) {
			case F_NAME:
			case F_NAME_WORDS:
				match_words(c, f, &c->words[F_NAME_WORDS], 0,
					    c->words[F_NAME_WORDS].n);
				break;
			case F_VERB:
				if (c->verb != SIZE_MAX)
					match_words(c, f,
						    &c->words[F_NAME_WORDS],
						    c->verb, c->verb + 1);
				break;
			case F_PARAM_NAME:
			case F_PARAM_UNDESCRIBED:
				tokenize_words(wl, buf_cstr(&c->doc[f]),
					       c->doc[f].len, TOKENIZE_CAMEL);
				match_words(c, f, wl, 0, wl->n);
				break;
			default:
				fold = tokenize_doc(c, f);
				match_words(c, f, wl, 0, wl->n);
			}
		}
		if (r->nscan[f] || c->narmed)
			match_scan(c, f, fold);
	}

	/* Scoring: rules in load order, so evidence order is stable. */
	sort_hits(c->hitlist, c->nhit);
	for (i = 0; i < c->nhit; i++) {
		const struct rule *ru = &r->rule[c->hitlist[i]];
		int hf = c->hits[c->hitlist[i]].field;

		if (hf == F_NAME || hf == F_NAME_WORDS || hf == F_VERB)
			opaque = false;
		if (ru->category < 0 || ru->only_if)
			continue;
		w_all[ru->category] += ru->weight;
		if (hf != F_ANNOTATIONS)
			w_base[ru->category] += ru->weight;
	}
	/* Conditional rules apply only when the others decided one of
	   their categories, and then turn it into theirs ("a change to a
	   money object is financial"). */
	pre_base = pick(sc, w_base, &bw, &sw);
	pre_all = pick(sc, w_all, &bw, &sw);
	for (i = 0; i < c->nhit; i++) {
		const struct rule *ru = &r->rule[c->hitlist[i]];
		int hf = c->hits[c->hitlist[i]].field;

		if (!ru->only_if)
			continue;
		if (ru->only_if & (1u << pre_all))
			take_lead(w_all, pre_all, ru);
		if (hf != F_ANNOTATIONS && (ru->only_if & (1u << pre_base)))
			take_lead(w_base, pre_base, ru);
	}
	cat_base = pick(sc, w_base, &bw, &sw);
	cat_all = pick(sc, w_all, &bw2, &sw2);
	cat = cat_base;
	/* Annotations may raise the risk, never lower it. */
	if (cat_all != cat_base &&
	    sc->cat_score[cat_all] > sc->cat_score[cat_base]) {
		cat = cat_all;
		bw = bw2;
		sw = sw2;
		raised = true;
	}
	pre = raised ? pre_all : pre_base;

	/* The cited hits' strings, gathered by offset in c->strs. */
	buf_reset(&c->strs);
	for (i = 0; i < c->nhit; i++) {
		const struct rule *ru = &r->rule[c->hitlist[i]];
		const struct hit *h = &c->hits[c->hitlist[i]];
		struct textref *t = &c->sel[i];

		t->on = false;
		if (ru->contradicts && !(ru->contradicts & (1u << cat)))
			continue;
		if (ru->only_if && !(ru->only_if & (1u << pre)))
			continue;
		t->on = true;
		traits |= ru->traits;
		t->rule = put_str(&c->strs, ru->id);
		t->field = put_str(&c->strs, rules_field_names[h->field]);
		t->match = (uint32_t)c->strs.len;
		hit_text(c, h, &c->strs);
		buf_append(&c->strs, "", 1);
		if (ru->finding && score_floor < sc->risk_at[ru->severity])
			score_floor = sc->risk_at[ru->severity];
	}

	/* Score and risk. */
	/* The category's base, raised to the floor of the worst finding
	   (poisoning is always critical), then each trait adds. */
	score = sc->cat_score[cat];
	if (score < score_floor)
		score = score_floor;
	if ((traits & TRAIT_POISONING) && score < sc->risk_at[RISK_CRITICAL])
		score = sc->risk_at[RISK_CRITICAL];
	for (i = 0; i < TRAIT__COUNT; i++)
		if (traits & (1u << i))
			score += sc->trait_score[i];
	if (score > 100)
		score = 100;
	risk = RISK_LOW;
	for (i = 0; i < RISK__COUNT; i++)
		if (score >= sc->risk_at[i])
			risk = (enum risk)i;
	if (traits & TRAIT_POISONING)
		risk = RISK_CRITICAL;

	/* Confidence. */
	conf = 1.0;
	if (no_desc)
		conf -= sc->conf_no_description;
	if (acronym)
		conf -= sc->conf_acronym_name;
	if (opaque)
		conf -= sc->conf_opaque_name;
	if (cat == CAT_UNKNOWN)
		conf -= sc->conf_unknown;
	else if (sw > 0 && (double)sw >= sc->close_ratio * (double)bw)
		conf -= sc->conf_close_call;
	if (cat != CAT_UNKNOWN && bw < sc->strong_weight)
		conf -= sc->conf_weak;
	if (conf < sc->conf_floor)
		conf = sc->conf_floor;
	out->confidence = round(conf * 100.0) / 100.0;
	out->category = (enum category)cat;
	out->risk = risk;
	out->score = score;
	out->traits = traits;

	/*
	 * Rationale: findings first, then what decided the category by
	 * weight, then what set traits; other categories' evidence last.
	 */
	{
		struct buf *b = &c->rat;
		const struct hit *verb_hit = NULL;
		int pass;

		buf_reset(b);
		for (i = 0; i < c->nhit; i++)
			if (c->hits[c->hitlist[i]].field == F_VERB)
				verb_hit = &c->hits[c->hitlist[i]];

		for (pass = 0; pass < 4; pass++) {
			size_t k;

			for (k = 0; k < c->nhit; k++) {
				const struct rule *ru = &r->rule[c->hitlist[k]];
				const struct hit *h = &c->hits[c->hitlist[k]];
				bool want;

				if (!c->sel[k].on)
					continue;
				switch (pass) {
				case 0: want = ru->finding; break;
				case 1: want = !ru->finding &&
					       ru->category == cat;
					break;
				case 2: want = !ru->finding &&
					       ru->category < 0;
					break;
				default: want = !ru->finding &&
						ru->category >= 0 &&
						ru->category != cat;
				}
				/* The verb also counts as a name word; say it
				   once. */
				if (!want || (h->field == F_NAME_WORDS &&
					      verb_hit &&
					      verb_hit->off == h->off &&
					      verb_hit->len == h->len))
					continue;
				if (nclauses >= RATIONALE_MAX_CLAUSES) {
					more++;
					continue;
				}
				add_clause(b, &nclauses, field_label[h->field],
					   buf_cstr(&c->strs) +
						   c->sel[k].match,
					   ru->id, ru->explain);
			}
		}
		if (more) {
			buf_puts(b, "; and ");
			buf_put_int(b, (long long)more);
			buf_puts(b, " more");
		}
		if (nclauses == 0)
			buf_puts(b, "No rule matched the name, description or "
				    "schema");
		if (cat == CAT_UNKNOWN) {
			buf_puts(b, "; not enough evidence for a category");
		} else {
			buf_puts(b, "; category ");
			buf_puts(b, category_name((enum category)cat));
			buf_puts(b, " by weight ");
			buf_put_int(b, bw);
		}
		if (raised) {
			buf_puts(b, " (raised from ");
			buf_puts(b, category_name((enum category)cat_base));
			buf_puts(b, " by the annotations)");
		}
		if (traits & TRAIT_POISONING)
			buf_puts(b, "; poisoning finding, risk critical");
		if (no_desc)
			buf_puts(b, "; no description, confidence lowered");
		if (acronym)
			buf_puts(b, "; name is only acronyms, confidence "
				    "lowered");
		else if (opaque)
			buf_puts(b, "; no rule knows the name, confidence "
				    "lowered");
		buf_append(b, ".", 1);
	}
	build_arena(c, out);
	return 0;
}
