/* cli/cmd_alerts.c — `triscreen alerts` (the feed: table or JSON Lines, filters,
 * --follow, --stats) and `triscreen ack|close` (the alert lifecycle). Calls
 * triscreen/feedback.h. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/app.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/store.h"
#include "triscreen/text.h"
#include "triscreen/buf.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "render/render_alerts.h"

/* --follow: how often the feed is polled, and how often (without --now) the escalation
 * check runs again. */
#define FOLLOW_POLL_MS 200
#define FOLLOW_ESCALATE_MS 60000

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

typedef struct out_ctx {
    bool jsonl;
    uint64_t n;
    ts_buf line;
} out_ctx;

/* Writes the buffer to stdout and empties it; TS_IO when stdout fails. */
static ts_status put_out(ts_buf *b)
{
    ts_status rc = TS_OK;
    if (b->len && fwrite(ts_buf_str(b), 1, b->len, stdout) != b->len)
        rc = TS_IO;
    ts_buf_reset(b);
    /* a consumer tailing our output sees each alert as soon as it is printed */
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = TS_IO;
    return rc;
}

static ts_status print_alert(void *ud, const ts_alert *a)
{
    out_ctx *o = ud;
    ts_status rc =
        o->jsonl ? ts_render_alert_jsonl(&o->line, a) : ts_render_alert_table_row(&o->line, a);
    if (rc != TS_OK) {
        ts_buf_reset(&o->line);
        return rc;
    }
    o->n++;
    return put_out(&o->line);
}

static const char alerts_usage[] =
    "usage: triscreen alerts [-c CONFIG] [--since CURSOR] [--kind early|detailed|quick]\n"
    "                        [--scope CODE] [--officer ID] [--status new|acked|closed]\n"
    "                        [--format table|jsonl] [--follow] [--stats]\n"
    "                        [--now DATE|TIMESTAMP]\n"
    "Runs the escalation check of unacknowledged quick alerts first (at --now, else the\n"
    "wall clock), then lists the alerts after CURSOR in cursor order. --follow keeps\n"
    "printing new alerts as they are committed until SIGINT/SIGTERM. --stats prints counts\n"
    "by kind and status, median time to acknowledge and to close, and closure per town.";

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal cuts it short: the loop then sees g_stop */
}

/* What `triscreen alerts` was asked. */
typedef struct alerts_args {
    const char *cfg_path, *scope, *now_arg;
    ts_alert_filter f;
    bool jsonl, follow, stats;
    int64_t at; /* --now as unix seconds */
} alerts_args;

/* One option into a; TS_EXIT_OK to go on, else the exit code (-1: help printed). */
static int alerts_opt(int c, const char *arg, alerts_args *a)
{
    switch (c) {
    case 'c':
        a->cfg_path = arg;
        return TS_EXIT_OK;
    case 'S': {
        char *end;
        long long v = strtoll(arg, &end, 10);
        if (*end || end == arg || v < 0) {
            ts_cli_fail("alerts: --since must be a cursor (a number >= 0), not '%s'", arg);
            return TS_EXIT_USAGE;
        }
        a->f.since = v;
        return TS_EXIT_OK;
    }
    case 'k':
        if (!ts_feedback_parse(arg, &a->f.kind) || a->f.kind == TS_FEEDBACK_NONE) {
            ts_cli_fail("alerts: --kind must be early, detailed or quick, not '%s'", arg);
            return TS_EXIT_USAGE;
        }
        return TS_EXIT_OK;
    case 's':
        a->scope = arg;
        return TS_EXIT_OK;
    case 'o':
        a->f.officer = arg;
        return TS_EXIT_OK;
    case 't': {
        ts_alert_state want;
        if (!ts_alert_state_parse(arg, &want) || want == TS_ALERT_SUPERSEDED) {
            ts_cli_fail("alerts: --status must be new, acked or closed, not '%s'", arg);
            return TS_EXIT_USAGE;
        }
        a->f.status = arg;
        return TS_EXIT_OK;
    }
    case 'f':
        if (!strcmp(arg, "jsonl") || !strcmp(arg, "json") || !strcmp(arg, "table")) {
            a->jsonl = strcmp(arg, "table") != 0;
            return TS_EXIT_OK;
        }
        ts_cli_fail("alerts: --format must be table or jsonl, not '%s'", arg);
        return TS_EXIT_USAGE;
    case 'F':
        a->follow = true;
        return TS_EXIT_OK;
    case 'T':
        a->stats = true;
        return TS_EXIT_OK;
    case 'N':
        a->now_arg = arg;
        return TS_EXIT_OK;
    case 'h':
        puts(alerts_usage);
        return -1;
    default:
        return TS_EXIT_USAGE;
    }
}

