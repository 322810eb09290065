/* rulehost/vm.c — the plumbing of a sandboxed Lua state that every other file of the
 * rule host builds on: the capped allocator, the sticky instruction hook and the
 * person's deadline, charges of C work to the running rule's budget, the message
 * handler, and read-only proxies. See sandbox.c for the shape of the sandbox.
 * Uses lua/lauxlib, base/limits.h, base/text.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "base/text.h"
#include "rulehost/vm.h"

/* ---- allocator and hook --------------------------------------------------------- */

static void rh_hook(lua_State *L, lua_Debug *ar);

void *ts__rh_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    ts_rulehost *h = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        h->mem_used -= old;
        return NULL;
    }
    if (nsize > old) {
        size_t grow = nsize - old;
        size_t paid = h->prepaid < grow ? h->prepaid : grow;
        h->prepaid -= paid;
        if (h->armed && (h->alloc_since += grow - paid) >= RH_ALLOC_CHECK) {
            /* growth is work done in C too: charged to the budget, and the clock read */
            uint64_t units = h->alloc_since / TS_LIMIT_RULE_BYTES_PER_INSTR;
            h->alloc_since = 0;
            if ((int64_t)units > h->left)
                h->trip.budget = true;
            else
                h->left -= (int64_t)units;
            if (ts__rh_tripped(h) || ts__rh_past_deadline(h)) {
                if (h->L)
                    lua_sethook(h->L, rh_hook, LUA_MASKCOUNT, 1);
            }
        }
        if (h->trip.memory || grow > h->mem_cap - h->mem_used) {
            if (!h->trip.memory) {
                h->trip.memory = true;
                /* lua_sethook is safe at any point (it only sets fields). */
                if (h->L)
                    lua_sethook(h->L, rh_hook, LUA_MASKCOUNT, 1);
            }
            return NULL;
        }
    }
    void *np = realloc(ptr, nsize);
    if (!np)
        return NULL;
    h->mem_used = h->mem_used - old + nsize;
    if (h->mem_used > h->mem_peak)
        h->mem_peak = h->mem_used;
    return np;
}

