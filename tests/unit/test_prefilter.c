/*
 * Unit tests for classifier/prefilter: a condition is derived only from
 * what every match must contain, so for each pattern here a text that
 * PCRE2 matches must pass, and texts missing a required literal must not.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "classifier/prefilter.h"
#include "tests/unit/t.h"

/* Whether s is all ASCII. */
static bool
utf8_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Check that text cut reach characters (and one) after last matches as
   the whole text does (ov: the whole text's match, or NULL). */
static void
cut_agrees(const char *pattern, const pcre2_code *re, const char *text,
	   const PCRE2_SIZE *ov, size_t last, size_t folded, long reach)
{
	size_t len = strlen(text), unit = utf8_ascii(text) ? 1 : 4, end;
	pcre2_match_data *md;
	int rc;

	if (reach < 0 || folded != len)
		return;
	if (ov && last == PREFILTER_NONE)
		T_FAIL("'%s' matches '%s' but has no last place", pattern,
		       text);
	if (last == PREFILTER_NONE)
		return;
	if (ov && ov[0] > last)
		T_FAIL("'%s' matches '%s' after its last place", pattern,
		       text);
	end = last + ((size_t)reach + 1) * unit;
	if (end >= len)
		return;
	while (end < len && ((unsigned char)text[end] & 0xc0) == 0x80)
		end++;
	md = pcre2_match_data_create(1, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)text, end, 0, 0, md, NULL);
	if ((rc >= 0) != (ov != NULL) ||
	    (ov && (pcre2_get_ovector_pointer(md)[0] != ov[0] ||
		    pcre2_get_ovector_pointer(md)[1] != ov[1])))
		T_FAIL("'%s' on '%s' cut at %zu matches otherwise", pattern,
		       text, end);
	pcre2_match_data_free(md);
}

/* Whether pattern's condition holds on text (and agrees with PCRE2). */
static bool
passes(const char *pattern, const char *text)
{
	struct prefilter *p = prefilter_new();
	struct buf fold = BUF_INIT(1 << 16);
	uint64_t *state;
	pcre2_code *re;
	pcre2_match_data *md;
	PCRE2_SIZE off;
	long span, reach;
	size_t q;
	int id, err, rc;
	bool ok;

	id = prefilter_add(p, pattern, &span, &reach);
	state = calloc(prefilter_words(p), sizeof(*state));
	CHECK(prefilter_fold(p, text, strlen(text), &fold, state));
	ok = prefilter_eval(p, id, &fold, state);
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF |
				   PCRE2_CASELESS | PCRE2_MULTILINE,
			   &err, &off, NULL);
	CHECK(re != NULL);
	md = pcre2_match_data_create(1, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
	if (rc >= 0 && !ok)
		T_FAIL("'%s' matches '%s' but its condition fails", pattern,
		       text);
	/* No match starts before where the condition's literals first
	   occur, less the longest match (four bytes a character). */
	q = prefilter_where(p, id, &fold, state, false);
	if (rc >= 0 && span >= 0 &&
	    pcre2_get_ovector_pointer(md)[0] +
			    (size_t)span * (utf8_ascii(text) ? 1 : 4) <
		    q)
		T_FAIL("'%s' matches '%s' before its start", pattern, text);
	if ((q != PREFILTER_NONE) != ok)
		T_FAIL("'%s' on '%s': start and condition disagree", pattern,
		       text);
	/* An ASCII text lowercased by the caller and adopted reads the
	   same. */
	if (utf8_ascii(text)) {
		struct buf own = BUF_INIT(1 << 16);
		uint64_t *st = calloc(prefilter_words(p), sizeof(*st));
		size_t i, n = strlen(text);

		CHECK_INT(buf_reserve(&own, n + PREFILTER_SLACK), 0);
		for (i = 0; i < n; i++)
			own.data[i] = (char)(text[i] >= 'A' && text[i] <= 'Z'
						     ? text[i] + 'a' - 'A'
						     : text[i]);
		CHECK(prefilter_adopt(p, &own, n, st));
		CHECK_INT(prefilter_eval(p, id, &own, st), ok);
		CHECK_INT((long long)prefilter_where(p, id, &own, st, false),
			  (long long)q);
		CHECK_INT((long long)prefilter_where(p, id, &own, st, true),
			  (long long)prefilter_where(p, id, &fold, state, true));
		free(st);
		buf_release(&own);
	}
	/* Nor after the last place they occur, and the text cut reach
	   characters (and one) after that matches the same. */
	cut_agrees(pattern, re, text, rc >= 0 ? pcre2_get_ovector_pointer(md)
					      : NULL,
		   prefilter_where(p, id, &fold, state, true), fold.len, reach);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	free(state);
	buf_release(&fold);
	prefilter_free(p);
	return ok;
}

