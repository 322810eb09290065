/* lists/report.c — `triscreen report` (triscreen/lists.h): counts per grid cell, list
 * trends over the last runs and alert closure, as an aligned text table, one JSON object
 * or a self-contained HTML page. The counts come per grid code from store/report_query
 * and are summed up the ts_grid here; nothing person-level is ever printed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/lists.h"
#include "base/limits.h"
#include "lists/lists_int.h"
#include "store/report_query.h"

/* Runs shown in the trends. */
#define TS_REPORT_TRENDS 10u
/* Closed alerts whose close times feed the medians; a store with more is refused with
 * TS_LIMIT rather than grown without bound. (Candidate for engine/base/limits.h.) */
#define TS_REPORT_CLOSE_TIMES TS_LIMIT_REPORT_CLOSE_TIMES
/* Width in pixels of the colour bar of the HTML page. */
#define BAR_WIDTH 160

enum { C_RED, C_YELLOW, C_BLUE, C__N };
static const char *const colour_names[C__N] = {"red", "yellow", "blue"};
static const char *const bar_fill[C__N] = {"#d62728", "#e8b90f", "#1f6fb4"};

typedef struct counts {
    int64_t persons, suspects, lists[C__N], due;
    int64_t alerts, open, closed; /* live alert rows; open = new + acked */
} counts;

/* A close time, keyed by the cell the alert's grid code names. */
typedef struct close_time {
    size_t cell;
    double hours;
} close_time;

typedef struct trend {
    int64_t run;
    const char *pass, *scope, *now; /* in the report's arena */
    int64_t lists[C__N];
    bool from_summary; /* lists read from the run's summary, else rebuilt */
} trend;

/* A row ready to print. */
typedef struct row {
    const char *code, *name;
    const char *level; /* "town" | "village" | "group" | "all" */
    size_t depth;      /* indentation under the first row's level */
    const counts *c;
    double median; /* hours; negative when no alert was closed */
} report_row;

typedef struct report {
    const ts_grid *g;
    const ts_cell *scope; /* NULL = all */
    const char *now;
    counts *cell; /* by cell index */
    counts all;   /* everything in scope */
    close_time *times;
    size_t n_times, cap_times;
    trend trends[TS_REPORT_TRENDS];
    size_t n_trends;
    report_row *rows; /* the cells shown, in grid order */
    size_t n_rows;
    report_row total; /* the county, or the scope cell */
    ts_arena arena;
    trend *filling; /* the trend ts__rq_lists_after is counting into */
} report;

static int colour_index(const char *s)
{
    for (int i = 0; s && i < C__N; i++)
        if (!strcmp(s, colour_names[i]))
            return i;
    return -1;
}

/* The cell a stored grid code names, when it lies in the report's scope. */
static const ts_cell *cell_in_scope(const report *r, const char *grid)
{
    const ts_cell *cell = grid ? ts_grid_find(r->g, grid) : NULL;
    return cell && ts_grid_in_scope(cell, r->scope) ? cell : NULL;
}

/* One past the last cell under cell (cells are in file order: each town followed by its
 * villages, each village by its groups). */
static size_t subtree_end(const ts_grid *g, const ts_cell *cell)
{
    size_t n = ts_grid_count(g), i = cell->index + 1;
    while (i < n && ts_grid_cell(g, i)->level > cell->level)
        i++;
    return i;
}

/* ---- gathering ----------------------------------------------------------------------------- */

typedef enum { K_PERSONS, K_SUSPECTS, K_LISTS, K_ALERTS } count_kind;

typedef struct gather {
    report *r;
    count_kind kind;
} gather;

static void add_to(counts *c, count_kind kind, const ts__rq_count *row)
{
    switch (kind) {
    case K_PERSONS:
        c->persons += row->n;
        break;
    case K_SUSPECTS:
        c->suspects += row->n;
        break;
    case K_LISTS: {
        int ci = colour_index(row->key);
        if (ci >= 0) {
            c->lists[ci] += row->n;
            c->due += row->n2;
        }
        break;
    }
    case K_ALERTS:
        c->alerts += row->n;
        if (row->key && (!strcmp(row->key, "new") || !strcmp(row->key, "acked")))
            c->open += row->n;
        else if (row->key && !strcmp(row->key, "closed"))
            c->closed += row->n;
        break;
    }
}

