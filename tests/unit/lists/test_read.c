/* tests/unit/lists/test_read.c — the typed read side (triscreen/lists.h) on a temporary
 * store (not `:memory:`: ts_store_open creates the path as a file first). The scope is
 * part of the SQL: a person of a sibling cell whose code shares the scope's prefix, or of
 * a cell the grid does not know, is never returned. The documented orders. The dossier
 * for a scoped reader: the circle keeps only visible persons, the others counted (how
 * many, highest colour) with reveal=count and not at all with reveal=none, a link
 * through an unseen person is not shown, the record's relations are filtered, and
 * evidence naming an unseen member is rendered from its parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "lists/lists_fx.h"
#include "triscreen/grid.h"
#include "triscreen/lists.h"
#include "triscreen/record.h"
#include "triscreen/store.h"
#include "lists/redact.h"
#include "store/store_int.h"

/* T01-V01 and T01-V010 are siblings whose codes share a prefix. */
static const char grid_yaml[] = "county: Test County\n"
                                "towns:\n"
                                "  - code: T01\n"
                                "    villages:\n"
                                "      - code: T01-V01\n"
                                "        groups:\n"
                                "          - code: T01-V01-G01\n"
                                "      - code: T01-V010\n"
                                "        groups:\n"
                                "          - code: T01-V010-G01\n"
                                "  - code: T02\n"
                                "    villages:\n"
                                "      - code: T02-V01\n"
                                "        groups:\n"
                                "          - code: T02-V01-G01\n";

/* A (T01-V01) — B (T01-V01), A — X (T02, red), A — Q (not imported); X — Y (T01-V01, blue),
 * X — Z (T02, yellow), B — W (T01-V010). S is in T01-V010, U in a cell the grid lacks. */
static const char *const persons[] = {
    "{\"id\":\"A\",\"grid\":\"T01-V01-G01\",\"relations\":[{\"id\":\"B\",\"kind\":\"family\"},"
    "{\"id\":\"X\",\"kind\":\"friend\"},{\"id\":\"Q\",\"kind\":\"neighbour\"}]}",
    "{\"id\":\"B\",\"grid\":\"T01-V01-G01\",\"relations\":[{\"id\":\"W\",\"kind\":\"friend\"}]}",
    "{\"id\":\"X\",\"grid\":\"T02-V01-G01\",\"relations\":[{\"id\":\"Y\",\"kind\":\"colleague\"},"
    "{\"id\":\"Z\",\"kind\":\"family\"}]}",
    "{\"id\":\"Y\",\"grid\":\"T01-V01-G01\"}",
    "{\"id\":\"Z\",\"grid\":\"T02-V01-G01\"}",
    "{\"id\":\"W\",\"grid\":\"T01-V010-G01\"}",
    "{\"id\":\"S\",\"grid\":\"T01-V010-G01\"}",
    "{\"id\":\"U\",\"grid\":\"T09-V01-G01\"}",
};

static const char fixture_sql[] =
    "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status) VALUES"
    " (1, 'full', 'all', '2026-11-01', 'h', 'c', 't', 'done');"
    "INSERT INTO ledger(person, run, grid, suspect, gaps, rules, seq) VALUES"
    " ('A', 1, 'T01-V01-G01', 1, '[\"gap.born\"]', '[{\"id\":\"r.a\",\"evidence\":\"e\"}]', 1),"
    " ('S', 1, 'T01-V010-G01', 1, '[]', '[]', 2), ('U', 1, 'T09-V01-G01', 0, '[]', '[]', 3);"
    "INSERT INTO list_members(person, colour, score, since, run, reasons, engine_colour,"
    " next_review) VALUES"
    " ('A', 'yellow', 40, '2026-11-01', 1, '[{\"id\":\"r.friend\",\"evidence\":\"friend X is red\","
    "  \"parts\":[\"friend \",{\"member\":\"X\",\"relation\":\"friend\",\"grid\":\"T02-V01-G01\","
    "  \"text\":\"X\"},\" is red\"]}]', 'yellow', '2026-11-08'),"
    " ('B', 'red', 70, '2026-11-01', 1, '[\"r.bare\"]', 'red', '2026-11-09'),"
    " ('X', 'red', 90, '2026-11-01', 1, '[]', 'red', '2026-11-03'),"
    " ('Y', 'blue', 10, '2026-11-01', 1, '[]', 'blue', '2026-11-09'),"
    " ('Z', 'yellow', 30, '2026-11-01', 1, '[]', 'yellow', NULL),"
    " ('S', 'red', 99, '2026-11-01', 1, '[]', 'red', '2026-11-02'),"
    " ('U', 'red', 99, '2026-11-01', 1, '[]', 'red', '2026-11-02'),"
    " ('GONE', 'blue', 5, '2026-11-01', 1, '[]', 'blue', NULL);";

