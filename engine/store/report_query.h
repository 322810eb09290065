/* store/report_query.h — the SQL behind `triscreen report` (not API): counts per group
 * cell of persons, suspects, list members, due reviews and alerts, the hours each
 * closed alert took, and the list counts as they stood after past runs. Only
 * engine/lists/report.c includes it.
 *
 * Invariants: every query narrows by grid prefix only (NULL = all); the caller maps
 * each grid code onto the ts_grid and drops codes outside its scope. Row callbacks
 * receive strings owned by SQLite, valid only during the call; a callback that returns
 * anything but TS_OK stops the query and that status is returned. Counts are grouped
 * by the person's (or alert's) stored grid code, so a caller aggregates upwards
 * (group → village → town) itself. */
#ifndef TS_STORE_REPORT_QUERY_H
#define TS_STORE_REPORT_QUERY_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/status.h"
#include "triscreen/store.h"

/* One grouped count: `key` is NULL, a colour ("red"|"yellow"|"blue") or an alert status
 * ("new"|"acked"|"closed"), depending on the query; n2 is a second count (see each). */
typedef struct ts__rq_count {
    const char *grid, *key;
    int64_t n, n2;
} ts__rq_count;
typedef ts_status (*ts__rq_count_fn)(void *ud, const ts__rq_count *c, ts_err *err);

/* Starts one read transaction so that the queries of a report see one snapshot (WAL
 * readers never block the writer). *began is false when a transaction was already
 * open (then nothing is started); pass it to ts__rq_snapshot_end, which ends only a
 * transaction this call began. */
ts_status ts__rq_snapshot_begin(ts_store *s, bool *began, ts_err *err) TS_MUST_CHECK;
void ts__rq_snapshot_end(ts_store *s, bool began);

/* Persons per grid (key NULL, n = persons). */
ts_status ts__rq_persons(ts_store *s, const char *grid_prefix, ts__rq_count_fn fn, void *ud,
                         ts_err *err) TS_MUST_CHECK;
/* Persons marked suspect by their latest full pass, per grid (key NULL, n). */
ts_status ts__rq_suspects(ts_store *s, const char *grid_prefix, ts__rq_count_fn fn, void *ud,
                          ts_err *err) TS_MUST_CHECK;
/* Listed members (colour red, yellow or blue; 'none' overrides are not listed) per grid
 * and colour: n = members, n2 = those whose next_review is on or before now. */
ts_status ts__rq_lists(ts_store *s, const char *grid_prefix, const char *now, ts__rq_count_fn fn,
                       void *ud, ts_err *err) TS_MUST_CHECK;
/* Alerts per grid and status (key), n = alerts (one row per alert, schema 4). */
ts_status ts__rq_alerts(ts_store *s, const char *grid_prefix, ts__rq_count_fn fn, void *ud,
                        ts_err *err) TS_MUST_CHECK;

/* Per closed live alert: its grid and the hours from the alert's first raise (the
 * created time of its origin row) to its first 'closed' history entry. Alerts whose
 * times are missing or unreadable are skipped. */
typedef ts_status (*ts__rq_hours_fn)(void *ud, const char *grid, double hours, ts_err *err);
ts_status ts__rq_close_hours(ts_store *s, const char *grid_prefix, ts__rq_hours_fn fn, void *ud,
                             ts_err *err) TS_MUST_CHECK;

/* A completed run (status 'done'); summary is its JSON summary (NULL when absent). */
typedef struct ts__rq_run {
    int64_t id;
    const char *pass, *scope, *now, *summary;
} ts__rq_run;
typedef ts_status (*ts__rq_run_fn)(void *ud, const ts__rq_run *r, ts_err *err);
/* The live runs (kind 'live', schema 5) of pass regional or targeted with status 'done'
 * whose now is in [from, to] ("YYYY-MM-DD"), newest (highest id) first. */
ts_status ts__rq_live_runs(ts_store *s, const char *from, const char *to, ts__rq_run_fn fn,
                           void *ud, ts_err *err) TS_MUST_CHECK;
/* The list counts per grid and colour (key, n) as they stood after run `run`: the
 * `to` colour of each person's latest list transition with an id up to B, where B is
 * the highest id of a transition written by a run numbered <= run. Transitions carry no
 * wall-clock time, so a human transition (a review) written after the last engine
 * transition before `run` is counted from the first later run that writes one. */
ts_status ts__rq_lists_after(ts_store *s, int64_t run, const char *grid_prefix, ts__rq_count_fn fn,
                             void *ud, ts_err *err) TS_MUST_CHECK;

#endif
