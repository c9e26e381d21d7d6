/*
 * Splitting names and text into lowercase words: the classifier's word
 * rules look words up, never substrings, so "undeleted" never reads as
 * "deleted" and a cue split by invisible characters is joined again.
 */
#ifndef MCPRISK_TOKENIZE_H
#define MCPRISK_TOKENIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * The hash of a lowercase word, shared by the tokenizer and the rule
 * index (rules_impl.h): eight bytes per multiply, the last chunk padded
 * with zero bytes.  word_hash_masked() may be used when s[n..n+8) are
 * readable, whatever they hold (it masks them off); both give the same
 * value.
 */
#define WORD_HASH_MUL 0xff51afd7ed558ccdull

static inline uint64_t
word_hash_chunk(uint64_t h, uint64_t v)
{
	h = (h ^ v) * WORD_HASH_MUL;
	return h ^ (h >> 32);
}

/* The bytes of a little-endian (or big-endian) 64-bit load that hold
   the first k bytes of what was loaded, for k = 0..8. */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define WORD_HASH_KEEP(k) ((k) ? ~0ull << (64 - 8 * (k)) : 0)
#else
#define WORD_HASH_KEEP(k) ((k) ? ~0ull >> (64 - 8 * (k)) : 0)
#endif

static inline uint32_t
word_hash_masked(const char *s, size_t n)
{
	static const uint64_t keep[9] = {
		WORD_HASH_KEEP(0), WORD_HASH_KEEP(1), WORD_HASH_KEEP(2),
		WORD_HASH_KEEP(3), WORD_HASH_KEEP(4), WORD_HASH_KEEP(5),
		WORD_HASH_KEEP(6), WORD_HASH_KEEP(7), WORD_HASH_KEEP(8),
	};
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, v;
	size_t i = 0;

	/* The same chunks as word_hash(): whole ones, then the last one
	   (1 to 8 bytes) masked. */
	for (; n - i > 8; i += 8) {
		memcpy(&v, s + i, sizeof(v));
		h = word_hash_chunk(h, v);
	}
	if (i < n) {
		memcpy(&v, s + i, sizeof(v));
		h = word_hash_chunk(h, v & keep[n - i]);
	}
	return (uint32_t)h;
}

static inline uint32_t
word_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n, v;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&v, s + i, sizeof(v));
		h = word_hash_chunk(h, v);
	}
	if (i < n) {
		char tail[8] = { 0 };

		memcpy(tail, s + i, n - i);
		memcpy(&v, tail, sizeof(v));
		h = word_hash_chunk(h, v);
	}
	return (uint32_t)h;
}

/* One word: where it is in the source and in the lowercase copy. */
struct word {
	uint32_t off;  /* first byte in the source text */
	uint32_t len;  /* bytes in the source text (may include skipped
			  invisible characters) */
	uint32_t loff; /* offset of the NUL-terminated lowercase word in
			  wordlist.lower */
	uint32_t llen; /* length of the lowercase word */
	uint32_t hash; /* word_hash() of the lowercase word */
	bool acronym;  /* all capitals in the source ("AHO", "IDs"); only
			  with TOKENIZE_CAMEL (names), false in text */
	uint16_t seg;  /* index of the dotted segment of a name (0-based) */
};

/*
 * A reusable list of words.  Storage grows as needed and is kept between
 * uses (wordlist_reset), so a classifier allocates only while warming up.
 */
struct wordlist {
	struct word *w;  /* owned */
	size_t n;        /* words in use */
	size_t cap;      /* words allocated */
	char *lower;     /* lowercase words, each NUL-terminated; owned */
	size_t llen;     /* bytes in use in lower */
	size_t lcap;     /* bytes allocated in lower */
};

#define WORDLIST_INIT { NULL, 0, 0, NULL, 0, 0 }

/* Split camelCase and acronym runs (names, parameter names). */
#define TOKENIZE_CAMEL (1u << 0)

/* Forget the words, keep the storage. */
void wordlist_reset(struct wordlist *wl);
/* Free the storage. */
void wordlist_release(struct wordlist *wl);
/* The lowercase text of word i (borrowed, NUL-terminated). */
static inline const char *
wordlist_word(const struct wordlist *wl, size_t i)
{
	return wl->lower + wl->w[i].loff;
}

/*
 * Append the words of s[0..len) to wl.  A word is a run of ASCII letters
 * and digits or of non-ASCII letters (an ASCII run and a non-ASCII run
 * are separate words, as PCRE2's \b sees them; U+017F and U+212A read
 * as "s" and "k", their caseless ASCII matches); everything else separates words,
 * except zero-width and other invisible format characters, which are
 * skipped without ending the word.  With TOKENIZE_CAMEL a run is also cut
 * at lower->Upper ("getHTTP"), digit->Upper ("s3Bucket") and before the
 * last capital of an acronym run followed by a lowercase letter
 * ("HTTPResponse"), keeping a plural "s" on an acronym ("IDs").
 */
void tokenize_words(struct wordlist *wl, const char *s, size_t len,
		    unsigned flags);

/* Facts tokenize_text() reports about the text. */
#define TEXT_NOT_FOLDED (1u << 0) /* fold was not written (a byte >= 0x80,
				     or no fast path): nothing is known */
#define TEXT_ESC (1u << 1)        /* an ESC byte (only when folded) */
/* Bytes a fold buffer of tokenize_text() needs for a text of len bytes. */
#define TEXT_FOLD_ROOM(len) (((len) + 63) / 64 * 64)

/*
 * tokenize_words() for text (no camelCase), with what the classifier's
 * prefilter and detectors need of the same text from the same pass: when
 * the text is all ASCII, fold (when not NULL, with TEXT_FOLD_ROOM(len)
 * bytes) gets it with its letters lowercased, followed by zero bytes to
 * the end of its last block of 64, and the result tells whether it holds
 * an ESC byte.  Otherwise TEXT_NOT_FOLDED, fold unspecified.
 */
unsigned tokenize_text(struct wordlist *wl, const char *s, size_t len,
		       char *fold);

/*
 * Split a tool name into words (camel mode) and find where the tool's own
 * name starts:
 *   - "mcp__<server>__<tool>" (a client's alias): the prefix is dropped
 *     and only <tool> is split;
 *   - namespaced names ("github.create_issue", "files.list",
 *     "TwilioApiV2010--CreateCall", "vendor__list_items", "repo/create",
 *     "ns:get"): segments end at ".", "/", ":", "--" or "__"; every
 *     segment is split, and *first is the first word of the last
 *     non-empty segment, where the verb of a prefix.method name lives.
 * *first is 0 otherwise.
 */
void tokenize_name(struct wordlist *wl, const char *name, size_t len,
		   size_t *first);

/* The words joined by single spaces into dst (cut to cap-1 bytes). */
void wordlist_join(const struct wordlist *wl, char *dst, size_t cap);

#endif
