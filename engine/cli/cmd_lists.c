/* cli/cmd_lists.c — `triscreen lists`, `ledger` and `due` (one option parser: they
 * differ by one option and the printer they call), and the setup shared by the list
 * commands (cmd_lists.h). Query (ts_lists_query, ts_ledger_query, ts_due_query in
 * triscreen/lists.h) → render (render/render_lists.h) → stdout. `lists --near-miss
 * POINTS` has its own parser: ts_near_miss_query → render/render_near_miss.h, audited. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "cli/cli.h"
#include "base/limits.h"
#include "cli/cmd_lists.h"
#include "render/render_lists.h"
#include "render/render_near_miss.h"

bool ts__cli_lists_format(const char *s, ts_out_format *out)
{
    static const struct {
        const char *name;
        ts_out_format fmt;
    } names[] = {{"table", TS_OUT_TABLE},
                 {"jsonl", TS_OUT_JSONL},
                 {"csv", TS_OUT_CSV},
                 {"text", TS_OUT_TEXT},
                 {"json", TS_OUT_JSON}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(s, names[i].name)) {
            *out = names[i].fmt;
            return true;
        }
    }
    return false;
}

int ts__cli_lists_open(ts__cli_lists_env *e, const char *cfg_path, const char *scope,
                       const char *now, bool write)
{
    memset(e, 0, sizeof *e);
    ts_app_opts ao = {.config_path = cfg_path,
                      .parts = TS_APP_GRID | (write ? TS_APP_STORE_WRITE : TS_APP_STORE_READ),
                      .now = now,
                      .scope = scope};
    int code = ts_cli_app_open(&ao, &e->app);
    if (code != TS_EXIT_OK)
        return code;
    e->cfg = ts_app_config(e->app);
    e->grid = ts_app_grid(e->app);
    e->store = ts_app_store(e->app);
    e->scope = ts_app_scope(e->app);
    e->now = ts_app_now_text(e->app);
    e->pack = ts_cli_titles_pack(e->cfg);
    return TS_EXIT_OK;
}

void ts__cli_lists_close(ts__cli_lists_env *e)
{
    ts_rulepack_free(e->pack);
    ts_app_close(e->app);
    memset(e, 0, sizeof *e);
}

/* The options of the three read commands; `extra` selects the one that differs. */
enum { OPT_COLOUR = 'C', OPT_SUSPECTS = 'S', OPT_NOW = 'n' };

typedef struct read_args {
    const char *cfg_path, *scope, *now;
    ts_out_format fmt;
    ts_colour colour;
    bool suspects;
} read_args;

/* Parses argv for `cmd`; returns -1 to go on, else the exit code. */
static int parse_read(const char *cmd, const char *usage, int extra, int argc, char **argv,
                      read_args *a)
{
    static const struct option all[] = {{"colour", required_argument, NULL, OPT_COLOUR},
                                        {"color", required_argument, NULL, OPT_COLOUR},
                                        {"suspects", no_argument, NULL, OPT_SUSPECTS},
                                        {"now", required_argument, NULL, OPT_NOW}};
    struct option opts[8] = {{"config", required_argument, NULL, 'c'},
                             {"scope", required_argument, NULL, 's'},
                             {"format", required_argument, NULL, 'f'},
                             {"help", no_argument, NULL, 'h'}};
    size_t n = 4;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].val == extra)
            opts[n++] = all[i];
    memset(&opts[n], 0, sizeof opts[n]);
    memset(a, 0, sizeof *a);
    a->fmt = TS_OUT_TABLE;
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->cfg_path = optarg;
            break;
        case 's':
            a->scope = optarg;
            break;
        case OPT_NOW:
            a->now = optarg;
            break;
        case OPT_SUSPECTS:
            a->suspects = true;
            break;
        case OPT_COLOUR:
            if (!ts_colour_parse(optarg, &a->colour)) {
                ts_cli_fail("%s: --colour must be red, yellow or blue, not '%s'", cmd, optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 'f':
            if (!ts__cli_lists_format(optarg, &a->fmt) || a->fmt > TS_OUT_CSV) {
                ts_cli_fail("%s: --format must be table, jsonl or csv, not '%s'", cmd, optarg);
                return TS_EXIT_USAGE;
            }
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
        ts_cli_fail("%s: unexpected argument '%s'", cmd, argv[optind]);
        return TS_EXIT_USAGE;
    }
    return -1;
}

typedef enum { PRINT_LISTS, PRINT_LEDGER, PRINT_DUE } read_cmd;

/* Rendered bytes are written out in chunks of this size, so a million-row ledger never
 * sits in memory whole. */
