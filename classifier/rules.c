/*
 * Loading a rule set: read the JSON file(s), check every key and value,
 * compile patterns once with JIT under match limits, refuse patterns that
 * could scan without bound, and index word lists by their first word.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "classifier/rules_impl.h"
#include "classifier/tokenize.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* PCRE2 limits for every match (see docs/rules.md). */
#define RULES_MATCH_LIMIT 100000
#define RULES_DEPTH_LIMIT 2000
#define RULES_HEAP_LIMIT_KIB 4096
/* Longest rule id. */
#define RULES_MAX_ID 128

const char *const rules_field_names[F__COUNT] = {
	[F_NAME] = "name",
	[F_NAME_WORDS] = "name_words",
	[F_VERB] = "verb",
	[F_DESCRIPTION] = "description",
	[F_PARAM_NAME] = "param_name",
	[F_PARAM_DESC] = "param_desc",
	[F_PARAM_UNDESCRIBED] = "param_undescribed",
	[F_SCHEMA] = "schema",
	[F_ANNOTATIONS] = "annotations",
};

static const char *const detector_names[DET__COUNT] = {
	[DET_INVISIBLE] = "invisible_unicode",
	[DET_ANSI] = "ansi_escape",
	[DET_PADDING] = "whitespace_padding",
	[DET_BLOB] = "encoded_blob",
};

/* Parameter names of each detector (param[0..2]); NULL = none. */
static const char *const detector_params[DET__COUNT][DET_MAX_PARAMS] = {
	[DET_INVISIBLE] = { "min_count", NULL },
	[DET_ANSI] = { NULL, NULL },
	[DET_PADDING] = { "min_run", NULL },
	[DET_BLOB] = { "min_base64", "min_hex", "min_mix_pct" },
};

/* Fields a detector may read: raw text, not derived words. */
#define DETECTOR_FIELDS                                                     \
	((1u << F_NAME) | (1u << F_DESCRIPTION) | (1u << F_PARAM_NAME) |    \
	 (1u << F_PARAM_DESC) | (1u << F_SCHEMA) | (1u << F_ANNOTATIONS))

/* A loader in progress. */
struct loader {
	struct rules *r;
	size_t rcap;
	struct phrase *ph;
	size_t phcap;
	bool have_scoring;
};

static void
pattern_release(struct pattern *p)
{
	pcre2_code_free(p->re);
	pcre2_code_free(p->ascii);
	p->re = p->ascii = NULL;
}

static void
rule_release(struct rule *ru)
{
	uint32_t i;

	free(ru->id);
	free(ru->explain);
	for (i = 0; i < ru->npat; i++)
		pattern_release(&ru->pat[i]);
	free(ru->pat);
}

void
rules_free(struct rules *r)
{
	size_t i, j;

	if (!r)
		return;
	for (i = 0; i < r->nrules; i++)
		rule_release(&r->rule[i]);
	for (i = 0; i < r->nphrases; i++) {
		for (j = 0; j < r->phrases[i].nwords; j++)
			free(r->phrases[i].words[j]);
		free(r->phrases[i].words);
		free(r->phrases[i].hash);
	}
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i]);
	for (i = 0; i < F__COUNT; i++)
		free(r->scan[i]);
	free(r->files);
	free(r->rule);
	free(r->phrases);
	free(r->table);
	free(r->tags);
	free(r->version);
	pcre2_match_context_free(r->mctx);
	prefilter_free(r->pf);
	free(r);
}

const char *
rules_version(const struct rules *r)
{
	return r->version;
}

size_t
rules_count(const struct rules *r)
{
	return r->nrules;
}

size_t
rules_nfiles(const struct rules *r)
{
	return r->nfiles;
}

void
rules_kinds(const struct rules *r, size_t *words, size_t *patterns,
	    size_t *detectors)
{
	size_t i;

	*words = *patterns = *detectors = 0;
	for (i = 0; i < r->nrules; i++) {
		if (r->rule[i].kind == MATCH_WORDS)
			(*words)++;
		else if (r->rule[i].kind == MATCH_PATTERN)
			(*patterns)++;
		else
			(*detectors)++;
	}
}

/*
 * Refuse patterns that can scan without bound: an unbounded repeat
 * (*, +, {n,}) of a wide atom (., a negated class, \S \W \D \H \V \N \X)
 * or of a group (nested repeats are the classic catastrophic shape), and
 * bounded repeats of wide atoms above RULES_MAX_GAP.  Returns the offset of
 * the offending quantifier or -1 when the pattern is acceptable.
 */
