/* triscreen/rulecases.h — rule test cases: YAML files of persons with the decisions a
 * screening run must reach for them, run on a rule pack exactly as `triscreen screen`
 * would (through triscreen/rulehost.h and triscreen/decide.h), and the rule-source scan
 * for protected attributes used by `rules check`.
 *
 * Invariants: a ts_rulecases holds every case of the files added to it, validated at
 * add time (a bad file adds nothing); cases are immutable once added. Running never
 * prints: each case's outcome goes to a callback, strings in a report are valid only
 * during the callback. Not thread-safe: one ts_rulecases per thread.
 *
 * Case file format (DESIGN.md §Rules, rules/README.md "Test cases"):
 *   thresholds: {red: 70, yellow: 40, blue: 20}   optional, these are the defaults
 *   now: 2026-11-25                               optional default for every case
 *   cases:
 *     - name: ...                                 required
 *       now: YYYY-MM-DD                           required unless given at the top
 *       person: {...}                             an import record (ts_record_parse_json)
 *       village: CODE, town: CODE                 optional; default from person.grid
 *       prior: {colour: C|none, suspect: B}       optional
 *       circle: [{person: {...}, relation: K, distance: 1|2, colour: C, suspect: B}]
 *       passes: [full, regional, targeted]        optional, in this order
 *       expect: {fired: [ids], colour: C|none, suspect: B, feedback: [kinds], errors: N}
 */
#ifndef TRISCREEN_RULECASES_H
#define TRISCREEN_RULECASES_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/rulehost.h"
#include "triscreen/status.h"

typedef struct ts_rulecases ts_rulecases;

/* What a case checks (bits of ts_case_report.checked and .failed). */
enum {
    TS_CASE_FIRED = 1u << 0,
    TS_CASE_COLOUR = 1u << 1,
    TS_CASE_SUSPECT = 1u << 2,
    TS_CASE_FEEDBACK = 1u << 3,
    TS_CASE_ERRORS = 1u << 4,
};

/* A set of feedback kinds: bit (1u << TS_FEEDBACK_EARLY) and so on. */
#define TS_FEEDBACK_BIT(f) (1u << (unsigned)(f))

/* A rule that fired while the case ran. */
typedef struct ts_case_fire {
    ts_pass pass;
    const char *rule;     /* rule id */
    const char *evidence; /* "" when none */
} ts_case_fire;

/* A rule error recorded while the case ran. */
typedef struct ts_case_error {
    ts_pass pass;
    const char *rule;  /* rule id */
    ts_status code;    /* TS_RULE, TS_BUDGET or TS_LIMIT */
    const char *where; /* "file.lua:LINE" */
    const char *msg;
} ts_case_error;

/* The outcome of one case. Expected values are meaningful only for the bits set in
 * `checked`; `failed` has the bits of the checks that did not hold (0 = passed). */
typedef struct ts_case_report {
    const char *file; /* the case file's path as added */
    unsigned line;    /* line of the case in the file */
    const char *name;
    bool passed;
    unsigned checked, failed;
    bool ran[3]; /* indexed by ts_pass: the passes that ran for this person */
    /* fired rule ids, sorted and unique */
    const char *const *expected_fired;
    size_t n_expected_fired;
    const char *const *actual_fired;
    size_t n_actual_fired;
    ts_colour expected_colour, actual_colour;
    int score; /* the score behind actual_colour (regional + targeted) */
    bool expected_suspect, actual_suspect;
    unsigned expected_feedback, actual_feedback; /* TS_FEEDBACK_BIT sets */
    size_t expected_errors;
    /* every fired rule with its evidence, in pass and pack order */
    const ts_case_fire *fires;
    size_t n_fires;
    const ts_case_error *errors;
    size_t n_errors; /* the actual number of rule errors */
} ts_case_report;

/* Called once per case, in file order then case order. */
typedef void (*ts_case_fn)(void *ud, const ts_case_report *r);

typedef struct ts_rulecases_summary {
    size_t cases, passed, failed;
    /* ids of the rules that no case made fire, in pack order. Owned by the
     * ts_rulecases; valid until its next run or ts_rulecases_free. */
    const char *const *uncovered;
    size_t n_uncovered;
} ts_rulecases_summary;

/* An empty collection. TS_NOMEM. */
ts_status ts_rulecases_new(ts_rulecases **out, ts_err *err) TS_MUST_CHECK;
/* Accepts NULL. */
void ts_rulecases_free(ts_rulecases *rc);

/* Loads and validates one case file (through config/ytree: size, depth and alias
 * limits) and appends its cases. Person and circle records are validated exactly like
 * an import record. On error nothing is added and err->where is "path:LINE:COL" of the
 * offending node; status TS_IO (cannot read), TS_PARSE (bad YAML), TS_INVALID (a bad
 * case or record), TS_LIMIT, TS_NOMEM. path is copied. */
ts_status ts_rulecases_add_file(ts_rulecases *rc, const char *path, ts_err *err) TS_MUST_CHECK;

/* Adds every *.yaml and *.yml file of dir, in byte-wise name order; *n_files (may be
 * NULL) receives how many. A missing dir is TS_IO; an empty one adds nothing (TS_OK).
 * Stops at the first bad file (nothing of that file is added). */
ts_status ts_rulecases_add_dir(ts_rulecases *rc, const char *dir, size_t *n_files,
                               ts_err *err) TS_MUST_CHECK;

size_t ts_rulecases_count(const ts_rulecases *rc);

/* Runs every case on one fresh ts_rulehost of pack (so under the pack's instruction
 * and memory limits), calls on_case (may be NULL) for each and fills *out, including
 * the rules no case made fire. A rule error inside a case is a case outcome, not a
 * failure of the run. Returns TS_NOMEM, or the host's creation error. */
ts_status ts_rulecases_run(ts_rulecases *rc, const ts_rulepack *pack, ts_case_fn on_case, void *ud,
                           ts_rulecases_summary *out, ts_err *err) TS_MUST_CHECK;

/* Scans the *.lua files of dir (name order) for reads of protected attributes
 * (ts_record_attr_protected): `attrs.NAME`, `attrs["NAME"]`, and any string literal
 * that is exactly a protected name (a computed key). Comments are skipped. Each finding
 * goes to on_problem (where = "file.lua:LINE", file relative to dir); *n_found (may be
 * NULL) receives the count. TS_IO when dir or a file cannot be read. Thread-safe. */
ts_status ts_rulecases_scan_protected(const char *dir, ts_problem_fn on_problem, void *ud,
                                      size_t *n_found, ts_err *err) TS_MUST_CHECK;

#endif
