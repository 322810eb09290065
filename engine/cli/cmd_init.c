/* cli/cmd_init.c — `triscreen init`: create or migrate the database and load the grid. */
#include <getopt.h>
#include <stdio.h>

#include "triscreen/app.h"
#include "triscreen/grid.h"
#include "triscreen/store.h"
#include "cli/cli.h"

int ts__cli_init(int argc, char **argv)
{
    const char *cfg_path = NULL;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'h':
            puts("usage: triscreen init [-c CONFIG]");
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("init: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = cfg_path, .parts = TS_APP_GRID | TS_APP_STORE_WRITE};
    int code = ts_cli_app_open(&ao, &app);
    if (code != TS_EXIT_OK)
        return code;
    const ts_config *cfg = ts_app_config(app);
    const ts_grid *grid = ts_app_grid(app);
    ts_store *store = ts_app_store(app);
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_put_grid(store, grid, &err);
    if (rc == TS_OK)
        rc = ts_store_audit(store, "cli", "init", ts_grid_county(grid), cfg->grid, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = rc == TS_CONFIG || rc == TS_PARSE ? TS_EXIT_USAGE : TS_EXIT_FAILED;
        goto done;
    }
    size_t n[4] = {0}, officers = 0;
    for (size_t i = 0; i < ts_grid_count(grid); i++) {
        const ts_cell *cell = ts_grid_cell(grid, i);
        n[cell->level]++;
        officers += cell->n_officers;
    }
    printf("database %s (schema v%d)\n", cfg->database, ts_store_schema_version(store));
    const ts_officer *desk = NULL;
    size_t n_desk = ts_grid_county_officers(grid, &desk);
    printf("grid %s: %zu towns, %zu villages, %zu groups, %zu officers", ts_grid_county(grid),
           n[TS_CELL_TOWN], n[TS_CELL_VILLAGE], n[TS_CELL_GROUP], officers + n_desk);
    if (n_desk)
        printf(" (%zu at the county desk)", n_desk);
    else
        printf(" (no county desk: escalation stops at the town)");
    putchar('\n');
done:
    ts_app_close(app);
    return code;
}
