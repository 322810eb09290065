/* cli/cmd_screen.c — `triscreen screen`: run the full, regional and targeted passes
 * (or one of them) over a scope and print the run summary. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "triscreen/app.h"
#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/judged.h"
#include "triscreen/rule_errors.h"
#include "triscreen/rulehost.h"
#include "triscreen/screen.h"
#include "triscreen/shadow_judge.h"
#include "triscreen/store.h"
#include "cli/cli.h"
#include "render/render_rule_errors.h"

static void on_progress(void *ud, ts_pass pass, uint64_t done, uint64_t total)
{
    ts_progress *p = ud;
    p->label = pass == TS_PASS_FULL       ? "full pass    "
               : pass == TS_PASS_REGIONAL ? "regional pass"
                                          : "targeted pass";
    ts_progress_update(p, done, total, "persons");
}

static void on_problem(void *ud, const char *where, const char *msg)
{
    fprintf(stderr, "triscreen: %s: %s\n", where, msg);
}

static void print_text(const ts_screen_result *r, const ts_rulepack *pack, const char *scope,
                       const char *now)
{
    for (unsigned i = 0; i < r->n; i++) {
        const ts_pass_summary *p = &r->pass[i];
        printf("run %lld  %-8s scope %s  now %s  %llu persons in %.2f s (%u threads; "
               "rules %.0f persons/s per core)\n",
               (long long)p->run, ts_pass_name(p->pass), scope, now, (unsigned long long)p->persons,
               p->seconds, r->threads,
               p->eval_cpu_seconds > 0 ? (double)p->persons / p->eval_cpu_seconds : 0.0);
        if (p->pass == TS_PASS_FULL)
            printf("  suspects %llu (new %llu), with data gaps %llu\n",
                   (unsigned long long)p->suspects, (unsigned long long)p->newly_suspect,
                   (unsigned long long)p->with_gaps);
        else
            printf("  lists: red %llu, yellow %llu, blue %llu; transitions %llu (entered %llu, "
                   "left %llu, rose %llu, fell %llu)\n",
                   (unsigned long long)p->lists[TS_COLOUR_RED],
                   (unsigned long long)p->lists[TS_COLOUR_YELLOW],
                   (unsigned long long)p->lists[TS_COLOUR_BLUE], (unsigned long long)p->transitions,
                   (unsigned long long)p->entered, (unsigned long long)p->left,
                   (unsigned long long)p->rose, (unsigned long long)p->fell);
        for (size_t j = 0; j < ts_rulepack_count(pack); j++) {
            const ts_rule_info *ri = ts_rulepack_rule(pack, j);
            if (ri->pass == p->pass && p->fired[j])
                printf("    %-28s %8llu\n", ri->id, (unsigned long long)p->fired[j]);
        }
        if (p->alerts[TS_FEEDBACK_EARLY] + p->alerts[TS_FEEDBACK_DETAILED] +
            p->alerts[TS_FEEDBACK_QUICK])
            printf("  alerts: early %llu, detailed %llu, quick %llu\n",
                   (unsigned long long)p->alerts[TS_FEEDBACK_EARLY],
                   (unsigned long long)p->alerts[TS_FEEDBACK_DETAILED],
                   (unsigned long long)p->alerts[TS_FEEDBACK_QUICK]);
        if (p->rule_errors)
            printf("  rule errors: %llu (first: %s)\n", (unsigned long long)p->rule_errors,
                   p->first_error);
    }
}

typedef struct screen_args {
    const char *cfg_path, *scope, *person, *now;
    const char *format;
    unsigned passes, threads;
    bool due, strict;
} screen_args;

static const char usage[] = "usage: triscreen screen [-c CONFIG] [--pass full|regional|targeted] "
                            "[--scope CODE] [--due] [--person ID] [--now DATE] [--strict] "
                            "[--threads N] [--format text|json]";

/* One option (getopt's c, optarg); returns -1 to go on, else the exit code. */
static int parse_opt(int c, const char *arg, screen_args *a)
{
    ts_pass p;
    switch (c) {
    case 'c':
        a->cfg_path = arg;
        break;
    case 'p':
        if (!ts_pass_parse(arg, &p)) {
            ts_cli_fail("screen: --pass must be full, regional or targeted, not '%s'", arg);
            return TS_EXIT_USAGE;
        }
        a->passes |= TS_PASS_BIT(p);
        break;
    case 's':
        a->scope = arg;
        break;
    case 'd':
        a->due = true;
        break;
    case 'P':
        a->person = arg;
        break;
    case 'N':
        a->now = arg;
        break;
    case 'S':
        a->strict = true;
        break;
    case 't':
        a->threads = (unsigned)atoi(arg);
        if (a->threads < 1 || a->threads > 64) {
            ts_cli_fail("screen: --threads must be 1..64");
            return TS_EXIT_USAGE;
        }
        break;
    case 'f':
        a->format = arg;
        if (strcmp(arg, "text") && strcmp(arg, "json")) {
            ts_cli_fail("screen: --format must be text or json");
            return TS_EXIT_USAGE;
        }
        break;
    case 'h':
        puts(usage);
        return TS_EXIT_OK;
    default:
        return TS_EXIT_USAGE;
    }
    return -1;
}

