/* triscreen/lists.h — the red/yellow/blue lists as stored: membership, transitions,
 * manual overrides from reviews, the review schedule, and the read side used by the
 * CLI and the service (lists, ledger, dossier, due).
 *
 * Stored semantics (engine/store/schema.c):
 *  - list_members: one row per listed person. `colour` is the effective colour (an
 *    active override wins), `engine_colour` what the engine last decided, `score`,
 *    `since` (date the person entered the current colour), `run` (last run that
 *    touched it), `reasons` (JSON array [{"id","evidence"}] of the fired rules behind
 *    the colour), `override_colour`/`override_until`/`override_by` (from a review;
 *    override_colour "none" keeps the person off the lists), `next_review`.
 *  - list_transitions: every change of effective colour (from/to, NULL = off the
 *    lists), with reasons, the run (NULL for a human action), the date and the actor
 *    ("engine" or the officer id).
 *  - An override holds until override_until (exclusive: on that date it has expired)
 *    or until the next review replaces it; the passes still record engine_colour.
 * Dates are "YYYY-MM-DD" (the run's `now`), never the wall clock, so runs are
 * reproducible. */
#ifndef TRISCREEN_LISTS_H
#define TRISCREEN_LISTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

typedef enum { TS_OUT_TABLE = 0, TS_OUT_JSONL, TS_OUT_CSV, TS_OUT_TEXT, TS_OUT_JSON } ts_out_format;

/* `triscreen lists`: members filtered by colour (NONE = all) and scope (NULL = all),
 * ordered red → yellow → blue, then grid, then person id. JSONL shape per DESIGN.md:
 * {"person","colour","grid","score","since","rules":[ids]}. */
ts_status ts_lists_print(ts_store *s, const ts_grid *g, ts_colour colour, const ts_cell *scope,
                         ts_out_format fmt, FILE *out, ts_err *err) TS_MUST_CHECK;

/* `triscreen ledger`: the latest full run's ledger rows in scope (suspects only when
 * asked): {"person","grid","suspect","gaps":[ids],"rules":[ids],"run"}. */
ts_status ts_ledger_print(ts_store *s, const ts_grid *g, const ts_cell *scope, bool suspects,
                          ts_out_format fmt, FILE *out, ts_err *err) TS_MUST_CHECK;

/* `triscreen dossier`: record, events, ledger history, list history with reasons, the
 * circle (depth 1 and 2, each with relation and colour), reviews, alerts. TEXT or
 * JSON. TS_NOTFOUND for an unknown person. */
ts_status ts_dossier_print(ts_store *s, const ts_grid *g, const char *person_id, ts_out_format fmt,
                           FILE *out, ts_err *err) TS_MUST_CHECK;
/* The dossier as `reader` may see it (NULL = unscoped, as ts_dossier_print; see
 * ts_reader): the record's relations, the circle (and links through it) keep only the
 * persons the reader may see — "circle_outside_scope":{"relatives","highest"} counts the
 * others when reader->reveal is TS_REVEAL_COUNT — and every evidence and alert headline
 * is rendered for the reader from its stored parts. The caller checks that the reader
 * may see the person itself. */
ts_status ts_dossier_print_for(ts_store *s, const ts_grid *g, const char *person_id,
                               const ts_reader *reader, ts_out_format fmt, FILE *out,
                               ts_err *err) TS_MUST_CHECK;

/* ts_review_outcome (confirm, lower, raise, clear): triscreen/vocab.h. */

typedef struct ts_review {
    const char *person;
    const char *by; /* officer id */
    ts_review_outcome outcome;
    ts_colour colour;       /* lower/raise: the new colour (required); clear: NONE */
    const char *until;      /* "YYYY-MM-DD" or NULL: override held until then */
    const char *note;       /* required, non-empty */
    const char *now;        /* "YYYY-MM-DD" */
    const int *review_days; /* [red, yellow, blue] from the config */
} ts_review;

/* Records a review in one transaction: the review row, an audit entry, the override
 * (lower/raise/clear; confirm removes any override), a transition when the effective
 * colour changes (actor = by), and the next review date (now + review_days of the new
 * colour; none when off the lists). Errors: TS_NOTFOUND (person not listed and
 * outcome is not raise), TS_INVALID (lower to a colour not lower, raise to one not
 * higher, missing note/colour). */
ts_status ts_lists_review(ts_store *s, const ts_review *r, ts_err *err) TS_MUST_CHECK;

/* `triscreen due`: listed persons in scope whose next review is on or before now,
 * oldest first: {"person","colour","grid","next_review","overdue_days"}. */
ts_status ts_lists_print_due(ts_store *s, const ts_grid *g, const ts_cell *scope, const char *now,
                             ts_out_format fmt, FILE *out, ts_err *err) TS_MUST_CHECK;

/* `triscreen report`: see triscreen/report.h (typed aggregates, rendered by the front ends). */

#endif
