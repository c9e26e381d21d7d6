/*
 * The catalog store: SQLite in WAL mode holding servers, tool definitions
 * (stored once per SHA-256 of their canonical JSON), tools per server,
 * verdicts per definition and rule-set version, runs and changes.  Every
 * statement is prepared and every value bound.  Query functions return
 * jansson values so the CLI and the HTTP service print the same data.
 */
#ifndef MCPRISK_STORE_H
#define MCPRISK_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "classifier/verdict.h"
#include "crawler/manifest.h"
#include "util/errbuf.h"

/* The schema version this binary writes (PRAGMA user_version). */
#define STORE_SCHEMA_VERSION 2
/* The page cache of a read-write connection: an import's writes land all
   over a large catalog's indexes, and re-reading their pages from disk
   cost more than keeping them (a fresh import of 1,000,000 tools took
   46 s with 32 MiB and 29 s with this). */
#define STORE_CACHE_KIB (128 * 1024)

struct store;

enum {
	STORE_READONLY = 1 << 0, /* open without write access */
	STORE_CREATE = 1 << 1,   /* create the file (and its folder) if missing */
};

/*
 * Open (and migrate) the catalog at path.  A database written by a newer
 * mcprisk is an error, never touched.  Returns NULL with a reason.
 */
struct store *store_open(const char *path, int flags, struct errbuf *eb);
void store_free(struct store *st);

/*
 * Build a new catalog for path privately: the database is written next to
 * it ("<path>.build-<pid>") under one exclusive lock, without a journal or
 * an fsync, and appears at path only when store_publish() has made it
 * durable and switched it to WAL.  Until then nobody sees a catalog;
 * store_free() of an unpublished build removes it, and a build whose
 * process died is removed by the next one.  Without a journal a failed
 * write cannot be rolled back: it abandons the build, and every later
 * write and the publish fail (store_build_failed).  Returns NULL with
 * *exists set when path is already there (open it instead), or NULL with
 * a reason.
 */
struct store *store_build(const char *path, bool *exists, struct errbuf *eb);
/* Whether st is an unpublished build (no other connection can open it). */
bool store_is_building(const struct store *st);
/* Whether a write to the build failed, so it can never be published. */
bool store_build_failed(const struct store *st);
/* Publish a build at its path and reopen it there; 0 for a plain store.
   Fails (the build kept until store_free) if path appeared meanwhile. */
int store_publish(struct store *st, struct errbuf *eb);

/* Fix the clock used for timestamps (tests); 0 restores real time. */
void store_set_now(struct store *st, int64_t now);

/* The underlying connection, for db/ internals only (borrowed). */
struct sqlite3;
struct sqlite3 *store_db(struct store *st);

/*
 * A read query of db/ prepared once per connection, reset and unbound
 * (borrowed; do not finalize).  sql must be a string literal: it is keyed
 * by address.  Past STORE_QUERY_CACHE queries the statement is new and not
 * kept (store_query_cached() is false: finalize it).  For db/ internals.
 */
#define STORE_QUERY_CACHE 32
struct sqlite3_stmt;
struct sqlite3_stmt *store_query_stmt(struct store *st, const char *sql,
				      struct errbuf *eb);
bool store_query_cached(struct store *st, struct sqlite3_stmt *s);

/* The path the store was opened with (borrowed). */
const char *store_path(const struct store *st);

/* Begin a run of the given kind ("import", "refresh"); returns its id. */
int64_t store_run_begin(struct store *st, const char *kind,
			const char *rules_version, struct errbuf *eb);

/* Counters kept for a run and written by store_run_finish(). */
struct run_stats {
	int servers_ok;
	int servers_failed;
	int servers_unchanged;
	int tools_added;
	int tools_removed;
	int tools_changed;
};

/* Close a run with its counters and an outcome ("ok", "failed", ...). */
int store_run_finish(struct store *st, int64_t run,
		     const struct run_stats *stats, const char *outcome,
		     struct errbuf *eb);

/* What is known about a server besides its tools; any field may be NULL. */
struct server_info {
	const char *name;      /* required */
	const char *title;
	const char *description;
	const char *version;
	const char *source;    /* "import:PATH", "catalog", "registry:URL" */
	const char *transport; /* stdio, streamable-http, sse, manifest */
	const char *endpoint;  /* URL or command line, never with secrets */
	const char *protocol_version;
	const char *instructions;
	const json_t *extra;   /* capabilities, auth details...; borrowed */
};

/* What store_put_manifest() did. */
struct put_result {
	bool unchanged;  /* nothing about the tools changed */
	bool new_server; /* first good manifest for this server */
	int added;
	int removed;
	int changed;
	int verdicts;    /* verdicts of new definitions stored with them */
};

/*
 * Is the manifest identified by source_key (a SHA-256 of the raw bytes and
 * how they were named) already stored as the server's current manifest?
 * Lets import skip unchanged files without parsing them.
 */
bool store_has_source(struct store *st, const char *source_key);

