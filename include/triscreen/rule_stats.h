/* triscreen/rule_stats.h — rule effectiveness from what the store keeps (`triscreen rules
 * stats`): per rule id, the persons it fired for, how many of them reached a list and
 * were confirmed or cleared at a review afterwards, the alerts it caused and how many of
 * those closed as false positives, and the day it last fired. Keyed by rule id only
 * (never by pack version), counts and dates only: no record contents.
 *
 * Where firings are stored: full-pass rules in the ledger (rules and gaps of every
 * person screened); regional and targeted rules only for listed persons, in
 * list_members.reasons / regional_reasons and list_transitions.reasons (the store keeps
 * no per-person row for a person a regional pass left off the lists). The run summaries
 * (runs.summary "fired") count every firing, listed or not, without persons: they give
 * `firings` and take part in `last_fired`. Only live, completed runs count; a day is
 * the run's `now`, an alert's day is its run's now (else the date it was created).
 * Thread-safe for distinct stores. */
#ifndef TRISCREEN_RULE_STATS_H
#define TRISCREEN_RULE_STATS_H

#include <stdint.h>

#include "triscreen/status.h"
#include "triscreen/store.h"

typedef struct ts_rule_stat {
    const char *rule;       /* rule id */
    int64_t persons;        /* distinct persons it fired for on or after `since` */
    int64_t listed;         /* of those: on a list then (entered on/after the first firing,
                             * or listed now) */
    int64_t confirmed;      /* of those: a review `confirm` on/after the first firing */
    int64_t cleared;        /* of those: a review `clear` on/after the first firing */
    int64_t firings;        /* firings counted by the run summaries on or after `since` */
    int64_t alerts;         /* alerts on or after `since` with cause "rule:ID" */
    int64_t false_positive; /* of those: closed with outcome false_positive */
    const char *last_fired; /* "YYYY-MM-DD" of the latest firing ever; NULL = never */
} ts_rule_stat;
typedef ts_status (*ts_rule_stat_fn)(void *ud, const ts_rule_stat *r, ts_err *err);

/* Calls fn once per rule id the store has any firing or alert cause for, ordered by id.
 * since: "YYYY-MM-DD" or NULL (all time). Strings are valid only during the call. A
 * callback's status other than TS_OK stops the query and is returned. TS_STORE/TS_BUSY
 * from the database, TS_NOMEM. One SQL statement: one snapshot of the database. */
ts_status ts_store_rule_stats(ts_store *s, const char *since, ts_rule_stat_fn fn, void *ud,
                              ts_err *err) TS_MUST_CHECK;

#endif
