/* tests/unit/store/test_migrate7.c — schema 6 → 7 on a database written the old way: its
 * persons, runs, snoozes and audit survive, the versions tables exist after ts_store_open
 * and no version is active (commands keep loading the config's folder); then versions are
 * deployed (files kept byte for byte, one active), read back by the loader that runs
 * before any store is opened, rolled back by a hash prefix (audited), and bad rollbacks
 * and a second deploy of a stored hash change nothing. */
#include "store/mig_fx.h"

#include "triscreen/arena.h"
#include "triscreen/rules_version.h"
#include "triscreen/store.h"
#include "store/store_int.h"

#define HA "sha256:aaaa0000000000000000000000000000000000000000000000000000000000aa"
#define HB "sha256:aaaa1111111111111111111111111111111111111111111111111111111111bb"

static void write_v6(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    for (int v = 1; v <= 6; v++)
        exec(db, ts__store_migration(v));
    exec(db, "PRAGMA user_version = 6;");
    exec(db, "INSERT INTO persons(id, grid, digest, created, updated) VALUES"
             " ('P1', 'T01-V01-G01', 1, '2026-11-01', '2026-11-01');"
             "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status)"
             " VALUES (1, 'regional', 'all', '2026-11-20', 'r', 'c', '2026-11-20T08:00:00Z',"
             " 'done');"
             "INSERT INTO snoozes(person, rule, until, by, note, created, now) VALUES"
             " ('P1', 'r.one', '2026-12-10', 'o-1', 'why', 'x', '2026-12-01');"
             "INSERT INTO audit(at, actor, action, target) VALUES ('x', 'a', 'import', 'f');");
    sqlite3_close(db);
}

static ts_status count_row(void *ud, const ts_rules_version_row *r)
{
    int *n = ud;
    n[0]++;
    if (r->active)
        n[1] = (int)r->seq;
    return TS_OK;
}

static void deploy(ts_store *s, const char *hash, const char *body, ts_status want)
{
    ts_rule_file f[2] = {{.name = "10_a.lua", .text = body, .len = strlen(body)},
                         {.name = "20_b.lua", .text = "x\0y", .len = 3}};
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_rules_deploy(s, hash, f, 2, "staff-1", "why", &err);
    if (rc != want)
        fail_msg("deploy %s: %s (%s)", hash, ts_status_name(rc), err.msg);
}

static void test_migrate(void **state)
{
    (void)state;
    write_v6();
    ts_arena ar;
    ts_arena_init(&ar, 1 << 16);
    char hash[TS_RULES_HASH_MAX];
    ts_rule_file *files = NULL;
    size_t n = 0;
    ts_err err;
    /* before the migration: no versions table, the loader says "none" */
    assert_int_equal(ts_store_rules_active_files(g_db, &ar, hash, &files, &n, &err), TS_NOTFOUND);
    ts_store *s = NULL;
    if (ts_store_open(g_db, TS_STORE_READWRITE, &s, &err) != TS_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(ts_store_schema_version(s), TS_STORE_SCHEMA_VERSION);
    expect("SELECT count(*) FROM persons", "1");
    expect("SELECT count(*) FROM runs", "1");
    expect("SELECT count(*) FROM snoozes", "1");
    expect("SELECT count(*) FROM rules_versions", "0");
    assert_int_equal(ts_store_rules_active(s, hash, &err), TS_OK);
    assert_string_equal(hash, "");
    assert_int_equal(ts_store_rules_active_files(g_db, &ar, hash, &files, &n, &err), TS_NOTFOUND);

    deploy(s, HA, "rule A", TS_OK);
    deploy(s, HB, "rule B", TS_OK);
    deploy(s, HA, "again", TS_STATE);
    expect("SELECT count(*) FROM rules_versions", "2");
    expect("SELECT count(*) FROM rules_version_files", "4");
    expect("SELECT group_concat(hash) FROM rules_versions WHERE active = 1", HB);
    assert_int_equal(ts_store_rules_active_files(g_db, &ar, hash, &files, &n, &err), TS_OK);
    assert_string_equal(hash, HB);
    assert_int_equal(n, 2);
    assert_string_equal(files[0].name, "10_a.lua");
    assert_string_equal(files[0].text, "rule B");
    assert_int_equal(files[1].len, 3);
    assert_memory_equal(files[1].text, "x\0y", 3);

    char out[TS_RULES_HASH_MAX];
    assert_int_equal(ts_store_rules_rollback(s, "aaaa", "s2", "n", out, &err), TS_USAGE);
    assert_int_equal(ts_store_rules_rollback(s, "aaaa00", "s2", NULL, out, &err) == TS_OK, 1);
    assert_string_equal(out, HA);
    assert_int_equal(ts_store_rules_rollback(s, "sha256:aaaa00", "s2", "n", out, &err), TS_STATE);
    assert_int_equal(ts_store_rules_rollback(s, "aaaa", "s2", "n", out, &err), TS_USAGE);
    assert_int_equal(ts_store_rules_rollback(s, "aaaa11111", "s2", "n", out, &err) == TS_OK, 1);
    assert_int_equal(ts_store_rules_rollback(s, "ffffff", "s2", "n", out, &err), TS_NOTFOUND);
    expect("SELECT group_concat(hash) FROM rules_versions WHERE active = 1", HB);
    ts_store_close(s);
    if (ts_store_open(g_db, TS_STORE_READWRITE, &s, &err) != TS_OK)
        fail_msg("%s: %s", err.where, err.msg);
    assert_int_equal(ts_store_rules_rollback(s, HA, "s3", "x", out, &err), TS_OK);
    int rows[2] = {0, 0};
    assert_int_equal(ts_store_rules_versions(s, count_row, rows, &err), TS_OK);
    assert_int_equal(rows[0], 2);
    assert_int_equal(rows[1], 1);
    ts_rules_version_row v;
    bool found = false;
    assert_int_equal(ts_store_rules_version_get(s, HB, &ar, &v, &found, &err), TS_OK);
    assert_true(found && !v.active && v.seq == 2 && v.n_files == 2 && v.bytes == 9);
    assert_string_equal(v.by, "staff-1");
    ts_store_close(s);
    expect("SELECT count(*) FROM audit WHERE action = 'rules.deploy'", "2");
    expect("SELECT count(*) FROM audit WHERE action = 'rules.rollback'", "3");
    expect("SELECT actor || ' ' || detail FROM audit WHERE action = 'rules.rollback'"
           " ORDER BY id DESC LIMIT 1",
           "s3 from=" HB " x");
    ts_arena_release(&ar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
