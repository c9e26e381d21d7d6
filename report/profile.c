/*
 * Profiles: load and validate the rule list of a policy profile, and
 * decide one tool's action by the first rule that matches its verdict.
 * The reason text comes from the rule's template with the verdict's facts
 * filled in, so profiles (data) hold every word and number of a policy.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/profile.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/json.h"
#include "util/xalloc.h"
#include "util/banned.h"

/* Longest reason template and rate-limit maximum a profile may hold. */
#define REASON_TEMPLATE_MAX 512
#define RATE_MAX_LIMIT 1000000000LL
/* Most exact tool names in one rule's "tools" condition. */
#define COND_TOOLS_MAX 1024

/* The conditions of one rule; every set condition must hold. */
struct cond {
	unsigned categories;     /* bit per enum category; 0: any */
	int risk_min;            /* enum risk, or -1 */
	int risk_max;            /* enum risk, or -1 */
	unsigned traits_any;     /* any of these trait bits; 0: no condition */
	int finding_min;         /* a finding at least this severe, or -1 */
	double confidence_below; /* confidence < this, or < 0 for none */
	char **tools;            /* exact tool names; owned */
	size_t ntools;
};

struct prule {
	char name[PROFILE_RULE_NAME_MAX];
	struct cond when;
	enum action_kind kind;
	long long max;           /* RATE_LIMIT only */
	enum rate_window window; /* RATE_LIMIT only */
	char *reason;            /* template; owned */
};

struct profile {
	char *name;         /* owned */
	struct prule *rules; /* owned */
	size_t nrules;
};

static const char *const action_names[ACTION__COUNT] = {
	"allow", "rate_limit", "require_approval", "deny", "hide",
};

static const char *const window_names[WINDOW__COUNT] = {
	"minute", "hour", "day",
};

/* Placeholders a reason template may use (docs/profiles.md). */
static const char *const placeholders[] = {
	"tool", "category", "risk", "score", "confidence", "rule", "finding",
	"traits", "limit",
};

const char *
action_kind_name(enum action_kind k)
{
	return (unsigned)k < ACTION__COUNT ? action_names[k] : "?";
}

int
action_kind_parse(const char *s)
{
	int i;

	for (i = 0; i < ACTION__COUNT; i++)
		if (strcmp(s, action_names[i]) == 0)
			return i;
	return -1;
}

const char *
rate_window_name(enum rate_window w)
{
	return (unsigned)w < WINDOW__COUNT ? window_names[w] : "?";
}

int
rate_window_parse(const char *s)
{
	int i;

	for (i = 0; i < WINDOW__COUNT; i++)
		if (strcmp(s, window_names[i]) == 0)
			return i;
	return -1;
}

void
profile_free(struct profile *p)
{
	size_t i, j;

	if (!p)
		return;
	for (i = 0; i < p->nrules; i++) {
		for (j = 0; j < p->rules[i].when.ntools; j++)
			free(p->rules[i].when.tools[j]);
		free(p->rules[i].when.tools);
		free(p->rules[i].reason);
	}
	free(p->rules);
	free(p->name);
	free(p);
}

const char *
profile_name(const struct profile *p)
{
	return p->name;
}

/* Is s a usable name: 1..max-1 bytes of [A-Za-z0-9_.-]? */
static bool
name_ok(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= max)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.'))
			return false;
	}
	return true;
}

/* Check a template's placeholders; limit_ok: {limit} is meaningful. */
static int
template_check(const char *t, bool limit_ok, struct errbuf *eb)
{
	const char *s = t, *end;
	size_t i;

	while ((s = strchr(s, '{')) != NULL) {
		if (s[1] == '{') {
			s += 2;
			continue;
		}
		end = strchr(s, '}');
		if (!end) {
			errbuf_set(eb, "unterminated placeholder at offset %zu",
				   (size_t)(s - t));
			return -1;
		}
		for (i = 0; i < sizeof(placeholders) / sizeof(*placeholders);
		     i++)
			if (strlen(placeholders[i]) == (size_t)(end - s - 1) &&
			    strncmp(placeholders[i], s + 1,
				    (size_t)(end - s - 1)) == 0)
				break;
		if (i == sizeof(placeholders) / sizeof(*placeholders)) {
			errbuf_set(eb, "unknown placeholder '%.*s'",
				   (int)(end - s + 1 > 40 ? 40 : end - s + 1), s);
			return -1;
		}
		if (!limit_ok && strcmp(placeholders[i], "limit") == 0) {
			errbuf_set(eb, "{limit} only applies to rate_limit "
				   "rules");
			return -1;
		}
		s = end + 1;
	}
	return 0;
}

