/* lists/report.c — `triscreen report` as typed aggregates (triscreen/report.h): counts
 * per grid cell, the 12-week trend of live runs and alert closure. The counts come per
 * grid code from store/report_query and are summed up the ts_grid here; nothing
 * person-level is ever read into the report. The renderers are engine/render/report*.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "triscreen/date.h"
#include "triscreen/report.h"
#include "base/limits.h"
#include "lists/lists_int.h"
#include "store/report_query.h"

/* Closed alerts whose close times feed the medians; a store with more is refused with
 * TS_LIMIT rather than grown without bound. */
#define TS_REPORT_CLOSE_TIMES TS_LIMIT_REPORT_CLOSE_TIMES

typedef ts_report_counts counts;
typedef ts_report_row report_row;
typedef ts_report_week week;

/* The colours a report counts, in its column order. */
static const ts_colour listed_colours[] = {TS_COLOUR_RED, TS_COLOUR_YELLOW, TS_COLOUR_BLUE};
#define N_SHOWN (sizeof listed_colours / sizeof listed_colours[0])

/* A close time, keyed by the cell the alert's grid code names. */
typedef struct close_time {
    size_t cell;
    double hours;
} close_time;

/* The report being gathered: out is what the caller receives. */
typedef struct report {
    const ts_grid *g;
    const ts_cell *scope; /* NULL = all */
    const char *now;
    counts *cell; /* by cell index */
    counts all;   /* everything in scope */
    close_time *times;
    size_t n_times, cap_times;
    ts_report *out;
    week *filling; /* the week ts__rq_lists_after is counting into */
} report;

/* The listed colour a stored name gives (red, yellow or blue), else TS_COLOUR_NONE. */
static ts_colour colour_of(const char *s)
{
    ts_colour c = TS_COLOUR_NONE;
    return s && ts_colour_parse(s, &c) ? c : TS_COLOUR_NONE;
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
        ts_colour ci = colour_of(row->key);
        if (ci != TS_COLOUR_NONE) {
            c->lists[ci] += row->n;
            c->due += row->n2;
        }
        break;
    }
    case K_ALERTS:
        c->alerts += row->n;
        if (row->key && !strcmp(row->key, "closed"))
            c->closed += row->n;
        else if (row->key) /* new, claimed, acknowledged */
            c->open += row->n;
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
    int64_t n[TS_COLOUR_N] = {0};
    for (size_t k = 0; ok && k < N_SHOWN; k++) {
        ok = json_object_object_get_ex(l, ts_colour_name(listed_colours[k]), &v) &&
             json_object_is_type(v, json_type_int);
        if (ok)
            n[listed_colours[k]] = json_object_get_int64(v);
    }
    json_object_put(o);
    if (ok)
        memcpy(lists, n, sizeof n);
    return ok;
}

static ts_status on_trend_count(void *ud, const ts__rq_count *row, ts_err *err)
{
    (void)err;
    report *r = ud;
    ts_colour ci = colour_of(row->key);
    if (ci != TS_COLOUR_NONE && cell_in_scope(r, row->grid))
        r->filling->lists[ci] += row->n;
    return TS_OK;
}

/* The week (index into out->weeks) a run's now falls in, or -1. */
static int week_of(const ts_report *o, const char *now)
{
    for (int k = (int)TS_REPORT_WEEKS - 1; now && k >= 0; k--)
        if (strcmp(now, o->weeks[k].from) >= 0 && strcmp(now, o->weeks[k].to) <= 0)
            return k;
    return -1;
}

/* Runs come newest first: the first one seen in a week is that week's last. */
static ts_status on_run(void *ud, const ts__rq_run *run, ts_err *err)
{
    report *r = ud;
    ts_report *o = r->out;
    int k = week_of(o, run->now);
    if (k < 0 || o->weeks[k].run)
        return TS_OK;
    week *t = &o->weeks[k];
    t->run = run->id;
    t->pass = ts_arena_strdup(&o->arena, run->pass ? run->pass : "");
    t->scope = ts_arena_strdup(&o->arena, run->scope ? run->scope : "");
    t->now = ts_arena_strdup(&o->arena, run->now);
    if (!t->pass || !t->scope || !t->now)
        return ts_err_set(err, TS_NOMEM, "report", "runs");
    /* the summary counted the run's own scope when the run ended (human changes
     * included): exact when that scope is the report's; otherwise rebuild */
    if (!strcmp(t->scope, r->scope ? r->scope->code : "all"))
        t->from_summary = summary_lists(run->summary, t->lists);
    return TS_OK;
}

