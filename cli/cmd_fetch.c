/*
 * mcprisk fetch: crawl one server (a URL, or a command after "--") and
 * print its manifest in the snapshot shape {"server":{...},"tools":[...]}
 * as sorted, indented JSON.  This is how data/snapshot/ is produced.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "crawler/crawler.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/parse.h"
#include "util/term.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define FETCH_SYNOPSIS                                                     \
	"fetch [--name NAME] [--transport auto|streamable|sse] "            \
	"[--header 'K: V']... [--timeout SECS] [--allow-private] "          \
	"[--public-only] URL\n"                                             \
	"       mcprisk fetch [--name NAME] [--env K=V]... [--timeout SECS] " \
	"-- COMMAND [ARGS...]"

struct fetch_out {
	const char *what; /* the endpoint for messages */
	int ret;
};

static void
on_result(void *ctx, const struct target *t, size_t index,
	  struct crawl_result *r)
{
	struct fetch_out *o = ctx;
	struct buf esc = BUF_INIT(4096);

	(void)t;
	(void)index;
	if (r->status == CRAWL_OK) {
		if (json_print(stdout, r->manifest.root) < 0 ||
		    fflush(stdout) != 0) {
			cli_error("fetch: cannot write the manifest");
			o->ret = EXIT_RUNTIME;
		} else {
			o->ret = EXIT_OK;
		}
		return;
	}
	/* The error may quote the server: never let it drive the terminal. */
	term_escape(&esc, r->error.msg, 0);
	cli_error("fetch '%s': %s: %s", o->what, crawl_status_name(r),
		  buf_cstr(&esc));
	buf_release(&esc);
	o->ret = EXIT_RUNTIME;
}

static void
kv_add(struct kv **v, size_t *n, const char *name, size_t nlen,
       const char *value)
{
	*v = xreallocarray(*v, *n + 1, sizeof(**v));
	(*v)[*n].name = xstrndup(name, nlen);
	(*v)[*n].value = xstrdup(value);
	(*n)++;
}

/* Programs that run a package named by their first operand. */
static bool
is_runner(const char *prog)
{
	static const char *const runners[] = { "npx",	 "uvx",	   "bunx",
					       "pnpx",	 "node",   "deno",
					       "python", "python3" };
	size_t i;

	for (i = 0; i < sizeof(runners) / sizeof(runners[0]); i++)
		if (strcmp(prog, runners[i]) == 0)
			return true;
	return false;
}

/* A default server name: the URL's host, or the package/program name. */
static char *
default_name(const struct target *t)
{
	const char *s, *e;
	char **a;

	if (t->url) {
		s = strstr(t->url, "://");
		s = s ? s + 3 : t->url;
		e = s + strcspn(s, "/?#");
		return xstrndup(s, (size_t)(e - s));
	}
	s = t->argv[0];
	e = strrchr(s, '/');
	if (is_runner(e ? e + 1 : s)) {
		/* npx -y @scope/pkg@1.2 ...: the first operand is the name */
		for (a = t->argv + 1; *a; a++)
			if (**a != '-') {
				s = *a;
				break;
			}
	}
	e = strrchr(s, '/');
	s = e ? e + 1 : s;
	e = strchr(s + (*s == '@'), '@');
	return e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
}

int
cmd_fetch(int argc, char **argv, struct app *app)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "transport", required_argument, NULL, 't' },
		{ "header", required_argument, NULL, 'H' },
		{ "env", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "allow-private", no_argument, NULL, 'P' },
		{ "public-only", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	struct target_list l = TARGET_LIST_INIT;
	struct target *t = target_list_add(&l);
	struct crawler_opts co = { 0 };
	struct crawler *cr = NULL;
	struct errbuf eb = ERRBUF_INIT;
	struct fetch_out out = { NULL, EXIT_RUNTIME };
	char *what = NULL;
	long long secs;
	int ch, ret = EXIT_USAGE, i;

	(void)app;
	t->transport = TRANSPORT_AUTO;
	t->source = xstrdup("command line");
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		const char *sep;

		switch (ch) {
		case 'n':
			free(t->name);
			t->name = xstrdup(optarg);
			break;
		case 't':
			if (strcmp(optarg, "auto") == 0)
				t->transport = TRANSPORT_AUTO;
			else if (strcmp(optarg, "streamable") == 0)
				t->transport = TRANSPORT_STREAMABLE;
			else if (strcmp(optarg, "sse") == 0)
				t->transport = TRANSPORT_SSE;
			else {
				cli_error("fetch: unknown transport '%s'",
					  optarg);
				goto out;
			}
			break;
		case 'H':
			sep = strchr(optarg, ':');
			if (!sep || sep == optarg) {
				cli_error("fetch: header '%s' is not 'K: V'",
					  optarg);
				goto out;
			}
			kv_add(&t->headers, &t->nheaders, optarg,
			       (size_t)(sep - optarg),
			       sep + 1 + strspn(sep + 1, " \t"));
			break;
		case 'e':
			sep = strchr(optarg, '=');
			if (!sep || sep == optarg) {
				cli_error("fetch: '%s' is not K=V", optarg);
				goto out;
			}
			kv_add(&t->env, &t->nenv, optarg,
			       (size_t)(sep - optarg), sep + 1);
			break;
		case 'T':
			if (parse_ll(optarg, 1, 86400, &secs, &eb) < 0) {
				cli_error("fetch: --timeout '%s': %s", optarg,
					  eb.msg);
				goto out;
			}
			co.budget_ms = secs * 1000;
			break;
		case 'P':
			co.allow_private = true;
			break;
		case 'L':
			t->learned = true;
			break;
		default:
			cli_error("fetch: unknown option '%s'",
				  argv[optind - 1]);
			return cli_usage(FETCH_SYNOPSIS);
		}
	}
	if (optind >= argc)
		return cli_usage(FETCH_SYNOPSIS);
	if (strcmp(argv[optind - 1], "--") == 0) {
		t->transport = TRANSPORT_STDIO;
		t->argv = xcalloc((size_t)(argc - optind + 1),
				  sizeof(*t->argv));
		for (i = optind; i < argc; i++)
			t->argv[i - optind] = xstrdup(argv[i]);
	} else {
		if (optind + 1 != argc || t->nenv) {
			cli_error("fetch: give one URL, or a command after "
				  "'--' (--env is for commands)");
			goto out;
		}
		t->url = xstrdup(argv[optind]);
	}
	if (!t->name)
		t->name = default_name(t);
	what = target_describe(t);
	out.what = what;
	cli_stop_servers_on_signal();
	cr = crawler_new(&co, &eb);
	if (!cr) {
		cli_error("fetch: %s", eb.msg);
		ret = EXIT_RUNTIME;
		goto out;
	}
	if (crawler_run(cr, &l, on_result, &out, &eb) < 0) {
		cli_error("fetch '%s': %s", what, eb.msg);
		ret = EXIT_RUNTIME;
		goto out;
	}
	ret = out.ret;
out:
	crawler_free(cr);
	free(what);
	target_list_release(&l);
	return ret;
}
