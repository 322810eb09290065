/* tests/unit/record/test_conformance_json.c — JSONTestSuite (testdata/json) through the
 * JSON Lines reader, as testdata/README.md asks:
 *  - y_object*.json on one line: JSON that parses but is no person, so exactly one reject
 *    naming a field (the JSON parsed: the reason is never about syntax); the field is
 *    "id" (missing) for all but y_object_long_strings.json, which has an id and is
 *    rejected for its unknown key "x";
 *  - other y_*: arrays and scalars, rejected "top-level value is not an object"; the few
 *    spread over several lines (y_object_with_newlines among them) are several invalid
 *    lines, all rejected;
 *  - n_*: every item rejected, or no items at all for the two empty files and for
 *    n_structure_UTF8_BOM_no_data.json (a lone BOM, which the reader tolerates);
 *  - i_*: anything but a crash (ASan/UBSan build). */
#include "record/rec_test.h"
#include "testdata_req.h"

#include <dirent.h>

typedef struct tally {
    int y_obj, y_other, y_multi, n, n_empty, i, i_accepted;
} tally;

static void check_file(const char *dir, const char *name, tally *t)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ts_reader *r;
    ts_err err;
    if (ts_reader_open(path, TS_FORMAT_JSONL, &r, &err) != TS_OK)
        fail_msg("%s: open: %s", name, err.msg);
    ts_arena a;
    ts_arena_init(&a, 0);
    size_t items = 0, persons = 0, rejects = 0, id_rejects = 0, top_rejects = 0;
    size_t field_rejects = 0;
    for (;;) {
        ts_item it;
        ts_status rc = ts_reader_next(r, &a, &it, &err);
        if (rc != TS_OK)
            fail_msg("%s: ts_reader_next: %s", name, err.msg);
        if (it.kind == TS_ITEM_END)
            break;
        items++;
        if (it.kind == TS_ITEM_PERSON) {
            persons++;
            continue;
        }
        assert_int_equal(it.kind, TS_ITEM_REJECT);
        assert_true(it.line >= 1);
        assert_non_null(it.reason);
        assert_true(it.reason[0] != '\0');
        rejects++;
        if (strcmp(it.field, "id") == 0 && strstr(it.reason, "required"))
            id_rejects++;
        if (it.field[0] && strncmp(it.reason, "invalid JSON", 12) != 0)
            field_rejects++;
        if (strcmp(it.reason, "top-level value is not an object") == 0)
            top_rejects++;
    }
    ts_reader_close(r);
    ts_arena_release(&a);

    if (name[0] == 'y') {
        if (strncmp(name, "y_object", 8) == 0 && strcmp(name, "y_object_with_newlines.json")) {
            bool has_id = strcmp(name, "y_object_long_strings.json") == 0;
            if (items != 1 || rejects != 1 || field_rejects != 1 || id_rejects != !has_id)
                fail_msg("%s: want one field reject%s (items %zu, id rejects %zu)", name,
                         has_id ? "" : " for the missing id", items, id_rejects);
            t->y_obj++;
        } else if (strcmp(name, "y_object_with_newlines.json") == 0) {
            if (items != 3 || rejects != 3)
                fail_msg("%s: want 3 rejected lines, got %zu items", name, items);
            t->y_other++;
        } else {
            /* one line: one "not an object" reject; spread over lines: every line bad */
            if (items == 0 || rejects != items || (items == 1 && top_rejects != 1))
                fail_msg("%s: want one 'not an object' reject (items %zu)", name, items);
            t->y_multi += items > 1;
            t->y_other++;
        }
    } else if (name[0] == 'n') {
        if (persons != 0)
            fail_msg("%s: accepted %zu persons", name, persons);
        if (items == 0) {
            /* the two empty files, and a lone BOM (tolerated at the start, so empty too) */
            if (strcmp(name, "n_structure_no_data.json") && strcmp(name, "n_single_space.json") &&
                strcmp(name, "n_structure_UTF8_BOM_no_data.json"))
                fail_msg("%s: no items (only the empty files may give none)", name);
            t->n_empty++;
        }
        t->n++;
    } else if (name[0] == 'i') {
        t->i++;
        t->i_accepted += persons > 0;
    }
}

static void test_json_suite(void **state)
{
    (void)state;
    const char *td = getenv("TS_TESTDATA");
    if (!td) {
        td_missing("TS_TESTDATA is not set");
        return;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/json", td);
    DIR *d = opendir(dir);
    if (!d) {
        char why[1100];
        snprintf(why, sizeof why, "%s is absent", dir);
        td_missing(why);
        return;
    }
    tally t = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0 || e->d_name[1] != '_')
            continue;
        check_file(dir, e->d_name, &t);
    }
    closedir(d);
    printf(
        "    JSONTestSuite: y_object* %d (one field reject each, none about syntax), other y_* %d "
        "(not an object; %d span lines), n_* %d rejected (%d empty: no records), i_* %d survived "
        "(%d gave a person)\n",
        t.y_obj, t.y_other, t.y_multi, t.n, t.n_empty, t.i, t.i_accepted);
    assert_int_equal(t.y_obj, 11);
    assert_int_equal(t.y_other, 84);
    assert_int_equal(t.n, 188);
    assert_int_equal(t.n_empty, 3);
    assert_int_equal(t.i, 35);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
