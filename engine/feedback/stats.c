/* feedback/stats.c — closure against the target: per kind, town and village, raised,
 * acknowledged in time, closed, closure rate, p50/p90 minutes to acknowledge and to close,
 * overdue now, and overdue per level of the grid. Uses store/alerts_store.h and
 * triscreen/grid.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/buf.h"
#include "base/limits.h"
#include "feedback/fb_int.h"

/* One alert as the statistics need it. */
typedef struct stat_item {
    ts_feedback kind;
    ts_alert_state state;
    int32_t town, village;    /* cell index, -1 when not in the grid */
    float ack_min, close_min; /* < 0 when not acknowledged / closed */
    bool in_time, overdue;
} stat_item;

typedef struct stats_ctx {
    const ts_grid *grid;
    char now[21];
    stat_item *v;
    size_t n, cap;
    ts_alert_stats *out;
} stats_ctx;

static float minutes_between(const char *from, const char *to)
{
    int64_t a, b;
    if (!from || !to || !ts_alert_parse_time(from, &a) || !ts_alert_parse_time(to, &b))
        return -1;
    return b >= a ? (float)(b - a) / 60.0f : 0.0f;
}

static int overdue_slot(int target_level)
{
    return target_level >= TS_CELL_TOWN && target_level <= TS_CELL_GROUP ? target_level : 0;
}

static ts_status on_stat(void *ud, const ts__alert_stat_row *r, ts_err *err)
{
    stats_ctx *sc = ud;
    if (sc->n == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 1024;
        stat_item *p = realloc(sc->v, cap * sizeof *p);
        if (!p)
            return ts_err_set(err, TS_NOMEM, "alerts", "stats");
        sc->v = p;
        sc->cap = cap;
    }
    stat_item *it = &sc->v[sc->n++];
    memset(it, 0, sizeof *it);
    if (!r->kind || !ts_feedback_parse(r->kind, &it->kind))
        it->kind = TS_FEEDBACK_NONE;
    if (!r->status || !ts_alert_state_parse(r->status, &it->state))
        it->state = TS_ALERT_NEW;
    const ts_cell *cell = sc->grid && r->grid ? ts_grid_find(sc->grid, r->grid) : NULL;
    const ts_cell *town = cell ? ts_grid_ancestor(cell, TS_CELL_TOWN) : NULL;
    const ts_cell *village = cell ? ts_grid_ancestor(cell, TS_CELL_VILLAGE) : NULL;
    it->town = town ? (int32_t)town->index : -1;
    it->village = village ? (int32_t)village->index : -1;
    it->ack_min = minutes_between(r->created, r->acked_at);
    it->close_min = it->state == TS_ALERT_CLOSED ? minutes_between(r->created, r->closed_at) : -1;
    it->in_time = r->acked_in_time == 1;
    it->overdue = it->state != TS_ALERT_CLOSED && r->due && strcmp(r->due, sc->now) <= 0;
    if (it->overdue)
        sc->out->overdue_by_level[overdue_slot(r->target_level)]++;
    return TS_OK;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n); -1 when n is 0. */
static double pct(const float *v, size_t n, double p)
{
    if (!n)
        return -1;
    size_t k = (size_t)ceil(p * (double)n);
    return v[k ? k - 1 : 0];
}

typedef bool (*member_fn)(const stat_item *it, int32_t key);

static bool of_all(const stat_item *it, int32_t key)
{
    (void)it, (void)key;
    return true;
}
static bool of_kind(const stat_item *it, int32_t key)
{
    return (int32_t)it->kind == key;
}
static bool of_town(const stat_item *it, int32_t key)
{
    return it->town == key;
}
static bool of_village(const stat_item *it, int32_t key)
{
    return it->village == key;
}

