/* triscreen/rulehost.h — rule packs (folders of Lua files) and the sandboxed rule host
 * that evaluates them on persons.
 *
 * Lifecycle: a ts_rulepack is loaded and validated once (file texts, hash, rule
 * metadata); it is immutable and shared by threads. Each worker thread makes its own
 * ts_rulehost (one Lua state) from the pack; a host is not thread-safe. No process-
 * global state: two packs or hosts never share anything. */
#ifndef TRISCREEN_RULEHOST_H
#define TRISCREEN_RULEHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/record.h"
#include "triscreen/rulefile.h"
#include "triscreen/status.h"
#include "triscreen/vocab.h"

/* ts_pass, ts_colour (ordered: a higher value is a higher risk), ts_feedback and their
 * names and parsers: triscreen/vocab.h. */
typedef enum { TS_RULE_SUSPECT = 0, TS_RULE_GAP = 1 } ts_rule_kind;

typedef struct ts_rule_info {
    const char *id;
    const char *title;
    const char *file; /* path relative to the pack folder, e.g. "20_regional.lua" */
    int line;         /* line of the rule{...} call */
    ts_pass pass;
    ts_colour list; /* TS_COLOUR_NONE when the rule does not vote */
    int score;      /* 0 when absent */
    ts_feedback feedback;
    ts_rule_kind kind; /* full pass only */
} ts_rule_info;

typedef struct ts_rulehost_opts {
    uint64_t instructions;  /* budget per person and rule; 0 = TS_LIMIT_RULE_INSTRUCTIONS.
                             * Work done in C by library functions is charged to it too
                             * (TS_LIMIT_RULE_BYTES_PER_INSTR bytes an instruction). */
    size_t memory_bytes;    /* cap per Lua state; 0 = TS_LIMIT_RULE_MEMORY_MB MiB */
    uint32_t ms_per_person; /* wall-clock deadline of one person's evaluation of a pass;
                             * 0 = TS_LIMIT_RULE_MS_PER_PERSON */
    /* Attributes for which attr_hidden returns true (protected attributes) are not
     * visible to rules by any access path (p.attrs[k], pairs, p:num, circle members).
     * NULL: every attribute is visible. Called from every thread: must be thread-safe. */
    bool (*attr_hidden)(void *ud, const char *name, size_t len);
    void *attr_hidden_ud;
} ts_rulehost_opts;

struct ts_config;
/* The rule host's options for a config: its limits (instructions, memory_mb,
 * ms_per_person; 0 where unset = the defaults) and the protected attributes of the config
 * (built-in list plus protected_attributes) hidden from rules. cfg may be NULL (defaults,
 * built-in list). Every command and the service take their options from here, so
 * `screen`, `rules test`, `rules check`, `diff` and ingest run under the same limits.
 * The result borrows cfg: it must outlive every pack loaded with these options. */
ts_rulehost_opts ts_rulehost_opts_for(const struct ts_config *cfg);

/* True when name[0..len) is a field or method of a person object in rules (p.id,
 * p.notes, p:num, p:circle, ...); any other p.NAME is nil. Thread-safe, pure. */
bool ts_rulehost_person_field(const char *name, size_t len);

typedef struct ts_rulepack ts_rulepack;

/* Called once per problem found while loading a pack (where = "file.lua:LINE"). */
typedef void (*ts_problem_fn)(void *ud, const char *where, const char *msg);

/* Loads every *.lua file of dir in name order, compiles it in a sandboxed scratch
 * state and validates each rule{...} (fields, types, duplicate ids, `when` a function).
 * Every problem is passed to on_problem (may be NULL); the first also goes to err and
 * the status is TS_RULE. TS_IO when dir cannot be read. */
ts_status ts_rulepack_load(const char *dir, const ts_rulehost_opts *opts, ts_problem_fn on_problem,
                           void *ud, ts_rulepack **out, ts_err *err) TS_MUST_CHECK;
/* Like ts_rulepack_load, from files held in memory (a stored rules version, in name
 * order; copied): label names the pack in messages (ts_rulepack_dir). The same files give
 * the same hash as when read from a folder. */
ts_status ts_rulepack_load_files(const char *label, const ts_rule_file *files, size_t n,
                                 const ts_rulehost_opts *opts, ts_problem_fn on_problem, void *ud,
                                 ts_rulepack **out, ts_err *err) TS_MUST_CHECK;
/* The pack's files in load order (pointing into the pack; the array from arena). */
ts_status ts_rulepack_files(const ts_rulepack *pack, ts_arena *arena, ts_rule_file **out, size_t *n,
                            ts_err *err) TS_MUST_CHECK;
void ts_rulepack_free(ts_rulepack *pack);

