/* rulehost/sandbox.c — the sandboxed Lua state: capped allocator, sticky instruction
 * hook, message handler, the safe library subset, read-only proxies, rule{...}
 * validation and loading of a pack's files with per-file frozen globals.
 * Uses lua/lauxlib/lualib, base/limits.h, base/text.h.
 *
 * Sandbox shape (see also person.c for the measured costs):
 * - Memory: the allocator refuses growth past mem_cap and sets trip.memory, which stays
 *   set until the host clears it; it also arms the count hook at 1 so that a pcall that
 *   caught the "not enough memory" error is interrupted at its next instruction.
 * - Instructions: a count hook armed per rule with the budget. When it fires it sets
 *   trip.budget, re-arms itself at count 1 and raises; every later instruction raises
 *   again, so pcall, xpcall, coroutines and __close handlers cannot swallow it (pcall,
 *   xpcall and the coroutine functions are ours and re-raise any tripped limit: see
 *   guard.c, which also charges library work done in C). The host
 *   reads its own flags after lua_pcall, never only the return code.
 * - Coroutines: created with a count hook (every RH_CO_CHUNK instructions) that charges
 *   the rule's own budget; one made before the current evaluation cannot be resumed.
 * - Deadline: the hook (every RH_HOOK_CHUNK instructions), the allocator (every
 *   RH_ALLOC_CHECK bytes) and big library charges read the clock against the person's
 *   deadline (ms_per_person); past it every later instruction raises.
 * - Libraries: base (no load/loadfile/dofile/collectgarbage/print/require; setmetatable
 *   refuses __gc), string (no dump/match/gmatch/gsub/pack/unpack/packsize; find is plain only),
 * table, math (no random), utf8, coroutine, re. Every library table is a read-only proxy; the
 *   string metatable hides itself (__metatable = false) and indexes the proxy.
 * - Globals: a file's top level may define globals; afterwards they are copied with the
 *   base library into a table behind a read-only userdata that becomes the file's _ENV
 *   (table values are frozen recursively), so rules can neither set globals nor see any
 *   other rule's. State kept in file-level locals (upvalues) is not policed. */
/* memmem (glibc two-way search: linear time, no hook needed) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <lualib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "base/text.h"
#include "rulehost/guard.h"
#include "rulehost/person.h"
#include "rulehost/proxy.h"
#include "rulehost/sandbox.h"
#include "rulehost/upscan.h"
#include "rulehost/vm.h"

/* ---- read-only tables ------------------------------------------------------------ */

/* Records a "table nested deeper than N" problem at where and raises it (the message
 * handler keeps this record). */
static int rh_too_deep(lua_State *L, const char *where, const char *what)
{
    ts_rulehost *h = ts__rh_host(L);
    /* both fit their fields for every caller; a cut place would still read correctly */
    if (snprintf(h->err_where, sizeof h->err_where, "%s", where) >= (int)sizeof h->err_where)
        h->err_where[sizeof h->err_where - 1] = '\0';
    if (snprintf(h->err_msg, sizeof h->err_msg, "%s nested deeper than %u%s", what,
                 TS_LIMIT_RULE_TABLE_DEPTH,
                 strcmp(what, "table") == 0 ? " (frozen file-level tables are walked in C)" : "") >=
        (int)sizeof h->err_msg)
        h->err_msg[sizeof h->err_msg - 1] = '\0';
    h->err_set = true;
    h->err_keep = true;
    lua_pushfstring(L, "%s: %s", h->err_where, h->err_msg);
    return lua_error(L);
}

/* __index of a frozen table that had a metatable: (proxy, key); upvalue 1 = the data
 * table, 2 = its original __index (a frozen table or a function). A handler function
 * gets the read-only proxy as self, never the data table, so it cannot write to it. */
static int rh_ro_index(lua_State *L)
{
    lua_settop(L, 2);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 1;
    lua_pop(L, 1);
    int t = lua_type(L, lua_upvalueindex(2));
    if (t == LUA_TFUNCTION) {
        lua_pushvalue(L, lua_upvalueindex(2));
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 2);
        lua_call(L, 2, 1);
        return 1;
    }
    if (t == LUA_TNIL)
        return 0;
    lua_pushvalue(L, 2);
    lua_gettable(L, lua_upvalueindex(2));
    return 1;
}

/* Replaces the table at idx (absolute) by a frozen proxy, recursively; visited maps
 * table -> proxy so cycles and shared tables freeze once. Leaves the result on top.
 * Keys that are tables are frozen too (the entry is moved to the key's proxy). A table
 * with a metatable keeps its __index (through rh_ro_index) and its other metamethods
 * (called with the proxy); the data table itself is never handed to rule code.
 * Deeper than TS_LIMIT_RULE_TABLE_DEPTH: an error at where. */
