/* tests/unit/config/test_ytree.c — the hardened YAML loader: tree shape, positions,
 * core-schema typing, every refusal with its exact location, hostile inputs (billion
 * laughs, cycles, deep nesting) and the yaml-test-suite conformance run over
 * $TS_TESTDATA/yaml. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/limits.h"
#include "config/ytree.h"
#include "testdata_req.h"

/* Loads s as "t.yaml"; keeps the doc in *out (may be NULL to discard it). */
static ts_status load(const char *s, ts_ydoc **out, ts_err *err)
{
    ts_ydoc *d = NULL;
    ts_err_clear(err);
    ts_status rc = ts_ydoc_load_mem("t.yaml", s, strlen(s), &d, err);
    if (out)
        *out = d;
    else
        ts_ydoc_free(d);
    return rc;
}

/* Asserts that s is refused with code, at location where, with msg containing frag. */
static void refused(const char *s, ts_status code, const char *where, const char *frag)
{
    ts_err err;
    ts_ydoc *d = NULL;
    ts_status rc = load(s, &d, &err);
    if (rc != code || strcmp(err.where, where) != 0 || !strstr(err.msg, frag))
        print_error("input %.60s\n  got %s %s: %s\n  want %s %s: ...%s...\n", s, ts_status_name(rc),
                    err.where, err.msg, ts_status_name(code), where, frag);
    assert_null(d);
    assert_int_equal(rc, code);
    assert_string_equal(err.where, where);
    assert_non_null(strstr(err.msg, frag));
}

/* ---- shape and positions ------------------------------------------------------------ */

static void test_tree_shape(void **state)
{
    (void)state;
    ts_err err;
    ts_ydoc *d;
    const char *src = "name: 东岸村\nlist: [a, 'b', \"c\"]\nnested:\n  k: v\n";
    assert_int_equal(load(src, &d, &err), TS_OK);
    const ts_ynode *r = ts_ydoc_root(d);
    assert_non_null(r);
    assert_int_equal(r->type, TS_Y_MAP);
    assert_int_equal(r->n, 3);
    assert_string_equal(ts_ydoc_name(d), "t.yaml");

    const ts_ynode *name = ts_ynode_get(r, "name");
    assert_non_null(name);
    assert_string_equal(name->str, "东岸村");
    assert_int_equal(name->len, 9);
    assert_int_equal(name->line, 1);
    assert_int_equal(name->col, 7);
    /* byte offsets slice the source exactly, even after multi-byte characters */
    size_t len;
    const char *text = ts_ydoc_text(d, &len);
    assert_int_equal(len, strlen(src));
    assert_int_equal(name->start, 6);
    assert_int_equal(name->end, 15);

    const ts_ynode *list = ts_ynode_get(r, "list");
    assert_int_equal(list->type, TS_Y_SEQ);
    assert_int_equal(list->n, 3);
    assert_true(list->items[0]->plain);
    assert_false(list->items[1]->plain);
    assert_false(list->items[2]->plain);
    assert_string_equal(list->items[2]->str, "c");
    assert_int_equal(list->line, 2);
    assert_int_equal(list->col, 7);
    assert_memory_equal(text + list->start, "[a, 'b', \"c\"]", list->end - list->start);

    const ts_ynode *nested = ts_ynode_get(r, "nested");
    assert_int_equal(nested->type, TS_Y_MAP);
    assert_string_equal(ts_ynode_get(nested, "k")->str, "v");
    assert_string_equal(ts_ynode_key(r, 2)->str, "nested");
    assert_ptr_equal(ts_ynode_val(r, 2), nested);
    assert_null(ts_ynode_key(r, 3));
    assert_null(ts_ynode_get(r, "absent"));
    assert_null(ts_ynode_get(list, "a"));

    char where[64];
    assert_string_equal(ts_ynode_where(d, nested, where, sizeof where), "t.yaml:4:3");
    ts_ydoc_free(d);
}

