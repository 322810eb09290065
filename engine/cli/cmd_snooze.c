/* cli/cmd_snooze.c — `triscreen snooze PERSON --rule R --until D --by OFFICER --note T`,
 * `snooze list [--scope S] [--format text|json]` and `snooze end ID --by OFFICER
 * [--note T]`: an officer covering the person's cell stops one rule of the live pack from
 * voting, scoring and alerting for the person (triscreen/snooze.h), audited. Every
 * refusal happens before anything is written. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/buf.h"
#include "triscreen/grid.h"
#include "triscreen/jsonw.h"
#include "triscreen/officer.h"
#include "triscreen/snooze.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: triscreen snooze [-c CONFIG] PERSON --rule RULE --until YYYY-MM-DD --by OFFICER\n"
    "                        --note TEXT [--now DATE]\n"
    "       triscreen snooze list [-c CONFIG] [--scope CODE] [--now DATE] [--format text|json]\n"
    "       triscreen snooze end [-c CONFIG] ID --by OFFICER [--note TEXT] [--now DATE]\n"
    "A snoozed rule still runs and is recorded in the ledger, but does not vote, score or\n"
    "alert for the person through --until (at most 180 days after now).";

typedef struct snooze_args {
    const char *cfg_path, *rule, *until, *by, *note, *now, *scope, *format;
    const char *arg; /* PERSON or ID */
} snooze_args;

/* Parses argv (argv[0] the subcommand's name; want: how many arguments it takes).
 * Returns -1 to go on, else an exit code. */
static int parse_args(int argc, char **argv, const char *cmd, int want, snooze_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"rule", required_argument, NULL, 'r'},
        {"until", required_argument, NULL, 'u'},  {"by", required_argument, NULL, 'b'},
        {"note", required_argument, NULL, 'N'},   {"now", required_argument, NULL, 'n'},
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
        case 'r':
            slot = &a->rule;
            break;
        case 'u':
            slot = &a->until;
            break;
        case 'b':
            slot = &a->by;
            break;
        case 'N':
            slot = &a->note;
            break;
        case 'n':
            slot = &a->now;
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
        !ts_cli_text_ok(cmd, "--note", a->note, TS_TEXT_NOTE_MAX, false) ||
        !ts_cli_text_ok(cmd, "--rule", a->rule, TS_TEXT_ACTOR_MAX, true) ||
        !ts_cli_text_ok(cmd, "argument", a->arg, TS_TEXT_ACTOR_MAX, true))
        return TS_EXIT_USAGE;
    return -1;
}

/* Flags that the subcommand does not take: a usage error naming the first. */
static bool only(const char *cmd, const snooze_args *a, bool rule, bool until, bool by, bool note,
                 bool scope, bool format)
{
    const char *bad = !rule && a->rule       ? "--rule"
                      : !until && a->until   ? "--until"
                      : !by && a->by         ? "--by"
                      : !note && a->note     ? "--note"
                      : !scope && a->scope   ? "--scope"
                      : !format && a->format ? "--format"
                                             : NULL;
    if (bad)
        ts_cli_fail("%s: %s is not an option of this command", cmd, bad);
    return bad == NULL;
}

static int fail_with(const ts_err *err, ts_status rc)
{
    ts_cli_error(err);
    return ts_cli_exit_for(rc);
}

