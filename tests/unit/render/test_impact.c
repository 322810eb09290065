/* tests/unit/render/test_impact.c — the impact of a rule change (lists/impact.c and
 * render/impact.c) on a hand-built comparison of five persons: one unchanged, one
 * entering, one rising with a new rule (its id needs HTML escaping), one leaving with an
 * alert dropped, one with only a score change. Checks which rows are listed, the moves,
 * the exact JSONL totals line (and json-c's reading of it), the rows' rules with titles
 * from two tiny packs (after first / before first / neither), HTML escaping and no
 * script, the text's transition counts, and a write error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "triscreen/impact.h"
#include "triscreen/rulehost.h"
#include "render/render_alerts.h"
#include "render/render_impact.h"

/* ---- fixture: two packs and five rows ------------------------------------------------- */

static const char before_src[] =
    "rule { id = 'r.keep', pass = 'regional', title = 'Kept', score = 10,\n"
    "  when = function(p, ctx) return false end }\n"
    "rule { id = 'r.old', pass = 'regional', title = 'Old rule', score = 10,\n"
    "  when = function(p, ctx) return false end }\n";
static const char after_src[] =
    "rule { id = 'r.keep', pass = 'regional', title = 'Kept (draft)', score = 10,\n"
    "  when = function(p, ctx) return false end }\n"
    "rule { id = 'r.new', pass = 'regional', title = 'New rule', score = 40,\n"
    "  when = function(p, ctx) return false end }\n";

static char before_dir[64], after_dir[64];
static ts_rulepack *before_pack, *after_pack;

static const char *const keep[] = {"r.keep"};
static const char *const keep_old[] = {"r.keep", "r.old"};
static const char *const keep_new[] = {"r.keep", "r.new"};
static const char *const old_gone[] = {"r.old", "x.gone"};

#define RISER "P<&>\"1"
#define BAD_GRID "T02-\x01\xff"

static ts_impact_row rows[5];

static void build_rows(void)
{
    memset(rows, 0, sizeof rows);
    /* P1 unchanged */
    rows[0] = (ts_impact_row){.person = "P1", .grid = "T01-V01-G01", .town = "T01"};
    rows[0].before =
        (ts_impact_side){.colour = TS_COLOUR_RED, .score = 70, .rules = keep, .n_rules = 1};
    rows[0].after = rows[0].before;
    /* P2 enters: newly firing r.keep (after pack's title) and r.old (only the before
     * pack has it); a detailed alert would be raised */
    rows[1] = (ts_impact_row){.person = "P2", .grid = "T01-V01-G02", .town = "T01"};
    rows[1].before = (ts_impact_side){.colour = TS_COLOUR_NONE};
    rows[1].after =
        (ts_impact_side){.colour = TS_COLOUR_YELLOW, .score = 40, .rules = keep_old, .n_rules = 2};
    rows[1].after.alerts[TS_FEEDBACK_DETAILED] = true;
    /* P4 leaves (control byte and invalid UTF-8 in its grid): r.old and an id neither
     * pack knows stop firing; a quick alert would no longer be raised */
    rows[2] = (ts_impact_row){.person = "P4", .grid = BAD_GRID, .town = "T02"};
    rows[2].before =
        (ts_impact_side){.colour = TS_COLOUR_BLUE, .score = 20, .rules = old_gone, .n_rules = 2};
    rows[2].before.alerts[TS_FEEDBACK_QUICK] = true;
    rows[2].after = (ts_impact_side){.colour = TS_COLOUR_NONE};
    /* P5 only its score changes (no town) */
    rows[3] = (ts_impact_row){.person = "P5", .grid = "X", .town = ""};
    rows[3].before =
        (ts_impact_side){.colour = TS_COLOUR_BLUE, .score = 25, .rules = keep, .n_rules = 1};
    rows[3].after = rows[3].before;
    rows[3].after.score = 30;
    /* P<&>"1 rises with a new rule; its detailed alert stays */
    rows[4] = (ts_impact_row){.person = RISER, .grid = "T01-V02-G01", .town = "T01"};
    rows[4].before =
        (ts_impact_side){.colour = TS_COLOUR_YELLOW, .score = 40, .rules = keep, .n_rules = 1};
    rows[4].before.alerts[TS_FEEDBACK_DETAILED] = true;
    rows[4].after =
        (ts_impact_side){.colour = TS_COLOUR_RED, .score = 80, .rules = keep_new, .n_rules = 2};
    rows[4].after.alerts[TS_FEEDBACK_DETAILED] = true;
}

