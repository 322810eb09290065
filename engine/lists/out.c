/* lists/out.c — helpers of engine/lists: colours, the scope as an SQL parameter, and the
 * FILE * aligned tables and JSON Lines the report printer (lists/report.c) uses. */
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
    if (all) {
        *json = NULL;
        return TS_OK;
    }
    ts_jsonw w;
    ts_jsonw_init(&w, out);
    ts_jsonw_arr(&w);
    size_t count = g ? ts_grid_count(g) : 0;
    for (size_t i = 0; i < count; i++) {
        const ts_cell *c = ts_grid_cell(g, i);
        for (size_t k = 0; k < n; k++) {
            if (ts_grid_in_scope(c, cells[k])) {
                ts_jsonw_str(&w, c->code);
                break;
            }
        }
    }
    ts_jsonw_arr_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc == TS_OK)
        *json = ts_buf_str(out);
    return rc;
}

/* ---- tables ------------------------------------------------------------------------------ */

/* Display width: code points (continuation bytes do not count). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            w++;
    return w;
}

static void print_row(ts__table *t, const char *cells)
{
    const char *c = cells;
    for (size_t i = 0; i < t->ncols; i++) {
        size_t len = strlen(c);
        fputs(c, t->out);
        if (i + 1 < t->ncols) {
            size_t w = text_width(c);
            for (size_t k = w; k < t->width[i] + 2; k++)
                fputc(' ', t->out);
        }
        c += len + 1;
    }
    fputc('\n', t->out);
}

static ts_status add_row(ts__table *t, const char *const *cells, ts_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < t->ncols; i++)
        total += strlen(cells[i] ? cells[i] : "") + 1;
    char *row = malloc(total);
    if (!row)
        return ts_err_set(err, TS_NOMEM, NULL, "table row");
    char *w = row;
    for (size_t i = 0; i < t->ncols; i++) {
        const char *c = cells[i] ? cells[i] : "";
        size_t len = strlen(c);
        memcpy(w, c, len + 1);
        w += len + 1;
        if (!t->streaming) {
            size_t cw = text_width(c);
            if (cw > t->width[i])
                t->width[i] = cw;
        }
    }
    if (t->streaming) {
        print_row(t, row);
        free(row);
        return TS_OK;
    }
    if (t->nrows == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        char **nr = realloc(t->rows, ncap * sizeof *nr);
        if (!nr) {
            free(row);
            return ts_err_set(err, TS_NOMEM, NULL, "table rows");
        }
        t->rows = nr;
        t->cap = ncap;
    }
    t->rows[t->nrows++] = row;
    return TS_OK;
}

ts_status ts__table_init(ts__table *t, FILE *out, const char *const *headers, size_t ncols,
                         ts_err *err)
{
    memset(t, 0, sizeof *t);
    t->out = out;
    t->ncols = ncols;
    t->width = calloc(ncols, sizeof *t->width);
    if (!t->width)
        return ts_err_set(err, TS_NOMEM, NULL, "table");
    return add_row(t, headers, err);
}

ts_status ts__table_row(ts__table *t, const char *const *cells, ts_err *err)
{
    ts_status rc = add_row(t, cells, err);
    /* the header is row 0, so TS_LISTS_TABLE_ROWS data rows fix the widths */
    if (rc == TS_OK && !t->streaming && t->nrows > TS_LISTS_TABLE_ROWS) {
        ts__table_flush(t);
        t->streaming = true;
    }
    return rc;
}

void ts__table_flush(ts__table *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        print_row(t, t->rows[i]);
        free(t->rows[i]);
    }
    t->nrows = 0;
}

void ts__table_release(ts__table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++)
        free(t->rows[i]);
    free(t->rows);
    free(t->width);
    memset(t, 0, sizeof *t);
}

/* ---- JSON ---------------------------------------------------------------------------------- */

ts_status ts__json_line(FILE *out, json_object *o, ts_err *err)
{
    if (!o)
        return ts_err_set(err, TS_NOMEM, NULL, "json");
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!s) {
        json_object_put(o);
        return ts_err_set(err, TS_NOMEM, NULL, "json");
    }
    fwrite(s, 1, len, out);
    fputc('\n', out);
    json_object_put(o);
    return TS_OK;
}

json_object *ts__json_str(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

ts_status ts__out_check(FILE *out, ts_err *err)
{
    if (fflush(out) != 0 || ferror(out))
        return ts_err_set(err, TS_IO, NULL, "cannot write output: %s", strerror(errno));
    return TS_OK;
}
