/* render/report_json.c — the report as one JSON object (render_report.h). */
#include <stdio.h>

#include "triscreen/jsonw.h"
#include "render/render_alerts.h"
#include "render/render_report.h"

/* A number with a fixed number of decimals (as the report has always shown them). */
static void json_fixed(ts_jsonw *w, const char *key, double v, int decimals)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.*f", decimals, v);
    ts_jsonw_key(w, key);
    if (n < 0 || (size_t)n >= sizeof buf)
        ts_jsonw_null(w);
    else
        ts_jsonw_raw(w, buf, (size_t)n);
}

static void json_colours(ts_jsonw *w, const int64_t *lists)
{
    ts_jsonw_key(w, "lists");
    ts_jsonw_obj(w);
    ts_jsonw_kint(w, "red", lists[TS_COLOUR_RED]);
    ts_jsonw_kint(w, "yellow", lists[TS_COLOUR_YELLOW]);
    ts_jsonw_kint(w, "blue", lists[TS_COLOUR_BLUE]);
    ts_jsonw_obj_end(w);
}

static void json_row(ts_jsonw *w, const ts_report_row *rw)
{
    const ts_report_counts *c = &rw->c;
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "code", rw->code);
    ts_jsonw_kstr(w, "name", rw->name ? rw->name : "");
    ts_jsonw_kstr(w, "level", rw->level);
    ts_jsonw_kint(w, "persons", c->persons);
    ts_jsonw_kint(w, "suspects", c->suspects);
    json_colours(w, c->lists);
    ts_jsonw_kint(w, "reviews_due", c->due);
    ts_jsonw_key(w, "alerts");
    ts_jsonw_obj(w);
    ts_jsonw_kint(w, "total", c->alerts);
    ts_jsonw_kint(w, "open", c->open);
    ts_jsonw_kint(w, "closed", c->closed);
    if (c->alerts)
        json_fixed(w, "closure_rate", (double)c->closed / (double)c->alerts, 4);
    else
        ts_jsonw_knull(w, "closure_rate");
    if (rw->median_hours >= 0)
        json_fixed(w, "median_hours_to_close", rw->median_hours, 2);
    else
        ts_jsonw_knull(w, "median_hours_to_close");
    ts_jsonw_obj_end(w);
    ts_jsonw_obj_end(w);
}

/* "weeks": the 12-week trend of live runs, oldest first (render_report.h). */
static void json_weeks(ts_jsonw *w, const ts_report *r)
{
    ts_jsonw_key(w, "weeks");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < TS_REPORT_WEEKS; i++) {
        const ts_report_week *wk = &r->weeks[i];
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "from", wk->from);
        ts_jsonw_kstr(w, "to", wk->to);
        if (!wk->run) {
            ts_jsonw_knull(w, "run");
            ts_jsonw_knull(w, "pass");
            ts_jsonw_knull(w, "now");
            ts_jsonw_knull(w, "lists");
            ts_jsonw_knull(w, "source");
        } else {
            ts_jsonw_kint(w, "run", wk->run);
            ts_jsonw_kstr(w, "pass", wk->pass);
            ts_jsonw_kstr(w, "now", wk->now);
            json_colours(w, wk->lists);
            ts_jsonw_kstr(w, "source", wk->from_summary ? "summary" : "transitions");
        }
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

ts_status ts_render_report_json(ts_buf *b, const ts_report *r)
{
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "county", r->county);
    ts_jsonw_kstr(&w, "scope", r->scope ? r->scope->code : "all");
    ts_jsonw_kstr(&w, "now", r->now);
    ts_jsonw_key(&w, "cells");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < r->n_rows; i++)
        json_row(&w, &r->rows[i]);
    ts_jsonw_arr_end(&w);
    ts_jsonw_key(&w, "total");
    json_row(&w, &r->total);
    json_weeks(&w, r);
    if (r->alerts) {
        ts_jsonw_key(&w, "alert_figures");
        ts_jsonw_obj(&w);
        ts_render_alert_stats_members(&w, r->alerts, false);
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}
