/* cli/cmd_alert_act.c — the officers' loop on the command line: `triscreen claim|ack|
 * close|reopen ID --by OFFICER` (ts_alert_act) and `triscreen claim-next --by OFFICER`
 * (ts_alert_claim_next), triscreen/feedback.h. --by is checked against the grid first
 * (ts_officer_check: exit 2, nothing changed, nothing audited); every refusal after that
 * is audited by the library. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "triscreen/app.h"
#include "triscreen/feedback.h"
#include "triscreen/text.h"
#include "cli/cli.h"

/* What one action command was asked. */
typedef struct act_args {
    const char *cfg_path, *by, *note, *id, *now_arg;
    ts_alert_verb verb;
    ts_close_outcome outcome;
    ts_feedback kind; /* claim-next --kind */
    bool next;        /* claim-next */
    int64_t at;
} act_args;

static void act_usage(FILE *f, const act_args *a)
{
    if (a->next) {
        fputs("usage: triscreen claim-next [-c CONFIG] --by OFFICER [--kind early|detailed|quick]\n"
              "                            [--now TIME]\n"
              "Claims the most urgent unclaimed alert in the cells of OFFICER.\n",
              f);
        return;
    }
    const char *v = ts_alert_verb_name(a->verb);
    const char *rest = a->verb == TS_VERB_CLOSE
                           ? "--outcome confirmed|false_positive|valuable|duplicate --note TEXT"
                       : a->verb == TS_VERB_REOPEN ? "--note TEXT"
                                                   : "[--note TEXT]";
    fprintf(f,
            "usage: triscreen %s [-c CONFIG] ALERT-ID --by OFFICER %s [--now TIME]\n"
            "TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or @UNIXSECONDS (default: the clock).\n",
            v, rest);
}

/* One option into a; TS_EXIT_OK to go on, else the exit code (-1: help printed). */
static int act_opt(int c, const char *arg, act_args *a)
{
    switch (c) {
    case 'c':
        a->cfg_path = arg;
        return TS_EXIT_OK;
    case 'b':
        a->by = arg;
        return TS_EXIT_OK;
    case 'n':
        a->note = arg;
        return TS_EXIT_OK;
    case 'N':
        a->now_arg = arg;
        return TS_EXIT_OK;
    case 'o':
        if (a->next || a->verb != TS_VERB_CLOSE)
            break;
        if (!ts_close_outcome_parse(arg, &a->outcome)) {
            ts_cli_fail("close: --outcome must be confirmed, false_positive, valuable or "
                        "duplicate, not '%s'",
                        arg);
            return TS_EXIT_USAGE;
        }
        return TS_EXIT_OK;
    case 'k':
        if (!a->next)
            break;
        if (!ts_feedback_parse(arg, &a->kind)) {
            ts_cli_fail("claim-next: --kind must be early, detailed or quick, not '%s'", arg);
            return TS_EXIT_USAGE;
        }
        return TS_EXIT_OK;
    case 'h':
        act_usage(stdout, a);
        return -1;
    default:
        break;
    }
    act_usage(stderr, a);
    return TS_EXIT_USAGE;
}

/* Parses and checks the command line; TS_EXIT_OK to go on, else the exit code. */
static int act_parse(int argc, char **argv, act_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"by", required_argument, NULL, 'b'},
        {"note", required_argument, NULL, 'n'},   {"outcome", required_argument, NULL, 'o'},
        {"kind", required_argument, NULL, 'k'},   {"now", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    const char *name = argv[0];
    optind = 0;
    int c, code;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1)
        if ((code = act_opt(c, optarg, a)) != TS_EXIT_OK)
            return code;
    if (a->next ? optind != argc : optind + 1 != argc) {
        if (a->next)
            ts_cli_fail("claim-next: unexpected argument '%s'", argv[optind]);
        else
            ts_cli_fail("%s: expected one ALERT-ID (e.g. A-000042); see triscreen %s --help", name,
                        name);
        return TS_EXIT_USAGE;
    }
    a->id = a->next ? NULL : argv[optind];
    if (!a->by || !a->by[0]) {
        ts_cli_fail("%s: --by OFFICER is required", name);
        return TS_EXIT_USAGE;
    }
    if (!ts_cli_text_ok(name, "--by", a->by, TS_TEXT_ACTOR_MAX, true) ||
        !ts_cli_text_ok(name, "--note", a->note, TS_TEXT_NOTE_MAX, false) ||
        !ts_cli_text_ok(name, "ALERT-ID", a->id, TS_TEXT_ACTOR_MAX, true))
        return TS_EXIT_USAGE;
    a->at = (int64_t)time(NULL);
    if (a->now_arg && !ts_alert_parse_time(a->now_arg, &a->at)) {
        ts_cli_fail("%s: --now must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or @UNIXSECONDS, not "
                    "'%s'",
                    name, a->now_arg);
        return TS_EXIT_USAGE;
    }
    return TS_EXIT_OK;
}

