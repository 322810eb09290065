/* lists/out.c — helpers of engine/lists: colours, the date check, and the scope as an SQL
 * parameter (a JSON array of the cell codes in scope). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/jsonw.h"
#include "lists/lists_int.h"

const char *ts__lists_colour_text(ts_colour c)
{
    return ts_colour_text(c);
}

ts_colour ts__lists_colour_of(const char *s)
{
    ts_colour c = TS_COLOUR_NONE;
    return ts_colour_parse(s, &c) ? c : TS_COLOUR_NONE;
}

bool ts__lists_date_ok(const char *s)
{
    int32_t d;
    return s && ts_date_parse(s, strlen(s), &d);
}

const char *ts__lists_scope_prefix(const ts_cell *scope)
{
    return scope ? scope->code : NULL;
}

ts_status ts__lists_scope_cells(const ts_grid *g, const ts_cell *const *cells, size_t n, bool all,
                                ts_buf *out, const char **json)
{
    for (size_t i = 0; i < n && !all; i++)
        all = cells[i] == NULL;
    *json = NULL;
    if (all)
        return TS_OK;
    ts_status rc = ts_grid_cells_json(g, cells, n, out);
    if (rc == TS_OK)
        *json = ts_buf_str(out);
    return rc;
}
