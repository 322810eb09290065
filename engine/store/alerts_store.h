/* store/alerts_store.h — the SQL behind triscreen/feedback.h (not API): alert rows,
 * de-duplication look-ups, status history, the feed by cursor, escalation candidates,
 * and the list/relation reads a detailed alert's headline needs. Only engine/feedback
 * includes it.
 *
 * Row model (migration 2): every raise and every escalation is one alerts row with its
 * own cursor. The first row of an alert has origin NULL and its cursor is the alert's
 * id number ("A-000042" = 42); an escalation inserts a new row with origin = that id
 * number and marks the previous row status 'superseded'. So the live row of an alert
 * is the row with the highest cursor among {cursor = id} ∪ {origin = id}, and
 * alert_history.alert always holds the id number.
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
    int64_t cursor;
    int64_t id; /* the alert's id number: coalesce(origin, cursor); 0 on insert = new alert */
    const char *kind, *person, *grid;
    const char *colour;        /* NULL when none */
    const char *rules, *route; /* JSON arrays */
    const char *route_note;    /* NULL when none */
    const char *headline;      /* JSON object or NULL */
    const char *created;       /* "YYYY-MM-DDTHH:MM:SSZ" */
    int64_t run;               /* 0 = none */
    const char *rules_version; /* NULL when none */
    const char *status, *dedup;
    int level;
    const char *escalated; /* NULL unless an escalation row */
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

/* True in *open when an alert with this dedup key is neither closed nor superseded. */
ts_status ts__alert_db_dup_open(ts__alert_db *d, const char *dedup, bool *open,
                                ts_err *err) TS_MUST_CHECK;
/* Inserts r (r->cursor ignored; r->id 0 = a new alert, else the id it escalates);
 * *cursor receives the new row's cursor. */
ts_status ts__alert_db_insert(ts__alert_db *d, const ts__alert_row *r, int64_t *cursor,
                              ts_err *err) TS_MUST_CHECK;
/* Sets the status of the row `cursor`. */
ts_status ts__alert_db_set_status(ts__alert_db *d, int64_t cursor, const char *status,
                                  ts_err *err) TS_MUST_CHECK;
/* Appends a status history row for the alert with id number `id`. */
ts_status ts__alert_db_history(ts__alert_db *d, int64_t id, const char *status, const char *by,
                               const char *at, const char *note, ts_err *err) TS_MUST_CHECK;
/* The row `cursor` (fn is not called when absent). */
ts_status ts__alert_db_get(ts__alert_db *d, int64_t cursor, ts__alert_row_fn fn, void *ud,
                           ts_err *err) TS_MUST_CHECK;
/* The live row of the alert that row `n` belongs to (n may be the id number or the
 * cursor of any of its rows); fn is not called when there is no row n. */
ts_status ts__alert_db_live(ts__alert_db *d, int64_t n, ts__alert_row_fn fn, void *ud,
                            ts_err *err) TS_MUST_CHECK;
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
/* The person's related persons (relations are stored once per unordered pair), with
 * their list colour (NULL when not listed), ordered by other id and kind. */
/* Each direct relation: id, kind, the colour circle rules see (NULL off the lists), the
 * person's group cell (NULL when not stored). */
typedef ts_status (*ts__alert_circle_fn)(void *ud, const char *other, const char *kind,
                                         const char *colour, const char *grid, ts_err *err);
ts_status ts__alert_db_circle(ts__alert_db *d, const char *person, ts__alert_circle_fn fn, void *ud,
                              ts_err *err) TS_MUST_CHECK;
/* Quick alerts with status 'new' whose coalesce(escalated, created) <= cutoff, in no
 * particular order (uses the partial index alerts_quick_due; sort what you collect). */
ts_status ts__alert_db_due(ts__alert_db *d, const char *cutoff, ts__alert_row_fn fn, void *ud,
                           ts_err *err) TS_MUST_CHECK;

/* ---- the feed ---------------------------------------------------------------------- */

typedef struct ts__alert_query {
    int64_t since;       /* cursor > since */
    const char *kind;    /* NULL = any */
    const char *status;  /* NULL = any */
    const char *officer; /* NULL = any; else must be in the route */
    const char *cells;   /* NULL = any; else a JSON array of the cell codes in scope */
} ts__alert_query;
/* Rows in cursor order, in one statement (one consistent snapshot). */
ts_status ts__alerts_query(ts_store *s, const ts__alert_query *q, ts__alert_row_fn fn, void *ud,
                           ts_err *err) TS_MUST_CHECK;
/* coalesce(max(cursor), 0). */
ts_status ts__alerts_max(ts_store *s, int64_t *out, ts_err *err) TS_MUST_CHECK;

/* Every live alert (status not superseded) with the first ack and close times from the
 * history (NULL when none). */
typedef ts_status (*ts__alert_stat_fn)(void *ud, const char *kind, const char *grid,
                                       const char *status, const char *created, const char *acked,
                                       const char *closed, ts_err *err);
ts_status ts__alerts_stat_rows(ts_store *s, ts__alert_stat_fn fn, void *ud,
                               ts_err *err) TS_MUST_CHECK;

#endif
