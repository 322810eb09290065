/* render/report_text.c — the report as aligned text tables (render_report.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "render/render_alerts.h"
#include "render/render_report.h"

const char ts_render_report_footer[] = "Counts only: this report holds no person-level data.";

enum { NUM_CAP = 24, MAX_COLS = 16 };

/* An aligned table: every row is kept, the columns are as wide as the widest cell of
 * the header and the first TS_LIMIT_TABLE_ROWS rows (as the list tables are). */
typedef struct table {
    size_t ncols, nrows, cap;
    char **cells; /* nrows * ncols, malloc'd */
    size_t width[MAX_COLS];
} table;

/* Display width on a terminal: a CJK character takes two columns (render_alerts.h). */
static size_t text_width(const char *s)
{
    return ts_render_text_width(s);
}

static ts_status table_row(table *t, const char *const *cells)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        char **p = realloc(t->cells, cap * t->ncols * sizeof *p);
        if (!p)
            return TS_NOMEM;
        t->cells = p;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] ? cells[i] : "");
        if (!row[i]) {
            while (i--)
                free(row[i]);
            return TS_NOMEM;
        }
        size_t w = text_width(row[i]);
        if (t->nrows <= TS_LIMIT_TABLE_ROWS && w > t->width[i])
            t->width[i] = w;
    }
    t->nrows++;
    return TS_OK;
}

static ts_status table_put(const table *t, ts_buf *b)
{
    ts_status rc = TS_OK;
    for (size_t r = 0; r < t->nrows && rc == TS_OK; r++) {
        char *const *row = t->cells + r * t->ncols;
        for (size_t i = 0; i < t->ncols && rc == TS_OK; i++) {
            rc = ts_buf_puts(b, row[i]);
            for (size_t k = text_width(row[i]);
                 rc == TS_OK && i + 1 < t->ncols && k < t->width[i] + 2; k++)
                rc = ts_buf_putc(b, ' ');
        }
        if (rc == TS_OK)
            rc = ts_buf_putc(b, '\n');
    }
    return rc;
}

static void table_release(table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
}

/* "40.0%"; "-" when there is no alert. */
static void fmt_rate(char *buf, size_t cap, const ts_report_counts *c)
{
    if (!c->alerts)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.1f%%", 100.0 * (double)c->closed / (double)c->alerts);
}

static void fmt_hours(char *buf, size_t cap, double median)
{
    if (median < 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.1f", median);
}

/* NAME comes last: the columns are padded by display width, so a name of any script
 * lines up, but a name last keeps the numbers readable when a terminal font draws a
 * character wider than it says. */
static ts_status cells_row(table *t, const ts_report_row *rw)
{
    const ts_report_counts *c = &rw->c;
    int64_t v[] = {c->persons,
                   c->suspects,
                   c->lists[TS_COLOUR_RED],
                   c->lists[TS_COLOUR_YELLOW],
                   c->lists[TS_COLOUR_BLUE],
                   c->due,
                   c->alerts,
                   c->open,
                   c->closed};
    enum { NV = sizeof v / sizeof v[0] };
    char num[NV][NUM_CAP], rate[NUM_CAP], hours[NUM_CAP], code[256];
    const char *cells[NV + 4];
    int n = snprintf(code, sizeof code, "%*s%s", (int)(2 * rw->depth), "", rw->code);
    if (n < 0 || (size_t)n >= sizeof code)
        return TS_LIMIT;
    cells[0] = code;
    for (size_t i = 0; i < NV; i++) {
        snprintf(num[i], NUM_CAP, "%lld", (long long)v[i]);
        cells[1 + i] = num[i];
    }
    fmt_rate(rate, sizeof rate, c);
    fmt_hours(hours, sizeof hours, rw->median_hours);
    cells[1 + NV] = rate;
    cells[2 + NV] = hours;
    cells[3 + NV] = rw->name;
    return table_row(t, cells);
}

static ts_status cells_table(ts_buf *b, const ts_report *r)
{
    static const char *const head[] = {"CELL",    "PERSONS",  "SUSPECTS", "RED",  "YELLOW",
                                       "BLUE",    "DUE",      "ALERTS",   "OPEN", "CLOSED",
                                       "CLOSURE", "MEDIAN H", "NAME"};
    table t = {.ncols = sizeof head / sizeof head[0]};
    ts_status rc = table_row(&t, head);
    for (size_t i = 0; rc == TS_OK && i < r->n_rows; i++)
        rc = cells_row(&t, &r->rows[i]);
    if (rc == TS_OK && !r->scope)
        rc = cells_row(&t, &r->total);
    if (rc == TS_OK)
        rc = table_put(&t, b);
    table_release(&t);
    return rc;
}

static ts_status weeks_table(ts_buf *b, const ts_report *r)
{
    static const char *const head[] = {"WEEK", "FROM", "TO",     "RUN", "PASS",
                                       "NOW",  "RED",  "YELLOW", "BLUE"};
    table t = {.ncols = sizeof head / sizeof head[0]};
    ts_status rc = table_row(&t, head);
    for (size_t i = 0; rc == TS_OK && i < TS_REPORT_WEEKS; i++) {
        const ts_report_week *wk = &r->weeks[i];
        char no[NUM_CAP], run[NUM_CAP] = "-", n[3][NUM_CAP] = {"-", "-", "-"};
        snprintf(no, sizeof no, "%zu", i + 1);
        if (wk->run) {
            snprintf(run, sizeof run, "%lld", (long long)wk->run);
            snprintf(n[0], NUM_CAP, "%lld", (long long)wk->lists[TS_COLOUR_RED]);
            snprintf(n[1], NUM_CAP, "%lld", (long long)wk->lists[TS_COLOUR_YELLOW]);
            snprintf(n[2], NUM_CAP, "%lld", (long long)wk->lists[TS_COLOUR_BLUE]);
        }
        const char *cells[] = {
            no,   wk->from, wk->to, run, wk->run ? wk->pass : "-", wk->run ? wk->now : "-",
            n[0], n[1],     n[2]};
        rc = table_row(&t, cells);
    }
    if (rc == TS_OK)
        rc = table_put(&t, b);
    table_release(&t);
    return rc;
}

ts_status ts_render_report_text(ts_buf *b, const ts_report *r)
{
    const ts_cell *sc = r->scope;
    ts_status rc =
        ts_buf_printf(b, "%s: report for %s%s%s, now %s\n\n", r->county, sc ? sc->code : "all",
                      sc && sc->name[0] ? " " : "", sc ? sc->name : "", r->now);
    if (rc == TS_OK)
        rc = cells_table(b, r);
    if (rc == TS_OK)
        rc = ts_buf_printf(b,
                           "\nTrend: lists after the last live regional or targeted run of each "
                           "of the last %u weeks, oldest first\n(what-if runs never count; - = "
                           "no live run that week)\n\n",
                           TS_REPORT_WEEKS);
    if (rc == TS_OK)
        rc = weeks_table(b, r);
    if (rc == TS_OK && r->alerts)
        rc = ts_buf_puts(b, "\nAlerts: the officers' loop, per kind and per town\n\n");
    if (rc == TS_OK && r->alerts)
        rc = ts_render_alert_stats_text_towns(b, r->alerts);
    if (rc == TS_OK)
        rc = ts_buf_printf(b, "\n%s\n", ts_render_report_footer);
    return rc;
}
