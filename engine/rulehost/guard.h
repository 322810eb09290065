/* rulehost/guard.h — internal to engine/rulehost: the charging wrappers of the library
 * functions that do work in C (guard.c). */
#ifndef TS_RULEHOST_GUARD_H
#define TS_RULEHOST_GUARD_H

#include "rulehost/rh.h"

/* Deterministic tostring (no addresses): pushes the text of the value at idx. */
const char *ts__rh_tostring(lua_State *L, int idx, size_t *len);
/* Called at bind: coroutines of the previous person can no longer be resumed. */
void ts__rh_forget_coroutines(lua_State *L, ts_rulehost *h);
/* Pushes a pairs iterator over the raw table at t in a fixed key order (booleans,
 * numbers, strings bytewise, then other keys), charged n*log2(n). */
void ts__rh_push_sorted_iter(lua_State *L, int t);
/* Replace the library functions that do work in C by charging wrappers; lib is the
 * stack index of the library table being built. */
void ts__rh_guard_string(lua_State *L, int lib);
void ts__rh_guard_table(lua_State *L, int lib);
void ts__rh_guard_utf8(lua_State *L, int lib);
void ts__rh_guard_base(lua_State *L, int lib);
void ts__rh_guard_coroutine(lua_State *L, int lib);

#endif
