/* render/render_alerts.h — the renderers of the alert feed, one alert with its history
 * (`alerts show`) and the statistics (front-end floor: used only by cli/ and http/).
 * Each appends to a ts_buf and never prints; the caller writes the buffer where it
 * belongs. Pure functions, thread-safe. Errors: TS_LIMIT past the buffer's cap,
 * TS_NOMEM; the buffer may then hold a partial row.
 *
 * Text columns are padded by display width (a CJK character takes two columns on a
 * terminal), so a name of any script keeps the columns after it in line. */
#ifndef TS_RENDER_ALERTS_H
#define TS_RENDER_ALERTS_H

#include <stdbool.h>

#include "triscreen/buf.h"
#include "triscreen/feedback.h"
#include "triscreen/jsonw.h"

/* The header line of the table form of `triscreen alerts` (with its newline). */
ts_status ts_render_alert_table_header(ts_buf *b) TS_MUST_CHECK;
/* One alert as a table line (with its newline): id, cursor, kind, state, target level,
 * due (" overdue" after it when it has passed), claimed by, person, grid code, cell
 * name, colour, created, route / rule ids (each "id (title)" when the title is known). */
ts_status ts_render_alert_table_row(ts_buf *b, const ts_alert *a) TS_MUST_CHECK;
/* One alert as a JSON Lines line: its JSON object (ts_alert_write_json) and a newline. */
ts_status ts_render_alert_jsonl(ts_buf *b, const ts_alert *a) TS_MUST_CHECK;
/* One alert as its JSON object (no newline), e.g. an element of an HTTP feed array. */
ts_status ts_render_alert_json(ts_buf *b, const ts_alert *a) TS_MUST_CHECK;

/* "group", "village", "town", "county desk" for a target level (0 = county desk). */
const char *ts_render_alert_target_name(int target);

/* `alerts show` as text: the headline lines of the alert (id, kind, state, person and
 * cell, target level, due or overdue, claim/ack/close, outcome, reopens), its rules
 * with titles and evidence, the triggering event and the route; then the header of the
 * history table. */
ts_status ts_render_alert_show_text(ts_buf *b, const ts_alert *a) TS_MUST_CHECK;
/* One history event as a line of that table: when, what, who, token, note. */
ts_status ts_render_alert_event_row(ts_buf *b, const ts_alert_event *e) TS_MUST_CHECK;

/* `alerts --stats` as text: the closure target, a table of figures (raised, by state,
 * acknowledged in time, closed, closure rate against the target, p50/p90 minutes to
 * acknowledge and to close, overdue now) for all alerts, per kind, per town and per
 * village, and the overdue alerts by level. */
ts_status ts_render_alert_stats_text(ts_buf *b, const ts_alert_stats *st) TS_MUST_CHECK;
/* The same without the village rows (the report's Alerts section). */
ts_status ts_render_alert_stats_text_towns(ts_buf *b, const ts_alert_stats *st) TS_MUST_CHECK;
/* `alerts --stats --format json`: one JSON object and a newline:
 * {"closure_target","all":F,"by_kind":{"early":F,"detailed":F,"quick":F[,"unknown":F]},
 *  "by_town":[{"code","name",...F}],"by_village":[…],"overdue_by_level":{"group",
 *  "village","town","county"}}, F = {"raised","by_state":{"new","claimed",
 *  "acknowledged","closed"},"acked_in_time","closed","closure_rate","ack_p50_minutes",
 *  "ack_p90_minutes","close_p50_minutes","close_p90_minutes","overdue"} (a percentile is
 *  null when nothing was timed; a cell without a grid code has "code": null). */
ts_status ts_render_alert_stats_json(ts_buf *b, const ts_alert_stats *st) TS_MUST_CHECK;
/* The members of that object (no braces) into an open JSON object of w; villages
 * false leaves "by_village" out (the report's "alert_figures"). */
void ts_render_alert_stats_members(ts_jsonw *w, const ts_alert_stats *st, bool villages);

/* Display width of UTF-8 text on a terminal (CJK wide characters count two; invalid
 * bytes one each). */
size_t ts_render_text_width(const char *s);
/* Appends s (NULL: "-") and spaces up to `width` display columns (at least one space
 * when pad_min). */
ts_status ts_render_pad(ts_buf *b, const char *s, size_t width, bool pad_min) TS_MUST_CHECK;

#endif
