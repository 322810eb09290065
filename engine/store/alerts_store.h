/* store/alerts_store.h — the SQL behind triscreen/feedback.h (not API): alert rows and
 * their causes, the open/closed look-ups of de-duplication, state changes and history,
 * the clock sweep's candidates, claim-next, the feed by cursor, statistics rows, and the
 * list/relation reads a detailed alert's headline needs. Only engine/feedback includes it.
 *
 * Row model (schema 4): one row per alert for life. alerts.cursor is the alert's id
 * number ("A-000042" = 42) and never changes; alerts.seq is its position in the feed,
 * moved to max(seq)+1 when the alert is escalated or reopened. dedup = "kind|person":
 * at most one open (not closed) alert per person and kind; alert_causes holds what
 * raised it. alert_history.alert holds the id number.
 *
 * Invariants: row callbacks receive strings owned by SQLite, valid only during the call
 * (copy what you keep); a NULL column is a NULL pointer. Writes must run inside a
 * transaction the caller holds. */
#ifndef TS_STORE_ALERTS_STORE_H
#define TS_STORE_ALERTS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/status.h"
#include "triscreen/store.h"

typedef struct ts__alert_row {
    int64_t id;  /* alerts.cursor: the id number (0 on insert) */
    int64_t seq; /* the feed position */
    const char *kind, *person, *grid;
    const char *colour;        /* NULL when none */
    const char *rules, *route; /* JSON arrays */
    const char *route_note;    /* NULL when none */
    const char *headline;      /* JSON object or NULL */
    const char *created;       /* "YYYY-MM-DDTHH:MM:SSZ" */
    int64_t run, ingest;       /* 0 = none */
    const char *rules_version; /* NULL when none */
    /* read only: the deploy note and deployer of the stored version rules_version names
     * (rules deploy); NULL when that pack was never deployed as a version */
    const char *rules_note, *rules_by;
    const char *status, *dedup;
    int level;             /* escalations so far */
    int target_level;      /* 3 group, 2 village, 1 town, 0 county desk */
    const char *escalated; /* the last escalation, NULL when never */
    const char *due;       /* the clock's next deadline, NULL when closed */
    const char *claimed_by, *claimed_at, *acked_at, *closed_at, *outcome;
    int64_t reopens; /* id number of the closed alert this one reopens; 0 = none */
    const char *event_type, *event_date, *event_text;
    int acked_in_time; /* -1 unknown/not acknowledged, 0 late, 1 in time */
} ts__alert_row;

/* A row callback: set *stop to end the iteration early (TS_OK is then returned). */
typedef ts_status (*ts__alert_row_fn)(void *ud, const ts__alert_row *r, bool *stop, ts_err *err);

/* Prepared statements for one connection, kept across calls (the hot path of a pass
 * raises one alert per person). Close it before or after the store: the connection
 * is closed with sqlite3_close_v2, which waits for these statements. */
typedef struct ts__alert_db ts__alert_db;
ts_status ts__alert_db_open(ts_store *s, ts__alert_db **out, ts_err *err) TS_MUST_CHECK;
void ts__alert_db_close(ts__alert_db *d);
/* True when d was opened on s (and s's connection is the same). */
bool ts__alert_db_is_for(const ts__alert_db *d, const ts_store *s);
/* True when the connection has an open transaction (ts_store_begin). */
bool ts__alerts_in_tx(const ts_store *s);

/* The newest open alert of person and kind (fn not called when none): what the dedup
 * key kind|person names, read through alerts_person. */
