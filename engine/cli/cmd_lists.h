/* cli/cmd_lists.h — the setup shared by the list commands (lists, ledger, due, dossier,
 * review): config, grid, store, scope and --now, and --format parsing. Only the
 * cmd_*.c files of those commands include it. */
#ifndef TS_CLI_CMD_LISTS_H
#define TS_CLI_CMD_LISTS_H

#include <stdbool.h>

#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/lists.h"
#include "triscreen/store.h"

typedef struct ts__cli_lists_env {
    ts_config *cfg;
    ts_grid *grid;
    ts_store *store;
    const ts_cell *scope; /* NULL = all */
    char now[11];         /* --now, else the config's now, else today (UTC) */
} ts__cli_lists_env;

/* Loads the config and grid, opens the store (read-only unless write), resolves scope
 * (NULL = all) and now (NULL = default). Prints the error; returns an exit code. */
int ts__cli_lists_open(ts__cli_lists_env *e, const char *cfg_path, const char *scope,
                       const char *now, bool write);
void ts__cli_lists_close(ts__cli_lists_env *e);
/* "table" | "jsonl" | "csv" | "text" | "json" → format. */
bool ts__cli_lists_format(const char *s, ts_out_format *out);

#endif
