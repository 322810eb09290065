/* service/service.c — generations (config + grid + rule pack + feedback context),
 * token authentication, the read-connection pool, and the writer thread that owns the
 * write connection and group-commits the jobs of concurrent requests.
 * Uses config, grid, record, store, rulehost, screen (inline and full passes) and
 * feedback; json-c for the per-record ingest results. */
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/ingest.h"
#include "triscreen/record.h"
#include "triscreen/screen.h"
#include "triscreen/service.h"
#include "base/limits.h"
#include "base/text.h"

#define GROUP_MAX TS_LIMIT_HTTP_GROUP
#define POOL_MAX TS_LIMIT_HTTP_POOL
#define TICK_MS 100     /* listener tick */
#define DB_POLL_TICKS 3 /* poll the database's max cursor every 3 ticks */
#define ALERTS_PER_HOOK 64u

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
    int64_t runs[3]; /* committed ingest runs by pass (writer thread only) */
};

static void gen_free(ts_service_gen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_princ; i++)
        free((void *)g->princ[i].cells);
    free(g->princ);
    ts_feedback_close(g->fb);
    ts_rulepack_free(g->pack);
    ts_grid_free(g->grid);
    ts_config_free(g->cfg);
    free(g);
}

void ts_service_gen_release(ts_service_gen *g)
{
    if (g && atomic_fetch_sub(&g->refs, 1) == 1)
        gen_free(g);
}

static ts_service_gen *gen_ref(ts_service_gen *g)
{
    atomic_fetch_add(&g->refs, 1);
    return g;
}

const ts_config *ts_service_gen_config(const ts_service_gen *g)
{
    return g->cfg;
}
const ts_grid *ts_service_gen_grid(const ts_service_gen *g)
{
    return g->grid;
}
const ts_rulepack *ts_service_gen_pack(const ts_service_gen *g)
{
    return g->pack;
}
uint64_t ts_service_gen_number(const ts_service_gen *g)
{
    return g->number;
}

/* Evaluates every pass once on an empty person. A rule that raises an error on that
 * person is fine (rules may expect data); one that runs into a limit (instructions,
 * memory, time) would do so on everyone: the pack is refused. And evaluation must
 * return at all, which the reload's deadline checks. */
static ts_status probe_eval(const ts_rulepack *pack, ts_rulehost *host, ts_err *err)
{
    ts_person p = {.id = "probe", .name = "", .grid = "", .notes = "", .born = TS_DATE_NONE};
    ts_subject subj = {.person = &p, .village = "", .town = ""};
    ts_arena a;
    ts_arena_init(&a, (size_t)16 << 20);
    ts_status rc = TS_OK;
    for (int ps = TS_PASS_FULL; rc == TS_OK && ps <= TS_PASS_TARGETED; ps++) {
        ts_eval_ctx ctx = {.now = ts_date_today(), .pass = (ts_pass)ps, .scope = "all"};
        ts_eval_result res;
        rc = ts_rulehost_eval(host, &ctx, &subj, &a, &res, err);
        for (size_t i = 0; rc == TS_OK && i < res.n_errors; i++) {
            const ts_rule_error *re = &res.errors[i];
            if (re->code == TS_RULE)
                continue;
            const ts_rule_info *ri = ts_rulepack_rule(pack, re->rule);
            rc = ts_err_set(err, re->code, re->where,
                            "rule %s: %s on an empty person in the %s pass: %s", ri ? ri->id : "?",
                            ts_status_text(re->code), ts_pass_name((ts_pass)ps),
                            re->msg ? re->msg : "");
        }
        ts_arena_reset(&a);
    }
    ts_arena_release(&a);
    return rc;
}

/* Loads and validates everything a generation needs; nothing is published here. */
static ts_status gen_load(const char *path, uint64_t number, ts_service_gen **out, ts_err *err)
{
    ts_service_gen *g = calloc(1, sizeof *g);
    if (!g)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    atomic_init(&g->refs, 1);
    g->number = number;
    ts_rulehost *probe = NULL;
    ts_status rc = ts_config_load(path, &g->cfg, err);
    if (rc == TS_OK)
        rc = ts_grid_load(g->cfg->grid, &g->grid, err);
    if (rc == TS_OK) {
        ts_rulehost_opts ro = ts_rulehost_opts_for(g->cfg);
        rc = ts_rulepack_load(g->cfg->rules, &ro, NULL, NULL, &g->pack, err);
    }
    /* every pass runs on ingest and on POST /v1/screen: a pass without rules would
     * delist everyone it screens */
    if (rc == TS_OK)
        rc = ts_rulepack_check_passes(g->pack, TS_PASS_ALL, err);
    /* a host is what the writer will build: prove it builds, and that each pass evaluates
     * a person, before going live (a reload runs this on its own thread, under a deadline) */
    if (rc == TS_OK)
        rc = ts_rulehost_new(g->pack, &probe, err);
    if (rc == TS_OK)
        rc = probe_eval(g->pack, probe, err);
    ts_rulehost_free(probe);
    if (rc == TS_OK)
        rc = ts_feedback_open(g->cfg, g->grid, ts_rulepack_hash(g->pack), &g->fb, err);
    if (rc == TS_OK && g->cfg->n_tokens) {
        g->princ = calloc(g->cfg->n_tokens, sizeof *g->princ);
        if (!g->princ)
            rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        for (size_t i = 0; rc == TS_OK && i < g->cfg->n_tokens; i++) {
            const ts_token_cfg *t = &g->cfg->tokens[i];
            ts_principal *p = &g->princ[i];
            g->n_princ++;
            p->name = t->name;
            p->write = t->write;
            const ts_cell **cells = calloc(t->n_scopes + 1, sizeof *cells);
            if (!cells) {
                rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
                break;
            }
            for (size_t k = 0; k < t->n_scopes; k++) {
                if (!strcmp(t->scopes[k], "all")) {
                    p->all = true;
                    continue;
                }
                const ts_cell *c = ts_grid_find(g->grid, t->scopes[k]);
                if (!c) {
                    free(cells);
                    rc = ts_err_set(err, TS_CONFIG, path,
                                    "service.tokens: token '%s' names scope '%s', which is not "
                                    "a cell of the grid",
                                    t->name, t->scopes[k]);
                    p->cells = NULL;
                    goto done;
                }
                cells[p->n_cells++] = c;
            }
            p->cells = cells;
        }
    }
done:
    if (rc != TS_OK) {
        gen_free(g);
        return rc;
    }
    *out = g;
    return TS_OK;
}

/* ---- jobs -------------------------------------------------------------------------- */

typedef enum { JOB_INGEST, JOB_AUDIT, JOB_ACK, JOB_CLOSE, JOB_SCREEN, JOB_ESCALATE } job_kind;

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
    char *actor, *a1, *a2, *a3; /* audit: action/target/detail; alert: id/by/note; screen: scope */
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
    atomic_bool *busy_flag; /* screen: the service's one-at-a-time flag */
    bool ran;
    struct ts_svc_job *next;
};

/* ---- the service ------------------------------------------------------------------- */

typedef struct stats_atomic {
    atomic_ullong accepted, rejected, rule_errors, alerts[4], escalated, commits, jobs, reloads_ok,
        reloads_failed;
} stats_atomic;

/* Abandoned reload threads still running, shared by the service and those threads (the
 * last reference frees it): a thread may outlive the service. */
typedef struct stuck_count {
    atomic_int refs;
    atomic_int n;
} stuck_count;

