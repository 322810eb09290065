/* store/alerts_store.c — the SQL behind the alerts (store/alerts_store.h): rows and
 * causes, de-duplication look-ups, lifecycle and escalation updates, history, claim-next,
 * the feed, statistics rows, headline reads. Uses sqlite3 through the store's connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/text.h"
#include "store/alerts_store.h"
#include "store/store_int.h"

#define ROW_COLS                                                                                   \
    "cursor, seq, kind, person, grid, colour, rules, route, route_note, headline, created, run,"   \
    " ingest, rules_version, status, dedup, level, target_level, escalated, due, claimed_by,"      \
    " claimed_at, acked_at, closed_at, outcome, reopens, event_type, event_date, event_text,"      \
    " acked_in_time,"                                                                              \
    " (SELECT v.note FROM rules_versions v WHERE v.hash = alerts.rules_version),"                  \
    " (SELECT v.by FROM rules_versions v WHERE v.hash = alerts.rules_version)"
/* claim-next's order among equal deadlines: quick, then detailed, then early */
#define KIND_RANK "CASE kind WHEN 'quick' THEN 0 WHEN 'detailed' THEN 1 ELSE 2 END"
/* the next feed position: bound by the caller inside a write transaction (the store
 * counts it, ts__store_alert_seq), computed by the statement outside one (NULL) */
#define NEXT_SEQ(n) "coalesce(?" #n ", (SELECT coalesce(max(seq), 0) + 1 FROM alerts))"

enum {
    Q_OPEN_OF,
    Q_CLOSED_OF,
    Q_PRIOR,
    Q_CAUSE_ADD,
    Q_CAUSE_PAIRS,
    Q_CAUSES_ADD2,
    Q_CAUSES_ADD3,
    Q_CAUSES_ADD4,
    Q_CAUSE_HAS,
    Q_CAUSES_COPY,
    Q_INSERT,
    Q_EVIDENCE,
    Q_STATE,
    Q_STATE_MOVE,
    Q_LEVEL,
    Q_HISTORY,
    Q_GET,
    Q_OVERDUE,
    Q_NEXT_ANY,
    Q_NEXT_ANY_KIND,
    Q_NEXT_CELLS,
    Q_NEXT_CELLS_KIND,
    Q_COLOUR,
    Q_MEMBER,
    Q_CIRCLE,
    Q__COUNT
};