static void test_positions_after_chinese_and_bom(void **state)
{
    (void)state;
    ts_err err;
    ts_ydoc *d;
    /* a UTF-8 BOM, CRLF line ends and three-byte characters before the node */
    const char *src = "\xEF\xBB\xBF名字: 张三\r\nx: [1, 二]\r\n";
    assert_int_equal(load(src, &d, &err), TS_OK);
    const ts_ynode *x = ts_ynode_get(ts_ydoc_root(d), "x");
    assert_int_equal(x->line, 2);
    assert_int_equal(x->col, 4);
    size_t len;
    const char *text = ts_ydoc_text(d, &len);
    assert_memory_equal(text + x->start, "[1, 二]", strlen("[1, 二]"));
    assert_int_equal(x->end - x->start, strlen("[1, 二]"));
    assert_string_equal(x->items[1]->str, "二");
    ts_ydoc_free(d);
}

static void test_aliases_share_nodes(void **state)
{
    (void)state;
    ts_err err;
    ts_ydoc *d;
    assert_int_equal(load("a: &x {k: v}\nb: *x\nc: &y 1\nd: &y 2\ne: *y\n", &d, &err), TS_OK);
    const ts_ynode *r = ts_ydoc_root(d);
    assert_ptr_equal(ts_ynode_get(r, "a"), ts_ynode_get(r, "b"));
    /* an anchor may be redefined; an alias names the latest definition */
    assert_string_equal(ts_ynode_get(r, "e")->str, "2");
    ts_ydoc_free(d);
    /* an anchor redefined inside its own container: the inner one wins afterwards */
    assert_int_equal(load("a: &x [&x 1, *x]\nb: *x\n", &d, &err), TS_OK);
    assert_string_equal(ts_ynode_get(ts_ydoc_root(d), "b")->str, "1");
    ts_ydoc_free(d);
}

static void test_empty_stream(void **state)
{
    (void)state;
    ts_err err;
    ts_ydoc *d = NULL;
    /* by default an empty stream loads with a NULL root */
    assert_int_equal(load("", &d, &err), TS_OK);
    assert_non_null(d);
    assert_null(ts_ydoc_root(d));
    ts_ydoc_free(d);
    assert_int_equal(load("# only a comment\n\n", &d, &err), TS_OK);
    assert_null(ts_ydoc_root(d));
    ts_ydoc_free(d);
    /* TS_YDOC_REQUIRE_DOC refuses it, at the end of the stream */
    d = NULL;
    assert_int_equal(ts_ydoc_load_mem_ex("e.yaml", "# c\n\n", 5, TS_YDOC_REQUIRE_DOC, &d, &err),
                     TS_PARSE);
    assert_null(d);
    assert_string_equal(err.where, "e.yaml:3:1");
    assert_string_equal(err.msg, "empty stream: no YAML document");
    assert_int_equal(ts_ydoc_load_mem_ex("e.yaml", "", 0, TS_YDOC_REQUIRE_DOC, &d, &err), TS_PARSE);
    assert_string_equal(err.where, "e.yaml:1:1");
    assert_int_equal(ts_ydoc_load_mem_ex("e.yaml", "a: 1\n", 5, TS_YDOC_REQUIRE_DOC, &d, &err),
                     TS_OK);
    ts_ydoc_free(d);
    /* an explicit but empty document is a null scalar, never a NULL root */
    assert_int_equal(load("---\n", &d, &err), TS_OK);
    assert_true(ts_ynode_is_null(ts_ydoc_root(d)));
    ts_ydoc_free(d);
}

/* ---- typed scalars ----------------------------------------------------------------- */

static const ts_ynode *item(const ts_ydoc *d, size_t i)
{
    return ts_ydoc_root(d)->items[i];
}