static ts_status on_count(void *ud, const ts__rq_count *row, ts_err *err)
{
    (void)err;
    gather *ga = ud;
    const ts_cell *cell = cell_in_scope(ga->r, row->grid);
    if (!cell)
        return TS_OK;
    /* the cell itself and every cell above it: a group's counts are its village's and
     * its town's too */
    for (const ts_cell *c = cell; c; c = c->parent)
        add_to(&ga->r->cell[c->index], ga->kind, row);
    add_to(&ga->r->all, ga->kind, row);
    return TS_OK;
}

static ts_status on_hours(void *ud, const char *grid, double hours, ts_err *err)
{
    report *r = ud;
    const ts_cell *cell = cell_in_scope(r, grid);
    if (!cell)
        return TS_OK;
    if (r->n_times == r->cap_times) {
        if (r->cap_times >= TS_REPORT_CLOSE_TIMES)
            return ts_err_set(err, TS_LIMIT, "report",
                              "more than %u closed alerts in scope: narrow it with --scope",
                              TS_REPORT_CLOSE_TIMES);
        size_t cap = r->cap_times ? r->cap_times * 2 : 256;
        if (cap > TS_REPORT_CLOSE_TIMES)
            cap = TS_REPORT_CLOSE_TIMES;
        close_time *t = realloc(r->times, cap * sizeof *t);
        if (!t)
            return ts_err_set(err, TS_NOMEM, "report", "close times");
        r->times = t;
        r->cap_times = cap;
    }
    /* a wall clock stepped back can give a close before the raise: count it as 0 */
    r->times[r->n_times++] = (close_time){cell->index, hours > 0 ? hours : 0};
    return TS_OK;
}

/* The run's own counts, when its summary has them: {"lists":{"red":N,...}}. */
static bool summary_lists(const char *summary, int64_t *lists)
{
    json_object *o = summary ? json_tokener_parse(summary) : NULL, *l, *v;
    bool ok =
        o && json_object_object_get_ex(o, "lists", &l) && json_object_is_type(l, json_type_object);
    int64_t n[C__N];
    for (int k = 0; ok && k < C__N; k++) {
        ok = json_object_object_get_ex(l, colour_names[k], &v) &&
             json_object_is_type(v, json_type_int);
        if (ok)
            n[k] = json_object_get_int64(v);
    }
    json_object_put(o);
    if (ok)
        memcpy(lists, n, sizeof n);
    return ok;
}

static ts_status on_run(void *ud, const ts__rq_run *run, ts_err *err)
{
    report *r = ud;
    if (r->n_trends == TS_REPORT_TRENDS)
        return TS_OK;
    trend *t = &r->trends[r->n_trends];
    memset(t, 0, sizeof *t);
    t->run = run->id;
    t->pass = ts_arena_strdup(&r->arena, run->pass ? run->pass : "");
    t->scope = ts_arena_strdup(&r->arena, run->scope ? run->scope : "");
    t->now = ts_arena_strdup(&r->arena, run->now ? run->now : "");
    if (!t->pass || !t->scope || !t->now)
        return ts_err_set(err, TS_NOMEM, "report", "runs");
    /* the summary counted the run's own scope when the run ended (human changes
     * included): exact when that scope is the report's; otherwise rebuild */
    if (!strcmp(t->scope, r->scope ? r->scope->code : "all"))
        t->from_summary = summary_lists(run->summary, t->lists);
    r->n_trends++;
    return TS_OK;
}

static ts_status on_trend_count(void *ud, const ts__rq_count *row, ts_err *err)
{
    (void)err;
    report *r = ud;
    int ci = colour_index(row->key);
    if (ci >= 0 && cell_in_scope(r, row->grid))
        r->filling->lists[ci] += row->n;
    return TS_OK;
}

