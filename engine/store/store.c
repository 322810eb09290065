/* store/store.c — opening, migrating and the person/relation/audit writes.
 * The only user of sqlite3.h together with the other store/ files. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/text.h"
#include "triscreen/date.h"
#include "base/limits.h"
#include "store/store_int.h"

/* How long a statement waits for a lock another connection holds. */
enum { BUSY_TIMEOUT_MS = 10000 };

static const char *const sql_text[ST__COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_PERSON_GET_FOR_UPSERT] = "SELECT pk, digest, events FROM persons WHERE id = ?1",
    [ST_PERSON_INSERT] =
        "INSERT INTO persons(id, name, grid, born, notes, extra, events, n_events, digest,"
        " created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
    [ST_PERSON_INSERT_NEW] =
        "INSERT INTO persons(id, name, grid, born, notes, extra, events, n_events, digest,"
        " created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)"
        " ON CONFLICT(id) DO NOTHING",
    [ST_PERSON_UPDATE] = "UPDATE persons SET name = ?2, grid = ?3, born = ?4, notes = ?5,"
                         " extra = ?6, events = ?7, n_events = ?8, digest = ?9, updated = ?10"
                         " WHERE pk = ?1",
    [ST_PERSON_EVENTS_UPDATE] =
        "UPDATE persons SET events = ?2, n_events = ?3, digest = ?4, updated = ?5 WHERE pk = ?1",
    [ST_PERSON_GET] = "SELECT id, name, grid, born, notes, extra, events, pk FROM persons"
                      " WHERE id = ?1",
    /* a new relation is stored with its pending person (?4, NULL = confirmed); declaring
     * a stored one again confirms it unless ?4 is the same person it is pending for
     * (ST_RELATION_CONFIRM, run when the insert found the row). Two statements rather
     * than one upsert: `ON CONFLICT DO UPDATE` beside the table's update trigger made
     * SQLite open a statement journal for every relation, which measured about a third
     * of each insert (perf, `triscreen import` of `ts-gen -n 200000`). */
    [ST_RELATION_INSERT] = "INSERT OR IGNORE INTO relations(a, b, kind, pending_for, since_run)"
                           " VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_RUN_MAX] = "SELECT coalesce(max(id), 0) FROM runs",
    [ST_RELATION_CONFIRM] = "UPDATE relations SET pending_for = NULL"
                            " WHERE a = ?1 AND b = ?2 AND kind = ?3 AND pending_for IS NOT NULL"
                            " AND (?4 IS NULL OR pending_for <> ?4)",
    /* a relation pending for this person is not (yet) part of its record */
    [ST_RELATIONS_OF] = "SELECT b, kind FROM relations WHERE a = ?1"
                        " AND (pending_for IS NULL OR pending_for <> ?1)"
                        " UNION ALL SELECT a, kind FROM relations WHERE b = ?1"
                        " AND (pending_for IS NULL OR pending_for <> ?1) ORDER BY 1, 2",
    [ST_PERSON_GRID] = "SELECT grid FROM persons WHERE id = ?1",
    [ST_RELATION_PENDING] = "SELECT pending_for IS NOT NULL FROM relations"
                            " WHERE a = ?1 AND b = ?2 AND kind = ?3",
    [ST_AUDIT] = "INSERT INTO audit(at, actor, action, target, detail, token)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_RUN_BEGIN] = "INSERT INTO runs(pass, scope, now, rules_hash, config_hash, started, kind,"
                     " persons_pk_max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                     " (SELECT coalesce(max(pk), 0) FROM persons))",
    [ST_RUN_FINISH] = "UPDATE runs SET status = ?2, persons = ?3, fired = ?4, errors = ?5,"
                      " summary = ?6, ended = ?7 WHERE id = ?1",
    [ST_RUN_ADD] = "UPDATE runs SET persons = persons + ?2, fired = fired + ?3,"
                   " errors = errors + ?4, ended = ?5 WHERE id = ?1",
    [ST_RUN_INTERRUPT] = "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
                         " AND id <> ?1",
    [ST_ALERT_SEQ_MAX] = "SELECT coalesce(max(seq), 0) FROM alerts",
    [ST_LEDGER_NEXT_SEQ] = "SELECT coalesce(max(seq) + 1, 0) FROM ledger WHERE run = ?1",
    [ST_LEDGER_PUT] = "INSERT INTO ledger(person, run, grid, suspect, gaps, rules, seq)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
#define X16(r)                                                                                     \
    r "," r "," r "," r "," r "," r "," r "," r "," r "," r "," r "," r "," r "," r "," r "," r
    /* TS__STORE_PUT_N rows a statement (a statement's own cost is most of a narrow row's) */
    [ST_LEDGER_PUT_N] = "INSERT INTO ledger(person, run, grid, suspect, gaps, rules, seq)"
                        " VALUES " X16("(?, ?, ?, ?, ?, ?, ?)"),
    [ST_MARK_PUT] = "INSERT OR REPLACE INTO marks(person, suspect, run) VALUES (?1, ?2, ?3)",
/* the history a rewind reads (rewind.c): the row a write is about to replace, or
 * (?2 = 1, for an insert) present = 0 when there is none, tagged with the newest run (?3) */
