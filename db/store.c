/*
 * The catalog store (see store.h).  Statements are prepared once per
 * connection and reset after use; a server's manifest is written in a
 * single IMMEDIATE transaction so a crash leaves either the old or the new
 * tool list, never a mix.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "db/schema.h"
#include "db/store.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/jalloc.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* How long a writer waits for another writer's lock before failing. */
#define STORE_BUSY_TIMEOUT_MS 10000

enum stmt_id {
	Q_SERVER_ID,
	Q_COUNT_DEFS,
	Q_COUNT_VERDICTS,
	Q_SERVER_INSERT,
	Q_SERVER_UPDATE_META,
	Q_SERVER_SET_GOOD,
	Q_SERVER_TOUCH,
	Q_SERVER_SET_FAILED,
	Q_HAS_SOURCE,
	Q_TOOLS_OF,
	Q_DEF_INSERT,
	Q_DEF_ID,
	Q_DEF_JSON,
	Q_FTS_INSERT,
	Q_DEF_MAX,
	Q_TOOL_INSERT,
	Q_TOOL_CHANGE,
	Q_TOOL_SEEN,
	Q_TOOL_REMOVE,
	Q_CHANGE_INSERT,
	Q_RUN_BEGIN,
	Q_RUN_FINISH,
	Q_UNCLASSIFIED,
	Q_UNCLASSIFIED_ID,
	Q_VERDICT_PUT_ID,
	Q_HAS_VERDICT,
	Q__COUNT
};

static const char *const stmt_sql[Q__COUNT] = {
	[Q_SERVER_ID] = "SELECT id, manifest_hash FROM servers WHERE name = ?1",
	[Q_COUNT_DEFS] = "SELECT count(*) FROM definitions",
	[Q_COUNT_VERDICTS] = "SELECT count(*) FROM verdicts"
			     " WHERE rules_version = ?1",
	[Q_SERVER_INSERT] =
		"INSERT INTO servers (name, first_seen) VALUES (?1, ?2)",
	[Q_SERVER_UPDATE_META] =
		"UPDATE servers SET title = coalesce(?2, title),"
		" description = coalesce(?3, description),"
		" version = coalesce(?4, version), source = coalesce(?5, source),"
		" transport = coalesce(?6, transport),"
		" endpoint = coalesce(?7, endpoint),"
		" protocol_version = coalesce(?8, protocol_version),"
		" instructions = coalesce(?9, instructions),"
		" extra = coalesce(?10, extra) WHERE id = ?1",
	[Q_SERVER_SET_GOOD] =
		"UPDATE servers SET status = 'ok', error = NULL,"
		" last_attempt = ?2, last_success = ?2, manifest_hash = ?3,"
		" source_key = ?4, tool_count = ?5 WHERE id = ?1",
	[Q_SERVER_TOUCH] =
		"UPDATE servers SET status = 'ok', error = NULL,"
		" last_attempt = ?2, last_success = ?2,"
		" source_key = coalesce(?3, source_key) WHERE id = ?1",
	[Q_SERVER_SET_FAILED] =
		"UPDATE servers SET status = ?2, error = ?3, last_attempt = ?4"
		" WHERE id = ?1",
	[Q_HAS_SOURCE] = "SELECT 1 FROM servers WHERE source_key = ?1"
			 " AND status = 'ok' LIMIT 1",
	[Q_TOOLS_OF] = "SELECT t.name, d.hash, t.removed_at FROM tools t"
		       " JOIN definitions d ON d.id = t.def_id"
		       " WHERE t.server_id = ?1 ORDER BY t.name",
	[Q_DEF_INSERT] = "INSERT OR IGNORE INTO definitions"
			 " (hash, name, description, words, json)"
			 " VALUES (?1,?2,?3,?4,?5)",
	[Q_DEF_ID] = "SELECT id FROM definitions WHERE hash = ?1",
	[Q_DEF_JSON] = "SELECT json FROM definitions WHERE hash = ?1",
	[Q_FTS_INSERT] = "INSERT INTO definitions_fts"
			 " (rowid, name, words, description)"
			 " SELECT id, name, words, description FROM definitions"
			 " WHERE id > ?1 ORDER BY id",
	[Q_DEF_MAX] = "SELECT coalesce(max(id), 0) FROM definitions",
	[Q_TOOL_INSERT] =
		"INSERT INTO tools (server_id, name, def_id, nonstandard,"
		" first_seen, last_seen, removed_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?5, NULL)"
		" ON CONFLICT (server_id, name) DO UPDATE SET def_id = ?3,"
		" nonstandard = ?4, last_seen = ?5, removed_at = NULL",
	[Q_TOOL_CHANGE] = "UPDATE tools SET def_id = ?3, nonstandard = ?4,"
			  " last_seen = ?5 WHERE server_id = ?1 AND name = ?2",
	[Q_TOOL_SEEN] = "UPDATE tools SET last_seen = ?3"
			" WHERE server_id = ?1 AND name = ?2",
	[Q_TOOL_REMOVE] = "UPDATE tools SET removed_at = ?3"
			  " WHERE server_id = ?1 AND name = ?2",
	[Q_CHANGE_INSERT] =
		"INSERT INTO changes (run_id, server_id, tool, kind, fields,"
		" old_hash, new_hash, at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
	[Q_RUN_BEGIN] = "INSERT INTO runs (kind, rules_version, started)"
			" VALUES (?1, ?2, ?3)",
	[Q_RUN_FINISH] =
		"UPDATE runs SET finished = ?2, outcome = ?3, servers_ok = ?4,"
		" servers_failed = ?5, servers_unchanged = ?6,"
		" tools_added = ?7, tools_removed = ?8, tools_changed = ?9"
		" WHERE id = ?1",
	[Q_UNCLASSIFIED] =
		"SELECT d.hash, d.json FROM definitions d WHERE NOT EXISTS"
		" (SELECT 1 FROM verdicts v WHERE v.def_id = d.id"
		" AND v.rules_version = ?1) ORDER BY d.id",
	[Q_UNCLASSIFIED_ID] =
		"SELECT d.hash, d.json FROM definitions d WHERE d.id = ?1"
		" AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE"
		" v.def_id = d.id AND v.rules_version = ?2)",
	[Q_VERDICT_PUT_ID] =
		"INSERT OR REPLACE INTO verdicts (def_id, rules_version,"
		" category, risk, score, confidence, json)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7)",
	[Q_HAS_VERDICT] =
		"SELECT 1 FROM definitions d JOIN verdicts v ON v.def_id = d.id"
		" AND v.rules_version = ?2 WHERE d.hash = ?1",
};

