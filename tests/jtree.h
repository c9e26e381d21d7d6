/*
 * The differential check shared by tests/unit/test_jparse.c and
 * tests/fuzz/fuzz_jparse.c: read one text with jparse() and with
 * json_loadb(JSON_REJECT_DUPLICATES) and compare the trees strictly, more
 * strictly than json_equal() (which takes 0.0 for -0.0 and ignores key
 * order).
 */
#ifndef MCPRISK_TESTS_JTREE_H
#define MCPRISK_TESTS_JTREE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/jparse.h"

/* What one text did. */
enum jtree_verdict {
	JT_BOTH_REJECT, /* neither accepted it */
	JT_DECLINED,    /* jansson accepted, jparse() left it to jansson */
	JT_SAME,        /* both accepted, the trees are identical */
	JT_FAST_ONLY,   /* jparse() accepted what jansson refuses: a bug */
	JT_DIFFERENT,   /* both accepted, different trees: a bug */
};

/*
 * Whether a and b are the same tree: the same type at every node (integer
 * and real apart, true and false apart), reals equal bit for bit, strings
 * of the same length and bytes, object members in the same iteration
 * order, arrays element by element.  On a difference why says where.
 */
static bool
jtree_same(const json_t *a, const json_t *b, char *why, size_t whylen)
{
	size_t i, n;

	if (json_typeof(a) != json_typeof(b)) {
		snprintf(why, whylen, "type %d vs %d", (int)json_typeof(a),
			 (int)json_typeof(b));
		return false;
	}
	switch (json_typeof(a)) {
	case JSON_OBJECT: {
		void *ia = json_object_iter((json_t *)a),
		     *ib = json_object_iter((json_t *)b);

		if (json_object_size(a) != json_object_size(b)) {
			snprintf(why, whylen, "object of %zu vs %zu members",
				 json_object_size(a), json_object_size(b));
			return false;
		}
		for (; ia && ib; ia = json_object_iter_next((json_t *)a, ia),
				 ib = json_object_iter_next((json_t *)b, ib)) {
			size_t la = json_object_iter_key_len(ia),
			       lb = json_object_iter_key_len(ib);

			if (la != lb || memcmp(json_object_iter_key(ia),
					       json_object_iter_key(ib), la)) {
				snprintf(why, whylen, "key '%s' vs '%s'",
					 json_object_iter_key(ia),
					 json_object_iter_key(ib));
				return false;
			}
			if (!jtree_same(json_object_iter_value(ia),
					json_object_iter_value(ib), why, whylen))
				return false;
		}
		if (ia || ib) {
			snprintf(why, whylen, "object iteration lengths");
			return false;
		}
		return true;
	}
	case JSON_ARRAY:
		n = json_array_size(a);
		if (n != json_array_size(b)) {
			snprintf(why, whylen, "array of %zu vs %zu", n,
				 json_array_size(b));
			return false;
		}
		for (i = 0; i < n; i++)
			if (!jtree_same(json_array_get(a, i),
					json_array_get(b, i), why, whylen))
				return false;
		return true;
	case JSON_STRING:
		if (json_string_length(a) != json_string_length(b) ||
		    memcmp(json_string_value(a), json_string_value(b),
			   json_string_length(a))) {
			snprintf(why, whylen, "string '%s' vs '%s'",
				 json_string_value(a), json_string_value(b));
			return false;
		}
		return true;
	case JSON_INTEGER:
		if (json_integer_value(a) != json_integer_value(b)) {
			snprintf(why, whylen, "integer %lld vs %lld",
				 (long long)json_integer_value(a),
				 (long long)json_integer_value(b));
			return false;
		}
		return true;
	case JSON_REAL: {
		double da = json_real_value(a), db = json_real_value(b);
		uint64_t ua, ub;

		memcpy(&ua, &da, sizeof(ua));
		memcpy(&ub, &db, sizeof(ub));
		if (ua != ub) {
			snprintf(why, whylen, "real %a vs %a", da, db);
			return false;
		}
		return true;
	}
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		return true;
	}
	snprintf(why, whylen, "unknown type");
	return false;
}

/* Read data[0..len) both ways and say how they compare; why explains a
   JT_FAST_ONLY or JT_DIFFERENT. */
static enum jtree_verdict
jtree_check(const char *data, size_t len, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *fast = jparse(data, len),
	       *ref = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	enum jtree_verdict v;

	why[0] = '\0';
	if (!ref && !fast) {
		v = JT_BOTH_REJECT;
	} else if (!fast) {
		v = JT_DECLINED;
	} else if (!ref) {
		snprintf(why, whylen, "jansson refuses it: %s", jerr.text);
		v = JT_FAST_ONLY;
	} else {
		v = jtree_same(fast, ref, why, whylen) ? JT_SAME
						       : JT_DIFFERENT;
	}
	json_decref(fast);
	json_decref(ref);
	return v;
}

#endif
