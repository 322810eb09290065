/* rulehost/guard.c — the library functions rules may call, made to keep the sandbox's
 * limits: every function that can do unbounded work in C charges the rule's budget by
 * the work it will do before doing it (TS_LIMIT_RULE_BYTES_PER_INSTR bytes or one
 * element an instruction), or refuses a size past the memory cap; pcall, xpcall and
 * the coroutine functions re-raise a limit instead of returning it; tostring and
 * string.format never print an address; table.sort is a deterministic merge sort.
 * Uses sandbox.c (charge, trip, message handler).
 *
 * Audit of the libraries loaded in the sandbox (Lua 5.4.4), what each costs in C:
 *   base   pairs: ours (fixed key order, n*log2(n) charged) |
 *          assert error getmetatable ipairs next rawequal rawget rawlen select type
 *          _VERSION: O(1) | rawset: O(1), refuses read-only data
 *          (proxies are userdata, rawset needs a table) | tonumber: O(len) -> charged |
 *          tostring: ours (no addresses; __tostring honoured) | pcall xpcall: ours
 *   string byte char rep sub upper lower reverse format find: charged by the bytes or
 *          values they produce or scan | len: O(1) | dump match gmatch gsub: removed |
 *          pack unpack packsize: removed (byte work with no use in rules)
 *   table  concat insert remove move pack unpack: charged by elements | sort: ours,
 *          n*log2(n) charged, the comparator's instructions counted by the hook
 *   utf8   char codepoint len offset: charged (codes: the string's length charged up front) |
 * charpattern math   O(1) each (random, randomseed removed) coroutine create wrap resume close:
 * ours (limits re-raised, per-evaluation only) | status running isyieldable yield: O(1) re match
 * find: PCRE2 limits (regex.c) and the subject's bytes charged Growth of memory is also charged
 * (sandbox.c, every RH_ALLOC_CHECK bytes), so work that ends in a big allocation (the .. operator,
 * string building) counts too. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include <lualib.h>
#include <string.h>

#include "base/limits.h"
#include "rulehost/guard.h"
#include "rulehost/vm.h"

#define BPI TS_LIMIT_RULE_BYTES_PER_INSTR

static ts_rulehost *host(lua_State *L)
{
    return ts__rh_host(L);
}

static void charge_bytes(lua_State *L, uint64_t bytes)
{
    ts__rh_charge(L, host(L), bytes / BPI);
}

/* Charges the bytes a call will produce, and prepays the allocations that hold them
 * (a buffer and the final string) so the allocator does not charge them again. */
static void charge_output(lua_State *L, uint64_t bytes)
{
    ts_rulehost *h = host(L);
    ts__rh_charge(L, h, bytes / BPI);
    h->prepaid += (size_t)bytes * 2;
}

/* The wrapped library function (upvalue 1), called on the same stack. */
static int call_orig(lua_State *L)
{
    return lua_tocfunction(L, lua_upvalueindex(1))(L);
}

/* Lua's posrelat for string positions: a relative start in 1..len+1. */
static size_t pos_start(lua_Integer pos, size_t len)
{
    if (pos > 0)
        return (size_t)pos;
    if (pos == 0)
        return 1;
    if (pos < -(lua_Integer)len)
        return 1;
    return len + (size_t)pos + 1;
}

static size_t pos_end(lua_Integer pos, size_t len)
{
    if (pos > (lua_Integer)len)
        return len;
    if (pos >= 0)
        return (size_t)pos;
    if (pos < -(lua_Integer)len)
        return 0;
    return len + (size_t)pos + 1;
}

/* Elements in i..j (0 when empty), as an unsigned count. */
static uint64_t span(lua_Integer i, lua_Integer j)
{
    return i > j ? 0 : (uint64_t)((lua_Unsigned)j - (lua_Unsigned)i) + 1;
}

/* ---- string ------------------------------------------------------------------------ */

static int g_str_slice(lua_State *L) /* sub (upvalue 2 true), byte: charged by the slice */
{
    size_t l;
    luaL_checklstring(L, 1, &l);
    bool sub = lua_toboolean(L, lua_upvalueindex(2));
    lua_Integer pi = luaL_optinteger(L, 2, 1);
    size_t i = pos_start(pi, l);
    size_t j = pos_end(luaL_optinteger(L, 3, sub ? -1 : pi), l);
    uint64_t n = i > j ? 0 : j - i + 1;
    if (sub)
        charge_output(L, n); /* bytes copied */
    else
        ts__rh_charge(L, host(L), n); /* values pushed */
    return call_orig(L);
}

