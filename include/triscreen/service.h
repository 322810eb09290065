/* triscreen/service.h — the library side of `triscreen serve`: live generations of
 * config + grid + rule pack (reloaded on demand, reference-counted so that in-flight
 * work finishes on the generation it started with), bearer-token authentication and
 * grid scopes, a pool of read connections, and the single writer thread that owns the
 * write connection and group-commits the writes of concurrent requests.
 *
 * Invariants:
 *  - Exactly one thread (the writer) writes to the database. Every write (ingest,
 *    audit entries, alert actions, screening passes, escalation) is a job handed to it;
 *    jobs that arrive together share one transaction (ingest, audit) or run alone in
 *    arrival order (alert actions, claim-next, screen, one batch of a clock sweep). A job's `done`
 * callback runs on the writer thread after the job's transaction committed (or failed).
 *  - A generation is immutable once published; ts_service_acquire returns it with a
 *    reference that the caller gives back with ts_service_gen_release.
 *  - No HTTP here: the front end maps statuses and JSON to its protocol. */
#ifndef TRISCREEN_SERVICE_H
#define TRISCREEN_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/status.h"
#include "triscreen/store.h"
#include "triscreen/vocab.h"

typedef struct ts_service ts_service;
typedef struct ts_service_gen ts_service_gen;
typedef struct ts_svc_job ts_svc_job;

/* A token as the service sees it, resolved against the grid of its generation: a
 * configured token (its scopes; codes unknown to the grid match nothing; `officer:` when
 * it names one) or a stored officer token (`triscreen token add`: scope = its officer's
 * cell, the county desk: all; never write). */
typedef struct ts_principal {
    const char *name; /* the config token's name, or the stored token's id */
    bool write;
    bool all; /* one of its scopes is "all" */
    const ts_cell *const *cells;
    size_t n_cells;
    const char *officer;         /* officer id the token acts as; NULL when none */
    const ts_cell *officer_cell; /* the officer's cell; NULL for the county desk or none */
    bool county_desk;            /* officer is one of the grid's county desk */
    const char *token_id;        /* "tk-…" (stored) or the config token's name */
} ts_principal;

/* Called (from the writer or the ticker thread) whenever the highest committed alert
 * cursor may have moved, and at least every ~100 ms, with the current highest cursor. */
typedef void (*ts_service_cursor_fn)(void *ud, int64_t max_cursor);
/* Called on the writer thread when a job has finished (committed or failed). */
typedef void (*ts_service_done_fn)(void *ud);

/* Loads config_path (config, grid, rule pack: all validated), opens the write
 * connection (creating/migrating the database and storing the grid when the database
 * has no cells yet), and starts the writer and ticker threads. Statuses of the loaders
 * (TS_CONFIG, TS_RULE, TS_STORE, ...). */
ts_status ts_service_open(const char *config_path, ts_service **out, ts_err *err) TS_MUST_CHECK;
/* Finishes every queued job, stops the threads and closes the database. Accepts NULL. */
void ts_service_close(ts_service *svc);
/* Stops taking jobs and waits up to timeout_ms for the writer to finish the queued ones:
 * TS_OK when it did (ts_service_close then returns promptly), TS_BUSY when a job is still
 * running (a caller that must exit now exits without ts_service_close; every committed
 * write is durable). */
ts_status ts_service_stop(ts_service *svc, unsigned timeout_ms) TS_MUST_CHECK;

/* Installs the cursor listener (call before serving; ud is borrowed). */
void ts_service_set_listener(ts_service *svc, ts_service_cursor_fn fn, void *ud);
/* The highest alert cursor known to be committed. Thread-safe. */
int64_t ts_service_cursor(ts_service *svc);

/* ---- generations -------------------------------------------------------------------- */

