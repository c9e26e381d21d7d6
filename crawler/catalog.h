/*
 * The catalog file: the list of crawl sources a refresh works through
 * (single servers, client config files, MCP registries, folders of saved
 * manifests).  Format in docs/catalog.md.  Loading validates the whole
 * file strictly and names the bad entry by its JSON path; expanding turns
 * every source but registries into crawl targets (registries are synced
 * by the caller with registry_sync(), see crawler/registry.h).
 */
#ifndef MCPRISK_CATALOG_H
#define MCPRISK_CATALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "crawler/target.h"
#include "util/errbuf.h"

/* Largest catalog file read. */
#define CATALOG_MAX_BYTES ((size_t)4 << 20)
/* Most sources in one catalog. */
#define CATALOG_MAX_SOURCES 10000
/* Most manifest files taken from one folder. */
#define CATALOG_MAX_MANIFESTS 100000

enum catalog_source_type {
	SOURCE_SERVER,    /* one server: a URL or a command */
	SOURCE_CONFIG,    /* a client config file */
	SOURCE_REGISTRY,  /* an MCP registry (v0.1 API) */
	SOURCE_MANIFESTS, /* a folder (or file) of saved manifests */
};

/* One entry of "sources", validated. */
struct catalog_source {
	enum catalog_source_type type;
	size_t index;        /* position in "sources", for messages */
	const json_t *entry; /* the entry object; borrowed from the catalog */
	const char *name;    /* server: its name; borrowed from entry */
	char *path;          /* config, manifests: resolved path; owned */
	bool optional;       /* config: a missing file is skipped */
	char *url;           /* registry: base URL; owned */
	const char *search;  /* registry: name filter or NULL; borrowed */
	int limit;           /* registry: page size (1..100) */
	int max_pages;       /* registry: page cap, 0 for the default */
};

struct catalog {
	json_t *root;                /* the parsed file; owned */
	char *path;                  /* the catalog file as given; owned */
	char *dir;                   /* its directory (absolute); owned */
	struct catalog_source *v;    /* sources in file order; owned */
	size_t n;
};

#define CATALOG_INIT { NULL, NULL, NULL, NULL, 0 }

/*
 * Read and validate the catalog at path into *out (which must be
 * CATALOG_INIT or released).  Errors read "PATH: sources[2].url: expected
 * string, got integer"; unknown keys, unknown types and duplicate server
 * names are errors.  "~" is expanded and relative paths are resolved
 * against the catalog file's directory.  On error *out is left released.
 */
int catalog_load(const char *path, struct catalog *out, struct errbuf *eb);

/* Same from a buffer; path is used for messages and relative paths. */
int catalog_parse(const char *body, size_t len, const char *path,
		  struct catalog *out, struct errbuf *eb);

/* Free what the catalog owns; safe on CATALOG_INIT and twice. */
void catalog_release(struct catalog *c);

/*
 * Append the targets of every server, config and manifests source to out,
 * in catalog order (registry sources are skipped: sync them with
 * registry_sync() and add the result with catalog_merge()).  A server
 * whose ${VAR} cannot be expanded gets preset_status "config_error".
 * Names must be unique: a later target with the same name and the same
 * endpoint is dropped, a different one is an error.  On error nothing is
 * appended.
 */
int catalog_expand(const struct catalog *c, struct target_list *out,
		   struct errbuf *eb);

/*
 * Move every target of src to the end of dst with the same uniqueness
 * rule as catalog_expand(); src is left empty.  On error dst is unchanged
 * and src keeps what was not moved.
 */
int catalog_merge(struct target_list *dst, struct target_list *src,
		  struct errbuf *eb);

struct registry_opts;

/*
 * Fill *o for syncing registry source s (url, search, limit, page cap)
 * with the caller's allow_exec and since (the stored watermark or NULL).
 * o borrows from s.
 */
void catalog_registry_opts(const struct catalog_source *s, bool allow_exec,
			   const char *since, struct registry_opts *o);

/* The name of a source type as written in the file ("server", ...). */
const char *catalog_source_type_name(enum catalog_source_type t);

#endif
