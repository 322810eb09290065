/* cli/cmd_due.c — `triscreen due`: reviews due or overdue at --now. Calls
 * ts_lists_print_due (triscreen/lists.h). */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"

static const char usage[] = "usage: triscreen due [-c CONFIG] [--scope CODE] [--now DATE]"
                            " [--format table|jsonl|csv]";

int ts__cli_due(int argc, char **argv)
{
    const char *cfg_path = NULL, *scope = NULL, *now = NULL;
    ts_out_format fmt = TS_OUT_TABLE;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"scope", required_argument, NULL, 's'},
        {"now", required_argument, NULL, 'n'},    {"format", required_argument, NULL, 'f'},
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
        case 'n':
            now = optarg;
            break;
        case 'f':
            if (!ts__cli_lists_format(optarg, &fmt) || fmt > TS_OUT_CSV) {
                ts_cli_fail("due: --format must be table, jsonl or csv, not '%s'", optarg);
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
        ts_cli_fail("due: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    ts__cli_lists_env e;
    int code = ts__cli_lists_open(&e, cfg_path, scope, now, false);
    if (code == TS_EXIT_OK) {
        ts_err err;
        ts_err_clear(&err);
        ts_status rc = ts_lists_print_due(e.store, e.grid, e.scope, e.now, fmt, stdout, &err);
        if (rc != TS_OK) {
            ts_cli_error(&err);
            code = ts_cli_exit_for(rc);
        }
    }
    ts__cli_lists_close(&e);
    return code;
}