ts_status ts__alert_db_open_of(ts__alert_db *d, const char *person, const char *kind,
                               ts__alert_row_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;
/* The newest closed alert of person and kind (fn not called when none). */
ts_status ts__alert_db_closed_of(ts__alert_db *d, const char *person, const char *kind,
                                 ts__alert_row_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;
/* The alert a new trigger of kind for person meets, in one walk of the person's alerts
 * (newest first): the newest open one (*open true), else the newest closed one (fn not
 * called when the person has no alert of that kind). dedup is always kind|person, so this
 * answers what open_of(kind|person) and then closed_of(person, kind) answer. */
ts_status ts__alert_db_prior(ts__alert_db *d, const char *person, const char *kind, bool *open,
                             ts__alert_row_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;
/* Adds the n causes to the new alert id, in one statement a few at a time. */
ts_status ts__alert_db_causes_add(ts__alert_db *d, int64_t id, const char *const *causes, size_t n,
                                  ts_err *err) TS_MUST_CHECK;
/* (ids[i], causes[i]) for i < n, as n single adds would store them, 16 a statement. */
ts_status ts__alert_db_cause_pairs(ts__alert_db *d, const int64_t *ids, const char *const *causes,
                                   size_t n, ts_err *err) TS_MUST_CHECK;
/* Adds cause to alert id; *added true when it was not there yet (added may be NULL). */
ts_status ts__alert_db_cause_add(ts__alert_db *d, int64_t id, const char *cause, bool *added,
                                 ts_err *err) TS_MUST_CHECK;
/* True in *has when alert id has cause. */
ts_status ts__alert_db_cause_has(ts__alert_db *d, int64_t id, const char *cause, bool *has,
                                 ts_err *err) TS_MUST_CHECK;
/* Adds every cause of alert `from` to alert `to` (a reopening knows what the closed alert
 * knew). */
ts_status ts__alert_db_causes_copy(ts__alert_db *d, int64_t from, int64_t to,
                                   ts_err *err) TS_MUST_CHECK;
/* Inserts r as a new alert at the head of the feed (r->id, r->seq ignored); *id receives
 * its id number. */
ts_status ts__alert_db_insert(ts__alert_db *d, const ts__alert_row *r, int64_t *id,
                              ts_err *err) TS_MUST_CHECK;
/* New evidence on an open alert: its rules JSON, colour and headline (NULL: unchanged). */
ts_status ts__alert_db_set_evidence(ts__alert_db *d, int64_t id, const char *rules,
                                    const char *colour, const char *headline,
                                    ts_err *err) TS_MUST_CHECK;
/* Writes the lifecycle columns of r (status, claimed_by, claimed_at, acked_at, closed_at,
 * outcome, due, acked_in_time) to alert r->id; with move, the alert also goes to the
 * head of the feed. */
ts_status ts__alert_db_set_state(ts__alert_db *d, const ts__alert_row *r, bool move,
                                 ts_err *err) TS_MUST_CHECK;
/* Escalation: writes level, target_level, route, route_note, escalated and due of r to
 * alert r->id and moves it to the head of the feed. */
ts_status ts__alert_db_set_level(ts__alert_db *d, const ts__alert_row *r,
                                 ts_err *err) TS_MUST_CHECK;
/* Appends a history event for the alert with id number `id` (token may be NULL). */
ts_status ts__alert_db_history(ts__alert_db *d, int64_t id, const char *what, const char *by,
                               const char *token, const char *at, const char *note,
                               ts_err *err) TS_MUST_CHECK;
/* The alert with id number id (fn is not called when absent). */
ts_status ts__alert_db_get(ts__alert_db *d, int64_t id, ts__alert_row_fn fn, void *ud,
                           ts_err *err) TS_MUST_CHECK;
/* Open alerts below the county desk whose deadline is at or before `at`, earliest
 * first, at most limit (the partial index alerts_due). */
ts_status ts__alert_db_overdue(ts__alert_db *d, const char *at, size_t limit, ts__alert_row_fn fn,
                               void *ud, ts_err *err) TS_MUST_CHECK;
/* claim-next's candidate: the "new" alert with the earliest deadline, then the oldest,
 * of a person in cells (a JSON array of codes; NULL = anywhere) and of kind (NULL =
 * any); fn not called when none. */
ts_status ts__alert_db_next_new(ts__alert_db *d, const char *cells, const char *kind,
                                ts__alert_row_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;
/* The person's list colour ("red"|"yellow"|"blue"), or NULL in *colour when not listed
 * (copied into buf of cap bytes). */
ts_status ts__alert_db_colour(ts__alert_db *d, const char *person, char *buf, size_t cap,
                              bool *listed, ts_err *err) TS_MUST_CHECK;
/* The person's list_members row: colour, score, next_review and reasons (NULL strings
 * when absent); fn is not called when the person is not on the lists table. */
typedef ts_status (*ts__alert_member_fn)(void *ud, const char *colour, int64_t score,
                                         const char *next_review, const char *reasons, ts_err *err);
ts_status ts__alert_db_member(ts__alert_db *d, const char *person, ts__alert_member_fn fn, void *ud,
                              ts_err *err) TS_MUST_CHECK;
/* Each direct relation: id, kind, the colour circle rules see (NULL off the lists), the
 * person's group cell (NULL when not stored), ordered by other id and kind. */
typedef ts_status (*ts__alert_circle_fn)(void *ud, const char *other, const char *kind,
                                         const char *colour, const char *grid, ts_err *err);
ts_status ts__alert_db_circle(ts__alert_db *d, const char *person, ts__alert_circle_fn fn, void *ud,
                              ts_err *err) TS_MUST_CHECK;

/* ---- reading (any connection) ------------------------------------------------------ */

typedef struct ts__alert_query {
    int64_t since;             /* seq > since */
    const char *kind;          /* NULL = any */
    const char *status;        /* NULL = any; "open" = any but closed */
    const char *officer;       /* NULL = any; else in the route or the claimer */
    const char *cells;         /* NULL = any; else a JSON array of the cell codes in scope */
    const char *created_since; /* NULL = any; else created >= this timestamp */
    size_t limit;              /* 0 = none */
    int64_t before;            /* 0 = any; else seq < before */
    bool newest;               /* seq descending */
} ts__alert_query;
/* Rows in feed (seq) order (descending when newest), in one statement (one consistent snapshot). */
ts_status ts__alerts_query(ts_store *s, const ts__alert_query *q, ts__alert_row_fn fn, void *ud,
                           ts_err *err) TS_MUST_CHECK;
/* The alert with id number id, on any connection (fn not called when absent). */
ts_status ts__alerts_get(ts_store *s, int64_t id, ts__alert_row_fn fn, void *ud,
                         ts_err *err) TS_MUST_CHECK;
/* coalesce(max(seq), 0). */
ts_status ts__alerts_max(ts_store *s, int64_t *out, ts_err *err) TS_MUST_CHECK;
/* The history of alert id in order: at, what, by, token (NULL), note. */
typedef ts_status (*ts__alert_hist_fn)(void *ud, const char *at, const char *what, const char *by,
                                       const char *token, const char *note, ts_err *err);
ts_status ts__alerts_history(ts_store *s, int64_t id, ts__alert_hist_fn fn, void *ud,
                             ts_err *err) TS_MUST_CHECK;
/* Every alert (in cells, a JSON array, or all when NULL) with the columns statistics
 * need, in id order. */
typedef struct ts__alert_stat_row {
    const char *kind, *grid, *status, *created, *acked_at, *closed_at, *due;
    int target_level, acked_in_time;
} ts__alert_stat_row;
typedef ts_status (*ts__alert_stat_fn)(void *ud, const ts__alert_stat_row *r, ts_err *err);
ts_status ts__alerts_stat_rows(ts_store *s, const char *cells, ts__alert_stat_fn fn, void *ud,
                               ts_err *err) TS_MUST_CHECK;

#endif
