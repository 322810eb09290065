/* tests/unit/store/test_tokens.c — officer tokens in the store: the secret's shape, only
 * its hash stored (never the secret, in any table), list and revoke, the audit rows
 * naming the token id, and ts_store_audit_tok. Reads the database with sqlite3 directly. */
#include <sqlite3.h>

#include "store_fx.h"
#include "base/text.h"

/* The first column of the first row of sql as text ("" when none), into buf. */
static void sql1(const char *db, const char *sql, char *buf, size_t cap)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
    buf[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static long sqln(const char *db, const char *sql)
{
    char buf[64];
    sql1(db, sql, buf, sizeof buf);
    return strtol(buf, NULL, 10);
}

static bool b64url(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '_';
}

static void add(store_fx *fx, const char *officer, const char *note, char secret[64], char id[16])
{
    ts_err err;
    fx_ok(ts_store_token_add(fx->s, officer, "admin", note, secret, 64, id, 16, &err), &err);
}

static void test_add_shape_and_hash(void **state)
{
    store_fx *fx = *state;
    char secret[64], id[16], sql[256], got[128];
    add(fx, "o-g1", "phone", secret, id);
    assert_int_equal(strlen(secret), 47);
    assert_memory_equal(secret, "tso_", 4);
    for (size_t i = 4; i < 47; i++)
        assert_true(b64url(secret[i]));
    assert_int_equal(strlen(id), 11);
    assert_memory_equal(id, "tk-", 3);
    for (size_t i = 3; i < 11; i++)
        assert_non_null(strchr("0123456789abcdef", id[i]));
    /* the hash of the secret is stored, never the secret */
    char hex[65];
    ts_sha256_hex_of(secret, strlen(secret), hex);
    snprintf(sql, sizeof sql, "SELECT sha256 FROM tokens WHERE id = '%s'", id);
    sql1(fx->db, sql, got, sizeof got);
    assert_string_equal(got, hex);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM tokens WHERE id || officer || sha256 || note || created ||"
             " created_by LIKE '%%%s%%'",
             secret + 4);
    assert_int_equal(sqln(fx->db, sql), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE actor || action || target || detail ||"
             " ifnull(token, '') LIKE '%%%s%%'",
             secret + 4);
    assert_int_equal(sqln(fx->db, sql), 0);
    /* audited as the creator, naming the token */
    snprintf(sql, sizeof sql,
             "SELECT actor || '|' || target || '|' || token || '|' || detail FROM audit"
             " WHERE action = 'token.add'");
    sql1(fx->db, sql, got, sizeof got);
    char want[128];
    snprintf(want, sizeof want, "admin|%s|%s|officer o-g1", id, id);
    assert_string_equal(got, want);
    /* a second token: another secret, another id */
    char secret2[64], id2[16];
    add(fx, "o-g1", NULL, secret2, id2);
    assert_string_not_equal(secret, secret2);
    assert_string_not_equal(id, id2);
    assert_int_equal(sqln(fx->db, "SELECT count(*) FROM tokens"), 2);
}

static void test_add_refuses_bad_arguments(void **state)
{
    store_fx *fx = *state;
    char secret[64], id[16];
    ts_err err;
    assert_int_equal(ts_store_token_add(fx->s, "o-g1", "admin", NULL, secret, 47, id, 16, &err),
                     TS_INVALID);
    assert_int_equal(ts_store_token_add(fx->s, "o-g1", "admin", NULL, secret, 64, id, 11, &err),
                     TS_INVALID);
    assert_int_equal(ts_store_token_add(fx->s, "", "admin", NULL, secret, 64, id, 16, &err),
                     TS_INVALID);
    assert_int_equal(ts_store_token_add(fx->s, "o-g1", "", NULL, secret, 64, id, 16, &err),
                     TS_INVALID);
    assert_int_equal(sqln(fx->db, "SELECT count(*) FROM tokens"), 0);
    assert_int_equal(sqln(fx->db, "SELECT count(*) FROM audit"), 0);
}

typedef struct seen {
    size_t n;
    char ids[8][16];
    bool revoked[8];
    char officer[8][32], note[8][32], revoked_by[8][32];
} seen;

