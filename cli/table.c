/*
 * A small column-aligned table printer with escaping of remote text.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/table.h"
#include "util/buf.h"
#include "util/term.h"
#include "util/utf8.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest cell kept before escaping and cutting (bytes). */
#define TABLE_CELL_MAX ((size_t)64 << 10)

struct table {
	size_t ncols;
	size_t nrows; /* including the header */
	size_t cap;
	char **cells; /* nrows * ncols escaped strings */
	size_t *max;  /* per column cap, 0 for none */
	size_t *width;
};

struct table *
table_new(size_t ncols, const char *const *header)
{
	struct table *t = xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	t->max = xcalloc(ncols, sizeof(*t->max));
	t->width = xcalloc(ncols, sizeof(*t->width));
	table_add(t, header);
	return t;
}

void
table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->max);
	free(t->width);
	free(t);
}

void
table_set_max(struct table *t, size_t col, size_t width)
{
	size_t r;

	t->max[col] = width;
	/* Re-measure is unnecessary for the header: caps are set before
	   rows are added, and the header is short. */
	for (r = 0; r < t->nrows; r++) {
		size_t w = utf8_width(t->cells[r * t->ncols + col]);

		if (w > t->width[col])
			t->width[col] = w;
	}
}

void
table_add(struct table *t, const char *const *cells)
{
	size_t c;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xreallocarray(t->cells, t->cap * t->ncols,
					 sizeof(*t->cells));
	}
	for (c = 0; c < t->ncols; c++) {
		struct buf b = BUF_INIT(TABLE_CELL_MAX);
		size_t w;

		term_escape_line(&b, cells[c] ? cells[c] : "-", t->max[c]);
		t->cells[t->nrows * t->ncols + c] = buf_detach(&b, NULL);
		w = utf8_width(t->cells[t->nrows * t->ncols + c]);
		if (w > t->width[c])
			t->width[c] = w;
	}
	t->nrows++;
}

void
table_print(const struct table *t, FILE *f)
{
	size_t r, c, w;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			fputs(cell, f);
			if (c + 1 == t->ncols)
				break;
			for (w = utf8_width(cell); w < t->width[c] + 2; w++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
}

void
table_time(long long t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t <= 0 || !gmtime_r(&tt, &tm) ||
	    strftime(out, 32, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, 32, "-");
}
