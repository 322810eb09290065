/* render/alerts.c — the alert feed as table lines and JSON (render_alerts.h). */
#include <string.h>

#include "triscreen/jsonw.h"
#include "render/render_alerts.h"

ts_status ts_render_alert_table_header(ts_buf *b)
{
    return ts_buf_puts(b, "ID        CURSOR    KIND      STATUS      LVL PERSON        GRID      "
                          "     COLOUR  CREATED               ROUTE / RULES\n");
}

static const char *dash(const char *s)
{
    return s ? s : "-";
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

/* The rule ids joined by ','. */
static ts_status put_rule_ids(ts_buf *b, const ts_alert *a)
{
    ts_status rc = TS_OK;
    bool any = false;
    for (size_t i = 0; i < a->n_rules && rc == TS_OK; i++) {
        if (!a->rules[i].id)
            continue;
        rc = ts_buf_printf(b, "%s%s", any ? "," : "", a->rules[i].id);
        any = true;
    }
    return rc;
}

ts_status ts_render_alert_table_row(ts_buf *b, const ts_alert *a)
{
    const char *colour = a->colour != TS_COLOUR_NONE ? ts_colour_name(a->colour) : "-";
    ts_status rc = ts_buf_printf(b, "%-9s %-9lld %-9s %-11s %3d %-13s %-14s %-7s %-21s ", a->id,
                                 (long long)a->cursor, ts_feedback_name(a->kind),
                                 ts_alert_state_name(a->status), a->level, dash(a->person),
                                 dash(a->grid), colour, dash(a->created));
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