static int snooze_add(const snooze_args *a)
{
    if (!only("snooze", a, true, true, true, true, false, false))
        return TS_EXIT_USAGE;
    if (!a->rule || !a->rule[0] || !a->until || !a->by || !a->by[0] || !a->note || !a->note[0]) {
        ts_cli_fail("snooze: --rule, --until, --by and --note are required");
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a->cfg_path,
                      .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_WRITE,
                      .now = a->now};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    const ts_grid *g = ts_app_grid(app);
    ts_store *s = ts_app_store(app);
    ts_err err;
    ts_err_clear(&err);
    const ts_cell *officer_cell = NULL;
    ts_status rc;
    char grid[64];
    bool found = false;
    if ((rc = ts_officer_check(g, a->by, "--by", &officer_cell, &err)) != TS_OK ||
        (rc = ts_snooze_check_until(ts_app_now(app), a->until, &err)) != TS_OK) {
        code = fail_with(&err, rc);
        goto done;
    }
    if (ts_rulepack_find(ts_app_pack(app), a->rule) < 0) {
        ts_cli_fail("snooze: --rule: no rule '%s' in the live pack", a->rule);
        code = TS_EXIT_FAILED;
        goto done;
    }
    if ((rc = ts_store_person_grid(s, a->arg, grid, sizeof grid, &found, &err)) != TS_OK) {
        code = fail_with(&err, rc);
        goto done;
    }
    if (!found) {
        ts_cli_fail("snooze: PERSON: no person '%s' is stored", a->arg);
        code = TS_EXIT_FAILED;
        goto done;
    }
    /* the same rule as a review: only persons of the officer's cell or below */
    if (officer_cell && !ts_grid_officer_covers(officer_cell, ts_grid_find(g, grid))) {
        ts_cli_fail("snooze: %s may snooze only persons in %s (%s is in %s)", a->by,
                    officer_cell->code, a->arg, grid);
        code = TS_EXIT_FAILED;
        goto done;
    }
    ts_snooze_row in = {.person = a->arg,
                        .rule = a->rule,
                        .until = a->until,
                        .by = a->by,
                        .note = a->note,
                        .now = ts_app_now_text(app)};
    int64_t id = 0;
    if ((rc = ts_store_snooze_add(s, &in, &id, &err)) != TS_OK) {
        code = fail_with(&err, rc);
        goto done;
    }
    printf("snooze S-%lld: rule %s silenced for %s through %s, by %s\n", (long long)id, a->rule,
           a->arg, a->until, a->by);
done:
    ts_app_close(app);
    return code;
}

typedef struct list_ctx {
    const ts_grid *grid;
    const ts_rulepack *pack;
    const ts_cell *scope;
    bool json;
    size_t n;
    ts_buf line;
} list_ctx;

static ts_status list_row(void *ud, const ts_snooze_row *r)
{
    list_ctx *l = ud;
    if (l->scope && !ts_grid_in_scope(ts_grid_find(l->grid, r->grid), l->scope))
        return TS_OK;
    const char *title = ts_rulepack_title(l->pack, r->rule);
    if (!l->json) {
        /* titles and notes (any script, wider than their bytes) go last */
        printf("S-%-6lld %-14s %-28s %-10s %-16s %-20s %s — %s\n", (long long)r->id, r->person,
               r->rule, r->until, r->by, r->created, title ? title : "(not in the live pack)",
               r->note);
        l->n++;
        return TS_OK;
    }
    ts_buf_reset(&l->line);
    ts_jsonw w;
    ts_jsonw_init(&w, &l->line);
    ts_jsonw_obj(&w);
    char id[32];
    snprintf(id, sizeof id, "S-%lld", (long long)r->id);
    ts_jsonw_kstr(&w, "id", id);
    ts_jsonw_kstr(&w, "person", r->person);
    ts_jsonw_kstr(&w, "grid", r->grid[0] ? r->grid : NULL);
    ts_jsonw_kstr(&w, "rule", r->rule);
    ts_jsonw_kstr(&w, "title", title);
    ts_jsonw_kstr(&w, "until", r->until);
    ts_jsonw_kstr(&w, "by", r->by);
    ts_jsonw_kstr(&w, "note", r->note);
    ts_jsonw_kstr(&w, "created", r->created);
    ts_jsonw_kstr(&w, "now", r->now);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc != TS_OK)
        return rc;
    printf("%s\n  %s", l->n ? "," : "", ts_buf_str(&l->line));
    l->n++;
    return TS_OK;
}

