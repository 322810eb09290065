/* service/writer.c — the writer thread: takes jobs from the queue in arrival order,
 * group-commits ingest and audit jobs (a failing job retried alone so it cannot take the
 * group down), runs the others alone. Uses store, screen, feedback. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/svc_int.h"

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
    return ts__svc_apply_ingest(svc, j, err);
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
        ts__svc_raise_cursor(svc, c);
    ts__svc_notify(svc);
}

static void finish(ts_service *svc, ts_svc_job *j)
{
    if (j->kind == JOB_INGEST) {
        size_t a, i, f;
        if (j->rc == TS_OK) {
            j->json = ts__svc_ingest_json(j);
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

void *ts__svc_writer_main(void *arg)
{
    ts_service *svc = arg;
    ts_svc_job *group[GROUP_MAX];
    void *batch[TS_LIMIT_SERVICE_QUEUE];
    for (;;) {
        /* everything queued so far, in arrival order; 0 once stopped and drained */
        size_t got = ts_queue_pop(svc->jobs, batch, TS_LIMIT_SERVICE_QUEUE);
        if (got == 0)
            break;
        size_t n = 0;
        for (size_t k = 0; k < got; k++) {
            ts_svc_job *j = batch[k];
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