static void rh_freeze(lua_State *L, int idx, int visited, int depth, const char *where)
{
    luaL_checkstack(L, 12, "freezing file-level tables");
    lua_pushvalue(L, idx);
    if (lua_rawget(L, visited) != LUA_TNIL)
        return;
    lua_pop(L, 1);
    if (depth >= (int)TS_LIMIT_RULE_TABLE_DEPTH)
        rh_too_deep(L, where, "table");
    ts__rh_proxy_new(L, idx, sizeof(rh_proxy), RH_MAGIC_RO);
    int proxy = lua_gettop(L);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, proxy);
    lua_rawset(L, visited);
    int tkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TTABLE) { /* frozen below, after the walk */
            if (!tkeys) {
                lua_newtable(L);
                lua_insert(L, -3);
                tkeys = lua_absindex(L, -3);
            }
            lua_pushvalue(L, -2);
            lua_rawseti(L, tkeys, (lua_Integer)lua_rawlen(L, tkeys) + 1);
        }
        if (lua_type(L, -1) == LUA_TTABLE) {
            rh_freeze(L, lua_absindex(L, -1), visited, depth + 1, where);
            lua_pushvalue(L, -3); /* key */
            lua_pushvalue(L, -2); /* proxy */
            lua_rawset(L, idx);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    if (tkeys) {
        lua_Integer nk = (lua_Integer)lua_rawlen(L, tkeys);
        for (lua_Integer i = 1; i <= nk; i++) {
            lua_rawgeti(L, tkeys, i); /* k */
            int k = lua_gettop(L);
            lua_pushvalue(L, k);
            lua_rawget(L, idx); /* v (already frozen) */
            lua_pushvalue(L, k);
            lua_pushnil(L);
            lua_rawset(L, idx);
            rh_freeze(L, k, visited, depth + 1, where); /* pk */
            lua_pushvalue(L, k + 1);
            lua_rawset(L, idx);
            lua_settop(L, k - 1);
        }
    }
    lua_settop(L, proxy);
    if (lua_getmetatable(L, idx)) {
        int mt = lua_gettop(L);
        lua_getmetatable(L, proxy);
        int pmt = mt + 1;
        lua_pushnil(L);
        while (lua_next(L, mt)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
            static const char *const own[] = {"__index", "__newindex",  "__gc",
                                              "__mode",  "__metatable", "__pairs",
                                              "__close", "__name",      NULL};
            bool copy = k && k[0] == '_' && k[1] == '_' && lua_type(L, -1) == LUA_TFUNCTION;
            for (const char *const *o = own; copy && *o; o++)
                if (strcmp(k, *o) == 0)
                    copy = false;
            if (copy) {
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_rawset(L, pmt);
            } else {
                lua_pop(L, 1);
            }
        }
        lua_pushvalue(L, idx);
        lua_pushliteral(L, "__index");
        int it = lua_rawget(L, mt);
        if (it == LUA_TTABLE) {
            rh_freeze(L, lua_absindex(L, -1), visited, depth + 1, where);
            lua_remove(L, -2);
        } else if (it != LUA_TFUNCTION && it != LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushnil(L);
        }
        lua_pushcclosure(L, rh_ro_index, 2);
        lua_setfield(L, pmt, "__index");
        lua_settop(L, proxy);
    }
}

/* ---- safe library subset -------------------------------------------------------- */

static int rh_setmetatable(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int t = lua_type(L, 2);
    luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
    if (t == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "metatables with __gc are not allowed in rules");
        lua_pop(L, 1);
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
        return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

/* Opens lib with its luaopen function and copies its fields into a fresh table, minus
 * the names in drop; leaves the copy on the stack. */
static void rh_lib(lua_State *L, lua_CFunction open, const char *const *drop)
{
    lua_pushcfunction(L, open);
    lua_call(L, 0, 1);
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        bool keep = true;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (const char *const *d = drop; d && *d; d++)
                if (strcmp(lua_tostring(L, -2), *d) == 0)
                    keep = false;
        if (keep) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -4);
        } else {
            lua_pop(L, 1);
        }
    }
    lua_remove(L, -2);
}

