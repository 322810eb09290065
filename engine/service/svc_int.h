/* service/svc_int.h — the service's private header: the structs shared by its files
 * (gen.c generations and reloads, auth.c tokens and refusals, tokens.c officer tokens,
 * jobs.c the job queue, ingest.c request parsing, apply.c ingest on the writer, writer.c
 * group commit, ticker.c, service.c lifecycle) and their ts__svc_ functions. Not for
 * other modules. */
#ifndef TS_SERVICE_SVC_INT_H
#define TS_SERVICE_SVC_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/ingest.h"
#include "triscreen/pipeline.h"
#include "triscreen/record.h"
#include "triscreen/screen.h"
#include "triscreen/service.h"
#include "base/limits.h"
#include "base/text.h"

#define GROUP_MAX TS_LIMIT_HTTP_GROUP
#define POOL_MAX TS_LIMIT_HTTP_POOL
#define TICK_MS 100        /* listener tick */
#define DB_POLL_TICKS 3    /* poll the database's max cursor every 3 ticks */
#define TOKEN_POLL_TICKS 5 /* look for added/revoked officer tokens every 5 ticks */
#define RULES_POLL_TICKS 5 /* look for a deployed or rolled back rules version */
#define CHECKPOINT_TICKS 5 /* a passive WAL checkpoint beside the writer every 5 ticks */
#define ALERTS_PER_HOOK 64u

/* ---- stored officer tokens (tokens.c) -------------------------------------------------- */

/* One active token of the database: its id, officer and hash (never a secret). */
typedef struct tok_entry {
    char id[16];
    char officer[TS_LIMIT_ID + 1];
    char sha256[65];
} tok_entry;

/* An immutable snapshot of the active tokens, reference-counted: auth reads one while the
 * ticker publishes the next. */
typedef struct tok_set {
    atomic_int refs;
    size_t n;
    tok_entry e[];
} tok_set;

/* The service's cache: the current snapshot (under mu), shared by the service and every
 * generation that went live (the last reference frees it). */
typedef struct tok_cache {
    atomic_int refs;
    pthread_mutex_t mu;
    tok_set *cur;
    int64_t mark;        /* ts_store_tokens_mark of cur (ticker thread only) */
    atomic_ullong epoch; /* +1 whenever cur is replaced (ts_service_tokens_epoch) */
} tok_cache;

/* A principal for a stored token, made on its first use in a generation (its officer's
 * cell is a cell of that generation's grid) and kept until the generation is freed. */
typedef struct stored_princ {
    ts_principal p;
    char id[16];
    char officer[TS_LIMIT_ID + 1];
    const ts_cell *cell;
} stored_princ;

/* ---- generations --------------------------------------------------------------------- */

struct ts_service_gen {
    atomic_long refs;
    uint64_t number;
    ts_config *cfg;
    ts_grid *grid;
    ts_rulepack *pack;
    ts_feedback_ctx *fb;
    ts_principal *princ;
    size_t n_princ;
    tok_cache *tokens;     /* set when the generation goes live (ts__svc_gen_attach) */
    pthread_mutex_t sp_mu; /* sp, n_sp, cap_sp */
    stored_princ **sp;
    size_t n_sp, cap_sp;
    int64_t runs[3]; /* committed ingest runs by pass (writer thread only) */
};

/* ---- jobs -------------------------------------------------------------------------- */

typedef enum {
    JOB_INGEST,
    JOB_AUDIT,
    JOB_ACT,        /* an officer's claim/ack/close/reopen (ts_alert_act) */
    JOB_CLAIM_NEXT, /* ts_alert_claim_next */
    JOB_REVIEW,     /* a console review (ts_lists_review) */
    JOB_SCREEN,
    JOB_ESCALATE /* one batch of a clock sweep; queues the next batch itself */
} job_kind;

typedef enum { REC_PENDING, REC_ACCEPTED, REC_INVALID, REC_FORBIDDEN } rec_state;

typedef struct alert_ref {
    const char *json;
    struct alert_ref *next;
} alert_ref;