static long
gap_check(const char *p, const char **why)
{
	size_t i = 0, n = strlen(p);
	int atom = 0; /* 0 none, 1 narrow, 2 wide, 3 group */

	while (i < n) {
		char c = p[i];

		if (c == '\\') {
			char e = i + 1 < n ? p[i + 1] : '\0';

			atom = strchr("SWDHVNXR", e) && e ? 2 : 1;
			i += 2;
			if ((e == 'p' || e == 'P') && i < n && p[i] == '{') {
				while (i < n && p[i] != '}')
					i++;
				i++;
				atom = e == 'P' ? 2 : 1;
			}
			continue;
		}
		if (c == '[') {
			bool neg = i + 1 < n && p[i + 1] == '^';

			i += neg ? 2 : 1;
			if (i < n && p[i] == ']')
				i++;
			while (i < n && p[i] != ']') {
				if (p[i] == '\\')
					i++;
				else if (p[i] == '[' && i + 1 < n &&
					 p[i + 1] == ':') {
					const char *end = strstr(p + i, ":]");

					if (end)
						i = (size_t)(end - p) + 1;
				}
				i++;
			}
			i++;
			atom = neg ? 2 : 1;
			continue;
		}
		if (c == '.') {
			atom = 2;
			i++;
			continue;
		}
		if (c == ')') {
			atom = 3;
			i++;
			continue;
		}
		if (c == '*' || c == '+') {
			if (atom == 2 || atom == 3) {
				*why = atom == 2 ? "unbounded repeat of a wide "
						   "match (use .{0,N})"
						 : "unbounded repeat of a group";
				return (long)i;
			}
			atom = 0;
			i++;
			continue;
		}
		if (c == '{' && atom) {
			size_t j = i + 1;
			long hi = -1;
			bool comma = false, ok = true;

			while (j < n && p[j] != '}') {
				if (p[j] == ',')
					comma = true;
				else if (p[j] < '0' || p[j] > '9')
					ok = false;
				j++;
			}
			if (ok && j < n) {
				const char *q = comma ? strchr(p + i, ',') + 1
						      : p + i + 1;

				if (*q != '}')
					hi = strtol(q, NULL, 10);
				if (comma && hi < 0 && (atom == 2 || atom == 3)) {
					*why = atom == 2
						       ? "unbounded repeat of a "
							 "wide match (use .{0,N})"
						       : "unbounded repeat of a "
							 "group";
					return (long)i;
				}
				if (atom == 2 && hi > RULES_MAX_GAP) {
					*why = "gap wider than 200 characters";
					return (long)i;
				}
				atom = 0;
				i = j + 1;
				continue;
			}
		}
		atom = c == '(' || c == '|' || c == '^' || c == '$' ? 0 : 1;
		i++;
	}
	return -1;
}

/* Read fields: a string or an array of strings naming fields. */
static int
parse_fields(const json_t *v, unsigned *out, const char *where,
	     struct errbuf *eb)
{
	size_t i, n = json_is_array(v) ? json_array_size(v) : 1;

	*out = 0;
	if (!json_is_array(v) && !json_is_string(v)) {
		errbuf_set(eb, "%s: 'fields' must be a string or an array",
			   where);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
		const char *s = json_string_value(e);
		int f;

		for (f = 0; s && f < F__COUNT; f++)
			if (strcmp(s, rules_field_names[f]) == 0)
				break;
		if (!s || f == F__COUNT) {
			errbuf_set(eb, "%s: unknown field '%s'", where,
				   s ? s : "(not a string)");
			return -1;
		}
		*out |= 1u << f;
	}
	if (!*out) {
		errbuf_set(eb, "%s: 'fields' is empty", where);
		return -1;
	}
	return 0;
}

/*
 * Where pattern s splits into top-level alternatives that can run on
 * their own: the offsets of its top-level '|' in cut (at most max), and
 * their count.  0 when it has none, or when an alternative could depend
 * on another: a back reference or subroutine call (a group's number or
 * name spans alternatives), a branch reset, a conditional, an option
 * setting outside any group (it holds for the alternatives after it), a
 * backtracking verb (its effect crosses alternatives), \K (the match
 * reported then starts later than the attempt that found it, so the
 * first-starting match of the alternatives need not be the whole
 * pattern's), or extended syntax (its comments may hold parentheses).
 */