struct deferred_index {
	char *name; /* owned */
	char *sql;  /* its CREATE INDEX statement; owned */
};

struct store {
	sqlite3 *db;
	char *path;
	char *final_path; /* where a private build is published, or NULL */
	bool broken;      /* a build write failed: it cannot be published */
	int cache_kib;    /* page cache of a read-write connection */
	sqlite3_stmt *stmt[Q__COUNT];
	/* Read queries of db/query.c, prepared once per connection and
	   keyed by the address of their SQL text (a string literal). */
	const char *qsql[STORE_QUERY_CACHE];
	sqlite3_stmt *qstmt[STORE_QUERY_CACHE];
	int64_t now; /* fixed clock for tests (0: real time) */
	int batch_max;  /* servers per outer transaction (1: commit each) */
	int batch_open; /* servers written in the open outer transaction */
	int discarded;  /* servers of the batch the last failed write
			   rolled back, besides itself */
	/* Definitions up to this id are in the full-text index.  New ones
	   are indexed in one statement just before each commit: FTS5 flushes
	   its pending terms at every statement savepoint, so indexing row by
	   row between other writes would cost a segment per statement. */
	int64_t fts_done;
	/* A build's secondary indexes of tools, dropped while it is filled
	   and created from their SQL when it is published. */
	struct deferred_index *deferred;
	size_t ndeferred;
	/* A build's definitions stored without a verdict, in id order: all
	   that its catalog can lack when every verdict stored with a new
	   definition was of one rule set (bare_rv, NULL before the first;
	   bare_mixed after a second).  The pass that classifies what is
	   left reads these rows instead of scanning every definition. */
	int64_t *bare;
	size_t nbare, bare_cap;
	char *bare_rv;
	bool bare_mixed;
};

static int64_t
store_now(const struct store *st)
{
	return st->now ? st->now : (int64_t)time(NULL);
}

void
store_set_now(struct store *st, int64_t now)
{
	st->now = now;
}

struct sqlite3 *
store_db(struct store *st)
{
	return st->db;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

static void
db_error(struct store *st, struct errbuf *eb, const char *what)
{
	errbuf_set(eb, "%s: %s", what, sqlite3_errmsg(st->db));
}

/* The prepared statement id, reset and with bindings cleared. */
static sqlite3_stmt *
stmt(struct store *st, enum stmt_id id, struct errbuf *eb)
{
	if (!st->stmt[id]) {
		if (sqlite3_prepare_v3(st->db, stmt_sql[id], -1,
				       SQLITE_PREPARE_PERSISTENT, &st->stmt[id],
				       NULL) != SQLITE_OK) {
			db_error(st, eb, "cannot prepare statement");
			return NULL;
		}
	}
	sqlite3_reset(st->stmt[id]);
	sqlite3_clear_bindings(st->stmt[id]);
	return st->stmt[id];
}

static void
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* Step a statement that returns no rows. */
static int
step_done(struct store *st, sqlite3_stmt *s, struct errbuf *eb,
	  const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		db_error(st, eb, what);
		return -1;
	}
	return 0;
}

static int
exec(struct store *st, const char *sql, struct errbuf *eb)
{
	char *err = NULL;

	if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		errbuf_set(eb, "%s: %s", sql, err ? err : "unknown error");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/*
 * One server's write, inside an outer transaction that is committed every
 * batch_max servers (see store_set_batch).  No savepoint per server: a
 * savepoint copies every page the server touches into a sub-journal and
 * frees it again on release, which cost a fifth of a fresh import.  A
 * server is still atomic, because a failed write rolls back the whole
 * open batch: each of its servers keeps the state of the last commit,
 * as after a crash, and the next run writes them again.
 */
/* A build has no journal to roll back with: after a failed write it is
   abandoned, and every later write fails. */
static int
check_build(const struct store *st, struct errbuf *eb)
{
	if (!st->broken)
		return 0;
	errbuf_set(eb, "a write to the new catalog failed; it is abandoned "
		       "and nothing was published");
	return -1;
}

static int
server_tx_begin(struct store *st, struct errbuf *eb)
{
	st->discarded = 0;
	if (check_build(st, eb) < 0)
		return -1;
	if (st->batch_open == 0 && exec(st, "BEGIN IMMEDIATE", eb) < 0)
		return -1;
	return 0;
}

static int
server_tx_end(struct store *st, bool ok, struct errbuf *eb)
{
	if (!ok) {
		st->discarded = st->batch_open;
		st->batch_open = 0;
		store_rollback(st);
		if (st->final_path)
			errbuf_suffix(eb, "; the new catalog is abandoned and "
				      "nothing was published");
		else if (st->discarded > 0)
			errbuf_suffix(eb, "; the %d server%s written before it "
				      "in the same transaction keep%s the "
				      "state of the last commit",
				      st->discarded,
				      st->discarded == 1 ? "" : "s",
				      st->discarded == 1 ? "s" : "");
		return 0;
	}
	if (++st->batch_open >= st->batch_max)
		return store_flush(st, eb);
	return 0;
}

int
store_discarded(const struct store *st)
{
	return st->discarded;
}

/* PRAGMA cache_size for st->cache_kib. */
static int
set_cache(struct store *st, struct errbuf *eb)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", st->cache_kib);
	return exec(st, sql, eb);
}

int
store_set_cache(struct store *st, int kib, struct errbuf *eb)
{
	st->cache_kib = kib;
	return set_cache(st, eb);
}

void
store_set_batch(struct store *st, int servers)
{
	st->batch_max = servers > 0 ? servers : 1;
}

/* Add definitions newer than fts_done to the full-text index. */
static int
index_pending(struct store *st, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_DEF_MAX, eb);
	int64_t max;

	if (!s)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_reset(s);
		db_error(st, eb, "cannot read definitions");
		return -1;
	}
	max = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (max <= st->fts_done)
		return 0;
	s = stmt(st, Q_FTS_INSERT, eb);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, st->fts_done);
	if (step_done(st, s, eb, "cannot index definitions") < 0)
		return -1;
	st->fts_done = max;
	return 0;
}