/* KEEP_N rows of (person, insert) from ?2 on, for the batched history statements */
#define KV(a, b) "(?" #a ", ?" #b ")"
#define KEEP_VALUES                                                                                 \
    KV(2, 3)                                                                                        \
    "," KV(4, 5) "," KV(6, 7) "," KV(8, 9) "," KV(10, 11) "," KV(12, 13) "," KV(14, 15) "," KV(     \
        16,                                                                                         \
        17) "," KV(18,                                                                              \
                   19) "," KV(20,                                                                   \
                              21) "," KV(22,                                                        \
                                         23) "," KV(24,                                             \
                                                    25) "," KV(26,                                  \
                                                               27) "," KV(28,                       \
                                                                          29) "," KV(30,            \
                                                                                     31) "," KV(32, \
                                                                                                33)
    [ST_MARK_KEEP_N] = "INSERT INTO marks_past SELECT k.column1, m.person IS NOT NULL, m.suspect,"
                       " m.run, ?1 FROM (VALUES " KEEP_VALUES ") AS k"
                       " LEFT JOIN marks m ON m.person = k.column1"
                       " WHERE k.column2 OR m.person IS NOT NULL",
    [ST_LIST_KEEP_N] =
        "INSERT INTO lists_past SELECT k.column1, l.person IS NOT NULL, l.colour, l.score,"
        " l.since, l.run, l.reasons, l.engine_colour, l.override_colour, l.override_until,"
        " l.override_by, l.next_review, l.regional_colour, l.regional_score, l.regional_reasons,"
        " ?1 FROM (VALUES " KEEP_VALUES ") AS k LEFT JOIN list_members l ON l.person = k.column1"
        " WHERE k.column2 OR l.person IS NOT NULL",
    [ST_MARK_KEEP] = "INSERT INTO marks_past SELECT ?1, m.person IS NOT NULL, m.suspect, m.run,"
                     " ?3 FROM (SELECT 1) LEFT JOIN marks m ON m.person = ?1"
                     " WHERE ?2 OR m.person IS NOT NULL",
    [ST_RULE_ERROR_PUT] = "INSERT INTO rule_errors(run, person, rule, code, location, message)"
                          " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [ST_LIST_UPSERT] =
        "INSERT OR REPLACE INTO list_members(person, colour, score, since, run, reasons,"
        " engine_colour, override_colour, override_until, override_by, next_review,"
        " regional_colour, regional_score, regional_reasons)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [ST_LIST_DELETE] = "DELETE FROM list_members WHERE person = ?1",
    [ST_LIST_KEEP] =
        "INSERT INTO lists_past SELECT ?1, l.person IS NOT NULL, l.colour, l.score, l.since,"
        " l.run, l.reasons, l.engine_colour, l.override_colour, l.override_until, l.override_by,"
        " l.next_review, l.regional_colour, l.regional_score, l.regional_reasons,"
        " ?3 FROM (SELECT 1) LEFT JOIN list_members l ON l.person = ?1"
        " WHERE ?2 OR l.person IS NOT NULL",
    [ST_TRANSITION_PUT] = "INSERT INTO list_transitions(person, run, from_colour, to_colour,"
                          " score, reasons, at, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [ST_TRANSITION_PUT_N] = "INSERT INTO list_transitions(person, run, from_colour, to_colour,"
                            " score, reasons, at, actor) VALUES " X16("(?, ?, ?, ?, ?, ?, ?, ?)"),
    [ST_LISTS_LOAD] =
        "SELECT l.person, l.colour, l.engine_colour, l.regional_colour, l.override_colour,"
        " l.override_until, l.override_by, l.score, l.regional_score, l.since, l.next_review,"
        " l.reasons, l.regional_reasons, coalesce(p.grid, '') FROM list_members l"
        " LEFT JOIN persons p ON p.id = l.person ORDER BY l.person",
    [ST_LISTS_COUNT] = "SELECT count(*) FROM list_members",
    [ST_LISTS_COLOURS] = "SELECT l.colour, coalesce(p.grid, '') FROM list_members l"
                         " LEFT JOIN persons p ON p.id = l.person",
    [ST_MARK_GET] = "SELECT suspect FROM marks WHERE person = ?1",
    [ST_LIST_GET] =
        "SELECT l.person, l.colour, l.engine_colour, l.regional_colour, l.override_colour,"
        " l.override_until, l.override_by, l.score, l.regional_score, l.since, l.next_review,"
        " l.reasons, l.regional_reasons, coalesce(p.grid, '') FROM list_members l"
        " LEFT JOIN persons p ON p.id = l.person WHERE l.person = ?1",
};

