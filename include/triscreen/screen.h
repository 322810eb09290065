/* triscreen/screen.h — the three screenings (full, regional, targeted) as one
 * pipeline: a reader thread streams persons from the store, N workers evaluate them
 * (one rule host each), and the calling thread writes the results in input order, so
 * the same inputs give the same ledger, lists, transitions and alerts for any number
 * of threads. Each pass is one transaction: a killed pass leaves the previous state
 * intact, and its run is marked "interrupted" by the next one. */
#ifndef TRISCREEN_SCREEN_H
#define TRISCREEN_SCREEN_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/config.h"
#include "triscreen/fired.h"
#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/store.h"

/* What a pass asks the feedback layer to alert on; one per (person, kind) per pass. */
/* A person's list row as the pass left it in the store, for the headline of a detailed
 * alert (feedback/raise.c): what it would otherwise read back from the database. */
typedef struct ts_screen_member {
    bool listed;      /* false: the pass took the person off the lists */
    ts_colour colour; /* NONE while listed: an override to none */
    int score;
    int32_t next_review;          /* TS_DATE_NONE when none */
    const ts_fired_rule *reasons; /* the row's reasons */
    size_t n_reasons;
    /* true: the pass knows the person has no relation in the store it writes, so the
     * circle is empty without a read (false: not known) */
    bool no_relations;
} ts_screen_member;

typedef struct ts_screen_alert {
    ts_feedback kind;
    const char *person;
    const char *grid;
    ts_colour colour; /* effective colour after the pass (NONE for early alerts) */
    ts_colour prior_colour;
    const ts_fired_rule *rules; /* the rules behind the alert (borrowed for the call) */
    size_t n_rules;
    const char *why; /* "newly suspect", "rose yellow→red", "rule feedback" ... */
    int64_t run;
    int32_t now;   /* the pass's date (days since 1970-01-01) */
    bool *written; /* the hook sets it true when it wrote a new alert (may be NULL) */
    /* detailed alerts of a pass: the person's row as just written (NULL: read the store) */
    const ts_screen_member *member;
} ts_screen_alert;

/* Called on the writing thread inside the pass's transaction. */
typedef ts_status (*ts_screen_alert_fn)(void *ud, ts_store *s, const ts_screen_alert *a,
                                        ts_err *err);
typedef void (*ts_screen_progress_fn)(void *ud, ts_pass pass, uint64_t done, uint64_t total);

/* What one pass decided for one person (one call per person per pass, and per side),
 * for callers that compare decisions (`diff`, shadows). Strings are borrowed for the
 * call. */
typedef struct ts_screen_judged {
    int side; /* -1: the live pack (opts->pack); else the index into opts->sides */
    ts_pass pass;
    const char *person, *grid;
    ts_colour from, to; /* effective colour before / after this pass (full: both unchanged) */
    int score;          /* regional/targeted: the score behind the engine colour; full: 0 */
    bool suspect;       /* the suspect mark after this pass */
    const char *rules;  /* this pass's fired rules that count (snoozed ones left out), JSON */
    /* the same rules typed: indices into pack (NULL/0 when the caller only has JSON) */
    const ts_fired *fired;
    size_t n_fired;
    const ts_rulepack *pack;
    bool alerts[TS_FEEDBACK_N]; /* the feedback this pass triggers for the person (before
                                 * de-duplication against alerts already open) */
} ts_screen_judged;
/* Called on the writing thread, in input order, inside the pass's transaction. */
typedef void (*ts_screen_judged_fn)(void *ud, const ts_screen_judged *j);

/* What a reused inline run has gained (ts_screen_opts.inline_tally): the counts not yet
 * added to its row in the runs table, and its next ledger sequence number. */
typedef struct ts_run_tally {
    int64_t run;                    /* the run these figures are for; 0 = none */
    int64_t persons, fired, errors; /* not yet added to the runs table */
    int64_t next_seq;               /* the run's next ledger sequence number, if seq_known */
    bool seq_known;
} ts_run_tally;

enum { TS_ALERT_BATCH_BEGIN, TS_ALERT_BATCH_END, TS_ALERT_BATCH_ABORT };

