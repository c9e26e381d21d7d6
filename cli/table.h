/*
 * Terminal tables for the query commands: cells are remote strings, so
 * every cell is escaped (util/term.h) and cut to a column limit.
 */
#ifndef MCPRISK_TABLE_H
#define MCPRISK_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct table;

/* A table with the given header cells (ncols of them, borrowed). */
struct table *table_new(size_t ncols, const char *const *header);
void table_free(struct table *t);

/* Cap column col at width characters ("..." marks a cut); 0: no cap. */
void table_set_max(struct table *t, size_t col, size_t width);

/* Add a row of ncols cells (copied; NULL prints as "-"). */
void table_add(struct table *t, const char *const *cells);

/* Print with two spaces between columns; the last column is not padded. */
void table_print(const struct table *t, FILE *f);



/* A Unix time as "YYYY-MM-DD HH:MM" UTC into out; "-" for 0. */
void table_time(long long t, char out[32]);
#endif