#define OUT_CHUNK (64u * 1024u)

/* Query → render → stdout: what the row callbacks carry. */
typedef struct sink {
    ts__rows_render *r;
    ts_buf buf;
} sink;

static ts_status drain(sink *k, bool all, ts_err *err)
{
    if (!all && k->buf.len < OUT_CHUNK)
        return TS_OK;
    if (k->buf.len && fwrite(k->buf.data, 1, k->buf.len, stdout) != k->buf.len)
        return ts_err_set(err, TS_IO, NULL, "cannot write output");
    ts_buf_reset(&k->buf);
    if (all && fflush(stdout) != 0)
        return ts_err_set(err, TS_IO, NULL, "cannot write output");
    return TS_OK;
}

static ts_status list_row(void *ud, const ts_list_entry *e, ts_err *err)
{
    ts_status rc = ts__render_list_entry(((sink *)ud)->r, e, err);
    return rc == TS_OK ? drain(ud, false, err) : rc;
}

static ts_status ledger_row(void *ud, const ts_ledger_entry *e, ts_err *err)
{
    ts_status rc = ts__render_ledger_entry(((sink *)ud)->r, e, err);
    return rc == TS_OK ? drain(ud, false, err) : rc;
}

static ts_status due_row(void *ud, const ts_due_entry *e, ts_err *err)
{
    ts_status rc = ts__render_due_entry(((sink *)ud)->r, e, err);
    return rc == TS_OK ? drain(ud, false, err) : rc;
}

static ts_status print_rows(read_cmd which, const ts__cli_lists_env *e, const read_args *a,
                            ts_err *err)
{
    static const ts__rows_kind kinds[] = {TS__ROWS_LISTS, TS__ROWS_LEDGER, TS__ROWS_DUE};
    sink k = {NULL, {0}};
    ts_buf_init(&k.buf, OUT_CHUNK + TS_LIMIT_RENDER);
    ts_status rc = ts__render_rows_new(kinds[which], a->fmt, e->pack, &k.buf, &k.r, err);
    if (rc == TS_OK && which == PRINT_LISTS)
        rc = ts_lists_query(e->store, e->grid, a->colour, e->scope, list_row, &k, err);
    else if (rc == TS_OK && which == PRINT_LEDGER)
        rc = ts_ledger_query(e->store, e->grid, e->scope, a->suspects, ledger_row, &k, err);
    else if (rc == TS_OK)
        rc = ts_due_query(e->store, e->grid, e->scope, e->now, due_row, &k, err);
    if (rc == TS_OK)
        rc = ts__render_rows_finish(k.r, err);
    if (rc == TS_OK)
        rc = drain(&k, true, err);
    ts__render_rows_free(k.r);
    ts_buf_release(&k.buf);
    return rc;
}

static int run_read(read_cmd which, const char *cmd, const char *usage, int extra, int argc,
                    char **argv)
{
    read_args a;
    int code = parse_read(cmd, usage, extra, argc, argv, &a);
    if (code >= 0)
        return code;
    ts__cli_lists_env e;
    code = ts__cli_lists_open(&e, a.cfg_path, a.scope, a.now, false);
    if (code == TS_EXIT_OK) {
        ts_err err;
        ts_err_clear(&err);
        ts_status rc = print_rows(which, &e, &a, &err);
        if (rc != TS_OK) {
            ts_cli_error(&err);
            code = ts_cli_exit_for(rc);
        }
    }
    ts__cli_lists_close(&e);
    return code;
}

/* ---- lists --near-miss POINTS ------------------------------------------------------------ */

static const char near_usage[] =
    "usage: triscreen lists --near-miss POINTS [-c CONFIG] [--scope CODE]\n"
    "                       [--format table|jsonl|csv]\n"
    "persons whose score sits at most POINTS under a threshold that would raise their\n"
    "colour, with the rules that fired and the rules that would tip them (policy staff;\n"
    "never alerts, never changes a list; audited as a read)";

typedef struct near_args {
    const char *cfg_path, *scope;
    ts_out_format fmt;
    int points;
} near_args;