int
store_flush(struct store *st, struct errbuf *eb)
{
	int64_t fts_before = st->fts_done;
	int n = st->batch_open;

	if (n == 0)
		return 0;
	if (check_build(st, eb) < 0)
		return -1;
	st->batch_open = 0;
	if (index_pending(st, eb) < 0 || exec(st, "COMMIT", eb) < 0) {
		/* Every server of the batch keeps its previous state. */
		store_rollback(st);
		st->fts_done = fts_before;
		if (st->final_path)
			errbuf_suffix(eb, "; the new catalog is abandoned and "
				      "nothing was published");
		else
			errbuf_prefix(eb, "cannot save the last %d server%s",
				      n, n == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

/*
 * A reader that finds the schema of an older mcprisk migrates it once
 * through a short-lived read-write connection, so that upgrading the
 * binary does not leave every query failing until something writes.
 * Where the file cannot be written the reader's own check explains.
 */
static int
migrate_for_reader(struct store *st, struct errbuf *eb)
{
	struct errbuf inner = ERRBUF_INIT;
	sqlite3 *rw = NULL;
	int v;

	if (schema_version(st->db, &v, eb) < 0)
		return -1;
	if (v >= schema_latest())
		return 0;
	if (sqlite3_open_v2(st->path, &rw, SQLITE_OPEN_READWRITE, NULL) ==
	    SQLITE_OK) {
		sqlite3_busy_timeout(rw, STORE_BUSY_TIMEOUT_MS);
		schema_migrate(rw, 0, &inner);
	}
	sqlite3_close(rw);
	return 0;
}

/* Open st->path for flags and set the connection up. */
static int
connect_db(struct store *st, int flags, struct errbuf *eb)
{
	bool ro = flags & STORE_READONLY, build = st->final_path != NULL;
	int oflags = SQLITE_OPEN_NOMUTEX;

	oflags |= ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(st->path, &st->db, oflags, NULL) != SQLITE_OK) {
		errbuf_set(eb, "cannot open database '%s': %s", st->path,
			   st->db ? sqlite3_errmsg(st->db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	/* A build only inserts, each row after the rows it names, and
	   nothing deletes a server: the checks would find nothing wrong,
	   at two index lookups a tool.  The published catalog checks. */
	if (exec(st, build ? "PRAGMA foreign_keys = OFF"
			   : "PRAGMA foreign_keys = ON", eb) < 0)
		goto fail;
	/* A private build has no reader to share with and nothing to lose
	   in a crash (the file is only published when complete): one lock
	   held throughout, no journal, no fsync until published.  Every
	   page is written once, not to the WAL and then again, and no copy
	   of a changed page is kept for a rollback: a failed write abandons
	   the build (check_build).  A new catalog gets 32 KiB pages: a tool
	   writes a definition of most of a kilobyte and a verdict of more
	   than half of one, and bigger pages take them in far fewer reads
	   and writes (a fresh import of 1,000,000 tools: 28.8 s with 4 KiB,
	   21.3 s with 16, 19.0 s with 32, 20.0 s with 64; a cold crawl of
	   10,000 servers also spends less time in the kernel). */
	if (build && (exec(st, "PRAGMA page_size = 32768", eb) < 0 ||
		      exec(st, "PRAGMA locking_mode = EXCLUSIVE", eb) < 0 ||
		      exec(st, "PRAGMA journal_mode = OFF", eb) < 0 ||
		      exec(st, "PRAGMA synchronous = OFF", eb) < 0))
		goto fail;
	if (!ro && !build &&
	    (exec(st, "PRAGMA journal_mode = WAL", eb) < 0 ||
	     exec(st, "PRAGMA synchronous = NORMAL", eb) < 0))
		goto fail;
	if (!ro && (set_cache(st, eb) < 0 ||
		    exec(st, "PRAGMA temp_store = MEMORY", eb) < 0))
		goto fail;
	if (ro && migrate_for_reader(st, eb) < 0)
		goto fail;
	if (schema_migrate(st->db, ro, eb) < 0)
		goto fail;
	if (!ro) {
		sqlite3_stmt *s = stmt(st, Q_DEF_MAX, eb);

		if (!s || sqlite3_step(s) != SQLITE_ROW) {
			if (s)
				sqlite3_reset(s);
			db_error(st, eb, "cannot read definitions");
			goto fail;
		}
		st->fts_done = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return 0;
fail:
	errbuf_prefix(eb, "database '%s'", st->path);
	return -1;
}

/* Finalize the statements and close the connection. */
static void
close_db(struct store *st)
{
	int i;

	for (i = 0; i < Q__COUNT; i++) {
		sqlite3_finalize(st->stmt[i]);
		st->stmt[i] = NULL;
	}
	for (i = 0; i < STORE_QUERY_CACHE; i++) {
		sqlite3_finalize(st->qstmt[i]);
		st->qstmt[i] = NULL;
		st->qsql[i] = NULL;
	}
	sqlite3_close(st->db);
	st->db = NULL;
}

/* Create the folder that will hold path. */
static int
make_parent(const char *path, struct errbuf *eb)
{
	char *dir = file_dir(path);
	int ret = file_mkdirs(dir, eb);

	free(dir);
	return ret;
}

struct store *
store_open(const char *path, int flags, struct errbuf *eb)
{
	struct store *st = xcalloc(1, sizeof(*st));
	struct stat sb;

	st->path = xstrdup(path);
	st->batch_max = 1;
	st->cache_kib = STORE_CACHE_KIB;
	if ((flags & STORE_READONLY) && stat(path, &sb) < 0) {
		errbuf_set(eb, "cannot open database '%s': no such file", path);
		goto fail;
	}
	if (!(flags & STORE_READONLY) && (flags & STORE_CREATE) &&
	    make_parent(path, eb) < 0)
		goto fail;
	if (connect_db(st, flags, eb) < 0)
		goto fail;
	return st;
fail:
	store_free(st);
	return NULL;
}

/* Remove the files of builds of path whose process is gone (killed before
   publishing): "<path>.build-<pid>" and its side files. */
static void
remove_dead_builds(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir = file_dir(path);
	char *prefix = xasprintf("%s.build-", base);
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		char *end, *victim;
		long pid;

		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		errno = 0;
		pid = strtol(de->d_name + plen, &end, 10);
		if (errno || end == de->d_name + plen || pid <= 0 ||
		    (*end && *end != '-') || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		victim = xasprintf("%s/%s", dir, de->d_name);
		unlink(victim);
		free(victim);
	}
	if (d)
		closedir(d);
	free(prefix);
	free(dir);
}

/* Remove this build's file and the side files SQLite may have made. */
static void
remove_build(const struct store *st)
{
	static const char *const side[] = { "", "-journal", "-wal", "-shm" };
	size_t i;

	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		char *p = xasprintf("%s%s", st->path, side[i]);

		unlink(p);
		free(p);
	}
}

/*
 * FTS5 merges a level's segments into one once it holds this many.  A
 * build flushes a segment at each commit, and its merges were a seventh
 * of the writer's time: merging 16 at a time rewrites each term list half
 * as often as SQLite's 4 (fresh import of 1,000,000 tools, alternating:
 * 19.1 s with 4, 18.5 s with 8, 17.7 s with 16, 18.3 s with 32; a search
 * of the result took as long).  The published catalog gets the default
 * back for the small writes of later runs.
 */
#define FTS_BUILD_MERGE 16
#define FTS_DEFAULT_MERGE 4

static int
fts_automerge(struct store *st, int n, struct errbuf *eb)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO definitions_fts(definitions_fts, rank)"
		 " VALUES ('automerge', %d)", n);
	return exec(st, sql, eb);
}

/*
 * A build inserts a million tools in name order within each server, but
 * their name and definition indexes take them in no useful order: every
 * insert is a search down a b-tree bigger than the cache allows, and
 * every commit writes its scattered pages again.  Built at the end, from
 * one sort each, they cost a fraction.  Drop them now (their SQL kept);
 * the unique ones stay, as they enforce what the writes rely on, and
 * nothing a build reads uses these (it looks tools up by server).
 */
static int
defer_indexes(struct store *st, struct errbuf *eb)
{
	sqlite3_stmt *s;
	size_t i;
	int rc;

	if (sqlite3_prepare_v2(st->db,
			       "SELECT name, sql FROM sqlite_schema"
			       " WHERE type = 'index' AND tbl_name = 'tools'"
			       " AND sql IS NOT NULL"
			       " AND sql NOT LIKE 'CREATE UNIQUE%'"
			       " ORDER BY name",
			       -1, &s, NULL) != SQLITE_OK) {
		db_error(st, eb, "cannot read the schema");
		return -1;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct deferred_index *di;

		st->deferred = xreallocarray(st->deferred, st->ndeferred + 1,
					     sizeof(*st->deferred));
		di = &st->deferred[st->ndeferred++];
		di->name = xstrdup((const char *)sqlite3_column_text(s, 0));
		di->sql = xstrdup((const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		db_error(st, eb, "cannot read the schema");
		return -1;
	}
	for (i = 0; i < st->ndeferred; i++) {
		char *sql = xasprintf("DROP INDEX \"%s\"",
				      st->deferred[i].name);

		rc = exec(st, sql, eb);
		free(sql);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/*
 * Create the indexes defer_indexes() dropped, in a page cache of a few
 * megabytes: the sort that builds one needs the memory more.  The sort
 * spills its runs to temporary files (SQLite's choice of directory:
 * SQLITE_TMPDIR, TMPDIR, /var/tmp, /usr/tmp, /tmp, then the current
 * one), as a reader's sorts do: held in memory instead, the same two
 * indexes of a million tools took 1.5-1.8 s rather than 0.9-1.0 s.
 */
static int
create_deferred(struct store *st, struct errbuf *eb)
{
	size_t i;

	if (!st->ndeferred)
		return 0;
	if (exec(st, "PRAGMA cache_size = -8192", eb) < 0 ||
	    exec(st, "PRAGMA shrink_memory", eb) < 0 ||
	    exec(st, "PRAGMA temp_store = FILE", eb) < 0)
		return -1;
	for (i = 0; i < st->ndeferred; i++)
		if (exec(st, st->deferred[i].sql, eb) < 0)
			return -1;
	if (exec(st, "PRAGMA temp_store = MEMORY", eb) < 0)
		return -1;
	return set_cache(st, eb);
}

/* Forget what a build kept for its publish and its last pass. */
static void
free_build_state(struct store *st)
{
	size_t i;

	for (i = 0; i < st->ndeferred; i++) {
		free(st->deferred[i].name);
		free(st->deferred[i].sql);
	}
	free(st->deferred);
	st->deferred = NULL;
	st->ndeferred = 0;
	free(st->bare);
	st->bare = NULL;
	st->nbare = st->bare_cap = 0;
	free(st->bare_rv);
	st->bare_rv = NULL;
	st->bare_mixed = false;
}

struct store *
store_build(const char *path, bool *exists, struct errbuf *eb)
{
	struct store *st;
	struct stat sb;

	*exists = false;
	/* lstat: a dangling symlink is a catalog path someone set up, and a
	   rename would not replace it. */
	if (lstat(path, &sb) == 0 || errno != ENOENT) {
		*exists = true;
		return NULL;
	}
	if (make_parent(path, eb) < 0)
		return NULL;
	remove_dead_builds(path);
	st = xcalloc(1, sizeof(*st));
	st->batch_max = 1;
	st->cache_kib = STORE_CACHE_KIB;
	st->final_path = xstrdup(path);
	st->path = xasprintf("%s.build-%ld", path, (long)getpid());
	remove_build(st);
	if (connect_db(st, STORE_CREATE, eb) < 0 ||
	    defer_indexes(st, eb) < 0 ||
	    fts_automerge(st, FTS_BUILD_MERGE, eb) < 0) {
		errbuf_prefix(eb, "cannot build a new catalog at '%s'", path);
		store_free(st);
		return NULL;
	}
	return st;
}

bool
store_is_building(const struct store *st)
{
	return st->final_path != NULL;
}

bool
store_build_failed(const struct store *st)
{
	return st->broken;
}

int
store_publish(struct store *st, struct errbuf *eb)
{
	struct file_sync *sync;
	int rc;

	if (!st->final_path)
		return 0;
	if (check_build(st, eb) < 0 || store_flush(st, eb) < 0)
		return -1;
	/* The rows are all written: the device takes them while the
	   indexes are sorted (the file is all in the page cache: a build
	   never syncs, so a million tools left 1.1 s for the final fsync). */
	sync = file_sync_start(st->path);
	rc = create_deferred(st, eb);
	if (file_sync_wait(sync, rc < 0 ? NULL : eb) < 0 || rc < 0)
		return -1;
	/* Readers of the published file share it through the WAL. */
	if (fts_automerge(st, FTS_DEFAULT_MERGE, eb) < 0 ||
	    exec(st, "PRAGMA journal_mode = WAL", eb) < 0)
		return -1;
	free_build_state(st);
	close_db(st);
	if (file_publish(st->path, st->final_path, eb) < 0)
		return -1;
	free(st->path);
	st->path = st->final_path;
	st->final_path = NULL;
	return connect_db(st, 0, eb);
}

void
store_free(struct store *st)
{
	if (!st)
		return;
	if (st->final_path) {
		/* Never published: the build is abandoned, not saved. */
		if (st->db)
			store_rollback(st);
		st->batch_open = 0;
		close_db(st);
		remove_build(st);
		free(st->final_path);
		free_build_state(st);
	} else {
		store_flush(st, NULL);
		close_db(st);
	}
	free(st->path);
	free(st);
}

int
store_begin(struct store *st, struct errbuf *eb)
{
	if (check_build(st, eb) < 0 || store_flush(st, eb) < 0)
		return -1;
	return exec(st, "BEGIN IMMEDIATE", eb);
}

int
store_commit(struct store *st, struct errbuf *eb)
{
	return exec(st, "COMMIT", eb);
}

void
store_rollback(struct store *st)
{
	if (st->final_path)
		st->broken = true;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int64_t
store_run_begin(struct store *st, const char *kind, const char *rules_version,
		struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_RUN_BEGIN, eb);

	if (!s)
		return -1;
	bind_text(s, 1, kind);
	bind_text(s, 2, rules_version);
	sqlite3_bind_int64(s, 3, store_now(st));
	if (step_done(st, s, eb, "cannot record run") < 0)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int
store_run_finish(struct store *st, int64_t run, const struct run_stats *rs,
		 const char *outcome, struct errbuf *eb)
{
	sqlite3_stmt *s;

	if (store_flush(st, eb) < 0)
		return -1;
	s = stmt(st, Q_RUN_FINISH, eb);
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, store_now(st));
	bind_text(s, 3, outcome);
	sqlite3_bind_int(s, 4, rs->servers_ok);
	sqlite3_bind_int(s, 5, rs->servers_failed);
	sqlite3_bind_int(s, 6, rs->servers_unchanged);
	sqlite3_bind_int(s, 7, rs->tools_added);
	sqlite3_bind_int(s, 8, rs->tools_removed);
	sqlite3_bind_int(s, 9, rs->tools_changed);
	return step_done(st, s, eb, "cannot finish run");
}

bool
store_has_source(struct store *st, const char *source_key)
{
	sqlite3_stmt *s = stmt(st, Q_HAS_SOURCE, NULL);
	bool found;

	if (!s)
		return false;
	bind_text(s, 1, source_key);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

/* Find or create the server row; *old_hash gets its manifest hash. */
static int64_t
server_upsert(struct store *st, const struct server_info *info,
	      char **old_hash, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_SERVER_ID, eb);
	char *extra = NULL;
	int64_t id = -1;
	int rc;

	*old_hash = NULL;
	if (!s)
		return -1;
	bind_text(s, 1, info->name);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		if (sqlite3_column_type(s, 1) == SQLITE_TEXT)
			*old_hash = xstrdup(
				(const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_reset(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		db_error(st, eb, "cannot look up server");
		return -1;
	}
	if (id < 0) {
		s = stmt(st, Q_SERVER_INSERT, eb);
		if (!s)
			return -1;
		bind_text(s, 1, info->name);
		sqlite3_bind_int64(s, 2, store_now(st));
		if (step_done(st, s, eb, "cannot add server") < 0)
			return -1;
		id = sqlite3_last_insert_rowid(st->db);
	}
	s = stmt(st, Q_SERVER_UPDATE_META, eb);
	if (!s)
		return -1;
	if (info->extra)
		extra = json_canonical(info->extra);
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, info->title);
	bind_text(s, 3, info->description);
	bind_text(s, 4, info->version);
	bind_text(s, 5, info->source);
	bind_text(s, 6, info->transport);
	bind_text(s, 7, info->endpoint);
	bind_text(s, 8, info->protocol_version);
	bind_text(s, 9, info->instructions);
	bind_text(s, 10, extra);
	free(extra);
	if (step_done(st, s, eb, "cannot update server") < 0)
		return -1;
	return id;
}

/* An existing tool row of the server being written. */
struct old_tool {
	char *name;
	char *hash;
	bool removed;
	bool seen; /* present in the new manifest */
};

static int
cmp_old_tool(const void *a, const void *b)
{
	return strcmp(((const struct old_tool *)a)->name,
		      ((const struct old_tool *)b)->name);
}

static int
load_old_tools(struct store *st, int64_t server_id, struct old_tool **out,
	       size_t *n, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_TOOLS_OF, eb);
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, server_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 32;
			*out = xreallocarray(*out, cap, sizeof(**out));
		}
		(*out)[*n].name =
			xstrdup((const char *)sqlite3_column_text(s, 0));
		(*out)[*n].hash =
			xstrdup((const char *)sqlite3_column_text(s, 1));
		(*out)[*n].removed = sqlite3_column_type(s, 2) != SQLITE_NULL;
		(*out)[*n].seen = false;
		(*n)++;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		db_error(st, eb, "cannot read tools");
		return -1;
	}
	/* SQLite's ORDER BY uses BINARY collation, the same as strcmp, but
	   sort anyway so the lookup never depends on it. */
	if (*n > 1) /* never qsort(NULL, 0): UBSan rejects it */
		qsort(*out, *n, sizeof(**out), cmp_old_tool);
	return 0;
}

static void
free_old_tools(struct old_tool *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].hash);
	}
	free(v);
}

/* Short scalar values are kept in the change record; long text is not. */
#define CHANGE_VALUE_MAX 200

static void
diff_value(json_t *fields, const char *name, json_t *a, json_t *b)
{
	json_t *f;

	if (json_equal(a, b) || (!a && !b))
		return;
	f = json_pack("{s:s}", "field", name);
	if (!a || json_is_boolean(a) || json_is_number(a) || json_is_null(a) ||
	    (json_is_string(a) && json_string_length(a) <= CHANGE_VALUE_MAX))
		json_object_set(f, "old", a ? a : json_null());
	if (!b || json_is_boolean(b) || json_is_number(b) || json_is_null(b) ||
	    (json_is_string(b) && json_string_length(b) <= CHANGE_VALUE_MAX))
		json_object_set(f, "new", b ? b : json_null());
	json_array_append_new(fields, f);
}

/*
 * Which definition fields differ between the stored definition and the new
 * one: top-level fields, and each annotation hint separately, since a hint
 * flipping ("destructiveHint true -> false") is news on its own.
 */
static char *
diff_fields(struct store *st, const char *old_hash, const json_t *new_def)
{
	static const char *const top[] = { "name", "title", "description",
					   "inputSchema", "outputSchema" };
	sqlite3_stmt *s = stmt(st, Q_DEF_JSON, NULL);
	json_t *old_def = NULL, *fields = json_array(), *oa, *na;
	const char *key;
	json_t *v;
	char *out;
	size_t i;

	if (s) {
		bind_text(s, 1, old_hash);
		if (sqlite3_step(s) == SQLITE_ROW)
			old_def = json_loads(
				(const char *)sqlite3_column_text(s, 0), 0,
				NULL);
		sqlite3_reset(s);
	}
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		diff_value(fields, top[i], json_object_get(old_def, top[i]),
			   json_object_get(new_def, top[i]));
	oa = json_object_get(old_def, "annotations");
	na = json_object_get(new_def, "annotations");
	if (!json_equal(oa, na)) {
		json_t *keys = json_object();

		json_object_foreach(oa, key, v)
			json_object_set_new(keys, key, json_true());
		json_object_foreach(na, key, v)
			json_object_set_new(keys, key, json_true());
		json_object_foreach(keys, key, v) {
			char *name = xasprintf("annotations.%s", key);

			diff_value(fields, name, json_object_get(oa, key),
				   json_object_get(na, key));
			free(name);
		}
		json_decref(keys);
	}
	out = json_text(fields, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(fields);
	json_decref(old_def);
	return out;
}

static int
record_change(struct store *st, int64_t run, int64_t server_id,
	      const char *tool, const char *kind, const char *fields,
	      const char *old_hash, const char *new_hash, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_CHANGE_INSERT, eb);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, run);
	sqlite3_bind_int64(s, 2, server_id);
	bind_text(s, 3, tool);
	bind_text(s, 4, kind);
	bind_text(s, 5, fields);
	bind_text(s, 6, old_hash);
	bind_text(s, 7, new_hash);
	sqlite3_bind_int64(s, 8, store_now(st));
	return step_done(st, s, eb, "cannot record change");
}

/* Words for the full-text index: the name split at case changes, digits
   and punctuation, so "CancelAHORunBatch" is found by "cancel batch". */
static void
name_words(const char *name, struct buf *out)
{
	size_t i, n = strlen(name);

	buf_reset(out);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i],
			      p = i ? (unsigned char)name[i - 1] : 0,
			      nx = (unsigned char)name[i + 1];
		bool up = c >= 'A' && c <= 'Z';
		bool pl = p >= 'a' && p <= 'z', pu = p >= 'A' && p <= 'Z';
		bool nl = nx >= 'a' && nx <= 'z';
		bool alnum = up || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c >= 0x80;

		if (!alnum) {
			buf_putc(out, ' ');
			continue;
		}
		if (i && up && (pl || (pu && nl)))
			buf_putc(out, ' ');
		buf_putc(out, (char)(up ? c + 32 : c));
	}
}

