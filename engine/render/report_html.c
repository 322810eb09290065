/* render/report_html.c — the report as a self-contained HTML page (render_report.h).
 * The HTML escaper lives here: it is the page's, not a JSON one. */
#include <stdarg.h>
#include <stdio.h>

#include "triscreen/feedback.h"
#include "render/render_alerts.h"
#include "render/render_report.h"

/* Width in pixels of the colour bar. */
#define BAR_WIDTH 160

/* The page being written: the first failure sticks and every later write is skipped. */
typedef struct page {
    ts_buf *b;
    ts_status st;
} page;

static void put(page *p, const char *s)
{
    if (p->st == TS_OK)
        p->st = ts_buf_puts(p->b, s);
}

static void putn(page *p, const void *s, size_t n)
{
    if (p->st == TS_OK)
        p->st = ts_buf_append(p->b, s, n);
}

static void TS_PRINTF(2, 3) putf(page *p, const char *fmt, ...)
{
    if (p->st != TS_OK)
        return;
    va_list ap;
    va_start(ap, fmt);
    p->st = ts_buf_vprintf(p->b, fmt, ap);
    va_end(ap);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || s[0] >= 0xF5)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    /* overlong three- and four-byte forms, surrogates, past U+10FFFF */
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] >= 0xA0) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90))
        return 0;
    return n;
}

/* Text escaped for HTML element content and quoted attribute values; control
 * characters and invalid UTF-8 become U+FFFD. */
static void html_text(page *p, const char *text)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s) {
        size_t n = utf8_len(s);
        if (n == 0 || (n == 1 && *s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7F) {
            put(p, "\xEF\xBF\xBD");
            s++;
            continue;
        }
        switch (*s) {
        case '&':
            put(p, "&amp;");
            break;
        case '<':
            put(p, "&lt;");
            break;
        case '>':
            put(p, "&gt;");
            break;
        case '"':
            put(p, "&quot;");
            break;
        case '\'':
            put(p, "&#39;");
            break;
        default:
            putn(p, s, n);
        }
        s += n;
    }
}

/* lang zh-CN: grid names are Chinese, and it picks Simplified Chinese glyph forms (the
 * labels are English; a browser renders them the same either way). */
static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<style>\n"
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",\"Noto Sans CJK SC\",\"Noto Sans SC\","
    "\"Source Han Sans SC\",\"PingFang SC\",\"Microsoft YaHei\",sans-serif;margin:2em;"
    "color:#222;background:#fff}\n"
    "h1{font-size:1.4em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em}\n"
    ".meta{color:#555;margin-top:0}\n"
    "table{border-collapse:collapse;font-size:.92em}\n"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right;white-space:nowrap}\n"
    "th{background:#f2f2f2}td.t{text-align:left}\n"
    "tr.d1 td.code{padding-left:1.6em}tr.d2 td.code{padding-left:2.6em}\n"
    "tr.total td{font-weight:bold;border-top:2px solid #888}\n"
    "svg{vertical-align:middle}\n"
    "footer{margin-top:2em;color:#555;font-size:.9em}\n"
    "</style>\n";

static int64_t listed(const int64_t *lists)
{
    return lists[TS_COLOUR_RED] + lists[TS_COLOUR_YELLOW] + lists[TS_COLOUR_BLUE];
}

static void html_bar(page *p, const int64_t *lists, int64_t scale)
{
    static const ts_colour order[] = {TS_COLOUR_RED, TS_COLOUR_YELLOW, TS_COLOUR_BLUE};
    static const char *const fill[TS_COLOUR_N] = {
        [TS_COLOUR_RED] = "#d62728", [TS_COLOUR_YELLOW] = "#e8b90f", [TS_COLOUR_BLUE] = "#1f6fb4"};
    long long r = lists[TS_COLOUR_RED], y = lists[TS_COLOUR_YELLOW], b = lists[TS_COLOUR_BLUE];
    putf(p,
         "<svg width=\"%d\" height=\"12\" viewBox=\"0 0 %d 12\" role=\"img\" "
         "aria-label=\"red %lld, yellow %lld, blue %lld\">"
         "<title>red %lld, yellow %lld, blue %lld</title>"
         "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"12\" fill=\"#f4f4f4\"/>",
         BAR_WIDTH, BAR_WIDTH, r, y, b, r, y, b, BAR_WIDTH);
    if (scale > 0 && listed(lists) > 0) {
        double x = 0;
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
            double w = (double)BAR_WIDTH * (double)lists[order[k]] / (double)scale;
            if (w > 0)
                putf(p, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>", x, w,
                     fill[order[k]]);
            x += w;
        }
    }
    put(p, "</svg>");
}

