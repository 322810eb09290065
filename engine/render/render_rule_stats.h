/* render/render_rule_stats.h — `triscreen rules stats` as text or JSON (front-end floor:
 * used by engine/cli only; never touches the store). Rows come from ts_store_rule_stats
 * (triscreen/rule_stats.h), titles from the rule pack. Counts, ids, titles and dates
 * only. TS_LIMIT when out's cap is reached, TS_NOMEM, TS_USAGE for another format. */
#ifndef TS_RENDER_RULE_STATS_H
#define TS_RENDER_RULE_STATS_H

#include <stddef.h>

#include "triscreen/buf.h"
#include "triscreen/lists.h"
#include "triscreen/rule_stats.h"
#include "triscreen/rulehost.h"
#include "triscreen/status.h"

typedef struct ts__rule_stats_view {
    const ts_rulepack *pack;  /* every rule of the pack is shown, in pack order */
    const ts_rule_stat *rows; /* by rule id (any order); ids the pack lacks are left out */
    size_t n_rows;
    const char *since;        /* NULL = all time */
    const char *now;          /* the app's now, YYYY-MM-DD */
    const char *silent_since; /* a rule without a firing on or after this day is silent */
} ts__rule_stats_view;

/* Appends the report in fmt (TS_OUT_TEXT: an aligned table, then the silent rules;
 * TS_OUT_JSON: one object {"since","now","silent_since","rules":[...],"silent":[...]}). */
ts_status ts__render_rule_stats(const ts__rule_stats_view *v, ts_out_format fmt, ts_buf *out,
                                ts_err *err) TS_MUST_CHECK;

#endif
