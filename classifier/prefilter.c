/*
 * Literal prefilters for the rule patterns: a small parser over the
 * PCRE2 syntax the rules use derives, for each pattern, an AND/OR
 * condition on lowercase literals that every match contains; one pass
 * over a document finds which literals occur.  Whatever the parser does
 * not understand makes the condition weaker (or absent), never stronger,
 * so a false condition always means that PCRE2 would find no match.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "classifier/prefilter.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Most strings in one exact set ("effects?" is two) before the analysis
   falls back to separate literals. */
#define PF_MAX_SET 16
/* Longest literal kept; a longer one is cut (its prefix is as required). */
#define PF_MAX_LIT 32
/* Deepest group nesting analysed; deeper patterns get no prefilter. */
#define PF_MAX_DEPTH 32
/* Most distinct literals in a rule set (so the index fits 16 bits); past
   it a literal reads as "always true", a weaker condition. */
#define PF_MAX_LITS 4096
/* A formula node standing for "always true". */
#define PF_TRUE (-1)
/* Longest match length worked out; a longer one reads as unbounded. */
#define PF_MAX_SPAN (1L << 20)

enum pf_op {
	PF_LIT, /* a literal occurs */
	PF_AND, /* every child holds */
	PF_OR,  /* some child holds */
};

struct pf_node {
	enum pf_op op;
	uint32_t lit;   /* PF_LIT: literal index */
	int *kids;      /* PF_AND, PF_OR: child nodes; owned */
	size_t nkids;
};

struct pf_lit {
	char s[PF_MAX_LIT + 1]; /* lowercase ASCII, NUL-terminated */
	size_t len;
	uint32_t node;          /* its PF_LIT node */
	uint16_t pair[PF_MAX_LIT - 1]; /* bigram() of each two bytes */
};

struct prefilter {
	struct pf_node *node;   /* owned */
	size_t nnode, capnode;
	struct pf_lit *lit;     /* owned */
	size_t nlit, caplit;
};

/* Zero bytes after a folded document, so that a 16-byte load at any
   candidate position stays inside the buffer. */
#define PF_SLACK PREFILTER_SLACK

/* An exact set of strings: what a piece of pattern matches, completely. */
struct strset {
	char *s[PF_MAX_SET];
	size_t len[PF_MAX_SET];
	size_t n;
};

/*
 * What the analysis knows about a piece of pattern: if exact, run holds
 * every string it can match; otherwise every match satisfies node and
 * ends with one of the strings of run (run = {""} when nothing is known
 * about the end).
 */
struct info {
	bool exact;
	int node;
	struct strset run;
	long max;       /* most characters a match of it consumes, or -1:
			   no bound known */
	long reach;     /* most characters from its start that matching it
			   examines (lookaheads, \b and $ look past what
			   they consume), or -1 */
};

struct parser {
	struct prefilter *p;
	const char *s;
	size_t i, n;
	bool fail;
	bool nospan;    /* \G seen: a match depends on where matching
			   starts, so its start cannot be moved */
	int depth;
};

struct prefilter *
prefilter_new(void)
{
	return xcalloc(1, sizeof(struct prefilter));
}

void
prefilter_free(struct prefilter *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nnode; i++)
		free(p->node[i].kids);
	free(p->node);
	free(p->lit);
	free(p);
}

static int
new_node(struct prefilter *p, enum pf_op op)
{
	struct pf_node *nd;

	if (p->nnode == p->capnode) {
		p->capnode = p->capnode ? p->capnode * 2 : 64;
		p->node = xreallocarray(p->node, p->capnode, sizeof(*p->node));
	}
	nd = &p->node[p->nnode];
	memset(nd, 0, sizeof(*nd));
	nd->op = op;
	return (int)p->nnode++;
}

/* Bits of the two-byte map's index (the state's map, below). */
#define PF_MAP_BITS 13

/* The map's byte for the two bytes a b, folded into PF_MAP_BITS so that
   the map stays in the first-level cache. */
static unsigned
bigram(unsigned a, unsigned b)
{
	return (a ^ b << 5) & ((1u << PF_MAP_BITS) - 1);
}

/* The node of literal s[0..len) (len >= 1), shared between patterns. */
static int
lit_node(struct prefilter *p, const char *s, size_t len)
{
	struct pf_lit *l;
	size_t i;
	int nd;

	if (len > PF_MAX_LIT)
		len = PF_MAX_LIT;
	for (i = 0; i < p->nlit; i++)
		if (p->lit[i].len == len && memcmp(p->lit[i].s, s, len) == 0)
			return (int)p->lit[i].node;
	if (p->nlit >= PF_MAX_LITS)
		return PF_TRUE;
	if (p->nlit == p->caplit) {
		p->caplit = p->caplit ? p->caplit * 2 : 64;
		p->lit = xreallocarray(p->lit, p->caplit, sizeof(*p->lit));
	}
	nd = new_node(p, PF_LIT);
	l = &p->lit[p->nlit];
	memcpy(l->s, s, len);
	l->s[len] = '\0';
	l->len = len;
	l->node = (uint32_t)nd;
	for (i = 0; i + 1 < len; i++)
		l->pair[i] = (uint16_t)bigram((unsigned char)s[i],
					      (unsigned char)s[i + 1]);
	p->node[nd].lit = (uint32_t)p->nlit++;
	return nd;
}