static ts_status collect(void *ud, const ts_token_row *t)
{
    seen *s = ud;
    assert_true(s->n < 8);
    snprintf(s->ids[s->n], sizeof s->ids[0], "%s", t->id);
    snprintf(s->officer[s->n], sizeof s->officer[0], "%s", t->officer);
    snprintf(s->note[s->n], sizeof s->note[0], "%s", t->note);
    snprintf(s->revoked_by[s->n], sizeof s->revoked_by[0], "%s",
             t->revoked_by ? t->revoked_by : "");
    s->revoked[s->n] = t->revoked != NULL;
    assert_int_equal(strlen(t->sha256), 64);
    assert_non_null(t->created);
    assert_string_equal(t->created_by, "admin");
    s->n++;
    return TS_OK;
}

static ts_status stop_at_first(void *ud, const ts_token_row *t)
{
    (void)t;
    (*(int *)ud)++;
    return TS_LIMIT;
}

static void test_list_and_revoke(void **state)
{
    store_fx *fx = *state;
    char secret[64], a[16], b[16], sql[256];
    ts_err err;
    int64_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    fx_ok(ts_store_tokens_mark(fx->s, &m0, &err), &err);
    add(fx, "o-g1", "first", secret, a);
    add(fx, "o-t1", "second", secret, b);
    fx_ok(ts_store_tokens_mark(fx->s, &m1, &err), &err);
    assert_true(m1 > m0);
    seen all = {0};
    fx_ok(ts_store_token_list(fx->s, false, collect, &all, &err), &err);
    assert_int_equal(all.n, 2);
    for (size_t i = 0; i < 2; i++) {
        bool is_a = !strcmp(all.ids[i], a);
        assert_true(is_a || !strcmp(all.ids[i], b));
        assert_string_equal(all.officer[i], is_a ? "o-g1" : "o-t1");
        assert_string_equal(all.note[i], is_a ? "first" : "second");
        assert_false(all.revoked[i]);
    }
    fx_ok(ts_store_token_revoke(fx->s, a, "chief", &err), &err);
    fx_ok(ts_store_tokens_mark(fx->s, &m2, &err), &err);
    assert_true(m2 > m1);
    /* revoked twice: TS_STATE; unknown: TS_NOTFOUND; neither writes anything */
    long audits = sqln(fx->db, "SELECT count(*) FROM audit");
    assert_int_equal(ts_store_token_revoke(fx->s, a, "chief", &err), TS_STATE);
    assert_int_equal(ts_store_token_revoke(fx->s, "tk-00000000", "chief", &err), TS_NOTFOUND);
    assert_int_equal(sqln(fx->db, "SELECT count(*) FROM audit"), audits);
    fx_ok(ts_store_tokens_mark(fx->s, &m3, &err), &err);
    assert_int_equal(m3, m2);
    seen active = {0};
    fx_ok(ts_store_token_list(fx->s, true, collect, &active, &err), &err);
    assert_int_equal(active.n, 1);
    assert_string_equal(active.ids[0], b);
    assert_string_equal(active.note[0], "second");
    assert_false(active.revoked[0]);
    seen again = {0};
    fx_ok(ts_store_token_list(fx->s, false, collect, &again, &err), &err);
    assert_int_equal(again.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(again.revoked[i], !strcmp(again.ids[i], a));
        assert_string_equal(again.revoked_by[i], !strcmp(again.ids[i], a) ? "chief" : "");
    }
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM audit WHERE action = 'token.revoke' AND actor = 'chief'"
             " AND target = '%s' AND token = '%s'",
             a, a);
    assert_int_equal(sqln(fx->db, sql), 1);
    /* the callback's status ends the listing */
    int calls = 0;
    assert_int_equal(ts_store_token_list(fx->s, false, stop_at_first, &calls, &err), TS_LIMIT);
    assert_int_equal(calls, 1);
}

static void test_audit_tok(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    fx_ok(ts_store_audit_tok(fx->s, "o-g1", "tk-0000abcd", "alert.ack", "A-000001", "n", &err),
          &err);
    fx_ok(ts_store_audit_tok(fx->s, "cli", NULL, "alert.ack", "A-000002", NULL, &err), &err);
    char got[128];
    sql1(fx->db,
         "SELECT actor || '|' || token || '|' || action || '|' || detail FROM audit"
         " WHERE target = 'A-000001'",
         got, sizeof got);
    assert_string_equal(got, "o-g1|tk-0000abcd|alert.ack|n");
    assert_int_equal(
        sqln(fx->db, "SELECT count(*) FROM audit WHERE target = 'A-000002' AND token IS NULL"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_shape_and_hash, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_add_refuses_bad_arguments, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_list_and_revoke, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_audit_tok, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
