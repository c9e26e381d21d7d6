/*
 * MCP registry source: v0.1 list pages into crawl targets (remotes as HTTP
 * targets, packages as stdio launches gated by allow_exec), and a libcurl
 * fetcher that pages through GET /v0.1/servers with byte caps, timeouts,
 * a page cap and a repeated-cursor guard.  Everything in a page is
 * untrusted: types are checked, bad entries skipped and counted.
 */
#include <ctype.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/config.h"
#include "crawler/registry.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

#define OFFICIAL_META "io.modelcontextprotocol.registry/official"
/* Longest package identifier and version accepted. */
#define MAX_IDENTIFIER 512
#define MAX_VERSION 128
/* Most remotes plus packages of one server. */
#define MAX_UNITS 64
/* Longest remote string quoted in a preset error. */
#define SHOWN 128

void
registry_stats_release(struct registry_stats *st)
{
	json_decref(st->deleted_names);
	memset(st, 0, sizeof(*st));
}

static bool
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
registry_parse_time(const char *s, long long *sec, long *nsec)
{
	int y, mo, d, h, mi, se, oh, om;
	long ns = 0, scale = 100000000;
	const char *p;

	if (!s || strlen(s) < 20 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -1;
		for (p++; isdigit((unsigned char)*p); p++) {
			ns += (*p - '0') * scale;
			scale /= 10;
		}
	}
	*sec = days_from_civil(y, mo, d) * 86400LL + h * 3600 + mi * 60 + se;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*nsec = ns;
		return 0;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 ||
	    !digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) ||
	    oh > 23 || om > 59)
		return -1;
	*sec += (*p == '+' ? -1 : 1) * (oh * 3600LL + om * 60);
	*nsec = ns;
	return 0;
}

/* Per-page state shared by the entry parsers. */
struct page_ctx {
	const struct registry_opts *opts;
	char *source;              /* "registry:URL" */
	struct target_list *out;
	struct registry_stats *st;
	struct errbuf why;         /* reason an entry was skipped */
};

/* A type label usable in a target name suffix. */
static const char *
label(const char *type, const char *fallback)
{
	const char *p;

	if (!type || !*type || strlen(type) > 32)
		return fallback;
	for (p = type; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '-')
			return fallback;
	return type;
}

