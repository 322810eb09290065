/* triscreen/rewind.h — what the last screening judged, and a database turned back to the
 * moment it began (schema 8 history tables; engine/store/rewind.c). `diff --rules DIR`
 * and shadows re-run that screening over exactly its inputs on a copy of the database:
 * the persons, relations, suspect marks, list rows (with overrides) and snoozes as they
 * stood when its full pass began, at its `now`, over its scope. */
#ifndef TRISCREEN_REWIND_H
#define TRISCREEN_REWIND_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/rules_version.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

/* A screening: a finished full pass (not the service's per-record ingest runs) and the
 * regional and targeted passes run right after it with the same now, scope and pack. */
typedef struct ts_screening {
    int64_t first, last; /* run ids of its full pass and of its last pass */
    unsigned passes;     /* bit (1 << ts_pass) per pass it ran */
    char now[16];        /* "YYYY-MM-DD" */
    char scope[128];     /* "all" or a cell code */
    char rules_hash[TS_RULES_HASH_MAX];
    char started[24]; /* UTC "YYYY-MM-DDTHH:MM:SSZ" */
} ts_screening;

/* The newest screening → *out; *found false when there is none that can be rewound to
 * (none yet, or recorded before schema 8). */
ts_status ts_store_last_screening(ts_store *s, ts_screening *out, bool *found,
                                  ts_err *err) TS_MUST_CHECK;

/* Turns the database s back to the moment run `first` began, in one transaction, and
 * stops keeping history (drops the history triggers; s writes no list or mark history
 * from then on): call it on a private copy only (ts_store_copy_to), never on the live
 * database. Alerts are left as they are (a judgement's alerts are counted before
 * de-duplication against open ones). */
ts_status ts_store_rewind(ts_store *s, const ts_screening *at, ts_err *err) TS_MUST_CHECK;

/* Deletes the history no rewind can need any more: rows kept before the newest
 * screening began (all of them when there is none). Called when a screening begins, so
 * the history holds at most the changes since the screening before. */
ts_status ts_store_history_prune(ts_store *s, ts_err *err) TS_MUST_CHECK;

#endif
