/* store/alerts_store.c — the SQL behind the alerts (store/alerts_store.h): rows,
 * de-duplication, history, the feed, escalation candidates, headline reads.
 * Uses sqlite3 through the store's connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/text.h"
#include "store/alerts_store.h"
#include "store/store_int.h"

#define ROW_COLS                                                                                   \
    "cursor, coalesce(origin, cursor), kind, person, grid, colour, rules, route,"                  \
    " route_note, headline, created, run, rules_version, status, dedup, level, escalated"

enum {
    Q_DUP_OPEN,
    Q_INSERT,
    Q_SET_STATUS,
    Q_HISTORY,
    Q_GET,
    Q_LIVE,
    Q_COLOUR,
    Q_MEMBER,
    Q_CIRCLE,
    Q_DUE,
    Q__COUNT
};

static const char *const q_sql[Q__COUNT] = {
    /* the terms match the partial index alerts_open (status <> 'closed') */
    [Q_DUP_OPEN] = "SELECT 1 FROM alerts WHERE dedup = ?1 AND status <> 'closed'"
                   " AND status <> 'superseded' LIMIT 1",
    [Q_INSERT] = "INSERT INTO alerts(kind, person, grid, colour, rules, route, route_note,"
                 " headline, created, run, rules_version, status, dedup, level, escalated,"
                 " origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
                 " ?15, ?16)",
    [Q_SET_STATUS] = "UPDATE alerts SET status = ?2 WHERE cursor = ?1",
    [Q_HISTORY] = "INSERT INTO alert_history(alert, status, by, at, note)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_GET] = "SELECT " ROW_COLS " FROM alerts WHERE cursor = ?1",
    [Q_LIVE] = "SELECT " ROW_COLS " FROM alerts WHERE cursor = ?1 OR origin = ?1"
               " ORDER BY cursor DESC LIMIT 1",
    [Q_COLOUR] = "SELECT colour FROM list_members WHERE person = ?1",
    [Q_MEMBER] = "SELECT colour, score, next_review, reasons FROM list_members WHERE person = ?1",
    /* the circle colour circle rules see (passes/screen.c circle_colour): a review's
     * override, else the regional colour (the engine's for rows older than that column),
     * never a targeted raise — so the headline does not depend on evaluation order */
    [Q_CIRCLE] =
        "SELECT r.other, r.kind, CASE WHEN m.override_colour IS NOT NULL"
        " THEN m.override_colour ELSE coalesce(m.regional_colour, m.engine_colour) END, p.grid"
        " FROM (SELECT b AS other, kind FROM relations WHERE a = ?1"
        " AND (pending_for IS NULL OR pending_for <> ?1)"
        " UNION ALL SELECT a AS other, kind FROM relations WHERE b = ?1"
        " AND (pending_for IS NULL OR pending_for <> ?1)) r"
        " LEFT JOIN list_members m ON m.person = r.other"
        " LEFT JOIN persons p ON p.id = r.other ORDER BY r.other, r.kind",
    /* the literal terms match the partial expression index alerts_quick_due; no ORDER BY,
     * which would make the planner scan the table in cursor order instead */
    [Q_DUE] = "SELECT " ROW_COLS " FROM alerts WHERE kind = 'quick' AND status = 'new'"
              " AND coalesce(escalated, created) <= ?1",
};

struct ts__alert_db {
    ts_store *s;
    sqlite3 *db;
    sqlite3_stmt *st[Q__COUNT];
};

/* Text read back for output: bytes that are not UTF-8 (a database written by an older
 * version, or edited by hand) come out as U+FFFD, so JSON built from it stays valid. */
static const char *txt(sqlite3_stmt *st, int i)
{
    return ts_text_utf8_view((const char *)sqlite3_column_text(st, i));
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void row_from(sqlite3_stmt *st, ts__alert_row *r)
{
    r->cursor = sqlite3_column_int64(st, 0);
    r->id = sqlite3_column_int64(st, 1);
    r->kind = txt(st, 2);
    r->person = txt(st, 3);
    r->grid = txt(st, 4);
    r->colour = txt(st, 5);
    r->rules = txt(st, 6);
    r->route = txt(st, 7);
    r->route_note = txt(st, 8);
    r->headline = txt(st, 9);
    r->created = txt(st, 10);
    r->run = sqlite3_column_type(st, 11) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 11);
    r->rules_version = txt(st, 12);
    r->status = txt(st, 13);
    r->dedup = txt(st, 14);
    r->level = sqlite3_column_int(st, 15);
    r->escalated = txt(st, 16);
}

ts_status ts__alert_db_open(ts_store *s, ts__alert_db **out, ts_err *err)
{
    ts__alert_db *d = calloc(1, sizeof *d);
    if (!d)
        return ts_err_set(err, TS_NOMEM, "alerts", NULL);
    d->s = s;
    d->db = s->db;
    *out = d;
    return TS_OK;
}