/* Store a definition once; *def_id gets its row id, *is_new whether this
   call created it. */
static int
put_definition(struct store *st, const struct manifest_tool *t,
	       struct buf *words, int64_t *def_id, bool *is_new,
	       struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_DEF_INSERT, eb);
	const char *desc = manifest_tool_description(t);
	int rc;

	if (!s)
		return -1;
	name_words(t->name, words);
	bind_text(s, 1, t->hash);
	bind_text(s, 2, t->name);
	bind_text(s, 3, desc);
	bind_text(s, 4, buf_cstr(words));
	sqlite3_bind_text(s, 5, t->canonical, (int)t->canonical_len,
			  SQLITE_STATIC);
	if (step_done(st, s, eb, "cannot store definition") < 0)
		return -1;
	*is_new = sqlite3_changes(st->db) != 0;
	if (!*is_new) {
		/* Already known, already indexed: just find its id. */
		s = stmt(st, Q_DEF_ID, eb);
		if (!s)
			return -1;
		bind_text(s, 1, t->hash);
		rc = sqlite3_step(s);
		*def_id = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		if (rc != SQLITE_ROW) {
			db_error(st, eb, "cannot find definition");
			return -1;
		}
		return 0;
	}
	*def_id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static int
tool_write(struct store *st, enum stmt_id q, int64_t server_id,
	   const struct manifest_tool *t, int64_t def_id, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, q, eb);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, server_id);
	bind_text(s, 2, t->name);
	sqlite3_bind_int64(s, 3, def_id);
	sqlite3_bind_int(s, 4, t->name_nonstandard);
	sqlite3_bind_int64(s, 5, store_now(st));
	return step_done(st, s, eb, "cannot store tool");
}

