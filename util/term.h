/*
 * Printing remote strings safely: tool names and descriptions come from
 * servers we do not control and may carry terminal escape sequences.
 */
#ifndef MCPRISK_TERM_H
#define MCPRISK_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/buf.h"

/*
 * Append s to out with C0/C1 controls, DEL and invalid UTF-8 escaped
 * (\n, \t, \x1b, \u200b for invisible format characters).  At most maxcols
 * characters are kept (0: no limit); a cut is marked with "...".
 */
int term_escape(struct buf *out, const char *s, size_t maxcols);

/*
 * term_escape() for one line of a table: runs of spaces, tabs and line
 * breaks become one space, and leading and trailing ones go, so a
 * description laid out over several indented lines reads as one line.
 */
int term_escape_line(struct buf *out, const char *s, size_t maxcols);

/* Print s to f escaped as above, padded with spaces to width (if >0). */
void term_print(FILE *f, const char *s, size_t width);

/* True when fd refers to a terminal. */
bool term_isatty(int fd);

#endif
