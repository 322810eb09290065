/* tests/unit/record/test_jsonl.c — the JSON Lines reader and the per-record validation:
 * every reject class with its line and field, BOM, CRLF, blank lines, over-long lines,
 * invalid UTF-8, duplicate keys, NUL, protected attributes, limits, to_json. */
#include "record/rec_test.h"

#include <math.h>
#include <unistd.h>

#include "triscreen/date.h"
#include "base/limits.h"

#define GOOD "{\"id\":\"P-1\",\"grid\":\"T01-V01-G01\"}"

static void test_full_record(void **state)
{
    (void)state;
    const char *line =
        "{\"id\":\"P-000123\",\"name\":\"Li "
        "Ming\",\"grid\":\"T01-V01-G01\",\"born\":\"1990-04-12\","
        "\"categories\":[\"community_correction\",\"petitioner\"],"
        "\"attrs\":{\"open_disputes\":1,\"missed_checkins_30d\":2,\"employed\":false,"
        "\"contact_officer\":\"o-1\",\"gone\":null},"
        "\"events\":[{\"type\":\"checkin_missed\",\"date\":\"2026-11-02\"},"
        "{\"type\":\"dispute_filed\",\"date\":\"2026-10-20\",\"note\":\"boundary dispute\"}],"
        "\"relations\":[{\"id\":\"P-000456\",\"kind\":\"family\"}],"
        "\"notes\":\"扬言报复\"}\n";
    rt_result res;
    rt_read_str(&res, "p.jsonl", line);
    assert_int_equal(res.n, 1);
    const ts_item *it = &res.items[0];
    assert_int_equal(it->kind, TS_ITEM_PERSON);
    assert_int_equal(it->line, 1);
    const ts_person *p = &it->person;
    assert_string_equal(p->id, "P-000123");
    assert_string_equal(p->name, "Li Ming");
    assert_string_equal(p->grid, "T01-V01-G01");
    assert_int_equal(p->born, ts_date_from_civil(1990, 4, 12));
    assert_int_equal(p->n_categories, 2);
    assert_string_equal(p->categories[1], "petitioner");
    assert_int_equal(p->n_attrs, 4); /* null = absent */
    assert_string_equal(p->attrs[0].name, "contact_officer");
    assert_int_equal(p->attrs[0].type, TS_ATTR_STR);
    assert_string_equal(p->attrs[0].str, "o-1");
    assert_string_equal(p->attrs[1].name, "employed");
    assert_int_equal(p->attrs[1].type, TS_ATTR_BOOL);
    assert_false(p->attrs[1].b);
    assert_string_equal(p->attrs[2].name, "missed_checkins_30d");
    assert_true(p->attrs[2].num == 2.0);
    assert_string_equal(p->attrs[3].name, "open_disputes");
    assert_int_equal(p->n_events, 2);
    assert_string_equal(p->events[0].note, "");
    assert_string_equal(p->events[1].note, "boundary dispute");
    assert_int_equal(p->events[1].date, ts_date_from_civil(2026, 10, 20));
    assert_int_equal(p->n_relations, 1);
    assert_string_equal(p->relations[0].other, "P-000456");
    assert_string_equal(p->relations[0].kind, "family");
    assert_string_equal(p->notes, "扬言报复");

    /* to_json, then back: the same person */
    char *js = NULL;
    assert_int_equal(ts_record_to_json(p, &js), TS_OK);
    ts_person q;
    ts_err err;
    assert_int_equal(ts_record_parse_json(js, strlen(js), &res.arena, &q, &err), TS_OK);
    assert_string_equal(q.id, p->id);
    assert_int_equal(q.born, p->born);
    assert_int_equal(q.n_attrs, p->n_attrs);
    assert_true(q.attrs[2].num == 2.0);
    assert_int_equal(q.n_events, 2);
    assert_string_equal(q.events[1].note, "boundary dispute");
    assert_string_equal(q.notes, "扬言报复");
    assert_non_null(strstr(js, "\"missed_checkins_30d\":2,"));
    free(js);
    rt_free(&res);
}

