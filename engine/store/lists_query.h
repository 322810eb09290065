/* store/lists_query.h — the SQL behind triscreen/lists.h (not API): the read side of
 * the lists, the ledger, the review schedule and the dossier, and the writes of a
 * review. Only engine/lists includes it.
 *
 * Invariants: row callbacks receive strings owned by SQLite, valid only during the
 * call (copy what you keep); a NULL column is a NULL pointer; a callback that returns
 * anything but TS_OK stops the query and that status is returned. Queries prepare
 * their own statements, so a callback may run another query (nesting is allowed).
 * Colours are stored as text ("red", "yellow", "blue"; "none" or NULL = off). */
#ifndef TS_STORE_LISTS_QUERY_H
#define TS_STORE_LISTS_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

/* ---- list members ------------------------------------------------------------------- */

typedef struct ts__lq_member {
    const char *person, *grid; /* grid from persons; NULL when the person is not stored */
    const char *colour, *since, *reasons, *engine_colour;
    const char *override_colour, *override_until, *override_by, *next_review;
    int64_t score, run;
} ts__lq_member;
typedef ts_status (*ts__lq_member_fn)(void *ud, const ts__lq_member *m, ts_err *err);

/* Scopes: scope_cells is a JSON array text of the codes of every cell in scope (the scope
 * cells and all cells under them; triscreen/lists.h builds it from the grid), bound into
 * the SQL so a row outside it is never read; NULL = no scope (everything, including
 * persons not stored). */

/* Listed members (colour red, yellow or blue), only `colour` when non-NULL, only persons
 * in scope_cells; ordered red → yellow → blue, grid, person. */