static void
add_kid(struct prefilter *p, int parent, int kid)
{
	struct pf_node *nd = &p->node[parent];

	nd->kids = xreallocarray(nd->kids, nd->nkids + 1, sizeof(*nd->kids));
	nd->kids[nd->nkids++] = kid;
}

/* a AND b, or a OR b, with PF_TRUE folded away and like nodes merged. */
static int
combine(struct prefilter *p, enum pf_op op, int a, int b)
{
	int nd, side[2] = { a, b };
	size_t k, j;

	if (a == PF_TRUE || b == PF_TRUE) {
		if (op == PF_OR)
			return PF_TRUE;
		return a == PF_TRUE ? b : a;
	}
	nd = new_node(p, op);
	for (k = 0; k < 2; k++) {
		if (p->node[side[k]].op == op) {
			for (j = 0; j < p->node[side[k]].nkids; j++)
				add_kid(p, nd, p->node[side[k]].kids[j]);
		} else {
			add_kid(p, nd, side[k]);
		}
	}
	return nd;
}

static void
set_clear(struct strset *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->s[i]);
	st->n = 0;
}

static void
set_add(struct strset *st, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->len[i] == len && memcmp(st->s[i], s, len) == 0)
			return;
	st->s[st->n] = xstrndup(s, len);
	st->len[st->n++] = len;
}

static void
set_one(struct strset *st, const char *s, size_t len)
{
	set_clear(st);
	set_add(st, s, len);
}

/* The condition "one of the strings occurs"; true when one is empty. */
static int
set_node(struct prefilter *p, const struct strset *st)
{
	int nd = -2;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (st->len[i] == 0)
			return PF_TRUE;
	for (i = 0; i < st->n; i++) {
		size_t j;
		int l;

		/* A string that contains another of the set adds nothing:
		   "effects" occurs only where "effect" does. */
		for (j = 0; j < st->n; j++)
			if (j != i && st->len[j] <= st->len[i] &&
			    (st->len[j] < st->len[i] || j < i) &&
			    memmem(st->s[i], st->len[i], st->s[j], st->len[j]))
				break;
		if (j < st->n)
			continue;
		l = lit_node(p, st->s[i], st->len[i]);
		nd = nd == -2 ? l : combine(p, PF_OR, nd, l);
	}
	return nd == -2 ? PF_TRUE : nd;
}

/* The whole condition of x: its node and its trailing strings. */
static int
info_node(struct prefilter *p, const struct info *x)
{
	return combine(p, PF_AND, x->node, set_node(p, &x->run));
}

static void
info_init(struct info *x, bool exact)
{
	x->exact = exact;
	x->node = PF_TRUE;
	x->run.n = 0;
	x->max = 0;
	x->reach = 0;
	set_add(&x->run, "", 0);
}

/* The larger of two match lengths, -1 (unbounded) above all. */
static long
span_max(long a, long b)
{
	return a < 0 || b < 0 ? -1 : a > b ? a : b;
}

/* a + b and a * b for match lengths (-1 unbounded, capped). */
static long
span_add(long a, long b)
{
	if (a < 0 || b < 0 || a + b > PF_MAX_SPAN)
		return -1;
	return a + b;
}

static long
span_mul(long a, long times)
{
	if (a < 0 || times < 0 || (times > 0 && a > PF_MAX_SPAN / times))
		return -1;
	return a * times;
}

/* Whether every string of a can be followed by every string of b. */
static bool
cross_fits(const struct strset *a, const struct strset *b)
{
	size_t i, j;

	if (a->n * b->n > PF_MAX_SET)
		return false;
	for (i = 0; i < a->n; i++)
		for (j = 0; j < b->n; j++)
			if (a->len[i] + b->len[j] > PF_MAX_LIT)
				return false;
	return true;
}

/* acc followed by x (x is released). */
static void
concat(struct prefilter *p, struct info *acc, struct info *x)
{
	acc->reach = span_max(acc->reach, span_add(acc->max, x->reach));
	acc->max = span_add(acc->max, x->max);
	if (x->exact && cross_fits(&acc->run, &x->run)) {
		struct strset out = { .n = 0 };
		size_t i, j;

		for (i = 0; i < acc->run.n; i++)
			for (j = 0; j < x->run.n; j++) {
				char b[2 * PF_MAX_LIT];

				memcpy(b, acc->run.s[i], acc->run.len[i]);
				memcpy(b + acc->run.len[i], x->run.s[j],
				       x->run.len[j]);
				set_add(&out, b, acc->run.len[i] + x->run.len[j]);
			}
		set_clear(&acc->run);
		acc->run = out;
		set_clear(&x->run);
		return;
	}
	/* Adjacency is lost: keep both as separate requirements. */
	acc->node = info_node(p, acc);
	acc->exact = false;
	set_clear(&acc->run);
	if (x->exact) {
		acc->run = x->run;
	} else {
		acc->node = combine(p, PF_AND, acc->node, x->node);
		acc->run = x->run;
	}
	x->run.n = 0;
}