/* The live generation, with a reference. Thread-safe. */
ts_service_gen *ts_service_acquire(ts_service *svc);
/* Gives a reference back (the last one frees the generation). Accepts NULL. */
void ts_service_gen_release(ts_service_gen *g);
const ts_config *ts_service_gen_config(const ts_service_gen *g);
const ts_grid *ts_service_gen_grid(const ts_service_gen *g);
const ts_rulepack *ts_service_gen_pack(const ts_service_gen *g);
uint64_t ts_service_gen_number(const ts_service_gen *g);

/* The number of the live generation (1 at open, +1 per reload that went live). */
uint64_t ts_service_generation(ts_service *svc);
/* A counter that moves whenever the stored officer tokens were re-read with a change
 * (added or revoked): a request parked on the feed re-authenticates when it moved.
 * Thread-safe. */
uint64_t ts_service_tokens_epoch(ts_service *svc);

/* True once after the ticker saw the database's active rules version (`rules deploy`,
 * `rules rollback`) differ from the live generation's pack: the caller (serve's signal
 * loop) then starts a reload as on SIGHUP. Polled within RULES_POLL_TICKS ticks; a
 * version whose reload failed is not asked for again until the active one changes.
 * Thread-safe. */
bool ts_service_rules_changed(ts_service *svc);

/* Reloads run on a thread of their own, so that a pack whose loading or first evaluation
 * hangs cannot stop the caller (the signal loop). The thread re-reads the config file,
 * the grid and the rule pack, checks them (every pass has a rule, each pass evaluates a
 * person, the database path is unchanged) and prepares the new generation; it goes live
 * only through ts_service_reload_poll.
 *
 * ts_service_reload_begin starts one and returns at once: TS_BUSY when one is under way,
 * TS_STATE when too many reloads that timed out are still running (restart).
 * ts_service_reload_poll: TS_BUSY while it runs within its deadline
 * (service.reload_timeout_s of the live config); TS_OK when the new generation went
 * live; otherwise it failed or timed out (TS_LIMIT), the old generation stays live and
 * the error (err, and ts_service_reload_error) says why; TS_NOTFOUND when no reload is
 * under way. A reload past its deadline is abandoned: its thread owns what it uses and
 * may outlive the service. Thread-safe. */
ts_status ts_service_reload_begin(ts_service *svc, ts_err *err) TS_MUST_CHECK;
ts_status ts_service_reload_poll(ts_service *svc, ts_err *err) TS_MUST_CHECK;
/* begin + poll until it is over (blocks the caller up to the deadline). */
ts_status ts_service_reload(ts_service *svc, ts_err *err) TS_MUST_CHECK;
/* Copies the error of the last reload attempt ("" after a successful one) into buf;
 * returns false when there is none. */
bool ts_service_reload_error(ts_service *svc, char *buf, size_t cap);

/* ---- authentication and scopes ----------------------------------------------------- */

/* The token whose SHA-256 matches secret, or NULL: the configured tokens, then the
 * database's active officer tokens as last refreshed (the service re-reads them about
 * every half second when they changed, so `token add`/`token revoke` apply within ~1 s).
 * Compared in constant time against every token. A stored token whose officer the
 * generation's grid does not name authenticates nobody. The principal lives as long as
 * the generation (the request's reference keeps it). Thread-safe. */
const ts_principal *ts_service_gen_auth(const ts_service_gen *g, const char *secret, size_t len);
/* ts_service_gen_auth for a token known by its SHA-256 (64 lowercase hex digits and a
 * NUL), as a console session keeps it: the same tokens, the same constant-time compare.
 * NULL when none matches (revoked, or its officer left the grid). Thread-safe. */
const ts_principal *ts_service_gen_auth_sha256(const ts_service_gen *g, const char *hex);
/* True when cell lies within one of p's scopes (NULL cell: false unless p->all). */
bool ts_principal_sees(const ts_principal *p, const ts_cell *cell);
/* Like ts_principal_sees for a grid code. */
bool ts_principal_sees_code(const ts_principal *p, const ts_grid *g, const char *code);

