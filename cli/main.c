/*
 * mcprisk entry point: global options, the command table (cli/commands.def)
 * and the exit-code contract.  Each subcommand lives in cli/cmd_<name>.c.
 */
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crawler/stdio.h"
#include "db/store.h"
#include "util/jalloc.h"
#include "util/version.h"
#include "util/xalloc.h"
#include "util/banned.h"


struct command {
	const char *name;
	cmd_fn fn;
	int flags;
	const char *summary;
};

static const struct command commands[] = {
#define COMMAND(name, fn, flags, summary) { name, fn, flags, summary },
#include "cli/commands.def"
#undef COMMAND
	{ NULL, NULL, 0, NULL },
};

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mcprisk: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The private build of a new catalog, removed if a signal stops us. */
static char build_file[4096];
static volatile sig_atomic_t have_build_file;

static void
on_stop_signal(int sig)
{
	stdio_kill_all();
	if (have_build_file)
		unlink(build_file);
	signal(sig, SIG_DFL);
	raise(sig);
}

void
cli_remove_on_signal(const char *path)
{
	have_build_file = 0;
	if (!path || strlen(path) >= sizeof(build_file))
		return;
	memcpy(build_file, path, strlen(path) + 1);
	have_build_file = 1;
}

void
cli_stop_servers_on_signal(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int
cli_usage(const char *synopsis)
{
	fprintf(stderr, "usage: mcprisk %s\n", synopsis);
	return EXIT_USAGE;
}

static void
usage(FILE *f)
{
	const struct command *c;

	fputs("usage: mcprisk [--db PATH] [--rules PATH] [--json] [-q] "
	      "COMMAND [ARGS]\n\ncommands:\n", f);
	for (c = commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nglobal options:\n"
	      "  --db PATH     catalog database (env MCPRISK_DB; default "
	      "~/.local/share/mcprisk/catalog.db)\n"
	      "  --rules PATH  rule set (env MCPRISK_RULES; default the "
	      "bundled data/rules)\n"
	      "  --json        machine-readable output on stdout\n"
	      "  -q, --quiet   no progress or summaries on stderr\n"
	      "  --version     print the version\n"
	      "exit codes: 0 ok, 1 findings at or above --fail-on, 2 usage, "
	      "3 runtime error\n", f);
}

static bool
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The bundled data directory: $MCPRISK_DATA, else data/ next to the binary
 * (./mcprisk at the repository root) or two levels up (build/<variant>/),
 * else the install location.
 */
static char *
find_data_dir(void)
{
	static const char *const rel[] = { "/data", "/../../data",
					   "/../share/mcprisk" };
	char exe[PATH_MAX];
	const char *env = getenv("MCPRISK_DATA");
	ssize_t n;
	size_t i;

	if (env && *env)
		return xstrdup(env);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			char *p = xasprintf("%s%s", exe, rel[i]);

			if (is_dir(p))
				return p;
			free(p);
		}
	}
	return xstrdup("/usr/local/share/mcprisk");
}

static char *
default_db_path(void)
{
	const char *env = getenv("MCPRISK_DB"), *xdg, *home;

	if (env && *env)
		return xstrdup(env);
	xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/mcprisk/catalog.db", xdg);
	home = getenv("HOME");
	return xasprintf("%s/.local/share/mcprisk/catalog.db",
			 home && *home ? home : ".");
}

char *
app_data_path(const struct app *app, const char *rel)
{
	return xasprintf("%s/%s", app->data_dir, rel);
}

/* Take a global option's value from "--opt=V" or the next argument. */
static int
take_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
	size_t n = strlen(opt);

	if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (strcmp(argv[*i], opt) != 0)
		return 0;
	if (*i + 1 >= argc) {
		cli_error("option '%s' needs a value", opt);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int
main(int argc, char **argv)
{
	struct app app = { 0 };
	const struct command *cmd = NULL;
	char *db_default = NULL, *data_dir = NULL;
	char **rest = xcalloc((size_t)argc + 1, sizeof(*rest));
	int nrest = 0, i, ret = EXIT_USAGE;
	bool dashdash = false;

	/* Before jansson allocates anything. */
	jalloc_install();
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			rest[nrest++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = true;
			rest[nrest++] = argv[i];
			continue;
		}
		if ((r = take_value(argc, argv, &i, "--db", &app.db_path)) ||
		    (r = take_value(argc, argv, &i, "--rules",
				    &app.rules_path))) {
			if (r < 0)
				goto out;
		} else if (strcmp(a, "--json") == 0) {
			app.json = true;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			app.quiet = true;
		} else if (strcmp(a, "--version") == 0 && nrest == 0) {
			printf("mcprisk %s\n", MCPRISK_VERSION);
			ret = EXIT_OK;
			goto out;
		} else if ((strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) &&
			   nrest == 0) {
			usage(stdout);
			ret = EXIT_OK;
			goto out;
		} else {
			rest[nrest++] = argv[i];
		}
	}
	if (nrest == 0) {
		usage(stderr);
		goto out;
	}
	for (i = 0; commands[i].name; i++)
		if (strcmp(commands[i].name, rest[0]) == 0)
			cmd = &commands[i];
	if (!cmd) {
		cli_error("'%s' is not a command; see 'mcprisk --help'",
			  rest[0]);
		goto out;
	}
	/* Every thread of every command has its own connection. */
	store_process_tune();
	data_dir = find_data_dir();
	app.data_dir = data_dir;
	if (!app.db_path)
		app.db_path = db_default = default_db_path();
	if (!app.rules_path)
		app.rules_path = getenv("MCPRISK_RULES");
	ret = cmd->fn(nrest, rest, &app);
	app_release(&app);
out:
	free(db_default);
	free(data_dir);
	free(rest);
	return ret;
}