ts_status ts__lq_members(ts_store *s, const char *colour, const char *scope_cells,
                         ts__lq_member_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;
/* Listed members whose next_review is on or before now, in scope_cells; ordered
 * next_review, grid, person. */
ts_status ts__lq_due(ts_store *s, const char *now, const char *scope_cells, ts__lq_member_fn fn,
                     void *ud, ts_err *err) TS_MUST_CHECK;
/* The list_members row of person, whatever its colour, copied into arena; *found false
 * (and *out untouched) when there is none. */
ts_status ts__lq_member_get(ts_store *s, const char *person, ts_arena *arena, ts__lq_member *out,
                            bool *found, ts_err *err) TS_MUST_CHECK;

/* ---- near-miss candidates ------------------------------------------------------------ */

/* A person a regional pass judged: a list row the engine wrote (scored: its engine colour
 * and score as the last regional/targeted pass left them), or a suspect (marks) with no
 * list row (not scored: the store keeps no score for a person left off the lists). */
typedef struct ts__lq_near {
    const char *person, *grid;
    const char *engine_colour; /* scored rows: engine_colour, else colour; NULL = none */
    const char *reasons;       /* scored rows: the reasons JSON; else NULL */
    int64_t score;             /* scored rows only, else 0 */
    bool scored;
} ts__lq_near;
typedef ts_status (*ts__lq_near_fn)(void *ud, const ts__lq_near *n, ts_err *err);
/* Every candidate in scope_cells, ordered grid, person. */
ts_status ts__lq_near_candidates(ts_store *s, const char *scope_cells, ts__lq_near_fn fn, void *ud,
                                 ts_err *err) TS_MUST_CHECK;

/* ---- review writes (call inside a transaction) --------------------------------------- */

/* The columns a review sets. NULL strings are stored as NULL. */
typedef struct ts__lq_member_set {
    const char *person, *colour, *since, *next_review;
    const char *override_colour, *override_until, *override_by;
} ts__lq_member_set;
/* Updates the review columns of an existing row (other columns are left alone). */
ts_status ts__lq_member_update(ts_store *s, const ts__lq_member_set *m, ts_err *err) TS_MUST_CHECK;
/* Inserts a row for a person the engine never listed: score 0, run 0, reasons "[]",
 * engine_colour NULL. */
ts_status ts__lq_member_insert(ts_store *s, const ts__lq_member_set *m, ts_err *err) TS_MUST_CHECK;
ts_status ts__lq_member_delete(ts_store *s, const char *person, ts_err *err) TS_MUST_CHECK;
/* Appends a human transition (run NULL). from/to NULL = off the lists. */
ts_status ts__lq_transition_add(ts_store *s, const char *person, const char *from, const char *to,
                                int64_t score, const char *reasons_json, const char *at,
                                const char *actor, ts_err *err) TS_MUST_CHECK;
/* Appends a review row; `at` is the wall-clock timestamp (UTC). */
ts_status ts__lq_review_add(ts_store *s, const char *person, const char *by, const char *outcome,
                            const char *colour, const char *until, const char *note,
                            const char *now, ts_err *err) TS_MUST_CHECK;
/* *exists true when a person record with id is stored. */
ts_status ts__lq_person_exists(ts_store *s, const char *id, bool *exists,
                               ts_err *err) TS_MUST_CHECK;

/* ---- ledger --------------------------------------------------------------------------- */

typedef struct ts__lq_ledger {
    const char *person, *grid, *gaps, *rules; /* gaps, rules: JSON arrays */
    const char *now;                          /* the run's `now` */
    bool suspect;
    int64_t run;
} ts__lq_ledger;
typedef ts_status (*ts__lq_ledger_fn)(void *ud, const ts__lq_ledger *l, ts_err *err);

/* Per person, the ledger row of the latest full run (highest run among runs with
 * pass 'full' and status 'done') in scope_cells; only suspects when asked; ordered
 * grid, person. */
ts_status ts__lq_ledger_latest(ts_store *s, const char *scope_cells, bool suspects,
                               ts__lq_ledger_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;
/* Every ledger row of person from completed runs, oldest run first. */
ts_status ts__lq_ledger_of(ts_store *s, const char *person, ts__lq_ledger_fn fn, void *ud,
                           ts_err *err) TS_MUST_CHECK;

/* The latest suspect mark: *suspect -1 when never marked, else 0/1; *run its run. */
ts_status ts__lq_mark_get(ts_store *s, const char *person, int *suspect, int64_t *run,
                          ts_err *err) TS_MUST_CHECK;

/* ---- dossier history ------------------------------------------------------------------ */

typedef struct ts__lq_transition {
    int64_t id, run, score; /* run 0 = a human action; score -1 when NULL */
    const char *from, *to, *reasons, *at, *actor;
} ts__lq_transition;
typedef ts_status (*ts__lq_transition_fn)(void *ud, const ts__lq_transition *t, ts_err *err);
/* The list transitions of person, in order. */
ts_status ts__lq_transitions_of(ts_store *s, const char *person, ts__lq_transition_fn fn, void *ud,
                                ts_err *err) TS_MUST_CHECK;

typedef struct ts__lq_review {
    int64_t id;
    const char *by, *outcome, *colour, *until, *note, *at, *now;
} ts__lq_review;
typedef ts_status (*ts__lq_review_fn)(void *ud, const ts__lq_review *r, ts_err *err);
ts_status ts__lq_reviews_of(ts_store *s, const char *person, ts__lq_review_fn fn, void *ud,
                            ts_err *err) TS_MUST_CHECK;

typedef struct ts__lq_alert {
    int64_t cursor, run; /* run 0 when NULL */
    const char *kind, *grid, *colour, *rules, *route, *headline, *created, *status;
    const char *rules_version;
} ts__lq_alert;
typedef ts_status (*ts__lq_alert_fn)(void *ud, const ts__lq_alert *a, ts_err *err);
ts_status ts__lq_alerts_of(ts_store *s, const char *person, ts__lq_alert_fn fn, void *ud,
                           ts_err *err) TS_MUST_CHECK;

typedef struct ts__lq_alert_event {
    const char *status, *by, *at, *note;
} ts__lq_alert_event;
typedef ts_status (*ts__lq_alert_event_fn)(void *ud, const ts__lq_alert_event *e, ts_err *err);
ts_status ts__lq_alert_history(ts_store *s, int64_t cursor, ts__lq_alert_event_fn fn, void *ud,
                               ts_err *err) TS_MUST_CHECK;

/* ---- circle ----------------------------------------------------------------------------- */

/* One visible row of a circle: a related person (distance 1) or a relation of one
 * (distance 2, through `via`), one row per relation kind. */
typedef struct ts__lq_circle_row {
    int distance;
    const char *via;  /* the depth-1 person (distance 2), else NULL */
    bool via_visible; /* the reader may see via */
    const char *other, *kind;
    bool stored;             /* false: the related person is not imported (pending) */
    const char *name, *grid; /* NULL when pending */
    const char *colour;      /* list_members.colour red/yellow/blue; NULL when not listed */
} ts__lq_circle_row;
typedef ts_status (*ts__lq_circle_fn)(void *ud, const ts__lq_circle_row *r, ts_err *err);

/* The circle of person for a reader whose cells are reader_cells (as for the lists; NULL =
 * unscoped): depth 1 (its relations in both directions, the first `cap` persons by id)
 * and depth 2 (their relations without the person and the depth-1 persons, the first
 * `cap` rows by via, other, kind; each person once, through its first depth-1 person
 * by id). Only persons the reader may see are returned, ordered distance, other, kind;
 * a pending person is seen only by an unscoped reader. */
ts_status ts__lq_circle(ts_store *s, const char *person, const char *reader_cells, size_t cap,
                        ts__lq_circle_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;
/* The members of that circle the reader may not see, counted in SQL: how many and the
 * highest colour among them (0 none, 1 blue, 2 yellow, 3 red). */
ts_status ts__lq_circle_outside(ts_store *s, const char *person, const char *reader_cells,
                                size_t cap, int64_t *relatives, int *highest,
                                ts_err *err) TS_MUST_CHECK;
/* *truncated true when either depth of the circle had more than cap persons (rows). */
ts_status ts__lq_circle_truncated(ts_store *s, const char *person, size_t cap, bool *truncated,
                                  ts_err *err) TS_MUST_CHECK;
/* *visible true when a person id is stored and reader_cells (NULL = all) covers its cell. */
ts_status ts__lq_person_visible(ts_store *s, const char *id, const char *reader_cells,
                                bool *visible, ts_err *err) TS_MUST_CHECK;

#endif
