/*
 * HTML for the static report: the escaper every remote string goes through
 * (text and attributes alike), the href encoder, the HTML backend of
 * report/doc.h and the site's one style sheet.
 */
#ifndef MCPRISK_HTML_H
#define MCPRISK_HTML_H

#include <stddef.h>

#include "util/buf.h"

/*
 * Append s HTML-escaped: & < > " ' become character references, so the
 * result is safe in element text and in quoted attributes.  Control
 * characters (C0 other than tab and newline, DEL) become their visible
 * Control Pictures (U+2400...), C1 controls and bytes that are not UTF-8
 * become U+FFFD, and bidirectional overrides are shown as "[U+202E]" so
 * they cannot reorder what a reader sees.  Returns -1 past the cap.
 */
int html_escape(struct buf *b, const char *s);

/*
 * Append a relative path for an href: every byte outside
 * [A-Za-z0-9-._~/] is percent-encoded ("%" itself becomes "%25"), so a
 * file name made of percent-escapes resolves to itself.
 */
int html_href(struct buf *b, const char *path);

/* The site's style sheet (style.css), borrowed. */
const char *html_stylesheet(void);

#endif

/*
 * The shared first step of both escapers: look at the character at
 * p[0..n).  Sets *len to its length in bytes.  When it is a control,
 * invalid or bidi-override character, appends its visible replacement to
 * b and returns 1; otherwise sets *cp and returns 0.
 */
int html_visible_char(const unsigned char *p, size_t n, unsigned *cp,
		      size_t *len, struct buf *b);
