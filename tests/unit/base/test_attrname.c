/* tests/unit/base/test_attrname.c — attribute names: normal form (NFKC, case folding,
 * spacing and invisible characters removed) and the protected check through every
 * disguise issue 12 names (Chinese, plurals, case, homoglyphs, zero-width characters),
 * through the readers and through ts_attr_name_protected with a config list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "triscreen/config.h"
#include "triscreen/record.h"
#include "base/attrname.h"

/* ｒｅｌｉｇｉｏｎ */
#define FULLWIDTH_RELIGION                                                                         \
    ("\xef\xbd\x92\xef\xbd\x85\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x87\xef\xbd\x89\xef\xbd\x8f"        \
     "\xef\xbd\x8e")

static void norm_is(const char *in, const char *want)
{
    char out[TS_ATTRNAME_BUF];
    size_t n = 0;
    ts_attrname_rc rc = ts__attrname_normalize(in, strlen(in), out, &n);
    if (rc != TS_ATTRNAME_OK || strcmp(out, want) != 0)
        fail_msg("normalize(\"%s\"): rc %d \"%s\", want \"%s\"", in, (int)rc,
                 rc == TS_ATTRNAME_OK ? out : "", want);
    assert_int_equal(n, strlen(want));
}

static void test_normal_form(void **state)
{
    (void)state;
    norm_is("open_disputes", "open_disputes"); /* the fast path leaves ordinary names alone */
    norm_is("Re li gion", "religion");
    norm_is("RELIGION", "religion");
    norm_is("religion\xe2\x80\x8b", "religion"); /* U+200B zero-width space */
    norm_is("reli\xc2\xadgion", "religion");     /* U+00AD soft hyphen */
    norm_is("\xef\xbd\x92\xef\xbd\x85\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x87\xef\xbd\x89\xef\xbd\x8f"
            "\xef\xbd\x8e",
            "religion"); /* full-width letters */
    norm_is("Stra\xc3\x9f"
            "e",
            "strasse"); /* case folding, not lower */
    norm_is("\xe6\xb0\x91\xe3\x80\x80\xe6\x97\x8f", "\xe6\xb0\x91\xe6\x97\x8f"); /* 民　族 */
    norm_is("caf"
            "e\xcc\x81",
            "caf\xc3\xa9"); /* NFKC composes */
    char out[TS_ATTRNAME_BUF];
    assert_int_equal(ts__attrname_normalize(" \xe2\x80\x8b ", 5, out, NULL), TS_ATTRNAME_EMPTY);
    assert_int_equal(ts__attrname_normalize("\xff", 1, out, NULL), TS_ATTRNAME_INVALID);
    char longname[80];
    memset(longname, 'a', 65);
    assert_int_equal(ts__attrname_normalize(longname, 65, out, NULL), TS_ATTRNAME_LONG);
}

static void test_protected(void **state)
{
    (void)state;
    const char *yes[] = {
        "religion",
        "RELIGION",
        "Re li gion",
        "religion\xe2\x80\x8b",
        "religions",
        FULLWIDTH_RELIGION,
        "r\xd0\xb5ligion", /* Cyrillic е */
        "\xd1\x80olitics", /* Cyrillic р */
        "ethnicities",
        "races",
        "political_affiliation",
        "Political-Affiliation",
        "party_members",
        "sexual_orientation",
        "Sexual Orientation",
        "\xe6\xb0\x91\xe6\x97\x8f",                         /* 民族 */
        "\xe5\xae\x97\xe6\x95\x99",                         /* 宗教 */
        "\xe6\x94\xbf\xe6\xb2\xbb\xe9\x9d\xa2\xe8\xb2\x8c", /* 政治面貌 */
        "\xe5\x85\x9a\xe5\x91\x98",                         /* 党员 */
        "\xe5\xae\x97\xe6\x95\x99\xe4\xbf\xa1\xe4\xbb\xb0", /* 宗教信仰 */
        "\xe7\x88\xb6\xe4\xba\xb2\xe6\xb0\x91\xe6\x97\x8f", /* 父亲民族: contains 民族 */
        "\xe6\xb0\x91\xe2\x80\x8b\xe6\x97\x8f",             /* 民\u200b族 */
    };
    const char *no[] = {"employed", "care_level",    "open_disputes",
                        "grace",    "race_count",    "party",
                        "traces",   "petitions_12m", "\xe5\xb1\x85\xe4\xbd\x8f\xe5\x9c\xb0"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (!ts_attr_name_protected(NULL, yes[i], strlen(yes[i])))
            fail_msg("\"%s\" should be protected", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (ts_attr_name_protected(NULL, no[i], strlen(no[i])))
            fail_msg("\"%s\" should not be protected", no[i]);
    assert_false(ts_attr_name_protected(NULL, NULL, 0));
}

static void test_config_list(void **state)
{
    (void)state;
    char dir[] = "/tmp/ts_attrname_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/triscreen.yaml", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("protected_attributes: [Caste, hukou_type, \"\xe6\x88\xb7\xe7\xb1\x8d\"]\n", f);
    fclose(f);
    ts_config *cfg = NULL;
    ts_err err;
    assert_int_equal(ts_config_load(path, &cfg, &err), TS_OK);
    assert_int_equal(cfg->n_protected_attributes, 3);
    assert_true(ts_attr_name_protected(cfg, "CASTE", 5));
    assert_true(ts_attr_name_protected(cfg, "castes", 6));
    assert_true(ts_attr_name_protected(cfg, "Hukou-Type", 10));
    assert_true(ts_attr_name_protected(cfg, "\xe6\x88\xb7\xe7\xb1\x8d", 6)); /* 户籍 */
    assert_true(ts_attr_name_protected(cfg, "religion", 8)); /* the built-in list stays */
    assert_false(ts_attr_name_protected(cfg, "employed", 8));
    ts_config_free(cfg);
    f = fopen(path, "w");
    fputs("protected_attributes: [\"\xe2\x80\x8b\"]\n", f);
    fclose(f);
    assert_int_equal(ts_config_load(path, &cfg, &err), TS_CONFIG);
    assert_non_null(strstr(err.msg, "protected_attributes[0]"));
    unlink(path);
    rmdir(dir);
}

static void test_reader_stores_normal_form(void **state)
{
    (void)state;
    const char *line = "{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"Open Disputes\":2,"
                       "\"EMPLOYED\":true}}";
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_person p;
    ts_err err;
    assert_int_equal(ts_record_parse_json(line, strlen(line), &a, &p, &err), TS_OK);
    assert_int_equal(p.n_attrs, 2);
    assert_string_equal(p.attrs[0].name, "employed");
    assert_string_equal(p.attrs[1].name, "opendisputes");
    const char *dup = "{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"employed\":1,\"EMPLOYED\":2}}";
    assert_int_equal(ts_record_parse_json(dup, strlen(dup), &a, &p, &err), TS_INVALID);
    assert_non_null(strstr(err.msg, "more than once"));
    const char *hidden = "{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"r\xd0\xb5ligion\\u200b\":1}}";
    assert_int_equal(ts_record_parse_json(hidden, strlen(hidden), &a, &p, &err), TS_INVALID);
    assert_non_null(strstr(err.msg, "protected attribute"));
    ts_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_form),
        cmocka_unit_test(test_protected),
        cmocka_unit_test(test_config_list),
        cmocka_unit_test(test_reader_stores_normal_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
