/* Unit tests for the JSON encoder (triscreen/jsonw.h): structure, escaping identical to
 * json-c's plain no-slash-escape output, invalid UTF-8, sticky errors and the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "triscreen/jsonw.h"

static void writes_nested_values(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 4096);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "person", "P-1");
    ts_jsonw_kint(&w, "score", -42);
    ts_jsonw_key(&w, "rules");
    ts_jsonw_arr(&w);
    ts_jsonw_str(&w, "a");
    ts_jsonw_str(&w, NULL);
    ts_jsonw_bool(&w, true);
    ts_jsonw_double(&w, 0.1);
    ts_jsonw_arr_end(&w);
    ts_jsonw_knull(&w, "since");
    ts_jsonw_key(&w, "raw");
    ts_jsonw_raw(&w, "{\"x\":1}", 7);
    ts_jsonw_obj_end(&w);
    ts_jsonw_obj(&w);
    ts_jsonw_obj_end(&w);
    assert_int_equal(ts_jsonw_finish(&w), TS_OK);
    assert_string_equal(ts_buf_str(&b), "{\"person\":\"P-1\",\"score\":-42,\"rules\":[\"a\",null,"
                                        "true,0.1],\"since\":null,\"raw\":{\"x\":1}}\n{}");
    ts_buf_release(&b);
}

static void escapes_as_json_c_does(void **state)
{
    (void)state;
    const char *cases[] = {"plain",
                           "quote \" back \\ slash /",
                           "nl\ncr\rtab\t",
                           "ctl \x01\x1f\x7f",
                           "中文 名字 ✓",
                           "emoji \xf0\x9f\x98\x80",
                           ""};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ts_buf b;
        ts_buf_init(&b, 4096);
        assert_int_equal(ts_json_quote(&b, cases[i], strlen(cases[i])), TS_OK);
        json_object *o = json_object_new_string(cases[i]);
        const char *want = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
        assert_string_equal(ts_buf_str(&b), want);
        json_object_put(o);
        ts_buf_release(&b);
    }
}

static void replaces_invalid_utf8(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 4096);
    assert_int_equal(ts_json_quote(&b,
                                   "a\xff"
                                   "b\xe4\xb8",
                                   5),
                     TS_OK);
    assert_string_equal(ts_buf_str(&b), "\"a\\ufffdb\\ufffd\\ufffd\"");
    ts_buf_release(&b);
}

static void misuse_and_cap_are_sticky(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 4096);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_str(&w, "value without a key");
    ts_jsonw_obj_end(&w);
    assert_int_equal(ts_jsonw_finish(&w), TS_STATE);

    ts_buf_reset(&b);
    ts_jsonw_init(&w, &b);
    ts_jsonw_arr(&w);
    assert_int_equal(ts_jsonw_finish(&w), TS_STATE); /* left open */

    ts_buf small;
    ts_buf_init(&small, 10);
    ts_jsonw_init(&w, &small);
    ts_jsonw_arr(&w);
    ts_jsonw_str(&w, "longer than ten bytes");
    ts_jsonw_arr_end(&w);
    assert_int_equal(ts_jsonw_finish(&w), TS_LIMIT);
    assert_string_equal(ts_buf_str(&small), "["); /* nothing cut in the middle */
    ts_buf_release(&small);

    ts_buf_reset(&b);
    ts_jsonw_init(&w, &b);
    for (int i = 0; i < TS_JSONW_MAX_DEPTH + 1; i++)
        ts_jsonw_arr(&w);
    assert_int_equal(ts_jsonw_finish(&w), TS_LIMIT);
    ts_buf_release(&b);
}

/* The fast paths (a string or key with nothing to escape written at once, integers by
 * hand, small writes into room already there) write what the general path would, and
 * meet the cap exactly where it would. */
