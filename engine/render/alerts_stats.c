/* render/alerts_stats.c — `alerts --stats` as text and as JSON (render_alerts.h). */
#include <stdio.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "render/render_alerts.h"

/* The states a row of the statistics shows, in column order. */
static const ts_alert_state shown[] = {TS_ALERT_NEW, TS_ALERT_ACKED, TS_ALERT_CLOSED};
#define N_SHOWN (sizeof shown / sizeof shown[0])

static const char *kind_name(ts_feedback k)
{
    return k == TS_FEEDBACK_NONE ? "unknown" : ts_feedback_name(k);
}

static uint64_t kind_total(const ts_alert_stats *st, ts_feedback k)
{
    uint64_t t = st->other[k];
    for (size_t s = 0; s < N_SHOWN; s++)
        t += st->by[k][shown[s]];
    return t;
}

static uint64_t state_total(const ts_alert_stats *st, ts_alert_state s)
{
    uint64_t t = 0;
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        t += st->by[k][s];
    return t;
}

static ts_status text_counts(ts_buf *b, const ts_alert_stats *st)
{
    ts_status rc =
        ts_buf_printf(b, "%-10s %8s %8s %8s %8s\n", "kind", "new", "acked", "closed", "total");
    uint64_t total = 0;
    for (int k = 0; k < TS_FEEDBACK_N && rc == TS_OK; k++) {
        uint64_t kt = kind_total(st, (ts_feedback)k);
        total += kt;
        if (k == TS_FEEDBACK_NONE && !kt)
            continue;
        rc = ts_buf_printf(b, "%-10s %8llu %8llu %8llu %8llu\n", kind_name((ts_feedback)k),
                           (unsigned long long)st->by[k][TS_ALERT_NEW],
                           (unsigned long long)st->by[k][TS_ALERT_ACKED],
                           (unsigned long long)st->by[k][TS_ALERT_CLOSED], (unsigned long long)kt);
    }
    if (rc == TS_OK)
        rc = ts_buf_printf(b, "%-10s %8llu %8llu %8llu %8llu\n", "all",
                           (unsigned long long)state_total(st, TS_ALERT_NEW),
                           (unsigned long long)state_total(st, TS_ALERT_ACKED),
                           (unsigned long long)state_total(st, TS_ALERT_CLOSED),
                           (unsigned long long)total);
    return rc;
}

ts_status ts_render_alert_stats_text(ts_buf *b, const ts_alert_stats *st)
{
    ts_status rc = text_counts(b, st);
    if (rc == TS_OK)
        rc = st->median_ack >= 0 ? ts_buf_printf(b,
                                                 "median time to acknowledge: %.1f min (%zu "
                                                 "alerts)\n",
                                                 st->median_ack, st->n_ack)
                                 : ts_buf_puts(b, "median time to acknowledge: - (none "
                                                  "acknowledged)\n");
    if (rc == TS_OK)
        rc = st->median_close >= 0
                 ? ts_buf_printf(b, "median time to close:       %.1f min (%zu alerts)\n",
                                 st->median_close, st->n_close)
                 : ts_buf_puts(b, "median time to close:       - (none closed)\n");
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "closure rate by town:\n");
    for (size_t i = 0; i < st->n_towns && rc == TS_OK; i++) {
        const ts_alert_town_stat *t = &st->towns[i];
        rc = ts_buf_printf(b, "  %-8s %-20s %6llu / %-6llu %5.1f%%\n",
                           t->code ? t->code : "unknown", t->name ? t->name : "",
                           (unsigned long long)t->closed, (unsigned long long)t->alerts,
                           100.0 * (double)t->closed / (double)t->alerts);
    }
    return rc;
}

/* A double as json-c writes it ("%.17g", ".0" added to a whole number); < 0: null. */
static void json_double(ts_jsonw *w, const char *key, double v)
{
    ts_jsonw_key(w, key);
    if (v < 0) {
        ts_jsonw_null(w);
        return;
    }
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp - 2, "%.17g", v);
    if (n < 0 || (size_t)n >= sizeof tmp - 2) {
        ts_jsonw_null(w);
        return;
    }
    if (!strpbrk(tmp, ".eEni"))
        memcpy(tmp + n, ".0", 3), n += 2;
    ts_jsonw_raw(w, tmp, (size_t)n);
}

static void json_by_kind(ts_jsonw *w, const ts_alert_stats *st)
{
    ts_jsonw_key(w, "by_kind");
    ts_jsonw_obj(w);
    for (int k = 0; k < TS_FEEDBACK_N; k++) {
        uint64_t kt = kind_total(st, (ts_feedback)k);
        if (k == TS_FEEDBACK_NONE && !kt)
            continue;
        ts_jsonw_key(w, kind_name((ts_feedback)k));
        ts_jsonw_obj(w);
        for (size_t s = 0; s < N_SHOWN; s++)
            ts_jsonw_kint(w, ts_alert_state_name(shown[s]), (int64_t)st->by[k][shown[s]]);
        if (st->other[k])
            ts_jsonw_kint(w, "other", (int64_t)st->other[k]);
        ts_jsonw_kint(w, "total", (int64_t)kt);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_obj_end(w);
}

static void json_by_status(ts_jsonw *w, const ts_alert_stats *st)
{
    uint64_t other = 0;
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        other += st->other[k];
    ts_jsonw_key(w, "by_status");
    ts_jsonw_obj(w);
    for (size_t s = 0; s < N_SHOWN; s++)
        ts_jsonw_kint(w, ts_alert_state_name(shown[s]), (int64_t)state_total(st, shown[s]));
    if (other)
        ts_jsonw_kint(w, "other", (int64_t)other);
    ts_jsonw_obj_end(w);
}

ts_status ts_render_alert_stats_json(ts_buf *b, const ts_alert_stats *st)
{
    uint64_t total = 0;
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        total += kind_total(st, (ts_feedback)k);
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_jsonw_kint(&w, "total", (int64_t)total);
    json_by_kind(&w, st);
    json_by_status(&w, st);
    json_double(&w, "median_minutes_to_ack", st->median_ack);
    ts_jsonw_kint(&w, "acked_count", (int64_t)st->n_ack);
    json_double(&w, "median_minutes_to_close", st->median_close);
    ts_jsonw_kint(&w, "closed_count", (int64_t)st->n_close);
    ts_jsonw_key(&w, "closure_by_town");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < st->n_towns; i++) {
        const ts_alert_town_stat *t = &st->towns[i];
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "town", t->code ? t->code : "unknown");
        ts_jsonw_kstr(&w, "name", t->name ? t->name : "");
        ts_jsonw_kint(&w, "alerts", (int64_t)t->alerts);
        ts_jsonw_kint(&w, "closed", (int64_t)t->closed);
        json_double(&w, "closure_rate", (double)t->closed / (double)t->alerts);
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}