static int parse_near(int argc, char **argv, near_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"scope", required_argument, NULL, 's'},
        {"format", required_argument, NULL, 'f'}, {"near-miss", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},         {0}};
    memset(a, 0, sizeof *a);
    a->fmt = TS_OUT_TABLE;
    a->points = -1;
    optind = 0;
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->cfg_path = optarg;
            break;
        case 's':
            a->scope = optarg;
            break;
        case 'N': {
            long v = strtol(optarg, &end, 10);
            if (end == optarg || *end || v < 0 || v > 1000000) {
                ts_cli_fail("lists: --near-miss must be a number of points 0..1000000, not '%s'",
                            optarg);
                return TS_EXIT_USAGE;
            }
            a->points = (int)v;
            break;
        }
        case 'f':
            if (!ts__cli_lists_format(optarg, &a->fmt) || a->fmt > TS_OUT_CSV) {
                ts_cli_fail("lists: --format must be table, jsonl or csv, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 'h':
            puts(near_usage);
            return TS_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", near_usage);
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("lists: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    return -1;
}

typedef struct near_sink {
    ts_out_format fmt;
    const ts_rulepack *pack;
    ts_buf *out;
} near_sink;

static ts_status near_row(void *ud, const ts_near_miss_entry *e, ts_err *err)
{
    near_sink *k = ud;
    return ts__render_near_miss_row(k->fmt, k->pack, e, k->out, err);
}

/* The read is audited (actor "cli", action "near-miss", target the scope or "all", the
 * points and the number of persons shown) before anything is printed. */
static ts_status near_audit(ts_app *app, const near_args *a, const ts_near_miss_summary *sum,
                            ts_err *err)
{
    ts_buf d;
    ts_buf_init(&d, 256);
    ts_jsonw w;
    ts_jsonw_init(&w, &d);
    ts_jsonw_obj(&w);
    ts_jsonw_kint(&w, "points", a->points);
    ts_jsonw_kint(&w, "persons", (int64_t)sum->shown);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc == TS_OK)
        rc = ts_store_audit(ts_app_store(app), "cli", "near-miss", a->scope ? a->scope : "all",
                            ts_buf_str(&d), err);
    ts_buf_release(&d);
    return rc;
}

static ts_status near_print(ts_app *app, const near_args *a, ts_err *err)
{
    ts_decide_policy pol;
    ts_decide_policy_from(ts_app_config(app)->thresholds, ts_app_config(app)->review_days, &pol);
    ts_buf out;
    ts_buf_init(&out, TS_LIMIT_RENDER);
    near_sink k = {a->fmt, ts_app_pack(app), &out};
    ts_near_miss_summary sum;
    ts_status rc = ts__render_near_miss_head(a->fmt, &out, err);
    if (rc == TS_OK)
        rc = ts_near_miss_query(ts_app_store(app), ts_app_grid(app), k.pack, &pol, a->points,
                                ts_app_scope(app), near_row, &k, &sum, err);
    if (rc == TS_OK)
        rc = near_audit(app, a, &sum, err);
    if (rc == TS_OK && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
        rc = ts_err_set(err, TS_IO, NULL, "cannot write output");
    /* the note goes to stderr so that jsonl and csv stay machine-readable */
    if (rc == TS_OK && sum.unscored)
        fprintf(stderr,
                "triscreen: lists: %llu suspect%s off the lists not shown: the store keeps no "
                "score for them and the pack does not make it 0\n",
                (unsigned long long)sum.unscored, sum.unscored == 1 ? "" : "s");
    ts_buf_release(&out);
    return rc;
}

static int run_near(int argc, char **argv)
{
    near_args a;
    int code = parse_near(argc, argv, &a);
    if (code >= 0)
        return code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a.cfg_path,
                      .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_WRITE,
                      .scope = a.scope};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = near_print(app, &a, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
    }
    ts_app_close(app);
    return code;
}

static bool wants_near(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--"))
            return false;
        if (!strcmp(argv[i], "--near-miss") || !strncmp(argv[i], "--near-miss=", 12))
            return true;
    }
    return false;
}

int ts__cli_lists(int argc, char **argv)
{
    if (wants_near(argc, argv))
        return run_near(argc, argv);
    return run_read(PRINT_LISTS, "lists",
                    "usage: triscreen lists [-c CONFIG] [--colour red|yellow|blue] [--scope CODE]\n"
                    "                       [--format table|jsonl|csv]\n"
                    "       triscreen lists --near-miss POINTS [-c CONFIG] [--scope CODE]\n"
                    "                       [--format table|jsonl|csv]",
                    OPT_COLOUR, argc, argv);
}

int ts__cli_ledger(int argc, char **argv)
{
    return run_read(PRINT_LEDGER, "ledger",
                    "usage: triscreen ledger [-c CONFIG] [--scope CODE] [--suspects]"
                    " [--format table|jsonl|csv]",
                    OPT_SUSPECTS, argc, argv);
}

int ts__cli_due(int argc, char **argv)
{
    return run_read(PRINT_DUE, "due",
                    "usage: triscreen due [-c CONFIG] [--scope CODE] [--now DATE]"
                    " [--format table|jsonl|csv]",
                    OPT_NOW, argc, argv);
}
