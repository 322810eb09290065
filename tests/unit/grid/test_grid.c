/* tests/unit/grid/test_grid.c — the grid file: structure, file order, officers, Chinese
 * names, code lookup, scope resolution and every validation error with its location. */
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

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/ts_grid_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The fixture: $TS_SOURCE_DIR/tests/unit/grid/data/grid.yaml, else next to this file. */
static const char *fixture(void)
{
    static char path[1024];
    const char *src = getenv("TS_SOURCE_DIR");
    if (src) {
        snprintf(path, sizeof path, "%s/tests/unit/grid/data/grid.yaml", src);
    } else {
        snprintf(path, sizeof path, "%s", __FILE__);
        char *slash = strrchr(path, '/');
        snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0),
                 "data/grid.yaml");
    }
    return path;
}

static ts_grid *load_fixture(void)
{
    ts_grid *g = NULL;
    ts_err err;
    ts_status rc = ts_grid_load(fixture(), &g, &err);
    if (rc != TS_OK)
        print_error("%s: %s\n", err.where, err.msg);
    assert_int_equal(rc, TS_OK);
    return g;
}

static void refused(const char *text, ts_status code, const char *linecol, const char *msg)
{
    char path[256];
    snprintf(path, sizeof path, "%s/bad.yaml", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    char where[300];
    snprintf(where, sizeof where, "%s:%s", path, linecol);
    ts_grid *g = NULL;
    ts_err err;
    /* every load failure but exhaustion is TS_CONFIG (exit 2); the message keeps
     * the detail */
    code = code == TS_NOMEM ? code : TS_CONFIG;
    ts_status rc = ts_grid_load(path, &g, &err);
    if (rc != code || strcmp(err.where, where) != 0 || strcmp(err.msg, msg) != 0)
        print_error("input %s\n  got %s %s: %s\n  want %s %s: %s\n", text, ts_status_name(rc),
                    err.where, err.msg, ts_status_name(code), where, msg);
    assert_null(g);
    assert_int_equal(rc, code);
    assert_string_equal(err.where, where);
    assert_string_equal(err.msg, msg);
}

static void test_load(void **state)
{
    (void)state;
    ts_grid *g = load_fixture();
    assert_string_equal(ts_grid_county(g), "清河县");
    assert_int_equal(ts_grid_count(g), 8);
    static const char *const order[] = {"T01",     "T01-V01",     "T01-V01-G01", "T01-V01-G02",
                                        "T01-V02", "T01-V02-G01", "T02",         "T03"};
    for (size_t i = 0; i < 8; i++) {
        const ts_cell *c = ts_grid_cell(g, i);
        assert_string_equal(c->code, order[i]);
        assert_int_equal(c->index, i);
    }
    assert_null(ts_grid_cell(g, 8));

    const ts_cell *t01 = ts_grid_cell(g, 0);
    assert_int_equal(t01->level, TS_CELL_TOWN);
    assert_null(t01->parent);
    assert_string_equal(t01->name, "河东镇");
    assert_int_equal(t01->line, 7);
    assert_int_equal(t01->n_officers, 1);
    assert_string_equal(t01->officers[0].id, "o-t01");
    assert_string_equal(t01->officers[0].name, "王芳");

    const ts_cell *v01 = ts_grid_cell(g, 1);
    assert_int_equal(v01->level, TS_CELL_VILLAGE);
    assert_ptr_equal(v01->parent, t01);
    assert_string_equal(v01->name, "东岸村");
    assert_int_equal(v01->n_officers, 2);
    assert_string_equal(v01->officers[1].id, "o-t01-v01b");
    assert_string_equal(v01->officers[1].name, "");

    const ts_cell *g02 = ts_grid_cell(g, 3);
    assert_int_equal(g02->level, TS_CELL_GROUP);
    assert_ptr_equal(g02->parent, v01);
    assert_string_equal(g02->name, "二组");
    assert_int_equal(g02->n_officers, 0);
    assert_null(g02->officers);

    const ts_cell *v02g01 = ts_grid_cell(g, 5);
    assert_string_equal(v02g01->name, "");
    assert_string_equal(ts_grid_cell(g, 6)->name, "Riverside");
    assert_string_equal(ts_grid_cell(g, 7)->code, "T03");
    ts_grid_free(g);
    ts_grid_free(NULL);
}

static void test_find_and_scope(void **state)
{
    (void)state;
    ts_grid *g = load_fixture();
    for (size_t i = 0; i < ts_grid_count(g); i++)
        assert_ptr_equal(ts_grid_find(g, ts_grid_cell(g, i)->code), ts_grid_cell(g, i));
    assert_null(ts_grid_find(g, "T04"));
    assert_null(ts_grid_find(g, "t01"));
    assert_null(ts_grid_find(g, ""));

    const ts_cell *s = (const ts_cell *)1;
    ts_err err;
    assert_int_equal(ts_grid_scope(g, "all", &s, &err), TS_OK);
    assert_null(s);
    assert_int_equal(ts_grid_scope(g, "T01-V01", &s, &err), TS_OK);
    assert_string_equal(s->code, "T01-V01");
    const ts_cell *keep = s;
    assert_int_equal(ts_grid_scope(g, "T09", &s, &err), TS_NOTFOUND);
    assert_ptr_equal(s, keep); /* outputs are written only on success */
    assert_string_equal(err.msg, "unknown grid cell 'T09'");

    const ts_cell *t01 = ts_grid_find(g, "T01"), *v01 = ts_grid_find(g, "T01-V01"),
                  *g01 = ts_grid_find(g, "T01-V01-G01"), *v02g = ts_grid_find(g, "T01-V02-G01"),
                  *t02 = ts_grid_find(g, "T02");
    assert_true(ts_grid_in_scope(g01, NULL));
    assert_true(ts_grid_in_scope(g01, g01));
    assert_true(ts_grid_in_scope(g01, v01));
    assert_true(ts_grid_in_scope(g01, t01));
    assert_true(ts_grid_in_scope(v02g, t01));
    assert_false(ts_grid_in_scope(v02g, v01));
    assert_false(ts_grid_in_scope(t01, v01));
    assert_false(ts_grid_in_scope(g01, t02));

    assert_ptr_equal(ts_grid_ancestor(g01, TS_CELL_TOWN), t01);
    assert_ptr_equal(ts_grid_ancestor(g01, TS_CELL_VILLAGE), v01);
    assert_ptr_equal(ts_grid_ancestor(g01, TS_CELL_GROUP), g01);
    assert_null(ts_grid_ancestor(t01, TS_CELL_VILLAGE));
    assert_null(ts_grid_ancestor(NULL, TS_CELL_TOWN));
    ts_grid_free(g);
}

static void test_many_cells(void **state)
{
    (void)state;
    /* enough cells to exercise hash collisions and table sizing */
    char path[256];
    snprintf(path, sizeof path, "%s/big.yaml", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "county: Big\ntowns:\n");
    for (int t = 0; t < 20; t++) {
        fprintf(f, "  - code: T%02d\n    villages:\n", t);
        for (int v = 0; v < 10; v++) {
            fprintf(f, "      - code: T%02d-V%02d\n        groups:\n", t, v);
            for (int gr = 0; gr < 10; gr++)
                fprintf(f, "          - {code: T%02d-V%02d-G%02d, name: 第%d组}\n", t, v, gr, gr);
        }
    }
    fclose(f);
    ts_grid *g = NULL;
    ts_err err;
    assert_int_equal(ts_grid_load(path, &g, &err), TS_OK);
    assert_int_equal(ts_grid_count(g), 20 + 200 + 2000);
    const ts_cell *c = ts_grid_find(g, "T13-V07-G04");
    assert_non_null(c);
    assert_string_equal(c->name, "第4组");
    assert_string_equal(c->parent->parent->code, "T13");
    for (size_t i = 0; i < ts_grid_count(g); i++)
        assert_ptr_equal(ts_grid_find(g, ts_grid_cell(g, i)->code), ts_grid_cell(g, i));
    ts_grid_free(g);
}

static void test_errors(void **state)
{
    (void)state;
    refused("towns: [{code: T01}]\n", TS_CONFIG, "1:1", "county: missing required key");
    refused("county: ~\ntowns: [{code: T01}]\n", TS_CONFIG, "1:9",
            "county: expected a string, got null");
    refused("county: C\n", TS_CONFIG, "1:1", "towns: missing required key");
    refused("county: C\ntowns: []\n", TS_CONFIG, "2:8", "towns: the grid needs at least one town");
    refused("county: C\ntowns: {code: T01}\n", TS_CONFIG, "2:8",
            "towns: expected a list, got a mapping");
    refused("county: C\nregion: x\ntowns: [{code: T01}]\n", TS_CONFIG, "2:1",
            "region: unknown key (expected county, officers, towns)");
    refused("county: C\ntowns:\n  - name: 河东镇\n", TS_CONFIG, "3:5",
            "towns[0]: missing required key 'code'");
    refused("county: C\ntowns:\n  - T01\n", TS_CONFIG, "3:5",
            "towns[0]: expected a mapping with a code, got a scalar");
    refused("county: C\ntowns:\n  - code: ''\n", TS_CONFIG, "3:11",
            "towns[0].code: must not be empty");
    refused("county: C\ntowns:\n  - code: T 01\n", TS_CONFIG, "3:11",
            "towns[0].code: 'T 01' may contain only letters A-Z a-z, digits, '-' and '_'");
    refused("county: C\ntowns:\n  - code: 河东\n", TS_CONFIG, "3:11",
            "towns[0].code: '河东' may contain only letters A-Z a-z, digits, '-' and '_'");
    refused("county: C\ntowns:\n  - code: "
            "T0123456789012345678901234567890123456789012345678901234567890123\n",
            TS_CONFIG, "3:11", "towns[0].code: longer than 64 bytes");
    refused("county: C\ntowns:\n  - code: all\n", TS_CONFIG, "3:11",
            "towns[0].code: 'all' is reserved for the whole county");
    refused("county: C\ntowns:\n  - code: T01\n    colour: red\n", TS_CONFIG, "4:5",
            "towns[0].colour: unknown key (expected code, name, officers, villages)");
    refused("county: C\ntowns:\n  - code: T01\n    groups: []\n", TS_CONFIG, "4:5",
            "towns[0].groups: unknown key (expected code, name, officers, villages)");
    refused("county: C\ntowns:\n  - code: T01\n    villages:\n      - code: T01-V01\n"
            "        groups:\n          - code: T01-V01-G01\n            villages: []\n",
            TS_CONFIG, "8:13",
            "towns[0].villages[0].groups[0].villages: unknown key (expected code, name, "
            "officers)");
    refused("county: C\ntowns:\n  - code: T01\n  - code: T02\n  - code: T01\n", TS_CONFIG, "5:11",
            "towns[2].code: duplicate code 'T01' (first used on line 3)");
    refused("county: C\ntowns:\n  - code: T01\n    villages:\n      - code: T02-V01\n", TS_CONFIG,
            "5:15",
            "towns[0].villages[0].code: 'T02-V01' must start with its parent's code 'T01' (and "
            "be longer)");
    refused("county: C\ntowns:\n  - code: T01\n    villages:\n      - code: T01\n", TS_CONFIG,
            "5:15",
            "towns[0].villages[0].code: 'T01' must start with its parent's code 'T01' (and be "
            "longer)");
    refused("county: C\ntowns:\n  - code: T01\n    villages: [{code: T01-V1, groups: "
            "[{code: T01-V1-G1}, {code: T01-V1-G1}]}]\n",
            TS_CONFIG, "4:66",
            "towns[0].villages[0].groups[1].code: duplicate code 'T01-V1-G1' (first used on line "
            "4)");
    refused("county: C\ntowns:\n  - code: T01\n    name: [a]\n", TS_CONFIG, "4:11",
            "towns[0].name: expected a string, got a list");
    refused("county: C\ntowns:\n  - code: T01\n    name: \"a\\0b\"\n", TS_CONFIG, "4:11",
            "towns[0].name: expected a string, got a scalar");
    refused("county: C\ntowns:\n  - code: T01\n    officers: o-1\n", TS_CONFIG, "4:15",
            "towns[0].officers: expected a list of {id, name}, got a scalar");
    refused("county: C\ntowns:\n  - code: T01\n    officers: [{name: 王芳}]\n", TS_CONFIG, "4:16",
            "towns[0].officers[0]: missing required key 'id'");
    refused("county: C\ntowns:\n  - code: T01\n    officers: [{id: ''}]\n", TS_CONFIG, "4:21",
            "towns[0].officers[0].id: must not be empty");
    refused("county: C\ntowns:\n  - code: T01\n    officers: [{id: a, phone: 1}]\n", TS_CONFIG,
            "4:24", "towns[0].officers[0].phone: unknown key (expected id, name)");
    refused("county: C\ntowns:\n  - code: T01\n    officers: [{id: a}, {id: a}]\n", TS_CONFIG,
            "4:25", "towns[0].officers[1].id: duplicate officer 'a' in this cell");
    /* YAML-level refusals come through with their own codes and locations */
    refused("county: C\ncounty: D\ntowns: [{code: T01}]\n", TS_PARSE, "2:1",
            "duplicate key 'county' (first at 1:1)");
    refused("", TS_PARSE, "1:1", "empty stream: no YAML document");
    refused("[a]\n", TS_CONFIG, "1:1",
            "expected a mapping with county and towns at the top level, got a list");
}

static void test_officers(void **state)
{
    (void)state;
    ts_grid *g = load_fixture();
    const ts_officer *desk = (const ts_officer *)1;
    assert_int_equal(ts_grid_county_officers(g, &desk), 2);
    assert_string_equal(desk[0].id, "o-county");
    assert_string_equal(desk[0].name, "县综治中心");
    assert_string_equal(desk[1].id, "o-county-night");
    assert_string_equal(desk[1].name, "");
    assert_int_equal(ts_grid_county_officers(g, NULL), 2);

    const ts_cell *t01 = ts_grid_find(g, "T01"), *v01 = ts_grid_find(g, "T01-V01"),
                  *g01 = ts_grid_find(g, "T01-V01-G01"), *g02 = ts_grid_find(g, "T01-V01-G02"),
                  *v02 = ts_grid_find(g, "T01-V02"), *t02 = ts_grid_find(g, "T02");
    /* every officer of the file is found, with its cell (NULL: the county desk) */
    const ts_cell *cell = (const ts_cell *)1;
    const ts_officer *o = ts_grid_officer(g, "o-county", &cell);
    assert_ptr_equal(o, &desk[0]);
    assert_null(cell);
    assert_ptr_equal(ts_grid_officer(g, "o-county-night", NULL), &desk[1]);
    o = ts_grid_officer(g, "o-t01", &cell);
    assert_ptr_equal(o, &t01->officers[0]);
    assert_ptr_equal(cell, t01);
    o = ts_grid_officer(g, "o-t01-v01b", &cell);
    assert_ptr_equal(o, &v01->officers[1]);
    assert_ptr_equal(cell, v01);
    o = ts_grid_officer(g, "o-t01-v01-g01", &cell);
    assert_string_equal(o->name, "张伟");
    assert_ptr_equal(cell, g01);
    /* unknown ids leave *cell alone */
    cell = g02;
    assert_null(ts_grid_officer(g, "ghost", &cell));
    assert_null(ts_grid_officer(g, "o-t01-v01-g0", &cell));
    assert_null(ts_grid_officer(g, "O-T01", &cell));
    assert_null(ts_grid_officer(g, "", &cell));
    assert_null(ts_grid_officer(g, NULL, &cell));
    assert_ptr_equal(cell, g02);
    assert_null(ts_grid_officer(NULL, "o-t01", &cell));
    for (size_t i = 0; i < ts_grid_count(g); i++) {
        const ts_cell *c = ts_grid_cell(g, i);
        for (size_t k = 0; k < c->n_officers; k++) {
            assert_ptr_equal(ts_grid_officer(g, c->officers[k].id, &cell), &c->officers[k]);
            assert_ptr_equal(cell, c);
        }
    }

    /* the county desk covers everything, even a cell outside the grid */
    assert_true(ts_grid_officer_covers(NULL, g01));
    assert_true(ts_grid_officer_covers(NULL, t02));
    assert_true(ts_grid_officer_covers(NULL, NULL));
    /* an officer covers their cell and what lies under it */
    assert_true(ts_grid_officer_covers(t01, t01));
    assert_true(ts_grid_officer_covers(t01, g02));
    assert_true(ts_grid_officer_covers(v01, g01));
    assert_true(ts_grid_officer_covers(g01, g01));
    assert_false(ts_grid_officer_covers(g01, g02));
    assert_false(ts_grid_officer_covers(g01, v01));
    assert_false(ts_grid_officer_covers(v01, t01));
    assert_false(ts_grid_officer_covers(v01, v02));
    assert_false(ts_grid_officer_covers(t01, t02));
    assert_false(ts_grid_officer_covers(t01, NULL));
    ts_grid_free(g);

    const ts_officer *none = (const ts_officer *)1;
    assert_int_equal(ts_grid_county_officers(NULL, &none), 0);
    assert_null(none);
}

/* A grid without a county desk, and officers by the thousand (the sorted index). */
static void test_officers_many(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/many.yaml", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fprintf(f, "county: Big\ntowns:\n");
    for (int t = 0; t < 10; t++) {
        fprintf(f, "  - code: T%02d\n    officers: [{id: o-%02d}]\n    villages:\n", t, t);
        for (int v = 0; v < 10; v++) {
            fprintf(f, "      - code: T%02d-V%02d\n        groups:\n", t, v);
            for (int gr = 0; gr < 10; gr++)
                fprintf(f,
                        "          - code: T%02d-V%02d-G%02d\n            officers: [{id: "
                        "z%02d.%02d.%02d}, {id: a_%02d_%02d_%02d}]\n",
                        t, v, gr, t, v, gr, gr, v, t);
        }
    }
    fclose(f);
    ts_grid *g = NULL;
    ts_err err;
    assert_int_equal(ts_grid_load(path, &g, &err), TS_OK);
    const ts_officer *desk = (const ts_officer *)1;
    assert_int_equal(ts_grid_county_officers(g, &desk), 0);
    const ts_cell *cell = NULL;
    const ts_officer *o = ts_grid_officer(g, "z07.03.09", &cell);
    assert_non_null(o);
    assert_string_equal(o->id, "z07.03.09");
    assert_string_equal(cell->code, "T07-V03-G09");
    o = ts_grid_officer(g, "a_09_03_07", &cell);
    assert_non_null(o);
    assert_string_equal(cell->code, "T07-V03-G09");
    assert_non_null(ts_grid_officer(g, "o-00", &cell));
    assert_string_equal(cell->code, "T00");
    assert_null(ts_grid_officer(g, "o-10", &cell));
    for (size_t i = 0; i < ts_grid_count(g); i++) {
        const ts_cell *c = ts_grid_cell(g, i);
        for (size_t k = 0; k < c->n_officers; k++)
            assert_ptr_equal(ts_grid_officer(g, c->officers[k].id, NULL), &c->officers[k]);
    }
    ts_grid_free(g);
}

static void test_officer_errors(void **state)
{
    (void)state;
    /* the county desk's list has the shape of a cell's */
    refused("county: C\nofficers: o-county\ntowns: [{code: T01}]\n", TS_CONFIG, "2:11",
            "officers: expected a list of {id, name}, got a scalar");
    refused("county: C\nofficers: [{name: 县}]\ntowns: [{code: T01}]\n", TS_CONFIG, "2:12",
            "officers[0]: missing required key 'id'");
    refused("county: C\nofficers: [{id: x, role: desk}]\ntowns: [{code: T01}]\n", TS_CONFIG, "2:20",
            "officers[0].role: unknown key (expected id, name)");
    refused("county: C\nofficers: [{id: ''}]\ntowns: [{code: T01}]\n", TS_CONFIG, "2:17",
            "officers[0].id: must not be empty");
    refused("county: C\nofficers: [{id: [a]}]\ntowns: [{code: T01}]\n", TS_CONFIG, "2:17",
            "officers[0].id: expected a string, got a list");
    refused("county: C\nofficers: [{id: ~}]\ntowns: [{code: T01}]\n", TS_CONFIG, "2:17",
            "officers[0].id: expected a string, got null");
    /* bad ids: spaces, control bytes, non-ASCII, over-long */
    refused("county: C\nofficers: [{id: 'o county'}]\ntowns: [{code: T01}]\n", TS_CONFIG, "2:17",
            "officers[0].id: 'o county' may contain only letters A-Z a-z, digits, '-', '_' and "
            "'.'");
    refused("county: C\ntowns:\n  - code: T01\n    officers: [{id: \"o\\e[31m\"}]\n", TS_CONFIG,
            "4:21",
            "towns[0].officers[0].id: 'o\x1b[31m' may contain only letters A-Z a-z, digits, "
            "'-', '_' and '.'");
    refused("county: C\ntowns:\n  - code: T01\n    officers: [{id: 王芳}]\n", TS_CONFIG, "4:21",
            "towns[0].officers[0].id: '王芳' may contain only letters A-Z a-z, digits, '-', '_' "
            "and '.'");
    refused("county: C\nofficers: "
            "[{id: o1234567890123456789012345678901234567890123456789012345678901234}]\n"
            "towns: [{code: T01}]\n",
            TS_CONFIG, "2:17", "officers[0].id: longer than 64 bytes");
    /* ids are unique across the whole file, the county desk included */
    refused("county: C\nofficers: [{id: a}, {id: a}]\ntowns: [{code: T01}]\n", TS_CONFIG, "2:21",
            "officers[1].id: duplicate officer 'a' in this cell");
    refused("county: C\nofficers: [{id: o-1}]\ntowns:\n  - code: T01\n"
            "    officers: [{id: o-1}]\n",
            TS_CONFIG, "5:21",
            "officers of T01: duplicate officer id 'o-1' (first used on line 2, by the county "
            "desk); ids are unique across the grid file");
    /* the first use is the one earlier in the file, even when the desk comes last */
    refused("county: C\ntowns:\n  - code: T01\n    officers: [{id: o-1}]\n"
            "officers: [{id: o-1}]\n",
            TS_CONFIG, "5:17",
            "officers of the county desk: duplicate officer id 'o-1' (first used on line 4, by "
            "T01); ids are unique across the grid file");
    refused("county: C\ntowns:\n  - code: T01\n    villages:\n"
            "      - {code: T01-V1, officers: [{id: b}, {id: x}]}\n"
            "      - {code: T01-V2, officers: [{id: x}]}\n"
            "      - {code: T01-V3, officers: [{id: b}]}\n",
            TS_CONFIG, "6:40",
            "officers of T01-V2: duplicate officer id 'x' (first used on line 5, by T01-V1); ids "
            "are unique across the grid file");
    /* an alias repeats the same officers in two cells: refused too */
    refused("county: C\ntowns:\n  - {code: T01, officers: &o [{id: o-1}]}\n"
            "  - {code: T02, officers: *o}\n",
            TS_CONFIG, "3:36",
            "officers of T02: duplicate officer id 'o-1' (first used on line 3, by T01); ids are "
            "unique across the grid file");
}

static void test_missing_file(void **state)
{
    (void)state;
    ts_grid *g = NULL;
    ts_err err;
    assert_int_equal(ts_grid_load("/nonexistent/grid.yaml", &g, &err), TS_CONFIG);
    assert_null(g);
    assert_string_equal(err.where, "/nonexistent/grid.yaml");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load),          cmocka_unit_test(test_find_and_scope),
        cmocka_unit_test(test_many_cells),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),  cmocka_unit_test(test_officers),
        cmocka_unit_test(test_officers_many), cmocka_unit_test(test_officer_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