static void test_core_schema(void **state)
{
    (void)state;
    ts_err err;
    ts_ydoc *d;
    assert_int_equal(load("[null, Null, NULL, ~, ~, 'null', nul, true, True, FALSE, yes, 'true', "
                          "12, -7, +3, 0x1F, 0o17, 0b1, 012, 1_000, 9223372036854775807, "
                          "9223372036854775808, -9223372036854775808, 1.5, -.5, 1e3, 2.E-2, "
                          ".inf, -.Inf, .NaN, '12', 1.2.3, 0x, -0x1]",
                          &d, &err),
                     TS_OK);
    for (size_t i = 0; i <= 4; i++)
        assert_true(ts_ynode_is_null(item(d, i)));
    assert_false(ts_ynode_is_null(item(d, 5))); /* quoted */
    assert_false(ts_ynode_is_null(item(d, 6)));
    assert_true(ts_ynode_is_str(item(d, 5)));
    assert_false(ts_ynode_is_str(item(d, 0)));

    bool b = false;
    assert_true(ts_ynode_bool(item(d, 7), &b) && b);
    assert_true(ts_ynode_bool(item(d, 8), &b) && b);
    assert_true(ts_ynode_bool(item(d, 9), &b) && !b);
    assert_false(ts_ynode_bool(item(d, 10), &b)); /* yes is YAML 1.1, a string in 1.2 */
    assert_false(ts_ynode_bool(item(d, 11), &b)); /* quoted */

    int64_t v = 0;
    assert_true(ts_ynode_int(item(d, 12), &v) && v == 12);
    assert_true(ts_ynode_int(item(d, 13), &v) && v == -7);
    assert_true(ts_ynode_int(item(d, 14), &v) && v == 3);
    assert_true(ts_ynode_int(item(d, 15), &v) && v == 31);
    assert_true(ts_ynode_int(item(d, 16), &v) && v == 15);
    assert_false(ts_ynode_int(item(d, 17), &v));           /* 0b is not core */
    assert_true(ts_ynode_int(item(d, 18), &v) && v == 12); /* decimal in 1.2 */
    assert_false(ts_ynode_int(item(d, 19), &v));
    assert_true(ts_ynode_int(item(d, 20), &v) && v == INT64_MAX);
    assert_false(ts_ynode_int(item(d, 21), &v)); /* overflow */
    assert_true(ts_ynode_int(item(d, 22), &v) && v == INT64_MIN);
    assert_false(ts_ynode_int(item(d, 23), &v));

    double x = 0;
    assert_true(ts_ynode_number(item(d, 12), &x) && x == 12.0);
    assert_true(ts_ynode_number(item(d, 15), &x) && x == 31.0);
    assert_true(ts_ynode_number(item(d, 23), &x) && x == 1.5);
    assert_true(ts_ynode_number(item(d, 24), &x) && x == -0.5);
    assert_true(ts_ynode_number(item(d, 25), &x) && x == 1000.0);
    assert_true(ts_ynode_number(item(d, 26), &x) && x == 0.02);
    assert_true(ts_ynode_number(item(d, 27), &x) && x > 1e308);
    assert_true(ts_ynode_number(item(d, 28), &x) && x < -1e308);
    assert_true(ts_ynode_number(item(d, 29), &x) && x != x);
    assert_false(ts_ynode_number(item(d, 30), &x)); /* quoted */
    assert_false(ts_ynode_number(item(d, 31), &x));
    assert_false(ts_ynode_number(item(d, 32), &x));
    assert_false(ts_ynode_number(item(d, 33), &x));
    assert_false(ts_ynode_int(ts_ydoc_root(d), &v)); /* not a scalar */
    assert_false(ts_ynode_is_null(NULL));
    ts_ydoc_free(d);
    /* an empty plain value is null; an empty quoted one is the empty string */
    assert_int_equal(load("a:\nb: ''\n", &d, &err), TS_OK);
    assert_true(ts_ynode_is_null(ts_ynode_get(ts_ydoc_root(d), "a")));
    assert_false(ts_ynode_is_null(ts_ynode_get(ts_ydoc_root(d), "b")));
    assert_true(ts_ynode_is_str(ts_ynode_get(ts_ydoc_root(d), "b")));
    ts_ydoc_free(d);
}

