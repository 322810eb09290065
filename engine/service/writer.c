/* service/writer.c — the writer thread: takes jobs from the queue in arrival order,
 * group-commits ingest and audit jobs (a failing job retried alone so it cannot take the
 * group down), runs the others alone (alert acts, claim-next, screenings, and the clock
 * sweep one batch at a time between the other jobs). Uses store, screen, feedback. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "triscreen/judged.h"
#include "triscreen/shadow_judge.h"
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
        return ts_store_audit_tok(svc->w, j->actor, j->token, j->a1, j->a2, j->a3, err);
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
    if (j->kind == JOB_SCREEN || j->kind == JOB_ESCALATE) {
        j->ran = true;
        atomic_store(j->kind == JOB_SCREEN ? &svc->screen_busy : &svc->sweep_busy, false);
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
    if (!committed)
        memset(svc->stage_tally, 0, sizeof svc->stage_tally);
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
    for (int p = 0; rc == TS_OK && p < 3; p++)
        rc = ts_screen_tally_flush(svc->w, &svc->stage_tally[p], &e);
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

/* A refused act is audited after the rollback, in its own statement: the attempt stays
 * on record though nothing else of it does (ts_alert_act leaves that to a caller that
 * holds the transaction). Allocation and database failures are not refusals. */
static void audit_refused_act(ts_service *svc, const ts_svc_job *j)
{
    ts_status rc = j->rc;
    if (rc == TS_OK || rc == TS_NOMEM || rc == TS_STORE || rc == TS_BUSY)
        return;
    char action[48], detail[TS_LIMIT_ERR_TEXT + 32];
    snprintf(action, sizeof action, "alert.%s.refused", ts_alert_verb_name(j->verb));
    snprintf(detail, sizeof detail, "status=%s reason=%s", ts_status_name(rc), j->err.msg);
    ts_err e2;
    if (ts_store_audit_tok(svc->w, j->actor, j->token, action, j->a1, detail, &e2) != TS_OK) {
        /* the refusal itself was answered; the audit row is best effort past a db failure */
    }
}

/* JOB_ACT: ts_alert_act in the writer's own transaction. */
static void run_act(ts_service *svc, ts_svc_job *j)
{
    ts_service_gen *g = j->gen;
    ts_actor actor = {.officer = j->actor, .token = j->token};
    ts_alert_action act = {.verb = j->verb,
                           .alert_id = j->a1,
                           .outcome = j->outcome,
                           .note = j->a3,
                           .at = j->at ? j->at : (int64_t)time(NULL)};
    ts_alert_state st = TS_ALERT_NEW;
    j->rc = ts_store_begin(svc->w, &j->err);
    if (j->rc == TS_OK)
        j->rc = ts_alert_act(svc->w, g->grid, g->cfg, &actor, &act, &st, &j->err);
    if (j->rc == TS_OK)
        j->rc = ts_store_commit(svc->w, &j->err);
    if (j->rc != TS_OK) {
        ts_store_rollback(svc->w);
        audit_refused_act(svc, j);
        return;
    }
    j->state = st;
}

/* JOB_CLAIM_NEXT: one write transaction of its own (ts_alert_claim_next); the writer
 * runs jobs one at a time, so concurrent callers get different alerts. */
static void run_claim_next(ts_service *svc, ts_svc_job *j)
{
    ts_service_gen *g = j->gen;
    ts_actor actor = {.officer = j->actor, .token = j->token};
    char id[24] = "";
    j->rc = ts_alert_claim_next(svc->w, g->grid, &actor, j->want,
                                j->at ? j->at : (int64_t)time(NULL), id, &j->err);
    if (j->rc == TS_OK) {
        snprintf(j->alert, sizeof j->alert, "%s", id);
        j->state = TS_ALERT_CLAIMED;
    }
}

/* The run summaries of a screening job as one JSON array (j->json). */
static ts_status screen_json(ts_svc_job *j, const ts_screen_result *res, ts_err *err)
{
    const ts_service_gen *g = j->gen;
    size_t cap = 2, used = 0;
    char **parts = calloc(res->n ? res->n : 1, sizeof *parts);
    for (unsigned i = 0; parts && i < res->n; i++) {
        parts[i] = ts_screen_summary_json(res, i, g->pack, j->a1 ? j->a1 : "all");
        cap += (parts[i] ? strlen(parts[i]) : 4) + 1;
    }
    j->json = parts ? malloc(cap) : NULL;
    if (j->json) {
        j->json[used++] = '[';
        for (unsigned i = 0; i < res->n; i++) {
            const char *p = parts[i] ? parts[i] : "null";
            if (i)
                j->json[used++] = ',';
            memcpy(j->json + used, p, strlen(p));
            used += strlen(p);
        }
        j->json[used++] = ']';
        j->json[used] = '\0';
    }
    for (unsigned i = 0; parts && i < res->n; i++)
        free(parts[i]);
    free(parts);
    return j->json ? TS_OK : ts_err_set(err, TS_NOMEM, NULL, NULL);
}

