/* tests/unit/service/test_service.c — the library side of `triscreen serve` without HTTP
 * (issue #12): reloads run on a thread and go live only through the poll; a pack without
 * rules for a pass, a database change, a listen change are refused and the old
 * generation keeps serving; refused writes are rate-limited per token; the writer stops
 * within a deadline. Needs TS_SOURCE_DIR (the sample grid and the default rules). */
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
#include "base/limits.h"

static char g_dir[64];
static char g_cfg[128];

static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

/* Writes the county's config (database, listen as given). */
static void write_config(const char *database, const char *listen)
{
    FILE *f = fopen(g_cfg, "wb");
    assert_non_null(f);
    fprintf(f,
            "database: %s\ngrid: grid.yaml\nrules: rules\nnow: 2026-11-25\n"
            "service:\n  listen: %s\n  reload_timeout_s: 20\n  tokens:\n"
            "    - {name: town1, sha256: %064d, scopes: [T01], write: true}\n",
            database, listen, 0);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    return svc_fx_dir("/tmp/ts_service_XXXXXX", g_dir, g_cfg, NULL);
}

static int teardown(void **state)
{
    (void)state;
    return svc_fx_rmdir(g_dir);
}

/* Polls the reload under way until it is over. */
static ts_status settle(ts_service *svc, ts_err *err)
{
    ts_status rc;
    for (int i = 0; i < 3000; i++) {
        if ((rc = ts_service_reload_poll(svc, err)) != TS_BUSY)
            return rc;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return TS_BUSY;
}

static void test_reloads(void **state)
{
    (void)state;
    write_config("triscreen.db", "127.0.0.1:8080");
    ts_service *svc = NULL;
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_OK);
    assert_int_equal(ts_service_generation(svc), 1);
    assert_int_equal(ts_service_reload_poll(svc, &err), TS_NOTFOUND);

    /* a good reload: nothing changes until the poll publishes it */
    assert_int_equal(ts_service_reload_begin(svc, &err), TS_OK);
    assert_int_equal(ts_service_reload_begin(svc, &err), TS_BUSY);
    assert_int_equal(settle(svc, &err), TS_OK);
    assert_int_equal(ts_service_generation(svc), 2);
    assert_int_equal(ts_service_reload_poll(svc, &err), TS_NOTFOUND);
    char buf[768];
    assert_false(ts_service_reload_error(svc, buf, sizeof buf));

    /* a pass without rules (B7) */
    sh("mv '%s/rules/20_regional.lua' '%s/20_regional.lua'", g_dir, g_dir);
    assert_int_equal(ts_service_reload(svc, &err), TS_RULE);
    assert_non_null(strstr(err.msg, "no rule for the regional pass"));
    assert_true(ts_service_reload_error(svc, buf, sizeof buf));
    assert_non_null(strstr(buf, "regional pass"));
    assert_int_equal(ts_service_generation(svc), 2);
    sh("mv '%s/20_regional.lua' '%s/rules/20_regional.lua'", g_dir, g_dir);

    /* a database change (E4), a listen change */
    write_config("other.db", "127.0.0.1:8080");
    assert_int_equal(ts_service_reload(svc, &err), TS_CONFIG);
    assert_non_null(strstr(err.msg, "cannot switch databases"));
    write_config("triscreen.db", "127.0.0.1:9090");
    assert_int_equal(ts_service_reload(svc, &err), TS_CONFIG);
    assert_non_null(strstr(err.msg, "service.listen"));
    assert_int_equal(ts_service_generation(svc), 2);
    char other[160];
    snprintf(other, sizeof other, "%s/other.db", g_dir);
    assert_int_not_equal(access(other, F_OK), 0);

    /* back to a good config: live again, error cleared */
    write_config("triscreen.db", "127.0.0.1:8080");
    assert_int_equal(ts_service_reload(svc, &err), TS_OK);
    assert_int_equal(ts_service_generation(svc), 3);
    assert_false(ts_service_reload_error(svc, buf, sizeof buf));

    ts_service_stats st;
    ts_service_stats_get(svc, &st);
    assert_int_equal(st.reloads_ok, 2);
    assert_int_equal(st.reloads_failed, 3);
    assert_int_equal(ts_service_stop(svc, 5000), TS_OK);
    ts_service_close(svc);
}

static void test_refusals(void **state)
{
    (void)state;
    write_config("triscreen.db", "127.0.0.1:8080");
    ts_service *svc = NULL;
    ts_err err;
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_OK);
    ts_service_gen *g = ts_service_acquire(svc);
    const ts_principal *p = ts_service_gen_auth(g, "wrong", 5);
    assert_null(p);
    ts_principal town1 = {.name = "town1", .write = true};
    ts_principal other = {.name = "other", .write = true};
    assert_false(ts_service_throttled(svc, &town1));
    ts_service_note_refusals(svc, &town1, TS_LIMIT_HTTP_REFUSALS - 1);
    assert_false(ts_service_throttled(svc, &town1));
    ts_service_note_refusals(svc, &town1, 1);
    assert_true(ts_service_throttled(svc, &town1));
    assert_false(ts_service_throttled(svc, &other));
    ts_service_gen_release(g);
    ts_service_close(svc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reloads),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
