/* cli/cmd_rules_errors.c — `triscreen rules errors`: the rule errors past runs recorded,
 * grouped by rule with the pack's titles (store: ts_store_rule_errors; render:
 * render_rule_errors.h). Never shows a stored message (it may quote record values). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "triscreen/app.h"
#include "triscreen/buf.h"
#include "triscreen/date.h"
#include "triscreen/jsonw.h"
#include "triscreen/rule_errors.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "render/render_rule_errors.h"

/* person ids shown per rule ("… and N more" after them) */
enum { SHOWN_IDS = 20 };

static const char usage[] =
    "usage: triscreen rules errors [-c CONFIG] [--since YYYY-MM-DD] [--rule ID] [--scope CODE]\n"
    "                              [--format text|json]\n"
    "The rule errors recorded by past runs, by rule: title, errors, persons, the first and\n"
    "last run date, the error kinds and the first 20 person ids. The messages stay in the\n"
    "database (they may quote record values). Exit: 0, 1 a store problem, 2 usage.";

typedef struct errs_args {
    const char *cfg_path, *scope;
    ts_rule_error_filter f;
    bool json;
} errs_args;

/* Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, errs_args *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"since", required_argument, NULL, 'S'},
                                         {"rule", required_argument, NULL, 'r'},
                                         {"scope", required_argument, NULL, 's'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    int32_t day;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->cfg_path = optarg;
            break;
        case 'S':
            if (!ts_date_parse(optarg, strlen(optarg), &day)) {
                ts_cli_fail("rules errors: --since: '%s' is not a date (YYYY-MM-DD)", optarg);
                return TS_EXIT_USAGE;
            }
            a->f.since = optarg;
            break;
        case 'r':
            if (!ts_cli_text_ok("rules errors", "--rule", optarg, TS_LIMIT_ID, true))
                return TS_EXIT_USAGE;
            a->f.rule = optarg;
            break;
        case 's':
            a->scope = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") && strcmp(optarg, "json")) {
                ts_cli_fail("rules errors: --format must be text or json, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            a->json = !strcmp(optarg, "json");
            break;
        case 'h':
            puts(usage);
            return TS_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", usage);
            return TS_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        ts_cli_fail("rules errors: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    return -1;
}

typedef struct errs_out {
    ts_buf buf;
    ts_jsonw w;
    const ts_rulepack *pack;
    bool json;
    int64_t rules, errors;
} errs_out;

static ts_status on_group(void *ud, const ts_rule_error_group *g, ts_err *err)
{
    errs_out *o = ud;
    const char *title = ts_rulepack_title(o->pack, g->rule);
    o->rules++;
    o->errors += g->errors;
    if (o->json) {
        ts__render_rule_error_json(&o->w, g, title);
        return TS_OK;
    }
    ts_status rc = ts__render_rule_error_text(&o->buf, g, title);
    return rc == TS_OK ? TS_OK : ts_err_set(err, rc, "rules errors", "output");
}

static ts_status run(ts_app *app, errs_args *a, errs_out *o, ts_err *err)
{
    const ts_cell *scope = ts_app_scope(app);
    a->f.grid_prefix = scope ? scope->code : NULL;
    if (o->json) {
        ts_jsonw_init(&o->w, &o->buf);
        ts_jsonw_obj(&o->w);
        ts_jsonw_key(&o->w, "rules");
        ts_jsonw_arr(&o->w);
    }
    ts_status rc = ts_store_rule_errors(ts_app_store(app), &a->f, SHOWN_IDS, on_group, o, err);
    if (rc != TS_OK)
        return rc;
    if (o->json) {
        ts_jsonw_arr_end(&o->w);
        ts_jsonw_kint(&o->w, "errors", o->errors);
        ts_jsonw_obj_end(&o->w);
        rc = ts_jsonw_finish(&o->w);
        if (rc == TS_OK)
            rc = ts_buf_putc(&o->buf, '\n');
    } else {
        rc = o->rules ? ts_buf_printf(&o->buf, "%lld rule%s, %lld error%s\n", (long long)o->rules,
                                      o->rules == 1 ? "" : "s", (long long)o->errors,
                                      o->errors == 1 ? "" : "s")
                      : ts_buf_puts(&o->buf, "no rule errors\n");
    }
    return rc == TS_OK ? TS_OK : ts_err_set(err, rc, "rules errors", "output");
}

int ts__cli_rules_errors(int argc, char **argv)
{
    errs_args a = {0};
    int code = parse(argc, argv, &a);
    if (code != -1)
        return code;
    ts_app *app = NULL;
    ts_app_opts ao = {
        .config_path = a.cfg_path, .parts = TS_APP_GRID | TS_APP_STORE_READ, .scope = a.scope};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    ts_rulepack *pack = ts_cli_titles_pack(ts_app_config(app));
    errs_out o = {.pack = pack, .json = a.json};
    ts_buf_init(&o.buf, TS_LIMIT_RENDER);
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = run(app, &a, &o, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
    } else if (fwrite(ts_buf_str(&o.buf), 1, o.buf.len, stdout) != o.buf.len ||
               fflush(stdout) != 0) {
        ts_cli_fail("rules errors: cannot write the output");
        code = TS_EXIT_FAILED;
    }
    ts_buf_release(&o.buf);
    ts_rulepack_free(pack);
    ts_app_close(app);
    return code;
}