static size_t
top_alternatives(const char *s, size_t *cut, size_t max)
{
	size_t i, n = 0;
	int depth = 0;

	for (i = 0; s[i]; i++) {
		switch (s[i]) {
		case '\\':
			if (s[i + 1] == 'Q') {
				const char *e = strstr(s + i + 2, "\\E");

				if (!e)
					return n;
				i = (size_t)(e - s) + 1;
			} else if ((s[i + 1] >= '1' && s[i + 1] <= '9') ||
				   s[i + 1] == 'g' || s[i + 1] == 'k' ||
				   s[i + 1] == 'K') {
				return 0;
			} else if (s[i + 1]) {
				i++;
			}
			break;
		case '[':
			/* A class: ']' first (after '^') is a literal, and
			   "[:...:]" a POSIX class inside it. */
			i++;
			if (s[i] == '^')
				i++;
			if (s[i] == ']')
				i++;
			for (; s[i] && s[i] != ']'; i++) {
				if (s[i] == '\\' && s[i + 1]) {
					i++;
				} else if (s[i] == '[' && s[i + 1] == ':') {
					const char *e = strstr(s + i + 2, ":]");

					if (!e)
						return 0;
					i = (size_t)(e - s) + 1;
				}
			}
			if (!s[i])
				return 0;
			break;
		case '(':
			if (s[i + 1] == '*')
				return 0;
			if (s[i + 1] == '?') {
				char k = s[i + 2];

				if (k == '#') {
					const char *e = strchr(s + i, ')');

					if (!e)
						return 0;
					i = (size_t)(e - s);
					break;
				}
				if (k == '|' || k == '(' || k == 'R' ||
				    k == '&' || k == 'P' || k == '+' ||
				    (k >= '0' && k <= '9') ||
				    (k == '-' && s[i + 3] >= '0' &&
				     s[i + 3] <= '9'))
					return 0;
				{
					size_t j = i + 2;

					while (s[j] && strchr("imnsxJU^-", s[j]))
						if (s[j++] == 'x')
							return 0;
					if (depth == 0 && s[j] == ')')
						return 0;
				}
			}
			depth++;
			break;
		case ')':
			depth--;
			break;
		case '|':
			if (depth == 0) {
				if (n == max)
					return 0;
				cut[n++] = i;
			}
			break;
		default:
			break;
		}
	}
	return n;
}

/* Whether s[0..n) is all ASCII. */
static bool
ascii_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* Compile pattern s[0..n) into p (after the whole pattern compiled). */
static bool
compile_pattern(struct rules *r, struct pattern *p, const char *s, size_t n,
		uint32_t opts)
{
	char *z = xstrndup(s, n);
	PCRE2_SIZE off;
	int err;

	p->re = pcre2_compile((PCRE2_SPTR)z, n, opts, &err, &off, NULL);
	if (!p->re) {
		free(z);
		return false;
	}
	/* JIT is a speed-up, not a requirement: the interpreter obeys the
	   same limits when JIT is unavailable. */
	p->jit = pcre2_jit_compile(p->re, PCRE2_JIT_COMPLETE) == 0;
	/* On a subject without a byte >= 0x80, a pattern written in ASCII
	   matches in 8-bit mode exactly as in UTF mode, without decoding
	   or checking characters.  Its only non-ASCII characters are
	   escapes: above 0xff they do not compile in 8-bit mode (and the
	   UTF form serves), and from 0x80 to 0xff none has an ASCII case
	   partner, so none matches ASCII in either mode.  The two forms
	   whose case partners are ASCII, U+017F and U+212A, are above
	   0xff. */
	if (ascii_text(z, n)) {
		p->ascii = pcre2_compile((PCRE2_SPTR)z, n,
					 (opts & ~(PCRE2_UTF |
						   PCRE2_MATCH_INVALID_UTF)) |
						 PCRE2_NEVER_UTF,
					 &err, &off, NULL);
		p->ascii_jit = p->ascii && pcre2_jit_compile(
			p->ascii, PCRE2_JIT_COMPLETE) == 0;
	}
	if (pcre2_pattern_info(p->re, PCRE2_INFO_MINLENGTH, &p->minlen) != 0)
		p->minlen = 0;
	p->pf = prefilter_add(r->pf, z, &p->span, &p->reach);
	p->id = (uint32_t)r->npatterns++;
	free(z);
	return true;
}

/* Most alternatives a pattern is split into. */
#define RULES_MAX_ALTERNATIVES 16

