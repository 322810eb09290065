/* cli/cmd_diff.c — `triscreen diff --rules DIR`: what deploying DIR would change, person
 * by person. The last screening (triscreen/rewind.h) is re-run over exactly its inputs:
 * two private copies of the database are turned back to the moment it began, then the
 * pack that screening ran with judges one copy and DIR the other, same passes, scope and
 * now. Each side's judgements are collected per person (triscreen/judged.h) and printed
 * as text, JSON Lines or one HTML page (render/impact.c). Without a screening to replay
 * (none yet, or --now given) both sides judge the current inputs at now. The real
 * database is only read; the copies (0700 directory, 0600 files) are removed before the
 * command returns. */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"
#include "triscreen/app.h"
#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/decide.h"
#include "triscreen/grid.h"
#include "triscreen/judged.h"
#include "triscreen/rewind.h"
#include "triscreen/rulehost.h"
#include "triscreen/rules_version.h"
#include "triscreen/screen.h"
#include "triscreen/store.h"
#include "cli/cli.h"
#include "render/render_impact.h"

static void on_problem(void *ud, const char *where, const char *msg)
{
    (void)ud;
    fprintf(stderr, "triscreen: %s: %s\n", where, msg);
}

typedef struct diff_args {
    const char *cfg_path, *rules, *scope, *now_arg;
    ts_impact_format fmt;
    long fail_on_move; /* --fail-on-move N: exit 1 when more than N persons move; -1 off */
} diff_args;

#define DIFF_USAGE                                                                                 \
    "usage: triscreen diff [-c CONFIG] --rules DIR [--scope CODE] [--now DATE] "                   \
    "[--format text|jsonl|html] [--fail-on-move N]"

