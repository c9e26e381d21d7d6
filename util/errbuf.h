/*
 * The error buffer: library functions return 0/-1 (or NULL) and put the
 * human-readable reason here.  Only cli/ and server/ decide where it goes.
 */
#ifndef MCPRISK_ERRBUF_H
#define MCPRISK_ERRBUF_H

/* Longest message kept; longer ones are cut and end in "...". */
#define ERRBUF_SIZE 1024

struct errbuf {
	char msg[ERRBUF_SIZE]; /* NUL-terminated; "" when nothing failed */
};

#define ERRBUF_INIT { { 0 } }

/* Replace the message. A NULL eb is allowed and ignored. */
void errbuf_set(struct errbuf *eb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Put "<formatted>: " in front of the current message (adds context). */
void errbuf_prefix(struct errbuf *eb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append "<formatted>" to the current message (adds a consequence). */
void errbuf_suffix(struct errbuf *eb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Forget the message. */
void errbuf_clear(struct errbuf *eb);

#endif