static int g_str_whole(lua_State *L) /* upper, lower, reverse: charged by the length */
{
    size_t l;
    luaL_checklstring(L, 1, &l);
    charge_output(L, l);
    return call_orig(L);
}

static int g_str_char(lua_State *L)
{
    ts__rh_charge(L, host(L), (uint64_t)lua_gettop(L));
    return call_orig(L);
}

static int g_str_rep(lua_State *L)
{
    ts_rulehost *h = host(L);
    size_t l, lsep = 0;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0)
        return call_orig(L);
    /* the result's size, refused past the memory cap before anything is built */
    size_t room = h->mem_cap > h->mem_used ? h->mem_cap - h->mem_used : 0;
    if ((uint64_t)n > room / (l + lsep) + 1 || (uint64_t)n * (l + lsep) - lsep > room) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "string.rep: a result of %lld x %zu bytes exceeds the memory cap (%zu bytes)",
                 (long long)n, l + lsep, h->mem_cap);
        return ts__rh_trip_raise(L, h, 'm', msg);
    }
    charge_output(L, (uint64_t)n * (l + lsep));
    return call_orig(L);
}

/* string.find without patterns: Lua patterns run in C where the count hook never
 * fires, so only plain search is offered; a pattern-looking needle without plain=true
 * is an error rather than a silent plain search. The haystack scanned is charged. */
static int g_str_find(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    lua_Integer init = luaL_optinteger(L, 3, 1);
    if (!lua_toboolean(L, 4) && strpbrk(p, "^$*+?.([%-"))
        return luaL_error(L, "string.find: Lua patterns are not available in rules; pass "
                             "plain=true or use re.find");
    if (init < 0)
        init = (lua_Integer)ls + init + 1;
    if (init < 1)
        init = 1;
    if ((size_t)init > ls + 1) {
        lua_pushnil(L);
        return 1;
    }
    charge_bytes(L, (uint64_t)(ls - (size_t)init + 1) + lp);
    const char *f = lp == 0 ? s + init - 1 : memmem(s + init - 1, ls - (size_t)init + 1, p, lp);
    if (!f) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, (lua_Integer)(f - s) + 1);
    lua_pushinteger(L, (lua_Integer)(f - s) + (lua_Integer)lp);
    return 2;
}

/* string.format: %s of a value that is not a string or number goes through our
 * tostring (no addresses), %p is refused, the bytes of the string arguments are
 * charged. Widths and precisions are at most two digits in Lua 5.4 (checked by it). */
static int g_str_format(lua_State *L)
{
    size_t fl;
    const char *f = luaL_checklstring(L, 1, &fl);
    const char *end = f + fl;
    int arg = 1, top = lua_gettop(L);
    uint64_t bytes = fl;
    for (const char *c = f; c < end; c++) {
        if (*c != '%')
            continue;
        if (++c >= end)
            break;
        if (*c == '%')
            continue;
        arg++;
        while (c < end && strchr("-+ #0123456789.", *c))
            c++;
        if (c >= end)
            break;
        if (*c == 'p')
            return luaL_error(L, "string.format: %%p is not available in rules");
        if (arg > top)
            continue; /* the original reports the missing argument */
        int t = lua_type(L, arg);
        if (*c == 's' && t != LUA_TSTRING && t != LUA_TNUMBER) {
            size_t l;
            ts__rh_tostring(L, arg, &l);
            lua_replace(L, arg);
        }
        if (lua_type(L, arg) == LUA_TSTRING)
            bytes += lua_rawlen(L, arg);
    }
    charge_output(L, bytes);
    return call_orig(L);
}

/* ---- table ------------------------------------------------------------------------- */

static lua_Integer len_of(lua_State *L, int idx)
{
    return luaL_len(L, idx);
}

static int g_tab_concat(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    lua_Integer j = lua_isnoneornil(L, 4) ? len_of(L, 1) : luaL_checkinteger(L, 4);
    ts__rh_charge(L, host(L), span(i, j));
    return call_orig(L);
}

static int g_tab_insert(lua_State *L)
{
    if (lua_gettop(L) == 3) { /* elements shifted up */
        lua_Integer n = len_of(L, 1);
        lua_Integer pos = luaL_checkinteger(L, 2);
        ts__rh_charge(L, host(L), span(pos, n));
    }
    return call_orig(L);
}

