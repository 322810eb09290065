/* cli/cmd_diff.c — `triscreen diff --rules DIR`: who would change list if DIR were
 * deployed. Both the deployed pack and DIR screen their own copy of the database at the
 * same `now` (three passes, no alerts); the lists are then compared person by person.
 * The real database is only read. The copies live in a private temporary directory
 * (0700, files 0600) and are removed before the command returns. Whether a person
 * enters, leaves, rises or falls is ts_decide_change (decide.h), as in the passes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"
#include "triscreen/app.h"
#include "triscreen/arena.h"
#include "triscreen/buf.h"
#include "triscreen/decide.h"
#include "triscreen/fired.h"
#include "triscreen/grid.h"
#include "triscreen/jsonw.h"
#include "triscreen/rulehost.h"
#include "triscreen/screen.h"
#include "triscreen/store.h"
#include "cli/cli.h"

typedef struct side {
    const char *label;
    const ts_rulepack *pack;
    char db[4200];
    ts_screen_result res;
    ts_list_row *rows;
    size_t n;
} side;

static void on_problem(void *ud, const char *where, const char *msg)
{
    fprintf(stderr, "triscreen: %s: %s\n", where, msg);
}

static void rm_db(const char *path)
{
    char p[4300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* Screens the copy in s->db with s->pack and loads its lists into arena. */
static ts_status run_side(side *sd, const ts_config *cfg, const ts_grid *grid, const char *scope,
                          int32_t now, ts_arena *arena, ts_err *err)
{
    ts_store *st = NULL;
    ts_status rc = ts_store_open(sd->db, TS_STORE_READWRITE, &st, err);
    if (rc != TS_OK)
        return rc;
    ts_screen_opts o = {.cfg = cfg, .grid = grid, .pack = sd->pack, .scope = scope, .now = now};
    rc = ts_screen_run(st, sd->db, &o, &sd->res, err);
    if (rc == TS_OK)
        rc = ts_store_lists_load(st, arena, &sd->rows, &sd->n, err);
    ts_store_close(st);
    return rc;
}

static const char *colour_or_none(int c)
{
    return ts_colour_text((ts_colour)c);
}

/* The rules of a reasons JSON array with the titles of pack (the side they came from):
 * text "id (title), id2"; JSONL the array of titles (null for an id pack lacks), in the
 * order of the ids. Written into out (cleared first); false when out of memory. */
static bool titled_rules(const char *reasons, const ts_rulepack *pack, bool jsonl, ts_buf *out)
{
    ts_arena a;
    ts_arena_init(&a, TS_LIMIT_LINE * 4);
    ts_fired_rule *v = NULL;
    size_t n = 0;
    ts_buf_reset(out);
    if (ts_fired_rules_read(reasons, &a, &v, &n, NULL) != TS_OK)
        n = 0; /* a reasons text that does not parse shows no rules, never fails the diff */
    ts_jsonw w;
    ts_jsonw_init(&w, out);
    if (jsonl)
        ts_jsonw_arr(&w);
    ts_status rc = TS_OK;
    for (size_t i = 0; i < n && rc == TS_OK; i++) {
        const char *title = ts_rulepack_title(pack, v[i].id);
        if (jsonl)
            ts_jsonw_str(&w, title);
        else if (title)
            rc = ts_buf_printf(out, "%s%s (%s)", i ? ", " : "", v[i].id, title);
        else
            rc = ts_buf_printf(out, "%s%s", i ? ", " : "", v[i].id);
    }
    if (jsonl) {
        ts_jsonw_arr_end(&w);
        rc = ts_jsonw_finish(&w);
    }
    ts_arena_release(&a);
    return rc == TS_OK && ts_buf_str(out);
}

typedef struct diff_args {
    const char *cfg_path, *rules, *scope, *now_arg;
    bool jsonl;
    long fail_on_move; /* --fail-on-move N: exit 1 when more than N persons move; -1 off */
} diff_args;

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
            if (strcmp(optarg, "table") && strcmp(optarg, "jsonl")) {
                ts_cli_fail("diff: --format must be table or jsonl");
                return TS_EXIT_USAGE;
            }
            da->jsonl = !strcmp(optarg, "jsonl");
            break;
        case 'h':
            puts("usage: triscreen diff [-c CONFIG] --rules DIR [--scope CODE] [--now DATE] "
                 "[--format table|jsonl] [--fail-on-move N]");
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (!da->rules || optind != argc) {
        ts_cli_fail("diff: usage: triscreen diff [-c CONFIG] --rules DIR [--scope CODE] "
                    "[--now DATE]");
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
    ts_rulepack *candidate;
    side a, b;
    char dir[4096];
    ts_arena arena;
    int32_t now;
} diff_run;