/*
 * Parse an array of names with parse(), OR-ing the bits (or 1 << value).
 * On error the index is appended to loc.
 */
static int
names_to_bits(const json_t *arr, const char *what, bool bits_are_values,
	      int (*parse)(const char *), unsigned *out, char *loc,
	      size_t locsz, struct errbuf *eb)
{
	size_t i, base = strlen(loc);
	json_t *e;

	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		errbuf_set(eb, "expected a non-empty array of %s names", what);
		return -1;
	}
	*out = 0;
	json_array_foreach(arr, i, e) {
		int v;

		snprintf(loc + base, locsz - base, "[%zu]", i);
		if (!json_is_string(e)) {
			errbuf_set(eb, "expected a string, got %s",
				   json_type_name(e));
			return -1;
		}
		v = parse(json_string_value(e));
		if (v < 0) {
			errbuf_set(eb, "unknown %s '%.64s'", what,
				   json_string_value(e));
			return -1;
		}
		*out |= bits_are_values ? (unsigned)v : 1u << v;
	}
	loc[base] = '\0';
	return 0;
}



static int
parse_risk_field(const json_t *j, int *out, struct errbuf *eb)
{
	if (!json_is_string(j)) {
		errbuf_set(eb, "expected a risk name, got %s",
			   json_type_name(j));
		return -1;
	}
	*out = risk_parse(json_string_value(j));
	if (*out < 0) {
		errbuf_set(eb, "unknown risk '%.64s'", json_string_value(j));
		return -1;
	}
	return 0;
}

/* Fill c from the "when" object; on error loc names the entry. */
static int
cond_parse(const json_t *w, struct cond *c, char *loc, size_t locsz,
	   struct errbuf *eb)
{
	size_t base = strlen(loc);
	const char *key;
	json_t *val;

	if (!json_is_object(w)) {
		errbuf_set(eb, "expected an object, got %s", json_type_name(w));
		return -1;
	}
	json_object_foreach((json_t *)w, key, val) {
		snprintf(loc + base, locsz - base, ".%.40s", key);
		if (strcmp(key, "category") == 0) {
			if (names_to_bits(val, "category", false,
					  category_parse, &c->categories,
					  loc, locsz, eb) < 0)
				return -1;
		} else if (strcmp(key, "risk_at_least") == 0) {
			if (parse_risk_field(val, &c->risk_min, eb) < 0)
				return -1;
		} else if (strcmp(key, "risk_at_most") == 0) {
			if (parse_risk_field(val, &c->risk_max, eb) < 0)
				return -1;
		} else if (strcmp(key, "finding_at_least") == 0) {
			if (parse_risk_field(val, &c->finding_min, eb) < 0)
				return -1;
		} else if (strcmp(key, "traits_any") == 0) {
			if (names_to_bits(val, "trait", true,
					  trait_parse, &c->traits_any,
					  loc, locsz, eb) < 0)
				return -1;
		} else if (strcmp(key, "confidence_below") == 0) {
			double d = json_number_value(val);

			if (!json_is_number(val) || d <= 0 || d > 1) {
				errbuf_set(eb, "expected a number in (0, 1]");
				return -1;
			}
			c->confidence_below = d;
		} else if (strcmp(key, "tools") == 0) {
			size_t i;
			json_t *e;

			if (!json_is_array(val) || json_array_size(val) == 0 ||
			    json_array_size(val) > COND_TOOLS_MAX) {
				errbuf_set(eb, "expected an array of 1 to %d "
					   "tool names", COND_TOOLS_MAX);
				return -1;
			}
			c->tools = xcalloc(json_array_size(val),
					   sizeof(*c->tools));
			json_array_foreach(val, i, e) {
				if (!json_is_string(e)) {
					snprintf(loc + base, locsz - base,
						 ".tools[%zu]", i);
					errbuf_set(eb, "expected a string, "
						   "got %s", json_type_name(e));
					return -1;
				}
				c->tools[c->ntools++] =
					xstrdup(json_string_value(e));
			}
		} else {
			errbuf_set(eb, "unknown condition");
			return -1;
		}
	}
	loc[base] = '\0';
	if (c->risk_min >= 0 && c->risk_max >= 0 && c->risk_min > c->risk_max) {
		errbuf_set(eb, "risk_at_least is above risk_at_most");
		return -1;
	}
	return 0;
}

