/* render/impact.c — a rule change's impact as text, JSON Lines or one HTML page
 * (render/render_impact.h). The totals are counted over every row in one pass first;
 * the rows that differ are then written as they come, each line built in a capped
 * ts_buf and handed to the FILE. Uses lists/impact.c, decide.h, jsonw.h, text.h. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "triscreen/buf.h"
#include "triscreen/decide.h"
#include "triscreen/jsonw.h"
#include "triscreen/rulehost.h"
#include "triscreen/text.h"
#include "render/render_alerts.h"
#include "render/render_impact.h"
#include "render/term.h"

/* ---- totals --------------------------------------------------------------------------- */

typedef struct town_count {
    const char *town;
    unsigned long persons, moved, by[TS_CHANGE_FALL + 1]; /* by: ts_decide_change */
} town_count;

typedef struct totals {
    unsigned long trans[TS_COLOUR_N][TS_COLOUR_N]; /* [before][after], every row */
    town_count *towns;                             /* sorted by code once counted */
    size_t n_towns, cap_towns;
    unsigned long listed, moved, score_changed, rules_changed;
    unsigned long raised[TS_FEEDBACK_N], dropped[TS_FEEDBACK_N];
} totals;

static const char *town_code(const ts_impact_row *r)
{
    return r->town ? r->town : "";
}

static int cmp_town(const void *a, const void *b)
{
    return strcmp(((const town_count *)a)->town, ((const town_count *)b)->town);
}

/* A county has tens of towns: a linear search from the last one used is enough. */
static town_count *town_of(totals *t, const char *town)
{
    for (size_t i = t->n_towns; i-- > 0;)
        if (!strcmp(t->towns[i].town, town))
            return &t->towns[i];
    if (t->n_towns == t->cap_towns) {
        size_t cap = t->cap_towns ? t->cap_towns * 2 : 16;
        town_count *v = realloc(t->towns, cap * sizeof *v);
        if (!v)
            return NULL;
        t->towns = v;
        t->cap_towns = cap;
    }
    town_count *c = &t->towns[t->n_towns++];
    memset(c, 0, sizeof *c);
    c->town = town;
    return c;
}

static bool colour_ok(ts_colour c)
{
    return (unsigned)c < TS_COLOUR_N;
}

/* t is zeroed first; the caller frees t->towns whatever this returns. */
static ts_status count(const ts_impact *im, totals *t, ts_err *err)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < im->n; i++) {
        const ts_impact_row *r = &im->rows[i];
        ts_colour b = r->before.colour, a = r->after.colour;
        town_count *tc = town_of(t, town_code(r));
        if (!tc)
            return ts_err_set(err, TS_NOMEM, NULL, "out of memory (impact totals)");
        if (colour_ok(b) && colour_ok(a))
            t->trans[b][a]++;
        ts_change ch = ts_decide_change(b, a);
        tc->persons++;
        tc->moved += a != b;
        if ((unsigned)ch <= TS_CHANGE_FALL)
            tc->by[ch]++;
        t->listed += ts_impact_row_differs(r);
        t->moved += a != b;
        t->score_changed += r->before.score != r->after.score;
        t->rules_changed += !ts_impact_same_rules(&r->before, &r->after);
        for (int k = 0; k < TS_FEEDBACK_N; k++) {
            if (k == TS_FEEDBACK_NONE)
                continue;
            t->raised[k] += r->after.alerts[k] && !r->before.alerts[k];
            t->dropped[k] += r->before.alerts[k] && !r->after.alerts[k];
        }
    }
    if (t->n_towns)
        qsort(t->towns, t->n_towns, sizeof *t->towns, cmp_town);
    return TS_OK;
}

/* ---- one row's differences ------------------------------------------------------------- */

/* The ids in a but not in b (both sorted, unique) → out (room for a->n_rules); how many. */
static size_t minus(const ts_impact_side *a, const ts_impact_side *b, const char **out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->n_rules) {
        int c = j >= b->n_rules ? -1 : strcmp(a->rules[i], b->rules[j]);
        if (c < 0) {
            out[n++] = a->rules[i++];
        } else if (c > 0) {
            j++;
        } else {
            i++;
            j++;
        }
    }
    return n;
}

/* A rule's title: newly firing rules are looked up in the after pack first, rules no
 * longer firing in the before pack first; NULL when neither has it. */