/* Builds the base library table (registry ref_base) in a fresh state. Protected. */
static int rh_setup(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    static const char *const base_keep[] = {
        "assert",   "error",  "ipairs", "next",         "pairs",    "pcall",
        "rawequal", "rawget", "rawlen", "rawset",       "select",   "tonumber",
        "tostring", "type",   "xpcall", "getmetatable", "_VERSION", NULL};
    lua_newtable(L); /* B */
    int B = lua_gettop(L);
    lua_pushcfunction(L, luaopen_base);
    lua_call(L, 0, 1);
    for (const char *const *k = base_keep; *k; k++) {
        lua_getfield(L, -1, *k);
        lua_setfield(L, B, *k);
    }
    lua_pop(L, 1);
    /* luaopen_base filled the real globals table; rules never see it, empty it anyway. */
    lua_pushglobaltable(L);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, -4);
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, rh_setmetatable);
    lua_setfield(L, B, "setmetatable");
    ts__rh_guard_base(L, B);

    static const char *const str_drop[] = {"dump", "find",   "match",    "gmatch", "gsub",
                                           "pack", "unpack", "packsize", NULL};
    rh_lib(L, luaopen_string, str_drop);
    ts__rh_guard_string(L, -1);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    /* Lock the string metatable: __index is the read-only proxy, __metatable hides it. */
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 2);
    lua_setfield(L, B, "string");
    lua_pop(L, 1);

    rh_lib(L, luaopen_table, NULL);
    ts__rh_guard_table(L, -1);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    lua_setfield(L, B, "table");
    lua_pop(L, 1);
    static const char *const math_drop[] = {"random", "randomseed", NULL};
    rh_lib(L, luaopen_math, math_drop);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    lua_setfield(L, B, "math");
    lua_pop(L, 1);
    rh_lib(L, luaopen_utf8, NULL);
    ts__rh_guard_utf8(L, -1);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    lua_setfield(L, B, "utf8");
    lua_pop(L, 1);
    rh_lib(L, luaopen_coroutine, NULL);
    ts__rh_guard_coroutine(L, -1);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    lua_setfield(L, B, "coroutine");
    lua_pop(L, 1);
    ts__rh_push_re(L);
    ts__rh_proxy_new(L, -1, sizeof(rh_proxy), RH_MAGIC_RO);
    lua_setfield(L, B, "re");
    lua_pop(L, 1);

    lua_pushvalue(L, B);
    h->ref_base = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    h->ref_rules = luaL_ref(L, LUA_REGISTRYINDEX);
    ts__rh_person_init(L, h);
    return 0;
}

ts_status ts__rh_state_open(ts_rulehost *h, const ts_rulehost_opts *opts, ts_err *err)
{
    uint64_t budget = opts && opts->instructions ? opts->instructions : TS_LIMIT_RULE_INSTRUCTIONS;
    h->budget = budget > (uint64_t)INT32_MAX ? INT32_MAX : (int)budget;
    h->mem_cap =
        opts && opts->memory_bytes ? opts->memory_bytes : (size_t)TS_LIMIT_RULE_MEMORY_MB << 20;
    h->ms_per_person =
        opts && opts->ms_per_person ? opts->ms_per_person : TS_LIMIT_RULE_MS_PER_PERSON;
    h->ref_cos = LUA_NOREF;
    if (ts__regex_cache_new(TS_LIMIT_REGEX_CACHE, &h->rx) != TS_OK)
        return ts_err_set(err, TS_NOMEM, NULL, "cannot create the regex cache");
    h->L = lua_newstate(ts__rh_alloc, h);
    if (!h->L)
        return ts_err_set(err, TS_NOMEM, NULL, "cannot create a Lua state (memory cap %zu)",
                          h->mem_cap);
    lua_pushcfunction(h->L, rh_setup);
    int rc = lua_pcall(h->L, 0, 0, 0);
    if (rc != LUA_OK || h->trip.memory) {
        ts_status st =
            ts_err_set(err, TS_NOMEM, NULL, "cannot set up the rule sandbox: %s",
                       lua_type(h->L, -1) == LUA_TSTRING ? lua_tostring(h->L, -1) : "error");
        return st;
    }
    lua_settop(h->L, 0);
    /* Generational mode suits per-person garbage (see person.c for the measurement). */
    lua_gc(h->L, LUA_GCGEN, 0, 0);
    return TS_OK;
}

void ts__rh_state_close(ts_rulehost *h)
{
    if (h->L)
        lua_close(h->L);
    h->L = NULL;
    ts__regex_cache_free(h->rx);
    h->rx = NULL;
    free(h->idx);
    h->idx = NULL;
    free(h->n_resets);
    h->n_resets = NULL;
    free(h->rule_mutable);
    h->rule_mutable = NULL;
}

/* ---- loading -------------------------------------------------------------------- */

void ts__rh_problem(rh_load *ld, const char *where, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ld->problems == 0)
        ts_err_set(ld->err, TS_RULE, where, "%s", msg);
    ld->problems++;
    if (ld->on_problem)
        ld->on_problem(ld->ud, where, msg);
}

static const char *const rule_fields[] = {"id",    "pass",     "title", "list",
                                          "score", "feedback", "kind",  "when"};
enum { RF_ID, RF_PASS, RF_TITLE, RF_LIST, RF_SCORE, RF_FEEDBACK, RF_KIND, RF_WHEN, RF_N };

static bool rh_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > TS_LIMIT_ID)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-' || c == ':'))
            return false;
    }
    return true;
}

