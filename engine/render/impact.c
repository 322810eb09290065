/* render/impact.c — a rule change's impact as text, JSON Lines or one HTML page
 * (render/render_impact.h). Rows are written as they come (a diff over a large county
 * lists many); the totals are counted in one pass first. */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "triscreen/buf.h"
#include "triscreen/decide.h"
#include "triscreen/jsonw.h"
#include "triscreen/rulehost.h"
#include "render/render_impact.h"

typedef struct town_count {
    const char *town;
    unsigned long persons, moved, by[TS_CHANGE_FALL + 1];
} town_count;

typedef struct totals {
    unsigned long trans[TS_COLOUR_N][TS_COLOUR_N];
    town_count *towns;
    size_t n_towns, cap_towns;
    unsigned long listed, moved, score_changed, rules_changed;
    unsigned long raised[TS_FEEDBACK_N], dropped[TS_FEEDBACK_N];
} totals;

static int cmp_town(const void *a, const void *b)
{
    return strcmp(((const town_count *)a)->town, ((const town_count *)b)->town);
}

static bool same_rules(const ts_impact_side *a, const ts_impact_side *b)
{
    if (a->n_rules != b->n_rules)
        return false;
    for (size_t i = 0; i < a->n_rules; i++)
        if (strcmp(a->rules[i], b->rules[i]))
            return false;
    return true;
}

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

static ts_status count(const ts_impact *im, totals *t, ts_err *err)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < im->n; i++) {
        const ts_impact_row *r = &im->rows[i];
        ts_colour b = r->before.colour, a = r->after.colour;
        if ((unsigned)b >= TS_COLOUR_N || (unsigned)a >= TS_COLOUR_N)
            continue;
        t->trans[b][a]++;
        town_count *tc = town_of(t, r->town ? r->town : "");
        if (!tc)
            return ts_err_set(err, TS_NOMEM, NULL, "out of memory (impact totals)");
        tc->persons++;
        tc->moved += a != b;
        tc->by[ts_decide_change(b, a)]++;
        t->listed += ts_impact_row_differs(r);
        t->moved += a != b;
        t->score_changed += r->before.score != r->after.score;
        t->rules_changed += !same_rules(&r->before, &r->after);
        for (int k = 1; k < TS_FEEDBACK_N; k++) {
            t->raised[k] += r->after.alerts[k] && !r->before.alerts[k];
            t->dropped[k] += r->before.alerts[k] && !r->after.alerts[k];
        }
    }
    if (t->n_towns)
        qsort(t->towns, t->n_towns, sizeof *t->towns, cmp_town);
    return TS_OK;
}

/* The ids in a but not in b (both sorted) → out (room for a->n_rules); their number. */
static size_t minus(const ts_impact_side *a, const ts_impact_side *b, const char **out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->n_rules) {
        int c = j >= b->n_rules ? -1 : strcmp(a->rules[i], b->rules[j]);
        if (c < 0)
            out[n++] = a->rules[i++];
        else if (c > 0)
            j++;
        else
            i++, j++;
    }
    return n;
}

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

/* ---- JSON Lines ------------------------------------------------------------------- */

static void json_side(ts_jsonw *w, const char *key, const ts_impact_side *s)
{
    ts_jsonw_key(w, key);
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "colour", colour(s->colour));
    ts_jsonw_kint(w, "score", s->score);
    ts_jsonw_key(w, "rules");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < s->n_rules; i++)
        ts_jsonw_str(w, s->rules[i]);
    ts_jsonw_arr_end(w);
    ts_jsonw_key(w, "alerts");
    ts_jsonw_arr(w);
    for (int k = 1; k < TS_FEEDBACK_N; k++)
        if (s->alerts[k])
            ts_jsonw_str(w, ts_feedback_name((ts_feedback)k));
    ts_jsonw_arr_end(w);
    ts_jsonw_obj_end(w);
}

