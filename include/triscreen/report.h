/* triscreen/report.h — `triscreen report` as typed aggregates: counts only, never a
 * person id or name. ts_report_read fills a ts_report; the renderers (text, JSON, HTML)
 * live in the front ends (engine/render/render_report.h).
 *
 * Rows: with scope NULL every town followed by its villages, then a county total;
 * with a town, the town then its villages; with a village, the village then its
 * groups; with a group, that group. Each row gives persons, suspects (latest full
 * pass), listed red/yellow/blue (an override to "none" is not listed), reviews due
 * (next_review on or before now), alerts (one row per alert) with open = not closed
 * (new, claimed, acknowledged), closure rate = closed / all, and the median
 * hours from an alert's first raise to its close. Counts are taken per group code and
 * summed up the grid (group → village → town), so a person whose grid code is not in
 * g is not counted. Weeks: a trend of TS_REPORT_WEEKS weekly points ending at now
 * (week k, 0 = oldest, covers the seven days from now - 7 * (11 - k) - 6 to now -
 * 7 * (11 - k)), each the red/yellow/blue counts in scope after the last live regional
 * or targeted run with status done whose now falls in that week (what-if runs — into
 * the future, or of one person — never count; `diff --rules` screens copies and never
 * writes a run here); a week without such a run has run 0. The counts come from the
 * run's summary when the run's scope is the report's ("summary": what the run counted
 * as it ended), else they are rebuilt from the list transitions (a review between runs
 * may then show from a later run, see store/report_query.h).
 *
 * now is "YYYY-MM-DD" (TS_USAGE otherwise). The reads run in one snapshot. TS_STORE /
 * TS_BUSY from the database, TS_NOMEM, TS_LIMIT past TS_LIMIT_REPORT_CLOSE_TIMES closed
 * alerts in scope. Thread-safe for distinct stores. */
#ifndef TRISCREEN_REPORT_H
#define TRISCREEN_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/grid.h"
#include "triscreen/status.h"
#include "triscreen/store.h"
#include "triscreen/vocab.h"

/* Weekly points of the trend. */
#define TS_REPORT_WEEKS 12u

typedef struct ts_report_counts {
    int64_t persons, suspects;
    int64_t lists[TS_COLOUR_N];   /* by ts_colour; the NONE slot stays 0 */
    int64_t due;                  /* reviews due */
    int64_t alerts, open, closed; /* live alert rows; open = new + acked */
} ts_report_counts;

typedef struct ts_report_row {
    const char *code, *name; /* borrowed from the grid ("all" and the county for the total) */
    const char *level;       /* "town" | "village" | "group" | "all" */
    size_t depth;            /* indentation under the first row's level */
    ts_report_counts c;
    double median_hours; /* to close; negative when no alert was closed */
} ts_report_row;

typedef struct ts_report_week {
    char from[11], to[11];          /* "YYYY-MM-DD", both days included */
    int64_t run;                    /* the run counted; 0: no live run that week */
    const char *pass, *scope, *now; /* of that run, in the report's arena (NULL when none) */
    int64_t lists[TS_COLOUR_N];     /* by ts_colour (all 0 when no run) */
    bool from_summary;              /* counted by the run itself, else rebuilt */
} ts_report_week;

typedef struct ts_report {
    const char *county;
    const ts_cell *scope; /* NULL = all (borrowed from the grid) */
    const char *now;      /* borrowed */
    ts_report_row *rows;  /* the cells shown, in grid order */
    size_t n_rows;
    ts_report_row total;                   /* the county, or the scope cell (then = rows[0]) */
    ts_report_week weeks[TS_REPORT_WEEKS]; /* oldest first, the last ends at now */
    /* The officers' loop (triscreen/feedback.h ts_alerts_stats_read), set by the caller
     * after ts_report_read and borrowed: the renderers add an "Alerts" section with its
     * figures per kind and per town and the overdue alerts by level. NULL: no section
     * (ts_report_read leaves it NULL; ts_report_release does not touch it). */
    const struct ts_alert_stats *alerts;
    ts_arena arena;
} ts_report;

/* Reads the report of `scope` (NULL = all) at now. out is released on failure. */
ts_status ts_report_read(ts_store *s, const ts_grid *g, const ts_cell *scope, const char *now,
                         ts_report *out, ts_err *err) TS_MUST_CHECK;
void ts_report_release(ts_report *r);

#endif
