/* render/alerts.c — the alert feed as table lines and JSON, and one alert with its
 * history as text (render_alerts.h). Widths by libunistring's uc_width. */
#include <stdio.h>
#include <string.h>
#include <unistr.h>
#include <uniwidth.h>

#include "triscreen/jsonw.h"
#include "render/render_alerts.h"
#include "render/render_rule_errors.h"

size_t ts_render_text_width(const char *s)
{
    size_t w = 0;
    if (!s)
        return 0;
    const uint8_t *p = (const uint8_t *)s;
    size_t left = strlen(s);
    while (left) {
        ucs4_t uc;
        int n = u8_mbtouc(&uc, p, left); /* an invalid byte: U+FFFD, one byte */
        int cw = uc_width(uc, "UTF-8");
        w += cw < 0 ? 1 : (size_t)cw;
        p += n;
        left -= (size_t)n;
    }
    return w;
}

ts_status ts_render_pad(ts_buf *b, const char *s, size_t width, bool pad_min)
{
    if (!s)
        s = "-";
    ts_status rc = ts_buf_puts(b, s);
    size_t w = ts_render_text_width(s);
    if (rc == TS_OK && pad_min && w >= width)
        rc = ts_buf_putc(b, ' ');
    for (; rc == TS_OK && w < width; w++)
        rc = ts_buf_putc(b, ' ');
    return rc;
}

const char *ts_render_alert_target_name(int target)
{
    return target == 0 ? "county desk" : ts_grid_level_name(target);
}

/* The table's columns up to the route, with their display widths (the last one
 * separates itself from the route with one space). */
enum {
    W_ID = 10,
    W_CURSOR = 8,
    W_KIND = 9,
    W_STATE = 13,
    W_TARGET = 12,
    W_DUE = 29,
    W_CLAIMED = 16,
    W_PERSON = 14,
    W_GRID = 15,
    W_CELL = 17,
    W_COLOUR = 8,
    W_CREATED = 22
};

ts_status ts_render_alert_table_header(ts_buf *b)
{
    static const struct {
        const char *name;
        size_t w;
    } cols[] = {{"ID", W_ID},
                {"CURSOR", W_CURSOR},
                {"KIND", W_KIND},
                {"STATE", W_STATE},
                {"TARGET", W_TARGET},
                {"DUE", W_DUE},
                {"CLAIMED BY", W_CLAIMED},
                {"PERSON", W_PERSON},
                {"GRID", W_GRID},
                {"CELL", W_CELL},
                {"COLOUR", W_COLOUR},
                {"CREATED", W_CREATED}};
    ts_status rc = TS_OK;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0] && rc == TS_OK; i++)
        rc = ts_render_pad(b, cols[i].name, cols[i].w, true);
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "ROUTE / RULES\n");
    return rc;
}

/* The officers of the route joined by ',', "(nobody)" when there are none. */
static ts_status put_route(ts_buf *b, const ts_alert *a)
{
    if (!a->n_route)
        return ts_buf_puts(b, "(nobody)");
    ts_status rc = TS_OK;
    for (size_t i = 0; i < a->n_route && rc == TS_OK; i++)
        rc = ts_buf_printf(b, "%s%s", i ? "," : "", a->route[i]);
    return rc;
}

/* The rule ids joined by ',', each with its title as "id (title)" when the pack has it. */
static ts_status put_rule_ids(ts_buf *b, const ts_alert *a)
{
    ts_status rc = TS_OK;
    bool any = false;
    for (size_t i = 0; i < a->n_rules && rc == TS_OK; i++) {
        if (!a->rules[i].id)
            continue;
        rc = ts_buf_printf(b, "%s%s", any ? "," : "", a->rules[i].id);
        if (rc == TS_OK && a->rules[i].title) {
            rc = ts_buf_puts(b, " (");
            if (rc == TS_OK)
                rc = ts__render_clean(b, a->rules[i].title);
            if (rc == TS_OK)
                rc = ts_buf_putc(b, ')');
        }
        any = true;
    }
    return rc;
}

ts_status ts_render_alert_table_row(ts_buf *b, const ts_alert *a)
{
    char cursor[24], due[48];
    snprintf(cursor, sizeof cursor, "%lld", (long long)a->cursor);
    snprintf(due, sizeof due, "%s%s", a->due ? a->due : "-",
             a->due && a->overdue ? " overdue" : "");
    const char *colour = a->colour != TS_COLOUR_NONE ? ts_colour_name(a->colour) : "-";
    const char *cell = a->cell_name && a->cell_name[0] ? a->cell_name : "-";
    const struct {
        const char *s;
        size_t w;
    } cols[] = {{a->id, W_ID},
                {cursor, W_CURSOR},
                {ts_feedback_name(a->kind), W_KIND},
                {ts_alert_state_name(a->status), W_STATE},
                {ts_grid_level_name((int)a->target), W_TARGET},
                {due, W_DUE},
                {a->claimed_by, W_CLAIMED},
                {a->person, W_PERSON},
                {a->grid, W_GRID},
                {cell, W_CELL},
                {colour, W_COLOUR},
                {a->created, W_CREATED}};
    ts_status rc = TS_OK;
    for (size_t i = 0; i < sizeof cols / sizeof cols[0] && rc == TS_OK; i++)
        rc = ts_render_pad(b, cols[i].s, cols[i].w, true);
    if (rc == TS_OK)
        rc = put_route(b, a);
    if (rc == TS_OK)
        rc = ts_buf_puts(b, " / ");
    if (rc == TS_OK)
        rc = put_rule_ids(b, a);
    if (rc == TS_OK)
        rc = ts_buf_putc(b, '\n');
    return rc;
}

ts_status ts_render_alert_json(ts_buf *b, const ts_alert *a)
{
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_alert_write_json(&w, a);
    return ts_jsonw_finish(&w);
}

ts_status ts_render_alert_jsonl(ts_buf *b, const ts_alert *a)
{
    ts_status rc = ts_render_alert_json(b, a);
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}
