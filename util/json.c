/*
 * jansson helpers shared by every module that reads or writes JSON.
 */
#include <stdio.h>
#include <stdlib.h>

#include "util/json.h"
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
