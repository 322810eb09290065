/* tests/unit/base/test_text.c — the text helpers of triscreen/text.h: UTF-8 checks,
 * U+FFFD repair (malloc, arena and per-thread views) and ts_text_check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/text.h"

static void test_valid(void **state)
{
    (void)state;
    assert_true(ts_text_valid_utf8("", 0));
    assert_true(ts_text_valid_utf8("abc", 3));
    assert_true(ts_text_valid_utf8("\xe5\xae\x97\xe6\x95\x99", 6)); /* 宗教 */
    assert_true(ts_text_valid_utf8("\xf0\x9f\x98\x80", 4));
    assert_false(ts_text_valid_utf8("\xff", 1));
    assert_false(ts_text_valid_utf8("\xc0\xaf", 2));         /* overlong */
    assert_false(ts_text_valid_utf8("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(ts_text_valid_utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(ts_text_valid_utf8("\xe5\xae", 2));         /* truncated */
}

static void test_sanitize(void **state)
{
    (void)state;
    size_t n = 0;
    char *s = ts_text_utf8_sanitize("a\xff"
                                    "b\xe5\xae",
                                    5, &n);
    assert_non_null(s);
    assert_string_equal(s, "a\xef\xbf\xbd"
                           "b\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(n, strlen(s));
    free(s);
    s = ts_text_utf8_sanitize("ok\0x", 4, &n); /* a NUL is replaced too */
    assert_string_equal(s, "ok\xef\xbf\xbdx");
    free(s);
    s = ts_text_utf8_sanitize(NULL, 3, &n);
    assert_string_equal(s, "");
    free(s);

    ts_arena a;
    ts_arena_init(&a, 0);
    const char *good = "\xe6\xb0\x91\xe6\x97\x8f";
    assert_ptr_equal(ts_text_utf8_sanitize_arena(&a, good, strlen(good)), good);
    assert_string_equal(ts_text_utf8_sanitize_arena(&a, "x\xc3", 2), "x\xef\xbf\xbd");
    ts_arena_release(&a);
}

static void test_view(void **state)
{
    (void)state;
    const char *good = "plain";
    assert_ptr_equal(ts_text_utf8_view(good), good);
    assert_null(ts_text_utf8_view(NULL));
    const char *v = ts_text_utf8_view("bad\xfe");
    assert_string_equal(v, "bad\xef\xbf\xbd");
    /* many more repairs than the ring holds: each result is right when made */
    for (int i = 0; i < 200; i++)
        assert_string_equal(ts_text_utf8_view("\x80"), "\xef\xbf\xbd");
}

static void test_check(void **state)
{
    (void)state;
    ts_err err;
    assert_int_equal(ts_text_check("--note", "visited\n\xe5\xb7\xb2", 100, false, &err), TS_OK);
    assert_int_equal(ts_text_check("--note", NULL, 100, false, &err), TS_OK);
    assert_int_equal(ts_text_check("--note", "x\xff", 100, false, &err), TS_USAGE);
    assert_string_equal(err.where, "--note");
    assert_non_null(strstr(err.msg, "not valid UTF-8 (bad byte 0xff at offset 1)"));
    assert_int_equal(ts_text_check("--by", "o\n1", 64, true, &err), TS_USAGE);
    assert_non_null(strstr(err.msg, "control character (0x0a at offset 1)"));
    assert_int_equal(ts_text_check("--note", "a\x1b[2J", 100, false, &err), TS_USAGE);
    assert_int_equal(ts_text_check("--by", "12345", 4, true, &err), TS_USAGE);
    assert_string_equal(err.msg, "longer than 4 bytes (5 given)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_view),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
