/*
 * Streaming catalog scans for the report: prepared statements stepped one
 * row at a time, so a catalog of a million tools is read in constant
 * memory.  The orders are chosen so consumers can merge scans by server
 * name (SQLite's BINARY collation sorts like strcmp).
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "db/scan.h"
#include "db/store.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Bytes of the database file the scans map while a snapshot is held. */
#define SCAN_MMAP_SIZE "8589934592"

struct store_scan {
	sqlite3 *db;       /* borrowed from the store */
	sqlite3_stmt *stmt; /* the running query; owned */
};

static const char *const scan_sql[] = {
	[SCAN_SERVERS] =
	"SELECT name, title, description, version, status, error, source,"
	" transport, endpoint, last_success, last_attempt"
	" FROM servers ORDER BY name",
	/* CROSS JOIN keeps servers outside: walked by their name index,
	   each server's tools come in primary-key (name) order, so the rows
	   stream in ORDER BY order instead of being sorted, definitions and
	   verdicts included, into a temporary b-tree before the first one. */
	[SCAN_SERVER_TOOLS] =
	"SELECT s.name, t.name, d.hash, d.description, t.nonstandard,"
	" d.json, v.json"
	" FROM servers s CROSS JOIN tools t ON t.server_id = s.id"
	"  AND t.removed_at IS NULL"
	" JOIN definitions d ON d.id = t.def_id"
	" LEFT JOIN verdicts v ON v.def_id = t.def_id AND v.rules_version = ?1"
	" ORDER BY s.name, t.name",
	[SCAN_DEFINITIONS] =
	"SELECT t.name, d.hash, s.name, d.json, v.json"
	" FROM tools t JOIN definitions d ON d.id = t.def_id"
	" JOIN servers s ON s.id = t.server_id"
	" LEFT JOIN verdicts v ON v.def_id = t.def_id AND v.rules_version = ?1"
	" WHERE t.removed_at IS NULL"
	" ORDER BY t.name, d.hash, s.name",
	[SCAN_CHANGES] =
	"WITH recent AS (SELECT c.*, row_number() OVER"
	"  (PARTITION BY c.server_id ORDER BY c.id DESC) AS rn FROM changes c)"
	" SELECT s.name, c.run_id, c.at, c.tool, c.kind, c.fields,"
	" c.old_hash, c.new_hash, ov.category, ov.risk, nv.category, nv.risk"
	" FROM recent c JOIN servers s ON s.id = c.server_id"
	" LEFT JOIN definitions od ON od.hash = c.old_hash"
	" LEFT JOIN verdicts ov ON ov.def_id = od.id AND ov.rules_version = ?1"
	" LEFT JOIN definitions nd ON nd.hash = c.new_hash"
	" LEFT JOIN verdicts nv ON nv.def_id = nd.id AND nv.rules_version = ?1"
	" WHERE c.rn <= ?2"
	" ORDER BY s.name, c.id DESC",
};

struct store_scan *
store_scan_new(struct store *st, enum store_scan_kind kind,
	       const char *rules_version, int limit, struct errbuf *eb)
{
	struct store_scan *sc;

	if ((unsigned)kind >= sizeof(scan_sql) / sizeof(scan_sql[0])) {
		errbuf_set(eb, "unknown scan %d", (int)kind);
		return NULL;
	}
	sc = xcalloc(1, sizeof(*sc));
	sc->db = store_db(st);
	if (sqlite3_prepare_v2(sc->db, scan_sql[kind], -1, &sc->stmt,
			       NULL) != SQLITE_OK) {
		errbuf_set(eb, "cannot prepare scan: %s", sqlite3_errmsg(sc->db));
		store_scan_free(sc);
		return NULL;
	}
	if (kind != SCAN_SERVERS && rules_version)
		sqlite3_bind_text(sc->stmt, 1, rules_version, -1,
				  SQLITE_TRANSIENT);
	if (kind == SCAN_CHANGES)
		sqlite3_bind_int(sc->stmt, 2, limit);
	return sc;
}

int
store_scan_next(struct store_scan *sc, struct errbuf *eb)
{
	int rc = sqlite3_step(sc->stmt);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	errbuf_set(eb, "scan failed: %s", sqlite3_errmsg(sc->db));
	return -1;
}

const char *
store_scan_text(struct store_scan *sc, int col)
{
	return (const char *)sqlite3_column_text(sc->stmt, col);
}

int64_t
store_scan_int(struct store_scan *sc, int col)
{
	return sqlite3_column_int64(sc->stmt, col);
}

void
store_scan_free(struct store_scan *sc)
{
	if (!sc)
		return;
	sqlite3_finalize(sc->stmt);
	free(sc);
}

int
store_snapshot_begin(struct store *st, struct errbuf *eb)
{
	sqlite3 *db = store_db(st);

	/* The scans look up definitions, servers and verdicts all over the
	   file; reading them through a memory map instead of a pread() and
	   a copy per page halves the reader's time on a large catalog.
	   SQLite caps the size at its compile-time limit. */
	sqlite3_exec(db, "PRAGMA mmap_size = " SCAN_MMAP_SIZE, NULL, NULL,
		     NULL);
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		errbuf_set(eb, "cannot begin a read: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

void
store_snapshot_end(struct store *st)
{
	sqlite3_exec(store_db(st), "COMMIT", NULL, NULL, NULL);
	sqlite3_exec(store_db(st), "PRAGMA mmap_size = 0", NULL, NULL, NULL);
}