/* Opens the app (config, grid, deployed pack, live database, now) and loads the candidate
 * pack; an exit code or -1. */
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
    dr->a.pack = ts_app_pack(dr->app);
    ts_rulehost_opts ro = ts_rulehost_opts_for(dr->cfg);
    ts_status rc = ts_rulepack_load(da->rules, &ro, on_problem, NULL, &dr->candidate, err);
    dr->b.pack = dr->candidate;
    if (rc != TS_OK) {
        ts_cli_error(err);
        return rc == TS_RULE ? TS_EXIT_FAILED : ts_cli_exit_for(rc);
    }
    return -1;
}

/* Copies the live database twice into a private directory and screens each copy. */
static int screen_copies(diff_run *dr, const diff_args *da, ts_err *err)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dr->dir, sizeof dr->dir, "%s/triscreen-diff.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dr->dir)) {
        ts_cli_fail("diff: cannot create a temporary directory in %s", tmp ? tmp : "/tmp");
        dr->dir[0] = '\0';
        return TS_EXIT_FAILED;
    }
    snprintf(dr->a.db, sizeof dr->a.db, "%s/deployed.db", dr->dir);
    snprintf(dr->b.db, sizeof dr->b.db, "%s/candidate.db", dr->dir);
    ts_status rc = ts_store_copy_to(dr->live, dr->a.db, err);
    if (rc == TS_OK)
        rc = ts_store_copy_to(dr->live, dr->b.db, err);
    if (rc == TS_OK)
        rc = run_side(&dr->a, dr->cfg, dr->grid, da->scope, dr->now, &dr->arena, err);
    if (rc == TS_OK)
        rc = run_side(&dr->b, dr->cfg, dr->grid, da->scope, dr->now, &dr->arena, err);
    if (rc != TS_OK) {
        ts_cli_error(err);
        return TS_EXIT_FAILED;
    }
    return -1;
}

/* Counts of the comparison, by ts_decide_change kind and by colour. */
typedef struct diff_counts {
    unsigned long by_change[TS_CHANGE_FALL + 1];
    unsigned long before[TS_COLOUR_N], after[TS_COLOUR_N];
} diff_counts;

static void print_change(const ts_list_row *ra, const ts_list_row *rb, const char *grid_code,
                         ts_colour ca, ts_colour cb, const ts_rulepack *pack, bool jsonl)
{
    const char *person = ra ? ra->person : rb->person;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RENDER);
    bool ok = titled_rules(rb ? rb->reasons : "[]", pack, jsonl, &b);
    if (jsonl) {
        printf("{\"person\":");
        ts_cli_json_string(stdout, person);
        printf(",\"grid\":");
        ts_cli_json_string(stdout, grid_code);
        printf(",\"deployed\":\"%s\",\"candidate\":\"%s\",\"rules\":%s,\"rule_titles\":%s}\n",
               colour_or_none(ca), colour_or_none(cb), rb ? rb->reasons : "[]",
               ok ? ts_buf_str(&b) : "[]");
    } else {
        printf("%-10s %-13s %-8s -> %-8s %s\n", person, grid_code, colour_or_none(ca),
               colour_or_none(cb), ok ? ts_buf_str(&b) : "");
    }
    ts_buf_release(&b);
}