/* a or b into a (b is released). */
static void
alternate(struct prefilter *p, struct info *a, struct info *b)
{
	size_t i;

	a->max = span_max(a->max, b->max);
	a->reach = span_max(a->reach, b->reach);

	if (a->exact && b->exact && a->run.n + b->run.n <= PF_MAX_SET) {
		for (i = 0; i < b->run.n; i++)
			set_add(&a->run, b->run.s[i], b->run.len[i]);
		set_clear(&b->run);
		return;
	}
	a->node = combine(p, PF_OR, info_node(p, a), info_node(p, b));
	a->exact = false;
	set_one(&a->run, "", 0);
	set_clear(&b->run);
}

/* Parse a quantifier at ps->i, if any: *min and *max (-1 = unbounded). */
static bool
quantifier(struct parser *ps, long *min, long *max)
{
	const char *s = ps->s;
	size_t i = ps->i;

	if (i >= ps->n)
		return false;
	if (s[i] == '?' || s[i] == '*' || s[i] == '+') {
		*min = s[i] == '+';
		*max = s[i] == '?' ? 1 : -1;
		i++;
	} else if (s[i] == '{') {
		size_t j = i + 1;
		long lo = 0, hi;

		if (j >= ps->n || s[j] < '0' || s[j] > '9') {
			ps->fail = true; /* a literal "{": not analysed */
			return false;
		}
		while (j < ps->n && s[j] >= '0' && s[j] <= '9' && lo < 100000)
			lo = lo * 10 + (s[j++] - '0');
		hi = lo;
		if (j < ps->n && s[j] == ',') {
			j++;
			hi = -1;
			if (j < ps->n && s[j] >= '0' && s[j] <= '9') {
				hi = 0;
				while (j < ps->n && s[j] >= '0' && s[j] <= '9' &&
				       hi < 100000)
					hi = hi * 10 + (s[j++] - '0');
			}
		}
		if (j >= ps->n || s[j] != '}') {
			ps->fail = true;
			return false;
		}
		*min = lo;
		*max = hi;
		i = j + 1;
	} else {
		return false;
	}
	/* Lazy and possessive forms match the same strings. */
	if (i < ps->n && (s[i] == '?' || s[i] == '+'))
		i++;
	ps->i = i;
	return true;
}