static int
parse_pattern(struct rules *r, struct rule *ru, const json_t *pat,
	      bool nocase, const char *where, struct errbuf *eb)
{
	size_t cut[RULES_MAX_ALTERNATIVES - 1], nalt, k, start;
	pcre2_code *whole;
	const char *s = json_string_value(pat), *why = NULL;
	uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
			PCRE2_NO_AUTO_CAPTURE | PCRE2_MULTILINE |
			PCRE2_NEVER_BACKSLASH_C;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	long bad;
	int err;

	if (!s || !*s) {
		errbuf_set(eb, "%s: 'pattern' must be a non-empty string",
			   where);
		return -1;
	}
	if (strlen(s) > RULES_MAX_PATTERN) {
		errbuf_set(eb, "%s: pattern longer than %d bytes", where,
			   RULES_MAX_PATTERN);
		return -1;
	}
	if (nocase)
		opts |= PCRE2_CASELESS;
	/* The whole pattern first: its errors are reported at offsets in
	   the text the author wrote. */
	whole = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, opts,
			      &err, &off, NULL);
	if (!whole) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		errbuf_set(eb, "%s: %s at offset %zu", where, (char *)msg,
			   (size_t)off);
		return -1;
	}
	pcre2_code_free(whole);
	bad = gap_check(s, &why);
	if (bad >= 0) {
		errbuf_set(eb, "%s: %s at offset %ld", where, why, bad);
		return -1;
	}
	nalt = top_alternatives(s, cut, sizeof(cut) / sizeof(cut[0])) + 1;
	ru->pat = xcalloc(nalt, sizeof(*ru->pat));
	for (k = 0, start = 0; k < nalt; k++) {
		size_t end = k + 1 < nalt ? cut[k] : strlen(s);

		if (!compile_pattern(r, &ru->pat[k], s + start, end - start,
				     opts))
			break;
		ru->npat++;
		start = end + 1;
	}
	if (ru->npat == nalt)
		return 0;
	/* An alternative the analysis let through does not compile alone:
	   run the pattern whole. */
	while (ru->npat)
		pattern_release(&ru->pat[--ru->npat]);
	if (!compile_pattern(r, &ru->pat[0], s, strlen(s), opts)) {
		errbuf_set(eb, "%s: cannot compile the pattern", where);
		return -1;
	}
	ru->npat = 1;
	return 0;
}

static int
parse_words(struct loader *ld, uint32_t ri, const json_t *v, bool gate,
	    const char *where, struct errbuf *eb)
{
	struct wordlist wl = WORDLIST_INIT;
	size_t i, j;
	int ret = -1;

	if (!json_is_array(v) || json_array_size(v) == 0) {
		errbuf_set(eb, "%s: '%s' must be a non-empty array", where,
			   gate ? "requires" : "words");
		goto out;
	}
	for (i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		struct phrase *ph;

		if (!s) {
			errbuf_set(eb, "%s: words[%zu] is not a string", where,
				   i);
			goto out;
		}
		wordlist_reset(&wl);
		tokenize_words(&wl, s, strlen(s), 0);
		if (wl.n == 0 || wl.n > RULES_MAX_PHRASE_WORDS) {
			errbuf_set(eb, "%s: %s[%zu] '%s' has %zu words "
				       "(1 to %d allowed)", where,
				   gate ? "requires" : "words", i, s, wl.n,
				   RULES_MAX_PHRASE_WORDS);
			goto out;
		}
		if (ld->r->nphrases == ld->phcap) {
			ld->phcap = ld->phcap ? ld->phcap * 2 : 256;
			ld->ph = xreallocarray(ld->ph, ld->phcap,
					       sizeof(*ld->ph));
			ld->r->phrases = ld->ph;
		}
		ph = &ld->ph[ld->r->nphrases++];
		ph->rule = ri;
		ph->fields = ld->r->rule[ri].fields;
		ph->gate = gate;
		ph->nwords = (uint32_t)wl.n;
		ph->words = xcalloc(wl.n, sizeof(*ph->words));
		ph->hash = xcalloc(wl.n, sizeof(*ph->hash));
		for (j = 0; j < wl.n; j++) {
			ph->words[j] = xstrdup(wordlist_word(&wl, j));
			ph->hash[j] = wl.w[j].hash;
		}
	}
	ret = 0;
out:
	wordlist_release(&wl);
	return ret;
}

static int
parse_detector(struct rule *ru, const json_t *rj, const char *where,
	       struct errbuf *eb)
{
	const char *name = json_string_value(json_object_get(rj, "detector"));
	const json_t *params = json_object_get(rj, "params"), *v;
	const char *key;
	int d, k;

	for (d = 0; name && d < DET__COUNT; d++)
		if (strcmp(name, detector_names[d]) == 0)
			break;
	if (!name || d == DET__COUNT) {
		errbuf_set(eb, "%s: unknown detector '%s'", where,
			   name ? name : "(not a string)");
		return -1;
	}
	ru->det = (enum detector)d;
	if (ru->fields & ~DETECTOR_FIELDS) {
		errbuf_set(eb, "%s: a detector reads raw text fields only "
			       "(name, description, param_name, param_desc, "
			       "schema, annotations)", where);
		return -1;
	}
	if (params && !json_is_object(params)) {
		errbuf_set(eb, "%s: 'params' must be an object", where);
		return -1;
	}
	for (k = 0; k < DET_MAX_PARAMS; k++) {
		const char *pn = detector_params[d][k];

		ru->param[k] = 0;
		if (!pn)
			continue;
		v = json_object_get(params, pn);
		/* The third threshold is optional: 0 leaves it off, so
		   older rule sets keep their meaning. */
		if (!v && k == 2)
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > 1000000) {
			errbuf_set(eb, "%s: detector '%s' needs params.%s, an "
				       "integer from 1 to 1000000", where,
				   name, pn);
			return -1;
		}
		ru->param[k] = (long)json_integer_value(v);
	}
	json_object_foreach((json_t *)params, key, v) {
		for (k = 0; k < DET_MAX_PARAMS; k++)
			if (detector_params[d][k] &&
			    strcmp(key, detector_params[d][k]) == 0)
				break;
		if (k == DET_MAX_PARAMS) {
			errbuf_set(eb, "%s: detector '%s' has no parameter "
				       "'%s'", where, name, key);
			return -1;
		}
	}
	return 0;
}