/* Refused writes (records outside the token's scopes, alerts it cannot see): each token
 * may make TS_LIMIT_HTTP_REFUSALS of them per minute; past that ts_service_throttled is
 * true for the rest of the minute. Thread-safe. */
void ts_service_note_refusals(ts_service *svc, const ts_principal *p, size_t n);
bool ts_service_throttled(ts_service *svc, const ts_principal *p);

/* ---- read connections ---------------------------------------------------------------- */

/* A read-only connection from the pool (opened on demand). Give it back with
 * ts_service_reader_put; use it from one thread at a time. */
ts_status ts_service_reader_get(ts_service *svc, ts_store **out, ts_err *err) TS_MUST_CHECK;
void ts_service_reader_put(ts_service *svc, ts_store *s);

/* ---- write jobs ---------------------------------------------------------------------- */

/* The constructors below prepare a job (the caller owns it) without queueing it; hand it
 * to the writer with ts_service_submit. After submission the writer owns it until it
 * calls `done` (or frees it itself when done is NULL); then the caller reads the result
 * and frees it. The queue is bounded (ts_queue, TS_LIMIT_SERVICE_QUEUE jobs): submit
 * waits while it is full. TS_STATE when the service is shutting down (the caller still
 * owns it). Thread-safe: any number of threads may submit. */
ts_status ts_service_submit(ts_service *svc, ts_svc_job *j, ts_err *err) TS_MUST_CHECK;

/* Ingest: parses body (one JSON record when `single`, else JSON Lines) on the calling
 * thread and checks each record against the grid (a group cell) and p's scopes; the
 * writer upserts them, raises quick alerts for new problem
 * events, re-evaluates the persons inline (ts_screen_inline) and commits with whatever
 * else is queued. TS_PARSE (with a message) when `single` and the body is not one JSON
 * object; TS_INVALID for an empty body. g and p are borrowed and must stay alive until
 * done runs (the job takes its own generation reference). */
ts_status ts_service_ingest(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                            const char *body, size_t len, bool single, ts_service_done_fn done,
                            void *ud, ts_svc_job **out, ts_err *err) TS_MUST_CHECK;
/* An audit entry, written in the next group commit. */
ts_status ts_service_audit(ts_service *svc, ts_service_gen *g, const char *actor,
                           const char *action, const char *target, const char *detail,
                           ts_service_done_fn done, void *ud, ts_svc_job **out,
                           ts_err *err) TS_MUST_CHECK;
/* ts_service_audit naming the token the action came through (token may be NULL). */
ts_status ts_service_audit_tok(ts_service *svc, ts_service_gen *g, const char *actor,
                               const char *token, const char *action, const char *target,
                               const char *detail, ts_service_done_fn done, void *ud,
                               ts_svc_job **out, ts_err *err) TS_MUST_CHECK;
/* An officer's action on an alert (claim, ack, close, reopen) for principal p: the
 * actor is p's officer and the token p->token_id, never anything the client sent. The
 * writer runs ts_alert_act alone in its own transaction; a refused act (TS_DENIED,
 * TS_STATE, TS_INVALID, TS_NOTFOUND, TS_USAGE) is rolled back and then audited as
 * "alert.<verb>.refused" with the officer and token. Result status: as ts_alert_act;
 * ts_svc_job_alert gives the state reached. TS_DENIED here (nothing queued) when p is
 * bound to no officer. note and alert_id are copied; at in unix seconds. */
ts_status ts_service_alert_act(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                               ts_alert_verb verb, const char *alert_id, ts_close_outcome outcome,
                               const char *note, int64_t at, ts_service_done_fn done, void *ud,
                               ts_svc_job **out, ts_err *err) TS_MUST_CHECK;
