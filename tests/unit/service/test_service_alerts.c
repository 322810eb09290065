/* tests/unit/service/test_service_alerts.c — the officers' loop on the service's writer
 * (issue 14), without HTTP: an act is taken as the principal's officer and token, a
 * refused act is rolled back and audited with both; two claim-next jobs get different
 * alerts; the clock sweep runs one batch per step and the jobs that arrive meanwhile run
 * between its batches. Needs TS_SOURCE_DIR (the sample grid and the default rules) and
 * the sqlite3 shell (to look at the database). */
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

#include "triscreen/feedback.h"
#include "triscreen/service.h"

static char g_dir[64];
static char g_cfg[128];
static char g_db[128];

/* The first line the sqlite3 shell prints for sql on the test database. */
static void query(const char *sql, char *out, size_t cap)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sqlite3 -batch -noheader '%s' \"%s\"", g_db, sql);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    out[0] = '\0';
    if (fgets(out, (int)cap, p))
        out[strcspn(out, "\n")] = '\0';
    assert_int_equal(pclose(p), 0);
}

static long count(const char *sql)
{
    char buf[64];
    query(sql, buf, sizeof buf);
    return strtol(buf, NULL, 10);
}

static int setup(void **state)
{
    (void)state;
    if (svc_fx_dir("/tmp/ts_svc_alerts_XXXXXX", g_dir, g_cfg, g_db) != 0)
        return -1;
    FILE *f = fopen(g_cfg, "wb");
    if (!f)
        return -1;
    fprintf(f,
            "database: triscreen.db\ngrid: grid.yaml\nrules: rules\nnow: 2026-11-25\n"
            "problem_events: [threat_reported]\n"
            "service:\n  tokens:\n"
            "    - {name: admin, sha256: %064d, scopes: [all], write: true}\n",
            0);
    return fclose(f) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return svc_fx_rmdir(g_dir);
}

/* A job's done callback: tells the test. */
typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
    /* a gate: when set, the callback (on the writer thread) waits until it is opened */
    bool gated, open;
    uint64_t escalated_then; /* alerts the sweeps had moved up when this job ran */
    ts_service *svc;
} waiter;

static void waiter_init(waiter *w, ts_service *svc, bool gated)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->gated = gated;
    w->svc = svc;
}