/* Skip a character class starting at "[". */
static void
skip_class(struct parser *ps)
{
	const char *s = ps->s;
	size_t i = ps->i + 1;

	if (i < ps->n && s[i] == '^')
		i++;
	if (i < ps->n && s[i] == ']')
		i++;
	while (i < ps->n && s[i] != ']') {
		if (s[i] == '\\') {
			if (i + 1 < ps->n && (s[i + 1] == 'Q' || s[i + 1] == 'E'))
				ps->fail = true;
			i += 2;
			continue;
		}
		if (s[i] == '[' && i + 1 < ps->n &&
		    (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
			const char *end = strstr(s + i + 2, ":]");

			if (!end || s[i + 1] != ':') {
				ps->fail = true;
				return;
			}
			i = (size_t)(end - s) + 2;
			continue;
		}
		i++;
	}
	if (i >= ps->n)
		ps->fail = true;
	ps->i = i + 1;
}

static void parse_alt(struct parser *ps, struct info *out);

/*
 * One atom into *x: a literal character (exact), an assertion (exact
 * empty string), a group, or anything matching an unknown character.
 */
static void
parse_atom(struct parser *ps, struct info *x)
{
	const char *s = ps->s;
	unsigned char c = (unsigned char)s[ps->i];

	info_init(x, true);
	if (c == '(') {
		bool look = false, behind = false;

		ps->i++;
		if (ps->i < ps->n && s[ps->i] == '?') {
			if (ps->i + 1 < ps->n && s[ps->i + 1] == ':') {
				ps->i += 2;
			} else if (ps->i + 1 < ps->n &&
				   (s[ps->i + 1] == '=' || s[ps->i + 1] == '!')) {
				ps->i += 2;
				look = true;
			} else if (ps->i + 2 < ps->n && s[ps->i + 1] == '<' &&
				   (s[ps->i + 2] == '=' || s[ps->i + 2] == '!')) {
				ps->i += 3;
				look = behind = true;
			} else {
				/* Options, names, atomic groups, conditions,
				   comments: not analysed. */
				ps->fail = true;
				return;
			}
		} else if (ps->i < ps->n && s[ps->i] == '*') {
			ps->fail = true; /* (*VERB) */
			return;
		}
		if (++ps->depth > PF_MAX_DEPTH) {
			ps->fail = true;
			return;
		}
		set_clear(&x->run);
		parse_alt(ps, x);
		ps->depth--;
		if (ps->fail || ps->i >= ps->n || s[ps->i] != ')') {
			ps->fail = true;
			return;
		}
		ps->i++;
		if (look) {
			/* An assertion consumes nothing: what it looks at
			   need not be in the match.  A lookahead examines
			   what its group would; a lookbehind only text
			   before. */
			long reach = behind ? 0 : x->reach;

			set_clear(&x->run);
			info_init(x, true);
			x->reach = reach;
		}
		return;
	}
	/* Everything below but assertions is one character. */
	x->max = 1;
	x->reach = 1;
	if (c == '[') {
		skip_class(ps);
		x->exact = false;
		return;
	}
	if (c == '.') {
		ps->i++;
		x->exact = false;
		return;
	}
	if (c == '^' || c == '$') {
		/* $ looks at the next character, or two (CR LF). */
		ps->i++;
		x->max = 0;
		x->reach = c == '$' ? 2 : 0;
		return;
	}
	if (c == '\\') {
		unsigned char e = ps->i + 1 < ps->n ? (unsigned char)s[ps->i + 1]
						    : 0;

		ps->i += 2;
		if (e && strchr("bBAzZG", e)) {
			/* Assertions: \b and \B look at the next
			   character, \Z at up to two. */
			x->max = 0;
			x->reach = e == 'b' || e == 'B' ? 1 : e == 'Z' ? 2 : 0;
			ps->nospan |= e == 'G';
			return;
		}
		if (e && strchr("dDsSwWhHvVNRX", e)) {
			/* \R can be CR LF; \X a cluster of any length. */
			if (e == 'R')
				x->max = x->reach = 2;
			else if (e == 'X')
				x->max = x->reach = -1;
			x->exact = false;
			return;
		}
		if (e == 'p' || e == 'P') {
			if (ps->i < ps->n && s[ps->i] == '{') {
				while (ps->i < ps->n && s[ps->i] != '}')
					ps->i++;
				if (ps->i >= ps->n) {
					ps->fail = true;
					return;
				}
			}
			ps->i++;
			x->exact = false;
			return;
		}
		if (e && e < 0x80 && !((e >= 'a' && e <= 'z') ||
				       (e >= 'A' && e <= 'Z') ||
				       (e >= '0' && e <= '9'))) {
			set_one(&x->run, (const char *)&e, 1);
			return; /* an escaped punctuation character */
		}
		/* Back references, \Q..\E, \K, code points, controls: not
		   analysed. */
		ps->fail = true;
		return;
	}
	if (c == '*' || c == '+' || c == '?' || c == '{') {
		ps->fail = true;
		return;
	}
	if (c >= 0x80) {
		/* A non-ASCII character: its caseless forms are not worked
		   out here, so it stands for an unknown character. */
		ps->i++;
		while (ps->i < ps->n && ((unsigned char)s[ps->i] & 0xc0) == 0x80)
			ps->i++;
		x->exact = false;
		return;
	}
	if (c >= 'A' && c <= 'Z')
		c = (unsigned char)(c + 'a' - 'A');
	set_one(&x->run, (const char *)&c, 1);
	ps->i++;
}

/* An atom and its quantifier. */
static void
parse_item(struct parser *ps, struct info *x)
{
	long min, max, span, reach;

	parse_atom(ps, x);
	if (ps->fail || !quantifier(ps, &min, &max))
		return;
	if (min == 1 && max == 1)
		return;
	/* The last copy may look past what it consumes. */
	span = span_mul(x->max, max);
	reach = max == 0 ? 0
			 : span_add(span_mul(x->max, max < 0 ? -1 : max - 1),
				    x->reach);
	x->max = span;
	x->reach = reach;
	if (min == 0) {
		if (x->exact && max == 1 && x->run.n < PF_MAX_SET) {
			set_add(&x->run, "", 0);
			return;
		}
		set_clear(&x->run);
		info_init(x, false);
		x->max = span;
		x->reach = reach;
		return;
	}
	/* At least once: what one copy needs is needed, but the copies'
	   joins are not worked out. */
	x->node = info_node(ps->p, x);
	x->exact = false;
	set_one(&x->run, "", 0);
}

static void
parse_seq(struct parser *ps, struct info *acc)
{
	info_init(acc, true);
	while (!ps->fail && ps->i < ps->n && ps->s[ps->i] != '|' &&
	       ps->s[ps->i] != ')') {
		struct info x;

		parse_item(ps, &x);
		if (ps->fail) {
			set_clear(&x.run);
			return;
		}
		concat(ps->p, acc, &x);
	}
}

static void
parse_alt(struct parser *ps, struct info *out)
{
	parse_seq(ps, out);
	while (!ps->fail && ps->i < ps->n && ps->s[ps->i] == '|') {
		struct info b;

		ps->i++;
		parse_seq(ps, &b);
		if (ps->fail) {
			set_clear(&b.run);
			return;
		}
		alternate(ps->p, out, &b);
	}
}

int
prefilter_add(struct prefilter *p, const char *pattern, long *span,
	      long *reach)
{
	struct parser ps = { p, pattern, 0, strlen(pattern), false, false, 0 };
	struct info top;
	int nd;

	*span = *reach = -1;
	parse_alt(&ps, &top);
	if (ps.fail || ps.i != ps.n) {
		set_clear(&top.run);
		return -1;
	}
	if (!ps.nospan) {
		*span = top.max;
		*reach = top.reach;
	}
	nd = info_node(p, &top);
	set_clear(&top.run);
	return nd == PF_TRUE ? -1 : nd;
}

/*
 * The per-document state: which literals were looked for, which were
 * found, which were looked for in part, whose last occurrence is known,
 * then the document's mark, then (for documents of PF_MAP_MIN bytes or
 * more) a byte per pair of bytes that holds the mark where the pair
 * occurs (pairs share bytes: bigram()), so that most absent literals are
 * known absent without a search and the map is cleared only when the
 * marks wrap; then per literal where it first occurs (looked for and
 * found) or how far from the start it does not occur (looked for in
 * part), then where it last occurs.
 */
#define PF_MAP_WORDS ((1u << PF_MAP_BITS) / 8)
#define PF_MAP_MIN 64
#define PF_MAP_AFTER 2

static size_t
lit_words(const struct prefilter *p)
{
	return p->nlit / 64 + 1;
}

size_t
prefilter_words(const struct prefilter *p)
{
	return 4 * lit_words(p) + 1 + PF_MAP_WORDS + 2 * p->nlit;
}

/*
 * Lowercase ASCII in place and read U+017F and U+212A as "s" and "k",
 * the two characters outside ASCII that PCRE2 matches caselessly with an
 * ASCII letter; every other byte stays.  Returns the new length.
 */
#if defined(__SSE2__)
/* Lowercase ASCII letters of s[0..n) in place; whether a byte 0xc5 or
   0xe2 (the lead bytes of U+017F and U+212A) occurs. */
static bool
lower_ascii(unsigned char *s, size_t n)
{
	const __m128i a1 = _mm_set1_epi8('A' - 1), z1 = _mm_set1_epi8('Z' + 1),
		      bit = _mm_set1_epi8(0x20),
		      c5 = _mm_set1_epi8((char)0xc5),
		      e2 = _mm_set1_epi8((char)0xe2);
	__m128i lead = _mm_setzero_si128();
	unsigned rest = 0;
	size_t i;

	for (i = 0; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(void *)(s + i));
		/* Signed compares: bytes >= 0x80 are negative, never
		   letters. */
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, a1),
					   _mm_cmpgt_epi8(z1, v));

		lead = _mm_or_si128(lead, _mm_or_si128(_mm_cmpeq_epi8(v, c5),
						       _mm_cmpeq_epi8(v, e2)));
		_mm_storeu_si128((__m128i *)(void *)(s + i),
				 _mm_or_si128(v, _mm_and_si128(up, bit)));
	}
	for (; i < n; i++) {
		rest |= (s[i] == 0xc5) | (s[i] == 0xe2);
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (unsigned char)(s[i] + 'a' - 'A');
	}
	return rest || _mm_movemask_epi8(lead);
}
#else
static bool
lower_ascii(unsigned char *s, size_t n)
{
	unsigned lead = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		lead |= (s[i] == 0xc5) | (s[i] == 0xe2);
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (unsigned char)(s[i] + 'a' - 'A');
	}
	return lead;
}
#endif

