/* tests/unit/render/test_render_lists.c — the renderers of render/render_lists.h on typed
 * rows, no store: table alignment by code points with CJK text, the sampled widths and
 * streaming past TS_LIMIT_TABLE_ROWS, RFC 4180 CSV quoting, JSON escaping through
 * ts_jsonw, TS_LIMIT at the buffer's cap, format refusals, and the dossier text's
 * escaping of control characters and its JSON shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "triscreen/date.h"
#include "base/limits.h"
#include "render/render_lists.h"

static ts__rows_render *rows_new(ts__rows_kind kind, ts_out_format fmt, ts_buf *b)
{
    ts__rows_render *r = NULL;
    ts_err err;
    assert_int_equal(ts__render_rows_new(kind, fmt, NULL, b, &r, &err), TS_OK);
    return r;
}

static void list_row(ts__rows_render *r, const char *person, ts_colour c, const char *grid,
                     const ts_reason *rules, size_t n)
{
    ts_list_entry e = {.person = person,
                       .colour = c,
                       .grid = grid,
                       .score = 7,
                       .since = "2026-11-01",
                       .rules = rules,
                       .n_rules = n};
    ts_err err;
    assert_int_equal(ts__render_list_entry(r, &e, &err), TS_OK);
}

static void test_table_cjk_alignment(void **state)
{
    ts_buf b;
    ts_buf_init(&b, 1u << 20);
    ts__rows_render *r = rows_new(TS__ROWS_DUE, TS_OUT_TABLE, &b);
    ts_due_entry e = {.person = "刘磊磊磊磊磊磊磊",
                      .colour = TS_COLOUR_RED,
                      .grid = "G1",
                      .next_review = "2026-11-01",
                      .overdue_days = 3};
    ts_err err;
    assert_int_equal(ts__render_due_entry(r, &e, &err), TS_OK);
    e = (ts_due_entry){.person = "P1",
                       .colour = TS_COLOUR_BLUE,
                       .grid = "村-G2",
                       .next_review = NULL,
                       .overdue_days = 0};
    assert_int_equal(ts__render_due_entry(r, &e, &err), TS_OK);
    assert_string_equal(ts_buf_str(&b), ""); /* widths are sampled first */
    assert_int_equal(ts__render_rows_finish(r, &err), TS_OK);
    /* widths are display widths: 8 CJK characters are 16 columns, 村-G2 is 5 */
    assert_string_equal(ts_buf_str(&b),
                        "PERSON            COLOUR  GRID   NEXT REVIEW  OVERDUE DAYS\n"
                        "刘磊磊磊磊磊磊磊  red     G1     2026-11-01   3\n"
                        "P1                blue    村-G2  "
                        "             0\n");
    ts__render_rows_free(r);
    ts_buf_release(&b);
}

static void test_table_streams_after_sample(void **state)
{
    ts_buf b;
    ts_buf_init(&b, 64u << 20);
    ts__rows_render *r = rows_new(TS__ROWS_LISTS, TS_OUT_TABLE, &b);
    for (unsigned i = 0; i < TS_LIMIT_TABLE_ROWS; i++)
        list_row(r, "P", TS_COLOUR_RED, "G", NULL, 0);
    /* the sample is full: the rows so far are out, the next ones stream */
    assert_true(b.len > 0);
    size_t before = b.len;
    list_row(r, "PERSON-WIDER", TS_COLOUR_RED, "G", NULL, 0);
    assert_true(b.len > before);
    ts_err err;
    assert_int_equal(ts__render_rows_finish(r, &err), TS_OK);
    const char *last = strstr(ts_buf_str(&b), "PERSON-WIDER");
    assert_non_null(last);
    /* the wider cell pushed its row right, two spaces on: widths stay those of the sample */
    assert_memory_equal(last - 8, "red     PERSON-WIDER  G  ", 25);
    ts__render_rows_free(r);
    ts_buf_release(&b);
}

