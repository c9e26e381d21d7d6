/*
 * Word splitting for the classifier: tool names (snake, kebab, dotted,
 * camelCase, acronym runs, digits) and free text.  Lowercase copies go to
 * a reusable arena so the hot path does not allocate once warmed up.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "classifier/tokenize.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

static bool
a_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
a_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static bool
a_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
a_alnum(int c)
{
	return a_upper(c) || a_lower(c) || a_digit(c);
}

/* Invisible format characters: skipped inside a word, never a boundary. */
static bool
cp_invisible(uint32_t cp)
{
	return cp == 0x00ad || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff ||
	       (cp >= 0xfe00 && cp <= 0xfe0f) ||
	       (cp >= 0xe0000 && cp <= 0xe007f) ||
	       (cp >= 0xe0100 && cp <= 0xe01ef);
}

/* Non-ASCII spaces, punctuation and symbols: word boundaries. */
static bool
cp_separator(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xbf) || cp == 0xd7 || cp == 0xf7 ||
	       (cp >= 0x2000 && cp <= 0x2bff) ||
	       (cp >= 0x3000 && cp <= 0x303f) ||
	       (cp >= 0xff00 && cp <= 0xff0f) ||
	       (cp >= 0x1f000 && cp <= 0x1faff);
}

void
wordlist_reset(struct wordlist *wl)
{
	wl->n = 0;
	wl->llen = 0;
}

void
wordlist_release(struct wordlist *wl)
{
	free(wl->w);
	free(wl->lower);
	memset(wl, 0, sizeof(*wl));
}

/* Room for n more lowercase bytes plus a terminator. */
static void
lower_reserve(struct wordlist *wl, size_t n)
{
	if (wl->llen + n + 1 <= wl->lcap)
		return;
	wl->lcap = (wl->llen + n + 1) * 2 + 64;
	wl->lower = xrealloc(wl->lower, wl->lcap);
}

/* State of the word being built. */
struct cur {
	bool open;
	uint32_t start, end; /* source span */
	unsigned upper, lower;
	int last;            /* last ASCII letter, or 0 */
	bool ascii;          /* a run of ASCII letters and digits */
	bool camel;          /* TOKENIZE_CAMEL: words may be acronyms */
};

/* Bytes kept readable after the word being built, for word_hash_masked(). */
#define HASH_SLACK 8

/* Byte classes for the text fast path: ASCII letters and digits. */
enum {
	TC_UPPER = 1u << 0, /* A-Z (the case bit is TC_UPPER << 5) */
	TC_LOWER = 1u << 1, /* a-z */
	TC_ALNUM = 1u << 2, /* A-Z, a-z, 0-9 */
};

#define TC_U (TC_UPPER | TC_ALNUM)
#define TC_L (TC_LOWER | TC_ALNUM)
static const uint8_t text_class[256] = {
	['0'] = TC_ALNUM, ['1'] = TC_ALNUM, ['2'] = TC_ALNUM, ['3'] = TC_ALNUM,
	['4'] = TC_ALNUM, ['5'] = TC_ALNUM, ['6'] = TC_ALNUM, ['7'] = TC_ALNUM,
	['8'] = TC_ALNUM, ['9'] = TC_ALNUM,
	['A'] = TC_U, ['B'] = TC_U, ['C'] = TC_U, ['D'] = TC_U, ['E'] = TC_U,
	['F'] = TC_U, ['G'] = TC_U, ['H'] = TC_U, ['I'] = TC_U, ['J'] = TC_U,
	['K'] = TC_U, ['L'] = TC_U, ['M'] = TC_U, ['N'] = TC_U, ['O'] = TC_U,
	['P'] = TC_U, ['Q'] = TC_U, ['R'] = TC_U, ['S'] = TC_U, ['T'] = TC_U,
	['U'] = TC_U, ['V'] = TC_U, ['W'] = TC_U, ['X'] = TC_U, ['Y'] = TC_U,
	['Z'] = TC_U,
	['a'] = TC_L, ['b'] = TC_L, ['c'] = TC_L, ['d'] = TC_L, ['e'] = TC_L,
	['f'] = TC_L, ['g'] = TC_L, ['h'] = TC_L, ['i'] = TC_L, ['j'] = TC_L,
	['k'] = TC_L, ['l'] = TC_L, ['m'] = TC_L, ['n'] = TC_L, ['o'] = TC_L,
	['p'] = TC_L, ['q'] = TC_L, ['r'] = TC_L, ['s'] = TC_L, ['t'] = TC_L,
	['u'] = TC_L, ['v'] = TC_L, ['w'] = TC_L, ['x'] = TC_L, ['y'] = TC_L,
	['z'] = TC_L,
};
#undef TC_U
#undef TC_L

