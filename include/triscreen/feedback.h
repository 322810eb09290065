/* triscreen/feedback.h — the three feedbacks: early, detailed and quick alerts, and the
 * officers' loop around them.
 *
 * One alert per problem, one id for life. An alert is one stored row; its id
 * ("A-000042") never changes. Every trigger (a problem event at import or ingest, a rule
 * firing in a pass, a colour change) brings causes ("rule:ID", "event:TYPE DATE NOTE",
 * "colour:red@RUN", "suspect@RUN"). A person has at most one open alert per kind: a
 * trigger for a person and kind with an open alert adds its new causes to that alert (a
 * "evidence" event in its history) and raises nothing; with no open alert, a trigger
 * whose causes are all causes of the person's last closed alert of that kind raises
 * nothing (no new evidence), and one with a new cause raises a new alert that links to
 * the closed one ("reopens"). So re-running every pass raises nothing new.
 *
 * Routing: early → the group's officers; detailed → group and village; quick → group,
 * village and town (a cell without officers routes to its parent, noted in route_note).
 * The officer on the hook (target level) starts at the group. Clocks per kind (config
 * sla): an alert not acknowledged within sla.ack_minutes of being raised (or of reaching
 * its level), or acknowledged but not closed within sla.close_minutes, is overdue; a
 * sweep (ts_feedback_escalate) moves each overdue alert one level up — group → village
 * → town → county desk — on the same id, adds that level's officers to its route, moves
 * it to the head of the feed (a new cursor, so that level is notified once), restarts its
 * clock, and records an "escalated" event. At the county desk it stays and counts as
 * overdue. Reading never escalates.
 *
 * Lifecycle: new → claimed → acknowledged → closed; close needs an outcome and a note;
 * reopen (a closed alert back to new, clocks restarted) needs a note. Only an officer of
 * the grid acts, and only on alerts of persons in their cell or below (the county desk:
 * anywhere); an alert claimed by another officer is acted on only by that officer, an
 * officer of their cell or above it, or the county desk. Every action and every refused attempt is
 * in the audit log with the officer and the token.
 *
 * The feed: alerts.seq is the cursor, monotonic (assigned in the one write transaction,
 * never reused); a reader that remembers the last cursor it handled and asks for
 * cursor > last sees every raise, escalation and reopen exactly once. Claim, ack and
 * close change the alert in place and do not move it. */
#ifndef TRISCREEN_FEEDBACK_H
#define TRISCREEN_FEEDBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/jsonw.h"
#include "triscreen/officer.h"
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
/* Hook for ts_screen_opts.on_alert_batch (ud = the ts_feedback_ctx): from BEGIN to END
 * the causes of the new alerts are held and then written 16 to a statement (nothing in a
 * pass's batch reads the causes of an alert it raised: each person and kind is raised
 * once a pass); ABORT drops them. */
ts_status ts_feedback_on_alert_batch(void *ud, ts_store *s, int phase, ts_err *err);
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
/* Triggers that added new evidence to an open alert instead of raising one, and triggers
 * that brought nothing new (every cause already on the open or last closed alert). */
uint64_t ts_feedback_updated(const ts_feedback_ctx *fb, ts_feedback kind);
uint64_t ts_feedback_known(const ts_feedback_ctx *fb, ts_feedback kind);

/* Where alerts raised next come from: the run (a pass or an HTTP ingest's inline run) or
 * the import (ts_store_ingest_begin); 0 = none. Stored on each alert. */
void ts_feedback_set_source(ts_feedback_ctx *fb, int64_t run, int64_t ingest);

/* The clock sweep at time `at` (unix seconds): every open alert whose deadline has passed
 * and that is below the county desk climbs one level (see the top of this file). Works in
 * batches of at most `batch` alerts (0: TS_ESCALATE_BATCH_DEFAULT; at most
 * TS_LIMIT_ESCALATE_BATCH), each in its own short transaction (flushing the sink after
 * each) and, between two, a pause as long as the last batch took (at most 50 ms), so a
 * writer in this or another process waits at most about one batch. With a transaction
 * open on s it moves one batch inside it: the caller calls again while
 * *escalated == batch. *escalated receives the number moved up. */
ts_status ts_feedback_escalate(ts_feedback_ctx *fb, ts_store *s, int64_t at, size_t batch,
                               uint64_t *escalated, ts_err *err) TS_MUST_CHECK;

/* Escalations through this context that reached the county desk. */
uint64_t ts_feedback_escalated_to_desk(const ts_feedback_ctx *fb);

/* ---- the officers' loop ------------------------------------------------------------------ */

/* Who acts: an officer of the grid (its id), and the token the request came through (NULL
 * on the command line). */
typedef struct ts_actor {
    const char *officer;
    const char *token;
} ts_actor;

/* ts_officer_check (triscreen/officer.h): only officers of the grid act. */

typedef struct ts_alert_action {
    ts_alert_verb verb;
    const char *alert_id;     /* "A-000042" or the bare id number */
    ts_close_outcome outcome; /* close: required */
    const char *note;         /* close and reopen: required; others optional */
    int64_t at;               /* unix seconds (the CLI's --now or the clock) */
} ts_alert_action;