void ts__store_timestamp(char buf[21])
{
    /* the formatted second is cached per thread: imports stamp millions of rows */
    static _Thread_local time_t last = -1;
    static _Thread_local char cached[21];
    time_t t = time(NULL);
    if (t == last) {
        memcpy(buf, cached, 21);
        return;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
    memcpy(cached, buf, 21);
    last = t;
}

ts_status ts__store_fail(ts_store *s, ts_err *err, const char *what)
{
    int code = sqlite3_extended_errcode(s->db);
    ts_status st = (code & 0xff) == SQLITE_BUSY ? TS_BUSY : TS_STORE;
    return ts_err_set(err, st, s->path, "%s: %s", what, sqlite3_errmsg(s->db));
}

sqlite3_stmt *ts__store_stmt(ts_store *s, int which, ts_err *err)
{
    if (!s->st[which]) {
        if (sqlite3_prepare_v3(s->db, sql_text[which], -1, SQLITE_PREPARE_PERSISTENT, &s->st[which],
                               NULL) != SQLITE_OK) {
            ts__store_fail(s, err, "prepare");
            return NULL;
        }
    } else {
        sqlite3_reset(s->st[which]);
        sqlite3_clear_bindings(s->st[which]);
    }
    return s->st[which];
}

static ts_status exec(ts_store *s, const char *sql, ts_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        ts_status st = ts_err_set(err, TS_STORE, s->path, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return st;
    }
    return TS_OK;
}

static int user_version(ts_store *s)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

int ts_store_schema_version(ts_store *s)
{
    return user_version(s);
}

static ts_status migrate(ts_store *s, ts_store_mode mode, ts_err *err)
{
    int v = user_version(s);
    if (v < 0)
        return ts__store_fail(s, err, "read schema version");
    if (v > TS_STORE_SCHEMA_VERSION)
        return ts_err_set(err, TS_STATE, s->path,
                          "database schema version %d is newer than this triscreen (%d)", v,
                          TS_STORE_SCHEMA_VERSION);
    if (v == TS_STORE_SCHEMA_VERSION)
        return TS_OK;
    if (mode == TS_STORE_READONLY)
        return ts_err_set(err, TS_STATE, s->path,
                          "database schema version %d needs migrating: run `triscreen init`", v);
    ts_status rc = exec(s, "BEGIN IMMEDIATE", err);
    if (rc != TS_OK)
        return rc;
    /* re-read inside the write lock: another process may have migrated meanwhile */
    v = user_version(s);
    for (int next = v + 1; next <= TS_STORE_SCHEMA_VERSION; next++) {
        rc = exec(s, ts__store_migration(next), err);
        if (rc != TS_OK)
            goto done;
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", next);
        rc = exec(s, sql, err);
        if (rc != TS_OK)
            goto done;
    }
    rc = exec(s, "COMMIT", err);
done:
    if (rc != TS_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* SQLite's memory statistics take a process-wide mutex on every allocation, which
 * serialises the pass workers' and the import's connections; nothing here reads them.
 * This is library configuration, set once before SQLite initialises, not our state. */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void sqlite_setup(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

ts_status ts_store_open(const char *path, ts_store_mode mode, ts_store **out, ts_err *err)
{
    pthread_once(&sqlite_once, sqlite_setup);
    ts_status rc = TS_OK;
    ts_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return ts_err_set(err, TS_NOMEM, path, NULL);
    }
    if (mode == TS_STORE_READWRITE) {
        /* create the file ourselves so it is 0600 from the first byte (SQLite gives the
         * -wal and -shm files the same permissions). Only a file created here is opened
         * and closed: close() on any descriptor of a file drops every POSIX lock this
         * process holds on it, which would silently strip the locks of this process's
         * other SQLite connections to an existing database. */
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            close(fd);
        } else if (errno != EEXIST) {
            rc = ts_err_set(err, TS_IO, path, "cannot create database: %s", strerror(errno));
            goto done;
        }
    }
    int flags = (mode == TS_STORE_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = ts_err_set(err, s->db ? TS_STORE : TS_NOMEM, path, "cannot open database: %s",
                        s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto done;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    rc = exec(s, "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;", err);
    if (rc != TS_OK)
        goto done;
    if (mode == TS_STORE_READWRITE) {
        /* page_size only applies to a new, empty file (it must precede WAL mode): larger
         * pages mean fewer B-tree pages for the import and the passes to write */
        rc = exec(s,
                  "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL;"
                  " PRAGMA synchronous = NORMAL;",
                  err);
        if (rc != TS_OK)
            goto done;
    }
    rc = exec(s, "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;", err);
    if (rc != TS_OK)
        goto done;
    rc = migrate(s, mode, err);
done:
    if (rc != TS_OK) {
        ts_store_close(s);
        return rc;
    }
    *out = s;
    return TS_OK;
}

ts_status ts__store_query_stmt(ts_store *s, const char *sql, sqlite3_stmt **out, ts_err *err,
                               const char *what)
{
    for (size_t i = 0; i < s->n_cached; i++) {
        if (strcmp(s->cached[i].sql, sql) != 0)
            continue;
        if (sqlite3_stmt_busy(s->cached[i].st))
            break; /* in use by an enclosing query: prepare another */
        *out = s->cached[i].st;
        return TS_OK;
    }
    sqlite3_stmt *st = NULL;
    bool keep = s->n_cached < TS__STORE_CACHED;
    if (sqlite3_prepare_v3(s->db, sql, -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) !=
        SQLITE_OK)
        return ts__store_fail(s, err, what);
    for (size_t i = 0; keep && i < s->n_cached; i++)
        keep = strcmp(s->cached[i].sql, sql) != 0; /* one cached copy of each text */
    if (keep) {
        s->cached[s->n_cached].sql = sqlite3_sql(st);
        s->cached[s->n_cached].st = st;
        s->n_cached++;
    }
    *out = st;
    return TS_OK;
}

void ts__store_query_done(ts_store *s, sqlite3_stmt *st)
{
    for (size_t i = 0; i < s->n_cached; i++) {
        if (s->cached[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return;
        }
    }
    sqlite3_finalize(st);
}

void ts_store_close(ts_store *s)
{
    if (!s)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->st[i]);
    for (size_t i = 0; i < s->n_cached; i++)
        sqlite3_finalize(s->cached[i].st);
    if (s->db) {
        if (s->in_tx)
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close_v2(s->db);
    }
    free(s->path);
    free(s->kept[0].ids);
    free(s->kept[1].ids);
    free(s);
}

ts_status ts__store_step_done(ts_store *s, sqlite3_stmt *st, ts_err *err, const char *what)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        return ts__store_fail(s, err, what);
    return TS_OK;
}

static void kept_reset(ts_store *s);

ts_status ts_store_begin(ts_store *s, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_BEGIN, err);
    if (!st)
        return TS_STORE;
    ts_status rc = ts__store_step_done(s, st, err, "begin");
    if (rc == TS_OK)
        s->in_tx = true;
    s->max_run_known = s->next_alert_seq_known = false;
    kept_reset(s);
    return rc;
}

ts_status ts_store_savepoint(ts_store *s, ts_err *err)
{
    if (!s->in_tx)
        return ts_err_set(err, TS_STATE, "savepoint", "no transaction is open");
    return exec(s, "SAVEPOINT ts_undo", err);
}

ts_status ts_store_savepoint_undo(ts_store *s, ts_err *err)
{
    s->max_run_known = s->next_alert_seq_known = false;
    kept_reset(s);
    return exec(s, "ROLLBACK TO ts_undo; RELEASE ts_undo", err);
}

bool ts_store_in_tx(const ts_store *s)
{
    return s->in_tx;
}

ts_status ts_store_commit(ts_store *s, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_COMMIT, err);
    if (!st)
        return TS_STORE;
    ts_status rc = ts__store_step_done(s, st, err, "commit");
    if (rc == TS_OK)
        s->in_tx = false;
    s->max_run_known = s->next_alert_seq_known = false;
    kept_reset(s);
    return rc;
}

void ts_store_rollback(ts_store *s)
{
    if (!s || !s->in_tx)
        return;
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
    s->max_run_known = s->next_alert_seq_known = false;
    kept_reset(s);
}

void ts__store_runs_changed(ts_store *s)
{
    s->max_run_known = s->next_alert_seq_known = false;
}

/* The newest run id: read once a transaction (the subquery it replaces ran per relation:
 * 6% of the developers' 1M import, 531k relations), every time outside one. */
static ts_status max_run(ts_store *s, int64_t *out, ts_err *err)
{
    if (s->in_tx && s->max_run_known) {
        *out = s->max_run;
        return TS_OK;
    }
    sqlite3_stmt *st = ts__store_stmt(s, ST_RUN_MAX, err);
    if (!st)
        return TS_STORE;
    if (sqlite3_step(st) != SQLITE_ROW) {
        ts_status rc = ts__store_fail(s, err, "newest run");
        sqlite3_reset(st);
        return rc;
    }
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    s->max_run = *out;
    s->max_run_known = s->in_tx;
    return TS_OK;
}

bool ts__store_list_row_removes(const ts_list_row *row)
{
    return row->colour == 0 && row->override_colour < 0;
}

enum { KEEP_N = 16 }; /* persons a batched history statement keeps (KEEP_VALUES) */

static void kept_reset(ts_store *s)
{
    for (int k = 0; k < 2; k++)
        s->kept[k].len = s->kept[k].pos = 0;
}

/* Whether person is the next one kept ahead (consumed if so). */
static bool kept_ahead(ts_store *s, int k, const char *person)
{
    if (s->kept[k].pos >= s->kept[k].len)
        return false;
    const char *next = s->kept[k].ids + s->kept[k].pos;
    if (strcmp(next, person) != 0)
        return false;
    s->kept[k].pos += strlen(next) + 1;
    return true;
}

static ts_status keep(ts_store *s, int which, const char *person, bool insert, ts_err *err)
{
    if (s->no_history || kept_ahead(s, which == ST_MARK_KEEP, person))
        return TS_OK;
    int64_t run = 0;
    ts_status rc = max_run(s, &run, err);
    if (rc != TS_OK)
        return rc;
    sqlite3_stmt *st = ts__store_stmt(s, which, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, insert);
    sqlite3_bind_int64(st, 3, run);
    return ts__store_step_done(s, st, err,
                               which == ST_LIST_KEEP ? "keep list history" : "keep mark history");
}

ts_status ts__store_keep_list(ts_store *s, const char *person, bool insert, ts_err *err)
{
    return keep(s, ST_LIST_KEEP, person, insert, err);
}

ts_status ts__store_keep_mark(ts_store *s, const char *person, bool insert, ts_err *err)
{
    return keep(s, ST_MARK_KEEP, person, insert, err);
}

/* The history of persons[0..n) (insert[i] as for keep; NULL = all true) ahead of their
 * writes: KEEP_N a statement, the rest one at a time; the ids are remembered so that
 * each one's next write keeps nothing more. */
static ts_status keep_ahead(ts_store *s, int k, const char *const *persons, const bool *insert,
                            size_t n, ts_err *err)
{
    s->kept[k].len = s->kept[k].pos = 0;
    if (s->no_history || n == 0)
        return TS_OK;
    int64_t run = 0;
    ts_status rc = max_run(s, &run, err);
    if (rc != TS_OK)
        return rc;
    size_t i = 0;
    for (; rc == TS_OK && n - i >= KEEP_N; i += KEEP_N) {
        sqlite3_stmt *st = ts__store_stmt(s, k ? ST_MARK_KEEP_N : ST_LIST_KEEP_N, err);
        if (!st)
            return TS_STORE;
        sqlite3_bind_int64(st, 1, run);
        for (int j = 0; j < KEEP_N; j++) {
            sqlite3_bind_text(st, 2 + 2 * j, persons[i + j], -1, SQLITE_STATIC);
            sqlite3_bind_int(st, 3 + 2 * j, insert ? insert[i + j] : 1);
        }
        rc = ts__store_step_done(s, st, err, k ? "keep mark history" : "keep list history");
    }
    for (; rc == TS_OK && i < n; i++)
        rc = keep(s, k ? ST_MARK_KEEP : ST_LIST_KEEP, persons[i], insert ? insert[i] : true, err);
    if (rc != TS_OK)
        return rc;
    size_t need = 0;
    for (i = 0; i < n; i++)
        need += strlen(persons[i]) + 1;
    if (need > s->kept[k].cap) {
        char *ids = realloc(s->kept[k].ids, need);
        if (!ids)
            return ts_err_set(err, TS_NOMEM, "history", "out of memory");
        s->kept[k].ids = ids;
        s->kept[k].cap = need;
    }
    for (i = 0; i < n; i++) {
        size_t len = strlen(persons[i]) + 1;
        memcpy(s->kept[k].ids + s->kept[k].len, persons[i], len);
        s->kept[k].len += len;
    }
    return TS_OK;
}

ts_status ts_store_keep_lists(ts_store *s, const ts_list_row *const *rows, size_t n, ts_err *err)
{
    enum { MAX_ROWS = 256 }; /* a pass's batch */
    if (n > MAX_ROWS)
        return ts_err_set(err, TS_USAGE, "history", "at most %d rows at a time", MAX_ROWS);
    const char *ids[MAX_ROWS];
    bool insert[MAX_ROWS];
    for (size_t i = 0; i < n; i++) {
        ids[i] = rows[i]->person;
        insert[i] = !ts__store_list_row_removes(rows[i]);
    }
    return keep_ahead(s, 0, ids, insert, n, err);
}

ts_status ts_store_keep_marks(ts_store *s, const char *const *persons, size_t n, ts_err *err)
{
    return keep_ahead(s, 1, persons, NULL, n, err);
}

ts_status ts__store_alert_seq(ts_store *s, int64_t *seq, ts_err *err)
{
    *seq = 0;
    if (!s->in_tx)
        return TS_OK;
    if (!s->next_alert_seq_known) {
        sqlite3_stmt *st = ts__store_stmt(s, ST_ALERT_SEQ_MAX, err);
        if (!st)
            return TS_STORE;
        if (sqlite3_step(st) != SQLITE_ROW) {
            ts_status rc = ts__store_fail(s, err, "newest alert position");
            sqlite3_reset(st);
            return rc;
        }
        s->next_alert_seq = sqlite3_column_int64(st, 0) + 1;
        sqlite3_reset(st);
        s->next_alert_seq_known = true;
    }
    *seq = s->next_alert_seq;
    return TS_OK;
}

void ts__store_alert_seq_used(ts_store *s, int64_t seq)
{
    if (seq && s->in_tx && s->next_alert_seq_known && seq == s->next_alert_seq)
        s->next_alert_seq++;
}

/* ---- grid ----------------------------------------------------------------------------- */

ts_status ts_store_put_grid(ts_store *s, const ts_grid *g, ts_err *err)
{
    sqlite3_stmt *ins_cell = NULL, *ins_off = NULL;
    ts_status rc = ts_store_begin(s, err);
    if (rc != TS_OK)
        return rc;
    rc = exec(s, "DELETE FROM officers; DELETE FROM cells;", err);
    if (rc != TS_OK)
        goto done;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO cells(code, level, parent, name, ord)"
                           " VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &ins_cell, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO officers(cell, id, name, ord)"
                           " VALUES (?1, ?2, ?3, ?4)",
                           -1, &ins_off, NULL) != SQLITE_OK) {
        rc = ts__store_fail(s, err, "prepare grid");
        goto done;
    }
    for (size_t i = 0; i < ts_grid_count(g); i++) {
        const ts_cell *c = ts_grid_cell(g, i);
        sqlite3_bind_text(ins_cell, 1, c->code, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins_cell, 2, (int)c->level);
        if (c->parent)
            sqlite3_bind_text(ins_cell, 3, c->parent->code, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins_cell, 3);
        sqlite3_bind_text(ins_cell, 4, c->name ? c->name : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins_cell, 5, (sqlite3_int64)i);
        if ((rc = ts__store_step_done(s, ins_cell, err, "insert cell")) != TS_OK)
            goto done;
        for (size_t k = 0; k < c->n_officers; k++) {
            sqlite3_bind_text(ins_off, 1, c->code, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_off, 2, c->officers[k].id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_off, 3, c->officers[k].name ? c->officers[k].name : "", -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(ins_off, 4, (sqlite3_int64)k);
            if ((rc = ts__store_step_done(s, ins_off, err, "insert officer")) != TS_OK)
                goto done;
        }
    }
    rc = ts_store_commit(s, err);
done:
    sqlite3_finalize(ins_cell);
    sqlite3_finalize(ins_off);
    if (rc != TS_OK)
        ts_store_rollback(s);
    return rc;
}