static stuck_count *stuck_ref(stuck_count *c)
{
    atomic_fetch_add(&c->refs, 1);
    return c;
}

static void stuck_unref(stuck_count *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        free(c);
}

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
    char reload_err[768];
    pthread_mutex_t refuse_mu;
    refusal_window refusals[REFUSAL_TOKENS];
    size_t n_refusals;

    ts_store *w; /* writer's connection: only the writer thread touches it after open */
    /* ingest runs of the transaction in progress: made from gen->runs, kept by it only
     * once the transaction commits (a rolled-back run row must not be reused) */
    const ts_service_gen *stage_gen;
    int64_t stage_runs[3];
    ts_service_gen *host_gen;
    ts_rulehost *host;
    ts_arena scratch;

    pthread_mutex_t q_mu;
    pthread_cond_t q_cv;
    ts_svc_job *q_head, *q_tail;
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
    ts_service_cursor_fn listener;
    void *listener_ud;

    pthread_mutex_t pool_mu;
    ts_store *pool[POOL_MAX];
    size_t n_pool;

    stats_atomic st;
};

ts_service_gen *ts_service_acquire(ts_service *svc)
{
    pthread_mutex_lock(&svc->gen_mu);
    ts_service_gen *g = gen_ref(svc->live);
    pthread_mutex_unlock(&svc->gen_mu);
    return g;
}

void ts_service_set_listener(ts_service *svc, ts_service_cursor_fn fn, void *ud)
{
    pthread_mutex_lock(&svc->tick_mu);
    svc->listener = fn;
    svc->listener_ud = ud;
    pthread_mutex_unlock(&svc->tick_mu);
}

int64_t ts_service_cursor(ts_service *svc)
{
    return atomic_load(&svc->cursor);
}

static void notify(ts_service *svc)
{
    ts_service_cursor_fn fn;
    void *ud;
    pthread_mutex_lock(&svc->tick_mu);
    fn = svc->listener;
    ud = svc->listener_ud;
    pthread_mutex_unlock(&svc->tick_mu);
    if (fn)
        fn(ud, atomic_load(&svc->cursor));
}

static void raise_cursor(ts_service *svc, int64_t c)
{
    int64_t cur = atomic_load(&svc->cursor);
    while (c > cur && !atomic_compare_exchange_weak(&svc->cursor, &cur, c)) {
    }
}

uint64_t ts_service_generation(ts_service *svc)
{
    return atomic_load(&svc->live_number);
}

static void task_unref(reload_task *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    ts_service_gen_release(t->gen);
    pthread_mutex_destroy(&t->mu);
    stuck_unref(t->stuck);
    free(t->listen);
    free(t->config_path);
    free(t->db_path);
    free(t);
}

static void *reload_main(void *arg)
{
    reload_task *t = arg;
    ts_service_gen *g = NULL;
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = gen_load(t->config_path, t->number, &g, &e);
    if (rc == TS_OK && strcmp(g->cfg->database, t->db_path))
        rc = ts_err_set(&e, TS_CONFIG, t->config_path,
                        "database: a reload cannot switch databases (%s, the service uses %s); "
                        "restart the service to change it",
                        g->cfg->database, t->db_path);
    else if (rc == TS_OK && strcmp(g->cfg->listen, t->listen))
        rc = ts_err_set(&e, TS_CONFIG, t->config_path,
                        "service.listen: a reload cannot move the listening socket (%s, the "
                        "service listens as configured with %s); restart the service",
                        g->cfg->listen, t->listen);
    else if (rc == TS_OK && (g->cfg->max_connections != t->max_connections ||
                             g->cfg->max_connections_per_ip != t->max_connections_per_ip ||
                             g->cfg->read_timeout_s != t->read_timeout_s))
        rc = ts_err_set(&e, TS_CONFIG, t->config_path,
                        "service.max_connections, max_connections_per_ip and read_timeout_s "
                        "apply at start only; restart the service to change them");
    if (rc != TS_OK) {
        ts_service_gen_release(g);
        g = NULL;
    }
    pthread_mutex_lock(&t->mu);
    t->done = true;
    t->rc = rc;
    t->err = e;
    t->gen = g;
    if (t->counted)
        atomic_fetch_sub(&t->stuck->n, 1);
    pthread_mutex_unlock(&t->mu);
    task_unref(t);
    return NULL;
}

