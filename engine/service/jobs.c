/* service/jobs.c — write jobs: their constructors, submission to the writer's bounded
 * queue (triscreen/pipeline.h ts_queue), results. Uses base. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/svc_int.h"

/* ---- queue ------------------------------------------------------------------------- */

ts_svc_job *ts__svc_job_new(job_kind kind, ts_service_gen *g, const char *actor)
{
    ts_svc_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->kind = kind;
    j->gen = g ? ts__svc_gen_ref(g) : NULL;
    j->actor = strdup(actor ? actor : "");
    ts_arena_init(&j->arena, TS_LIMIT_ARENA_JOB);
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
    /* a screening or a sweep that never ran gives its one-at-a-time slot back */
    if ((j->kind == JOB_SCREEN || j->kind == JOB_ESCALATE) && j->busy_flag && !j->ran)
        atomic_store(j->busy_flag, false);
    ts_service_gen_release(j->gen);
    free(j->actor);
    free(j->a1);
    free(j->a2);
    free(j->a3);
    free(j->token);
    free(j->json);
    free(j->recs);
    ts_arena_release(&j->arena);
    free(j);
}

ts_status ts_service_submit(ts_service *svc, ts_svc_job *j, ts_err *err)
{
    /* waits while TS_LIMIT_SERVICE_QUEUE jobs are queued; refused once stop closed it */
    if (ts_queue_push(svc->jobs, j) != TS_OK)
        return ts_err_set(err, TS_STATE, NULL, "the service is shutting down");
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

ts_status ts_service_audit(ts_service *svc, ts_service_gen *g, const char *actor,
                           const char *action, const char *target, const char *detail,
                           ts_service_done_fn done, void *ud, ts_svc_job **out, ts_err *err)
{
    return ts_service_audit_tok(svc, g, actor, NULL, action, target, detail, done, ud, out, err);
}

ts_status ts_service_audit_tok(ts_service *svc, ts_service_gen *g, const char *actor,
                               const char *token, const char *action, const char *target,
                               const char *detail, ts_service_done_fn done, void *ud,
                               ts_svc_job **out, ts_err *err)
{
    (void)svc;
    ts_svc_job *j = ts__svc_job_new(JOB_AUDIT, g, actor);
    if (!j || !(j->a1 = strdup(action)) || !(j->a2 = strdup(target ? target : "")) ||
        !(j->a3 = strdup(detail ? detail : "")) || (token && !(j->token = strdup(token)))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->done = done;
    j->ud = ud;
    *out = j;
    return TS_OK;
}

const char *ts_svc_job_alert(const ts_svc_job *j, ts_alert_state *state)
{
    if (state)
        *state = j->state;
    return j->alert;
}

/* An act or claim-next job for p's officer: the actor and the token are the principal's,
 * copied (the principal may go with its generation before the job runs). */
static ts_status officer_job(job_kind kind, ts_service_gen *g, const ts_principal *p,
                             ts_svc_job **out, ts_err *err)
{
    if (!p || !p->officer || !p->officer[0])
        return ts_err_set(err, TS_DENIED, "token", "this token is not bound to an officer");
    ts_svc_job *j = ts__svc_job_new(kind, g, p->officer);
    if (!j || !(j->token = strdup(p->token_id ? p->token_id : p->name))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    *out = j;
    return TS_OK;
}

ts_status ts_service_alert_act(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                               ts_alert_verb verb, const char *alert_id, ts_close_outcome outcome,
                               const char *note, int64_t at, ts_service_done_fn done, void *ud,
                               ts_svc_job **out, ts_err *err)
{
    (void)svc;
    ts_svc_job *j = NULL;
    ts_status rc = officer_job(JOB_ACT, g, p, &j, err);
    if (rc != TS_OK)
        return rc;
    if (!(j->a1 = strdup(alert_id ? alert_id : "")) || (note && !(j->a3 = strdup(note)))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->verb = verb;
    j->outcome = outcome;
    j->at = at;
    j->state = TS_ALERT_NEW;
    snprintf(j->alert, sizeof j->alert, "%s", j->a1);
    j->done = done;
    j->ud = ud;
    *out = j;
    return TS_OK;
}

ts_status ts_service_claim_next(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                                ts_feedback kind, int64_t at, ts_service_done_fn done, void *ud,
                                ts_svc_job **out, ts_err *err)
{
    (void)svc;
    ts_svc_job *j = NULL;
    ts_status rc = officer_job(JOB_CLAIM_NEXT, g, p, &j, err);
    if (rc != TS_OK)
        return rc;
    j->want = kind;
    j->at = at;
    j->state = TS_ALERT_NEW;
    j->done = done;
    j->ud = ud;
    *out = j;
    return TS_OK;
}

ts_status ts_service_review(ts_service *svc, ts_service_gen *g, const ts_principal *p,
                            const char *person, ts_review_outcome outcome, ts_colour colour,
                            const char *until, const char *note, const char *now,
                            ts_service_done_fn done, void *ud, ts_svc_job **out, ts_err *err)
{
    (void)svc;
    ts_svc_job *j = NULL;
    ts_status rc = officer_job(JOB_REVIEW, g, p, &j, err);
    if (rc != TS_OK)
        return rc;
    if (!(j->a1 = strdup(person ? person : "")) || (until && !(j->a2 = strdup(until))) ||
        !(j->a3 = strdup(note ? note : ""))) {
        ts_svc_job_free(j);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    j->who = p;
    j->review = outcome;
    j->colour = colour;
    snprintf(j->day, sizeof j->day, "%s", now ? now : "");
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
    ts_svc_job *j = ts__svc_job_new(JOB_SCREEN, g, actor);
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

bool ts_service_escalate(ts_service *svc, int64_t at, size_t batch)
{
    bool expected = false;
    if (!atomic_compare_exchange_strong(&svc->sweep_busy, &expected, true))
        return false;
    ts_service_gen *g = ts_service_acquire(svc);
    ts_svc_job *j = ts__svc_job_new(JOB_ESCALATE, g, "engine");
    ts_service_gen_release(g);
    if (!j) {
        atomic_store(&svc->sweep_busy, false);
        return false;
    }
    j->busy_flag = &svc->sweep_busy;
    j->at = at;
    j->batch = batch == 0                        ? TS_LIMIT_SERVICE_SWEEP_BATCH
               : batch > TS_LIMIT_ESCALATE_BATCH ? TS_LIMIT_ESCALATE_BATCH
                                                 : batch;
    if (ts_service_submit(svc, j, NULL) != TS_OK) {
        ts_svc_job_free(j); /* gives the slot back */
        return false;
    }
    return true;
}
