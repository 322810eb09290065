/* app/app.c — the app tier (triscreen/app.h): opens config → grid → rule pack → scope →
 * store → feedback router once, in one order, and resolves `now` once. Uses config,
 * grid, rulehost, store and feedback through their public headers; prints nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "triscreen/app.h"
#include "triscreen/date.h"
#include "triscreen/rules_version.h"

struct ts_app {
    ts_app_gen gen; /* config, and grid and pack when asked for */
    const ts_cell *scope;
    ts_store *store;
    ts_feedback_ctx *fb;
    int32_t now;
    char now_text[11];
};

ts_status ts_app_resolve_now(const char *flag, const ts_config *cfg, int32_t *out, ts_err *err)
{
    int32_t day;
    if (flag) {
        if (!ts_date_parse(flag, strlen(flag), &day))
            return ts_err_set(err, TS_USAGE, "--now", "'%.64s' is not a date (YYYY-MM-DD)", flag);
    } else if (cfg && cfg->now[0]) {
        if (!ts_date_parse(cfg->now, strlen(cfg->now), &day))
            return ts_err_set(err, TS_CONFIG, cfg->path, "now: expected a date YYYY-MM-DD, got %s",
                              cfg->now);
    } else {
        day = ts_date_today();
    }
    *out = day;
    return TS_OK;
}

void ts_app_gen_release(ts_app_gen *g)
{
    if (!g)
        return;
    ts_rulepack_free(g->pack);
    ts_grid_free(g->grid);
    ts_config_free(g->cfg);
    memset(g, 0, sizeof *g);
}

ts_status ts_app_load_pack(const ts_config *cfg, ts_problem_fn on_problem, void *problem_ud,
                           ts_rulepack **out, ts_err *err)
{
    /* the options borrow the config, which outlives the pack */
    ts_rulehost_opts ro = ts_rulehost_opts_for(cfg);
    ts_arena ar;
    ts_arena_init(&ar, TS_LIMIT_ARENA_PACK);
    char hash[TS_RULES_HASH_MAX];
    ts_rule_file *files = NULL;
    size_t n = 0;
    ts_status rc = ts_store_rules_active_files(cfg->database, &ar, hash, &files, &n, err);
    if (rc == TS_OK) {
        char label[TS_RULES_HASH_MAX + 40];
        snprintf(label, sizeof label, "rules version %s", hash);
        rc = ts_rulepack_load_files(label, files, n, &ro, on_problem, problem_ud, out, err);
    } else if (rc == TS_NOTFOUND) { /* no version stored: the config's folder, as before */
        rc = ts_rulepack_load(cfg->rules, &ro, on_problem, problem_ud, out, err);
    }
    ts_arena_release(&ar);
    return rc;
}

/* Loads the config, then the grid and the pack when asked for, into g (cleared first).
 * On failure g holds what was loaded: the caller releases it. */
static ts_status load_core(const char *config_path, unsigned parts, unsigned pack_passes,
                           ts_problem_fn on_problem, void *problem_ud, ts_app_gen *g, ts_err *err)
{
    memset(g, 0, sizeof *g);
    ts_status rc = ts_config_load(ts_config_pick_path(config_path), &g->cfg, err);
    if (rc == TS_OK && (parts & TS_APP_GRID))
        rc = ts_grid_load(g->cfg->grid, &g->grid, err);
    if (rc == TS_OK && (parts & TS_APP_PACK)) {
        rc = ts_app_load_pack(g->cfg, on_problem, problem_ud, &g->pack, err);
        /* checked before any list is touched: a pass run without rules would delist */
        if (rc == TS_OK && pack_passes)
            rc = ts_rulepack_check_passes(g->pack, pack_passes, err);
    }
    return rc;
}

ts_status ts_app_gen_load(const char *config_path, ts_app_gen *out, ts_err *err)
{
    ts_app_gen g;
    ts_status rc =
        load_core(config_path, TS_APP_GRID | TS_APP_PACK, TS_PASS_ALL, NULL, NULL, &g, err);
    if (rc != TS_OK) {
        ts_app_gen_release(&g);
        return rc;
    }
    *out = g;
    return TS_OK;
}

/* The parts after the config, grid and pack: now, scope, store, router. */
static ts_status open_rest(const ts_app_opts *o, unsigned parts, ts_app *app, ts_err *err)
{
    ts_status rc = ts_app_resolve_now(o->now, app->gen.cfg, &app->now, err);
    if (rc != TS_OK)
        return rc;
    ts_date_format(app->now, app->now_text);
    if (o->scope && (rc = ts_grid_scope(app->gen.grid, o->scope, &app->scope, err)) != TS_OK) {
        if (rc == TS_NOTFOUND) { /* a cell the user typed: a usage error, like a bad flag */
            if (err)
                err->code = TS_USAGE;
            rc = TS_USAGE;
        }
        return rc;
    }
    if (parts & (TS_APP_STORE_READ | TS_APP_STORE_WRITE)) {
        ts_store_mode mode = parts & TS_APP_STORE_WRITE ? TS_STORE_READWRITE : TS_STORE_READONLY;
        if ((rc = ts_store_open(app->gen.cfg->database, mode, &app->store, err)) != TS_OK)
            return rc;
    }
    if (parts & TS_APP_FEEDBACK) {
        const char *version = app->gen.pack ? ts_rulepack_hash(app->gen.pack) : NULL;
        rc = ts_feedback_open(app->gen.cfg, app->gen.grid, version, &app->fb, err);
    }
    return rc;
}

ts_status ts_app_open(const ts_app_opts *o, ts_app **out, ts_err *err)
{
    int32_t day;
    /* a mistyped --now is reported before anything is read */
    if (o->now && ts_app_resolve_now(o->now, NULL, &day, err) != TS_OK)
        return TS_USAGE;
    unsigned parts = o->parts;
    if (parts & TS_APP_FEEDBACK || o->scope)
        parts |= TS_APP_GRID;
    ts_app *app = calloc(1, sizeof *app);
    if (!app)
        return ts_err_set(err, TS_NOMEM, NULL, "out of memory (app)");
    ts_status rc = load_core(o->config_path, parts, o->pack_passes, o->on_problem, o->problem_ud,
                             &app->gen, err);
    if (rc == TS_OK)
        rc = open_rest(o, parts, app, err);
    if (rc != TS_OK) {
        ts_app_close(app);
        return rc;
    }
    *out = app;
    return TS_OK;
}

void ts_app_close(ts_app *app)
{
    if (!app)
        return;
    ts_feedback_close(app->fb);
    ts_store_close(app->store);
    ts_app_gen_release(&app->gen);
    free(app);
}

const ts_config *ts_app_config(const ts_app *app)
{
    return app->gen.cfg;
}

const ts_grid *ts_app_grid(const ts_app *app)
{
    return app->gen.grid;
}

const ts_rulepack *ts_app_pack(const ts_app *app)
{
    return app->gen.pack;
}

ts_store *ts_app_store(ts_app *app)
{
    return app->store;
}

ts_feedback_ctx *ts_app_feedback(ts_app *app)
{
    return app->fb;
}

const ts_cell *ts_app_scope(const ts_app *app)
{
    return app->scope;
}

int32_t ts_app_now(const ts_app *app)
{
    return app->now;
}

const char *ts_app_now_text(const ts_app *app)
{
    return app->now_text;
}
