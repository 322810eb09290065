/* lists/lists_int.h — internals shared by the printers of engine/lists (not API): colour
 * names, scope filtering, aligned tables, RFC 4180 CSV and JSON Lines output. */
#ifndef TS_LISTS_INT_H
#define TS_LISTS_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "triscreen/arena.h"
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

/* The code used to narrow queries to a scope (NULL = all). */
const char *ts__lists_scope_prefix(const ts_cell *scope);
/* Exact check after the prefix narrowing: grid lies in scope (NULL scope = all). */
bool ts__lists_in_scope(const ts_grid *g, const ts_cell *scope, const char *grid);

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

/* One RFC 4180 record (CRLF; fields quoted when they hold , " CR or LF). */
void ts__csv_row(FILE *out, const char *const *cells, size_t n);

/* Writes o as one line of JSON Lines; takes the reference (puts o). TS_NOMEM. */
ts_status ts__json_line(FILE *out, json_object *o, ts_err *err) TS_MUST_CHECK;
/* Parses a stored JSON array text; a missing or malformed text gives an empty array.
 * NULL only when out of memory. */
json_object *ts__json_array(const char *text);
/* The ids of a stored rules array: [{"id",...}] or ["id"] → ["id", ...]. */
json_object *ts__json_ids(const char *text);
/* The ids of a stored rules array joined with sep, in arena ("" when none). */
const char *ts__ids_join(ts_arena *a, const char *text, const char *sep);
/* json_object_new_string(s), or JSON null for NULL. */
json_object *ts__json_str(const char *s);

/* TS_IO when writing to out failed. */
ts_status ts__out_check(FILE *out, ts_err *err) TS_MUST_CHECK;

#endif
