/* store/rewind.c — the last screening (runs) and a copy of the database turned back to
 * the moment it began, from the history schema 8 keeps (schema.c, migration 8: a changed
 * row is kept with after_run = the newest run id at the time, so the first kept row of a
 * key with after_run >= R is its state when run R began) — by triggers for persons and
 * relations, by the store's writes for list rows and marks (ts__store_keep_*, schema 9). */
#include <stdio.h>
#include <string.h>

#include "triscreen/rewind.h"
#include "triscreen/vocab.h"
#include "store/store_int.h"

static const char *text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

ts_status ts_store_last_screening(ts_store *s, ts_screening *out, bool *found, ts_err *err)
{
    *found = false;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    ts_status rc = ts__store_query_stmt(
        s,
        "SELECT id, now, scope, rules_hash, started FROM runs WHERE pass = 'full'"
        " AND scope <> 'ingest' AND status = 'done' AND persons_pk_max IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        &st, err, "last screening");
    if (rc != TS_OK)
        return rc;
    int sr = sqlite3_step(st);
    if (sr == SQLITE_ROW) {
        *found = true;
        out->first = out->last = sqlite3_column_int64(st, 0);
        out->passes = 1u << TS_PASS_FULL;
        snprintf(out->now, sizeof out->now, "%s", text(st, 1));
        snprintf(out->scope, sizeof out->scope, "%s", text(st, 2));
        snprintf(out->rules_hash, sizeof out->rules_hash, "%s", text(st, 3));
        snprintf(out->started, sizeof out->started, "%s", text(st, 4));
    } else if (sr != SQLITE_DONE) {
        rc = ts__store_fail(s, err, "last screening");
    }
    ts__store_query_done(s, st);
    if (rc != TS_OK || !*found)
        return rc;
    /* the passes run with it: the next runs (ingest runs aside) in pass order */
    rc = ts__store_query_stmt(s,
                              "SELECT id, pass, now, scope, rules_hash, status FROM runs"
                              " WHERE id > ?1 AND scope <> 'ingest' ORDER BY id LIMIT 2",
                              &st, err, "last screening");
    if (rc != TS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, out->first);
    ts_pass prev = TS_PASS_FULL;
    while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
        ts_pass p;
        if (!ts_pass_parse(text(st, 1), &p) || p <= prev || strcmp(text(st, 2), out->now) ||
            strcmp(text(st, 3), out->scope) || strcmp(text(st, 4), out->rules_hash) ||
            strcmp(text(st, 5), "done"))
            break;
        out->last = sqlite3_column_int64(st, 0);
        out->passes |= 1u << p;
        prev = p;
    }
    if (sr != SQLITE_ROW && sr != SQLITE_DONE)
        rc = ts__store_fail(s, err, "last screening");
    ts__store_query_done(s, st);
    return rc;
}

static ts_status exec_bound(ts_store *s, const char *sql, int64_t run, const char *started,
                            ts_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return ts__store_fail(s, err, "rewind");
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= n; i++) {
        const char *name = sqlite3_bind_parameter_name(st, i);
        if (name && !strcmp(name, ":started"))
            sqlite3_bind_text(st, i, started, -1, SQLITE_STATIC);
        else
            sqlite3_bind_int64(st, i, run);
    }
    int sr = sqlite3_step(st);
    sqlite3_finalize(st);
    return sr == SQLITE_DONE || sr == SQLITE_ROW ? TS_OK : ts__store_fail(s, err, "rewind");
}

