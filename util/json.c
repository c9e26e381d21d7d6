/*
 * jansson helpers shared by every module that reads or writes JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/utf8.h"
#include "util/banned.h"

json_t *
json_load_strict(const char *data, size_t len, struct errbuf *eb)
{
	json_error_t jerr;
	json_t *root;

	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		errbuf_set(eb, "invalid JSON at line %d column %d: %s",
			   jerr.line, jerr.column, jerr.text);
	return root;
}

char *
json_canonical(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

int
json_buf_string(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run;
	size_t n = strlen(s);

	if (!utf8_valid(s, n))
		return buf_puts(b, "\"\"");
	if (buf_putc(b, '"') < 0)
		return -1;
	for (run = s; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[7] = { '\\', 0 };
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		if (buf_append(b, run, (size_t)(s - run)) < 0 ||
		    buf_append(b, esc, elen) < 0)
			return -1;
		run = s + 1;
	}
	if (buf_append(b, run, (size_t)(s - run)) < 0)
		return -1;
	return buf_putc(b, '"');
}

int
json_buf_real(struct buf *b, double v)
{
	char num[40], *e, *digits;
	int n;

	if (!isfinite(v))
		return -1;
	n = snprintf(num, sizeof(num) - 2, "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof(num) - 2)
		return -1;
	if (!strchr(num, '.') && !strchr(num, 'e'))
		memcpy(num + n, ".0", 3);
	if ((e = strchr(num, 'e'))) {
		e++;
		if (*e == '-')
			e++;
		for (digits = e; *digits == '+' || *digits == '0'; digits++)
			;
		/* Keep one digit of an all-zero exponent. */
		if (!*digits)
			digits--;
		memmove(e, digits, strlen(digits) + 1);
	}
	return buf_puts(b, num);
}

const char *
json_get_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int
json_print(FILE *f, const json_t *j)
{
	if (json_dumpf(j, f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY |
			       JSON_REAL_PRECISION(10)) <
	    0)
		return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}

const char *
json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}