/* "sha256:<hex>" over the pack's file names and contents in load order. */
const char *ts_rulepack_hash(const ts_rulepack *pack);
const char *ts_rulepack_dir(const ts_rulepack *pack);
size_t ts_rulepack_count(const ts_rulepack *pack);
const ts_rule_info *ts_rulepack_rule(const ts_rulepack *pack, size_t i);
/* Index of the rule with this id, or -1. */
long ts_rulepack_find(const ts_rulepack *pack, const char *id);
/* The title of the rule with this id, the one lookup behind every place a rule is shown
 * beside its id. NULL when pack or id is NULL, the pack has no such rule (a rule since
 * removed from the pack) or its title is empty: the caller shows the id alone. The string
 * lives as long as the pack. Thread-safe (the pack is immutable). */
const char *ts_rulepack_title(const ts_rulepack *pack, const char *id);
size_t ts_rulepack_count_pass(const ts_rulepack *pack, ts_pass pass);
const ts_rulehost_opts *ts_rulepack_opts(const ts_rulepack *pack);

/* Bits of ts_rulepack_check_passes' mask. */
#define TS_PASS_BIT(p) (1u << (unsigned)(p))
#define TS_PASS_ALL                                                                                \
    (TS_PASS_BIT(TS_PASS_FULL) | TS_PASS_BIT(TS_PASS_REGIONAL) | TS_PASS_BIT(TS_PASS_TARGETED))
/* TS_OK when the pack has at least one rule for the full and the regional pass if they
 * are in passes_mask (bits TS_PASS_BIT(p)); else TS_RULE with err = "DIR: no rule for
 * the PASS pass" (the first such pass). Without them a pass would screen nobody as
 * suspect and delist everyone. The targeted pass may have none: it never goes below the
 * regional colour, so it then re-decides each listed person from the regional basis. */
ts_status ts_rulepack_check_passes(const ts_rulepack *pack, unsigned passes_mask,
                                   ts_err *err) TS_MUST_CHECK;

/* ---- evaluation --------------------------------------------------------------------- */

typedef struct ts_rulehost ts_rulehost;

/* Creates one sandboxed Lua state with the pack loaded. Not thread-safe; one per thread. */
ts_status ts_rulehost_new(const ts_rulepack *pack, ts_rulehost **out, ts_err *err) TS_MUST_CHECK;
void ts_rulehost_free(ts_rulehost *h);

/* A related person as rules see it through p:circle{}. */
typedef struct ts_circle_member {
    const ts_person *person;
    const char *village, *town; /* ancestor cell codes */
    const char *relation;       /* relation kind */
    int distance;               /* 1 or 2 */
    ts_colour colour;           /* as it stood when the pass began */
    bool suspect;
} ts_circle_member;

/* The person under evaluation. */
typedef struct ts_subject {
    const ts_person *person;
    const char *village, *town; /* ancestor cell codes of person->grid */
    ts_colour colour;           /* list colour before this run */
    bool suspect;               /* marked by the latest full pass */
    const ts_circle_member *circle;
    size_t n_circle;
} ts_subject;

typedef struct ts_eval_ctx {
    int32_t now; /* days since epoch */
    ts_pass pass;
    const char *scope; /* "all" or a cell code */
} ts_eval_ctx;

typedef struct ts_fired {
    uint32_t rule;        /* index in the pack */
    const char *evidence; /* "" when the rule gave none; <= TS_LIMIT_RULE_EVIDENCE bytes */
} ts_fired;

typedef struct ts_rule_error {
    uint32_t rule;
    ts_status code;    /* TS_RULE (error raised), TS_BUDGET (instructions, C work
                        * included), TS_LIMIT (memory, regex or size limit, deadline) */
    const char *where; /* "file.lua:LINE" of the failing code (the rule's line if unknown) */
    const char *msg;
} ts_rule_error;

typedef struct ts_eval_result {
    ts_fired *fired; /* in pack order */
    size_t n_fired;
    ts_rule_error *errors;
    size_t n_errors;
} ts_eval_result;

/* Runs every rule of ctx->pass on s, in pack order, each under the instruction budget.
 * Results are allocated from arena. A rule that errors or exceeds a limit is recorded
 * in out->errors and the other rules still run; the host stays usable. Returns
 * TS_NOMEM only when the arena or the host itself fails. */
ts_status ts_rulehost_eval(ts_rulehost *h, const ts_eval_ctx *ctx, const ts_subject *s,
                           ts_arena *arena, ts_eval_result *out, ts_err *err) TS_MUST_CHECK;

/* Votes and score of a result: *vote = highest colour voted by fired rules,
 * *score = sum of fired rules' scores. */
void ts_rulepack_tally(const ts_rulepack *pack, const ts_eval_result *r, ts_colour *vote,
                       int *score);

#endif
