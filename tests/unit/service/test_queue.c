/* tests/unit/service/test_queue.c — the service's write queue and its writer thread
 * without HTTP: submit → result, many jobs queued together share one group commit, a
 * job that fails inside a group does not take the others down, stop drains what was
 * queued and then refuses. The writer is held deterministically by blocking in the done
 * callback of a first job (done runs on the writer thread), never by sleeping. Needs
 * TS_SOURCE_DIR (the sample grid and the default rules) and the sqlite3 shell. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "svc_fx.h"

#include "triscreen/service.h"

/* sha256("queue-test-token") */
#define TOKEN "queue-test-token"
#define TOKEN_SHA "cf152f86894c9d1fe973e441b8bd7620342466cdb394fd90a0da797586b90df6"
#define JOBS 40

static char g_dir[64];
static char g_cfg[128];
static char g_db[128];

static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

/* The first line of a command's output as a number. */
static long sh_count(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    long n = -1;
    assert_int_equal(fscanf(p, "%ld", &n), 1);
    assert_int_equal(pclose(p), 0);
    return n;
}

static long audits(const char *action)
{
    return sh_count("sqlite3 '%s' \"SELECT count(*) FROM audit WHERE action = '%s'\"", g_db,
                    action);
}

static int setup(void **state)
{
    (void)state;
    if (svc_fx_dir("/tmp/ts_queue_XXXXXX", g_dir, g_cfg, g_db) != 0)
        return -1;
    FILE *f = fopen(g_cfg, "wb");
    if (!f)
        return -1;
    fprintf(f,
            "database: triscreen.db\ngrid: grid.yaml\nrules: rules\nnow: 2026-11-25\n"
            "service:\n  listen: 127.0.0.1:8080\n  tokens:\n"
            "    - {name: county, sha256: %s, scopes: [all], write: true}\n",
            TOKEN_SHA);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return svc_fx_rmdir(g_dir);
}

/* ---- done callbacks -------------------------------------------------------------- */

typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;  /* jobs whose done ran */
    bool hold; /* the gate job's done blocks while this is true */
    bool held; /* the writer is inside the gate's done */
} waiter;

static waiter g_w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false, false};

static void on_done(void *ud)
{
    (void)ud;
    pthread_mutex_lock(&g_w.mu);
    g_w.done++;
    pthread_cond_broadcast(&g_w.cv);
    pthread_mutex_unlock(&g_w.mu);
}

/* The gate: holds the writer thread until release_gate. */
static void on_gate(void *ud)
{
    pthread_mutex_lock(&g_w.mu);
    g_w.held = true;
    pthread_cond_broadcast(&g_w.cv);
    while (g_w.hold)
        pthread_cond_wait(&g_w.cv, &g_w.mu);
    g_w.held = false;
    pthread_mutex_unlock(&g_w.mu);
    on_done(ud);
}

static void wait_done(int n)
{
    pthread_mutex_lock(&g_w.mu);
    while (g_w.done < n)
        pthread_cond_wait(&g_w.cv, &g_w.mu);
    pthread_mutex_unlock(&g_w.mu);
}

static void reset_waiter(void)
{
    pthread_mutex_lock(&g_w.mu);
    g_w.done = 0;
    g_w.hold = false;
    pthread_mutex_unlock(&g_w.mu);
}

/* Submits an audit job whose done holds the writer, and waits until it does. */
static ts_svc_job *hold_writer(ts_service *svc, ts_service_gen *g)
{
    pthread_mutex_lock(&g_w.mu);
    g_w.hold = true;
    pthread_mutex_unlock(&g_w.mu);
    ts_svc_job *j = NULL;
    ts_err err;
    assert_int_equal(
        ts_service_audit(svc, g, "test", "test.gate", "", NULL, on_gate, NULL, &j, &err), TS_OK);
    assert_int_equal(ts_service_submit(svc, j, &err), TS_OK);
    pthread_mutex_lock(&g_w.mu);
    while (!g_w.held)
        pthread_cond_wait(&g_w.cv, &g_w.mu);
    pthread_mutex_unlock(&g_w.mu);
    return j;
}

