/* render/render_report.h — `triscreen report` renderers (front-end floor: used only by
 * cli/ and http/): an aligned text table, one JSON object, a self-contained HTML page.
 * Each appends to a ts_buf and never prints. TS_LIMIT past the buffer's cap, TS_NOMEM.
 *
 * JSON: {"county","scope","now","cells":[row],"total":row,"weeks":[week],
 * "alert_figures"}, row = {"code","name","level","persons","suspects","lists":{"red",
 * "yellow","blue"},"reviews_due","alerts":{"total","open","closed","closure_rate",
 * "median_hours_to_close"}} (rate and median null when there is nothing to measure);
 * week = {"from","to","run","pass","now","lists":{"red","yellow","blue"},"source":
 * "summary"|"transitions"}, the TS_REPORT_WEEKS weeks oldest first, with run, pass, now,
 * lists and source null for a week without a live run (triscreen/report.h); when
 * r->alerts is set "alert_figures": the members of `alerts --stats --format json`
 * without "by_village" (render_alerts.h: closure_target, all, by_kind, by_town,
 * overdue_by_level); text then ends with an "Alerts" section of the same figures.
 * Text pads columns by display width (CJK characters are two columns).
 * HTML: one self-contained UTF-8 page: report.css, Chart.js and report.js
 * (render/assets.h) inlined, that JSON in <script type="application/json"
 * id="report-data"> with every '<' written \u003c, and a CSP meta allowing only those
 * inline blocks by SHA-256; report.js draws it (zh by default, an English switch).
 * TS_STATE when an asset is missing from the build or would close its element. */
#ifndef TS_RENDER_REPORT_H
#define TS_RENDER_REPORT_H

#include "triscreen/buf.h"
#include "triscreen/report.h"

ts_status ts_render_report_text(ts_buf *b, const ts_report *r) TS_MUST_CHECK;
/* One JSON object and a newline: `report --format json` and GET /v1/report. */
ts_status ts_render_report_json(ts_buf *b, const ts_report *r) TS_MUST_CHECK;
ts_status ts_render_report_html(ts_buf *b, const ts_report *r) TS_MUST_CHECK;

/* The line that ends every form of the report. */
extern const char ts_render_report_footer[];

#endif