static int
tool_mark(struct store *st, enum stmt_id q, int64_t server_id,
	  const char *name, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, q, eb);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, server_id);
	bind_text(s, 2, name);
	sqlite3_bind_int64(s, 3, store_now(st));
	return step_done(st, s, eb, "cannot update tool");
}

static int
set_good(struct store *st, int64_t id, const struct manifest *m,
	 const char *source_key, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_SERVER_SET_GOOD, eb);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, store_now(st));
	bind_text(s, 3, m->hash);
	bind_text(s, 4, source_key);
	sqlite3_bind_int64(s, 5, (sqlite3_int64)m->ntools);
	return step_done(st, s, eb, "cannot update server");
}

void
verdict_row_fill(struct verdict_row *r, const struct verdict *v)
{
	r->category = category_name(v->category);
	r->risk = risk_name(v->risk);
	r->score = v->score;
	r->confidence = verdict_confidence(v);
	r->json = verdict_to_text(v);
}

void
verdict_row_release(struct verdict_row *r)
{
	free(r->json);
	r->json = NULL;
}

/* Store a verdict computed ahead of time for a definition row. */
static int
put_verdict_id(struct store *st, int64_t def_id, const char *rules_version,
	       const struct verdict_row *r, struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_VERDICT_PUT_ID, eb);

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, def_id);
	bind_text(s, 2, rules_version);
	bind_text(s, 3, r->category);
	bind_text(s, 4, r->risk);
	sqlite3_bind_int64(s, 5, r->score);
	sqlite3_bind_double(s, 6, r->confidence);
	bind_text(s, 7, r->json);
	return step_done(st, s, eb, "cannot store verdict");
}