/* Flags → *da; -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, diff_args *da)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"rules", required_argument, NULL, 'r'},
        {"scope", required_argument, NULL, 's'},  {"now", required_argument, NULL, 'N'},
        {"format", required_argument, NULL, 'f'}, {"fail-on-move", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:r:s:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            da->cfg_path = optarg;
            break;
        case 'r':
            da->rules = optarg;
            break;
        case 's':
            da->scope = optarg;
            break;
        case 'N':
            da->now_arg = optarg;
            break;
        case 'm': {
            char *end = NULL;
            da->fail_on_move = strtol(optarg, &end, 10);
            if (!optarg[0] || *end || da->fail_on_move < 0) {
                ts_cli_fail("diff: --fail-on-move must be a whole number of persons, not '%s'",
                            optarg);
                return TS_EXIT_USAGE;
            }
            break;
        }
        case 'f':
            /* "table" is the earlier name of text */
            if (!strcmp(optarg, "text") || !strcmp(optarg, "table"))
                da->fmt = TS_IMPACT_TEXT;
            else if (!strcmp(optarg, "jsonl"))
                da->fmt = TS_IMPACT_JSONL;
            else if (!strcmp(optarg, "html"))
                da->fmt = TS_IMPACT_HTML;
            else {
                ts_cli_fail("diff: --format must be text, jsonl or html, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 'h':
            puts(DIFF_USAGE);
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (!da->rules || optind != argc) {
        ts_cli_fail("diff: " DIFF_USAGE);
        return TS_EXIT_USAGE;
    }
    return -1;
}

/* Everything the command holds; released by release(). */
typedef struct diff_run {
    ts_app *app; /* config, grid, the deployed pack, the live database, now */
    const ts_config *cfg;
    const ts_grid *grid;
    ts_store *live;
    const ts_rulepack *before; /* the pack the replayed screening ran with */
    ts_rulepack *before_owned; /* when that is a stored version other than the active one */
    ts_rulepack *draft;
    ts_screening at; /* the screening replayed (found) */
    bool replay;
    int32_t now;
    unsigned passes;
    const char *scope; /* of the screening replayed; NULL = all */
    char dir[4096];
    char db[2][4200];
    uint64_t rule_errors[2];
    ts_judged_set *set[2]; /* each side's screening fills its own (they run at once) */
    ts_impact_row *rows;   /* the two merged */
    size_t n_rows;
    ts_arena arena;
    char basis[600], before_label[160], after_label[160];
} diff_run;

/* Opens the app, loads the draft, finds the screening to replay and its pack; an exit
 * code or -1. */
static int load(diff_run *dr, const diff_args *da, ts_err *err)
{
    ts_app_opts ao = {.config_path = da->cfg_path,
                      .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_READ,
                      .now = da->now_arg,
                      .on_problem = on_problem};
    int code = ts_cli_app_open(&ao, &dr->app);
    if (code != TS_EXIT_OK)
        return code;
    dr->cfg = ts_app_config(dr->app);
    dr->grid = ts_app_grid(dr->app);
    dr->live = ts_app_store(dr->app);
    dr->now = ts_app_now(dr->app);
    dr->before = ts_app_pack(dr->app);
    ts_rulehost_opts ro = ts_rulehost_opts_for(dr->cfg);
    ts_status rc = ts_rulepack_load(da->rules, &ro, on_problem, NULL, &dr->draft, err);
    if (rc != TS_OK) {
        ts_cli_error(err);
        return rc == TS_RULE ? TS_EXIT_FAILED : ts_cli_exit_for(rc);
    }
    bool found = false;
    if (!da->now_arg && (rc = ts_store_last_screening(dr->live, &dr->at, &found, err)) != TS_OK) {
        ts_cli_error(err);
        return TS_EXIT_FAILED;
    }
    dr->replay = found && ts_date_parse(dr->at.now, strlen(dr->at.now), &dr->now);
    if (!dr->replay) {
        dr->passes = 0;
        char day[11];
        ts_date_format(dr->now, day);
        snprintf(dr->basis, sizeof dr->basis, "the current inputs judged at %s by both packs (%s)",
                 day, da->now_arg ? "--now given" : "no screening recorded yet to replay");
    } else {
        dr->passes = dr->at.passes;
        dr->scope = strcmp(dr->at.scope, "all") ? dr->at.scope : NULL;
        snprintf(dr->basis, sizeof dr->basis,
                 "the screening of runs %lld-%lld (now %s, scope %s, started %s) replayed over "
                 "its inputs as they stood when it began",
                 (long long)dr->at.first, (long long)dr->at.last, dr->at.now, dr->at.scope,
                 dr->at.started);
        if (strcmp(dr->at.rules_hash, ts_rulepack_hash(dr->before))) {
            /* it ran with another version than the active one: judge with that one */
            ts_rule_file *files = NULL;
            size_t n = 0;
            rc = ts_store_rules_version_files(dr->live, dr->at.rules_hash, &dr->arena, &files, &n,
                                              err);
            if (rc == TS_OK)
                rc = ts_rulepack_load_files(dr->at.rules_hash, files, n, &ro, on_problem, NULL,
                                            &dr->before_owned, err);
            if (rc == TS_NOTFOUND) {
                ts_cli_fail("diff: the pack screening run %lld ran with (%s) is not stored; run "
                            "`triscreen screen` with the live pack first, or pass --now to "
                            "compare over the current inputs",
                            (long long)dr->at.first, dr->at.rules_hash);
                return TS_EXIT_FAILED;
            }
            if (rc != TS_OK) {
                ts_cli_error(err);
                return TS_EXIT_FAILED;
            }
            dr->before = dr->before_owned;
        }
    }
    snprintf(dr->before_label, sizeof dr->before_label, "live %s", ts_rulepack_hash(dr->before));
    snprintf(dr->after_label, sizeof dr->after_label, "draft %s", ts_rulepack_hash(dr->draft));
    return -1;
}

/* One side: the live database copied into the private directory, rewound when
 * replaying, screened with pack into the side's own set. */
typedef struct side_job {
    diff_run *dr;
    int side;
    const ts_rulepack *pack;
    ts_store *copy;
    ts_status rc;
    ts_err err;
} side_job;

static void *judge_side(void *arg)
{
    side_job *j = arg;
    diff_run *dr = j->dr;
    ts_status rc = ts_store_open(dr->db[j->side], TS_STORE_READWRITE, &j->copy, &j->err);
    if (rc == TS_OK && dr->replay)
        rc = ts_store_rewind(j->copy, &dr->at, &j->err);
    ts_judged_sink sink = {.set = dr->set[j->side], .side = j->side};
    ts_screen_opts o = {.cfg = dr->cfg,
                        .grid = dr->grid,
                        .pack = j->pack,
                        .passes = dr->passes,
                        .scope = dr->scope,
                        .now = dr->now,
                        .on_judged = ts_judged_collect,
                        .judged_ud = &sink};
    ts_screen_result res = {0};
    if (rc == TS_OK)
        rc = ts_screen_run(j->copy, dr->db[j->side], &o, &res, &j->err);
    for (unsigned p = 0; p < res.n; p++)
        dr->rule_errors[j->side] += res.pass[p].rule_errors;
    ts_screen_result_release(&res);
    ts_store_close(j->copy);
    j->copy = NULL;
    ts_store_remove_files(dr->db[j->side]);
    if (rc == TS_OK)
        rc = ts_judged_set_status(dr->set[j->side], &j->err);
    j->rc = rc;
    return NULL;
}

/* Both copies are made first (from the live connection, on this thread), then the two
 * sides are judged at the same time: the passes' single writer leaves a core idle. */
static int judge(diff_run *dr, ts_err *err)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dr->dir, sizeof dr->dir, "%s/triscreen-diff.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dr->dir)) {
        ts_cli_fail("diff: cannot create a temporary directory in %s", tmp ? tmp : "/tmp");
        dr->dir[0] = '\0';
        return TS_EXIT_FAILED;
    }
    snprintf(dr->db[0], sizeof dr->db[0], "%s/live.db", dr->dir);
    snprintf(dr->db[1], sizeof dr->db[1], "%s/draft.db", dr->dir);
    ts_status rc = TS_OK;
    for (int i = 0; rc == TS_OK && i < 2; i++)
        rc = ts_judged_set_new(dr->grid, &dr->set[i], err);
    for (int i = 0; rc == TS_OK && i < 2; i++)
        rc = ts_store_copy_to(dr->live, dr->db[i], err);
    if (rc != TS_OK) {
        ts_cli_error(err);
        return TS_EXIT_FAILED;
    }
    side_job jobs[2] = {{.dr = dr, .side = 0, .pack = dr->before},
                        {.dr = dr, .side = 1, .pack = dr->draft}};
    ts_err_clear(&jobs[0].err);
    ts_err_clear(&jobs[1].err);
    pthread_t t;
    bool threaded = pthread_create(&t, NULL, judge_side, &jobs[1]) == 0;
    judge_side(&jobs[0]);
    if (threaded)
        pthread_join(t, NULL);
    else
        judge_side(&jobs[1]);
    for (int i = 0; i < 2; i++)
        if (jobs[i].rc != TS_OK) {
            ts_cli_error(&jobs[i].err);
            return TS_EXIT_FAILED;
        }
    size_t n = 0;
    if (ts_judged_merge(dr->set[0], dr->set[1], &dr->rows, &n, err) != TS_OK) {
        ts_cli_error(err);
        return TS_EXIT_FAILED;
    }
    dr->n_rows = n;
    return -1;
}

