/* cli/cmd_alerts.c — `triscreen alerts` (the feed: table or JSON Lines, filters,
 * --follow, --stats) and `triscreen alerts show ID` (one alert and its history). Reading
 * never escalates: the clock sweep is `triscreen escalate` (and serve's timer). Calls
 * triscreen/feedback.h; renders through render/render_alerts.h. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/app.h"
#include "triscreen/buf.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/jsonw.h"
#include "triscreen/store.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "render/render_alerts.h"

/* --follow: how often the feed is polled. */
#define FOLLOW_POLL_MS 200

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
    "                        [--state new|claimed|acknowledged|closed|open] [--officer ID]\n"
    "                        [--scope CODE] [--created-since TIME] [--limit N]\n"
    "                        [--format table|jsonl] [--follow] [--stats [--format json]]\n"
    "                        [--now TIME]\n"
    "       triscreen alerts show ID [-c CONFIG] [--scope CODE] [--format text|json] [--now TIME]\n"
    "Lists the alerts after CURSOR in cursor order (--status is an alias of --state; acked =\n"
    "acknowledged; open = any but closed). --follow keeps printing new alerts as they are\n"
    "committed until SIGINT/SIGTERM. --stats prints raised, acknowledged in time, closed,\n"
    "closure against the target, p50/p90 minutes to acknowledge and to close and overdue\n"
    "now, per kind, town and village, and overdue alerts by level. --now (the clock that\n"
    "decides what is overdue) takes YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or @UNIXSECONDS.\n"
    "Reading never escalates: see triscreen escalate.";

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal cuts it short: the loop then sees g_stop */
}

/* What `triscreen alerts` was asked. */
typedef struct alerts_args {
    const char *cfg_path, *scope, *now_arg, *format, *show_id;
    ts_alert_filter f;
    bool jsonl, follow, stats;
} alerts_args;

