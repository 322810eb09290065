/* render/alerts_stats.c — `alerts --stats` (and the report's Alerts section) as text and
 * as JSON (render_alerts.h). */
#include <stdio.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "render/render_alerts.h"

/* The overdue levels in the order they are shown, with their names. */
static const struct {
    int level;
    const char *name;
} levels[] = {
    {TS_CELL_GROUP, "group"}, {TS_CELL_VILLAGE, "village"}, {TS_CELL_TOWN, "town"}, {0, "county"}};
#define N_LEVELS (sizeof levels / sizeof levels[0])

static const char *kind_name(ts_feedback k)
{
    return k == TS_FEEDBACK_NONE ? "unknown" : ts_feedback_name(k);
}

/* ---- text -------------------------------------------------------------------------------- */

enum { W_LABEL = 26, W_NUM = 8, W_RATE = 22, W_TIME = 14 };

/* "12.5/30.0", "-" when nothing was timed. */
static void fmt_times(char *buf, size_t cap, double p50, double p90)
{
    if (p50 < 0 || p90 < 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.1f/%.1f", p50, p90);
}

/* "97.0% (target 99.0%)", "- (target 99.0%)" when nothing was raised. */
static void fmt_rate(char *buf, size_t cap, const ts_alert_figures *f, double target)
{
    if (!f->raised)
        snprintf(buf, cap, "- (target %.1f%%)", 100.0 * target);
    else
        snprintf(buf, cap, "%.1f%% (target %.1f%%)", 100.0 * f->closure_rate, 100.0 * target);
}

static ts_status text_header(ts_buf *b)
{
    static const char *const nums[] = {"RAISED", "NEW", "CLAIMED", "ACKED", "IN-SLA", "CLOSED"};
    ts_status rc = ts_render_pad(b, "", W_LABEL, false);
    for (size_t i = 0; i < sizeof nums / sizeof nums[0] && rc == TS_OK; i++)
        rc = ts_buf_printf(b, "%*s", W_NUM, nums[i]);
    if (rc == TS_OK)
        rc = ts_buf_printf(b, "  %-*s%*s%*s%*s\n", W_RATE, "CLOSURE", W_TIME, "ACK P50/P90", W_TIME,
                           "CLOSE P50/P90", W_NUM + 1, "OVERDUE");
    return rc;
}

static ts_status text_row(ts_buf *b, const char *label, const ts_alert_figures *f, double target)
{
    char rate[64], ack[48], close[48];
    fmt_rate(rate, sizeof rate, f, target);
    fmt_times(ack, sizeof ack, f->ack_p50, f->ack_p90);
    fmt_times(close, sizeof close, f->close_p50, f->close_p90);
    ts_status rc = ts_render_pad(b, label, W_LABEL, true);
    if (rc == TS_OK)
        rc = ts_buf_printf(
            b, "%*llu%*llu%*llu%*llu%*llu%*llu  %-*s%*s%*s%*llu\n", W_NUM,
            (unsigned long long)f->raised, W_NUM, (unsigned long long)f->by_state[TS_ALERT_NEW],
            W_NUM, (unsigned long long)f->by_state[TS_ALERT_CLAIMED], W_NUM,
            (unsigned long long)f->by_state[TS_ALERT_ACKED], W_NUM,
            (unsigned long long)f->acked_in_time, W_NUM, (unsigned long long)f->closed, W_RATE,
            rate, W_TIME, ack, W_TIME, close, W_NUM + 1, (unsigned long long)f->overdue);
    return rc;
}

/* A town or village row: "  T01 清水镇" (the label column is padded by display width). */
static ts_status cell_row(ts_buf *b, const ts_alert_cell_stat *c, double target)
{
    char label[256];
    snprintf(label, sizeof label, "  %s%s%s", c->code ? c->code : "(not in the grid)",
             c->name && c->name[0] ? " " : "", c->name ? c->name : "");
    return text_row(b, label, &c->fig, target);
}

static ts_status text_figures(ts_buf *b, const ts_alert_stats *st, bool villages)
{
    ts_status rc = ts_buf_printf(b,
                                 "closure target %.1f%%; IN-SLA: acknowledged within the kind's "
                                 "sla ack time; times in minutes\n\n",
                                 100.0 * st->closure_target);
    if (rc == TS_OK)
        rc = text_header(b);
    if (rc == TS_OK)
        rc = text_row(b, "all", &st->all, st->closure_target);
    for (int k = 0; k < TS_FEEDBACK_N && rc == TS_OK; k++) {
        if (k == TS_FEEDBACK_NONE && !st->kinds[k].raised)
            continue;
        char label[64];
        snprintf(label, sizeof label, "  %s", kind_name((ts_feedback)k));
        rc = text_row(b, label, &st->kinds[k], st->closure_target);
    }
    if (rc == TS_OK && st->n_towns)
        rc = ts_buf_puts(b, "by town\n");
    for (size_t i = 0; i < st->n_towns && rc == TS_OK; i++)
        rc = cell_row(b, &st->towns[i], st->closure_target);
    if (rc == TS_OK && villages && st->n_villages)
        rc = ts_buf_puts(b, "by village\n");
    for (size_t i = 0; villages && i < st->n_villages && rc == TS_OK; i++)
        rc = cell_row(b, &st->villages[i], st->closure_target);
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "\noverdue now by level:");
    for (size_t i = 0; i < N_LEVELS && rc == TS_OK; i++)
        rc = ts_buf_printf(b, " %s %llu%s", levels[i].level == 0 ? "county desk" : levels[i].name,
                           (unsigned long long)st->overdue_by_level[levels[i].level],
                           i + 1 < N_LEVELS ? "," : "\n");
    return rc;
}

