/* triscreen/app.h — the app tier: everything a command needs, opened once. One ts_app
 * holds the validated config and, as the caller asks, the grid (with a resolved scope),
 * the rule pack, the store (read-only or read-write), the feedback router, and the
 * clock: the day `now`, resolved once from --now, the config's `now:`, or today.
 *
 * Every CLI command is: parse flags → ts_app_open → call the library → render →
 * ts_app_close. The service loads each generation's config, grid and pack with
 * ts_app_gen_load, so a command and the service validate them the same way.
 *
 * Invariants:
 *  - The parts are opened in one order: --now, config, grid, rule pack (and its pass
 *    check), scope, store, feedback router. The first failure stops the open, frees
 *    what was opened and is the one error reported.
 *  - Statuses say what the user must fix: TS_CONFIG for any problem of the config file
 *    or the grid file (err names file:line: field), TS_USAGE for a bad --now or an
 *    unknown scope; the pack's (TS_RULE, TS_IO), the store's and the router's statuses
 *    pass through; TS_NOMEM only on exhaustion.
 *  - A ts_app is used by one thread at a time (the store connection is one handle); the
 *    config, grid and pack it holds are immutable and may be shared while it is open. */
#ifndef TRISCREEN_APP_H
#define TRISCREEN_APP_H

#include <stdint.h>

#include "triscreen/config.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

/* The parts to open besides the config (always opened), as bits of ts_app_opts.parts. */
enum {
    TS_APP_GRID = 1u << 0,        /* the grid file of the config */
    TS_APP_PACK = 1u << 1,        /* the rule pack of the config (its `rules` folder) */
    TS_APP_STORE_READ = 1u << 2,  /* the database, read-only: it must exist */
    TS_APP_STORE_WRITE = 1u << 3, /* the database, read-write: created or migrated */
    TS_APP_FEEDBACK = 1u << 4,    /* the feedback router (implies TS_APP_GRID) */
};

typedef struct ts_app_opts {
    const char *config_path; /* -c; NULL = $TRISCREEN_CONFIG, else ./triscreen.yaml */
    unsigned parts;          /* TS_APP_* bits */
    const char *now;         /* --now "YYYY-MM-DD"; NULL = the config's now:, else today */
    const char *scope;       /* --scope cell code; NULL = all (a scope implies TS_APP_GRID) */
    /* TS_APP_PACK: passes the pack must have a rule for (TS_PASS_BIT mask, 0 = no check;
     * ts_rulepack_check_passes), and where each loading problem goes (may be NULL). */
    unsigned pack_passes;
    ts_problem_fn on_problem;
    void *problem_ud;
} ts_app_opts;

typedef struct ts_app ts_app;

/* Opens what opts asks for (see the invariants for the order and the statuses). On
 * success *out is the caller's until ts_app_close; on failure *out is untouched and
 * nothing stays open. opts and the strings in it are borrowed for the call only. Reads
 * $TRISCREEN_CONFIG when config_path is NULL (ts_config_pick_path). */
ts_status ts_app_open(const ts_app_opts *opts, ts_app **out, ts_err *err) TS_MUST_CHECK;
/* The config's rule pack: the active version stored in its database (schema 7,
 * triscreen/rules_version.h) when there is one, else the config's `rules` folder. */
ts_status ts_app_load_pack(const ts_config *cfg, ts_problem_fn on_problem, void *problem_ud,
                           ts_rulepack **out, ts_err *err) TS_MUST_CHECK;

/* Closes the router and the store, frees the pack, grid and config. Accepts NULL. */
void ts_app_close(ts_app *app);

/* The parts; NULL for a part that was not asked for. Valid until ts_app_close. */
const ts_config *ts_app_config(const ts_app *app);
const ts_grid *ts_app_grid(const ts_app *app);
const ts_rulepack *ts_app_pack(const ts_app *app);
ts_store *ts_app_store(ts_app *app);
ts_feedback_ctx *ts_app_feedback(ts_app *app);
/* The resolved scope cell; NULL = all (no scope was given). */
const ts_cell *ts_app_scope(const ts_app *app);
/* The day `now` (days since the epoch) and the same as "YYYY-MM-DD". */
int32_t ts_app_now(const ts_app *app);
const char *ts_app_now_text(const ts_app *app);

/* The one resolution of `now`: flag (--now) when non-NULL, else cfg->now when set, else
 * today (UTC). cfg may be NULL. A flag that is not a date YYYY-MM-DD is TS_USAGE with
 * err "--now: 'X' is not a date (YYYY-MM-DD)"; a config `now:` that is not one (a
 * loaded config never has such) is TS_CONFIG naming the config file. Thread-safe. */
ts_status ts_app_resolve_now(const char *flag, const ts_config *cfg, int32_t *out,
                             ts_err *err) TS_MUST_CHECK;

/* ---- one service generation ----------------------------------------------------------- */

/* What one generation of the service is built from. */
typedef struct ts_app_gen {
    ts_config *cfg;
    ts_grid *grid;
    ts_rulepack *pack;
} ts_app_gen;

/* Loads config_path, its grid and its rule pack (loading problems are not reported one
 * by one: the first is in err) and checks that the pack has a rule for every pass (a
 * service runs them all). On success fills *out, which the caller owns (take the
 * pointers, or ts_app_gen_release); on failure *out is untouched. Statuses as
 * ts_app_open. Thread-safe (reloads call it on their own thread). */
ts_status ts_app_gen_load(const char *config_path, ts_app_gen *out, ts_err *err) TS_MUST_CHECK;
/* Frees the three parts and clears g. Accepts NULL and a cleared g. */
void ts_app_gen_release(ts_app_gen *g);

#endif