static void reload_failed(ts_service *svc, const ts_err *e)
{
    char buf[sizeof svc->reload_err];
    ts_err_format(e, buf, sizeof buf);
    pthread_mutex_lock(&svc->gen_mu);
    snprintf(svc->reload_err, sizeof svc->reload_err, "%s", buf);
    pthread_mutex_unlock(&svc->gen_mu);
    atomic_fetch_add(&svc->st.reloads_failed, 1);
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

ts_status ts_service_reload_begin(ts_service *svc, ts_err *err)
{
    pthread_mutex_lock(&svc->reload_mu);
    ts_status rc = TS_OK;
    reload_task *t = NULL;
    if (svc->reload) {
        rc = ts_err_set(err, TS_BUSY, svc->config_path, "a reload is already under way");
        goto done;
    }
    if ((unsigned)atomic_load(&svc->stuck->n) >= RELOAD_STUCK_MAX) {
        rc = ts_err_set(err, TS_STATE, svc->config_path,
                        "%u reloads that timed out are still running; restart the service",
                        RELOAD_STUCK_MAX);
        reload_failed(svc, err);
        goto done;
    }
    t = calloc(1, sizeof *t);
    if (!t || !(t->config_path = strdup(svc->config_path)) ||
        !(t->db_path = strdup(svc->db_path))) {
        if (t) {
            free(t->config_path);
            free(t);
        }
        rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        goto done;
    }
    ts_service_gen *live = ts_service_acquire(svc);
    t->listen = strdup(live->cfg->listen);
    if (!t->listen) {
        ts_service_gen_release(live);
        free(t->db_path);
        free(t->config_path);
        free(t);
        rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        goto done;
    }
    t->max_connections = live->cfg->max_connections;
    t->max_connections_per_ip = live->cfg->max_connections_per_ip;
    t->read_timeout_s = live->cfg->read_timeout_s;
    t->timeout_s =
        live->cfg->reload_timeout_s ? live->cfg->reload_timeout_s : TS_LIMIT_HTTP_RELOAD_S;
    ts_service_gen_release(live);
    atomic_init(&t->refs, 2);
    pthread_mutex_init(&t->mu, NULL);
    t->number = svc->gen_counter + 1;
    t->deadline_ms = mono_ms() + (uint64_t)t->timeout_s * 1000u;
    t->stuck = stuck_ref(svc->stuck);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int cr = pthread_create(&th, &attr, reload_main, t);
    pthread_attr_destroy(&attr);
    if (cr != 0) {
        atomic_store(&t->refs, 1);
        task_unref(t);
        rc = ts_err_set(err, TS_NOMEM, NULL, "cannot start the reload thread");
        goto done;
    }
    svc->reload = t;
done:
    pthread_mutex_unlock(&svc->reload_mu);
    return rc;
}

ts_status ts_service_reload_poll(ts_service *svc, ts_err *err)
{
    pthread_mutex_lock(&svc->reload_mu);
    reload_task *t = svc->reload;
    if (!t) {
        pthread_mutex_unlock(&svc->reload_mu);
        return ts_err_set(err, TS_NOTFOUND, NULL, "no reload under way");
    }
    ts_status rc;
    pthread_mutex_lock(&t->mu);
    if (!t->done && mono_ms() < t->deadline_ms) {
        pthread_mutex_unlock(&t->mu);
        pthread_mutex_unlock(&svc->reload_mu);
        return TS_BUSY;
    }
    if (!t->done) {
        /* the thread cannot be stopped: leave it to finish (or not) on its own */
        t->abandoned = t->counted = true;
        atomic_fetch_add(&svc->stuck->n, 1);
        rc = ts_err_set(err, TS_LIMIT, t->config_path,
                        "loading and checking the rule pack took longer than %u s "
                        "(service.reload_timeout_s); reload refused",
                        t->timeout_s);
    } else if ((rc = t->rc) != TS_OK) {
        if (err)
            *err = t->err;
    }
    ts_service_gen *g = rc == TS_OK ? t->gen : NULL;
    t->gen = NULL;
    pthread_mutex_unlock(&t->mu);
    svc->reload = NULL;
    task_unref(t);
    if (rc != TS_OK) {
        reload_failed(svc, err);
        pthread_mutex_unlock(&svc->reload_mu);
        return rc;
    }
    svc->gen_counter = g->number;
    pthread_mutex_lock(&svc->gen_mu);
    ts_service_gen *old = svc->live;
    svc->live = g;
    atomic_store(&svc->live_number, g->number);
    svc->reload_err[0] = '\0';
    pthread_mutex_unlock(&svc->gen_mu);
    ts_service_gen_release(old);
    atomic_fetch_add(&svc->st.reloads_ok, 1);
    pthread_mutex_unlock(&svc->reload_mu);
    return TS_OK;
}

ts_status ts_service_reload(ts_service *svc, ts_err *err)
{
    ts_status rc = ts_service_reload_begin(svc, err);
    if (rc != TS_OK)
        return rc;
    while ((rc = ts_service_reload_poll(svc, err)) == TS_BUSY) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return rc;
}

/* ---- refused writes --------------------------------------------------------------- */

static refusal_window *refusal_find(ts_service *svc, const char *name)
{
    for (size_t i = 0; i < svc->n_refusals; i++)
        if (!strcmp(svc->refusals[i].name, name))
            return &svc->refusals[i];
    if (svc->n_refusals == REFUSAL_TOKENS)
        return NULL;
    refusal_window *w = &svc->refusals[svc->n_refusals++];
    snprintf(w->name, sizeof w->name, "%s", name);
    return w;
}

bool ts_service_throttled(ts_service *svc, const ts_principal *p)
{
    uint64_t now = mono_ms();
    pthread_mutex_lock(&svc->refuse_mu);
    refusal_window *w = refusal_find(svc, p->name);
    bool over = w && now < w->start_ms + 60000u && w->n >= TS_LIMIT_HTTP_REFUSALS;
    pthread_mutex_unlock(&svc->refuse_mu);
    return over;
}

void ts_service_note_refusals(ts_service *svc, const ts_principal *p, size_t n)
{
    if (n == 0)
        return;
    uint64_t now = mono_ms();
    pthread_mutex_lock(&svc->refuse_mu);
    refusal_window *w = refusal_find(svc, p->name);
    if (w) {
        if (now >= w->start_ms + 60000u) {
            w->start_ms = now;
            w->n = 0;
        }
        w->n = w->n + n > UINT32_MAX ? UINT32_MAX : w->n + (unsigned)n;
    }
    pthread_mutex_unlock(&svc->refuse_mu);
}

bool ts_service_reload_error(ts_service *svc, char *buf, size_t cap)
{
    pthread_mutex_lock(&svc->gen_mu);
    bool any = svc->reload_err[0] != '\0';
    snprintf(buf, cap, "%s", svc->reload_err);
    pthread_mutex_unlock(&svc->gen_mu);
    return any;
}

/* ---- auth ------------------------------------------------------------------------- */

const ts_principal *ts_service_gen_auth(const ts_service_gen *g, const char *secret, size_t len)
{
    if (!secret || len == 0)
        return NULL;
    char hex[65];
    ts_sha256_hex_of(secret, len, hex);
    const ts_principal *found = NULL;
    /* every token is compared, whatever matched, so timing says nothing about which */
    for (size_t i = 0; i < g->n_princ; i++)
        if (ts_ct_equal(hex, g->cfg->tokens[i].sha256, 64) && !found)
            found = &g->princ[i];
    return found;
}

bool ts_principal_sees(const ts_principal *p, const ts_cell *cell)
{
    if (p->all)
        return true;
    if (!cell)
        return false;
    for (size_t i = 0; i < p->n_cells; i++)
        if (ts_grid_in_scope(cell, p->cells[i]))
            return true;
    return false;
}

bool ts_principal_sees_code(const ts_principal *p, const ts_grid *g, const char *code)
{
    if (p->all)
        return true;
    return code && ts_principal_sees(p, ts_grid_find(g, code));
}

/* ---- read pool --------------------------------------------------------------------- */

ts_status ts_service_reader_get(ts_service *svc, ts_store **out, ts_err *err)
{
    pthread_mutex_lock(&svc->pool_mu);
    ts_store *s = svc->n_pool ? svc->pool[--svc->n_pool] : NULL;
    pthread_mutex_unlock(&svc->pool_mu);
    if (s) {
        *out = s;
        return TS_OK;
    }
    return ts_store_open(svc->db_path, TS_STORE_READONLY, out, err);
}

void ts_service_reader_put(ts_service *svc, ts_store *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&svc->pool_mu);
    if (svc->n_pool < POOL_MAX) {
        svc->pool[svc->n_pool++] = s;
        s = NULL;
    }
    pthread_mutex_unlock(&svc->pool_mu);
    ts_store_close(s);
}

/* ---- queue ------------------------------------------------------------------------- */

static ts_svc_job *job_new(job_kind kind, ts_service_gen *g, const char *actor)
{
    ts_svc_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->kind = kind;
    j->gen = g ? gen_ref(g) : NULL;
    j->actor = strdup(actor ? actor : "");
    ts_arena_init(&j->arena, 0);
    if (!j->actor) {
        ts_svc_job_free(j);
        return NULL;
    }
    return j;
}

void ts_svc_job_free(ts_svc_job *j)
{
    if (!j)
        return;
    if (j->kind == JOB_SCREEN && j->busy_flag && !j->ran)
        atomic_store(j->busy_flag, false);
    ts_service_gen_release(j->gen);
    free(j->actor);
    free(j->a1);
    free(j->a2);
    free(j->a3);
    free(j->json);
    free(j->recs);
    ts_arena_release(&j->arena);
    free(j);
}

ts_status ts_service_submit(ts_service *svc, ts_svc_job *j, ts_err *err)
{
    pthread_mutex_lock(&svc->q_mu);
    if (svc->stop) {
        pthread_mutex_unlock(&svc->q_mu);
        return ts_err_set(err, TS_STATE, NULL, "the service is shutting down");
    }
    if (svc->q_tail)
        svc->q_tail->next = j;
    else
        svc->q_head = j;
    svc->q_tail = j;
    pthread_cond_signal(&svc->q_cv);
    pthread_mutex_unlock(&svc->q_mu);
    return TS_OK;
}

ts_status ts_svc_job_result(const ts_svc_job *j, const char **json, ts_err *err)
{
    if (json)
        *json = j->json;
    if (err)
        *err = j->err;
    return j->rc;
}