static int g_tab_remove(lua_State *L)
{
    lua_Integer n = len_of(L, 1);
    lua_Integer pos = luaL_optinteger(L, 2, n);
    ts__rh_charge(L, host(L), span(pos, n));
    return call_orig(L);
}

static int g_tab_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    ts__rh_charge(L, host(L), span(f, e));
    return call_orig(L);
}

static int g_tab_unpack(lua_State *L)
{
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = lua_isnoneornil(L, 3) ? len_of(L, 1) : luaL_checkinteger(L, 3);
    ts__rh_charge(L, host(L), span(i, e));
    return call_orig(L);
}

static int g_tab_pack(lua_State *L)
{
    ts__rh_charge(L, host(L), (uint64_t)lua_gettop(L));
    return call_orig(L);
}

/* a < b for table.sort: the comparator at cmp (0 = the < operator). */
static bool sort_less(lua_State *L, int cmp, int a, int b)
{
    a = lua_absindex(L, a);
    b = lua_absindex(L, b);
    if (!cmp)
        return lua_compare(L, a, b, LUA_OPLT);
    lua_pushvalue(L, cmp);
    lua_pushvalue(L, a);
    lua_pushvalue(L, b);
    lua_call(L, 2, 1);
    bool r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

typedef bool (*less_fn)(lua_State *L, int cmp, int a, int b);

/* Bottom-up merge sort of the array src[1..n] (stable, at most n*log2(n) calls of
 * less); src and dst are raw tables of n entries. Returns the index of the sorted one. */
static int merge_sort(lua_State *L, int src, int dst, lua_Integer n, less_fn less, int cmp)
{
    luaL_checkstack(L, 8, "sorting");
    for (lua_Integer w = 1; w < n; w *= 2) {
        for (lua_Integer lo = 1; lo <= n; lo += 2 * w) {
            lua_Integer mid = lo + w - 1 < n ? lo + w - 1 : n;
            lua_Integer hi = lo + 2 * w - 1 < n ? lo + 2 * w - 1 : n;
            lua_Integer i = lo, j = mid + 1, k = lo;
            while (i <= mid && j <= hi) {
                lua_rawgeti(L, src, i);
                lua_rawgeti(L, src, j);
                if (less(L, cmp, -1, -2)) { /* b[j] < a[i]: take j (stable) */
                    lua_rawseti(L, dst, k++);
                    lua_pop(L, 1);
                    j++;
                } else {
                    lua_pop(L, 1);
                    lua_rawseti(L, dst, k++);
                    i++;
                }
            }
            for (; i <= mid; i++) {
                lua_rawgeti(L, src, i);
                lua_rawseti(L, dst, k++);
            }
            for (; j <= hi; j++) {
                lua_rawgeti(L, src, j);
                lua_rawseti(L, dst, k++);
            }
        }
        int t = src;
        src = dst;
        dst = t;
    }
    return src;
}

static uint64_t sort_cost(lua_Integer n)
{
    uint64_t lg = 1;
    while ((1ull << lg) < (uint64_t)n)
        lg++;
    return (uint64_t)n * (lg + 2);
}

/* table.sort(t [, comp]): a merge sort (stable, n*log2(n) comparisons at most,
 * whatever the comparator answers) over a copy of t[1..#t], written back at the end.
 * Lua's own quicksort picks pivots from the clock, so an inconsistent comparator
 * would give a different order from run to run. */
static int g_tab_sort(lua_State *L)
{
    lua_Integer n = len_of(L, 1);
    int cmp = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TFUNCTION);
        cmp = 2;
    }
    lua_settop(L, 2);
    if (n < 2)
        return 0;
    if (n >= INT32_MAX)
        return luaL_argerror(L, 1, "array too big");
    ts__rh_charge(L, host(L), sort_cost(n));
    lua_createtable(L, (int)n, 0); /* 3 */
    lua_createtable(L, (int)n, 0); /* 4 */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        lua_rawseti(L, 3, i);
    }
    int sorted = merge_sort(L, 3, 4, n, sort_less, cmp);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, sorted, i);
        lua_seti(L, 1, i);
    }
    return 0;
}

/* ---- pairs in a fixed order ---------------------------------------------------------- */

static int key_rank(int t)
{
    switch (t) {
    case LUA_TBOOLEAN:
        return 1;
    case LUA_TNUMBER:
        return 2;
    case LUA_TSTRING:
        return 3;
    default:
        return 4;
    }
}

