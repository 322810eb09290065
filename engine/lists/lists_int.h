/* lists/lists_int.h — internals shared by engine/lists (not API): colour names, date
 * check, and the scope as SQL parameter. */
#ifndef TS_LISTS_INT_H
#define TS_LISTS_INT_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
