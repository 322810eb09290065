/* render/rule_errors.c — rule errors grouped by rule as text blocks, JSON objects and
 * `screen`'s one line per failing rule (render/render_rule_errors.h). Uses buf and jsonw. */
#include <string.h>

#include "render/render_rule_errors.h"

ts_status ts__render_clean(ts_buf *b, const char *s)
{
    ts_status rc = TS_OK;
    for (const unsigned char *p = (const unsigned char *)s; p && *p && rc == TS_OK; p++)
        rc = *p < 0x20 || *p == 0x7f ? ts_buf_printf(b, "\\x%02x", *p) : ts_buf_putc(b, (char)*p);
    return rc;
}

static ts_status put_titled(ts_buf *b, const char *id, const char *title)
{
    ts_status rc = ts__render_clean(b, id);
    if (rc == TS_OK && title) {
        rc = ts_buf_puts(b, " (");
        if (rc == TS_OK)
            rc = ts__render_clean(b, title);
        if (rc == TS_OK)
            rc = ts_buf_putc(b, ')');
    }
    return rc;
}

static int64_t more_of(const ts_rule_error_group *g)
{
    return g->persons > (int64_t)g->n_ids ? g->persons - (int64_t)g->n_ids : 0;
}

ts_status ts__render_rule_error_text(ts_buf *b, const ts_rule_error_group *g, const char *title)
{
    ts_status rc = put_titled(b, g->rule, title);
    if (rc == TS_OK)
        rc = ts_buf_printf(b, "\n  errors %lld, persons %lld, first %s, last %s, kind ",
                           (long long)g->errors, (long long)g->persons, g->first, g->last);
    if (rc == TS_OK)
        rc = ts__render_clean(b, g->kinds);
    if (rc == TS_OK)
        rc = ts_buf_puts(b, "\n  persons: ");
    for (size_t i = 0; i < g->n_ids && rc == TS_OK; i++) {
        if (i)
            rc = ts_buf_puts(b, ", ");
        if (rc == TS_OK)
            rc = ts__render_clean(b, g->ids[i]);
    }
    if (rc == TS_OK && more_of(g))
        rc = ts_buf_printf(b, " and %lld more", (long long)more_of(g));
    if (rc == TS_OK)
        rc = ts_buf_putc(b, '\n');
    return rc;
}

void ts__render_rule_error_json(ts_jsonw *w, const ts_rule_error_group *g, const char *title)
{
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "rule", g->rule);
    ts_jsonw_kstr(w, "title", title);
    ts_jsonw_kint(w, "errors", g->errors);
    ts_jsonw_kint(w, "persons", g->persons);
    ts_jsonw_kstr(w, "first", g->first);
    ts_jsonw_kstr(w, "last", g->last);
    ts_jsonw_key(w, "kinds");
    ts_jsonw_arr(w);
    for (const char *k = g->kinds; k && *k;) {
        size_t n = strcspn(k, ",");
        ts_jsonw_strn(w, k, n);
        k += n + (k[n] == ',');
    }
    ts_jsonw_arr_end(w);
    ts_jsonw_key(w, "person_ids");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < g->n_ids; i++)
        ts_jsonw_str(w, g->ids[i]);
    ts_jsonw_arr_end(w);
    ts_jsonw_kint(w, "more", more_of(g));
    ts_jsonw_obj_end(w);
}

ts_status ts__render_rule_error_line(ts_buf *b, const ts_rule_error_group *g, const char *title)
{
    ts_status rc = ts_buf_puts(b, "rule errors: ");
    if (rc == TS_OK)
        rc = ts__render_clean(b, g->rule);
    if (rc == TS_OK)
        rc = ts_buf_printf(b, " %lld person%s", (long long)g->persons, g->persons == 1 ? "" : "s");
    if (rc == TS_OK && title) {
        rc = ts_buf_puts(b, " (");
        if (rc == TS_OK)
            rc = ts__render_clean(b, title);
        if (rc == TS_OK)
            rc = ts_buf_putc(b, ')');
    }
    if (rc == TS_OK)
        rc = ts_buf_putc(b, '\n');
    return rc;
}
