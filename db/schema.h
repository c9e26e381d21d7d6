/*
 * Schema migrations: forward-only steps, each bringing PRAGMA user_version
 * from N to N+1 inside one transaction.
 */
#ifndef MCPRISK_SCHEMA_H
#define MCPRISK_SCHEMA_H

#include <sqlite3.h>

#include "util/errbuf.h"

/* Highest schema version known to this binary. */
int schema_latest(void);

/* The schema version of db (PRAGMA user_version) into *v. */
int schema_version(sqlite3 *db, int *v, struct errbuf *eb);

/*
 * Bring db up to schema_latest().  Fails, touching nothing, when the file
 * is newer than this binary.  readonly only checks the version.
 */
int schema_migrate(sqlite3 *db, int readonly, struct errbuf *eb);

#endif
