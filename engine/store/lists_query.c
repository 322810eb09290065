/* store/lists_query.c — the SQL behind the lists, ledger, due, dossier and review
 * (store/lists_query.h). Uses sqlite3 through the store's connection. */
#include <stdio.h>
#include <string.h>

#include "triscreen/text.h"
#include "store/lists_query.h"
#include "store/store_int.h"

typedef ts_status (*row_fn)(void *ctx, sqlite3_stmt *st, ts_err *err);

/* Text read back for output: bytes that are not UTF-8 (a database written by an older
 * version, or edited by hand) come out as U+FFFD, so JSON built from it stays valid. */
static const char *txt(sqlite3_stmt *st, int i)
{
    return ts_text_utf8_view((const char *)sqlite3_column_text(st, i));
}

/* Runs sql with text parameters ?1..?n (NULL binds NULL), calling fn per row. */
static ts_status query(ts_store *s, const char *what, const char *sql, const char *const *params,
                       size_t n_params, row_fn fn, void *ctx, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(s, sql, &st, err, what);
    if (rc != TS_OK)
        return rc;
    for (size_t i = 0; i < n_params; i++) {
        if (params[i])
            sqlite3_bind_text(st, (int)i + 1, params[i], -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, (int)i + 1);
    }
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        if (!fn)
            continue;
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

/* The scope as part of the SQL: `cells` binds a JSON array of the codes of every cell in
 * the reader's scope (the scope cells and all cells under them), or NULL for no scope.
 * A grid that is NULL or not one of them is out of scope, so its row is never read. */
#define IN_SCOPE(grid, cells)                                                                      \
    "(" cells " IS NULL OR coalesce(" grid " IN (SELECT value FROM json_each(" cells ")), 0))"

/* ---- list members --------------------------------------------------------------------- */

#define MEMBER_COLS                                                                                \
    "m.person, p.grid, m.colour, m.since, m.reasons, m.engine_colour, m.override_colour,"          \
    " m.override_until, m.override_by, m.next_review, m.score, m.run"

static void member_from(sqlite3_stmt *st, ts__lq_member *m)
{
    m->person = txt(st, 0);
    m->grid = txt(st, 1);
    m->colour = txt(st, 2);
    m->since = txt(st, 3);
    m->reasons = txt(st, 4);
    m->engine_colour = txt(st, 5);
    m->override_colour = txt(st, 6);
    m->override_until = txt(st, 7);
    m->override_by = txt(st, 8);
    m->next_review = txt(st, 9);
    m->score = sqlite3_column_int64(st, 10);
    m->run = sqlite3_column_int64(st, 11);
}

typedef struct member_ctx {
    ts__lq_member_fn fn;
    void *ud;
} member_ctx;

static ts_status member_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    member_ctx *c = ctx;
    ts__lq_member m;
    member_from(st, &m);
    return c->fn(c->ud, &m, err);
}

ts_status ts__lq_members(ts_store *s, const char *colour, const char *scope_cells,
                         ts__lq_member_fn fn, void *ud, ts_err *err)
{
    static const char sql[] =
        "SELECT " MEMBER_COLS " FROM list_members m LEFT JOIN persons p ON p.id = m.person"
        " WHERE m.colour IN ('red', 'yellow', 'blue') AND (?1 IS NULL OR m.colour = ?1)"
        " AND " IN_SCOPE(
            "p.grid",
            "?2") " ORDER BY CASE m.colour WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 ELSE 2 END,"
                  " p.grid, m.person";
    member_ctx c = {fn, ud};
    const char *params[] = {colour, scope_cells};
    return query(s, "read lists", sql, params, 2, member_row, &c, err);
}

ts_status ts__lq_due(ts_store *s, const char *now, const char *scope_cells, ts__lq_member_fn fn,
                     void *ud, ts_err *err)
{
    static const char sql[] =
        "SELECT " MEMBER_COLS " FROM list_members m LEFT JOIN persons p ON p.id = m.person"
        " WHERE m.colour IN ('red', 'yellow', 'blue') AND m.next_review IS NOT NULL"
        " AND m.next_review <= ?1 AND " IN_SCOPE("p.grid",
                                                 "?2") " ORDER BY m.next_review, p.grid, m.person";
    member_ctx c = {fn, ud};
    const char *params[] = {now, scope_cells};
    return query(s, "read due reviews", sql, params, 2, member_row, &c, err);
}