/* One rule{...} call being read: the stack index of each field (0 = absent), what has
 * been validated so far, and the place problems are reported at. */
typedef struct rh_def {
    int vidx[RF_N];
    ts_rule_info ri;
    const char *id; /* NULL when absent or invalid */
    size_t idlen;
    const char *where; /* "file:line" */
    bool ok;           /* no problem so far */
} rh_def;

static void rh_def_problem(rh_load *ld, rh_def *d, const char *msg)
{
    ts__rh_problem(ld, d->where, "%s", msg);
    d->ok = false;
}

/* The string value of field f, or NULL when it is not a string. */
static const char *rh_def_str(lua_State *L, const rh_def *d, int f, size_t *len)
{
    size_t n = 0;
    const char *s =
        lua_type(L, d->vidx[f]) == LUA_TSTRING ? lua_tolstring(L, d->vidx[f], &n) : NULL;
    if (len)
        *len = n;
    return s;
}

/* Unknown and missing fields; pushes every known field's value (vidx). */
static void rh_def_fields(lua_State *L, rh_load *ld, rh_def *d)
{
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        bool known = false;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (int i = 0; i < RF_N; i++)
                if (strcmp(lua_tostring(L, -2), rule_fields[i]) == 0)
                    known = true;
        if (!known) {
            ts__rh_problem(ld, d->where, "unknown field '%s' in rule{}", ts__rh_keyname(L, -2));
            d->ok = false;
        }
        lua_pop(L, 1);
    }
    for (int i = 0; i < RF_N; i++) {
        lua_pushstring(L, rule_fields[i]);
        d->vidx[i] = lua_rawget(L, 1) == LUA_TNIL ? 0 : lua_gettop(L);
    }
    static const char *const required[] = {"id", "pass", "title", "when"};
    static const int required_f[] = {RF_ID, RF_PASS, RF_TITLE, RF_WHEN};
    for (int i = 0; i < 4; i++)
        if (!d->vidx[required_f[i]]) {
            ts__rh_problem(ld, d->where, "missing field '%s' in rule{}", required[i]);
            d->ok = false;
        }
}

/* id, pass, title, list, score. */
static void rh_def_head(lua_State *L, rh_load *ld, rh_def *d)
{
    const char *sv;
    size_t len;
    if (d->vidx[RF_ID]) {
        if (!(sv = rh_def_str(L, d, RF_ID, &len))) {
            rh_def_problem(ld, d, "field 'id' must be a string");
        } else if (!rh_id_ok(sv, len)) {
            ts__rh_problem(
                ld, d->where,
                "field 'id' must be 1..%u characters of A-Z a-z 0-9 _ . - :", TS_LIMIT_ID);
            d->ok = false;
        } else {
            d->id = sv;
            d->idlen = len;
        }
    }
    if (d->vidx[RF_PASS] &&
        (!(sv = rh_def_str(L, d, RF_PASS, NULL)) || !ts_pass_parse(sv, &d->ri.pass)))
        rh_def_problem(ld, d, "field 'pass' must be \"full\", \"regional\" or \"targeted\"");
    if (d->vidx[RF_TITLE] && (!(sv = rh_def_str(L, d, RF_TITLE, &len)) || len == 0 ||
                              len > TS_LIMIT_RULE_TITLE || !ts_utf8_valid(sv, len, NULL))) {
        ts__rh_problem(ld, d->where, "field 'title' must be a non-empty string (<= %u bytes)",
                       TS_LIMIT_RULE_TITLE);
        d->ok = false;
    }
    if (d->vidx[RF_LIST] &&
        (!(sv = rh_def_str(L, d, RF_LIST, NULL)) || !ts_colour_parse(sv, &d->ri.list)))
        rh_def_problem(ld, d, "field 'list' must be \"red\", \"yellow\" or \"blue\"");
    if (d->vidx[RF_SCORE]) {
        int isnum = 0;
        lua_Integer sc = lua_tointegerx(L, d->vidx[RF_SCORE], &isnum);
        if (!isnum || lua_type(L, d->vidx[RF_SCORE]) != LUA_TNUMBER ||
            sc < -(lua_Integer)TS_LIMIT_RULE_SCORE || sc > (lua_Integer)TS_LIMIT_RULE_SCORE) {
            ts__rh_problem(ld, d->where, "field 'score' must be a whole number in -%u..%u",
                           TS_LIMIT_RULE_SCORE, TS_LIMIT_RULE_SCORE);
            d->ok = false;
        } else {
            d->ri.score = (int)sc;
        }
    }
}

