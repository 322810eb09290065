/* tests/unit/app/test_judged.c — per-person judgements (triscreen/judged.h): a side is
 * merged over the passes (the last pass's colour, the regional/targeted score, the union
 * of the rules, any pass's feedback), both sides of a person share one row, rows come
 * back sorted by person (also after more are added), a stored judgement replaces a side,
 * and an unparsable rules text counts no rules. Also ts_impact_row_differs and
 * ts_impact_moves (lists/impact.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/judged.h"

static void judge(ts_judged_sink *sink, ts_pass pass, const char *person, ts_colour to, int score,
                  const char *rules, ts_feedback fb)
{
    ts_screen_judged j = {.side = -1,
                          .pass = pass,
                          .person = person,
                          .grid = "T01-V01-G01",
                          .from = TS_COLOUR_NONE,
                          .to = to,
                          .score = score,
                          .rules = rules};
    if (fb != TS_FEEDBACK_NONE)
        j.alerts[fb] = true;
    ts_judged_collect(sink, &j);
}

static void test_merge_over_passes(void **state)
{
    (void)state;
    ts_err err;
    ts_err_clear(&err);
    ts_judged_set *set = NULL;
    assert_int_equal(ts_judged_set_new(NULL, &set, &err), TS_OK);
    ts_judged_sink live = {.set = set, .side = 0}, draft = {.set = set, .side = 1};
    judge(&live, TS_PASS_FULL, "P-2", TS_COLOUR_NONE, 0, "[{\"id\":\"b\"}]", TS_FEEDBACK_NONE);
    judge(&live, TS_PASS_FULL, "P-1", TS_COLOUR_NONE, 0, "[]", TS_FEEDBACK_NONE);
    judge(&live, TS_PASS_REGIONAL, "P-2", TS_COLOUR_YELLOW, 50, "[{\"id\":\"c\"},{\"id\":\"a\"}]",
          TS_FEEDBACK_EARLY);
    judge(&draft, TS_PASS_FULL, "P-2", TS_COLOUR_NONE, 0, "[{\"id\":\"b\"}]", TS_FEEDBACK_NONE);
    judge(&draft, TS_PASS_REGIONAL, "P-2", TS_COLOUR_RED, 70, "[{\"id\":\"a\"},{\"id\":\"d\"}]",
          TS_FEEDBACK_DETAILED);
    judge(&draft, TS_PASS_FULL, "P-1", TS_COLOUR_NONE, 0, "not json", TS_FEEDBACK_NONE);
    assert_int_equal(ts_judged_set_status(set, &err), TS_OK);
    size_t n = 0;
    const ts_impact_row *rows = ts_judged_rows(set, &n);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].person, "P-1");
    assert_string_equal(rows[1].person, "P-2");
    const ts_impact_row *r = &rows[1];
    assert_int_equal(r->before.colour, TS_COLOUR_YELLOW);
    assert_int_equal(r->before.score, 50);
    assert_int_equal(r->before.n_rules, 3);
    assert_string_equal(r->before.rules[0], "a");
    assert_string_equal(r->before.rules[1], "b");
    assert_string_equal(r->before.rules[2], "c");
    assert_true(r->before.alerts[TS_FEEDBACK_EARLY]);
    assert_false(r->before.alerts[TS_FEEDBACK_DETAILED]);
    assert_int_equal(r->after.colour, TS_COLOUR_RED);
    assert_int_equal(r->after.score, 70);
    assert_int_equal(r->after.n_rules, 3); /* a, b, d */
    assert_string_equal(r->after.rules[2], "d");
    assert_true(r->after.alerts[TS_FEEDBACK_DETAILED]);
    assert_int_equal(rows[0].after.n_rules, 0);
    assert_false(ts_impact_row_differs(&rows[0]));
    assert_true(ts_impact_row_differs(r));
    ts_impact im = {.rows = rows, .n = n};
    assert_int_equal(ts_impact_moves(&im), 1);

    /* a stored judgement replaces the side; a person added later is sorted in */
    assert_int_equal(ts_judged_put(set, 1, "P-2", "T01-V01-G01", TS_COLOUR_YELLOW, 50,
                                   "[{\"id\":\"a\"},{\"id\":\"b\"},{\"id\":\"c\"}]",
                                   1u << TS_FEEDBACK_EARLY, &err),
                     TS_OK);
    assert_int_equal(ts_judged_put(set, 0, "P-0", "T01-V01-G01", TS_COLOUR_BLUE, 20, "[]", 0, &err),
                     TS_OK);
    rows = ts_judged_rows(set, &n);
    assert_int_equal(n, 3);
    assert_string_equal(rows[0].person, "P-0");
    assert_string_equal(rows[2].person, "P-2");
    assert_false(ts_impact_row_differs(&rows[2]));
    assert_true(ts_impact_row_differs(&rows[0])); /* blue before, off the lists after */
    ts_judged_set_free(set);
}

static void test_many_persons(void **state)
{
    (void)state;
    ts_err err;
    ts_judged_set *set = NULL;
    assert_int_equal(ts_judged_set_new(NULL, &set, &err), TS_OK);
    ts_judged_sink sink = {.set = set, .side = 1};
    char id[32];
    for (int i = 5000; i-- > 0;) {
        snprintf(id, sizeof id, "P-%05d", i);
        judge(&sink, TS_PASS_FULL, id, TS_COLOUR_NONE, 0, "[{\"id\":\"x\"}]", TS_FEEDBACK_NONE);
    }
    for (int i = 0; i < 5000; i += 2) {
        snprintf(id, sizeof id, "P-%05d", i);
        judge(&sink, TS_PASS_REGIONAL, id, TS_COLOUR_BLUE, 10, "[]", TS_FEEDBACK_NONE);
    }
    size_t n = 0;
    const ts_impact_row *rows = ts_judged_rows(set, &n);
    assert_int_equal(n, 5000);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(rows[i - 1].person, rows[i].person) < 0);
    assert_int_equal(rows[0].after.colour, TS_COLOUR_BLUE);
    assert_int_equal(rows[1].after.colour, TS_COLOUR_NONE);
    assert_int_equal(rows[1].after.n_rules, 1);
    ts_judged_set_free(set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_over_passes),
        cmocka_unit_test(test_many_persons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
