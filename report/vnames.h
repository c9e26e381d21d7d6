/*
 * The names of verdict fields as report/ writes them into reasons and reads
 * them from profiles.  They are the same names classifier/verdict.h
 * promises; report/ keeps its own small table so that policies build on the
 * verdict header alone.
 */
#ifndef MCPRISK_VNAMES_H
#define MCPRISK_VNAMES_H

#include "classifier/verdict.h"

/* "read", "write", ...; "?" for a value out of range (borrowed). */
const char *vname_category(enum category c);
/* "low", "medium", "high", "critical"; "?" out of range (borrowed). */
const char *vname_risk(enum risk r);
/* The name of one trait bit ("poisoning"); NULL for anything else. */
const char *vname_trait(unsigned bit);

/* Parse a name back; -1 when unknown (trait: returns the bit). */
int vname_category_parse(const char *s);
int vname_risk_parse(const char *s);
long vname_trait_parse(const char *s);

#endif