ts_status ts_render_alert_stats_text(ts_buf *b, const ts_alert_stats *st)
{
    return text_figures(b, st, true);
}

ts_status ts_render_alert_stats_text_towns(ts_buf *b, const ts_alert_stats *st)
{
    return text_figures(b, st, false);
}

/* ---- JSON -------------------------------------------------------------------------------- */

/* A number with at most `decimals` decimals, trailing zeros dropped but one kept
 * (0.99, 0.3333, 1.0, 30.0); null when v < 0 (a percentile when nothing was timed). */
static void json_num(ts_jsonw *w, const char *key, double v, int decimals)
{
    ts_jsonw_key(w, key);
    char buf[48];
    int n = v < 0 ? -1 : snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (n < 0 || (size_t)n >= sizeof buf) {
        ts_jsonw_null(w);
        return;
    }
    while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
        buf[--n] = '\0';
    ts_jsonw_raw(w, buf, (size_t)n);
}

static void json_figure_members(ts_jsonw *w, const ts_alert_figures *f)
{
    ts_jsonw_kint(w, "raised", (int64_t)f->raised);
    ts_jsonw_key(w, "by_state");
    ts_jsonw_obj(w);
    for (int s = 0; s < TS_ALERT_STATE_N; s++)
        ts_jsonw_kint(w, ts_alert_state_name((ts_alert_state)s), (int64_t)f->by_state[s]);
    ts_jsonw_obj_end(w);
    ts_jsonw_kint(w, "acked_in_time", (int64_t)f->acked_in_time);
    ts_jsonw_kint(w, "closed", (int64_t)f->closed);
    json_num(w, "closure_rate", f->closure_rate, 4);
    json_num(w, "ack_p50_minutes", f->ack_p50, 1);
    json_num(w, "ack_p90_minutes", f->ack_p90, 1);
    json_num(w, "close_p50_minutes", f->close_p50, 1);
    json_num(w, "close_p90_minutes", f->close_p90, 1);
    ts_jsonw_kint(w, "overdue", (int64_t)f->overdue);
}

static void json_figures(ts_jsonw *w, const char *key, const ts_alert_figures *f)
{
    ts_jsonw_key(w, key);
    ts_jsonw_obj(w);
    json_figure_members(w, f);
    ts_jsonw_obj_end(w);
}

static void json_cells(ts_jsonw *w, const char *key, const ts_alert_cell_stat *c, size_t n)
{
    ts_jsonw_key(w, key);
    ts_jsonw_arr(w);
    for (size_t i = 0; i < n; i++) {
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "code", c[i].code);
        ts_jsonw_kstr(w, "name", c[i].name ? c[i].name : "");
        json_figure_members(w, &c[i].fig);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

void ts_render_alert_stats_members(ts_jsonw *w, const ts_alert_stats *st, bool villages)
{
    json_num(w, "closure_target", st->closure_target, 4);
    json_figures(w, "all", &st->all);
    ts_jsonw_key(w, "by_kind");
    ts_jsonw_obj(w);
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        if (k != TS_FEEDBACK_NONE || st->kinds[k].raised)
            json_figures(w, kind_name((ts_feedback)k), &st->kinds[k]);
    ts_jsonw_obj_end(w);
    json_cells(w, "by_town", st->towns, st->n_towns);
    if (villages)
        json_cells(w, "by_village", st->villages, st->n_villages);
    ts_jsonw_key(w, "overdue_by_level");
    ts_jsonw_obj(w);
    for (size_t i = 0; i < N_LEVELS; i++)
        ts_jsonw_kint(w, levels[i].name, (int64_t)st->overdue_by_level[levels[i].level]);
    ts_jsonw_obj_end(w);
}

ts_status ts_render_alert_stats_json(ts_buf *b, const ts_alert_stats *st)
{
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_render_alert_stats_members(&w, st, true);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}
