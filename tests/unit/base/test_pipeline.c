/* tests/unit/base/test_pipeline.c — the ordered pipeline and the bounded queue
 * (pipeline.h): order kept with many workers and random delays, cancel on an error from
 * each stage (first error in input order wins, every thread joined, nothing leaked under
 * ASan), the reader blocks on a full pipeline rather than grow, many producers on one
 * queue. Runs under TSan (label concurrent). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "triscreen/pipeline.h"
#include "base/limits.h"

#define MAX_SLOTS 16

typedef struct item {
    long n;        /* input position, set by the reader */
    long *payload; /* malloc'd by the reader, freed by write or drop */
    long worked;   /* set by the worker */
} item;

typedef struct fixture {
    long total;         /* items the reader produces */
    long fail_read_at;  /* the reader fails instead of producing this item (-1: never) */
    long fail_work_at;  /* the worker fails on these items (-1: never) */
    long fail_work_at2; /* a second failing item */
    long fail_write_at; /* the writer fails on this item */
    long fail_init_at;  /* worker_init fails for this worker index */
    unsigned delay_us;  /* up to this much random delay per work call */
    unsigned write_delay_us;
    long next_read;
    long written;          /* items write saw, in order */
    bool order_ok;         /* every write saw the next position */
    atomic_long in_flight; /* read - written */
    atomic_long max_in_flight;
    atomic_long inits, finis, drops;
    item items[MAX_SLOTS];
    void *slots[MAX_SLOTS];
} fixture;

static void fixture_init(fixture *f, long total)
{
    memset(f, 0, sizeof *f);
    f->total = total;
    f->fail_read_at = f->fail_work_at = f->fail_work_at2 = f->fail_write_at = -1;
    f->fail_init_at = -1;
    f->order_ok = true;
    for (int i = 0; i < MAX_SLOTS; i++)
        f->slots[i] = &f->items[i];
}

static ts_status fx_read(void *ud, void *p, bool *end, ts_err *err)
{
    fixture *f = ud;
    item *it = p;
    if (f->next_read == f->fail_read_at)
        return ts_err_set(err, TS_IO, "input", "read failed at %ld", f->next_read);
    if (f->next_read == f->total) {
        *end = true;
        return TS_OK;
    }
    it->n = f->next_read++;
    it->worked = -1;
    it->payload = malloc(sizeof *it->payload);
    if (!it->payload)
        return TS_NOMEM;
    *it->payload = it->n;
    long now = atomic_fetch_add(&f->in_flight, 1) + 1;
    long seen = atomic_load(&f->max_in_flight);
    while (now > seen && !atomic_compare_exchange_weak(&f->max_in_flight, &seen, now)) {
    }
    return TS_OK;
}

static ts_status fx_work(void *ud, void *state, void *p, ts_err *err)
{
    fixture *f = ud;
    item *it = p;
    unsigned *seed = state;
    if (f->delay_us)
        usleep((useconds_t)(rand_r(seed) % f->delay_us));
    if (it->n == f->fail_work_at || it->n == f->fail_work_at2)
        return ts_err_set(err, TS_RULE, "work", "work failed at %ld", it->n);
    it->worked = *it->payload * 2;
    return TS_OK;
}

static void fx_consume(fixture *f, item *it)
{
    free(it->payload);
    it->payload = NULL;
    atomic_fetch_sub(&f->in_flight, 1);
}

static ts_status fx_write(void *ud, void *p, ts_err *err)
{
    fixture *f = ud;
    item *it = p;
    if (it->n != f->written || it->worked != it->n * 2)
        f->order_ok = false;
    f->written++;
    if (f->write_delay_us)
        usleep(f->write_delay_us);
    ts_status rc = TS_OK;
    if (it->n == f->fail_write_at)
        rc = ts_err_set(err, TS_STORE, "write", "write failed at %ld", it->n);
    fx_consume(f, it);
    return rc;
}

static void fx_drop(void *ud, void *p)
{
    fixture *f = ud;
    atomic_fetch_add(&f->drops, 1);
    fx_consume(f, p);
}

static ts_status fx_init(void *ud, size_t index, void **state, ts_err *err)
{
    fixture *f = ud;
    if ((long)index == f->fail_init_at)
        return ts_err_set(err, TS_NOMEM, "init", "worker %zu", index);
    unsigned *seed = malloc(sizeof *seed);
    if (!seed)
        return TS_NOMEM;
    *seed = (unsigned)index * 7919u + 1u;
    *state = seed;
    atomic_fetch_add(&f->inits, 1);
    return TS_OK;
}

