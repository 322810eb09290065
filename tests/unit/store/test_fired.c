/* tests/unit/store/test_fired.c — typed fired rules through the store: structs are
 * written with the one encoder into a ledger row's rules column and read back into
 * structs (quotes, control characters, CJK, invalid UTF-8, evidence parts), the stored
 * text is the format databases have always held, and unreadable text is refused. */
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

#include "triscreen/fired.h"
#include "triscreen/store.h"

static void ok(ts_status rc, const ts_err *err)
{
    if (rc != TS_OK)
        fail_msg("%s: %s: %s", ts_status_name(rc), err->where, err->msg);
}

/* Writes rules into a ledger row of a fresh database and returns the stored column. */
static char *through_store(const ts_fired_rule *rules, size_t n, ts_arena *a)
{
    char dir[] = "/tmp/ts_fired_XXXXXX", db[64];
    assert_non_null(mkdtemp(dir));
    snprintf(db, sizeof db, "%s/t.db", dir);
    ts_err err;
    ts_store *s = NULL;
    ok(ts_store_open(db, TS_STORE_READWRITE, &s, &err), &err);
    ts_run_info info = {
        .pass = "full", .scope = "all", .now = "2026-11-20", .rules_hash = "h", .config_hash = "c"};
    int64_t run = 0;
    ok(ts_store_run_begin(s, &info, &run, &err), &err);
    const char *text = ts_fired_rules_text(rules, n, a);
    assert_non_null(text);
    ok(ts_store_begin(s, &err), &err);
    ts_ledger_put lp = {.run = run,
                        .seq = 0,
                        .person = "P1",
                        .grid = "T01-V01-G01",
                        .suspect = true,
                        .gaps_json = "[]",
                        .rules_json = text};
    ok(ts_store_put_ledger(s, &lp, &err), &err);
    ok(ts_store_commit(s, &err), &err);
    ts_store_close(s);
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, "SELECT rules FROM ledger", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    return out;
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char ev0[] = "said \"hi\" \\ to P2\n\x01 at T01-V01-G02";
    const ts_evidence_part parts[] = {
        {.text = ev0, .len = 15},
        {.text = ev0 + 15, .len = 2, .member = "P2", .relation = "sibling", .grid = "T01-V01-G02"},
        {.text = ev0 + 17, .len = sizeof ev0 - 1 - 17},
    };
    const ts_fired_rule in[] = {
        {.id = "r.quote",
         .title = "Quotes",
         .score = 5,
         .evidence = ev0,
         .parts = parts,
         .n_parts = 3},
        {.id = "r.cjk", .evidence = "清水镇 组长"},
        {.id = "r.bad", .evidence = "bad \xff\xfe utf8"},
        {.id = "r.none", .evidence = ""},
    };
    ts_arena a;
    ts_arena_init(&a, 0);
    char *stored = through_store(in, 4, &a);
    /* the stored form is the one databases always held: id, evidence, then parts */
    assert_non_null(strstr(stored, "{\"id\":\"r.quote\",\"evidence\":\"said \\\"hi\\\" \\\\ to "
                                   "P2\\n\\u0001 at T01-V01-G02\",\"parts\":[\"said \\\"hi\\\" "
                                   "\\\\ to \",{\"member\":\"P2\",\"relation\":\"sibling\","
                                   "\"grid\":\"T01-V01-G02\",\"text\":\"P2\"},"));
    assert_non_null(strstr(stored, "\"evidence\":\"bad \\ufffd\\ufffd utf8\""));
    assert_null(strstr(stored, "title"));
    ts_fired_rule *out = NULL;
    size_t n = 0;
    ts_err err;
    ok(ts_fired_rules_read(stored, &a, &out, &n, &err), &err);
    assert_int_equal(n, 4);
    assert_string_equal(out[0].id, "r.quote");
    assert_string_equal(out[0].evidence, ev0);
    assert_int_equal(out[0].n_parts, 3);
    assert_null(out[0].parts[0].member);
    assert_string_equal(out[0].parts[1].member, "P2");
    assert_string_equal(out[0].parts[1].relation, "sibling");
    assert_int_equal(out[0].parts[1].len, 2);
    assert_memory_equal(out[0].parts[1].text, "P2", 2);
    assert_string_equal(out[0].parts[2].text, ev0 + 17);
    assert_string_equal(out[1].evidence, "清水镇 组长");
    assert_string_equal(out[2].evidence, "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8");
    assert_string_equal(out[3].evidence, "");
    assert_int_equal(out[3].n_parts, 0);
    /* written again, the text is the same: the format is stable */
    const char *again = ts_fired_rules_text(out, n, &a);
    ts_fired_rule *out2 = NULL;
    size_t n2 = 0;
    ok(ts_fired_rules_read(again, &a, &out2, &n2, &err), &err);
    assert_int_equal(n2, 4);
    assert_string_equal(out2[2].evidence, out[2].evidence);
    free(stored);
    ts_arena_release(&a);
}

static void test_read_old_and_bad(void **state)
{
    (void)state;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_fired_rule *v = NULL;
    size_t n = 9;
    ts_err err;
    /* before evidence parts, and entries a reader skips */
    ok(ts_fired_rules_read("[{\"id\":\"a\",\"evidence\":\"x\"},{\"evidence\":\"no id\"},7,"
                           "{\"id\":\"b\"},{\"id\":\"c\",\"evidence\":null,\"parts\":[1,{}]}]",
                           &a, &v, &n, &err),
       &err);
    assert_int_equal(n, 3);
    assert_string_equal(v[0].id, "a");
    assert_string_equal(v[1].evidence, "");
    assert_string_equal(v[2].id, "c");
    assert_int_equal(v[2].n_parts, 0);
    ok(ts_fired_rules_read(NULL, &a, &v, &n, &err), &err);
    assert_int_equal(n, 0);
    assert_int_equal(ts_fired_rules_read("{\"id\":\"a\"}", &a, &v, &n, &err), TS_PARSE);
    assert_int_equal(ts_fired_rules_read("[{\"id\":", &a, &v, &n, &err), TS_PARSE);
    ts_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_read_old_and_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
