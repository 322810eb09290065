/* cli/cmd_lists.h — the setup shared by the list commands (lists, ledger, due, dossier,
 * review): config, grid, store, scope and --now, and --format parsing. Only the
 * cmd_*.c files of those commands include it. */
#ifndef TS_CLI_CMD_LISTS_H
#define TS_CLI_CMD_LISTS_H

#include <stdbool.h>

#include "triscreen/app.h"
#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/lists.h"
#include "triscreen/store.h"

/* The parts of the app tier the list commands use (borrowed from app). */
typedef struct ts__cli_lists_env {
    ts_app *app;
    const ts_config *cfg;
    const ts_grid *grid;
    ts_store *store;
    const ts_cell *scope; /* NULL = all */
    const char *now;      /* --now, else the config's now, else today (UTC): YYYY-MM-DD */
    ts_rulepack *pack;    /* the config's pack for rule titles; NULL when it cannot load */
} ts__cli_lists_env;

/* Opens the app tier with the config, grid and store (read-only unless write), scope
 * (NULL = all) and now (NULL = default), and the pack for the titles (ts_cli_titles_pack:
 * a pack that does not load leaves the titles out, never the command). Prints the error;
 * returns an exit code. */
int ts__cli_lists_open(ts__cli_lists_env *e, const char *cfg_path, const char *scope,
                       const char *now, bool write);
void ts__cli_lists_close(ts__cli_lists_env *e);
/* "table" | "jsonl" | "csv" | "text" | "json" → format. */
bool ts__cli_lists_format(const char *s, ts_out_format *out);

#endif