typedef struct fixture {
    ts_store *s;
    ts_grid *g;
    char dir[64], gpath[96], db[96];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ts-read-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->gpath, sizeof f->gpath, "%s/grid.yaml", f->dir);
    snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    FILE *gf = fopen(f->gpath, "w");
    assert_non_null(gf);
    assert_int_equal(fputs(grid_yaml, gf) >= 0, 1);
    fclose(gf);
    lists_fx_open(f->gpath, f->db, persons, sizeof persons / sizeof persons[0], &f->g, &f->s);
    assert_int_equal(sqlite3_exec(f->s->db, fixture_sql, NULL, NULL, NULL), SQLITE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_store_close(f->s);
    ts_grid_free(f->g);
    const char *const suffix[] = {"/t.db", "/t.db-wal", "/t.db-shm", "/grid.yaml"};
    char path[128];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", f->dir, suffix[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static const ts_cell *cell(fixture *f, const char *code)
{
    const ts_cell *c = ts_grid_find(f->g, code);
    assert_non_null(c);
    return c;
}

/* The ids the row callbacks saw, joined with spaces. */
typedef struct seen {
    char ids[256];
} seen;

static void add_id(seen *v, const char *id)
{
    size_t len = strlen(v->ids);
    snprintf(v->ids + len, sizeof v->ids - len, "%s%s", len ? " " : "", id);
}

static ts_status list_cb(void *ud, const ts_list_entry *e, ts_err *err)
{
    add_id(ud, e->person);
    return TS_OK;
}

static ts_status ledger_cb(void *ud, const ts_ledger_entry *e, ts_err *err)
{
    add_id(ud, e->person);
    return TS_OK;
}

static ts_status due_cb(void *ud, const ts_due_entry *e, ts_err *err)
{
    add_id(ud, e->person);
    return TS_OK;
}

static const char *lists(fixture *f, ts_colour colour, const char *scope, seen *v)
{
    memset(v, 0, sizeof *v);
    ts_err err;
    assert_int_equal(
        ts_lists_query(f->s, f->g, colour, scope ? cell(f, scope) : NULL, list_cb, v, &err), TS_OK);
    return v->ids;
}

static void test_lists_scope_in_sql(void **state)
{
    fixture *f = *state;
    seen v;
    /* red → yellow → blue, then grid, then id; unscoped includes the unknown cell and the
     * member without a record */
    assert_string_equal(lists(f, TS_COLOUR_NONE, NULL, &v), "B S X U A Z GONE Y");
    /* T01-V01 is not a prefix match: S (T01-V010) is never returned, nor U nor GONE */
    assert_string_equal(lists(f, TS_COLOUR_NONE, "T01-V01", &v), "B A Y");
    assert_string_equal(lists(f, TS_COLOUR_NONE, "T01-V010", &v), "S");
    assert_string_equal(lists(f, TS_COLOUR_NONE, "T01", &v), "B S A Y");
    assert_string_equal(lists(f, TS_COLOUR_RED, "T02", &v), "X");
    assert_string_equal(lists(f, TS_COLOUR_BLUE, "T02", &v), "");
}

/* Checks the typed fields of two entries as they come. */
static ts_status fields_cb(void *ud, const ts_list_entry *e, ts_err *err)
{
    int *checked = ud;
    if (!strcmp(e->person, "A")) {
        assert_int_equal(e->colour, TS_COLOUR_YELLOW);
        assert_string_equal(e->grid, "T01-V01-G01");
        assert_int_equal(e->score, 40);
        assert_string_equal(e->next_review, "2026-11-08");
        assert_null(e->override_colour);
        assert_int_equal(e->n_rules, 1);
        assert_string_equal(e->rules[0].id, "r.friend");
        assert_string_equal(e->rules[0].evidence, "friend X is red"); /* unredacted */
        (*checked)++;
    } else if (!strcmp(e->person, "B")) {
        assert_int_equal(e->n_rules, 1);
        assert_true(e->rules[0].bare);
        assert_string_equal(e->rules[0].id, "r.bare");
        (*checked)++;
    } else if (!strcmp(e->person, "GONE")) {
        assert_null(e->grid);
        (*checked)++;
    }
    return TS_OK;
}

static ts_status stop_cb(void *ud, const ts_list_entry *e, ts_err *err)
{
    (*(int *)ud)++;
    return TS_LIMIT;
}

static void test_lists_entry_fields(void **state)
{
    fixture *f = *state;
    int checked = 0;
    ts_err err;
    assert_int_equal(ts_lists_query(f->s, f->g, TS_COLOUR_NONE, NULL, fields_cb, &checked, &err),
                     TS_OK);
    assert_int_equal(checked, 3);
    /* a callback's status stops the query and is returned */
    int calls = 0;
    assert_int_equal(ts_lists_query(f->s, f->g, TS_COLOUR_NONE, NULL, stop_cb, &calls, &err),
                     TS_LIMIT);
    assert_int_equal(calls, 1);
}

static void test_ledger_and_due_scope(void **state)
{
    fixture *f = *state;
    seen v;
    ts_err err;
    memset(&v, 0, sizeof v);
    assert_int_equal(ts_ledger_query(f->s, f->g, NULL, false, ledger_cb, &v, &err), TS_OK);
    assert_string_equal(v.ids, "A S U");
    memset(&v, 0, sizeof v);
    assert_int_equal(ts_ledger_query(f->s, f->g, cell(f, "T01-V01"), false, ledger_cb, &v, &err),
                     TS_OK);
    assert_string_equal(v.ids, "A");
    memset(&v, 0, sizeof v);
    assert_int_equal(ts_ledger_query(f->s, f->g, cell(f, "T01"), true, ledger_cb, &v, &err), TS_OK);
    assert_string_equal(v.ids, "A S");
    /* due: oldest review first, then grid, then id */
    memset(&v, 0, sizeof v);
    assert_int_equal(ts_due_query(f->s, f->g, NULL, "2026-11-09", due_cb, &v, &err), TS_OK);
    assert_string_equal(v.ids, "S U X A B Y");
    memset(&v, 0, sizeof v);
    assert_int_equal(ts_due_query(f->s, f->g, cell(f, "T01-V01"), "2026-11-09", due_cb, &v, &err),
                     TS_OK);
    assert_string_equal(v.ids, "A B Y");
    assert_int_equal(ts_due_query(f->s, f->g, NULL, "nope", due_cb, &v, &err), TS_USAGE);
}

/* ---- dossier ------------------------------------------------------------------------------ */

static void load(fixture *f, const char *id, const ts_reader *rd, ts_arena *a, ts_dossier *d)
{
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_dossier_load(f->s, f->g, id, rd, a, d, &err);
    if (rc != TS_OK)
        print_error("dossier: %s %s\n", err.where, err.msg);
    assert_int_equal(rc, TS_OK);
}

static void circle_ids(const ts_dossier *d, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < d->n_circle; i++) {
        size_t len = strlen(buf);
        const ts_dossier_relative *m = &d->circle[i];
        snprintf(buf + len, cap - len, "%s%d:%s%s%s", len ? " " : "", m->distance, m->person,
                 m->via ? "<" : "", m->via ? m->via : "");
    }
}

