/*
 * The catalog schema as an ordered list of migrations.  Never edit a step
 * that has shipped; add a new one.
 */
#include <stdio.h>

#include "db/schema.h"
#include "util/banned.h"

static const char *const migrations[] = {
	/* 0 -> 1: the first catalog schema. */
	"CREATE TABLE servers ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  title TEXT, description TEXT, version TEXT,"
	"  source TEXT, transport TEXT, endpoint TEXT,"
	"  protocol_version TEXT, instructions TEXT,"
	"  extra TEXT,"                      /* JSON: capabilities, auth... */
	"  status TEXT NOT NULL DEFAULT 'new',"
	"  error TEXT,"
	"  first_seen INTEGER NOT NULL,"
	"  last_attempt INTEGER, last_success INTEGER,"
	"  manifest_hash TEXT,"              /* over sorted tool hashes */
	"  source_key TEXT,"                 /* raw bytes + naming, import */
	"  tool_count INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX servers_source_key ON servers(source_key);"
	"CREATE TABLE definitions ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"       /* SHA-256 of json */
	"  name TEXT NOT NULL,"
	"  description TEXT NOT NULL DEFAULT '',"
	"  words TEXT NOT NULL DEFAULT '',"   /* name split into words */
	"  json TEXT NOT NULL);"             /* canonical definition */
	"CREATE TABLE tools ("
	"  server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  def_id INTEGER NOT NULL REFERENCES definitions(id),"
	"  nonstandard INTEGER NOT NULL DEFAULT 0,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  removed_at INTEGER,"              /* NULL while the server has it */
	"  PRIMARY KEY (server_id, name)) WITHOUT ROWID;"
	"CREATE INDEX tools_name ON tools(name);"
	"CREATE INDEX tools_def ON tools(def_id);"
	"CREATE TABLE verdicts ("
	"  def_id INTEGER NOT NULL REFERENCES definitions(id),"
	"  rules_version TEXT NOT NULL,"
	"  category TEXT NOT NULL,"
	"  risk TEXT NOT NULL,"
	"  score INTEGER NOT NULL,"
	"  confidence REAL NOT NULL,"
	"  json TEXT NOT NULL,"
	"  PRIMARY KEY (def_id, rules_version)) WITHOUT ROWID;"
	"CREATE TABLE runs ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  rules_version TEXT,"
	"  started INTEGER NOT NULL,"
	"  finished INTEGER,"
	"  outcome TEXT,"
	"  servers_ok INTEGER NOT NULL DEFAULT 0,"
	"  servers_failed INTEGER NOT NULL DEFAULT 0,"
	"  servers_unchanged INTEGER NOT NULL DEFAULT 0,"
	"  tools_added INTEGER NOT NULL DEFAULT 0,"
	"  tools_removed INTEGER NOT NULL DEFAULT 0,"
	"  tools_changed INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE changes ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  server_id INTEGER NOT NULL REFERENCES servers(id) ON DELETE CASCADE,"
	"  tool TEXT,"                       /* NULL for server_added */
	"  kind TEXT NOT NULL CHECK (kind IN"
	"    ('server_added','added','removed','changed')),"
	"  fields TEXT,"                     /* JSON list of changed fields */
	"  old_hash TEXT, new_hash TEXT,"
	"  at INTEGER NOT NULL);"
	"CREATE INDEX changes_at ON changes(at);"
	"CREATE INDEX changes_server ON changes(server_id);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
	"CREATE TABLE registry_targets ("     /* remembered between syncs */
	"  name TEXT PRIMARY KEY,"
	"  registry TEXT NOT NULL,"
	"  target TEXT NOT NULL,"             /* target_to_json() */
	"  updated_at TEXT) WITHOUT ROWID;"
	"CREATE VIRTUAL TABLE definitions_fts USING fts5("
	"  name, words, description,"
	"  content='',"
	"  tokenize='unicode61 remove_diacritics 2');",

	/* 1 -> 2: verdicts become a rowid table.  A verdict row is most of a
	   kilobyte of JSON; in a WITHOUT ROWID table rows that large fit
	   three to a page and every insert moves them around the b-tree.
	   Appended by rowid with a small unique index they pack densely. */
	"CREATE TABLE verdicts_v2 ("
	"  id INTEGER PRIMARY KEY,"
	"  def_id INTEGER NOT NULL REFERENCES definitions(id),"
	"  rules_version TEXT NOT NULL,"
	"  category TEXT NOT NULL,"
	"  risk TEXT NOT NULL,"
	"  score INTEGER NOT NULL,"
	"  confidence REAL NOT NULL,"
	"  json TEXT NOT NULL);"
	"INSERT INTO verdicts_v2 (def_id, rules_version, category, risk, score,"
	"  confidence, json)"
	"  SELECT def_id, rules_version, category, risk, score, confidence, json"
	"  FROM verdicts ORDER BY def_id, rules_version;"
	"DROP TABLE verdicts;"
	"ALTER TABLE verdicts_v2 RENAME TO verdicts;"
	"CREATE UNIQUE INDEX verdicts_key ON verdicts(def_id, rules_version);",
};

int
schema_latest(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

int
schema_version(sqlite3 *db, int *v, struct errbuf *eb)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) !=
	    SQLITE_OK) {
		errbuf_set(eb, "cannot read schema version: %s",
			   sqlite3_errmsg(db));
		return -1;
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		errbuf_set(eb, "cannot read schema version: %s",
			   sqlite3_errmsg(db));
		sqlite3_finalize(s);
		return -1;
	}
	*v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

int
schema_migrate(sqlite3 *db, int readonly, struct errbuf *eb)
{
	char pragma[64];
	char *err = NULL;
	int v, latest = schema_latest();

	if (schema_version(db, &v, eb) < 0)
		return -1;
	if (v > latest) {
		errbuf_set(eb,
			   "database schema version %d is newer than this "
			   "mcprisk supports (%d); upgrade mcprisk",
			   v, latest);
		return -1;
	}
	if (v == latest)
		return 0;
	if (readonly) {
		errbuf_set(eb, "database schema version %d needs migrating to "
			       "%d; open it read-write once", v, latest);
		return -1;
	}
	for (; v < latest; v++) {
		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &err) !=
		    SQLITE_OK)
			goto fail;
		/* Re-check under the write lock: another process may have
		   migrated meanwhile. */
		{
			int now;

			if (schema_version(db, &now, eb) < 0) {
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
				return -1;
			}
			if (now > v) {
				sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
				v = now - 1;
				continue;
			}
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 v + 1);
		if (sqlite3_exec(db, migrations[v], NULL, NULL, &err) !=
			    SQLITE_OK ||
		    sqlite3_exec(db, pragma, NULL, NULL, &err) != SQLITE_OK ||
		    sqlite3_exec(db, "COMMIT", NULL, NULL, &err) != SQLITE_OK) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
	}
	return 0;
fail:
	errbuf_set(eb, "cannot migrate schema to version %d: %s", v + 1,
		   err ? err : sqlite3_errmsg(db));
	sqlite3_free(err);
	return -1;
}