/* The rows in --scope (all when none): a new array from arena, or rows itself. */
static const ts_impact_row *in_scope(diff_run *dr, const ts_cell *scope, const ts_impact_row *rows,
                                     size_t *n)
{
    if (!scope)
        return rows;
    ts_impact_row *out = ts_arena_alloc(&dr->arena, (*n ? *n : 1) * sizeof *out);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        const ts_cell *cell = ts_grid_find(dr->grid, rows[i].grid);
        if (cell && ts_grid_in_scope(cell, scope))
            out[k++] = rows[i];
    }
    *n = k;
    return out;
}

static void release(diff_run *dr)
{
    if (dr->dir[0]) {
        ts_store_remove_files(dr->db[0]);
        ts_store_remove_files(dr->db[1]);
        rmdir(dr->dir);
    }
    ts_judged_set_free(dr->set[0]);
    ts_judged_set_free(dr->set[1]);
    free(dr->rows);
    ts_arena_release(&dr->arena);
    ts_rulepack_free(dr->draft);
    ts_rulepack_free(dr->before_owned);
    ts_app_close(dr->app);
}

/* Prints the comparison; the number of persons whose colour moves → *moved. */
static int report(diff_run *dr, const diff_args *da, size_t *moved, ts_err *err)
{
    const ts_cell *scope = NULL;
    if (da->scope && ts_grid_scope(dr->grid, da->scope, &scope, err) != TS_OK) {
        ts_cli_error(err);
        return TS_EXIT_USAGE;
    }
    size_t n = dr->n_rows;
    const ts_impact_row *rows = dr->rows;
    if (n && !(rows = in_scope(dr, scope, rows, &n))) {
        ts_cli_fail("diff: out of memory");
        return TS_EXIT_FAILED;
    }
    ts_impact im = {.rows = rows,
                    .n = n,
                    .before_label = dr->before_label,
                    .after_label = dr->after_label,
                    .basis = dr->basis,
                    .before_pack = dr->before,
                    .after_pack = dr->draft};
    if (ts__render_impact(stdout, &im, da->fmt, err) != TS_OK) {
        ts_cli_error(err);
        return TS_EXIT_FAILED;
    }
    unsigned long by[TS_CHANGE_FALL + 1] = {0};
    for (size_t i = 0; i < n; i++)
        by[ts_decide_change(rows[i].before.colour, rows[i].after.colour)]++;
    *moved = ts_impact_moves(&im);
    if (da->fmt == TS_IMPACT_TEXT)
        printf("\n%zu persons would change list: %lu enter, %lu leave, %lu rise, %lu fall\n",
               *moved, by[TS_CHANGE_ENTER], by[TS_CHANGE_LEAVE], by[TS_CHANGE_RISE],
               by[TS_CHANGE_FALL]);
    if (dr->rule_errors[1])
        fprintf(stderr,
                "triscreen: diff: %llu rule errors with %s (run `triscreen rules test %s`)\n",
                (unsigned long long)dr->rule_errors[1], da->rules, da->rules);
    return -1;
}

int ts__cli_diff(int argc, char **argv)
{
    diff_args da = {.fail_on_move = -1, .fmt = TS_IMPACT_TEXT};
    int code = parse_args(argc, argv, &da);
    if (code >= 0)
        return code;
    ts_err err;
    ts_err_clear(&err);
    diff_run dr = {0};
    ts_arena_init(&dr.arena, TS_LIMIT_ARENA_SNAPSHOT);
    size_t moved = 0;
    if ((code = load(&dr, &da, &err)) < 0 && (code = judge(&dr, &err)) < 0 &&
        (code = report(&dr, &da, &moved, &err)) < 0) {
        code = TS_EXIT_OK;
        if (da.fail_on_move >= 0 && moved > (size_t)da.fail_on_move) {
            ts_cli_fail("diff: %zu persons would change list, more than --fail-on-move %ld", moved,
                        da.fail_on_move);
            code = TS_EXIT_FAILED;
        }
    }
    release(&dr);
    return code;
}
