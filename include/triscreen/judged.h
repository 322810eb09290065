/* triscreen/judged.h — collects what a screening judged (ts_screen_opts.on_judged), per
 * person, for two sides — before (the live pack) and after (a draft or a shadow) — into
 * the rows of a ts_impact (triscreen/impact.h). A person's side is merged over the
 * passes: the colour and score of the last pass that judged it, the union of the rules
 * that counted, the feedback any pass raised. engine/app/judged.c. */
#ifndef TRISCREEN_JUDGED_H
#define TRISCREEN_JUDGED_H

#include <stddef.h>

#include "triscreen/grid.h"
#include "triscreen/impact.h"
#include "triscreen/screen.h"
#include "triscreen/status.h"

typedef struct ts_judged_set ts_judged_set;

/* A new, empty set; grid names each person's town (borrowed, must outlive the set). */
ts_status ts_judged_set_new(const ts_grid *grid, ts_judged_set **out, ts_err *err) TS_MUST_CHECK;
void ts_judged_set_free(ts_judged_set *set);

/* What to pass as ts_screen_opts.judged_ud with on_judged = ts_judged_collect: which
 * side the screening fills (0 before, 1 after). */
typedef struct ts_judged_sink {
    ts_judged_set *set;
    int side;
} ts_judged_sink;
void ts_judged_collect(void *sink, const ts_screen_judged *j);

/* Adds one side of one person directly (a stored judgement, e.g. a shadow's history):
 * colour, score, rules as a JSON array of fired-rule objects (ids are read), alerts as a bit
 * set (1 << ts_feedback). Replaces what that side held for the person. */
ts_status ts_judged_put(ts_judged_set *set, int side, const char *person, const char *grid,
                        ts_colour colour, int score, const char *rules_json, unsigned alerts,
                        ts_err *err) TS_MUST_CHECK;

/* TS_NOMEM when a collect call ran out of memory (the set is then incomplete). */
ts_status ts_judged_set_status(const ts_judged_set *set, ts_err *err) TS_MUST_CHECK;

/* The rows sorted by person id (valid until the set is changed or freed). */
const ts_impact_row *ts_judged_rows(ts_judged_set *set, size_t *n);

/* The comparison of two sets: each person's before side from `before` and after side from
 * `after` (empty when that set did not judge the person), sorted by person, into a
 * malloc'd array (*rows, the caller frees it; its strings stay owned by the sets). Lets
 * two screenings fill their own set at the same time. */
ts_status ts_judged_merge(ts_judged_set *before, ts_judged_set *after, ts_impact_row **rows,
                          size_t *n, ts_err *err) TS_MUST_CHECK;

#endif
