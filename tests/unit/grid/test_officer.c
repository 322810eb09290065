/* tests/unit/grid/test_officer.c — ts_officer_check (triscreen/officer.h): officers of
 * the grid pass with their cell, anyone else is refused with TS_USAGE and a message that
 * is safe to print whatever the id holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "triscreen/grid.h"
#include "triscreen/officer.h"

static char g_path[64];
static ts_grid *g_grid;

static int setup(void **state)
{
    (void)state;
    strcpy(g_path, "/tmp/ts_officer_XXXXXX");
    int fd = mkstemp(g_path);
    if (fd < 0)
        return -1;
    static const char text[] = "county: C\n"
                               "officers: [{id: o-county, name: 县综治中心}]\n"
                               "towns:\n"
                               "  - code: T01\n"
                               "    officers: [{id: o-t01}]\n"
                               "    villages:\n"
                               "      - code: T01-V01\n"
                               "        groups:\n"
                               "          - code: T01-V01-G01\n"
                               "            officers: [{id: o-g01, name: 张伟}]\n";
    ssize_t w = write(fd, text, sizeof text - 1);
    close(fd);
    if (w != (ssize_t)(sizeof text - 1))
        return -1;
    ts_err err;
    return ts_grid_load(g_path, &g_grid, &err) == TS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ts_grid_free(g_grid);
    return unlink(g_path);
}

static void test_officers_pass(void **state)
{
    (void)state;
    ts_err err;
    const ts_cell *cell = (const ts_cell *)1;
    assert_int_equal(ts_officer_check(g_grid, "o-g01", "--by", &cell, &err), TS_OK);
    assert_string_equal(cell->code, "T01-V01-G01");
    assert_int_equal(ts_officer_check(g_grid, "o-t01", "--by", &cell, &err), TS_OK);
    assert_string_equal(cell->code, "T01");
    assert_int_equal(ts_officer_check(g_grid, "o-county", "--by", &cell, &err), TS_OK);
    assert_null(cell); /* the county desk */
    assert_int_equal(ts_officer_check(g_grid, "o-g01", NULL, NULL, NULL), TS_OK);
}

/* Refused with TS_USAGE, err naming the field and the (printable) id; *cell untouched. */
static void refused(const char *id, const char *what, const char *where, const char *msg)
{
    ts_err err;
    ts_err_clear(&err);
    const ts_cell *cell = (const ts_cell *)1;
    assert_int_equal(ts_officer_check(g_grid, id, what, &cell, &err), TS_USAGE);
    assert_ptr_equal(cell, (const ts_cell *)1);
    assert_int_equal(err.code, TS_USAGE);
    if (strcmp(err.where, where) || strcmp(err.msg, msg))
        print_error("got %s: %s\nwant %s: %s\n", err.where, err.msg, where, msg);
    assert_string_equal(err.where, where);
    assert_string_equal(err.msg, msg);
}

static void test_others_refused(void **state)
{
    (void)state;
    refused("ghost", "--by", "--by", "'ghost' is not an officer of the grid");
    refused("", "--by", "--by", "'' is not an officer of the grid");
    refused(NULL, "--by", "--by", "'' is not an officer of the grid");
    refused("ghost", NULL, "officer", "'ghost' is not an officer of the grid");
    /* a cell code, a prefix, another case: not officers */
    refused("T01", "--by", "--by", "'T01' is not an officer of the grid");
    refused("o-g0", "--by", "--by", "'o-g0' is not an officer of the grid");
    refused("O-G01", "token.officer", "token.officer", "'O-G01' is not an officer of the grid");
    /* hostile ids are printed safely: controls and bad bytes escaped, UTF-8 kept, C1
     * controls escaped, long ids cut */
    refused("o\x1b[2J\r\n", "--by", "--by", "'o\\x1B[2J\\x0D\\x0A' is not an officer of the grid");
    refused("o\xff\xfe-x", "--by", "--by", "'o\\xFF\\xFE-x' is not an officer of the grid");
    refused("张伟", "--by", "--by", "'张伟' is not an officer of the grid");
    refused("a\xc2\x9b"
            "1m",
            "--by", "--by", "'a\\xC2\\x9B1m' is not an officer of the grid");
    refused("a\xe2\x80\xae"
            "b\xe2\x81\xa6"
            "c\xe2\x80\x8b"
            "d\xef\xbb\xbf",
            "--by", "--by",
            "'a\\xE2\\x80\\xAEb\\xE2\\x81\\xA6c\\xE2\\x80\\x8Bd\\xEF\\xBB\\xBF' is not an officer "
            "of the grid");
    refused("\xe2\x80\x94\xe2\x80\xa6", "--by", "--by",
            "'\xe2\x80\x94\xe2\x80\xa6' is not an officer of the grid");
    refused("\xe5\xbc", "--by", "--by", "'\\xE5\\xBC' is not an officer of the grid");
    refused("\x7f", "--by", "--by", "'\\x7F' is not an officer of the grid");
    char longid[200];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    char want[200];
    snprintf(want, sizeof want, "'%.64s...' is not an officer of the grid", longid);
    refused(longid, "--by", "--by", want);
    /* a 4-byte character cut by the 64-byte cap is escaped, never split */
    char cut[80];
    memset(cut, 'y', 62);
    memcpy(cut + 62, "\xf0\x9f\x98\x80z", 6);
    snprintf(want, sizeof want, "'%.62s\\xF0\\x9F...' is not an officer of the grid", cut);
    refused(cut, "--by", "--by", want);
    /* no grid: nobody is an officer */
    ts_err err;
    assert_int_equal(ts_officer_check(NULL, "o-g01", "--by", NULL, &err), TS_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_officers_pass),
        cmocka_unit_test(test_others_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