static const char *const q_sql[Q__COUNT] = {
    /* alerts_person (person, cursor), newest first (a person has a few alerts; schema 9
     * dropped the index by dedup that only this read used, for the writes' sake) */
    [Q_OPEN_OF] = "SELECT " ROW_COLS " FROM alerts WHERE person = ?1 AND kind = ?2"
                  " AND status <> 'closed' ORDER BY cursor DESC LIMIT 1",
    [Q_CLOSED_OF] = "SELECT " ROW_COLS " FROM alerts WHERE person = ?1 AND kind = ?2"
                    " AND status = 'closed' ORDER BY cursor DESC LIMIT 1",
    /* alerts_person (person, cursor), newest first; the kind and status read from the row */
    [Q_PRIOR] = "SELECT cursor, status <> 'closed' FROM alerts WHERE person = ?1 AND kind = ?2"
                " ORDER BY cursor DESC",
    [Q_CAUSE_ADD] = "INSERT OR IGNORE INTO alert_causes(alert, cause) VALUES (?1, ?2)",
    /* CAUSE_PAIRS (alert, cause) rows a statement, across alerts */
    [Q_CAUSE_PAIRS] = "INSERT OR IGNORE INTO alert_causes(alert, cause) VALUES (?, ?), (?, ?),"
                      " (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?),"
                      " (?, ?), (?, ?), (?, ?), (?, ?), (?, ?)",
    [Q_CAUSES_ADD2] = "INSERT OR IGNORE INTO alert_causes(alert, cause) VALUES (?1, ?2), (?1, ?3)",
    [Q_CAUSES_ADD3] = "INSERT OR IGNORE INTO alert_causes(alert, cause)"
                      " VALUES (?1, ?2), (?1, ?3), (?1, ?4)",
    [Q_CAUSES_ADD4] = "INSERT OR IGNORE INTO alert_causes(alert, cause)"
                      " VALUES (?1, ?2), (?1, ?3), (?1, ?4), (?1, ?5)",
    [Q_CAUSE_HAS] = "SELECT 1 FROM alert_causes WHERE alert = ?1 AND cause = ?2",
    [Q_CAUSES_COPY] = "INSERT OR IGNORE INTO alert_causes(alert, cause)"
                      " SELECT ?2, cause FROM alert_causes WHERE alert = ?1",
    [Q_INSERT] = "INSERT INTO alerts(kind, person, grid, colour, rules, route, route_note,"
                 " headline, created, run, ingest, rules_version, status, dedup, level,"
                 " target_level, due, reopens, event_type, event_date, event_text, seq)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                 " ?17, ?18, ?19, ?20, ?21, " NEXT_SEQ(22) ")",
    [Q_EVIDENCE] = "UPDATE alerts SET rules = coalesce(?2, rules), colour = coalesce(?3, colour),"
                   " headline = coalesce(?4, headline) WHERE cursor = ?1",
    [Q_STATE] = "UPDATE alerts SET status = ?2, claimed_by = ?3, claimed_at = ?4, acked_at = ?5,"
                " closed_at = ?6, outcome = ?7, due = ?8, acked_in_time = ?9 WHERE cursor = ?1",
    [Q_STATE_MOVE] = "UPDATE alerts SET status = ?2, claimed_by = ?3, claimed_at = ?4,"
                     " acked_at = ?5, closed_at = ?6, outcome = ?7, due = ?8, acked_in_time = ?9,"
                     " seq = " NEXT_SEQ(10) " WHERE cursor = ?1",
    [Q_LEVEL] = "UPDATE alerts SET level = ?2, target_level = ?3, route = ?4, route_note = ?5,"
                " escalated = ?6, due = ?7, seq = " NEXT_SEQ(8) " WHERE cursor = ?1",
    [Q_HISTORY] = "INSERT INTO alert_history(alert, status, by, at, note, token)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_GET] = "SELECT " ROW_COLS " FROM alerts WHERE cursor = ?1",
    /* the literal terms match the partial index alerts_due */
    [Q_OVERDUE] = "SELECT " ROW_COLS " FROM alerts WHERE status <> 'closed' AND target_level > 0"
                  " AND due <= ?1 ORDER BY due LIMIT ?2",
    /* the literal terms match the partial index alerts_new (due, cursor); equal deadlines
     * are ordered by kind in a small sort */
    [Q_NEXT_ANY] = "SELECT " ROW_COLS " FROM alerts WHERE status = 'new'"
                   " ORDER BY due, " KIND_RANK ", cursor LIMIT 1",
    [Q_NEXT_ANY_KIND] = "SELECT " ROW_COLS " FROM alerts WHERE status = 'new' AND kind = ?2"
                        " ORDER BY due, " KIND_RANK ", cursor LIMIT 1",
    [Q_NEXT_CELLS] = "SELECT " ROW_COLS " FROM alerts WHERE status = 'new'"
                     " AND grid IN (SELECT value FROM json_each(?1)) ORDER BY due, " KIND_RANK
                     ", cursor LIMIT 1",
    [Q_NEXT_CELLS_KIND] = "SELECT " ROW_COLS " FROM alerts WHERE status = 'new' AND kind = ?2"
                          " AND grid IN (SELECT value FROM json_each(?1))"
                          " ORDER BY due, " KIND_RANK ", cursor LIMIT 1",
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