static const char *title_of(const ts_impact *im, const char *id, bool after_first)
{
    const ts_rulepack *first = after_first ? im->after_pack : im->before_pack;
    const ts_rulepack *second = after_first ? im->before_pack : im->after_pack;
    const char *t = first ? ts_rulepack_title(first, id) : NULL;
    if (!t && second)
        t = ts_rulepack_title(second, id);
    return t;
}

static const char *colour(ts_colour c)
{
    return ts_colour_text(c);
}

/* "would be raised" when an alert of kind k is on the after side only, "would no longer
 * be raised" on the before side only, NULL when both sides agree. */
static const char *alert_change(const ts_impact_row *r, int k)
{
    if (r->before.alerts[k] == r->after.alerts[k])
        return NULL;
    return r->after.alerts[k] ? "would be raised" : "would no longer be raised";
}

/* ---- output: lines built in a buffer, written to the FILE ------------------------------- */

/* The first failure sticks (TS_LIMIT/TS_NOMEM from the buffer, TS_IO from the FILE) and
 * every later call does nothing. */
typedef struct wr {
    FILE *out;
    ts_buf b;
    ts_status st;
} wr;

static void put(wr *w, const char *s)
{
    if (w->st == TS_OK)
        w->st = ts_buf_puts(&w->b, s);
}

static void putn(wr *w, const void *s, size_t n)
{
    if (w->st == TS_OK)
        w->st = ts_buf_append(&w->b, s, n);
}