/* ---- near-miss candidates ------------------------------------------------------------- */

typedef struct near_ctx {
    ts__lq_near_fn fn;
    void *ud;
} near_ctx;

static ts_status near_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    near_ctx *c = ctx;
    ts__lq_near n = {.person = txt(st, 0),
                     .grid = txt(st, 1),
                     .engine_colour = txt(st, 2),
                     .reasons = txt(st, 3),
                     .score = sqlite3_column_int64(st, 4),
                     .scored = sqlite3_column_int(st, 5) != 0};
    return c->fn(c->ud, &n, err);
}

ts_status ts__lq_near_candidates(ts_store *s, const char *scope_cells, ts__lq_near_fn fn, void *ud,
                                 ts_err *err)
{
    /* run 0: a row a review inserted for a person the engine never listed (no score) */
    static const char sql[] =
        "SELECT m.person, p.grid, coalesce(m.engine_colour, m.colour), m.reasons, m.score, 1"
        " FROM list_members m LEFT JOIN persons p ON p.id = m.person"
        " WHERE m.run > 0 AND " IN_SCOPE(
            "p.grid", "?1") " UNION ALL SELECT k.person, p.grid, NULL, NULL, 0, 0 FROM marks k"
                            " JOIN persons p ON p.id = k.person WHERE k.suspect <> 0"
                            " AND NOT EXISTS (SELECT 1 FROM list_members m WHERE m.person = "
                            "k.person AND m.run > 0)"
                            " AND " IN_SCOPE("p.grid", "?1") " ORDER BY 2, 1";
    near_ctx c = {fn, ud};
    const char *params[] = {scope_cells};
    return query(s, "read near-miss candidates", sql, params, 1, near_row, &c, err);
}

typedef struct member_get_ctx {
    ts_arena *arena;
    ts__lq_member *out;
    bool found;
} member_get_ctx;

static const char *dup_opt(ts_arena *a, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = ts_arena_strdup(a, s);
    if (!d)
        *ok = false;
    return d;
}

static ts_status member_get_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    member_get_ctx *c = ctx;
    ts__lq_member m;
    member_from(st, &m);
    bool ok = true;
    ts__lq_member *o = c->out;
    o->person = dup_opt(c->arena, m.person, &ok);
    o->grid = dup_opt(c->arena, m.grid, &ok);
    o->colour = dup_opt(c->arena, m.colour, &ok);
    o->since = dup_opt(c->arena, m.since, &ok);
    o->reasons = dup_opt(c->arena, m.reasons, &ok);
    o->engine_colour = dup_opt(c->arena, m.engine_colour, &ok);
    o->override_colour = dup_opt(c->arena, m.override_colour, &ok);
    o->override_until = dup_opt(c->arena, m.override_until, &ok);
    o->override_by = dup_opt(c->arena, m.override_by, &ok);
    o->next_review = dup_opt(c->arena, m.next_review, &ok);
    o->score = m.score;
    o->run = m.run;
    if (!ok)
        return ts_err_set(err, TS_NOMEM, m.person, NULL);
    c->found = true;
    return TS_OK;
}

ts_status ts__lq_member_get(ts_store *s, const char *person, ts_arena *arena, ts__lq_member *out,
                            bool *found, ts_err *err)
{
    static const char sql[] =
        "SELECT " MEMBER_COLS " FROM list_members m LEFT JOIN persons p ON p.id = m.person"
        " WHERE m.person = ?1";
    ts__lq_member tmp;
    member_get_ctx c = {arena, &tmp, false};
    const char *params[] = {person};
    ts_status rc = query(s, "read list member", sql, params, 1, member_get_row, &c, err);
    if (rc != TS_OK)
        return rc;
    if (c.found)
        *out = tmp;
    *found = c.found;
    return TS_OK;
}

/* ---- review writes ---------------------------------------------------------------------- */

static ts_status member_write(ts_store *s, const char *what, const char *sql,
                              const ts__lq_member_set *m, ts_err *err)
{
    const char *params[] = {m->person,          m->colour,         m->since,      m->next_review,
                            m->override_colour, m->override_until, m->override_by};
    return query(s, what, sql, params, 7, NULL, NULL, err);
}