/* Parse rules[i]; loc is "rules[i]" and is extended for the message. */
static int
rule_parse(const json_t *r, struct prule *pr, char *loc, size_t locsz,
	   struct errbuf *eb)
{
	const char *key, *s;
	json_t *val, *a;
	size_t base = strlen(loc);
	int k;

	if (!json_is_object(r)) {
		errbuf_set(eb, "expected an object, got %s", json_type_name(r));
		return -1;
	}
	json_object_foreach((json_t *)r, key, val) {
		if (strcmp(key, "name") && strcmp(key, "when") &&
		    strcmp(key, "action") && strcmp(key, "limit") &&
		    strcmp(key, "reason") && strcmp(key, "comment")) {
			snprintf(loc + base, locsz - base, ".%.40s", key);
			errbuf_set(eb, "unknown key");
			return -1;
		}
	}
	snprintf(loc + base, locsz - base, ".name");
	s = json_get_str(r, "name");
	if (!s) {
		errbuf_set(eb, "missing or not a string");
		return -1;
	}
	if (!name_ok(s, PROFILE_RULE_NAME_MAX)) {
		errbuf_set(eb, "'%.64s' is not 1-%d characters of "
			   "[A-Za-z0-9_.-]", s, PROFILE_RULE_NAME_MAX - 1);
		return -1;
	}
	snprintf(pr->name, sizeof(pr->name), "%s", s);

	snprintf(loc + base, locsz - base, ".action");
	s = json_get_str(r, "action");
	if (!s) {
		errbuf_set(eb, "missing or not a string");
		return -1;
	}
	k = action_kind_parse(s);
	if (k < 0) {
		errbuf_set(eb, "unknown action '%.64s'", s);
		return -1;
	}
	pr->kind = (enum action_kind)k;

	snprintf(loc + base, locsz - base, ".when");
	pr->when.risk_min = pr->when.risk_max = pr->when.finding_min = -1;
	pr->when.confidence_below = -1;
	val = json_object_get(r, "when");
	if (val && cond_parse(val, &pr->when, loc, locsz, eb) < 0)
		return -1;

	snprintf(loc + base, locsz - base, ".limit");
	val = json_object_get(r, "limit");
	if (pr->kind == ACTION_RATE_LIMIT) {
		json_t *m;
		long long max;

		if (!json_is_object(val)) {
			errbuf_set(eb, "rate_limit needs a limit object "
				   "{\"max\": N, \"window\": "
				   "\"minute|hour|day\"}");
			return -1;
		}
		json_object_foreach(val, key, a) {
			if (strcmp(key, "max") && strcmp(key, "window")) {
				snprintf(loc + base, locsz - base,
					 ".limit.%.40s", key);
				errbuf_set(eb, "unknown key");
				return -1;
			}
		}
		m = json_object_get(val, "max");
		max = json_integer_value(m);
		if (!json_is_integer(m) || max < 1 || max > RATE_MAX_LIMIT) {
			snprintf(loc + base, locsz - base, ".limit.max");
			errbuf_set(eb, "expected an integer from 1 to %lld",
				   RATE_MAX_LIMIT);
			return -1;
		}
		pr->max = max;
		s = json_get_str(val, "window");
		k = s ? rate_window_parse(s) : -1;
		if (k < 0) {
			snprintf(loc + base, locsz - base, ".limit.window");
			errbuf_set(eb, "expected \"minute\", \"hour\" or "
				   "\"day\"");
			return -1;
		}
		pr->window = (enum rate_window)k;
	} else if (val) {
		errbuf_set(eb, "only rate_limit rules take a limit");
		return -1;
	}

	snprintf(loc + base, locsz - base, ".reason");
	s = json_get_str(r, "reason");
	if (!s || !*s) {
		errbuf_set(eb, "missing, empty or not a string");
		return -1;
	}
	if (strlen(s) > REASON_TEMPLATE_MAX) {
		errbuf_set(eb, "longer than %d bytes", REASON_TEMPLATE_MAX);
		return -1;
	}
	if (template_check(s, pr->kind == ACTION_RATE_LIMIT, eb) < 0)
		return -1;
	pr->reason = xstrdup(s);
	loc[base] = '\0';
	return 0;
}

