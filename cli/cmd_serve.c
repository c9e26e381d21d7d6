/*
 * mcprisk serve [--listen HOST:PORT] [--threads N]: the read-only HTTP/JSON
 * API over the catalog (server/).  SIGTERM and SIGINT stop it cleanly:
 * requests in flight finish, then it exits 0.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"
#include "util/parse.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define SERVE_USAGE "serve [--listen HOST:PORT] [--threads N]"

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int
cmd_serve(int argc, char **argv, struct app *app)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errbuf eb = ERRBUF_INIT;
	struct server_opts so = { 0 };
	struct sigaction sa;
	char *rules = NULL, *host = NULL;
	long long threads = SERVER_DEFAULT_THREADS;
	int opt, port, ret;

	so.listen = SERVER_DEFAULT_LISTEN;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (server_parse_listen(optarg, &host, &port, &eb) < 0) {
				cli_error("--listen: %s", eb.msg);
				return cli_usage(SERVE_USAGE);
			}
			free(host);
			so.listen = optarg;
			break;
		case 't':
			if (parse_ll(optarg, 1, SERVER_MAX_THREADS, &threads,
				     &eb) < 0) {
				cli_error("--threads: %s", eb.msg);
				return cli_usage(SERVE_USAGE);
			}
			break;
		case 'h':
			printf("usage: mcprisk %s\n", SERVE_USAGE);
			return EXIT_OK;
		default:
			return cli_usage(SERVE_USAGE);
		}
	}
	if (optind != argc)
		return cli_usage(SERVE_USAGE);
	rules = app->rules_path ? xstrdup(app->rules_path)
				: app_data_path(app, "rules");
	so.threads = (int)threads;
	so.db_path = app->db_path;
	so.rules_path = rules;
	so.data_dir = app->data_dir;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	ret = EXIT_OK;
	if (server_run(&so, &stop_requested, &eb) < 0) {
		cli_error("%s", eb.msg);
		ret = EXIT_RUNTIME;
	}
	free(rules);
	return ret;
}