/* feedback, kind, when. */
static void rh_def_tail(lua_State *L, rh_load *ld, rh_def *d)
{
    const char *sv;
    if (d->vidx[RF_FEEDBACK] &&
        (!(sv = rh_def_str(L, d, RF_FEEDBACK, NULL)) || !ts_feedback_parse(sv, &d->ri.feedback) ||
         d->ri.feedback == TS_FEEDBACK_NONE))
        rh_def_problem(ld, d, "field 'feedback' must be \"early\", \"detailed\" or \"quick\"");
    if (d->vidx[RF_KIND]) {
        sv = rh_def_str(L, d, RF_KIND, NULL);
        if (!sv || (strcmp(sv, "suspect") != 0 && strcmp(sv, "gap") != 0))
            rh_def_problem(ld, d, "field 'kind' must be \"suspect\" or \"gap\"");
        else if (d->vidx[RF_PASS] && d->ri.pass != TS_PASS_FULL)
            rh_def_problem(ld, d, "field 'kind' is only allowed on full-pass rules");
        else
            d->ri.kind = strcmp(sv, "gap") == 0 ? TS_RULE_GAP : TS_RULE_SUSPECT;
    }
    if (d->vidx[RF_WHEN] && lua_type(L, d->vidx[RF_WHEN]) != LUA_TFUNCTION)
        rh_def_problem(ld, d, "field 'when' must be a function(p, ctx)");
}

/* Validate mode: appends the rule to the pack and keeps its `when` (so that the
 * file-level variables are isolated and checked at load). */
static int rh_def_append(lua_State *L, ts_rulehost *h, rh_load *ld, rh_def *d)
{
    ts_rulepack *pack = ld->pack;
    if (d->id)
        for (size_t i = 0; i < pack->n_rules; i++)
            if (strcmp(pack->rules[i].id, d->id) == 0) {
                ts__rh_problem(ld, d->where, "duplicate rule id '%s' (first at %s:%d)", d->id,
                               pack->rules[i].file, pack->rules[i].line);
                d->ok = false;
                break;
            }
    if (!d->ok)
        return 0;
    if (pack->n_rules >= TS_LIMIT_RULES) {
        if (!ld->too_many)
            ts__rh_problem(ld, d->where, "more than %u rules in the pack", TS_LIMIT_RULES);
        ld->too_many = true;
        return 0;
    }
    ts_rule_info *dst = &pack->rules[pack->n_rules];
    *dst = d->ri;
    dst->id = ts_arena_strndup(&pack->arena, d->id, d->idlen);
    dst->title = ts_arena_strdup(&pack->arena, lua_tostring(L, d->vidx[RF_TITLE]));
    if (!dst->id || !dst->title)
        return luaL_error(L, "out of memory");
    pack->n_rules++;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_rules);
    lua_pushvalue(L, d->vidx[RF_WHEN]);
    lua_rawseti(L, -2, (lua_Integer)pack->n_rules);
    return 0;
}

/* Collect mode: the pack was validated; the same files must give the same rules. */
static int rh_def_collect(lua_State *L, ts_rulehost *h, rh_load *ld, const rh_def *d)
{
    const ts_rulepack *cp = ld->cpack;
    if (!d->ok)
        return 0;
    if (ld->collected >= cp->n_rules || strcmp(cp->rules[ld->collected].id, d->id) != 0) {
        ts__rh_problem(ld, d->where, "rule '%s' differs from the validated pack", d->id);
        return 0;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_rules);
    lua_pushvalue(L, d->vidx[RF_WHEN]);
    lua_rawseti(L, -2, (lua_Integer)ld->collected + 1);
    if (h->rule_mutable)
        h->rule_mutable[ld->collected] = ld->file_mutable;
    ld->collected++;
    return 0;
}

/* rule{...} while a file loads: validates, then appends (validate mode) or stores
 * `when` (collect mode). Upvalue 1: the rh_load. Problems do not raise: every rule of
 * every file is checked. */
static int rh_rule(lua_State *L)
{
    rh_load *ld = lua_touserdata(L, lua_upvalueindex(1));
    ts_rulehost *h = ts__rh_host(L);
    lua_Debug ar;
    int line = 0;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "l", &ar))
        line = ar.currentline;
    /* the place of a problem: the file's name in the pack is shorter than a path */
    char where[TS_LIMIT_PATH + 16];
    snprintf(where, sizeof where, "%s:%d", ld->file, line);
    if (lua_gettop(L) != 1 || !lua_istable(L, 1)) {
        ts__rh_problem(ld, where, "rule{...} expects one table");
        return 0;
    }
    lua_settop(L, 1);
    rh_def d = {.ri = {.line = line, .file = ld->file}, .where = where, .ok = true};
    rh_def_fields(L, ld, &d);
    rh_def_head(L, ld, &d);
    rh_def_tail(L, ld, &d);
    return ld->pack ? rh_def_append(L, h, ld, &d) : rh_def_collect(L, h, ld, &d);
}

typedef struct rh_dump {
    luaL_Buffer b;
    bool init;
} rh_dump;

