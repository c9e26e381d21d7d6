/*
 * Error buffer formatting, with truncation that is visible ("...") rather
 * than silent.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/errbuf.h"
#include "util/banned.h"

static void
mark_truncated(struct errbuf *eb)
{
	memcpy(eb->msg + ERRBUF_SIZE - 4, "...", 4);
}

void
errbuf_set(struct errbuf *eb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!eb)
		return;
	va_start(ap, fmt);
	n = vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(eb->msg))
		mark_truncated(eb);
}

void
errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
{
	char old[ERRBUF_SIZE];
	size_t used;
	va_list ap;
	int n;

	if (!eb)
		return;
	memcpy(old, eb->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(eb->msg, sizeof(eb->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	used = (size_t)n;
	if (used >= sizeof(eb->msg)) {
		mark_truncated(eb);
		return;
	}
	n = snprintf(eb->msg + used, sizeof(eb->msg) - used, ": %s", old);
	if (n >= 0 && (size_t)n >= sizeof(eb->msg) - used)
		mark_truncated(eb);
}

void
errbuf_suffix(struct errbuf *eb, const char *fmt, ...)
{
	size_t used;
	va_list ap;
	int n;

	if (!eb)
		return;
	used = strlen(eb->msg);
	if (used >= sizeof(eb->msg) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(eb->msg + used, sizeof(eb->msg) - used, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= sizeof(eb->msg) - used)
		mark_truncated(eb);
}

void
errbuf_clear(struct errbuf *eb)
{
	if (eb)
		eb->msg[0] = '\0';
}