static size_t
fold(unsigned char *s, size_t n)
{
	size_t i, o = 0;

	if (!lower_ascii(s, n))
		return n;
	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];

		if (ch == 0xc5 && i + 1 < n && s[i + 1] == 0xbf) {
			ch = 's';
			i++;
		} else if (ch == 0xe2 && i + 2 < n && s[i + 1] == 0x84 &&
			   s[i + 2] == 0xaa) {
			ch = 'k';
			i += 2;
		}
		s[o++] = ch;
	}
	return o;
}

/* A new document in state, folded in fb: pad it with zero bytes. */
static void
new_document(const struct prefilter *p, struct buf *fb, uint64_t *state)
{
	size_t w = lit_words(p);

	memset(state, 0, 4 * w * sizeof(*state));
	/* state[4 * w]: the map's mark in bits 8 and up, in bit 0 whether
	   it was built for this document, in bits 1-7 how many searches
	   ran before it was (it is built on the PF_MAP_AFTER-th: a few
	   searches cost less than the map). */
	state[4 * w] &= ~(uint64_t)0xff;
	memset(fb->data + fb->len, 0, PF_SLACK);
}

bool
prefilter_fold(const struct prefilter *p, const char *s, size_t n,
	       struct buf *fb, uint64_t *state)
{
	buf_reset(fb);
	if (buf_reserve(fb, n + PF_SLACK) < 0)
		return false;
	memcpy(fb->data, s, n);
	/* Folding only shrinks, so it works in place. */
	fb->len = fold((unsigned char *)fb->data, n);
	new_document(p, fb, state);
	return true;
}