static ts_impact impact(bool packs)
{
    return (ts_impact){.rows = rows,
                       .n = 5,
                       .before_label = "live abc",
                       .after_label = "draft def",
                       .basis = "run 7 of 2026-11-30",
                       .before_pack = packs ? before_pack : NULL,
                       .after_pack = packs ? after_pack : NULL};
}

static void write_pack(char *dir, const char *src)
{
    snprintf(dir, 64, "/tmp/ts_impact_XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/10_pack.lua", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(src, f);
    assert_int_equal(fclose(f), 0);
}

static ts_rulepack *load(const char *dir)
{
    ts_rulepack *pack = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_rulehost_opts opts = {0};
    ts_status st = ts_rulepack_load(dir, &opts, NULL, NULL, &pack, &err);
    if (st != TS_OK)
        print_error("pack %s: %s: %s\n", dir, err.where, err.msg);
    assert_int_equal(st, TS_OK);
    return pack;
}

static void rm_rf(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static int setup(void **state)
{
    (void)state;
    write_pack(before_dir, before_src);
    write_pack(after_dir, after_src);
    before_pack = load(before_dir);
    after_pack = load(after_dir);
    build_rows();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ts_rulepack_free(before_pack);
    ts_rulepack_free(after_pack);
    rm_rf(before_dir);
    rm_rf(after_dir);
    return 0;
}

/* The whole output of one render (malloc'd). */
static char *render(const ts_impact *im, ts_impact_format fmt)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    ts_err err;
    ts_err_clear(&err);
    ts_status st = ts__render_impact(f, im, fmt, &err);
    if (st != TS_OK)
        print_error("render: %s\n", err.msg);
    assert_int_equal(st, TS_OK);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(text), len);
    return text;
}

/* Splits text into its lines (in place); returns how many. */
static size_t lines_of(char *text, char **line, size_t max)
{
    size_t n = 0;
    for (char *p = text; *p && n < max;) {
        char *nl = strchr(p, '\n');
        assert_non_null(nl); /* every line ends with a newline */
        *nl = '\0';
        line[n++] = p;
        p = nl + 1;
    }
    return n;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_differs_and_moves(void **state)
{
    (void)state;
    assert_false(ts_impact_row_differs(&rows[0]));
    for (int i = 1; i < 5; i++)
        assert_true(ts_impact_row_differs(&rows[i]));
    ts_impact im = impact(false);
    assert_int_equal(ts_impact_moves(&im), 3); /* P2, P4, P<&>"1 */

    /* an alert alone, and a rule set alone (same count, other id), are differences */
    ts_impact_row r = rows[0];
    r.after.alerts[TS_FEEDBACK_EARLY] = true;
    assert_true(ts_impact_row_differs(&r));
    r = rows[0];
    static const char *const other[] = {"r.other"};
    r.after.rules = other;
    assert_true(ts_impact_row_differs(&r));
    ts_impact one = {.rows = &r, .n = 1};
    assert_int_equal(ts_impact_moves(&one), 0);
    ts_impact none = {0};
    assert_int_equal(ts_impact_moves(&none), 0);
}

static const char totals_line[] =
    "{\"totals\":{\"transitions\":["
    "{\"from\":\"none\",\"to\":\"yellow\",\"persons\":1},"
    "{\"from\":\"blue\",\"to\":\"none\",\"persons\":1},"
    "{\"from\":\"blue\",\"to\":\"blue\",\"persons\":1},"
    "{\"from\":\"yellow\",\"to\":\"red\",\"persons\":1},"
    "{\"from\":\"red\",\"to\":\"red\",\"persons\":1}],"
    "\"towns\":["
    "{\"town\":\"\",\"persons\":1,\"moved\":0,\"enter\":0,\"leave\":0,\"rise\":0,\"fall\":0},"
    "{\"town\":\"T01\",\"persons\":3,\"moved\":2,\"enter\":1,\"leave\":0,\"rise\":1,\"fall\":0},"
    "{\"town\":\"T02\",\"persons\":1,\"moved\":1,\"enter\":0,\"leave\":1,\"rise\":0,\"fall\":0}],"
    "\"moved\":3,\"score_changed\":4,\"rules_changed\":3,"
    "\"alerts_raised\":{\"early\":0,\"detailed\":1,\"quick\":0},"
    "\"alerts_dropped\":{\"early\":0,\"detailed\":0,\"quick\":1}},"
    "\"before\":\"live abc\",\"after\":\"draft def\",\"basis\":\"run 7 of 2026-11-30\"}";

static json_object *parse(const char *line)
{
    json_object *o = json_tokener_parse(line);
    if (!o)
        print_error("not JSON: %s\n", line);
    assert_non_null(o);
    return o;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        print_error("no member %s\n", key);
    assert_true(json_object_object_get_ex(o, key, &v));
    return v;
}

static const char *str_member(json_object *o, const char *key)
{
    return json_object_get_string(member(o, key));
}

/* An array of {"id","title"} as "id=title;id=title" (title "null" when null). */
static void rules_text(json_object *arr, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        json_object *t = member(e, "title");
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s=%s", i ? ";" : "", str_member(e, "id"),
                 json_object_is_type(t, json_type_null) ? "null" : json_object_get_string(t));
    }
}