/* The weeks' bounds: the last ends at now. */
static void weeks_init(ts_report *o, const char *now)
{
    int32_t d = 0;
    (void)ts_date_parse(now, strlen(now), &d); /* checked by ts_report_read */
    for (unsigned k = 0; k < TS_REPORT_WEEKS; k++) {
        int32_t to = d - 7 * (int32_t)(TS_REPORT_WEEKS - 1 - k);
        ts_date_format(to - 6, o->weeks[k].from);
        ts_date_format(to, o->weeks[k].to);
    }
}

/* The weekly points (triscreen/report.h). */
static ts_status gather_weeks(ts_store *s, report *r, const char *prefix, ts_err *err)
{
    ts_report *o = r->out;
    weeks_init(o, r->now);
    ts_status rc =
        ts__rq_live_runs(s, o->weeks[0].from, o->weeks[TS_REPORT_WEEKS - 1].to, on_run, r, err);
    for (unsigned k = 0; rc == TS_OK && k < TS_REPORT_WEEKS; k++) {
        if (!o->weeks[k].run || o->weeks[k].from_summary)
            continue;
        r->filling = &o->weeks[k];
        rc = ts__rq_lists_after(s, o->weeks[k].run, prefix, on_trend_count, r, err);
    }
    r->filling = NULL;
    return rc;
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

static ts_status cell_row(const report *r, const ts_cell *cell, report_row *out, ts_err *err)
{
    *out =
        (report_row){.code = cell->code,
                     .name = cell->name,
                     .level = ts_grid_level_name((int)cell->level),
                     .depth = r->scope ? cell->level - r->scope->level : cell->level - TS_CELL_TOWN,
                     .c = r->cell[cell->index]};
    return median_hours(r, cell->index, subtree_end(r->g, cell), &out->median_hours, err);
}

/* The rows shown (see triscreen/report.h) and the total row. */
static ts_status pick_rows(report *r, ts_err *err)
{
    size_t n = ts_grid_count(r->g);
    ts_report *o = r->out;
    o->rows = calloc(n ? n : 1, sizeof *o->rows);
    if (!o->rows)
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
            rc = cell_row(r, c, &o->rows[o->n_rows++], err);
    }
    if (rc != TS_OK)
        return rc;
    if (r->scope) {
        o->total = o->rows[0];
        return TS_OK;
    }
    o->total =
        (report_row){.code = "all", .name = ts_grid_county(r->g), .level = "all", .c = r->all};
    return median_hours(r, 0, SIZE_MAX, &o->total.median_hours, err);
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
        (rc = gather_weeks(s, r, prefix, err)) != TS_OK)
        goto done;
    if (r->n_times)
        qsort(r->times, r->n_times, sizeof *r->times, cmp_time);
    rc = pick_rows(r, err);
done:
    ts__rq_snapshot_end(s, began);
    return rc;
}

/* ---- entry --------------------------------------------------------------------------------- */

ts_status ts_report_read(ts_store *s, const ts_grid *g, const ts_cell *scope, const char *now,
                         ts_report *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    ts_arena_init(&out->arena, TS_LIMIT_LINE);
    if (!ts__lists_date_ok(now))
        return ts_err_set(err, TS_USAGE, "now", "'%s' is not a date (YYYY-MM-DD)", now ? now : "");
    out->county = ts_grid_county(g);
    out->scope = scope;
    out->now = now;
    report r = {.g = g, .scope = scope, .now = now, .out = out};
    ts_status rc = TS_OK;
    r.cell = calloc(ts_grid_count(g) ? ts_grid_count(g) : 1, sizeof *r.cell);
    if (!r.cell)
        rc = ts_err_set(err, TS_NOMEM, "report", NULL);
    else
        rc = gather_all(s, &r, err);
    free(r.times);
    free(r.cell);
    if (rc != TS_OK)
        ts_report_release(out);
    return rc;
}

void ts_report_release(ts_report *r)
{
    if (!r)
        return;
    free(r->rows);
    ts_arena_release(&r->arena);
    memset(r, 0, sizeof *r);
}