static void test_csv_quoting(void **state)
{
    ts_buf b;
    ts_buf_init(&b, 1u << 20);
    ts__rows_render *r = rows_new(TS__ROWS_LISTS, TS_OUT_CSV, &b);
    ts_reason rules[] = {{.id = "a,b"}, {.id = "say \"hi\""}, {.id = "plain"}};
    list_row(r, "line\nbreak", TS_COLOUR_YELLOW, "G,1", rules, 3);
    ts_err err;
    assert_int_equal(ts__render_rows_finish(r, &err), TS_OK);
    assert_string_equal(
        ts_buf_str(&b),
        "colour,person,grid,score,since,next_review,rules,rule_titles\r\n"
        "yellow,\"line\nbreak\",\"G,1\",7,2026-11-01,,\"a,b;say \"\"hi\"\";plain\",;;\r\n");
    ts__render_rows_free(r);
    ts_buf_release(&b);
}

static void test_jsonl_escaping(void **state)
{
    ts_buf b;
    ts_buf_init(&b, 1u << 20);
    ts__rows_render *r = rows_new(TS__ROWS_LISTS, TS_OUT_JSONL, &b);
    ts_reason rules[] = {{.id = "r/1"}, {.id = NULL, .evidence = "no id"}, {.id = "é\t"}};
    list_row(r, "a\"b\\c\n\x01", TS_COLOUR_BLUE, NULL, rules, 3);
    ts_err err;
    assert_int_equal(ts__render_rows_finish(r, &err), TS_OK);
    assert_string_equal(ts_buf_str(&b),
                        "{\"person\":\"a\\\"b\\\\c\\n\\u0001\",\"colour\":\"blue\",\"grid\":null,"
                        "\"score\":7,\"since\":\"2026-11-01\",\"rules\":[\"r/1\",\"é\\t\"],"
                        "\"rule_titles\":[null,null]}\n");
    ts__render_rows_free(r);
    ts_buf_release(&b);
}

static void test_ledger_formats(void **state)
{
    const char *gaps[] = {"gap.born", "gap.grid"};
    ts_reason rules[] = {{.id = "s.one", .evidence = "e"}};
    ts_ledger_entry e = {.person = "P1",
                         .grid = "G1",
                         .suspect = true,
                         .run = 4,
                         .gaps = gaps,
                         .n_gaps = 2,
                         .rules = rules,
                         .n_rules = 1};
    ts_err err;
    const ts_out_format fmts[] = {TS_OUT_TABLE, TS_OUT_CSV, TS_OUT_JSONL};
    const char *want[] = {
        "PERSON  GRID  SUSPECT  RUN  GAPS                RULES\n"
        "P1      G1    yes      4    gap.born, gap.grid  s.one\n",
        "person,grid,suspect,run,gaps,rules,rule_titles\r\nP1,G1,true,4,gap.born;gap.grid,"
        "s.one,\r\n",
        "{\"person\":\"P1\",\"grid\":\"G1\",\"suspect\":true,\"gaps\":[\"gap.born\","
        "\"gap.grid\"],\"rules\":[\"s.one\"],\"rule_titles\":[null],\"run\":4}\n"};
    for (size_t i = 0; i < 3; i++) {
        ts_buf b;
        ts_buf_init(&b, 1u << 20);
        ts__rows_render *r = rows_new(TS__ROWS_LEDGER, fmts[i], &b);
        assert_int_equal(ts__render_ledger_entry(r, &e, &err), TS_OK);
        /* a row of another kind is refused */
        ts_due_entry d = {.person = "x"};
        assert_int_equal(ts__render_due_entry(r, &d, &err), TS_STATE);
        assert_int_equal(ts__render_rows_finish(r, &err), TS_OK);
        assert_string_equal(ts_buf_str(&b), want[i]);
        ts__render_rows_free(r);
        ts_buf_release(&b);
    }
}

static void test_cap_and_formats(void **state)
{
    ts_buf b;
    ts_buf_init(&b, 64);
    ts__rows_render *r = NULL;
    ts_err err;
    assert_int_equal(ts__render_rows_new(TS__ROWS_LISTS, TS_OUT_JSON, NULL, &b, &r, &err),
                     TS_USAGE);
    assert_null(r);
    r = rows_new(TS__ROWS_LISTS, TS_OUT_JSONL, &b);
    ts_list_entry e = {.person = "a-person-id-long-enough-to-pass-the-cap-of-the-buffer",
                       .colour = TS_COLOUR_RED};
    assert_int_equal(ts__render_list_entry(r, &e, &err), TS_LIMIT);
    ts__render_rows_free(r);
    ts_buf_release(&b);
}

/* ---- dossier ------------------------------------------------------------------------------ */

