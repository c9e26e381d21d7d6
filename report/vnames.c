/*
 * Name tables for categories, risks and traits, indexed by the enums of
 * classifier/verdict.h.
 */
#include <string.h>

#include "report/vnames.h"
#include "util/banned.h"

static const char *const category_names[CAT__COUNT] = {
	[CAT_READ] = "read",
	[CAT_WRITE] = "write",
	[CAT_EXECUTE] = "execute",
	[CAT_DESTRUCTIVE] = "destructive",
	[CAT_FINANCIAL] = "financial",
	[CAT_UNKNOWN] = "unknown",
};

static const char *const risk_names[RISK__COUNT] = {
	[RISK_LOW] = "low",
	[RISK_MEDIUM] = "medium",
	[RISK_HIGH] = "high",
	[RISK_CRITICAL] = "critical",
};

/* Indexed by bit position. */
static const char *const trait_names[TRAIT__COUNT] = {
	"bulk", "privilege", "credentials", "external_comm", "code_exec",
	"filesystem", "network", "open_world", "poisoning",
	"annotation_mismatch",
};

const char *
vname_category(enum category c)
{
	return (unsigned)c < CAT__COUNT ? category_names[c] : "?";
}

const char *
vname_risk(enum risk r)
{
	return (unsigned)r < RISK__COUNT ? risk_names[r] : "?";
}

const char *
vname_trait(unsigned bit)
{
	unsigned i;

	for (i = 0; i < TRAIT__COUNT; i++)
		if (bit == 1u << i)
			return trait_names[i];
	return NULL;
}

int
vname_category_parse(const char *s)
{
	int i;

	for (i = 0; i < CAT__COUNT; i++)
		if (strcmp(s, category_names[i]) == 0)
			return i;
	return -1;
}

int
vname_risk_parse(const char *s)
{
	int i;

	for (i = 0; i < RISK__COUNT; i++)
		if (strcmp(s, risk_names[i]) == 0)
			return i;
	return -1;
}

long
vname_trait_parse(const char *s)
{
	unsigned i;

	for (i = 0; i < TRAIT__COUNT; i++)
		if (strcmp(s, trait_names[i]) == 0)
			return (long)(1u << i);
	return -1;
}