/* Key order of pairs: booleans, numbers (by value), strings (bytewise), then the rest
 * in table order. */
static bool key_less(lua_State *L, int cmp, int a, int b)
{
    (void)cmp;
    int ta = lua_type(L, a), tb = lua_type(L, b);
    int ra = key_rank(ta), rb = key_rank(tb);
    if (ra != rb)
        return ra < rb;
    switch (ta) {
    case LUA_TBOOLEAN:
        return !lua_toboolean(L, a) && lua_toboolean(L, b);
    case LUA_TNUMBER:
        return lua_compare(L, a, b, LUA_OPLT);
    case LUA_TSTRING: {
        size_t la, lb;
        const char *sa = lua_tolstring(L, a, &la), *sb = lua_tolstring(L, b, &lb);
        int c = memcmp(sa, sb, la < lb ? la : lb);
        return c < 0 || (c == 0 && la < lb);
    }
    default:
        return false;
    }
}

/* The iterator: upvalue 1 the table, 2 the sorted keys, 3 the next position. */
static int sorted_next(lua_State *L)
{
    lua_Integer i = lua_tointeger(L, lua_upvalueindex(3));
    lua_Integer n = (lua_Integer)lua_rawlen(L, lua_upvalueindex(2));
    for (; i <= n; i++) {
        lua_rawgeti(L, lua_upvalueindex(2), i);
        lua_pushvalue(L, -1);
        if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL) { /* removed meanwhile */
            lua_pop(L, 2);
            continue;
        }
        lua_pushinteger(L, i + 1);
        lua_replace(L, lua_upvalueindex(3));
        return 2;
    }
    lua_pushinteger(L, n + 1);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushnil(L);
    return 1;
}

void ts__rh_push_sorted_iter(lua_State *L, int t)
{
    t = lua_absindex(L, t);
    luaL_checkstack(L, 8, "pairs");
    lua_Integer n = 0;
    lua_newtable(L);
    int keys = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++n);
    }
    if (n > 1) {
        ts__rh_charge(L, host(L), sort_cost(n));
        lua_createtable(L, (int)n, 0);
        int sorted = merge_sort(L, keys, keys + 1, n, key_less, 0);
        lua_pushvalue(L, sorted);
        lua_replace(L, keys);
        lua_settop(L, keys);
    }
    lua_pushvalue(L, t);
    lua_insert(L, keys);
    lua_pushinteger(L, 1);
    lua_pushcclosure(L, sorted_next, 3);
}

/* pairs(t): __pairs when t has one (read-only tables, p.attrs), else the keys of t in
 * a fixed order (key_less) — the order of a hash walk depends on a seed that differs
 * from one Lua state and run to the next, so evidence built in a pairs loop would too. */
