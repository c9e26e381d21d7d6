/*
 * The strict JSON reader behind report/jscan.h: recursive descent into a
 * flat node array, strings decoded into one area as large as the text.
 * Anything jansson might read differently makes it decline.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/jscan.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest integer accepted: jansson stores integers as long long. */
#define JSCAN_INT_DIGITS 18

struct parser {
	const char *p;     /* next byte; the text is NUL-terminated */
	char *str;         /* next free byte of the string area */
	struct jscan *js;
};

static void
skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

/* A string into the area; NULL to decline (json_scan_string). */
static const char *
parse_str(struct parser *ps)
{
	char *start = ps->str, *next = json_scan_string(&ps->p, ps->str);

	if (!next)
		return NULL;
	ps->str = next;
	return start;
}

/* A number in JSON's grammar that jansson converts without an error. */
static bool
parse_num(struct parser *ps)
{
	const char *p = ps->p, *digits;
	bool integer = true;
	char *end;
	double d;

	if (*p == '-')
		p++;
	digits = p;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (*p == '.') {
		integer = false;
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		integer = false;
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (integer) {
		if (p - digits > JSCAN_INT_DIGITS)
			return false;
	} else {
		/* jansson refuses reals that overflow */
		d = strtod(ps->p, &end);
		if (end != p || d > 1e308 || d < -1e308)
			return false;
	}
	ps->p = p;
	return true;
}

static size_t
add_node(struct jscan *js, enum jscan_type t, const char *key)
{
	struct jscan_node *n;

	if (js->count == js->cap) {
		js->cap = js->cap ? js->cap * 2 : 64;
		js->n = xreallocarray(js->n, js->cap, sizeof(*js->n));
	}
	n = &js->n[js->count];
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->key = key;
	return js->count++;
}

static bool
parse_value(struct parser *ps, const char *key, int depth)
{
	struct jscan *js = ps->js;
	size_t me;

	if (depth > JSCAN_DEPTH_MAX)
		return false;
	skip_ws(ps);
	switch (*ps->p) {
	case '{': {
		const char *prev = NULL;

		me = add_node(js, JSCAN_OBJECT, key);
		ps->p++;
		skip_ws(ps);
		if (*ps->p == '}') {
			ps->p++;
			break;
		}
		for (;;) {
			const char *k;

			skip_ws(ps);
			if (!(k = parse_str(ps)))
				return false;
			/* ascending keys: no duplicates to resolve */
			if (prev && strcmp(prev, k) >= 0)
				return false;
			prev = k;
			skip_ws(ps);
			if (*ps->p++ != ':' || !parse_value(ps, k, depth + 1))
				return false;
			js->n[me].size++;
			skip_ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p++ != '}')
				return false;
			break;
		}
		break;
	}
	case '[':
		me = add_node(js, JSCAN_ARRAY, key);
		ps->p++;
		skip_ws(ps);
		if (*ps->p == ']') {
			ps->p++;
			break;
		}
		for (;;) {
			if (!parse_value(ps, NULL, depth + 1))
				return false;
			js->n[me].size++;
			skip_ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p++ != ']')
				return false;
			break;
		}
		break;
	case '"': {
		const char *s = parse_str(ps);

		if (!s)
			return false;
		me = add_node(js, JSCAN_STRING, key);
		js->n[me].str = s;
		break;
	}
	case 't':
		if (strncmp(ps->p, "true", 4) != 0)
			return false;
		ps->p += 4;
		me = add_node(js, JSCAN_TRUE, key);
		break;
	case 'f':
		if (strncmp(ps->p, "false", 5) != 0)
			return false;
		ps->p += 5;
		me = add_node(js, JSCAN_FALSE, key);
		break;
	case 'n':
		if (strncmp(ps->p, "null", 4) != 0)
			return false;
		ps->p += 4;
		me = add_node(js, JSCAN_NULL, key);
		break;
	default:
		if (!parse_num(ps))
			return false;
		me = add_node(js, JSCAN_NUMBER, key);
		break;
	}
	js->n[me].next = js->count;
	return true;
}

bool
jscan_parse(const char *text, struct jscan *js)
{
	struct parser ps;

	memset(js, 0, sizeof(*js));
	js->strings = xmalloc(strlen(text) + 1);
	ps.p = text;
	ps.str = js->strings;
	ps.js = js;
	if (!parse_value(&ps, NULL, 0))
		goto fail;
	skip_ws(&ps);
	if (*ps.p != '\0')
		goto fail;
	return true;
fail:
	jscan_release(js);
	return false;
}

void
jscan_release(struct jscan *js)
{
	free(js->n);
	free(js->strings);
	memset(js, 0, sizeof(*js));
}

size_t
jscan_get(const struct jscan *js, size_t obj, const char *key)
{
	size_t i;

	if (obj >= js->count || js->n[obj].type != JSCAN_OBJECT)
		return 0;
	for (i = obj + 1; i < js->n[obj].next; i = js->n[i].next)
		if (strcmp(js->n[i].key, key) == 0)
			return i;
	return 0;
}
