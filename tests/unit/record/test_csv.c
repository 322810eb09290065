/* tests/unit/record/test_csv.c — the CSV readers: persons / events / relations by header,
 * quoted newlines and their line numbers, BOM, CRLF, wrong column counts, bad quoting,
 * unclosed quotes, header errors, and the csv-spectrum conformance suite (raw rows
 * through record/csvrows.h compared with the suite's JSON via json-c). */
#include "record/rec_test.h"
#include "testdata_req.h"

#include <dirent.h>
#include <math.h>

#include <json-c/json.h>

#include "triscreen/date.h"
#include "base/limits.h"
#include "record/csvrows.h"

static void test_persons(void **state)
{
    (void)state;
    const char *csv =
        "name,id,grid,born,categories,notes,attrs.open_disputes,attrs.employed,"
        "attrs.contact_officer\n"
        "Li Ming,P-1,T01-V01-G01,1990-04-12, community_correction ;;petitioner ,\"line one\n"
        "line two, with comma\",2,false,o-1\n"
        "Wang,P-2,T01-V01-G02,,,,,,\n"
        "Zhao,P-3,T01-V01-G01,1990-02-30,,,,,\n"
        "Qian,P-4,T01-V01-G01\n"
        "Sun,P-5,T01-V01-G01,,,,1e400,true,x\n"
        ",,T01,,,,,,\n"
        "\"Zhou \"\"Z\"\"\",P-7,T01-V01-G01,,,,-1.5,TRUE,\n";
    rt_result res;
    rt_read_str(&res, "people.csv", csv);
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 7);
    const ts_item *it = &res.items[0];
    assert_int_equal(it->kind, TS_ITEM_PERSON);
    assert_int_equal(it->line, 2);
    const ts_person *p = &it->person;
    assert_string_equal(p->id, "P-1");
    assert_string_equal(p->name, "Li Ming");
    assert_int_equal(p->born, ts_date_from_civil(1990, 4, 12));
    assert_int_equal(p->n_categories, 2);
    assert_string_equal(p->categories[0], "community_correction");
    assert_string_equal(p->categories[1], "petitioner");
    assert_string_equal(p->notes, "line one\nline two, with comma");
    assert_int_equal(p->n_attrs, 3);
    assert_string_equal(p->attrs[0].name, "contact_officer");
    assert_int_equal(p->attrs[0].type, TS_ATTR_STR);
    assert_string_equal(p->attrs[1].name, "employed");
    assert_int_equal(p->attrs[1].type, TS_ATTR_BOOL);
    assert_false(p->attrs[1].b);
    assert_string_equal(p->attrs[2].name, "open_disputes");
    assert_int_equal(p->attrs[2].type, TS_ATTR_NUM);
    assert_true(p->attrs[2].num == 2.0);
    /* the row after a quoted newline starts on line 4 */
    it = &res.items[1];
    assert_int_equal(it->kind, TS_ITEM_PERSON);
    assert_int_equal(it->line, 4);
    assert_int_equal(it->person.n_attrs, 0);
    assert_int_equal(it->person.born, TS_DATE_NONE);
    assert_reject(&res.items[2], 5, "born", "real date");
    assert_reject(&res.items[3], 6, "", "expected 9 fields, got 3");
    assert_string_equal(res.items[3].raw, "Qian,P-4,T01-V01-G01");
    /* 1e400 is not finite: kept as a string */
    it = &res.items[4];
    assert_int_equal(it->kind, TS_ITEM_PERSON);
    assert_int_equal(it->person.attrs[2].type, TS_ATTR_STR);
    assert_reject(&res.items[5], 8, "id", "required");
    it = &res.items[6];
    assert_int_equal(it->kind, TS_ITEM_PERSON);
    assert_string_equal(it->person.name, "Zhou \"Z\"");
    assert_int_equal(it->person.attrs[0].type, TS_ATTR_STR); /* "TRUE" is a string */
    assert_true(it->person.attrs[1].num == -1.5);
    rt_free(&res);
}

