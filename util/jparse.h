/*
 * A fast reader for the JSON texts mcprisk parses most (tools/list
 * responses, manifests): it builds exactly the tree jansson's json_loadb()
 * with JSON_REJECT_DUPLICATES builds, or declines and leaves the text to
 * jansson.
 */
#ifndef MCPRISK_JPARSE_H
#define MCPRISK_JPARSE_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parse data[0..len) and return a new reference to the same tree
 * json_loadb(data, len, JSON_REJECT_DUPLICATES, ...) returns: same types
 * (integer and real apart), values, string bytes and key order, built
 * with jansson's constructors so it is freed with json_decref() as usual.
 *
 * NULL means "not read here", never "invalid": everything jansson refuses
 * is declined, and so is some input jansson accepts but this reader does
 * not handle itself: arrays and objects nested deeper than
 * JPARSE_MAX_DEPTH; reals that are not an exact m * 10^e (m <= 2^53,
 * |e| <= 22) and are longer than 63 characters, or that contain a '.'
 * while the locale's decimal point is another; and whatever jansson's
 * constructors fail to allocate.  The caller then asks jansson, which
 * decides and gives the error message.
 */
json_t *jparse(const char *data, size_t len);

/* Arrays and objects nested deeper than this are left to jansson (which
   allows values 2048 deep, JSON_PARSER_MAX_DEPTH); the bound also keeps
   the recursion's stack small on threads with small stacks. */
#define JPARSE_MAX_DEPTH 512

#endif