TEST(literals_and_alternatives)
{
	const char *pat = "\\b(?:the\\s{1,3})?[\\w-]{2,40}\\s{1,3}tool\\s{1,3}"
			  "(?:must|should|shall)\\s{1,3}(?:send|use)\\b";

	CHECK(passes(pat, "The audit tool must send a copy."));
	CHECK(!passes(pat, "Use this tool to look up records."));
	CHECK(!passes(pat, "The audit tool must be fast."));
	CHECK(passes("effects?\\son", "side effects on"));
	CHECK(!passes("effects?\\son", "side effect"));
}

TEST(caseless_forms)
{
	/* U+017F and U+212A match "s" and "k" caselessly. */
	CHECK(passes("\\bmask\\b", "a MA\xc5\xbf\xe2\x84\xaa here"));
	CHECK(passes("~/\\.ssh\\b", "read ~/.SSH now"));
	CHECK(!passes("~/\\.ssh\\b", "read ~/ssh now"));
}

/*
 * Texts of every length to 300 over a small alphabet, against a condition
 * of many literals (so the two-byte map is built, in steps of sixteen
 * pairs and one by one): the condition holds exactly when one of them
 * occurs.
 */
TEST(map_agrees_with_a_plain_search)
{
	static const char *const lit[] = { "qzdy", "zq7a", "dqax", "x7yq",
					   "7yqd", "aydz", "zzqa", "qdqy" };
	static const char alphabet[] = "aqzdy7x ";
	struct prefilter *p = prefilter_new();
	struct buf fold = BUF_INIT(1 << 16);
	uint64_t *state;
	unsigned long rng = 99;
	char text[301];
	size_t n, i, k, bad = 0, found = 0;
	long span, reach;
	int id = prefilter_add(p, "qzdy|zq7a|dqax|x7yq|7yqd|aydz|zzqa|qdqy",
			       &span, &reach);

	CHECK(id >= 0);
	state = calloc(prefilter_words(p), sizeof(*state));
	for (n = 0; n <= 300; n++) {
		bool want = false;

		for (i = 0; i < n; i++) {
			rng = rng * 6364136223846793005ul + 1442695040888963407;
			text[i] = alphabet[(rng >> 33) % (sizeof(alphabet) - 1)];
		}
		text[n] = '\0';
		for (k = 0; k < sizeof(lit) / sizeof(lit[0]); k++)
			want |= strstr(text, lit[k]) != NULL;
		CHECK(prefilter_fold(p, text, n, &fold, state));
		bad += prefilter_eval(p, id, &fold, state) != want;
		found += want;
	}
	CHECK_INT((long long)bad, 0);
	CHECK(found > 20 && found < 280);
	free(state);
	buf_release(&fold);
	prefilter_free(p);
}

TEST(long_documents)
{
	char text[300];

	/* Long enough for the two-byte map. */
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text + 250, "jailbreak", 9);
	CHECK(passes("\\bjailbreak\\b", text));
	memcpy(text + 250, "jailbreax", 9);
	CHECK(!passes("\\bjailbreak\\b", text));
}

TEST(match_starts_after_the_first_literal_less_the_span)
{
	const char *pat = "(?:^|[.;:]\\s{0,3}|\\b(?:to|and)\\s)"
			  "(?:returns?|lists?|gets?)\\b";
	char text[400];

	/* The first "list" is not a match; the one after is. */
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	memcpy(text + 100, " blacklist ", 11);
	memcpy(text + 300, " and returns", 12);
	CHECK(passes(pat, text));
	memcpy(text + 100, "xxxxxxxxxxx", 11);
	CHECK(passes(pat, text));
	CHECK(passes("\\bjail\\w{0,5}\\b", "xx jailbreak"));
	/* A lookahead and $ look past the match. */
	CHECK(passes("\\bdeletes?\\b(?!\\s(?:from\\sthe\\sresults))",
		     "it deletes from the results, then deletes from the "
		     "results and then deletes from the resul"));
	CHECK(passes("\\bdeletes?\\b(?!\\s(?:from\\sthe\\sresults))",
		     "it deletes from the results, and that is all there is"));
	CHECK(passes("\\bdrop$", "drop it\nx drop it, drop them all"));
	CHECK(passes("\\bdrop$", "drop it\nx drop\nand more text here"));
	/* The last place of an OR is its latest child's. */
	CHECK(passes("\\b(?:drop|purge)$",
		     "drop it\nand some more words here\npurge"));
	CHECK(passes("\\bé{0,4}ignore\\b",
		     "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9ignore"));
}

TEST(unknown_constructs_always_run)
{
	/* No condition: the pattern must run whatever the text. */
	CHECK(passes("(?i)secret", "nothing"));
	CHECK(passes("(a)\\1", "nothing"));
	CHECK(passes("\\w+", "nothing"));
	CHECK(passes("x{,3}", "nothing"));
	CHECK(passes("caf\xc3\xa9", "CAF\xc3\x89"));
}
