/* tests/unit/service/test_officer_auth.c — officer tokens in the service (issue 14): a
 * stored token authenticates as its officer (scope = the officer's cell, no write), one
 * principal per token and generation that outlives its revocation, tokens added and
 * revoked by another connection taken up by the ticker, kept across a reload; a stored
 * token whose officer the grid lacks authenticates nobody; config tokens' `officer:`
 * resolved, and refused when the grid has no such officer. Needs TS_SOURCE_DIR. */
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
#include "base/text.h"

static char g_dir[64], g_cfg[128], g_db[128];

static void write_config(const char *officer)
{
    char hex[65];
    ts_sha256_hex_of("cfg-secret", 10, hex);
    FILE *f = fopen(g_cfg, "wb");
    assert_non_null(f);
    fprintf(f,
            "database: triscreen.db\ngrid: grid.yaml\nrules: rules\nnow: 2026-11-25\n"
            "service:\n  tokens:\n"
            "    - {name: cfg1, sha256: %s, scopes: [T01], write: true, officer: %s}\n",
            hex, officer);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    return svc_fx_dir("/tmp/ts_offauth_XXXXXX", g_dir, g_cfg, g_db);
}

static int teardown(void **state)
{
    (void)state;
    return svc_fx_rmdir(g_dir);
}

static void add_token(ts_store *s, const char *officer, char secret[64], char id[16])
{
    ts_err err;
    ts_status rc = ts_store_token_add(s, officer, "test", NULL, secret, 64, id, 16, &err);
    if (rc != TS_OK)
        fail_msg("token add: %s", err.msg);
}

static const ts_principal *auth(ts_service *svc, const char *secret)
{
    ts_service_gen *g = ts_service_acquire(svc);
    const ts_principal *p = ts_service_gen_auth(g, secret, strlen(secret));
    ts_service_gen_release(g);
    return p;
}

/* Polls (up to 5 s) until secret authenticates (want) or not (!want). */
static bool wait_auth(ts_service *svc, const char *secret, bool want)
{
    for (int i = 0; i < 100; i++) {
        if ((auth(svc, secret) != NULL) == want)
            return true;
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void test_stored_tokens(void **state)
{
    (void)state;
    write_config("o-t01-v01");
    ts_store *s = NULL;
    ts_err err;
    assert_int_equal(ts_store_open(g_db, TS_STORE_READWRITE, &s, &err), TS_OK);
    char s1[64], id1[16], gone[64], gone_id[16], s2[64], id2[16];
    add_token(s, "o-t03-v01-g01", s1, id1);
    add_token(s, "o-gone", gone, gone_id); /* the grid names no such officer */
    ts_service *svc = NULL;
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_OK);

    ts_service_gen *g = ts_service_acquire(svc);
    const ts_grid *grid = ts_service_gen_grid(g);
    const ts_principal *p = ts_service_gen_auth(g, s1, strlen(s1));
    assert_non_null(p);
    assert_string_equal(p->officer, "o-t03-v01-g01");
    assert_non_null(p->officer_cell);
    assert_string_equal(p->officer_cell->code, "T03-V01-G01");
    assert_false(p->county_desk);
    assert_false(p->write);
    assert_false(p->all);
    assert_string_equal(p->token_id, id1);
    assert_string_equal(p->name, id1);
    assert_true(ts_principal_sees_code(p, grid, "T03-V01-G01"));
    assert_false(ts_principal_sees_code(p, grid, "T03-V01-G02"));
    assert_false(ts_principal_sees_code(p, grid, "T03"));
    assert_false(ts_principal_sees_code(p, grid, "T01-V01-G01"));
    assert_ptr_equal(ts_service_gen_auth(g, s1, strlen(s1)), p); /* one per generation */
    assert_null(ts_service_gen_auth(g, gone, strlen(gone)));
    s1[10] ^= 1;
    assert_null(ts_service_gen_auth(g, s1, strlen(s1)));
    s1[10] ^= 1;

    /* the config token names its officer and keeps its configured scopes */
    const ts_principal *c = ts_service_gen_auth(g, "cfg-secret", 10);
    assert_non_null(c);
    assert_string_equal(c->officer, "o-t01-v01");
    assert_string_equal(c->officer_cell->code, "T01-V01");
    assert_string_equal(c->token_id, "cfg1");
    assert_true(c->write);
    assert_true(ts_principal_sees_code(c, grid, "T01-V02-G01"));

    /* another connection adds a token and revokes one: the ticker takes both up */
    add_token(s, "o-t01", s2, id2);
    assert_true(wait_auth(svc, s2, true));
    assert_int_equal(ts_store_token_revoke(s, id1, "test", &err), TS_OK);
    assert_true(wait_auth(svc, s1, false));
    /* the principal handed out before stays valid for the generation's holders */
    assert_string_equal(p->officer, "o-t03-v01-g01");
    const ts_principal *town = auth(svc, s2);
    assert_non_null(town);
    assert_string_equal(town->officer_cell->code, "T01");
    assert_true(ts_principal_sees_code(town, grid, "T01-V03-G02"));

    /* a reload: the new generation knows the stored tokens at once */
    assert_int_equal(ts_service_reload(svc, &err), TS_OK);
    assert_non_null(auth(svc, s2));
    assert_null(auth(svc, s1));
    ts_service_gen_release(g);
    assert_int_equal(ts_service_stop(svc, 5000), TS_OK);
    ts_service_close(svc);
    ts_store_close(s);
}

static void test_config_officer_checked(void **state)
{
    (void)state;
    write_config("ghost");
    ts_service *svc = NULL;
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_service_open(g_cfg, &svc, &err), TS_CONFIG);
    assert_non_null(strstr(err.msg, "token 'cfg1' names officer 'ghost'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_tokens),
        cmocka_unit_test(test_config_officer_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