typedef struct ts_screen_opts {
    const ts_config *cfg;
    const ts_grid *grid;
    const ts_rulepack *pack;
    unsigned passes;    /* bit (1 << ts_pass) per pass to run; 0 = all three in order */
    const char *scope;  /* "all" (NULL) or a cell code */
    bool due;           /* targeted: only persons whose review is due at now */
    const char *person; /* only this person (ad-hoc targeted review) */
    int32_t now;
    bool strict;      /* the first rule error fails the pass */
    unsigned threads; /* 0 = config workers, else the number of online cores */
    ts_screen_progress_fn progress;
    void *ud; /* for progress */
    ts_screen_alert_fn on_alert;
    void *alert_ud; /* for on_alert */
    /* may be NULL: called with alert_ud by a pass's writer (ts_screen_run, never
     * ts_screen_inline) around each batch of persons it writes — TS_ALERT_BATCH_BEGIN
     * before, then TS_ALERT_BATCH_END after its writes (before the pass commits) or
     * TS_ALERT_BATCH_ABORT when one failed — so that the alert sink can hold rows nothing
     * in the batch reads back and write them together (ts_feedback_on_alert_batch) */
    ts_status (*on_alert_batch)(void *alert_ud, ts_store *s, int phase, ts_err *err);
    /* ts_screen_inline only: run ids by pass to record the evaluations under. An entry
     * of 0 makes a new run and stores its id here; a non-zero entry is reused (its
     * counts are added to), so a service records one run per pass and rule pack
     * instead of three per request. NULL = a new run per call. */
    int64_t *inline_runs;
    /* with inline_runs: by pass, where a reused run's counts are gathered instead of
     * being added to the runs table on every call, and where its next ledger sequence
     * number is kept instead of being asked of the ledger. The caller writes the counts
     * with ts_screen_tally_flush before its transaction commits, and clears the tallies
     * ({0}) when it rolls back. Measured under single-record POSTs: the three runs
     * updates and three ledger queries per request were 6.8% of the service's samples.
     * NULL = both per call. */
    ts_run_tally *inline_tally;
    ts_screen_judged_fn on_judged; /* may be NULL */
    void *judged_ud;
} ts_screen_opts;

typedef struct ts_pass_summary {
    int64_t run;
    ts_pass pass;
    uint64_t persons; /* evaluated */
    uint64_t *fired;  /* per rule of the pack (malloc'd; released with the result) */
    uint64_t fired_total;
    uint64_t rule_errors;
    uint64_t suspects, newly_suspect, with_gaps;
    uint64_t lists[4]; /* list members in scope after the pass, by ts_colour */
    uint64_t transitions, entered, left, rose, fell;
    uint64_t alerts[4]; /* by ts_feedback */
    double seconds;
    double eval_cpu_seconds; /* CPU time the workers spent loading and evaluating persons */
    char first_error[600];   /* "person rule where: status" of the first rule error: ids and
                              * the rule only (its message stays in rule_errors) */
} ts_pass_summary;

typedef struct ts_screen_result {
    ts_pass_summary pass[3];
    unsigned n; /* passes run */
    unsigned threads;
} ts_screen_result;

/* Runs the requested passes. `s` is the writing connection; db_path opens the reading
 * one. TS_RULE when --strict stopped a pass (err names person, rule, file:line). */
ts_status ts_screen_run(ts_store *s, const char *db_path, const ts_screen_opts *opts,
                        ts_screen_result *out, ts_err *err) TS_MUST_CHECK;
void ts_screen_result_release(ts_screen_result *r);

/* The service's ingest path: re-evaluates the persons `ids` through the passes of
 * opts->passes (0 = all three, in order) on the calling thread with `host`, inside the
 * CALLER's open transaction on `s` (so freshly written, uncommitted records are seen),
 * with the same decisions, writes, runs and alert hooks as ts_screen_run. opts->scope,
 * due, person and threads are ignored. Regional applies to persons that are suspect
 * or listed; targeted to persons listed after regional. */
/* Adds the counts t gathered to its run's row (nothing when there are none); the
 * sequence number stays known. */
ts_status ts_screen_tally_flush(ts_store *s, ts_run_tally *t, ts_err *err);

ts_status ts_screen_inline(ts_store *s, ts_rulehost *host, const ts_screen_opts *opts,
                           const char *const *ids, size_t n_ids, ts_screen_result *out,
                           ts_err *err) TS_MUST_CHECK;

/* The run summary as one JSON object per pass (DESIGN.md: run id, pass, scope,
 * persons, fired counts per rule, list counts, transitions, alerts, rule errors,
 * seconds); malloc'd, caller frees. */
char *ts_screen_summary_json(const ts_screen_result *r, unsigned i, const ts_rulepack *pack,
                             const char *scope);

#endif