static bool
id_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > RULES_MAX_ID)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		      s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static int
parse_rule(struct loader *ld, const json_t *rj, const char *file, size_t idx,
	   struct errbuf *eb)
{
	static const char *const keys[] = {
		"id",	    "fields", "words",	 "pattern",	"case_sensitive",
		"detector", "params", "category", "weight",	"traits",
		"finding",  "contradicts", "only_if", "requires", "explain",
		"comment", NULL,
	};
	struct rules *r = ld->r;
	struct rule *ru;
	char where[RULES_MAX_ID + 512];
	const json_t *v;
	const char *id, *key, *s;
	size_t i, nkinds;
	int k;

	if (!json_is_object(rj)) {
		errbuf_set(eb, "%s: rules[%zu]: expected object", file, idx);
		return -1;
	}
	id = json_string_value(json_object_get(rj, "id"));
	if (!id || !id_ok(id)) {
		errbuf_set(eb, "%s: rules[%zu]: 'id' must be 1-%d characters "
			       "of [a-z0-9._-]", file, idx, RULES_MAX_ID);
		return -1;
	}
	snprintf(where, sizeof(where), "%s: rule '%s'", file, id);
	for (i = 0; i < r->nrules; i++)
		if (strcmp(r->rule[i].id, id) == 0) {
			errbuf_set(eb, "%s: duplicate id (first in %s)", where,
				   r->rule[i].file);
			return -1;
		}
	json_object_foreach((json_t *)rj, key, v) {
		for (k = 0; keys[k]; k++)
			if (strcmp(key, keys[k]) == 0)
				break;
		if (!keys[k]) {
			errbuf_set(eb, "%s: unknown key '%s'", where, key);
			return -1;
		}
	}
	if (r->nrules >= RULES_MAX_RULES) {
		errbuf_set(eb, "%s: more than %d rules", where, RULES_MAX_RULES);
		return -1;
	}
	if (r->nrules == ld->rcap) {
		ld->rcap = ld->rcap ? ld->rcap * 2 : 64;
		r->rule = xreallocarray(r->rule, ld->rcap, sizeof(*r->rule));
	}
	ru = &r->rule[r->nrules];
	memset(ru, 0, sizeof(*ru));
	ru->id = xstrdup(id);
	ru->file = file;
	ru->category = -1;
	r->nrules++; /* owned from here: rules_free releases it */

	if (parse_fields(json_object_get(rj, "fields"), &ru->fields, where,
			 eb) < 0)
		return -1;
	nkinds = (json_object_get(rj, "words") != NULL) +
		 (json_object_get(rj, "pattern") != NULL) +
		 (json_object_get(rj, "detector") != NULL);
	if (nkinds != 1) {
		errbuf_set(eb, "%s: exactly one of 'words', 'pattern' or "
			       "'detector' is needed", where);
		return -1;
	}
	v = json_object_get(rj, "case_sensitive");
	if (v && (!json_is_boolean(v) || !json_object_get(rj, "pattern"))) {
		errbuf_set(eb, "%s: 'case_sensitive' is a boolean for "
			       "patterns", where);
		return -1;
	}
	if (json_object_get(rj, "params") && !json_object_get(rj, "detector")) {
		errbuf_set(eb, "%s: 'params' belongs to detectors", where);
		return -1;
	}
	if ((v = json_object_get(rj, "words"))) {
		ru->kind = MATCH_WORDS;
		if (parse_words(ld, (uint32_t)(r->nrules - 1), v, false, where,
				eb) < 0)
			return -1;
	} else if ((v = json_object_get(rj, "pattern"))) {
		ru->kind = MATCH_PATTERN;
		if (parse_pattern(r, ru, v,
				  !json_is_true(json_object_get(
					  rj, "case_sensitive")),
				  where, eb) < 0)
			return -1;
	} else {
		ru->kind = MATCH_DETECTOR;
		if (parse_detector(ru, rj, where, eb) < 0)
			return -1;
	}