struct profile *
profile_load(const char *path, struct errbuf *eb)
{
	struct buf body = BUF_INIT(PROFILE_FILE_MAX);
	struct profile *p = NULL;
	json_t *root = NULL, *rules, *r, *val;
	const char *key, *s;
	char loc[256] = "";
	size_t i;
	bool ok = false;

	if (file_read_capped(path, PROFILE_FILE_MAX, &body, eb) < 0)
		goto out;
	root = json_load_strict(body.data ? body.data : "", body.len, eb);
	if (!root) {
		errbuf_prefix(eb, "%s", path);
		goto out;
	}
	p = xcalloc(1, sizeof(*p));
	if (!json_is_object(root)) {
		errbuf_set(eb, "%s: expected an object, got %s", path,
			   json_type_name(root));
		goto out;
	}
	json_object_foreach(root, key, val) {
		if (strcmp(key, "name") && strcmp(key, "description") &&
		    strcmp(key, "rules")) {
			errbuf_set(eb, "%s: %.40s: unknown key", path, key);
			goto out;
		}
	}
	s = json_get_str(root, "name");
	if (!s || !name_ok(s, PROFILE_RULE_NAME_MAX)) {
		errbuf_set(eb, "%s: name: missing, or not 1-%d characters of "
			   "[A-Za-z0-9_.-]", path, PROFILE_RULE_NAME_MAX - 1);
		goto out;
	}
	p->name = xstrdup(s);
	val = json_object_get(root, "description");
	if (val && !json_is_string(val)) {
		errbuf_set(eb, "%s: description: expected a string, got %s",
			   path, json_type_name(val));
		goto out;
	}
	rules = json_object_get(root, "rules");
	if (!json_is_array(rules) || json_array_size(rules) == 0 ||
	    json_array_size(rules) > PROFILE_RULES_MAX) {
		errbuf_set(eb, "%s: rules: expected an array of 1 to %d rules",
			   path, PROFILE_RULES_MAX);
		goto out;
	}
	p->rules = xcalloc(json_array_size(rules), sizeof(*p->rules));
	json_array_foreach(rules, i, r) {
		size_t j;

		snprintf(loc, sizeof(loc), "rules[%zu]", i);
		p->nrules = i + 1;
		if (rule_parse(r, &p->rules[i], loc, sizeof(loc), eb) < 0) {
			errbuf_prefix(eb, "%s: %s", path, loc);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (strcmp(p->rules[j].name, p->rules[i].name) == 0) {
				errbuf_set(eb, "%s: rules[%zu].name: '%s' is "
					   "already rules[%zu]", path, i,
					   p->rules[i].name, j);
				goto out;
			}
	}
	ok = true;
out:
	json_decref(root);
	buf_release(&body);
	if (!ok) {
		profile_free(p);
		p = NULL;
	}
	return p;
}

/* Does the string look like a path rather than a bundled profile name? */
static bool
looks_like_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n >= 5 && strcmp(s + n - 5, ".json") == 0);
}

struct profile *
profile_load_named(const char *data_dir, const char *name_or_path,
		   struct errbuf *eb)
{
	struct profile *p;
	char *path;

	if (looks_like_path(name_or_path))
		return profile_load(name_or_path, eb);
	if (!name_ok(name_or_path, PROFILE_RULE_NAME_MAX) ||
	    name_or_path[0] == '.') {
		errbuf_set(eb, "bad profile name '%.64s' (a bundled name such "
			   "as 'balanced', or a path to a .json file)",
			   name_or_path);
		return NULL;
	}
	path = xasprintf("%s/profiles/%s.json", data_dir, name_or_path);
	p = profile_load(path, eb);
	free(path);
	return p;
}

static bool
cond_match(const struct cond *c, const char *tool, const struct verdict *v)
{
	size_t i;

	if (c->categories && !(c->categories & (1u << v->category)))
		return false;
	if (c->risk_min >= 0 && (int)v->risk < c->risk_min)
		return false;
	if (c->risk_max >= 0 && (int)v->risk > c->risk_max)
		return false;
	if (c->traits_any && !(c->traits_any & v->traits))
		return false;
	if (c->confidence_below >= 0 && !(v->confidence < c->confidence_below))
		return false;
	if (c->finding_min >= 0) {
		for (i = 0; i < v->nfindings; i++)
			if ((int)v->findings[i].severity >= c->finding_min)
				break;
		if (i == v->nfindings)
			return false;
	}
	if (c->ntools) {
		for (i = 0; i < c->ntools; i++)
			if (strcmp(c->tools[i], tool) == 0)
				break;
		if (i == c->ntools)
			return false;
	}
	return true;
}

