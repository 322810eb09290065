/* store/report_query.c — the SQL behind `triscreen report` (store/report_query.h):
 * grouped counts per grid code, close times of alerts, and list counts after past
 * runs. Uses sqlite3 through the store's connection. */
#include <stdio.h>
#include <string.h>

#include "triscreen/text.h"
#include "store/report_query.h"
#include "store/store_int.h"

typedef ts_status (*row_fn)(void *ctx, sqlite3_stmt *st, ts_err *err);

/* Text read back for output: bytes that are not UTF-8 (a database written by an older
 * version, or edited by hand) come out as U+FFFD, so JSON built from it stays valid. */
static const char *txt(sqlite3_stmt *st, int i)
{
    return ts_text_utf8_view((const char *)sqlite3_column_text(st, i));
}

/* One bound parameter: text (NULL binds NULL) or, when is_int, an integer. */
typedef struct param {
    const char *text;
    int64_t num;
    bool is_int;
} param;

/* Runs sql with parameters ?1..?n, calling fn per row. */
static ts_status query(ts_store *s, const char *what, const char *sql, const param *params,
                       size_t n_params, row_fn fn, void *ctx, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, what);
    if (rc != TS_OK)
        return rc;
    for (size_t i = 0; i < n_params; i++) {
        if (params[i].is_int)
            sqlite3_bind_int64(st, (int)i + 1, params[i].num);
        else if (params[i].text)
            sqlite3_bind_text(st, (int)i + 1, params[i].text, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, (int)i + 1);
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        rc = fn(ctx, st, err);
        if (rc != TS_OK)
            goto done;
    }
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, what);
done:
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts__rq_snapshot_begin(ts_store *s, bool *began, ts_err *err)
{
    if (!sqlite3_get_autocommit(s->db)) {
        *began = false;
        return TS_OK;
    }
    if (sqlite3_exec(s->db, "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK)
        return ts__store_fail(s, err, "begin report snapshot");
    *began = true;
    return TS_OK;
}

void ts__rq_snapshot_end(ts_store *s, bool began)
{
    /* read-only: a failed COMMIT leaves nothing to undo, ROLLBACK just ends it */
    if (s && began && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- grouped counts ------------------------------------------------------------------ */

typedef struct count_ctx {
    ts__rq_count_fn fn;
    void *ud;
} count_ctx;

/* columns: grid, key, n[, n2] */
static ts_status count_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    count_ctx *c = ctx;
    ts__rq_count row = {.grid = txt(st, 0),
                        .key = txt(st, 1),
                        .n = sqlite3_column_int64(st, 2),
                        .n2 = sqlite3_column_count(st) > 3 ? sqlite3_column_int64(st, 3) : 0};
    if (!row.grid)
        return TS_OK; /* a list member without a person record: no cell to count it in */
    return c->fn(c->ud, &row, err);
}

ts_status ts__rq_persons(ts_store *s, const char *grid_prefix, ts__rq_count_fn fn, void *ud,
                         ts_err *err)
{
    static const char sql[] = "SELECT grid, NULL, count(*) FROM persons"
                              " WHERE "
                              "(?1 IS NULL OR substr(grid, 1, length(?1)) = ?1)"
                              " GROUP BY grid";
    count_ctx c = {fn, ud};
    const param p[] = {{.text = grid_prefix}};
    return query(s, "count persons", sql, p, 1, count_row, &c, err);
}

ts_status ts__rq_suspects(ts_store *s, const char *grid_prefix, ts__rq_count_fn fn, void *ud,
                          ts_err *err)
{
    static const char sql[] = "SELECT p.grid, NULL, count(*) FROM marks m"
                              " JOIN persons p ON p.id = m.person"
                              " WHERE m.suspect = 1 AND "
                              "(?1 IS NULL OR substr(p.grid, 1, length(?1)) = ?1)"
                              " GROUP BY p.grid";
    count_ctx c = {fn, ud};
    const param p[] = {{.text = grid_prefix}};
    return query(s, "count suspects", sql, p, 1, count_row, &c, err);
}

ts_status ts__rq_lists(ts_store *s, const char *grid_prefix, const char *now, ts__rq_count_fn fn,
                       void *ud, ts_err *err)
{
    static const char sql[] = "SELECT p.grid, m.colour, count(*),"
                              " sum(m.next_review IS NOT NULL AND m.next_review <= ?2)"
                              " FROM list_members m JOIN persons p ON p.id = m.person"
                              " WHERE m.colour IN ('red', 'yellow', 'blue') AND "
                              "(?1 IS NULL OR substr(p.grid, 1, length(?1)) = ?1)"
                              " GROUP BY p.grid, m.colour";
    count_ctx c = {fn, ud};
    const param p[] = {{.text = grid_prefix}, {.text = now}};
    return query(s, "count list members", sql, p, 2, count_row, &c, err);
}

ts_status ts__rq_alerts(ts_store *s, const char *grid_prefix, ts__rq_count_fn fn, void *ud,
                        ts_err *err)
{
    static const char sql[] = "SELECT grid, status, count(*) FROM alerts"
                              " WHERE "
                              "(?1 IS NULL OR substr(grid, 1, length(?1)) = ?1)"
                              " GROUP BY grid, status";
    count_ctx c = {fn, ud};
    const param p[] = {{.text = grid_prefix}};
    return query(s, "count alerts", sql, p, 1, count_row, &c, err);
}

/* ---- close times ------------------------------------------------------------------------ */

typedef struct hours_ctx {
    ts__rq_hours_fn fn;
    void *ud;
} hours_ctx;

static ts_status hours_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    hours_ctx *c = ctx;
    const char *grid = txt(st, 0);
    if (!grid || sqlite3_column_type(st, 1) == SQLITE_NULL)
        return TS_OK;
    return c->fn(c->ud, grid, sqlite3_column_double(st, 1), err);
}

ts_status ts__rq_close_hours(ts_store *s, const char *grid_prefix, ts__rq_hours_fn fn, void *ud,
                             ts_err *err)
{
    /* one row per alert (schema 4); julianday() reads the stored "YYYY-MM-DDTHH:MM:SSZ"
     * and gives NULL for anything unreadable */
    static const char sql[] =
        "SELECT grid, (julianday(closed_at) - julianday(created)) * 24.0 FROM alerts"
        " WHERE status = 'closed' AND (?1 IS NULL OR substr(grid, 1, length(?1)) = ?1)";
    hours_ctx c = {fn, ud};
    const param p[] = {{.text = grid_prefix}};
    return query(s, "read alert close times", sql, p, 1, hours_row, &c, err);
}

/* ---- trends ------------------------------------------------------------------------------ */

typedef struct run_ctx {
    ts__rq_run_fn fn;
    void *ud;
} run_ctx;

static ts_status run_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    run_ctx *c = ctx;
    ts__rq_run r = {.id = sqlite3_column_int64(st, 0),
                    .pass = txt(st, 1),
                    .scope = txt(st, 2),
                    .now = txt(st, 3),
                    .summary = txt(st, 4)};
    return c->fn(c->ud, &r, err);
}

ts_status ts__rq_live_runs(ts_store *s, const char *from, const char *to, ts__rq_run_fn fn,
                           void *ud, ts_err *err)
{
    static const char sql[] = "SELECT id, pass, scope, now, summary FROM runs"
                              " WHERE pass IN ('regional', 'targeted') AND status = 'done'"
                              " AND kind = 'live' AND now >= ?1 AND now <= ?2"
                              " ORDER BY id DESC";
    run_ctx c = {fn, ud};
    const param p[] = {{.text = from}, {.text = to}};
    return query(s, "read runs", sql, p, 2, run_row, &c, err);
}

ts_status ts__rq_lists_after(ts_store *s, int64_t run, const char *grid_prefix, ts__rq_count_fn fn,
                             void *ud, ts_err *err)
{
    /* x: each person's latest transition up to the bound (uses list_transitions_person);
     * a NULL bound (no run has written a transition yet) matches nothing */
    static const char sql[] =
        "SELECT p.grid, t.to_colour, count(*) FROM"
        " (SELECT person, max(id) AS id FROM list_transitions"
        "   WHERE id <= (SELECT max(id) FROM list_transitions"
        "                WHERE run IS NOT NULL AND run <= ?1)"
        "   GROUP BY person) x"
        " JOIN list_transitions t ON t.id = x.id JOIN persons p ON p.id = t.person"
        " WHERE t.to_colour IN ('red', 'yellow', 'blue') AND "
        "(?2 IS NULL OR substr(p.grid, 1, length(?2)) = ?2)"
        " GROUP BY p.grid, t.to_colour";
    count_ctx c = {fn, ud};
    const param p[] = {{.num = run, .is_int = true}, {.text = grid_prefix}};
    return query(s, "read list history", sql, p, 2, count_row, &c, err);
}