static void fx_fini(void *ud, void *state)
{
    fixture *f = ud;
    free(state);
    atomic_fetch_add(&f->finis, 1);
}

static ts_status run(fixture *f, size_t workers, size_t capacity, ts_err *err)
{
    ts_pipeline_ops o = {.ud = f,
                         .n_workers = workers,
                         .slots = f->slots,
                         .capacity = capacity,
                         .read = fx_read,
                         .work = fx_work,
                         .write = fx_write,
                         .worker_init = fx_init,
                         .worker_fini = fx_fini,
                         .drop = fx_drop};
    ts_err_clear(err);
    return ts_pipeline_run(&o, err);
}

/* Every run leaves nothing behind: all payloads freed, every state finalised. */
static void assert_clean(fixture *f)
{
    assert_int_equal(atomic_load(&f->in_flight), 0);
    assert_int_equal(atomic_load(&f->inits), atomic_load(&f->finis));
    for (int i = 0; i < MAX_SLOTS; i++)
        assert_null(f->items[i].payload);
}

static void test_order_many_workers(void **state)
{
    (void)state;
    static const size_t workers[] = {1, 3, 8};
    for (size_t w = 0; w < sizeof workers / sizeof *workers; w++) {
        fixture f;
        fixture_init(&f, 3000);
        f.delay_us = 300;
        ts_err err;
        assert_int_equal(
            run(&f, workers[w], 2 * workers[w] < MAX_SLOTS ? 2 * workers[w] : 16, &err), TS_OK);
        assert_true(f.order_ok);
        assert_int_equal(f.written, 3000);
        assert_int_equal(atomic_load(&f.drops), 0);
        assert_int_equal(atomic_load(&f.inits), (long)workers[w]);
        assert_clean(&f);
    }
}

static void test_worker_error(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 5000);
    f.delay_us = 100;
    f.fail_work_at = 700;
    f.fail_work_at2 = 300; /* also fails, earlier in input order: this one wins */
    ts_err err;
    assert_int_equal(run(&f, 6, 12, &err), TS_RULE);
    assert_string_equal(err.msg, "work failed at 300");
    assert_string_equal(err.where, "work");
    assert_int_equal(f.written, 300); /* every item before the error, none after */
    assert_true(f.order_ok);
    assert_true(f.next_read < 5000); /* the reader stopped early */
    assert_clean(&f);
}

static void test_reader_error(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 5000);
    f.fail_read_at = 250;
    ts_err err;
    assert_int_equal(run(&f, 4, 8, &err), TS_IO);
    assert_string_equal(err.msg, "read failed at 250");
    assert_int_equal(f.written, 250);
    assert_true(f.order_ok);
    assert_int_equal(atomic_load(&f.drops), 0);
    assert_clean(&f);
}

static void test_writer_error(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 5000);
    f.delay_us = 50;
    f.fail_write_at = 120;
    ts_err err;
    assert_int_equal(run(&f, 4, 10, &err), TS_STORE);
    assert_string_equal(err.msg, "write failed at 120");
    assert_int_equal(f.written, 121); /* item 120 was handed to write and failed there */
    assert_true(f.order_ok);
    assert_clean(&f);
}

static void test_init_error(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 100);
    f.fail_init_at = 2;
    ts_err err;
    assert_int_equal(run(&f, 4, 8, &err), TS_NOMEM);
    assert_string_equal(err.msg, "worker 2");
    assert_int_equal(atomic_load(&f.inits), 2);
    assert_int_equal(f.written, 0);
    assert_int_equal(f.next_read, 0); /* nothing started */
    assert_clean(&f);
}

static void test_bad_ops(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 10);
    ts_err err;
    assert_int_equal(run(&f, 0, 4, &err), TS_USAGE);
    assert_int_equal(run(&f, TS_LIMIT_PIPELINE_WORKERS + 1, 4, &err), TS_USAGE);
    assert_int_equal(run(&f, 2, 0, &err), TS_USAGE);
    assert_int_equal(run(&f, 2, TS_LIMIT_PIPELINE_SLOTS + 1, &err), TS_USAGE);
    assert_int_equal(f.next_read, 0);
}