/* The exit code of a refused action: a non-officer or a missing outcome/note is the
 * caller's mistake (2); out of cells, wrong state, unknown alert: 1. */
static int act_exit(ts_status rc)
{
    return rc == TS_INVALID ? TS_EXIT_USAGE : ts_cli_exit_for(rc);
}

static const char *const done_word[TS_ALERT_VERB_N] = {
    [TS_VERB_CLAIM] = "claimed",
    [TS_VERB_ACK] = "acknowledged",
    [TS_VERB_CLOSE] = "closed",
    [TS_VERB_REOPEN] = "reopened",
};

/* claim-next: prints the claimed alert's id, kind, person and cell. */
typedef struct next_out {
    const char *by;
} next_out;

static ts_status print_next(void *ud, const ts_alert *a)
{
    const next_out *o = ud;
    bool named = a->cell_name && a->cell_name[0];
    printf("%s claimed by %s: %s alert for %s in %s%s%s%s\n", a->id, o->by,
           ts_feedback_name(a->kind), a->person ? a->person : "-", a->grid ? a->grid : "-",
           named ? " (" : "", named ? a->cell_name : "", named ? ")" : "");
    return TS_OK;
}

static ts_status skip_event(void *ud, const ts_alert_event *e)
{
    (void)ud;
    (void)e;
    return TS_OK;
}

static int run_next(ts_app *app, const act_args *a, const ts_actor *actor)
{
    ts_err err;
    ts_err_clear(&err);
    char id[24];
    ts_status rc =
        ts_alert_claim_next(ts_app_store(app), ts_app_grid(app), actor, a->kind, a->at, id, &err);
    if (rc == TS_NOTFOUND) {
        ts_cli_fail("claim-next: no unclaimed %s%salert in the cells of %s",
                    a->kind != TS_FEEDBACK_NONE ? ts_feedback_name(a->kind) : "",
                    a->kind != TS_FEEDBACK_NONE ? " " : "", a->by);
        return TS_EXIT_FAILED;
    }
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return act_exit(rc);
    }
    next_out o = {.by = a->by};
    ts_alert_filter f = {.now = a->at};
    rc = ts_alert_show(ts_app_store(app), ts_app_grid(app), &f, id, print_next, skip_event, &o,
                       &err);
    if (rc != TS_OK) {
        /* claimed all the same: say which one */
        printf("%s claimed by %s\n", id, a->by);
        ts_cli_error(&err);
        return TS_EXIT_FAILED;
    }
    return fflush(stdout) == 0 ? TS_EXIT_OK : TS_EXIT_FAILED;
}

static int run_act(ts_app *app, const act_args *a, const ts_actor *actor)
{
    ts_err err;
    ts_err_clear(&err);
    ts_alert_action act = {
        .verb = a->verb, .alert_id = a->id, .outcome = a->outcome, .note = a->note, .at = a->at};
    ts_alert_state state;
    ts_status rc = ts_alert_act(ts_app_store(app), ts_app_grid(app), ts_app_config(app), actor,
                                &act, &state, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return act_exit(rc);
    }
    if (a->verb == TS_VERB_CLOSE)
        printf("%s closed by %s (%s)\n", a->id, a->by, ts_close_outcome_name(a->outcome));
    else
        printf("%s %s by %s\n", a->id, done_word[a->verb], a->by);
    return fflush(stdout) == 0 ? TS_EXIT_OK : TS_EXIT_FAILED;
}

static int act_main(int argc, char **argv, act_args *a)
{
    int code = act_parse(argc, argv, a);
    if (code != TS_EXIT_OK)
        return code < 0 ? TS_EXIT_OK : code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a->cfg_path, .parts = TS_APP_GRID | TS_APP_STORE_WRITE};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_officer_check(ts_app_grid(app), a->by, "--by", NULL, &err);
    if (rc != TS_OK) {
        char buf[800];
        ts_cli_fail("%s: %s", argv[0], ts_err_format(&err, buf, sizeof buf));
        code = ts_cli_exit_for(rc);
    } else {
        ts_actor actor = {.officer = a->by, .token = NULL};
        code = a->next ? run_next(app, a, &actor) : run_act(app, a, &actor);
    }
    ts_app_close(app);
    return code;
}

int ts__cli_claim(int argc, char **argv)
{
    act_args a = {.verb = TS_VERB_CLAIM};
    return act_main(argc, argv, &a);
}

int ts__cli_ack(int argc, char **argv)
{
    act_args a = {.verb = TS_VERB_ACK};
    return act_main(argc, argv, &a);
}

int ts__cli_close(int argc, char **argv)
{
    act_args a = {.verb = TS_VERB_CLOSE};
    return act_main(argc, argv, &a);
}

int ts__cli_reopen(int argc, char **argv)
{
    act_args a = {.verb = TS_VERB_REOPEN};
    return act_main(argc, argv, &a);
}

int ts__cli_claim_next(int argc, char **argv)
{
    act_args a = {.next = true};
    return act_main(argc, argv, &a);
}