static int rh_dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
    rh_dump *d = ud;
    if (!d->init) { /* as string.dump does: the buffer starts above the function */
        d->init = true;
        luaL_buffinit(L, &d->b);
    }
    luaL_addlstring(&d->b, p, n);
    return 0;
}

/* Whether the functions of the compiled file at idx can assign its file-level locals
 * (see upscan.c); true when the chunk cannot be read. */
static bool rh_file_mutable(lua_State *L, int idx)
{
    int top = lua_gettop(L);
    lua_pushvalue(L, idx);
    rh_dump d = {.init = false};
    bool mutable = true;
    if (lua_dump(L, rh_dump_writer, &d, 1) == 0 && d.init) {
        luaL_pushresult(&d.b);
        size_t len;
        const char *chunk = lua_tolstring(L, -1, &len);
        mutable = ts__rh_chunk_sets_upvalues(chunk, len);
    }
    lua_settop(L, top);
    return mutable;
}

/* Loads one file (protected). Args: rh_load, rh_file (light userdata). */
static int rh_load_one(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    rh_load *ld = lua_touserdata(L, 1);
    const rh_file *f = lua_touserdata(L, 2);
    lua_settop(L, 0);
    lua_pushfstring(L, "@%s", f->name);
    int st = luaL_loadbufferx(L, f->text, f->len, lua_tostring(L, 1), "t");
    if (st != LUA_OK) {
        /* "name:LINE: message" */
        const char *m = lua_tostring(L, -1);
        char where[256];
        snprintf(where, sizeof where, "%s", f->name);
        size_t nl = strlen(f->name);
        if (m && strncmp(m, f->name, nl) == 0 && m[nl] == ':') {
            int line = atoi(m + nl + 1);
            const char *rest = strchr(m + nl + 1, ':');
            snprintf(where, sizeof where, "%s:%d", f->name, line);
            m = rest ? rest + (rest[1] == ' ' ? 2 : 1) : m;
        }
        ts__rh_problem(ld, where, "%s", m ? m : "cannot load the file");
        return 0;
    }
    int chunk = lua_gettop(L);
    ld->file_mutable = rh_file_mutable(L, chunk);
    /* load-time environment: E = {} with __index = base + rule */
    lua_newtable(L);
    int E = lua_gettop(L);
    lua_newtable(L); /* mt */
    lua_newtable(L); /* base + rule */
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_base);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -5);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, ld);
    lua_pushcclosure(L, rh_rule, 1);
    lua_setfield(L, -2, "rule");
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, E);
    lua_pushvalue(L, E);
    if (!lua_setupvalue(L, chunk, 1))
        lua_pop(L, 1);
    lua_pushvalue(L, chunk);
    lua_call(L, 0, 0);
    /* freeze: D = base + the file's globals (tables frozen); _ENV = proxy(D) */
    lua_sethook(L, NULL, 0, 0);
    lua_newtable(L);
    int D = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_base);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, D);
    }
    lua_pop(L, 1);
    lua_newtable(L);
    int visited = lua_gettop(L);
    /* a problem in a global table is reported at the file's last line: the freeze
     * runs when the top level has finished */
    int lines = 1;
    for (size_t i = 0; i < f->len; i++)
        lines += f->text[i] == '\n';
    char fwhere[300];
    snprintf(fwhere, sizeof fwhere, "%s:%d", f->name, lines);
    lua_pushnil(L);
    while (lua_next(L, E)) {
        if (lua_type(L, -1) == LUA_TTABLE) {
            rh_freeze(L, lua_absindex(L, -1), visited, 0, fwhere);
            lua_remove(L, -2);
        }
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, D);
    }
    ts__rh_proxy_new(L, D, sizeof(rh_proxy), RH_MAGIC_ENV);
    /* A file that kept its load-time _ENV in a local sees an empty, read-only table. */
    lua_pushnil(L);
    while (lua_next(L, E)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, E);
    }
    lua_getmetatable(L, -1);
    lua_setmetatable(L, E);
    if (!lua_setupvalue(L, chunk, 1))
        lua_pop(L, 1);
    return 0;
}

/* File-level locals are upvalues of the rules' functions, and unlike globals Lua cannot
 * make them read-only. So that no state passes from one rule or person to the next
 * (and results never depend on which worker evaluated whom), every table reachable from
 * a rule's upvalues is frozen like the globals. An upvalue itself can only be changed
 * by an assignment inside a function (OP_SETUPVAL: rules have no debug library), so in
 * a file whose functions never assign one (upscan.c; the default pack) nothing more is
 * needed. In a file whose functions do, every upvalue a rule can reach — numbers,
 * strings, functions, tables (their frozen proxy), the file's _ENV — is recorded with
 * its load-time value and restored before each call of the rule. Functions reached
 * through upvalues or tables are walked too. */