static void test_minimal_and_defaults(void **state)
{
    (void)state;
    rt_result res;
    rt_read_str(&res, "p.jsonl", GOOD);
    assert_int_equal(res.n, 1);
    const ts_person *p = &res.items[0].person;
    assert_string_equal(p->name, "");
    assert_string_equal(p->notes, "");
    assert_int_equal(p->born, TS_DATE_NONE);
    assert_int_equal(p->n_categories + p->n_attrs + p->n_events + p->n_relations, 0);
    char *js = NULL;
    assert_int_equal(ts_record_to_json(p, &js), TS_OK);
    assert_string_equal(js, "{\"id\":\"P-1\",\"name\":\"\",\"grid\":\"T01-V01-G01\",\"born\":null,"
                            "\"categories\":[],\"attrs\":{},\"events\":[],\"relations\":[],"
                            "\"notes\":\"\"}");
    free(js);
    rt_free(&res);
}

/* Every reject class: each line of this file is one case, with its expected field. */
static const struct {
    const char *line;
    const char *field;
    const char *reason;
} cases[] = {
    {"{\"id\":\"P-1\",\"grid\":\"G\"", "", "invalid JSON"},
    {"not json", "", "invalid JSON"},
    {"[1,2]", "", "top-level value is not an object"},
    {"\"str\"", "", "top-level value is not an object"},
    {"42", "", "top-level value is not an object"},
    {"{\"grid\":\"G\"}", "id", "required"},
    {"{\"id\":null,\"grid\":\"G\"}", "id", "required"},
    {"{\"bogus\":1,\"grid\":\"G\"}", "id", "required"}, /* missing id outranks */
    {"{\"id\":\"P-1\"}", "grid", "required"},
    {"{\"id\":\"\",\"grid\":\"G\"}", "id", "empty"},
    {"{\"id\":7,\"grid\":\"G\"}", "id", "must be a string"},
    {"{\"id\":\"P\\u0001\",\"grid\":\"G\"}", "id", "control character"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"1990-02-30\"}", "born",
     "not a real date: 1990-02-30, February 1990 has 28 days"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"0001-01-01\"}", "born",
     "not a real date: year 0001 is before 1000, the earliest year accepted"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"2000-00-10\"}", "born",
     "not a real date: 2000-00-10 has month 00 (01..12)"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"2000-01-00\"}", "born",
     "not a real date: 2000-01-00 has day 00"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"2000-02-30\"}", "born",
     "February 2000 has 29 days"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"20x0-02-03\"}", "born", "digits only"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"1990-2-3\"}", "born", "YYYY-MM-DD"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"born\":19900203}", "born", "must be a string"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"nmae\":\"x\"}", "nmae", "unknown field"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"name\":[\"x\"]}", "name", "must be a string"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"categories\":\"a\"}", "categories", "array"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"categories\":[\"a\",3]}", "categories[1]", "string"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":[]}", "attrs", "must be an object"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"x\":{\"y\":1}}}", "attrs.x", "nested"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"x\":[1]}}", "attrs.x", "nested"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"x\":1e999}}", "attrs.x", "finite"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"religion\":\"x\"}}", "attrs.religion",
     "protected attribute is not accepted"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"Ethnic-Group\":\"x\"}}", "attrs.Ethnic-Group",
     "protected attribute is not accepted"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"political party\":1}}", "attrs.political party",
     "protected attribute is not accepted"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"events\":{}}", "events", "array"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"events\":[1]}", "events[0]", "object"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"events\":[{\"type\":\"a\",\"date\":\"2026-01-01\"},"
     "{\"type\":\"b\",\"date\":\"2026-13-01\"}]}",
     "events[1].date", "2026-13-01 has month 13"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"events\":[{\"date\":\"2026-01-01\"}]}", "events[0].type",
     "required"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"events\":[{\"type\":\"a\"}]}", "events[0].date", "required"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"events\":[{\"type\":\"a\",\"date\":\"2026-01-01\","
     "\"notes\":\"x\"}]}",
     "events[0].notes", "unknown field"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"relations\":[{\"id\":\"P-2\"}]}", "relations[0].kind",
     "required"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"relations\":[{\"kind\":\"family\"}]}", "relations[0].id",
     "required"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"relations\":[{\"id\":\"P-2\",\"kind\":1}]}",
     "relations[0].kind", "string"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"name\":\"a\\u0000b\"}", "name", "NUL"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"a\\u0000b\":1}}", "", "NUL"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"id\":\"P-2\"}", "id", "more than once"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"a\":1,\"a\":2}}", "attrs", "more than once"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"name\":\"a\tb\"}", "", "control character"},
    {"{'id':\"P-1\",'grid':\"G\"}", "", "single-quoted"},
    {"{\"id\":\"P-1\",\"grid\":\"G\"} {}", "", "invalid JSON"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"a\":NaN}}", "attrs.a", "finite"},
    {"{\"id\":\"P-1\",\"grid\":\"G\",\"x\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", "",
     "nested deeper"},
};

