/*
 * The writer interface, private to report/: each fmt_<format>.c turns a
 * decided struct export_server into one format and notes what it could not
 * express.  Writers decide nothing; they only translate actions.
 */
#ifndef MCPRISK_FMT_H
#define MCPRISK_FMT_H

#include "report/export.h"

/*
 * Append the export of s to out.  alias is the effective local name
 * (s->alias or the default alias; borrowed).  Every string in s is valid
 * UTF-8 (export_render checked).  0, or -1 with a reason in eb.
 */
typedef int (*fmt_writer)(const struct export_server *s, const char *alias,
			  struct buf *out, struct export_notes *notes,
			  struct errbuf *eb);

int fmt_policylayer(const struct export_server *s, const char *alias,
		    struct buf *out, struct export_notes *notes,
		    struct errbuf *eb);
int fmt_intercept(const struct export_server *s, const char *alias,
		  struct buf *out, struct export_notes *notes,
		  struct errbuf *eb);
int fmt_claude(const struct export_server *s, const char *alias,
	       struct buf *out, struct export_notes *notes,
	       struct errbuf *eb);
int fmt_codex(const struct export_server *s, const char *alias,
	      struct buf *out, struct export_notes *notes, struct errbuf *eb);
int fmt_docker(const struct export_server *s, const char *alias,
	       struct buf *out, struct export_notes *notes,
	       struct errbuf *eb);

/*
 * "Recommended policy for <server> (mcprisk V, rules R, profile P)" as a
 * new string, leaving out what s does not have.
 */
char *fmt_description(const struct export_server *s);

#endif