/* One count(*) row of statement q (rules_version bound when given). */
static int64_t
count_rows(struct store *st, enum stmt_id q, const char *rules_version)
{
	sqlite3_stmt *s = stmt(st, q, NULL);
	int64_t n = -1;

	if (!s)
		return -1;
	if (rules_version)
		bind_text(s, 1, rules_version);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return n;
}

bool
store_all_classified(struct store *st, const char *rules_version)
{
	/* Definitions are never deleted and a verdict row needs its
	   definition (a foreign key), one per rule set: equal counts mean
	   every definition has one.  Two counts read the small b-trees;
	   the scan for the missing ones reads every definition's JSON. */
	int64_t defs = count_rows(st, Q_COUNT_DEFS, NULL);

	return defs >= 0 &&
	       count_rows(st, Q_COUNT_VERDICTS, rules_version) == defs;
}

bool
store_manifest_is_current(struct store *st, const char *server,
			  const char *manifest_hash)
{
	sqlite3_stmt *s = stmt(st, Q_SERVER_ID, NULL);
	bool same = false;

	if (!s)
		return false;
	bind_text(s, 1, server);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    sqlite3_column_type(s, 1) == SQLITE_TEXT)
		same = strcmp((const char *)sqlite3_column_text(s, 1),
			      manifest_hash) == 0;
	sqlite3_reset(s);
	return same;
}