	v = json_object_get(rj, "category");
	if (v) {
		const json_t *w = json_object_get(rj, "weight");

		if ((ru->category = category_parse(json_string_value(v))) < 0 ||
		    ru->category == CAT_UNKNOWN) {
			errbuf_set(eb, "%s: unknown category '%s'", where,
				   json_is_string(v) ? json_string_value(v)
						     : "(not a string)");
			return -1;
		}
		if (!json_is_integer(w) || json_integer_value(w) < 1 ||
		    json_integer_value(w) > 100) {
			errbuf_set(eb, "%s: 'weight' must be an integer from 1 "
				       "to 100", where);
			return -1;
		}
		ru->weight = (int)json_integer_value(w);
	} else if (json_object_get(rj, "weight")) {
		errbuf_set(eb, "%s: 'weight' needs a 'category'", where);
		return -1;
	}
	v = json_object_get(rj, "traits");
	if (v) {
		if (!json_is_array(v)) {
			errbuf_set(eb, "%s: 'traits' must be an array", where);
			return -1;
		}
		for (i = 0; i < json_array_size(v); i++) {
			s = json_string_value(json_array_get(v, i));
			k = trait_parse(s);
			if (k < 0) {
				errbuf_set(eb, "%s: unknown trait '%s'", where,
					   s ? s : "(not a string)");
				return -1;
			}
			ru->traits |= (unsigned)k;
		}
	}
	v = json_object_get(rj, "finding");
	if (v) {
		k = risk_parse(json_string_value(v));
		if (k < 0) {
			errbuf_set(eb, "%s: 'finding' must be a severity (low, "
				       "medium, high, critical)", where);
			return -1;
		}
		ru->finding = true;
		ru->severity = (enum risk)k;
	}
	v = json_object_get(rj, "contradicts");
	if (v) {
		if (!json_is_array(v) || !ru->finding || ru->category >= 0) {
			errbuf_set(eb, "%s: 'contradicts' is an array of "
				       "categories on a rule with a 'finding' "
				       "and no 'category'", where);
			return -1;
		}
		for (i = 0; i < json_array_size(v); i++) {
			s = json_string_value(json_array_get(v, i));
			k = category_parse(s);
			if (k < 0) {
				errbuf_set(eb, "%s: unknown category '%s'",
					   where, s ? s : "(not a string)");
				return -1;
			}
			ru->contradicts |= 1u << k;
		}
	}
	v = json_object_get(rj, "only_if");
	if (v) {
		if (!json_is_array(v) || ru->category < 0) {
			errbuf_set(eb, "%s: 'only_if' is an array of "
				       "categories on a rule with a 'category'",
				   where);
			return -1;
		}
		for (i = 0; i < json_array_size(v); i++) {
			s = json_string_value(json_array_get(v, i));
			k = category_parse(s);
			if (k < 0) {
				errbuf_set(eb, "%s: unknown category '%s'",
					   where, s ? s : "(not a string)");
				return -1;
			}
			ru->only_if |= 1u << k;
		}
	}
	v = json_object_get(rj, "requires");
	if (v) {
		if (ru->kind != MATCH_PATTERN) {
			errbuf_set(eb, "%s: 'requires' belongs to patterns",
				   where);
			return -1;
		}
		if (parse_words(ld, (uint32_t)(r->nrules - 1), v, true, where,
				eb) < 0)
			return -1;
		ru->gated = true;
	}
	if (ru->category < 0 && !ru->traits && !ru->finding) {
		errbuf_set(eb, "%s: contributes nothing (needs a 'category', "
			       "'traits' or a 'finding')", where);
		return -1;
	}
	s = json_string_value(json_object_get(rj, "explain"));
	if (!s || !*s) {
		errbuf_set(eb, "%s: 'explain' (a phrase for the rationale) is "
			       "required", where);
		return -1;
	}
	ru->explain = xstrdup(s);
	return 0;
}

