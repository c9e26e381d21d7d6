/*
 * A strict reader for the small JSON documents the store writes (tool
 * definitions in canonical form: compact, keys sorted), for pages that
 * read a few fields of a million of them.  It reads into one flat array
 * and declines, rather than guesses, whenever jansson could see the text
 * differently; callers then use jansson.
 */
#ifndef MCPRISK_JSCAN_H
#define MCPRISK_JSCAN_H

#include <stdbool.h>
#include <stddef.h>

enum jscan_type {
	JSCAN_OBJECT, JSCAN_ARRAY, JSCAN_STRING, JSCAN_NUMBER, JSCAN_TRUE,
	JSCAN_FALSE, JSCAN_NULL
};

/* One value, in document order: a container's members follow it. */
struct jscan_node {
	enum jscan_type type;
	const char *key;   /* member name when the parent is an object */
	const char *str;   /* JSCAN_STRING: the decoded value */
	size_t size;       /* containers: number of members */
	size_t next;       /* index just past this value and its members */
};

/* A parsed document; node 0 is the root.  Strings are owned by it. */
struct jscan {
	struct jscan_node *n;
	size_t count, cap;
	char *strings;
};

/*
 * Parse text (NUL-terminated) into *js.  Returns false, with nothing to
 * release, when the text is not plainly one JSON value jansson would read
 * the same way: invalid JSON, but also object keys not in strictly
 * ascending byte order (so no duplicates), \u0000 or surrogate escapes,
 * integers of more than 18 digits, reals out of range, nesting deeper
 * than JSCAN_DEPTH_MAX.
 */
#define JSCAN_DEPTH_MAX 64
bool jscan_parse(const char *text, struct jscan *js);
void jscan_release(struct jscan *js);

/* The member key of object node obj; 0 (never a member) when absent or
   obj is no object. */
size_t jscan_get(const struct jscan *js, size_t obj, const char *key);

#endif
