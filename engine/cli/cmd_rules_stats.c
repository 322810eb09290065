/* cli/cmd_rules_stats.c — `triscreen rules stats [--since D] [--format text|json]`: per
 * rule of the live pack, the persons it fired for, the shares that reached a list and
 * were confirmed or cleared at review, its alerts and false positives, and the rules
 * silent for 90 days. Query ts_store_rule_stats (triscreen/rule_stats.h) → render
 * (render/render_rule_stats.h) → stdout. Read-only: no record contents are read. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/rule_stats.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "render/render_rule_stats.h"

static const char usage_text[] =
    "usage: triscreen rules stats [-c CONFIG] [--since YYYY-MM-DD] [--format text|json]\n"
    "\n"
    "Per rule of the config's pack (id, title): persons it fired for since the date\n"
    "(default: ever), the share of them that reached a list, that a review confirmed or\n"
    "cleared afterwards, alerts raised with the rule as a cause and how many closed as\n"
    "false_positive; then the rules with no firing in the 90 days before now.\n";

/* The rows, copied out of the query (strings in the arena). */
typedef struct rows {
    ts_arena *arena;
    ts_rule_stat *v;
    size_t n, cap;
} rows;

static ts_status keep_row(void *ud, const ts_rule_stat *r, ts_err *err)
{
    rows *k = ud;
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 64;
        ts_rule_stat *v = ts_arena_alloc(k->arena, cap * sizeof *v);
        if (!v)
            return ts_err_set(err, TS_NOMEM, NULL, "rules stats: out of memory");
        if (k->n)
            memcpy(v, k->v, k->n * sizeof *v);
        k->v = v;
        k->cap = cap;
    }
    ts_rule_stat c = *r;
    c.rule = ts_arena_strdup(k->arena, r->rule);
    c.last_fired = r->last_fired ? ts_arena_strdup(k->arena, r->last_fired) : NULL;
    if (!c.rule || (r->last_fired && !c.last_fired))
        return ts_err_set(err, TS_NOMEM, NULL, "rules stats: out of memory");
    k->v[k->n++] = c;
    return TS_OK;
}

static int report(ts_app *app, const char *since, ts_out_format fmt)
{
    ts_arena arena;
    ts_arena_init(&arena, TS_LIMIT_RENDER);
    ts_buf out;
    ts_buf_init(&out, TS_LIMIT_RENDER);
    ts_err err;
    ts_err_clear(&err);
    rows k = {.arena = &arena};
    ts_status rc = ts_store_rule_stats(ts_app_store(app), since, keep_row, &k, &err);
    char silent_since[11];
    ts_date_format(ts_app_now(app) - 90, silent_since);
    ts__rule_stats_view v = {.pack = ts_app_pack(app),
                             .rows = k.v,
                             .n_rows = k.n,
                             .since = since,
                             .now = ts_app_now_text(app),
                             .silent_since = silent_since};
    if (rc == TS_OK)
        rc = ts__render_rule_stats(&v, fmt, &out, &err);
    int code = TS_EXIT_OK;
    if (rc == TS_OK && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
        rc = ts_err_set(&err, TS_IO, NULL, "rules stats: cannot write output");
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
    }
    ts_buf_release(&out);
    ts_arena_release(&arena);
    return code;
}

/* Parses the options; returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, const char **cfg, const char **since, ts_out_format *fmt)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"since", required_argument, NULL, 'S'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    optind = 0;
    int c;
    int32_t day;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            *cfg = optarg;
            break;
        case 'S':
            if (!ts_date_parse(optarg, strlen(optarg), &day)) {
                ts_cli_fail("rules stats: --since must be a date YYYY-MM-DD, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            *since = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                ts_cli_fail("rules stats: --format must be text or json, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            *fmt = strcmp(optarg, "text") ? TS_OUT_JSON : TS_OUT_TEXT;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return TS_EXIT_OK;
        default:
            fputs(usage_text, stderr);
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("rules stats: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    return -1;
}

int ts__cli_rules_stats(int argc, char **argv)
{
    const char *cfg = NULL, *since = NULL;
    ts_out_format fmt = TS_OUT_TEXT;
    int code = parse(argc, argv, &cfg, &since, &fmt);
    if (code >= 0)
        return code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = cfg, .parts = TS_APP_PACK | TS_APP_STORE_READ};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    code = report(app, since, fmt);
    ts_app_close(app);
    return code;
}
