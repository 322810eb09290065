/* triscreen/rulecheck.h — the deep checks of `rules check` beyond loading a pack: regex
 * literals compiled as the engine compiles them, references to person fields and to the
 * attributes, relations and event types the config's optional `schema:` declares, and
 * rule scores against the thresholds (engine/rulecases/check.c).
 *
 * Invariants: the checks read the pack's files again from ts_rulepack_dir and never run
 * a rule; each problem goes to a callback whose strings are valid only during the call.
 * Not a proof: a pattern built at run time or a constant-false condition is not seen. */
#ifndef TRISCREEN_RULECHECK_H
#define TRISCREEN_RULECHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/config.h"
#include "triscreen/rulehost.h"
#include "triscreen/status.h"

typedef struct ts_check_item {
    bool warning;     /* false: an error (`rules check` exits 1) */
    const char *file; /* pack-relative, e.g. "10_full.lua"; "" for the config */
    unsigned line;    /* 0 = none */
    unsigned col;     /* 1-based, in characters; 0 = none */
    const char *rule; /* rule id, or "" when the place is outside every rule */
    const char *what; /* regex, field, attribute, relation, event, score, threshold */
    const char *msg;  /* one line */
} ts_check_item;

typedef void (*ts_check_fn)(void *ud, const ts_check_item *item);

/* Runs every check on a loaded pack. cfg may be NULL (default thresholds, no schema):
 * the schema checks run only for the lists cfg->schema declares. Counts go to
 * *n_errors / *n_warnings (either may be NULL). Status: TS_OK (problems are not a
 * failure of the call), TS_IO (a file cannot be read), TS_NOMEM. Thread-safe. */
ts_status ts_rulecases_check(const ts_rulepack *pack, const ts_config *cfg, ts_check_fn on_item,
                             void *ud, size_t *n_errors, size_t *n_warnings,
                             ts_err *err) TS_MUST_CHECK;

#endif
