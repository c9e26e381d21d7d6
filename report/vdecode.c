/*
 * A direct parser for the one JSON shape verdict_to_text() writes, with
 * jansson + verdict_from_json() behind it for any other shape.  The fast
 * path never decides anything on its own: whenever the text strays from
 * the canonical form, or a value would be refused, it gives up and the
 * general path produces the answer (and the error message).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/vdecode.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest integer the fast path reads: well inside int, so the cast that
   verdict_from_json() applies to weights cannot change the value. */
#define FAST_INT_DIGITS 9

/* The text being parsed and where decoded strings go. */
struct fast {
	const char *p;  /* next byte; the text is NUL-terminated */
	char *str;      /* next free byte of the string area */
};

static bool
lit(struct fast *f, const char *s)
{
	size_t n = strlen(s);

	if (strncmp(f->p, s, n) != 0)
		return false;
	f->p += n;
	return true;
}

/* A JSON string into the string area; NULL to give up and leave the
   verdict to jansson (json_scan_string says which strings). */
static const char *
fast_str(struct fast *f)
{
	char *start = f->str, *next = json_scan_string(&f->p, f->str);

	if (!next)
		return NULL;
	f->str = next;
	return start;
}

/* A key and its value's string, decoded; the area is reused after. */
static int
fast_enum(struct fast *f, int (*parse)(const char *))
{
	char *mark = f->str;
	const char *s = fast_str(f);
	int r = s ? parse(s) : -1;

	f->str = mark;
	return r;
}

/* The JSON number grammar's span at f->p; 0 when there is none.
   *integer says whether it has no fraction or exponent. */
static size_t
number_span(const char *p, bool *integer)
{
	const char *s = p;

	*integer = true;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (*p == '.') {
		*integer = false;
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		*integer = false;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return (size_t)(p - s);
}

static bool
fast_int(struct fast *f, int *out)
{
	bool integer;
	size_t n = number_span(f->p, &integer), i = 0;
	long v = 0;
	bool neg = f->p[0] == '-';

	if (n == 0 || !integer || n - neg > FAST_INT_DIGITS)
		return false;
	for (i = neg; i < n; i++)
		v = v * 10 + (f->p[i] - '0');
	*out = (int)(neg ? -v : v);
	f->p += n;
	return true;
}

static bool
fast_real(struct fast *f, double *out)
{
	bool integer;
	size_t n = number_span(f->p, &integer);
	char *end;

	if (n == 0)
		return false;
	*out = strtod(f->p, &end);
	if (end != f->p + n)
		return false;
	f->p += n;
	return true;
}

static int
count_objects(const char *s)
{
	int n = 0;

	while ((s = strchr(s, '{')) != NULL) {
		n++;
		s++;
	}
	return n;
}

/* The canonical text into *v (one block, v->arena); false to give up. */
static bool
fast_decode(const char *text, struct verdict *v)
{
	size_t len = strlen(text);
	/* Every finding and evidence entry is an object: the count of '{'
	   bounds both arrays. */
	size_t nobj = (size_t)count_objects(text);
	size_t arrays = nobj * (sizeof(struct finding) +
				sizeof(struct evidence));
	struct fast f;
	int r, score;
	char *block;

	memset(v, 0, sizeof(*v));
	block = xmalloc(arrays + len + 1);
	v->arena = block;
	v->findings = (struct finding *)(void *)block;
	v->evidence = (struct evidence *)(void *)(block + nobj *
						 sizeof(struct finding));
	f.p = text;
	f.str = block + arrays;

	if (!lit(&f, "{\"category\":") ||
	    (r = fast_enum(&f, category_parse)) < 0)
		goto fail;
	v->category = (enum category)r;
	if (!lit(&f, ",\"risk\":") || (r = fast_enum(&f, risk_parse)) < 0)
		goto fail;
	v->risk = (enum risk)r;
	if (!lit(&f, ",\"score\":") || !fast_int(&f, &score) || score < 0 ||
	    score > 100)
		goto fail;
	v->score = score;
	if (!lit(&f, ",\"confidence\":") || !fast_real(&f, &v->confidence) ||
	    !(v->confidence >= 0 && v->confidence <= 1))
		goto fail;
	if (!lit(&f, ",\"traits\":["))
		goto fail;
	if (!lit(&f, "]")) {
		do {
			if ((r = fast_enum(&f, trait_parse)) < 0)
				goto fail;
			v->traits |= (unsigned)r;
		} while (lit(&f, ","));
		if (!lit(&f, "]"))
			goto fail;
	}
	if (!lit(&f, ",\"findings\":["))
		goto fail;
	if (!lit(&f, "]")) {
		do {
			struct finding *d = &v->findings[v->nfindings];

			if (v->nfindings == nobj || !lit(&f, "{\"rule\":") ||
			    !(d->rule = (char *)fast_str(&f)) ||
			    !lit(&f, ",\"severity\":") ||
			    (r = fast_enum(&f, risk_parse)) < 0 ||
			    !lit(&f, ",\"field\":") ||
			    !(d->field = (char *)fast_str(&f)) ||
			    !lit(&f, ",\"match\":") ||
			    !(d->match = (char *)fast_str(&f)) || !lit(&f, "}"))
				goto fail;
			d->severity = (enum risk)r;
			v->nfindings++;
		} while (lit(&f, ","));
		if (!lit(&f, "]"))
			goto fail;
	}
	if (!lit(&f, ",\"evidence\":["))
		goto fail;
	if (!lit(&f, "]")) {
		do {
			struct evidence *d = &v->evidence[v->nevidence];

			if (v->nevidence == nobj || !lit(&f, "{\"rule\":") ||
			    !(d->rule = (char *)fast_str(&f)) ||
			    !lit(&f, ",\"field\":") ||
			    !(d->field = (char *)fast_str(&f)) ||
			    !lit(&f, ",\"match\":") ||
			    !(d->match = (char *)fast_str(&f)) ||
			    !lit(&f, ",\"weight\":") ||
			    !fast_int(&f, &d->weight) || !lit(&f, "}"))
				goto fail;
			v->nevidence++;
		} while (lit(&f, ","));
		if (!lit(&f, "]"))
			goto fail;
	}
	if (!lit(&f, ",\"rationale\":") ||
	    !(v->rationale = (char *)fast_str(&f)) || !lit(&f, "}") ||
	    *f.p != '\0')
		goto fail;
	return true;
fail:
	free(block);
	memset(v, 0, sizeof(*v));
	return false;
}

int
vdecode_verdict(const char *text, struct verdict *out, struct errbuf *eb)
{
	json_t *j;
	int ret;

	if (fast_decode(text, out))
		return 0;
	j = json_loads(text, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		memset(out, 0, sizeof(*out));
		return 1;
	}
	ret = verdict_from_json(j, out, eb) == 0 ? 0 : -1;
	json_decref(j);
	return ret;
}
