/* tests/unit/store/test_migrate9.c — schema 8 → 9: the history of list rows and marks is
 * kept by the store's writes instead of triggers. A database written by schema 8 (its
 * triggers kept a row) migrates with its history intact and without those triggers; then
 * every store write of list_members and marks keeps exactly the row it replaces (present
 * = 0 when there was none, nothing when a delete finds no row), tagged with the newest run
 * id, and a rewind to the run turns the rows back from that history and stops keeping
 * any. The index alerts_open is dropped too (its one reader now reads alerts_person). */
#include "store/mig_fx.h"

#include "triscreen/arena.h"
#include "triscreen/date.h"
#include "triscreen/rewind.h"
#include "triscreen/store.h"
#include "triscreen/vocab.h"
#include "store/lists_query.h"
#include "store/store_int.h"

static void write_v8(void)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    for (int v = 1; v <= 8; v++)
        exec(db, ts__store_migration(v));
    exec(db, "PRAGMA user_version = 8;");
    exec(db, "INSERT INTO persons(id, grid, digest, created, updated) VALUES"
             " ('P1', 'T01-V01-G01', 1, '2026-11-01', '2026-11-01'),"
             " ('P2', 'T01-V01-G01', 1, '2026-11-01', '2026-11-01');"
             "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status,"
             " persons_pk_max) VALUES (1, 'full', 'all', '2026-11-20', 'r', 'c',"
             " '2026-11-20T08:00:00Z', 'done', 2);"
             /* schema 8's triggers keep these (present = 0: no row before) */
             "INSERT INTO list_members(person, colour, score, since, run, reasons,"
             " engine_colour, regional_colour, regional_score, regional_reasons) VALUES"
             " ('P1', 'yellow', 40, '2026-11-20', 1, '[{\"id\":\"a\"}]', 'yellow', 'yellow',"
             " 40, '[{\"id\":\"a\"}]');"
             "INSERT INTO marks(person, suspect, run) VALUES ('P1', 1, 1);");
    sqlite3_close(db);
}

static ts_list_row red_row(const char *person, int32_t since)
{
    return (ts_list_row){.person = person,
                         .colour = TS_COLOUR_RED,
                         .engine_colour = TS_COLOUR_RED,
                         .regional_colour = TS_COLOUR_RED,
                         .override_colour = -1,
                         .override_until = TS_DATE_NONE,
                         .score = 90,
                         .regional_score = 90,
                         .since = since,
                         .next_review = TS_DATE_NONE,
                         .reasons = "[{\"id\":\"b\"}]",
                         .regional_reasons = "[{\"id\":\"b\"}]"};
}

static void ok(ts_status rc, const ts_err *err)
{
    if (rc != TS_OK)
        fail_msg("%s: %s: %s", ts_status_name(rc), err->where, err->msg);
}

