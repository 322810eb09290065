/* triscreen/feedback.h — the three feedbacks: early, detailed and quick alerts.
 * Raising (routing through the grid, de-duplication), the escalation of unacknowledged
 * quick alerts, the lifecycle (new → acked → closed), the feed by cursor, statistics,
 * and the optional JSON Lines sink.
 *
 * Routing: early → the group's officers; detailed → group and village; quick → group,
 * village and town. A cell without officers routes to its parent instead, and the
 * alert's route_note says so. De-duplication: an alert is not raised again for the
 * same person, kind and set of rule ids while an earlier one is not closed; a rise in
 * colour is a new alert. The cursor (alerts.cursor, AUTOINCREMENT) is monotonic, so a
 * consumer resuming from a cursor misses nothing and sees nothing twice.
 *
 * Rows and ids: every raise and every escalation is one row of the feed with its own
 * cursor. An alert's id ("A-000042") is the cursor of its first row. An escalation
 * inserts a new row carrying the same id with level+1 and the wider route (so it
 * reappears in the feed at a new cursor), and sets the previous row's status to
 * "superseded"; the newest row of an id is its live row, the one ack/close act on and
 * the --status filters see. Why the cursor contract holds: SQLite has one writer at a
 * time (BEGIN IMMEDIATE), cursors are assigned inside that write transaction and never
 * reused (AUTOINCREMENT), so when a reader's snapshot contains cursor N it contains
 * every cursor below N too; a reader that remembers the last cursor it handled and asks
 * for cursor > last sees each row exactly once. Status changes (ack, close) update the
 * row in place and do not move it in the feed.
 *
 * Triggers (DESIGN.md §Rules "Feedback"): the pass calls ts_feedback_on_screen_alert
 * (early: newly suspect or an early rule fired; detailed: entered red / rose, or a
 * detailed rule fired; quick: a quick rule fired), the import calls
 * ts_feedback_on_problem_event for each new event whose type is in problem_events; such
 * a quick alert has rules [{"id":"problem_event","evidence":"<type> <YYYY-MM-DD>[ <note>]"}]
 * and its de-duplication key names the event (type, date, note), so every new problem
 * event is alerted once. Escalation: a quick alert still "new" quick_ack_minutes after
 * its creation (or last escalation) is escalated by one level per check; quick alerts
 * already reach the town, so an escalation re-sends to the whole chain with a
 * route_note saying the town is the top of the grid (a kind with a lower reach, e.g.
 * early at the group, would widen one level per escalation). */
#ifndef TRISCREEN_FEEDBACK_H
#define TRISCREEN_FEEDBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/jsonw.h"
#include "triscreen/record.h"
#include "triscreen/rulehost.h"
#include "triscreen/screen.h"
#include "triscreen/store.h"

typedef struct ts_feedback ts_feedback_ctx;

/* Borrowed cfg and grid must outlive the context. rules_version is copied. When the
 * config names alerts_jsonl, new alerts are appended there by ts_feedback_flush. */
ts_status ts_feedback_open(const ts_config *cfg, const ts_grid *grid, const char *rules_version,
                           ts_feedback_ctx **out, ts_err *err) TS_MUST_CHECK;
void ts_feedback_close(ts_feedback_ctx *fb);

/* Hook for ts_screen_opts.on_alert (ud = the ts_feedback_ctx). Runs inside the pass's
 * transaction. */
ts_status ts_feedback_on_screen_alert(void *ud, ts_store *s, const ts_screen_alert *a, ts_err *err);
/* Hook for ts_import_opts.on_problem_event (ud = the ts_feedback_ctx): a quick alert
 * for a new problem event. */
ts_status ts_feedback_on_problem_event(void *ud, ts_store *s, const ts_person *p,
                                       const ts_event *ev, ts_err *err);
/* Problem events that raised no quick alert because they were older than the config's
 * quick_max_age_days when ingested. */
uint64_t ts_feedback_quick_too_old(const ts_feedback_ctx *fb);
/* After the caller's commit: appends the alerts committed since the last flush to the
 * JSON Lines sink (if configured) and flushes it. */
ts_status ts_feedback_flush(ts_feedback_ctx *fb, ts_store *s, ts_err *err) TS_MUST_CHECK;
/* After the caller rolled back: forgets the alerts raised since the last flush (optional:
 * a flush skips rows that are gone or whose cursor another writer reused, by their
 * de-duplication key). Accepts NULL. */
void ts_feedback_discard(ts_feedback_ctx *fb);
/* Number of alerts raised through this context so far, by ts_feedback kind (new alerts
 * only; escalations are counted by ts_feedback_escalate). */
uint64_t ts_feedback_raised(const ts_feedback_ctx *fb, ts_feedback kind);

/* Escalates quick alerts still "new" quick_ack_minutes after they were raised (or last
 * escalated) at time `at` (unix seconds): records the escalation, routes one level
 * further up, and raises the alert again (a new cursor, same alert id). In its own
 * transaction (or the caller's, when one is open on s); after its own commit it flushes
 * the sink. Each escalation writes a history row ("escalated", by "engine") and the
 * audit log. *escalated receives the number of alerts escalated. */
ts_status ts_feedback_escalate(ts_feedback_ctx *fb, ts_store *s, int64_t at, unsigned *escalated,
                               ts_err *err) TS_MUST_CHECK;

