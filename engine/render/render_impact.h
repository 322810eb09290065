/* render/render_impact.h — a rule change's impact (triscreen/impact.h), for `diff --rules`
 * and `shadow report`: text, JSON Lines or one self-contained HTML page (front-end floor:
 * used by engine/cli only). Rows list only the persons for whom something differs
 * (ts_impact_row_differs); the totals count every row. */
#ifndef TS_RENDER_IMPACT_H
#define TS_RENDER_IMPACT_H

#include <stdio.h>

#include "triscreen/impact.h"
#include "triscreen/status.h"

typedef enum { TS_IMPACT_TEXT, TS_IMPACT_JSONL, TS_IMPACT_HTML } ts_impact_format;

/* Text: a header (labels, basis), one line per listed row, then the totals by colour
 * transition, by town and overall. JSONL: one object per listed row
 * {"person","grid","town","before":{"colour","score","rules":[ids],"alerts":[kinds]},
 * "after":{…},"newly_firing":[{"id","title"}],"no_longer_firing":[…],"alerts_raised":[kinds],
 * "alerts_dropped":[kinds]}, then {"totals":{"transitions":[{"from","to","persons"}],
 * "towns":[{"town","persons","moved","enter","leave","rise","fall"}],"moved","score_changed",
 * "rules_changed","alerts_raised":{kind:n},"alerts_dropped":{kind:n}},"before","after",
 * "basis"}. Colours are names, "none" off the lists. HTML: the same as one page, no
 * script, every string escaped. TS_IO when out cannot be written, TS_NOMEM. */
ts_status ts__render_impact(FILE *out, const ts_impact *im, ts_impact_format fmt,
                            ts_err *err) TS_MUST_CHECK;

#endif