/* ---- persons -------------------------------------------------------------------------- */

/* Content digest used to skip unchanged rewrites: a 64-bit multiply-mix over 8-byte
 * words (not cryptographic; a collision only means an update is skipped, and at 2^-64
 * per changed record that is far below any other failure rate). */
static uint64_t mix(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, len);
    h = (h ^ w ^ ((uint64_t)len << 56)) * k;
    h ^= h >> 32;
    /* a separator so ("ab","c") and ("a","bc") differ */
    return (h ^ 0xff) * 0xBF58476D1CE4E5B9ull;
}

static int64_t person_digest(const ts_person *p, const char *born, const unsigned char *extra,
                             size_t extra_len, const unsigned char *events, size_t events_len)
{
    uint64_t h = 14695981039346656037ull;
    h = mix(h, p->name, strlen(p->name));
    h = mix(h, p->grid, strlen(p->grid));
    h = mix(h, born, strlen(born));
    h = mix(h, p->notes, strlen(p->notes));
    h = mix(h, extra, extra_len);
    h = mix(h, events, events_len);
    return (int64_t)h;
}

static int ev_equal(const ts_event *a, const ts_event *b)
{
    return a->date == b->date && strcmp(a->type, b->type) == 0 &&
           strcmp(a->note ? a->note : "", b->note ? b->note : "") == 0;
}

