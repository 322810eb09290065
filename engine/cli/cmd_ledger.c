/* cli/cmd_ledger.c — `triscreen ledger`: the latest full run's ledger rows. Calls
 * ts_ledger_print (triscreen/lists.h). */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"

static const char usage[] = "usage: triscreen ledger [-c CONFIG] [--scope CODE] [--suspects]"
                            " [--format table|jsonl|csv]";

int ts__cli_ledger(int argc, char **argv)
{
    const char *cfg_path = NULL, *scope = NULL;
    bool suspects = false;
    ts_out_format fmt = TS_OUT_TABLE;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"scope", required_argument, NULL, 's'},
        {"suspects", no_argument, NULL, 'S'},     {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 's':
            scope = optarg;
            break;
        case 'S':
            suspects = true;
            break;
        case 'f':
            if (!ts__cli_lists_format(optarg, &fmt) || fmt > TS_OUT_CSV) {
                ts_cli_fail("ledger: --format must be table, jsonl or csv, not '%s'", optarg);
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
        ts_cli_fail("ledger: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    ts__cli_lists_env e;
    int code = ts__cli_lists_open(&e, cfg_path, scope, NULL, false);
    if (code == TS_EXIT_OK) {
        ts_err err;
        ts_err_clear(&err);
        ts_status rc = ts_ledger_print(e.store, e.grid, e.scope, suspects, fmt, stdout, &err);
        if (rc != TS_OK) {
            ts_cli_error(&err);
            code = ts_cli_exit_for(rc);
        }
    }
    ts__cli_lists_close(&e);
    return code;
}