/* Parses argv; returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, screen_args *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"pass", required_argument, NULL, 'p'},
                                         {"scope", required_argument, NULL, 's'},
                                         {"due", no_argument, NULL, 'd'},
                                         {"person", required_argument, NULL, 'P'},
                                         {"now", required_argument, NULL, 'N'},
                                         {"strict", no_argument, NULL, 'S'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    a->format = "text";
    optind = 0;
    int c, code;
    while ((c = getopt_long(argc, argv, "c:p:s:t:f:h", opts, NULL)) != -1)
        if ((code = parse_opt(c, optarg, a)) >= 0)
            return code;
    if (optind != argc) {
        ts_cli_fail("screen: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    if ((a->due || a->person) && a->passes == 0)
        a->passes = TS_PASS_BIT(TS_PASS_TARGETED); /* --due and --person are targeted reviews */
    return -1;
}

/* --person names one record: a typo must not screen nobody and exit 0. Returns the exit
 * code (0 = the person is there). */
static int check_person(ts_app *app, const char *person)
{
    ts_err err;
    ts_err_clear(&err);
    ts_arena pa;
    ts_arena_init(&pa, TS_LIMIT_ARENA_RECORD);
    ts_person p;
    ts_status rc = ts_store_get_person(ts_app_store(app), person, &pa, &p, &err);
    ts_arena_release(&pa);
    if (rc == TS_NOTFOUND) {
        ts_cli_fail("screen: --person %s: no such person", person);
        return TS_EXIT_FAILED;
    }
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return ts_cli_exit_for(rc);
    }
    return TS_EXIT_OK;
}

/* Runs the passes, flushes and escalates the alerts; fills res. Returns the exit code;
 * *ran is false when the passes failed (nothing to show). */
static int run_passes(ts_app *app, const screen_args *a, ts_screen_result *res, bool *ran)
{
    int code = TS_EXIT_OK;
    ts_err err, ferr;
    ts_err_clear(&err);
    ts_store *store = ts_app_store(app);
    ts_feedback_ctx *fb = ts_app_feedback(app);
    ts_progress prog;
    ts_progress_init(&prog, "screen");
    ts_screen_opts so = {.cfg = ts_app_config(app),
                         .grid = ts_app_grid(app),
                         .pack = ts_app_pack(app),
                         .passes = a->passes,
                         .scope = a->scope,
                         .due = a->due,
                         .person = a->person,
                         .now = ts_app_now(app),
                         .strict = a->strict,
                         .threads = a->threads,
                         .progress = on_progress,
                         .ud = &prog,
                         .on_alert = ts_feedback_on_screen_alert,
                         .on_alert_batch = ts_feedback_on_alert_batch,
                         .alert_ud = fb};
    /* shadows judge a screening with a full pass (not one person checked on demand) */
    ts_judged_set *live = NULL;
    ts_judged_sink sink = {0};
    unsigned mask = a->passes ? a->passes : 7u;
    if ((mask & (1u << TS_PASS_FULL)) && !a->person && ts_store_shadow_count(store) > 0 &&
        ts_judged_set_new(ts_app_grid(app), &live, &err) == TS_OK) {
        sink.set = live;
        so.on_judged = ts_judged_collect;
        so.judged_ud = &sink;
    }
    ts_status rc = ts_screen_run(store, ts_app_config(app)->database, &so, res, &err);
    if (rc == TS_OK && live) {
        unsigned judged = 0;
        ts_err serr;
        ts_err_clear(&serr);
        if (ts_shadows_judge(store, ts_app_config(app), ts_app_grid(app), live, &judged, &serr) !=
            TS_OK) {
            /* the live screening stands; the shadows missed this one */
            ts_cli_error(&serr);
            code = TS_EXIT_FAILED;
        }
        fprintf(stderr, "triscreen: screen: %u shadow%s judged beside the live pack\n", judged,
                judged == 1 ? "" : "s");
    }
    ts_judged_set_free(live);
    if (ts_feedback_flush(fb, store, &ferr) != TS_OK) {
        ts_cli_error(&ferr);
        code = TS_EXIT_FAILED;
    }
    /* no clock sweep here: `triscreen escalate` and serve's timer run the clocks */
    ts_progress_done(&prog);
    *ran = rc == TS_OK;
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return rc == TS_NOTFOUND ? TS_EXIT_USAGE : TS_EXIT_FAILED;
    }
    return code;
}

