/* render/render_impact.h — a rule change's impact (triscreen/impact.h), for `diff --rules`
 * and `shadow report`: text, JSON Lines or one self-contained HTML page (front-end floor:
 * used by engine/cli only). Rows list only the persons for whom something differs
 * (ts_impact_row_differs), in the order given (by person id); the totals count every row,
 * towns in code order. Colours are ts_colour_text names ("none" off the lists), alert
 * kinds ts_feedback_name names; a rule is shown with its title, looked up in after_pack
 * then before_pack for a rule newly firing, the other way round for one no longer
 * firing (the id alone when neither has it). */
#ifndef TS_RENDER_IMPACT_H
#define TS_RENDER_IMPACT_H

#include <stdio.h>

#include "triscreen/impact.h"
#include "triscreen/status.h"

typedef enum { TS_IMPACT_TEXT, TS_IMPACT_JSONL, TS_IMPACT_HTML } ts_impact_format;

/* Writes the comparison to out (borrowed; flushed before returning).
 * TEXT: a header (labels, basis), an aligned table, one line per listed row (person,
 * grid, town, colour and score before -> after, rules newly firing and no longer firing
 * as "id (title)", "KIND would be raised" / "KIND would no longer be raised"; control
 * characters escaped), then the colour transitions, the towns and the overall figures.
 * JSONL: one object per listed row
 * {"person","grid","town","before":{"colour","score","rules":[ids],"alerts":[kinds]},
 * "after":{…},"newly_firing":[{"id","title"}],"no_longer_firing":[…],"alerts_raised":[kinds],
 * "alerts_dropped":[kinds]} (title null when unknown), then one line
 * {"totals":{"transitions":[{"from","to","persons"}],"towns":[{"town","persons","moved",
 * "enter","leave","rise","fall"}],"moved","score_changed","rules_changed",
 * "alerts_raised":{kind:n},"alerts_dropped":{kind:n}},"before","after","basis"}
 * (transitions with at least one person, before-colour then after-colour order).
 * HTML: one page with the same content: no script, no external resource, every string
 * escaped. Enter/leave/rise/fall are ts_decide_change's.
 * TS_IO (err set) when out cannot be written, TS_NOMEM, TS_LIMIT past TS_LIMIT_RENDER
 * for one line, TS_USAGE for another fmt; what was written before stays written.
 * Thread-safe for distinct outputs. */
ts_status ts__render_impact(FILE *out, const ts_impact *im, ts_impact_format fmt,
                            ts_err *err) TS_MUST_CHECK;

#endif