/* A non-negative integer member of o, in [lo, hi]. */
static int
sc_int(const json_t *o, const char *key, int lo, int hi, int *out,
       const char *where, struct errbuf *eb)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo ||
	    json_integer_value(v) > hi) {
		errbuf_set(eb, "%s: scoring.%s must be an integer from %d to "
			       "%d", where, key, lo, hi);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static int
sc_real(const json_t *o, const char *key, double *out, const char *where,
	struct errbuf *eb)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v) || json_number_value(v) < 0 ||
	    json_number_value(v) > 1) {
		errbuf_set(eb, "%s: scoring.confidence.%s must be a number "
			       "from 0 to 1", where, key);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

static int
parse_scoring(struct scoring *sc, const json_t *o, const char *file,
	      struct errbuf *eb)
{
	const json_t *cs = json_object_get(o, "category_score"),
		     *ts = json_object_get(o, "trait_score"),
		     *ra = json_object_get(o, "risk_at"),
		     *cf = json_object_get(o, "confidence");
	char where[600];
	int i;

	if (!json_is_object(o) || !json_is_object(cs) || !json_is_object(ts) ||
	    !json_is_object(ra) || !json_is_object(cf)) {
		errbuf_set(eb, "%s: 'scoring' needs objects category_score, "
			       "trait_score, risk_at and confidence", file);
		return -1;
	}
	snprintf(where, sizeof(where), "%s", file);
	if (sc_int(o, "min_weight", 1, 1000, &sc->min_weight, where, eb) < 0 ||
	    sc_int(o, "strong_weight", 1, 1000, &sc->strong_weight, where,
		   eb) < 0 ||
	    sc_int(o, "verb_window", 1, 8, &sc->verb_window, where, eb) < 0)
		return -1;
	for (i = 0; i < CAT__COUNT; i++)
		if (sc_int(cs, category_name((enum category)i), 0, 100,
			   &sc->cat_score[i], where, eb) < 0)
			return -1;
	for (i = 0; i < TRAIT__COUNT; i++)
		if (sc_int(ts, trait_name(1u << i), 0, 100, &sc->trait_score[i],
			   where, eb) < 0)
			return -1;
	sc->risk_at[RISK_LOW] = 0;
	for (i = RISK_MEDIUM; i < RISK__COUNT; i++) {
		if (sc_int(ra, risk_name((enum risk)i), 1, 100, &sc->risk_at[i],
			   where, eb) < 0)
			return -1;
		if (sc->risk_at[i] <= sc->risk_at[i - 1]) {
			errbuf_set(eb, "%s: scoring.risk_at must increase", file);
			return -1;
		}
	}
	if (sc_real(cf, "no_description", &sc->conf_no_description, where,
		    eb) < 0 ||
	    sc_real(cf, "acronym_name", &sc->conf_acronym_name, where, eb) < 0 ||
	    sc_real(cf, "opaque_name", &sc->conf_opaque_name, where, eb) < 0 ||
	    sc_real(cf, "unknown", &sc->conf_unknown, where, eb) < 0 ||
	    sc_real(cf, "close_call", &sc->conf_close_call, where, eb) < 0 ||
	    sc_real(cf, "weak", &sc->conf_weak, where, eb) < 0 ||
	    sc_real(cf, "floor", &sc->conf_floor, where, eb) < 0 ||
	    sc_real(cf, "close_ratio", &sc->close_ratio, where, eb) < 0)
		return -1;
	return 0;
}

static int
load_file(struct loader *ld, const char *path, struct errbuf *eb)
{
	struct rules *r = ld->r;
	struct buf body = BUF_INIT(RULES_MAX_FILE_BYTES);
	json_t *root = NULL;
	const json_t *v, *rules;
	const char *key, *file;
	size_t i;
	int ret = -1;

	r->files = xreallocarray(r->files, r->nfiles + 1, sizeof(*r->files));
	r->files[r->nfiles++] = xstrdup(path);
	file = r->files[r->nfiles - 1];
	if (file_read_capped(path, RULES_MAX_FILE_BYTES, &body, eb) < 0)
		goto out;
	root = json_load_strict(buf_cstr(&body), body.len, eb);
	if (!root) {
		errbuf_prefix(eb, "%s", file);
		goto out;
	}
	if (!json_is_object(root)) {
		errbuf_set(eb, "%s: expected an object with 'rules'", file);
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "version") && strcmp(key, "rules") &&
		    strcmp(key, "scoring") && strcmp(key, "comment")) {
			errbuf_set(eb, "%s: unknown key '%s'", file, key);
			goto out;
		}
	}
	if ((v = json_object_get(root, "version"))) {
		const char *s = json_string_value(v);

		if (!s || !*s || strlen(s) > 64) {
			errbuf_set(eb, "%s: 'version' must be a short string",
				   file);
			goto out;
		}
		if (r->version && strcmp(r->version, s) != 0) {
			errbuf_set(eb, "%s: version '%s' differs from '%s'",
				   file, s, r->version);
			goto out;
		}
		if (!r->version)
			r->version = xstrdup(s);
	}
	if ((v = json_object_get(root, "scoring"))) {
		if (ld->have_scoring) {
			errbuf_set(eb, "%s: 'scoring' is given twice", file);
			goto out;
		}
		if (parse_scoring(&r->sc, v, file, eb) < 0)
			goto out;
		ld->have_scoring = true;
	}
	rules = json_object_get(root, "rules");
	if (rules && !json_is_array(rules)) {
		errbuf_set(eb, "%s: 'rules' must be an array", file);
		goto out;
	}
	for (i = 0; i < json_array_size(rules); i++)
		if (parse_rule(ld, json_array_get(rules, i), file, i, eb) < 0)
			goto out;
	ret = 0;