static void html_cells_row(page *p, const ts_report_row *rw, int64_t scale, bool total)
{
    const ts_report_counts *c = &rw->c;
    char rate[24] = "-", hours[24] = "-";
    if (c->alerts)
        snprintf(rate, sizeof rate, "%.1f%%", 100.0 * (double)c->closed / (double)c->alerts);
    if (rw->median_hours >= 0)
        snprintf(hours, sizeof hours, "%.1f", rw->median_hours);
    if (total)
        put(p, "<tr class=\"total\">");
    else
        putf(p, "<tr class=\"d%zu\">", rw->depth > 2 ? (size_t)2 : rw->depth);
    put(p, "<td class=\"t code\">");
    html_text(p, rw->code);
    put(p, "</td><td class=\"t\">");
    html_text(p, rw->name);
    putf(p, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
         (long long)c->persons, (long long)c->suspects, (long long)c->lists[TS_COLOUR_RED],
         (long long)c->lists[TS_COLOUR_YELLOW], (long long)c->lists[TS_COLOUR_BLUE]);
    html_bar(p, c->lists, scale);
    putf(p,
         "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%s</td><td>%s</td>"
         "</tr>\n",
         (long long)c->due, (long long)c->alerts, (long long)c->open, (long long)c->closed, rate,
         hours);
}

