/*
 * The report's page model and pages: what the index, a server page and a
 * tool page contain, written once against report/doc.h and rendered by
 * either backend.  The model is plain data filled by report/site.c; the
 * page functions only read it.
 */
#ifndef MCPRISK_PAGES_H
#define MCPRISK_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "classifier/verdict.h"
#include "report/doc.h"
#include "report/export.h"
#include "report/grade.h"
#include "report/jscan.h"
#include "report/profile.h"
#include "util/buf.h"

/* Most servers listed on one index page. */
#define PAGES_INDEX_ROWS 1000
/* Most servers listed on a tool page, and other definitions of a name. */
#define PAGES_RELATED_MAX 200
/* Evidence entries shown per tool in a server's table. */
#define PAGES_TOP_EVIDENCE 2

/* One tool as a server page shows it. */
struct page_tool {
	char *name;        /* owned */
	char *hash;        /* definition hash; owned */
	char *description; /* owned */
	bool nonstandard;  /* the server sent a non-standard shape */
	bool classified;   /* v holds a verdict */
	struct verdict v;
	struct action action; /* what the profile decided */
};

/* One recorded change of a server. */
struct page_change {
	int64_t run, at;
	char *tool, *kind, *fields;         /* fields: JSON list text */
	char *old_category, *old_risk;      /* NULL when unknown */
	char *new_category, *new_risk;
};

/* Everything a server page shows (owned strings). */
struct page_server {
	char *name, *title, *description, *version, *status, *error;
	char *source, *transport, *endpoint;
	int64_t last_success;
	struct page_tool *tools;
	size_t ntools;
	struct page_change *changes;
	size_t nchanges;
	struct grade grade;
	size_t tokens;                   /* approximate tools/list cost */
	const char *profile;             /* profile name; borrowed */
	struct buf policy[EXPORT__COUNT]; /* the five exports */
	char *policy_error;              /* why they are missing; owned */
	struct export_notes notes;       /* what formats could not say */
};

/* Most parameters listed on a tool page. */
#define PAGES_PARAMS_MAX 200

/* The behaviour hints of MCP tool annotations a tool page checks. */
enum page_hint {
	HINT_READ_ONLY, HINT_DESTRUCTIVE, HINT_IDEMPOTENT, HINT_OPEN_WORLD,
	HINT__COUNT
};

/* One parameter from a definition's inputSchema. */
struct page_param {
	const char *name;        /* borrowed from the page_def */
	char type[128];          /* "string", "string | null", "enum", ... */
	bool required;           /* listed in inputSchema.required */
	const char *description; /* NULL: none; borrowed */
};

/* Everything a tool (definition) page shows. */
struct page_def {
	char *name, *hash;  /* owned */
	/* From the definition (page_def_set_definition): strings borrowed
	   from def_json or def_scan, which hold them. */
	const char *title, *description; /* NULL: none */
	struct page_param *params; /* the first PAGES_PARAMS_MAX; owned */
	size_t nparams;
	bool more_params;          /* the schema has more than those */
	int hints[HINT__COUNT];    /* declared: 1 true, 0 false, -1 not */
	json_t *def_json;          /* owned reference, or NULL */
	struct jscan def_scan;     /* owned (empty when def_json is used) */
	bool classified;
	struct verdict v;
	struct action action;
	const char *profile; /* borrowed */
	struct buf policy;  /* policy.json of this tool alone */
	char **servers;     /* servers carrying it, sorted; owned */
	size_t nservers;
	char **siblings;    /* other definition hashes with this name */
	size_t nsiblings;
};

/* A server's line on the index. */
struct page_summary {
	char *name, *title, *status, *error; /* owned */
	char grade;
	char grade_reason[GRADE_REASON_MAX];
	size_t ntools;
	size_t by_category[CAT__COUNT];
	int max_risk; /* enum risk, -1 with no classified tool */
	size_t tokens;
	size_t npoison_findings; /* findings of poisoning rules */
	struct doc_chart chart;  /* tools by category and risk */
};

/* The index: every server and the catalog totals. */
struct page_index {
	struct page_summary **servers; /* by name; borrowed */
	size_t nservers;
	size_t ntools, ndefs, ncritical, npoisoning;
	struct doc_chart chart;
	const char *rules_version; /* borrowed; may be NULL */
	const char *profile;       /* borrowed */
};

/*
 * Paths of pages relative to the site root, for writing and for links:
 * "s/<name percent-encoded as export_filename does>.<ext>" and
 * "t/<first two hex digits>/<hash>.<ext>".  New strings.
 */
char *page_server_path(const char *server, const char *ext);
char *page_def_path(const char *hash, const char *ext);
/* "index.<ext>" for page 0, "index-<n+1>.<ext>" after. */
char *page_index_path(size_t page, const char *ext);

/* Write index page number page (0-based) of npages. */
void page_index(struct doc *d, const struct page_index *idx, size_t page,
		size_t npages);
void page_server(struct doc *d, const struct page_server *s);
void page_def(struct doc *d, const struct page_def *t);

/*
 * Fill t's definition fields from the stored definition JSON (NUL-
 * terminated).  Text that is no JSON object leaves them empty (no title,
 * description, parameters or hints).  Canonical text is read with
 * report/jscan.h, anything else with jansson, to the same result.
 */
void page_def_set_definition(struct page_def *t, const char *text);

/* Free what the models own (not the structs). */
void page_server_release(struct page_server *s);
void page_def_release(struct page_def *t);
void page_summary_release(struct page_summary *s);

#endif