static void bind_int_opt(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

static int64_t int_or0(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static void row_from(sqlite3_stmt *st, ts__alert_row *r)
{
    r->id = sqlite3_column_int64(st, 0);
    r->seq = int_or0(st, 1);
    r->kind = txt(st, 2);
    r->person = txt(st, 3);
    r->grid = txt(st, 4);
    r->colour = txt(st, 5);
    r->rules = txt(st, 6);
    r->route = txt(st, 7);
    r->route_note = txt(st, 8);
    r->headline = txt(st, 9);
    r->created = txt(st, 10);
    r->run = int_or0(st, 11);
    r->ingest = int_or0(st, 12);
    r->rules_version = txt(st, 13);
    r->status = txt(st, 14);
    r->dedup = txt(st, 15);
    r->level = sqlite3_column_int(st, 16);
    r->target_level = sqlite3_column_int(st, 17);
    r->escalated = txt(st, 18);
    r->due = txt(st, 19);
    r->claimed_by = txt(st, 20);
    r->claimed_at = txt(st, 21);
    r->acked_at = txt(st, 22);
    r->closed_at = txt(st, 23);
    r->outcome = txt(st, 24);
    r->reopens = int_or0(st, 25);
    r->event_type = txt(st, 26);
    r->event_date = txt(st, 27);
    r->event_text = txt(st, 28);
    r->acked_in_time =
        sqlite3_column_type(st, 29) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 29) != 0;
    r->rules_note = txt(st, 30);
    r->rules_by = txt(st, 31);
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

/* Binds the next feed position (or NULL, for the statement's own) at parameter i. */
static ts_status bind_seq(ts__alert_db *d, sqlite3_stmt *st, int i, int64_t *seq, ts_err *err)
{
    ts_status rc = ts__store_alert_seq(d->s, seq, err);
    if (rc == TS_OK && *seq)
        sqlite3_bind_int64(st, i, *seq);
    return rc;
}

/* Steps a statement that took feed position seq. */
static ts_status step_seq(ts__alert_db *d, sqlite3_stmt *st, int64_t seq, ts_err *err,
                          const char *what)
{
    ts_status rc = ts__store_step_done(d->s, st, err, what);
    if (rc == TS_OK && sqlite3_changes(d->db) > 0)
        ts__store_alert_seq_used(d->s, seq);
    return rc;
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

static ts_status rows_by_text(ts__alert_db *d, int q, const char *a, const char *b,
                              ts__alert_row_fn fn, void *ud, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, q, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    return each_row(d->s, st, fn, ud, "read alerts", err);
}

ts_status ts__alert_db_open_of(ts__alert_db *d, const char *person, const char *kind,
                               ts__alert_row_fn fn, void *ud, ts_err *err)
{
    return rows_by_text(d, Q_OPEN_OF, person, kind, fn, ud, err);
}

ts_status ts__alert_db_closed_of(ts__alert_db *d, const char *person, const char *kind,
                                 ts__alert_row_fn fn, void *ud, ts_err *err)
{
    return rows_by_text(d, Q_CLOSED_OF, person, kind, fn, ud, err);
}

/* Measured (1M peers persons, 2026-12-03): the two look-ups (by dedup on alerts_open,
 * then by person and kind) were ~4% of a full pass that raises an early alert for 85% of
 * its persons, which meet no alert. */
ts_status ts__alert_db_prior(ts__alert_db *d, const char *person, const char *kind, bool *open,
                             ts__alert_row_fn fn, void *ud, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_PRIOR, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    int64_t closed = 0, found = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 1)) {
            found = sqlite3_column_int64(st, 0);
            break;
        }
        if (!closed)
            closed = sqlite3_column_int64(st, 0);
    }
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(d->s, err, "read alerts");
    *open = found != 0;
    if (!found)
        found = closed;
    return found ? ts__alert_db_get(d, found, fn, ud, err) : TS_OK;
}