/* Lifecycle. alert_id is "A-000042" or the bare cursor number (of any row of the alert;
 * the live row is acted on). TS_NOTFOUND for an unknown or malformed id, TS_STATE when
 * already closed (or ack of an acked alert), TS_INVALID when `by` is empty or close has
 * no note. Each writes the status history (alert_history.alert = the id number) and the
 * audit log, in its own transaction (or the caller's, when one is open on s). */
ts_status ts_alert_ack(ts_store *s, const char *alert_id, const char *by, const char *note,
                       ts_err *err) TS_MUST_CHECK;
ts_status ts_alert_close(ts_store *s, const char *alert_id, const char *by, const char *note,
                         ts_err *err) TS_MUST_CHECK;

typedef struct ts_alert_filter {
    int64_t since;                /* cursor: only alerts with a greater cursor */
    ts_feedback kind;             /* NONE = any */
    const ts_cell *const *scopes; /* any of these cells (NULL entries = all); n_scopes 0 = all */
    size_t n_scopes;
    const char *officer; /* only alerts routed to this officer */
    const char *status;  /* "new" | "acked" | "closed" | NULL */
    size_t limit;        /* 0 = no limit */
    /* who reads (NULL = unscoped): evidence and the headline's circle are rendered for
     * this reader — nothing about a person outside its scopes (ts_reader) */
    const ts_reader *reader;
} ts_alert_filter;

/* One rule behind an alert, as the reader may see it (evidence redacted for scope). */
typedef struct ts_alert_rule {
    const char *id;
    const char *evidence;
} ts_alert_rule;

/* One row of the feed, typed (DESIGN.md §Alerts shape). Every pointer is borrowed and
 * valid only during the callback that receives the alert. */
typedef struct ts_alert {
    char id[24]; /* "A-000042": the cursor of the alert's first row */
    int64_t cursor;
    ts_feedback kind;
    const char *person, *grid;
    ts_colour colour; /* TS_COLOUR_NONE when the alert has none (quick, early) */
    const ts_alert_rule *rules;
    size_t n_rules;
    const char *const *route; /* officer ids */
    size_t n_route;
    const char *route_note;    /* NULL when none */
    const char *created;       /* "YYYY-MM-DDTHH:MM:SSZ" */
    int64_t run;               /* 0 = none */
    const char *rules_version; /* NULL when none */
    ts_alert_state status;
    int level;             /* escalations; 0 = never escalated */
    const char *escalated; /* when level > 0: the time of the last escalation */
    /* a detailed alert's headline as this reader may see it (lists/redact.h), as JSON
     * object text written by json-c; NULL when none */
    const char *headline;
} ts_alert;

/* Calls fn for each matching alert in cursor order. The kind, status, officer and the
 * scopes (the scope cells and every cell below them in the grid) are part of the SQL:
 * an alert outside the scopes is never read. *last receives the last cursor seen
 * (unchanged if none). A status other than TS_OK from fn stops the read and is returned
 * (with err naming the cursor). TS_CORRUPT when a stored row is unreadable. */
typedef ts_status (*ts_alert_row_fn)(void *ud, const ts_alert *a);
ts_status ts_alerts_read(ts_store *s, const ts_grid *grid, const ts_alert_filter *f,
                         ts_alert_row_fn fn, void *ud, int64_t *last, ts_err *err) TS_MUST_CHECK;

/* The alert JSON encoder: writes a as its JSON object (DESIGN.md §Alerts shape) — used
 * by the sink, the service and the renderers alike. */
void ts_alert_write_json(ts_jsonw *w, const ts_alert *a);

/* ts_alerts_read with each alert as its JSON text (ts_alert_write_json) and cursor. */
typedef ts_status (*ts_alert_fn)(void *ud, const char *json, int64_t cursor);
ts_status ts_alerts_list(ts_store *s, const ts_grid *grid, const ts_alert_filter *f, ts_alert_fn fn,
                         void *ud, int64_t *last, ts_err *err) TS_MUST_CHECK;

/* Closure of the alerts of one town (code NULL: alerts whose cell is not in the grid). */
typedef struct ts_alert_town_stat {
    const char *code, *name; /* borrowed from the grid */
    uint64_t alerts, closed;
} ts_alert_town_stat;

/* `alerts --stats`: the live alerts (superseded rows not counted) by kind and state,
 * median minutes to acknowledge and to close, closure per town. Kind TS_FEEDBACK_NONE
 * counts rows of an unknown kind; other[] rows of an unknown status. */
typedef struct ts_alert_stats {
    uint64_t by[TS_FEEDBACK_N][TS_ALERT_STATE_N]; /* [kind][state] */
    uint64_t other[TS_FEEDBACK_N];                /* [kind]: unknown statuses */
    double median_ack, median_close;              /* minutes; < 0 when none */
    size_t n_ack, n_close;                        /* alerts timed */
    ts_alert_town_stat *towns; /* towns with alerts in grid order, the unknown one last */
    size_t n_towns;
} ts_alert_stats;
ts_status ts_alerts_stats_read(ts_store *s, const ts_grid *grid, ts_alert_stats *out,
                               ts_err *err) TS_MUST_CHECK;
void ts_alert_stats_release(ts_alert_stats *st);

/* The highest cursor in the database (0 when none). */
ts_status ts_alerts_max_cursor(ts_store *s, int64_t *out, ts_err *err) TS_MUST_CHECK;

/* Parses an `at` for ts_feedback_escalate: "YYYY-MM-DD" (00:00 UTC),
 * "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC; a space may replace the T) or "@UNIXSECONDS". */
bool ts_alert_parse_time(const char *s, int64_t *out);

#endif
