/* render/render_rule_errors.h — the renderers of rule errors grouped by rule (`rules
 * errors`, the last lines of `screen`); front-end floor, used only by cli/ and http/.
 * Each appends to a ts_buf and never prints. Pure, thread-safe. Errors: TS_LIMIT past the
 * buffer's cap, TS_NOMEM. Only ids, counts, kinds, dates and the pack's titles are
 * written: a stored error message may quote record values and is never read. */
#ifndef TS_RENDER_RULE_ERRORS_H
#define TS_RENDER_RULE_ERRORS_H

#include "triscreen/buf.h"
#include "triscreen/jsonw.h"
#include "triscreen/rule_errors.h"

/* One rule as a text block (title NULL: the id alone):
 *   RULE (TITLE)
 *     errors E, persons P, first D1, last D2, kind K
 *     persons: ID, ID, … and N more */
ts_status ts__render_rule_error_text(ts_buf *b, const ts_rule_error_group *g,
                                     const char *title) TS_MUST_CHECK;
/* One rule as a JSON object {"rule","title"(null when unknown),"errors","persons",
 * "first","last","kinds":[…],"person_ids":[…],"more"} (more = persons not listed). */
void ts__render_rule_error_json(ts_jsonw *w, const ts_rule_error_group *g, const char *title);
/* `screen`'s line: "rule errors: RULE P persons (TITLE)\n" (" (TITLE)" only when known). */
ts_status ts__render_rule_error_line(ts_buf *b, const ts_rule_error_group *g,
                                     const char *title) TS_MUST_CHECK;
/* Appends s with control characters written as \xNN (titles come from pack files). */
ts_status ts__render_clean(ts_buf *b, const char *s) TS_MUST_CHECK;

#endif