static void test_core_tags(void **state)
{
    (void)state;
    ts_err err;
    ts_ydoc *d;
    assert_int_equal(
        load("a: !!int \"12\"\nb: !!str 12\nc: !!bool 'true'\nd: !!null ''\ne: !!float 1\n"
             "f: !!map {k: v}\ng: !!seq [1]\nh: ! 12\n",
             &d, &err),
        TS_OK);
    const ts_ynode *r = ts_ydoc_root(d);
    int64_t v;
    bool b;
    double x;
    assert_true(ts_ynode_int(ts_ynode_get(r, "a"), &v) && v == 12);
    assert_false(ts_ynode_int(ts_ynode_get(r, "b"), &v));
    assert_true(ts_ynode_bool(ts_ynode_get(r, "c"), &b) && b);
    assert_true(ts_ynode_is_null(ts_ynode_get(r, "d")));
    assert_true(ts_ynode_number(ts_ynode_get(r, "e"), &x) && x == 1.0);
    assert_false(ts_ynode_int(ts_ynode_get(r, "h"), &v)); /* `!` forces a string */
    ts_ydoc_free(d);

    refused("a: !!int abc\n", TS_PARSE, "t.yaml:1:4", "does not match its tag");
    refused("a: !!bool yes\n", TS_PARSE, "t.yaml:1:4", "does not match its tag");
    refused("a: !!map [1]\n", TS_PARSE, "t.yaml:1:4", "tag 'tag:yaml.org,2002:map'");
    refused("a: !!str {k: v}\n", TS_PARSE, "t.yaml:1:4", "is not allowed");
}

/* ---- refusals with exact locations -------------------------------------------------- */

static void test_syntax_errors(void **state)
{
    (void)state;
    refused("a: [1, 2\n", TS_PARSE, "t.yaml:2:1", "did not find expected ',' or ']'");
    refused("a: b: c\n", TS_PARSE, "t.yaml:1:5", "mapping values are not allowed");
    refused("a:\n  - 1\n - 2\n", TS_PARSE, "t.yaml:3:2", "did not find expected key");
    refused("a: \"unterminated\n", TS_PARSE, "t.yaml:2:1", "unexpected end of stream");
    refused("a: 1\n\tb: 2\n", TS_PARSE, "t.yaml:2:1", "tab character that violates indentation");
    /* a control character is refused by libyaml's reader */
    refused("a: x\x01y\n", TS_PARSE, "t.yaml:1:5", "control characters are not allowed");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    refused("a: ok\nb: \xff\n", TS_PARSE, "t.yaml:2:4", "invalid UTF-8");
    refused("a: \xe4\xb8\n", TS_PARSE, "t.yaml:1:4", "invalid UTF-8");
    refused("\xff\xfe"
            "a\0:\0",
            TS_PARSE, "t.yaml:1:1", "UTF-16");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    refused("a: 1\nb: 2\na: 3\n", TS_PARSE, "t.yaml:3:1", "duplicate key 'a' (first at 1:1)");
    refused("x: {k: 1, 'k': 2}\n", TS_PARSE, "t.yaml:1:11", "duplicate key 'k' (first at 1:5)");
    refused("- {a: 1}\n- b: 1\n  b: 2\n", TS_PARSE, "t.yaml:3:3", "duplicate key 'b'");
    /* a large mapping takes the sorted path; the earliest repeated key is reported */
    char buf[4096];
    size_t off = 0;
    for (int i = 0; i < 100; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, "k%d: %d\n", i, i);
    off += (size_t)snprintf(buf + off, sizeof buf - off, "k70: again\nk5: again\n");
    refused(buf, TS_PARSE, "t.yaml:101:1", "duplicate key 'k70' (first at 71:1)");
    /* the same text under different parents is fine */
    ts_err err;
    assert_int_equal(load("a: {k: 1}\nb: {k: 1}\n", NULL, &err), TS_OK);
}