ts_status ts__lq_member_update(ts_store *s, const ts__lq_member_set *m, ts_err *err)
{
    ts_status rc = ts__store_keep_list(s, m->person, false, err);
    if (rc != TS_OK)
        return rc;
    return member_write(s, "update list member",
                        "UPDATE list_members SET colour = ?2, since = ?3, next_review = ?4,"
                        " override_colour = ?5, override_until = ?6, override_by = ?7"
                        " WHERE person = ?1",
                        m, err);
}

ts_status ts__lq_member_insert(ts_store *s, const ts__lq_member_set *m, ts_err *err)
{
    ts_status rc = ts__store_keep_list(s, m->person, true, err);
    if (rc != TS_OK)
        return rc;
    return member_write(s, "insert list member",
                        "INSERT INTO list_members(person, colour, score, since, run, reasons,"
                        " engine_colour, override_colour, override_until, override_by,"
                        " next_review) VALUES (?1, ?2, 0, ?3, 0, '[]', NULL, ?5, ?6, ?7, ?4)",
                        m, err);
}

ts_status ts__lq_member_delete(ts_store *s, const char *person, ts_err *err)
{
    ts_status rc = ts__store_keep_list(s, person, false, err);
    if (rc != TS_OK)
        return rc;
    const char *params[] = {person};
    return query(s, "delete list member", "DELETE FROM list_members WHERE person = ?1", params, 1,
                 NULL, NULL, err);
}

ts_status ts__lq_transition_add(ts_store *s, const char *person, const char *from, const char *to,
                                int64_t score, const char *reasons_json, const char *at,
                                const char *actor, ts_err *err)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)score);
    const char *params[] = {person, from, to, num, reasons_json, at, actor};
    return query(s, "insert transition",
                 "INSERT INTO list_transitions(person, run, from_colour, to_colour, score,"
                 " reasons, at, actor) VALUES (?1, NULL, ?2, ?3, CAST(?4 AS INTEGER), ?5, ?6, ?7)",
                 params, 7, NULL, NULL, err);
}

ts_status ts__lq_review_add(ts_store *s, const char *person, const char *by, const char *outcome,
                            const char *colour, const char *until, const char *note,
                            const char *now, ts_err *err)
{
    char at[21];
    ts__store_timestamp(at);
    const char *params[] = {person, by, outcome, colour, until, note, at, now};
    return query(s, "insert review",
                 "INSERT INTO reviews(person, by, outcome, colour, until, note, at, now)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                 params, 8, NULL, NULL, err);
}

static ts_status exists_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    *(bool *)ctx = true;
    return TS_OK;
}

ts_status ts__lq_person_exists(ts_store *s, const char *id, bool *exists, ts_err *err)
{
    bool found = false;
    const char *params[] = {id};
    ts_status rc = query(s, "read person", "SELECT 1 FROM persons WHERE id = ?1", params, 1,
                         exists_row, &found, err);
    if (rc == TS_OK)
        *exists = found;
    return rc;
}

/* ---- ledger ------------------------------------------------------------------------------ */

typedef struct ledger_ctx {
    ts__lq_ledger_fn fn;
    void *ud;
} ledger_ctx;

/* columns: person, grid, suspect, gaps, rules, run, now */
static ts_status ledger_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    ledger_ctx *c = ctx;
    ts__lq_ledger l;
    l.person = txt(st, 0);
    l.grid = txt(st, 1);
    l.suspect = sqlite3_column_int(st, 2) != 0;
    l.gaps = txt(st, 3);
    l.rules = txt(st, 4);
    l.run = sqlite3_column_int64(st, 5);
    l.now = txt(st, 6);
    return c->fn(c->ud, &l, err);
}

ts_status ts__lq_ledger_latest(ts_store *s, const char *scope_cells, bool suspects,
                               ts__lq_ledger_fn fn, void *ud, ts_err *err)
{
    /* SQLite: with a single max() aggregate, the bare columns come from the row holding
     * the maximum, so each group yields the person's row of their latest full run */
    static const char sql[] =
        "SELECT x.person, x.grid, x.suspect, x.gaps, x.rules, x.run, r.now FROM"
        " (SELECT l.person, l.grid, l.suspect, l.gaps, l.rules, max(l.run) AS run"
        "  FROM ledger l WHERE l.run IN"
        "  (SELECT id FROM runs WHERE pass = 'full' AND status = 'done')"
        "  GROUP BY l.person) x JOIN runs r ON r.id = x.run"
        " WHERE " IN_SCOPE("x.grid", "?1") " AND (?2 IS NULL OR x.suspect <> 0)"
                                           " ORDER BY x.grid, x.person";
    ledger_ctx c = {fn, ud};
    const char *params[] = {scope_cells, suspects ? "1" : NULL};
    return query(s, "read ledger", sql, params, 2, ledger_row, &c, err);
}