static void test_dossier_unscoped(void **state)
{
    fixture *f = *state;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_dossier d;
    load(f, "A", NULL, &a, &d);
    char ids[256];
    circle_ids(&d, ids, sizeof ids);
    assert_string_equal(ids, "1:B 1:Q 1:X 2:W<B 2:Y<X 2:Z<X");
    assert_true(d.circle[1].pending);
    assert_string_equal(d.circle[2].colour, "red");
    assert_false(d.has_outside);
    assert_int_equal(d.record.n_relations, 3);
    assert_non_null(d.list);
    assert_string_equal(d.list->reasons[0].evidence, "friend X is red");
    assert_int_equal(d.n_ledger, 1);
    assert_string_equal(d.ledger[0].gaps[0], "gap.born");
    assert_string_equal(d.village, "T01-V01");
    ts_arena_release(&a);
}

static void test_dossier_scoped_count(void **state)
{
    fixture *f = *state;
    const ts_cell *cells[] = {cell(f, "T01-V01")};
    ts_reader rd = {.grid = f->g, .cells = cells, .n_cells = 1, .reveal = TS_REVEAL_COUNT};
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_dossier d;
    load(f, "A", &rd, &a, &d);
    char ids[256];
    circle_ids(&d, ids, sizeof ids);
    /* X (T02), Q (no record), W (T01-V010), Z (T02) are out of scope; Y is seen, but the
     * link through X is not shown */
    assert_string_equal(ids, "1:B 2:Y");
    assert_true(d.has_outside);
    assert_int_equal(d.outside_relatives, 4);
    assert_int_equal(d.outside_highest, TS_COLOUR_RED);
    /* the record's relations keep B only */
    assert_int_equal(d.record.n_relations, 1);
    assert_string_equal(d.record.relations[0].other, "B");
    /* the evidence naming X is rendered from its parts */
    assert_string_equal(d.list->reasons[0].evidence, "friend " TS_REDACT_OUTSIDE " is red");
    ts_arena_release(&a);
}