static void test_events_relations(void **state)
{
    (void)state;
    rt_result res;
    rt_read_str(&res, "ev.csv",
                "person_id,type,date,note\r\n"
                "P-1,checkin_missed,2026-11-02,\r\n"
                "P-1,dispute_filed,2026-10-20,\"boundary\r\ndispute\"\r\n"
                "P-2,home_visit,2026-13-01,x\r\n"
                ",home_visit,2026-01-01,x\r\n"
                "P-3,home_visit,2026-01-01\r\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 5);
    assert_int_equal(res.items[0].kind, TS_ITEM_EVENT);
    assert_string_equal(res.items[0].person_id, "P-1");
    assert_string_equal(res.items[0].event.type, "checkin_missed");
    assert_string_equal(res.items[0].event.note, "");
    assert_int_equal(res.items[1].kind, TS_ITEM_EVENT);
    assert_int_equal(res.items[1].line, 3);
    assert_string_equal(res.items[1].event.note, "boundary\r\ndispute");
    assert_reject(&res.items[2], 5, "date", "real date");
    assert_reject(&res.items[3], 6, "person_id", "required");
    assert_reject(&res.items[4], 7, "", "expected 4 fields, got 3");
    rt_free(&res);

    rt_read_str(&res, "rel.csv",
                "kind,person_id,other_id\nfamily,P-1,P-2\nspouse,P-1,\nneighbour,P-3,P-4");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 3);
    assert_int_equal(res.items[0].kind, TS_ITEM_RELATION);
    assert_string_equal(res.items[0].relation.other, "P-2");
    assert_string_equal(res.items[0].relation.kind, "family");
    assert_reject(&res.items[1], 3, "other_id", "required");
    assert_int_equal(res.items[2].kind, TS_ITEM_RELATION);
    assert_int_equal(res.items[2].line, 4);
    rt_free(&res);

    /* events without the optional note column */
    rt_read_str(&res, "ev2.csv", "person_id,date,type\nP-1,2026-01-01,home_visit\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 1);
    assert_string_equal(res.items[0].event.type, "home_visit");
    rt_free(&res);
}

static void test_bom_crlf_quotes(void **state)
{
    (void)state;
    rt_result res;
    rt_read_str(&res, "b.csv",
                "\xEF\xBB\xBFid,grid,notes\r\n"
                "P-1,G,\"a\"\"b\"\r\n"
                "\r\n"
                "P-2,G,\"a\"b\r\n"
                "P-3,G,x\"y\r\n"
                "P-4,G,\"ok\"\r\n"
                "P-5,G,\xff\r\n"
                "P-6,G,\"never closed\r\nstill open\r\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 6);
    assert_int_equal(res.items[0].kind, TS_ITEM_PERSON);
    assert_string_equal(res.items[0].person.notes, "a\"b");
    assert_reject(&res.items[1], 4, "", "malformed quoting");
    assert_reject(&res.items[2], 5, "", "malformed quoting");
    assert_int_equal(res.items[3].kind, TS_ITEM_PERSON);
    assert_int_equal(res.items[3].line, 6);
    assert_reject(&res.items[4], 7, "notes", "UTF-8");
    assert_reject(&res.items[5], 8, "", "not closed");
    assert_string_equal(res.items[5].raw, "P-6,G,\"never closed\r\nstill open");
    rt_free(&res);
}

static void test_header_errors(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        const char *msg;
    } cases[] = {
        {"id,grid,nmae\nP-1,G,x\n", "unknown column \"nmae\""},
        {"id,name\nP-1,x\n", "no column \"grid\""},
        {"id,grid,id\n", "\"id\" appears twice"},
        {"id,grid,attrs.a,attrs.a\n", "appears twice"},
        {"foo,bar\n", "unrecognised header"},
        {"person_id,type\n", "no column \"date\""},
        {"person_id,other_id,kind,type\n", "unknown column \"type\""},
        {"", "no header row"},
        {"id,grid,\"x\n", "not closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rt_result res;
        rt_read_str(&res, "h.csv", cases[i].csv);
        if (res.open_rc != TS_PARSE)
            fail_msg("case %zu: status %d", i, (int)res.open_rc);
        if (!strstr(res.err.msg, cases[i].msg))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, res.err.msg, cases[i].msg);
        assert_non_null(strstr(res.err.where, "h.csv"));
        rt_free(&res);
    }
}

static void test_protected_column(void **state)
{
    (void)state;
    rt_result res;
    rt_read_str(&res, "p.csv", "id,grid,attrs.Religion\nP-1,G,\nP-2,G,x\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 2);
    assert_int_equal(res.items[0].kind, TS_ITEM_PERSON); /* empty cell = absent */
    /* column names are stored in normal form (case-folded) */
    assert_reject(&res.items[1], 3, "attrs.religion", "protected attribute is not accepted");
    rt_free(&res);
}

static void test_long_row(void **state)
{
    (void)state;
    /* a quoted field that never closes and runs past TS_LIMIT_LINE: one reject, bounded */
    size_t big = TS_LIMIT_LINE + 4096;
    char *buf = malloc(big + 128);
    size_t len = (size_t)sprintf(buf, "id,grid,notes\nP-1,G,\"");
    for (size_t i = 0; i < big; i++)
        buf[len++] = (i % 100 == 99) ? '\n' : 'x';
    len += (size_t)sprintf(buf + len, "\nP-2,G,ok\n");
    rt_result res;
    rt_read_mem(&res, "long.csv", buf, len);
    assert_int_equal(res.open_rc, TS_OK);
    assert_true(res.n >= 2);
    assert_reject(&res.items[0], 2, "", "longer than the limit");
    const ts_item *last = &res.items[res.n - 1];
    assert_int_equal(last->kind, TS_ITEM_PERSON);
    assert_string_equal(last->person.id, "P-2");
    rt_free(&res);
    free(buf);
}

/* ---- csv-spectrum ------------------------------------------------------------------- */

static void compare_spectrum(const char *dir, const char *base)
{
    char path[2048], jpath[2048];
    snprintf(path, sizeof path, "%s/%s.csv", dir, base);
    snprintf(jpath, sizeof jpath, "%s/%s.json", dir, base);
    json_object *want = json_object_from_file(jpath);
    if (!want)
        fail_msg("%s: cannot read the expected JSON", jpath);
    ts__csvrows *c;
    ts_err err;
    assert_int_equal(ts__csvrows_open_file(path, &c, &err), TS_OK);
    ts__csvrow row;
    bool got;
    assert_int_equal(ts__csvrows_next(c, &row, &got, &err), TS_OK);
    assert_true(got);
    assert_null(row.error);
    size_t nh = row.n;
    char *head[64];
    assert_true(nh < 64);
    for (size_t i = 0; i < nh; i++)
        head[i] = strdup(row.f[i]);
    size_t k = 0;
    for (;;) {
        assert_int_equal(ts__csvrows_next(c, &row, &got, &err), TS_OK);
        if (!got)
            break;
        if (row.error)
            fail_msg("%s: row at line %llu: %s", path, (unsigned long long)row.line, row.error);
        json_object *obj = json_object_array_get_idx(want, k);
        if (!obj)
            fail_msg("%s: more rows than expected", path);
        assert_int_equal(row.n, nh);
        assert_int_equal((size_t)json_object_object_length(obj), nh);
        for (size_t i = 0; i < nh; i++) {
            json_object *v;
            if (!json_object_object_get_ex(obj, head[i], &v))
                fail_msg("%s: key %s missing", path, head[i]);
            size_t vl = (size_t)json_object_get_string_len(v);
            if (vl != row.len[i] || memcmp(json_object_get_string(v), row.f[i], vl) != 0)
                fail_msg("%s: row %zu field %s: got \"%s\" want \"%s\"", path, k, head[i], row.f[i],
                         json_object_get_string(v));
        }
        k++;
    }
    assert_int_equal(k, json_object_array_length(want));
    for (size_t i = 0; i < nh; i++)
        free(head[i]);
    ts__csvrows_free(c);
    json_object_put(want);
}

static void test_csv_spectrum(void **state)
{
    (void)state;
    const char *td = getenv("TS_TESTDATA");
    if (!td) {
        td_missing("TS_TESTDATA is not set");
        return;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/csv", td);
    DIR *d = opendir(dir);
    if (!d) {
        char why[1100];
        snprintf(why, sizeof why, "%s is absent", dir);
        td_missing(why);
        return;
    }
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".csv") != 0)
            continue;
        char base[256];
        snprintf(base, sizeof base, "%.*s", (int)(l - 4), e->d_name);
        compare_spectrum(dir, base);
        n++;
    }
    closedir(d);
    printf("    csv-spectrum: %d of %d files match their JSON\n", n, n);
    assert_int_equal(n, 11);
}

static void test_spectrum_lines(void **state)
{
    (void)state;
    /* quoted newlines: each row's start line */
    const char *s = "a,b\n1,\"x\ny\nz\"\n2,3\r\n\"4\r\n\",5";
    ts__csvrows *c;
    ts_err err;
    assert_int_equal(ts__csvrows_open_mem("m.csv", s, strlen(s), &c, &err), TS_OK);
    uint64_t want[] = {1, 2, 5, 6};
    ts__csvrow row;
    bool got;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(ts__csvrows_next(c, &row, &got, &err), TS_OK);
        assert_true(got);
        assert_null(row.error);
        assert_int_equal(row.line, want[i]);
    }
    assert_string_equal(row.f[0], "4\r\n");
    assert_int_equal(ts__csvrows_next(c, &row, &got, &err), TS_OK);
    assert_false(got);
    ts__csvrows_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_persons),          cmocka_unit_test(test_events_relations),
        cmocka_unit_test(test_bom_crlf_quotes),  cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_protected_column), cmocka_unit_test(test_long_row),
        cmocka_unit_test(test_csv_spectrum),     cmocka_unit_test(test_spectrum_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