/* The rule errors of runs [from, to] by rule (issue 16): text, one line per failing rule
 * ("rule errors: RULE N persons (TITLE)"); json, the array of ts__render_rule_error_json
 * objects. Counts and ids only: the messages stay in rule_errors. */
typedef struct err_lines {
    ts_buf *buf;
    ts_jsonw *w; /* NULL: text */
    const ts_rulepack *pack;
} err_lines;

static ts_status err_line(void *ud, const ts_rule_error_group *g, ts_err *err)
{
    err_lines *l = ud;
    const char *title = ts_rulepack_title(l->pack, g->rule);
    if (l->w) {
        ts__render_rule_error_json(l->w, g, title);
        return TS_OK;
    }
    ts_status rc = ts__render_rule_error_line(l->buf, g, title);
    return rc == TS_OK ? TS_OK : ts_err_set(err, rc, "screen", "rule error lines");
}

static ts_status rule_error_lines(ts_app *app, int64_t from, int64_t to, bool json, ts_buf *out,
                                  ts_err *err)
{
    ts_rule_error_filter f = {.run_from = from, .run_to = to};
    ts_jsonw w;
    err_lines l = {.buf = out, .w = json ? &w : NULL, .pack = ts_app_pack(app)};
    if (json) {
        ts_jsonw_init(&w, out);
        ts_jsonw_arr(&w);
    }
    ts_status rc = ts_store_rule_errors(ts_app_store(app), &f, 20, err_line, &l, err);
    if (rc == TS_OK && json) {
        ts_jsonw_arr_end(&w);
        rc = ts_jsonw_finish(&w);
        if (rc != TS_OK)
            ts_err_set(err, rc, "screen", "rule error lines");
    }
    return rc;
}

/* One pass's JSON summary; a pass with rule errors gets "rule_errors_by_rule": [...]
 * spliced in before the closing brace of the object. */
static ts_status print_json(ts_app *app, const ts_screen_result *res, unsigned i, const char *scope,
                            ts_err *err)
{
    char *j = ts_screen_summary_json(res, i, ts_app_pack(app), scope);
    if (!j)
        return ts_err_set(err, TS_NOMEM, "screen", "summary");
    size_t n = strlen(j);
    ts_status rc = TS_OK;
    if (res->pass[i].rule_errors && n && j[n - 1] == '}') {
        ts_buf b;
        ts_buf_init(&b, TS_LIMIT_RENDER);
        rc = rule_error_lines(app, res->pass[i].run, res->pass[i].run, true, &b, err);
        if (rc == TS_OK)
            printf("%.*s,\"rule_errors_by_rule\":%s}\n", (int)(n - 1), j, ts_buf_str(&b));
        ts_buf_release(&b);
    } else {
        puts(j);
    }
    free(j);
    return rc;
}

/* Text: after the summary, one line per rule that failed in any pass of this run. */
static ts_status print_error_lines(ts_app *app, const ts_screen_result *res, ts_err *err)
{
    int64_t from = 0, to = 0;
    for (unsigned i = 0; i < res->n; i++) {
        if (!res->pass[i].rule_errors)
            continue;
        if (!from || res->pass[i].run < from)
            from = res->pass[i].run;
        if (res->pass[i].run > to)
            to = res->pass[i].run;
    }
    if (!from)
        return TS_OK;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RENDER);
    ts_status rc = rule_error_lines(app, from, to, false, &b, err);
    if (rc == TS_OK)
        fputs(ts_buf_str(&b), stdout);
    ts_buf_release(&b);
    return rc;
}

int ts__cli_screen(int argc, char **argv)
{
    screen_args a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0)
        return code;
    ts_app *app = NULL;
    ts_screen_result res = {0};
    ts_app_opts ao = {.config_path = a.cfg_path,
                      .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_WRITE | TS_APP_FEEDBACK,
                      .now = a.now,
                      .pack_passes = a.passes ? a.passes : TS_PASS_ALL,
                      .on_problem = on_problem};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    if (a.person && (code = check_person(app, a.person)) != TS_EXIT_OK)
        goto done;
    bool ran = false;
    if ((code = run_passes(app, &a, &res, &ran)) != TS_EXIT_OK && !ran)
        goto done;
    const char *scope = a.scope ? a.scope : "all";
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = TS_OK;
    if (!strcmp(a.format, "json")) {
        for (unsigned i = 0; i < res.n && rc == TS_OK; i++)
            rc = print_json(app, &res, i, scope, &err);
    } else {
        print_text(&res, ts_app_pack(app), scope, ts_app_now_text(app));
        rc = print_error_lines(app, &res, &err);
    }
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED;
    }
    for (unsigned i = 0; i < res.n; i++)
        if (res.pass[i].rule_errors)
            code = TS_EXIT_FAILED;
done:
    ts_screen_result_release(&res);
    ts_app_close(app);
    return code;
}