/* claim-next for p's officer (ts_alert_claim_next on the writer: jobs run one at a time,
 * so two concurrent callers get different alerts). kind NONE = any. Result status:
 * TS_NOTFOUND when no unclaimed alert is in the officer's cells; ts_svc_job_alert gives
 * the claimed alert's id. TS_DENIED (nothing queued) when p has no officer. */
ts_status ts_service_claim_next(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                                ts_feedback kind, int64_t at, ts_service_done_fn done, void *ud,
                                ts_svc_job **out, ts_err *err) TS_MUST_CHECK;
/* A review for p's officer (POST /v1/persons/ID/review), alone on the writer: TS_NOTFOUND
 * (nothing written) when p may not see the person or it is not stored; TS_DENIED when the
 * officer does not cover the person's cell (ts_officer_review_check: audited
 * "review.refused" with the token); else ts_lists_review with by = the officer at `now`
 * ("YYYY-MM-DD"), whose statuses it returns (TS_INVALID naming the field in err->where,
 * TS_NOTFOUND for a person off the lists). ts_svc_job_result's JSON then is
 * {"review":{"person","outcome","colour","until","next_review","by"}} (colour and
 * next_review as the lists hold them after the review; null when off the lists).
 * TS_DENIED here (nothing queued) when p has no officer. Strings are copied. */
ts_status ts_service_review(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                            const char *person, ts_review_outcome outcome, ts_colour colour,
                            const char *until, const char *note, const char *now,
                            ts_service_done_fn done, void *ud, ts_svc_job **out,
                            ts_err *err) TS_MUST_CHECK;
/* Runs the screening passes (mask of 1 << ts_pass; 0 = all) over scope (NULL = all) at
 * now. TS_BUSY when another screening is queued or running (one at a time; freeing a
 * job that never ran releases the slot). */
ts_status ts_service_screen(ts_service *svc, ts_service_gen *g, const char *actor, unsigned passes,
                            const char *scope, int32_t now, ts_service_done_fn done, void *ud,
                            ts_svc_job **out, ts_err *err) TS_MUST_CHECK;
/* Queues the clock sweep at `at` (unix seconds; 0 = the clock when it runs): the writer
 * runs ts_feedback_escalate one batch of at most `batch` alerts (0:
 * TS_LIMIT_SERVICE_SWEEP_BATCH; at most TS_LIMIT_ESCALATE_BATCH) per step, each in its own
 * transaction, and runs the next batch only after the jobs that arrived meanwhile, so a sweep over
 * many alerts holds other writes up for one batch at a time. Fire and forget; false (nothing
 * queued) while a sweep is still under way or when the service is stopping. `serve` runs it every
 * config sla.sweep_seconds. Thread-safe. */
bool ts_service_escalate(ts_service *svc, int64_t at, size_t batch);

/* After done: the job's status and error, and its JSON result (ingest: per-record
 * results; screen: the run summaries; NULL for others). Valid until ts_svc_job_free. */
ts_status ts_svc_job_result(const ts_svc_job *j, const char **json, ts_err *err);
/* An act or claim-next job after done: the alert's id ("A-000042"; claim-next: the one
 * claimed, "" when none) and the state it reached. */
const char *ts_svc_job_alert(const ts_svc_job *j, ts_alert_state *state);
/* Ingest: records accepted, rejected as invalid, rejected as outside the scopes. */
void ts_svc_job_counts(const ts_svc_job *j, size_t *accepted, size_t *invalid, size_t *forbidden);
void ts_svc_job_free(ts_svc_job *j);

/* ---- console sessions --------------------------------------------------------------- */

/* The officers' console signs in once with an officer token and then holds a session
 * cookie. The table keeps, per session, the SHA-256 of its id and of its token (never
 * the secret: each request re-resolves the principal from the token hash on the live
 * generation), its CSRF token and its clocks. At most `cap` sessions: creating one more
 * drops the least recently used. A session ends `idle_s` after its last use or `max_s`
 * after its creation, whichever comes first. Times are unix seconds given by the caller
 * (tests inject a clock). All calls are thread-safe (one mutex). */
