/*
 * Streaming reads of the catalog for bulk consumers (the static report):
 * one row at a time as C strings, in a fixed order, without building JSON
 * for the whole catalog.  Several scans may be open on one store at once;
 * store_snapshot_begin() makes them all read the same snapshot while a
 * refresh writes.
 */
#ifndef MCPRISK_SCAN_H
#define MCPRISK_SCAN_H

#include <stdint.h>

#include "util/errbuf.h"

struct store;
struct store_scan;

/* What a scan walks, and in which order. */
enum store_scan_kind {
	/* Every server by name: SC_SRV_* columns. */
	SCAN_SERVERS,
	/* Present tools by server name, then tool name: SC_TOOL_*. */
	SCAN_SERVER_TOOLS,
	/* Present tools by tool name, definition hash, server: SC_DEF_*. */
	SCAN_DEFINITIONS,
	/* The newest `limit` changes of each server, by server name, newest
	   first: SC_CHG_*. */
	SCAN_CHANGES,
};

enum {
	SC_SRV_NAME, SC_SRV_TITLE, SC_SRV_DESCRIPTION, SC_SRV_VERSION,
	SC_SRV_STATUS, SC_SRV_ERROR, SC_SRV_SOURCE, SC_SRV_TRANSPORT,
	SC_SRV_ENDPOINT, SC_SRV_LAST_SUCCESS, SC_SRV_LAST_ATTEMPT,
	SC_SRV__COUNT
};
enum {
	SC_TOOL_SERVER, SC_TOOL_NAME, SC_TOOL_HASH, SC_TOOL_DESCRIPTION,
	SC_TOOL_NONSTANDARD, SC_TOOL_DEFINITION, SC_TOOL_VERDICT,
	SC_TOOL__COUNT
};
enum {
	SC_DEF_NAME, SC_DEF_HASH, SC_DEF_SERVER, SC_DEF_DEFINITION,
	SC_DEF_VERDICT, SC_DEF__COUNT
};
enum {
	SC_CHG_SERVER, SC_CHG_RUN, SC_CHG_AT, SC_CHG_TOOL, SC_CHG_KIND,
	SC_CHG_FIELDS, SC_CHG_OLD_HASH, SC_CHG_NEW_HASH, SC_CHG_OLD_CATEGORY,
	SC_CHG_OLD_RISK, SC_CHG_NEW_CATEGORY, SC_CHG_NEW_RISK, SC_CHG__COUNT
};

/*
 * Start a scan.  rules_version selects the verdicts joined (NULL: none, the
 * verdict and category columns are NULL); limit is used by SCAN_CHANGES
 * only.  Returns a new scan (store_scan_free) or NULL with a reason.
 */
struct store_scan *store_scan_new(struct store *st, enum store_scan_kind kind,
				  const char *rules_version, int limit,
				  struct errbuf *eb);

/* Step to the next row: 1 on a row, 0 at the end, -1 on an error. */
int store_scan_next(struct store_scan *sc, struct errbuf *eb);

/* Column col of the current row; NULL for SQL NULL (borrowed until the
   next step). */
const char *store_scan_text(struct store_scan *sc, int col);
/* The same as an integer (0 for NULL). */
int64_t store_scan_int(struct store_scan *sc, int col);

/* Free a scan; NULL is allowed. */
void store_scan_free(struct store_scan *sc);

/*
 * Hold one read snapshot across the scans that follow (a deferred read
 * transaction), released by store_snapshot_end().
 */
int store_snapshot_begin(struct store *st, struct errbuf *eb);
void store_snapshot_end(struct store *st);

#endif
