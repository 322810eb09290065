/* triscreen/rule_errors.h — the read side of the rule_errors table: the errors rules
 * raised on persons, grouped by rule (`triscreen rules errors`, the last line of
 * `screen`).
 *
 * What is read: rule id, error kind (the status name stored in `code`, e.g. "TS_RULE",
 * "TS_LIMIT"), run dates and person ids. Never the stored message: a rule's message may
 * quote record values (error("bad " .. p.name)), so it stays in the database. */
#ifndef TRISCREEN_RULE_ERRORS_H
#define TRISCREEN_RULE_ERRORS_H

#include <stddef.h>
#include <stdint.h>

#include "triscreen/status.h"
#include "triscreen/store.h"

/* Which errors are read; every field is optional (NULL / 0 = no bound). */
typedef struct ts_rule_error_filter {
    const char *since;        /* "YYYY-MM-DD": runs whose `now` is on or after it */
    const char *rule;         /* one rule id */
    const char *grid_prefix;  /* persons whose stored grid starts with it (a scope cell's
                               * code); persons not stored are then left out */
    int64_t run_from, run_to; /* runs with ids in [run_from, run_to] */
} ts_rule_error_filter;

/* The errors of one rule. Strings and arrays are valid only during the callback. */
typedef struct ts_rule_error_group {
    const char *rule;
    const char *kinds;        /* the distinct error kinds joined with "," (status names) */
    int64_t errors, persons;  /* errors recorded; distinct persons */
    const char *first, *last; /* the `now` of the earliest and latest run with one */
    const char *const *ids;   /* the first n_ids person ids, ordered by id */
    size_t n_ids;             /* min(persons, max_ids) */
} ts_rule_error_group;
typedef ts_status (*ts_rule_error_group_fn)(void *ud, const ts_rule_error_group *g, ts_err *err);

/* Calls fn once per rule with errors matching f (NULL = all), ordered by rule id, with at
 * most max_ids person ids each (capped at TS_LIMIT_RULE_ERROR_IDS). A callback returning
 * anything but TS_OK stops the query with that status. TS_USAGE when f->since is not a
 * date; TS_STORE/TS_BUSY from the database, TS_NOMEM. Thread-safe for distinct stores. */
ts_status ts_store_rule_errors(ts_store *s, const ts_rule_error_filter *f, size_t max_ids,
                               ts_rule_error_group_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;

#endif