/* Parses the command line into a; TS_EXIT_OK to go on, else the exit code (-1: help). */
static int alerts_parse(int argc, char **argv, alerts_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"since", required_argument, NULL, 'S'},
        {"kind", required_argument, NULL, 'k'},    {"scope", required_argument, NULL, 's'},
        {"officer", required_argument, NULL, 'o'}, {"status", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},  {"follow", no_argument, NULL, 'F'},
        {"stats", no_argument, NULL, 'T'},         {"now", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    optind = 0;
    int c, code;
    while ((c = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1)
        if ((code = alerts_opt(c, optarg, a)) != TS_EXIT_OK)
            return code;
    if (optind != argc) {
        ts_cli_fail("alerts: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    if (a->follow && a->stats) {
        ts_cli_fail("alerts: --follow and --stats do not go together");
        return TS_EXIT_USAGE;
    }
    if (a->now_arg && !ts_alert_parse_time(a->now_arg, &a->at)) {
        ts_cli_fail("alerts: --now must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z, not '%s'",
                    a->now_arg);
        return TS_EXIT_USAGE;
    }
    return TS_EXIT_OK;
}

/* `alerts --stats`: query → render → stdout. */
static ts_status alerts_stats(ts_store *store, const ts_grid *grid, bool json, ts_err *err)
{
    ts_alert_stats st;
    ts_status rc = ts_alerts_stats_read(store, grid, &st, err);
    if (rc != TS_OK)
        return rc;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    rc = json ? ts_render_alert_stats_json(&b, &st) : ts_render_alert_stats_text(&b, &st);
    if (rc == TS_OK && put_out(&b) != TS_OK)
        rc = ts_err_set(err, TS_IO, "alerts", "cannot write the statistics");
    else if (rc != TS_OK)
        rc = ts_err_set(err, rc, "alerts", "the statistics");
    ts_buf_release(&b);
    ts_alert_stats_release(&st);
    return rc;
}

static void follow_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: the sleep returns at once */
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed reader ends the loop through EPIPE */
}

/* --follow: sleeps until a cursor above `since` is committed (or a signal); runs the
 * escalation check again now and then when there is no --now. */
static ts_status follow_wait(ts_feedback_ctx *fb, ts_store *store, const alerts_args *a,
                             int64_t since, uint64_t *last_escalate, ts_err *err)
{
    ts_status rc = TS_OK;
    unsigned escalated = 0;
    while (!g_stop) {
        sleep_ms(FOLLOW_POLL_MS);
        if (g_stop)
            break;
        if (!a->now_arg && ts_cli_now_ms() - *last_escalate >= FOLLOW_ESCALATE_MS) {
            *last_escalate = ts_cli_now_ms();
            if ((rc = ts_feedback_escalate(fb, store, (int64_t)time(NULL), &escalated, err)) !=
                TS_OK)
                break;
        }
        int64_t m = 0;
        if ((rc = ts_alerts_max_cursor(store, &m, err)) != TS_OK || m > since)
            break;
    }
    return rc;
}

/* The feed: the header (table), the alerts after --since, and with --follow the new ones
 * as they are committed. */
static ts_status alerts_feed(ts_feedback_ctx *fb, ts_store *store, const ts_grid *grid,
                             alerts_args *a, ts_err *err)
{
    out_ctx out = {.jsonl = a->jsonl};
    ts_buf_init(&out.line, TS_LIMIT_RULES_JSON);
    ts_status rc = TS_OK;
    if (a->follow)
        follow_signals();
    if (!a->jsonl && (rc = ts_render_alert_table_header(&out.line)) == TS_OK)
        rc = put_out(&out.line);
    int64_t since = a->f.since;
    uint64_t last_escalate = ts_cli_now_ms();
    while (rc == TS_OK) {
        /* everything up to `max` is in the snapshot the list reads next, so since can move
         * to max even when no row matched the filters */
        int64_t max = 0;
        if ((rc = ts_alerts_max_cursor(store, &max, err)) != TS_OK)
            break;
        if (max > since) {
            int64_t last = since;
            a->f.since = since;
            if ((rc = ts_alerts_read(store, grid, &a->f, print_alert, &out, &last, err)) != TS_OK)
                break;
            since = last > max ? last : max;
        }
        if (!a->follow)
            break;
        rc = follow_wait(fb, store, a, since, &last_escalate, err);
        if (g_stop)
            break;
    }
    ts_buf_release(&out.line);
    return rc;
}

int ts__cli_alerts(int argc, char **argv)
{
    alerts_args args = {0};
    int code = alerts_parse(argc, argv, &args);
    if (code != TS_EXIT_OK)
        return code < 0 ? TS_EXIT_OK : code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = args.cfg_path,
                      .parts = TS_APP_GRID | TS_APP_STORE_WRITE | TS_APP_FEEDBACK,
                      .scope = args.scope};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    const ts_grid *grid = ts_app_grid(app);
    ts_store *store = ts_app_store(app);
    ts_feedback_ctx *fb = ts_app_feedback(app);
    const ts_cell *scope_cell = ts_app_scope(app);
    ts_err err;
    ts_err_clear(&err);
    ts_status rc;
    const ts_cell *scopes[1] = {scope_cell};
    if (scope_cell) {
        args.f.scopes = scopes;
        args.f.n_scopes = 1;
    }

    unsigned escalated = 0;
    rc = ts_feedback_escalate(fb, store, args.now_arg ? args.at : (int64_t)time(NULL), &escalated,
                              &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED;
        goto done;
    }
    if (escalated)
        fprintf(stderr, "triscreen: escalated %u unacknowledged quick alert%s\n", escalated,
                escalated == 1 ? "" : "s");
    rc = args.stats ? alerts_stats(store, grid, args.jsonl, &err)
                    : alerts_feed(fb, store, grid, &args, &err);
    if (rc == TS_IO && !args.stats) {
        ts_cli_fail("alerts: cannot write the output");
        code = TS_EXIT_FAILED;
    } else if (rc != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED;
    }
done:
    ts_app_close(app);
    return code;
}

