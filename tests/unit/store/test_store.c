/* tests/unit/store/test_store.c — the SQLite store on a temporary database: open and
 * migrate (schema version, read-only refusal of a missing file), persons (insert, update,
 * unchanged, event de-duplication, read back), relations (confirmed, pending for a writer
 * that does not cover the other person, confirmation), counts and NOTFOUND paths. */
#include "store/store_fx.h"

static ts_upsert put(store_fx *fx, const ts_person *p, size_t *n_new)
{
    ts_err err;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_upsert res;
    uint32_t *idx = NULL;
    size_t n = 0;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_person(fx->s, p, &a, &res, &idx, &n, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    ts_arena_release(&a);
    if (n_new)
        *n_new = n;
    return res;
}

static void test_open_migrate(void **state)
{
    store_fx *fx = *state;
    assert_int_equal(ts_store_schema_version(fx->s), TS_STORE_SCHEMA_VERSION);
    assert_string_equal(ts_store_path(fx->s), fx->db);
    /* reopen read-only: the migrated file is accepted */
    ts_err err;
    ts_store *ro = NULL;
    fx_ok(ts_store_open(fx->db, TS_STORE_READONLY, &ro, &err), &err);
    assert_int_equal(ts_store_schema_version(ro), TS_STORE_SCHEMA_VERSION);
    ts_store_close(ro);
    /* read-only never creates a file */
    char missing[128];
    snprintf(missing, sizeof missing, "%s/absent.db", fx->dir);
    ro = NULL;
    assert_int_not_equal(ts_store_open(missing, TS_STORE_READONLY, &ro, &err), TS_OK);
    assert_null(ro);
    assert_int_not_equal(access(missing, F_OK), 0);
    ts_store_close(NULL);
}

static void test_person_roundtrip(void **state)
{
    store_fx *fx = *state;
    ts_event ev[] = {{.type = "threat_reported", .date = fx_day("2026-11-01"), .note = "n1"},
                     {.type = "threat_reported", .date = fx_day("2026-11-01"), .note = "n1"},
                     {.type = "visit", .date = fx_day("2026-10-01"), .note = ""}};
    ts_person p = {.id = "P-1",
                   .name = "张伟",
                   .grid = "T01-V01-G01",
                   .notes = "",
                   .born = fx_day("1980-05-06"),
                   .events = ev,
                   .n_events = 3};
    size_t n_new = 0;
    assert_int_equal(put(fx, &p, &n_new), TS_UPSERT_NEW);
    assert_int_equal(n_new, 2); /* the duplicate event is stored once */
    assert_int_equal(put(fx, &p, &n_new), TS_UPSERT_UNCHANGED);
    assert_int_equal(n_new, 0);
    p.name = "张伟伟";
    assert_int_equal(put(fx, &p, &n_new), TS_UPSERT_UPDATED);
    assert_int_equal(n_new, 0);

    ts_err err;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_person got;
    fx_ok(ts_store_get_person(fx->s, "P-1", &a, &got, &err), &err);
    assert_string_equal(got.id, "P-1");
    assert_string_equal(got.name, "张伟伟");
    assert_string_equal(got.grid, "T01-V01-G01");
    assert_int_equal(got.born, fx_day("1980-05-06"));
    assert_int_equal(got.n_events, 2);
    assert_int_equal(ts_store_get_person(fx->s, "P-404", &a, &got, &err), TS_NOTFOUND);
    ts_arena_release(&a);

    char cell[32];
    bool found = false;
    fx_ok(ts_store_person_grid(fx->s, "P-1", cell, sizeof cell, &found, &err), &err);
    assert_true(found);
    assert_string_equal(cell, "T01-V01-G01");
    fx_ok(ts_store_person_grid(fx->s, "P-404", cell, sizeof cell, &found, &err), &err);
    assert_false(found);
    /* a code that does not fit is an error, never a truncated (ancestor-like) prefix */
    char small[8] = "";
    assert_int_equal(ts_store_person_grid(fx->s, "P-1", small, sizeof small, &found, &err),
                     TS_LIMIT);
    assert_non_null(strstr(err.msg, "longer than 7 bytes"));
    assert_string_equal(small, "");
    char exact[12]; /* "T01-V01-G01" and its NUL */
    fx_ok(ts_store_person_grid(fx->s, "P-1", exact, sizeof exact, &found, &err), &err);
    assert_string_equal(exact, "T01-V01-G01");

    /* one more event on the stored person; again the same event: not inserted twice */
    ts_event more = {.type = "visit", .date = fx_day("2026-11-20"), .note = ""};
    bool inserted = false;
    ts_arena_init(&a, 0);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_event(fx->s, "P-1", &more, &a, &inserted, &err), &err);
    assert_true(inserted);
    fx_ok(ts_store_put_event(fx->s, "P-1", &more, &a, &inserted, &err), &err);
    assert_false(inserted);
    assert_int_equal(ts_store_put_event(fx->s, "P-404", &more, &a, &inserted, &err), TS_NOTFOUND);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    ts_arena_release(&a);

    ts_store_counts c;
    fx_ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.persons, 1);
    assert_int_equal(c.events, 3);
}

