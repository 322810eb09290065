/* cli/cmd_shadow.c — `triscreen shadow add DIR --name N --by WHO [--note T]`, `shadow list`,
 * `shadow report N [--scope S] [--format text|jsonl|html]` and `shadow remove N --by WHO`:
 * draft packs judged beside the live one on every screening, their decisions kept apart
 * (triscreen/shadow.h). Add and remove are audited; a shadow never alerts and never
 * touches a live list. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "triscreen/app.h"
#include "triscreen/arena.h"
#include "triscreen/grid.h"
#include "triscreen/judged.h"
#include "triscreen/rulehost.h"
#include "triscreen/shadow_judge.h"
#include "triscreen/text.h"
#include "cli/cli.h"
#include "render/render_impact.h"

static const char usage[] =
    "usage: triscreen shadow add [-c CONFIG] DIR --name NAME --by WHO [--note TEXT]\n"
    "       triscreen shadow list [-c CONFIG]\n"
    "       triscreen shadow report [-c CONFIG] NAME [--scope CODE] [--format text|jsonl|html]\n"
    "       triscreen shadow remove [-c CONFIG] NAME --by WHO\n"
    "A shadow is judged beside the live pack on every screening over the same inputs; its\n"
    "decisions are stored apart, it never alerts and never changes a live list.";

typedef struct shadow_args {
    const char *cfg_path, *name, *by, *note, *scope, *format;
    const char *arg;
} shadow_args;

static int parse_args(int argc, char **argv, const char *cmd, int want, shadow_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"name", required_argument, NULL, 'n'},
        {"by", required_argument, NULL, 'b'},     {"note", required_argument, NULL, 'N'},
        {"scope", required_argument, NULL, 's'},  {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        const char **slot = NULL;
        switch (c) {
        case 'c':
            slot = &a->cfg_path;
            break;
        case 'n':
            slot = &a->name;
            break;
        case 'b':
            slot = &a->by;
            break;
        case 'N':
            slot = &a->note;
            break;
        case 's':
            slot = &a->scope;
            break;
        case 'f':
            slot = &a->format;
            break;
        case 'h':
            puts(usage);
            return TS_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", usage);
            return TS_EXIT_USAGE;
        }
        *slot = optarg;
    }
    if (argc - optind != want) {
        ts_cli_fail("%s: %s", cmd, want ? "takes one argument" : "takes no argument");
        fprintf(stderr, "%s\n", usage);
        return TS_EXIT_USAGE;
    }
    a->arg = want ? argv[optind] : NULL;
    if (!ts_cli_text_ok(cmd, "--by", a->by, TS_TEXT_ACTOR_MAX, true) ||
        !ts_cli_text_ok(cmd, "--note", a->note, TS_TEXT_NOTE_MAX, false))
        return TS_EXIT_USAGE;
    return -1;
}

static int fail_with(const ts_err *err, ts_status rc)
{
    ts_cli_error(err);
    return ts_cli_exit_for(rc);
}

static int open_app(const shadow_args *a, unsigned parts, ts_app **app)
{
    ts_app_opts ao = {.config_path = a->cfg_path, .parts = parts};
    return ts_cli_app_open(&ao, app);
}

static int shadow_add(const shadow_args *a)
{
    if (!a->name || !a->by || !a->by[0]) {
        ts_cli_fail("shadow add: --name and --by are required");
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    int code = open_app(a, TS_APP_STORE_WRITE, &app);
    if (code != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    ts_rulehost_opts ro = ts_rulehost_opts_for(ts_app_config(app));
    ts_rulepack *pack = NULL;
    ts_arena ar;
    ts_arena_init(&ar, TS_LIMIT_ARENA_PACK);
    ts_rule_file *files = NULL;
    size_t n = 0;
    ts_status rc = ts_rulepack_load(a->arg, &ro, NULL, NULL, &pack, &err);
    if (rc == TS_OK)
        rc = ts_rulepack_files(pack, &ar, &files, &n, &err);
    if (rc == TS_OK)
        rc = ts_store_shadow_add(ts_app_store(app), a->name, ts_rulepack_hash(pack), files, n,
                                 a->by, a->note, &err);
    if (rc == TS_OK) {
        printf("shadow %s added: %s (%zu files, %zu rules) by %s; judged beside the live pack "
               "from the next screening on\n",
               a->name, ts_rulepack_hash(pack), n, ts_rulepack_count(pack), a->by);
    } else {
        code = rc == TS_RULE ? (ts_cli_error(&err), TS_EXIT_FAILED) : fail_with(&err, rc);
    }
    ts_rulepack_free(pack);
    ts_arena_release(&ar);
    ts_app_close(app);
    return code;
}

static ts_status print_row(void *ud, const ts_shadow_row *r)
{
    int *n = ud;
    if (!(*n)++)
        printf("%-20s %-24s %-16s %-21s %9s %s\n", "NAME", "HASH", "BY", "ADDED", "PERSONS",
               "LAST SCREENING");
    char last[32];
    snprintf(last, sizeof last, r->last_run ? "run %lld" : "none yet", (long long)r->last_run);
    printf("%-20s %-24.24s %-16s %-21s %9lld %s\n", r->name, r->hash, r->by, r->added,
           (long long)r->judged, last);
    return TS_OK;
}

static int shadow_list(const shadow_args *a)
{
    ts_app *app = NULL;
    int code = open_app(a, TS_APP_STORE_READ, &app);
    if (code != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    int n = 0;
    ts_status rc = ts_store_shadows(ts_app_store(app), print_row, &n, &err);
    if (rc != TS_OK)
        code = fail_with(&err, rc);
    else if (!n)
        puts("no shadows (`triscreen shadow add DIR --name N --by WHO` adds one)");
    ts_app_close(app);
    return code;
}

static int shadow_remove(const shadow_args *a)
{
    if (!a->by || !a->by[0]) {
        ts_cli_fail("shadow remove: --by is required");
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    int code = open_app(a, TS_APP_STORE_WRITE, &app);
    if (code != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_shadow_remove(ts_app_store(app), a->arg, a->by, &err);
    if (rc == TS_OK)
        printf("shadow %s removed by %s\n", a->arg, a->by);
    else
        code = fail_with(&err, rc);
    ts_app_close(app);
    return code;
}

static int shadow_report(const shadow_args *a)
{
    ts_impact_format fmt = TS_IMPACT_TEXT;
    if (a->format && !strcmp(a->format, "jsonl"))
        fmt = TS_IMPACT_JSONL;
    else if (a->format && !strcmp(a->format, "html"))
        fmt = TS_IMPACT_HTML;
    else if (a->format && strcmp(a->format, "text")) {
        ts_cli_fail("shadow report: --format must be text, jsonl or html, not '%s'", a->format);
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    int code = open_app(a, TS_APP_STORE_READ | TS_APP_GRID | TS_APP_PACK, &app);
    if (code != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    ts_store *s = ts_app_store(app);
    const ts_grid *g = ts_app_grid(app);
    ts_arena ar;
    ts_arena_init(&ar, TS_LIMIT_ARENA_PACK);
    ts_shadow_row row;
    ts_judged_set *set = NULL;
    ts_rulepack *pack = NULL;
    ts_rule_file *files = NULL;
    size_t n = 0;
    const ts_cell *scope = NULL;
    ts_rulehost_opts ro = ts_rulehost_opts_for(ts_app_config(app));
    ts_status rc = ts_store_shadow_get(s, a->arg, &ar, &row, &err);
    if (rc == TS_OK && a->scope)
        rc = ts_grid_scope(g, a->scope, &scope, &err);
    if (rc == TS_OK)
        rc = ts_store_shadow_files(s, a->arg, &ar, &files, &n, &err);
    if (rc == TS_OK)
        rc = ts_rulepack_load_files(a->arg, files, n, &ro, NULL, NULL, &pack, &err);
    if (rc == TS_OK)
        rc = ts_judged_set_new(g, &set, &err);
    if (rc == TS_OK)
        rc = ts_shadow_report_set(s, a->arg, set, &err);
    if (rc != TS_OK) {
        code = fail_with(&err, rc);
    } else {
        size_t nr = 0;
        const ts_impact_row *all = ts_judged_rows(set, &nr);
        ts_impact_row *rows = ts_arena_alloc(&ar, (nr ? nr : 1) * sizeof *rows);
        size_t k = 0;
        for (size_t i = 0; rows && i < nr; i++) {
            const ts_cell *cell = scope ? ts_grid_find(g, all[i].grid) : NULL;
            if (!scope || (cell && ts_grid_in_scope(cell, scope)))
                rows[k++] = all[i];
        }
        char before[160], after[160], basis[400];
        snprintf(before, sizeof before, "live (as judged in each screening)");
        snprintf(after, sizeof after, "shadow %s %s", row.name, row.hash);
        snprintf(basis, sizeof basis,
                 "each person's latest screening since the shadow was added on %s by %s%s%s "
                 "(newest run %lld)",
                 row.added, row.by, row.note[0] ? ": " : "", row.note, (long long)row.last_run);
        ts_impact im = {.rows = rows,
                        .n = k,
                        .before_label = before,
                        .after_label = after,
                        .basis = basis,
                        .before_pack = ts_app_pack(app),
                        .after_pack = pack};
        if (!rows)
            code = (ts_cli_fail("shadow report: out of memory"), TS_EXIT_FAILED);
        else if ((rc = ts__render_impact(stdout, &im, fmt, &err)) != TS_OK)
            code = fail_with(&err, rc);
        else if (!row.last_run)
            fprintf(stderr,
                    "triscreen: shadow %s has not judged a screening yet (it judges "
                    "every `triscreen screen` from now on)\n",
                    row.name);
    }
    ts_judged_set_free(set);
    ts_rulepack_free(pack);
    ts_arena_release(&ar);
    ts_app_close(app);
    return code;
}

int ts__cli_shadow(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    static const char *const subs[] = {"add", "list", "report", "remove"};
    int which = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(sub, subs[i]))
            which = i;
    if (which < 0) {
        if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
            puts(usage);
            return TS_EXIT_OK;
        }
        ts_cli_fail("shadow: expected add, list, report or remove");
        fprintf(stderr, "%s\n", usage);
        return TS_EXIT_USAGE;
    }
    char cmd[32];
    snprintf(cmd, sizeof cmd, "shadow %s", sub);
    shadow_args a;
    int code = parse_args(argc - 1, argv + 1, cmd, which == 1 ? 0 : 1, &a);
    if (code >= 0)
        return code;
    switch (which) {
    case 0:
        return shadow_add(&a);
    case 1:
        return shadow_list(&a);
    case 2:
        return shadow_report(&a);
    default:
        return shadow_remove(&a);
    }
}