bool
prefilter_adopt(const struct prefilter *p, struct buf *fb, size_t n,
		uint64_t *state)
{
	if (n + PF_SLACK > fb->cap)
		return false;
	fb->len = n;
	new_document(p, fb, state);
	return true;
}

/* Build the two-byte map of h[0..n) under a new mark (*word). */
static void
build_map(uint64_t *word, const unsigned char *h, size_t n)
{
	unsigned char *map = (unsigned char *)(word + 1);
	unsigned mark = (unsigned)(*word >> 8);
	size_t i;

	if (++mark > UINT8_MAX) {
		memset(map, 0, PF_MAP_WORDS * sizeof(*word));
		mark = 1;
	}
	i = 0;
#if defined(__SSE2__)
	/* Sixteen pairs a step: bigram() in 16-bit lanes (its mask is a
	   no-op on two bytes), then one store per pair. */
	_Static_assert(PF_MAP_BITS == 13, "bigram() of two bytes is "
					  "a ^ b << 5 unmasked");
	for (; i + 16 < n; i += 16) {
		const __m128i z = _mm_setzero_si128();
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + i)),
			b = _mm_loadu_si128(
				(const __m128i *)(const void *)(h + i + 1)),
			lo = _mm_xor_si128(
				_mm_unpacklo_epi8(a, z),
				_mm_slli_epi16(_mm_unpacklo_epi8(b, z), 5)),
			hi = _mm_xor_si128(
				_mm_unpackhi_epi8(a, z),
				_mm_slli_epi16(_mm_unpackhi_epi8(b, z), 5));

#define PUT(v, k) map[_mm_extract_epi16(v, k)] = (unsigned char)mark
		PUT(lo, 0); PUT(lo, 1); PUT(lo, 2); PUT(lo, 3);
		PUT(lo, 4); PUT(lo, 5); PUT(lo, 6); PUT(lo, 7);
		PUT(hi, 0); PUT(hi, 1); PUT(hi, 2); PUT(hi, 3);
		PUT(hi, 4); PUT(hi, 5); PUT(hi, 6); PUT(hi, 7);
#undef PUT
	}
#endif
	for (; i + 1 < n; i++)
		map[bigram(h[i], h[i + 1])] = (unsigned char)mark;
	*word = (uint64_t)mark << 8 | 1;
}

/* Whether every two-byte sequence of literal l occurs (the map was
   built, with the mark in word). */
static bool
bigrams_present(const uint64_t *word, const struct pf_lit *l)
{
	const unsigned char *map = (const unsigned char *)(word + 1);
	unsigned char mark = (unsigned char)(*word >> 8);
	size_t k;

	for (k = 0; k + 1 < l->len; k++)
		if (map[l->pair[k]] != mark)
			return false;
	return true;
}

#if defined(__SSE2__)
/*
 * Whether the bytes between the first and the last of l[0..len) equal
 * those at h: one 16-byte comparison when they fit (h is followed by
 * PF_SLACK readable bytes, and l is a pf_lit's array of PF_MAX_LIT + 1).
 */
static bool
mid_equal(const unsigned char *h, const char *l, size_t len)
{
	unsigned want;
	__m128i eq;

	if (len - 2 > 16)
		return memcmp(h + 1, l + 1, len - 2) == 0;
	want = (1u << (len - 2)) - 1;
	eq = _mm_cmpeq_epi8(
		_mm_loadu_si128((const __m128i *)(const void *)(h + 1)),
		_mm_loadu_si128((const __m128i *)(const void *)(l + 1)));
	return ((unsigned)_mm_movemask_epi8(eq) & want) == want;
}

/*
 * Where l[0..len) (2 <= len <= PF_MAX_LIT) first occurs in h[0..n),
 * which is followed by PF_SLACK readable bytes, or PREFILTER_NONE: 16
 * candidate positions at a time whose first and last bytes both match,
 * then a comparison of the rest.
 */
static size_t
find_lit(const unsigned char *h, size_t n, const char *l, size_t len)
{
	const __m128i first = _mm_set1_epi8(l[0]),
		      last = _mm_set1_epi8(l[len - 1]);
	size_t i;

	for (i = 0; i + len <= n; i += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(h + i)),
			b = _mm_loadu_si128(
				(const __m128i *)(const void *)(h + i + len - 1));
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_and_si128(_mm_cmpeq_epi8(a, first),
				      _mm_cmpeq_epi8(b, last)));

		while (m) {
			size_t k = i + (size_t)__builtin_ctz(m);

			if (k + len <= n && mid_equal(h + k, l, len))
				return k;
			m &= m - 1;
		}
	}
	return PREFILTER_NONE;
}
#else
static size_t
find_lit(const unsigned char *h, size_t n, const char *l, size_t len)
{
	const unsigned char *at = memmem(h, n, l, len);

	return at ? (size_t)(at - h) : PREFILTER_NONE;
}
#endif