void ts_svc_job_counts(const ts_svc_job *j, size_t *accepted, size_t *invalid, size_t *forbidden)
{
    size_t a = 0, i = 0, f = 0;
    for (size_t k = 0; k < j->n_recs; k++) {
        a += j->recs[k].state == REC_ACCEPTED;
        i += j->recs[k].state == REC_INVALID;
        f += j->recs[k].state == REC_FORBIDDEN;
    }
    *accepted = a;
    *invalid = i;
    *forbidden = f;
}

/* ---- ingest: parse on the caller's thread ------------------------------------------- */

/* Every write a token may not make is refused with the same field and text, whatever the
 * cause (a cell outside its scopes, or an id held in another cell): the answer must not
 * tell the caller that the id exists elsewhere. The cause goes to the audit only. */
#define REFUSED_FIELD "id"
#define REFUSED_REASON "this token may not write this record"

static void rec_reject(rec *r, rec_state st, const char *field, const char *reason, ts_arena *a)
{
    r->state = r->parsed_state = st;
    r->field = field ? ts_arena_strdup(a, field) : "";
    r->reason = reason ? ts_arena_strdup(a, reason) : "";
    if (!r->field)
        r->field = "";
    if (!r->reason)
        r->reason = "rejected";
}

static void rec_parse(rec *r, const char *line, size_t len, const ts_config *cfg,
                      const ts_grid *grid, const ts_principal *who, ts_arena *a)
{
    if (len > TS_LIMIT_LINE) {
        char msg[96];
        snprintf(msg, sizeof msg, "record longer than %u bytes", TS_LIMIT_LINE);
        rec_reject(r, REC_INVALID, "", msg, a);
        return;
    }
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = ts_record_parse_json(line, len, a, &r->p, &e);
    if (rc != TS_OK) {
        rec_reject(r, REC_INVALID, e.where, e.msg[0] ? e.msg : ts_status_text(rc), a);
        return;
    }
    const char *field = NULL;
    const ts_cell *c = NULL;
    const char *reason = ts_ingest_check_person(cfg, grid, &r->p, a, &field, &c);
    if (reason) {
        rec_reject(r, REC_INVALID, field, reason, a);
        return;
    }
    if (!ts_principal_sees(who, c)) {
        rec_reject(r, REC_FORBIDDEN, REFUSED_FIELD, REFUSED_REASON, a);
        r->refused_why = "cell outside the token's scopes";
        return;
    }
    r->state = r->parsed_state = REC_PENDING;
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Is body exactly one JSON value (with surrounding whitespace)? On failure msg says why. */
static bool one_json_value(const char *body, size_t len, char *msg, size_t cap)
{
    json_tokener *tok = json_tokener_new_ex(TS_LIMIT_JSON_DEPTH + 4);
    if (!tok) {
        snprintf(msg, cap, "out of memory");
        return false;
    }
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    bool ok = false;
    if (o && je == json_tokener_success) {
        ok = blank(body + end, len - end);
        if (!ok)
            snprintf(msg, cap, "malformed JSON: unexpected data after the value at byte %zu", end);
    } else if (je == json_tokener_continue) {
        snprintf(msg, cap, "malformed JSON: unexpected end of input");
    } else {
        snprintf(msg, cap, "malformed JSON: %s at byte %zu", json_tokener_error_desc(je), end);
    }
    json_object_put(o);
    json_tokener_free(tok);
    return ok;
}

ts_status ts_service_ingest(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                            const char *body, size_t len, bool single, ts_service_done_fn done,
                            void *ud, ts_svc_job **out, ts_err *err)
{
    if (blank(body, len))
        return ts_err_set(err, TS_INVALID, "", "empty body: expected a JSON record or JSON Lines");
    size_t n_lines = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - body) : len;
        n_lines += !blank(body + i, e - i);
        i = e + 1;
    }
    if (single) {
        char msg[256];
        if (one_json_value(body, len, msg, sizeof msg))
            n_lines = 1;
        else if (n_lines <= 1)
            return ts_err_set(err, TS_PARSE, "", "%s", msg);
        else
            single = false; /* several lines that are not one value: JSON Lines */
    }
    ts_svc_job *j = job_new(JOB_INGEST, g, p->name);
    if (!j || !(j->recs = calloc(n_lines, sizeof *j->recs))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->who = p;
    j->done = done;
    j->ud = ud;
    const ts_grid *grid = g->grid;
    if (single) {
        rec *r = &j->recs[j->n_recs++];
        r->line = 1;
        rec_parse(r, body, len, g->cfg, grid, p, &j->arena);
        if (r->state == REC_INVALID && r->field[0] == '\0') {
            ts_err_set(err, TS_PARSE, "", "expected one JSON object (a person record): %s",
                       r->reason);
            ts_svc_job_free(j);
            return TS_PARSE;
        }
    } else {
        uint64_t line = 0;
        for (size_t i = 0; i < len;) {
            const char *nl = memchr(body + i, '\n', len - i);
            size_t e = nl ? (size_t)(nl - body) : len;
            line++;
            if (!blank(body + i, e - i)) {
                size_t n = e - i;
                if (n && body[i + n - 1] == '\r')
                    n--;
                rec *r = &j->recs[j->n_recs++];
                r->line = line;
                rec_parse(r, body + i, n, g->cfg, grid, p, &j->arena);
            }
            i = e + 1;
        }
    }
    const ts_config *cfg = g->cfg;
    if (!cfg->now[0] || !ts_date_parse(cfg->now, strlen(cfg->now), &j->now))
        j->now = ts_date_today();
    *out = j;
    return TS_OK;
}