/* Each step binds :run (the full pass's id), :pkmax via a subquery and :started. */
static const char *const rewind_sql[] = {
    "DROP TRIGGER IF EXISTS persons_keep_update",
    "DROP TRIGGER IF EXISTS persons_keep_delete",
    "DROP TRIGGER IF EXISTS lists_keep_insert",
    "DROP TRIGGER IF EXISTS lists_keep_update",
    "DROP TRIGGER IF EXISTS lists_keep_delete",
    "DROP TRIGGER IF EXISTS marks_keep_insert",
    "DROP TRIGGER IF EXISTS marks_keep_update",
    "DROP TRIGGER IF EXISTS marks_keep_delete",
    "DROP TRIGGER IF EXISTS relations_keep_update",
    /* persons: added since, then changed or deleted since */
    "DELETE FROM persons WHERE pk > (SELECT persons_pk_max FROM runs WHERE id = :run)",
    "INSERT OR REPLACE INTO persons(pk, id, name, grid, born, notes, extra, events, n_events,"
    " digest, created, updated) SELECT pk, id, name, grid, born, notes, extra, events,"
    " n_events, digest, created, updated FROM persons_past WHERE rowid IN"
    " (SELECT min(rowid) FROM persons_past WHERE after_run >= :run GROUP BY pk)"
    " AND pk <= (SELECT persons_pk_max FROM runs WHERE id = :run)",
    /* list rows and marks: as they were, or absent */
    "DELETE FROM list_members WHERE person IN"
    " (SELECT person FROM lists_past WHERE after_run >= :run)",
    "INSERT INTO list_members(person, colour, score, since, run, reasons, engine_colour,"
    " override_colour, override_until, override_by, next_review, regional_colour,"
    " regional_score, regional_reasons) SELECT person, colour, score, since, run, reasons,"
    " engine_colour, override_colour, override_until, override_by, next_review,"
    " regional_colour, regional_score, regional_reasons FROM lists_past WHERE rowid IN"
    " (SELECT min(rowid) FROM lists_past WHERE after_run >= :run GROUP BY person)"
    " AND present = 1",
    "DELETE FROM marks WHERE person IN (SELECT person FROM marks_past WHERE after_run >= :run)",
    "INSERT INTO marks(person, suspect, run) SELECT person, suspect, run FROM marks_past"
    " WHERE rowid IN (SELECT min(rowid) FROM marks_past WHERE after_run >= :run"
    " GROUP BY person) AND present = 1",
    /* relations: stored since, or confirmed since */
    "DELETE FROM relations WHERE since_run >= :run",
    "UPDATE relations SET pending_for = (SELECT r.pending_for FROM relations_past r"
    " WHERE r.rowid = (SELECT min(q.rowid) FROM relations_past q WHERE q.a = relations.a"
    " AND q.b = relations.b AND q.kind = relations.kind AND q.after_run >= :run))"
    " WHERE EXISTS (SELECT 1 FROM relations_past q WHERE q.a = relations.a"
    " AND q.b = relations.b AND q.kind = relations.kind AND q.after_run >= :run)",
    /* snoozes: added since, or ended since (timestamps have whole seconds) */
    "DELETE FROM snoozes WHERE created >= :started",
    "UPDATE snoozes SET ended = NULL, ended_by = NULL, end_note = NULL, ended_now = NULL"
    " WHERE ended >= :started",
};

ts_status ts_store_rewind(ts_store *s, const ts_screening *at, ts_err *err)
{
    ts_status rc = ts_store_begin(s, err);
    for (size_t i = 0; rc == TS_OK && i < sizeof rewind_sql / sizeof rewind_sql[0]; i++)
        rc = exec_bound(s, rewind_sql[i], at->first, at->started, err);
    if (rc == TS_OK)
        rc = ts_store_commit(s, err);
    if (rc == TS_OK) {
        /* the list rows' and marks' history is the store's to keep (schema 9): a rewound
         * copy keeps none, as its dropped triggers keep none of the persons' */
        s->no_history = true;
        return TS_OK;
    }
    ts_store_rollback(s);
    return rc;
}

ts_status ts_store_history_prune(ts_store *s, ts_err *err)
{
    ts_screening last;
    bool found = false;
    ts_status rc = ts_store_last_screening(s, &last, &found, err);
    if (rc != TS_OK)
        return rc;
    /* no screening to rewind to: none of the history can be needed */
    if (!found)
        last.first = INT64_MAX;
    static const char *const prune_sql[] = {
        "DELETE FROM persons_past WHERE after_run < :run",
        "DELETE FROM lists_past WHERE after_run < :run",
        "DELETE FROM marks_past WHERE after_run < :run",
        "DELETE FROM relations_past WHERE after_run < :run",
    };
    rc = ts_store_begin(s, err);
    for (size_t i = 0; rc == TS_OK && i < sizeof prune_sql / sizeof prune_sql[0]; i++)
        rc = exec_bound(s, prune_sql[i], last.first, last.started, err);
    if (rc == TS_OK)
        return ts_store_commit(s, err);
    ts_store_rollback(s);
    return rc;
}
