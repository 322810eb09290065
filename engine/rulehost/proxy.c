/* rulehost/proxy.c — read-only proxies: the userdata behind which the sandbox shows
 * library tables, frozen file-level globals and the person (see sandbox.c). Writes
 * raise, pairs walks the data table in a fixed order (guard.c). */
#include <string.h>

#include "rulehost/guard.h"
#include "rulehost/proxy.h"
#include "rulehost/vm.h"

/* ---- read-only proxies ---------------------------------------------------------- */

const char *ts__rh_keyname(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : luaL_typename(L, idx);
}

static int rh_ro_newindex(lua_State *L)
{
    const rh_proxy *u = lua_touserdata(L, 1);
    if (u && u->magic == RH_MAGIC_ENV)
        return luaL_error(L,
                          "rules cannot set global '%s' (globals are read-only once the "
                          "pack is loaded; use a local)",
                          ts__rh_keyname(L, 2));
    if (u && u->magic == RH_MAGIC_PERSON)
        return luaL_error(L, "the person is read-only (field '%s')", ts__rh_keyname(L, 2));
    return luaL_error(L, "attempt to modify a read-only table (field '%s')", ts__rh_keyname(L, 2));
}

void ts__rh_proxy_data(lua_State *L, int idx)
{
    /* the data table is also the proxy's user value: one read, no metatable lookup */
    if (lua_type(L, idx) != LUA_TUSERDATA) {
        lua_pushnil(L);
        return;
    }
    if (lua_getiuservalue(L, idx, 1) == LUA_TNONE) {
        lua_pop(L, 1);
        lua_pushnil(L);
    }
}

static int rh_ro_len(lua_State *L)
{
    ts__rh_proxy_data(L, 1);
    lua_pushinteger(L, lua_istable(L, -1) ? (lua_Integer)lua_rawlen(L, -1) : 0);
    return 1;
}

static int rh_ro_pairs(lua_State *L)
{
    ts__rh_proxy_data(L, 1);
    if (!lua_istable(L, -1))
        return luaL_error(L, "bad argument to pairs");
    ts__rh_push_sorted_iter(L, -1); /* a fixed order, like pairs of a plain table */
    lua_remove(L, -2);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

void *ts__rh_proxy_new(lua_State *L, int idx, size_t size, uint32_t magic)
{
    idx = lua_absindex(L, idx);
    rh_proxy *u = lua_newuserdatauv(L, size, 1);
    memset(u, 0, size);
    u->magic = magic;
    lua_pushvalue(L, idx);
    lua_setiuservalue(L, -2, 1);
    lua_createtable(L, 0, 6);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, rh_ro_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, rh_ro_len);
    lua_setfield(L, -2, "__len");
    if (magic != RH_MAGIC_PERSON) {
        lua_pushcfunction(L, rh_ro_pairs);
        lua_setfield(L, -2, "__pairs");
    }
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    return u;
}
