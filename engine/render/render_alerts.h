/* render/render_alerts.h — the renderers of the alert feed and its statistics (front-end
 * floor: used only by cli/ and http/). Each appends to a ts_buf and never prints; the
 * caller writes the buffer where it belongs. Pure functions, thread-safe. Errors: TS_LIMIT
 * past the buffer's cap, TS_NOMEM; the buffer may then hold a partial row. */
#ifndef TS_RENDER_ALERTS_H
#define TS_RENDER_ALERTS_H

#include "triscreen/buf.h"
#include "triscreen/feedback.h"

/* The header line of the table form of `triscreen alerts` (with its newline). */
ts_status ts_render_alert_table_header(ts_buf *b) TS_MUST_CHECK;
/* One alert as a table line (with its newline). */
ts_status ts_render_alert_table_row(ts_buf *b, const ts_alert *a) TS_MUST_CHECK;
/* One alert as a JSON Lines line: its JSON object (ts_alert_write_json) and a newline. */
ts_status ts_render_alert_jsonl(ts_buf *b, const ts_alert *a) TS_MUST_CHECK;
/* One alert as its JSON object (no newline), e.g. an element of an HTTP feed array. */
ts_status ts_render_alert_json(ts_buf *b, const ts_alert *a) TS_MUST_CHECK;

/* `alerts --stats` as text (a table, the medians, closure per town). */
ts_status ts_render_alert_stats_text(ts_buf *b, const ts_alert_stats *st) TS_MUST_CHECK;
/* `alerts --stats --format jsonl`: one JSON object and a newline. */
ts_status ts_render_alert_stats_json(ts_buf *b, const ts_alert_stats *st) TS_MUST_CHECK;

#endif