static void putf(wr *w, const char *fmt, ...) TS_PRINTF(2, 3);
static void putf(wr *w, const char *fmt, ...)
{
    if (w->st != TS_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    w->st = ts_buf_vprintf(&w->b, fmt, ap);
    va_end(ap);
}

/* Hands what is buffered to the FILE. */
static void flush(wr *w)
{
    if (w->st == TS_OK && w->b.len && fwrite(w->b.data, 1, w->b.len, w->out) != w->b.len)
        w->st = TS_IO;
    ts_buf_reset(&w->b);
}

/* Text for a terminal: valid UTF-8, control characters escaped (\n, \xNN) so an id
 * cannot drive the terminal. */
static void term_text(ts_buf *b, ts_status *st, const char *s)
{
    if (*st == TS_OK)
        *st = ts__render_term_text(b, ts_text_utf8_view(s ? s : ""));
}

/* Text for HTML element content and attribute values: valid UTF-8, the five markup
 * characters as references, control characters other than tab and line breaks as
 * U+FFFD. */
static void html(wr *w, const char *s)
{
    const unsigned char *p = (const unsigned char *)ts_text_utf8_view(s ? s : "");
    for (; *p && w->st == TS_OK; p++) {
        switch (*p) {
        case '&':
            put(w, "&amp;");
            break;
        case '<':
            put(w, "&lt;");
            break;
        case '>':
            put(w, "&gt;");
            break;
        case '"':
            put(w, "&quot;");
            break;
        case '\'':
            put(w, "&#39;");
            break;
        default:
            if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
                put(w, "\xef\xbf\xbd");
            else
                putn(w, p, 1);
        }
    }
}

/* ---- JSON Lines ------------------------------------------------------------------------- */

static void json_side(ts_jsonw *j, const char *key, const ts_impact_side *s)
{
    ts_jsonw_key(j, key);
    ts_jsonw_obj(j);
    ts_jsonw_kstr(j, "colour", colour(s->colour));
    ts_jsonw_kint(j, "score", s->score);
    ts_jsonw_key(j, "rules");
    ts_jsonw_arr(j);
    for (size_t i = 0; i < s->n_rules; i++)
        ts_jsonw_str(j, s->rules[i]);
    ts_jsonw_arr_end(j);
    ts_jsonw_key(j, "alerts");
    ts_jsonw_arr(j);
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        if (k != TS_FEEDBACK_NONE && s->alerts[k])
            ts_jsonw_str(j, ts_feedback_name((ts_feedback)k));
    ts_jsonw_arr_end(j);
    ts_jsonw_obj_end(j);
}

static void json_rules(ts_jsonw *j, const ts_impact *im, const char *key, const char **ids,
                       size_t n, bool after_first)
{
    ts_jsonw_key(j, key);
    ts_jsonw_arr(j);
    for (size_t i = 0; i < n; i++) {
        ts_jsonw_obj(j);
        ts_jsonw_kstr(j, "id", ids[i]);
        ts_jsonw_kstr(j, "title", title_of(im, ids[i], after_first)); /* NULL: null */
        ts_jsonw_obj_end(j);
    }
    ts_jsonw_arr_end(j);
}

/* The kinds on side `has` and not on side `lacks`. */
static void json_alerts(ts_jsonw *j, const char *key, const ts_impact_side *has,
                        const ts_impact_side *lacks)
{
    ts_jsonw_key(j, key);
    ts_jsonw_arr(j);
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        if (k != TS_FEEDBACK_NONE && has->alerts[k] && !lacks->alerts[k])
            ts_jsonw_str(j, ts_feedback_name((ts_feedback)k));
    ts_jsonw_arr_end(j);
}

static void json_row(ts_jsonw *j, const ts_impact *im, const ts_impact_row *r, const char **tmp)
{
    ts_jsonw_obj(j);
    ts_jsonw_kstr(j, "person", r->person);
    ts_jsonw_kstr(j, "grid", r->grid);
    ts_jsonw_kstr(j, "town", town_code(r));
    json_side(j, "before", &r->before);
    json_side(j, "after", &r->after);
    size_t n = minus(&r->after, &r->before, tmp);
    json_rules(j, im, "newly_firing", tmp, n, true);
    n = minus(&r->before, &r->after, tmp);
    json_rules(j, im, "no_longer_firing", tmp, n, false);
    json_alerts(j, "alerts_raised", &r->after, &r->before);
    json_alerts(j, "alerts_dropped", &r->before, &r->after);
    ts_jsonw_obj_end(j);
}

static void json_totals(ts_jsonw *j, const ts_impact *im, const totals *t)
{
    ts_jsonw_obj(j);
    ts_jsonw_key(j, "totals");
    ts_jsonw_obj(j);
    ts_jsonw_key(j, "transitions");
    ts_jsonw_arr(j);
    for (int f = 0; f < TS_COLOUR_N; f++)
        for (int a = 0; a < TS_COLOUR_N; a++) {
            if (!t->trans[f][a])
                continue;
            ts_jsonw_obj(j);
            ts_jsonw_kstr(j, "from", colour((ts_colour)f));
            ts_jsonw_kstr(j, "to", colour((ts_colour)a));
            ts_jsonw_kint(j, "persons", (int64_t)t->trans[f][a]);
            ts_jsonw_obj_end(j);
        }
    ts_jsonw_arr_end(j);
    ts_jsonw_key(j, "towns");
    ts_jsonw_arr(j);
    for (size_t i = 0; i < t->n_towns; i++) {
        const town_count *c = &t->towns[i];
        ts_jsonw_obj(j);
        ts_jsonw_kstr(j, "town", c->town);
        ts_jsonw_kint(j, "persons", (int64_t)c->persons);
        ts_jsonw_kint(j, "moved", (int64_t)c->moved);
        ts_jsonw_kint(j, "enter", (int64_t)c->by[TS_CHANGE_ENTER]);
        ts_jsonw_kint(j, "leave", (int64_t)c->by[TS_CHANGE_LEAVE]);
        ts_jsonw_kint(j, "rise", (int64_t)c->by[TS_CHANGE_RISE]);
        ts_jsonw_kint(j, "fall", (int64_t)c->by[TS_CHANGE_FALL]);
        ts_jsonw_obj_end(j);
    }
    ts_jsonw_arr_end(j);
    ts_jsonw_kint(j, "moved", (int64_t)t->moved);
    ts_jsonw_kint(j, "score_changed", (int64_t)t->score_changed);
    ts_jsonw_kint(j, "rules_changed", (int64_t)t->rules_changed);
    for (int d = 0; d < 2; d++) {
        ts_jsonw_key(j, d ? "alerts_dropped" : "alerts_raised");
        ts_jsonw_obj(j);
        for (int k = 0; k < TS_FEEDBACK_N; k++)
            if (k != TS_FEEDBACK_NONE)
                ts_jsonw_kint(j, ts_feedback_name((ts_feedback)k),
                              (int64_t)(d ? t->dropped[k] : t->raised[k]));
        ts_jsonw_obj_end(j);
    }
    ts_jsonw_obj_end(j);
    ts_jsonw_kstr(j, "before", im->before_label);
    ts_jsonw_kstr(j, "after", im->after_label);
    ts_jsonw_kstr(j, "basis", im->basis);
    ts_jsonw_obj_end(j);
}

/* Each row, then the totals, one JSON text a line. */
static void jsonl_page(wr *w, const ts_impact *im, const totals *t, const char **tmp)
{
    ts_buf jb;
    ts_buf_init(&jb, TS_LIMIT_RENDER);
    for (size_t i = 0; i <= im->n && w->st == TS_OK; i++) {
        if (i < im->n && !ts_impact_row_differs(&im->rows[i]))
            continue;
        ts_buf_reset(&jb);
        ts_jsonw j;
        ts_jsonw_init(&j, &jb);
        if (i < im->n)
            json_row(&j, im, &im->rows[i], tmp);
        else
            json_totals(&j, im, t);
        w->st = ts_jsonw_finish(&j);
        putn(w, jb.data, jb.len);
        put(w, "\n");
        flush(w);
    }
    ts_buf_release(&jb);
}

/* ---- text ------------------------------------------------------------------------------- */

enum { C_PERSON, C_GRID, C_TOWN, C_COLOUR, C_SCORE, C_NEW, C_GONE, C_ALERTS, C_N };

static const char *const text_head[C_N] = {
    "PERSON", "GRID", "TOWN", "COLOUR", "SCORE", "NEWLY FIRING", "NO LONGER FIRING", "ALERTS"};

/* "id (title), id" of ids; "-" when there are none. */
static void rule_list(ts_buf *b, ts_status *st, const ts_impact *im, const char **ids, size_t n,
                      bool after_first)
{
    if (!n && *st == TS_OK)
        *st = ts_buf_puts(b, "-");
    for (size_t i = 0; i < n && *st == TS_OK; i++) {
        if (i)
            *st = ts_buf_puts(b, ", ");
        term_text(b, st, ids[i]);
        const char *title = title_of(im, ids[i], after_first);
        if (title && *st == TS_OK) {
            *st = ts_buf_puts(b, " (");
            term_text(b, st, title);
            if (*st == TS_OK)
                *st = ts_buf_puts(b, ")");
        }
    }
}

/* The cells of one row (each buffer reset first). */
static ts_status text_cells(ts_buf *c, const ts_impact *im, const ts_impact_row *r,
                            const char **tmp)
{
    ts_status st = TS_OK;
    for (int i = 0; i < C_N; i++)
        ts_buf_reset(&c[i]);
    term_text(&c[C_PERSON], &st, r->person);
    term_text(&c[C_GRID], &st, r->grid);
    term_text(&c[C_TOWN], &st, town_code(r)[0] ? town_code(r) : "-");
    if (st == TS_OK)
        st = ts_buf_printf(&c[C_COLOUR], "%s -> %s", colour(r->before.colour),
                           colour(r->after.colour));
    if (st == TS_OK)
        st = ts_buf_printf(&c[C_SCORE], "%d -> %d", r->before.score, r->after.score);
    rule_list(&c[C_NEW], &st, im, tmp, minus(&r->after, &r->before, tmp), true);
    rule_list(&c[C_GONE], &st, im, tmp, minus(&r->before, &r->after, tmp), false);
    bool any = false;
    for (int k = 0; k < TS_FEEDBACK_N && st == TS_OK; k++) {
        const char *what = k == TS_FEEDBACK_NONE ? NULL : alert_change(r, k);
        if (what) {
            st = ts_buf_printf(&c[C_ALERTS], "%s%s %s", any ? ", " : "",
                               ts_feedback_name((ts_feedback)k), what);
            any = true;
        }
    }
    if (!any && st == TS_OK)
        st = ts_buf_puts(&c[C_ALERTS], "-");
    return st;
}

/* One table line: every cell but the last padded to its column, two spaces apart. */
static void text_line(wr *w, const char *const *cells, const size_t *width)
{
    for (int i = 0; i < C_N && w->st == TS_OK; i++) {
        if (i + 1 < C_N)
            w->st = ts_render_pad(&w->b, cells[i], width[i] + 2, false);
        else
            put(w, cells[i]);
    }
    put(w, "\n");
    flush(w);
}

static void text_page(wr *w, const ts_impact *im, const totals *t, const char **tmp)
{
    ts_buf cell[C_N];
    for (int i = 0; i < C_N; i++)
        ts_buf_init(&cell[i], TS_LIMIT_RENDER);
    put(w, "impact: ");
    term_text(&w->b, &w->st, im->before_label);
    put(w, " -> ");
    term_text(&w->b, &w->st, im->after_label);
    put(w, "\nbasis: ");
    term_text(&w->b, &w->st, im->basis);
    put(w, "\n\n");
    flush(w);

    /* two passes over the rows that differ: widths first, then the lines */
    size_t width[C_N];
    for (int i = 0; i < C_N; i++)
        width[i] = ts_render_text_width(text_head[i]);
    for (size_t r = 0; r < im->n && w->st == TS_OK; r++) {
        if (!ts_impact_row_differs(&im->rows[r]))
            continue;
        w->st = text_cells(cell, im, &im->rows[r], tmp);
        for (int i = 0; i < C_N && w->st == TS_OK; i++) {
            size_t cw = ts_render_text_width(ts_buf_str(&cell[i]));
            width[i] = cw > width[i] ? cw : width[i];
        }
    }
    if (t->listed) {
        text_line(w, text_head, width);
        for (size_t r = 0; r < im->n && w->st == TS_OK; r++) {
            if (!ts_impact_row_differs(&im->rows[r]))
                continue;
            w->st = text_cells(cell, im, &im->rows[r], tmp);
            const char *cells[C_N];
            for (int i = 0; i < C_N; i++)
                cells[i] = ts_buf_str(&cell[i]);
            text_line(w, cells, width);
        }
    }
    for (int i = 0; i < C_N; i++)
        ts_buf_release(&cell[i]);
    putf(w, "%s%lu of %zu persons differ\n", t->listed ? "\n" : "", t->listed, im->n);

    put(w, "\ncolour transitions (every person):\n");
    for (int f = 0; f < TS_COLOUR_N; f++)
        for (int a = 0; a < TS_COLOUR_N; a++)
            if (t->trans[f][a]) {
                char tr[64];
                snprintf(tr, sizeof tr, "%s -> %s", colour((ts_colour)f), colour((ts_colour)a));
                putf(w, "  %-18s %8lu\n", tr, t->trans[f][a]);
            }

    size_t tw = 4;
    for (size_t i = 0; i < t->n_towns; i++) {
        size_t cw = ts_render_text_width(t->towns[i].town);
        tw = cw > tw ? cw : tw;
    }
    put(w, "\nby town:\n  ");
    if (w->st == TS_OK)
        w->st = ts_render_pad(&w->b, "TOWN", tw + 1, false);
    putf(w, "%8s %6s %6s %6s %6s %6s\n", "PERSONS", "MOVED", "ENTER", "LEAVE", "RISE", "FALL");
    for (size_t i = 0; i < t->n_towns && w->st == TS_OK; i++) {
        const town_count *c = &t->towns[i];
        ts_buf name;
        ts_buf_init(&name, TS_LIMIT_RENDER);
        put(w, "  ");
        term_text(&name, &w->st, c->town[0] ? c->town : "-");
        if (w->st == TS_OK)
            w->st = ts_render_pad(&w->b, ts_buf_str(&name), tw + 1, true);
        ts_buf_release(&name);
        putf(w, "%8lu %6lu %6lu %6lu %6lu %6lu\n", c->persons, c->moved, c->by[TS_CHANGE_ENTER],
             c->by[TS_CHANGE_LEAVE], c->by[TS_CHANGE_RISE], c->by[TS_CHANGE_FALL]);
        flush(w);
    }

    putf(w,
         "\noverall:\n  persons whose colour moves: %lu\n  score changes: %lu\n"
         "  persons with a rule-set change: %lu\n",
         t->moved, t->score_changed, t->rules_changed);
    for (int d = 0; d < 2; d++) {
        put(w, d ? "  alerts that would no longer be raised:" : "  alerts that would be raised:");
        const char *sep = " ";
        for (int k = 0; k < TS_FEEDBACK_N; k++) {
            if (k == TS_FEEDBACK_NONE)
                continue;
            putf(w, "%s%s %lu", sep, ts_feedback_name((ts_feedback)k),
                 d ? t->dropped[k] : t->raised[k]);
            sep = ", ";
        }
        put(w, "\n");
    }
    flush(w);
}

/* ---- HTML ------------------------------------------------------------------------------- */

static void html_rules(wr *w, const ts_impact *im, const char **ids, size_t n, bool after_first)
{
    if (!n)
        put(w, "&ndash;");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(w, "<br>");
        put(w, "<code>");
        html(w, ids[i]);
        put(w, "</code>");
        const char *title = title_of(im, ids[i], after_first);
        if (title) {
            put(w, " (");
            html(w, title);
            put(w, ")");
        }
    }
}

