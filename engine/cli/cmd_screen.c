/* cli/cmd_screen.c — `triscreen screen`: run the full, regional and targeted passes
 * (or one of them) over a scope and print the run summary. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/screen.h"
#include "triscreen/store.h"
#include "cli/cli.h"

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

int ts__cli_screen(int argc, char **argv)
{
    const char *cfg_path = NULL, *scope = NULL, *person = NULL, *now_arg = NULL;
    const char *format = "text";
    unsigned passes = 0, threads = 0;
    bool due = false, strict = false;
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
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:p:s:t:f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'p': {
            ts_pass p;
            if (!ts_pass_parse(optarg, &p)) {
                ts_cli_fail("screen: --pass must be full, regional or targeted, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            passes |= 1u << p;
            break;
        }
        case 's':
            scope = optarg;
            break;
        case 'd':
            due = true;
            break;
        case 'P':
            person = optarg;
            break;
        case 'N':
            now_arg = optarg;
            break;
        case 'S':
            strict = true;
            break;
        case 't':
            threads = (unsigned)atoi(optarg);
            if (threads < 1 || threads > 64) {
                ts_cli_fail("screen: --threads must be 1..64");
                return TS_EXIT_USAGE;
            }
            break;
        case 'f':
            format = optarg;
            if (strcmp(format, "text") && strcmp(format, "json")) {
                ts_cli_fail("screen: --format must be text or json");
                return TS_EXIT_USAGE;
            }
            break;
        case 'h':
            puts("usage: triscreen screen [-c CONFIG] [--pass full|regional|targeted] "
                 "[--scope CODE] [--due] [--person ID] [--now DATE] [--strict] "
                 "[--threads N] [--format text|json]");
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("screen: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    if ((due || person) && passes == 0)
        passes = 1u << TS_PASS_TARGETED; /* --due and --person are targeted reviews */
    int code = TS_EXIT_OK;
    ts_grid *grid = NULL;
    ts_store *store = NULL;
    ts_rulepack *pack = NULL;
    ts_screen_result res = {0};
    ts_feedback_ctx *fb = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_config *cfg = ts_cli_load_config(cfg_path);
    if (!cfg)
        return TS_EXIT_USAGE;
    int32_t now;
    const char *now_s = now_arg ? now_arg : cfg->now[0] ? cfg->now : NULL;
    if (now_s) {
        if (!ts_date_parse(now_s, strlen(now_s), &now)) {
            ts_cli_fail("screen: --now must be YYYY-MM-DD, not '%s'", now_s);
            code = TS_EXIT_USAGE;
            goto done;
        }
    } else {
        now = ts_date_today();
    }
    char now_buf[11];
    ts_date_format(now, now_buf);
    ts_status rc = ts_grid_load(cfg->grid, &grid, &err);
    if (rc == TS_OK) {
        ts_rulehost_opts ro = ts_rulehost_opts_for(cfg);
        rc = ts_rulepack_load(cfg->rules, &ro, on_problem, NULL, &pack, &err);
    }
    /* before any list is touched: a pass about to run without rules would delist */
    if (rc == TS_OK)
        rc = ts_rulepack_check_passes(pack, passes ? passes : TS_PASS_ALL, &err);
    if (rc == TS_OK)
        rc = ts_store_open(cfg->database, TS_STORE_READWRITE, &store, &err);
    if (rc == TS_OK)
        rc = ts_feedback_open(cfg, grid, ts_rulepack_hash(pack), &fb, &err);
    if (rc == TS_OK && person) {
        /* --person names one record: a typo must not screen nobody and exit 0 */
        ts_arena pa;
        ts_arena_init(&pa, 0);
        ts_person p;
        rc = ts_store_get_person(store, person, &pa, &p, &err);
        ts_arena_release(&pa);
        if (rc == TS_NOTFOUND) {
            ts_cli_fail("screen: --person %s: no such person", person);
            code = TS_EXIT_FAILED;
            goto done;
        }
    }
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = rc == TS_RULE ? TS_EXIT_FAILED : ts_cli_exit_for(rc);
        goto done;
    }
    ts_progress prog;
    ts_progress_init(&prog, "screen");
    ts_screen_opts so = {.cfg = cfg,
                         .grid = grid,
                         .pack = pack,
                         .passes = passes,
                         .scope = scope,
                         .due = due,
                         .person = person,
                         .now = now,
                         .strict = strict,
                         .threads = threads,
                         .progress = on_progress,
                         .ud = &prog,
                         .on_alert = ts_feedback_on_screen_alert,
                         .alert_ud = fb};
    rc = ts_screen_run(store, cfg->database, &so, &res, &err);
    ts_err ferr;
    if (ts_feedback_flush(fb, store, &ferr) != TS_OK) {
        ts_cli_error(&ferr);
        code = TS_EXIT_FAILED;
    }
    unsigned escalated = 0;
    if (ts_feedback_escalate(fb, store, (int64_t)time(NULL), &escalated, &ferr) != TS_OK) {
        ts_cli_error(&ferr);
        code = TS_EXIT_FAILED;
    }
    ts_progress_done(&prog);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = rc == TS_NOTFOUND ? TS_EXIT_USAGE : TS_EXIT_FAILED;
        goto done;
    }
    if (!strcmp(format, "json")) {
        for (unsigned i = 0; i < res.n; i++) {
            char *j = ts_screen_summary_json(&res, i, pack, scope ? scope : "all");
            if (j)
                puts(j);
            free(j);
        }
    } else {
        print_text(&res, pack, scope ? scope : "all", now_buf);
    }
    for (unsigned i = 0; i < res.n; i++)
        if (res.pass[i].rule_errors)
            code = TS_EXIT_FAILED;
done:
    ts_feedback_close(fb);
    ts_screen_result_release(&res);
    ts_store_close(store);
    ts_rulepack_free(pack);
    ts_grid_free(grid);
    ts_config_free(cfg);
    return code;
}
