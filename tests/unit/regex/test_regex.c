/* tests/unit/regex/test_regex.c — the PCRE2 wrapper: matches and captures, UTF-8,
 * bad patterns and subjects, every limit (pattern, subject, nesting, match steps), the
 * bounded cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "regex/regex.h"

static ts_status search(ts_regex_cache *c, const char *pat, const char *s, ts_regex_match *m,
                        char *msg)
{
    return ts__regex_search(c, pat, strlen(pat), s, strlen(s), m, msg, 200);
}

static int setup(void **state)
{
    ts_regex_cache *c = NULL;
    assert_int_equal(ts__regex_cache_new(4, &c), TS_OK);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ts__regex_cache_free(*state);
    ts__regex_cache_free(NULL);
    return 0;
}

static void test_match_and_capture(void **state)
{
    ts_regex_cache *c = *state;
    ts_regex_match m;
    char msg[200];
    const char *s = "he threatened to take revenge";
    assert_int_equal(search(c, "revenge", s, &m, msg), TS_OK);
    assert_true(m.found);
    assert_int_equal(m.off, 22);
    assert_int_equal(m.len, 7);
    assert_int_equal(search(c, "(?i)REVENGE", s, &m, msg), TS_OK);
    assert_true(m.found);
    assert_int_equal(search(c, "take (\\w+)", s, &m, msg), TS_OK);
    assert_true(m.found);
    assert_int_equal(m.off, 27 - 5);
    assert_int_equal(m.len, 7);
    assert_int_equal(search(c, "(x)?revenge", s, &m, msg), TS_OK); /* unset group: whole */
    assert_true(m.found);
    assert_int_equal(m.len, 7);
    assert_int_equal(search(c, "^revenge", s, &m, msg), TS_OK);
    assert_false(m.found);
    assert_int_equal(search(c, "", "", &m, msg), TS_OK);
    assert_true(m.found);
    assert_int_equal(m.len, 0);
}

static void test_utf8(void **state)
{
    ts_regex_cache *c = *state;
    ts_regex_match m;
    char msg[200];
    const char *s = "邻里纠纷，扬言报复";
    assert_int_equal(search(c, "扬言.?报复", s, &m, msg), TS_OK);
    assert_true(m.found);
    assert_int_equal(m.len, strlen("扬言报复"));
    assert_int_equal(search(c, "^.{9}$", s, &m, msg), TS_OK); /* characters, not bytes */
    assert_true(m.found);
    assert_int_equal(search(c, "(?i)é", "É", &m, msg), TS_OK);
    assert_true(m.found);
    /* invalid UTF-8 subject: an error, never a match or a crash */
    assert_int_equal(search(c, "a", "a\xff", &m, msg), TS_INVALID);
    assert_non_null(strstr(msg, "UTF-8"));
    /* invalid UTF-8 pattern */
    assert_int_equal(search(c, "\xc3(", "a", &m, msg), TS_INVALID);
    /* \C is refused in UTF mode */
    assert_int_equal(search(c, "\\C", "a", &m, msg), TS_INVALID);
}

static void test_bad_patterns(void **state)
{
    ts_regex_cache *c = *state;
    ts_regex_match m;
    char msg[200];
    assert_int_equal(search(c, "(unclosed", "x", &m, msg), TS_INVALID);
    assert_non_null(strstr(msg, "offset"));
    assert_int_equal(search(c, "a{2,1}", "x", &m, msg), TS_INVALID);
    assert_int_equal(search(c, "[z-a]", "x", &m, msg), TS_INVALID);
    assert_int_equal(ts__regex_cache_size(c), 0); /* failures are not cached */
}

/* ts__regex_check accepts and refuses exactly what a search compiles: the same status,
 * PCRE2's message and the offset where compiling stopped. */