typedef struct rh_iso {
    int seen, frozen, list; /* stack indexes: visited set, table -> proxy, reset list */
    bool record;            /* restore this rule's upvalues before each call */
    uint32_t n;             /* entries in the reset list */
} rh_iso;

static void rh_isolate(lua_State *L, int fn, rh_iso *is, int depth);

/* Marks v (at idx) as visited; false when it already was. */
static bool rh_visit(lua_State *L, int idx, int seen)
{
    lua_pushvalue(L, idx);
    if (lua_rawget(L, seen) != LUA_TNIL) {
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, seen);
    return true;
}

/* "file.lua:LINE" where the Lua function at fn is defined. */
static void rh_fn_where(lua_State *L, int fn, char *where, size_t cap)
{
    lua_Debug ar;
    lua_pushvalue(L, fn);
    if (lua_getinfo(L, ">S", &ar) && ar.source && ar.source[0] == '@')
        snprintf(where, cap, "%s:%d", ar.short_src, ar.linedefined);
    else
        snprintf(where, cap, "rules");
}

static void rh_isolate_value(lua_State *L, int v, rh_iso *is, int depth, const char *where);

/* Walks a table's keys, values and metatable (and, for a read-only proxy, its data
 * table) for functions to isolate. */
static void rh_isolate_table(lua_State *L, int t, rh_iso *is, int depth, const char *where)
{
    luaL_checkstack(L, 8, "isolating file-level variables");
    if (!rh_visit(L, t, is->seen))
        return;
    if (depth > (int)TS_LIMIT_RULE_TABLE_DEPTH)
        rh_too_deep(L, where, "table");
    lua_pushnil(L);
    while (lua_next(L, t)) {
        rh_isolate_value(L, lua_absindex(L, -2), is, depth + 1, where);
        rh_isolate_value(L, lua_absindex(L, -1), is, depth + 1, where);
        lua_pop(L, 1);
    }
    if (lua_getmetatable(L, t)) {
        rh_isolate_table(L, lua_absindex(L, -1), is, depth + 1, where);
        lua_pop(L, 1);
    }
}

static void rh_isolate_value(lua_State *L, int v, rh_iso *is, int depth, const char *where)
{
    int t = lua_type(L, v);
    if (t == LUA_TFUNCTION && !lua_iscfunction(L, v)) {
        rh_isolate(L, v, is, depth);
    } else if (t == LUA_TTABLE) {
        rh_isolate_table(L, v, is, depth, where);
    } else if (t == LUA_TUSERDATA) { /* a frozen table or a file's _ENV: its data */
        const rh_proxy *u = lua_touserdata(L, v);
        if (u && lua_rawlen(L, v) >= sizeof(rh_proxy) &&
            (u->magic == RH_MAGIC_RO || u->magic == RH_MAGIC_ENV)) {
            ts__rh_proxy_data(L, v);
            if (lua_istable(L, -1))
                rh_isolate_table(L, lua_absindex(L, -1), is, depth, where);
            lua_pop(L, 1);
        }
    } else if (t == LUA_TTHREAD) {
        /* a coroutine made at load time: check_co refuses to resume it */
    }
}

/* Appends (fn, upvalue i, the value on top) to the reset list. */
static void rh_record(lua_State *L, int fn, int i, rh_iso *is)
{
    int v = lua_gettop(L);
    lua_pushvalue(L, fn);
    lua_rawseti(L, is->list, (lua_Integer)is->n * 3 + 1);
    lua_pushinteger(L, i);
    lua_rawseti(L, is->list, (lua_Integer)is->n * 3 + 2);
    lua_pushvalue(L, v);
    lua_rawseti(L, is->list, (lua_Integer)is->n * 3 + 3);
    is->n++;
}

/* Isolates the upvalues of the Lua function at fn: tables frozen (walked first), the
 * functions they reach and the file's globals (through _ENV: global functions and
 * their upvalues) walked, every upvalue recorded for restoring when is->record. */
static void rh_isolate(lua_State *L, int fn, rh_iso *is, int depth)
{
    luaL_checkstack(L, 8, "isolating file-level variables");
    if (!rh_visit(L, fn, is->seen))
        return;
    char where[300];
    rh_fn_where(L, fn, where, sizeof where);
    if (depth > (int)TS_LIMIT_RULE_TABLE_DEPTH)
        rh_too_deep(L, where, "functions and tables");
    for (int i = 1;; i++) {
        const char *name = lua_getupvalue(L, fn, i);
        if (!name)
            break;
        int t = lua_type(L, -1);
        if (strcmp(name, "_ENV") == 0) {
            /* the file's read-only environment: walk its globals' functions */
            rh_isolate_value(L, lua_absindex(L, -1), is, depth + 1, where);
        } else if (t == LUA_TTABLE) {
            int orig = lua_absindex(L, -1);
            rh_isolate_table(L, orig, is, depth + 1, where);
            rh_freeze(L, orig, is->frozen, 0, where); /* pushes the frozen proxy */
            lua_pushvalue(L, -1);
            lua_setupvalue(L, fn, i); /* shared upvalue: every closure sees the proxy */
            lua_remove(L, -2);        /* the proxy is now the value on top */
        } else {
            rh_isolate_value(L, lua_absindex(L, -1), is, depth + 1, where);
        }
        if (is->record)
            rh_record(L, fn, i, is);
        lua_pop(L, 1);
    }
}