static void test_dossier_text_and_json(void **state)
{
    ts_attr attrs[] = {{.name = "debt", .type = TS_ATTR_BOOL, .b = true},
                       {.name = "ratio", .type = TS_ATTR_NUM, .num = 0.1},
                       {.name = "n", .type = TS_ATTR_NUM, .num = 3}};
    ts_event ev[] = {{.type = "visit", .date = 0, .note = "ok\x1b[2J"}};
    ts_reason why[] = {{.id = "r.a", .evidence = "line1\nline2"}, {.id = "r.bare", .bare = true}};
    ts_dossier_list list = {.colour = "red",
                            .engine_colour = "red",
                            .score = 5,
                            .run = 2,
                            .since = "2026-11-01",
                            .reasons = why,
                            .n_reasons = 2};
    ts_dossier_relative circle[] = {
        {.person = "B",
         .distance = 1,
         .relation = "family,friend",
         .name = "王",
         .grid = "G1",
         .colour = "yellow"},
        {.person = "C", .distance = 2, .relation = "colleague", .pending = true}};
    ts_dossier d = {.record = {.id = "A",
                               .name = "刘磊",
                               .grid = "G1",
                               .notes = "",
                               .born = TS_DATE_NONE,
                               .attrs = attrs,
                               .n_attrs = 3,
                               .events = ev,
                               .n_events = 1},
                    .suspect = -1,
                    .list = &list,
                    .circle = circle,
                    .n_circle = 2,
                    .has_outside = true,
                    .outside_relatives = 2,
                    .outside_highest = TS_COLOUR_RED};
    ts_buf b;
    ts_buf_init(&b, 1u << 20);
    ts_err err;
    assert_int_equal(ts__render_dossier_text(&d, NULL, &b, &err), TS_OK);
    const char *t = ts_buf_str(&b);
    assert_non_null(strstr(t, "dossier A  刘磊\n  grid        G1\n  born        -\n"));
    assert_non_null(strstr(t, "  attrs       debt=true, ratio=0.10000000000000001, n=3\n"));
    assert_non_null(strstr(t, "  suspect     never screened\n"));
    assert_non_null(strstr(t, "  reasons     r.a (line1\\nline2); r.bare\n"));
    assert_non_null(strstr(t, "  1970-01-01  visit  ok\\x1b[2J\n"));
    assert_non_null(strstr(t, "\ncircle (2)\n  1  B  family,friend  yellow  G1  王\n"
                              "  2  C  colleague  pending (no record)\n"));
    assert_null(strchr(t, '\x1b'));
    ts_buf_reset(&b);
    assert_int_equal(ts__render_dossier_json(&d, NULL, &b, &err), TS_OK);
    t = ts_buf_str(&b);
    assert_non_null(strstr(t, "\"attrs\":{\"debt\":true,\"ratio\":0.10000000000000001,\"n\":3}"));
    assert_non_null(strstr(t, "\"events\":[{\"type\":\"visit\",\"date\":\"1970-01-01\","
                              "\"note\":\"ok\\u001b[2J\"}],\"suspect\":null,\"suspect_run\":null"));
    assert_non_null(
        strstr(t, "\"reasons\":[{\"id\":\"r.a\",\"title\":null,\"evidence\":\"line1\\nline2\"},"
                  "\"r.bare\"],\"override\":null}"));
    assert_non_null(strstr(t, "\"circle_outside_scope\":{\"relatives\":2,\"highest\":\"red\"},"
                              "\"reviews\":[]"));
    assert_int_equal(t[b.len - 1], '\n');
    /* too small a buffer: TS_LIMIT, and nothing half-written stays */
    ts_buf small;
    ts_buf_init(&small, 32);
    assert_int_equal(ts__render_dossier_json(&d, NULL, &small, &err), TS_LIMIT);
    assert_int_equal(small.len, 0);
    assert_int_equal(ts__render_dossier_text(&d, NULL, &small, &err), TS_LIMIT);
    assert_int_equal(small.len, 0);
    ts_buf_release(&small);
    ts_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_cjk_alignment),
        cmocka_unit_test(test_table_streams_after_sample),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_jsonl_escaping),
        cmocka_unit_test(test_ledger_formats),
        cmocka_unit_test(test_cap_and_formats),
        cmocka_unit_test(test_dossier_text_and_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
