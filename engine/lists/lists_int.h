/* lists/lists_int.h — internals shared by engine/lists (not API): colour names, the scope
 * as SQL parameter, and the FILE * table and JSON Lines helpers the report printer
 * (lists/report.c) still uses. */
#ifndef TS_LISTS_INT_H
#define TS_LISTS_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "triscreen/arena.h"
#include "triscreen/buf.h"
#include "triscreen/grid.h"
#include "triscreen/lists.h"
#include "base/limits.h"

/* Rows a table buffers to size its columns; later rows reuse those widths (a wider
 * cell then pushes its row right), so memory stays bounded on a million-row ledger.
 * (Candidate for engine/base/limits.h.) */
#define TS_LISTS_TABLE_ROWS TS_LIMIT_TABLE_ROWS

/* "red", "yellow", "blue"; "none" for TS_COLOUR_NONE. */
const char *ts__lists_colour_text(ts_colour c);
/* "red"/"yellow"/"blue" → colour; NULL, "none" and anything else → TS_COLOUR_NONE. */
ts_colour ts__lists_colour_of(const char *s);
/* True for a valid "YYYY-MM-DD". */
bool ts__lists_date_ok(const char *s);

/* The code used to narrow the report's queries to a scope (NULL = all). */
const char *ts__lists_scope_prefix(const ts_cell *scope);
/* The scope of store/lists_query.h: into out, the JSON array of the codes of every cell
 * of g that lies in one of cells[0..n) (a cell or under it); *json its text, or NULL
 * when unscoped (all true, or a NULL entry in cells). TS_NOMEM, TS_LIMIT. */
ts_status ts__lists_scope_cells(const ts_grid *g, const ts_cell *const *cells, size_t n, bool all,
                                ts_buf *out, const char **json) TS_MUST_CHECK;

/* ---- output ------------------------------------------------------------------------- */

typedef struct ts__table {
    FILE *out;
    size_t ncols;
    size_t *width; /* display width per column */
    char **rows;   /* buffered rows: ncols NUL-terminated cells back to back */
    size_t nrows, cap;
    bool streaming; /* widths frozen, rows printed as they come */
} ts__table;

/* Starts a table with its header cells. TS_NOMEM. */
ts_status ts__table_init(ts__table *t, FILE *out, const char *const *headers, size_t ncols,
                         ts_err *err) TS_MUST_CHECK;
/* Adds a row of ncols cells (NULL prints as ""). */
ts_status ts__table_row(ts__table *t, const char *const *cells, ts_err *err) TS_MUST_CHECK;
/* Prints whatever is buffered. */
void ts__table_flush(ts__table *t);
/* Frees the table (accepts a zeroed one). */
void ts__table_release(ts__table *t);

/* Writes o as one line of JSON Lines; takes the reference (puts o). TS_NOMEM. */
ts_status ts__json_line(FILE *out, json_object *o, ts_err *err) TS_MUST_CHECK;
/* json_object_new_string(s), or JSON null for NULL. */
json_object *ts__json_str(const char *s);

/* TS_IO when writing to out failed. */
ts_status ts__out_check(FILE *out, ts_err *err) TS_MUST_CHECK;

#endif
