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
#include "cli/cli.h"

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
} out_ctx;

static ts_status print_alert(void *ud, const char *json, int64_t cursor)
{
    out_ctx *o = ud;
    if (o->jsonl) {
        fputs(json, stdout);
        fputc('\n', stdout);
    } else {
        char row[1200];
        if (ts_alert_table_row(json, row, sizeof row) != TS_OK)
            return TS_INVALID;
        puts(row);
    }
    o->n++;
    /* a consumer tailing our output sees each alert as soon as it is printed */
    if (fflush(stdout) != 0 || ferror(stdout))
        return TS_IO;
    return TS_OK;
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

int ts__cli_alerts(int argc, char **argv)
{
    const char *cfg_path = NULL, *scope = NULL, *now_arg = NULL;
    ts_alert_filter f = {0};
    bool jsonl = false, follow = false, stats = false;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"since", required_argument, NULL, 'S'},
        {"kind", required_argument, NULL, 'k'},    {"scope", required_argument, NULL, 's'},
        {"officer", required_argument, NULL, 'o'}, {"status", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},  {"follow", no_argument, NULL, 'F'},
        {"stats", no_argument, NULL, 'T'},         {"now", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'S': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || end == optarg || v < 0) {
                ts_cli_fail("alerts: --since must be a cursor (a number >= 0), not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            f.since = v;
            break;
        }
        case 'k':
            if (!ts_feedback_parse(optarg, &f.kind) || f.kind == TS_FEEDBACK_NONE) {
                ts_cli_fail("alerts: --kind must be early, detailed or quick, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 's':
            scope = optarg;
            break;
        case 'o':
            f.officer = optarg;
            break;
        case 't': {
            ts_alert_state want;
            if (!ts_alert_state_parse(optarg, &want) || want == TS_ALERT_SUPERSEDED) {
                ts_cli_fail("alerts: --status must be new, acked or closed, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            f.status = optarg;
            break;
        }
        case 'f':
            if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "json"))
                jsonl = true;
            else if (!strcmp(optarg, "table"))
                jsonl = false;
            else {
                ts_cli_fail("alerts: --format must be table or jsonl, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 'F':
            follow = true;
            break;
        case 'T':
            stats = true;
            break;
        case 'N':
            now_arg = optarg;
            break;
        case 'h':
            puts(alerts_usage);
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("alerts: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    if (follow && stats) {
        ts_cli_fail("alerts: --follow and --stats do not go together");
        return TS_EXIT_USAGE;
    }
    int64_t at = 0;
    if (now_arg && !ts_alert_parse_time(now_arg, &at)) {
        ts_cli_fail("alerts: --now must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z, not '%s'",
                    now_arg);
        return TS_EXIT_USAGE;
    }

    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = cfg_path,
                      .parts = TS_APP_GRID | TS_APP_STORE_WRITE | TS_APP_FEEDBACK,
                      .scope = scope};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
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
        f.scopes = scopes;
        f.n_scopes = 1;
    }

    unsigned escalated = 0;
    rc = ts_feedback_escalate(fb, store, now_arg ? at : (int64_t)time(NULL), &escalated, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED;
        goto done;
    }
    if (escalated)
        fprintf(stderr, "triscreen: escalated %u unacknowledged quick alert%s\n", escalated,
                escalated == 1 ? "" : "s");

    if (stats) {
        rc = ts_alerts_stats(store, grid, jsonl, stdout, &err);
        if (rc != TS_OK) {
            ts_cli_error(&err);
            code = TS_EXIT_FAILED;
        }
        goto done;
    }

    if (follow) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: the sleep returns at once */
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN); /* a closed reader ends the loop through EPIPE */
    }
    out_ctx out = {.jsonl = jsonl};
    if (!jsonl) {
        puts(ts_alert_table_header());
        fflush(stdout);
    }
    int64_t since = f.since;
    uint64_t last_escalate = ts_cli_now_ms();
    for (;;) {
        /* everything up to `max` is in the snapshot the list reads next, so since can move
         * to max even when no row matched the filters */
        int64_t max = 0;
        if ((rc = ts_alerts_max_cursor(store, &max, &err)) != TS_OK)
            break;
        if (max > since) {
            int64_t last = since;
            f.since = since;
            if ((rc = ts_alerts_list(store, grid, &f, print_alert, &out, &last, &err)) != TS_OK)
                break;
            since = last > max ? last : max;
        }
        if (!follow)
            break;
        while (!g_stop) {
            sleep_ms(FOLLOW_POLL_MS);
            if (g_stop)
                break;
            if (!now_arg && ts_cli_now_ms() - last_escalate >= FOLLOW_ESCALATE_MS) {
                last_escalate = ts_cli_now_ms();
                if ((rc = ts_feedback_escalate(fb, store, (int64_t)time(NULL), &escalated, &err)) !=
                    TS_OK)
                    break;
            }
            int64_t m = 0;
            if ((rc = ts_alerts_max_cursor(store, &m, &err)) != TS_OK)
                break;
            if (m > since)
                break;
        }
        if (g_stop || rc != TS_OK)
            break;
    }
    if (rc == TS_IO) {
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
