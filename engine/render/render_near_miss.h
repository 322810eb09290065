/* render/render_near_miss.h — `triscreen lists --near-miss` rows (ts_near_miss_entry of
 * triscreen/lists.h) as an aligned table, JSON Lines or RFC 4180 CSV, into a capped
 * ts_buf (front-end floor: used by engine/cli only). Rules are named by id and, from the
 * pack, title. TS_LIMIT at out's cap, TS_NOMEM, TS_USAGE for another format. */
#ifndef TS_RENDER_NEAR_MISS_H
#define TS_RENDER_NEAR_MISS_H

#include "triscreen/buf.h"
#include "triscreen/lists.h"
#include "triscreen/rulehost.h"
#include "triscreen/status.h"

/* The header (table, CSV; nothing for JSONL). */
ts_status ts__render_near_miss_head(ts_out_format fmt, ts_buf *out, ts_err *err) TS_MUST_CHECK;
/* One row. Table: fixed columns, then the fired ids and the tipping rules
 * "id +POINTS|votes COLOUR (title)"; JSONL: {"person","grid","colour","score","under",
 * "threshold","gap","fired":[{"id","title"}],"tips":[{"id","title","score","vote"}]};
 * CSV: ids and titles joined with ";". */
ts_status ts__render_near_miss_row(ts_out_format fmt, const ts_rulepack *pack,
                                   const ts_near_miss_entry *e, ts_buf *out,
                                   ts_err *err) TS_MUST_CHECK;

#endif