ts_status ts__lq_ledger_of(ts_store *s, const char *person, ts__lq_ledger_fn fn, void *ud,
                           ts_err *err)
{
    static const char sql[] = "SELECT l.person, l.grid, l.suspect, l.gaps, l.rules, l.run, r.now"
                              " FROM ledger l JOIN runs r ON r.id = l.run"
                              " WHERE l.person = ?1 AND r.status = 'done' ORDER BY l.run";
    ledger_ctx c = {fn, ud};
    const char *params[] = {person};
    return query(s, "read ledger history", sql, params, 1, ledger_row, &c, err);
}

typedef struct mark_ctx {
    int suspect;
    int64_t run;
} mark_ctx;

static ts_status mark_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    mark_ctx *c = ctx;
    c->suspect = sqlite3_column_int(st, 0) != 0;
    c->run = sqlite3_column_int64(st, 1);
    return TS_OK;
}

ts_status ts__lq_mark_get(ts_store *s, const char *person, int *suspect, int64_t *run, ts_err *err)
{
    mark_ctx c = {-1, 0};
    const char *params[] = {person};
    ts_status rc = query(s, "read mark", "SELECT suspect, run FROM marks WHERE person = ?1", params,
                         1, mark_row, &c, err);
    if (rc == TS_OK) {
        *suspect = c.suspect;
        *run = c.run;
    }
    return rc;
}

/* ---- dossier history ------------------------------------------------------------------------ */

/* One callback of the kind the query expects. */
typedef struct cb_ctx {
    union {
        ts__lq_transition_fn transition;
        ts__lq_review_fn review;
        ts__lq_alert_fn alert;
        ts__lq_alert_event_fn alert_event;
        ts__lq_circle_fn circle;
    } fn;
    void *ud;
} cb_ctx;

static ts_status transition_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    cb_ctx *c = ctx;
    ts__lq_transition t;
    t.id = sqlite3_column_int64(st, 0);
    t.run = sqlite3_column_int64(st, 1);
    t.score = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
    t.from = txt(st, 3);
    t.to = txt(st, 4);
    t.reasons = txt(st, 5);
    t.at = txt(st, 6);
    t.actor = txt(st, 7);
    return c->fn.transition(c->ud, &t, err);
}

ts_status ts__lq_transitions_of(ts_store *s, const char *person, ts__lq_transition_fn fn, void *ud,
                                ts_err *err)
{
    cb_ctx c = {.fn.transition = fn, .ud = ud};
    const char *params[] = {person};
    return query(s, "read list history",
                 "SELECT id, run, score, from_colour, to_colour, reasons, at, actor"
                 " FROM list_transitions WHERE person = ?1 ORDER BY id",
                 params, 1, transition_row, &c, err);
}

static ts_status review_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    cb_ctx *c = ctx;
    ts__lq_review r;
    r.id = sqlite3_column_int64(st, 0);
    r.by = txt(st, 1);
    r.outcome = txt(st, 2);
    r.colour = txt(st, 3);
    r.until = txt(st, 4);
    r.note = txt(st, 5);
    r.at = txt(st, 6);
    r.now = txt(st, 7);
    return c->fn.review(c->ud, &r, err);
}

ts_status ts__lq_reviews_of(ts_store *s, const char *person, ts__lq_review_fn fn, void *ud,
                            ts_err *err)
{
    cb_ctx c = {.fn.review = fn, .ud = ud};
    const char *params[] = {person};
    return query(s, "read reviews",
                 "SELECT id, by, outcome, colour, until, note, at, now FROM reviews"
                 " WHERE person = ?1 ORDER BY id",
                 params, 1, review_row, &c, err);
}