static int g_pairs(lua_State *L)
{
    luaL_checkany(L, 1);
    if (luaL_getmetafield(L, 1, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, 1);
        lua_call(L, 1, 3);
        return 3;
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    ts__rh_push_sorted_iter(L, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* ---- utf8 -------------------------------------------------------------------------- */

static int g_utf8_whole(lua_State *L) /* len, offset: scan the string */
{
    size_t l;
    luaL_checklstring(L, 1, &l);
    charge_bytes(L, l);
    return call_orig(L);
}

static int g_utf8_codepoint(lua_State *L)
{
    size_t l;
    luaL_checklstring(L, 1, &l);
    lua_Integer i = luaL_optinteger(L, 2, 1);
    size_t a = pos_start(i, l);
    size_t b = pos_end(luaL_optinteger(L, 3, (lua_Integer)a), l);
    ts__rh_charge(L, host(L), a > b ? 0 : b - a + 1);
    return call_orig(L);
}

static int g_utf8_char(lua_State *L)
{
    ts__rh_charge(L, host(L), (uint64_t)lua_gettop(L));
    return call_orig(L);
}

/* ---- base -------------------------------------------------------------------------- */

const char *ts__rh_tostring(lua_State *L, int idx, size_t *len)
{
    idx = lua_absindex(L, idx);
    if (luaL_callmeta(L, idx, "__tostring")) {
        if (!lua_isstring(L, -1))
            luaL_error(L, "'__tostring' must return a string");
        return lua_tolstring(L, -1, len);
    }
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
    case LUA_TSTRING:
    case LUA_TBOOLEAN:
    case LUA_TNIL:
        return luaL_tolstring(L, idx, len);
    case LUA_TUSERDATA: {
        const rh_proxy *u = lua_touserdata(L, idx);
        const char *name = "userdata";
        if (u && lua_rawlen(L, idx) >= sizeof(rh_proxy)) {
            if (u->magic == RH_MAGIC_RO || u->magic == RH_MAGIC_ENV)
                name = "table";
            else if (u->magic == RH_MAGIC_PERSON)
                name = "person";
        }
        lua_pushstring(L, name);
        return lua_tolstring(L, -1, len);
    }
    default: /* tables, functions, threads: their type, never their address */
        lua_pushstring(L, luaL_typename(L, idx));
        return lua_tolstring(L, -1, len);
    }
}

static int g_tostring(lua_State *L)
{
    luaL_checkany(L, 1);
    size_t l;
    ts__rh_tostring(L, 1, &l);
    return 1;
}

static int g_tonumber(lua_State *L)
{
    if (lua_type(L, 1) == LUA_TSTRING)
        charge_bytes(L, lua_rawlen(L, 1));
    return call_orig(L);
}

/* pcall(f, ...): as Lua's, but a limit (budget, memory, regex or size, deadline) is
 * raised again instead of returned: once tripped, the rule is over. */
static int g_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    ts_rulehost *h = host(L);
    ts__rh_charge(L, h, 0);
    lua_pushcfunction(L, ts__rh_msgh_fn());
    lua_insert(L, 1);
    int st = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 1);
    if (st != LUA_OK) {
        if (ts__rh_tripped(h))
            return lua_error(L);
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_replace(L, 1);
    return lua_gettop(L);
}

/* xpcall(f, handler, ...): the handler is called after the failed call has unwound
 * (rules have no debug library, so it cannot tell), under the rule's budget like any
 * other code; a limit tripped in f or in the handler is raised again. */
static int g_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    ts_rulehost *h = host(L);
    ts__rh_charge(L, h, 0);
    lua_pushcfunction(L, ts__rh_msgh_fn());
    lua_insert(L, 1); /* msgh f handler args */
    lua_pushvalue(L, 2);
    lua_copy(L, 3, 2);
    lua_replace(L, 3); /* msgh handler f args */
    int st = lua_pcall(L, n - 2, LUA_MULTRET, 1);
    if (st == LUA_OK) {
        lua_pushboolean(L, 1);
        lua_replace(L, 1);
        lua_remove(L, 2);
        return lua_gettop(L);
    }
    if (ts__rh_tripped(h))
        return lua_error(L);
    lua_pushvalue(L, 2);
    lua_insert(L, -2); /* handler err */
    st = lua_pcall(L, 1, 1, 1);
    if (st != LUA_OK && ts__rh_tripped(h))
        return lua_error(L);
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
}

/* ---- coroutine --------------------------------------------------------------------- */

/* Raises unless co (at idx) was made during the current evaluation. */
static lua_State *check_co(lua_State *L, int idx, const char *fn)
{
    ts_rulehost *h = host(L);
    lua_State *co = lua_tothread(L, idx);
    luaL_argexpected(L, co != NULL, idx, "coroutine");
    bool ours = false;
    if (h->ref_cos != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_cos);
        lua_pushvalue(L, idx);
        ours = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 2);
    }
    if (!ours)
        luaL_error(L,
                   "%s: this coroutine was made before the current evaluation (rules cannot "
                   "keep coroutines from one person to the next)",
                   fn);
    return co;
}

void ts__rh_forget_coroutines(lua_State *L, ts_rulehost *h)
{
    if (!h->n_cos)
        return;
    luaL_unref(L, LUA_REGISTRYINDEX, h->ref_cos);
    h->ref_cos = LUA_NOREF;
    h->n_cos = 0;
}

static int g_co_create(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    ts_rulehost *h = host(L);
    ts__rh_charge(L, h, 0);
    if (h->ref_cos == LUA_NOREF) {
        lua_newtable(L);
        lua_createtable(L, 0, 1);
        lua_pushliteral(L, "k");
        lua_setfield(L, -2, "__mode");
        lua_setmetatable(L, -2);
        h->ref_cos = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    ts__rh_hook_coroutine(co);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_cos);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    h->n_cos++;
    return 1;
}

/* Resumes co with narg arguments from L; pushes the results (returns their number) or
 * the error object (returns -1). A limit tripped inside is raised in L. */