#if defined(__SSE2__)
/* Where l[0..len) (2 <= len <= PF_MAX_LIT) last occurs in h[0..n), or
   PREFILTER_NONE: find_lit() from the end, 16 positions a step. */
static size_t
find_lit_last(const unsigned char *h, size_t n, const char *l, size_t len)
{
	const __m128i first = _mm_set1_epi8(l[0]),
		      last = _mm_set1_epi8(l[len - 1]);
	size_t end, at;

	if (n < len)
		return PREFILTER_NONE;
	/* Candidates are the positions below end. */
	for (end = n - len + 1; end > 0; end = at) {
		__m128i a, b;
		unsigned m;

		at = end > 16 ? end - 16 : 0;
		a = _mm_loadu_si128((const __m128i *)(const void *)(h + at));
		b = _mm_loadu_si128(
			(const __m128i *)(const void *)(h + at + len - 1));
		m = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))) &
		    ((1u << (end - at)) - 1);
		while (m) {
			unsigned top = 31 - (unsigned)__builtin_clz(m);

			if (mid_equal(h + at + top, l, len))
				return at + top;
			m &= ~(1u << top);
		}
	}
	return PREFILTER_NONE;
}
#else
static size_t
find_lit_last(const unsigned char *h, size_t n, const char *l, size_t len)
{
	size_t i;

	for (i = n >= len ? n - len + 1 : 0; i > 0; i--)
		if (memcmp(h + i - 1, l, len) == 0)
			return i - 1;
	return PREFILTER_NONE;
}
#endif

/*
 * One document's state (prefilter_words() words, laid out as described
 * above), seen through named pointers so that each lookup is one load.
 */
struct pfdoc {
	const unsigned char *h;  /* the folded document */
	size_t n;                /* its length */
	uint64_t *seen;          /* looked for (to the end) */
	uint64_t *found;         /* ... and found */
	uint64_t *part;          /* looked for in part */
	uint64_t *lastk;         /* last occurrence known */
	uint64_t *mark;          /* the map's mark word */
	uint64_t *first, *last;  /* per literal */
};

static void
pfdoc_init(const struct prefilter *p, struct pfdoc *d, const struct buf *folded,
	   uint64_t *state)
{
	size_t w = lit_words(p);

	d->h = (const unsigned char *)folded->data;
	d->n = folded->len;
	d->seen = state;
	d->found = state + w;
	d->part = state + 2 * w;
	d->lastk = state + 3 * w;
	d->mark = state + 4 * w;
	d->first = state + 4 * w + 1 + PF_MAP_WORDS;
	d->last = d->first + p->nlit;
}

/* lit_first() when literal k was not looked for to the end yet. */
static size_t
lit_search(const struct prefilter *p, const struct pfdoc *d, uint32_t k,
	   size_t limit)
{
	const struct pf_lit *l = &p->lit[k];
	const unsigned char *h = d->h;
	size_t n = d->n, at, from = 0, end;
	uint64_t bit = 1ull << (k % 64);
	bool mapped = false;

	/* Looked for in part: no occurrence starts before first[k]. */
	if (d->part[k / 64] & bit)
		from = d->first[k];
	if (from >= limit)
		return PREFILTER_NONE;
	end = limit + l->len - 1 < n ? limit + l->len - 1 : n;
	/* Bits 1-7 of the mark word count the searches without a map. */
	if (l->len >= 2 && n >= PF_MAP_MIN && !(*d->mark & 1) &&
	    ((*d->mark += 2) & 0xfe) >> 1 >= PF_MAP_AFTER) {
		build_map(d->mark, h, n);
		mapped = true;
	}
	if (l->len == 1) {
		const unsigned char *c = memchr(h + from, l->s[0], end - from);

		at = c ? (size_t)(c - h) : PREFILTER_NONE;
	} else if (mapped && !bigrams_present(d->mark, l)) {
		/* (With a map built earlier, lit_first() asked already.) */
		at = PREFILTER_NONE;
		end = n;
	} else {
		at = find_lit(h + from, end - from, l->s, l->len);
		if (at != PREFILTER_NONE)
			at += from;
	}
	if (at != PREFILTER_NONE || end == n) {
		d->seen[k / 64] |= bit;
		if (at != PREFILTER_NONE) {
			d->found[k / 64] |= bit;
			d->first[k] = at;
		}
		return at;
	}
	d->part[k / 64] |= bit;
	d->first[k] = end - l->len + 1;
	return PREFILTER_NONE;
}

/*
 * Where literal k first occurs in the document if that is before limit,
 * else PREFILTER_NONE.  What a search learns is kept, so a literal is
 * never searched twice over the same bytes of one document.
 */