/* Registry names: reverse-DNS namespace, one '/', 3 to 200 bytes. */
static bool
server_name_ok(const char *n)
{
	const char *p, *slash = n ? strchr(n, '/') : NULL;

	if (!slash || strchr(slash + 1, '/') || strlen(n) < 3 ||
	    strlen(n) > 200 || slash == n || !slash[1])
		return false;
	for (p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-/", *p))
			return false;
	return true;
}

/* An identifier or version that is safe as one argv word. */
static bool
word_ok(const char *s, size_t max)
{
	const char *p;

	if (!s || !*s || *s == '-' || strlen(s) > max)
		return false;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/*
 * Substitute {name} templates in `in` from vars ({"name":{"value"|
 * "default":..}}).  Returns a new string, or NULL with the first
 * unresolved name copied into missing.
 */
static char *
subst(const char *in, const json_t *vars, char *missing, size_t missing_len)
{
	struct buf b = BUF_INIT(CONFIG_MAX_VALUE);
	const char *p = in, *open, *close;

	while ((open = strchr(p, '{')) != NULL) {
		const json_t *var;
		const char *val;
		char *name;

		close = strchr(open, '}');
		if (!close)
			break;
		buf_append(&b, p, (size_t)(open - p));
		name = xstrndup(open + 1, (size_t)(close - open - 1));
		var = json_object_get(vars, name);
		val = json_get_str(var, "value");
		if (!val)
			val = json_get_str(var, "default");
		if (!val) {
			snprintf(missing, missing_len, "%s", name);
			free(name);
			buf_release(&b);
			return NULL;
		}
		free(name);
		buf_puts(&b, val);
		p = close + 1;
	}
	buf_puts(&b, p);
	if (b.toobig) {
		snprintf(missing, missing_len, "(too long)");
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The value of a KeyValueInput / Argument: value, else default, with
   templates substituted; NULL when there is none. */
static char *
input_value(const json_t *in)
{
	const char *v = json_get_str(in, "value");
	char missing[64];

	if (!v)
		v = json_get_str(in, "default");
	if (!v)
		return NULL;
	return subst(v, json_object_get(in, "variables"), missing,
		     sizeof(missing));
}

static void
set_str(json_t *meta, const json_t *from, const char *key)
{
	const char *v = json_get_str(from, key);

	if (v)
		json_object_set_new(meta, key, json_string(v));
}

/* The metadata every target of one server carries. */
static json_t *
base_meta(const json_t *server, const json_t *official)
{
	json_t *m = json_object(), *repo = json_object_get(server, "repository");

	set_str(m, server, "title");
	set_str(m, server, "description");
	set_str(m, server, "version");
	set_str(m, server, "websiteUrl");
	if (json_is_object(repo)) {
		json_t *r = json_object();

		set_str(r, repo, "url");
		set_str(r, repo, "source");
		set_str(r, repo, "subfolder");
		json_object_set_new(m, "repository", r);
	}
	set_str(m, official, "status");
	set_str(m, official, "updatedAt");
	set_str(m, official, "publishedAt");
	return m;
}

static struct target *
new_target(struct page_ctx *c, const char *name, const char *suffix,
	   const json_t *meta)
{
	struct target *t = target_list_add(c->out);

	t->name = suffix ? xasprintf("%s#%s", name, suffix) : xstrdup(name);
	t->source = xstrdup(c->source);
	t->learned = true;
	t->meta = json_deep_copy(meta);
	return t;
}

static void
preset(struct target *t, const char *status, char *error)
{
	if (t->preset_status) { /* the first reason wins */
		free(error);
		return;
	}
	t->preset_status = xstrdup(status);
	t->preset_error = error;
}

static int
remote_target(struct page_ctx *c, const json_t *r, size_t k,
	      struct target *t)
{
	const char *type = json_get_str(r, "type"), *url = json_get_str(r, "url");
	const json_t *headers = json_object_get(r, "headers"), *h;
	char missing[64];
	size_t i;

	if (!json_is_object(r) || !type || !url) {
		errbuf_set(&c->why, "remotes[%zu]: needs string 'type' and "
			   "'url'", k);
		return -1;
	}
	if (headers && !json_is_array(headers)) {
		errbuf_set(&c->why, "remotes[%zu].headers: expected array", k);
		return -1;
	}
	json_object_set_new(t->meta, "remote", json_string(type));
	if (strcmp(type, "streamable-http") == 0)
		t->transport = TRANSPORT_STREAMABLE;
	else if (strcmp(type, "sse") == 0)
		t->transport = TRANSPORT_SSE;
	else {
		t->transport = TRANSPORT_AUTO;
		preset(t, REGISTRY_STATUS_UNSUPPORTED,
		       xasprintf("registry remote type '%.*s' is not "
				 "supported", SHOWN, type));
		return 0;
	}
	t->url = subst(url, json_object_get(r, "variables"), missing,
		       sizeof(missing));
	if (!t->url) {
		preset(t, REGISTRY_STATUS_NEEDS_CONFIG,
		       xasprintf("remote URL needs variable '%s', which has "
				 "no default", missing));
		return 0;
	}
	if (!config_url_ok(t->url)) {
		free(t->url);
		t->url = NULL;
		preset(t, REGISTRY_STATUS_UNSUPPORTED,
		       xstrdup("remote URL is not an http(s) URL"));
		return 0;
	}
	if (json_array_size(headers) > CONFIG_MAX_KV) {
		errbuf_set(&c->why, "remotes[%zu].headers: too many", k);
		return -1;
	}
	t->headers = xcalloc(json_array_size(headers) + 1, sizeof(*t->headers));
	json_array_foreach(headers, i, h) {
		const char *name = json_get_str(h, "name");
		char *val;

		if (!config_header_name_ok(name)) {
			errbuf_set(&c->why, "remotes[%zu].headers[%zu].name: "
				   "not a header name", k, i);
			return -1;
		}
		val = input_value(h);
		if (val && strpbrk(val, "\r\n")) {
			free(val);
			val = NULL;
		}
		if (!val) {
			if (json_is_true(json_object_get(h, "isRequired"))) {
				preset(t, REGISTRY_STATUS_AUTH,
				       xasprintf("the registry lists required "
						 "header '%s'%s with no value; "
						 "add a catalog server entry "
						 "with it to crawl this server",
						 name,
						 json_is_true(json_object_get(
							 h, "isSecret")) ?
							 " (a secret)" :
							 ""));
			}
			continue;
		}
		t->headers[t->nheaders].name = xstrdup(name);
		t->headers[t->nheaders++].value = val;
	}
	return 0;
}

/* A growing argv with a cap. */
struct argvb {
	char **v;
	size_t n, cap;
};

static int
argv_push(struct argvb *a, char *s)
{
	if (a->n + 1 >= CONFIG_MAX_ARGS) {
		free(s);
		return -1;
	}
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return 0;
}

static void
argv_free(struct argvb *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Append runtime or package arguments; unresolvable required ones are
   listed in missing.  -1 for a malformed array. */
static int
add_args(struct page_ctx *c, struct argvb *a, const json_t *arr,
	 const char *field, size_t k, json_t *missing)
{
	const json_t *arg;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr)) {
		errbuf_set(&c->why, "packages[%zu].%s: expected array", k,
			   field);
		return -1;
	}
	json_array_foreach(arr, i, arg) {
		const char *type = json_get_str(arg, "type");
		const char *name = json_get_str(arg, "name");
		const char *hint = json_get_str(arg, "valueHint");
		bool required = json_is_true(json_object_get(arg, "isRequired"));
		bool named;
		char *val;

		if (!json_is_object(arg)) {
			/* (the getters above return NULL for non-objects) */
			errbuf_set(&c->why, "packages[%zu].%s[%zu]: expected "
				   "object", k, field, i);
			return -1;
		}
		named = type ? strcmp(type, "named") == 0 : name != NULL;
		if (named && (!name || !*name)) {
			errbuf_set(&c->why, "packages[%zu].%s[%zu]: named "
				   "argument without a name", k, field, i);
			return -1;
		}
		val = input_value(arg);
		if (val) {
			if ((named && argv_push(a, xstrdup(name)) < 0) ||
			    argv_push(a, val) < 0)
				goto toomany;
		} else if (named && required && !hint) {
			if (argv_push(a, xstrdup(name)) < 0) /* a flag */
				goto toomany;
		} else if (required) {
			json_array_append_new(missing,
					      json_string(named ? name :
						      hint ? hint : "(positional)"));
		}
	}
	return 0;
toomany:
	errbuf_set(&c->why, "packages[%zu]: more than %d arguments", k,
		   CONFIG_MAX_ARGS);
	return -1;
}

static int
package_target(struct page_ctx *c, const json_t *p, size_t k,
	       struct target *t)
{
	const char *rt = json_get_str(p, "registryType");
	const char *id = json_get_str(p, "identifier");
	const char *ver = json_get_str(p, "version");
	const json_t *tr = json_object_get(p, "transport");
	const json_t *envs = json_object_get(p, "environmentVariables"), *e;
	const char *trtype = tr ? json_get_str(tr, "type") : "stdio";
	json_t *missing_args = json_array(), *missing_env = json_array();
	struct argvb a = { NULL, 0, 0 };
	size_t i, nenv = 0;
	char *spec = NULL;
	bool launchable;
	int ret = -1;

	t->transport = TRANSPORT_STDIO;
	if (!json_is_object(p) || !rt || !word_ok(id, MAX_IDENTIFIER) ||
	    (json_object_get(p, "version") && !word_ok(ver, MAX_VERSION))) {
		errbuf_set(&c->why, "packages[%zu]: needs a string "
			   "'registryType' and a safe 'identifier' and "
			   "'version'", k);
		goto out;
	}
	if (envs && !json_is_array(envs)) {
		errbuf_set(&c->why, "packages[%zu].environmentVariables: "
			   "expected array", k);
		goto out;
	}
	{
		json_t *pm = json_object();

		json_object_set_new(pm, "registryType", json_string(rt));
		json_object_set_new(pm, "identifier", json_string(id));
		if (ver)
			json_object_set_new(pm, "version", json_string(ver));
		json_object_set_new(t->meta, "package", pm);
	}
	if (json_array_size(envs) > CONFIG_MAX_KV) {
		errbuf_set(&c->why, "packages[%zu]: too many variables", k);
		goto out;
	}
	t->env = xcalloc(json_array_size(envs) + 1, sizeof(*t->env));
	json_array_foreach(envs, i, e) {
		const char *name = json_get_str(e, "name");
		char *val;

		if (!config_env_name_ok(name)) {
			errbuf_set(&c->why, "packages[%zu]."
				   "environmentVariables[%zu].name: not a "
				   "variable name", k, i);
			goto out;
		}
		val = input_value(e);
		if (!val) {
			if (json_is_true(json_object_get(e, "isRequired")))
				json_array_append_new(missing_env,
						      json_string(name));
			continue;
		}
		t->env[nenv].name = xstrdup(name);
		t->env[nenv].value = val;
		t->nenv = ++nenv;
	}
	if (strcmp(rt, "npm") == 0) {
		argv_push(&a, xstrdup("npx"));
		argv_push(&a, xstrdup("-y"));
		spec = ver ? xasprintf("%s@%s", id, ver) : xstrdup(id);
	} else if (strcmp(rt, "pypi") == 0) {
		argv_push(&a, xstrdup("uvx"));
		spec = ver ? xasprintf("%s==%s", id, ver) : xstrdup(id);
	} else if (strcmp(rt, "oci") == 0) {
		const char *last = strrchr(id, '/');

		argv_push(&a, xstrdup("docker"));
		argv_push(&a, xstrdup("run"));
		argv_push(&a, xstrdup("-i"));
		argv_push(&a, xstrdup("--rm"));
		last = last ? last + 1 : id;
		spec = ver && !strchr(last, ':') && !strchr(id, '@') ?
			       xasprintf("%s:%s", id, ver) :
			       xstrdup(id);
	}
	if (add_args(c, &a, json_object_get(p, "runtimeArguments"),
		     "runtimeArguments", k, missing_args) < 0)
		goto out;
	if (spec && strcmp(rt, "oci") == 0)
		for (i = 0; i < t->nenv; i++) {
			/* A container sees only what is passed in. */
			argv_push(&a, xstrdup("-e"));
			argv_push(&a, xstrdup(t->env[i].name));
		}
	launchable = spec != NULL;
	if (spec) {
		argv_push(&a, spec);
		spec = NULL;
	}
	if (add_args(c, &a, json_object_get(p, "packageArguments"),
		     "packageArguments", k, missing_args) < 0)
		goto out;
	if (json_array_size(missing_env))
		json_object_set(t->meta, "missingEnv", missing_env);
	if (json_array_size(missing_args))
		json_object_set(t->meta, "missingArguments", missing_args);
	if (!launchable) {
		preset(t, REGISTRY_STATUS_UNSUPPORTED,
		       xasprintf("package type '%.*s' cannot be launched",
				 SHOWN, rt));
	} else if (!trtype || strcmp(trtype, "stdio") != 0) {
		preset(t, REGISTRY_STATUS_UNSUPPORTED,
		       xasprintf("package serves '%.*s' on a local port, which "
				 "mcprisk does not launch", SHOWN,
				 trtype ? trtype : "?"));
	} else if (!c->opts->allow_exec) {
		preset(t, REGISTRY_STATUS_NEEDS_EXEC,
		       xasprintf("launching %s package '%.*s' runs "
				 "third-party code; pass --allow-exec to "
				 "crawl it", rt, SHOWN, id));
	} else if (json_array_size(missing_args)) {
		preset(t, REGISTRY_STATUS_NEEDS_CONFIG,
		       xasprintf("package needs argument '%s', which has no "
				 "value", json_string_value(json_array_get(
						   missing_args, 0))));
	}
	if (launchable) {
		t->argv = a.v;
		memset(&a, 0, sizeof(a));
	}
	ret = 0;
out:
	argv_free(&a);
	free(spec);
	json_decref(missing_args);
	json_decref(missing_env);
	return ret;
}

static void
note_time(struct registry_stats *st, const char *ts)
{
	long long sec;
	long nsec;

	if (!ts || strlen(ts) >= REGISTRY_TIME_MAX ||
	    registry_parse_time(ts, &sec, &nsec) < 0)
		return;
	if (st->max_updated_at[0] && (sec < st->max_sec ||
				      (sec == st->max_sec && nsec <= st->max_nsec)))
		return;
	st->max_sec = sec;
	st->max_nsec = nsec;
	snprintf(st->max_updated_at, sizeof(st->max_updated_at), "%s", ts);
}

/* One entry of "servers": 0 when handled (targets added or dropped on
   purpose), -1 when malformed (reason in c->why, nothing added), -2 when
   the target cap is reached. */
static int
parse_entry(struct page_ctx *c, const json_t *entry)
{
	const json_t *server, *meta, *off, *remotes, *packages, *u;
	const char *name, *status;
	json_t *bm = NULL;
	const char *labels[MAX_UNITS];
	size_t first = c->out->n, nr, np, n, i, j, same;
	int ret = -1;

	if (!json_is_object(entry)) {
		errbuf_set(&c->why, "expected object, got %s",
			   json_type_name(entry));
		return -1;
	}
	server = json_object_get(entry, "server");
	if (!server && json_object_get(entry, "name"))
		server = entry; /* the pre-v0.1 flat shape */
	if (!json_is_object(server)) {
		errbuf_set(&c->why, "server: expected object");
		return -1;
	}
	meta = json_object_get(entry, "_meta");
	if (!meta && server != entry)
		meta = json_object_get(server, "_meta");
	off = json_object_get(meta, OFFICIAL_META);
	if (off && !json_is_object(off)) {
		errbuf_set(&c->why, "_meta: '%s' is not an object",
			   OFFICIAL_META);
		return -1;
	}
	name = json_get_str(server, "name");
	if (!server_name_ok(name)) {
		errbuf_set(&c->why, "server.name: not a registry server name");
		return -1;
	}
	note_time(c->st, json_get_str(off, "updatedAt"));
	status = json_get_str(off, "status");
	if (status && strcmp(status, "deleted") == 0) {
		c->st->deleted++;
		if (!c->st->deleted_names)
			c->st->deleted_names = json_array();
		if (json_array_size(c->st->deleted_names) < REGISTRY_MAX_TARGETS)
			json_array_append_new(c->st->deleted_names,
					      json_string(name));
		return 0;
	}
	if (json_is_false(json_object_get(off, "isLatest"))) {
		c->st->not_latest++;
		return 0;
	}
	remotes = json_object_get(server, "remotes");
	packages = json_object_get(server, "packages");
	if ((remotes && !json_is_array(remotes)) ||
	    (packages && !json_is_array(packages))) {
		errbuf_set(&c->why, "server.%s: expected array",
			   remotes && !json_is_array(remotes) ? "remotes" :
								"packages");
		return -1;
	}
	nr = json_array_size(remotes);
	np = json_array_size(packages);
	n = nr + np;
	if (n == 0) {
		c->st->empty++;
		return 0;
	}
	if (n > MAX_UNITS) {
		errbuf_set(&c->why, "more than %d remotes and packages",
			   MAX_UNITS);
		return -1;
	}
	if (c->out->n + n > REGISTRY_MAX_TARGETS) {
		errbuf_set(&c->why, "more than %d targets",
			   REGISTRY_MAX_TARGETS);
		return -2;
	}
	for (i = 0; i < n; i++) {
		u = i < nr ? json_array_get(remotes, i) :
			     json_array_get(packages, i - nr);
		labels[i] = label(json_get_str(u, i < nr ? "type" :
							   "registryType"),
				  i < nr ? "remote" : "package");
	}
	bm = base_meta(server, off);
	for (i = 0; i < n; i++) {
		char suffix[48];
		struct target *t;
		int r;

		for (same = 0, j = 0; j < i; j++)
			same += strcmp(labels[i], labels[j]) == 0;
		if (same)
			snprintf(suffix, sizeof(suffix), "%s-%zu", labels[i],
				 same + 1);
		else
			snprintf(suffix, sizeof(suffix), "%s", labels[i]);
		t = new_target(c, name, n > 1 ? suffix : NULL, bm);
		if (i < nr)
			r = remote_target(c, json_array_get(remotes, i), i, t);
		else
			r = package_target(c, json_array_get(packages, i - nr),
					   i - nr, t);
		if (r < 0)
			goto out;
	}
	for (i = first; i < c->out->n; i++) {
		const char *ps = c->out->v[i].preset_status;

		if (ps && strcmp(ps, REGISTRY_STATUS_NEEDS_EXEC) == 0)
			c->st->needs_exec++;
		if (ps && strcmp(ps, REGISTRY_STATUS_AUTH) == 0)
			c->st->auth++;
	}
	ret = 0;
out:
	if (ret < 0)
		while (c->out->n > first)
			target_release(&c->out->v[--c->out->n]);
	json_decref(bm);
	return ret;
}

static int
page_cursor(const json_t *root, char **next, struct errbuf *eb)
{
	const json_t *md = json_object_get(root, "metadata"), *cur;
	const char *key = "nextCursor";

	*next = NULL;
	if (!md || json_is_null(md))
		return 0;
	if (!json_is_object(md)) {
		errbuf_set(eb, "metadata: expected object, got %s",
			   json_type_name(md));
		return -1;
	}
	cur = json_object_get(md, key);
	if (!cur || json_is_null(cur))
		cur = json_object_get(md, key = "next_cursor");
	if (!cur || json_is_null(cur))
		return 0;
	if (!json_is_string(cur)) {
		errbuf_set(eb, "metadata.%s: expected string, got %s", key,
			   json_type_name(cur));
		return -1;
	}
	if (json_string_length(cur) > REGISTRY_MAX_CURSOR) {
		errbuf_set(eb, "metadata.%s: longer than %d bytes", key,
			   REGISTRY_MAX_CURSOR);
		return -1;
	}
	if (json_string_length(cur) > 0)
		*next = xstrdup(json_string_value(cur));
	return 0;
}

/* The base URL without a trailing slash or userinfo, for sources and
   messages (credentials in a URL are not repeated anywhere). */
static char *
base_url(const struct registry_opts *o)
{
	const char *u = o->url ? o->url : REGISTRY_DEFAULT_URL;
	const char *host = strstr(u, "://"), *at, *end;
	size_t n;

	host = host ? host + 3 : u;
	end = host + strcspn(host, "/");
	at = memchr(host, '@', (size_t)(end - host));
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		n--;
	if (at)
		return xasprintf("%.*s%.*s", (int)(host - u), u,
				 (int)(n - (size_t)(at + 1 - u)), at + 1);
	return xstrndup(u, n);
}

int
registry_parse_page(const struct registry_opts *opts, const char *body,
		    size_t len, struct target_list *out, char **next_cursor,
		    struct registry_stats *st, struct errbuf *eb)
{
	struct page_ctx c = { opts, NULL, out, st, ERRBUF_INIT };
	json_t *root = NULL;
	const json_t *servers, *e;
	char *base = base_url(opts);
	size_t first = out->n, i;
	int ret = -1;

	*next_cursor = NULL;
	c.source = xasprintf("registry:%s", base);
	root = json_load_strict(body, len, eb);
	if (!root)
		goto out;
	if (!json_is_object(root)) {
		errbuf_set(eb, "expected an object, got %s",
			   json_type_name(root));
		goto out;
	}
	servers = json_object_get(root, "servers");
	if (!json_is_array(servers)) {
		errbuf_set(eb, "servers: expected array, got %s",
			   servers ? json_type_name(servers) : "nothing");
		goto out;
	}
	if (page_cursor(root, next_cursor, eb) < 0)
		goto out;
	st->pages++;
	json_array_foreach(servers, i, e) {
		int r;

		st->servers++;
		if ((r = parse_entry(&c, e)) == 0)
			continue;
		if (r == -2) {
			errbuf_set(eb, "servers[%zu]: %s", i, c.why.msg);
			goto out;
		}
		st->invalid++;
		if (!st->invalid_example[0])
			snprintf(st->invalid_example,
				 sizeof(st->invalid_example), "servers[%zu]: %s",
				 i, c.why.msg);
	}
	st->targets += out->n - first;
	ret = 0;
out:
	if (ret < 0) {
		while (out->n > first)
			target_release(&out->v[--out->n]);
		free(*next_cursor);
		*next_cursor = NULL;
	}
	json_decref(root);
	free(c.source);
	free(base);
	return ret;
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;

	if (buf_append(b, p, size * nmemb) < 0)
		return 0; /* cap reached: curl fails with a write error */
	return size * nmemb;
}

/* GET one page into body; -1 with a reason. */
static int
fetch(CURL *h, const char *url, long timeout, struct buf *body,
      struct errbuf *eb)
{
	char cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	long status = 0;
	CURLcode rc;
	int ret = -1;

	buf_reset(body);
	body->toobig = false;
	hdr = curl_slist_append(hdr, "Accept: application/json");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mcprisk/0.1");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, timeout < 20 ? timeout : 20L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)REGISTRY_MAX_PAGE_BYTES);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	rc = curl_easy_perform(h);
	if (body->toobig || rc == CURLE_FILESIZE_EXCEEDED) {
		errbuf_set(eb, "response larger than %zu bytes",
			   REGISTRY_MAX_PAGE_BYTES);
		goto out;
	}
	if (rc != CURLE_OK) {
		errbuf_set(eb, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		errbuf_set(eb, "HTTP status %ld", status);
		goto out;
	}
	ret = 0;
out:
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	return ret;
}

/* Append "&key=<escaped value>" to b. */
static void
add_param(CURL *h, struct buf *b, const char *key, const char *val)
{
	char *esc = curl_easy_escape(h, val, 0);

	if (!esc) {
		fputs("mcprisk: out of memory\n", stderr);
		exit(3);
	}
	buf_printf(b, "&%s=%s", key, esc);
	curl_free(esc);
}

int
registry_sync(const struct registry_opts *opts, struct target_list *out,
	      char **max_updated_at, struct registry_stats *st,
	      struct errbuf *eb)
{
	struct buf body = BUF_INIT(REGISTRY_MAX_PAGE_BYTES);
	struct buf url = BUF_INIT(16384);
	char **seen = NULL, *cursor = NULL, *next = NULL;
	char *base = base_url(opts);
	const char *raw = opts->url ? opts->url : REGISTRY_DEFAULT_URL;
	size_t first = out->n, nseen = 0, i;
	int limit = opts->limit > 0 ? opts->limit : REGISTRY_MAX_LIMIT;
	int max_pages = opts->max_pages > 0 ? opts->max_pages :
					      REGISTRY_DEFAULT_PAGES;
	long timeout = opts->timeout > 0 ? opts->timeout : 60;
	long long sec;
	long nsec;
	CURL *h = NULL;
	int ret = -1, page;

	*max_updated_at = NULL;
	if (!config_url_ok(raw) || strpbrk(raw, "?#")) {
		errbuf_set(eb, "registry '%s': not an http(s) URL without "
			   "query", base);
		goto out;
	}
	if (limit > REGISTRY_MAX_LIMIT)
		limit = REGISTRY_MAX_LIMIT;
	if (max_pages > REGISTRY_MAX_PAGES)
		max_pages = REGISTRY_MAX_PAGES;
	if (opts->since && registry_parse_time(opts->since, &sec, &nsec) < 0) {
		errbuf_set(eb, "registry '%s': since '%.64s' is not an RFC "
			   "3339 time", base, opts->since);
		goto out;
	}
	h = curl_easy_init();
	if (!h) {
		errbuf_set(eb, "registry '%s': cannot start libcurl", base);
		goto out;
	}
	seen = xcalloc((size_t)max_pages + 1, sizeof(*seen));
	for (page = 0;; page++) {
		struct errbuf perr = ERRBUF_INIT;

		if (page >= max_pages) {
			st->truncated = true;
			break;
		}
		buf_reset(&url);
		/* raw, not base: userinfo (if any) is for the request only */
		buf_printf(&url, "%.*s/v0.1/servers?limit=%d",
			   (int)(strlen(raw) - (raw[strlen(raw) - 1] == '/')),
			   raw, limit);
		if (opts->since)
			add_param(h, &url, "updated_since", opts->since);
		if (opts->search)
			add_param(h, &url, "search", opts->search);
		if (cursor)
			add_param(h, &url, "cursor", cursor);
		if (url.toobig) {
			errbuf_set(eb, "registry '%s': request URL too long",
				   base);
			goto out;
		}
		if (fetch(h, buf_cstr(&url), timeout, &body, &perr) < 0 ||
		    registry_parse_page(opts, body.data ? body.data : "",
					body.len, out, &next, st, &perr) < 0) {
			errbuf_set(eb, "registry '%s': page %d: %s", base,
				   page + 1, perr.msg);
			goto out;
		}
		if (!next)
			break;
		for (i = 0; i < nseen; i++)
			if (strcmp(seen[i], next) == 0) {
				errbuf_set(eb, "registry '%s': page %d repeats "
					   "an earlier cursor", base, page + 1);
				goto out;
			}
		seen[nseen++] = next;
		cursor = next;
		next = NULL;
	}
	if (!st->truncated && st->max_updated_at[0])
		*max_updated_at = xstrdup(st->max_updated_at);
	ret = 0;
out:
	if (ret < 0)
		while (out->n > first)
			target_release(&out->v[--out->n]);
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	free(next);
	free(base);
	buf_release(&body);
	buf_release(&url);
	if (h)
		curl_easy_cleanup(h);
	return ret;
}