static void
word_end(struct wordlist *wl, struct cur *c, uint16_t seg)
{
	struct word *w;

	if (!c->open)
		return;
	c->open = false;
	if (wl->n == wl->cap) {
		wl->cap = wl->cap ? wl->cap * 2 : 32;
		wl->w = xreallocarray(wl->w, wl->cap, sizeof(*wl->w));
	}
	w = &wl->w[wl->n];
	w->off = c->start;
	w->len = c->end - c->start;
	w->llen = (uint32_t)(wl->llen - w->loff);
	w->hash = word_hash_masked(wl->lower + w->loff, w->llen);
	w->acronym = c->camel && c->upper >= 2 &&
		     (c->lower == 0 || (c->lower == 1 && c->last == 's'));
	w->seg = seg;
	wl->lower[wl->llen++] = '\0';
	wl->n++;
}

static void
word_start(struct wordlist *wl, struct cur *c, uint32_t at)
{
	c->open = true;
	c->start = c->end = at;
	c->upper = c->lower = 0;
	c->last = 0;
	if (wl->n == wl->cap) {
		wl->cap = wl->cap ? wl->cap * 2 : 32;
		wl->w = xreallocarray(wl->w, wl->cap, sizeof(*wl->w));
	}
	wl->w[wl->n].loff = (uint32_t)wl->llen;
}

/*
 * Whether a camelCase boundary falls before s[i] (ASCII letter or digit)
 * given the previous ASCII character prev of the same run.
 */
static bool
camel_cut(const unsigned char *s, size_t len, size_t i, int prev)
{
	int c = s[i], next = i + 1 < len ? s[i + 1] : 0,
	    next2 = i + 2 < len ? s[i + 2] : 0;

	if (!a_upper(c))
		return false;
	if (a_lower(prev) || a_digit(prev))
		return true;
	if (a_upper(prev) && a_lower(next))
		return !(next == 's' && !a_lower(next2));
	return false;
}

#if defined(__SSE2__)
static bool camel_ascii(struct wordlist *wl, const unsigned char *s,
			size_t len, uint16_t seg);
#endif

static void
tokenize_seg(struct wordlist *wl, const char *text, size_t len,
	     unsigned flags, uint16_t seg)
{
	const unsigned char *s = (const unsigned char *)text;
	struct cur c = { 0 };
	size_t i = 0;
	int prev = 0;

	c.camel = (flags & TOKENIZE_CAMEL) != 0;
	/* camel_ascii() copies words out 16 bytes at a time. */
	lower_reserve(wl, 2 * len + 2 + HASH_SLACK + 16);
#if defined(__SSE2__)
	if (c.camel && camel_ascii(wl, s, len, seg))
		return;
#endif
	while (i < len) {
		uint32_t cp;
		size_t n;

		if (!(flags & TOKENIZE_CAMEL) && (text_class[s[i]] & TC_ALNUM)) {
			/* Text: a whole ASCII run at once. */
			char *lo;
			size_t ll;
			unsigned up = 0, low = 0;

			if (c.open && !c.ascii)
				word_end(wl, &c, seg);
			if (!c.open)
				word_start(wl, &c, (uint32_t)i);
			c.ascii = true;
			lo = wl->lower;
			ll = wl->llen;
			{
				const unsigned char *p = s + i, *e = s + len;
				char *q = lo + ll;

				do {
					unsigned ch = *p, k = text_class[ch];

					if (!(k & TC_ALNUM))
						break;
					up += k & TC_UPPER;
					low += (k & TC_LOWER) >> 1;
					/* TC_UPPER << 5 is the case bit. */
					*q++ = (char)(ch | (k & TC_UPPER) << 5);
				} while (++p < e);
				i = (size_t)(p - s);
				ll = (size_t)(q - lo);
			}
			c.upper += up;
			c.lower += low;
			wl->llen = ll;
			c.last = lo[ll - 1];
			prev = s[i - 1];
			c.end = (uint32_t)i;
			continue;
		}
		if (s[i] < 0x80) {
			int ch = s[i];

			if (!a_alnum(ch)) {
				word_end(wl, &c, seg);
				prev = 0;
				i++;
				continue;
			}
			if (c.open && ((!c.ascii) ||
				       ((flags & TOKENIZE_CAMEL) &&
					camel_cut(s, len, i, prev))))
				word_end(wl, &c, seg);
			if (!c.open)
				word_start(wl, &c, (uint32_t)i);
			c.ascii = true;
			if (a_upper(ch)) {
				c.upper++;
				ch += 'a' - 'A';
			} else if (a_lower(ch)) {
				c.lower++;
			}
			c.last = ch;
			wl->lower[wl->llen++] = (char)ch;
			prev = s[i];
			c.end = (uint32_t)++i;
			continue;
		}
		n = utf8_decode(s + i, len - i, &cp);
		if (n != 0 && (cp == 0x17f || cp == 0x212a)) {
			/* LONG S and KELVIN SIGN fold to ASCII 's' and 'k'
			   under caseless matching: read them as those. */
			if (c.open && !c.ascii)
				word_end(wl, &c, seg);
			if (!c.open)
				word_start(wl, &c, (uint32_t)i);
			c.ascii = true;
			c.lower++;
			c.last = cp == 0x17f ? 's' : 'k';
			wl->lower[wl->llen++] = (char)c.last;
			prev = c.last;
			i += n;
			c.end = (uint32_t)i;
			continue;
		}
		if (n == 0) {
			/* Invalid byte: a boundary, never a crash or a stop. */
			word_end(wl, &c, seg);
			prev = 0;
			i++;
			continue;
		}
		if (cp_invisible(cp)) {
			i += n;
			continue;
		}
		if (cp_separator(cp)) {
			word_end(wl, &c, seg);
			prev = 0;
			i += n;
			continue;
		}
		/* ASCII and non-ASCII letters make separate words, as
		   PCRE2's \b sees them: "éignore" holds the word "ignore". */
		if (c.open && c.ascii)
			word_end(wl, &c, seg);
		if (!c.open)
			word_start(wl, &c, (uint32_t)i);
		c.ascii = false;
		memcpy(wl->lower + wl->llen, s + i, n);
		wl->llen += n;
		prev = 0;
		i += n;
		c.end = (uint32_t)i;
	}
	word_end(wl, &c, seg);
}

