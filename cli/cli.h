/*
 * What every subcommand shares: the application context built from the
 * global options, the exit codes, and the command signature.
 */
#ifndef MCPRISK_CLI_H
#define MCPRISK_CLI_H

#include <stdbool.h>

/* Exit codes: one documented enum (README "Exit codes"). */
enum exit_code {
	EXIT_OK = 0,       /* success */
	EXIT_FINDINGS = 1, /* a tool at or above --fail-on */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_RUNTIME = 3,  /* I/O, database, network or input error */
};

struct store;
struct rules;

/* The application context; commands receive it filled from global options. */
struct app {
	const char *db_path;    /* --db, $MCPRISK_DB, or the default */
	const char *rules_path; /* --rules, $MCPRISK_RULES, or bundled rules */
	const char *data_dir;   /* where bundled data/ lives */
	bool json;              /* --json: machine output on stdout */
	bool quiet;             /* -q: no progress or summaries on stderr */
	struct store *store;    /* opened on demand by app_store() */
	struct rules *rules;    /* loaded on demand by app_rules() */
};

/* Flags in the command table. */
enum {
	NEED_DB = 1 << 0,    /* open the catalog read-write before running */
	NEED_DB_RO = 1 << 1, /* open the catalog read-only */
	NEED_RULES = 1 << 2, /* load the rule set before running */
};

/*
 * A subcommand: argv[0] is the command name; global options are already
 * removed.  Returns an enum exit_code.
 */
typedef int (*cmd_fn)(int argc, char **argv, struct app *app);

#define COMMAND(name, fn, flags, summary) int fn(int argc, char **argv, struct app *app);
#include "cli/commands.def"
#undef COMMAND

/* Print "mcprisk: <msg>" to stderr (the one way commands report errors). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For commands that start servers (refresh, fetch) or build a new catalog
 * (import, a first refresh): on SIGINT, SIGTERM or SIGHUP kill every
 * running server's process group and remove the unpublished build, then
 * die of the signal as before.  What was committed stays; the open batch
 * is lost exactly as after a crash, and the next refresh redoes it.
 */
void cli_stop_servers_on_signal(void);
/* Have that handler also remove path (a new catalog's private build);
   NULL forgets it. */
void cli_remove_on_signal(const char *path);

/* Print a usage line for a command to stderr and return EXIT_USAGE. */
int cli_usage(const char *synopsis);

/*
 * The catalog store, opened on first use (read-only when NEED_DB_RO); NULL
 * after the error was printed.  Implemented in cli/app.c.
 */
struct store *app_store(struct app *app, bool readonly);
/*
 * The read-write catalog for a command that fills it in bulk: where none
 * exists yet it is built privately (store_build) and appears only at
 * app_store_publish(), complete; otherwise app_store(app, false).
 */
struct store *app_store_build(struct app *app);
/* Publish what app_store_build() built (nothing to do for an open one). */
int app_store_publish(struct app *app);

/*
 * The rule set (--rules or the bundled one), loaded on first use; NULL after
 * the error was printed.  Implemented in cli/app_rules.c.
 */
struct rules *app_rules(struct app *app);

/*
 * The version of the rule set whose verdicts queries show: the loaded rule
 * set's, or NULL when there is none yet (borrowed).
 */
const char *app_rules_version(struct app *app);
/* Free what app_rules() loaded; safe when nothing was. */
void app_rules_release(struct app *app);

/* Close whatever app_store() and app_rules() opened. */
void app_release(struct app *app);

/* A path inside the bundled data directory (new string). */
char *app_data_path(const struct app *app, const char *rel);

#endif