/* Binary search in a canonical (newest first, type, note) list. */
static bool ev_contains(const ts_evlist *l, size_t n, const ts_event *e)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const ts_event *m = &l->ev[mid];
        int c;
        if (m->date != e->date)
            c = m->date > e->date ? -1 : 1;
        else if ((c = strcmp(m->type, e->type)) == 0)
            c = strcmp(m->note ? m->note : "", e->note ? e->note : "");
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static ts_status bind_person(sqlite3_stmt *st, const ts_person *p, const char *born,
                             const unsigned char *extra, size_t extra_len,
                             const unsigned char *events, size_t events_len, size_t n_events,
                             int64_t digest, const char *ts)
{
    sqlite3_bind_text(st, 2, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->grid, -1, SQLITE_STATIC);
    if (born[0])
        sqlite3_bind_text(st, 4, born, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_text(st, 5, p->notes, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, extra, (int)extra_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, events, (int)events_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)n_events);
    sqlite3_bind_int64(st, 9, digest);
    sqlite3_bind_text(st, 10, ts, -1, SQLITE_STATIC);
    return TS_OK;
}

ts_status ts_store_put_person(ts_store *s, const ts_person *p, ts_arena *scratch, ts_upsert *result,
                              uint32_t **new_events, size_t *n_new, ts_err *err)
{
    return ts_store_put_person_as(s, p, NULL, NULL, scratch, result, new_events, n_new, err);
}

ts_status ts_store_put_person_as(ts_store *s, const ts_person *p, const ts_store_writer *w,
                                 bool *pending, ts_arena *scratch, ts_upsert *result,
                                 uint32_t **new_events, size_t *n_new, ts_err *err)
{
    ts_status rc = TS_OK;
    unsigned char *extra = NULL, *evblob = NULL;
    size_t extra_len = 0, evblob_len = 0;
    char born[11] = "";
    if (p->born != TS_DATE_NONE)
        ts_date_format(p->born, born);

    sqlite3_stmt *get = ts__store_stmt(s, ST_PERSON_GET_FOR_UPSERT, err);
    if (!get)
        return TS_STORE;
    sqlite3_bind_text(get, 1, p->id, -1, SQLITE_STATIC);
    int r = sqlite3_step(get);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(s, err, "read person");
    bool exists = r == SQLITE_ROW;
    sqlite3_int64 pk = 0, old_digest = 0;

    ts_evlist list = {0};
    size_t n_old = 0;
    if (exists) {
        pk = sqlite3_column_int64(get, 0);
        old_digest = sqlite3_column_int64(get, 1);
        const void *blob = sqlite3_column_blob(get, 2);
        int blen = sqlite3_column_bytes(get, 2);
        rc = ts__events_decode(blob, (size_t)blen, scratch, &list);
        if (rc != TS_OK) {
            rc = ts_err_set(err, rc == TS_NOMEM ? TS_NOMEM : TS_STORE, s->path,
                            "stored events of person %s are corrupt", p->id);
            goto done;
        }
        n_old = list.n;
    }
    sqlite3_reset(get);

    /* append the incoming events that are not stored yet */
    uint32_t *fresh = NULL;
    size_t n_fresh = 0;
    if (p->n_events) {
        ts_event *ev = ts_arena_alloc(scratch, (list.n + p->n_events) * sizeof *ev);
        fresh = ts_arena_alloc(scratch, p->n_events * sizeof *fresh);
        if (!ev || !fresh) {
            rc = ts_err_set(err, TS_NOMEM, p->id, NULL);
            goto done;
        }
        if (list.n)
            memcpy(ev, list.ev, list.n * sizeof *ev);
        list.ev = ev;
        list.cap = list.n + p->n_events;
        for (size_t i = 0; i < p->n_events; i++) {
            const ts_event *e = &p->events[i];
            if (ev_contains(&list, n_old, e))
                continue;
            bool dup = false;
            for (size_t k = n_old; k < list.n && !dup; k++)
                dup = ev_equal(&list.ev[k], e);
            if (dup)
                continue;
            list.ev[list.n++] = *e;
            fresh[n_fresh++] = (uint32_t)i;
        }
    }
    ts__events_canon(&list);

    if ((rc = ts_record_encode_extra(p, &extra, &extra_len)) != TS_OK ||
        (rc = ts__events_encode(&list, &evblob, &evblob_len)) != TS_OK) {
        rc = ts_err_set(err, TS_NOMEM, p->id, NULL);
        goto done;
    }
    int64_t digest = person_digest(p, born, extra, extra_len, evblob, evblob_len);
    char ts[21];
    ts__store_timestamp(ts);

    if (!exists) {
        sqlite3_stmt *ins = ts__store_stmt(s, ST_PERSON_INSERT, err);
        if (!ins) {
            rc = TS_STORE;
            goto done;
        }
        sqlite3_bind_text(ins, 1, p->id, -1, SQLITE_STATIC);
        bind_person(ins, p, born, extra, extra_len, evblob, evblob_len, list.n, digest, ts);
        if ((rc = ts__store_step_done(s, ins, err, "insert person")) != TS_OK)
            goto done;
        *result = TS_UPSERT_NEW;
    } else if (digest == old_digest) {
        *result = TS_UPSERT_UNCHANGED;
    } else {
        sqlite3_stmt *up = ts__store_stmt(s, ST_PERSON_UPDATE, err);
        if (!up) {
            rc = TS_STORE;
            goto done;
        }
        sqlite3_bind_int64(up, 1, pk);
        bind_person(up, p, born, extra, extra_len, evblob, evblob_len, list.n, digest, ts);
        if ((rc = ts__store_step_done(s, up, err, "update person")) != TS_OK)
            goto done;
        *result = TS_UPSERT_UPDATED;
    }

    size_t changed = 0;
    if ((rc = ts_store_put_relations_as(s, p, w, pending, &changed, err)) != TS_OK)
        goto done;
    if (changed && *result == TS_UPSERT_UNCHANGED)
        *result = TS_UPSERT_UPDATED;
    if (new_events)
        *new_events = fresh;
    if (n_new)
        *n_new = n_fresh;
done:
    free(extra);
    free(evblob);
    return rc;
}

