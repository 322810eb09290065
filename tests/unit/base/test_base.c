/* tests/unit/base/test_base.c — base module: arena caps, date parsing and
 * ts_date_problem's sentences, civil conversions and ages, status names and texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/status.h"

static void test_arena_cap(void **state)
{
    (void)state;
    ts_arena a;
    ts_arena_init(&a, 4096);
    assert_int_equal(a.cap, 4096);
    void *p = ts_arena_alloc(&a, 1000);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    /* beyond the cap: refused with NULL, the arena stays usable */
    assert_null(ts_arena_alloc(&a, 8192));
    assert_non_null(ts_arena_alloc(&a, 100));
    assert_true(a.reserved <= 4096);
    char *s = ts_arena_printf(&a, "%s-%03d", "P", 7);
    assert_string_equal(s, "P-007");
    assert_string_equal(ts_arena_strndup(&a, "abcdef", 3), "abc");
    unsigned char *z = ts_arena_calloc(&a, 8, 4);
    assert_non_null(z);
    for (int i = 0; i < 32; i++)
        assert_int_equal(z[i], 0);
    ts_arena_reset(&a);
    assert_int_equal(a.used, 0);
    ts_arena_release(&a);
    ts_arena_release(NULL);
}

static void test_arena_default_cap(void **state)
{
    (void)state;
    ts_arena a;
    ts_arena_init(&a, 0);
    assert_int_equal(a.cap, (size_t)1 << 30);
    ts_arena_release(&a);
}

static void test_date_parse(void **state)
{
    (void)state;
    int32_t d = 0;
    assert_true(ts_date_parse("1970-01-01", 10, &d));
    assert_int_equal(d, 0);
    assert_true(ts_date_parse("2024-02-29", 10, &d));
    assert_int_equal(d, ts_date_from_civil(2024, 2, 29));
    char buf[11];
    ts_date_format(d, buf);
    assert_string_equal(buf, "2024-02-29");
    int y, m, dd;
    ts_date_to_civil(d, &y, &m, &dd);
    assert_int_equal(y, 2024);
    assert_int_equal(m, 2);
    assert_int_equal(dd, 29);
    const char *bad[] = {"2023-02-29", "2026-13-01", "2026-1-01", "0999-01-01",
                         "2026-01-32", "2026/01/01", "",          "2026-01-011"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ts_date_parse(bad[i], strlen(bad[i]), &d));
    /* len bounds the input: a valid prefix with the wrong length is not a date */
    assert_false(ts_date_parse("2026-01-01", 9, &d));
}

static void test_date_problem(void **state)
{
    (void)state;
    char buf[200];
    assert_null(ts_date_problem("2026-12-01", 10, buf, sizeof buf));
    const char *p = ts_date_problem("2026-02-30", 10, buf, sizeof buf);
    assert_ptr_equal(p, buf);
    assert_non_null(strstr(p, "2026-02-30"));
    assert_non_null(strstr(p, "28 days"));
    p = ts_date_problem("0001-01-01", 10, buf, sizeof buf);
    assert_non_null(p);
    assert_non_null(strstr(p, "1000"));
    /* never quotes more than a date's ten characters */
    const char *longer = "2026-02-30 and a secret note that must not be echoed";
    p = ts_date_problem(longer, strlen(longer), buf, sizeof buf);
    assert_non_null(p);
    assert_null(strstr(p, "secret"));
}

static void test_ages(void **state)
{
    (void)state;
    int32_t born = ts_date_from_civil(2000, 3, 1);
    assert_int_equal(ts_date_years_between(born, ts_date_from_civil(2026, 2, 28)), 25);
    assert_int_equal(ts_date_years_between(born, ts_date_from_civil(2026, 3, 1)), 26);
    assert_true(ts_date_years_between(born, ts_date_from_civil(1999, 3, 1)) < 0);
    assert_true(ts_date_today() > ts_date_from_civil(2020, 1, 1));
}

static void test_status_names(void **state)
{
    (void)state;
    assert_int_equal(TS_OK, 0);
    assert_string_equal(ts_status_name(TS_OK), "OK");
    assert_string_equal(ts_status_text(TS_OK), "success");
    assert_string_equal(ts_status_name(TS_LIMIT), "LIMIT");
    assert_string_equal(ts_status_text(TS_LIMIT), "limit exceeded");
    assert_string_equal(ts_status_name(TS_INTERRUPTED), "INTERRUPTED");
    assert_string_equal(ts_status_text(TS_NOTFOUND), "not found");
    /* out-of-range values still give a string */
    assert_non_null(ts_status_name((ts_status)9999));
    assert_non_null(ts_status_text((ts_status)-1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_cap),  cmocka_unit_test(test_arena_default_cap),
        cmocka_unit_test(test_date_parse), cmocka_unit_test(test_date_problem),
        cmocka_unit_test(test_ages),       cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
