/* tests/unit/record/test_yaml.c — the YAML record reader: sequence and `persons:` forms,
 * plain-scalar typing, rejects at the item's line with its source text, whole-file
 * errors with file:line:col, and the yaml-test-suite inputs (no crash, no leak). */
#include "record/rec_test.h"
#include "testdata_req.h"

#include <dirent.h>

#include "triscreen/date.h"

static void test_sequence(void **state)
{
    (void)state;
    const char *y = "# persons\n"
                    "- id: P-1\n"
                    "  name: 李明\n"
                    "  grid: T01-V01-G01\n"
                    "  born: 1990-04-12\n"
                    "  categories: [community_correction, petitioner]\n"
                    "  attrs: {open_disputes: 2, employed: false, contact_officer: o-1,\n"
                    "          care_level: 1.5, quoted: \"12\", gone: ~}\n"
                    "  events:\n"
                    "    - {type: checkin_missed, date: 2026-11-02}\n"
                    "    - type: dispute_filed\n"
                    "      date: 2026-10-20\n"
                    "      note: boundary dispute\n"
                    "  relations: [{id: P-2, kind: family}]\n"
                    "  notes: |\n"
                    "    free text\n"
                    "- id: 12345\n"
                    "  grid: T01-V01-G02\n"
                    "- id: P-3\n"
                    "  grid: T01-V01-G01\n"
                    "  born: 1990-02-30\n"
                    "- id: P-4\n"
                    "  grid: G\n"
                    "  attrs: {religion: x}\n"
                    "- just a string\n"
                    "- id: P-6\n"
                    "  grid: G\n"
                    "  attrs: {a: [1, 2]}\n"
                    "- id: P-7\n"
                    "  grid: G\n"
                    "  evnets: []\n";
    rt_result res;
    rt_read_str(&res, "people.yaml", y);
    if (res.open_rc != TS_OK)
        fail_msg("open: %s %s", res.err.where, res.err.msg);
    assert_int_equal(res.n, 7);
    const ts_item *it = &res.items[0];
    assert_int_equal(it->kind, TS_ITEM_PERSON);
    assert_int_equal(it->line, 2);
    const ts_person *p = &it->person;
    assert_string_equal(p->name, "李明");
    assert_int_equal(p->born, ts_date_from_civil(1990, 4, 12));
    assert_int_equal(p->n_categories, 2);
    assert_int_equal(p->n_attrs, 5);
    assert_string_equal(p->attrs[0].name, "care_level");
    assert_true(p->attrs[0].num == 1.5);
    assert_string_equal(p->attrs[2].name, "employed");
    assert_int_equal(p->attrs[2].type, TS_ATTR_BOOL);
    assert_string_equal(p->attrs[3].name, "open_disputes");
    assert_int_equal(p->attrs[3].type, TS_ATTR_NUM);
    assert_string_equal(p->attrs[4].name, "quoted");
    assert_int_equal(p->attrs[4].type, TS_ATTR_STR);
    assert_int_equal(p->n_events, 2);
    assert_string_equal(p->events[1].note, "boundary dispute");
    assert_int_equal(p->n_relations, 1);
    assert_string_equal(p->notes, "free text\n");
    /* a plain 12345 where a string is wanted is its text */
    assert_int_equal(res.items[1].kind, TS_ITEM_PERSON);
    assert_string_equal(res.items[1].person.id, "12345");
    assert_int_equal(res.items[1].line, 17);
    assert_reject(&res.items[2], 19, "born", "real date");
    assert_true(strstr(res.items[2].raw, "born: 1990-02-30") != NULL);
    assert_true(strncmp(res.items[2].raw, "id: P-3", 7) == 0);
    assert_reject(&res.items[3], 22, "attrs.religion", "protected attribute is not accepted");
    assert_reject(&res.items[4], 25, "", "not a mapping");
    assert_reject(&res.items[5], 26, "attrs.a", "nested");
    assert_reject(&res.items[6], 29, "evnets", "unknown field");
    rt_free(&res);
}