ts_status ts_store_person_prepare(const ts_person *p, ts_arena *arena, ts_person_prep *out)
{
    ts_person_prep pr;
    memset(&pr, 0, sizeof pr);
    if (p->born != TS_DATE_NONE)
        ts_date_format(p->born, pr.born);
    ts_evlist list = {0};
    if (p->n_events) {
        list.ev = ts_arena_alloc(arena, p->n_events * sizeof *list.ev);
        pr.first = ts_arena_alloc(arena, p->n_events * sizeof *pr.first);
        if (!list.ev || !pr.first)
            return TS_NOMEM;
        list.cap = p->n_events;
        /* distinct events in record order (records rarely repeat one: check the few
         * already kept only when a duplicate is possible, i.e. same date and type) */
        for (size_t i = 0; i < p->n_events; i++) {
            const ts_event *e = &p->events[i];
            bool dup = false;
            for (size_t k = 0; k < list.n && !dup; k++)
                dup = ev_equal(&list.ev[k], e);
            if (dup)
                continue;
            list.ev[list.n++] = *e;
            pr.first[pr.n_first++] = (uint32_t)i;
        }
    }
    ts__events_canon(&list);
    unsigned char *extra = NULL, *events = NULL;
    size_t extra_len = 0, events_len = 0;
    ts_status rc = ts_record_encode_extra(p, &extra, &extra_len);
    if (rc == TS_OK)
        rc = ts__events_encode(&list, &events, &events_len);
    if (rc == TS_OK) {
        pr.extra = ts_arena_alloc(arena, extra_len ? extra_len : 1);
        pr.events = ts_arena_alloc(arena, events_len ? events_len : 1);
        if (!pr.extra || !pr.events)
            rc = TS_NOMEM;
    }
    if (rc == TS_OK) {
        if (extra_len)
            memcpy(pr.extra, extra, extra_len);
        memcpy(pr.events, events, events_len);
        pr.extra_len = extra_len;
        pr.events_len = events_len;
        pr.n_events = list.n;
        pr.digest = person_digest(p, pr.born, pr.extra, extra_len, pr.events, events_len);
        *out = pr;
    }
    free(extra);
    free(events);
    return rc;
}

ts_status ts_store_put_person_prep(ts_store *s, const ts_person *p, const ts_person_prep *prep,
                                   ts_arena *scratch, ts_upsert *result, uint32_t **new_events,
                                   size_t *n_new, ts_err *err)
{
    ts_person_prep local;
    if (!prep) {
        if (ts_store_person_prepare(p, scratch, &local) != TS_OK)
            return ts_err_set(err, TS_NOMEM, p->id, NULL);
        prep = &local;
    }
    sqlite3_stmt *ins = ts__store_stmt(s, ST_PERSON_INSERT_NEW, err);
    if (!ins)
        return TS_STORE;
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_bind_text(ins, 1, p->id, -1, SQLITE_STATIC);
    bind_person(ins, p, prep->born, prep->extra, prep->extra_len, prep->events, prep->events_len,
                prep->n_events, prep->digest, ts);
    ts_status rc = ts__store_step_done(s, ins, err, "insert person");
    if (rc != TS_OK)
        return rc;
    if (sqlite3_changes(s->db) == 0) /* stored before: merge with what is there */
        return ts_store_put_person(s, p, scratch, result, new_events, n_new, err);
    *result = TS_UPSERT_NEW;
    if ((rc = ts_store_put_relations_as(s, p, NULL, NULL, NULL, err)) != TS_OK)
        return rc;
    if (new_events)
        *new_events = prep->first;
    if (n_new)
        *n_new = prep->n_first;
    return TS_OK;
}

ts_status ts_store_put_event(ts_store *s, const char *person_id, const ts_event *ev,
                             ts_arena *scratch, bool *inserted, ts_err *err)
{
    ts_status rc = TS_OK;
    unsigned char *evblob = NULL;
    size_t evblob_len = 0;
    sqlite3_stmt *get = ts__store_stmt(s, ST_PERSON_GET, err);
    if (!get)
        return TS_STORE;
    sqlite3_bind_text(get, 1, person_id, -1, SQLITE_STATIC);
    int r = sqlite3_step(get);
    if (r == SQLITE_DONE) {
        sqlite3_reset(get);
        return ts_err_set(err, TS_NOTFOUND, "person_id", "person '%s' is not in the database",
                          person_id);
    }
    if (r != SQLITE_ROW)
        return ts__store_fail(s, err, "read person");
    /* re-use the full person read so the digest is recomputed the same way */
    ts_person p = {0};
    p.id = person_id;
    p.name = ts_arena_strdup(scratch, (const char *)sqlite3_column_text(get, 1));
    p.grid = ts_arena_strdup(scratch, (const char *)sqlite3_column_text(get, 2));
    const char *born_txt = (const char *)sqlite3_column_text(get, 3);
    char born[11] = "";
    if (born_txt)
        snprintf(born, sizeof born, "%s", born_txt);
    p.notes = ts_arena_strdup(scratch, (const char *)sqlite3_column_text(get, 4));
    int elen = sqlite3_column_bytes(get, 5);
    unsigned char *extra = ts_arena_alloc(scratch, (size_t)elen + 1);
    if (elen && extra)
        memcpy(extra, sqlite3_column_blob(get, 5), (size_t)elen);
    ts_evlist list = {0};
    rc = ts__events_decode(sqlite3_column_blob(get, 6), (size_t)sqlite3_column_bytes(get, 6),
                           scratch, &list);
    sqlite3_int64 pk = sqlite3_column_int64(get, 7);
    sqlite3_reset(get);
    if (!p.name || !p.grid || !p.notes || !extra)
        return ts_err_set(err, TS_NOMEM, person_id, NULL);
    if (rc != TS_OK)
        return ts_err_set(err, TS_STORE, s->path, "stored events of person %s are corrupt",
                          person_id);
    if (ev_contains(&list, list.n, ev)) {
        *inserted = false;
        return TS_OK;
    }
    ts_event *grown = ts_arena_alloc(scratch, (list.n + 1) * sizeof *grown);
    if (!grown)
        return ts_err_set(err, TS_NOMEM, person_id, NULL);
    if (list.n)
        memcpy(grown, list.ev, list.n * sizeof *grown);
    grown[list.n++] = *ev;
    list.ev = grown;
    ts__events_canon(&list);
    if (ts__events_encode(&list, &evblob, &evblob_len) != TS_OK)
        return ts_err_set(err, TS_NOMEM, person_id, NULL);
    int64_t digest = person_digest(&p, born, extra, (size_t)elen, evblob, evblob_len);
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_stmt *up = ts__store_stmt(s, ST_PERSON_EVENTS_UPDATE, err);
    if (!up) {
        rc = TS_STORE;
        goto done;
    }
    sqlite3_bind_int64(up, 1, pk);
    sqlite3_bind_blob(up, 2, evblob, (int)evblob_len, SQLITE_STATIC);
    sqlite3_bind_int64(up, 3, (sqlite3_int64)list.n);
    sqlite3_bind_int64(up, 4, digest);
    sqlite3_bind_text(up, 5, ts, -1, SQLITE_STATIC);
    rc = ts__store_step_done(s, up, err, "update events");
    if (rc == TS_OK)
        *inserted = true;
done:
    free(evblob);
    return rc;
}

/* Binds relation a–b of kind to parameters 1..3 as its row stores it: one row per
 * unordered pair (relations are symmetric), the smaller id first. */