/* Merges the two sorted list snapshots, printing each person whose colour changes. */
static void compare(const diff_run *dr, const ts_cell *scope_cell, bool jsonl, diff_counts *k)
{
    const side *a = &dr->a, *b = &dr->b;
    size_t i = 0, j = 0;
    while (i < a->n || j < b->n) {
        int cmp = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->rows[i].person, b->rows[j].person);
        const ts_list_row *ra = cmp <= 0 ? &a->rows[i] : NULL;
        const ts_list_row *rb = cmp >= 0 ? &b->rows[j] : NULL;
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            j++;
        const char *grid_code = ra ? ra->grid : rb->grid;
        const ts_cell *cell = ts_grid_find(dr->grid, grid_code);
        if (scope_cell && (!cell || !ts_grid_in_scope(cell, scope_cell)))
            continue;
        ts_colour ca = ra && ra->colour > 0 ? (ts_colour)ra->colour : TS_COLOUR_NONE;
        ts_colour cb = rb && rb->colour > 0 ? (ts_colour)rb->colour : TS_COLOUR_NONE;
        k->before[ca]++;
        k->after[cb]++;
        ts_change ch = ts_decide_change(ca, cb);
        k->by_change[ch]++;
        if (ch != TS_CHANGE_NONE)
            print_change(ra, rb, grid_code, ca, cb, b->pack, jsonl);
    }
}

static void print_totals(const diff_run *dr, const diff_counts *k, const char *rules)
{
    const unsigned long *c = k->by_change;
    unsigned long changes =
        c[TS_CHANGE_ENTER] + c[TS_CHANGE_LEAVE] + c[TS_CHANGE_RISE] + c[TS_CHANGE_FALL];
    printf("\n%lu persons would change list: %lu enter, %lu leave, %lu rise, %lu fall\n", changes,
           c[TS_CHANGE_ENTER], c[TS_CHANGE_LEAVE], c[TS_CHANGE_RISE], c[TS_CHANGE_FALL]);
    printf("lists deployed:  red %lu, yellow %lu, blue %lu  (%s)\n", k->before[TS_COLOUR_RED],
           k->before[TS_COLOUR_YELLOW], k->before[TS_COLOUR_BLUE], ts_rulepack_hash(dr->a.pack));
    printf("lists with DIR:  red %lu, yellow %lu, blue %lu  (%s)\n", k->after[TS_COLOUR_RED],
           k->after[TS_COLOUR_YELLOW], k->after[TS_COLOUR_BLUE], ts_rulepack_hash(dr->b.pack));
    unsigned long errs = 0;
    for (unsigned n = 0; n < dr->b.res.n; n++)
        errs += dr->b.res.pass[n].rule_errors;
    if (errs)
        printf("rule errors with DIR: %lu (run `triscreen rules test %s`)\n", errs, rules);
}

static void release(diff_run *dr)
{
    if (dr->dir[0]) {
        rm_db(dr->a.db);
        rm_db(dr->b.db);
        rmdir(dr->dir);
    }
    ts_screen_result_release(&dr->a.res);
    ts_screen_result_release(&dr->b.res);
    ts_arena_release(&dr->arena);
    ts_rulepack_free(dr->candidate);
    ts_app_close(dr->app);
}

int ts__cli_diff(int argc, char **argv)
{
    diff_args da = {.fail_on_move = -1};
    int code = parse_args(argc, argv, &da);
    if (code >= 0)
        return code;
    ts_err err;
    ts_err_clear(&err);
    diff_run dr = {.a = {.label = "deployed"}, .b = {.label = "candidate"}};
    ts_arena_init(&dr.arena, TS_LIMIT_ARENA_SNAPSHOT);
    if ((code = load(&dr, &da, &err)) < 0)
        code = screen_copies(&dr, &da, &err);
    const ts_cell *scope_cell = NULL;
    if (code < 0 && da.scope && ts_grid_scope(dr.grid, da.scope, &scope_cell, &err) != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_USAGE;
    }
    if (code < 0) {
        diff_counts k = {0};
        if (!da.jsonl)
            printf("%-10s %-13s %-8s    %-8s %s\n", "PERSON", "GRID", "DEPLOYED", "WITH DIR",
                   "RULES (WITH DIR)");
        compare(&dr, scope_cell, da.jsonl, &k);
        if (!da.jsonl)
            print_totals(&dr, &k, da.rules);
        code = TS_EXIT_OK;
        unsigned long moved = k.by_change[TS_CHANGE_ENTER] + k.by_change[TS_CHANGE_LEAVE] +
                              k.by_change[TS_CHANGE_RISE] + k.by_change[TS_CHANGE_FALL];
        if (da.fail_on_move >= 0 && moved > (unsigned long)da.fail_on_move) {
            ts_cli_fail("diff: %lu persons would change list, more than --fail-on-move %ld", moved,
                        da.fail_on_move);
            code = TS_EXIT_FAILED;
        }
    }
    release(&dr);
    return code;
}