static void test_keys_must_be_scalars(void **state)
{
    (void)state;
    refused("? [a, b]\n: c\n", TS_PARSE, "t.yaml:1:3", "mapping keys must be scalars");
    refused("{{a: 1}: 2}\n", TS_PARSE, "t.yaml:1:2", "mapping keys must be scalars");
    refused("a: &s [1]\n*s : 2\n", TS_PARSE, "t.yaml:2:1", "mapping keys must be scalars");
    ts_err err;
    assert_int_equal(load("a: &k key\n*k : 2\n", NULL, &err), TS_OK);
}

static void test_one_document(void **state)
{
    (void)state;
    refused("a: 1\n---\nb: 2\n", TS_PARSE, "t.yaml:2:1", "only one document");
    refused("--- a\n...\n--- b\n", TS_PARSE, "t.yaml:3:1", "only one document");
    ts_err err;
    assert_int_equal(load("--- a\n...\n", NULL, &err), TS_OK);
}

static void test_custom_tags(void **state)
{
    (void)state;
    refused("a: !foo x\n", TS_PARSE, "t.yaml:1:4", "tag '!foo' is not allowed");
    refused("a: !!python/object:os.system x\n", TS_PARSE, "t.yaml:1:4", "is not allowed");
    refused("- !<tag:example.com,2000:app/foo> x\n", TS_PARSE, "t.yaml:1:3", "is not allowed");
    refused("%TAG !! tag:example.com,2000:\n---\na: !!int 1\n", TS_PARSE, "t.yaml:3:4",
            "tag 'tag:example.com,2000:int'");
    refused("a: !local {k: v}\n", TS_PARSE, "t.yaml:1:4", "is not allowed");
}

static void test_cycles_and_unknown_anchors(void **state)
{
    (void)state;
    refused("a: &x [*x]\n", TS_PARSE, "t.yaml:1:8", "refers to a node that contains it");
    refused("a: &x {b: {c: *x}}\n", TS_PARSE, "t.yaml:1:15", "cycle");
    refused("&r\na: *r\n", TS_PARSE, "t.yaml:2:4", "cycle");
    refused("a: *nope\n", TS_PARSE, "t.yaml:1:4", "alias '*nope' names no anchor");
    refused("a: *x\nb: &x 1\n", TS_PARSE, "t.yaml:1:4", "names no anchor");
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t n = 10000;
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, '[', n);
    s[n] = '\0';
    char where[32];
    snprintf(where, sizeof where, "t.yaml:1:%d", TS_LIMIT_YAML_DEPTH + 1);
    refused(s, TS_LIMIT, where, "nesting too deep");
    for (size_t i = 0; i + 4 <= n; i += 4)
        memcpy(s + i, "{a: ", 4);
    snprintf(where, sizeof where, "t.yaml:1:%d", 4 * TS_LIMIT_YAML_DEPTH + 1);
    refused(s, TS_LIMIT, where, "nesting too deep");
    /* block style: each level one line deeper */
    size_t cap = 64 * 1024, off = 0;
    char *b = malloc(cap);
    assert_non_null(b);
    for (int i = 0; i < 200 && off + 300 < cap; i++) {
        memset(b + off, ' ', (size_t)i);
        off += (size_t)i;
        off += (size_t)snprintf(b + off, cap - off, "k:\n");
    }
    b[off] = '\0';
    snprintf(where, sizeof where, "t.yaml:%d:%d", TS_LIMIT_YAML_DEPTH + 1, TS_LIMIT_YAML_DEPTH + 1);
    refused(b, TS_LIMIT, where, "nesting too deep");
    /* exactly the limit is fine */
    memset(s, '[', TS_LIMIT_YAML_DEPTH);
    memset(s + TS_LIMIT_YAML_DEPTH, ']', TS_LIMIT_YAML_DEPTH);
    s[2 * TS_LIMIT_YAML_DEPTH] = '\0';
    ts_err err;
    assert_int_equal(load(s, NULL, &err), TS_OK);
    free(s);
    free(b);
}