static void html_colour(wr *w, ts_colour c)
{
    putf(w, "<span class=\"c-%s\">%s</span>", colour(c), colour(c));
}

static void html_page(wr *w, const ts_impact *im, const totals *t, const char **tmp)
{
    put(w, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>triscreen: rule change impact</title>\n<style>\n"
           "body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}\n"
           "table{border-collapse:collapse;margin:.5rem 0 1.5rem}\n"
           "th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;"
           "vertical-align:top}\n"
           "th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
           ".c-red{color:#a00000;font-weight:600}.c-yellow{color:#6b5200;font-weight:600}\n"
           ".c-blue{color:#003f9e;font-weight:600}.c-none{color:#555}\n"
           "</style>\n</head>\n<body>\n<h1>What the rule change does</h1>\n<p>Before: <b>");
    html(w, im->before_label);
    put(w, "</b> &rarr; after: <b>");
    html(w, im->after_label);
    put(w, "</b></p>\n<p>Basis: ");
    html(w, im->basis);
    put(w, "</p>\n");

    putf(w,
         "<h2>Overall</h2>\n<table>\n<tbody>\n"
         "<tr><th scope=\"row\">Persons compared</th><td class=\"n\">%zu</td></tr>\n"
         "<tr><th scope=\"row\">Persons whose colour moves</th><td class=\"n\">%lu</td></tr>\n"
         "<tr><th scope=\"row\">Score changes</th><td class=\"n\">%lu</td></tr>\n"
         "<tr><th scope=\"row\">Persons with a rule-set change</th><td class=\"n\">%lu</td>"
         "</tr>\n</tbody>\n</table>\n",
         im->n, t->moved, t->score_changed, t->rules_changed);

    put(w, "<h2>Colour transitions (every person)</h2>\n<table>\n<thead><tr>"
           "<th scope=\"col\">Before</th><th scope=\"col\">After</th>"
           "<th scope=\"col\">Persons</th></tr></thead>\n<tbody>\n");
    for (int f = 0; f < TS_COLOUR_N; f++)
        for (int a = 0; a < TS_COLOUR_N; a++) {
            if (!t->trans[f][a])
                continue;
            put(w, "<tr><td>");
            html_colour(w, (ts_colour)f);
            put(w, "</td><td>");
            html_colour(w, (ts_colour)a);
            putf(w, "</td><td class=\"n\">%lu</td></tr>\n", t->trans[f][a]);
        }
    put(w, "</tbody>\n</table>\n");
    flush(w);

    put(w, "<h2>By town</h2>\n<table>\n<thead><tr><th scope=\"col\">Town</th>"
           "<th scope=\"col\">Persons</th><th scope=\"col\">Moved</th>"
           "<th scope=\"col\">Enter</th><th scope=\"col\">Leave</th><th scope=\"col\">Rise</th>"
           "<th scope=\"col\">Fall</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < t->n_towns; i++) {
        const town_count *c = &t->towns[i];
        put(w, "<tr><td>");
        html(w, c->town[0] ? c->town : "-");
        putf(w,
             "</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td>"
             "<td class=\"n\">%lu</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td></tr>\n",
             c->persons, c->moved, c->by[TS_CHANGE_ENTER], c->by[TS_CHANGE_LEAVE],
             c->by[TS_CHANGE_RISE], c->by[TS_CHANGE_FALL]);
        flush(w);
    }
    put(w, "</tbody>\n</table>\n");

    put(w, "<h2>Alerts</h2>\n<table>\n<thead><tr><th scope=\"col\">Kind</th>"
           "<th scope=\"col\">Would be raised</th><th scope=\"col\">Would no longer be raised</th>"
           "</tr></thead>\n<tbody>\n");
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        if (k != TS_FEEDBACK_NONE)
            putf(w, "<tr><td>%s</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td></tr>\n",
                 ts_feedback_name((ts_feedback)k), t->raised[k], t->dropped[k]);
    put(w, "</tbody>\n</table>\n");

    putf(w,
         "<h2>Persons (%lu of %zu differ)</h2>\n<table>\n<thead><tr>"
         "<th scope=\"col\">Person</th><th scope=\"col\">Grid</th><th scope=\"col\">Town</th>"
         "<th scope=\"col\">Colour</th><th scope=\"col\">Score</th>"
         "<th scope=\"col\">Newly firing</th><th scope=\"col\">No longer firing</th>"
         "<th scope=\"col\">Alerts</th></tr></thead>\n<tbody>\n",
         t->listed, im->n);
    flush(w);
    for (size_t i = 0; i < im->n && w->st == TS_OK; i++) {
        const ts_impact_row *r = &im->rows[i];
        if (!ts_impact_row_differs(r))
            continue;
        put(w, "<tr><td>");
        html(w, r->person);
        put(w, "</td><td>");
        html(w, r->grid);
        put(w, "</td><td>");
        html(w, town_code(r)[0] ? town_code(r) : "-");
        put(w, "</td><td>");
        html_colour(w, r->before.colour);
        put(w, " &rarr; ");
        html_colour(w, r->after.colour);
        putf(w, "</td><td class=\"n\">%d &rarr; %d</td><td>", r->before.score, r->after.score);
        html_rules(w, im, tmp, minus(&r->after, &r->before, tmp), true);
        put(w, "</td><td>");
        html_rules(w, im, tmp, minus(&r->before, &r->after, tmp), false);
        put(w, "</td><td>");
        bool any = false;
        for (int k = 0; k < TS_FEEDBACK_N; k++) {
            const char *what = k == TS_FEEDBACK_NONE ? NULL : alert_change(r, k);
            if (what) {
                putf(w, "%s%s %s", any ? "<br>" : "", ts_feedback_name((ts_feedback)k), what);
                any = true;
            }
        }
        put(w, any ? "</td></tr>\n" : "&ndash;</td></tr>\n");
        flush(w);
    }
    put(w, "</tbody>\n</table>\n</body>\n</html>\n");
    flush(w);
}