#if defined(__SSE2__)
/* Bytes tokenize_ascii() handles per step: one bit each in a uint64_t. */
#define BLOCK 64

/* Bit i set where p[i] (i < 16) is in lo..hi (ASCII). */
static __m128i
in_range(__m128i v, char lo, char hi)
{
	/* Signed compares: bytes >= 0x80 are negative, never in range. */
	return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)(lo - 1))),
			     _mm_cmpgt_epi8(_mm_set1_epi8((char)(hi + 1)), v));
}

/* A word of text at lower[start, end) (offsets in the text) whose
   lowercase copy starts at loff in wl->lower: no acronyms in text. */
static inline struct word *
aword(struct word *w, const char *lower, size_t loff, size_t start,
      size_t end)
{
	w->off = (uint32_t)start;
	w->len = (uint32_t)(end - start);
	w->loff = (uint32_t)(loff + start);
	w->llen = w->len;
	w->hash = word_hash_masked(lower + start, w->llen);
	w->acronym = false;
	w->seg = 0;
	return w + 1;
}

/*
 * Text without camelCase splitting, when it is all ASCII: a word is a run
 * of letters and digits, so its lowercase copy can stay where it is.  The
 * copy of the whole text goes to wl->lower with every other byte zeroed
 * (which ends each word), and the words are read off bit masks of 64
 * bytes at a time.  fold, when not NULL, gets the whole text lowercased
 * (tokenize_text()), and *esc whether it holds an ESC byte.  Returns
 * false, with wl unchanged, when s has a byte >= 0x80: then
 * tokenize_seg() does the work.
 */