static inline size_t
lit_first(const struct prefilter *p, const struct pfdoc *d, uint32_t k,
	  size_t limit)
{
	uint64_t bit = 1ull << (k % 64);

	if (d->seen[k / 64] & bit)
		return (d->found[k / 64] & bit) && d->first[k] < limit
			       ? d->first[k]
			       : PREFILTER_NONE;
	/* Most literals looked for are absent, which the two-byte map
	   mostly tells without a search (or a call). */
	if ((*d->mark & 1) && p->lit[k].len >= 2 &&
	    !bigrams_present(d->mark, &p->lit[k])) {
		d->seen[k / 64] |= bit;
		return PREFILTER_NONE;
	}
	return lit_search(p, d, k, limit);
}

static bool
eval_node(const struct prefilter *p, int id, const struct pfdoc *d)
{
	const struct pf_node *nd = &p->node[id];
	size_t i;

	if (nd->op == PF_LIT)
		return lit_first(p, d, nd->lit, d->n) != PREFILTER_NONE;
	/* Literal children are looked up here rather than in a call each:
	   most conditions are ORs of many literals. */
	for (i = 0; i < nd->nkids; i++) {
		const struct pf_node *kid = &p->node[nd->kids[i]];
		bool v = kid->op == PF_LIT
				 ? lit_first(p, d, kid->lit, d->n) !=
					   PREFILTER_NONE
				 : eval_node(p, nd->kids[i], d);

		if (v != (nd->op == PF_AND))
			return v;
	}
	return nd->op == PF_AND;
}

bool
prefilter_eval(const struct prefilter *p, int id, const struct buf *folded,
	       uint64_t *state)
{
	struct pfdoc d;

	if (id < 0)
		return true;
	pfdoc_init(p, &d, folded, state);
	return eval_node(p, id, &d);
}

/*
 * Where literal k last occurs in the document if that is at or after
 * floor, else PREFILTER_NONE.  A search of the whole document is kept.
 */
static size_t
lit_last(const struct prefilter *p, const struct pfdoc *d, uint32_t k,
	 size_t floor)
{
	const struct pf_lit *l = &p->lit[k];
	const unsigned char *h = d->h;
	size_t n = d->n, at, from = floor;
	uint64_t bit = 1ull << (k % 64);

	if (d->lastk[k / 64] & bit)
		return d->last[k] != PREFILTER_NONE && d->last[k] >= floor
			       ? d->last[k]
			       : PREFILTER_NONE;
	/* Nothing before its first occurrence. */
	if (lit_first(p, d, k, n) == PREFILTER_NONE)
		return PREFILTER_NONE;
	if (d->first[k] > from)
		from = d->first[k];
	if (l->len == 1) {
		const unsigned char *c = memrchr(h + from, l->s[0], n - from);

		at = c ? (size_t)(c - h) : PREFILTER_NONE;
	} else {
		at = find_lit_last(h + from, n - from, l->s, l->len);
		if (at != PREFILTER_NONE)
			at += from;
	}
	if (from == d->first[k]) {
		d->lastk[k / 64] |= bit;
		d->last[k] = at;
	}
	return at;
}

/*
 * Where condition id places a match, by its literals.  With last false:
 * the earliest offset at which every match holds one of them, if before
 * bound (else PREFILTER_NONE): a literal's first occurrence, for AND the
 * latest of the children (a match holds them all), for OR the earliest.
 * With last true, mirrored: the latest offset at which a match can start,
 * if at or after bound: a literal's last occurrence, for AND the earliest
 * of the children, for OR the latest.  An OR searches each child only
 * beyond the best so far.
 */
static size_t
node_where(const struct prefilter *p, int id, const struct pfdoc *d,
	   size_t bound, bool last)
{
	const struct pf_node *nd = &p->node[id];
	size_t i, at, best = PREFILTER_NONE;

	switch (nd->op) {
	case PF_LIT:
		if (last)
			return lit_last(p, d, nd->lit, bound);
		return lit_first(p, d, nd->lit, bound);
	case PF_AND:
		for (i = 0; i < nd->nkids; i++) {
			at = node_where(p, nd->kids[i], d, bound, last);
			if (at == PREFILTER_NONE)
				return at;
			if (best == PREFILTER_NONE ||
			    (last ? at < best : at > best))
				best = at;
		}
		return best;
	case PF_OR:
		/* Nothing comes before offset 0. */
		for (i = 0; i < nd->nkids && (last || best != 0); i++) {
			size_t beyond = bound;

			if (best != PREFILTER_NONE)
				beyond = last ? best + 1 : best;
			at = node_where(p, nd->kids[i], d, beyond, last);
			if (at != PREFILTER_NONE)
				best = at;
		}
		return best;
	}
	return PREFILTER_NONE;
}

size_t
prefilter_where(const struct prefilter *p, int id, const struct buf *folded,
		uint64_t *state, bool last)
{
	struct pfdoc d;

	if (id < 0)
		return last ? PREFILTER_NONE : 0;
	pfdoc_init(p, &d, folded, state);
	return node_where(p, id, &d, last ? 0 : folded->len + 1, last);
}