/* ---- ack / close ----------------------------------------------------------------------- */

static int lifecycle(int argc, char **argv, bool close_it)
{
    const char *name = close_it ? "close" : "ack";
    const char *cfg_path = NULL, *by = NULL, *note = NULL;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"by", required_argument, NULL, 'b'},
                                         {"note", required_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'n':
            note = optarg;
            break;
        case 'h':
            printf("usage: triscreen %s [-c CONFIG] ALERT-ID --by OFFICER %s\n", name,
                   close_it ? "--note TEXT" : "[--note TEXT]");
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        ts_cli_fail("%s: expected one ALERT-ID (e.g. A-000042); see triscreen %s --help", name,
                    name);
        return TS_EXIT_USAGE;
    }
    if (!by || !by[0]) {
        ts_cli_fail("%s: --by OFFICER is required", name);
        return TS_EXIT_USAGE;
    }
    const char *id = argv[optind];
    if (!ts_cli_text_ok(name, "--by", by, TS_TEXT_ACTOR_MAX, true) ||
        !ts_cli_text_ok(name, "--note", note, TS_TEXT_NOTE_MAX, false) ||
        !ts_cli_text_ok(name, "ALERT-ID", id, TS_TEXT_ACTOR_MAX, true))
        return TS_EXIT_USAGE;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = cfg_path, .parts = TS_APP_STORE_WRITE};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    ts_store *store = ts_app_store(app);
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = close_it ? ts_alert_close(store, id, by, note, &err)
                            : ts_alert_ack(store, id, by, note, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = rc == TS_CONFIG || rc == TS_USAGE ? TS_EXIT_USAGE : TS_EXIT_FAILED;
    } else {
        printf("%s %s by %s\n", id, close_it ? "closed" : "acknowledged", by);
    }
    ts_app_close(app);
    return code;
}

int ts__cli_ack(int argc, char **argv)
{
    return lifecycle(argc, argv, false);
}

int ts__cli_close(int argc, char **argv)
{
    return lifecycle(argc, argv, true);
}