ts_status ts_service_audit(ts_service *svc, ts_service_gen *g, const char *actor,
                           const char *action, const char *target, const char *detail,
                           ts_service_done_fn done, void *ud, ts_svc_job **out, ts_err *err)
{
    ts_svc_job *j = job_new(JOB_AUDIT, g, actor);
    if (!j || !(j->a1 = strdup(action)) || !(j->a2 = strdup(target ? target : "")) ||
        !(j->a3 = strdup(detail ? detail : ""))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->done = done;
    j->ud = ud;
    *out = j;
    return TS_OK;
}

ts_status ts_service_alert_action(ts_service *svc, ts_service_gen *g, const char *actor, bool close,
                                  const char *alert_id, const char *by, const char *note,
                                  ts_service_done_fn done, void *ud, ts_svc_job **out, ts_err *err)
{
    ts_svc_job *j = job_new(close ? JOB_CLOSE : JOB_ACK, g, actor);
    if (!j || !(j->a1 = strdup(alert_id)) || !(j->a2 = strdup(by)) ||
        (note && !(j->a3 = strdup(note)))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->done = done;
    j->ud = ud;
    *out = j;
    return TS_OK;
}

ts_status ts_service_screen(ts_service *svc, ts_service_gen *g, const char *actor, unsigned passes,
                            const char *scope, int32_t now, ts_service_done_fn done, void *ud,
                            ts_svc_job **out, ts_err *err)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong(&svc->screen_busy, &expected, true))
        return ts_err_set(err, TS_BUSY, NULL, "a screening is already running");
    ts_svc_job *j = job_new(JOB_SCREEN, g, actor);
    if (!j || (scope && !(j->a1 = strdup(scope)))) {
        ts_svc_job_free(j);
        atomic_store(&svc->screen_busy, false);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->busy_flag = &svc->screen_busy;
    j->passes = passes;
    j->now = now;
    j->done = done;
    j->ud = ud;
    *out = j;
    return TS_OK;
}

void ts_service_escalate(ts_service *svc)
{
    ts_service_gen *g = ts_service_acquire(svc);
    ts_svc_job *j = job_new(JOB_ESCALATE, g, "service");
    ts_service_gen_release(g);
    if (j && ts_service_submit(svc, j, NULL) != TS_OK)
        ts_svc_job_free(j);
}

/* ---- the writer ------------------------------------------------------------------- */

typedef struct hook_ctx {
    ts_service *svc;
    ts_svc_job *job;
    ts_err *err;
} hook_ctx;

typedef struct collect {
    ts_arena *arena;
    alert_ref **head, **tail;
} collect;

static ts_status collect_alert(void *ud, const char *json, int64_t cursor)
{
    collect *c = ud;
    alert_ref *a = ts_arena_alloc(c->arena, sizeof *a);
    if (!a || !(a->json = ts_arena_strdup(c->arena, json)))
        return TS_NOMEM;
    a->next = NULL;
    if (*c->tail)
        (*c->tail)->next = a;
    else
        *c->head = a;
    *c->tail = a;
    return TS_OK;
}

/* The alerts (if any) that a hook call added after cursor `before`, attached to r. */
static ts_status capture(ts_service *svc, ts_svc_job *j, rec *r, int64_t before, ts_err *err)
{
    int64_t after = before;
    ts_status rc = ts_alerts_max_cursor(svc->w, &after, err);
    if (rc != TS_OK || after <= before || !r)
        return rc;
    size_t n = (size_t)(after - before);
    /* the alerts in the response are rendered for the writer's token (issue 12 A1) */
    const ts_principal *who = j->who;
    ts_reader rd = {.grid = j->gen->grid,
                    .cells = who->cells,
                    .n_cells = who->n_cells,
                    .reveal =
                        j->gen->cfg->reveal_outside_circle ? TS_REVEAL_NONE : TS_REVEAL_COUNT};
    ts_alert_filter f = {.since = before,
                         .limit = n < ALERTS_PER_HOOK ? n : ALERTS_PER_HOOK,
                         .reader = who->all ? NULL : &rd};
    collect c = {&j->arena, &r->alerts, &r->alerts_tail};
    int64_t last = 0;
    return ts_alerts_list(svc->w, j->gen->grid, &f, collect_alert, &c, &last, err);
}

static rec *rec_for(ts_svc_job *j, const char *person)
{
    for (size_t i = j->n_recs; i-- > 0;)
        if (j->recs[i].state == REC_ACCEPTED && !strcmp(j->recs[i].p.id, person))
            return &j->recs[i];
    return NULL;
}

static ts_status on_screen_alert(void *ud, ts_store *s, const ts_screen_alert *a, ts_err *err)
{
    hook_ctx *h = ud;
    ts_service_gen *g = h->job->gen;
    int64_t before = 0;
    ts_status rc = ts_alerts_max_cursor(s, &before, err);
    if (rc == TS_OK)
        rc = ts_feedback_on_screen_alert(g->fb, s, a, err);
    if (rc == TS_OK)
        rc = capture(h->svc, h->job, rec_for(h->job, a->person), before, err);
    return rc;
}

/* The ingest runs for the current transaction (see ts_screen_opts.inline_runs). */
static int64_t *stage_runs(ts_service *svc, const ts_service_gen *g)
{
    if (svc->stage_gen != g) {
        svc->stage_gen = g;
        memcpy(svc->stage_runs, g->runs, sizeof svc->stage_runs);
    }
    return svc->stage_runs;
}

static ts_status ensure_host(ts_service *svc, ts_service_gen *g, ts_err *err)
{
    if (svc->host_gen == g && svc->host)
        return TS_OK;
    ts_rulehost_free(svc->host);
    svc->host = NULL;
    ts_service_gen_release(svc->host_gen);
    svc->host_gen = NULL;
    ts_status rc = ts_rulehost_new(g->pack, &svc->host, err);
    if (rc == TS_OK)
        svc->host_gen = gen_ref(g);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct writer_scope {
    const ts_principal *who;
    const ts_grid *grid;
} writer_scope;

static bool writer_covers(void *ud, const char *grid)
{
    const writer_scope *ws = ud;
    return ts_principal_sees_code(ws->who, ws->grid, grid);
}

static ts_status apply_ingest(ts_service *svc, ts_svc_job *j, ts_err *err)
{
    ts_service_gen *g = j->gen;
    ts_store *s = svc->w;
    size_t n_ids = 0;
    const char **ids = NULL;
    ts_status rc = TS_OK;
    for (size_t i = 0; i < j->n_recs; i++) {
        rec *r = &j->recs[i];
        if (r->state != REC_PENDING)
            continue;
        ts_arena_reset(&svc->scratch);
        if (!j->who->all) {
            /* an update must not move or overwrite a person this token cannot see */
            ts_person old;
            ts_err e2;
            ts_status g_rc = ts_store_get_person(s, r->p.id, &svc->scratch, &old, &e2);
            if (g_rc == TS_OK && !ts_principal_sees_code(j->who, g->grid, old.grid)) {
                rec_reject(r, REC_FORBIDDEN, REFUSED_FIELD, REFUSED_REASON, &j->arena);
                r->refused_why = "id held in a cell outside the token's scopes";
                continue;
            }
            if (g_rc != TS_OK && g_rc != TS_NOTFOUND) {
                *err = e2;
                rc = g_rc;
                goto done;
            }
        }
        ts_list_row row;
        bool found = false;
        if ((rc = ts_store_list_get(s, r->p.id, &svc->scratch, &row, &found, err)) != TS_OK)
            goto done;
        r->from = found ? row.colour : 0;
        uint32_t *fresh = NULL;
        size_t n_fresh = 0;
        /* a scoped writer's relation to a person outside its scopes stays pending */
        writer_scope wsc = {j->who, g->grid};
        ts_store_writer w = {writer_covers, &wsc};
        if (r->p.n_relations && !r->pending &&
            !(r->pending = ts_arena_calloc(&j->arena, r->p.n_relations, sizeof *r->pending))) {
            rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
            goto done;
        }
        rc = ts_store_put_person_as(s, &r->p, j->who->all ? NULL : &w, r->pending, &svc->scratch,
                                    &r->res, &fresh, &n_fresh, err);
        if (rc != TS_OK)
            goto done;
        r->state = REC_ACCEPTED;
        for (size_t k = 0; k < n_fresh; k++) {
            const ts_event *ev = &r->p.events[fresh[k]];
            if (!ts_config_is_problem_event(g->cfg, ev->type))
                continue;
            int64_t before = 0;
            if ((rc = ts_alerts_max_cursor(s, &before, err)) != TS_OK ||
                (rc = ts_feedback_on_problem_event(g->fb, s, &r->p, ev, err)) != TS_OK ||
                (rc = capture(svc, j, r, before, err)) != TS_OK)
                goto done;
        }
    }
    /* refused writes are audited with the token's name, in the same transaction */
    for (size_t i = 0; i < j->n_recs; i++) {
        const rec *r = &j->recs[i];
        if (r->state != REC_FORBIDDEN)
            continue;
        char detail[160];
        snprintf(detail, sizeof detail, "line=%llu reason=%s", (unsigned long long)r->line,
                 r->refused_why ? r->refused_why : "outside the token's scopes");
        if ((rc = ts_store_audit(s, j->who->name, "http.write-refused", r->p.id ? r->p.id : "",
                                 detail, err)) != TS_OK)
            goto done;
    }
    for (size_t i = 0; i < j->n_recs; i++)
        n_ids += j->recs[i].state == REC_ACCEPTED;
    if (n_ids == 0)
        goto done;
    ids = malloc(n_ids * sizeof *ids);
    if (!ids) {
        rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        goto done;
    }
    n_ids = 0;
    for (size_t i = 0; i < j->n_recs; i++)
        if (j->recs[i].state == REC_ACCEPTED)
            ids[n_ids++] = j->recs[i].p.id;
    if (n_ids > 1) {
        qsort(ids, n_ids, sizeof *ids, cmp_str);
        size_t u = 1;
        for (size_t i = 1; i < n_ids; i++)
            if (strcmp(ids[i], ids[u - 1]))
                ids[u++] = ids[i];
        n_ids = u;
    }
    if ((rc = ensure_host(svc, g, err)) != TS_OK)
        goto done;
    hook_ctx h = {svc, j, err};
    ts_screen_opts so = {.cfg = g->cfg,
                         .grid = g->grid,
                         .pack = g->pack,
                         .now = j->now,
                         .on_alert = on_screen_alert,
                         .alert_ud = &h,
                         .inline_runs = stage_runs(svc, g)};
    ts_screen_result res;
    rc = ts_screen_inline(s, svc->host, &so, ids, n_ids, &res, err);
    for (unsigned p = 0; p < res.n; p++)
        atomic_fetch_add(&svc->st.rule_errors, res.pass[p].rule_errors);
    ts_screen_result_release(&res);
    if (rc != TS_OK)
        goto done;
    for (size_t i = 0; i < j->n_recs; i++) {
        rec *r = &j->recs[i];
        if (r->state != REC_ACCEPTED)
            continue;
        ts_arena_reset(&svc->scratch);
        ts_list_row row;
        bool found = false;
        if ((rc = ts_store_list_get(s, r->p.id, &svc->scratch, &row, &found, err)) != TS_OK)
            goto done;
        r->to = found ? row.colour : 0;
    }
done:
    free(ids);
    return rc;
}

static const char *colour_name(int c)
{
    return ts_colour_text((ts_colour)c);
}

static const char *upsert_name(ts_upsert u)
{
    return u == TS_UPSERT_NEW ? "new" : u == TS_UPSERT_UPDATED ? "updated" : "unchanged";
}

/* The per-record response of an ingest job. */
static char *ingest_json(const ts_svc_job *j)
{
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    size_t acc = 0, inv = 0, forb = 0, alerts = 0;
    for (size_t i = 0; i < j->n_recs; i++) {
        const rec *r = &j->recs[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "line", json_object_new_int64((int64_t)r->line));
        if (r->state == REC_ACCEPTED || r->p.id)
            json_object_object_add(o, "id", json_object_new_string(r->p.id ? r->p.id : ""));
        if (r->state == REC_ACCEPTED) {
            acc++;
            json_object_object_add(o, "status", json_object_new_string("accepted"));
            json_object_object_add(o, "result", json_object_new_string(upsert_name(r->res)));
            json_object_object_add(o, "colour",
                                   r->to ? json_object_new_string(colour_name(r->to)) : NULL);
            if (r->from != r->to) {
                json_object *c = json_object_new_object();
                json_object_object_add(c, "from", json_object_new_string(colour_name(r->from)));
                json_object_object_add(c, "to", json_object_new_string(colour_name(r->to)));
                json_object_object_add(o, "colour_change", c);
            }
            json_object *al = json_object_new_array();
            for (const alert_ref *a = r->alerts; a; a = a->next) {
                json_object *x = json_tokener_parse(a->json);
                if (x) {
                    json_object_array_add(al, x);
                    alerts++;
                }
            }
            json_object_object_add(o, "alerts", al);
            json_object *pend = NULL;
            for (size_t k = 0; r->pending && k < r->p.n_relations; k++) {
                if (!r->pending[k])
                    continue;
                json_object *x = json_object_new_object();
                json_object_object_add(x, "id", json_object_new_string(r->p.relations[k].other));
                json_object_object_add(x, "kind", json_object_new_string(r->p.relations[k].kind));
                json_object_object_add(x, "status", json_object_new_string("pending"));
                if (!pend)
                    pend = json_object_new_array();
                json_object_array_add(pend, x);
            }
            if (pend)
                json_object_object_add(o, "relations_pending", pend);
        } else {
            bool forbidden = r->state == REC_FORBIDDEN;
            forb += forbidden;
            inv += !forbidden;
            json_object_object_add(o, "status", json_object_new_string("rejected"));
            json_object_object_add(o, "code", json_object_new_int(forbidden ? 403 : 400));
            json_object_object_add(o, "field", json_object_new_string(r->field ? r->field : ""));
            json_object_object_add(o, "reason", json_object_new_string(r->reason ? r->reason : ""));
        }
        json_object_array_add(arr, o);
    }
    json_object_object_add(root, "accepted", json_object_new_int64((int64_t)acc));
    json_object_object_add(root, "rejected", json_object_new_int64((int64_t)(inv + forb)));
    json_object_object_add(root, "alerts", json_object_new_int64((int64_t)alerts));
    json_object_object_add(root, "records", arr);
    char *s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return s;
}

static void job_reset(ts_svc_job *j)
{
    j->rc = TS_OK;
    ts_err_clear(&j->err);
    for (size_t i = 0; i < j->n_recs; i++) {
        rec *r = &j->recs[i];
        r->state = r->parsed_state;
        if (r->state != REC_FORBIDDEN)
            r->refused_why = NULL;
        r->alerts = r->alerts_tail = NULL;
        r->from = r->to = 0;
    }
}

static bool is_group_job(const ts_svc_job *j)
{
    return j->kind == JOB_INGEST || j->kind == JOB_AUDIT;
}

static ts_status apply(ts_service *svc, ts_svc_job *j, ts_err *err)
{
    if (j->kind == JOB_AUDIT)
        return ts_store_audit(svc->w, j->actor, j->a1, j->a2, j->a3, err);
    return apply_ingest(svc, j, err);
}

static uint64_t raised_total(ts_service_gen *g, uint64_t out[4])
{
    uint64_t t = 0;
    for (int k = 1; k <= 3; k++)
        t += out[k] = ts_feedback_raised(g->fb, (ts_feedback)k);
    return t;
}

static void count_alerts(ts_service *svc, ts_service_gen *g, const uint64_t before[4])
{
    uint64_t now[4] = {0};
    raised_total(g, now);
    for (int k = 1; k <= 3; k++)
        if (now[k] > before[k])
            atomic_fetch_add(&svc->st.alerts[k], now[k] - before[k]);
}

/* After any commit: the JSON Lines sink, the cursor, the waiting feeds. */
static void after_commit(ts_service *svc, ts_service_gen *g)
{
    ts_err e;
    if (g && ts_feedback_flush(g->fb, svc->w, &e) != TS_OK) {
        /* the sink is best effort; the database has the alerts */
    }
    int64_t c = 0;
    if (ts_alerts_max_cursor(svc->w, &c, &e) == TS_OK)
        raise_cursor(svc, c);
    notify(svc);
}

static void finish(ts_service *svc, ts_svc_job *j)
{
    if (j->kind == JOB_INGEST) {
        size_t a, i, f;
        if (j->rc == TS_OK) {
            j->json = ingest_json(j);
            if (!j->json)
                j->rc = ts_err_set(&j->err, TS_NOMEM, NULL, NULL);
        }
        ts_svc_job_counts(j, &a, &i, &f);
        atomic_fetch_add(&svc->st.accepted, j->rc == TS_OK ? a : 0);
        atomic_fetch_add(&svc->st.rejected, i + f);
    }
    if (j->kind == JOB_SCREEN) {
        j->ran = true;
        atomic_store(&svc->screen_busy, false);
    }
    if (j->done)
        j->done(j->ud);
    else
        ts_svc_job_free(j);
}

/* After a commit the staged runs exist for good; after a rollback they never did. */
static void stage_settle(ts_service *svc, bool committed)
{
    if (committed && svc->stage_gen)
        memcpy(((ts_service_gen *)svc->stage_gen)->runs, svc->stage_runs, sizeof svc->stage_runs);
    svc->stage_gen = NULL;
}

static ts_status group_tx(ts_service *svc, ts_svc_job **jobs, size_t n)
{
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = ts_store_begin(svc->w, &e);
    size_t failed = n;
    for (size_t i = 0; rc == TS_OK && i < n; i++) {
        ts_err_clear(&jobs[i]->err);
        if ((rc = apply(svc, jobs[i], &jobs[i]->err)) != TS_OK) {
            e = jobs[i]->err;
            failed = i;
        }
    }
    if (rc == TS_OK)
        rc = ts_store_commit(svc->w, &e);
    stage_settle(svc, rc == TS_OK);
    if (rc != TS_OK) {
        ts_store_rollback(svc->w);
        for (size_t i = 0; i < n; i++) {
            jobs[i]->rc = i == failed || failed == n ? rc : TS_INTERRUPTED;
            jobs[i]->err = e;
        }
        return rc;
    }
    for (size_t i = 0; i < n; i++)
        jobs[i]->rc = TS_OK;
    atomic_fetch_add(&svc->st.commits, 1);
    atomic_fetch_add(&svc->st.jobs, n);
    return TS_OK;
}

static void run_group(ts_service *svc, ts_svc_job **jobs, size_t n)
{
    ts_service_gen *g = jobs[n - 1]->gen;
    uint64_t before[4] = {0};
    raised_total(g, before);
    ts_status rc = group_tx(svc, jobs, n);
    if (rc != TS_OK && n > 1) {
        /* one job spoiled the group: give every job its own transaction */
        for (size_t i = 0; i < n; i++) {
            job_reset(jobs[i]);
            (void)group_tx(svc, &jobs[i], 1);
        }
    }
    count_alerts(svc, g, before);
    after_commit(svc, g);
    for (size_t i = 0; i < n; i++)
        finish(svc, jobs[i]);
}

static void run_solo(ts_service *svc, ts_svc_job *j)
{
    ts_service_gen *g = j->gen;
    uint64_t before[4] = {0};
    raised_total(g, before);
    ts_err *err = &j->err;
    ts_err_clear(err);
    switch (j->kind) {
    case JOB_ACK:
    case JOB_CLOSE:
        j->rc = j->kind == JOB_ACK ? ts_alert_ack(svc->w, j->a1, j->a2, j->a3, err)
                                   : ts_alert_close(svc->w, j->a1, j->a2, j->a3, err);
        if (j->rc == TS_OK) {
            ts_err e2;
            char detail[160];
            snprintf(detail, sizeof detail, "by=%.100s", j->a2);
            if (ts_store_audit(svc->w, j->actor, j->kind == JOB_ACK ? "http.ack" : "http.close",
                               j->a1, detail, &e2) != TS_OK) {
                /* ts_alert_* already audited the action itself */
            }
        }
        break;
    case JOB_SCREEN: {
        ts_screen_opts so = {.cfg = g->cfg,
                             .grid = g->grid,
                             .pack = g->pack,
                             .passes = j->passes,
                             .scope = j->a1,
                             .now = j->now,
                             .on_alert = ts_feedback_on_screen_alert,
                             .alert_ud = g->fb};
        ts_screen_result res;
        j->rc = ts_screen_run(svc->w, svc->db_path, &so, &res, err);
        if (j->rc == TS_OK) {
            size_t cap = 2, used = 0;
            char **parts = calloc(res.n ? res.n : 1, sizeof *parts);
            for (unsigned i = 0; parts && i < res.n; i++) {
                parts[i] = ts_screen_summary_json(&res, i, g->pack, j->a1 ? j->a1 : "all");
                cap += (parts[i] ? strlen(parts[i]) : 4) + 1;
            }
            j->json = parts ? malloc(cap) : NULL;
            if (j->json) {
                j->json[used++] = '[';
                for (unsigned i = 0; i < res.n; i++) {
                    const char *p = parts[i] ? parts[i] : "null";
                    if (i)
                        j->json[used++] = ',';
                    memcpy(j->json + used, p, strlen(p));
                    used += strlen(p);
                }
                j->json[used++] = ']';
                j->json[used] = '\0';
            } else {
                j->rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
            }
            for (unsigned i = 0; parts && i < res.n; i++)
                free(parts[i]);
            free(parts);
            for (unsigned i = 0; i < res.n; i++)
                atomic_fetch_add(&svc->st.rule_errors, res.pass[i].rule_errors);
            ts_err e2;
            if (ts_store_audit(svc->w, j->actor, "http.screen", j->a1 ? j->a1 : "all", NULL, &e2) !=
                TS_OK) {
                /* the run itself is recorded in runs */
            }
        }
        ts_screen_result_release(&res);
        break;
    }
    case JOB_ESCALATE: {
        unsigned n = 0;
        j->rc = ts_feedback_escalate(g->fb, svc->w, (int64_t)time(NULL), &n, err);
        atomic_fetch_add(&svc->st.escalated, n);
        break;
    }
    default:
        j->rc = ts_err_set(err, TS_STATE, NULL, "not a solo job");
        break;
    }
    count_alerts(svc, g, before);
    after_commit(svc, g);
    finish(svc, j);
}

static void *writer_main(void *arg)
{
    ts_service *svc = arg;
    ts_svc_job *group[GROUP_MAX];
    for (;;) {
        pthread_mutex_lock(&svc->q_mu);
        while (!svc->q_head && !svc->stop)
            pthread_cond_wait(&svc->q_cv, &svc->q_mu);
        ts_svc_job *list = svc->q_head;
        svc->q_head = svc->q_tail = NULL;
        pthread_mutex_unlock(&svc->q_mu);
        if (!list)
            break; /* stop requested and nothing left */
        size_t n = 0;
        while (list) {
            ts_svc_job *j = list;
            list = j->next;
            j->next = NULL;
            /* a group holds one generation so that one host evaluates it */
            if (n && (!is_group_job(j) || n == GROUP_MAX || j->gen != group[0]->gen)) {
                run_group(svc, group, n);
                n = 0;
            }
            if (is_group_job(j))
                group[n++] = j;
            else
                run_solo(svc, j);
        }
        if (n)
            run_group(svc, group, n);
    }
    ts_rulehost_free(svc->host);
    svc->host = NULL;
    ts_service_gen_release(svc->host_gen);
    svc->host_gen = NULL;
    pthread_mutex_lock(&svc->q_mu);
    svc->writer_exited = true;
    pthread_cond_broadcast(&svc->exit_cv);
    pthread_mutex_unlock(&svc->q_mu);
    return NULL;
}

/* Polls the database's highest cursor (alerts written by other processes) and gives the
 * listener its tick. */
static void *ticker_main(void *arg)
{
    ts_service *svc = arg;
    unsigned tick = 0;
    ts_store *r = NULL;
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&svc->q_mu);
        if (!svc->stop)
            pthread_cond_timedwait(&svc->tick_cv, &svc->q_mu, &ts);
        bool stop = svc->stop;
        pthread_mutex_unlock(&svc->q_mu);
        if (stop)
            break;
        if (++tick % DB_POLL_TICKS == 0) {
            ts_err e;
            int64_t c = 0;
            if (!r && ts_service_reader_get(svc, &r, &e) != TS_OK)
                r = NULL;
            if (r && ts_alerts_max_cursor(r, &c, &e) == TS_OK)
                raise_cursor(svc, c);
        }
        notify(svc);
    }
    ts_service_reader_put(svc, r);
    return NULL;
}