typedef struct rec {
    uint64_t line;
    rec_state state, parsed_state; /* parsed_state: the verdict before the writer */
    const char *field, *reason;
    const char *refused_why; /* REC_FORBIDDEN: the cause, for the audit (static text) */
    ts_person p;
    ts_upsert res;
    int from, to;
    alert_ref *alerts, *alerts_tail;
    bool *pending; /* per relation of p: left pending by a scoped writer (issue 12 A2) */
} rec;

struct ts_svc_job {
    job_kind kind;
    ts_service_gen *gen;
    const ts_principal *who;
    char *actor, *a1, *a2, *a3; /* audit: action/target/detail; act: id/-/note; screen: scope */
    char *token;                /* act, claim-next: the token id the actor came through */
    /* act, claim-next: the verb, close outcome, kind wanted, time of the act; the result
     * (the alert acted on or claimed, the state it reached) */
    ts_alert_verb verb;
    ts_close_outcome outcome;
    ts_feedback want;
    int64_t at;
    char alert[24];
    ts_alert_state state;
    /* escalate: alerts per batch, and moved up by the batches of this sweep so far */
    size_t batch;
    uint64_t escalated;
    /* review: the outcome, the colour asked for, the day (a1 person, a2 until, a3 note) */
    ts_review_outcome review;
    ts_colour colour;
    char day[11];
    unsigned passes;
    int32_t now;
    bool close;
    ts_service_done_fn done;
    void *ud;
    ts_arena arena;
    rec *recs;
    size_t n_recs;
    ts_status rc;
    ts_err err;
    char *json;
    atomic_bool *busy_flag; /* screen, escalate: the service's one-at-a-time flag */
    bool ran;
};

/* ---- the service ------------------------------------------------------------------- */

typedef struct stats_atomic {
    atomic_ullong accepted, rejected, rule_errors, alerts[4], escalated, sweeps, sweeps_failed,
        commits, jobs, reloads_ok, reloads_failed, shadows_ok, shadows_failed;
} stats_atomic;

/* Abandoned reload threads still running, shared by the service and those threads (the
 * last reference frees it): a thread may outlive the service. */
typedef struct stuck_count {
    atomic_int refs;
    atomic_int n;
} stuck_count;

/* One reload, shared by the service and the thread that loads it (the last of the two
 * to let go frees it): the thread owns copies of everything it reads, so a reload that
 * never returns (a pack that hangs) can be abandoned at its deadline and outlive the
 * service. */
typedef struct reload_task {
    atomic_int refs;
    char *config_path, *db_path;
    /* what the live config says of the keys that only a restart applies */
    char *listen;
    uint32_t max_connections, max_connections_per_ip, read_timeout_s;
    uint64_t number;
    uint64_t deadline_ms;
    unsigned timeout_s;
    pthread_mutex_t mu; /* done, abandoned, gen, rc, err */
    bool done, abandoned;
    ts_service_gen *gen;
    ts_status rc;
    ts_err err;
    struct stuck_count *stuck; /* shared with the service (a reference) */
    bool counted;              /* counted in stuck (abandoned while running) */
} reload_task;

typedef struct refusal_window {
    char name[128];
    uint64_t start_ms;
    unsigned n;
} refusal_window;
#define REFUSAL_TOKENS 1024u /* tokens tracked (CFG_MAX_TOKENS) */
#define RELOAD_STUCK_MAX 4u  /* abandoned reload threads before reloads are refused */

struct ts_service {
    char *config_path;
    char *db_path;
    pthread_mutex_t gen_mu;
    ts_service_gen *live;
    atomic_ullong live_number;
    uint64_t gen_counter;
    pthread_mutex_t reload_mu; /* reload, gen_counter */
    reload_task *reload;       /* the reload under way, or NULL */
    stuck_count *stuck;        /* abandoned reload threads still running */
    char reload_err[TS_LIMIT_ERR_TEXT];
    pthread_mutex_t refuse_mu;
    refusal_window refusals[REFUSAL_TOKENS];
    size_t n_refusals;

    tok_cache *tokens; /* stored officer tokens, refreshed by the ticker */
    /* the ticker's view of the stored active rules version (ticker thread only): the hash
     * it last asked a reload for; rules_changed is set for the main loop to reload */
    char rules_asked[80];
    atomic_bool rules_changed;
    ts_sessions *sessions; /* the console's sessions (sessions.c) */