static void test_reject_classes(void **state)
{
    (void)state;
    size_t n = sizeof cases / sizeof cases[0];
    size_t cap = 64 * 1024;
    char *buf = malloc(cap);
    size_t len = 0;
    len += (size_t)snprintf(buf + len, cap - len, "%s\n", GOOD);
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s\n", cases[i].line);
    len += (size_t)snprintf(buf + len, cap - len, "%s", GOOD);
    rt_result res;
    rt_read_mem(&res, "rejects.jsonl", buf, len);
    assert_int_equal(res.n, n + 2);
    assert_int_equal(res.items[0].kind, TS_ITEM_PERSON);
    for (size_t i = 0; i < n; i++) {
        const ts_item *it = &res.items[i + 1];
        if (it->kind != TS_ITEM_REJECT)
            fail_msg("case %zu (%s) was accepted", i, cases[i].line);
        if (strcmp(it->field, cases[i].field) != 0 || !strstr(it->reason, cases[i].reason))
            fail_msg("case %zu (%s): got field \"%s\" reason \"%s\"", i, cases[i].line, it->field,
                     it->reason);
        assert_int_equal(it->line, i + 2);
        assert_int_equal(it->raw_len, strlen(cases[i].line));
        assert_memory_equal(it->raw, cases[i].line, it->raw_len);
    }
    assert_int_equal(res.items[n + 1].kind, TS_ITEM_PERSON);
    assert_int_equal(res.items[n + 1].line, n + 2);
    rt_free(&res);
    free(buf);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    rt_result res;
    rt_read_str(&res, "u.jsonl",
                GOOD "\n{\"id\":\"P-1\",\"grid\":\"G\",\"name\":\"Li \xff\"}\n"
                     "{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"k\":\"\xc3\x28\"}}\n"
                     "{\"id\":\"P-1\",\"grid\":\"G\",\"events\":[{\"type\":\"a\",\"date\":"
                     "\"2026-01-01\",\"note\":\"\xed\xa0\x80\"}]}\n"
                     "{\"id\":\"P-1\",\"grid\":\"G\",\"x\xff\":1}\n");
    assert_int_equal(res.n, 5);
    assert_reject(&res.items[1], 2, "name", "UTF-8");
    assert_reject(&res.items[2], 3, "attrs.k", "UTF-8");
    assert_reject(&res.items[3], 4, "events[0].note", "UTF-8");
    assert_reject(&res.items[4], 5, "", "UTF-8");
    rt_free(&res);
}

