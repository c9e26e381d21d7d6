/*
 * Child-process plumbing for the stdio transport: spawning without a
 * shell, newline framing with a capped line buffer, stderr draining, and
 * a teardown that cannot leave a process or a descriptor behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crawler/stdio.h"
#include "util/buf.h"
#include "util/xalloc.h"
#include "util/banned.h"

extern char **environ;

/* Most bytes queued for the child's stdin (our messages are small). */
#define STDIO_MAX_INPUT ((size_t)4 << 20)
/* How long to wait for a SIGKILLed group leader before waiting blocking. */
#define STDIO_KILL_WAIT_MS 2000

enum phase {
	P_RUNNING,   /* talking to the child */
	P_CLOSED,    /* stdin closed, waiting for a voluntary exit */
	P_TERM,      /* SIGTERM sent to the group */
	P_KILL,      /* SIGKILL sent to the group */
	P_REAPED,    /* waited for; group killed */
};

struct stdio_proc {
	pid_t pid;
	int in, out, err;   /* our ends of the pipes, -1 once closed */
	struct buf inq;     /* bytes waiting to be written to stdin */
	struct buf line;    /* stdout line being assembled */
	struct buf errlog;  /* newest stderr text */
	bool eof;           /* stdout reached EOF */
	enum phase phase;
	long long deadline; /* end of the current teardown wait */
	long long grace;    /* teardown wait per step */
	int wstatus;        /* from waitpid once reaped */
	char text[64];      /* exit text */
	char tail[256];     /* last stderr line */
};

/*
 * Process groups of the servers spawned and not yet reaped, for
 * stdio_kill_all().  A signal handler may read the table at any moment:
 * slots are single sig_atomic_t stores and the table never moves.  More
 * servers than slots at once only go unlisted (jobs are far fewer).
 */
#define STDIO_MAX_GROUPS 4096
static volatile sig_atomic_t live_groups[STDIO_MAX_GROUPS];

static void
groups_add(pid_t pgid)
{
	size_t i;

	for (i = 0; i < STDIO_MAX_GROUPS; i++)
		if (live_groups[i] == 0) {
			live_groups[i] = (sig_atomic_t)pgid;
			return;
		}
}

static void
groups_remove(pid_t pgid)
{
	size_t i;

	for (i = 0; i < STDIO_MAX_GROUPS; i++)
		if (live_groups[i] == (sig_atomic_t)pgid)
			live_groups[i] = 0;
}

