/* render/alert_show.c — `triscreen alerts show ID` as text: the alert's headline lines,
 * rules, event and route, then its history as a table (render_alerts.h). */
#include <stdio.h>
#include <string.h>

#include "render/render_alerts.h"

/* Appends s on one line: line breaks and tabs become spaces, trailing blanks go. */
static ts_status put_flat(ts_buf *b, const char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
        n--;
    ts_status rc = TS_OK;
    for (size_t i = 0; i < n && rc == TS_OK; i++)
        rc = ts_buf_putc(b, s[i] == '\n' || s[i] == '\r' || s[i] == '\t' ? ' ' : s[i]);
    return rc;
}

/* One "label      value" line; nothing when value is NULL or "". */
static ts_status line(ts_buf *b, const char *label, const char *value)
{
    if (!value || !value[0])
        return TS_OK;
    ts_status rc = ts_render_pad(b, label, 11, true);
    if (rc == TS_OK)
        rc = put_flat(b, value);
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}

static ts_status head_lines(ts_buf *b, const ts_alert *a)
{
    char t[256];
    ts_status rc =
        ts_buf_printf(b, "%s  %s alert, %s (cursor %lld)\n", a->id, ts_feedback_name(a->kind),
                      ts_alert_state_name(a->status), (long long)a->cursor);
    bool named = a->cell_name && a->cell_name[0];
    snprintf(t, sizeof t, "%s in %s%s%s%s", a->person ? a->person : "-", a->grid ? a->grid : "-",
             named ? " (" : "", named ? a->cell_name : "", named ? ")" : "");
    if (rc == TS_OK)
        rc = line(b, "person", t);
    if (rc == TS_OK && a->colour != TS_COLOUR_NONE)
        rc = line(b, "colour", ts_colour_name(a->colour));
    if (a->level > 0)
        snprintf(t, sizeof t, "%s (escalated %d time%s, last %s)",
                 ts_render_alert_target_name((int)a->target), a->level, a->level == 1 ? "" : "s",
                 a->escalated ? a->escalated : "-");
    else
        snprintf(t, sizeof t, "%s", ts_render_alert_target_name((int)a->target));
    if (rc == TS_OK)
        rc = line(b, "target", t);
    if (a->due)
        snprintf(t, sizeof t, "%s%s", a->due, a->overdue ? " (overdue)" : "");
    if (rc == TS_OK && a->due)
        rc = line(b, "due", t);
    snprintf(t, sizeof t, "%s", a->created ? a->created : "-");
    if (a->run)
        snprintf(t + strlen(t), sizeof t - strlen(t), ", run %lld", (long long)a->run);
    if (a->ingest)
        snprintf(t + strlen(t), sizeof t - strlen(t), ", ingest %lld", (long long)a->ingest);
    if (a->rules_version)
        snprintf(t + strlen(t), sizeof t - strlen(t), ", rules %s", a->rules_version);
    if (rc == TS_OK)
        rc = line(b, "raised", t);
    return rc;
}

static ts_status life_lines(ts_buf *b, const ts_alert *a)
{
    char t[256];
    ts_status rc = TS_OK;
    if (a->claimed_by) {
        snprintf(t, sizeof t, "by %s at %s", a->claimed_by, a->claimed_at ? a->claimed_at : "-");
        rc = line(b, "claimed", t);
    }
    if (rc == TS_OK)
        rc = line(b, "acked", a->acked_at);
    if (rc == TS_OK && a->closed_at) {
        snprintf(t, sizeof t, "%s, outcome %s", a->closed_at,
                 a->outcome != TS_CLOSE_NONE ? ts_close_outcome_name(a->outcome) : "-");
        rc = line(b, "closed", t);
    }
    if (rc == TS_OK)
        rc = line(b, "reopens", a->reopens);
    return rc;
}

static ts_status event_lines(ts_buf *b, const ts_alert *a)
{
    ts_status rc = TS_OK;
    if (a->event_type) {
        rc = ts_buf_printf(b, "event      %s %s%s", a->event_type,
                           a->event_date ? a->event_date : "-",
                           a->event_text && a->event_text[0] ? ": " : "");
        if (rc == TS_OK && a->event_text)
            rc = put_flat(b, a->event_text);
        if (rc == TS_OK)
            rc = ts_buf_putc(b, '\n');
    }
    if (rc == TS_OK && a->n_rules)
        rc = ts_buf_puts(b, "rules\n");
    for (size_t i = 0; i < a->n_rules && rc == TS_OK; i++) {
        const ts_alert_rule *r = &a->rules[i];
        rc = ts_buf_printf(b, "  %s%s%s\n", r->id ? r->id : "-", r->title ? "  " : "",
                           r->title ? r->title : "");
        if (rc == TS_OK && r->evidence && r->evidence[0]) {
            rc = ts_buf_puts(b, "    evidence: ");
            if (rc == TS_OK)
                rc = put_flat(b, r->evidence);
            if (rc == TS_OK)
                rc = ts_buf_putc(b, '\n');
        }
    }
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "route      ");
    for (size_t i = 0; i < a->n_route && rc == TS_OK; i++)
        rc = ts_buf_printf(b, "%s%s", i ? ", " : "", a->route[i]);
    if (rc == TS_OK && !a->n_route)
        rc = ts_buf_puts(b, "(nobody)");
    if (rc == TS_OK && a->route_note)
        rc = ts_buf_printf(b, " (%s)", a->route_note);
    if (rc == TS_OK)
        rc = ts_buf_putc(b, '\n');
    if (rc == TS_OK)
        rc = line(b, "headline", a->headline);
    return rc;
}

enum { W_AT = 22, W_WHAT = 13, W_BY = 17, W_TOKEN = 13 };

ts_status ts_render_alert_show_text(ts_buf *b, const ts_alert *a)
{
    ts_status rc = head_lines(b, a);
    if (rc == TS_OK)
        rc = life_lines(b, a);
    if (rc == TS_OK)
        rc = event_lines(b, a);
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "\nhistory\n");
    if (rc == TS_OK)
        rc = ts_render_pad(b, "AT", W_AT, true);
    if (rc == TS_OK)
        rc = ts_render_pad(b, "WHAT", W_WHAT, true);
    if (rc == TS_OK)
        rc = ts_render_pad(b, "BY", W_BY, true);
    if (rc == TS_OK)
        rc = ts_render_pad(b, "TOKEN", W_TOKEN, true);
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "NOTE\n");
    return rc;
}

ts_status ts_render_alert_event_row(ts_buf *b, const ts_alert_event *e)
{
    ts_status rc = ts_render_pad(b, e->at, W_AT, true);
    if (rc == TS_OK)
        rc = ts_render_pad(b, e->what, W_WHAT, true);
    if (rc == TS_OK)
        rc = ts_render_pad(b, e->by, W_BY, true);
    if (rc == TS_OK)
        rc = ts_render_pad(b, e->token, W_TOKEN, true);
    if (rc == TS_OK)
        rc = e->note && e->note[0] ? put_flat(b, e->note) : ts_buf_puts(b, "-");
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}