void ts__alert_db_close(ts__alert_db *d)
{
    if (!d)
        return;
    for (int i = 0; i < Q__COUNT; i++)
        sqlite3_finalize(d->st[i]);
    free(d);
}

bool ts__alert_db_is_for(const ts__alert_db *d, const ts_store *s)
{
    return d && d->s == s && d->db == s->db;
}

bool ts__alerts_in_tx(const ts_store *s)
{
    return s->in_tx;
}

/* Prepares (once) and resets statement q. */
static sqlite3_stmt *stmt(ts__alert_db *d, int q, ts_err *err)
{
    if (!d->st[q]) {
        if (sqlite3_prepare_v3(d->db, q_sql[q], -1, SQLITE_PREPARE_PERSISTENT, &d->st[q], NULL) !=
            SQLITE_OK) {
            ts__store_fail(d->s, err, "prepare alerts query");
            return NULL;
        }
    } else {
        sqlite3_reset(d->st[q]);
        sqlite3_clear_bindings(d->st[q]);
    }
    return d->st[q];
}

/* Steps st to the end, handing each row to fn. */
static ts_status each_row(ts_store *s, sqlite3_stmt *st, ts__alert_row_fn fn, void *ud,
                          const char *what, ts_err *err)
{
    ts_status rc = TS_OK;
    int r = SQLITE_DONE;
    bool stop = false;
    while (!stop && (r = sqlite3_step(st)) == SQLITE_ROW) {
        ts__alert_row row;
        row_from(st, &row);
        rc = fn(ud, &row, &stop, err);
        if (rc != TS_OK)
            goto done;
    }
    if (!stop && r != SQLITE_DONE)
        rc = ts__store_fail(s, err, what);
done:
    sqlite3_reset(st);
    return rc;
}

ts_status ts__alert_db_dup_open(ts__alert_db *d, const char *dedup, bool *open, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_DUP_OPEN, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, dedup, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(d->s, err, "look up open alert");
    *open = r == SQLITE_ROW;
    return TS_OK;
}

ts_status ts__alert_db_insert(ts__alert_db *d, const ts__alert_row *r, int64_t *cursor, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_INSERT, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, r->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->person, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->grid, -1, SQLITE_STATIC);
    bind_opt(st, 4, r->colour);
    sqlite3_bind_text(st, 5, r->rules, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->route, -1, SQLITE_STATIC);
    bind_opt(st, 7, r->route_note);
    bind_opt(st, 8, r->headline);
    sqlite3_bind_text(st, 9, r->created, -1, SQLITE_STATIC);
    if (r->run)
        sqlite3_bind_int64(st, 10, r->run);
    else
        sqlite3_bind_null(st, 10);
    bind_opt(st, 11, r->rules_version);
    sqlite3_bind_text(st, 12, r->status ? r->status : "new", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, r->dedup, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 14, r->level);
    bind_opt(st, 15, r->escalated);
    if (r->id)
        sqlite3_bind_int64(st, 16, r->id);
    else
        sqlite3_bind_null(st, 16);
    ts_status rc = ts__store_step_done(d->s, st, err, "insert alert");
    if (rc == TS_OK)
        *cursor = sqlite3_last_insert_rowid(d->db);
    return rc;
}

ts_status ts__alert_db_set_status(ts__alert_db *d, int64_t cursor, const char *status, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_SET_STATUS, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, cursor);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    return ts__store_step_done(d->s, st, err, "update alert status");
}

ts_status ts__alert_db_history(ts__alert_db *d, int64_t id, const char *status, const char *by,
                               const char *at, const char *note, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_HISTORY, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, note ? note : "", -1, SQLITE_STATIC);
    return ts__store_step_done(d->s, st, err, "insert alert history");
}

ts_status ts__alert_db_get(ts__alert_db *d, int64_t cursor, ts__alert_row_fn fn, void *ud,
                           ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_GET, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, cursor);
    return each_row(d->s, st, fn, ud, "read alert", err);
}

typedef struct live_ctx {
    int64_t id;
    bool found;
} live_ctx;

static ts_status live_first(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    live_ctx *lc = ud;
    lc->id = r->id;
    lc->found = true;
    *stop = true;
    return TS_OK;
}

ts_status ts__alert_db_live(ts__alert_db *d, int64_t n, ts__alert_row_fn fn, void *ud, ts_err *err)
{
    /* n may be the cursor of an escalation row: resolve its id first */
    live_ctx lc = {0};
    ts_status rc = ts__alert_db_get(d, n, live_first, &lc, err);
    if (rc != TS_OK || !lc.found)
        return rc;
    sqlite3_stmt *st = stmt(d, Q_LIVE, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, lc.id);
    return each_row(d->s, st, fn, ud, "read alert", err);
}