void
stdio_kill_all(void)
{
	size_t i;

	for (i = 0; i < STDIO_MAX_GROUPS; i++) {
		pid_t g = (pid_t)live_groups[i];

		if (g > 0)
			kill(-g, SIGKILL);
	}
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Build the child's environment before fork: the child may not allocate. */
static char **
build_env(const struct target *t)
{
	static const char *const inherit[] = { STDIO_INHERITED_ENV };
	size_t n = 0, i, j, max = sizeof(inherit) / sizeof(inherit[0]) +
				 t->nenv + 1;
	char **envp = xcalloc(max, sizeof(*envp));

	for (i = 0; i < sizeof(inherit) / sizeof(inherit[0]); i++) {
		const char *v = getenv(inherit[i]);

		if (v)
			envp[n++] = xasprintf("%s=%s", inherit[i], v);
	}
	for (i = 0; i < t->nenv; i++) {
		size_t klen = strlen(t->env[i].name);

		/* The configured value replaces an inherited one. */
		for (j = 0; j < n; j++) {
			if (strncmp(envp[j], t->env[i].name, klen) == 0 &&
			    envp[j][klen] == '=') {
				free(envp[j]);
				envp[j] = envp[--n];
				envp[n] = NULL;
				break;
			}
		}
		envp[n++] = xasprintf("%s=%s", t->env[i].name,
				      t->env[i].value ? t->env[i].value : "");
	}
	envp[n] = NULL;
	return envp;
}

static void
free_env(char **envp)
{
	char **e;

	for (e = envp; e && *e; e++) {
		memset(*e, 0, strlen(*e)); /* values may be secrets */
		free(*e);
	}
	free(envp);
}

/* In the child: put fd on target without leaving close-on-exec set. */
static void
child_dup(int fd, int target)
{
	if (fd == target)
		fcntl(target, F_SETFD, 0);
	else
		dup2(fd, target);
}

/* In the child after fork: only async-signal-safe calls from here on. */
static void __attribute__((noreturn))
child(const struct target *t, char **envp, int in, int out, int err, int ex)
{
	sigset_t none;
	int e;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	child_dup(in, 0);
	child_dup(out, 1);
	child_dup(err, 2);
	/* Nothing else may leak into third-party code (curl sockets...). */
	if (ex > 3)
		close_range(3, (unsigned)ex - 1, 0);
	close_range((unsigned)ex + 1, ~0U, 0);
	if (t->cwd && chdir(t->cwd) < 0) {
		e = errno;
		(void)!write(ex, &e, sizeof(e));
		_exit(127);
	}
	environ = envp;
	execvp(t->argv[0], t->argv);
	e = errno;
	(void)!write(ex, &e, sizeof(e));
	_exit(127);
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

struct stdio_proc *
stdio_spawn(const struct target *t, struct errbuf *eb)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int ex[2] = { -1, -1 }, e = 0;
	struct stdio_proc *p = NULL;
	char **envp = NULL;
	sigset_t stop, saved;
	pid_t pid;
	ssize_t r;

	if (!t->argv || !t->argv[0] || !*t->argv[0]) {
		errbuf_set(eb, "no command to run");
		goto out;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
	    pipe2(err, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
		errbuf_set(eb, "cannot run '%s': pipe: %s", t->argv[0],
			   strerror(errno));
		goto out;
	}
	envp = build_env(t);
	/* No stop signal between the fork and the group's registration, or
	   stdio_kill_all() in its handler would miss this server. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, &saved);
	pid = fork();
	if (pid == 0)
		child(t, envp, in[0], out[1], err[1], ex[1]);
	if (pid > 0) {
		setpgid(pid, pid); /* also here: no race with an early kill */
		groups_add(pid);
	}
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	if (pid < 0) {
		errbuf_set(eb, "cannot run '%s': fork: %s", t->argv[0],
			   strerror(errno));
		goto out;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	close_fd(&ex[1]);
	do
		r = read(ex[0], &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)sizeof(e)) {
		int st;

		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		groups_remove(pid);
		errbuf_set(eb, "cannot run '%s': %s", t->argv[0],
			   strerror(e));
		goto out;
	}
	p = xcalloc(1, sizeof(*p));
	p->pid = pid;
	p->in = in[1];
	p->out = out[0];
	p->err = err[0];
	in[1] = out[0] = err[0] = -1;
	buf_init(&p->inq, STDIO_MAX_INPUT);
	buf_init(&p->line, STDIO_MAX_LINE);
	buf_init(&p->errlog, STDIO_MAX_STDERR);
	set_nonblock(p->in);
	set_nonblock(p->out);
	set_nonblock(p->err);
out:
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	close_fd(&ex[0]);
	close_fd(&ex[1]);
	free_env(envp);
	return p;
}

void
stdio_send(struct stdio_proc *p, const char *msg, size_t len)
{
	if (p->in < 0)
		return;
	if (buf_append(&p->inq, msg, len) < 0 || buf_putc(&p->inq, '\n') < 0)
		buf_reset(&p->inq); /* cannot happen with our messages */
}

size_t
stdio_pollfds(const struct stdio_proc *p, struct pollfd *fds)
{
	size_t n = 0;

	if (p->phase != P_RUNNING)
		return 0;
	if (p->in >= 0 && p->inq.len > 0)
		fds[n++] = (struct pollfd){ p->in, POLLOUT, 0 };
	if (p->out >= 0)
		fds[n++] = (struct pollfd){ p->out, POLLIN, 0 };
	if (p->err >= 0)
		fds[n++] = (struct pollfd){ p->err, POLLIN, 0 };
	return n;
}

static void
do_write(struct stdio_proc *p)
{
	while (p->in >= 0 && p->inq.len > 0) {
		ssize_t w = write(p->in, p->inq.data, p->inq.len);

		if (w > 0) {
			buf_consume(&p->inq, (size_t)w);
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			return;
		} else {
			/* EPIPE: the child stopped reading; stdout EOF and
			   the exit status tell the rest. */
			buf_reset(&p->inq);
			close_fd(&p->in);
		}
	}
}

static int
do_read_out(struct stdio_proc *p, stdio_line_fn fn, void *ctx,
	    enum crawl_status *st, struct errbuf *eb)
{
	char chunk[65536];
	size_t total = 0;

	while (p->out >= 0 && total < STDIO_READ_BUDGET) {
		ssize_t r = read(p->out, chunk, sizeof(chunk));
		const char *s = chunk, *end;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			p->eof = true;
			close_fd(&p->out);
			break;
		}
		total += (size_t)r;
		end = chunk + r;
		while (s < end) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			size_t k = nl ? (size_t)(nl - s) : (size_t)(end - s);

			if (buf_append(&p->line, s, k) < 0) {
				*st = CRAWL_TOO_LARGE;
				errbuf_set(eb, "stdout line exceeds %zu bytes",
					   p->line.max);
				return -1;
			}
			s += k;
			if (!nl)
				break;
			s++;
			if (p->line.len && p->line.data[p->line.len - 1] == '\r')
				p->line.data[--p->line.len] = '\0';
			fn(ctx, buf_cstr(&p->line), p->line.len);
			buf_reset(&p->line);
		}
	}
	return 0;
}