/* Applies one action for actor. Errors, each with nothing changed and (except TS_NOMEM,
 * TS_STORE) the refused attempt audited as "alert.<verb>.refused":
 * TS_USAGE an actor who is not an officer of the grid; TS_NOTFOUND an unknown or
 * malformed id; TS_DENIED the alert's person is outside the officer's cells (the
 * message does not say more about the alert); TS_STATE the verb does not apply to the
 * alert's state (closed, already claimed/acknowledged, claimed by another officer, reopen
 * of an open alert); TS_INVALID close without outcome or note, reopen without note (err
 * names the field). On success the history gets an event with who and when, the audit a
 * row with officer and token, and *state (may be NULL) the state reached. In its own
 * transaction (or the caller's, when one is open on s; then a refusal is audited by the
 * caller). */
ts_status ts_alert_act(ts_store *s, const ts_grid *g, const ts_config *cfg, const ts_actor *actor,
                       const ts_alert_action *act, ts_alert_state *state,
                       ts_err *err) TS_MUST_CHECK;

/* claim-next: claims for actor the most urgent unclaimed ("new") alert of a person in the
 * officer's cells — earliest deadline first, then quick before detailed before early, then
 * the oldest — optionally only of `kind` (NONE = any). One write transaction, so two
 * concurrent callers get different alerts. TS_NOTFOUND when there is none (nothing
 * changed); TS_USAGE for a non-officer. id receives "A-000042". */
ts_status ts_alert_claim_next(ts_store *s, const ts_grid *g, const ts_actor *actor,
                              ts_feedback kind, int64_t at, char id[24], ts_err *err) TS_MUST_CHECK;

/* One event of an alert's history. */
typedef struct ts_alert_event {
    const char *at;    /* "YYYY-MM-DDTHH:MM:SSZ" */
    const char *what;  /* "raised", "evidence", "escalated", "claimed", "acknowledged",
                          "closed", "reopened", "reopened-as" */
    const char *by;    /* officer id, or "engine" */
    const char *token; /* NULL when none */
    const char *note;  /* "" when none (escalated: the level and route) */
} ts_alert_event;

typedef ts_status (*ts_alert_event_fn)(void *ud, const ts_alert_event *e);

/* ---- reading ------------------------------------------------------------------------------ */

typedef struct ts_alert_filter {
    int64_t since;                /* cursor: only alerts with a greater cursor */
    ts_feedback kind;             /* NONE = any */
    const ts_cell *const *scopes; /* any of these cells (NULL entries = all); n_scopes 0 = all */
    size_t n_scopes;
    const char *officer;   /* only alerts routed to this officer or claimed by them */
    const char *status;    /* "new" | "claimed" | "acknowledged" ("acked") | "closed" |
                              "open" (any but closed) | NULL */
    int64_t created_since; /* unix seconds: only alerts raised at or after; 0 = any */
    size_t limit;          /* 0 = no limit */
    /* who reads (NULL = unscoped): evidence and the headline's circle are rendered for
     * this reader — nothing about a person outside its scopes (ts_reader) */
    const ts_reader *reader;
    /* the rule pack whose titles are shown beside rule ids (NULL: no titles) */
    const ts_rulepack *pack;
    int64_t now;       /* unix seconds: decides `overdue` (0 = the wall clock) */
    bool newest_first; /* feed order: highest cursor first (the console's feed) */
    int64_t before;    /* cursor: only alerts with a smaller cursor; 0 = any */
} ts_alert_filter;

/* One rule behind an alert, as the reader may see it (evidence redacted for scope). */
typedef struct ts_alert_rule {
    const char *id;
    const char *title; /* NULL when the pack has no such rule (or no title) */
    const char *evidence;
} ts_alert_rule;

/* One alert, typed (DESIGN.md §Alerts shape, issue 14). Every pointer is borrowed and
 * valid only during the callback that receives the alert. */
typedef struct ts_alert {
    char id[24];    /* "A-000042" */
    int64_t cursor; /* its position in the feed */
    ts_feedback kind;
    const char *person, *grid;
    const char *cell_name; /* the grid cell's name ("" when unknown) */
    ts_colour colour;      /* TS_COLOUR_NONE when the alert has none (quick, early) */
    const ts_alert_rule *rules;
    size_t n_rules;
    const char *const *route; /* officer ids */
    size_t n_route;
    const char *route_note;    /* NULL when none */
    const char *created;       /* "YYYY-MM-DDTHH:MM:SSZ" */
    int64_t run;               /* 0 = none */
    int64_t ingest;            /* 0 = none */
    const char *rules_version; /* NULL when none */
    /* the deploy note and deployer of that version (`rules deploy`); NULL when the pack
     * was never deployed as a stored version */
    const char *rules_note, *rules_by;
    ts_alert_state status;
    int level;             /* escalations; 0 = never escalated */
    const char *escalated; /* when level > 0: the time of the last escalation */
    ts_cell_level target;  /* who is on the hook: group, village, town; 0 = county desk */
    const char *due;       /* the clock's next deadline; NULL when closed */
    bool overdue;          /* due has passed (at the filter's now) */
    const char *claimed_by, *claimed_at, *acked_at, *closed_at; /* NULL when not */
    ts_close_outcome outcome;                                   /* NONE unless closed */
    char reopens[24];                                           /* "" or "A-000017" */
    /* the triggering event (quick alerts from a problem event); NULL type when none */
    const char *event_type, *event_date, *event_text;
    /* a detailed alert's headline as this reader may see it (lists/redact.h), as JSON
     * object text; NULL when none */
    const char *headline;
} ts_alert;

