/* triscreen/officer.h — who may act: checking that a name given as an actor (`--by`, a
 * token's officer) is an officer of the grid. Included by triscreen/feedback.h. */
#ifndef TRISCREEN_OFFICER_H
#define TRISCREEN_OFFICER_H

#include "triscreen/grid.h"
#include "triscreen/status.h"
#include "triscreen/store.h"

/* Checks that officer names an officer of g: TS_USAGE with a message naming the id and
 * the field (`what`, e.g. "--by") when it does not. *cell (may be NULL) receives the
 * officer's cell (NULL for the county desk).
 *
 * officer may be NULL or empty (refused the same way). On refusal err->where is `what`
 * ("officer" when what is NULL) and err->msg "'<id>' is not an officer of the grid", the
 * id made safe to print: control characters (C0, DEL, C1), zero-width, direction and
 * bidirectional-override characters, the BOM and bytes that are not UTF-8 are written
 * as \xNN, and an id longer than TS_TEXT_ACTOR_MAX bytes is cut with "...". Outputs are
 * written only on success. No allocation; thread-safe (g is immutable). */
ts_status ts_officer_check(const ts_grid *g, const char *officer, const char *what,
                           const ts_cell **cell, ts_err *err) TS_MUST_CHECK;

/* Whether `officer` (serving officer_cell; NULL = the county desk) may review `person`:
 * only persons of the officer's cell or below. TS_OK when it may, and for a person s does
 * not hold (the review itself answers that). TS_DENIED when it may not: then an audit
 * entry "review.refused" (actor officer, through token when non-NULL) is committed in a
 * transaction of its own, nothing else is written, and err->msg says "<officer> may
 * review only persons in <cell>". Database failures: their status. Used by `triscreen
 * review` and POST /v1/persons/ID/review alike. s must have no transaction open. */
ts_status ts_officer_review_check(ts_store *s, const ts_grid *g, const char *officer,
                                  const char *token, const ts_cell *officer_cell,
                                  const char *person, ts_err *err) TS_MUST_CHECK;

#endif
