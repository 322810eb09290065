/* rulehost/person.h — internal to engine/rulehost: the p, ctx and re objects rules
 * see (person.c). */
#ifndef TS_RULEHOST_PERSON_H
#define TS_RULEHOST_PERSON_H

#include "rulehost/rh.h"

/* Creates p, ctx and their tables in the registry (at host creation). */
void ts__rh_person_init(lua_State *L, ts_rulehost *h);
/* Repoints p at s and clears its caches; refreshes ctx. Runs inside a protected call. */
void ts__rh_person_bind(lua_State *L, ts_rulehost *h, const ts_eval_ctx *ctx, const ts_subject *s);
/* The re module (table of functions) pushed on the stack. */
void ts__rh_push_re(lua_State *L);
/* Whether rules may see the attribute named name (len bytes): the pack's attr_hidden
 * predicate, memoised per host. */
bool ts__rh_attr_visible(const ts_rulehost *h, const char *name, size_t len);

#endif