/* A number >= min into *out; false (message printed) when it is not one. */
static bool parse_count(const char *flag, const char *arg, long long min, long long *out)
{
    char *end;
    long long v = strtoll(arg, &end, 10);
    if (*end || end == arg || v < min) {
        ts_cli_fail("alerts: %s must be a number >= %lld, not '%s'", flag, min, arg);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_state(const char *arg)
{
    ts_alert_state s;
    return ts_alert_state_parse(arg, &s) || !strcmp(arg, "acked") || !strcmp(arg, "open");
}

/* One option into a; TS_EXIT_OK to go on, else the exit code (-1: help printed). */
static int alerts_opt(int c, const char *arg, alerts_args *a)
{
    long long v;
    switch (c) {
    case 'c':
        a->cfg_path = arg;
        return TS_EXIT_OK;
    case 'S':
        if (!parse_count("--since", arg, 0, &v))
            return TS_EXIT_USAGE;
        a->f.since = v;
        return TS_EXIT_OK;
    case 'L':
        if (!parse_count("--limit", arg, 1, &v))
            return TS_EXIT_USAGE;
        a->f.limit = (size_t)v;
        return TS_EXIT_OK;
    case 'k':
        if (!ts_feedback_parse(arg, &a->f.kind)) {
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
    case 't':
        if (!parse_state(arg)) {
            ts_cli_fail("alerts: --state must be new, claimed, acknowledged (acked), closed or "
                        "open, not '%s'",
                        arg);
            return TS_EXIT_USAGE;
        }
        a->f.status = arg;
        return TS_EXIT_OK;
    case 'C':
        if (!ts_alert_parse_time(arg, &a->f.created_since)) {
            ts_cli_fail("alerts: --created-since must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or "
                        "@UNIXSECONDS, not '%s'",
                        arg);
            return TS_EXIT_USAGE;
        }
        return TS_EXIT_OK;
    case 'f':
        a->format = arg;
        return TS_EXIT_OK;
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
        fprintf(stderr, "%s\n", alerts_usage);
        return TS_EXIT_USAGE;
    }
}

/* --format: the feed is table|jsonl, the statistics and show text|json; each JSON name
 * and each text name is accepted for the other form too. */
static int alerts_format(alerts_args *a)
{
    const char *f = a->format;
    if (!f)
        return TS_EXIT_OK;
    bool list = !a->stats && !a->show_id;
    if (!strcmp(f, "json") || !strcmp(f, "jsonl")) {
        a->jsonl = true;
        return TS_EXIT_OK;
    }
    if (!strcmp(f, "table") || !strcmp(f, "text"))
        return TS_EXIT_OK;
    ts_cli_fail("alerts: --format must be %s, not '%s'", list ? "table or jsonl" : "text or json",
                f);
    return TS_EXIT_USAGE;
}

/* Parses the command line into a; TS_EXIT_OK to go on, else the exit code (-1: help). */
static int alerts_parse(int argc, char **argv, alerts_args *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"since", required_argument, NULL, 'S'},
                                         {"kind", required_argument, NULL, 'k'},
                                         {"scope", required_argument, NULL, 's'},
                                         {"officer", required_argument, NULL, 'o'},
                                         {"state", required_argument, NULL, 't'},
                                         {"status", required_argument, NULL, 't'},
                                         {"created-since", required_argument, NULL, 'C'},
                                         {"limit", required_argument, NULL, 'L'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"follow", no_argument, NULL, 'F'},
                                         {"stats", no_argument, NULL, 'T'},
                                         {"now", required_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c, code;
    while ((c = getopt_long(argc, argv, "c:f:h", opts, NULL)) != -1)
        if ((code = alerts_opt(c, optarg, a)) != TS_EXIT_OK)
            return code;
    if (optind < argc && !strcmp(argv[optind], "show")) {
        if (optind + 2 != argc) {
            ts_cli_fail("alerts show: expected one ALERT-ID (e.g. A-000042)");
            return TS_EXIT_USAGE;
        }
        a->show_id = argv[optind + 1];
    } else if (optind != argc) {
        ts_cli_fail("alerts: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    if (a->follow && (a->stats || a->show_id)) {
        ts_cli_fail("alerts: --follow goes with the feed only");
        return TS_EXIT_USAGE;
    }
    if (a->now_arg && !ts_alert_parse_time(a->now_arg, &a->f.now)) {
        ts_cli_fail("alerts: --now must be YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or @UNIXSECONDS, "
                    "not '%s'",
                    a->now_arg);
        return TS_EXIT_USAGE;
    }
    if (!a->f.now)
        a->f.now = (int64_t)time(NULL);
    return alerts_format(a);
}

/* `alerts --stats`: query → render → stdout. */
static ts_status alerts_stats(ts_app *app, const alerts_args *a, ts_err *err)
{
    ts_alert_stats st;
    ts_status rc = ts_alerts_stats_read(ts_app_store(app), ts_app_grid(app), ts_app_config(app),
                                        &a->f, &st, err);
    if (rc != TS_OK)
        return rc;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    rc = a->jsonl ? ts_render_alert_stats_json(&b, &st) : ts_render_alert_stats_text(&b, &st);
    if (rc == TS_OK && put_out(&b) != TS_OK)
        rc = ts_err_set(err, TS_IO, "alerts", "cannot write the statistics");
    else if (rc != TS_OK)
        rc = ts_err_set(err, rc, "alerts", "the statistics");
    ts_buf_release(&b);
    ts_alert_stats_release(&st);
    return rc;
}

/* ---- alerts show ID ---------------------------------------------------------------------- */

/* The alert and then its events, as text lines or as one JSON object
 * {"alert":…,"history":[…]} written as they come. */
typedef struct show_ctx {
    bool json;
    ts_buf b;
    ts_jsonw w;
} show_ctx;

/* Text: the deploy note of the stored rules version the alert was raised under (JSON has
 * it in the alert object, ts_alert_write_json); nothing when no version is stored for it. */
static ts_status show_version_note(show_ctx *o, const ts_alert *a)
{
    if (!a->rules_note)
        return TS_OK;
    ts_status rc = ts_render_pad(&o->b, "rules note", 11, true);
    return rc == TS_OK ? ts_buf_printf(&o->b, "%s (deployed by %s)\n", a->rules_note, a->rules_by)
                       : rc;
}

static ts_status show_alert(void *ud, const ts_alert *a)
{
    show_ctx *o = ud;
    if (!o->json) {
        ts_status rc = ts_render_alert_show_text(&o->b, a);
        return rc == TS_OK ? show_version_note(o, a) : rc;
    }
    ts_jsonw_obj(&o->w);
    ts_jsonw_key(&o->w, "alert");
    ts_alert_write_json(&o->w, a);
    ts_jsonw_key(&o->w, "history");
    ts_jsonw_arr(&o->w);
    return o->w.st; /* the object stays open for the events: its sticky error so far */
}

static ts_status show_event(void *ud, const ts_alert_event *e)
{
    show_ctx *o = ud;
    if (!o->json)
        return ts_render_alert_event_row(&o->b, e);
    ts_alert_event_write_json(&o->w, e);
    return o->w.st;
}

static ts_status alerts_show(ts_app *app, const alerts_args *a, ts_err *err)
{
    show_ctx o = {.json = a->jsonl};
    ts_buf_init(&o.b, TS_LIMIT_LINE);
    ts_jsonw_init(&o.w, &o.b);
    ts_status rc = ts_alert_show(ts_app_store(app), ts_app_grid(app), &a->f, a->show_id, show_alert,
                                 show_event, &o, err);
    if (rc == TS_OK && o.json) {
        ts_jsonw_arr_end(&o.w);
        ts_jsonw_obj_end(&o.w);
        if ((rc = ts_jsonw_finish(&o.w)) == TS_OK)
            rc = ts_buf_putc(&o.b, '\n');
    }
    if (rc == TS_OK && put_out(&o.b) != TS_OK)
        rc = ts_err_set(err, TS_IO, "alerts show", "cannot write the output");
    else if (rc != TS_OK && err->code == TS_OK) /* the renderer's own failure */
        rc = ts_err_set(err, rc, "alerts show", "rendering %s", a->show_id);
    ts_buf_release(&o.b);
    return rc;
}

/* ---- the feed ---------------------------------------------------------------------------- */

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

/* --follow: sleeps until a cursor above `since` is committed (or a signal). */
static ts_status follow_wait(ts_store *store, int64_t since, ts_err *err)
{
    ts_status rc = TS_OK;
    while (!g_stop) {
        sleep_ms(FOLLOW_POLL_MS);
        if (g_stop)
            break;
        int64_t m = 0;
        if ((rc = ts_alerts_max_cursor(store, &m, err)) != TS_OK || m > since)
            break;
    }
    return rc;
}

/* The feed: the header (table), the alerts after --since (at most --limit), and with
 * --follow the new ones as they are committed. */
static ts_status alerts_feed(ts_app *app, alerts_args *a, ts_err *err)
{
    ts_store *store = ts_app_store(app);
    out_ctx out = {.jsonl = a->jsonl};
    ts_buf_init(&out.line, TS_LIMIT_RULES_JSON);
    ts_status rc = TS_OK;
    if (a->follow)
        follow_signals();
    if (!a->jsonl && (rc = ts_render_alert_table_header(&out.line)) == TS_OK)
        rc = put_out(&out.line);
    size_t limit = a->f.limit;
    int64_t since = a->f.since;
    while (rc == TS_OK) {
        /* everything up to `max` is in the snapshot the list reads next, so since can move
         * to max even when no row matched the filters */
        int64_t max = 0;
        if ((rc = ts_alerts_max_cursor(store, &max, err)) != TS_OK)
            break;
        if (max > since) {
            int64_t last = since;
            a->f.since = since;
            a->f.limit = limit ? limit - (size_t)out.n : 0;
            if (a->follow && !a->now_arg)
                a->f.now = (int64_t)time(NULL); /* overdue as of each read */
            if ((rc = ts_alerts_read(store, ts_app_grid(app), &a->f, print_alert, &out, &last,
                                     err)) != TS_OK)
                break;
            since = last > max ? last : max;
        }
        if (!a->follow || (limit && out.n >= limit))
            break;
        rc = follow_wait(store, since, err);
        if (g_stop)
            break;
    }
    ts_buf_release(&out.line);
    return rc;
}

/* --officer: must name an officer of the grid (exit 2 otherwise). */
static int check_officer(const ts_app *app, const char *officer)
{
    if (!officer)
        return TS_EXIT_OK;
    ts_err err;
    ts_err_clear(&err);
    if (ts_officer_check(ts_app_grid(app), officer, "--officer", NULL, &err) == TS_OK)
        return TS_EXIT_OK;
    char buf[800];
    ts_cli_fail("alerts: %s", ts_err_format(&err, buf, sizeof buf));
    return TS_EXIT_USAGE;
}

int ts__cli_alerts(int argc, char **argv)
{
    alerts_args args = {0};
    int code = alerts_parse(argc, argv, &args);
    if (code != TS_EXIT_OK)
        return code < 0 ? TS_EXIT_OK : code;
    ts_app *app = NULL;
    /* the pack only for the rule titles; no feedback router: reading never escalates */
    ts_app_opts ao = {.config_path = args.cfg_path,
                      .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_WRITE,
                      .scope = args.scope};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    if ((code = check_officer(app, args.f.officer)) != TS_EXIT_OK)
        goto done;
    const ts_cell *scopes[1] = {ts_app_scope(app)};
    if (scopes[0]) {
        args.f.scopes = scopes;
        args.f.n_scopes = 1;
    }
    args.f.pack = ts_app_pack(app);
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = args.show_id ? alerts_show(app, &args, &err)
                   : args.stats ? alerts_stats(app, &args, &err)
                                : alerts_feed(app, &args, &err);
    if (rc == TS_IO && !args.stats && !args.show_id) {
        ts_cli_fail("alerts: cannot write the output");
        code = TS_EXIT_FAILED;
    } else if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
    }
done:
    ts_app_close(app);
    return code;
}