/* The classic: 10 levels, each naming the previous one 10 times = 10^10 nodes. */
static char *billion_laughs(void)
{
    size_t cap = 8192, off = 0;
    char *s = malloc(cap);
    off += (size_t)snprintf(s + off, cap - off, "l0: &l0 \"lol\"\n");
    for (int i = 1; i <= 10; i++) {
        off += (size_t)snprintf(s + off, cap - off, "l%d: &l%d [", i, i);
        for (int j = 0; j < 10; j++)
            off += (size_t)snprintf(s + off, cap - off, "%s*l%d", j ? ", " : "", i - 1);
        off += (size_t)snprintf(s + off, cap - off, "]\n");
    }
    return s;
}

static void test_billion_laughs(void **state)
{
    (void)state;
    char *s = billion_laughs();
    ts_err err;
    ts_ydoc *d = NULL;
    ts_status rc = ts_ydoc_load_mem("lol.yaml", s, strlen(s), &d, &err);
    assert_int_equal(rc, TS_LIMIT);
    assert_null(d);
    assert_non_null(strstr(err.msg, "counting alias expansions"));
    /* level 6 weighs 1,111,111 nodes: the first alias to it (line 8) breaks the budget */
    assert_string_equal(err.where, "lol.yaml:8:10");
    free(s);

    /* the same shape written with 1001 cheap aliases is stopped by the alias cap */
    size_t cap = 16384, off = 0;
    s = malloc(cap);
    off += (size_t)snprintf(s + off, cap - off, "a: &a x\nb: [");
    for (int i = 0; i < 1001; i++)
        off += (size_t)snprintf(s + off, cap - off, "%s*a", i ? "," : "");
    snprintf(s + off, cap - off, "]\n");
    char where[32];
    snprintf(where, sizeof where, "t.yaml:2:%d", 5 + 3 * 1000);
    refused(s, TS_LIMIT, where, "too many aliases");
    free(s);
}

static void test_scalar_and_file_limits(void **state)
{
    (void)state;
    size_t n = TS_LIMIT_YAML_SCALAR + 1;
    char *s = malloc(n + 8);
    memcpy(s, "a: ", 3);
    memset(s + 3, 'x', n);
    s[n + 3] = '\0';
    refused(s, TS_LIMIT, "t.yaml:1:4", "scalar too long");
    /* exactly at the limit is fine */
    s[TS_LIMIT_YAML_SCALAR + 3] = '\0';
    ts_err err;
    assert_int_equal(load(s, NULL, &err), TS_OK);
    free(s);

    /* a file over the size cap is refused before parsing (a sparse file) */
    char path[] = "/tmp/ts_ytree_big_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)TS_LIMIT_YAML_FILE + 1), 0);
    close(fd);
    ts_ydoc *d = NULL;
    assert_int_equal(ts_ydoc_load_file(path, &d, &err), TS_LIMIT);
    assert_null(d);
    assert_string_equal(err.where, path);
    assert_non_null(strstr(err.msg, "too large"));
    unlink(path);
    assert_int_equal(ts_ydoc_load_mem("m.yaml", "", (size_t)TS_LIMIT_YAML_FILE + 1, &d, &err),
                     TS_LIMIT);
}

static void test_missing_file(void **state)
{
    (void)state;
    ts_err err;
    ts_ydoc *d = NULL;
    assert_int_equal(ts_ydoc_load_file("/nonexistent/dir/x.yaml", &d, &err), TS_IO);
    assert_null(d);
    assert_string_equal(err.where, "/nonexistent/dir/x.yaml");
    assert_non_null(strstr(err.msg, "No such file"));
    assert_int_equal(ts_ydoc_load_file("/tmp", &d, &err), TS_IO);
}