static void bind_relation(sqlite3_stmt *st, const char *a, const char *b, const char *kind)
{
    if (strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
}

/* Stores relation a–b (pending for `pending_for` when not NULL); *changed when a row was
 * inserted or a pending one confirmed. */
static ts_status put_relation(ts_store *s, const char *a, const char *b, const char *kind,
                              const char *pending_for, bool *changed, ts_err *err)
{
    int64_t run = 0;
    ts_status mr = max_run(s, &run, err);
    if (mr != TS_OK)
        return mr;
    sqlite3_stmt *st = ts__store_stmt(s, ST_RELATION_INSERT, err);
    if (!st)
        return TS_STORE;
    for (int k = 0; k < 2; k++) {
        bind_relation(st, a, b, kind);
        if (pending_for)
            sqlite3_bind_text(st, 4, pending_for, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4);
        if (!k)
            sqlite3_bind_int64(st, 5, run);
        ts_status rc = ts__store_step_done(s, st, err, k ? "confirm relation" : "insert relation");
        if (rc != TS_OK)
            return rc;
        *changed = sqlite3_changes(s->db) > 0;
        if (*changed || k)
            return TS_OK;
        /* stored already: confirm it if it was pending */
        if (!(st = ts__store_stmt(s, ST_RELATION_CONFIRM, err)))
            return TS_STORE;
    }
    return TS_OK;
}

ts_status ts_store_put_relation(ts_store *s, const char *a, const char *b, const char *kind,
                                bool *inserted, ts_err *err)
{
    return put_relation(s, a, b, kind, NULL, inserted, err);
}

bool ts_reader_sees(const ts_reader *r, const char *grid)
{
    if (!r)
        return true;
    for (size_t i = 0; i < r->n_cells; i++)
        if (!r->cells[i])
            return true;
    const ts_cell *c = grid && r->grid ? ts_grid_find(r->grid, grid) : NULL;
    for (size_t i = 0; c && i < r->n_cells; i++)
        if (ts_grid_in_scope(c, r->cells[i]))
            return true;
    return false;
}

ts_status ts_store_person_grid(ts_store *s, const char *id, char *buf, size_t cap, bool *found,
                               ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_PERSON_GRID, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    *found = r == SQLITE_ROW;
    if (*found && cap) { /* cap 0: only whether the person is stored */
        const char *g = (const char *)sqlite3_column_text(st, 0);
        size_t n = g ? strlen(g) : 0;
        if (n >= cap) {
            sqlite3_reset(st);
            return ts_err_set(err, TS_LIMIT, "grid",
                              "person %s: the stored grid code is longer than %zu bytes", id,
                              cap - 1);
        }
        memcpy(buf, g ? g : "", n + 1);
    }
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(s, err, "read person grid");
    return TS_OK;
}

/* *pending: relation a–b of kind is stored pending (for either side). */
static ts_status relation_pending(ts_store *s, const char *a, const char *b, const char *kind,
                                  bool *pending, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_RELATION_PENDING, err);
    if (!st)
        return TS_STORE;
    bind_relation(st, a, b, kind);
    int r = sqlite3_step(st);
    *pending = r == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return ts__store_fail(s, err, "read relation");
    return TS_OK;
}

/* Whether writer w may confirm a relation to `other`: its scopes cover the stored
 * person. A person not stored yet is covered by nobody but an unscoped writer, so a
 * pending answer says nothing about whether the id exists elsewhere. */
static ts_status writer_covers(ts_store *s, const ts_store_writer *w, const char *other,
                               bool *covers, ts_err *err)
{
    *covers = true;
    if (!w)
        return TS_OK;
    char grid[TS_LIMIT_ID + 1]; /* import takes grid codes of at most TS_LIMIT_ID bytes */
    bool found = false;
    ts_status rc = ts_store_person_grid(s, other, grid, sizeof grid, &found, err);
    if (rc == TS_OK)
        *covers = found && w->covers(w->ud, grid);
    return rc;
}

ts_status ts_store_put_relations_as(ts_store *s, const ts_person *p, const ts_store_writer *w,
                                    bool *pending, size_t *changed, ts_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_relations; i++) {
        const char *other = p->relations[i].other;
        bool covers = true, ch = false;
        ts_status rc = writer_covers(s, w, other, &covers, err);
        if (rc == TS_OK)
            rc = put_relation(s, p->id, other, p->relations[i].kind, covers ? NULL : other, &ch,
                              err);
        bool pend = false;
        if (rc == TS_OK && !covers && pending)
            rc = relation_pending(s, p->id, other, p->relations[i].kind, &pend, err);
        if (rc != TS_OK)
            return rc;
        if (pending)
            pending[i] = pend;
        n += ch;
    }
    s->last_relations_added = n;
    if (changed)
        *changed = n;
    return TS_OK;
}

/* A copy of a text column for a reader: bytes that are not UTF-8 become U+FFFD. */
static const char *col_dup(sqlite3_stmt *st, int i, ts_arena *a)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    const char *v = ts_text_utf8_sanitize_arena(a, t ? t : "", n);
    return v == t || !t ? ts_arena_strndup(a, t ? t : "", n) : v;
}

ts_status ts_store_get_person(ts_store *s, const char *id, ts_arena *arena, ts_person *out,
                              ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_PERSON_GET, err);
    if (!st)
        return TS_STORE;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_DONE) {
        sqlite3_reset(st);
        return ts_err_set(err, TS_NOTFOUND, NULL, "no person with id '%s'", id);
    }
    if (r != SQLITE_ROW)
        return ts__store_fail(s, err, "read person");
    ts_person p = {0};
    p.id = col_dup(st, 0, arena);
    p.name = col_dup(st, 1, arena);
    p.grid = col_dup(st, 2, arena);
    const char *born = (const char *)sqlite3_column_text(st, 3);
    p.born = TS_DATE_NONE;
    if (born)
        ts_date_parse(born, strlen(born), &p.born);
    p.notes = col_dup(st, 4, arena);
    ts_status rc = ts_record_decode_extra(sqlite3_column_blob(st, 5),
                                          (size_t)sqlite3_column_bytes(st, 5), arena, &p);
    ts_evlist list = {0};
    if (rc == TS_OK)
        rc = ts__events_decode(sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6),
                               arena, &list);
    sqlite3_reset(st);
    if (rc != TS_OK)
        return ts_err_set(err, rc == TS_NOMEM ? TS_NOMEM : TS_STORE, s->path,
                          "stored record of person %s is corrupt", id);
    p.events = list.ev;
    p.n_events = list.n;
    if (!p.id || !p.name || !p.grid || !p.notes)
        return ts_err_set(err, TS_NOMEM, id, NULL);

    sqlite3_stmt *rel = ts__store_stmt(s, ST_RELATIONS_OF, err);
    if (!rel)
        return TS_STORE;
    sqlite3_bind_text(rel, 1, id, -1, SQLITE_STATIC);
    size_t cap = 0;
    while ((r = sqlite3_step(rel)) == SQLITE_ROW) {
        if (p.n_relations == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            ts_relation *nr = ts_arena_alloc(arena, ncap * sizeof *nr);
            if (!nr) {
                sqlite3_reset(rel);
                return ts_err_set(err, TS_NOMEM, id, NULL);
            }
            if (p.n_relations)
                memcpy(nr, p.relations, p.n_relations * sizeof *nr);
            p.relations = nr;
            cap = ncap;
        }
        p.relations[p.n_relations].other = col_dup(rel, 0, arena);
        p.relations[p.n_relations].kind = col_dup(rel, 1, arena);
        p.n_relations++;
    }
    sqlite3_reset(rel);
    if (r != SQLITE_DONE)
        return ts__store_fail(s, err, "read relations");
    *out = p;
    return TS_OK;
}

