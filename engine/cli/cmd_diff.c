/* cli/cmd_diff.c — `triscreen diff --rules DIR`: who would change list if DIR were
 * deployed. Both the deployed pack and DIR screen their own copy of the database at the
 * same `now` (three passes, no alerts); the lists are then compared person by person.
 * The real database is only read. The copies live in a private temporary directory
 * (0700, files 0600) and are removed before the command returns. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "triscreen/app.h"
#include "triscreen/grid.h"
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

/* Rule ids of a reasons JSON array, as "a, b" (ids contain no quotes). */
static void ids_of(const char *reasons, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    const char *p = reasons;
    while ((p = strstr(p, "\"id\":\"")) != NULL) {
        p += 6;
        const char *q = strchr(p, '"');
        if (!q)
            break;
        int w = snprintf(out + n, cap - n, "%s%.*s", n ? ", " : "", (int)(q - p), p);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
        p = q;
    }
}

int ts__cli_diff(int argc, char **argv)
{
    const char *cfg_path = NULL, *rules = NULL, *scope = NULL, *now_arg = NULL;
    bool jsonl = false;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"rules", required_argument, NULL, 'r'},
                                         {"scope", required_argument, NULL, 's'},
                                         {"now", required_argument, NULL, 'N'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:r:s:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'r':
            rules = optarg;
            break;
        case 's':
            scope = optarg;
            break;
        case 'N':
            now_arg = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "table") && strcmp(optarg, "jsonl")) {
                ts_cli_fail("diff: --format must be table or jsonl");
                return TS_EXIT_USAGE;
            }
            jsonl = !strcmp(optarg, "jsonl");
            break;
        case 'h':
            puts("usage: triscreen diff [-c CONFIG] --rules DIR [--scope CODE] [--now DATE] "
                 "[--format table|jsonl]");
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (!rules || optind != argc) {
        ts_cli_fail("diff: usage: triscreen diff [-c CONFIG] --rules DIR [--scope CODE] "
                    "[--now DATE]");
        return TS_EXIT_USAGE;
    }
    int code = TS_EXIT_OK;
    ts_err err;
    ts_err_clear(&err);
    ts_app *app = NULL;
    ts_rulepack *candidate = NULL;
    side a = {.label = "deployed"}, b = {.label = "candidate"};
    char dir[4096] = "";
    ts_arena arena;
    ts_arena_init(&arena, 0);
    ts_app_opts ao = {.config_path = cfg_path,
                      .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_READ,
                      .now = now_arg,
                      .on_problem = on_problem};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    const ts_config *cfg = ts_app_config(app);
    const ts_grid *grid = ts_app_grid(app);
    ts_store *live = ts_app_store(app);
    int32_t now = ts_app_now(app);
    a.pack = ts_app_pack(app);
    ts_rulehost_opts ro = ts_rulehost_opts_for(cfg);
    ts_status rc = ts_rulepack_load(rules, &ro, on_problem, NULL, &candidate, &err);
    b.pack = candidate;
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
        goto done;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/triscreen-diff.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        ts_cli_fail("diff: cannot create a temporary directory in %s", tmp ? tmp : "/tmp");
        dir[0] = '\0';
        code = TS_EXIT_FAILED;
        goto done;
    }
    snprintf(a.db, sizeof a.db, "%s/deployed.db", dir);
    snprintf(b.db, sizeof b.db, "%s/candidate.db", dir);
    rc = ts_store_copy_to(live, a.db, &err);
    if (rc == TS_OK)
        rc = ts_store_copy_to(live, b.db, &err);
    if (rc == TS_OK)
        rc = run_side(&a, cfg, grid, scope, now, &arena, &err);
    if (rc == TS_OK)
        rc = run_side(&b, cfg, grid, scope, now, &arena, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED;
        goto done;
    }

    /* merge the two sorted list snapshots */
    const ts_cell *scope_cell = NULL;
    if (scope && ts_grid_scope(grid, scope, &scope_cell, &err) != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_USAGE;
        goto done;
    }
    unsigned long changes = 0, entered = 0, left = 0, rose = 0, fell = 0;
    unsigned long before[4] = {0}, after[4] = {0};
    if (!jsonl)
        printf("%-10s %-13s %-8s    %-8s %s\n", "PERSON", "GRID", "DEPLOYED", "WITH DIR",
               "RULES (WITH DIR)");
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        int cmp = i >= a.n ? 1 : j >= b.n ? -1 : strcmp(a.rows[i].person, b.rows[j].person);
        const ts_list_row *ra = cmp <= 0 ? &a.rows[i] : NULL;
        const ts_list_row *rb = cmp >= 0 ? &b.rows[j] : NULL;
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            j++;
        const char *grid_code = ra ? ra->grid : rb->grid;
        const ts_cell *cell = ts_grid_find(grid, grid_code);
        if (scope_cell && (!cell || !ts_grid_in_scope(cell, scope_cell)))
            continue;
        int ca = ra && ra->colour > 0 ? ra->colour : 0;
        int cb = rb && rb->colour > 0 ? rb->colour : 0;
        before[ca]++;
        after[cb]++;
        if (ca == cb)
            continue;
        changes++;
        entered += ca == 0;
        left += cb == 0;
        rose += ca && cb > ca;
        fell += cb && cb < ca;
        char ids[600];
        ids_of(rb ? rb->reasons : "[]", ids, sizeof ids);
        const char *person = ra ? ra->person : rb->person;
        if (jsonl) {
            printf("{\"person\":");
            ts_cli_json_string(stdout, person);
            printf(",\"grid\":");
            ts_cli_json_string(stdout, grid_code);
            printf(",\"deployed\":\"%s\",\"candidate\":\"%s\",\"rules\":%s}\n", colour_or_none(ca),
                   colour_or_none(cb), rb ? rb->reasons : "[]");
        } else {
            printf("%-10s %-13s %-8s -> %-8s %s\n", person, grid_code, colour_or_none(ca),
                   colour_or_none(cb), ids);
        }
    }
    if (!jsonl) {
        printf("\n%lu persons would change list: %lu enter, %lu leave, %lu rise, %lu fall\n",
               changes, entered, left, rose, fell);
        printf("lists deployed:  red %lu, yellow %lu, blue %lu  (%s)\n", before[3], before[2],
               before[1], ts_rulepack_hash(a.pack));
        printf("lists with DIR:  red %lu, yellow %lu, blue %lu  (%s)\n", after[3], after[2],
               after[1], ts_rulepack_hash(b.pack));
        unsigned long errs = 0;
        for (unsigned k = 0; k < b.res.n; k++)
            errs += b.res.pass[k].rule_errors;
        if (errs)
            printf("rule errors with DIR: %lu (run `triscreen rules test %s`)\n", errs, rules);
    }
done:
    if (dir[0]) {
        rm_db(a.db);
        rm_db(b.db);
        rmdir(dir);
    }
    ts_screen_result_release(&a.res);
    ts_screen_result_release(&b.res);
    ts_arena_release(&arena);
    ts_rulepack_free(candidate);
    ts_app_close(app);
    return code;
}