static void test_dossier_scoped_none(void **state)
{
    fixture *f = *state;
    const ts_cell *cells[] = {cell(f, "T01-V01")};
    ts_reader rd = {.grid = f->g, .cells = cells, .n_cells = 1, .reveal = TS_REVEAL_NONE};
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_dossier d;
    load(f, "A", &rd, &a, &d);
    assert_int_equal(d.n_circle, 2);
    assert_false(d.has_outside);
    assert_int_equal(d.outside_relatives, 0);
    assert_string_equal(d.list->reasons[0].evidence, TS_REDACT_WITHHELD);
    /* a wider scope sees the whole town: only X and Z (T02) and Q stay outside, highest red */
    ts_arena_reset(&a);
    const ts_cell *town[] = {cell(f, "T01")};
    rd = (ts_reader){.grid = f->g, .cells = town, .n_cells = 1, .reveal = TS_REVEAL_COUNT};
    load(f, "A", &rd, &a, &d);
    char ids[256];
    circle_ids(&d, ids, sizeof ids);
    assert_string_equal(ids, "1:B 2:W<B 2:Y");
    assert_int_equal(d.outside_relatives, 3);
    assert_int_equal(d.outside_highest, TS_COLOUR_RED);
    /* from X's own side (T02 reader): only yellow Z is seen; A, Y and B are counted */
    ts_arena_reset(&a);
    const ts_cell *t02[] = {cell(f, "T02")};
    rd = (ts_reader){.grid = f->g, .cells = t02, .n_cells = 1, .reveal = TS_REVEAL_COUNT};
    load(f, "X", &rd, &a, &d);
    circle_ids(&d, ids, sizeof ids);
    assert_string_equal(ids, "1:Z");
    assert_int_equal(d.outside_relatives, 4); /* A, Y at depth 1; B, Q at depth 2 */
    assert_int_equal(d.outside_highest, TS_COLOUR_RED);
    ts_arena_release(&a);
}

static void test_dossier_errors(void **state)
{
    fixture *f = *state;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_dossier d;
    ts_err err;
    assert_int_equal(ts_dossier_load(f->s, f->g, "NOPE", NULL, &a, &d, &err), TS_NOTFOUND);
    assert_int_equal(ts_dossier_load(f->s, f->g, "", NULL, &a, &d, &err), TS_USAGE);
    ts_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lists_scope_in_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists_entry_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_and_due_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dossier_unscoped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dossier_scoped_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dossier_scoped_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dossier_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
