/* tests/unit/store/test_migrate5.c — schema 4 → 5 on a database written the old way:
 * its runs (a regional run, a targeted run into what is now the past) get kind 'live'
 * after ts_store_open; a new run is recorded 'live' for today, 'whatif' for a date
 * after today, and with the kind its caller names (a --person run). */
#include "store/mig_fx.h"

#include "triscreen/date.h"
#include "triscreen/store.h"
#include "store/store_int.h"

/* A schema-4 database: migrations 1..4 and two runs the previous version wrote. */
static void write_v4(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    for (int v = 1; v <= 4; v++)
        exec(db, ts__store_migration(v));
    exec(db, "PRAGMA user_version = 4;");
    exec(db, "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, ended,"
             " status) VALUES"
             " (1, 'regional', 'all', '2026-11-20', 'r', 'c', '2026-11-20T08:00:00Z',"
             "  '2026-11-20T08:01:00Z', 'done'),"
             " (2, 'targeted', 'T01', '2026-11-26', 'r', 'c', '2026-11-20T09:00:00Z',"
             "  '2026-11-20T09:01:00Z', 'done');");
    sqlite3_close(db);
}

static void run(ts_store *s, const char *now, const char *kind)
{
    ts_run_info info = {.pass = "regional",
                        .scope = "all",
                        .now = now,
                        .rules_hash = "r",
                        .config_hash = "c",
                        .kind = kind};
    int64_t id = 0;
    ts_err err;
    if (ts_store_run_begin(s, &info, &id, &err) != TS_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_true(id > 2);
}

static void test_migrate(void **state)
{
    (void)state;
    write_v4();
    ts_store *s = NULL;
    ts_err err;
    if (ts_store_open(g_db, TS_STORE_READWRITE, &s, &err) != TS_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(ts_store_schema_version(s), TS_STORE_SCHEMA_VERSION);
    /* the old runs were all taken as live (run 2 was into the future when it ran, but no
     * older version could tell) */
    expect("SELECT group_concat(id || ':' || kind) FROM (SELECT id, kind FROM runs ORDER BY id)",
           "1:live,2:live");
    char today[11], later[11], earlier[11];
    ts_date_format(ts_date_today(), today);
    ts_date_format(ts_date_today() + 1, later);
    ts_date_format(ts_date_today() - 30, earlier);
    run(s, today, NULL);
    run(s, earlier, NULL);
    run(s, later, NULL);
    run(s, today, "whatif");
    ts_store_close(s);
    expect("SELECT group_concat(kind) FROM (SELECT kind FROM runs WHERE id > 2 ORDER BY id)",
           "live,live,whatif,whatif");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
