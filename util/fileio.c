/*
 * File helpers: capped reads and atomic writes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/xalloc.h"
#include "util/banned.h"

int
file_read_capped(const char *path, size_t max, struct buf *out,
		 struct errbuf *eb)
{
	bool is_stdin = strcmp(path, "-") == 0;
	char chunk[65536];
	int fd = -1, ret = -1;
	struct stat st;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errbuf_set(eb, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		errbuf_set(eb, "cannot read '%s': is a directory", path);
		goto out;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > max) {
		errbuf_set(eb, "'%s' is too large (%lld bytes, limit %zu)",
			   path, (long long)st.st_size, max);
		goto out;
	}
	buf_reset(out);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errbuf_set(eb, "cannot read '%s': %s", path,
				   strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max ||
		    buf_append(out, chunk, (size_t)n) < 0) {
			errbuf_set(eb, "'%s' is too large (limit %zu bytes)",
				   path, max);
			goto out;
		}
	}
	ret = 0;
out:
	if (fd >= 0 && !is_stdin)
		close(fd);
	return ret;
}

static int
write_atomic(const char *path, const void *data, size_t len, bool sync,
	     struct errbuf *eb)
{
	const char *p = data;
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = -1, ret = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		errbuf_set(eb, "cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			errbuf_set(eb, "cannot write '%s': %s", tmp,
				   strerror(errno));
			goto out;
		}
		p += n;
		len -= (size_t)n;
	}
	if (sync && fsync(fd) < 0) {
		errbuf_set(eb, "cannot sync '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		errbuf_set(eb, "cannot close '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		errbuf_set(eb, "cannot rename '%s' to '%s': %s", tmp, path,
			   strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

int
file_write_atomic(const char *path, const void *data, size_t len,
		  struct errbuf *eb)
{
	return write_atomic(path, data, len, true, eb);
}

int
file_write_atomic_nosync(const char *path, const void *data, size_t len,
			 struct errbuf *eb)
{
	return write_atomic(path, data, len, false, eb);
}

int
file_sync_fs(const char *path, struct errbuf *eb)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 0;

	if (fd < 0) {
		errbuf_set(eb, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (syncfs(fd) < 0) {
		errbuf_set(eb, "cannot sync '%s': %s", path, strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

char *
file_dir(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	return xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
}

/* fsync the folder holding path. */
static int
sync_parent(const char *path, struct errbuf *eb)
{
	char *dir = file_dir(path);
	int fd, ret = -1;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		errbuf_set(eb, "cannot sync folder '%s': %s", dir,
			   strerror(errno));
	else
		ret = 0;
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

int
file_publish(const char *tmp, const char *path, struct errbuf *eb)
{
	int fd = open(tmp, O_RDWR | O_CLOEXEC), r;

	if (fd < 0 || fsync(fd) < 0) {
		errbuf_set(eb, "cannot sync '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	r = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
	if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
		/* A file system without RENAME_NOREPLACE: link() does not
		   replace either. */
		r = link(tmp, path);
		if (r == 0)
			unlink(tmp);
	}
	if (r < 0) {
		int e = errno;

		errbuf_set(eb, "cannot rename '%s' to '%s': %s", tmp, path,
			   e == EEXIST ? "it appeared meanwhile" : strerror(e));
		errno = e;
		return -1;
	}
	return sync_parent(path, eb);
}

struct file_sync {
	pthread_t thread;
	char *path;
	int err; /* errno of the failed step, or 0 */
	const char *step;
};

static void *
sync_main(void *arg)
{
	struct file_sync *fs = arg;
	int fd = open(fs->path, O_RDWR | O_CLOEXEC);

	fs->step = "open";
	if (fd >= 0) {
		fs->step = "sync";
		if (fdatasync(fd) == 0)
			fs->step = NULL;
		else
			fs->err = errno;
		close(fd);
	} else {
		fs->err = errno;
	}
	return NULL;
}

struct file_sync *
file_sync_start(const char *path)
{
	struct file_sync *fs = xcalloc(1, sizeof(*fs));

	fs->path = xstrdup(path);
	if (pthread_create(&fs->thread, NULL, sync_main, fs) != 0) {
		free(fs->path);
		free(fs);
		return NULL;
	}
	return fs;
}

int
file_sync_wait(struct file_sync *fs, struct errbuf *eb)
{
	int ret = 0;

	if (!fs)
		return 0;
	pthread_join(fs->thread, NULL);
	if (fs->step) {
		errbuf_set(eb, "cannot %s '%s': %s", fs->step, fs->path,
			   strerror(fs->err));
		ret = -1;
	}
	free(fs->path);
	free(fs);
	return ret;
}

int
file_mkdirs(const char *path, struct errbuf *eb)
{
	char *p = xstrdup(path), *s;
	int ret = -1;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST) {
				errbuf_set(eb, "cannot create directory '%s': %s",
					   p, strerror(errno));
				goto out;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	ret = 0;
out:
	free(p);
	return ret;
}