static void test_persons_key_and_errors(void **state)
{
    (void)state;
    rt_result res;
    rt_read_str(&res, "p.yml", "persons:\n  - {id: P-1, grid: G}\n  - {id: P-2, grid: G}\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 2);
    assert_int_equal(res.items[1].line, 3);
    rt_free(&res);

    rt_read_str(&res, "p.yml", "persons:\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 0);
    rt_free(&res);

    static const char *bad[] = {
        "people:\n  - {id: P-1, grid: G}\n", /* wrong key */
        "just a scalar\n",                   /* not record-shaped */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rt_read_str(&res, "bad.yaml", bad[i]);
        if (res.open_rc != TS_PARSE)
            fail_msg("case %zu: status %d", i, (int)res.open_rc);
        /* file:line:col */
        if (strncmp(res.err.where, "bad.yaml:", 9) != 0 || !strchr(res.err.where + 9, ':'))
            fail_msg("case %zu: where \"%s\"", i, res.err.where);
        rt_free(&res);
    }

    /* a file that does not load as a whole is read item by item: the items that load
     * are kept, each one that does not is a reject at its line (issue 12 C3) */
    rt_read_str(&res, "bad.yaml", "- {id: P-1, grid: G\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 1);
    assert_reject(&res.items[0], 1, "", "not valid YAML");
    rt_free(&res);

    rt_read_str(&res, "bad.yaml",
                "- {id: P-1, grid: G}\n- {id: P-2, id: P-3, grid: G}\n- id: P-4\n  grid: G\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 3);
    assert_int_equal(res.items[0].kind, TS_ITEM_PERSON);
    assert_reject(&res.items[1], 2, "", "duplicate key 'id'");
    assert_string_equal(res.items[1].raw, "- {id: P-2, id: P-3, grid: G}");
    assert_int_equal(res.items[2].kind, TS_ITEM_PERSON);
    assert_int_equal(res.items[2].line, 3);
    assert_string_equal(res.items[2].person.id, "P-4");
    rt_free(&res);

    /* an alias to another item's anchor only works when the file loads as a whole */
    rt_read_str(&res, "bad.yaml", "- &a {id: P-1, grid: G}\n- *a\n- [*b]\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 3);
    assert_int_equal(res.items[0].kind, TS_ITEM_PERSON);
    assert_reject(&res.items[1], 2, "", "not valid YAML at line 2");
    assert_reject(&res.items[2], 3, "", "not valid YAML at line 3");
    rt_free(&res);

    rt_read_str(&res, "p.yml",
                "persons:\n  - {id: P-1, grid: G}\n  - {id: P-2, grid: !!binary G}\n"
                "  - {id: P-3, grid: G}\n");
    assert_int_equal(res.open_rc, TS_OK);
    assert_int_equal(res.n, 3);
    assert_reject(&res.items[1], 3, "", "is not allowed");
    assert_int_equal(res.items[2].line, 4);
    rt_free(&res);
}

static void test_yaml_suite(void **state)
{
    (void)state;
    const char *td = getenv("TS_TESTDATA");
    if (!td) {
        td_missing("TS_TESTDATA is not set");
        return;
    }
    int files = 0, opened = 0, persons = 0, rejects = 0;
    const char *sub[] = {"valid", "invalid"};
    for (int s = 0; s < 2; s++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/yaml/%s", td, sub[s]);
        DIR *d = opendir(dir);
        if (!d) {
            char why[1100];
            snprintf(why, sizeof why, "%s is absent", dir);
            td_missing(why);
            return;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            ts_reader *r;
            ts_err err;
            ts_arena a;
            ts_arena_init(&a, 0);
            files++;
            if (ts_reader_open(path, TS_FORMAT_YAML, &r, &err) == TS_OK) {
                opened++;
                for (;;) {
                    ts_item it;
                    assert_int_equal(ts_reader_next(r, &a, &it, &err), TS_OK);
                    if (it.kind == TS_ITEM_END)
                        break;
                    if (it.kind == TS_ITEM_PERSON)
                        persons++;
                    else
                        rejects++;
                }
                ts_reader_close(r);
            } else {
                assert_true(err.code == TS_PARSE || err.code == TS_IO);
            }
            ts_arena_release(&a);
        }
        closedir(d);
    }
    printf("    yaml-test-suite: %d files, %d record-shaped, %d persons, %d rejected items\n",
           files, opened, persons, rejects);
    assert_int_equal(files, 402);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequence),
        cmocka_unit_test(test_persons_key_and_errors),
        cmocka_unit_test(test_yaml_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