ts_status ts__alert_db_causes_add(ts__alert_db *d, int64_t id, const char *const *causes, size_t n,
                                  ts_err *err)
{
    static const int q_of[5] = {0, Q_CAUSE_ADD, Q_CAUSES_ADD2, Q_CAUSES_ADD3, Q_CAUSES_ADD4};
    ts_status rc = TS_OK;
    for (size_t i = 0; rc == TS_OK && i < n;) {
        size_t k = n - i < 4 ? n - i : 4;
        sqlite3_stmt *st = stmt(d, q_of[k], err);
        if (!st)
            return TS_STORE;
        sqlite3_bind_int64(st, 1, id);
        for (size_t j = 0; j < k; j++)
            sqlite3_bind_text(st, (int)j + 2, causes[i + j], -1, SQLITE_STATIC);
        rc = ts__store_step_done(d->s, st, err, "add alert causes");
        i += k;
    }
    return rc;
}

enum { CAUSE_PAIRS = 16 };

ts_status ts__alert_db_cause_pairs(ts__alert_db *d, const int64_t *ids, const char *const *causes,
                                   size_t n, ts_err *err)
{
    ts_status rc = TS_OK;
    size_t i = 0;
    for (; rc == TS_OK && n - i >= CAUSE_PAIRS; i += CAUSE_PAIRS) {
        sqlite3_stmt *st = stmt(d, Q_CAUSE_PAIRS, err);
        if (!st)
            return TS_STORE;
        for (int j = 0; j < CAUSE_PAIRS; j++) {
            sqlite3_bind_int64(st, 1 + 2 * j, ids[i + (size_t)j]);
            sqlite3_bind_text(st, 2 + 2 * j, causes[i + (size_t)j], -1, SQLITE_STATIC);
        }
        rc = ts__store_step_done(d->s, st, err, "add alert causes");
    }
    for (; rc == TS_OK && i < n; i++)
        rc = ts__alert_db_causes_add(d, ids[i], &causes[i], 1, err);
    return rc;
}

ts_status ts__alert_db_cause_add(ts__alert_db *d, int64_t id, const char *cause, bool *added,
                                 ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_CAUSE_ADD, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, cause, -1, SQLITE_STATIC);
    ts_status rc = ts__store_step_done(d->s, st, err, "add alert cause");
    if (rc == TS_OK && added)
        *added = sqlite3_changes(d->db) > 0;
    return rc;
}

ts_status ts__alert_db_cause_has(ts__alert_db *d, int64_t id, const char *cause, bool *has,
                                 ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_CAUSE_HAS, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, cause, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(d->s, err, "look up alert cause");
    *has = r == SQLITE_ROW;
    return TS_OK;
}

ts_status ts__alert_db_causes_copy(ts__alert_db *d, int64_t from, int64_t to, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_CAUSES_COPY, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    return ts__store_step_done(d->s, st, err, "copy alert causes");
}

ts_status ts__alert_db_insert(ts__alert_db *d, const ts__alert_row *r, int64_t *id, ts_err *err)
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
    bind_int_opt(st, 10, r->run);
    bind_int_opt(st, 11, r->ingest);
    bind_opt(st, 12, r->rules_version);
    sqlite3_bind_text(st, 13, r->status ? r->status : "new", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, r->dedup, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 15, r->level);
    sqlite3_bind_int(st, 16, r->target_level);
    bind_opt(st, 17, r->due);
    bind_int_opt(st, 18, r->reopens);
    bind_opt(st, 19, r->event_type);
    bind_opt(st, 20, r->event_date);
    bind_opt(st, 21, r->event_text);
    int64_t seq;
    ts_status rc = bind_seq(d, st, 22, &seq, err);
    if (rc == TS_OK)
        rc = step_seq(d, st, seq, err, "insert alert");
    if (rc == TS_OK)
        *id = sqlite3_last_insert_rowid(d->db);
    return rc;
}

ts_status ts__alert_db_set_evidence(ts__alert_db *d, int64_t id, const char *rules,
                                    const char *colour, const char *headline, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_EVIDENCE, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, id);
    bind_opt(st, 2, rules);
    bind_opt(st, 3, colour);
    bind_opt(st, 4, headline);
    return ts__store_step_done(d->s, st, err, "update alert evidence");
}