static bool covers_t01_v01(void *ud, const char *grid)
{
    (void)ud;
    return strncmp(grid, "T01-V01", 7) == 0;
}

static void test_relations_pending(void **state)
{
    store_fx *fx = *state;
    ts_person b = {
        .id = "P-B", .name = "", .grid = "T01-V02-G01", .notes = "", .born = TS_DATE_NONE};
    ts_err err;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_upsert res;
    uint32_t *idx;
    size_t n;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_person(fx->s, &b, &a, &res, &idx, &n, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);

    /* a writer scoped to T01-V01 declares P-A ↔ P-B: P-B (T01-V02) is outside → pending */
    ts_relation rel = {.other = "P-B", .kind = "family"};
    ts_person pa = {.id = "P-A",
                    .name = "",
                    .grid = "T01-V01-G02",
                    .notes = "",
                    .born = TS_DATE_NONE,
                    .relations = &rel,
                    .n_relations = 1};
    ts_store_writer w = {.covers = covers_t01_v01, .ud = NULL};
    bool pending[1] = {false};
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_person_as(fx->s, &pa, &w, pending, &a, &res, &idx, &n, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_true(pending[0]);
    ts_store_counts c;
    fx_ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.relations, 1);
    assert_int_equal(c.relations_pending, 0); /* counts relations to persons not stored yet */

    /* P-B's record does not show the pending relation; P-A's does */
    ts_person got;
    fx_ok(ts_store_get_person(fx->s, "P-B", &a, &got, &err), &err);
    assert_int_equal(got.n_relations, 0);
    fx_ok(ts_store_get_person(fx->s, "P-A", &a, &got, &err), &err);
    assert_int_equal(got.n_relations, 1);
    assert_string_equal(got.relations[0].other, "P-B");

    /* an unscoped writer confirms it */
    bool inserted = false;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_relation(fx->s, "P-B", "P-A", "family", &inserted, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_true(inserted);
    fx_ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.relations_pending, 0);
    assert_int_equal(c.relations, 1); /* confirmed in place, not a second row */
    fx_ok(ts_store_get_person(fx->s, "P-B", &a, &got, &err), &err);
    assert_int_equal(got.n_relations, 1);
    assert_string_equal(got.relations[0].other, "P-A");
    /* declared again: already confirmed */
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_relation(fx->s, "P-A", "P-B", "family", &inserted, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_false(inserted);

    /* a relation to a person not imported yet is kept and counted as unresolved */
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_relation(fx->s, "P-A", "P-GHOST", "friend", &inserted, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_true(inserted);
    fx_ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.relations, 2);
    assert_int_equal(c.relations_pending, 1);
    fx_ok(ts_store_get_person(fx->s, "P-A", &a, &got, &err), &err);
    assert_int_equal(got.n_relations, 2);
    ts_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_migrate, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_roundtrip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_relations_pending, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