static void test_history_by_the_store(void **state)
{
    (void)state;
    write_v8();
    expect("SELECT count(*) FROM lists_past", "1");
    expect("SELECT count(*) FROM marks_past", "1");
    ts_store *s = NULL;
    ts_err err;
    ok(ts_store_open(g_db, TS_STORE_READWRITE, &s, &err), &err);
    assert_int_equal(ts_store_schema_version(s), 9);
    /* the triggers are gone, the history schema 8 kept stays */
    expect("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
           " AND tbl_name IN ('list_members', 'marks')",
           "0");
    expect("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
           " AND name IN ('persons_keep_update', 'persons_keep_delete', 'relations_keep_update')",
           "3");
    /* and the index by dedup that only an officer's reopen read */
    expect("SELECT count(*) FROM sqlite_schema WHERE name = 'alerts_open'", "0");
    expect("SELECT count(*) FROM sqlite_schema WHERE name = 'alerts_person'", "1");
    expect("SELECT person || present || after_run FROM lists_past", "P101");
    expect("SELECT person || present || after_run FROM marks_past", "P101");

    /* a regional pass (run 2) replaces P1's row, lists P2 and removes P2 again, and a
     * pass deleting a person who is not listed keeps nothing */
    ts_run_info ri = {.pass = "regional",
                      .scope = "all",
                      .now = "2026-11-21",
                      .rules_hash = "r",
                      .config_hash = "c",
                      .kind = "live"};
    int64_t run = 0;
    ok(ts_store_run_begin(s, &ri, &run, &err), &err);
    assert_int_equal(run, 2);
    int32_t day;
    assert_true(ts_date_parse("2026-11-21", 10, &day));
    ok(ts_store_begin(s, &err), &err);
    ts_list_row r1 = red_row("P1", day), r2 = red_row("P2", day);
    ok(ts_store_put_list(s, &r1, run, &err), &err);
    ok(ts_store_put_list(s, &r2, run, &err), &err);
    ts_list_row off = {.person = "P2",
                       .override_colour = -1,
                       .override_until = TS_DATE_NONE,
                       .since = day,
                       .next_review = TS_DATE_NONE};
    ok(ts_store_put_list(s, &off, run, &err), &err);
    off.person = "P3";
    ok(ts_store_put_list(s, &off, run, &err), &err);
    ok(ts_store_put_mark(s, "P1", false, run, &err), &err);
    ok(ts_store_put_mark(s, "P2", true, run, &err), &err);
    ok(ts_store_commit(s, &err), &err);
    expect("SELECT group_concat(person || ':' || present || ':' || coalesce(colour, '-') || ':'"
           " || coalesce(score, '-') || ':' || coalesce(run, '-') || ':' || after_run, ' ')"
           " FROM (SELECT * FROM lists_past ORDER BY rowid)",
           "P1:0:-:-:-:1 P1:1:yellow:40:1:2 P2:0:-:-:-:2 P2:1:red:90:2:2");
    expect("SELECT reasons || regional_reasons || engine_colour || regional_colour || since"
           " FROM lists_past WHERE rowid = 2",
           "[{\"id\":\"a\"}][{\"id\":\"a\"}]yellowyellow2026-11-20");
    expect("SELECT group_concat(person || ':' || present || ':' || coalesce(suspect, '-') || ':'"
           " || coalesce(run, '-') || ':' || after_run, ' ') FROM"
           " (SELECT * FROM marks_past ORDER BY rowid)",
           "P1:0:-:-:1 P1:1:1:1:2 P2:0:-:-:2");

    /* an officer's writes (lists_query.c) keep the row they change too */
    ok(ts_store_begin(s, &err), &err);
    ts__lq_member_set m = {.person = "P2", .colour = "blue", .since = "2026-11-21"};
    ok(ts__lq_member_insert(s, &m, &err), &err);
    m.colour = "yellow";
    ok(ts__lq_member_update(s, &m, &err), &err);
    ok(ts__lq_member_delete(s, "P2", &err), &err);
    ok(ts__lq_member_delete(s, "P2", &err), &err);
    ok(ts_store_commit(s, &err), &err);
    expect("SELECT group_concat(present || coalesce(colour, '-'), ' ') FROM"
           " (SELECT * FROM lists_past WHERE rowid > 4 ORDER BY rowid)",
           "0- 1blue 1yellow");

    /* the rewind to run 2 reads the first row kept since: P1 yellow, P2 absent, P1's
     * mark suspect; afterwards the copy keeps no history */
    ts_screening at = {.first = 2, .last = 2, .passes = 1u << TS_PASS_REGIONAL};
    snprintf(at.now, sizeof at.now, "2026-11-21");
    snprintf(at.scope, sizeof at.scope, "all");
    snprintf(at.started, sizeof at.started, "2026-11-21T08:00:00Z");
    ok(ts_store_rewind(s, &at, &err), &err);
    expect("SELECT group_concat(person || colour || score, ' ') FROM list_members", "P1yellow40");
    expect("SELECT group_concat(person || suspect || run, ' ') FROM marks", "P111");
    expect("SELECT count(*) FROM lists_past", "7");
    ok(ts_store_begin(s, &err), &err);
    ok(ts_store_put_list(s, &r1, run, &err), &err);
    ok(ts_store_put_mark(s, "P1", false, run, &err), &err);
    ok(ts_store_commit(s, &err), &err);
    expect("SELECT count(*) FROM lists_past", "7");
    expect("SELECT count(*) FROM marks_past", "3");
    ts_store_close(s);
}