/*
 * Store a good manifest for a server in one transaction: upsert the server,
 * insert new definitions, mark tools added / changed / removed and record
 * them in changes for run.  An identical tool list records nothing.
 * source_key may be NULL.  When touch is set the server's last attempt and
 * last success times are updated even if nothing changed (refresh).
 */
int store_put_manifest(struct store *st, int64_t run,
		       const struct server_info *info, const struct manifest *m,
		       const char *source_key, bool touch,
		       struct put_result *res, struct errbuf *eb);

/*
 * A verdict ready to store: the columns the store indexes and the JSON
 * text it keeps.  Filled where the verdict is computed (a worker thread),
 * so the writer only binds values.
 */
struct verdict_row {
	const char *category; /* category_name(); static */
	const char *risk;     /* risk_name(); static */
	int score;
	double confidence;    /* rounded to two decimals, as in the JSON */
	char *json;           /* verdict_to_text(); owned; NULL: no verdict */
};

/* Fill r from v; r->json is new (verdict_row_release frees it). */
void verdict_row_fill(struct verdict_row *r, const struct verdict *v);
void verdict_row_release(struct verdict_row *r);

/* Verdicts computed before the write, one row per manifest tool (json
   NULL where none), all under rules_version; borrowed. */
struct put_verdicts {
	const char *rules_version;
	const struct verdict_row *rows;
};

/*
 * store_put_manifest, also storing the given verdicts of definitions the
 * catalog did not hold yet (so importers can classify on other threads).
 */
int store_put_manifest_verdicts(struct store *st, int64_t run,
				const struct server_info *info,
				const struct manifest *m,
				const struct put_verdicts *pv,
				const char *source_key, bool touch,
				struct put_result *res, struct errbuf *eb);

/* Whether every definition has a verdict under rules_version (false when
   that cannot be told). */
bool store_all_classified(struct store *st, const char *rules_version);

/* Whether server's stored tools are exactly the manifest with this hash
   (manifest.hash), so that writing it again changes no tool. */
bool store_manifest_is_current(struct store *st, const char *server,
			       const char *manifest_hash);

/* Does the definition with this hash have a verdict under rules_version? */
bool store_has_verdict(struct store *st, const char *hash,
		       const char *rules_version);

/*
 * Record a failed attempt: the server keeps its last good tools; only its
 * status, error and last attempt change (the server is created if new).
 */
int store_put_failure(struct store *st, const struct server_info *info,
		      const char *status, const char *error,
		      struct errbuf *eb);

/*
 * Call fn for every definition with no verdict for rules_version, oldest
 * first, with the definition's hash and canonical JSON text (both borrowed
 * for the call).  fn may write verdicts meanwhile.  fn returns 0 to go on,
 * -1 to stop (the error then comes from fn's errbuf).
 */
int store_each_unclassified(struct store *st, const char *rules_version,
			    int (*fn)(void *ctx, const char *hash,
				      const char *json),
			    void *ctx, struct errbuf *eb);

/*
 * Write up to servers manifests per outer transaction (default 1).  A
 * crash loses at most the servers of the open batch, never half a server.
 * A failed server write rolls the whole open batch back: every server in
 * it keeps the state of the last commit (the error says how many), and
 * store_discarded() tells the caller how many servers besides the failed
 * one that was.  store_flush() commits the batch.
 */
void store_set_batch(struct store *st, int servers);
/* The page cache of st's read-write connection, in KiB (default
   STORE_CACHE_KIB), from now on and after a publish. */
int store_set_cache(struct store *st, int kib, struct errbuf *eb);
int store_flush(struct store *st, struct errbuf *eb);

/* Servers that the last failed store_put_manifest*() or
   store_put_failure() rolled back besides its own (0 after a success). */
int store_discarded(const struct store *st);

/* Verdicts are written in batches: begin, put..., commit. */
int store_begin(struct store *st, struct errbuf *eb);
int store_commit(struct store *st, struct errbuf *eb);
void store_rollback(struct store *st);

/* Store the verdict of the definition with this hash. */
int store_put_verdict(struct store *st, const char *hash,
		      const char *rules_version, const struct verdict_row *r,
		      struct errbuf *eb);

/*
 * Queries.  Each returns a new JSON value or NULL with a reason.
 * rules_version selects which verdicts to join (NULL: none).
 */
/* {"servers":[{name,title,status,error,tool_count,last_success,...,
    "categories":{"read":N,...},"max_risk":..}]} ordered by name. */
json_t *store_servers(struct store *st, const char *rules_version,
		      struct errbuf *eb);
/* {"server":{...},"tools":[{name,title,description,hash,nonstandard,
    "verdict":{...}|null}]} or NULL with "no server 'X'" in eb. */
json_t *store_server(struct store *st, const char *name,
		     const char *rules_version, struct errbuf *eb);
/* Every present tool called name (on one server if server != NULL):
   {"tool":name,"servers":[{"server":..,"hash":..,"verdict":{...}}]}. */
