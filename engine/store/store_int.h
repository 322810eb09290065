/* store/store_int.h — internals shared by the store's files (not API). */
#ifndef TS_STORE_INT_H
#define TS_STORE_INT_H

#include <sqlite3.h>

#include "triscreen/store.h"

/* Prepared statements kept for the connection's lifetime. */
enum {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_PERSON_GET_FOR_UPSERT,
    ST_PERSON_INSERT,
    ST_PERSON_INSERT_NEW,
    ST_PERSON_UPDATE,
    ST_PERSON_EVENTS_UPDATE,
    ST_PERSON_GET,
    ST_RELATION_INSERT,
    ST_RELATION_CONFIRM,
    ST_RUN_MAX,
    ST_RELATIONS_OF,
    ST_PERSON_GRID,
    ST_RELATION_PENDING,
    ST_AUDIT,
    ST_RUN_BEGIN,
    ST_RUN_FINISH,
    ST_RUN_INTERRUPT,
    ST_RUN_ADD,
    ST_LEDGER_PUT,
    ST_LEDGER_PUT_N,
    ST_LEDGER_NEXT_SEQ,
    ST_ALERT_SEQ_MAX,
    ST_MARK_PUT,
    ST_MARK_KEEP,
    ST_MARK_KEEP_N,
    ST_RULE_ERROR_PUT,
    ST_LIST_UPSERT,
    ST_LIST_DELETE,
    ST_LIST_KEEP,
    ST_LIST_KEEP_N,
    ST_TRANSITION_PUT,
    ST_TRANSITION_PUT_N,
    ST_LISTS_LOAD,
    ST_LISTS_COUNT,
    ST_LISTS_COLOURS,
    ST_MARK_GET,
    ST_LIST_GET,
    ST__COUNT
};

/* Read queries prepared once per connection (the read side runs the same few statements
 * per request; preparing the dossier's circle query cost more than running it). */
#define TS__STORE_CACHED 32

struct ts_store {
    sqlite3 *db;
    char *path;
    sqlite3_stmt *st[ST__COUNT];
    struct {
        const char *sql; /* the statement's text (sqlite3_sql), compared by content */
        sqlite3_stmt *st;
    } cached[TS__STORE_CACHED];
    size_t n_cached;
    bool in_tx;
    /* the newest run id, as relations.since_run records it: kept for the rest of a
     * transaction once read (BEGIN IMMEDIATE: only this connection adds runs until it
     * ends, and ts_store_run_begin drops it) */
    int64_t max_run;
    bool max_run_known;
    /* the next alert feed position (alerts.seq), likewise kept for the rest of a write
     * transaction once read (only this connection writes alerts until it ends) */
    int64_t next_alert_seq;
    bool next_alert_seq_known;
    size_t last_relations_added; /* by the last ts_store_put_person */
    /* set by ts_store_rewind: a rewound private copy keeps no history of its own writes
     * (its history triggers are dropped, and ts__store_keep_* write nothing) */
    bool no_history;
    /* persons whose list rows (kept[0]) or marks (kept[1]) ts_store_keep_lists/_marks
     * kept ahead of their writes: ids NUL-separated, consumed in order from pos */
    struct {
        char *ids;
        size_t len, cap, pos;
    } kept[2];
    int wal_frames; /* the WAL's size after the last commit (auto-checkpoints off only) */
};

/* The feed position the next alert written or moved gets: read once a write transaction
 * (max(alerts.seq) + 1) and counted on after each ts__store_alert_seq_used; *seq = 0
 * outside a transaction, where the statement computes it itself (NEXT_SEQ). */
ts_status ts__store_alert_seq(ts_store *s, int64_t *seq, ts_err *err);
/* The statement that took seq (from ts__store_alert_seq) succeeded. */
void ts__store_alert_seq_used(ts_store *s, int64_t seq);
/* A run was added on this connection: the newest run id is read again. */
void ts__store_runs_changed(ts_store *s);
/* SQL of migration `version` (1-based); NULL past the end. */
const char *ts__store_migration(int version);
/* Prepares (once) and resets statement `which`. NULL on failure (err filled). */
sqlite3_stmt *ts__store_stmt(ts_store *s, int which, ts_err *err);
/* Fills err from the connection's last error. Returns TS_STORE (or TS_BUSY). */
ts_status ts__store_fail(ts_store *s, ts_err *err, const char *what);
/* A prepared statement for sql: the connection's cached one when it is idle, else a new
 * one (cached while there is room). Give it back with ts__store_query_done, which resets
 * a cached statement and finalizes any other. */
ts_status ts__store_query_stmt(ts_store *s, const char *sql, sqlite3_stmt **out, ts_err *err,
                               const char *what) TS_MUST_CHECK;
void ts__store_query_done(ts_store *s, sqlite3_stmt *st);
/* Steps a statement that returns no rows (or ignores them) and resets it. */
ts_status ts__store_step_done(ts_store *s, sqlite3_stmt *st, ts_err *err, const char *what);
/* The history a rewind reads (schema 9: the store's writes keep it, not triggers). Keeps
 * the list row (the mark) of person that a write is about to change in lists_past
 * (marks_past), tagged with the newest run id; insert = the write may create the row, so
 * that a missing one is kept as present = 0. Every write of list_members (marks) calls it
 * first, in the write's transaction. */
/* Rows a batched append statement writes (ST_LEDGER_PUT_N, ST_TRANSITION_PUT_N). */
enum { TS__STORE_PUT_N = 16 };
/* Whether ts_store_put_list deletes row instead of writing it (colour 0, no override). */
bool ts__store_list_row_removes(const ts_list_row *row);
ts_status ts__store_keep_list(ts_store *s, const char *person, bool insert, ts_err *err);
ts_status ts__store_keep_mark(ts_store *s, const char *person, bool insert, ts_err *err);
/* UTC now as "YYYY-MM-DDTHH:MM:SSZ". */
void ts__store_timestamp(char buf[21]);

/* Canonical event blobs: newest first, then type, then note; duplicates removed. */
typedef struct ts_evlist {
    ts_event *ev;
    size_t n, cap;
} ts_evlist;
/* Decodes a blob into list (appending; strings from arena). TS_INVALID on corruption. */
ts_status ts__events_decode(const unsigned char *blob, size_t len, ts_arena *arena,
                            ts_evlist *list);
/* Sorts canonically and removes duplicates in place. */
void ts__events_canon(ts_evlist *list);
/* Encodes into a malloc'd blob. */
ts_status ts__events_encode(const ts_evlist *list, unsigned char **out, size_t *len);

#endif