static void test_check_agrees(void **state)
{
    ts_regex_cache *c = *state;
    static const char *const pats[] = {"a(b",      "x{2,1}",         "[z-a]",
                                       "\\xff\\C", "(?i)ok|fine(x)", "\xff"};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        char m1[200] = "", m2[200] = "";
        size_t off = 99;
        ts_regex_match m;
        ts_status a = ts__regex_check(pats[i], strlen(pats[i]), m1, sizeof m1, &off);
        ts_status b = ts__regex_search(c, pats[i], strlen(pats[i]), "s", 1, &m, m2, sizeof m2);
        assert_int_equal(a, b);
        if (a != TS_OK)
            assert_non_null(strstr(m2, m1)); /* the search adds " at offset N" */
    }
    char msg[200];
    size_t off = 0;
    assert_int_equal(ts__regex_check("ab(cd", 5, msg, sizeof msg, &off), TS_INVALID);
    assert_string_equal(msg, "missing closing parenthesis");
    assert_int_equal(off, 5);
    char deep[2 * TS_LIMIT_REGEX_NEST + 8];
    size_t n = 0;
    for (unsigned i = 0; i <= TS_LIMIT_REGEX_NEST; i++)
        deep[n++] = '(';
    for (unsigned i = 0; i <= TS_LIMIT_REGEX_NEST; i++)
        deep[n++] = ')';
    assert_int_equal(ts__regex_check(deep, n, msg, sizeof msg, &off), TS_LIMIT);
    static char big[TS_LIMIT_REGEX_PATTERN + 2];
    memset(big, 'a', sizeof big - 1);
    assert_int_equal(ts__regex_check(big, sizeof big - 1, msg, sizeof msg, &off), TS_LIMIT);
}

static void test_limits(void **state)
{
    ts_regex_cache *c = *state;
    ts_regex_match m;
    char msg[200];
    /* 300 nested groups: refused at compile time (nesting cap) */
    char pat[1000] = "";
    for (int i = 0; i < 300; i++)
        strcat(pat, "(");
    strcat(pat, "a");
    for (int i = 0; i < 300; i++)
        strcat(pat, ")");
    assert_int_equal(search(c, pat, "a", &m, msg), TS_LIMIT);
    /* catastrophic backtracking ends quickly as a limit */
    char *subj = malloc(4100);
    memset(subj, 'a', 4096);
    strcpy(subj + 4096, "!");
    /* the bound is PCRE2's match limit, not a clock: the search stops with TS_LIMIT and
     * PCRE2's own "... limit exceeded" message */
    msg[0] = '\0';
    assert_int_equal(search(c, "(a+)+$", subj, &m, msg), TS_LIMIT);
    assert_non_null(strstr(msg, "limit"));
    msg[0] = '\0';
    assert_int_equal(search(c, "(a|a)*\\d", subj, &m, msg), TS_LIMIT);
    assert_non_null(strstr(msg, "limit"));
    assert_int_equal(search(c, "(a|a)*b", subj, &m, msg),
                     TS_OK); /* no "b": pcre2 skips the search */
    assert_false(m.found);
    free(subj);
    /* pattern and subject caps */
    size_t big = TS_LIMIT_REGEX_PATTERN + 1;
    char *bp = malloc(big + 1);
    memset(bp, 'a', big);
    bp[big] = '\0';
    assert_int_equal(search(c, bp, "a", &m, msg), TS_LIMIT);
    assert_non_null(strstr(msg, "pattern longer"));
    free(bp);
    size_t bs = TS_LIMIT_REGEX_SUBJECT + 1;
    char *sb = malloc(bs + 1);
    memset(sb, 'a', bs);
    sb[bs] = '\0';
    assert_int_equal(search(c, "a", sb, &m, msg), TS_LIMIT);
    assert_non_null(strstr(msg, "subject longer"));
    free(sb);
}

static void test_cache_bounded(void **state)
{
    ts_regex_cache *c = *state; /* cap 4 */
    ts_regex_match m;
    char msg[200], pat[16];
    for (int i = 0; i < 20; i++) {
        snprintf(pat, sizeof pat, "x%d", i);
        assert_int_equal(search(c, pat, "x19", &m, msg), TS_OK);
        assert_true(ts__regex_cache_size(c) <= 4);
    }
    assert_true(m.found);
    /* a hit keeps an entry, repeated use of the same pattern is stable */
    for (int i = 0; i < 10; i++) {
        assert_int_equal(search(c, "x19", "x19", &m, msg), TS_OK);
        assert_true(m.found);
    }
    assert_int_equal(ts__regex_cache_size(c), 4);
    (void)ts__regex_jit_active(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_match_and_capture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_patterns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
