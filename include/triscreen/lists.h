/* triscreen/lists.h — the red/yellow/blue lists as stored: membership, transitions,
 * manual overrides from reviews, the review schedule, and the read side used by the
 * CLI and the service (typed queries for lists, ledger, dossier, due).
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

#include "triscreen/arena.h"
#include "triscreen/decide.h"
#include "triscreen/grid.h"
#include "triscreen/record.h"
#include "triscreen/rulehost.h"
#include "triscreen/snooze.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

typedef enum { TS_OUT_TABLE = 0, TS_OUT_JSONL, TS_OUT_CSV, TS_OUT_TEXT, TS_OUT_JSON } ts_out_format;

/* ---- the read side: typed queries ----------------------------------------------------
 *
 * Queries return typed rows; nothing here prints (the renderers are engine/render, used by
 * the CLI and the service). Scope is part of the SQL: a query takes the reader's scope
 * (a ts_cell for the lists, a ts_reader for the dossier) and the database returns only
 * rows of persons whose group cell lies in it, so an out-of-scope row is never read.
 * Row callbacks receive rows whose strings and arrays are valid only during the call
 * (copy what you keep); a callback returning anything but TS_OK stops the query and its
 * status is returned. Borrowed parameters. TS_STORE/TS_BUSY from the database,
 * TS_NOMEM. Thread-safe for distinct stores. */

/* A fired rule behind a colour, with its evidence as the reader may read it (stored
 * evidence parts naming a person outside the reader's scope are rendered as
 * TS_REDACT_OUTSIDE text, or the evidence withheld, see ts_reader). */
typedef struct ts_reason {
    const char *id;       /* NULL when the stored reason has none */
    const char *evidence; /* NULL when the stored reason has none */
    bool bare;            /* stored as a bare id string: id only */
    int64_t snoozed;      /* ledger: the snooze that silenced the rule (S-N), 0 = none */
} ts_reason;

/* One list member (`triscreen lists`). */
typedef struct ts_list_entry {
    const char *person;
    ts_colour colour; /* red, yellow or blue */
    const char *grid; /* NULL when the person record is not stored */
    int64_t score;
    const char *since, *next_review; /* "YYYY-MM-DD"; NULL when none */
    const char *override_colour;     /* NULL = no override; "none" = kept off the lists */
    const char *override_by;
    const ts_reason *rules; /* the stored reasons, unredacted (ids are what is shown) */
    size_t n_rules;
} ts_list_entry;
typedef ts_status (*ts_list_entry_fn)(void *ud, const ts_list_entry *e, ts_err *err);

/* Members of the lists, only `colour` (NONE = all), only persons in scope (NULL = all,
 * including members whose record is not stored), ordered red → yellow → blue, then
 * grid, then person id. */