ts_status ts_service_open(const char *config_path, ts_service **out, ts_err *err)
{
    ts_service *svc = calloc(1, sizeof *svc);
    if (!svc || !(svc->config_path = strdup(config_path)) ||
        !(svc->stuck = calloc(1, sizeof *svc->stuck))) {
        if (svc)
            free(svc->config_path);
        free(svc);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    pthread_mutex_init(&svc->gen_mu, NULL);
    pthread_mutex_init(&svc->reload_mu, NULL);
    pthread_mutex_init(&svc->refuse_mu, NULL);
    atomic_init(&svc->stuck->refs, 1);
    atomic_init(&svc->stuck->n, 0);
    pthread_mutex_init(&svc->q_mu, NULL);
    pthread_cond_init(&svc->q_cv, NULL);
    pthread_cond_init(&svc->exit_cv, NULL);
    pthread_mutex_init(&svc->tick_mu, NULL);
    pthread_cond_init(&svc->tick_cv, NULL);
    pthread_mutex_init(&svc->pool_mu, NULL);
    atomic_init(&svc->cursor, 0);
    atomic_init(&svc->screen_busy, false);
    ts_arena_init(&svc->scratch, (size_t)256 << 20);
    ts_status rc = gen_load(config_path, 1, &svc->live, err);
    if (rc != TS_OK)
        goto fail;
    svc->gen_counter = 1;
    atomic_init(&svc->live_number, 1);
    if (!(svc->db_path = strdup(svc->live->cfg->database))) {
        rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
        goto fail;
    }
    if ((rc = ts_store_open(svc->db_path, TS_STORE_READWRITE, &svc->w, err)) != TS_OK)
        goto fail;
    ts_store_counts counts;
    if ((rc = ts_store_counts_get(svc->w, &counts, err)) != TS_OK)
        goto fail;
    if (counts.cells == 0 && (rc = ts_store_put_grid(svc->w, svc->live->grid, err)) != TS_OK)
        goto fail;
    int64_t c = 0;
    if ((rc = ts_alerts_max_cursor(svc->w, &c, err)) != TS_OK)
        goto fail;
    atomic_store(&svc->cursor, c);
    if (pthread_create(&svc->writer, NULL, writer_main, svc) != 0) {
        rc = ts_err_set(err, TS_NOMEM, NULL, "cannot start the writer thread");
        goto fail;
    }
    svc->writer_started = true;
    if (pthread_create(&svc->ticker, NULL, ticker_main, svc) != 0) {
        rc = ts_err_set(err, TS_NOMEM, NULL, "cannot start the ticker thread");
        goto fail;
    }
    svc->ticker_started = true;
    *out = svc;
    return TS_OK;
fail:
    ts_service_close(svc);
    return rc;
}

ts_status ts_service_stop(ts_service *svc, unsigned timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000u;
    until.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&svc->q_mu);
    svc->stop = true;
    pthread_cond_broadcast(&svc->q_cv);
    pthread_cond_broadcast(&svc->tick_cv);
    while (svc->writer_started && !svc->writer_exited)
        if (pthread_cond_timedwait(&svc->exit_cv, &svc->q_mu, &until) != 0)
            break;
    bool exited = !svc->writer_started || svc->writer_exited;
    /* a writer stuck past the deadline is given up: the caller exits without joining it
     * (detached, so that is not a leak) */
    if (!exited && !svc->writer_detached && pthread_detach(svc->writer) == 0)
        svc->writer_detached = true;
    pthread_mutex_unlock(&svc->q_mu);
    /* the ticker only reads and sees stop at once: joined here so that a caller giving
     * up on the writer leaves no finished thread behind */
    if (!exited && svc->ticker_started) {
        pthread_join(svc->ticker, NULL);
        svc->ticker_started = false;
    }
    return exited ? TS_OK : TS_BUSY;
}