/* The figures of the items that are members of (fn, key); scratch holds n floats. */
static void figures(const stats_ctx *sc, member_fn fn, int32_t key, float *scratch,
                    ts_alert_figures *f)
{
    memset(f, 0, sizeof *f);
    size_t na = 0;
    for (size_t i = 0; i < sc->n; i++) {
        const stat_item *it = &sc->v[i];
        if (!fn(it, key))
            continue;
        f->raised++;
        f->by_state[it->state]++;
        f->acked_in_time += it->in_time;
        f->closed += it->state == TS_ALERT_CLOSED;
        f->overdue += it->overdue;
        if (it->ack_min >= 0)
            scratch[na++] = it->ack_min;
    }
    qsort(scratch, na, sizeof *scratch, cmp_float);
    f->ack_p50 = pct(scratch, na, 0.5);
    f->ack_p90 = pct(scratch, na, 0.9);
    size_t nc = 0;
    for (size_t i = 0; i < sc->n; i++)
        if (fn(&sc->v[i], key) && sc->v[i].close_min >= 0)
            scratch[nc++] = sc->v[i].close_min;
    qsort(scratch, nc, sizeof *scratch, cmp_float);
    f->close_p50 = pct(scratch, nc, 0.5);
    f->close_p90 = pct(scratch, nc, 0.9);
    f->closure_rate = f->raised ? (double)f->closed / (double)f->raised : 0;
}

/* Towns or villages with alerts, in grid order, then the alerts not in the grid. */
static ts_status cells_of(const stats_ctx *sc, ts_cell_level level, member_fn fn, float *scratch,
                          ts_alert_cell_stat **out, size_t *n_out, ts_err *err)
{
    size_t nc = sc->grid ? ts_grid_count(sc->grid) : 0;
    bool *has = calloc(nc + 1, sizeof *has);
    ts_alert_cell_stat *v = calloc(nc + 1, sizeof *v);
    if (!has || !v) {
        free(has);
        free(v);
        return ts_err_set(err, TS_NOMEM, "alerts", "stats");
    }
    for (size_t i = 0; i < sc->n; i++) {
        int32_t k = level == TS_CELL_TOWN ? sc->v[i].town : sc->v[i].village;
        has[k < 0 ? nc : (size_t)k] = true;
    }
    size_t n = 0;
    for (size_t c = 0; c <= nc; c++) {
        if (!has[c])
            continue;
        const ts_cell *cell = c < nc ? ts_grid_cell(sc->grid, c) : NULL;
        v[n].code = cell ? cell->code : NULL;
        v[n].name = cell ? cell->name : "";
        figures(sc, fn, c < nc ? (int32_t)c : -1, scratch, &v[n].fig);
        n++;
    }
    free(has);
    *out = v;
    *n_out = n;
    return TS_OK;
}

ts_status ts_alerts_stats_read(ts_store *s, const ts_grid *grid, const ts_config *cfg,
                               const ts_alert_filter *f, ts_alert_stats *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    out->closure_target =
        cfg && cfg->closure_target_permille ? (double)cfg->closure_target_permille / 1000.0 : 0.99;
    stats_ctx sc = {.grid = grid, .out = out};
    ts__fb_timestamp(f && f->now ? f->now : (int64_t)time(NULL), sc.now);
    ts_buf cells;
    ts_buf_init(&cells, TS_LIMIT_RULES_JSON);
    bool all = !f || f->n_scopes == 0;
    for (size_t i = 0; f && i < f->n_scopes; i++)
        all |= f->scopes[i] == NULL;
    ts_status rc = all ? TS_OK : ts_grid_cells_json(grid, f->scopes, f->n_scopes, &cells);
    if (rc != TS_OK)
        rc = ts_err_set(err, rc, "alerts", "the scope's cells");
    if (rc == TS_OK)
        rc = ts__alerts_stat_rows(s, all ? NULL : ts_buf_str(&cells), on_stat, &sc, err);
    float *scratch = NULL;
    if (rc == TS_OK && !(scratch = malloc((sc.n ? sc.n : 1) * sizeof *scratch)))
        rc = ts_err_set(err, TS_NOMEM, "alerts", "stats");
    if (rc == TS_OK) {
        figures(&sc, of_all, 0, scratch, &out->all);
        for (int k = 0; k < TS_FEEDBACK_N; k++)
            figures(&sc, of_kind, k, scratch, &out->kinds[k]);
        rc = cells_of(&sc, TS_CELL_TOWN, of_town, scratch, &out->towns, &out->n_towns, err);
    }
    if (rc == TS_OK)
        rc = cells_of(&sc, TS_CELL_VILLAGE, of_village, scratch, &out->villages, &out->n_villages,
                      err);
    free(scratch);
    free(sc.v);
    ts_buf_release(&cells);
    if (rc != TS_OK)
        ts_alert_stats_release(out);
    return rc;
}

void ts_alert_stats_release(ts_alert_stats *st)
{
    if (!st)
        return;
    free(st->towns);
    free(st->villages);
    memset(st, 0, sizeof *st);
}
