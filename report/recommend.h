/*
 * Recommendations from the catalog: a server's stored verdicts decoded into
 * the per-tool input of the policy step, its grade, and its policy in any
 * export format.  Shared by `export`, `report` and the HTTP service so all
 * three give byte-identical policies.
 */
#ifndef MCPRISK_RECOMMEND_H
#define MCPRISK_RECOMMEND_H

#include <jansson.h>
#include <stddef.h>

#include "classifier/verdict.h"
#include "report/export.h"
#include "report/grade.h"
#include "report/profile.h"
#include "util/buf.h"
#include "util/errbuf.h"

struct store;

/* One server's tools and verdicts, owned by the struct. */
struct server_verdicts {
	char *server;
	struct tool_verdict *tools; /* names and verdicts point into the
				       arrays below */
	struct verdict *verdicts;
	char **names;
	size_t n;
};

/*
 * Decode one entry of store_catalog()'s "servers" array (borrowed) into
 * *out.  A tool without a stored verdict gets a NULL verdict, which the
 * profiles decide as unknown.
 */
int recommend_decode(const json_t *server, struct server_verdicts *out,
		     struct errbuf *eb);
void server_verdicts_release(struct server_verdicts *sv);

/*
 * Load one server's verdicts from the catalog (rules_version may be NULL:
 * no verdicts).  Fails with "no server 'X'" when it is not there.
 */
int recommend_load(struct store *st, const char *server,
		   const char *rules_version, struct server_verdicts *out,
		   struct errbuf *eb);

/*
 * Render the recommended policy of sv under profile p in format f into out
 * (appending), with notes of what the format cannot express.
 */
int recommend_render(const struct profile *p, const struct server_verdicts *sv,
		     const char *alias, const char *rules_version,
		     enum export_format f, struct buf *out,
		     struct export_notes *notes, struct errbuf *eb);

/* The server's grade (A-F) from its verdicts. */
void recommend_grade(const struct server_verdicts *sv, struct grade *out);

/*
 * Grades of every server with present tools, in one pass over the
 * catalog: {"<server>":{"grade":"D","reason":".."}} (new).
 */
json_t *recommend_grades(struct store *st, const char *rules_version,
			 struct errbuf *eb);

/*
 * Add "grade", "grade_reason" and "tokens" to each server of a
 * store_servers() (or store_servers_page()) result in place, so the CLI and
 * the service show the same fields.  A server never fetched has no grade.
 */
int recommend_add_grades(struct store *st, const char *rules_version,
			 json_t *servers_result, struct errbuf *eb);

#endif