static int cmp_time(const void *a, const void *b)
{
    const close_time *x = a, *y = b;
    if (x->cell != y->cell)
        return x->cell < y->cell ? -1 : 1;
    return x->hours < y->hours ? -1 : x->hours > y->hours;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The first close time whose cell index is >= index (times sorted by cell). */
static size_t times_lower_bound(const report *r, size_t index)
{
    size_t lo = 0, hi = r->n_times;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->times[mid].cell < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Median close hours of the cells with index in [from, to); negative when none. The
 * times of one cell range are contiguous because they are sorted by cell index. */
static ts_status median_hours(const report *r, size_t from, size_t to, double *out, ts_err *err)
{
    size_t a = times_lower_bound(r, from), b = times_lower_bound(r, to);
    *out = -1;
    if (a == b)
        return TS_OK;
    double *v = malloc((b - a) * sizeof *v);
    if (!v)
        return ts_err_set(err, TS_NOMEM, "report", "median");
    for (size_t i = a; i < b; i++)
        v[i - a] = r->times[i].hours;
    size_t n = b - a;
    qsort(v, n, sizeof *v, cmp_double);
    *out = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    free(v);
    return TS_OK;
}

/* ---- rows ---------------------------------------------------------------------------------- */

static const char *level_name(ts_cell_level l)
{
    return l == TS_CELL_TOWN ? "town" : l == TS_CELL_VILLAGE ? "village" : "group";
}

static ts_status cell_row(const report *r, const ts_cell *cell, report_row *out, ts_err *err)
{
    *out =
        (report_row){.code = cell->code,
                     .name = cell->name,
                     .level = level_name(cell->level),
                     .depth = r->scope ? cell->level - r->scope->level : cell->level - TS_CELL_TOWN,
                     .c = &r->cell[cell->index]};
    return median_hours(r, cell->index, subtree_end(r->g, cell), &out->median, err);
}

/* The rows shown (see ts_report_print) and the total row. */
static ts_status pick_rows(report *r, ts_err *err)
{
    size_t n = ts_grid_count(r->g);
    r->rows = calloc(n ? n : 1, sizeof *r->rows);
    if (!r->rows)
        return ts_err_set(err, TS_NOMEM, "report", "rows");
    ts_status rc = TS_OK;
    size_t from = 0, to = n;
    if (r->scope) {
        from = r->scope->index;
        to = subtree_end(r->g, r->scope);
    }
    for (size_t i = from; rc == TS_OK && i < to; i++) {
        const ts_cell *c = ts_grid_cell(r->g, i);
        bool shown =
            r->scope ? c == r->scope || c->level == r->scope->level + 1 : c->level != TS_CELL_GROUP;
        if (shown)
            rc = cell_row(r, c, &r->rows[r->n_rows++], err);
    }
    if (rc != TS_OK)
        return rc;
    if (r->scope) {
        r->total = r->rows[0];
        return TS_OK;
    }
    r->total =
        (report_row){.code = "all", .name = ts_grid_county(r->g), .level = "all", .c = &r->all};
    return median_hours(r, 0, SIZE_MAX, &r->total.median, err);
}

static ts_status gather_all(ts_store *s, report *r, ts_err *err)
{
    const char *prefix = ts__lists_scope_prefix(r->scope);
    bool began = false;
    ts_status rc = ts__rq_snapshot_begin(s, &began, err);
    if (rc != TS_OK)
        return rc;
    gather persons = {r, K_PERSONS}, suspects = {r, K_SUSPECTS}, lists = {r, K_LISTS},
           alerts = {r, K_ALERTS};
    if ((rc = ts__rq_persons(s, prefix, on_count, &persons, err)) != TS_OK ||
        (rc = ts__rq_suspects(s, prefix, on_count, &suspects, err)) != TS_OK ||
        (rc = ts__rq_lists(s, prefix, r->now, on_count, &lists, err)) != TS_OK ||
        (rc = ts__rq_alerts(s, prefix, on_count, &alerts, err)) != TS_OK ||
        (rc = ts__rq_close_hours(s, prefix, on_hours, r, err)) != TS_OK ||
        (rc = ts__rq_list_runs(s, TS_REPORT_TRENDS, on_run, r, err)) != TS_OK)
        goto done;
    for (size_t i = 0; i < r->n_trends; i++) {
        if (r->trends[i].from_summary)
            continue;
        r->filling = &r->trends[i];
        rc = ts__rq_lists_after(s, r->trends[i].run, prefix, on_trend_count, r, err);
        if (rc != TS_OK)
            goto done;
    }
    r->filling = NULL;
    /* newest first from the store; the report reads oldest first */
    for (size_t i = 0; i < r->n_trends / 2; i++) {
        trend t = r->trends[i];
        r->trends[i] = r->trends[r->n_trends - 1 - i];
        r->trends[r->n_trends - 1 - i] = t;
    }
    if (r->n_times)
        qsort(r->times, r->n_times, sizeof *r->times, cmp_time);
    rc = pick_rows(r, err);
done:
    ts__rq_snapshot_end(s, began);
    return rc;
}

/* ---- text ---------------------------------------------------------------------------------- */

static const char footer[] = "Counts only: this report holds no person-level data.";

static const char *scope_label(const report *r)
{
    return r->scope ? r->scope->code : "all";
}

/* "40.0%" / "0.4000"; "-" when there is no alert. */
static void fmt_rate(char *buf, size_t cap, const counts *c)
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

enum { NUM_CAP = 24 };

/* NAME comes last: the table counts code points, and CJK names are two columns wide on
 * a terminal, so a name in the middle would push the numbers out of line. */
static ts_status text_cells_row(ts__table *t, ts_arena *a, const report_row *rw, ts_err *err)
{
    const counts *c = rw->c;
    int64_t v[] = {c->persons, c->suspects, c->lists[C_RED], c->lists[C_YELLOW], c->lists[C_BLUE],
                   c->due,     c->alerts,   c->open,         c->closed};
    enum { NV = sizeof v / sizeof v[0] };
    char num[NV][NUM_CAP], rate[NUM_CAP], hours[NUM_CAP];
    const char *cells[NV + 4];
    cells[0] = ts_arena_printf(a, "%*s%s", (int)(2 * rw->depth), "", rw->code);
    if (!cells[0])
        return ts_err_set(err, TS_NOMEM, "report", NULL);
    for (size_t i = 0; i < NV; i++) {
        snprintf(num[i], NUM_CAP, "%lld", (long long)v[i]);
        cells[1 + i] = num[i];
    }
    fmt_rate(rate, sizeof rate, c);
    fmt_hours(hours, sizeof hours, rw->median);
    cells[1 + NV] = rate;
    cells[2 + NV] = hours;
    cells[3 + NV] = rw->name;
    return ts__table_row(t, cells, err);
}

static ts_status print_text(const report *r, FILE *out, ts_err *err)
{
    static const char *const cell_head[] = {"CELL",    "PERSONS",  "SUSPECTS", "RED",  "YELLOW",
                                            "BLUE",    "DUE",      "ALERTS",   "OPEN", "CLOSED",
                                            "CLOSURE", "MEDIAN H", "NAME"};
    static const char *const trend_head[] = {"RUN", "PASS",   "SCOPE", "NOW",
                                             "RED", "YELLOW", "BLUE"};
    enum {
        NC = sizeof cell_head / sizeof cell_head[0],
        NT = sizeof trend_head / sizeof trend_head[0]
    };
    fprintf(out, "%s: report for %s%s%s, now %s\n\n", ts_grid_county(r->g), scope_label(r),
            r->scope && r->scope->name[0] ? " " : "", r->scope ? r->scope->name : "", r->now);
    ts__table t;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_status rc = ts__table_init(&t, out, cell_head, NC, err);
    for (size_t i = 0; rc == TS_OK && i < r->n_rows; i++)
        rc = text_cells_row(&t, &a, &r->rows[i], err);
    if (rc == TS_OK && !r->scope)
        rc = text_cells_row(&t, &a, &r->total, err);
    if (rc == TS_OK)
        ts__table_flush(&t);
    ts__table_release(&t);
    if (rc != TS_OK)
        goto done;

    fprintf(out,
            "\nTrends: lists after each of the last %u regional or targeted runs, oldest "
            "first\n\n",
            TS_REPORT_TRENDS);
    if (!r->n_trends) {
        fputs("(no completed regional or targeted run)\n", out);
    } else {
        rc = ts__table_init(&t, out, trend_head, NT, err);
        for (size_t i = 0; rc == TS_OK && i < r->n_trends; i++) {
            const trend *tr = &r->trends[i];
            char run[NUM_CAP], n[C__N][NUM_CAP];
            snprintf(run, sizeof run, "%lld", (long long)tr->run);
            for (int k = 0; k < C__N; k++)
                snprintf(n[k], NUM_CAP, "%lld", (long long)tr->lists[k]);
            const char *cells[NT] = {run, tr->pass, tr->scope, tr->now, n[0], n[1], n[2]};
            rc = ts__table_row(&t, cells, err);
        }
        if (rc == TS_OK)
            ts__table_flush(&t);
        ts__table_release(&t);
        if (rc != TS_OK)
            goto done;
    }
    fprintf(out, "\n%s\n", footer);
done:
    ts_arena_release(&a);
    return rc;
}

/* ---- JSON ---------------------------------------------------------------------------------- */

/* A double with a fixed number of decimals (json-c would print 17 digits). */
static json_object *json_fixed(double v, int decimals)
{
    char buf[NUM_CAP];
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return json_object_new_double_s(v, buf);
}

static json_object *json_colours(const int64_t *lists)
{
    json_object *o = json_object_new_object();
    for (int k = 0; o && k < C__N; k++)
        json_object_object_add(o, colour_names[k], json_object_new_int64(lists[k]));
    return o;
}

static json_object *json_row(const report_row *rw)
{
    const counts *c = rw->c;
    json_object *o = json_object_new_object(), *al = json_object_new_object();
    if (!o || !al) {
        json_object_put(o);
        json_object_put(al);
        return NULL;
    }
    json_object_object_add(o, "code", json_object_new_string(rw->code));
    json_object_object_add(o, "name", json_object_new_string(rw->name ? rw->name : ""));
    json_object_object_add(o, "level", json_object_new_string(rw->level));
    json_object_object_add(o, "persons", json_object_new_int64(c->persons));
    json_object_object_add(o, "suspects", json_object_new_int64(c->suspects));
    json_object_object_add(o, "lists", json_colours(c->lists));
    json_object_object_add(o, "reviews_due", json_object_new_int64(c->due));
    json_object_object_add(al, "total", json_object_new_int64(c->alerts));
    json_object_object_add(al, "open", json_object_new_int64(c->open));
    json_object_object_add(al, "closed", json_object_new_int64(c->closed));
    json_object_object_add(al, "closure_rate",
                           c->alerts ? json_fixed((double)c->closed / (double)c->alerts, 4) : NULL);
    json_object_object_add(al, "median_hours_to_close",
                           rw->median >= 0 ? json_fixed(rw->median, 2) : NULL);
    json_object_object_add(o, "alerts", al);
    return o;
}

static ts_status print_json(const report *r, FILE *out, ts_err *err)
{
    json_object *o = json_object_new_object(), *cells = json_object_new_array(),
                *trends = json_object_new_array();
    if (!o || !cells || !trends) {
        json_object_put(o);
        json_object_put(cells);
        json_object_put(trends);
        return ts_err_set(err, TS_NOMEM, "report", "json");
    }
    json_object_object_add(o, "county", json_object_new_string(ts_grid_county(r->g)));
    json_object_object_add(o, "scope", json_object_new_string(scope_label(r)));
    json_object_object_add(o, "now", json_object_new_string(r->now));
    for (size_t i = 0; i < r->n_rows; i++)
        json_object_array_add(cells, json_row(&r->rows[i]));
    json_object_object_add(o, "cells", cells);
    json_object_object_add(o, "total", json_row(&r->total));
    for (size_t i = 0; i < r->n_trends; i++) {
        const trend *tr = &r->trends[i];
        json_object *t = json_object_new_object();
        if (!t)
            continue;
        json_object_object_add(t, "run", json_object_new_int64(tr->run));
        json_object_object_add(t, "pass", json_object_new_string(tr->pass));
        json_object_object_add(t, "scope", json_object_new_string(tr->scope));
        json_object_object_add(t, "now", json_object_new_string(tr->now));
        json_object_object_add(t, "lists", json_colours(tr->lists));
        json_object_object_add(
            t, "source", json_object_new_string(tr->from_summary ? "summary" : "transitions"));
        json_object_array_add(trends, t);
    }
    json_object_object_add(o, "trends", trends);
    return ts__json_line(out, o, err);
}

/* ---- HTML ---------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || p[0] >= 0xF5)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    /* overlong three- and four-byte forms, surrogates, past U+10FFFF */
    if ((p[0] == 0xE0 && p[1] < 0xA0) || (p[0] == 0xED && p[1] >= 0xA0) ||
        (p[0] == 0xF0 && p[1] < 0x90) || (p[0] == 0xF4 && p[1] >= 0x90))
        return 0;
    return n;
}

/* Text escaped for HTML element content and quoted attribute values; control
 * characters and invalid UTF-8 become U+FFFD. */
static void html_text(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = utf8_len(p);
        if (n == 0 || (n == 1 && *p < 0x20 && *p != '\t' && *p != '\n') || *p == 0x7F) {
            fputs("\xEF\xBF\xBD", out);
            p++;
            continue;
        }
        switch (*p) {
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
            fwrite(p, 1, n, out);
        }
        p += n;
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

static void html_bar(FILE *out, const int64_t *lists, int64_t scale)
{
    int64_t sum = lists[C_RED] + lists[C_YELLOW] + lists[C_BLUE];
    fprintf(out,
            "<svg width=\"%d\" height=\"12\" viewBox=\"0 0 %d 12\" role=\"img\" "
            "aria-label=\"red %lld, yellow %lld, blue %lld\">"
            "<title>red %lld, yellow %lld, blue %lld</title>"
            "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"12\" fill=\"#f4f4f4\"/>",
            BAR_WIDTH, BAR_WIDTH, (long long)lists[C_RED], (long long)lists[C_YELLOW],
            (long long)lists[C_BLUE], (long long)lists[C_RED], (long long)lists[C_YELLOW],
            (long long)lists[C_BLUE], BAR_WIDTH);
    if (scale > 0 && sum > 0) {
        double x = 0;
        for (int k = 0; k < C__N; k++) {
            double w = (double)BAR_WIDTH * (double)lists[k] / (double)scale;
            if (w > 0)
                fprintf(out, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"12\" fill=\"%s\"/>",
                        x, w, bar_fill[k]);
            x += w;
        }
    }
    fputs("</svg>", out);
}

static void html_cells_row(FILE *out, const report_row *rw, int64_t scale, bool total)
{
    const counts *c = rw->c;
    char rate[NUM_CAP], hours[NUM_CAP];
    fmt_rate(rate, sizeof rate, c);
    fmt_hours(hours, sizeof hours, rw->median);
    if (total)
        fputs("<tr class=\"total\">", out);
    else
        fprintf(out, "<tr class=\"d%zu\">", rw->depth > 2 ? (size_t)2 : rw->depth);
    fputs("<td class=\"t code\">", out);
    html_text(out, rw->code);
    fputs("</td><td class=\"t\">", out);
    html_text(out, rw->name);
    fprintf(out, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
            (long long)c->persons, (long long)c->suspects, (long long)c->lists[C_RED],
            (long long)c->lists[C_YELLOW], (long long)c->lists[C_BLUE]);
    html_bar(out, c->lists, scale);
    fprintf(out,
            "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%s</td><td>%s</td>"
            "</tr>\n",
            (long long)c->due, (long long)c->alerts, (long long)c->open, (long long)c->closed, rate,
            hours);
}

static ts_status print_html(const report *r, FILE *out, ts_err *err)
{
    fputs(html_head, out);
    fputs("<title>triscreen report: ", out);
    html_text(out, ts_grid_county(r->g));
    fputs("</title>\n</head>\n<body>\n<h1>", out);
    html_text(out, ts_grid_county(r->g));
    fputs("</h1>\n<p class=\"meta\">Scope: ", out);
    html_text(out, scope_label(r));
    if (r->scope && r->scope->name[0]) {
        fputs(" ", out);
        html_text(out, r->scope->name);
    }
    fputs(" &middot; now: ", out);
    html_text(out, r->now);
    fputs("</p>\n", out);

    /* one scale for every cell row, so bars compare; the total row is its own scale */
    int64_t scale = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const int64_t *l = r->rows[i].c->lists;
        if (l[C_RED] + l[C_YELLOW] + l[C_BLUE] > scale)
            scale = l[C_RED] + l[C_YELLOW] + l[C_BLUE];
    }
    fputs("<h2>Cells</h2>\n<table>\n<thead><tr><th class=\"t\">Cell</th><th class=\"t\">Name</th>"
          "<th>Persons</th><th>Suspects</th><th>Red</th><th>Yellow</th><th>Blue</th>"
          "<th>Lists</th><th>Reviews due</th><th>Alerts</th><th>Open</th><th>Closed</th>"
          "<th>Closure rate</th><th>Median hours to close</th></tr></thead>\n<tbody>\n",
          out);
    for (size_t i = 0; i < r->n_rows; i++)
        html_cells_row(out, &r->rows[i], scale, false);
    if (!r->scope) {
        const int64_t *l = r->total.c->lists;
        html_cells_row(out, &r->total, l[C_RED] + l[C_YELLOW] + l[C_BLUE], true);
    }
    fputs("</tbody>\n</table>\n", out);

    fprintf(out,
            "<h2>Trends</h2>\n<p class=\"meta\">Lists after each of the last %u regional or "
            "targeted runs, oldest first.</p>\n",
            TS_REPORT_TRENDS);
    if (!r->n_trends) {
        fputs("<p>No completed regional or targeted run.</p>\n", out);
    } else {
        int64_t tscale = 0;
        for (size_t i = 0; i < r->n_trends; i++) {
            const int64_t *l = r->trends[i].lists;
            if (l[C_RED] + l[C_YELLOW] + l[C_BLUE] > tscale)
                tscale = l[C_RED] + l[C_YELLOW] + l[C_BLUE];
        }
        fputs("<table>\n<thead><tr><th>Run</th><th class=\"t\">Pass</th><th class=\"t\">Scope</th>"
              "<th class=\"t\">Now</th><th>Red</th><th>Yellow</th><th>Blue</th><th>Lists</th>"
              "</tr></thead>\n<tbody>\n",
              out);
        for (size_t i = 0; i < r->n_trends; i++) {
            const trend *tr = &r->trends[i];
            fprintf(out, "<tr><td>%lld</td><td class=\"t\">", (long long)tr->run);
            html_text(out, tr->pass);
            fputs("</td><td class=\"t\">", out);
            html_text(out, tr->scope);
            fputs("</td><td class=\"t\">", out);
            html_text(out, tr->now);
            fprintf(out, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
                    (long long)tr->lists[C_RED], (long long)tr->lists[C_YELLOW],
                    (long long)tr->lists[C_BLUE]);
            html_bar(out, tr->lists, tscale);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody>\n</table>\n", out);
    }
    fputs("<footer><p>", out);
    html_text(out, footer);
    fputs("</p></footer>\n</body>\n</html>\n", out);
    (void)err;
    return TS_OK;
}

/* ---- entry --------------------------------------------------------------------------------- */

ts_status ts_report_print(ts_store *s, const ts_grid *g, const ts_cell *scope, const char *now,
                          ts_report_format fmt, FILE *out, ts_err *err)
{
    if (!ts__lists_date_ok(now))
        return ts_err_set(err, TS_USAGE, "now", "'%s' is not a date (YYYY-MM-DD)", now ? now : "");
    if (fmt != TS_REPORT_TEXT && fmt != TS_REPORT_JSON && fmt != TS_REPORT_HTML)
        return ts_err_set(err, TS_USAGE, NULL, "report format must be text, json or html");
    report r;
    memset(&r, 0, sizeof r);
    r.g = g;
    r.scope = scope;
    r.now = now;
    ts_arena_init(&r.arena, 0);
    ts_status rc = TS_OK;
    r.cell = calloc(ts_grid_count(g) ? ts_grid_count(g) : 1, sizeof *r.cell);
    if (!r.cell) {
        rc = ts_err_set(err, TS_NOMEM, "report", NULL);
        goto done;
    }
    if ((rc = gather_all(s, &r, err)) != TS_OK)
        goto done;
    if (fmt == TS_REPORT_TEXT)
        rc = print_text(&r, out, err);
    else if (fmt == TS_REPORT_JSON)
        rc = print_json(&r, out, err);
    else
        rc = print_html(&r, out, err);
    if (rc == TS_OK)
        rc = ts__out_check(out, err);
done:
    free(r.rows);
    free(r.times);
    free(r.cell);
    ts_arena_release(&r.arena);
    return rc;
}