static void json_rules(ts_jsonw *w, const ts_impact *im, const char *key, const char **ids,
                       size_t n, bool after_first)
{
    ts_jsonw_key(w, key);
    ts_jsonw_arr(w);
    for (size_t i = 0; i < n; i++) {
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "id", ids[i]);
        ts_jsonw_kstr(w, "title", title_of(im, ids[i], after_first));
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

static void json_alerts(ts_jsonw *w, const char *key, const ts_impact_side *has,
                        const ts_impact_side * not )
{
    ts_jsonw_key(w, key);
    ts_jsonw_arr(w);
    for (int k = 1; k < TS_FEEDBACK_N; k++)
        if (has->alerts[k] && !not ->alerts[k])
            ts_jsonw_str(w, ts_feedback_name((ts_feedback)k));
    ts_jsonw_arr_end(w);
}

static ts_status json_row(FILE *out, const ts_impact *im, const ts_impact_row *r, const char **tmp,
                          ts_buf *b, ts_err *err)
{
    ts_buf_reset(b);
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "person", r->person);
    ts_jsonw_kstr(&w, "grid", r->grid);
    ts_jsonw_kstr(&w, "town", r->town ? r->town : "");
    json_side(&w, "before", &r->before);
    json_side(&w, "after", &r->after);
    size_t n = minus(&r->after, &r->before, tmp);
    json_rules(&w, im, "newly_firing", tmp, n, true);
    n = minus(&r->before, &r->after, tmp);
    json_rules(&w, im, "no_longer_firing", tmp, n, false);
    json_alerts(&w, "alerts_raised", &r->after, &r->before);
    json_alerts(&w, "alerts_dropped", &r->before, &r->after);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc != TS_OK)
        return ts_err_set(err, rc, r->person, "cannot write the impact row");
    fputs(ts_buf_str(b), out);
    fputc('\n', out);
    return TS_OK;
}

static ts_status json_totals(FILE *out, const ts_impact *im, const totals *t, ts_buf *b,
                             ts_err *err)
{
    ts_buf_reset(b);
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_jsonw_key(&w, "totals");
    ts_jsonw_obj(&w);
    ts_jsonw_key(&w, "transitions");
    ts_jsonw_arr(&w);
    for (int f = 0; f < TS_COLOUR_N; f++)
        for (int a = 0; a < TS_COLOUR_N; a++) {
            if (!t->trans[f][a])
                continue;
            ts_jsonw_obj(&w);
            ts_jsonw_kstr(&w, "from", colour((ts_colour)f));
            ts_jsonw_kstr(&w, "to", colour((ts_colour)a));
            ts_jsonw_kint(&w, "persons", (int64_t)t->trans[f][a]);
            ts_jsonw_obj_end(&w);
        }
    ts_jsonw_arr_end(&w);
    ts_jsonw_key(&w, "towns");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < t->n_towns; i++) {
        const town_count *c = &t->towns[i];
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "town", c->town);
        ts_jsonw_kint(&w, "persons", (int64_t)c->persons);
        ts_jsonw_kint(&w, "moved", (int64_t)c->moved);
        ts_jsonw_kint(&w, "enter", (int64_t)c->by[TS_CHANGE_ENTER]);
        ts_jsonw_kint(&w, "leave", (int64_t)c->by[TS_CHANGE_LEAVE]);
        ts_jsonw_kint(&w, "rise", (int64_t)c->by[TS_CHANGE_RISE]);
        ts_jsonw_kint(&w, "fall", (int64_t)c->by[TS_CHANGE_FALL]);
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_kint(&w, "listed", (int64_t)t->listed);
    ts_jsonw_kint(&w, "moved", (int64_t)t->moved);
    ts_jsonw_kint(&w, "score_changed", (int64_t)t->score_changed);
    ts_jsonw_kint(&w, "rules_changed", (int64_t)t->rules_changed);
    for (int d = 0; d < 2; d++) {
        ts_jsonw_key(&w, d ? "alerts_dropped" : "alerts_raised");
        ts_jsonw_obj(&w);
        for (int k = 1; k < TS_FEEDBACK_N; k++)
            ts_jsonw_kint(&w, ts_feedback_name((ts_feedback)k),
                          (int64_t)(d ? t->dropped[k] : t->raised[k]));
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_obj_end(&w);
    ts_jsonw_kstr(&w, "before", im->before_label);
    ts_jsonw_kstr(&w, "after", im->after_label);
    ts_jsonw_kstr(&w, "basis", im->basis);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc != TS_OK)
        return ts_err_set(err, rc, NULL, "cannot write the impact totals");
    fputs(ts_buf_str(b), out);
    fputc('\n', out);
    return TS_OK;
}