static void release_writer(void)
{
    pthread_mutex_lock(&g_w.mu);
    g_w.hold = false;
    pthread_cond_broadcast(&g_w.cv);
    pthread_mutex_unlock(&g_w.mu);
}

static ts_svc_job *audit_job(ts_service *svc, ts_service_gen *g, const char *action, int i)
{
    char target[32];
    snprintf(target, sizeof target, "t-%d", i);
    ts_svc_job *j = NULL;
    ts_err err;
    assert_int_equal(
        ts_service_audit(svc, g, "test", action, target, NULL, on_done, NULL, &j, &err), TS_OK);
    return j;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_submit_result(void **state)
{
    (void)state;
    reset_waiter();
    ts_service *svc = NULL;
    ts_err err;
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_OK);
    ts_service_gen *g = ts_service_acquire(svc);
    const ts_principal *p = ts_service_gen_auth(g, TOKEN, strlen(TOKEN));
    assert_non_null(p);
    static const char body[] =
        "{\"id\":\"Q-1\",\"name\":\"Test\",\"grid\":\"T02-V04-G03\",\"born\":\"1990-01-01\"}\n"
        "{\"id\":\"Q-2\",\"name\":\"Test\",\"grid\":\"NOWHERE\",\"born\":\"1990-01-01\"}\n";
    ts_svc_job *j = NULL;
    assert_int_equal(
        ts_service_ingest(svc, g, p, body, strlen(body), false, on_done, NULL, &j, &err), TS_OK);
    assert_int_equal(ts_service_submit(svc, j, &err), TS_OK);
    wait_done(1);
    const char *json = NULL;
    assert_int_equal(ts_svc_job_result(j, &json, &err), TS_OK);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"id\":\"Q-1\""));
    assert_non_null(strstr(json, "\"status\":\"accepted\""));
    assert_non_null(strstr(json, "unknown grid cell")); /* the shared validation's text */
    size_t a, i, f;
    ts_svc_job_counts(j, &a, &i, &f);
    assert_int_equal(a, 1);
    assert_int_equal(i, 1);
    assert_int_equal(f, 0);
    ts_svc_job_free(j);
    assert_int_equal(
        sh_count("sqlite3 '%s' \"SELECT count(*) FROM persons WHERE id = 'Q-1'\"", g_db), 1);
    ts_service_gen_release(g);
    assert_int_equal(ts_service_stop(svc, 10000), TS_OK);
    ts_service_close(svc);
}

/* Jobs queued while the writer is busy go out together: one transaction. */
static void test_group_commit(void **state)
{
    (void)state;
    reset_waiter();
    ts_service *svc = NULL;
    ts_err err;
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_OK);
    ts_service_gen *g = ts_service_acquire(svc);
    ts_service_stats before;
    ts_service_stats_get(svc, &before);
    ts_svc_job *gate = hold_writer(svc, g);
    ts_svc_job *jobs[JOBS];
    for (int i = 0; i < JOBS; i++) {
        jobs[i] = audit_job(svc, g, "test.group", i);
        assert_int_equal(ts_service_submit(svc, jobs[i], &err), TS_OK);
    }
    release_writer();
    wait_done(JOBS + 1);
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(ts_svc_job_result(jobs[i], NULL, &err), TS_OK);
        ts_svc_job_free(jobs[i]);
    }
    ts_svc_job_free(gate);
    ts_service_stats st;
    ts_service_stats_get(svc, &st);
    assert_int_equal(st.commits - before.commits, 2); /* the gate, then one group */
    assert_int_equal(st.jobs_committed - before.jobs_committed, JOBS + 1);
    ts_service_gen_release(g);
    assert_int_equal(ts_service_stop(svc, 10000), TS_OK);
    ts_service_close(svc);
    assert_int_equal(audits("test.group"), JOBS);
}

/* One job of a group fails (a trigger refuses its row): the group is retried job by job,
 * the failing one reports its error, every other one commits. */
