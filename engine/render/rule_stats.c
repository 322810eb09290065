/* render/rule_stats.c — `triscreen rules stats` text and JSON (render_rule_stats.h).
 * Uses ts_render_pad for display-width columns and ts_jsonw for JSON. */
#include <stdio.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "render/render_alerts.h"
#include "render/render_rule_stats.h"

static const ts_rule_stat *row_of(const ts__rule_stats_view *v, const char *id)
{
    for (size_t i = 0; i < v->n_rows; i++)
        if (!strcmp(v->rows[i].rule, id))
            return &v->rows[i];
    return NULL;
}

static bool silent(const ts__rule_stats_view *v, const ts_rule_stat *r)
{
    return !r || !r->last_fired || strcmp(r->last_fired, v->silent_since) < 0;
}

/* "12 (40.0%)": count and its share of persons; "0" when there are no persons. */
static void share_text(char *buf, size_t n, int64_t part, int64_t whole)
{
    if (whole <= 0)
        snprintf(buf, n, "%lld", (long long)part);
    else
        snprintf(buf, n, "%lld (%.1f%%)", (long long)part, 100.0 * (double)part / (double)whole);
}

static size_t id_width(const ts__rule_stats_view *v)
{
    size_t w = strlen("RULE");
    for (size_t i = 0; i < ts_rulepack_count(v->pack); i++) {
        size_t n = ts_render_text_width(ts_rulepack_rule(v->pack, i)->id);
        w = n > w ? n : w;
    }
    return w + 2;
}

enum { W_NUM = 9, W_SHARE = 14 };

static ts_status text_row(ts_buf *b, size_t w_id, const ts_rule_info *ri, const ts_rule_stat *r)
{
    static const ts_rule_stat zero = {0};
    if (!r)
        r = &zero;
    char persons[24], listed[40], conf[40], clear[40], alerts[24], fp[24];
    snprintf(persons, sizeof persons, "%lld", (long long)r->persons);
    share_text(listed, sizeof listed, r->listed, r->persons);
    share_text(conf, sizeof conf, r->confirmed, r->persons);
    share_text(clear, sizeof clear, r->cleared, r->persons);
    snprintf(alerts, sizeof alerts, "%lld", (long long)r->alerts);
    snprintf(fp, sizeof fp, "%lld", (long long)r->false_positive);
    ts_status rc = ts_render_pad(b, ri->id, w_id, true);
    const struct {
        const char *s;
        size_t w;
    } cols[] = {{persons, W_NUM}, {listed, W_SHARE}, {conf, W_SHARE},
                {clear, W_SHARE}, {alerts, W_NUM},   {fp, W_NUM}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0] && rc == TS_OK; i++)
        rc = ts_render_pad(b, cols[i].s, cols[i].w, true);
    if (rc == TS_OK)
        rc = ts_buf_printf(b, "%s\n", ri->title ? ri->title : "");
    return rc;
}