/* ---- entry ------------------------------------------------------------------------------ */

ts_status ts__render_impact(FILE *out, const ts_impact *im, ts_impact_format fmt, ts_err *err)
{
    if (fmt != TS_IMPACT_TEXT && fmt != TS_IMPACT_JSONL && fmt != TS_IMPACT_HTML)
        return ts_err_set(err, TS_USAGE, NULL, "impact: unknown output format %d", (int)fmt);
    totals t;
    ts_status rc = count(im, &t, err);
    /* scratch for one side's rule ids */
    size_t most = 1;
    for (size_t i = 0; i < im->n; i++) {
        if (im->rows[i].before.n_rules > most)
            most = im->rows[i].before.n_rules;
        if (im->rows[i].after.n_rules > most)
            most = im->rows[i].after.n_rules;
    }
    const char **tmp = rc == TS_OK ? malloc(most * sizeof *tmp) : NULL;
    if (rc == TS_OK && !tmp)
        rc = ts_err_set(err, TS_NOMEM, NULL, "out of memory (impact)");
    if (rc == TS_OK) {
        wr w = {.out = out, .st = TS_OK};
        ts_buf_init(&w.b, TS_LIMIT_RENDER);
        if (fmt == TS_IMPACT_JSONL)
            jsonl_page(&w, im, &t, tmp);
        else if (fmt == TS_IMPACT_HTML)
            html_page(&w, im, &t, tmp);
        else
            text_page(&w, im, &t, tmp);
        flush(&w);
        ts_buf_release(&w.b);
        rc = w.st;
        if (rc == TS_OK && (fflush(out) != 0 || ferror(out)))
            rc = TS_IO;
        if (rc == TS_IO)
            ts_err_set(err, TS_IO, NULL, "cannot write the impact report");
        else if (rc != TS_OK)
            ts_err_set(err, rc, NULL, "cannot render the impact report (%s)", ts_status_text(rc));
    }
    free(tmp);
    free(t.towns);
    return rc;
}
