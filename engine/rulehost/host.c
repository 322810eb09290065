/* rulehost/host.c — a rule host: one sandboxed Lua state per thread with the pack's
 * rules compiled, and the evaluation of one person. Uses sandbox.c and person.c.
 *
 * Evaluation shape (measured, see person.c): one lua_pcall per person runs a C driver
 * that calls every rule of the pass in turn with lua_call; the count hook is re-armed
 * before each rule (lua_sethook only stores the count; re-arming costs ~10 ns, and keeps
 * the budget exact per rule). When a rule raises, the pcall returns, the error is
 * recorded against that rule from the host's own flags (budget, memory) or the message
 * handler's record, the state is recovered and the driver is re-entered at the next
 * rule. So the common case pays one setjmp per person, not one per rule. */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "rulehost/person.h"
#include "rulehost/sandbox.h"
#include "rulehost/vm.h"
#include "triscreen/config.h"

ts_status ts_rulehost_new(const ts_rulepack *pack, ts_rulehost **out, ts_err *err)
{
    ts_rulehost *h = calloc(1, sizeof *h);
    if (!h)
        return ts_err_set(err, TS_NOMEM, NULL, "out of memory");
    h->pack = pack;
    ts_status rc = ts__rh_state_open(h, &pack->opts, err);
    if (rc != TS_OK)
        goto fail;
    rh_load ld = {.cpack = pack, .err = err};
    ts__rh_load_files(h, pack->files, pack->n_files, &ld);
    if (ld.problems || ld.collected != pack->n_rules) {
        if (!ld.problems)
            ts_err_set(err, TS_RULE, pack->dir, "the pack's files no longer give its rules");
        rc = TS_RULE;
        goto fail;
    }
    lua_gc(h->L, LUA_GCCOLLECT, 0);
    *out = h;
    return TS_OK;
fail:
    ts_rulehost_free(h);
    return rc;
}

void ts_rulehost_free(ts_rulehost *h)
{
    if (!h)
        return;
    ts__rh_state_close(h);
    free(h);
}

/* One evaluation, shared between the driver and ts_rulehost_eval. */
typedef struct rh_run {
    const ts_eval_ctx *ctx;
    const ts_subject *s;
    const uint32_t *list;
    size_t n, next;
    bool bound;
    ts_arena *arena;
    ts_eval_result *out;
    bool nomem;
} rh_run;

static bool record_fired(rh_run *r, lua_State *L, uint32_t rule, int ev)
{
    const char *text = "";
    size_t len = 0;
    switch (lua_type(L, ev)) {
    case LUA_TSTRING:
    case LUA_TNUMBER: /* tostring rules; converts a copy on our own stack slot */
        text = lua_tolstring(L, ev, &len);
        break;
    case LUA_TBOOLEAN:
        text = lua_toboolean(L, ev) ? "true" : "false";
        len = strlen(text);
        break;
    default: /* nil, tables (even self-referencing), functions: no evidence */
        break;
    }
    len = ts__rh_utf8_cut(text, len, TS_LIMIT_RULE_EVIDENCE);
    char *copy = len ? ts_arena_strndup(r->arena, text, len) : "";
    if (!copy)
        return false;
    ts_fired *f = &r->out->fired[r->out->n_fired++];
    f->rule = rule;
    f->evidence = copy;
    return true;
}

/* Protected: binds the person once, then runs rules from r->next. Args: host, run. */
static int rh_driver(lua_State *L)
{
    ts_rulehost *h = lua_touserdata(L, 1);
    rh_run *r = lua_touserdata(L, 2);
    lua_settop(L, 0);
    if (!r->bound) {
        ts__rh_person_bind(L, h, r->ctx, r->s);
        r->bound = true;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_rules); /* 1 */
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_p);     /* 2 */
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref_ctx);   /* 3 */
    for (; r->next < r->n; r->next++) {
        uint32_t rule = r->list[r->next];
        if (h->n_resets && h->n_resets[rule])
            ts__rh_reset_upvalues(h, rule);
        lua_rawgeti(L, 1, (lua_Integer)rule + 1);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, 3);
        ts__rh_arm(h);
        lua_call(L, 2, 2);
        if (ts__rh_tripped(h)) /* the rule returned anyway: still an error */
            return luaL_error(L, "limit exceeded");
        if (lua_toboolean(L, 4) && !record_fired(r, L, rule, 5)) {
            r->nomem = true;
            return 0;
        }
        lua_settop(L, 3);
    }
    h->armed = false;
    return 0;
}