void ts_service_close(ts_service *svc)
{
    if (!svc)
        return;
    /* a reload under way is left to its thread, which owns everything it uses */
    pthread_mutex_lock(&svc->reload_mu);
    if (svc->reload) {
        pthread_mutex_lock(&svc->reload->mu);
        svc->reload->abandoned = !svc->reload->done;
        pthread_mutex_unlock(&svc->reload->mu);
        task_unref(svc->reload);
        svc->reload = NULL;
    }
    pthread_mutex_unlock(&svc->reload_mu);
    pthread_mutex_lock(&svc->q_mu);
    svc->stop = true;
    pthread_cond_broadcast(&svc->q_cv);
    pthread_cond_broadcast(&svc->tick_cv);
    /* a writer a timed-out stop detached cannot be joined: wait for it to finish */
    while (svc->writer_detached && !svc->writer_exited)
        pthread_cond_wait(&svc->exit_cv, &svc->q_mu);
    bool join = svc->writer_started && !svc->writer_detached;
    pthread_mutex_unlock(&svc->q_mu);
    if (join)
        pthread_join(svc->writer, NULL);
    if (svc->ticker_started)
        pthread_join(svc->ticker, NULL);
    ts_rulehost_free(svc->host);
    ts_service_gen_release(svc->host_gen);
    for (size_t i = 0; i < svc->n_pool; i++)
        ts_store_close(svc->pool[i]);
    ts_store_close(svc->w);
    ts_service_gen_release(svc->live);
    ts_arena_release(&svc->scratch);
    pthread_mutex_destroy(&svc->gen_mu);
    pthread_mutex_destroy(&svc->reload_mu);
    pthread_mutex_destroy(&svc->refuse_mu);
    pthread_mutex_destroy(&svc->q_mu);
    pthread_cond_destroy(&svc->q_cv);
    pthread_cond_destroy(&svc->exit_cv);
    pthread_mutex_destroy(&svc->tick_mu);
    pthread_cond_destroy(&svc->tick_cv);
    pthread_mutex_destroy(&svc->pool_mu);
    stuck_unref(svc->stuck);
    free(svc->db_path);
    free(svc->config_path);
    free(svc);
}

void ts_service_stats_get(ts_service *svc, ts_service_stats *out)
{
    memset(out, 0, sizeof *out);
    out->records_accepted = atomic_load(&svc->st.accepted);
    out->records_rejected = atomic_load(&svc->st.rejected);
    out->rule_errors = atomic_load(&svc->st.rule_errors);
    for (int k = 0; k < 4; k++)
        out->alerts[k] = atomic_load(&svc->st.alerts[k]);
    out->escalated = atomic_load(&svc->st.escalated);
    out->commits = atomic_load(&svc->st.commits);
    out->jobs_committed = atomic_load(&svc->st.jobs);
    out->reloads_ok = atomic_load(&svc->st.reloads_ok);
    out->reloads_failed = atomic_load(&svc->st.reloads_failed);
}
