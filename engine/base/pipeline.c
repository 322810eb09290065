/* base/pipeline.c — the bounded queue and the ordered pipeline (pipeline.h). Uses only
 * pthreads: free slots and work travel through two ts_queues, finished items wait in a
 * reorder ring indexed by sequence number until the writer reaches them. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/pipeline.h"
#include "base/limits.h"

/* ---- bounded queue ------------------------------------------------------------------ */

struct ts_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    void **ring;
    size_t cap, head, len;
    bool closed;
};

ts_status ts_queue_new(size_t cap, ts_queue **out)
{
    if (cap == 0)
        return TS_USAGE;
    ts_queue *q = calloc(1, sizeof *q);
    if (!q || !(q->ring = calloc(cap, sizeof *q->ring))) {
        free(q);
        return TS_NOMEM;
    }
    q->cap = cap;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    *out = q;
    return TS_OK;
}

void ts_queue_free(ts_queue *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->mu);
    free(q->ring);
    free(q);
}

ts_status ts_queue_push(ts_queue *q, void *p)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == q->cap && !q->closed)
        pthread_cond_wait(&q->not_full, &q->mu);
    if (q->closed) {
        pthread_mutex_unlock(&q->mu);
        return TS_STATE;
    }
    q->ring[(q->head + q->len) % q->cap] = p;
    q->len++;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return TS_OK;
}

size_t ts_queue_pop(ts_queue *q, void **out, size_t max)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == 0 && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->mu);
    size_t n = 0;
    for (; n < max && q->len > 0; n++) {
        out[n] = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    if (n)
        pthread_cond_broadcast(&q->not_full);
    if (q->len)
        pthread_cond_signal(&q->not_empty); /* another consumer may take the rest */
    pthread_mutex_unlock(&q->mu);
    return n;
}