static int64_t scalar(ts_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

ts_status ts_store_counts_get(ts_store *s, ts_store_counts *out, ts_err *err)
{
    ts_store_counts c;
    c.persons = scalar(s, "SELECT count(*) FROM persons");
    c.events = scalar(s, "SELECT coalesce(sum(n_events), 0) FROM persons");
    c.relations = scalar(s, "SELECT count(*) FROM relations");
    c.relations_pending = scalar(
        s,
        "SELECT count(*) FROM relations r WHERE NOT EXISTS (SELECT 1 FROM persons WHERE id = r.a)"
        " OR NOT EXISTS (SELECT 1 FROM persons WHERE id = r.b)");
    c.cells = scalar(s, "SELECT count(*) FROM cells");
    if (c.persons < 0 || c.events < 0 || c.relations < 0 || c.cells < 0)
        return ts__store_fail(s, err, "count");
    *out = c;
    return TS_OK;
}

ts_status ts_store_persons_by_town(ts_store *s,
                                   void (*fn)(void *ud, const char *town, const char *name,
                                              int64_t n),
                                   void *ud, ts_err *err)
{
    sqlite3_stmt *st = NULL;
    ts_status rc = TS_OK;
    const char *sql =
        "SELECT t.code, t.name, (SELECT count(*) FROM persons p JOIN cells g ON g.code = p.grid"
        "  JOIN cells v ON v.code = g.parent WHERE v.parent = t.code)"
        " FROM cells t WHERE t.level = 1 ORDER BY t.ord";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return ts__store_fail(s, err, "prepare");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        fn(ud, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           sqlite3_column_int64(st, 2));
    if (r != SQLITE_DONE)
        rc = ts__store_fail(s, err, "count by town");
    sqlite3_finalize(st);
    return rc;
}

ts_status ts_store_audit(ts_store *s, const char *actor, const char *action, const char *target,
                         const char *detail, ts_err *err)
{
    return ts_store_audit_tok(s, actor, NULL, action, target, detail, err);
}

ts_status ts_store_audit_tok(ts_store *s, const char *actor, const char *token, const char *action,
                             const char *target, const char *detail, ts_err *err)
{
    sqlite3_stmt *st = ts__store_stmt(s, ST_AUDIT, err);
    if (!st)
        return TS_STORE;
    char ts[21];
    ts__store_timestamp(ts);
    sqlite3_bind_text(st, 1, ts, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, target, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_STATIC);
    if (token)
        sqlite3_bind_text(st, 6, token, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 6);
    return ts__store_step_done(s, st, err, "audit");
}

size_t ts_store_last_relations_added(const ts_store *s)
{
    return s->last_relations_added;
}

const char *ts_store_path(const ts_store *s)
{
    return s->path;
}

/* With auto-checkpoints off, the WAL hook only notes the log's size after each commit
 * (ts_store_wal_large). */
static int note_wal_frames(void *ud, sqlite3 *db, const char *name, int frames)
{
    (void)db, (void)name;
    ((ts_store *)ud)->wal_frames = frames;
    return SQLITE_OK;
}

ts_status ts_store_set_autocheckpoint(ts_store *s, int pages, ts_err *err)
{
    s->wal_frames = 0;
    if (pages > 0)
        sqlite3_wal_autocheckpoint(s->db, pages); /* SQLite's own WAL hook */
    else
        sqlite3_wal_hook(s->db, note_wal_frames, s);
    (void)err;
    return TS_OK;
}

/* Past this many WAL frames a checkpoint also restarts the log. Passive checkpoints
 * beside a writer that commits without pause never catch up with it (frames are
 * appended while they copy), so SQLite never starts the WAL over: the service's WAL grew
 * to 675 MB in 8 s of single-record POSTs (23k records), every commit extending the file.
 * 4,096 frames of 8 KiB = 32 MiB. */
enum { WAL_RESTART_FRAMES = 4096, WAL_RESTART_WAIT_MS = 100 };

bool ts_store_wal_large(const ts_store *s)
{
    return s->wal_frames >= WAL_RESTART_FRAMES;
}

ts_status ts_store_checkpoint_passive(ts_store *s, ts_err *err)
{
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        return ts__store_fail(s, err, "checkpoint");
    return TS_OK;
}

ts_status ts_store_checkpoint_restart(ts_store *s, bool *done, ts_err *err)
{
    sqlite3_busy_timeout(s->db, WAL_RESTART_WAIT_MS);
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    *done = rc == SQLITE_OK;
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        return ts__store_fail(s, err, "checkpoint");
    return TS_OK;
}

ts_status ts_store_checkpoint(ts_store *s, ts_err *err)
{
    int frames = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &frames, NULL);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
        return ts__store_fail(s, err, "checkpoint");
    /* waits (briefly) for the writer's transaction, copies what the passive step left and
     * lets the next write start the log from its beginning; when the wait runs out it has
     * done what a passive checkpoint does */
    bool done = false;
    if (rc == SQLITE_OK && frames >= WAL_RESTART_FRAMES)
        return ts_store_checkpoint_restart(s, &done, err);
    return TS_OK;
}

void ts_store_remove_files(const char *path)
{
    char p[4300];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

ts_status ts_store_copy_to(ts_store *s, const char *path, ts_err *err)
{
    /* the copy holds the same personal data: create it 0600 before SQLite writes it. The
     * online backup copies the pages of one consistent snapshot in one step (several
     * times faster than VACUUM INTO, which rebuilds every table and index). */
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return ts_err_set(err, TS_IO, path, "cannot create the copy: %s", strerror(errno));
    close(fd);
    sqlite3 *dst = NULL;
    ts_status rc = TS_OK;
    if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        rc = ts_err_set(err, TS_STORE, path, "cannot open the copy: %s",
                        dst ? sqlite3_errmsg(dst) : "out of memory");
    } else {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", s->db, "main");
        if (!b) {
            rc = ts_err_set(err, TS_STORE, path, "cannot copy the database: %s",
                            sqlite3_errmsg(dst));
        } else {
            int sr = sqlite3_backup_step(b, -1);
            if (sqlite3_backup_finish(b) != SQLITE_OK || sr != SQLITE_DONE)
                rc = ts_err_set(err, TS_STORE, path, "cannot copy the database: %s",
                                sqlite3_errmsg(dst));
        }
    }
    if (sqlite3_close(dst) != SQLITE_OK && rc == TS_OK)
        rc = ts_err_set(err, TS_STORE, path, "cannot close the copy");
    if (rc != TS_OK)
        unlink(path);
    return rc;
}