ts_status ts__alert_db_set_state(ts__alert_db *d, const ts__alert_row *r, bool move, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, move ? Q_STATE_MOVE : Q_STATE, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_text(st, 2, r->status, -1, SQLITE_STATIC);
    bind_opt(st, 3, r->claimed_by);
    bind_opt(st, 4, r->claimed_at);
    bind_opt(st, 5, r->acked_at);
    bind_opt(st, 6, r->closed_at);
    bind_opt(st, 7, r->outcome);
    bind_opt(st, 8, r->due);
    if (r->acked_in_time < 0)
        sqlite3_bind_null(st, 9);
    else
        sqlite3_bind_int(st, 9, r->acked_in_time);
    int64_t seq = 0;
    ts_status rc = move ? bind_seq(d, st, 10, &seq, err) : TS_OK;
    return rc == TS_OK ? step_seq(d, st, seq, err, "update alert state") : rc;
}

ts_status ts__alert_db_set_level(ts__alert_db *d, const ts__alert_row *r, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_LEVEL, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, r->id);
    sqlite3_bind_int(st, 2, r->level);
    sqlite3_bind_int(st, 3, r->target_level);
    sqlite3_bind_text(st, 4, r->route, -1, SQLITE_STATIC);
    bind_opt(st, 5, r->route_note);
    bind_opt(st, 6, r->escalated);
    bind_opt(st, 7, r->due);
    int64_t seq;
    ts_status rc = bind_seq(d, st, 8, &seq, err);
    return rc == TS_OK ? step_seq(d, st, seq, err, "escalate alert") : rc;
}

ts_status ts__alert_db_history(ts__alert_db *d, int64_t id, const char *what, const char *by,
                               const char *token, const char *at, const char *note, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_HISTORY, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, what, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, note ? note : "", -1, SQLITE_STATIC);
    bind_opt(st, 6, token);
    return ts__store_step_done(d->s, st, err, "insert alert history");
}

ts_status ts__alert_db_get(ts__alert_db *d, int64_t id, ts__alert_row_fn fn, void *ud, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_GET, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_int64(st, 1, id);
    return each_row(d->s, st, fn, ud, "read alert", err);
}

