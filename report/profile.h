/*
 * Policy profiles: an ordered list of rules loaded from data
 * (data/profiles/<name>.json, format in docs/profiles.md) that turns one
 * tool's verdict into one action with a reason.  This is the only place
 * where policy decisions are made; the exporters only translate actions.
 */
#ifndef MCPRISK_PROFILE_H
#define MCPRISK_PROFILE_H

#include <stddef.h>

#include "classifier/verdict.h"
#include "util/errbuf.h"

/* What a policy does with a tool, from most to least permissive. */
enum action_kind {
	ACTION_ALLOW,
	ACTION_RATE_LIMIT,
	ACTION_REQUIRE_APPROVAL,
	ACTION_DENY,
	ACTION_HIDE,
	ACTION__COUNT
};

/* The window of a rate limit. */
enum rate_window {
	WINDOW_MINUTE,
	WINDOW_HOUR,
	WINDOW_DAY,
	WINDOW__COUNT
};

/* Longest reason kept in an action, with its NUL; longer ones end "...". */
#define ACTION_REASON_MAX 256
/* Longest profile rule name, with its NUL. */
#define PROFILE_RULE_NAME_MAX 64
/* Largest profile file read. */
#define PROFILE_FILE_MAX (1024 * 1024)
/* Most rules in one profile. */
#define PROFILE_RULES_MAX 256

/* One decided action.  A plain value: it owns no memory. */
struct action {
	enum action_kind kind;
	long long max;                    /* RATE_LIMIT: calls per window */
	enum rate_window window;          /* RATE_LIMIT: the window */
	char rule[PROFILE_RULE_NAME_MAX]; /* name of the rule that decided,
					     "default" when none matched */
	char reason[ACTION_REASON_MAX];   /* the rule's reason, filled in */
};

/* A tool and its verdict, the input of every per-server step. */
struct tool_verdict {
	const char *name;              /* tool name; borrowed */
	const struct verdict *verdict; /* borrowed; NULL: not classified yet,
					  decided as unknown/high with
					  confidence 0 */
};

struct profile;

/*
 * Load and validate a profile file.  Errors name the file and the entry:
 * "balanced.json: rules[3].action: unknown action 'hid'".  Returns a new
 * profile (profile_free) or NULL with the reason in eb.
 */
struct profile *profile_load(const char *path, struct errbuf *eb);

/*
 * Load a bundled profile by name (<data_dir>/profiles/<name>.json) or, when
 * name_or_path contains a '/' or ends in ".json", the file it names.
 */
struct profile *profile_load_named(const char *data_dir,
				   const char *name_or_path,
				   struct errbuf *eb);

/* Free a profile; NULL is allowed. */
void profile_free(struct profile *p);

/* The profile's "name" (borrowed, valid until profile_free). */
const char *profile_name(const struct profile *p);

/*
 * Decide the action for one tool: the first rule whose conditions all hold
 * wins; when none matches the tool is denied (rule "default").  v may be
 * NULL (see struct tool_verdict).  Fills *out and returns out->kind.
 */
int profile_decide(const struct profile *p, const char *tool_name,
		   const struct verdict *v, struct action *out);

/* "allow", "rate_limit", ...; "?" out of range (borrowed). */
const char *action_kind_name(enum action_kind k);
/* -1 when unknown. */
int action_kind_parse(const char *s);
/* "minute", "hour", "day"; "?" out of range (borrowed). */
const char *rate_window_name(enum rate_window w);
/* -1 when unknown. */
int rate_window_parse(const char *s);

#endif