/* ---- text and HTML ------------------------------------------------------------------ */

/* Escaped for HTML content and attribute values. */
static void esc(FILE *out, const char *s)
{
    for (s = s ? s : ""; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

/* "+id (title), -id (title); alerts +early -quick" for one row: the rules newly counting
 * and no longer counting, or, when the same ones count, their ids. */
static void changes(FILE *out, const ts_impact *im, const ts_impact_row *r, const char **tmp,
                    bool html)
{
    bool any = false;
    for (int pass = 0; pass < 2; pass++) {
        const ts_impact_side *a = pass ? &r->before : &r->after;
        const ts_impact_side *b = pass ? &r->after : &r->before;
        size_t n = minus(a, b, tmp);
        for (size_t i = 0; i < n; i++) {
            const char *t = title_of(im, tmp[i], !pass);
            fputs(any ? ", " : "", out);
            fputc(pass ? '-' : '+', out);
            if (html)
                esc(out, tmp[i]);
            else
                fputs(tmp[i], out);
            if (t) {
                fputs(" (", out);
                if (html)
                    esc(out, t);
                else
                    fputs(t, out);
                fputc(')', out);
            }
            any = true;
        }
    }
    /* the same rules count on both sides: name them (what the changed score came from) */
    for (size_t i = 0; !any && i < r->after.n_rules; i++) {
        fputs(i ? ", " : "", out);
        if (html)
            esc(out, r->after.rules[i]);
        else
            fputs(r->after.rules[i], out);
        any = i + 1 == r->after.n_rules;
    }
    bool alerts = false;
    for (int k = 1; k < TS_FEEDBACK_N; k++) {
        if (r->before.alerts[k] == r->after.alerts[k])
            continue;
        fprintf(out, "%s%c%s",
                alerts ? " "
                : any  ? "; alerts "
                       : "alerts ",
                r->after.alerts[k] ? '+' : '-', ts_feedback_name((ts_feedback)k));
        alerts = any = true;
    }
}

static void text_page(FILE *out, const ts_impact *im, const totals *t, const char **tmp)
{
    fprintf(out, "impact: %s -> %s\nbasis: %s\n\n", im->before_label, im->after_label, im->basis);
    fprintf(out, "%-12s %-14s %-5s %-18s %-10s %s\n", "PERSON", "GRID", "TOWN", "COLOUR", "SCORE",
            "RULES THAT COUNT (+ NEWLY, - NO LONGER); ALERTS");
    for (size_t i = 0; i < im->n; i++) {
        const ts_impact_row *r = &im->rows[i];
        if (!ts_impact_row_differs(r))
            continue;
        char col[40], score[32];
        snprintf(col, sizeof col, "%s -> %s", colour(r->before.colour), colour(r->after.colour));
        snprintf(score, sizeof score, "%d -> %d", r->before.score, r->after.score);
        fprintf(out, "%-12s %-14s %-5s %-18s %-10s ", r->person, r->grid, r->town ? r->town : "",
                col, score);
        changes(out, im, r, tmp, false);
        fputc('\n', out);
    }
    fprintf(out, "(%lu of %zu persons differ)\n\ncolour before -> after, every person judged:\n",
            t->listed, im->n);
    for (int f = 0; f < TS_COLOUR_N; f++)
        for (int a = 0; a < TS_COLOUR_N; a++)
            if (t->trans[f][a]) {
                char tr[40];
                snprintf(tr, sizeof tr, "%s -> %s", colour((ts_colour)f), colour((ts_colour)a));
                fprintf(out, "  %-18s %8lu\n", tr, t->trans[f][a]);
            }
    fprintf(out, "\nby town:\n  %-6s %8s %6s %6s %6s %6s %6s\n", "TOWN", "PERSONS", "MOVED",
            "ENTER", "LEAVE", "RISE", "FALL");
    for (size_t i = 0; i < t->n_towns; i++) {
        const town_count *c = &t->towns[i];
        fprintf(out, "  %-6s %8lu %6lu %6lu %6lu %6lu %6lu\n", c->town[0] ? c->town : "-",
                c->persons, c->moved, c->by[TS_CHANGE_ENTER], c->by[TS_CHANGE_LEAVE],
                c->by[TS_CHANGE_RISE], c->by[TS_CHANGE_FALL]);
    }
    fprintf(out, "\n%lu change colour, %lu change score, %lu change which rules count\nalerts:",
            t->moved, t->score_changed, t->rules_changed);
    for (int k = 1; k < TS_FEEDBACK_N; k++)
        fprintf(out, " %s +%lu -%lu%s", ts_feedback_name((ts_feedback)k), t->raised[k],
                t->dropped[k], k + 1 < TS_FEEDBACK_N ? "," : "");
    fputs(" (+ would be raised, - would no longer be)\n", out);
}

static void html_page(FILE *out, const ts_impact *im, const totals *t, const char **tmp)
{
    fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
          "<title>triscreen: rule change impact</title><style>"
          "body{font:15px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}"
          "table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
          "th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:left;vertical-align:top}"
          "th{background:#eee}td.n{text-align:right}.red{color:#a00000}.yellow{color:#6b5200}"
          ".blue{color:#003f9e}</style></head><body>\n<h1>What the rule change does</h1>\n<p>",
          out);
    esc(out, im->before_label);
    fputs(" &rarr; ", out);
    esc(out, im->after_label);
    fputs("</p>\n<p>Basis: ", out);
    esc(out, im->basis);
    fprintf(out,
            "</p>\n<p>%lu persons change colour, %lu change score, %lu change which rules "
            "count.</p>\n<h2>Colour before and after</h2>\n<table><thead><tr><th scope=\"col\">"
            "Before</th><th scope=\"col\">After</th><th scope=\"col\">Persons</th></tr></thead>"
            "<tbody>\n",
            t->moved, t->score_changed, t->rules_changed);
    for (int f = 0; f < TS_COLOUR_N; f++)
        for (int a = 0; a < TS_COLOUR_N; a++)
            if (t->trans[f][a])
                fprintf(out,
                        "<tr><td class=\"%s\">%s</td><td class=\"%s\">%s</td>"
                        "<td class=\"n\">%lu</td></tr>\n",
                        colour((ts_colour)f), colour((ts_colour)f), colour((ts_colour)a),
                        colour((ts_colour)a), t->trans[f][a]);
    fputs("</tbody></table>\n<h2>By town</h2>\n<table><thead><tr><th scope=\"col\">Town</th>"
          "<th scope=\"col\">Persons</th><th scope=\"col\">Moved</th><th scope=\"col\">Enter</th>"
          "<th scope=\"col\">Leave</th><th scope=\"col\">Rise</th><th scope=\"col\">Fall</th>"
          "</tr></thead><tbody>\n",
          out);
    for (size_t i = 0; i < t->n_towns; i++) {
        const town_count *c = &t->towns[i];
        fputs("<tr><td>", out);
        esc(out, c->town[0] ? c->town : "-");
        fprintf(out,
                "</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td>"
                "<td class=\"n\">%lu</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td></tr>\n",
                c->persons, c->moved, c->by[TS_CHANGE_ENTER], c->by[TS_CHANGE_LEAVE],
                c->by[TS_CHANGE_RISE], c->by[TS_CHANGE_FALL]);
    }
    fputs("</tbody></table>\n<h2>Alerts</h2>\n<table><thead><tr><th scope=\"col\">Kind</th>"
          "<th scope=\"col\">Would be raised</th><th scope=\"col\">Would no longer be raised</th>"
          "</tr></thead><tbody>\n",
          out);
    for (int k = 1; k < TS_FEEDBACK_N; k++)
        fprintf(out, "<tr><td>%s</td><td class=\"n\">%lu</td><td class=\"n\">%lu</td></tr>\n",
                ts_feedback_name((ts_feedback)k), t->raised[k], t->dropped[k]);
    fprintf(out,
            "</tbody></table>\n<h2>Persons (%lu of %zu differ)</h2>\n<table><thead><tr>"
            "<th scope=\"col\">Person</th><th scope=\"col\">Group</th><th scope=\"col\">Town</th>"
            "<th scope=\"col\">Colour</th><th scope=\"col\">Score</th>"
            "<th scope=\"col\">Rules that count (+ newly, &minus; no longer) and alerts</th></tr>"
            "</thead><tbody>\n",
            t->listed, im->n);
    for (size_t i = 0; i < im->n; i++) {
        const ts_impact_row *r = &im->rows[i];
        if (!ts_impact_row_differs(r))
            continue;
        fputs("<tr><td>", out);
        esc(out, r->person);
        fputs("</td><td>", out);
        esc(out, r->grid);
        fputs("</td><td>", out);
        esc(out, r->town);
        fprintf(out,
                "</td><td><span class=\"%s\">%s</span> &rarr; <span class=\"%s\">%s</span></td>"
                "<td>%d &rarr; %d</td><td>",
                colour(r->before.colour), colour(r->before.colour), colour(r->after.colour),
                colour(r->after.colour), r->before.score, r->after.score);
        changes(out, im, r, tmp, true);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n</body></html>\n", out);
}

ts_status ts__render_impact(FILE *out, const ts_impact *im, ts_impact_format fmt, ts_err *err)
{
    totals t;
    ts_status rc = count(im, &t, err);
    size_t most = 1;
    for (size_t i = 0; i < im->n; i++) {
        if (im->rows[i].before.n_rules > most)
            most = im->rows[i].before.n_rules;
        if (im->rows[i].after.n_rules > most)
            most = im->rows[i].after.n_rules;
    }
    const char **tmp = malloc(most * sizeof *tmp);
    if (rc == TS_OK && !tmp)
        rc = ts_err_set(err, TS_NOMEM, NULL, "out of memory (impact)");
    if (rc == TS_OK && fmt == TS_IMPACT_JSONL) {
        ts_buf b;
        ts_buf_init(&b, TS_LIMIT_RENDER);
        for (size_t i = 0; rc == TS_OK && i < im->n; i++)
            if (ts_impact_row_differs(&im->rows[i]))
                rc = json_row(out, im, &im->rows[i], tmp, &b, err);
        if (rc == TS_OK)
            rc = json_totals(out, im, &t, &b, err);
        ts_buf_release(&b);
    } else if (rc == TS_OK && fmt == TS_IMPACT_HTML) {
        html_page(out, im, &t, tmp);
    } else if (rc == TS_OK) {
        text_page(out, im, &t, tmp);
    }
    free(tmp);
    free(t.towns);
    if (rc == TS_OK && (fflush(out) != 0 || ferror(out)))
        rc = ts_err_set(err, TS_IO, "stdout", "cannot write the impact report");
    return rc;
}
