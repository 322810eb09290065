/* render/render_report.h — `triscreen report` renderers (front-end floor: used only by
 * cli/ and http/): an aligned text table, one JSON object, a self-contained HTML page.
 * Each appends to a ts_buf and never prints. TS_LIMIT past the buffer's cap, TS_NOMEM.
 *
 * JSON: {"county","scope","now","cells":[row],"total":row,"trends":[{"run","pass",
 * "scope","now","lists":{"red","yellow","blue"},"source"}]}, row = {"code","name",
 * "level","persons","suspects","lists":{"red","yellow","blue"},"reviews_due","alerts":
 * {"total","open","closed","closure_rate","median_hours_to_close"}} (rate and median
 * null when there is nothing to measure), and when r->alerts is set "alert_figures": the
 * members of `alerts --stats --format json` without "by_village" (render_alerts.h);
 * text and HTML then end with an "Alerts" section of the same figures. HTML: one UTF-8 page (inline
 * CSS, no script, nothing external; every text escaped) with the same tables and an inline SVG bar
 * of the colours per row. */
#ifndef TS_RENDER_REPORT_H
#define TS_RENDER_REPORT_H

#include "triscreen/buf.h"
#include "triscreen/report.h"

ts_status ts_render_report_text(ts_buf *b, const ts_report *r) TS_MUST_CHECK;
/* One JSON object and a newline. */
ts_status ts_render_report_json(ts_buf *b, const ts_report *r) TS_MUST_CHECK;
ts_status ts_render_report_html(ts_buf *b, const ts_report *r) TS_MUST_CHECK;

/* The line that ends every form of the report. */
extern const char ts_render_report_footer[];

#endif