/* An array of strings joined with ",". */
static void strings_text(json_object *arr, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%s%s", i ? "," : "",
                 json_object_get_string(json_object_array_get_idx(arr, i)));
    }
}

static void test_jsonl(void **state)
{
    (void)state;
    ts_impact im = impact(true);
    char *text = render(&im, TS_IMPACT_JSONL);
    char *line[16];
    size_t n = lines_of(text, line, 16);
    assert_int_equal(n, 5); /* four rows that differ, then the totals */
    assert_string_equal(line[4], totals_line);

    /* json-c reads the totals the same way */
    json_object *tot = parse(line[4]);
    json_object *t = member(tot, "totals");
    assert_int_equal(json_object_get_int(member(t, "moved")), 3);
    assert_int_equal(json_object_array_length(member(t, "transitions")), 5);
    assert_int_equal(json_object_get_int(member(member(t, "alerts_dropped"), "quick")), 1);
    assert_string_equal(str_member(tot, "basis"), "run 7 of 2026-11-30");
    json_object_put(tot);

    static const char *const want_person[] = {"P2", "P4", "P5", RISER};
    static const char *const want_new[] = {"r.keep=Kept (draft);r.old=Old rule", "", "",
                                           "r.new=New rule"};
    static const char *const want_gone[] = {"", "r.old=Old rule;x.gone=null", "", ""};
    static const char *const want_raised[] = {"detailed", "", "", ""};
    static const char *const want_dropped[] = {"", "quick", "", ""};
    static const char *const want_colours[] = {"none>yellow", "blue>none", "blue>blue",
                                               "yellow>red"};
    for (size_t i = 0; i < 4; i++) {
        json_object *o = parse(line[i]);
        char buf[256];
        assert_string_equal(str_member(o, "person"), want_person[i]);
        rules_text(member(o, "newly_firing"), buf, sizeof buf);
        assert_string_equal(buf, want_new[i]);
        rules_text(member(o, "no_longer_firing"), buf, sizeof buf);
        assert_string_equal(buf, want_gone[i]);
        strings_text(member(o, "alerts_raised"), buf, sizeof buf);
        assert_string_equal(buf, want_raised[i]);
        strings_text(member(o, "alerts_dropped"), buf, sizeof buf);
        assert_string_equal(buf, want_dropped[i]);
        snprintf(buf, sizeof buf, "%s>%s", str_member(member(o, "before"), "colour"),
                 str_member(member(o, "after"), "colour"));
        assert_string_equal(buf, want_colours[i]);
        json_object_put(o);
    }

    /* the rising row in full: both sides' rules and alerts */
    json_object *o = parse(line[3]);
    char buf[256];
    assert_int_equal(json_object_get_int(member(member(o, "before"), "score")), 40);
    assert_int_equal(json_object_get_int(member(member(o, "after"), "score")), 80);
    strings_text(member(member(o, "after"), "rules"), buf, sizeof buf);
    assert_string_equal(buf, "r.keep,r.new");
    strings_text(member(member(o, "before"), "alerts"), buf, sizeof buf);
    assert_string_equal(buf, "detailed");
    assert_string_equal(str_member(o, "town"), "T01");
    json_object_put(o);

    /* the bad grid came out as valid JSON: the control byte escaped, the bad byte \ufffd */
    o = parse(line[1]);
    assert_string_equal(str_member(o, "grid"), "T02-\x01\xef\xbf\xbd");
    json_object_put(o);
    assert_non_null(strstr(line[1], "\"grid\":\"T02-\\u0001\\ufffd\""));
    free(text);
}