static void on_done(void *ud)
{
    waiter *w = ud;
    ts_service_stats st;
    ts_service_stats_get(w->svc, &st);
    pthread_mutex_lock(&w->mu);
    w->escalated_then = st.escalated;
    w->done = true;
    pthread_cond_broadcast(&w->cv);
    while (w->gated && !w->open)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void wait_done(waiter *w)
{
    pthread_mutex_lock(&w->mu);
    while (!w->done)
        pthread_cond_wait(&w->cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

static void open_gate(waiter *w)
{
    pthread_mutex_lock(&w->mu);
    w->open = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Ingests n persons of T01-V01-G01, each with a threat report: n quick alerts. */
static void ingest_threats(ts_service *svc, ts_service_gen *g, const ts_principal *admin, int n)
{
    char body[8192];
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(body + len, sizeof body - len,
                                "{\"id\":\"S-%d\",\"grid\":\"T01-V01-G0%d\",\"events\":[{\"type\":"
                                "\"threat_reported\",\"date\":\"2026-11-2%d\"}]}\n",
                                i, 1 + i % 4, i % 5);
    waiter w;
    waiter_init(&w, svc, false);
    ts_svc_job *j = NULL;
    ts_err e;
    assert_int_equal(ts_service_ingest(svc, g, admin, body, len, false, on_done, &w, &j, &e),
                     TS_OK);
    assert_int_equal(ts_service_submit(svc, j, &e), TS_OK);
    wait_done(&w);
    assert_int_equal(ts_svc_job_result(j, NULL, &e), TS_OK);
    ts_svc_job_free(j);
}

/* Submits j (made with on_done and w) and waits for it: its status. */
static ts_status run_job(ts_service *svc, ts_svc_job *j, waiter *w)
{
    ts_err e;
    assert_int_equal(ts_service_submit(svc, j, &e), TS_OK);
    wait_done(w);
    return ts_svc_job_result(j, NULL, &e);
}

static void test_acts_and_sweep(void **state)
{
    (void)state;
    ts_service *svc = NULL;
    ts_err e;
    assert_int_equal(ts_service_open(g_cfg, &svc, &e), TS_OK);
    ts_service_gen *g = ts_service_acquire(svc);
    const ts_grid *grid = ts_service_gen_grid(g);
    const ts_principal admin = {.name = "admin", .write = true, .all = true};
    ingest_threats(svc, g, &admin, 5);
    assert_int_equal(count("select count(*) from alerts where kind='quick'"), 5);

    /* the actor is the principal's officer; a refusal is audited with officer and token */
    const ts_cell *t03 = ts_grid_find(grid, "T03");
    const ts_principal t3 = {.name = "t3",
                             .officer = "o-t03",
                             .officer_cell = t03,
                             .token_id = "tk-0000t003",
                             .cells = &t03,
                             .n_cells = 1};
    char first[24];
    query("select min(cursor) from alerts", first, sizeof first);
    char aid[24];
    snprintf(aid, sizeof aid, "A-%06ld", strtol(first, NULL, 10));
    ts_svc_job *j = NULL;
    ts_alert_state st;
    waiter w;
    waiter_init(&w, svc, false);
    assert_int_equal(ts_service_alert_act(svc, g, &t3, TS_VERB_ACK, aid, TS_CLOSE_NONE, "mine", 0,
                                          on_done, &w, &j, &e),
                     TS_OK);
    assert_int_equal(run_job(svc, j, &w), TS_DENIED);
    ts_svc_job_free(j);
    assert_int_equal(count("select count(*) from alerts where status!='new'"), 0);
    assert_int_equal(count("select count(*) from audit where action='alert.ack.refused' and "
                           "actor='o-t03' and token='tk-0000t003'"),
                     1);
    /* a principal without an officer: refused before anything is queued */
    assert_int_equal(ts_service_alert_act(svc, g, &admin, TS_VERB_ACK, aid, TS_CLOSE_NONE, NULL, 0,
                                          on_done, &w, &j, &e),
                     TS_DENIED);

    /* two claim-next jobs, queued back to back: different alerts */
    const ts_cell *t01 = ts_grid_find(grid, "T01");
    const ts_cell *v01 = ts_grid_find(grid, "T01-V01");
    const ts_principal town = {.name = "t1",
                               .officer = "o-t01",
                               .officer_cell = t01,
                               .token_id = "tk-0000t001",
                               .cells = &t01,
                               .n_cells = 1};
    const ts_principal vill = {.name = "v1",
                               .officer = "o-t01-v01",
                               .officer_cell = v01,
                               .token_id = "tk-0000v001",
                               .cells = &v01,
                               .n_cells = 1};
    waiter w1, w2;
    waiter_init(&w1, svc, false);
    waiter_init(&w2, svc, false);
    ts_svc_job *j1 = NULL, *j2 = NULL;
    assert_int_equal(
        ts_service_claim_next(svc, g, &town, TS_FEEDBACK_QUICK, 0, on_done, &w1, &j1, &e), TS_OK);
    assert_int_equal(
        ts_service_claim_next(svc, g, &vill, TS_FEEDBACK_NONE, 0, on_done, &w2, &j2, &e), TS_OK);
    assert_int_equal(ts_service_submit(svc, j1, &e), TS_OK);
    assert_int_equal(ts_service_submit(svc, j2, &e), TS_OK);
    wait_done(&w1);
    wait_done(&w2);
    assert_int_equal(ts_svc_job_result(j1, NULL, &e), TS_OK);
    assert_int_equal(ts_svc_job_result(j2, NULL, &e), TS_OK);
    assert_string_not_equal(ts_svc_job_alert(j1, &st), ts_svc_job_alert(j2, NULL));
    assert_int_equal(st, TS_ALERT_CLAIMED);
    assert_int_equal(count("select count(*) from alerts where status='claimed'"), 2);
    assert_int_equal(
        count("select count(*) from audit where actor='o-t01' and token='tk-0000t001'"), 1);
    ts_svc_job_free(j1);
    ts_svc_job_free(j2);
    /* close needs an outcome: refused, rolled back, audited */
    waiter_init(&w, svc, false);
    assert_int_equal(ts_service_alert_act(svc, g, &vill, TS_VERB_CLOSE, aid, TS_CLOSE_NONE, "x", 0,
                                          on_done, &w, &j, &e),
                     TS_OK);
    assert_int_equal(run_job(svc, j, &w), TS_INVALID);
    ts_svc_job_free(j);
    assert_int_equal(count("select count(*) from audit where action='alert.close.refused' and "
                           "actor='o-t01-v01' and token='tk-0000v001'"),
                     1);
    /* ack by the village officer: the state reached */
    waiter_init(&w, svc, false);
    assert_int_equal(ts_service_alert_act(svc, g, &vill, TS_VERB_ACK, aid, TS_CLOSE_NONE, NULL, 0,
                                          on_done, &w, &j, &e),
                     TS_OK);
    ts_status arc = run_job(svc, j, &w);
    assert_string_equal(ts_svc_job_alert(j, &st), aid);
    ts_svc_job_free(j);
    /* the alert may be one that claim-next gave the town officer: then the village
     * officer (below them) may not act on it */
    char who[64];
    query("select coalesce(claimed_by, '') from alerts where cursor = (select min(cursor) from "
          "alerts)",
          who, sizeof who);
    if (!strcmp(who, "o-t01")) {
        assert_int_equal(arc, TS_STATE);
    } else {
        assert_int_equal(arc, TS_OK);
        assert_int_equal(st, TS_ALERT_ACKED);
        assert_int_equal(count("select count(*) from alerts where status='acknowledged'"), 1);
    }

    /* the clock sweep, 2 alerts a batch over every alert (5 quick, and the detailed ones
     * and early ones: all overdue four days on): a job queued behind the sweep runs after
     * its first batch, before the rest */
    long n_alerts = count("select count(*) from alerts");
    assert_true(n_alerts >= 5);
    waiter gate, behind;
    waiter_init(&gate, svc, true);
    waiter_init(&behind, svc, false);
    ts_svc_job *jg = NULL, *jb = NULL;
    assert_int_equal(
        ts_service_audit(svc, g, "test", "test.gate", "", NULL, on_done, &gate, &jg, &e), TS_OK);
    assert_int_equal(ts_service_submit(svc, jg, &e), TS_OK);
    wait_done(&gate); /* the writer now waits in the gate: the next two queue up together */
    int64_t at = (int64_t)time(NULL) + 4 * 86400; /* past every first deadline */
    assert_true(ts_service_escalate(svc, at, 2));
    assert_false(ts_service_escalate(svc, at, 2)); /* one sweep at a time */
    assert_int_equal(
        ts_service_audit(svc, g, "test", "test.behind", "", NULL, on_done, &behind, &jb, &e),
        TS_OK);
    assert_int_equal(ts_service_submit(svc, jb, &e), TS_OK);
    open_gate(&gate);
    wait_done(&behind);
    assert_int_equal(behind.escalated_then, 2); /* exactly one batch ran before it */
    ts_service_stats sst;
    for (int i = 0; i < 3000; i++) {
        ts_service_stats_get(svc, &sst);
        if (sst.sweeps == 1)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(sst.sweeps, 1);
    assert_int_equal(sst.escalated, n_alerts); /* every overdue alert, once */
    assert_int_equal(count("select count(*) from alerts where target_level=2"), n_alerts);
    assert_int_equal(count("select count(*) from alert_history where status='escalated'"),
                     n_alerts);
    /* the same clock again: nothing is due any more */
    assert_true(ts_service_escalate(svc, at, 0));
    for (int i = 0; i < 3000; i++) {
        ts_service_stats_get(svc, &sst);
        if (sst.sweeps == 2)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(sst.sweeps, 2);
    assert_int_equal(sst.escalated, n_alerts);
    ts_svc_job_free(jg);
    ts_svc_job_free(jb);
    ts_service_gen_release(g);
    assert_int_equal(ts_service_stop(svc, 10000), TS_OK);
    ts_service_close(svc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_acts_and_sweep, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