static void html_cells(page *p, const ts_report *r)
{
    /* one scale for every cell row, so bars compare; the total row is its own scale */
    int64_t scale = 0;
    for (size_t i = 0; i < r->n_rows; i++)
        if (listed(r->rows[i].c.lists) > scale)
            scale = listed(r->rows[i].c.lists);
    put(p, "<h2>Cells</h2>\n<table>\n<thead><tr><th class=\"t\">Cell</th><th class=\"t\">Name</th>"
           "<th>Persons</th><th>Suspects</th><th>Red</th><th>Yellow</th><th>Blue</th>"
           "<th>Lists</th><th>Reviews due</th><th>Alerts</th><th>Open</th><th>Closed</th>"
           "<th>Closure rate</th><th>Median hours to close</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->n_rows; i++)
        html_cells_row(p, &r->rows[i], scale, false);
    if (!r->scope)
        html_cells_row(p, &r->total, listed(r->total.c.lists), true);
    put(p, "</tbody>\n</table>\n");
}

static void html_trends(page *p, const ts_report *r)
{
    putf(p,
         "<h2>Trends</h2>\n<p class=\"meta\">Lists after each of the last %u regional or "
         "targeted runs, oldest first.</p>\n",
         TS_REPORT_TRENDS);
    if (!r->n_trends) {
        put(p, "<p>No completed regional or targeted run.</p>\n");
        return;
    }
    int64_t tscale = 0;
    for (size_t i = 0; i < r->n_trends; i++)
        if (listed(r->trends[i].lists) > tscale)
            tscale = listed(r->trends[i].lists);
    put(p, "<table>\n<thead><tr><th>Run</th><th class=\"t\">Pass</th><th class=\"t\">Scope</th>"
           "<th class=\"t\">Now</th><th>Red</th><th>Yellow</th><th>Blue</th><th>Lists</th>"
           "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->n_trends; i++) {
        const ts_report_trend *tr = &r->trends[i];
        putf(p, "<tr><td>%lld</td><td class=\"t\">", (long long)tr->run);
        html_text(p, tr->pass);
        put(p, "</td><td class=\"t\">");
        html_text(p, tr->scope);
        put(p, "</td><td class=\"t\">");
        html_text(p, tr->now);
        putf(p, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
             (long long)tr->lists[TS_COLOUR_RED], (long long)tr->lists[TS_COLOUR_YELLOW],
             (long long)tr->lists[TS_COLOUR_BLUE]);
        html_bar(p, tr->lists, tscale);
        put(p, "</td></tr>\n");
    }
    put(p, "</tbody>\n</table>\n");
}

/* "12.5 / 30.0", "-" when nothing was timed. */
static void html_times(page *p, double p50, double p90)
{
    if (p50 < 0 || p90 < 0)
        put(p, "<td>-</td>");
    else
        putf(p, "<td>%.1f / %.1f</td>", p50, p90);
}

static void html_alert_row(page *p, const char *code, const char *name, const ts_alert_figures *f,
                           double target, bool total)
{
    put(p, total ? "<tr class=\"total\"><td class=\"t code\">" : "<tr><td class=\"t code\">");
    html_text(p, code);
    put(p, "</td><td class=\"t\">");
    html_text(p, name);
    putf(p, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td>",
         (unsigned long long)f->raised, (unsigned long long)f->by_state[TS_ALERT_NEW],
         (unsigned long long)f->by_state[TS_ALERT_CLAIMED],
         (unsigned long long)f->by_state[TS_ALERT_ACKED], (unsigned long long)f->acked_in_time,
         (unsigned long long)f->closed);
    if (f->raised)
        putf(p, "<td>%.1f%% (target %.1f%%)</td>", 100.0 * f->closure_rate, 100.0 * target);
    else
        putf(p, "<td>- (target %.1f%%)</td>", 100.0 * target);
    html_times(p, f->ack_p50, f->ack_p90);
    html_times(p, f->close_p50, f->close_p90);
    putf(p, "<td>%llu</td></tr>\n", (unsigned long long)f->overdue);
}

/* The officers' loop: figures for all alerts, per kind and per town, and overdue by
 * level. */
static void html_alerts(page *p, const ts_alert_stats *st)
{
    putf(p,
         "<h2>Alerts</h2>\n<p class=\"meta\">Closure target %.1f%%; times in minutes "
         "(p50 / p90).</p>\n",
         100.0 * st->closure_target);
    put(p, "<table>\n<thead><tr><th class=\"t\">Kind / town</th><th class=\"t\">Name</th>"
           "<th>Raised</th><th>New</th><th>Claimed</th><th>Acknowledged</th>"
           "<th>Acknowledged in time</th><th>Closed</th><th>Closure rate</th>"
           "<th>To acknowledge</th><th>To close</th><th>Overdue</th></tr></thead>\n<tbody>\n");
    html_alert_row(p, "all", "", &st->all, st->closure_target, true);
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        if (k != TS_FEEDBACK_NONE || st->kinds[k].raised)
            html_alert_row(p, k == TS_FEEDBACK_NONE ? "unknown" : ts_feedback_name((ts_feedback)k),
                           "", &st->kinds[k], st->closure_target, false);
    for (size_t i = 0; i < st->n_towns; i++) {
        const ts_alert_cell_stat *c = &st->towns[i];
        html_alert_row(p, c->code ? c->code : "(not in the grid)", c->name ? c->name : "", &c->fig,
                       st->closure_target, false);
    }
    put(p, "</tbody>\n</table>\n");
    putf(p, "<p>Overdue now by level: group %llu, village %llu, town %llu, county desk %llu.</p>\n",
         (unsigned long long)st->overdue_by_level[TS_CELL_GROUP],
         (unsigned long long)st->overdue_by_level[TS_CELL_VILLAGE],
         (unsigned long long)st->overdue_by_level[TS_CELL_TOWN],
         (unsigned long long)st->overdue_by_level[0]);
}

ts_status ts_render_report_html(ts_buf *b, const ts_report *r)
{
    page p = {.b = b, .st = TS_OK};
    put(&p, html_head);
    put(&p, "<title>triscreen report: ");
    html_text(&p, r->county);
    put(&p, "</title>\n</head>\n<body>\n<h1>");
    html_text(&p, r->county);
    put(&p, "</h1>\n<p class=\"meta\">Scope: ");
    html_text(&p, r->scope ? r->scope->code : "all");
    if (r->scope && r->scope->name[0]) {
        put(&p, " ");
        html_text(&p, r->scope->name);
    }
    put(&p, " &middot; now: ");
    html_text(&p, r->now);
    put(&p, "</p>\n");
    html_cells(&p, r);
    html_trends(&p, r);
    if (r->alerts)
        html_alerts(&p, r->alerts);
    put(&p, "<footer><p>");
    html_text(&p, ts_render_report_footer);
    put(&p, "</p></footer>\n</body>\n</html>\n");
    return p.st;
}