static ts_status alert_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    cb_ctx *c = ctx;
    ts__lq_alert a;
    a.cursor = sqlite3_column_int64(st, 0);
    a.run = sqlite3_column_int64(st, 1);
    a.kind = txt(st, 2);
    a.grid = txt(st, 3);
    a.colour = txt(st, 4);
    a.rules = txt(st, 5);
    a.route = txt(st, 6);
    a.headline = txt(st, 7);
    a.created = txt(st, 8);
    a.status = txt(st, 9);
    a.rules_version = txt(st, 10);
    return c->fn.alert(c->ud, &a, err);
}

ts_status ts__lq_alerts_of(ts_store *s, const char *person, ts__lq_alert_fn fn, void *ud,
                           ts_err *err)
{
    cb_ctx c = {.fn.alert = fn, .ud = ud};
    const char *params[] = {person};
    return query(s, "read alerts",
                 "SELECT cursor, run, kind, grid, colour, rules, route, headline, created,"
                 " status, rules_version FROM alerts WHERE person = ?1 ORDER BY cursor",
                 params, 1, alert_row, &c, err);
}

static ts_status alert_event_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    cb_ctx *c = ctx;
    ts__lq_alert_event e;
    e.status = txt(st, 0);
    e.by = txt(st, 1);
    e.at = txt(st, 2);
    e.note = txt(st, 3);
    return c->fn.alert_event(c->ud, &e, err);
}

ts_status ts__lq_alert_history(ts_store *s, int64_t cursor, ts__lq_alert_event_fn fn, void *ud,
                               ts_err *err)
{
    cb_ctx c = {.fn.alert_event = fn, .ud = ud};
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)cursor);
    const char *params[] = {num};
    return query(s, "read alert history",
                 "SELECT status, by, at, note FROM alert_history"
                 " WHERE alert = CAST(?1 AS INTEGER) ORDER BY id",
                 params, 1, alert_event_row, &c, err);
}

/* ---- circle -----------------------------------------------------------------------------------
 */

/* The circle of ?1 (the person), capped at ?3 persons per depth: r1 its relations in
 * both directions (a relation pending for a person is not part of that person's circle),
 * d1 the first ?3 related persons by id, r2 their relations, c2 the first ?3 of those
 * (by via, other, kind) that are neither the person nor at depth 1. vis holds each
 * depth-2 person once, through its first depth-1 person by id. ?2: the reader's cells. */
#define CIRCLE_CTE                                                                                 \
    "WITH r1(other, kind) AS ("                                                                    \
    " SELECT b, kind FROM relations WHERE a = ?1 AND (pending_for IS NULL OR pending_for <> ?1)"   \
    " UNION SELECT a, kind FROM relations WHERE b = ?1"                                            \
    "  AND (pending_for IS NULL OR pending_for <> ?1)),"                                           \
    " d1(other) AS (SELECT DISTINCT other FROM r1 WHERE other <> ?1 ORDER BY other"                \
    "  LIMIT CAST(?3 AS INTEGER)),"                                                                \
    " r2(via, other, kind) AS ("                                                                   \
    "  SELECT d1.other, r.b, r.kind FROM d1 JOIN relations r ON r.a = d1.other"                    \
    "   AND (r.pending_for IS NULL OR r.pending_for <> d1.other)"                                  \
    "  UNION SELECT d1.other, r.a, r.kind FROM d1 JOIN relations r ON r.b = d1.other"              \
    "   AND (r.pending_for IS NULL OR r.pending_for <> d1.other)),"                                \
    " c2(via, other, kind) AS (SELECT via, other, kind FROM r2 WHERE other <> ?1"                  \
    "  AND other NOT IN (SELECT other FROM d1) ORDER BY via, other, kind"                          \
    "  LIMIT CAST(?3 AS INTEGER)),"                                                                \
    " vis(distance, via, other, kind) AS ("                                                        \
    "  SELECT 1, NULL, r1.other, r1.kind FROM r1 JOIN d1 ON d1.other = r1.other"                   \
    "  UNION ALL SELECT 2, c2.via, c2.other, c2.kind FROM c2"                                      \
    "   WHERE c2.via = (SELECT min(x.via) FROM c2 x WHERE x.other = c2.other))"

static ts_status circle_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    cb_ctx *c = ctx;
    ts__lq_circle_row r;
    r.distance = sqlite3_column_int(st, 0);
    r.via = txt(st, 1);
    r.other = txt(st, 2);
    r.kind = txt(st, 3);
    r.stored = sqlite3_column_int(st, 4) != 0;
    r.name = txt(st, 5);
    r.grid = txt(st, 6);
    r.colour = txt(st, 7);
    r.via_visible = sqlite3_column_int(st, 8) != 0;
    return c->fn.circle(c->ud, &r, err);
}

