/* triscreen/grid.h — the three-level grid (town → village → group), its officers and
 * scope resolution.
 *
 * Invariants: codes are unique; a child's code starts with its parent's; cells are
 * kept in file order (each town followed by its villages, each village by its groups).
 * A loaded grid is immutable and may be shared between threads. */
#ifndef TRISCREEN_GRID_H
#define TRISCREEN_GRID_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/buf.h"
#include "triscreen/status.h"

typedef enum { TS_CELL_TOWN = 1, TS_CELL_VILLAGE = 2, TS_CELL_GROUP = 3 } ts_cell_level;

typedef struct ts_officer {
    const char *id;
    const char *name;
} ts_officer;

typedef struct ts_cell {
    const char *code;
    const char *name; /* "" when absent */
    ts_cell_level level;
    const struct ts_cell *parent; /* NULL for a town */
    const ts_officer *officers;
    size_t n_officers;
    size_t index; /* position in file order */
    size_t line;  /* line in the grid file */
} ts_cell;

typedef struct ts_grid ts_grid;

/* Loads and validates a grid file. Errors name file:line:column and the field; every
 * failure but TS_NOMEM (missing file, YAML syntax, alias/depth limits, bad values) is
 * TS_CONFIG (see ts_config_status). */
ts_status ts_grid_load(const char *path, ts_grid **out, ts_err *err) TS_MUST_CHECK;
void ts_grid_free(ts_grid *g);

const char *ts_grid_county(const ts_grid *g);
size_t ts_grid_count(const ts_grid *g);
const ts_cell *ts_grid_cell(const ts_grid *g, size_t i);
/* The county desk: the officers named by the grid file's top-level `officers:` list
 * (county level, above every town). They may act on every alert and person; escalation
 * stops with them. *out receives the array (borrowed); returns how many (0 when none). */
size_t ts_grid_county_officers(const ts_grid *g, const ts_officer **out);
/* The officer with this id anywhere in the grid (ids are unique across the grid file, the
 * county desk included): the officer, and in *cell (may be NULL) the cell it serves, NULL
 * for a county-desk officer. NULL when no officer has this id (O(log n)). */
const ts_officer *ts_grid_officer(const ts_grid *g, const char *id, const ts_cell **cell);
/* True when an officer serving `officer_cell` (NULL = the county desk) may act on a person
 * or alert in `cell`: cell is officer_cell or lies under it; the county desk acts anywhere
 * (cell NULL — not in the grid — only the county desk). */
bool ts_grid_officer_covers(const ts_cell *officer_cell, const ts_cell *cell);

/* "group", "village", "town" for those levels, "county" for 0 (the county desk, above
 * every town); "" for anything else. */
const char *ts_grid_level_name(int level);

/* O(1) average lookup by code; NULL when unknown. */
const ts_cell *ts_grid_find(const ts_grid *g, const char *code);

/* Resolves a scope ("all" or any cell code). *out is NULL for "all".
 * TS_NOTFOUND with a message naming the code when unknown. */
ts_status ts_grid_scope(const ts_grid *g, const char *scope, const ts_cell **out,
                        ts_err *err) TS_MUST_CHECK;
/* True when cell is scope or lies under it (scope NULL = all). */
bool ts_grid_in_scope(const ts_cell *cell, const ts_cell *scope);
/* The reader's scope as SQL binds it: appends to out the JSON array of the codes of every
 * cell of g that is one of scopes[0..n) or lies under one (n 0: []); with g NULL, the
 * scope cells' own codes. No entry may be NULL (a caller treats "all" before). TS_LIMIT
 * past out's cap, TS_NOMEM. */
ts_status ts_grid_cells_json(const ts_grid *g, const ts_cell *const *scopes, size_t n,
                             ts_buf *out) TS_MUST_CHECK;
/* The ancestor of cell at level (or cell itself); NULL if cell is above that level. */
const ts_cell *ts_grid_ancestor(const ts_cell *cell, ts_cell_level level);

#endif