static int resume(lua_State *L, lua_State *co, int narg)
{
    ts_rulehost *h = host(L);
    int st = lua_status(co);
    if (st == LUA_OK && lua_gettop(co) == 0) {
        lua_pushliteral(L, "cannot resume dead coroutine");
        return -1;
    }
    if (st != LUA_OK && st != LUA_YIELD) {
        lua_pushliteral(L, "cannot resume dead coroutine");
        return -1;
    }
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    int nres = 0;
    int r = lua_resume(co, L, narg, &nres);
    if (ts__rh_tripped(h)) {
        lua_xmove(co, L, 1);
        lua_error(L);
    }
    if (r == LUA_OK || r == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int g_co_resume(lua_State *L)
{
    lua_State *co = check_co(L, 1, "coroutine.resume");
    int r = resume(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

static int g_co_auxwrap(lua_State *L)
{
    lua_State *co = check_co(L, lua_upvalueindex(1), "coroutine.wrap");
    int r = resume(L, co, lua_gettop(L));
    if (r < 0)
        return lua_error(L);
    return r;
}

static int g_co_wrap(lua_State *L)
{
    g_co_create(L);
    lua_pushcclosure(L, g_co_auxwrap, 1);
    return 1;
}

static int g_co_close(lua_State *L)
{
    check_co(L, 1, "coroutine.close");
    int r = call_orig(L);
    if (ts__rh_tripped(host(L)))
        return lua_error(L);
    return r;
}

/* ---- installing ---------------------------------------------------------------------- */

/* lib[name] = closure(fn, the original lib[name][, extra]). */
static void wrap(lua_State *L, int lib, const char *name, lua_CFunction fn, int extra)
{
    lua_getfield(L, lib, name);
    int n = 1;
    if (extra >= 0) {
        lua_pushboolean(L, extra);
        n = 2;
    }
    lua_pushcclosure(L, fn, n);
    lua_setfield(L, lib, name);
}

static void set(lua_State *L, int lib, const char *name, lua_CFunction fn)
{
    lua_pushcfunction(L, fn);
    lua_setfield(L, lib, name);
}

void ts__rh_guard_string(lua_State *L, int lib)
{
    lib = lua_absindex(L, lib);
    wrap(L, lib, "sub", g_str_slice, 1);
    wrap(L, lib, "byte", g_str_slice, 0);
    wrap(L, lib, "upper", g_str_whole, -1);
    wrap(L, lib, "lower", g_str_whole, -1);
    wrap(L, lib, "reverse", g_str_whole, -1);
    wrap(L, lib, "char", g_str_char, -1);
    wrap(L, lib, "rep", g_str_rep, -1);
    wrap(L, lib, "format", g_str_format, -1);
    set(L, lib, "find", g_str_find);
}

void ts__rh_guard_table(lua_State *L, int lib)
{
    lib = lua_absindex(L, lib);
    wrap(L, lib, "concat", g_tab_concat, -1);
    wrap(L, lib, "insert", g_tab_insert, -1);
    wrap(L, lib, "remove", g_tab_remove, -1);
    wrap(L, lib, "move", g_tab_move, -1);
    wrap(L, lib, "unpack", g_tab_unpack, -1);
    wrap(L, lib, "pack", g_tab_pack, -1);
    set(L, lib, "sort", g_tab_sort);
}

void ts__rh_guard_utf8(lua_State *L, int lib)
{
    lib = lua_absindex(L, lib);
    wrap(L, lib, "len", g_utf8_whole, -1);
    wrap(L, lib, "offset", g_utf8_whole, -1);
    wrap(L, lib, "codepoint", g_utf8_codepoint, -1);
    wrap(L, lib, "char", g_utf8_char, -1);
    wrap(L, lib, "codes", g_utf8_whole, -1);
}

void ts__rh_guard_base(lua_State *L, int lib)
{
    lib = lua_absindex(L, lib);
    set(L, lib, "tostring", g_tostring);
    set(L, lib, "pairs", g_pairs);
    wrap(L, lib, "tonumber", g_tonumber, -1);
    set(L, lib, "pcall", g_pcall);
    set(L, lib, "xpcall", g_xpcall);
}

void ts__rh_guard_coroutine(lua_State *L, int lib)
{
    lib = lua_absindex(L, lib);
    set(L, lib, "create", g_co_create);
    set(L, lib, "wrap", g_co_wrap);
    set(L, lib, "resume", g_co_resume);
    wrap(L, lib, "close", g_co_close, -1);
}