ts_status ts__lq_circle(ts_store *s, const char *person, const char *reader_cells, size_t cap,
                        ts__lq_circle_fn fn, void *ud, ts_err *err)
{
    static const char sql[] = CIRCLE_CTE
        " SELECT v.distance, v.via, v.other, v.kind, p.id IS NOT NULL, p.name, p.grid,"
        " m.colour, " IN_SCOPE("(SELECT grid FROM persons WHERE id = v.via)",
                               "?2") " FROM vis v LEFT JOIN persons p ON p.id = v.other"
                                     " LEFT JOIN list_members m ON m.person = v.other"
                                     "  AND m.colour IN ('red', 'yellow', 'blue')"
                                     " WHERE " IN_SCOPE(
                                         "p.grid", "?2") " ORDER BY v.distance, v.other, v.kind";
    cb_ctx c = {.fn.circle = fn, .ud = ud};
    char num[32];
    snprintf(num, sizeof num, "%zu", cap);
    const char *params[] = {person, reader_cells, num};
    return query(s, "read circle", sql, params, 3, circle_row, &c, err);
}

typedef struct circle_info_ctx {
    int64_t outside;
    int highest;
    bool truncated;
} circle_info_ctx;

static ts_status circle_outside_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    circle_info_ctx *c = ctx;
    c->outside = sqlite3_column_int64(st, 0);
    c->highest = sqlite3_column_int(st, 1);
    return TS_OK;
}

ts_status ts__lq_circle_outside(ts_store *s, const char *person, const char *reader_cells,
                                size_t cap, int64_t *relatives, int *highest, ts_err *err)
{
    /* only a count and the highest colour leave the database */
    static const char sql[] =
        CIRCLE_CTE " SELECT count(DISTINCT v.other), coalesce(max(CASE m.colour WHEN 'red' THEN 3"
                   " WHEN 'yellow' THEN 2 WHEN 'blue' THEN 1 ELSE 0 END), 0)"
                   " FROM vis v LEFT JOIN persons p ON p.id = v.other"
                   " LEFT JOIN list_members m ON m.person = v.other"
                   " WHERE NOT " IN_SCOPE("p.grid", "?2");
    circle_info_ctx c = {0, 0, false};
    char num[32];
    snprintf(num, sizeof num, "%zu", cap);
    const char *params[] = {person, reader_cells, num};
    ts_status rc =
        query(s, "read circle outside scope", sql, params, 3, circle_outside_row, &c, err);
    if (rc == TS_OK) {
        *relatives = c.outside;
        *highest = c.highest;
    }
    return rc;
}

static ts_status truncated_row(void *ctx, sqlite3_stmt *st, ts_err *err)
{
    *(bool *)ctx = sqlite3_column_int(st, 0) != 0;
    return TS_OK;
}

ts_status ts__lq_circle_truncated(ts_store *s, const char *person, size_t cap, bool *truncated,
                                  ts_err *err)
{
    static const char sql[] =
        CIRCLE_CTE " SELECT (SELECT count(DISTINCT other) FROM r1 WHERE other <> ?1)"
                   "  > CAST(?3 AS INTEGER) OR (SELECT count(*) FROM r2 WHERE other <> ?1"
                   "  AND other NOT IN (SELECT other FROM d1)) > CAST(?3 AS INTEGER)";
    bool t = false;
    char num[32];
    snprintf(num, sizeof num, "%zu", cap);
    const char *params[] = {person, NULL, num};
    ts_status rc = query(s, "read circle size", sql, params, 3, truncated_row, &t, err);
    if (rc == TS_OK)
        *truncated = t;
    return rc;
}

ts_status ts__lq_person_visible(ts_store *s, const char *id, const char *reader_cells,
                                bool *visible, ts_err *err)
{
    bool found = false;
    const char *params[] = {id, reader_cells};
    ts_status rc =
        query(s, "read person", "SELECT 1 FROM persons WHERE id = ?1 AND " IN_SCOPE("grid", "?2"),
              params, 2, exists_row, &found, err);
    if (rc == TS_OK)
        *visible = found;
    return rc;
}
