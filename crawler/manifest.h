/*
 * Tool manifests: the shapes a tools/list result is found in (tools/list
 * result, JSON-RPC response, bare list, mcprisk snapshot), strict
 * validation with JSON-path errors, and the definition hash of each tool.
 * Shared by import, classify, the crawler and the HTTP service.
 */
#ifndef MCPRISK_MANIFEST_H
#define MCPRISK_MANIFEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/errbuf.h"
#include "util/hash.h"

struct jarena;

/* Largest manifest file or response body accepted: 64 MiB. */
#define MANIFEST_MAX_BYTES ((size_t)64 << 20)
/* Most tools accepted from one server; real servers stay in the hundreds. */
#define MANIFEST_MAX_TOOLS 10000
/* Largest canonical definition of one tool: 512 KiB. */
#define MANIFEST_MAX_TOOL_BYTES ((size_t)512 << 10)
/* Longest tool name kept at all (the spec allows 128; longer is flagged). */
#define MANIFEST_MAX_NAME 1024

enum manifest_shape {
	MANIFEST_TOOLS_RESULT, /* {"tools":[...]} */
	MANIFEST_JSONRPC,      /* {"jsonrpc":"2.0","id":..,"result":{...}} */
	MANIFEST_BARE_LIST,    /* [...] (Docker's tools.json) */
	MANIFEST_SNAPSHOT,     /* {"server":{...},"tools":[...]} */
};

struct manifest_tool {
	const char *name;    /* borrowed from json */
	json_t *json;        /* the tool object as received; borrowed */
	json_t *definition;  /* name,title,description,inputSchema,
				outputSchema,annotations; new ref */
	char *canonical;     /* canonical JSON of definition; owned */
	size_t canonical_len;
	char hash[SHA256_HEX_LEN + 1]; /* SHA-256 of canonical */
	bool name_nonstandard; /* outside the spec's [A-Za-z0-9_.-]{1,128} */
};

struct manifest {
	json_t *root;             /* the whole document; owned */
	enum manifest_shape shape;
	json_t *server;           /* snapshot "server" object or NULL; borrowed */
	const char *server_name;  /* server.name of a snapshot or NULL; borrowed */
	struct manifest_tool *tools; /* in the order received; owned */
	size_t ntools;
	/* SHA-256 over the sorted (name, hash) pairs: equal when nothing
	   about the tool list changed, whatever order it came in. */
	char hash[SHA256_HEX_LEN + 1];
	/* A hold on the jansson arena the tools were parsed into (a
	   crawl's session), dropped after them; NULL when on the heap. */
	struct jarena *arena;
};

#define MANIFEST_INIT                                                      \
	{ NULL, MANIFEST_TOOLS_RESULT, NULL, NULL, NULL, 0, "", NULL }

/*
 * Parse and validate body[0..len) in any accepted shape.  On error returns
 * -1 with a message naming the JSON path ("tools[3].inputSchema: expected
 * object, got string") and leaves *out released.
 */
int manifest_parse(const char *body, size_t len, struct manifest *out,
		   struct errbuf *eb);

/*
 * Build a manifest from a tools array collected by the crawler; steals
 * tools, borrows nothing.  server (may be NULL) is incref'd.
 */
int manifest_from_tools(json_t *tools, json_t *server, struct manifest *out,
			struct errbuf *eb);

/* Free what the manifest owns; safe on MANIFEST_INIT and twice. */
void manifest_release(struct manifest *m);

/* True when name matches [A-Za-z0-9_.-]{1,128}. */
bool manifest_name_is_standard(const char *name);

/*
 * The members of tool (an object) that make its definition, the text its
 * hash is taken over: name, title, description, inputSchema, outputSchema
 * and annotations, those that are null left out.  A new object sharing
 * tool's values.
 */
json_t *manifest_definition(const json_t *tool);

/* The tool's description, "" when absent (borrowed). */
const char *manifest_tool_description(const struct manifest_tool *t);

#endif