static ts_status render_text(const ts__rule_stats_view *v, ts_buf *b)
{
    size_t w_id = id_width(v);
    ts_status rc = ts_buf_printf(b, "rule effectiveness since %s (now %s)\n",
                                 v->since ? v->since : "the first run", v->now);
    const char *heads[] = {"PERSONS", "LISTED", "CONFIRMED", "CLEARED", "ALERTS", "FALSE+"};
    const size_t widths[] = {W_NUM, W_SHARE, W_SHARE, W_SHARE, W_NUM, W_NUM};
    if (rc == TS_OK)
        rc = ts_render_pad(b, "RULE", w_id, true);
    for (size_t i = 0; i < sizeof heads / sizeof heads[0] && rc == TS_OK; i++)
        rc = ts_render_pad(b, heads[i], widths[i], true);
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "TITLE\n");
    size_t n = ts_rulepack_count(v->pack), n_silent = 0;
    for (size_t i = 0; i < n && rc == TS_OK; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(v->pack, i);
        rc = text_row(b, w_id, ri, row_of(v, ri->id));
    }
    for (size_t i = 0; i < n && rc == TS_OK; i++)
        n_silent += silent(v, row_of(v, ts_rulepack_rule(v->pack, i)->id));
    if (rc == TS_OK)
        rc = ts_buf_printf(b, "\nnot fired since %s (90 days): %zu rule%s\n", v->silent_since,
                           n_silent, n_silent == 1 ? "" : "s");
    for (size_t i = 0; i < n && rc == TS_OK; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(v->pack, i);
        const ts_rule_stat *r = row_of(v, ri->id);
        if (!silent(v, r))
            continue;
        rc = ts_render_pad(b, ri->id, w_id + 2, true);
        if (rc == TS_OK)
            rc = ts_buf_printf(b, "last fired %-10s  %s\n",
                               r && r->last_fired ? r->last_fired : "never",
                               ri->title ? ri->title : "");
    }
    return rc;
}

static void json_rule(ts_jsonw *w, const ts_rule_info *ri, const ts_rule_stat *r)
{
    static const ts_rule_stat zero = {0};
    if (!r)
        r = &zero;
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "id", ri->id);
    ts_jsonw_kstr(w, "title", ri->title);
    ts_jsonw_kstr(w, "pass", ts_pass_name(ri->pass));
    ts_jsonw_kint(w, "persons", r->persons);
    ts_jsonw_kint(w, "listed", r->listed);
    ts_jsonw_kint(w, "confirmed", r->confirmed);
    ts_jsonw_kint(w, "cleared", r->cleared);
    const struct {
        const char *key;
        int64_t n;
    } shares[] = {{"listed_share", r->listed},
                  {"confirmed_share", r->confirmed},
                  {"cleared_share", r->cleared}};
    for (size_t i = 0; i < sizeof shares / sizeof shares[0]; i++) {
        ts_jsonw_key(w, shares[i].key);
        if (r->persons > 0)
            ts_jsonw_double(w, (double)shares[i].n / (double)r->persons);
        else
            ts_jsonw_null(w);
    }
    ts_jsonw_kint(w, "firings", r->firings);
    ts_jsonw_kint(w, "alerts", r->alerts);
    ts_jsonw_kint(w, "false_positive", r->false_positive);
    ts_jsonw_kstr(w, "last_fired", r->last_fired);
    ts_jsonw_obj_end(w);
}

static ts_status render_json(const ts__rule_stats_view *v, ts_buf *b)
{
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "since", v->since);
    ts_jsonw_kstr(&w, "now", v->now);
    ts_jsonw_kstr(&w, "silent_since", v->silent_since);
    ts_jsonw_key(&w, "rules");
    ts_jsonw_arr(&w);
    size_t n = ts_rulepack_count(v->pack);
    for (size_t i = 0; i < n; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(v->pack, i);
        json_rule(&w, ri, row_of(v, ri->id));
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_key(&w, "silent");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(v->pack, i);
        const ts_rule_stat *r = row_of(v, ri->id);
        if (!silent(v, r))
            continue;
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "id", ri->id);
        ts_jsonw_kstr(&w, "title", ri->title);
        ts_jsonw_kstr(&w, "last_fired", r ? r->last_fired : NULL);
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}

ts_status ts__render_rule_stats(const ts__rule_stats_view *v, ts_out_format fmt, ts_buf *out,
                                ts_err *err)
{
    ts_status rc;
    if (fmt == TS_OUT_TEXT)
        rc = render_text(v, out);
    else if (fmt == TS_OUT_JSON)
        rc = render_json(v, out);
    else
        return ts_err_set(err, TS_USAGE, NULL, "rules stats: format must be text or json");
    if (rc != TS_OK)
        return ts_err_set(err, rc, NULL, "rules stats: %s", ts_status_text(rc));
    return TS_OK;
}
