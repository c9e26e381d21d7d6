/*
 * Ingest: what import and refresh share — one run in the catalog, each
 * server's manifest or failure written in its own transaction, then the
 * new definitions classified and a one-line summary printed.
 */
#ifndef MCPRISK_INGEST_H
#define MCPRISK_INGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "crawler/manifest.h"
#include "db/store.h"
#include "util/hash.h"

struct ingest;

/* Start ingesting for a run of kind ("import", "refresh"). */
struct ingest *ingest_new(struct app *app, const char *kind);
void ingest_free(struct ingest *ing);

/*
 * The key of a saved manifest: the SHA-256 of its bytes, a NUL and the
 * name it is imported under.  The same bytes named the same way are the
 * same manifest.
 */
void ingest_source_key(const char *body, size_t len, const char *name,
		       char key[SHA256_HEX_LEN + 1]);

/*
 * A saved manifest's bytes.  key identifies the bytes and their naming;
 * when the catalog already holds it nothing is parsed or written.  The
 * server name is the snapshot's, else fallback_name.  Errors name path.
 */
int ingest_file(struct ingest *ing, const char *path, const char *body,
		size_t len, const char *fallback_name, const char *key,
		struct errbuf *eb);

/*
 * Saved manifest files, in order: read, skipped when unchanged, parsed and
 * classified on worker threads, written in order on this thread.  The
 * server of paths[i] is named by its snapshot, else fallback_names[i].
 * Returns the number of files that failed (each error already printed).
 */
int ingest_files(struct ingest *ing, char *const *paths,
		 char *const *fallback_names, size_t n);

/*
 * Record the run now rather than at the first write, so that a locked or
 * read-only database fails before any crawling starts.
 */
int ingest_start(struct ingest *ing, struct errbuf *eb);

/* A good manifest fetched from a server (refresh). */
int ingest_manifest(struct ingest *ing, const struct server_info *info,
		    const struct manifest *m, struct errbuf *eb);

/*
 * From now on write servers on a thread of their own: ingest_manifest_take()
 * and ingest_failure() queue the server (copying what they need) and
 * return 0; the thread writes them in order.  The caller must not use the
 * store until ingest_collect(wait) or ingest_finish().  Where no thread
 * can be started, writes stay on the caller's thread.
 */
int ingest_background(struct ingest *ing, struct errbuf *eb);

/* Like ingest_manifest(), but takes *m (left empty), so that a background
   writer can own it. */
int ingest_manifest_take(struct ingest *ing, const struct server_info *info,
			 struct manifest *m, struct errbuf *eb);

/*
 * Hand the messages of background writes that failed to report(), on the
 * caller's thread; with wait, first let the writer finish its queue and
 * stop it.  Returns how many writes failed.
 */
int ingest_collect(struct ingest *ing, bool wait,
		   void (*report)(void *ctx, const char *msg), void *ctx);

/* A server that could not be fetched: it keeps its last good tools. */
int ingest_failure(struct ingest *ing, const struct server_info *info,
		   const char *status, const char *error, struct errbuf *eb);

/* Classify definitions lacking a verdict under the rule set in use. */
int ingest_classify_pending(struct ingest *ing, struct errbuf *eb);

/* The counters so far (borrowed). */
const struct run_stats *ingest_stats(const struct ingest *ing);

/*
 * Close the run with outcome, classify new definitions, print the summary
 * on stderr (unless --quiet).  Returns -1 after printing an error.
 */
int ingest_finish(struct ingest *ing, const char *outcome);

#endif