static void fast_paths_match_the_general_one(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 4096);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_arr(&w);
    const int64_t ints[] = {0, 7, -1, 10, -10, 1234567890123, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
        ts_jsonw_int(&w, ints[i]);
    ts_jsonw_obj(&w);
    ts_jsonw_kint(&w, "plain key", 1);
    ts_jsonw_kint(&w, "key \"with\" quotes\n", 2);
    ts_jsonw_kstr(&w, "k", "ends with a quote\"");
    ts_jsonw_kstr(&w, "\xff", "\x01 first");
    ts_jsonw_obj_end(&w);
    ts_jsonw_arr_end(&w);
    assert_int_equal(ts_jsonw_finish(&w), TS_OK);
    assert_string_equal(ts_buf_str(&b),
                        "[0,7,-1,10,-10,1234567890123,9223372036854775807,-9223372036854775808,"
                        "{\"plain key\":1,\"key \\\"with\\\" quotes\\n\":2,"
                        "\"k\":\"ends with a quote\\\"\",\"\\ufffd\":\"\\u0001 first\"}]");
    ts_buf_release(&b);

    /* "abc" quoted is 5 bytes: a cap of 5 takes it whole, a cap of 4 leaves b as it was */
    for (size_t cap = 4; cap <= 5; cap++) {
        ts_buf c;
        ts_buf_init(&c, cap);
        assert_int_equal(ts_json_quote(&c, "abc", 3), cap == 5 ? TS_OK : TS_LIMIT);
        assert_string_equal(ts_buf_str(&c), cap == 5 ? "\"abc\"" : "");
        ts_buf_release(&c);
    }
    /* a key meets the cap where it would byte by byte: {"ab":1} is 8 bytes */
    for (size_t cap = 7; cap <= 8; cap++) {
        ts_buf k;
        ts_buf_init(&k, cap);
        ts_jsonw_init(&w, &k);
        ts_jsonw_obj(&w);
        ts_jsonw_kint(&w, "ab", 1);
        ts_jsonw_obj_end(&w);
        assert_int_equal(ts_jsonw_finish(&w), cap == 8 ? TS_OK : TS_LIMIT);
        if (cap == 8)
            assert_string_equal(ts_buf_str(&k), "{\"ab\":1}");
        ts_buf_release(&k);
    }
    /* {"ab": is 6 bytes and ,"cd": 6 more: each key fits a cap with no byte to spare */
    for (size_t cap = 6; cap <= 12; cap += 6) {
        ts_buf k;
        ts_buf_init(&k, cap);
        ts_jsonw_init(&w, &k);
        ts_jsonw_obj(&w);
        ts_jsonw_key(&w, "ab");
        if (cap == 12) {
            ts_jsonw_raw(&w, "", 0);
            ts_jsonw_key(&w, "cd");
        }
        assert_int_equal(w.st, TS_OK);
        assert_string_equal(ts_buf_str(&k), cap == 6 ? "{\"ab\":" : "{\"ab\":,\"cd\":");
        ts_buf_release(&k);
    }
    /* an escape past the cap: nothing of the string is left behind */
    ts_buf c;
    ts_buf_init(&c, 7); /* room for "x" and 6 more: the 6 of "ab"c" unescaped, not the 7 */
    assert_int_equal(ts_buf_puts(&c, "x"), TS_OK);
    assert_int_equal(ts_json_quote(&c, "ab\"c", 4), TS_LIMIT);
    assert_string_equal(ts_buf_str(&c), "x");
    assert_int_equal(c.len, 1);
    assert_int_equal(ts_buf_reserve(&c, 6), TS_OK);
    assert_int_equal(ts_buf_reserve(&c, 7), TS_LIMIT);
    ts_buf_release(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_nested_values),
        cmocka_unit_test(escapes_as_json_c_does),
        cmocka_unit_test(replaces_invalid_utf8),
        cmocka_unit_test(misuse_and_cap_are_sticky),
        cmocka_unit_test(fast_paths_match_the_general_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
