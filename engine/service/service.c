/* service/service.c — the service's lifecycle (open, stop, close), the cursor listener,
 * the pool of read connections and the statistics. The parts live beside it: gen.c,
 * auth.c, jobs.c, ingest.c, apply.c, writer.c, ticker.c (svc_int.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/shadow_judge.h"
#include "service/svc_int.h"

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

void ts__svc_notify(ts_service *svc)
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

void ts__svc_raise_cursor(ts_service *svc, int64_t c)
{
    int64_t cur = atomic_load(&svc->cursor);
    while (c > cur && !atomic_compare_exchange_weak(&svc->cursor, &cur, c)) {
    }
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
    pthread_cond_init(&svc->exit_cv, NULL);
    pthread_mutex_init(&svc->tick_mu, NULL);
    pthread_cond_init(&svc->tick_cv, NULL);
    pthread_mutex_init(&svc->pool_mu, NULL);
    atomic_init(&svc->cursor, 0);
    atomic_init(&svc->screen_busy, false);
    atomic_init(&svc->sweep_busy, false);
    ts_arena_init(&svc->scratch, TS_LIMIT_ARENA_SCRATCH);
    ts_status rc = ts_queue_new(TS_LIMIT_SERVICE_QUEUE, &svc->jobs);
    if (rc != TS_OK) {
        rc = ts_err_set(err, rc, NULL, "the job queue");
        goto fail;
    }
    rc = ts__svc_gen_load(config_path, 1, &svc->live, err);
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
    /* the ticker checkpoints on a connection of its own, so the copying of the WAL into
     * the database runs beside the writer's commits, never inside one */
    if ((rc = ts_store_set_autocheckpoint(svc->w, 0, err)) != TS_OK)
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
    if ((rc = ts__svc_tokens_open(svc, svc->w, err)) != TS_OK)
        goto fail;
    if ((rc = ts_sessions_new(TS_LIMIT_HTTP_SESSIONS, TS_LIMIT_HTTP_SESSION_IDLE_S,
                              TS_LIMIT_HTTP_SESSION_S, &svc->sessions, err)) != TS_OK)
        goto fail;
    if (pthread_create(&svc->writer, NULL, ts__svc_writer_main, svc) != 0) {
        rc = ts_err_set(err, TS_NOMEM, NULL, "cannot start the writer thread");
        goto fail;
    }
    svc->writer_started = true;
    if (pthread_create(&svc->ticker, NULL, ts__svc_ticker_main, svc) != 0) {
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
    if (svc->jobs)
        ts_queue_close(svc->jobs);
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
        ts__svc_task_unref(svc->reload);
        svc->reload = NULL;
    }
    pthread_mutex_unlock(&svc->reload_mu);
    pthread_mutex_lock(&svc->q_mu);
    svc->stop = true;
    if (svc->jobs)
        ts_queue_close(svc->jobs);
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
    ts_shadow_hosts_free(svc->shadows);
    ts_service_gen_release(svc->host_gen);
    for (size_t i = 0; i < svc->n_pool; i++)
        ts_store_close(svc->pool[i]);
    ts_store_close(svc->w);
    ts_service_gen_release(svc->live);
    ts__svc_tokens_unref(svc->tokens);
    ts_sessions_free(svc->sessions);
    ts_arena_release(&svc->scratch);
    pthread_mutex_destroy(&svc->gen_mu);
    pthread_mutex_destroy(&svc->reload_mu);
    pthread_mutex_destroy(&svc->refuse_mu);
    pthread_mutex_destroy(&svc->q_mu);
    ts_queue_free(svc->jobs);
    pthread_cond_destroy(&svc->exit_cv);
    pthread_mutex_destroy(&svc->tick_mu);
    pthread_cond_destroy(&svc->tick_cv);
    pthread_mutex_destroy(&svc->pool_mu);
    ts__svc_stuck_unref(svc->stuck);
    free(svc->db_path);
    free(svc->config_path);
    free(svc);
}

ts_sessions *ts_service_sessions(ts_service *svc)
{
    return svc->sessions;
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
    out->sweeps = atomic_load(&svc->st.sweeps);
    out->sweeps_failed = atomic_load(&svc->st.sweeps_failed);
    out->commits = atomic_load(&svc->st.commits);
    out->jobs_committed = atomic_load(&svc->st.jobs);
    out->reloads_ok = atomic_load(&svc->st.reloads_ok);
    out->reloads_failed = atomic_load(&svc->st.reloads_failed);
    out->shadows_ok = atomic_load(&svc->st.shadows_ok);
    out->shadows_failed = atomic_load(&svc->st.shadows_failed);
}