bool
store_has_verdict(struct store *st, const char *hash,
		  const char *rules_version)
{
	sqlite3_stmt *s = stmt(st, Q_HAS_VERDICT, NULL);
	bool found;

	if (!s)
		return false;
	bind_text(s, 1, hash);
	bind_text(s, 2, rules_version);
	found = sqlite3_step(s) == SQLITE_ROW;
	sqlite3_reset(s);
	return found;
}

/* A build stored definition def_id without a verdict. */
static void
note_bare(struct store *st, int64_t def_id)
{
	if (st->nbare == st->bare_cap) {
		st->bare_cap = st->bare_cap ? st->bare_cap * 2 : 256;
		st->bare = xreallocarray(st->bare, st->bare_cap,
					 sizeof(*st->bare));
	}
	st->bare[st->nbare++] = def_id;
}

/* A build stored a new definition's verdict of rule set rv. */
static void
note_verdict_rules(struct store *st, const char *rv)
{
	if (!st->final_path || st->bare_mixed)
		return;
	if (!st->bare_rv)
		st->bare_rv = xstrdup(rv);
	else if (strcmp(st->bare_rv, rv) != 0)
		st->bare_mixed = true;
}

/* Whether a build's bare definitions are all that can lack a verdict of
   rule set rv. */
static bool
bare_complete(const struct store *st, const char *rv)
{
	return st->final_path && !st->bare_mixed &&
	       (!st->bare_rv || strcmp(st->bare_rv, rv) == 0);
}

static int
write_tools(struct store *st, int64_t run, int64_t id, bool had_manifest,
	    const struct manifest *m, const struct put_verdicts *pv,
	    struct put_result *res, struct errbuf *eb)
{
	struct buf words = BUF_INIT((size_t)MANIFEST_MAX_NAME * 2 + 16);
	struct old_tool *old = NULL, key, *o;
	size_t nold = 0, i;
	int ret = -1;

	if (load_old_tools(st, id, &old, &nold, eb) < 0)
		goto out;
	if (!had_manifest && record_change(st, run, id, NULL, "server_added",
					   NULL, NULL, NULL, eb) < 0)
		goto out;
	for (i = 0; i < m->ntools; i++) {
		const struct manifest_tool *t = &m->tools[i];
		int64_t def_id;
		bool is_new;

		if (put_definition(st, t, &words, &def_id, &is_new, eb) < 0)
			goto out;
		/* Only with a definition this write created: a known one has
		   its verdict already, or gets it in the pending pass, and
		   another server of the batch may have stored it first. */
		if (is_new && pv && pv->rows[i].json) {
			if (put_verdict_id(st, def_id, pv->rules_version,
					   &pv->rows[i], eb) < 0)
				goto out;
			note_verdict_rules(st, pv->rules_version);
			res->verdicts++;
		} else if (is_new && st->final_path) {
			note_bare(st, def_id);
		}
		key.name = (char *)t->name;
		o = nold ? bsearch(&key, old, nold, sizeof(*old),
				   cmp_old_tool)
			 : NULL;
		if (o)
			o->seen = true;
		if (!o || o->removed) {
			if (tool_write(st, Q_TOOL_INSERT, id, t, def_id, eb) < 0)
				goto out;
			if (had_manifest) {
				if (record_change(st, run, id, t->name, "added",
						  NULL, o ? o->hash : NULL,
						  t->hash, eb) < 0)
					goto out;
				res->added++;
			}
		} else if (strcmp(o->hash, t->hash) != 0) {
			char *fields = diff_fields(st, o->hash, t->definition);
			int r;

			r = tool_write(st, Q_TOOL_CHANGE, id, t, def_id, eb);
			if (r == 0)
				r = record_change(st, run, id, t->name,
						  "changed", fields, o->hash,
						  t->hash, eb);
			free(fields);
			if (r < 0)
				goto out;
			res->changed++;
		} else if (tool_mark(st, Q_TOOL_SEEN, id, t->name, eb) < 0) {
			goto out;
		}
	}
	for (i = 0; i < nold; i++) {
		if (old[i].seen || old[i].removed)
			continue;
		if (tool_mark(st, Q_TOOL_REMOVE, id, old[i].name, eb) < 0 ||
		    record_change(st, run, id, old[i].name, "removed", NULL,
				  old[i].hash, NULL, eb) < 0)
			goto out;
		res->removed++;
	}
	ret = 0;
out:
	free_old_tools(old, nold);
	buf_release(&words);
	return ret;
}

