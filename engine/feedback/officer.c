/* feedback/officer.c — who may act: an id is an actor only when the grid names it as an
 * officer (of a cell, or of the county desk). Uses triscreen/grid.h. */
#include <stdio.h>
#include <string.h>

#include "triscreen/text.h"
#include "feedback/fb_int.h"

ts_status ts_officer_check(const ts_grid *g, const char *officer, const char *what,
                           const ts_cell **cell, ts_err *err)
{
    const ts_cell *c = NULL;
    if (!officer || !officer[0])
        return ts_err_set(err, TS_USAGE, what, "names no officer of the grid");
    if (g && ts_grid_officer(g, officer, &c)) {
        if (cell)
            *cell = c;
        return TS_OK;
    }
    /* the id came from outside: show at most 64 bytes of it, valid UTF-8, on one line */
    char shown[TS_TEXT_ACTOR_MAX + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)officer; *p && n < TS_TEXT_ACTOR_MAX; p++)
        shown[n++] = *p < 0x20 || *p == 0x7f ? '?' : (char)*p;
    shown[n] = '\0';
    const char *v = ts_text_utf8_view(shown);
    return ts_err_set(err, TS_USAGE, what, "'%s' is not an officer of the grid", v ? v : "?");
}