static void test_load_file_ok(void **state)
{
    (void)state;
    char path[] = "/tmp/ts_ytree_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *src = "k: [1, 2]\n";
    assert_int_equal(write(fd, src, strlen(src)), (ssize_t)strlen(src));
    close(fd);
    ts_err err;
    ts_ydoc *d = NULL;
    assert_int_equal(ts_ydoc_load_file(path, &d, &err), TS_OK);
    assert_string_equal(ts_ydoc_name(d), path);
    assert_int_equal(ts_ynode_get(ts_ydoc_root(d), "k")->n, 2);
    size_t len;
    assert_string_equal(ts_ydoc_text(d, &len), src);
    ts_ydoc_free(d);
    unlink(path);
    ts_ydoc_free(NULL);
}

/* ---- yaml-test-suite conformance ---------------------------------------------------- */

/* Our policies refuse some valid YAML on purpose; these message fragments name them. */
static const char *policy_of(const char *msg)
{
    static const struct {
        const char *frag, *name;
    } tab[] = {
        {"only one document", "multi-document"},
        {"is not allowed (only the YAML core tags", "non-core tag"},
        {"does not match its tag", "core tag mismatch"},
        {"duplicate key", "duplicate key"},
        {"mapping keys must be scalars", "non-scalar key"},
        {"empty stream", "empty stream"},
        {"refers to a node that contains it", "cycle"},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strstr(msg, tab[i].frag))
            return tab[i].name;
    return NULL;
}

