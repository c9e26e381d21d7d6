/*
 * The document interface the report pages are written against: headings,
 * paragraphs, tables, code blocks, links, badges and the risk chart.  The
 * pages (report/pages.c) say what a page contains once; two backends say
 * how it looks: HTML (report/html.c) and Markdown (report/markdown.c).
 * Every string passed as text is escaped by the backend, so remote text
 * can go in as is, and hrefs are plain relative paths that the backend
 * percent-encodes (html_href()).
 */
#ifndef MCPRISK_DOC_H
#define MCPRISK_DOC_H

#include <stdbool.h>
#include <stddef.h>

#include "classifier/verdict.h"
#include "util/buf.h"

struct doc;

/* Tools per category and risk level, for the risk-distribution chart. */
struct doc_chart {
	size_t counts[CAT__COUNT][RISK__COUNT];
};

/* One backend; every function appends to d->out. */
struct doc_ops {
	const char *ext; /* file name extension without the dot */
	/* A page: title is escaped; d->root is the way back to the site
	   root ("", "../", "../../"). */
	void (*page_begin)(struct doc *d, const char *title);
	void (*page_end)(struct doc *d);
	void (*heading)(struct doc *d, int level, const char *text);
	void (*para_begin)(struct doc *d);
	void (*para_end)(struct doc *d);
	void (*text)(struct doc *d, const char *s);
	void (*strong)(struct doc *d, const char *s);
	void (*code)(struct doc *d, const char *s);
	/* A link; href is a relative path, encoded by the backend. */
	void (*link)(struct doc *d, const char *href, const char *text);
	/* A coloured label: cls is one of ours ("risk-high", "cat-read",
	   "grade-C", "status-ok", "action-hide"...), text is shown. */
	void (*badge)(struct doc *d, const char *cls, const char *text);
	void (*table_begin)(struct doc *d, size_t ncols,
			    const char *const *head);
	void (*row_begin)(struct doc *d);
	void (*cell_begin)(struct doc *d);
	void (*cell_end)(struct doc *d);
	void (*row_end)(struct doc *d);
	void (*table_end)(struct doc *d);
	void (*list_begin)(struct doc *d);
	void (*item_begin)(struct doc *d);
	void (*item_end)(struct doc *d);
	void (*list_end)(struct doc *d);
	/* A code block (policies); s is shown verbatim, escaped. */
	void (*pre)(struct doc *d, const char *label, const char *s,
		    size_t n);
	/* Big summary numbers: labels and values, n of each. */
	void (*stats)(struct doc *d, const char *const *labels,
		      const char *const *values, size_t n);
	/* The risk-distribution chart with an accessible text form. */
	void (*chart)(struct doc *d, const struct doc_chart *c);
};

/* A document being written: a backend and its output. */
struct doc {
	const struct doc_ops *ops; /* the backend */
	struct buf *out;           /* where the page goes; borrowed */
	const char *root;          /* relative way to the site root */
	bool in_cell;              /* inside a table cell (Markdown) */
};

extern const struct doc_ops doc_html_ops;
extern const struct doc_ops doc_md_ops;

#endif
