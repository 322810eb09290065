/* tests/unit/base/test_vocab.c — the shared vocabulary of triscreen/vocab.h: every entry's
 * name parses back to its value, the stored numeric values are kept, the none entries and
 * unknown names are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/vocab.h"

/* For every entry of a list (expected: the entry count, written out so that a new entry
 * is added on purpose): name(value) is the listed name and parse(name) gives the
 * value back; an entry with the name "" is never parsed. Counts the entries. */
#define ROUND_TRIP(type, stem, MAP, expected)                                                      \
    static void test_##stem(void **state)                                                          \
    {                                                                                              \
        (void)state;                                                                               \
        int n = 0;                                                                                 \
        MAP(CHECK_ENTRY_##stem)                                                                    \
        assert_int_equal(n, expected);                                                             \
        type junk = (type)0;                                                                       \
        assert_false(ts_##stem##_parse(NULL, &junk));                                              \
        assert_false(ts_##stem##_parse("", &junk));                                                \
        assert_false(ts_##stem##_parse("bogus", &junk));                                           \
        assert_string_equal(ts_##stem##_name((type)99), "");                                       \
        assert_string_equal(ts_##stem##_name((type)-1), "");                                       \
    }

#define CHECK(stem, type, prefix, id, value, name)                                                 \
    {                                                                                              \
        n++;                                                                                       \
        assert_int_equal((int)TS_##prefix##_##id, value);                                          \
        assert_string_equal(ts_##stem##_name(TS_##prefix##_##id), name);                           \
        type got = (type)99;                                                                       \
        if (name[0]) {                                                                             \
            assert_true(ts_##stem##_parse(name, &got));                                            \
            assert_int_equal(got, TS_##prefix##_##id);                                             \
            /* case and padding matter */                                                          \
            char up[32];                                                                           \
            snprintf(up, sizeof up, " %s", name);                                                  \
            assert_false(ts_##stem##_parse(up, &got));                                             \
        }                                                                                          \
        assert_int_equal(got, name[0] ? TS_##prefix##_##id : (type)99);                            \
    }

#define CHECK_ENTRY_colour(p, i, v, s) CHECK(colour, ts_colour, p, i, v, s)
#define CHECK_ENTRY_pass(p, i, v, s) CHECK(pass, ts_pass, p, i, v, s)
#define CHECK_ENTRY_feedback(p, i, v, s) CHECK(feedback, ts_feedback, p, i, v, s)
#define CHECK_ENTRY_alert_state(p, i, v, s) CHECK(alert_state, ts_alert_state, p, i, v, s)
#define CHECK_ENTRY_review_outcome(p, i, v, s) CHECK(review_outcome, ts_review_outcome, p, i, v, s)
#define CHECK_ENTRY_close_outcome(p, i, v, s) CHECK(close_outcome, ts_close_outcome, p, i, v, s)
#define CHECK_ENTRY_alert_verb(p, i, v, s) CHECK(alert_verb, ts_alert_verb, p, i, v, s)

ROUND_TRIP(ts_colour, colour, TS_COLOUR_MAP, 4)
ROUND_TRIP(ts_pass, pass, TS_PASS_MAP, 3)
ROUND_TRIP(ts_feedback, feedback, TS_FEEDBACK_MAP, 4)
ROUND_TRIP(ts_alert_state, alert_state, TS_ALERT_STATE_MAP, 4)
ROUND_TRIP(ts_review_outcome, review_outcome, TS_REVIEW_OUTCOME_MAP, 4)
ROUND_TRIP(ts_close_outcome, close_outcome, TS_CLOSE_OUTCOME_MAP, 5)
ROUND_TRIP(ts_alert_verb, alert_verb, TS_ALERT_VERB_MAP, 4)

/* The values stored data and outputs depend on, and the names outputs print. */
static void test_fixed(void **state)
{
    (void)state;
    assert_int_equal(TS_COLOUR_N, 4);
    assert_int_equal(TS_COLOUR_RED, 3);
    assert_int_equal(TS_COLOUR_YELLOW, 2);
    assert_int_equal(TS_COLOUR_BLUE, 1);
    assert_int_equal(TS_COLOUR_NONE, 0);
    assert_string_equal(ts_colour_name(TS_COLOUR_NONE), "");
    assert_string_equal(ts_colour_text(TS_COLOUR_NONE), "none");
    assert_string_equal(ts_colour_text(TS_COLOUR_RED), "red");
    assert_string_equal(ts_colour_text((ts_colour)7), "none");
    ts_colour c = TS_COLOUR_RED;
    assert_false(ts_colour_parse("none", &c));
    assert_int_equal(c, TS_COLOUR_RED);
    assert_string_equal(ts_feedback_name(TS_FEEDBACK_NONE), "");
    assert_int_equal(TS_PASS_N, 3);
    assert_int_equal(TS_FEEDBACK_N, 4);
    assert_int_equal(ts_colour_slot(TS_COLOUR_RED), 0);
    assert_int_equal(ts_colour_slot(TS_COLOUR_YELLOW), 1);
    assert_int_equal(ts_colour_slot(TS_COLOUR_BLUE), 2);
    assert_int_equal(ts_colour_slot(TS_COLOUR_NONE), -1);
    assert_int_equal(ts_colour_slot((ts_colour)9), -1);
    assert_int_equal(ts_alert_verb_state(TS_VERB_CLAIM), TS_ALERT_CLAIMED);
    assert_int_equal(ts_alert_verb_state(TS_VERB_ACK), TS_ALERT_ACKED);
    assert_int_equal(ts_alert_verb_state(TS_VERB_CLOSE), TS_ALERT_CLOSED);
    assert_int_equal(ts_alert_verb_state(TS_VERB_REOPEN), TS_ALERT_NEW);
    assert_int_equal(ts_alert_verb_state((ts_alert_verb)9), TS_ALERT_NEW);
    /* stored text */
    assert_string_equal(ts_alert_state_name(TS_ALERT_ACKED), "acknowledged");
    assert_string_equal(ts_close_outcome_name(TS_CLOSE_FALSE_POSITIVE), "false_positive");
    ts_close_outcome o = TS_CLOSE_VALUABLE;
    assert_false(ts_close_outcome_parse("", &o));
    assert_int_equal(o, TS_CLOSE_VALUABLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_colour),         cmocka_unit_test(test_pass),
        cmocka_unit_test(test_feedback),       cmocka_unit_test(test_alert_state),
        cmocka_unit_test(test_review_outcome), cmocka_unit_test(test_close_outcome),
        cmocka_unit_test(test_alert_verb),     cmocka_unit_test(test_fixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