void ts_queue_close(ts_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = true;
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

size_t ts_queue_len(ts_queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

/* ---- ordered pipeline --------------------------------------------------------------- */

typedef enum { SLOT_FREE = 0, SLOT_FILLED, SLOT_DONE } slot_state;

typedef struct slot {
    void *item;
    uint64_t seq;
    slot_state state; /* under run.mu once the threads run */
    bool failed;      /* the worker failed or skipped it: never written */
} slot;

typedef struct run {
    const ts_pipeline_ops *ops;
    slot *slots;
    slot **ready; /* capacity entries: the DONE slot of sequence number s at s % capacity */
    ts_queue *free_q, *work_q;
    pthread_mutex_t mu;
    pthread_cond_t done_cv;
    uint64_t produced; /* items the reader delivered */
    bool reader_done;  /* the reader left (end, error or cancel) */
    uint64_t err_seq;  /* position of the first error in input order; UINT64_MAX: none */
    ts_status err_rc;
    ts_err err;
    void **states;
} run;

/* Records an error at position seq when it comes before every error seen so far, and
 * stops the reader. Caller holds no lock. */
static void fail_at(run *r, uint64_t seq, ts_status rc, const ts_err *e)
{
    pthread_mutex_lock(&r->mu);
    if (seq < r->err_seq) {
        r->err_seq = seq;
        r->err_rc = rc;
        if (e)
            r->err = *e;
        else
            ts_err_set(&r->err, rc, NULL, NULL);
        if (r->err.code == TS_OK)
            r->err.code = rc;
    }
    pthread_cond_broadcast(&r->done_cv);
    pthread_mutex_unlock(&r->mu);
    ts_queue_close(r->free_q);
}

static bool stopped_before(run *r, uint64_t seq)
{
    pthread_mutex_lock(&r->mu);
    bool stop = r->err_seq <= seq;
    pthread_mutex_unlock(&r->mu);
    return stop;
}

static void *reader_main(void *arg)
{
    run *r = arg;
    for (uint64_t seq = 0;; seq++) {
        void *p = NULL;
        if (ts_queue_pop(r->free_q, &p, 1) == 0 || stopped_before(r, seq))
            break; /* cancelled */
        slot *s = p;
        bool end = false;
        ts_err e;
        ts_err_clear(&e);
        ts_status rc = r->ops->read(r->ops->ud, s->item, &end, &e);
        if (rc != TS_OK) {
            fail_at(r, seq, rc, &e);
            break;
        }
        if (end)
            break;
        pthread_mutex_lock(&r->mu);
        s->seq = seq;
        s->state = SLOT_FILLED;
        s->failed = false;
        r->produced = seq + 1;
        pthread_mutex_unlock(&r->mu);
        /* work_q holds capacity pointers and only filled slots enter it: never full */
        if (ts_queue_push(r->work_q, s) != TS_OK)
            break;
    }
    pthread_mutex_lock(&r->mu);
    r->reader_done = true;
    pthread_cond_broadcast(&r->done_cv);
    pthread_mutex_unlock(&r->mu);
    ts_queue_close(r->work_q); /* workers drain what is queued, then leave */
    return NULL;
}

typedef struct worker_arg {
    run *r;
    void *state;
} worker_arg;

static void *worker_main(void *arg)
{
    worker_arg *wa = arg;
    run *r = wa->r;
    void *p;
    while (ts_queue_pop(r->work_q, &p, 1) == 1) {
        slot *s = p;
        bool failed = stopped_before(r, s->seq); /* past the first error: skipped */
        if (!failed) {
            ts_err e;
            ts_err_clear(&e);
            ts_status rc = r->ops->work(r->ops->ud, wa->state, s->item, &e);
            if (rc != TS_OK) {
                fail_at(r, s->seq, rc, &e);
                failed = true;
            }
        }
        pthread_mutex_lock(&r->mu);
        s->state = SLOT_DONE;
        s->failed = failed;
        r->ready[s->seq % r->ops->capacity] = s;
        pthread_cond_broadcast(&r->done_cv);
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

/* The calling thread's loop: items in input order until the end or the first error. */
static void write_all(run *r)
{
    const ts_pipeline_ops *o = r->ops;
    for (uint64_t next = 0;; next++) {
        pthread_mutex_lock(&r->mu);
        slot *s;
        for (;;) {
            s = r->ready[next % o->capacity];
            if (s && s->seq == next && s->state == SLOT_DONE)
                break;
            s = NULL;
            if (r->err_seq <= next || (r->reader_done && next == r->produced))
                break;
            pthread_cond_wait(&r->done_cv, &r->mu);
        }
        if (s && (s->failed || r->err_seq <= next))
            s = NULL; /* its error (or an earlier one) ends the run */
        if (s)
            r->ready[next % o->capacity] = NULL;
        pthread_mutex_unlock(&r->mu);
        if (!s)
            return;
        ts_err e;
        ts_err_clear(&e);
        ts_status rc = o->write(o->ud, s->item, &e);
        pthread_mutex_lock(&r->mu);
        s->state = SLOT_FREE;
        pthread_mutex_unlock(&r->mu);
        if (rc != TS_OK) {
            fail_at(r, next, rc, &e);
            return;
        }
        if (ts_queue_push(r->free_q, s) != TS_OK) {
            /* cancelled meanwhile: the reader has stopped, the slot is not needed; the
             * items before the error's position are still written */
        }
    }
}

static ts_status check_ops(const ts_pipeline_ops *o, ts_err *err)
{
    if (!o || !o->read || !o->work || !o->write || !o->slots)
        return ts_err_set(err, TS_USAGE, "pipeline", "read, work, write and slots are required");
    if (o->n_workers == 0 || o->n_workers > TS_LIMIT_PIPELINE_WORKERS)
        return ts_err_set(err, TS_USAGE, "pipeline", "workers must be 1 to %u (got %zu)",
                          TS_LIMIT_PIPELINE_WORKERS, o->n_workers);
    if (o->capacity == 0 || o->capacity > TS_LIMIT_PIPELINE_SLOTS)
        return ts_err_set(err, TS_USAGE, "pipeline", "capacity must be 1 to %u (got %zu)",
                          TS_LIMIT_PIPELINE_SLOTS, o->capacity);
    return TS_OK;
}

/* Starts the reader and the workers, writes, joins. The states are initialised. */
static void run_threads(run *r)
{
    const ts_pipeline_ops *o = r->ops;
    pthread_t reader, workers[TS_LIMIT_PIPELINE_WORKERS];
    worker_arg wargs[TS_LIMIT_PIPELINE_WORKERS];
    size_t started = 0;
    for (; started < o->n_workers; started++) {
        wargs[started] = (worker_arg){r, r->states[started]};
        if (pthread_create(&workers[started], NULL, worker_main, &wargs[started]) != 0)
            break;
    }
    bool reader_started =
        started == o->n_workers && pthread_create(&reader, NULL, reader_main, r) == 0;
    if (reader_started) {
        write_all(r);
    } else {
        ts_err e;
        ts_err_set(&e, TS_NOMEM, "pipeline", "cannot start a thread");
        fail_at(r, 0, TS_NOMEM, &e);
        ts_queue_close(r->work_q); /* the workers that started leave */
    }
    ts_queue_close(r->free_q); /* a reader still waiting for a slot leaves */
    if (reader_started)
        pthread_join(reader, NULL);
    for (size_t i = 0; i < started; i++)
        pthread_join(workers[i], NULL);
}

ts_status ts_pipeline_run(const ts_pipeline_ops *o, ts_err *err)
{
    ts_status rc = check_ops(o, err);
    if (rc != TS_OK)
        return rc;
    run r = {.ops = o, .err_seq = UINT64_MAX, .err_rc = TS_OK};
    ts_err_clear(&r.err);
    size_t n_init = 0;
    r.slots = calloc(o->capacity, sizeof *r.slots);
    r.ready = calloc(o->capacity, sizeof *r.ready);
    r.states = calloc(o->n_workers, sizeof *r.states);
    if (!r.slots || !r.ready || !r.states || ts_queue_new(o->capacity, &r.free_q) != TS_OK ||
        ts_queue_new(o->capacity, &r.work_q) != TS_OK) {
        rc = ts_err_set(err, TS_NOMEM, "pipeline", NULL);
        goto done;
    }
    for (size_t i = 0; i < o->capacity; i++) {
        r.slots[i].item = o->slots[i];
        if (ts_queue_push(r.free_q, &r.slots[i]) != TS_OK) {
            rc = ts_err_set(err, TS_STATE, "pipeline", NULL); /* unreachable: room for all */
            goto done;
        }
    }
    for (; n_init < o->n_workers && o->worker_init; n_init++)
        if ((rc = o->worker_init(o->ud, n_init, &r.states[n_init], err)) != TS_OK)
            goto done;
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.done_cv, NULL);
    run_threads(&r);
    pthread_cond_destroy(&r.done_cv);
    pthread_mutex_destroy(&r.mu);
    /* threads joined: what was read and never written is dropped */
    for (size_t i = 0; i < o->capacity; i++)
        if (r.slots[i].state != SLOT_FREE && o->drop)
            o->drop(o->ud, r.slots[i].item);
    if (r.err_seq != UINT64_MAX) {
        rc = r.err_rc;
        if (err)
            *err = r.err;
    }
done:
    for (size_t i = 0; i < n_init && o->worker_fini; i++)
        o->worker_fini(o->ud, r.states[i]);
    ts_queue_free(r.work_q);
    ts_queue_free(r.free_q);
    free(r.states);
    free(r.ready);
    free(r.slots);
    return rc;
}