ts_rulehost *ts__rh_host(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* The coarse monotonic clock: a few ns a read (vDSO, no syscall), a resolution of a few
 * ms — enough for a deadline of ms_per_person (read twice per person and pass at least). */
static uint64_t mono_ns(void)
{
    struct timespec ts;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
#else
    clock_gettime(CLOCK_MONOTONIC, &ts);
#endif
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void ts__rh_start_deadline(ts_rulehost *h)
{
    h->deadline_ns = h->ms_per_person ? mono_ns() + (uint64_t)h->ms_per_person * 1000000u : 0;
}

bool ts__rh_past_deadline(ts_rulehost *h)
{
    if (!h->deadline_ns || h->trip.deadline)
        return h->trip.deadline;
    if (mono_ns() > h->deadline_ns)
        h->trip.deadline = true;
    return h->trip.deadline;
}

static const char *trip_text(const ts_rulehost *h)
{
    if (h->trip.deadline)
        return "time limit exceeded";
    if (h->trip.memory)
        return "memory limit exceeded";
    if (h->trip.limit)
        return "limit exceeded";
    return "instruction budget exceeded";
}

/* The count hook. On the main thread it fires every RH_HOOK_CHUNK instructions (or
 * what is left of the budget), reads the clock and re-arms; in a coroutine every
 * RH_CO_CHUNK, charging the same budget. Once a limit has tripped it re-arms itself at
 * count 1 and raises, so every later instruction raises again. */
static void rh_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    ts_rulehost *h = ts__rh_host(L);
    if (!ts__rh_tripped(h)) {
        if (L != h->L) {
            if (h->left >= RH_CO_CHUNK) {
                h->left -= RH_CO_CHUNK;
                if (!ts__rh_past_deadline(h))
                    return;
            } else {
                h->trip.budget = true;
            }
        } else if (h->left > 0) {
            int n = h->left < RH_HOOK_CHUNK ? (int)h->left : RH_HOOK_CHUNK;
            h->left -= n;
            if (!ts__rh_past_deadline(h)) {
                lua_sethook(L, rh_hook, LUA_MASKCOUNT, n);
                return;
            }
        } else {
            h->trip.budget = true;
        }
    }
    lua_sethook(L, rh_hook, LUA_MASKCOUNT, 1);
    if (L != h->L)
        lua_sethook(h->L, rh_hook, LUA_MASKCOUNT, 1);
    lua_pushstring(L, trip_text(h));
    lua_error(L);
}

void ts__rh_hook_coroutine(lua_State *co)
{
    lua_sethook(co, rh_hook, LUA_MASKCOUNT, RH_CO_CHUNK);
}

void ts__rh_arm(ts_rulehost *h)
{
    h->left = h->budget;
    int n = h->left < RH_HOOK_CHUNK ? (int)h->left : RH_HOOK_CHUNK;
    h->left -= n;
    h->armed = true;
    h->alloc_since = 0;
    h->prepaid = 0;
    lua_sethook(h->L, rh_hook, LUA_MASKCOUNT, n > 0 ? n : 1);
}

void ts__rh_charge(lua_State *L, ts_rulehost *h, uint64_t units)
{
    if (ts__rh_tripped(h))
        ts__rh_trip_raise(L, h, 0, NULL);
    if (!h->armed)
        return;
    if (units > (uint64_t)(h->left > 0 ? h->left : 0)) {
        char msg[128];
        snprintf(msg, sizeof msg, "instruction budget exceeded (a library call needs %llu)",
                 (unsigned long long)units);
        ts__rh_trip_raise(L, h, 'b', msg);
    }
    h->left -= (int64_t)units;
    if (units >= 4096 && ts__rh_past_deadline(h))
        ts__rh_trip_raise(L, h, 0, NULL);
}

int ts__rh_trip_raise(lua_State *L, ts_rulehost *h, char kind, const char *msg)
{
    switch (kind) {
    case 'b':
        h->trip.budget = true;
        break;
    case 'm':
        h->trip.memory = true;
        break;
    case 'l':
        h->trip.limit = true;
        break;
    case 'd':
        h->trip.deadline = true;
        break;
    default:
        break;
    }
    lua_sethook(L, rh_hook, LUA_MASKCOUNT, 1);
    if (L != h->L)
        lua_sethook(h->L, rh_hook, LUA_MASKCOUNT, 1);
    lua_pushstring(L, msg ? msg : trip_text(h));
    return lua_error(L);
}

void ts__rh_recover(ts_rulehost *h, int top)
{
    bool mem = h->trip.memory;
    h->trip.budget = false;
    h->trip.memory = false;
    h->trip.limit = false;
    h->trip.deadline = false;
    h->armed = false;
    h->err_keep = false;
    lua_settop(h->L, top);
    /* Outside any budget: no Lua code runs in a collection (no __gc is allowed). */
    if (mem)
        lua_gc(h->L, LUA_GCCOLLECT, 0);
    else
        lua_gc(h->L, LUA_GCSTEP, 0);
}

/* ---- message handler ------------------------------------------------------------ */

static void rh_locate(lua_State *L, char *where, size_t cap)
{
    lua_Debug ar;
    where[0] = '\0';
    for (int level = 1; level < 64 && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar))
            continue;
        if (ar.currentline > 0 && ar.source && ar.source[0] == '@') {
            snprintf(where, cap, "%s:%d", ar.short_src, ar.currentline);
            return;
        }
    }
}

/* Records where and what in the host (C buffers: never allocates) and returns the
 * error object unchanged. */
static int rh_msgh(lua_State *L)
{
    ts_rulehost *h = ts__rh_host(L);
    if (h->err_keep) /* a limit was recorded where it tripped: keep it */
        return 1;
    rh_locate(L, h->err_where, sizeof h->err_where);
    const char *msg = NULL;
    if (lua_type(L, 1) == LUA_TSTRING)
        msg = lua_tostring(L, 1);
    if (msg) {
        size_t wl = strlen(h->err_where);
        /* Drop a leading "file.lua:LINE: " that repeats where. */
        if (wl && strncmp(msg, h->err_where, wl) == 0 && msg[wl] == ':' && msg[wl + 1] == ' ')
            msg += wl + 2;
        snprintf(h->err_msg, sizeof h->err_msg, "%s", msg);
    } else {
        snprintf(h->err_msg, sizeof h->err_msg, "(error object is a %s value)",
                 luaL_typename(L, 1));
    }
    size_t n = ts__rh_utf8_cut(h->err_msg, strlen(h->err_msg), sizeof h->err_msg - 1);
    h->err_msg[n] = '\0';
    h->err_set = true;
    if (ts__rh_tripped(h))
        h->err_keep = true;
    return 1;
}

lua_CFunction ts__rh_msgh_fn(void)
{
    return rh_msgh;
}

size_t ts__rh_utf8_cut(const char *s, size_t len, size_t cap)
{
    size_t n = len < cap ? len : cap;
    size_t bad = 0;
    if (!ts_utf8_valid(s, n, &bad))
        n = bad;
    return n;
}