static bool
tokenize_ascii(struct wordlist *wl, const unsigned char *s, size_t len,
	       char *fold, bool *esc)
{
	size_t base = wl->llen, at, k, nblocks = (len + BLOCK - 1) / BLOCK;
	unsigned char tail[BLOCK];
	uint64_t carry = 0;
	size_t start = 0;
	bool open = false;
	struct word *w;
	__m128i escs = _mm_setzero_si128();
	char *out;

	/* Blocks are stored whole, and a word's last hash chunk may read 8
	   bytes past the text. */
	lower_reserve(wl, nblocks * BLOCK + 8);
	if (wl->cap < wl->n + len / 2 + 1) {
		wl->cap = wl->n + len / 2 + 1;
		wl->w = xreallocarray(wl->w, wl->cap, sizeof(*wl->w));
	}
	out = wl->lower + base;
	w = wl->w + wl->n;
	for (at = 0; at < len; at += BLOCK) {
		const unsigned char *p = s + at;
		uint64_t alnum = 0, change;
		__m128i hi = _mm_setzero_si128();

		if (len - at < BLOCK) {
			memset(tail, 0, sizeof(tail));
			memcpy(tail, p, len - at);
			p = tail;
		}
		for (k = 0; k < BLOCK; k += 16) {
			__m128i v = _mm_loadu_si128(
				(const __m128i *)(const void *)(p + k));
			__m128i u = in_range(v, 'A', 'Z'),
				l = in_range(v, 'a', 'z'),
				an = _mm_or_si128(_mm_or_si128(u, l),
						  in_range(v, '0', '9')),
				lo = _mm_or_si128(v, _mm_and_si128(
					u, _mm_set1_epi8(0x20)));

			hi = _mm_or_si128(hi, v);
			_mm_storeu_si128((__m128i *)(void *)(out + at + k),
					 _mm_and_si128(lo, an));
			if (fold)
				_mm_storeu_si128(
					(__m128i *)(void *)(fold + at + k), lo);
			escs = _mm_or_si128(escs, _mm_cmpeq_epi8(
				v, _mm_set1_epi8(0x1b)));
			alnum |= (uint64_t)(unsigned)_mm_movemask_epi8(an) << k;
		}
		if (_mm_movemask_epi8(hi))
			return false; /* wl->n is set only at the end */
		/* Bits where a word starts or ends (one past its last byte),
		   taken in pairs: a start, then its end. */
		change = alnum ^ (alnum << 1 | carry);
		carry = alnum >> 63;
		if (open && change) {
			w = aword(w, out, base, start,
				  at + (size_t)__builtin_ctzll(change));
			change &= change - 1;
			open = false;
		}
		while (change) {
			size_t b = (size_t)__builtin_ctzll(change);

			change &= change - 1;
			if (!change) {
				/* It ends in a later block. */
				start = at + b;
				open = true;
				break;
			}
			w = aword(w, out, base, at + b,
				  at + (size_t)__builtin_ctzll(change));
			change &= change - 1;
		}
	}
	/* A word that runs to the end of a text of whole blocks. */
	if (open)
		w = aword(w, out, base, start, len);
	wl->n = (size_t)(w - wl->w);
	out[len] = '\0';
	wl->llen = base + len + 1;
	*esc = _mm_movemask_epi8(escs) != 0;
	return true;
}
#endif

#if defined(__SSE2__)
/* 0, 1, or 2 for two or more: how many bits of x are set. */
static unsigned
few_bits(uint64_t x)
{
	return x == 0 ? 0 : (x & (x - 1)) ? 2 : 1;
}

/*
 * tokenize_seg() in camel mode for a short all-ASCII name (under BLOCK
 * bytes, as names and parameter lists are): the cuts of camel_cut() as
 * bit masks of one block.  A capital starts a word after a lowercase
 * letter or a digit, and after a capital when a lowercase letter
 * follows, unless that is a plural "s" ending the run ("IDs").  Returns
 * false, with wl unchanged, for other text.  Needs lower_reserve() done.
 */
static bool
camel_ascii(struct wordlist *wl, const unsigned char *s, size_t len,
	    uint16_t seg)
{
	/* The block, then its lowercase copy (with 16 bytes more, so that
	   a word is copied out 16 bytes at a time). */
	unsigned char b[BLOCK] = { 0 }, lb[BLOCK + 16] = { 0 };
	uint64_t up = 0, low = 0, dig = 0, ess = 0, an, cut, starts, ends, ev;
	size_t k, start = 0;
	__m128i hi = _mm_setzero_si128();

	if (len >= BLOCK)
		return false;
	memcpy(b, s, len);
	for (k = 0; k < BLOCK; k += 16) {
		__m128i v = _mm_loadu_si128(
			(const __m128i *)(const void *)(b + k)),
			u = in_range(v, 'A', 'Z');

		hi = _mm_or_si128(hi, v);
		_mm_storeu_si128((__m128i *)(void *)(lb + k),
				 _mm_or_si128(v, _mm_and_si128(
					 u, _mm_set1_epi8(0x20))));
		up |= (uint64_t)(unsigned)_mm_movemask_epi8(u) << k;
		low |= (uint64_t)(unsigned)_mm_movemask_epi8(
			       in_range(v, 'a', 'z')) << k;
		dig |= (uint64_t)(unsigned)_mm_movemask_epi8(
			       in_range(v, '0', '9')) << k;
		ess |= (uint64_t)(unsigned)_mm_movemask_epi8(
			       _mm_cmpeq_epi8(v, _mm_set1_epi8('s'))) << k;
	}
	if (_mm_movemask_epi8(hi))
		return false;
	an = up | low | dig;
	cut = up & ((low | dig) << 1 |
		    (up << 1 & low >> 1 & ~(ess >> 1 & ~(low >> 2))));
	starts = an & (~(an << 1) | cut);
	ends = (~an & an << 1) | cut;
	if (wl->cap < wl->n + len + 1) {
		wl->cap = wl->n + len + 1;
		wl->w = xreallocarray(wl->w, wl->cap, sizeof(*wl->w));
	}
	for (ev = starts | ends; ev; ev &= ev - 1) {
		unsigned at = (unsigned)__builtin_ctzll(ev);

		if (ends >> at & 1) {
			struct word *w = &wl->w[wl->n++];
			uint64_t in = ((1ull << at) - 1) &
				      ~((1ull << start) - 1);
			unsigned nup = few_bits(up & in),
				 nlo = few_bits(low & in);
			char *lo = wl->lower + wl->llen;

			/* Sixteen bytes at a time: the storage has room
			   (tokenize_seg()). */
			for (k = 0; k < at - start; k += 16)
				_mm_storeu_si128(
					(__m128i *)(void *)(lo + k),
					_mm_loadu_si128((const __m128i *)(
						const void *)(lb + start + k)));
			w->off = (uint32_t)start;
			w->len = (uint32_t)(at - start);
			w->loff = (uint32_t)wl->llen;
			w->llen = w->len;
			w->hash = word_hash_masked(lo, w->llen);
			w->acronym = nup >= 2 &&
				     (nlo == 0 ||
				      (nlo == 1 && lo[w->llen - 1] == 's'));
			w->seg = seg;
			wl->llen += w->llen;
			wl->lower[wl->llen++] = '\0';
		}
		if (starts >> at & 1)
			start = at;
	}
	return true;
}
#endif