ts_status ts_rulehost_eval(ts_rulehost *h, const ts_eval_ctx *ctx, const ts_subject *s,
                           ts_arena *arena, ts_eval_result *out, ts_err *err)
{
    const ts_rulepack *pack = h->pack;
    if ((unsigned)ctx->pass > 2 || !s || !s->person)
        return ts_err_set(err, TS_USAGE, NULL, "bad evaluation arguments");
    rh_run r = {.ctx = ctx,
                .s = s,
                .list = pack->by_pass[ctx->pass],
                .n = pack->n_pass[ctx->pass],
                .arena = arena};
    ts_eval_result res = {0};
    size_t cap = r.n ? r.n : 1;
    res.fired = ts_arena_alloc(arena, cap * sizeof *res.fired);
    res.errors = ts_arena_alloc(arena, cap * sizeof *res.errors);
    if (!res.fired || !res.errors)
        return ts_err_set(err, TS_NOMEM, NULL, "evaluation arena exhausted");
    r.out = &res;
    lua_State *L = h->L;
    lua_settop(L, 0);
    lua_pushcfunction(L, ts__rh_msgh_fn());
    ts__rh_start_deadline(h);
    while (r.next < r.n || !r.bound) {
        h->err_set = false;
        lua_pushcfunction(L, rh_driver);
        lua_pushlightuserdata(L, h);
        lua_pushlightuserdata(L, &r);
        int rc = lua_pcall(L, 2, 0, 1);
        if (r.nomem) {
            ts__rh_recover(h, 1);
            h->deadline_ns = 0;
            lua_settop(L, 0);
            return ts_err_set(err, TS_NOMEM, NULL, "evaluation arena exhausted");
        }
        bool failed = rc != LUA_OK || ts__rh_tripped(h);
        if (!failed)
            break;
        if (!r.bound) { /* binding the person ran out of memory */
            ts__rh_recover(h, 1);
            h->deadline_ns = 0;
            lua_settop(L, 0);
            return ts_err_set(err, TS_NOMEM, NULL, "rule state out of memory binding %s",
                              s->person->id);
        }
        uint32_t rule = r.list[r.next];
        const ts_rule_info *ri = &pack->rules[rule];
        ts_rule_error *e = &res.errors[res.n_errors++];
        e->rule = rule;
        const char *where = h->err_set && h->err_where[0] ? h->err_where : NULL;
        char fallback[300];
        if (!where) {
            snprintf(fallback, sizeof fallback, "%s:%d", ri->file, ri->line);
            where = fallback;
        }
        bool stop = false;
        if (h->trip.deadline) { /* the person's evaluation is over: no further rule runs */
            e->code = TS_LIMIT;
            e->msg = ts_arena_printf(arena, "time limit exceeded (ms_per_person %u ms)",
                                     h->ms_per_person);
            stop = true;
        } else if (h->trip.budget) {
            e->code = TS_BUDGET;
            e->msg =
                ts_arena_printf(arena, "instruction budget exceeded (%d instructions)", h->budget);
        } else if (h->trip.memory || rc == LUA_ERRMEM) {
            e->code = TS_LIMIT;
            e->msg = ts_arena_printf(arena, "memory limit exceeded (%zu bytes)", h->mem_cap);
        } else if (h->trip.limit) {
            e->code = TS_LIMIT;
            e->msg = ts_arena_strdup(arena, h->err_set ? h->err_msg : "limit exceeded");
        } else {
            e->code = TS_RULE;
            e->msg = ts_arena_strdup(arena, h->err_set ? h->err_msg : "error in error handling");
        }
        e->where = ts_arena_strdup(arena, where);
        if (!e->msg || !e->where) {
            ts__rh_recover(h, 1);
            h->deadline_ns = 0;
            lua_settop(L, 0);
            return ts_err_set(err, TS_NOMEM, NULL, "evaluation arena exhausted");
        }
        ts__rh_recover(h, 1);
        r.next++;
        if (stop)
            break;
    }
    h->deadline_ns = 0;
    h->armed = false;
    lua_settop(L, 0);
    *out = res;
    return TS_OK;
}

static bool config_hides(void *ud, const char *name, size_t len)
{
    return ts_attr_name_protected(ud, name, len);
}

ts_rulehost_opts ts_rulehost_opts_for(const ts_config *cfg)
{
    ts_rulehost_opts o = {0}; /* 0 = the defaults of base/limits.h, as the config's */
    if (cfg) {
        o.instructions = cfg->instructions;
        o.memory_bytes = (size_t)cfg->memory_mb << 20;
        o.ms_per_person = cfg->ms_per_person;
    }
    o.attr_hidden = config_hides;
    o.attr_hidden_ud = (void *)cfg;
    return o;
}