static void test_oversize_and_limits(void **state)
{
    (void)state;
    size_t cap = 4 * 1024 * 1024;
    char *buf = malloc(cap);
    size_t len = 0;
    /* name of TS_LIMIT_FIELD + 1 bytes */
    len += (size_t)sprintf(buf + len, "{\"id\":\"P-1\",\"grid\":\"G\",\"name\":\"");
    memset(buf + len, 'a', TS_LIMIT_FIELD + 1);
    len += TS_LIMIT_FIELD + 1;
    len += (size_t)sprintf(buf + len, "\"}\n");
    /* name of exactly TS_LIMIT_FIELD bytes is fine */
    len += (size_t)sprintf(buf + len, "{\"id\":\"P-1\",\"grid\":\"G\",\"name\":\"");
    memset(buf + len, 'b', TS_LIMIT_FIELD);
    len += TS_LIMIT_FIELD;
    len += (size_t)sprintf(buf + len, "\"}\n");
    /* id of TS_LIMIT_ID + 1 */
    len += (size_t)sprintf(buf + len, "{\"grid\":\"G\",\"id\":\"");
    memset(buf + len, 'i', TS_LIMIT_ID + 1);
    len += TS_LIMIT_ID + 1;
    len += (size_t)sprintf(buf + len, "\"}\n");
    /* too many categories */
    len += (size_t)sprintf(buf + len, "{\"id\":\"P-1\",\"grid\":\"G\",\"categories\":[");
    for (unsigned i = 0; i <= TS_LIMIT_CATEGORIES; i++)
        len += (size_t)sprintf(buf + len, "%s\"c%u\"", i ? "," : "", i);
    len += (size_t)sprintf(buf + len, "]}\n");
    /* too many attrs */
    len += (size_t)sprintf(buf + len, "{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{");
    for (unsigned i = 0; i <= TS_LIMIT_ATTRS; i++)
        len += (size_t)sprintf(buf + len, "%s\"a%u\":1", i ? "," : "", i);
    len += (size_t)sprintf(buf + len, "}}\n");
    /* too many relations */
    len += (size_t)sprintf(buf + len, "{\"id\":\"P-1\",\"grid\":\"G\",\"relations\":[");
    for (unsigned i = 0; i <= TS_LIMIT_RELATIONS; i++)
        len += (size_t)sprintf(buf + len, "%s{\"id\":\"P\",\"kind\":\"k\"}", i ? "," : "");
    len += (size_t)sprintf(buf + len, "]}\n");
    /* too many events (10001 short events stay under the line limit) */
    len += (size_t)sprintf(buf + len, "{\"id\":\"P-1\",\"grid\":\"G\",\"events\":[");
    for (unsigned i = 0; i <= TS_LIMIT_EVENTS; i++)
        len +=
            (size_t)sprintf(buf + len, "%s{\"type\":\"t\",\"date\":\"2026-01-01\"}", i ? "," : "");
    len += (size_t)sprintf(buf + len, "]}\n");
    assert_true(len < cap);
    rt_result res;
    rt_read_mem(&res, "big.jsonl", buf, len);
    assert_int_equal(res.n, 7);
    assert_reject(&res.items[0], 1, "name", "longer than 65536 bytes");
    assert_int_equal(res.items[1].kind, TS_ITEM_PERSON);
    assert_int_equal(strlen(res.items[1].person.name), TS_LIMIT_FIELD);
    assert_reject(&res.items[2], 3, "id", "longer than 64 bytes");
    assert_reject(&res.items[3], 4, "categories", "more than 64 categories");
    assert_reject(&res.items[4], 5, "attrs", "more than 256 attributes");
    assert_reject(&res.items[5], 6, "relations", "more than 1000 relations");
    assert_reject(&res.items[6], 7, "events", "more than 10000 events");
    /* the raw row of a reject is truncated to TS_LIMIT_FIELD */
    assert_int_equal(res.items[0].raw_len, TS_LIMIT_FIELD);
    rt_free(&res);
    free(buf);
}

static void test_bom_crlf_blank_lastline(void **state)
{
    (void)state;
    const char data[] = "\xEF\xBB\xBF" GOOD "\r\n"
                        "\r\n"
                        "   \n"
                        "\n" GOOD "\r\n"
                        "{\"id\":\"P-9\",\"grid\":\"G\"}";
    /* both through memory and through a file */
    for (int pass = 0; pass < 2; pass++) {
        rt_result res;
        const char *path = NULL;
        if (pass == 0) {
            rt_read_mem(&res, "b.jsonl", data, sizeof data - 1);
        } else {
            path = rt_tmpfile(".jsonl", data, sizeof data - 1);
            memset(&res, 0, sizeof res);
            ts_arena_init(&res.arena, 0);
            ts_reader *r;
            assert_int_equal(ts_reader_open(path, TS_FORMAT_AUTO, &r, &res.err), TS_OK);
            assert_int_equal(ts_reader_format(r), TS_FORMAT_JSONL);
            uint64_t done, total;
            for (;;) {
                ts_item it;
                assert_int_equal(ts_reader_next(r, &res.arena, &it, &res.err), TS_OK);
                if (it.kind == TS_ITEM_END)
                    break;
                res.items[res.n++] = it;
            }
            ts_reader_progress(r, &done, &total);
            assert_int_equal(total, sizeof data - 1);
            assert_int_equal(done, total);
            ts_reader_close(r);
            unlink(path);
        }
        assert_int_equal(res.n, 3);
        for (size_t i = 0; i < 3; i++)
            assert_int_equal(res.items[i].kind, TS_ITEM_PERSON);
        assert_int_equal(res.items[0].line, 1);
        assert_int_equal(res.items[1].line, 5);
        assert_int_equal(res.items[2].line, 6);
        assert_string_equal(res.items[2].person.id, "P-9");
        rt_free(&res);
    }
}