/* The libyaml column of libyaml-deviations.tsv for id, or NULL. */
static const char *deviation(char *const *ids, char *const *kinds, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return kinds[i];
    return NULL;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap);
    size_t got;
    while ((got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

typedef struct {
    size_t valid_ok, valid_policy, valid_libyaml, valid_dev_ok, invalid_refused, invalid_libyaml_ok,
        invalid_dev_refused;
    size_t per_policy[8];
    const char *policy_names[8];
    size_t n_policies;
} tally;

static void count_policy(tally *t, const char *p)
{
    for (size_t i = 0; i < t->n_policies; i++)
        if (strcmp(t->policy_names[i], p) == 0) {
            t->per_policy[i]++;
            return;
        }
    if (t->n_policies < 8) {
        t->policy_names[t->n_policies] = p;
        t->per_policy[t->n_policies++] = 1;
    }
}

static void test_conformance(void **state)
{
    (void)state;
    const char *td = getenv("TS_TESTDATA");
    char path[1024];
    snprintf(path, sizeof path, "%s/yaml/index.tsv", td ? td : "/nonexistent");
    FILE *idx = fopen(path, "r");
    if (!idx) {
        char why[1100];
        snprintf(why, sizeof why, "%s not found: yaml conformance", path);
        td_missing(why);
        skip();
    }
    /* the known libyaml deviations */
    char *dev_ids[128], *dev_kinds[128];
    size_t n_dev = 0;
    snprintf(path, sizeof path, "%s/yaml/libyaml-deviations.tsv", td);
    FILE *dv = fopen(path, "r");
    assert_non_null(dv);
    char line[2048];
    while (fgets(line, sizeof line, dv) && n_dev < 128) {
        if (line[0] == '#' || strncmp(line, "id\t", 3) == 0)
            continue;
        char *id = strtok(line, "\t\n"), *cls = strtok(NULL, "\t\n"), *lib = strtok(NULL, "\t\n");
        if (!id || !cls || !lib)
            continue;
        dev_ids[n_dev] = strdup(id);
        dev_kinds[n_dev++] = strdup(lib);
    }
    fclose(dv);
    assert_int_equal(n_dev, 69);

    tally t;
    memset(&t, 0, sizeof t);
    size_t failures = 0, files = 0;
    while (fgets(line, sizeof line, idx)) {
        if (strncmp(line, "id\t", 3) == 0)
            continue;
        char *id = strtok(line, "\t\n"), *cls = strtok(NULL, "\t\n");
        if (!id || !cls)
            continue;
        bool valid = strcmp(cls, "valid") == 0;
        snprintf(path, sizeof path, "%s/yaml/%s/%s.yaml", td, cls, id);
        size_t len;
        char *buf = slurp(path, &len);
        if (!buf) {
            print_error("missing %s\n", path);
            failures++;
            continue;
        }
        files++;
        ts_ydoc *d = NULL;
        ts_err err;
        ts_err_clear(&err);
        ts_status rc = ts_ydoc_load_mem(path, buf, len, &d, &err);
        free(buf);
        const char *dev = deviation(dev_ids, dev_kinds, n_dev, id);
        if (rc == TS_OK) {
            assert_non_null(d);
            ts_ydoc_free(d);
        } else {
            assert_null(d);
            /* every refusal names the file, a line and a column */
            if (strncmp(err.where, path, strlen(path)) != 0 || err.where[strlen(path)] != ':') {
                print_error("%s: refusal without location: '%s' %s\n", id, err.where, err.msg);
                failures++;
            }
        }
        const char *pol = rc == TS_OK ? NULL : policy_of(err.msg);
        if (valid) {
            if (rc == TS_OK && dev)
                t.valid_dev_ok++; /* a libyaml composer deviation our event walk accepts */
            else if (rc == TS_OK)
                t.valid_ok++;
            else if (pol) {
                t.valid_policy++;
                count_policy(&t, pol);
            } else if (dev && strcmp(dev, "rejected-parse") == 0)
                t.valid_libyaml++;
            else {
                print_error("%s (valid) refused: %s: %s\n", id, err.where, err.msg);
                failures++;
            }
        } else {
            if (rc != TS_OK && dev)
                t.invalid_dev_refused++; /* libyaml accepts it; a policy of ours does not */
            else if (rc != TS_OK)
                t.invalid_refused++;
            else if (dev && strcmp(dev, "accepted") == 0)
                t.invalid_libyaml_ok++;
            else {
                print_error("%s (invalid) accepted\n", id);
                failures++;
            }
        }
    }
    fclose(idx);
    print_message("yaml conformance over %zu files:\n"
                  "  valid:   %zu loaded, %zu refused by our policies, %zu refused by libyaml "
                  "(known deviations), %zu loaded although libyaml's composer refuses them\n"
                  "  invalid: %zu refused, %zu refused by our policies although libyaml "
                  "accepts them, %zu accepted (known libyaml deviations)\n",
                  files, t.valid_ok, t.valid_policy, t.valid_libyaml, t.valid_dev_ok,
                  t.invalid_refused, t.invalid_dev_refused, t.invalid_libyaml_ok);
    for (size_t i = 0; i < t.n_policies; i++)
        print_message("  policy %-18s %zu valid files\n", t.policy_names[i], t.per_policy[i]);
    for (size_t i = 0; i < n_dev; i++) {
        free(dev_ids[i]);
        free(dev_kinds[i]);
    }
    assert_int_equal(files, 402);
    assert_int_equal(failures, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_shape),
        cmocka_unit_test(test_positions_after_chinese_and_bom),
        cmocka_unit_test(test_aliases_share_nodes),
        cmocka_unit_test(test_empty_stream),
        cmocka_unit_test(test_core_schema),
        cmocka_unit_test(test_core_tags),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_keys_must_be_scalars),
        cmocka_unit_test(test_one_document),
        cmocka_unit_test(test_custom_tags),
        cmocka_unit_test(test_cycles_and_unknown_anchors),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_billion_laughs),
        cmocka_unit_test(test_scalar_and_file_limits),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_load_file_ok),
        cmocka_unit_test(test_conformance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