out:
	json_decref(root);
	buf_release(&body);
	return ret;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json files of dir in name order (new array of new strings). */
static int
list_dir(const char *dir, char ***out, size_t *n, struct errbuf *eb)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		errbuf_set(eb, "cannot open rule directory '%s'", dir);
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 6 ||
		    strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (k == RULES_MAX_FILES) {
			errbuf_set(eb, "%s: more than %d rule files", dir,
				   RULES_MAX_FILES);
			break;
		}
		v = xreallocarray(v, k + 1, sizeof(*v));
		v[k++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (k == RULES_MAX_FILES && eb->msg[0]) {
		while (k)
			free(v[--k]);
		free(v);
		return -1;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_str);
	*out = v;
	*n = k;
	return 0;
}

/* Sort phrases by first word, then by rule order (stable output). */
static int
cmp_phrase(const void *a, const void *b)
{
	const struct phrase *x = a, *y = b;
	int c = strcmp(x->words[0], y->words[0]);

	if (c)
		return c;
	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return x->nwords < y->nwords ? -1 : x->nwords > y->nwords;
}

static void
build_index(struct rules *r)
{
	size_t i, j, size = 64;
	unsigned f;

	if (r->nphrases)
		qsort(r->phrases, r->nphrases, sizeof(*r->phrases),
		      cmp_phrase);
	while (size < r->nphrases * 2)
		size *= 2;
	r->table = xcalloc(size, sizeof(*r->table));
	r->tags = xcalloc(size, sizeof(*r->tags));
	r->tmask = size - 1;
	for (i = 0; i < r->nphrases; i = j) {
		const char *w = r->phrases[i].words[0];
		uint32_t h = rules_word_hash(w, strlen(w));
		struct wslot *s;
		size_t k;

		for (k = h & r->tmask; r->table[k].word; k = (k + 1) & r->tmask)
			;
		s = &r->table[k];
		r->tags[k] = rules_word_tag(h);
		s->word = w;
		s->hash = h;
		s->len = (uint32_t)strlen(w);
		s->first = (uint32_t)i;
		for (j = i; j < r->nphrases &&
			    strcmp(r->phrases[j].words[0], w) == 0;
		     j++)
			s->fields |= r->rule[r->phrases[j].rule].fields;
		s->count = (uint32_t)(j - i);
		r->word_fields |= s->fields;
	}
	for (f = 0; f < F__COUNT; f++) {
		r->scan[f] = xcalloc(r->nrules + 1, sizeof(*r->scan[f]));
		for (i = 0; i < r->nrules; i++)
			if (r->rule[i].kind != MATCH_WORDS &&
			    !r->rule[i].gated &&
			    (r->rule[i].fields & (1u << f)))
				r->scan[f][r->nscan[f]++] = (uint32_t)i;
	}
}

struct rules *
rules_load(const char *path, struct errbuf *eb)
{
	struct loader ld = { 0 };
	struct stat st;
	char **files = NULL;
	size_t nfiles = 0, i;
	bool ok = false;

	ld.r = xcalloc(1, sizeof(*ld.r));
	ld.r->pf = prefilter_new();
	if (stat(path, &st) < 0) {
		errbuf_set(eb, "cannot read rules '%s': no such file or "
			       "directory", path);
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		if (list_dir(path, &files, &nfiles, eb) < 0)
			goto out;
		if (nfiles == 0) {
			errbuf_set(eb, "%s: no *.json rule files", path);
			goto out;
		}
	} else {
		files = xcalloc(1, sizeof(*files));
		files[0] = xstrdup(path);
		nfiles = 1;
	}
	for (i = 0; i < nfiles; i++)
		if (load_file(&ld, files[i], eb) < 0)
			goto out;
	if (!ld.r->version) {
		errbuf_set(eb, "%s: no rule-set 'version'", path);
		goto out;
	}
	if (!ld.have_scoring) {
		errbuf_set(eb, "%s: no 'scoring' section", path);
		goto out;
	}
	if (ld.r->nrules == 0) {
		errbuf_set(eb, "%s: no rules", path);
		goto out;
	}
	ld.r->phrases = ld.ph;
	build_index(ld.r);
	ld.r->mctx = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(ld.r->mctx, RULES_MATCH_LIMIT);
	pcre2_set_depth_limit(ld.r->mctx, RULES_DEPTH_LIMIT);
	pcre2_set_heap_limit(ld.r->mctx, RULES_HEAP_LIMIT_KIB);
	ok = true;
out:
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	free(files);
	if (!ok) {
		ld.r->phrases = ld.ph;
		rules_free(ld.r);
		return NULL;
	}
	return ld.r;
}