int
store_put_manifest(struct store *st, int64_t run,
		   const struct server_info *info, const struct manifest *m,
		   const char *source_key, bool touch, struct put_result *res,
		   struct errbuf *eb)
{
	return store_put_manifest_verdicts(st, run, info, m, NULL, source_key,
					   touch, res, eb);
}

int
store_put_manifest_verdicts(struct store *st, int64_t run,
			    const struct server_info *info,
			    const struct manifest *m,
			    const struct put_verdicts *pv,
			    const char *source_key, bool touch,
			    struct put_result *res, struct errbuf *eb)
{
	char *old_hash = NULL;
	int64_t id;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	if (server_tx_begin(st, eb) < 0)
		return -1;
	id = server_upsert(st, info, &old_hash, eb);
	if (id < 0)
		goto out;
	res->new_server = old_hash == NULL;
	if (old_hash && strcmp(old_hash, m->hash) == 0) {
		sqlite3_stmt *s;

		res->unchanged = true;
		s = stmt(st, Q_SERVER_TOUCH, eb);
		if (!s)
			goto out;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, store_now(st));
		bind_text(s, 3, source_key);
		if ((touch || source_key) &&
		    step_done(st, s, eb, "cannot update server") < 0)
			goto out;
	} else {
		if (write_tools(st, run, id, old_hash != NULL, m, pv, res, eb) < 0 ||
		    set_good(st, id, m, source_key, eb) < 0)
			goto out;
	}
	ret = 0;
out:
	if (server_tx_end(st, ret == 0, eb) < 0)
		ret = -1;
	if (ret < 0)
		errbuf_prefix(eb, "server '%s'", info->name);
	free(old_hash);
	return ret;
}

int
store_put_failure(struct store *st, const struct server_info *info,
		  const char *status, const char *error, struct errbuf *eb)
{
	char *old_hash = NULL;
	sqlite3_stmt *s;
	int64_t id;
	int ret = -1;

	if (server_tx_begin(st, eb) < 0)
		return -1;
	id = server_upsert(st, info, &old_hash, eb);
	if (id < 0)
		goto out;
	s = stmt(st, Q_SERVER_SET_FAILED, eb);
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, status);
	bind_text(s, 3, error);
	sqlite3_bind_int64(s, 4, store_now(st));
	if (step_done(st, s, eb, "cannot record failure") < 0)
		goto out;
	ret = 0;
out:
	if (server_tx_end(st, ret == 0, eb) < 0)
		ret = -1;
	free(old_hash);
	return ret;
}

int
store_each_unclassified(struct store *st, const char *rules_version,
			int (*fn)(void *ctx, const char *hash,
				  const char *json),
			void *ctx, struct errbuf *eb)
{
	/* A separate statement: fn may write verdicts while we iterate. */
	bool by_id = bare_complete(st, rules_version);
	sqlite3_stmt *s = NULL;
	size_t i = 0;
	int rc, ret = -1;

	if (sqlite3_prepare_v2(st->db,
			       stmt_sql[by_id ? Q_UNCLASSIFIED_ID
					      : Q_UNCLASSIFIED],
			       -1, &s, NULL) != SQLITE_OK) {
		db_error(st, eb, "cannot prepare statement");
		return -1;
	}
	bind_text(s, by_id ? 2 : 1, rules_version);
	for (;;) {
		const char *hash, *js;

		if (!by_id) {
			rc = sqlite3_step(s);
		} else if (i == st->nbare) {
			rc = SQLITE_DONE;
		} else {
			sqlite3_reset(s);
			sqlite3_bind_int64(s, 1, st->bare[i++]);
			rc = sqlite3_step(s);
			if (rc == SQLITE_DONE)
				continue; /* classified since it was stored */
		}
		if (rc != SQLITE_ROW)
			break;
		hash = (const char *)sqlite3_column_text(s, 0);
		js = (const char *)sqlite3_column_text(s, 1);
		if (fn(ctx, hash, js ? js : "") < 0)
			goto out;
	}
	if (rc != SQLITE_DONE) {
		db_error(st, eb, "cannot list definitions");
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(s);
	return ret;
}

int
store_put_verdict(struct store *st, const char *hash,
		  const char *rules_version, const struct verdict_row *r,
		  struct errbuf *eb)
{
	sqlite3_stmt *s = stmt(st, Q_DEF_ID, eb);
	int64_t def_id;
	int rc;

	if (!s)
		return -1;
	bind_text(s, 1, hash);
	rc = sqlite3_step(s);
	def_id = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	if (rc != SQLITE_ROW) {
		errbuf_set(eb, "cannot store verdict: no definition %s", hash);
		return -1;
	}
	return put_verdict_id(st, def_id, rules_version, r, eb);
}

struct sqlite3_stmt *
store_query_stmt(struct store *st, const char *sql, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int i;

	for (i = 0; i < STORE_QUERY_CACHE && st->qsql[i]; i++)
		if (st->qsql[i] == sql) {
			sqlite3_reset(st->qstmt[i]);
			sqlite3_clear_bindings(st->qstmt[i]);
			return st->qstmt[i];
		}
	if (sqlite3_prepare_v3(st->db, sql, -1,
			       i < STORE_QUERY_CACHE ? SQLITE_PREPARE_PERSISTENT
						     : 0,
			       &s, NULL) != SQLITE_OK) {
		db_error(st, eb, "cannot prepare query");
		return NULL;
	}
	if (i < STORE_QUERY_CACHE) {
		st->qsql[i] = sql;
		st->qstmt[i] = s;
	}
	return s;
}

bool
store_query_cached(struct store *st, struct sqlite3_stmt *s)
{
	int i;

	for (i = 0; i < STORE_QUERY_CACHE && st->qsql[i]; i++)
		if (st->qstmt[i] == s)
			return true;
	return false;
}
