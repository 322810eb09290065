/* render/near_miss.c — `triscreen lists --near-miss` as table, JSONL or CSV
 * (render_near_miss.h). ts_render_pad aligns by display width; ts_jsonw writes JSON. */
#include <stdio.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "render/render_alerts.h"
#include "render/render_near_miss.h"

enum {
    W_PERSON = 11,
    W_GRID = 16,
    W_COLOUR = 8,
    W_SCORE = 6,
    W_UNDER = 11,
    W_GAP = 5,
    W_FIRED = 44
};

static const char *colour_or_none(ts_colour c)
{
    return c == TS_COLOUR_NONE ? "none" : ts_colour_name(c);
}

static ts_status csv_row(ts_buf *out, const char *const *cells, size_t n)
{
    ts_status rc = TS_OK;
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        const char *c = cells[i] ? cells[i] : "";
        if (i && (rc = ts_buf_putc(out, ',')) != TS_OK)
            break;
        if (!strpbrk(c, ",\"\r\n")) {
            rc = ts_buf_puts(out, c);
            continue;
        }
        rc = ts_buf_putc(out, '"');
        for (const char *p = c; rc == TS_OK && *p; p++)
            rc = *p == '"' ? ts_buf_append(out, "\"\"", 2) : ts_buf_putc(out, *p);
        if (rc == TS_OK)
            rc = ts_buf_putc(out, '"');
    }
    return rc == TS_OK ? ts_buf_append(out, "\r\n", 2) : rc;
}

ts_status ts__render_near_miss_head(ts_out_format fmt, ts_buf *out, ts_err *err)
{
    static const char *const csv[] = {"person",       "grid",      "colour",     "score",
                                      "under",        "threshold", "gap",        "fired",
                                      "fired_titles", "tips",      "tips_titles"};
    static const struct {
        const char *s;
        size_t w;
    } cols[] = {{"PERSON", W_PERSON}, {"GRID", W_GRID}, {"COLOUR", W_COLOUR}, {"SCORE", W_SCORE},
                {"UNDER", W_UNDER},   {"GAP", W_GAP},   {"FIRED", W_FIRED}};
    ts_status rc = TS_OK;
    if (fmt == TS_OUT_CSV)
        rc = csv_row(out, csv, sizeof csv / sizeof csv[0]);
    else if (fmt == TS_OUT_TABLE) {
        for (size_t i = 0; i < sizeof cols / sizeof cols[0] && rc == TS_OK; i++)
            rc = ts_render_pad(out, cols[i].s, cols[i].w, true);
        if (rc == TS_OK)
            rc = ts_buf_puts(out, "WOULD TIP\n");
    } else if (fmt != TS_OUT_JSONL)
        return ts_err_set(err, TS_USAGE, NULL, "near-miss: format must be table, jsonl or csv");
    return rc == TS_OK ? TS_OK : ts_err_set(err, rc, NULL, "near-miss: %s", ts_status_text(rc));
}

/* "id +20 (title)" or "id votes red (title)". */
static ts_status put_tip(ts_buf *b, const ts_rule_info *ri)
{
    ts_status rc = ri->score > 0
                       ? ts_buf_printf(b, "%s +%d", ri->id, ri->score)
                       : ts_buf_printf(b, "%s votes %s", ri->id, ts_colour_name(ri->list));
    if (rc == TS_OK && ri->title && ri->title[0])
        rc = ts_buf_printf(b, " (%s)", ri->title);
    return rc;
}

static ts_status table_row(const ts_near_miss_entry *e, ts_buf *b)
{
    char score[24], under[32], gap[16];
    snprintf(score, sizeof score, "%lld", (long long)e->score);
    snprintf(under, sizeof under, "%s %d", ts_colour_name(e->under), e->threshold);
    snprintf(gap, sizeof gap, "%d", e->gap);
    ts_buf fired;
    ts_buf_init(&fired, 64u * 1024u);
    ts_status rc = TS_OK;
    for (size_t i = 0; i < e->n_fired && rc == TS_OK; i++)
        rc = ts_buf_printf(&fired, "%s%s", i ? "," : "", e->fired[i].id ? e->fired[i].id : "?");
    const struct {
        const char *s;
        size_t w;
    } cols[] = {{e->person, W_PERSON},
                {e->grid, W_GRID},
                {colour_or_none(e->colour), W_COLOUR},
                {score, W_SCORE},
                {under, W_UNDER},
                {gap, W_GAP},
                {e->n_fired ? ts_buf_str(&fired) : "-", W_FIRED}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0] && rc == TS_OK; i++)
        rc = ts_render_pad(b, cols[i].s, cols[i].w, true);
    for (size_t i = 0; i < e->n_tips && rc == TS_OK; i++) {
        if (i)
            rc = ts_buf_puts(b, "; ");
        if (rc == TS_OK)
            rc = put_tip(b, e->tips[i]);
    }
    if (rc == TS_OK)
        rc = ts_buf_puts(b, e->n_tips ? "\n" : "-\n");
    ts_buf_release(&fired);
    return rc;
}