/* A slow writer: the reader waits for slots, so no more than `capacity` items are ever
 * read and not yet written. */
static void test_bounded(void **state)
{
    (void)state;
    for (size_t cap = 1; cap <= 4; cap++) {
        fixture f;
        fixture_init(&f, 200);
        f.write_delay_us = 200;
        ts_err err;
        assert_int_equal(run(&f, 3, cap, &err), TS_OK);
        assert_int_equal(f.written, 200);
        assert_true(atomic_load(&f.max_in_flight) <= (long)cap);
        assert_true(f.order_ok);
        assert_clean(&f);
    }
}

static void test_empty_input(void **state)
{
    (void)state;
    fixture f;
    fixture_init(&f, 0);
    ts_err err;
    assert_int_equal(run(&f, 2, 4, &err), TS_OK);
    assert_int_equal(f.written, 0);
    assert_clean(&f);
}

/* ---- the queue ------------------------------------------------------------------ */

#define PRODUCERS 4
#define PER_PRODUCER 2000

typedef struct prod_arg {
    ts_queue *q;
    long base;
} prod_arg;

static void *producer(void *arg)
{
    prod_arg *pa = arg;
    for (long i = 0; i < PER_PRODUCER; i++)
        if (ts_queue_push(pa->q, (void *)(intptr_t)(pa->base + i + 1)) != TS_OK)
            return (void *)1;
    return NULL;
}

static void test_queue_many_producers(void **state)
{
    (void)state;
    ts_queue *q = NULL;
    assert_int_equal(ts_queue_new(8, &q), TS_OK);
    pthread_t t[PRODUCERS];
    prod_arg pa[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        pa[i] = (prod_arg){q, (long)i * PER_PRODUCER};
        assert_int_equal(pthread_create(&t[i], NULL, producer, &pa[i]), 0);
    }
    /* each producer's items arrive in its own order; all arrive once */
    long last[PRODUCERS] = {0};
    long got = 0;
    while (got < PRODUCERS * PER_PRODUCER) {
        void *buf[5];
        size_t n = ts_queue_pop(q, buf, 5);
        assert_true(n >= 1 && n <= 5);
        assert_true(ts_queue_len(q) <= 8);
        for (size_t k = 0; k < n; k++) {
            long v = (long)(intptr_t)buf[k] - 1;
            int who = (int)(v / PER_PRODUCER);
            assert_true(v % PER_PRODUCER == last[who]);
            last[who]++;
            got++;
        }
    }
    for (int i = 0; i < PRODUCERS; i++) {
        void *rv = (void *)2;
        pthread_join(t[i], &rv);
        assert_null(rv);
    }
    ts_queue_free(q);
}

static void *blocked_push(void *arg)
{
    ts_queue *q = arg;
    return (void *)(intptr_t)ts_queue_push(q, (void *)3);
}

static void test_queue_close(void **state)
{
    (void)state;
    ts_queue *q = NULL;
    assert_int_equal(ts_queue_new(2, &q), TS_OK);
    assert_int_equal(ts_queue_push(q, (void *)1), TS_OK);
    assert_int_equal(ts_queue_push(q, (void *)2), TS_OK);
    pthread_t t; /* blocks: the queue is full */
    assert_int_equal(pthread_create(&t, NULL, blocked_push, q), 0);
    ts_queue_close(q);
    void *rv = NULL;
    pthread_join(t, &rv);
    assert_int_equal((ts_status)(intptr_t)rv, TS_STATE); /* woken by close, refused */
    assert_int_equal(ts_queue_push(q, (void *)4), TS_STATE);
    void *buf[4];
    assert_int_equal(ts_queue_pop(q, buf, 4), 2); /* close drains what was queued */
    assert_ptr_equal(buf[0], (void *)1);
    assert_ptr_equal(buf[1], (void *)2);
    assert_int_equal(ts_queue_pop(q, buf, 4), 0);
    ts_queue_free(q);
    assert_int_equal(ts_queue_new(0, &q), TS_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_many_workers),
        cmocka_unit_test(test_worker_error),
        cmocka_unit_test(test_reader_error),
        cmocka_unit_test(test_writer_error),
        cmocka_unit_test(test_init_error),
        cmocka_unit_test(test_bad_ops),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_queue_many_producers),
        cmocka_unit_test(test_queue_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
