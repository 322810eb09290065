/* cli/cmd_lists.c — `triscreen lists` and the setup shared by the list commands
 * (cmd_lists.h). Calls ts_lists_print (triscreen/lists.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "triscreen/date.h"
#include "cli/cli.h"
#include "cli/cmd_lists.h"

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
    ts_err err;
    ts_err_clear(&err);
    int32_t day;
    if (now && !ts_date_parse(now, strlen(now), &day)) {
        ts_cli_fail("--now '%s' is not a date (YYYY-MM-DD)", now);
        return TS_EXIT_USAGE;
    }
    e->cfg = ts_cli_load_config(cfg_path);
    if (!e->cfg)
        return TS_EXIT_USAGE;
    if (now)
        snprintf(e->now, sizeof e->now, "%s", now);
    else if (e->cfg->now[0])
        snprintf(e->now, sizeof e->now, "%s", e->cfg->now);
    else
        ts_date_format(ts_date_today(), e->now);
    ts_status rc = ts_grid_load(e->cfg->grid, &e->grid, &err);
    if (rc == TS_OK && scope)
        rc = ts_grid_scope(e->grid, scope, &e->scope, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return TS_EXIT_USAGE;
    }
    rc = ts_store_open(e->cfg->database, write ? TS_STORE_READWRITE : TS_STORE_READONLY, &e->store,
                       &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return ts_cli_exit_for(rc);
    }
    return TS_EXIT_OK;
}

void ts__cli_lists_close(ts__cli_lists_env *e)
{
    ts_store_close(e->store);
    ts_grid_free(e->grid);
    ts_config_free(e->cfg);
    memset(e, 0, sizeof *e);
}

static const char usage[] =
    "usage: triscreen lists [-c CONFIG] [--colour red|yellow|blue] [--scope CODE]\n"
    "                       [--format table|jsonl|csv]";

int ts__cli_lists(int argc, char **argv)
{
    const char *cfg_path = NULL, *scope = NULL;
    ts_colour colour = TS_COLOUR_NONE;
    ts_out_format fmt = TS_OUT_TABLE;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"colour", required_argument, NULL, 'C'},
                                         {"color", required_argument, NULL, 'C'},
                                         {"scope", required_argument, NULL, 's'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'C':
            if (!ts_colour_parse(optarg, &colour)) {
                ts_cli_fail("lists: --colour must be red, yellow or blue, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            break;
        case 's':
            scope = optarg;
            break;
        case 'f':
            if (!ts__cli_lists_format(optarg, &fmt) || fmt > TS_OUT_CSV) {
                ts_cli_fail("lists: --format must be table, jsonl or csv, not '%s'", optarg);
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
        ts_cli_fail("lists: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    ts__cli_lists_env e;
    int code = ts__cli_lists_open(&e, cfg_path, scope, NULL, false);
    if (code == TS_EXIT_OK) {
        ts_err err;
        ts_err_clear(&err);
        ts_status rc = ts_lists_print(e.store, e.grid, colour, e.scope, fmt, stdout, &err);
        if (rc != TS_OK) {
            ts_cli_error(&err);
            code = ts_cli_exit_for(rc);
        }
    }
    ts__cli_lists_close(&e);
    return code;
}