void
tokenize_words(struct wordlist *wl, const char *s, size_t len, unsigned flags)
{
	if (flags & TOKENIZE_CAMEL)
		tokenize_seg(wl, s, len, flags, 0);
	else
		(void)tokenize_text(wl, s, len, NULL);
}

unsigned
tokenize_text(struct wordlist *wl, const char *s, size_t len, char *fold)
{
#if defined(__SSE2__)
	bool esc;

	if (tokenize_ascii(wl, (const unsigned char *)s, len, fold, &esc))
		return esc ? TEXT_ESC : 0;
#endif
	tokenize_seg(wl, s, len, 0, 0);
	return TEXT_NOT_FOLDED;
}

/*
 * Length of a namespace separator at p (".", "/", ":", "--" or "__"), or
 * 0.  A single "-" or "_" joins words of one segment; a doubled one, like
 * a dot or a slash, ends a vendor or resource prefix
 * ("TwilioApiV2010--CreateCall", "github__create_issue").
 */
static size_t
ns_sep(const char *p, const char *end)
{
	if (*p == '.' || *p == '/' || *p == ':')
		return 1;
	if ((*p == '-' || *p == '_') && p + 1 < end && p[1] == *p)
		return 2;
	return 0;
}

void
tokenize_name(struct wordlist *wl, const char *name, size_t len,
	      size_t *first)
{
	const char *p = name, *end = name + len, *q;
	size_t base = wl->n, sep = 0;
	uint16_t seg = 0;

	*first = 0;
	if (len > 5 && memcmp(name, "mcp__", 5) == 0) {
		const char *at = NULL;

		for (q = name + 5; q + 1 < end; q++)
			if (q[0] == '_' && q[1] == '_') {
				at = q;
				break;
			}
		if (at && at + 2 < end)
			p = at + 2;
	}
	/* Offsets stay relative to the whole name. */
	while (p < end) {
		size_t before = wl->n, k;

		for (q = p; q < end && (sep = ns_sep(q, end)) == 0; q++)
			;
		tokenize_seg(wl, p, (size_t)(q - p), TOKENIZE_CAMEL, seg);
		for (k = before; k < wl->n; k++)
			wl->w[k].off += (uint32_t)(p - name);
		if (wl->n > before)
			*first = before - base;
		if (seg < UINT16_MAX)
			seg++;
		if (q >= end)
			break;
		p = q + sep;
	}
}

void
wordlist_join(const struct wordlist *wl, char *dst, size_t cap)
{
	size_t i, o = 0;

	if (cap == 0)
		return;
	for (i = 0; i < wl->n; i++) {
		const char *w = wordlist_word(wl, i);
		size_t n = wl->w[i].llen;

		if (i > 0 && o + 1 < cap)
			dst[o++] = ' ';
		if (o + n >= cap)
			n = cap - 1 - o;
		memcpy(dst + o, w, n);
		o += n;
	}
	dst[o] = '\0';
}