ts_status ts__alert_db_overdue(ts__alert_db *d, const char *at, size_t limit, ts__alert_row_fn fn,
                               void *ud, ts_err *err)
{
    sqlite3_stmt *st = stmt(d, Q_OVERDUE, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    return each_row(d->s, st, fn, ud, "read overdue alerts", err);
}

ts_status ts__alert_db_next_new(ts__alert_db *d, const char *cells, const char *kind,
                                ts__alert_row_fn fn, void *ud, ts_err *err)
{
    int q =
        cells ? (kind ? Q_NEXT_CELLS_KIND : Q_NEXT_CELLS) : (kind ? Q_NEXT_ANY_KIND : Q_NEXT_ANY);
    sqlite3_stmt *st = stmt(d, q, err);
    if (!st)
        return TS_STORE;
    if (cells)
        sqlite3_bind_text(st, 1, cells, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    return each_row(d->s, st, fn, ud, "read the next alert to claim", err);
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

/* ---- reading ------------------------------------------------------------------------ */

ts_status ts__alerts_query(ts_store *s, const ts__alert_query *q, ts__alert_row_fn fn, void *ud,
                           ts_err *err)
{
    /* the statement is built from fixed fragments only; every value is bound */
    char sql[1024];
    size_t n = (size_t)snprintf(sql, sizeof sql, "SELECT " ROW_COLS " FROM alerts WHERE seq > ?1");
    if (q->kind)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND kind = ?2");
    if (q->status && !strcmp(q->status, "open"))
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND status <> 'closed'");
    else if (q->status)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND status = ?3");
    if (q->officer)
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " AND (claimed_by = ?4 OR EXISTS (SELECT 1 FROM"
                              " json_each(alerts.route) j WHERE j.value = ?4))");
    if (q->cells) /* the reader's scope: an alert outside it is never read */
        n += (size_t)snprintf(sql + n, sizeof sql - n,
                              " AND grid IN (SELECT value FROM json_each(?5))");
    if (q->created_since)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND created >= ?6");
    if (q->before)
        n += (size_t)snprintf(sql + n, sizeof sql - n, " AND seq < ?8");
    n += (size_t)snprintf(sql + n, sizeof sql - n,
                          q->newest ? " ORDER BY seq DESC" : " ORDER BY seq");
    if (q->limit)
        snprintf(sql + n, sizeof sql - n, " LIMIT ?7");

    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, "prepare alerts feed");
    if (rc != TS_OK)
        return rc;
    bool status_bound = q->status && strcmp(q->status, "open") != 0;
    if (sqlite3_bind_int64(st, 1, q->since) != SQLITE_OK ||
        (q->kind && sqlite3_bind_text(st, 2, q->kind, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (status_bound && sqlite3_bind_text(st, 3, q->status, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (q->officer && sqlite3_bind_text(st, 4, q->officer, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (q->cells && sqlite3_bind_text(st, 5, q->cells, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (q->created_since &&
         sqlite3_bind_text(st, 6, q->created_since, -1, SQLITE_STATIC) != SQLITE_OK) ||
        (q->limit && sqlite3_bind_int64(st, 7, (sqlite3_int64)q->limit) != SQLITE_OK) ||
        (q->before && sqlite3_bind_int64(st, 8, q->before) != SQLITE_OK)) {
        rc = ts__store_fail(s, err, "bind alerts feed");
        goto done;
    }
    rc = each_row(s, st, fn, ud, "read alerts feed", err);
done:
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts__alerts_get(ts_store *s, int64_t id, ts__alert_row_fn fn, void *ud, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT " ROW_COLS " FROM alerts WHERE cursor = ?1", &st,
                                        err, "prepare alert");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    rc = each_row(s, st, fn, ud, "read alert", err);
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts__alerts_max(ts_store *s, int64_t *out, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, "SELECT coalesce(max(seq), 0) FROM alerts", &st, err,
                                        "prepare max cursor");
    if (rc != TS_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        rc = ts__store_fail(s, err, "read max cursor");
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts__alerts_history(ts_store *s, int64_t id, ts__alert_hist_fn fn, void *ud, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s,
                                        "SELECT at, status, by, token, note FROM alert_history"
                                        " WHERE alert = ?1 ORDER BY id",
                                        &st, err, "prepare alert history");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = fn(ud, txt(st, 0), txt(st, 1), txt(st, 2), txt(st, 3), txt(st, 4), err)) != TS_OK)
            goto done;
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "read alert history");
done:
    ts__store_query_done(s, st);
    return rc;
}

ts_status ts__alerts_stat_rows(ts_store *s, const char *cells, ts__alert_stat_fn fn, void *ud,
                               ts_err *err)
{
    static const char all[] = "SELECT kind, grid, status, created, acked_at, closed_at, due,"
                              " target_level, acked_in_time FROM alerts ORDER BY cursor";
    static const char in_cells[] =
        "SELECT kind, grid, status, created, acked_at, closed_at, due, target_level,"
        " acked_in_time FROM alerts WHERE grid IN (SELECT value FROM json_each(?1))"
        " ORDER BY cursor";
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, cells ? in_cells : all, &st, err, "prepare alert stats");
    if (rc != TS_OK)
        return rc;
    if (cells)
        sqlite3_bind_text(st, 1, cells, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        ts__alert_stat_row row = {
            .kind = txt(st, 0),
            .grid = txt(st, 1),
            .status = txt(st, 2),
            .created = txt(st, 3),
            .acked_at = txt(st, 4),
            .closed_at = txt(st, 5),
            .due = txt(st, 6),
            .target_level = sqlite3_column_int(st, 7),
            .acked_in_time =
                sqlite3_column_type(st, 8) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 8),
        };
        if ((rc = fn(ud, &row, err)) != TS_OK)
            goto done;
    }
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "read alert stats");
done:
    ts__store_query_done(s, st);
    return rc;
}
