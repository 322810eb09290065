/* tests/unit/record/test_extra.c — ts_record_encode_extra / decode_extra: round trips,
 * and every truncation and byte flip of a blob decodes to TS_INVALID or to a valid
 * person, never past the end (run under ASan). */
#include "record/rec_test.h"

#include <math.h>

static void make_person(ts_person *p, ts_attr *attrs, const char **cats)
{
    memset(p, 0, sizeof *p);
    p->id = "P-1";
    p->grid = "G";
    p->name = "";
    p->notes = "";
    cats[0] = "community_correction";
    cats[1] = "petitioner";
    cats[2] = "精神";
    p->categories = cats;
    p->n_categories = 3;
    attrs[0] = (ts_attr){.name = "a_str", .type = TS_ATTR_STR, .str = "扬言报复 x"};
    attrs[1] = (ts_attr){.name = "b_bool", .type = TS_ATTR_BOOL, .b = true};
    attrs[2] = (ts_attr){.name = "c_num", .type = TS_ATTR_NUM, .num = -1234.5678e10};
    attrs[3] = (ts_attr){.name = "d_empty", .type = TS_ATTR_STR, .str = ""};
    attrs[4] = (ts_attr){.name = "e_false", .type = TS_ATTR_BOOL, .b = false};
    p->attrs = attrs;
    p->n_attrs = 5;
}

static void test_round_trip(void **state)
{
    (void)state;
    ts_person p;
    ts_attr attrs[5];
    const char *cats[3];
    make_person(&p, attrs, cats);
    unsigned char *blob = NULL;
    size_t len = 0;
    assert_int_equal(ts_record_encode_extra(&p, &blob, &len), TS_OK);
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_person q;
    memset(&q, 0, sizeof q);
    assert_int_equal(ts_record_decode_extra(blob, len, &a, &q), TS_OK);
    assert_int_equal(q.n_categories, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(q.categories[i], cats[i]);
    assert_int_equal(q.n_attrs, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(q.attrs[i].name, attrs[i].name);
        assert_int_equal(q.attrs[i].type, attrs[i].type);
    }
    assert_string_equal(q.attrs[0].str, "扬言报复 x");
    assert_true(q.attrs[1].b);
    assert_true(q.attrs[2].num == -1234.5678e10);
    assert_string_equal(q.attrs[3].str, "");
    assert_false(q.attrs[4].b);

    /* every truncation is refused */
    for (size_t l = 0; l < len; l++) {
        ts_person r;
        if (ts_record_decode_extra(blob, l, &a, &r) != TS_INVALID)
            fail_msg("truncated to %zu bytes was accepted", l);
    }
    /* every single-byte change decodes to TS_INVALID or to a well-formed person */
    unsigned char *copy = malloc(len);
    for (size_t i = 0; i < len; i++) {
        for (int v = 0; v < 256; v += 7) {
            memcpy(copy, blob, len);
            copy[i] = (unsigned char)v;
            ts_person r;
            ts_status rc = ts_record_decode_extra(copy, len, &a, &r);
            assert_true(rc == TS_OK || rc == TS_INVALID);
            if (rc == TS_OK) {
                for (size_t k = 1; k < r.n_attrs; k++)
                    assert_true(strcmp(r.attrs[k - 1].name, r.attrs[k].name) < 0);
                for (size_t k = 0; k < r.n_attrs; k++)
                    if (r.attrs[k].type == TS_ATTR_NUM)
                        assert_true(isfinite(r.attrs[k].num));
            }
        }
        ts_arena_reset(&a);
    }
    /* trailing bytes are refused */
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, blob, len);
    longer[len] = 0;
    ts_person r;
    assert_int_equal(ts_record_decode_extra(longer, len + 1, &a, &r), TS_INVALID);
    free(longer);
    free(copy);
    free(blob);
    ts_arena_release(&a);
}

static void test_empty_and_corrupt(void **state)
{
    (void)state;
    ts_person p;
    memset(&p, 0, sizeof p);
    unsigned char *blob = NULL;
    size_t len = 0;
    assert_int_equal(ts_record_encode_extra(&p, &blob, &len), TS_OK);
    assert_int_equal(len, 4);
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_person q;
    assert_int_equal(ts_record_decode_extra(blob, len, &a, &q), TS_OK);
    assert_int_equal(q.n_categories + q.n_attrs, 0);
    free(blob);

    static const struct {
        const char *b;
        size_t n;
    } bad[] = {
        {"", 0},
        {"Y\x01\x00\x00", 4},                 /* magic */
        {"X\x02\x00\x00", 4},                 /* version */
        {"X\x01\xff\xff\xff\xff\xff\x00", 8}, /* varint too long */
        {"X\x01\x41\x00", 4},                 /* 65 categories > limit */
        {"X\x01\x01\x05"
         "ab",
         6}, /* string past the end */
        {"X\x01\x01\x02"
         "a\0"
         "\x00",
         7},                          /* NUL in a string */
        {"X\x01\x01\x01\xff\x00", 6}, /* invalid UTF-8 */
        {"X\x01\x00\x01\x01"
         "a\x04\x00",
         8}, /* bad type */
        {"X\x01\x00\x01\x01"
         "a\x02\x02",
         8}, /* bool not 0/1 */
        {"X\x01\x00\x01\x01"
         "a\x01\x00\x00",
         9}, /* short number */
        {"X\x01\x00\x02\x01"
         "b\x02\x01\x01"
         "a\x02\x01",
         12}, /* names out of order */
        {"X\x01\x00\x02\x01"
         "a\x02\x01\x01"
         "a\x02\x01",
         12},                             /* repeated name */
        {"X\x01\x00\x01\x00\x02\x01", 7}, /* empty name */
        {"X\x01\x00\x01\x01"
         "a\x01\x00\x00\x00\x00\x00\x00\xf0\x7f",
         14}, /* +inf */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        /* copy to an exact-size heap block so ASan sees any overread */
        unsigned char *b = malloc(bad[i].n ? bad[i].n : 1);
        memcpy(b, bad[i].b, bad[i].n);
        if (ts_record_decode_extra(b, bad[i].n, &a, &q) != TS_INVALID)
            fail_msg("corrupt blob %zu was accepted", i);
        free(b);
    }
    ts_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_and_corrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
