/*
 * Whole-file reads with a cap and atomic writes (temp file + fsync +
 * rename), so a reader never sees half a file.
 */
#ifndef MCPRISK_FILEIO_H
#define MCPRISK_FILEIO_H

#include <stddef.h>

#include "util/buf.h"
#include "util/errbuf.h"

/* Read path ("-" is stdin) into out, failing if it exceeds max bytes. */
int file_read_capped(const char *path, size_t max, struct buf *out,
		     struct errbuf *eb);

/* Write data to path atomically: path.tmp.<pid>, fsync, rename. */
int file_write_atomic(const char *path, const void *data, size_t len,
		      struct errbuf *eb);

/*
 * The same without the fsync: readers still see the old file or the whole
 * new one, but the data is only durable once the file system is synced
 * (file_sync_fs).  For writing many files and syncing once at the end.
 */
int file_write_atomic_nosync(const char *path, const void *data, size_t len,
			     struct errbuf *eb);

/* Flush the whole file system holding path to disk (syncfs). */
int file_sync_fs(const char *path, struct errbuf *eb);

/*
 * Give the finished file tmp the name path, durably, but never over an
 * existing path: fsync tmp, rename it without replacing, fsync the folder.
 * Fails with EEXIST in errno (and tmp left alone) when path is there.
 */
int file_publish(const char *tmp, const char *path, struct errbuf *eb);

/*
 * Start flushing path's data to its device on another thread, while the
 * caller goes on writing it, so that the file_publish() of a large file
 * finds little left to flush.  NULL when no thread could start (nothing
 * to wait for then: file_publish flushes all).
 */
struct file_sync *file_sync_start(const char *path);

/*
 * Wait for that flush and free fs (NULL is fine).  -1 when it failed:
 * the error must not be ignored, as a later fsync of the same file need
 * not report it again.
 */
int file_sync_wait(struct file_sync *fs, struct errbuf *eb);

/* The folder holding path: "." when it has no slash, "/" at the root
   (new string). */
char *file_dir(const char *path);

/* Create directory path and missing parents (mode 0755). */
int file_mkdirs(const char *path, struct errbuf *eb);

#endif