static ts_status jsonl_row(const ts_rulepack *pack, const ts_near_miss_entry *e, ts_buf *b)
{
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "person", e->person);
    ts_jsonw_kstr(&w, "grid", e->grid);
    ts_jsonw_kstr(&w, "colour", colour_or_none(e->colour));
    ts_jsonw_kbool(&w, "listed", e->listed);
    ts_jsonw_kint(&w, "score", e->score);
    ts_jsonw_kstr(&w, "under", ts_colour_name(e->under));
    ts_jsonw_kint(&w, "threshold", e->threshold);
    ts_jsonw_kint(&w, "gap", e->gap);
    ts_jsonw_key(&w, "fired");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < e->n_fired; i++) {
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "id", e->fired[i].id);
        ts_jsonw_kstr(&w, "title", ts_rulepack_title(pack, e->fired[i].id));
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_key(&w, "tips");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < e->n_tips; i++) {
        const ts_rule_info *ri = e->tips[i];
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "id", ri->id);
        ts_jsonw_kstr(&w, "title", ri->title);
        ts_jsonw_kint(&w, "score", ri->score);
        ts_jsonw_kstr(&w, "vote", ri->list == TS_COLOUR_NONE ? NULL : ts_colour_name(ri->list));
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    return rc == TS_OK ? ts_buf_putc(b, '\n') : rc;
}

/* ids and titles of the fired rules and the tips, each joined with ";" */
static ts_status csv_lists(const ts_rulepack *pack, const ts_near_miss_entry *e, ts_buf l[4])
{
    ts_status rc = TS_OK;
    for (size_t i = 0; i < e->n_fired && rc == TS_OK; i++) {
        const char *t = ts_rulepack_title(pack, e->fired[i].id);
        rc = ts_buf_printf(&l[0], "%s%s", i ? ";" : "", e->fired[i].id ? e->fired[i].id : "");
        if (rc == TS_OK)
            rc = ts_buf_printf(&l[1], "%s%s", i ? ";" : "", t ? t : "");
    }
    for (size_t i = 0; i < e->n_tips && rc == TS_OK; i++) {
        rc = ts_buf_printf(&l[2], "%s%s", i ? ";" : "", e->tips[i]->id);
        if (rc == TS_OK)
            rc = ts_buf_printf(&l[3], "%s%s", i ? ";" : "",
                               e->tips[i]->title ? e->tips[i]->title : "");
    }
    return rc;
}

static ts_status csv_entry(const ts_rulepack *pack, const ts_near_miss_entry *e, ts_buf *b)
{
    ts_buf l[4];
    for (size_t i = 0; i < 4; i++)
        ts_buf_init(&l[i], 64u * 1024u);
    char score[24], threshold[16], gap[16];
    snprintf(score, sizeof score, "%lld", (long long)e->score);
    snprintf(threshold, sizeof threshold, "%d", e->threshold);
    snprintf(gap, sizeof gap, "%d", e->gap);
    ts_status rc = csv_lists(pack, e, l);
    if (rc == TS_OK) {
        const char *cells[] = {e->person,
                               e->grid,
                               colour_or_none(e->colour),
                               score,
                               ts_colour_name(e->under),
                               threshold,
                               gap,
                               ts_buf_str(&l[0]),
                               ts_buf_str(&l[1]),
                               ts_buf_str(&l[2]),
                               ts_buf_str(&l[3])};
        rc = csv_row(b, cells, sizeof cells / sizeof cells[0]);
    }
    for (size_t i = 0; i < 4; i++)
        ts_buf_release(&l[i]);
    return rc;
}

ts_status ts__render_near_miss_row(ts_out_format fmt, const ts_rulepack *pack,
                                   const ts_near_miss_entry *e, ts_buf *out, ts_err *err)
{
    ts_status rc;
    if (fmt == TS_OUT_TABLE)
        rc = table_row(e, out);
    else if (fmt == TS_OUT_JSONL)
        rc = jsonl_row(pack, e, out);
    else if (fmt == TS_OUT_CSV)
        rc = csv_entry(pack, e, out);
    else
        return ts_err_set(err, TS_USAGE, NULL, "near-miss: format must be table, jsonl or csv");
    return rc == TS_OK ? TS_OK
                       : ts_err_set(err, rc, e->person, "near-miss: %s", ts_status_text(rc));
}
