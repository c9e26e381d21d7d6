/*
 * The stdio transport: a local MCP server run as a child process, one
 * JSON-RPC message per line on its stdin and stdout.  No shell is
 * involved; the child gets its own process group and a minimal
 * environment; its stderr is drained into a capped log; teardown closes
 * stdin, then sends SIGTERM, then SIGKILL to the group, and always reaps.
 * Every descriptor is non-blocking and close-on-exec; the caller polls.
 */
#ifndef MCPRISK_STDIO_H
#define MCPRISK_STDIO_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "crawler/result.h"
#include "crawler/target.h"
#include "util/errbuf.h"

/* Longest stdout line (one message) accepted: the manifest cap. */
#define STDIO_MAX_LINE MANIFEST_MAX_BYTES
/* Most stderr text kept (the newest part); the rest is drained away. */
#define STDIO_MAX_STDERR ((size_t)16 << 10)
/* Most bytes read from one descriptor per stdio_io call (fairness). */
#define STDIO_READ_BUDGET ((size_t)1 << 20)
/* Variables passed through from the crawler's own environment. */
#define STDIO_INHERITED_ENV "HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"

struct stdio_proc;

/* Called once per complete stdout line (without the LF or a trailing CR);
   line is borrowed for the call. */
typedef void (*stdio_line_fn)(void *ctx, const char *line, size_t len);

/*
 * Start t->argv (t->env over the minimal environment, in t->cwd).  Returns
 * NULL with "cannot run 'cmd': reason" when the program cannot be started
 * (the exec failure is reported by the child through a close-on-exec
 * pipe, so a missing program is told apart from one that exits).
 */
struct stdio_proc *stdio_spawn(const struct target *t, struct errbuf *eb);

/* Queue one message (len bytes, no newline) for the child's stdin. */
void stdio_send(struct stdio_proc *p, const char *msg, size_t len);

/*
 * Fill up to 3 pollfds for the descriptors that need watching now and
 * return how many.  Nothing while tearing down.
 */
size_t stdio_pollfds(const struct stdio_proc *p, struct pollfd *fds);

/*
 * Do the I/O that fds[0..n) (as filled by stdio_pollfds, with revents)
 * allow: write queued input, read stdout into lines for fn, drain stderr.
 * Returns 0, or -1 with *st and eb set (an overlong line: too_large).
 */
int stdio_io(struct stdio_proc *p, const struct pollfd *fds, size_t n,
	     stdio_line_fn fn, void *ctx, enum crawl_status *st,
	     struct errbuf *eb);

/* True once the child closed its stdout (it exited or gave up). */
bool stdio_eof(const struct stdio_proc *p);

/*
 * Start teardown at time now (ms, monotonic): close stdin and the output
 * pipes.  grace_ms bounds each of the waits after closing stdin and after
 * SIGTERM.
 */
void stdio_shutdown(struct stdio_proc *p, long long now, long long grace_ms);

/*
 * Advance teardown: true once the child is reaped (and the rest of its
 * group killed).  Otherwise *wake is when to call again.
 */
bool stdio_reap(struct stdio_proc *p, long long now, long long *wake);

/*
 * "exit status N", "killed by signal N" or "still running" for messages
 * (borrowed until the next call).
 */
const char *stdio_exit_text(struct stdio_proc *p);

/* The last non-empty stderr line, or "" (borrowed; raw bytes). */
const char *stdio_stderr_tail(struct stdio_proc *p);

/* Child pid (for tests and messages). */
pid_t stdio_pid(const struct stdio_proc *p);

/* Kill the group if still running, reap, close everything; NULL is fine.
   Blocks for at most the time SIGKILL takes. */
void stdio_free(struct stdio_proc *p);

/*
 * SIGKILL the process group of every server still running.  Async-signal-
 * safe: for a handler of SIGINT/SIGTERM in a program about to die, so that
 * a stopped refresh leaves no server (or its children) behind, even one
 * that ignores SIGTERM and end of input.
 */
void stdio_kill_all(void);

#endif
