/* rulehost/proxy.h — internal to engine/rulehost: read-only proxies (proxy.c). */
#ifndef TS_RULEHOST_PROXY_H
#define TS_RULEHOST_PROXY_H

#include "rulehost/rh.h"

/* Pushes a read-only proxy for the table at idx. */
void *ts__rh_proxy_new(lua_State *L, int idx, size_t size, uint32_t magic);
/* Returns the data table index behind the proxy at idx pushed on the stack. */
void ts__rh_proxy_data(lua_State *L, int idx);
/* The key at idx for a message: the string, or the name of its type. */
const char *ts__rh_keyname(lua_State *L, int idx);

#endif