json_t *store_tool(struct store *st, const char *name, const char *server,
		   const char *rules_version, struct errbuf *eb);
/*
 * store_tool()'s value as compact JSON text appended to out (no newline),
 * keys in sorted order, for the service: the stored definition and
 * verdict texts are copied instead of decoded and encoded again.  When a
 * row's stored text cannot be copied without changing the value (not an
 * object, a real that --json would print rounded, ...) the whole answer is
 * encoded from store_tool() instead.  0, or -1 with store_tool()'s
 * messages, or "response is larger than N bytes" once out reaches its cap.
 */
struct buf;
int store_tool_text(struct store *st, const char *name, const char *server,
		    const char *rules_version, struct buf *out,
		    struct errbuf *eb);
/* Full-text search: {"query":q,"results":[{server,tool,description,
   rank}]}, best first, at most limit. */
json_t *store_search(struct store *st, const char *query, int limit,
		     struct errbuf *eb);
/*
 * Drift since a Unix time, oldest first, at most limit rows (limit <= 0:
 * all): {"changes":[{run,at,server,tool,kind,fields,old_hash,new_hash,
 * old_category,old_risk,new_category,new_risk}]}, the categories and
 * risks null where that side has no verdict under rules_version.
 */
json_t *store_changes(struct store *st, int64_t since,
		      const char *rules_version, int limit,
		      struct errbuf *eb);
/* Every present tool with its verdict, for exports and reports:
   {"servers":[{"name":..,"tools":[{"name":..,"verdict":{..}}]}]}. */
json_t *store_catalog(struct store *st, const char *rules_version,
		      const char *only_server, struct errbuf *eb);

/*
 * Stream the catalog one server at a time, in name order: fn gets
 * {"name":..,"tools":[{"name","hash","verdict"}]} (borrowed for the call)
 * and returns -1 to stop.  Servers without present tools are skipped.
 * Memory stays bounded by the largest server, whatever the catalog size.
 */
int store_each_server_tools(struct store *st, const char *rules_version,
			    int (*fn)(void *ctx, json_t *server), void *ctx,
			    struct errbuf *eb);

/*
 * Every present tool with its raw definition, grouped by definition (in
 * hash order, then server and tool name): fn gets the server and tool
 * names, the definition hash and its canonical JSON (all borrowed for the
 * call) and returns -1 to stop.  Read-only.
 */
int store_each_definition(struct store *st,
			  int (*fn)(void *ctx, const char *server,
				    const char *tool, const char *hash,
				    const char *json),
			  void *ctx, struct errbuf *eb);

/* The riskiest present tools, highest score first:
   {"tools":[{server,tool,category,risk,score,confidence,rationale}]}. */
json_t *store_top(struct store *st, const char *rules_version, int limit,
		  struct errbuf *eb);

/* A small persistent setting (e.g. a registry's last sync time); *value
   is new or NULL when unset. */
int store_meta_get(struct store *st, const char *key, char **value,
		   struct errbuf *eb);
int store_meta_set(struct store *st, const char *key, const char *value,
		   struct errbuf *eb);

/* Remember (or replace) a registry-learned target; target is borrowed. */
int store_registry_put(struct store *st, const char *registry,
		       const char *name, const json_t *target,
		       struct errbuf *eb);
/* Forget a registry target (the server was deleted from the registry). */
int store_registry_delete(struct store *st, const char *registry,
			  const char *name, struct errbuf *eb);
/* Every remembered target of a registry, in name order:
   [target_to_json()...] (new). */
json_t *store_registry_targets(struct store *st, const char *registry,
			       struct errbuf *eb);

/*
 * One page of store_servers(): the servers named after `after` (NULL: from
 * the first), at most limit of them, each row exactly as store_servers()
 * gives it.  Returns {"servers":[...]} (new) and sets *more when servers
 * follow the page.
 */
json_t *store_servers_page(struct store *st, const char *rules_version,
			   const char *after, int limit, bool *more,
			   struct errbuf *eb);
/*
 * Catalog counts for monitoring: {"servers":N,"tools":N (present),
 * "definitions":N}.
 */
json_t *store_counts(struct store *st, struct errbuf *eb);
/*
 * The latest run of a kind ("refresh", "import"): {"id","kind","started",
 * "finished","outcome"} (finished and outcome null while it runs), or JSON
 * null when there was none.  New reference, or NULL with a reason.
 */
json_t *store_last_run(struct store *st, const char *kind,
		       struct errbuf *eb);

/*
 * Tune a long-lived read-only connection (the service's workers): map up
 * to mmap_bytes of the file instead of copying pages through read(), and
 * keep cache_kib of pages in its own cache.
 */
int store_reader_tune(struct store *st, long long mmap_bytes, int cache_kib,
		      struct errbuf *eb);

/*
 * Process-wide SQLite settings for many threads: no global memory
 * statistics, and no mutex around each connection, so afterwards a store
 * must never be used by two threads at the same time.  Call before any
 * store is opened; later calls do nothing.
 */
void store_process_tune(void);

#endif