/* The highest-weight evidence rule (first on ties), or NULL. */
static const char *
top_evidence(const struct verdict *v)
{
	const struct evidence *best = NULL;
	size_t i;

	for (i = 0; i < v->nevidence; i++)
		if (v->evidence[i].rule &&
		    (!best || v->evidence[i].weight > best->weight))
			best = &v->evidence[i];
	return best ? best->rule : NULL;
}

/* The most severe finding's rule (first on ties), or NULL. */
static const char *
top_finding(const struct verdict *v)
{
	const struct finding *best = NULL;
	size_t i;

	for (i = 0; i < v->nfindings; i++)
		if (v->findings[i].rule &&
		    (!best || v->findings[i].severity > best->severity))
			best = &v->findings[i];
	return best ? best->rule : NULL;
}

/* Append as much of s as fits in b, cut at a UTF-8 boundary. */
static void
put_capped(struct buf *b, const char *s)
{
	size_t n = strlen(s), room = b->max - b->len;

	if (n > room) {
		n = room;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	buf_append(b, s, n);
}

/* Expand one placeholder (name[0..n)) into b. */
static void
expand(struct buf *b, const char *name, size_t n, const char *tool,
       const struct verdict *v, const struct prule *r)
{
	const char *ev = top_evidence(v), *fi = top_finding(v);
	unsigned bit;
	bool any = false;

#define IS(s) (n == strlen(s) && strncmp(name, s, n) == 0)
	if (IS("tool"))
		put_capped(b, tool);
	else if (IS("category"))
		buf_puts(b, category_name(v->category));
	else if (IS("risk"))
		buf_puts(b, risk_name(v->risk));
	else if (IS("score"))
		buf_printf(b, "%d", v->score);
	else if (IS("confidence"))
		buf_printf(b, "%.2f", v->confidence);
	else if (IS("rule"))
		buf_puts(b, ev ? ev : fi ? fi : "no evidence");
	else if (IS("finding"))
		buf_puts(b, fi ? fi : ev ? ev : "no finding");
	else if (IS("limit"))
		buf_printf(b, "%lld/%s", r->max, rate_window_name(r->window));
	else if (IS("traits")) {
		for (bit = 1; bit < (1u << TRAIT__COUNT); bit <<= 1) {
			if (!(v->traits & bit))
				continue;
			buf_puts(b, any ? ", " : "");
			buf_puts(b, trait_name(bit));
			any = true;
		}
		if (!any)
			buf_puts(b, "none");
	}
#undef IS
}

/* Copy src into dst[size], cutting at a UTF-8 boundary with "...". */
static void
copy_capped(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = len;

	if (n < size) {
		memcpy(dst, src, n + 1);
		return;
	}
	n = size - 4;
	while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
		n--;
	memcpy(dst, src, n);
	memcpy(dst + n, "...", 4);
}

int
profile_decide(const struct profile *p, const char *tool_name,
	       const struct verdict *v, struct action *out)
{
	static const struct verdict unclassified = {
		.category = CAT_UNKNOWN, .risk = RISK_HIGH,
	};
	const struct prule *r = NULL;
	struct buf b = BUF_INIT(4 * ACTION_REASON_MAX);
	const char *t, *end;
	size_t i;

	if (!v)
		v = &unclassified;
	for (i = 0; i < p->nrules; i++)
		if (cond_match(&p->rules[i].when, tool_name, v)) {
			r = &p->rules[i];
			break;
		}
	memset(out, 0, sizeof(*out));
	if (!r) {
		out->kind = ACTION_DENY;
		snprintf(out->rule, sizeof(out->rule), "default");
		snprintf(out->reason, sizeof(out->reason),
			 "Denied: no rule of profile '%s' matched (%s, %s)",
			 p->name, category_name(v->category),
			 risk_name(v->risk));
		return out->kind;
	}
	out->kind = r->kind;
	out->max = r->max;
	out->window = r->window;
	memcpy(out->rule, r->name, sizeof(out->rule));
	/* The buffer's cap truncates; what fits is kept and cut below. */
	for (t = r->reason; *t; t++) {
		if (t[0] == '{' && t[1] == '{') {
			buf_putc(&b, '{');
			t++;
		} else if (t[0] == '{' && (end = strchr(t, '}')) != NULL) {
			expand(&b, t + 1, (size_t)(end - t - 1), tool_name, v,
			       r);
			t = end;
		} else {
			buf_putc(&b, *t);
		}
	}
	copy_capped(out->reason, sizeof(out->reason), buf_cstr(&b), b.len);
	buf_release(&b);
	return out->kind;
}
