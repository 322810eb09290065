/* Unit tests for the capped growable buffer (triscreen/buf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/buf.h"

static void grows_and_stays_terminated(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 1 << 20);
    assert_string_equal(ts_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ts_buf_printf(&b, "%d,", i % 10), TS_OK);
    assert_int_equal(b.len, 2000);
    assert_int_equal(strlen(ts_buf_str(&b)), 2000);
    assert_memory_equal(b.data, "0,1,2,", 6);
    ts_buf_reset(&b);
    assert_string_equal(ts_buf_str(&b), "");
    assert_int_equal(ts_buf_puts(&b, "again"), TS_OK);
    assert_string_equal(ts_buf_str(&b), "again");
    ts_buf_release(&b);
}

static void refuses_past_the_cap_and_keeps_content(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 8);
    assert_int_equal(ts_buf_puts(&b, "12345678"), TS_OK); /* exactly the cap */
    assert_int_equal(ts_buf_putc(&b, '9'), TS_LIMIT);
    assert_int_equal(ts_buf_printf(&b, "%s", "x"), TS_LIMIT);
    assert_string_equal(ts_buf_str(&b), "12345678");
    ts_buf_reset(&b);
    assert_int_equal(ts_buf_puts(&b, "123456789"), TS_LIMIT);
    assert_string_equal(ts_buf_str(&b), "");
    assert_int_equal(b.len, 0);
    ts_buf_release(&b);
}

static void take_hands_over_ownership(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 64);
    assert_null(ts_buf_take(&b));
    assert_int_equal(ts_buf_append(&b, "ab\0c", 4), TS_OK);
    assert_int_equal(b.len, 4);
    char *p = ts_buf_take(&b);
    assert_non_null(p);
    assert_memory_equal(p, "ab\0c", 5);
    free(p);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    ts_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grows_and_stays_terminated),
        cmocka_unit_test(refuses_past_the_cap_and_keeps_content),
        cmocka_unit_test(take_hands_over_ownership),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
