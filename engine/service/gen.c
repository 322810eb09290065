/* service/gen.c — generations (config + grid + rule pack + feedback context + resolved
 * tokens, reference-counted) and reloads on a thread of their own that go live only
 * through the poll. Uses config, grid, rulehost, feedback, store. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/app.h"
#include "service/svc_int.h"

static void gen_free(ts_service_gen *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_princ; i++)
        free((void *)g->princ[i].cells);
    free(g->princ);
    ts__svc_gen_free_stored(g);
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

ts_service_gen *ts__svc_gen_ref(ts_service_gen *g)
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
    ts_arena_init(&a, TS_LIMIT_ARENA_PROBE);
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

/* A config token's `officer:`: an officer of the grid (the county desk included). */
static ts_status resolve_officer(const ts_grid *grid, const char *path, const ts_token_cfg *t,
                                 ts_principal *p, ts_err *err)
{
    const ts_cell *cell = NULL;
    if (!ts_grid_officer(grid, t->officer, &cell))
        return ts_err_set(err, TS_CONFIG, path,
                          "service.tokens: token '%s' names officer '%s', who is not an officer "
                          "of the grid",
                          t->name, t->officer);
    p->officer = t->officer;
    p->officer_cell = cell;
    p->county_desk = cell == NULL;
    return TS_OK;
}

/* The configured tokens as principals of g (scopes and `officer:` resolved against its
 * grid). */
static ts_status load_principals(ts_service_gen *g, const char *path, ts_err *err)
{
    if (!g->cfg->n_tokens)
        return TS_OK;
    ts_status rc = TS_OK;
    g->princ = calloc(g->cfg->n_tokens, sizeof *g->princ);
    if (!g->princ)
        rc = ts_err_set(err, TS_NOMEM, NULL, NULL);
    for (size_t i = 0; rc == TS_OK && i < g->cfg->n_tokens; i++) {
        const ts_token_cfg *t = &g->cfg->tokens[i];
        ts_principal *p = &g->princ[i];
        g->n_princ++;
        p->name = t->name;
        p->write = t->write;
        p->token_id = t->name;
        if (t->officer && (rc = resolve_officer(g->grid, path, t, p, err)) != TS_OK)
            return rc;
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
                return rc;
            }
            cells[p->n_cells++] = c;
        }
        p->cells = cells;
    }
    return rc;
}

/* Loads and validates everything a generation needs; nothing is published here. */
ts_status ts__svc_gen_load(const char *path, uint64_t number, ts_service_gen **out, ts_err *err)
{
    ts_service_gen *g = calloc(1, sizeof *g);
    if (!g)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    atomic_init(&g->refs, 1);
    pthread_mutex_init(&g->sp_mu, NULL);
    g->number = number;
    ts_rulehost *probe = NULL;
    ts_status rc = ts_config_load(path, &g->cfg, err);
    if (rc == TS_OK)
        rc = ts_grid_load(g->cfg->grid, &g->grid, err);
    if (rc == TS_OK) /* the database's active rules version, else the config's folder */
        rc = ts_app_load_pack(g->cfg, NULL, NULL, &g->pack, err);
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
    if (rc == TS_OK)
        rc = load_principals(g, path, err);
    if (rc != TS_OK) {
        gen_free(g);
        return rc;
    }
    *out = g;
    return TS_OK;
}

ts_service_gen *ts_service_acquire(ts_service *svc)
{
    pthread_mutex_lock(&svc->gen_mu);
    ts_service_gen *g = ts__svc_gen_ref(svc->live);
    pthread_mutex_unlock(&svc->gen_mu);
    return g;
}

uint64_t ts_service_generation(ts_service *svc)
{
    return atomic_load(&svc->live_number);
}

static stuck_count *stuck_ref(stuck_count *c)
{
    atomic_fetch_add(&c->refs, 1);
    return c;
}

void ts__svc_stuck_unref(stuck_count *c)
{
    if (c && atomic_fetch_sub(&c->refs, 1) == 1)
        free(c);
}

void ts__svc_task_unref(reload_task *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    ts_service_gen_release(t->gen);
    pthread_mutex_destroy(&t->mu);
    ts__svc_stuck_unref(t->stuck);
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
    ts_status rc = ts__svc_gen_load(t->config_path, t->number, &g, &e);
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
    ts__svc_task_unref(t);
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

uint64_t ts__svc_mono_ms(void)
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
    t->deadline_ms = ts__svc_mono_ms() + (uint64_t)t->timeout_s * 1000u;
    t->stuck = stuck_ref(svc->stuck);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int cr = pthread_create(&th, &attr, reload_main, t);
    pthread_attr_destroy(&attr);
    if (cr != 0) {
        atomic_store(&t->refs, 1);
        ts__svc_task_unref(t);
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
    if (!t->done && ts__svc_mono_ms() < t->deadline_ms) {
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
    ts__svc_task_unref(t);
    if (rc != TS_OK) {
        reload_failed(svc, err);
        pthread_mutex_unlock(&svc->reload_mu);
        return rc;
    }
    svc->gen_counter = g->number;
    ts__svc_gen_attach(svc, g); /* the stored tokens, before anyone can authenticate */
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

bool ts_service_reload_error(ts_service *svc, char *buf, size_t cap)
{
    pthread_mutex_lock(&svc->gen_mu);
    bool any = svc->reload_err[0] != '\0';
    snprintf(buf, cap, "%s", svc->reload_err);
    pthread_mutex_unlock(&svc->gen_mu);
    return any;
}