    ts_store *w; /* writer's connection: only the writer thread touches it after open */
    /* ingest runs of the transaction in progress: made from gen->runs, kept by it only
     * once the transaction commits (a rolled-back run row must not be reused) */
    const ts_service_gen *stage_gen;
    int64_t stage_runs[3];
    /* what those runs gained in the transaction (counts written just before it commits)
     * and their next ledger numbers; cleared when it rolls back */
    ts_run_tally stage_tally[3];
    ts_service_gen *host_gen;
    ts_rulehost *host;
    struct ts_shadow_hosts *shadows; /* the shadows judging ingest (writer thread only) */
    ts_arena scratch;

    ts_queue *jobs;         /* submitted jobs, in arrival order; closed by stop */
    ts_svc_job *sweep_next; /* writer only: the sweep whose next batch runs next */
    pthread_mutex_t q_mu;   /* stop, writer_exited, writer_detached; tick_cv waits on it */
    bool stop;
    bool writer_started, ticker_started;
    bool writer_exited;   /* under q_mu; exit_cv tells ts_service_stop */
    bool writer_detached; /* under q_mu: a stop timed out and gave the writer up */
    pthread_cond_t exit_cv;
    pthread_t writer, ticker;
    pthread_mutex_t tick_mu;
    pthread_cond_t tick_cv;

    _Atomic int64_t cursor;
    atomic_bool screen_busy;
    atomic_bool sweep_busy; /* a clock sweep is queued or running (its batches chain) */
    ts_service_cursor_fn listener;
    void *listener_ud;

    pthread_mutex_t pool_mu;
    ts_store *pool[POOL_MAX];
    size_t n_pool;

    stats_atomic st;
};

/* Every write a token may not make is refused with the same field and text, whatever the
 * cause (a cell outside its scopes, or an id held in another cell): the answer must not
 * tell the caller that the id exists elsewhere. The cause goes to the audit only. */
#define REFUSED_FIELD "id"
#define REFUSED_REASON "this token may not write this record"

/* ---- functions shared by the service's files ---------------------------------------- */

ts_service_gen *ts__svc_gen_ref(ts_service_gen *g);
ts_status ts__svc_gen_load(const char *path, uint64_t number, ts_service_gen **out, ts_err *err);
void ts__svc_task_unref(reload_task *t);
void ts__svc_stuck_unref(stuck_count *c);
uint64_t ts__svc_mono_ms(void);
void ts__svc_notify(ts_service *svc);
void ts__svc_raise_cursor(ts_service *svc, int64_t c);
ts_svc_job *ts__svc_job_new(job_kind kind, ts_service_gen *g, const char *actor);
void ts__svc_rec_reject(rec *r, rec_state st, const char *field, const char *reason, ts_arena *a);
ts_status ts__svc_apply_ingest(ts_service *svc, ts_svc_job *j, ts_err *err);
char *ts__svc_ingest_json(const ts_svc_job *j);
int64_t *ts__svc_stage_runs(ts_service *svc, const ts_service_gen *g);
void *ts__svc_writer_main(void *arg);
/* JOB_REVIEW on the writer (review.c): sets j->rc, j->err, j->json. */
void ts__svc_run_review(ts_service *svc, ts_svc_job *j);
void *ts__svc_ticker_main(void *arg);
/* Stored tokens: the cache made and filled from s at open; a refresh when the tokens
 * table changed (ticker); a generation given the cache before it goes live; the cache's
 * references dropped. */
ts_status ts__svc_tokens_open(ts_service *svc, ts_store *s, ts_err *err);
ts_status ts__svc_tokens_refresh(ts_service *svc, ts_store *s, ts_err *err);
void ts__svc_gen_attach(ts_service *svc, ts_service_gen *g);
void ts__svc_tokens_unref(tok_cache *c);
/* Frees a generation's stored principals and drops its cache reference. */
void ts__svc_gen_free_stored(ts_service_gen *g);
/* The active stored token whose hash is hex, copied into *out (every entry compared, in
 * constant time each); the generation's principal for it, made on first use (NULL when
 * its grid names no such officer). Thread-safe. */
bool ts__svc_tokens_match(tok_cache *c, const char *hex, tok_entry *out);
const ts_principal *ts__svc_stored_principal(ts_service_gen *g, const tok_entry *e);

#endif
