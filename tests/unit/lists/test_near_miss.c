/* tests/unit/lists/test_near_miss.c — ts_decide_threshold_above (decide.h), the
 * threshold a score sits under for `lists --near-miss`: the nearest enabled threshold of
 * a colour above the person's, none at the top or when every higher colour is off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "triscreen/decide.h"

static ts_decide_policy policy(int red, int yellow, int blue)
{
    int t[3] = {red, yellow, blue};
    ts_decide_policy p;
    ts_decide_policy_from(t, NULL, &p);
    return p;
}

static void test_nearest_above(void **state)
{
    (void)state;
    ts_decide_policy p = policy(70, 40, 20);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_NONE, 0), TS_COLOUR_BLUE);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_NONE, 19), TS_COLOUR_BLUE);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_BLUE, 35), TS_COLOUR_YELLOW);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_YELLOW, 55), TS_COLOUR_RED);
    /* a vote put the person above what the score reaches: only higher colours count */
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_YELLOW, 0), TS_COLOUR_RED);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_RED, 10), TS_COLOUR_NONE);
    /* a score already over a higher threshold (kept by an override) is under none of it */
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_BLUE, 45), TS_COLOUR_RED);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_BLUE, 80), TS_COLOUR_NONE);
}

static void test_disabled_colours(void **state)
{
    (void)state;
    ts_decide_policy p = policy(70, -1, 20);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_BLUE, 30), TS_COLOUR_RED);
    p = policy(-1, -1, -1);
    assert_int_equal(ts_decide_threshold_above(&p, TS_COLOUR_NONE, 0), TS_COLOUR_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_nearest_above),
                                       cmocka_unit_test(test_disabled_colours)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