/* Protected: builds h->ref_resets and h->n_resets for every loaded rule. */
static int rh_isolate_all(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_rules);
    int rules = 1;
    lua_newtable(L);
    int resets = 2;
    lua_newtable(L);
    int frozen = 3;
    lua_Integer nr = (lua_Integer)lua_rawlen(L, rules);
    for (lua_Integer r = 1; r <= nr; r++) {
        if (lua_rawgeti(L, rules, r) != LUA_TFUNCTION) {
            lua_pop(L, 1);
            continue;
        }
        int fn = lua_gettop(L);
        lua_newtable(L);
        lua_newtable(L);
        rh_iso is = {.seen = fn + 1,
                     .frozen = frozen,
                     .list = fn + 2,
                     .record = !h->rule_mutable || h->rule_mutable[r - 1]};
        rh_isolate(L, fn, &is, 0);
        if (is.n) {
            lua_pushvalue(L, is.list);
            lua_rawseti(L, resets, r);
        }
        h->n_resets[r - 1] = is.n;
        lua_settop(L, 3);
    }
    lua_pushvalue(L, resets);
    h->ref_resets = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

void ts__rh_reset_upvalues(ts_rulehost *h, uint32_t rule)
{
    lua_State *L = h->L;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_resets);
    lua_rawgeti(L, -1, (lua_Integer)rule + 1);
    int list = lua_gettop(L);
    for (uint32_t k = 0; k < h->n_resets[rule]; k++) {
        lua_rawgeti(L, list, (lua_Integer)k * 3 + 1);
        lua_rawgeti(L, list, (lua_Integer)k * 3 + 2);
        int idx = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_rawgeti(L, list, (lua_Integer)k * 3 + 3);
        lua_setupvalue(L, -2, idx);
        lua_pop(L, 1);
    }
    lua_settop(L, top);
}

void ts__rh_load_files(ts_rulehost *h, const rh_file *files, size_t n, rh_load *ld)
{
    lua_State *L = h->L;
    lua_settop(L, 0);
    lua_pushcfunction(L, ts__rh_msgh_fn());
    int base = lua_gettop(L);
    free(h->rule_mutable);
    h->rule_mutable = NULL;
    if (ld->cpack) { /* collect mode: note which rules' files assign upvalues */
        h->rule_mutable = calloc(ld->cpack->n_rules ? ld->cpack->n_rules : 1, sizeof(bool));
        if (!h->rule_mutable)
            ts__rh_problem(ld, "rules", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        ld->file = files[i].name;
        h->err_set = false;
        lua_pushcfunction(L, rh_load_one);
        lua_pushlightuserdata(L, ld);
        lua_pushlightuserdata(L, (void *)&files[i]);
        ts__rh_arm(h);
        int rc = lua_pcall(L, 2, 0, 1);
        lua_sethook(L, NULL, 0, 0);
        const char *where = h->err_set && h->err_where[0] ? h->err_where : files[i].name;
        if (h->trip.budget)
            ts__rh_problem(ld, where, "instruction budget exceeded while loading the file");
        else if (h->trip.memory)
            ts__rh_problem(ld, where, "memory limit exceeded while loading the file");
        else if (rc != LUA_OK)
            ts__rh_problem(ld, where, "%s", h->err_set ? h->err_msg : "error while loading");
        ts__rh_recover(h, base);
    }
    /* isolate file-level locals (see rh_isolate) */
    size_t nrules;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_rules);
    nrules = (size_t)lua_rawlen(L, -1);
    lua_pop(L, 1);
    free(h->n_resets);
    h->n_resets = calloc(nrules ? nrules : 1, sizeof *h->n_resets);
    if (!h->n_resets) {
        ts__rh_problem(ld, "rules", "out of memory");
    } else {
        h->err_set = false;
        lua_pushcfunction(L, rh_isolate_all);
        if (lua_pcall(L, 0, 0, base) != LUA_OK) {
            if (h->err_set && h->err_keep)
                ts__rh_problem(ld, h->err_where, "%s", h->err_msg);
            else
                ts__rh_problem(ld, "rules", "out of memory isolating file-level variables");
        }
        h->err_keep = false;
    }
    lua_settop(L, 0);
}
