/*
 * Markdown for the static report: the escaper for remote strings and the
 * Markdown backend of report/doc.h (declared there).
 */
#ifndef MCPRISK_MARKDOWN_H
#define MCPRISK_MARKDOWN_H

#include <stddef.h>

#include "util/buf.h"

/*
 * Append s as literal Markdown text on one line: every character that
 * Markdown or GitHub's dialect gives a meaning (\ ` * _ [ ] ( ) < > # |
 * ! ~ { } + - = . :) is backslash-escaped (':' keeps URLs from being
 * auto-linked, '.' a leading "1." from starting a list), & becomes
 * &amp;, line breaks and tabs become spaces (a table cell stays one cell,
 * a paragraph cannot start a heading), and control characters are shown
 * as in html_escape().
 */
int md_escape(struct buf *b, const char *s);

/*
 * The code fence for s: a run of backticks one longer than the longest
 * run inside s (at least three), so s cannot close the block.  Writes at
 * most cap - 1 backticks and a NUL into fence.
 */
void md_fence(const char *s, size_t n, char *fence, size_t cap);

#endif