typedef struct ts_sessions ts_sessions;

#define TS_SESSION_ID_LEN 43 /* 32 random bytes (getrandom) as unpadded base64url */

typedef struct ts_session {
    char token_sha256[65];               /* the hash of the token it signed in with */
    char csrf[TS_SESSION_ID_LEN + 1];    /* sent back as X-CSRF-Token by the page */
    int64_t created, last_used, expires; /* expires: the earlier of idle and absolute end */
} ts_session;

/* A new empty table. TS_NOMEM; TS_USAGE for cap 0. */
ts_status ts_sessions_new(size_t cap, int64_t idle_s, int64_t max_s, ts_sessions **out,
                          ts_err *err) TS_MUST_CHECK;
/* Frees the table. Accepts NULL. */
void ts_sessions_free(ts_sessions *t);
/* A new session for the token whose hash is token_sha256: its id (TS_SESSION_ID_LEN
 * characters and a NUL, shown once to the caller, kept only as its hash) into id and the
 * session into *out. TS_IO when the system has no randomness to give. */
ts_status ts_sessions_create(ts_sessions *t, const char *token_sha256, int64_t now,
                             char id[TS_SESSION_ID_LEN + 1], ts_session *out,
                             ts_err *err) TS_MUST_CHECK;
/* The live session called id (a NUL-terminated string from a cookie; anything that is not
 * a session id finds nothing): true, its last use set to now and a copy in *out. An
 * expired session is removed and not found. */
bool ts_sessions_lookup(ts_sessions *t, const char *id, int64_t now, ts_session *out);
/* Removes session id; false when there was none. */
bool ts_sessions_delete(ts_sessions *t, const char *id);
/* Removes every session of the token whose hash is token_sha256 (it was revoked or lost
 * its officer); returns how many. */
size_t ts_sessions_drop_token(ts_sessions *t, const char *token_sha256);
/* Sessions alive at now. */
size_t ts_sessions_active(ts_sessions *t, int64_t now);
/* True when got (NUL-terminated, may be NULL) equals s's CSRF token; constant time. */
bool ts_session_csrf_ok(const ts_session *s, const char *got);
/* Sign-in throttle per client address (key: its bytes): blocked when
 * TS_LIMIT_HTTP_SIGNIN_FAILS failures were noted within the minute that started with the
 * first of them. A bounded table (the oldest address is forgotten first). */
bool ts_sessions_signin_blocked(ts_sessions *t, const void *key, size_t len, int64_t now);
void ts_sessions_signin_failed(ts_sessions *t, const void *key, size_t len, int64_t now);
/* Counters for /metrics: sessions created (sign-ins that succeeded) and failures noted. */
void ts_sessions_counts(ts_sessions *t, uint64_t *signins_ok, uint64_t *signins_failed);

/* The service's table (TS_LIMIT_HTTP_SESSIONS, _SESSION_IDLE_S, _SESSION_S), made by
 * ts_service_open. */
ts_sessions *ts_service_sessions(ts_service *svc);

/* ---- statistics ---------------------------------------------------------------------- */

typedef struct ts_service_stats {
    uint64_t records_accepted, records_rejected;
    uint64_t rule_errors;
    uint64_t alerts[4];     /* by ts_feedback kind, raised by this process */
    uint64_t escalated;     /* alerts moved up a level by the clock sweeps */
    uint64_t sweeps;        /* clock sweeps completed */
    uint64_t sweeps_failed; /* sweep batches that failed (rolled back; the next sweep retries) */
    uint64_t commits, jobs_committed; /* group commits and the jobs they carried */
    uint64_t reloads_ok, reloads_failed;
    /* shadow judgings beside the service's screen jobs (triscreen/shadow.h) */
    uint64_t shadows_ok, shadows_failed;
} ts_service_stats;
void ts_service_stats_get(ts_service *svc, ts_service_stats *out);

#endif