ts_status ts_lists_query(ts_store *s, const ts_grid *g, ts_colour colour, const ts_cell *scope,
                         ts_list_entry_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;

/* One ledger row of the latest full run (`triscreen ledger`). */
typedef struct ts_ledger_entry {
    const char *person, *grid;
    bool suspect;
    int64_t run;
    const char *const *gaps; /* ids of the gaps */
    size_t n_gaps;
    const ts_reason *rules; /* unredacted */
    size_t n_rules;
} ts_ledger_entry;
typedef ts_status (*ts_ledger_entry_fn)(void *ud, const ts_ledger_entry *e, ts_err *err);

/* Per person in scope, the ledger row of the latest full run with status done (only
 * suspects when asked), ordered grid, person id. */
ts_status ts_ledger_query(ts_store *s, const ts_grid *g, const ts_cell *scope, bool suspects,
                          ts_ledger_entry_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;

/* One review that is due (`triscreen due`). */
typedef struct ts_due_entry {
    const char *person;
    ts_colour colour;
    const char *grid; /* NULL when the person record is not stored */
    const char *next_review;
    int64_t overdue_days; /* now - next_review */
} ts_due_entry;
typedef ts_status (*ts_due_entry_fn)(void *ud, const ts_due_entry *e, ts_err *err);

/* Listed persons in scope whose next review is on or before now ("YYYY-MM-DD", else
 * TS_USAGE), oldest first, then grid, then person id. */
ts_status ts_due_query(ts_store *s, const ts_grid *g, const ts_cell *scope, const char *now,
                       ts_due_entry_fn fn, void *ud, ts_err *err) TS_MUST_CHECK;

/* ---- the dossier ------------------------------------------------------------------------ */

typedef struct ts_dossier_list {
    const char *colour;        /* effective colour; NULL when off the lists */
    const char *engine_colour; /* NULL when the engine decided none */
    int64_t score, run;        /* run 0 = none */
    const char *since, *next_review;
    const char *override_colour; /* NULL = no override */
    const char *override_until, *override_by;
    const ts_reason *reasons;
    size_t n_reasons;
} ts_dossier_list;

typedef struct ts_dossier_ledger {
    int64_t run;
    const char *now, *grid;
    bool suspect;
    const char *const *gaps;
    size_t n_gaps;
    const ts_reason *rules;
    size_t n_rules;
} ts_dossier_ledger;

typedef struct ts_dossier_change {
    const char *at;
    int64_t run;           /* 0 = a human action */
    const char *from, *to; /* NULL = off the lists */
    int64_t score;         /* -1 when none */
    const char *actor;
    const ts_reason *reasons;
    size_t n_reasons;
} ts_dossier_change;

typedef struct ts_dossier_relative {
    const char *person;
    int distance;         /* 1 or 2 */
    const char *relation; /* the relation kinds joined with "," */
    const char *via;      /* distance 2: the depth-1 person, NULL when the reader may not see it */
    bool pending;         /* not imported: no record */
    const char *name, *grid;
    const char *colour; /* red/yellow/blue, NULL when not listed */
} ts_dossier_relative;

typedef struct ts_dossier_review {
    const char *now, *at, *by, *outcome, *colour, *until, *note;
} ts_dossier_review;

typedef struct ts_dossier_alert_event {
    const char *status, *by, *at, *note;
} ts_dossier_alert_event;

typedef struct ts_dossier_alert {
    int64_t cursor, run; /* run 0 = none */
    const char *kind, *grid, *colour;
    const char *headline; /* the headline's JSON text rendered for the reader, or NULL */
    const ts_reason *rules;
    size_t n_rules;
    const char *const *route;
    size_t n_route;
    const char *created, *status;
    const ts_dossier_alert_event *history;
    size_t n_history;
} ts_dossier_alert;

/* Everything known about one person, as one reader may see it. */
typedef struct ts_dossier {
    ts_person record;    /* with its events (as stored); relations: those the reader sees */
    const ts_cell *cell; /* the person's group cell in g, NULL when unknown */
    const char *village, *town;
    int suspect; /* latest suspect mark: -1 never screened, 0, 1 */
    int64_t suspect_run;
    const ts_dossier_list *list;  /* NULL when the person has no list row */
    const ts_snooze_row *snoozes; /* the person's snoozes active at `now`, by id */
    size_t n_snoozes;
    const ts_dossier_ledger *ledger; /* every ledger row of completed runs, oldest first */
    size_t n_ledger;
    const ts_dossier_change *history; /* list transitions, in order */
    size_t n_history;
    const ts_dossier_relative *circle; /* depth 1 then depth 2, each by person id */
    size_t n_circle;
    bool circle_truncated; /* a depth had more than TS_LIMIT_CIRCLE persons */
    bool has_outside;      /* reader->reveal is TS_REVEAL_COUNT and some are out of scope */
    int64_t outside_relatives;
    ts_colour outside_highest;
    const ts_dossier_review *reviews;
    size_t n_reviews;
    const ts_dossier_alert *alerts; /* by cursor */
    size_t n_alerts;
    /* the stored rules version (triscreen/rules_version.h) of the run behind the list row:
     * its hash, deploy note and who deployed it; NULL when none is stored for it (set by
     * the caller, e.g. `triscreen dossier`; ts_dossier_load leaves them NULL) */
    const char *rules_version, *rules_note, *rules_by;
} ts_dossier;

/* Loads the dossier of person_id for `reader` (NULL = unscoped, the county desk) into
 * arena (everything in *out lives there; the caller releases the arena; g must outlive
 * *out). For a scoped reader the record's relations and the circle keep only the persons
 * the reader may see, selected in SQL; the others of the circle are counted in SQL (count
 * and highest colour, has_outside) when reader->reveal is TS_REVEAL_COUNT and not at all
 * for TS_REVEAL_NONE; every evidence and alert headline is rendered for the reader from
 * its stored parts. The caller checks that the reader may see the person itself.
 * TS_USAGE for an empty id, TS_NOTFOUND for an unknown person. */
ts_status ts_dossier_load(ts_store *s, const ts_grid *g, const char *person_id,
                          const ts_reader *reader, ts_arena *arena, ts_dossier *out,
                          ts_err *err) TS_MUST_CHECK;

/* Fills d->snoozes with the person's snoozes active on day now ("YYYY-MM-DD"), copied into
 * arena (ts_dossier_load leaves none: it has no clock). Call after ts_dossier_load with
 * the same arena. Database failures: their status; TS_NOMEM. */
ts_status ts_dossier_snoozes(ts_store *s, const char *person, const char *now, ts_arena *arena,
                             ts_dossier *d, ts_err *err) TS_MUST_CHECK;

/* Fills d->rules_version, rules_note and rules_by from the stored rules version (`rules
 * deploy`) of the run behind the person's list row, copied into arena; leaves them NULL
 * when the person is not listed or that run's pack was never stored as a version. Call
 * after ts_dossier_load with the same arena. */
ts_status ts_dossier_rules_version(ts_store *s, ts_arena *arena, ts_dossier *d,
                                   ts_err *err) TS_MUST_CHECK;

/* ts_review_outcome (confirm, lower, raise, clear): triscreen/vocab.h. */

typedef struct ts_review {
    const char *person;
    const char *by;    /* officer id */
    const char *token; /* the token it came through (audited), NULL from the CLI */
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

/* `triscreen report`: see triscreen/report.h (typed aggregates, rendered by the front ends). */

/* ---- near-miss (`triscreen lists --near-miss POINTS`) -----------------------------------
 *
 * For policy staff: persons whose score sits within `points` under a threshold that would
 * raise their colour (thresholds from the config, ts_decide_threshold_above), with the
 * rules that fired for them and the rules of the pack that did not and would close the
 * gap on their own (a regional rule, or for a listed person also a targeted rule, whose
 * score is at least the gap, or that votes for the threshold's colour or higher; the
 * targeted pass judges only listed persons). Read-only: it never alerts and never
 * changes a list.
 *
 * What is stored: the score of a person on a list (list_members.score: the regional
 * score plus the targeted raise, as the last regional/targeted pass left it). A suspect
 * the regional pass left off the lists has no stored score (no table keeps one). It is
 * exact only when the pack makes it so: no fired rule votes for such a person, and when
 * every regional rule that scores has at least the lowest enabled threshold
 * (as in the sample pack), none of them fired and the score is 0; then the person is a
 * candidate with score 0. Otherwise the person is counted in `unscored` and not shown. */

typedef struct ts_near_miss_entry {
    const char *person, *grid;
    ts_colour colour; /* the engine's colour; TS_COLOUR_NONE = off the lists */
    bool listed;      /* false: a suspect off the lists (score derived, see above) */
    int64_t score;
    ts_colour under;        /* the threshold's colour */
    int threshold, gap;     /* gap = threshold - score, 1 .. points */
    const ts_reason *fired; /* the fired rules (ids as stored) */
    size_t n_fired;
    const ts_rule_info *const *tips; /* rules of the pack that would tip the person */
    size_t n_tips;
} ts_near_miss_entry;
typedef ts_status (*ts_near_miss_fn)(void *ud, const ts_near_miss_entry *e, ts_err *err);

typedef struct ts_near_miss_summary {
    uint64_t candidates; /* persons looked at (list rows of the engine + suspects off them) */
    uint64_t shown;      /* passed to fn */
    uint64_t unscored;   /* suspects off the lists whose score cannot be known */
} ts_near_miss_summary;

/* Calls fn for every near-miss in scope (NULL = all), ordered grid, person; fills *sum.
 * points >= 0. pack: the live pack (tips and the exactness test). TS_STORE/TS_BUSY,
 * TS_NOMEM; a callback's status stops the query. */
ts_status ts_near_miss_query(ts_store *s, const ts_grid *g, const ts_rulepack *pack,
                             const ts_decide_policy *policy, int points, const ts_cell *scope,
                             ts_near_miss_fn fn, void *ud, ts_near_miss_summary *sum,
                             ts_err *err) TS_MUST_CHECK;

#endif