/* Calls fn for each matching alert in cursor order. The kind, status, officer, the scopes
 * (the scope cells and every cell below them) and limit are part of the SQL: an alert
 * outside the scopes is never read. *last receives the last cursor seen (unchanged if
 * none). TS_INVALID for a bad status name (err names "status"). */
typedef ts_status (*ts_alert_row_fn)(void *ud, const ts_alert *a);
ts_status ts_alerts_read(ts_store *s, const ts_grid *grid, const ts_alert_filter *f,
                         ts_alert_row_fn fn, void *ud, int64_t *last, ts_err *err) TS_MUST_CHECK;

/* One alert and its history for a reader (`alerts show ID`, GET /v1/alerts/ID): fn gets
 * the alert, then ev each history event in order. TS_NOTFOUND for an unknown id and for
 * an alert outside f->scopes (the same answer: nothing is revealed). f->since, limit,
 * kind, status and officer are ignored. */
ts_status ts_alert_show(ts_store *s, const ts_grid *grid, const ts_alert_filter *f,
                        const char *alert_id, ts_alert_row_fn fn, ts_alert_event_fn ev, void *ud,
                        ts_err *err) TS_MUST_CHECK;

/* The alert JSON encoder: writes a as its JSON object — used by the sink, the service
 * and the renderers alike. */
void ts_alert_write_json(ts_jsonw *w, const ts_alert *a);
/* One history event as a JSON object. */
void ts_alert_event_write_json(ts_jsonw *w, const ts_alert_event *e);

/* ts_alerts_read with each alert as its JSON text (ts_alert_write_json) and cursor. */
typedef ts_status (*ts_alert_fn)(void *ud, const char *json, int64_t cursor);
ts_status ts_alerts_list(ts_store *s, const ts_grid *grid, const ts_alert_filter *f, ts_alert_fn fn,
                         void *ud, int64_t *last, ts_err *err) TS_MUST_CHECK;

/* ---- statistics ------------------------------------------------------------------------- */

/* The figures of one group of alerts (a kind, a town, a village, or all). Times in
 * minutes; p50/p90 < 0 when nothing was timed. */
typedef struct ts_alert_figures {
    uint64_t raised; /* alerts */
    uint64_t by_state[TS_ALERT_STATE_N];
    uint64_t acked_in_time; /* acknowledged within the kind's sla.ack_minutes */
    uint64_t closed;
    double closure_rate; /* closed / raised (0 when none raised) */
    double ack_p50, ack_p90, close_p50, close_p90;
    uint64_t overdue; /* open and past their deadline now */
} ts_alert_figures;

typedef struct ts_alert_cell_stat {
    const char *code, *name; /* borrowed from the grid; code NULL: cells not in the grid */
    ts_alert_figures fig;
} ts_alert_cell_stat;

/* `alerts --stats`, /metrics and the report: every alert in the reader's scopes (the
 * filter's scopes; its other fields are ignored but `now`), per kind, per town and per
 * village (grid order, only cells with alerts), overdue now per level of the grid
 * (group, village, town, county desk), against the configured closure target. */
typedef struct ts_alert_stats {
    ts_alert_figures all;
    ts_alert_figures kinds[TS_FEEDBACK_N]; /* [TS_FEEDBACK_NONE] = rows of an unknown kind */
    ts_alert_cell_stat *towns, *villages;
    size_t n_towns, n_villages;
    uint64_t overdue_by_level[4]; /* [0] county desk, [TS_CELL_TOWN], [VILLAGE], [GROUP] */
    double closure_target;        /* 0.99 by default (config sla.closure_target) */
} ts_alert_stats;
ts_status ts_alerts_stats_read(ts_store *s, const ts_grid *grid, const ts_config *cfg,
                               const ts_alert_filter *f, ts_alert_stats *out,
                               ts_err *err) TS_MUST_CHECK;
void ts_alert_stats_release(ts_alert_stats *st);

/* The highest cursor in the database (0 when none). */
ts_status ts_alerts_max_cursor(ts_store *s, int64_t *out, ts_err *err) TS_MUST_CHECK;

/* Parses an `at` for ts_feedback_escalate: "YYYY-MM-DD" (00:00 UTC),
 * "YYYY-MM-DDTHH:MM[:SS][Z]" (UTC; a space may replace the T) or "@UNIXSECONDS". */
bool ts_alert_parse_time(const char *s, int64_t *out);

#endif