ts_status ts__alert_db_colour(ts__alert_db *d, const char *person, char *buf, size_t cap,
                              bool *listed, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_COLOUR, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE) {
        sqlite3_reset(st);
        return ts__store_fail(d->s, err, "read list colour");
    }
    const char *c = r == SQLITE_ROW ? txt(st, 0) : NULL;
    *listed = c && strcmp(c, "none") != 0 && c[0];
    if (*listed)
        snprintf(buf, cap, "%s", c);
    sqlite3_reset(st);
    return TS_OK;
}

ts_status ts__alert_db_member(ts__alert_db *d, const char *person, ts__alert_member_fn fn, void *ud,
                              ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_MEMBER, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    ts_status rc = TS_OK;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        rc = fn(ud, txt(st, 0), sqlite3_column_int64(st, 1), txt(st, 2), txt(st, 3), err);
    else if (r != SQLITE_DONE)
        rc = ts__store_fail(d->s, err, "read list member");
    sqlite3_reset(st);
    return rc;
}

ts_status ts__alert_db_circle(ts__alert_db *d, const char *person, ts__alert_circle_fn fn, void *ud,
                              ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_CIRCLE, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    ts_status rc = TS_OK;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        rc = fn(ud, txt(st, 0), txt(st, 1), txt(st, 2), txt(st, 3), err);
        if (rc != TS_OK)
            goto done;
    }
    if (r != SQLITE_DONE)
        rc = ts__store_fail(d->s, err, "read relations");
done:
    sqlite3_reset(st);
    return rc;
}

ts_status ts__alert_db_due(ts__alert_db *d, const char *cutoff, ts__alert_row_fn fn, void *ud,
                           ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_DUE, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, cutoff, -1, SQLITE_STATIC);
    return each_row(d->s, st, fn, ud, "read alerts due for escalation", err);
}

/* ---- the feed -------------------------------------------------------------------------- */

ts_status ts__alerts_query(ts_store *s, const ts__alert_query *q, ts__alert_row_fn fn, void *ud,
                           ts_err *err)
{
    /* the statement is built from fixed fragments only; every value is bound */
    char sql[768];
    size_t n =
        (size_t)snprintf(sql, sizeof sql, "SELECT " ROW_COLS " FROM alerts WHERE cursor > ?1");
    if (q->kind)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND kind = ?2");
    if (q->status)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND status = ?3");
    if (q->officer)
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " AND EXISTS (SELECT 1 FROM json_each(alerts.route) j"
                              " WHERE j.value = ?4)");
    if (q->cells) /* the reader's scope: an alert outside it is never read */
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " AND grid IN (SELECT value FROM json_each(?5))");
    snprintf(sql + n, sizeof sql - n, " ORDER BY cursor");

    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, "prepare alerts feed");
    if (rc != TS_OK)
        return rc;
    if (sqlite3_bind_int64(st, 1, q->since) != SQLITE_OK ||
        (q->kind && sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (q->status && sqlite3_bind_text(st, 3, q->status, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (q->officer && sqlite3_bind_text(st, 4, q->officer, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (q->cells && sqlite3_bind_text(st, 5, q->cells, -1, SQLITE_STATIC) != SQLITE_OK)) {
        rc = ts__store_fail(s, err, "bind alerts feed");
        goto done;
    }
    rc = each_row(s, st, fn, ud, "read alerts feed", err);
done:
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts__alerts_max(ts_store *s, int64_t *out, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(cursor), 0) FROM alerts", -1, &st, NULL) !=
        SQLITE_OK)
        return ts__store_fail(s, err, "prepare max cursor");
    ts_status rc = TS_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = ts__store_fail(s, err, "read max cursor");
    sqlite3_finalize(st);
    return rc;
}

ts_status ts__alerts_stat_rows(ts_store *s, ts__alert_stat_fn fn, void *ud, ts_err *err)
{
    static const char sql[] =
        "SELECT a.kind, a.grid, a.status, a.created,"
        " (SELECT min(h.at) FROM alert_history h WHERE h.alert = coalesce(a.origin, a.cursor)"
        "   AND h.status = 'acked'),"
        " (SELECT min(h.at) FROM alert_history h WHERE h.alert = coalesce(a.origin, a.cursor)"
        "   AND h.status = 'closed')"
        " FROM alerts a WHERE a.status <> 'superseded' ORDER BY a.cursor";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return ts__store_fail(s, err, "prepare alert stats");
    ts_status rc = TS_OK;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        rc = fn(ud, txt(st, 0), txt(st, 1), txt(st, 2), txt(st, 3), txt(st, 4), txt(st, 5), err);
        if (rc != TS_OK)
            goto done;
    }
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "read alert stats");
done:
    sqlite3_finalize(st);
    return rc;
}
