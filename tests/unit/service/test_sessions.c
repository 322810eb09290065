/* tests/unit/service/test_sessions.c — the console's session table (triscreen/service.h
 * ts_sessions): ids are 43 base64url characters and distinct, a session is found by its
 * id only, it ends after its idle time and after its absolute time (an injected clock,
 * never the wall clock), the least recently used one is dropped past the cap, delete and
 * drop_token remove sessions, the CSRF compare, and the sign-in throttle per address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/service.h"

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define T0 1700000000

static ts_sessions *table(size_t cap)
{
    ts_sessions *t = NULL;
    ts_err e;
    assert_int_equal(ts_sessions_new(cap, 100, 250, &t, &e), TS_OK);
    return t;
}

static bool base64url(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return false;
    return true;
}

static void test_create_lookup(void **state)
{
    (void)state;
    ts_sessions *t = table(8);
    char id[TS_SESSION_ID_LEN + 1], id2[TS_SESSION_ID_LEN + 1];
    ts_session s, s2, got;
    ts_err e;
    assert_int_equal(ts_sessions_create(t, HASH_A, T0, id, &s, &e), TS_OK);
    assert_int_equal(ts_sessions_create(t, HASH_B, T0, id2, &s2, &e), TS_OK);
    assert_int_equal(strlen(id), TS_SESSION_ID_LEN);
    assert_true(base64url(id));
    assert_true(base64url(s.csrf));
    assert_string_not_equal(id, id2);
    assert_string_not_equal(s.csrf, s2.csrf);
    assert_string_not_equal(id, s.csrf);
    assert_int_equal(s.expires, T0 + 100);
    assert_true(ts_sessions_lookup(t, id, T0 + 5, &got));
    assert_string_equal(got.token_sha256, HASH_A);
    assert_string_equal(got.csrf, s.csrf);
    assert_true(ts_sessions_lookup(t, id2, T0 + 5, &got));
    assert_string_equal(got.token_sha256, HASH_B);
    /* anything but the id finds nothing: the csrf token, a changed character, junk */
    assert_false(ts_sessions_lookup(t, s.csrf, T0 + 5, &got));
    char bad[TS_SESSION_ID_LEN + 1];
    memcpy(bad, id, sizeof bad);
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    assert_false(ts_sessions_lookup(t, bad, T0 + 5, &got));
    assert_false(ts_sessions_lookup(t, "", T0 + 5, &got));
    assert_false(ts_sessions_lookup(t, NULL, T0 + 5, &got));
    assert_false(ts_sessions_lookup(t, "short", T0 + 5, &got));
    assert_int_equal(ts_sessions_active(t, T0 + 5), 2);
    ts_sessions_free(t);
}

static void test_expiry(void **state)
{
    (void)state;
    ts_sessions *t = table(8);
    char id[TS_SESSION_ID_LEN + 1];
    ts_session s, got;
    ts_err e;
    assert_int_equal(ts_sessions_create(t, HASH_A, T0, id, &s, &e), TS_OK);
    /* idle: used every 90 s it lives on, up to the absolute end at T0 + 250 */
    assert_true(ts_sessions_lookup(t, id, T0 + 90, &got));
    assert_int_equal(got.expires, T0 + 190);
    assert_true(ts_sessions_lookup(t, id, T0 + 180, &got));
    assert_true(ts_sessions_lookup(t, id, T0 + 249, &got));
    assert_int_equal(got.expires, T0 + 250);
    assert_false(ts_sessions_lookup(t, id, T0 + 250, &got));
    /* gone for good, even looked up with an earlier clock */
    assert_false(ts_sessions_lookup(t, id, T0 + 1, &got));
    /* idle: unused for 100 s it ends */
    assert_int_equal(ts_sessions_create(t, HASH_A, T0, id, &s, &e), TS_OK);
    assert_true(ts_sessions_lookup(t, id, T0 + 99, &got));
    assert_int_equal(ts_sessions_active(t, T0 + 198), 1);
    assert_int_equal(ts_sessions_active(t, T0 + 199), 0);
    assert_false(ts_sessions_lookup(t, id, T0 + 199, &got));
    ts_sessions_free(t);
}