static void
do_read_err(struct stdio_proc *p)
{
	char chunk[8192];
	size_t total = 0;

	while (p->err >= 0 && total < STDIO_READ_BUDGET) {
		ssize_t r = read(p->err, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			close_fd(&p->err);
			break;
		}
		total += (size_t)r;
		{
			/* Keep the newest text: drop the oldest bytes. */
			size_t keep = (size_t)r < p->errlog.max ? (size_t)r
							       : p->errlog.max;

			if (p->errlog.len + keep > p->errlog.max)
				buf_consume(&p->errlog, p->errlog.len + keep -
								p->errlog.max);
			buf_append(&p->errlog, chunk + (size_t)r - keep, keep);
		}
	}
}

int
stdio_io(struct stdio_proc *p, const struct pollfd *fds, size_t n,
	 stdio_line_fn fn, void *ctx, enum crawl_status *st,
	 struct errbuf *eb)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == p->in && p->in >= 0)
			do_write(p);
		else if (fds[i].fd == p->out && p->out >= 0) {
			if (do_read_out(p, fn, ctx, st, eb) < 0)
				return -1;
		} else if (fds[i].fd == p->err && p->err >= 0)
			do_read_err(p);
	}
	return 0;
}

bool
stdio_eof(const struct stdio_proc *p)
{
	return p->eof;
}

void
stdio_shutdown(struct stdio_proc *p, long long now, long long grace_ms)
{
	if (p->phase != P_RUNNING)
		return;
	close_fd(&p->in);
	close_fd(&p->out);
	close_fd(&p->err);
	p->grace = grace_ms;
	p->deadline = now + grace_ms;
	p->phase = P_CLOSED;
}

static bool
try_wait(struct stdio_proc *p, int flags)
{
	pid_t r;

	do
		r = waitpid(p->pid, &p->wstatus, flags);
	while (r < 0 && errno == EINTR);
	if (r == p->pid || (r < 0 && errno == ECHILD)) {
		/* The pgid stays reserved while members live: kill them. */
		kill(-p->pid, SIGKILL);
		groups_remove(p->pid);
		p->phase = P_REAPED;
		return true;
	}
	return false;
}

bool
stdio_reap(struct stdio_proc *p, long long now, long long *wake)
{
	if (p->phase == P_RUNNING)
		stdio_shutdown(p, now, 0);
	if (p->phase == P_REAPED || try_wait(p, WNOHANG))
		return true;
	if (now >= p->deadline) {
		switch (p->phase) {
		case P_CLOSED:
			kill(-p->pid, SIGTERM);
			p->phase = P_TERM;
			p->deadline = now + p->grace;
			break;
		case P_TERM:
			kill(-p->pid, SIGKILL);
			p->phase = P_KILL;
			p->deadline = now + STDIO_KILL_WAIT_MS;
			break;
		default:
			return try_wait(p, 0);
		}
	}
	*wake = p->deadline;
	return false;
}

const char *
stdio_exit_text(struct stdio_proc *p)
{
	if (p->phase != P_REAPED && !try_wait(p, WNOHANG))
		snprintf(p->text, sizeof(p->text), "still running");
	else if (WIFEXITED(p->wstatus))
		snprintf(p->text, sizeof(p->text), "exit status %d",
			 WEXITSTATUS(p->wstatus));
	else if (WIFSIGNALED(p->wstatus))
		snprintf(p->text, sizeof(p->text), "killed by signal %d",
			 WTERMSIG(p->wstatus));
	else
		snprintf(p->text, sizeof(p->text), "ended");
	return p->text;
}

const char *
stdio_stderr_tail(struct stdio_proc *p)
{
	const char *s = buf_cstr(&p->errlog);
	size_t n = p->errlog.len, start, len;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
			 s[n - 1] == ' '))
		n--;
	start = n;
	while (start > 0 && s[start - 1] != '\n' && s[start - 1] != '\r')
		start--;
	len = n - start;
	if (len >= sizeof(p->tail))
		len = sizeof(p->tail) - 1;
	memcpy(p->tail, s + start, len);
	p->tail[len] = '\0';
	return p->tail;
}

pid_t
stdio_pid(const struct stdio_proc *p)
{
	return p->pid;
}

void
stdio_free(struct stdio_proc *p)
{
	if (!p)
		return;
	close_fd(&p->in);
	close_fd(&p->out);
	close_fd(&p->err);
	if (p->phase != P_REAPED) {
		kill(-p->pid, SIGKILL);
		try_wait(p, 0);
	}
	buf_release(&p->inq);
	buf_release(&p->line);
	buf_release(&p->errlog);
	free(p);
}