static void run_screen(ts_service *svc, ts_svc_job *j)
{
    ts_service_gen *g = j->gen;
    ts_screen_opts so = {.cfg = g->cfg,
                         .grid = g->grid,
                         .pack = g->pack,
                         .passes = j->passes,
                         .scope = j->a1,
                         .now = j->now,
                         .on_alert = ts_feedback_on_screen_alert,
                         .on_alert_batch = ts_feedback_on_alert_batch,
                         .alert_ud = g->fb};
    /* shadows judge every screening with a full pass, as `triscreen screen` does */
    ts_judged_set *live = NULL;
    ts_judged_sink sink = {0};
    unsigned mask = j->passes ? j->passes : 7u;
    if ((mask & (1u << TS_PASS_FULL)) && ts_store_shadow_count(svc->w) > 0 &&
        ts_judged_set_new(g->grid, &live, &j->err) == TS_OK) {
        sink.set = live;
        so.on_judged = ts_judged_collect;
        so.judged_ud = &sink;
    }
    ts_screen_result res;
    j->rc = ts_screen_run(svc->w, svc->db_path, &so, &res, &j->err);
    if (j->rc == TS_OK && live) {
        unsigned judged = 0;
        ts_err serr;
        /* the live screening stands either way; a failure is counted (/metrics) */
        bool ok = ts_shadows_judge(svc->w, g->cfg, g->grid, live, &judged, &serr) == TS_OK;
        atomic_fetch_add(ok ? &svc->st.shadows_ok : &svc->st.shadows_failed, 1);
    }
    ts_judged_set_free(live);
    if (j->rc == TS_OK) {
        j->rc = screen_json(j, &res, &j->err);
        for (unsigned i = 0; i < res.n; i++)
            atomic_fetch_add(&svc->st.rule_errors, res.pass[i].rule_errors);
        ts_err e2;
        if (ts_store_audit(svc->w, j->actor, "http.screen", j->a1 ? j->a1 : "all", NULL, &e2) !=
            TS_OK) {
            /* the run itself is recorded in runs */
        }
    }
    ts_screen_result_release(&res);
}

/* One batch of a clock sweep, in the writer's own transaction (ts_feedback_escalate then
 * moves at most j->batch alerts). True when the batch was full: more may be due, and
 * the writer runs the next batch after the jobs that arrived meanwhile. */
static bool run_sweep_batch(ts_service *svc, ts_svc_job *j)
{
    ts_service_gen *g = j->gen;
    if (!j->at)
        j->at = (int64_t)time(NULL); /* every batch of a sweep uses the first one's clock */
    uint64_t n = 0;
    j->rc = ts_store_begin(svc->w, &j->err);
    if (j->rc == TS_OK)
        j->rc = ts_feedback_escalate(g->fb, svc->w, j->at, j->batch, &n, &j->err);
    if (j->rc == TS_OK)
        j->rc = ts_store_commit(svc->w, &j->err);
    if (j->rc != TS_OK) {
        ts_store_rollback(svc->w);
        ts_feedback_discard(g->fb);                  /* the batch's rows are gone */
        atomic_fetch_add(&svc->st.sweeps_failed, 1); /* /metrics shows it; the next tick retries */
        return false;
    }
    j->escalated += n;
    atomic_fetch_add(&svc->st.escalated, n);
    return n >= j->batch;
}

static bool stopping(ts_service *svc)
{
    pthread_mutex_lock(&svc->q_mu);
    bool stop = svc->stop;
    pthread_mutex_unlock(&svc->q_mu);
    return stop;
}

static void run_solo(ts_service *svc, ts_svc_job *j)
{
    ts_service_gen *g = j->gen;
    uint64_t before[4] = {0};
    raised_total(g, before);
    ts_err_clear(&j->err);
    bool more = false;
    switch (j->kind) {
    case JOB_ACT:
        run_act(svc, j);
        break;
    case JOB_CLAIM_NEXT:
        run_claim_next(svc, j);
        break;
    case JOB_REVIEW:
        ts__svc_run_review(svc, j);
        break;
    case JOB_SCREEN:
        run_screen(svc, j);
        break;
    case JOB_ESCALATE:
        more = run_sweep_batch(svc, j) && !stopping(svc);
        break;
    default:
        j->rc = ts_err_set(&j->err, TS_STATE, NULL, "not a solo job");
        break;
    }
    count_alerts(svc, g, before);
    after_commit(svc, g);
    if (more) {
        svc->sweep_next = j; /* not finished: its next batch follows the queued jobs */
        return;
    }
    if (j->kind == JOB_ESCALATE && j->rc == TS_OK)
        atomic_fetch_add(&svc->st.sweeps, 1);
    finish(svc, j);
}

void *ts__svc_writer_main(void *arg)
{
    ts_service *svc = arg;
    ts_svc_job *group[GROUP_MAX];
    void *batch[TS_LIMIT_SERVICE_QUEUE];
    for (;;) {
        /* everything queued so far, in arrival order; 0 once stopped and drained. With a
         * sweep under way it only takes what is already there (only this thread pops, so
         * a non-empty queue does not block), then runs the sweep's next batch. */
        size_t got = 0;
        if (!svc->sweep_next || ts_queue_len(svc->jobs) > 0)
            got = ts_queue_pop(svc->jobs, batch, TS_LIMIT_SERVICE_QUEUE);
        if (got == 0 && !svc->sweep_next)
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
        ts_svc_job *sweep = svc->sweep_next;
        svc->sweep_next = NULL;
        if (sweep)
            run_solo(svc, sweep); /* may leave itself in sweep_next again */
    }
    ts_rulehost_free(svc->host);
    svc->host = NULL;
    ts_shadow_hosts_free(svc->shadows);
    svc->shadows = NULL;
    ts_service_gen_release(svc->host_gen);
    svc->host_gen = NULL;
    pthread_mutex_lock(&svc->q_mu);
    svc->writer_exited = true;
    pthread_cond_broadcast(&svc->exit_cv);
    pthread_mutex_unlock(&svc->q_mu);
    return NULL;
}