static void test_overlong_line(void **state)
{
    (void)state;
    /* line 2 is 3 MiB: one reject, skipped without being buffered; line 3 still parses */
    size_t big = 3u << 20;
    size_t cap = big + 256;
    char *buf = malloc(cap);
    size_t len = (size_t)sprintf(buf, "%s\n{\"id\":\"P-2\",\"grid\":\"G\",\"notes\":\"", GOOD);
    memset(buf + len, 'x', big);
    len += big;
    len += (size_t)sprintf(buf + len, "\"}\n%s\n", GOOD);
    const char *path = rt_tmpfile(".jsonl", buf, len);
    rt_result res;
    memset(&res, 0, sizeof res);
    ts_arena_init(&res.arena, 0);
    ts_reader *r;
    assert_int_equal(ts_reader_open(path, TS_FORMAT_AUTO, &r, &res.err), TS_OK);
    for (;;) {
        ts_item it;
        assert_int_equal(ts_reader_next(r, &res.arena, &it, &res.err), TS_OK);
        if (it.kind == TS_ITEM_END)
            break;
        res.items[res.n++] = it;
    }
    ts_reader_close(r);
    unlink(path);
    assert_int_equal(res.n, 3);
    assert_int_equal(res.items[0].kind, TS_ITEM_PERSON);
    /* the field being read when the cap was reached is named */
    assert_reject(&res.items[1], 2, "notes", "longer than 1048576 bytes");
    assert_int_equal(res.items[1].raw_len, TS_LIMIT_FIELD);
    assert_int_equal(res.items[2].kind, TS_ITEM_PERSON);
    assert_int_equal(res.items[2].line, 3);
    rt_free(&res);
    free(buf);
}

static void test_parse_json_api(void **state)
{
    (void)state;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_person p;
    ts_err err;
    assert_int_equal(ts_record_parse_json(GOOD, strlen(GOOD), &a, &p, &err), TS_OK);
    assert_string_equal(p.grid, "T01-V01-G01");
    const char *bad = "{\"id\":\"P-1\",\"grid\":\"G\",\"born\":\"x\"}";
    assert_int_equal(ts_record_parse_json(bad, strlen(bad), &a, &p, &err), TS_INVALID);
    assert_string_equal(err.where, "born");
    assert_non_null(strstr(err.msg, "date"));
    /* no NUL terminator needed: parse a prefix of a longer buffer */
    const char *two = GOOD "GARBAGE";
    assert_int_equal(ts_record_parse_json(two, strlen(GOOD), &a, &p, &err), TS_OK);
    ts_arena_release(&a);
}

static void test_protected_names(void **state)
{
    (void)state;
    const char *yes[] = {"ethnicity",        "Ethnic_Group",       "race",
                         "RELIGION",         "religious",          "faith",
                         "politics",         "political",          "political-party",
                         "party_membership", "sexual orientation", "union.membership",
                         "trade_union"};
    const char *no[] = {"employed", "care_level", "open_disputes", "grace", "race_count", "party",
                        ""};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        if (!ts_record_attr_protected(yes[i]))
            fail_msg("%s should be protected", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (ts_record_attr_protected(no[i]))
            fail_msg("%s should not be protected", no[i]);
    assert_false(ts_record_attr_protected(NULL));
}

static void test_open_errors(void **state)
{
    (void)state;
    ts_reader *r = NULL;
    ts_err err;
    assert_int_equal(ts_reader_open("/nonexistent/x.jsonl", TS_FORMAT_AUTO, &r, &err), TS_IO);
    assert_int_equal(ts_reader_open("x.txt", TS_FORMAT_AUTO, &r, &err), TS_USAGE);
    assert_int_equal(ts_reader_open_mem("x", "", 0, TS_FORMAT_AUTO, &r, &err), TS_USAGE);
    /* an empty JSONL input: no items */
    rt_result res;
    rt_read_str(&res, "e.jsonl", "");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 0);
    rt_free(&res);
    ts_reader_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_record),         cmocka_unit_test(test_minimal_and_defaults),
        cmocka_unit_test(test_reject_classes),      cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_oversize_and_limits), cmocka_unit_test(test_bom_crlf_blank_lastline),
        cmocka_unit_test(test_overlong_line),       cmocka_unit_test(test_parse_json_api),
        cmocka_unit_test(test_protected_names),     cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