static int snooze_list(const snooze_args *a)
{
    if (!only("snooze list", a, false, false, false, false, true, true))
        return TS_EXIT_USAGE;
    bool json = a->format && !strcmp(a->format, "json");
    if (a->format && !json && strcmp(a->format, "text")) {
        ts_cli_fail("snooze list: --format must be text or json, not '%s'", a->format);
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a->cfg_path,
                      .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_READ,
                      .now = a->now,
                      .scope = a->scope};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    list_ctx l = {.grid = ts_app_grid(app),
                  .pack = ts_app_pack(app),
                  .scope = ts_app_scope(app),
                  .json = json};
    ts_buf_init(&l.line, TS_LIMIT_LINE);
    if (json)
        fputs("[", stdout);
    else
        printf("%-8s %-14s %-28s %-10s %-16s %-20s %s\n", "ID", "PERSON", "RULE", "UNTIL", "BY",
               "CREATED", "TITLE — NOTE");
    ts_err err;
    ts_err_clear(&err);
    ts_status rc =
        ts_store_snooze_list(ts_app_store(app), ts_app_now_text(app), list_row, &l, &err);
    if (rc != TS_OK) {
        if (err.msg[0])
            ts_cli_error(&err);
        else
            ts_cli_fail("snooze list: %s", ts_status_text(rc));
        code = ts_cli_exit_for(rc);
    } else if (json) {
        puts(l.n ? "\n]" : "]");
    } else {
        printf("%zu active snooze%s on %s\n", l.n, l.n == 1 ? "" : "s", ts_app_now_text(app));
    }
    if (fflush(stdout) != 0 && code == TS_EXIT_OK) {
        ts_cli_fail("snooze list: cannot write the output");
        code = TS_EXIT_FAILED;
    }
    ts_buf_release(&l.line);
    ts_app_close(app);
    return code;
}

/* "S-12" or "12" → 12; 0 when not an id. */
static int64_t parse_id(const char *s)
{
    if (!strncmp(s, "S-", 2) || !strncmp(s, "s-", 2))
        s += 2;
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    return *s >= '0' && *s <= '9' && end && !*end && v > 0 ? (int64_t)v : 0;
}

/* The snooze's person's group cell into ud (char[64]; "" when the person is gone). */
static ts_status grid_of(void *ud, const ts_snooze_row *r)
{
    snprintf(ud, 64, "%s", r->grid);
    return TS_OK;
}

/* Only an officer covering the person's cell ends the snooze (as for adding it). */
static int snooze_end(const snooze_args *a)
{
    if (!only("snooze end", a, false, false, true, true, false, false))
        return TS_EXIT_USAGE;
    int64_t id = parse_id(a->arg);
    if (!id) {
        ts_cli_fail("snooze end: ID: '%s' is not a snooze id (S-N)", a->arg);
        return TS_EXIT_USAGE;
    }
    if (!a->by || !a->by[0]) {
        ts_cli_fail("snooze end: --by is required");
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {
        .config_path = a->cfg_path, .parts = TS_APP_GRID | TS_APP_STORE_WRITE, .now = a->now};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    const ts_grid *g = ts_app_grid(app);
    const ts_cell *officer_cell = NULL;
    char grid[64] = "";
    ts_status rc = ts_officer_check(g, a->by, "--by", &officer_cell, &err);
    if (rc == TS_OK)
        rc = ts_store_snooze_get(ts_app_store(app), id, grid_of, grid, &err);
    if (rc == TS_OK && officer_cell &&
        !ts_grid_officer_covers(officer_cell, ts_grid_find(g, grid))) {
        ts_cli_fail("snooze end: %s may end only snoozes of persons in %s", a->by,
                    officer_cell->code);
        code = TS_EXIT_FAILED;
    } else if (rc == TS_OK) {
        rc = ts_store_snooze_end(ts_app_store(app), id, a->by, a->note, ts_app_now_text(app), &err);
    }
    if (rc != TS_OK)
        code = fail_with(&err, rc);
    else if (code == TS_EXIT_OK)
        printf("snooze S-%lld ended by %s\n", (long long)id, a->by);
    ts_app_close(app);
    return code;
}

int ts__cli_snooze(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    bool list = !strcmp(sub, "list"), end = !strcmp(sub, "end");
    const char *cmd = list ? "snooze list" : end ? "snooze end" : "snooze";
    snooze_args a;
    int code = list || end ? parse_args(argc - 1, argv + 1, cmd, end, &a)
                           : parse_args(argc, argv, cmd, 1, &a);
    if (code >= 0)
        return code;
    return list ? snooze_list(&a) : end ? snooze_end(&a) : snooze_add(&a);
}