/* The history of 37 list writes and marks (two full batched statements and a tail),
 * kept ahead in batches, equals what the same writes keep one at a time: every third
 * person listed before, every fifth write a delete; and a write of a person not kept
 * ahead, or out of order, still keeps its own row. */
static char *history_of(bool ahead)
{
    char db[128];
    snprintf(db, sizeof db, "%s/%s.db", g_dir, ahead ? "ahead" : "each");
    ts_store *s = NULL;
    ts_err err;
    ok(ts_store_open(db, TS_STORE_READWRITE, &s, &err), &err);
    enum { N = 37 };
    char ids[N][8];
    ts_list_row rows[N];
    const ts_list_row *rp[N];
    const char *ip[N];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "P%02d", i);
        rows[i] = red_row(ids[i], 20000 + i);
        rows[i].score = i;
        rp[i] = &rows[i];
        ip[i] = ids[i];
    }
    ok(ts_store_begin(s, &err), &err);
    for (int i = 0; i < N; i += 3) {
        ok(ts_store_put_list(s, &rows[i], 1, &err), &err);
        ok(ts_store_put_mark(s, ids[i], true, 1, &err), &err);
    }
    ok(ts_store_commit(s, &err), &err);
    ts_run_info ri = {.pass = "regional",
                      .scope = "all",
                      .now = "2026-11-21",
                      .rules_hash = "r",
                      .config_hash = "c",
                      .kind = "live"};
    int64_t run = 0;
    ok(ts_store_run_begin(s, &ri, &run, &err), &err);
    ok(ts_store_begin(s, &err), &err);
    for (int i = 0; i < N; i++) {
        rows[i].score = 100 + i;
        if (i % 5 == 0)
            rows[i].colour = 0;
    }
    if (ahead) {
        ok(ts_store_keep_lists(s, rp, N, &err), &err);
        ok(ts_store_keep_marks(s, ip, N, &err), &err);
    }
    for (int i = 0; i < N; i++) {
        ok(ts_store_put_list(s, &rows[i], run, &err), &err);
        ok(ts_store_put_mark(s, ids[i], i % 2, run, &err), &err);
    }
    /* not kept ahead: keeps its own */
    ts_list_row extra = red_row("P99", 20000);
    ok(ts_store_put_list(s, &extra, run, &err), &err);
    ok(ts_store_commit(s, &err), &err);
    ts_store_close(s);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "SELECT (SELECT group_concat(person || present || coalesce(score, '-')"
                           " || coalesce(since, '-') || after_run, ' ') FROM (SELECT * FROM"
                           " lists_past ORDER BY rowid)) || ' / ' || (SELECT group_concat(person"
                           " || present || coalesce(suspect, '-') || after_run, ' ') FROM (SELECT"
                           " * FROM marks_past ORDER BY rowid))",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

static void test_kept_ahead_equals_kept_each(void **state)
{
    (void)state;
    char *each = history_of(false), *ahead = history_of(true);
    assert_string_equal(ahead, each);
    /* P00 listed before (score 0) and deleted now: its old row; P01 new: present = 0;
     * P05 new and deleted at once: nothing; P99, not kept ahead: its own; P00's mark */
    assert_non_null(strstr(each, "P00102024-10-041 "));
    assert_non_null(strstr(each, "P010--1 "));
    assert_null(strstr(each, "P050--"));
    assert_non_null(strstr(each, "P050-1"));
    assert_non_null(strstr(each, "P990--1 /"));
    assert_non_null(strstr(each, "P00111 "));
    free(each);
    free(ahead);
}

/* A schema-8 database from which someone dropped a history trigger and the index by
 * hand still migrates. */
static void test_migrate_without_a_trigger(void **state)
{
    (void)state;
    write_v8();
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_db, &db), SQLITE_OK);
    exec(db, "DROP TRIGGER lists_keep_insert; DROP INDEX alerts_open;");
    sqlite3_close(db);
    ts_store *s = NULL;
    ts_err err;
    ok(ts_store_open(g_db, TS_STORE_READWRITE, &s, &err), &err);
    assert_int_equal(ts_store_schema_version(s), 9);
    ts_store_close(s);
    expect("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'"
           " AND tbl_name IN ('list_members', 'marks')",
           "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_history_by_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kept_ahead_equals_kept_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_without_a_trigger, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