static void test_jsonl_without_packs(void **state)
{
    (void)state;
    ts_impact im = impact(false);
    char *text = render(&im, TS_IMPACT_JSONL);
    char *line[16];
    assert_int_equal(lines_of(text, line, 16), 5);
    assert_string_equal(line[4], totals_line); /* the totals do not depend on titles */
    json_object *o = parse(line[0]);
    char buf[256];
    rules_text(member(o, "newly_firing"), buf, sizeof buf);
    assert_string_equal(buf, "r.keep=null;r.old=null");
    json_object_put(o);
    free(text);
}

static void test_html(void **state)
{
    (void)state;
    ts_impact im = impact(true);
    char *page = render(&im, TS_IMPACT_HTML);
    assert_int_equal(strncmp(page, "<!doctype html>\n", 16), 0);
    assert_non_null(strstr(page, "<html lang=\"en\">"));
    assert_non_null(strstr(page, "<title>"));
    assert_non_null(strstr(page, "<th scope=\"col\">"));
    assert_non_null(strstr(page, "P&lt;&amp;&gt;&quot;1"));
    assert_null(strstr(page, RISER));
    assert_null(strstr(page, "<script"));
    assert_null(strstr(page, "http://"));
    assert_null(strstr(page, "https://"));
    assert_null(strstr(page, "\x01"));            /* the control byte is not passed on */
    assert_non_null(strstr(page, "New rule"));    /* titles */
    assert_non_null(strstr(page, "live abc"));    /* the header */
    assert_non_null(strstr(page, "T01-V01-G02")); /* a listed row */
    assert_null(strstr(page, "T01-V01-G01"));     /* the unchanged one is not */
    assert_non_null(strstr(page, "quick would no longer be raised"));
    assert_non_null(strstr(page, "</html>\n"));
    free(page);
}

/* The count on the transition line "  FROM -> TO   N" of text; -1 when absent. */
static long transition(const char *text, const char *from_to)
{
    char needle[64];
    snprintf(needle, sizeof needle, "\n  %s ", from_to);
    const char *p = strstr(text, needle);
    if (!p)
        return -1;
    return strtol(p + strlen(needle), NULL, 10);
}

static void test_text(void **state)
{
    (void)state;
    ts_impact im = impact(true);
    char *text = render(&im, TS_IMPACT_TEXT);
    assert_non_null(strstr(text, "impact: live abc -> draft def\nbasis: run 7 of 2026-11-30\n"));
    assert_int_equal(transition(text, "red -> red"), 1);
    assert_int_equal(transition(text, "none -> yellow"), 1);
    assert_int_equal(transition(text, "blue -> none"), 1);
    assert_int_equal(transition(text, "blue -> blue"), 1);
    assert_int_equal(transition(text, "yellow -> red"), 1);
    assert_int_equal(transition(text, "red -> blue"), -1);
    assert_non_null(strstr(text, "4 of 5 persons differ"));
    assert_non_null(strstr(text, "persons whose colour moves: 3"));
    assert_non_null(strstr(text, "alerts that would be raised: early 0, detailed 1, quick 0"));
    assert_non_null(strstr(text, "r.new (New rule)"));
    assert_non_null(strstr(text, "x.gone"));
    assert_non_null(strstr(text, "detailed would be raised"));
    assert_null(strstr(text, "P1 "));           /* unchanged: not listed */
    assert_non_null(strstr(text, "T02-\\x01")); /* control bytes escaped */
    assert_null(strstr(text, "\x01"));

    /* the table is aligned: the SCORE column starts at the same display column on every
     * line (P4's grid holds an escape and a U+FFFD, so bytes and columns differ there) */
    char *line[64];
    size_t n = lines_of(text, line, 64);
    size_t head = 0;
    while (head < n && strncmp(line[head], "PERSON", 6))
        head++;
    assert_true(head < n);
    size_t col = (size_t)(strstr(line[head], "SCORE") - line[head]);
    static const char *const score[] = {"0 -> 40", "20 -> 0", "25 -> 30", "40 -> 80"};
    for (size_t i = 0; i < 4; i++) {
        char *p = strstr(line[head + 1 + i], score[i]);
        assert_non_null(p);
        *p = '\0';
        assert_int_equal(ts_render_text_width(line[head + 1 + i]), col);
    }
    free(text);
}

static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        skip();
    ts_impact im = impact(false);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts__render_impact(f, &im, TS_IMPACT_HTML, &err), TS_IO);
    assert_int_equal(err.code, TS_IO);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differs_and_moves),
        cmocka_unit_test(test_jsonl),
        cmocka_unit_test(test_jsonl_without_packs),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
