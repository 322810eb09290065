/* tests/unit/store/test_migrate6.c — schema 5 → 6 on a database written the old way: its
 * persons, runs and audit survive, the snoozes table and its partial index exist after
 * ts_store_open, and snoozes are added, found by a pass's lookup while active, listed,
 * ended (audited) and refused past 180 days, in the past or for an unknown person. */
#include "store/mig_fx.h"

#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/snooze.h"
#include "triscreen/store.h"
#include "store/store_int.h"

static void write_v5(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    for (int v = 1; v <= 5; v++)
        exec(db, ts__store_migration(v));
    exec(db, "PRAGMA user_version = 5;");
    exec(db, "INSERT INTO persons(id, grid, digest, created, updated) VALUES"
             " ('P1', 'T01-V01-G01', 1, '2026-11-01', '2026-11-01'),"
             " ('P2', 'T01-V01-G02', 2, '2026-11-01', '2026-11-01');"
             "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status)"
             " VALUES (1, 'regional', 'all', '2026-11-20', 'r', 'c', '2026-11-20T08:00:00Z',"
             " 'done');"
             "INSERT INTO audit(at, actor, action, target) VALUES ('x', 'a', 'import', 'f');");
    sqlite3_close(db);
}

static int64_t add(ts_store *s, const char *person, const char *rule, const char *until,
                   ts_status want)
{
    ts_snooze_row in = {.person = person,
                        .rule = rule,
                        .until = until,
                        .by = "o-1",
                        .note = "why",
                        .now = "2026-12-01"};
    int64_t id = 0;
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_snooze_add(s, &in, &id, &err);
    if (rc != want)
        fail_msg("add %s %s %s: %s (%s: %s)", person, rule, until, ts_status_name(rc), err.where,
                 err.msg);
    return id;
}

static ts_status count_row(void *ud, const ts_snooze_row *r)
{
    (void)r;
    (*(int *)ud)++;
    return TS_OK;
}

static void test_migrate(void **state)
{
    (void)state;
    write_v5();
    ts_store *s = NULL;
    ts_err err;
    if (ts_store_open(g_db, TS_STORE_READWRITE, &s, &err) != TS_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(ts_store_schema_version(s), TS_STORE_SCHEMA_VERSION);
    expect("SELECT count(*) FROM persons", "2");
    expect("SELECT count(*) FROM runs", "1");
    expect("SELECT count(*) FROM snoozes", "0");
    expect("SELECT count(*) FROM sqlite_master WHERE name = 'snoozes_active'", "1");
    int64_t a = add(s, "P1", "r.one", "2026-12-10", TS_OK);
    int64_t b = add(s, "P2", "r.two", "2027-05-30", TS_OK); /* exactly 180 days */
    assert_true(a > 0 && b > a);
    add(s, "P1", "r.one", "2027-05-31", TS_USAGE); /* 181 days */
    add(s, "P1", "r.one", "2026-11-30", TS_USAGE); /* the past */
    add(s, "P1", "r.one", "soon", TS_USAGE);
    add(s, "P9", "r.one", "2026-12-10", TS_NOTFOUND);
    expect("SELECT count(*) FROM snoozes", "2");
    expect("SELECT count(*) FROM audit WHERE action = 'snooze.add'", "2");

    ts_arena ar;
    ts_arena_init(&ar, 1 << 16);
    ts_snooze_key *k = NULL;
    size_t n = 0;
    assert_int_equal(ts_store_snoozes_active(s, "2026-12-10", &ar, &k, &n, &err), TS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ts_snooze_find(k, n, "P1", "r.one"), a);
    assert_int_equal(ts_snooze_find(k, n, "P2", "r.two"), b);
    assert_int_equal(ts_snooze_find(k, n, "P1", "r.two"), 0);
    /* the day after until: expired */
    assert_int_equal(ts_store_snoozes_active(s, "2026-12-11", &ar, &k, &n, &err), TS_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ts_snooze_find(k, n, "P1", "r.one"), 0);

    assert_int_equal(ts_store_snooze_end(s, b, "o-2", "done", "2026-12-02", &err), TS_OK);
    assert_int_equal(ts_store_snooze_end(s, b, "o-2", NULL, "2026-12-02", &err), TS_STATE);
    assert_int_equal(ts_store_snooze_end(s, 999, "o-2", NULL, "2026-12-02", &err), TS_NOTFOUND);
    int rows = 0;
    assert_int_equal(ts_store_snooze_get(s, a, count_row, &rows, &err), TS_OK);
    assert_int_equal(rows, 1);
    assert_int_equal(ts_store_snooze_get(s, 999, count_row, &rows, &err), TS_NOTFOUND);
    rows = 0;
    assert_int_equal(ts_store_snooze_list(s, "2026-12-01", count_row, &rows, &err), TS_OK);
    assert_int_equal(rows, 1);
    ts_arena_release(&ar);
    ts_store_close(s);
    expect("SELECT actor || ' ' || detail FROM audit WHERE action = 'snooze.end'", "o-2 S-2 done");
    expect("SELECT ended_by FROM snoozes WHERE id = 2", "o-2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
