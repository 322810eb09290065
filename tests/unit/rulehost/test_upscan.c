/* tests/unit/rulehost/test_upscan.c — the bytecode scan that decides whether a rule
 * file's upvalues must be restored before each rule call (engine/rulehost/upscan.c),
 * and that the default pack needs no restoring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "rulehost/rh.h"
#include "rulehost/upscan.h"

typedef struct dumpbuf {
    char *p;
    size_t len, cap;
} dumpbuf;

static int dump_writer(lua_State *L, const void *p, size_t n, void *ud)
{
    (void)L;
    dumpbuf *d = ud;
    if (d->len + n > d->cap) {
        size_t cap = (d->len + n) * 2;
        char *np = realloc(d->p, cap);
        if (!np)
            return 1;
        d->p = np;
        d->cap = cap;
    }
    memcpy(d->p + d->len, p, n);
    d->len += n;
    return 0;
}

/* Compiles src in a plain state and dumps its main function. */
static dumpbuf compile(const char *src, int strip)
{
    lua_State *L = luaL_newstate();
    assert_non_null(L);
    assert_int_equal(luaL_loadstring(L, src), LUA_OK);
    dumpbuf d = {0};
    assert_int_equal(lua_dump(L, dump_writer, &d, strip), 0);
    lua_close(L);
    return d;
}

static bool scan(const char *src, int strip)
{
    dumpbuf d = compile(src, strip);
    bool r = ts__rh_chunk_sets_upvalues(d.p, d.len);
    free(d.p);
    return r;
}

static void test_scan_answers(void **state)
{
    (void)state;
    for (int strip = 0; strip <= 1; strip++) {
        /* reading upvalues, writing tables and globals, assigning locals at top level */
        assert_false(scan("local x = 1 return function() return x end", strip));
        assert_false(scan("local t = {} return function() t.n = 1 end", strip));
        assert_false(scan("x = 1 local y = 2 y = 3 return function() return y end", strip));
        assert_false(scan("local s = 'a' local f = 1.5 local i = 2 local b = true\n"
                          "return function() return s, f, i, b, nil, false end",
                          strip));
        /* assigning an upvalue from a function, at any depth */
        assert_true(scan("local x = 1 return function() x = 2 end", strip));
        assert_true(scan("local x return function() return function() x = 1 end end", strip));
        /* a closure assigning its own enclosing function's local: flagged (conservative) */
        assert_true(
            scan("return function() local y = 0 return function() y = y + 1 end end", strip));
        /* _ENV itself */
        assert_true(scan("return function() _ENV = {} end", strip));
    }
}

static void test_scan_bad_chunks(void **state)
{
    (void)state;
    /* anything unreadable answers "yes" (restore everything) */
    assert_true(ts__rh_chunk_sets_upvalues("", 0));
    assert_true(ts__rh_chunk_sets_upvalues("\x1bLua", 4));
    assert_true(ts__rh_chunk_sets_upvalues("return 1", 8));
    dumpbuf d = compile("local x = 1 return function() return x end", 0);
    assert_false(ts__rh_chunk_sets_upvalues(d.p, d.len));
    for (size_t cut = 0; cut < d.len; cut++)
        assert_true(ts__rh_chunk_sets_upvalues(d.p, cut));
    /* trailing bytes, and every single-byte corruption: no crash, no overread (ASan) */
    dumpbuf e = {0};
    dump_writer(NULL, d.p, d.len, &e);
    dump_writer(NULL, "x", 1, &e);
    assert_true(ts__rh_chunk_sets_upvalues(e.p, e.len));
    for (size_t i = 0; i < d.len; i++) {
        char saved = d.p[i];
        for (int v = 0; v < 256; v += 17) {
            d.p[i] = (char)v;
            (void)ts__rh_chunk_sets_upvalues(d.p, d.len);
        }
        d.p[i] = saved;
    }
    free(d.p);
    free(e.p);
}

/* The default pack's files assign no upvalue: its rules run without any restoring. */
static void test_default_pack_needs_no_restoring(void **state)
{
    (void)state;
    const char *src = getenv("TS_SOURCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/rules", src ? src : ".");
    ts_rulehost_opts o = {.instructions = 100000, .memory_bytes = 16u << 20};
    ts_rulepack *pack = NULL;
    ts_err err;
    assert_int_equal(ts_rulepack_load(dir, &o, NULL, NULL, &pack, &err), TS_OK);
    ts_rulehost *h = NULL;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    size_t n = ts_rulepack_count(pack);
    assert_true(n >= 17);
    for (size_t i = 0; i < n; i++) {
        assert_false(h->rule_mutable[i]);
        assert_int_equal(h->n_resets[i], 0);
    }
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_answers),
        cmocka_unit_test(test_scan_bad_chunks),
        cmocka_unit_test(test_default_pack_needs_no_restoring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
