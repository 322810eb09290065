/* tests/unit/store/test_migrate4.c — schema 3 → 4 on a database written the old way:
 * an escalated quick alert (its first row superseded by an escalation copy), an
 * acknowledged one and a closed one. After ts_store_open: one row per alert with the
 * live row's level, route and state under the first row's id; "acked" is
 * "acknowledged" with its acker holding it and its close clock running; history kept;
 * causes filled from the rules; feed positions unique. */
#include "store/mig_fx.h"

#include "triscreen/store.h"
#include "store/store_int.h"

/* A schema-3 database: migrations 1..3 and the rows the previous version wrote. */
static void write_v3(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    for (int v = 1; v <= 3; v++)
        exec(db, ts__store_migration(v));
    exec(db, "PRAGMA user_version = 3;");
    exec(db,
         "INSERT INTO alerts(cursor, kind, person, grid, rules, route, created, status, dedup,"
         " level, escalated, origin) VALUES"
         /* quick, escalated once (row 4 is its live row) */
         " (1, 'quick', 'P1', 'T01-V01-G01',"
         "  '[{\"id\":\"problem_event\",\"evidence\":\"threat_reported 2026-11-20\"}]',"
         "  '[\"o-g1\"]', '2026-11-20T08:00:00Z', 'superseded', 'quick|P1||k', 0, NULL, NULL),"
         /* detailed, acknowledged */
         " (2, 'detailed', 'P2', 'T01-V01-G01', '[{\"id\":\"r.a\",\"evidence\":\"e\"}]',"
         "  '[\"o-g1\"]', '2026-11-20T08:00:00Z', 'acked', 'detailed|P2|red|r.a', 0, NULL, NULL),"
         /* early, closed */
         " (3, 'early', 'P3', 'T01-V01-G01', '[{\"id\":\"r.b\",\"evidence\":\"e\"}]',"
         "  '[\"o-g1\"]', '2026-11-20T08:00:00Z', 'closed', 'early|P3||r.b', 0, NULL, NULL),"
         " (4, 'quick', 'P1', 'T01-V01-G01',"
         "  '[{\"id\":\"problem_event\",\"evidence\":\"threat_reported 2026-11-20\"}]',"
         "  '[\"o-g1\",\"o-v1\"]', '2026-11-20T08:00:00Z', 'new', 'quick|P1||k', 1,"
         "  '2026-11-20T08:31:00Z', 1);"
         "INSERT INTO alert_history(alert, status, by, at, note) VALUES"
         " (1, 'escalated', 'engine', '2026-11-20T08:31:00Z', 'level 1'),"
         " (2, 'acked', 'o-g1', '2026-11-20T08:10:00Z', 'on my way'),"
         " (3, 'acked', 'o-g1', '2026-11-20T09:00:00Z', ''),"
         " (3, 'closed', 'o-g1', '2026-11-20T10:00:00Z', 'done');");
    sqlite3_close(db);
}

static void test_migrate(void **state)
{
    (void)state;
    write_v3();
    ts_store *s = NULL;
    ts_err err;
    if (ts_store_open(g_db, TS_STORE_READWRITE, &s, &err) != TS_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(ts_store_schema_version(s), TS_STORE_SCHEMA_VERSION);
    ts_store_close(s);
    /* one row per alert, under the first row's id */
    expect("SELECT group_concat(cursor) FROM (SELECT cursor FROM alerts ORDER BY cursor)", "1,2,3");
    /* the escalated one: the live row's level, route and state; its feed position is the
     * live row's cursor, and its next deadline runs from the escalation */
    expect("SELECT status || ' ' || level || ' ' || target_level || ' ' || route || ' ' || seq"
           " || ' ' || due FROM alerts WHERE cursor = 1",
           "new 1 2 [\"o-g1\",\"o-v1\"] 4 2026-11-20T09:01:00Z");
    /* acked → acknowledged, held by who acknowledged it, on its close clock (7 days) */
    expect("SELECT status || ' ' || claimed_by || ' ' || acked_at || ' ' || due || ' ' ||"
           " acked_in_time FROM alerts WHERE cursor = 2",
           "acknowledged o-g1 2026-11-20T08:10:00Z 2026-11-27T08:10:00Z 1");
    expect("SELECT status FROM alert_history WHERE alert = 2", "acknowledged");
    /* closed: its close time, no deadline; acknowledged late (an hour, early's 3 days ok) */
    expect("SELECT closed_at || ' ' || ifnull(due, '-') || ' ' || acked_in_time FROM alerts"
           " WHERE cursor = 3",
           "2026-11-20T10:00:00Z - 1");
    /* one open alert a person and kind */
    expect("SELECT group_concat(dedup, ';') FROM (SELECT dedup FROM alerts ORDER BY cursor)",
           "quick|P1;detailed|P2;early|P3");
    /* the causes the rules name */
    expect("SELECT group_concat(cause, ';') FROM (SELECT cause FROM alert_causes"
           " ORDER BY alert, cause)",
           "event:threat_reported 2026-11-20;rule:r.a;rule:r.b");
    expect("SELECT count(*) FROM alert_history", "4");
    expect("SELECT count(DISTINCT seq) || ' ' || count(*) FROM alerts", "3 3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
