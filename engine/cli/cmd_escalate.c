/* cli/cmd_escalate.c — `triscreen escalate [--now TIME] [--batch N]`: one run of the
 * clock sweep (ts_feedback_escalate, triscreen/feedback.h) for cron users; `serve` runs
 * the same sweep on its timer. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/app.h"
#include "triscreen/feedback.h"
#include "cli/cli.h"

static const char usage[] =
    "usage: triscreen escalate [-c CONFIG] [--now TIME] [--batch N]\n"
    "Moves every open alert whose deadline (config sla:) has passed one level up: group →\n"
    "village → town → county desk, on the same id. TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z\n"
    "or @UNIXSECONDS (default: the clock). N: alerts per transaction (default: the engine's).";

/* Counts the alerts of one sweep (their cursors are above the head before it) that are
 * now at the county desk. */
static ts_status count_desk(void *ud, const ts_alert *a)
{
    if (a->target == 0 && a->status != TS_ALERT_CLOSED)
        ++*(uint64_t *)ud;
    return TS_OK;
}

static int escalate_run(ts_app *app, int64_t at, size_t batch)
{
    ts_store *store = ts_app_store(app);
    ts_err err;
    ts_err_clear(&err);
    int64_t head = 0;
    uint64_t n = 0, desk = 0;
    ts_status rc = ts_alerts_max_cursor(store, &head, &err);
    if (rc == TS_OK)
        rc = ts_feedback_escalate(ts_app_feedback(app), store, at, batch, &n, &err);
    if (rc == TS_OK && n) {
        /* an escalation moves the alert to the head of the feed: the alerts above the old
         * head are the ones this sweep moved (and any raised meanwhile) */
        ts_alert_filter f = {.since = head, .status = "open", .now = at};
        int64_t last = head;
        rc = ts_alerts_read(store, ts_app_grid(app), &f, count_desk, &desk, &last, &err);
    }
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return ts_cli_exit_for(rc);
    }
    printf("escalated %llu alert%s (%llu at the county desk)\n", (unsigned long long)n,
           n == 1 ? "" : "s", (unsigned long long)desk);
    return fflush(stdout) == 0 ? TS_EXIT_OK : TS_EXIT_FAILED;
}

int ts__cli_escalate(int argc, char **argv)
{
    const char *cfg_path = NULL, *now_arg = NULL;
    size_t batch = 0;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"now", required_argument, NULL, 'N'},
                                         {"batch", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        char *end;
        long long v;
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'N':
            now_arg = optarg;
            break;
        case 'b':
            v = strtoll(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 1000000) {
                ts_cli_fail("escalate: --batch must be a number from 1 to 1000000, not '%s'",
                            optarg);
                return TS_EXIT_USAGE;
            }
            batch = (size_t)v;
            break;
        case 'h':
            puts(usage);
            return TS_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", usage);
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("escalate: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    int64_t at = (int64_t)time(NULL);
    if (now_arg && !ts_alert_parse_time(now_arg, &at)) {
        ts_cli_fail("escalate: --now must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or "
                    "@UNIXSECONDS, not '%s'",
                    now_arg);
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = cfg_path,
                      .parts = TS_APP_GRID | TS_APP_STORE_WRITE | TS_APP_FEEDBACK};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    code = escalate_run(app, at, batch);
    ts_app_close(app);
    return code;
}
