/*
 * A crawl target: one server to fetch a tool manifest from, as produced by
 * the sources (catalog file, client configs, registry, manifest folders,
 * single URL/command) and consumed by the crawler.  Plain records that
 * sources fill in; everything in them is owned by the record.
 */
#ifndef MCPRISK_TARGET_H
#define MCPRISK_TARGET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum transport {
	TRANSPORT_AUTO,       /* URL: Streamable HTTP, then legacy SSE */
	TRANSPORT_STREAMABLE, /* Streamable HTTP only */
	TRANSPORT_SSE,        /* legacy HTTP+SSE only */
	TRANSPORT_STDIO,      /* a local process */
	TRANSPORT_MANIFEST,   /* a saved manifest file: nothing to crawl */
};

/* A name/value pair (headers, environment).  Values may be secrets. */
struct kv {
	char *name;
	char *value; /* expanded; never printed, logged or stored */
};

struct target {
	char *name;        /* catalog name of the server (unique in a run) */
	char *source;      /* where it came from: "catalog", "config:PATH",
			      "registry:URL", "manifests:PATH" */
	enum transport transport;
	char *url;         /* http(s) URL for HTTP transports, else NULL */
	struct kv *headers;
	size_t nheaders;
	char **argv;       /* stdio: command and arguments, NULL-terminated */
	struct kv *env;    /* stdio: variables added to the minimal env */
	size_t nenv;
	char *cwd;         /* stdio: working directory or NULL */
	char *path;        /* TRANSPORT_MANIFEST: the manifest file */
	/* Learned from a registry rather than written by the user: its
	   addresses must be public unless --allow-private. */
	bool learned;
	/* When set, the server is recorded with this status (e.g.
	   "needs_exec") and error instead of being crawled. */
	char *preset_status;
	char *preset_error;
	json_t *meta; /* registry/config metadata (title, version,
			 description, repository...) or NULL; owned ref */
};

struct target_list {
	struct target *v;
	size_t n;
	size_t cap;
};

#define TARGET_LIST_INIT { NULL, 0, 0 }

/* Append a zeroed target and return it (borrowed; valid until the next add). */
struct target *target_list_add(struct target_list *l);
/* Free every target and the array. */
void target_list_release(struct target_list *l);
/* Free what one target owns. */
void target_release(struct target *t);
/* A short description of the endpoint for messages, without secrets
   ("http://host/mcp" or "npx -y pkg"); new string. */
char *target_describe(const struct target *t);

/*
 * A target as JSON (new), to remember registry-learned targets between
 * incremental syncs: {"name","source","transport","url","headers":{..},
 * "argv":[..],"env":{..},"cwd","learned","preset_status","preset_error",
 * "meta"}.  Only registry targets are stored, and their header and env
 * values come from the public registry entry, never from the user.
 */
json_t *target_to_json(const struct target *t);

/* Fill a zeroed *t from target_to_json()'s output; -1 when malformed. */
int target_from_json(const json_t *j, struct target *t);

/* The name of a transport ("auto", "streamable-http", "sse", "stdio",
   "manifest"). */
const char *transport_name(enum transport tr);

#endif