static void test_failing_job(void **state)
{
    (void)state;
    reset_waiter();
    ts_service *svc = NULL;
    ts_err err;
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_OK);
    sh("sqlite3 '%s' \"CREATE TRIGGER test_refuse BEFORE INSERT ON audit WHEN NEW.action = "
       "'test.fail' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;\"",
       g_db);
    ts_service_gen *g = ts_service_acquire(svc);
    ts_svc_job *gate = hold_writer(svc, g);
    ts_svc_job *jobs[JOBS];
    for (int i = 0; i < JOBS; i++) {
        jobs[i] = audit_job(svc, g, i == JOBS / 2 ? "test.fail" : "test.ok", i);
        assert_int_equal(ts_service_submit(svc, jobs[i], &err), TS_OK);
    }
    release_writer();
    wait_done(JOBS + 1);
    for (int i = 0; i < JOBS; i++) {
        ts_status rc = ts_svc_job_result(jobs[i], NULL, &err);
        if (i == JOBS / 2) {
            assert_int_equal(rc, TS_STORE);
            assert_non_null(strstr(err.msg, "refused by the test"));
        } else {
            assert_int_equal(rc, TS_OK);
        }
        ts_svc_job_free(jobs[i]);
    }
    ts_svc_job_free(gate);
    ts_service_gen_release(g);
    assert_int_equal(ts_service_stop(svc, 10000), TS_OK);
    ts_service_close(svc);
    assert_int_equal(audits("test.ok"), JOBS - 1);
    assert_int_equal(audits("test.fail"), 0);
    sh("sqlite3 '%s' 'DROP TRIGGER test_refuse'", g_db);
}

typedef struct stop_arg {
    ts_service *svc;
    ts_status rc;
} stop_arg;

static void *stopper(void *arg)
{
    stop_arg *sa = arg;
    sa->rc = ts_service_stop(sa->svc, 60000);
    return NULL;
}

/* Stop refuses new jobs at once but finishes every job queued before it. */
static void test_stop_drains(void **state)
{
    (void)state;
    reset_waiter();
    ts_service *svc = NULL;
    ts_err err;
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_OK);
    ts_service_gen *g = ts_service_acquire(svc);
    ts_svc_job *gate = hold_writer(svc, g);
    ts_svc_job *jobs[JOBS];
    for (int i = 0; i < JOBS; i++) {
        jobs[i] = audit_job(svc, g, "test.drain", i);
        assert_int_equal(ts_service_submit(svc, jobs[i], &err), TS_OK);
    }
    stop_arg sa = {svc, TS_BUSY};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, stopper, &sa), 0);
    /* wait until stop has closed the queue: a probe is refused (and stays ours) */
    static ts_svc_job *probes[8192];
    int n_probes = 0;
    ts_svc_job *probe = audit_job(svc, g, "test.probe", 0);
    while (ts_service_submit(svc, probe, &err) == TS_OK) {
        /* accepted before the stop: it is drained too (freed below); try again */
        assert_true(n_probes < 8192);
        probes[n_probes++] = probe;
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
        probe = audit_job(svc, g, "test.probe", 0);
    }
    assert_int_equal(err.code, TS_STATE);
    ts_svc_job_free(probe);
    release_writer();
    pthread_join(t, NULL);
    assert_int_equal(sa.rc, TS_OK);
    pthread_mutex_lock(&g_w.mu);
    int done = g_w.done;
    pthread_mutex_unlock(&g_w.mu);
    assert_int_equal(done, JOBS + 1 + n_probes);
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(ts_svc_job_result(jobs[i], NULL, &err), TS_OK);
        ts_svc_job_free(jobs[i]);
    }
    for (int i = 0; i < n_probes; i++) {
        assert_int_equal(ts_svc_job_result(probes[i], NULL, &err), TS_OK);
        ts_svc_job_free(probes[i]);
    }
    ts_svc_job_free(gate);
    ts_service_gen_release(g);
    ts_service_close(svc);
    assert_int_equal(audits("test.drain"), JOBS);
    assert_int_equal(audits("test.probe"), n_probes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_submit_result),
        cmocka_unit_test(test_group_commit),
        cmocka_unit_test(test_failing_job),
        cmocka_unit_test(test_stop_drains),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
