/* tests/unit/store/mig_fx.h — the fixture the schema-migration tests share: a database
 * file in a temporary folder (g_db, made by setup, removed by teardown), raw SQL on it
 * (exec) and one-value checks (expect). */
#ifndef TS_TEST_MIG_FX_H
#define TS_TEST_MIG_FX_H

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

static char g_dir[64], g_db[96];

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* The first column of sql's first row on g_db as text ("NULL" for NULL), malloc'd. */
static char *text(const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    char *out = strdup(t ? (const char *)t : "NULL");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void expect(const char *sql, const char *want)
{
    char *got = text(sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s: got '%s', expected '%s'", sql, got, want);
    free(got);
}

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/ts_mig_XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_db, sizeof g_db, "%s/t.db", g_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