static void test_lru_cap(void **state)
{
    (void)state;
    ts_sessions *t = table(3);
    char id[4][TS_SESSION_ID_LEN + 1];
    ts_session s, got;
    ts_err e;
    for (int i = 0; i < 3; i++)
        assert_int_equal(ts_sessions_create(t, HASH_A, T0 + i, id[i], &s, &e), TS_OK);
    /* 0 is used again: 1 is now the least recently used */
    assert_true(ts_sessions_lookup(t, id[0], T0 + 10, &got));
    assert_int_equal(ts_sessions_create(t, HASH_B, T0 + 11, id[3], &s, &e), TS_OK);
    assert_int_equal(ts_sessions_active(t, T0 + 11), 3);
    assert_false(ts_sessions_lookup(t, id[1], T0 + 12, &got));
    assert_true(ts_sessions_lookup(t, id[0], T0 + 12, &got));
    assert_true(ts_sessions_lookup(t, id[2], T0 + 12, &got));
    assert_true(ts_sessions_lookup(t, id[3], T0 + 12, &got));
    ts_sessions_free(t);
}

static void test_delete_drop(void **state)
{
    (void)state;
    ts_sessions *t = table(8);
    char a1[TS_SESSION_ID_LEN + 1], a2[TS_SESSION_ID_LEN + 1], b1[TS_SESSION_ID_LEN + 1];
    ts_session s, got;
    ts_err e;
    assert_int_equal(ts_sessions_create(t, HASH_A, T0, a1, &s, &e), TS_OK);
    assert_int_equal(ts_sessions_create(t, HASH_A, T0, a2, &s, &e), TS_OK);
    assert_int_equal(ts_sessions_create(t, HASH_B, T0, b1, &s, &e), TS_OK);
    assert_true(ts_sessions_delete(t, a1));
    assert_false(ts_sessions_delete(t, a1));
    assert_false(ts_sessions_lookup(t, a1, T0 + 1, &got));
    assert_true(ts_sessions_lookup(t, a2, T0 + 1, &got));
    assert_int_equal(ts_sessions_drop_token(t, HASH_A), 1);
    assert_false(ts_sessions_lookup(t, a2, T0 + 1, &got));
    assert_true(ts_sessions_lookup(t, b1, T0 + 1, &got));
    assert_int_equal(ts_sessions_active(t, T0 + 1), 1);
    ts_sessions_free(t);
}

static void test_csrf(void **state)
{
    (void)state;
    ts_sessions *t = table(2);
    char id[TS_SESSION_ID_LEN + 1];
    ts_session s;
    ts_err e;
    assert_int_equal(ts_sessions_create(t, HASH_A, T0, id, &s, &e), TS_OK);
    char tok[TS_SESSION_ID_LEN + 1];
    memcpy(tok, s.csrf, sizeof tok);
    assert_true(ts_session_csrf_ok(&s, tok));
    tok[TS_SESSION_ID_LEN - 1] = tok[TS_SESSION_ID_LEN - 1] == 'x' ? 'y' : 'x';
    assert_false(ts_session_csrf_ok(&s, tok));
    assert_false(ts_session_csrf_ok(&s, NULL));
    assert_false(ts_session_csrf_ok(&s, ""));
    assert_false(ts_session_csrf_ok(&s, id));
    char longer[TS_SESSION_ID_LEN + 2];
    snprintf(longer, sizeof longer, "%sx", s.csrf);
    assert_false(ts_session_csrf_ok(&s, longer));
    ts_sessions_free(t);
}

static void test_signin_throttle(void **state)
{
    (void)state;
    ts_sessions *t = table(2);
    const unsigned char ip1[4] = {127, 0, 0, 1}, ip2[4] = {10, 0, 0, 2};
    for (unsigned i = 0; i < 10; i++) {
        assert_false(ts_sessions_signin_blocked(t, ip1, 4, T0 + i));
        ts_sessions_signin_failed(t, ip1, 4, T0 + i);
    }
    assert_true(ts_sessions_signin_blocked(t, ip1, 4, T0 + 10));
    assert_true(ts_sessions_signin_blocked(t, ip1, 4, T0 + 59));
    assert_false(ts_sessions_signin_blocked(t, ip2, 4, T0 + 10));
    /* the minute is over */
    assert_false(ts_sessions_signin_blocked(t, ip1, 4, T0 + 60));
    uint64_t ok = 0, failed = 0;
    ts_sessions_counts(t, &ok, &failed);
    assert_int_equal(failed, 10);
    assert_int_equal(ok, 0);
    ts_sessions_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_lookup), cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_lru_cap),       cmocka_unit_test(test_delete_drop),
        cmocka_unit_test(test_csrf),          cmocka_unit_test(test_signin_throttle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
