/* tests/unit/rulecases/test_rulecases.c — rule test cases: a tiny pack and case files
 * written to a temp dir; passing and failing cases with their diff, rule errors as
 * outcomes, uncovered rules, case-file errors naming file:line, file order, and the
 * protected-attribute scan. */
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

#include "triscreen/rulecases.h"
#include "triscreen/rulehost.h"

static char tmpdir[64];

static void write_file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void rm_rf(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static const char pack_src[] =
    "rule { id = 'a.full', pass = 'full', title = 'A',\n"
    "  when = function(p, ctx) local n = p.attrs.n or 0; return n >= 1, 'n=' .. n end }\n"
    "rule { id = 'b.never', pass = 'regional', title = 'B', list = 'red',\n"
    "  when = function(p, ctx) return false end }\n"
    "rule { id = 'c.score', pass = 'regional', title = 'C', score = 50, feedback = 'quick',\n"
    "  when = function(p, ctx) return (p.attrs.n or 0) >= 2, 'two or more' end }\n"
    "rule { id = 'd.err', pass = 'targeted', title = 'D',\n"
    "  when = function(p, ctx) if p.attrs.boom then error('boom') end return false end }\n";

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ts_rulecases_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    char tests[128];
    snprintf(tests, sizeof tests, "%s/tests", tmpdir);
    if (mkdir(tests, 0700) != 0)
        return -1;
    write_file("10_pack.lua", pack_src);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_rf(tmpdir);
    return 0;
}

static ts_rulepack *load_pack(void)
{
    ts_rulepack *pack = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_rulehost_opts opts = {0};
    ts_status st = ts_rulepack_load(tmpdir, &opts, NULL, NULL, &pack, &err);
    if (st != TS_OK)
        print_error("pack: %s: %s\n", err.where, err.msg);
    assert_int_equal(st, TS_OK);
    return pack;
}

/* Collected reports (deep-copied what the tests look at). */
typedef struct seen {
    size_t n;
    char name[8][64];
    unsigned line[8], failed[8];
    bool passed[8];
    ts_colour actual_colour[8];
    size_t n_actual_fired[8], n_errors[8];
    char first_fired[8][32];
    unsigned feedback[8];
} seen;

static void collect(void *ud, const ts_case_report *r)
{
    seen *s = ud;
    if (s->n >= 8)
        return;
    size_t i = s->n++;
    snprintf(s->name[i], sizeof s->name[i], "%s", r->name);
    s->line[i] = r->line;
    s->failed[i] = r->failed;
    s->passed[i] = r->passed;
    s->actual_colour[i] = r->actual_colour;
    s->n_actual_fired[i] = r->n_actual_fired;
    s->n_errors[i] = r->n_errors;
    s->feedback[i] = r->actual_feedback;
    snprintf(s->first_fired[i], sizeof s->first_fired[i], "%s",
             r->n_actual_fired ? r->actual_fired[0] : "");
}

static const char cases_src[] =
    "now: 2026-11-25\n"                                                     /* 1 */
    "cases:\n"                                                              /* 2 */
    "  - name: two goes yellow with an expected rule error\n"               /* 3 */
    "    person: {id: P-1, grid: T01-V01-G01, attrs: {n: 2, boom: true}}\n" /* 4 */
    "    expect:\n"                                                         /* 5 */
    "      fired: [c.score, a.full]\n"                                      /* 6 */
    "      colour: yellow\n"                                                /* 7 */
    "      suspect: true\n"                                                 /* 8 */
    "      feedback: [early, quick, detailed]\n"                            /* 9 */
    "      errors: 1\n"                                                     /* 10 */
    "  - name: one is wrongly expected yellow\n"                            /* 11 */
    "    person: {id: P-2, grid: T01-V01-G01, attrs: {n: 1}}\n"             /* 12 */
    "    expect: {fired: [a.full, c.score], colour: yellow}\n"              /* 13 */
    "  - name: zero is nothing\n"                                           /* 14 */
    "    person: {id: P-3, grid: T01-V01-G01}\n"                            /* 15 */
    "    expect: {fired: [], colour: none, suspect: false, feedback: []}\n" /* 16 */
    "  - name: an unexpected rule error fails the case\n"                   /* 17 */
    "    prior: {colour: blue}\n"                                           /* 18 */
    "    passes: [targeted]\n"                                              /* 19 */
    "    person: {id: P-4, grid: T01-V01-G01, attrs: {boom: true}}\n"       /* 20 */
    "    expect: {colour: blue}\n";                                         /* 21 */

static void test_run_reports_pass_fail_and_coverage(void **state)
{
    (void)state;
    write_file("tests/cases.yaml", cases_src);
    ts_rulepack *pack = load_pack();
    ts_rulecases *rc = NULL;
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_rulecases_new(&rc, &err), TS_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/tests/cases.yaml", tmpdir);
    ts_status st = ts_rulecases_add_file(rc, path, &err);
    if (st != TS_OK)
        print_error("%s: %s\n", err.where, err.msg);
    assert_int_equal(st, TS_OK);
    assert_int_equal(ts_rulecases_count(rc), 4);

    seen s = {0};
    ts_rulecases_summary sum;
    assert_int_equal(ts_rulecases_run(rc, pack, collect, &s, &sum, &err), TS_OK);
    assert_int_equal(sum.cases, 4);
    assert_int_equal(sum.passed, 2);
    assert_int_equal(sum.failed, 2);
    assert_int_equal(s.n, 4);

    /* case 1: full → regional (score 50 = yellow) → targeted (d.err errors, expected) */
    assert_true(s.passed[0]);
    assert_int_equal(s.line[0], 3);
    assert_int_equal(s.actual_colour[0], TS_COLOUR_YELLOW);
    assert_int_equal(s.n_errors[0], 1);
    assert_int_equal(s.feedback[0], TS_FEEDBACK_BIT(TS_FEEDBACK_EARLY) |
                                        TS_FEEDBACK_BIT(TS_FEEDBACK_QUICK) |
                                        TS_FEEDBACK_BIT(TS_FEEDBACK_DETAILED));

    /* case 2: the diff names both the fired set and the colour */
    assert_false(s.passed[1]);
    assert_string_equal(s.name[1], "one is wrongly expected yellow");
    assert_int_equal(s.line[1], 11);
    assert_int_equal(s.failed[1], TS_CASE_FIRED | TS_CASE_COLOUR);
    assert_int_equal(s.actual_colour[1], TS_COLOUR_NONE);
    assert_int_equal(s.n_actual_fired[1], 1);
    assert_string_equal(s.first_fired[1], "a.full");

    assert_true(s.passed[2]);

    /* case 4: errors default to 0 expected */
    assert_false(s.passed[3]);
    assert_int_equal(s.failed[3], TS_CASE_ERRORS);
    assert_int_equal(s.n_errors[3], 1);

    /* coverage: b.never never fires; d.err only errors */
    assert_int_equal(sum.n_uncovered, 2);
    assert_string_equal(sum.uncovered[0], "b.never");
    assert_string_equal(sum.uncovered[1], "d.err");

    ts_rulecases_free(rc);
    ts_rulepack_free(pack);
    unlink(path);
}

/* Loads text as a case file named name in tests/; returns the status and err. */
static ts_status add_text(const char *name, const char *text, ts_err *err, size_t *count)
{
    char rel[128], path[256];
    snprintf(rel, sizeof rel, "tests/%s", name);
    write_file(rel, text);
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    ts_rulecases *rc = NULL;
    ts_err_clear(err);
    assert_int_equal(ts_rulecases_new(&rc, err), TS_OK);
    ts_status st = ts_rulecases_add_file(rc, path, err);
    *count = ts_rulecases_count(rc);
    ts_rulecases_free(rc);
    unlink(path);
    return st;
}

static void expect_where(const ts_err *err, const char *file, unsigned line)
{
    char want[300];
    snprintf(want, sizeof want, "%s/tests/%s:%u:", tmpdir, file, line);
    if (strncmp(err->where, want, strlen(want)) != 0)
        print_error("where '%s' does not start with '%s' (msg %s)\n", err->where, want, err->msg);
    assert_true(strncmp(err->where, want, strlen(want)) == 0);
}

static void test_bad_record_names_file_and_line(void **state)
{
    (void)state;
    ts_err err;
    size_t count;
    ts_status st = add_text("bad.yaml",
                            "now: 2026-11-25\n"
                            "cases:\n"
                            "  - name: fine\n"
                            "    person: {id: P-1, grid: T01-V01-G01}\n"
                            "    expect: {fired: []}\n"
                            "  - name: bad born\n"
                            "    person:\n"
                            "      id: P-2\n"
                            "      grid: T01-V01-G01\n"
                            "      born: 2026-13-45\n"
                            "    expect: {fired: []}\n",
                            &err, &count);
    assert_int_equal(st, TS_INVALID);
    expect_where(&err, "bad.yaml", 10);
    assert_non_null(strstr(err.msg, "born"));
    assert_int_equal(count, 0); /* a bad file adds nothing, not even its good cases */

    st = add_text("bad2.yaml",
                  "now: 2026-11-25\n"
                  "cases:\n"
                  "  - name: no grid\n"
                  "    person: {id: P-1}\n"
                  "    expect: {fired: []}\n",
                  &err, &count);
    assert_int_equal(st, TS_INVALID);
    expect_where(&err, "bad2.yaml", 4);

    st = add_text("bad3.yaml",
                  "now: 2026-11-25\n"
                  "cases:\n"
                  "  - name: events with a bad date\n"
                  "    person:\n"
                  "      id: P-1\n"
                  "      grid: T01-V01-G01\n"
                  "      events:\n"
                  "        - {type: home_visit, date: 2026-01-01}\n"
                  "        - {type: home_visit, date: yesterday}\n"
                  "    expect: {fired: []}\n",
                  &err, &count);
    assert_int_equal(st, TS_INVALID);
    expect_where(&err, "bad3.yaml", 9);
}

static void test_bad_case_shapes(void **state)
{
    (void)state;
    ts_err err;
    size_t count;
    assert_int_equal(add_text("k.yaml",
                              "now: 2026-11-25\n"
                              "cases:\n"
                              "  - name: typo\n"
                              "    person: {id: P-1, grid: T01-V01-G01}\n"
                              "    expext: {fired: []}\n",
                              &err, &count),
                     TS_INVALID);
    expect_where(&err, "k.yaml", 5);
    assert_non_null(strstr(err.msg, "expext"));

    assert_int_equal(add_text("n.yaml",
                              "cases:\n"
                              "  - name: no date\n"
                              "    person: {id: P-1, grid: T01-V01-G01}\n"
                              "    expect: {fired: []}\n",
                              &err, &count),
                     TS_INVALID);
    expect_where(&err, "n.yaml", 2);

    assert_int_equal(add_text("p.yaml",
                              "now: 2026-11-25\n"
                              "cases:\n"
                              "  - name: passes out of order\n"
                              "    person: {id: P-1, grid: T01-V01-G01}\n"
                              "    passes: [regional, full]\n"
                              "    expect: {fired: []}\n",
                              &err, &count),
                     TS_INVALID);
    expect_where(&err, "p.yaml", 5);

    assert_int_equal(add_text("c.yaml",
                              "now: 2026-11-25\n"
                              "cases:\n"
                              "  - name: bad colour\n"
                              "    person: {id: P-1, grid: T01-V01-G01}\n"
                              "    expect: {colour: purple}\n",
                              &err, &count),
                     TS_INVALID);
    expect_where(&err, "c.yaml", 5);

    assert_int_equal(add_text("y.yaml", "cases: [unclosed\n", &err, &count), TS_PARSE);
}

static void test_dir_runs_files_in_name_order(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/tests", tmpdir);
    write_file("tests/b.yaml", "now: 2026-11-25\ncases:\n"
                               "  - name: from b\n"
                               "    person: {id: P-1, grid: T01-V01-G01}\n"
                               "    expect: {fired: []}\n");
    write_file("tests/a.yml", "now: 2026-11-25\ncases:\n"
                              "  - name: from a\n"
                              "    person: {id: P-1, grid: T01-V01-G01}\n"
                              "    expect: {fired: []}\n");
    write_file("tests/notes.txt", "not a case file\n");
    ts_rulepack *pack = load_pack();
    ts_rulecases *rc = NULL;
    ts_err err;
    assert_int_equal(ts_rulecases_new(&rc, &err), TS_OK);
    size_t files = 0;
    assert_int_equal(ts_rulecases_add_dir(rc, dir, &files, &err), TS_OK);
    assert_int_equal(files, 2);
    seen s = {0};
    ts_rulecases_summary sum;
    assert_int_equal(ts_rulecases_run(rc, pack, collect, &s, &sum, &err), TS_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.name[0], "from a");
    assert_string_equal(s.name[1], "from b");
    assert_int_equal(sum.n_uncovered, 4);
    ts_rulecases_free(rc);
    ts_rulepack_free(pack);

    char missing[160];
    snprintf(missing, sizeof missing, "%s/nope", tmpdir);
    assert_int_equal(ts_rulecases_new(&rc, &err), TS_OK);
    assert_int_equal(ts_rulecases_add_dir(rc, missing, NULL, &err), TS_IO);
    ts_rulecases_free(rc);
}

typedef struct findings {
    size_t n;
    char where[8][128];
    char msg[8][200];
} findings;

static void on_finding(void *ud, const char *where, const char *msg)
{
    findings *f = ud;
    if (f->n < 8) {
        snprintf(f->where[f->n], sizeof f->where[f->n], "%s", where);
        snprintf(f->msg[f->n], sizeof f->msg[f->n], "%s", msg);
    }
    f->n++;
}

static void test_scan_protected(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/scan", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file("scan/20_b.lua", "local x = p.attrs.employed\n"        /* 1 */
                                "local y = p.attrs.religion\n"        /* 2 */
                                "local z = attrs [ \"Ethnicity\" ]\n" /* 3 */
                                "-- attrs.religion in a comment\n"    /* 4 */
                                "--[[ attrs.race\n"                   /* 5 */
                                "  in a long comment ]]\n"            /* 6 */
                                "local k = 'political_opinion'\n"     /* 7 */
                                "local s = 'attrs.religion'\n"        /* 8 */
                                "local c = attrs..race\n"             /* 9 */
                                "local d = p:num ( 'religion' )\n");  /* 10 */
    write_file("scan/10_a.lua", "local ok = p.attrs.open_disputes\n"
                                "local t = [[\n"
                                "faith]]\n");
    findings fd = {0};
    size_t n = 0;
    ts_err err;
    assert_int_equal(ts_rulecases_scan_protected(dir, on_finding, &fd, &n, &err), TS_OK);
    assert_int_equal(n, 5);
    assert_int_equal(fd.n, 5);
    assert_string_equal(fd.where[0], "10_a.lua:2"); /* a long string (where it starts) */
    assert_string_equal(fd.where[1], "20_b.lua:2");
    assert_non_null(strstr(fd.msg[1], "'religion'"));
    assert_string_equal(fd.where[2], "20_b.lua:3");
    assert_non_null(strstr(fd.msg[2], "reads protected attribute 'Ethnicity'"));
    assert_string_equal(fd.where[3], "20_b.lua:7");
    assert_non_null(strstr(fd.msg[3], "names protected attribute"));
    assert_string_equal(fd.where[4], "20_b.lua:10");
    assert_non_null(strstr(fd.msg[4], "reads protected attribute 'religion'"));

    snprintf(dir, sizeof dir, "%s/none", tmpdir);
    assert_int_equal(ts_rulecases_scan_protected(dir, on_finding, &fd, &n, &err), TS_IO);
}

/* Runs one case file on the pack; the cases' colours into s. */
static void run_text(const char *name, const char *text, seen *s)
{
    char rel[128], path[256];
    snprintf(rel, sizeof rel, "tests/%s", name);
    write_file(rel, text);
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    ts_rulepack *pack = load_pack();
    ts_rulecases *rc = NULL;
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_rulecases_new(&rc, &err), TS_OK);
    ts_status st = ts_rulecases_add_file(rc, path, &err);
    if (st != TS_OK)
        print_error("%s: %s\n", err.where, err.msg);
    assert_int_equal(st, TS_OK);
    ts_rulecases_summary sum;
    assert_int_equal(ts_rulecases_run(rc, pack, collect, s, &sum, &err), TS_OK);
    ts_rulecases_free(rc);
    ts_rulepack_free(pack);
    unlink(path);
}

/* `rules test` decides with ts_decide: a file's thresholds apply by colour name (a null
 * disables that colour), and the targeted pass never lowers a colour. */
static void test_thresholds_by_colour_and_no_fall(void **state)
{
    (void)state;
    seen s = {0};
    run_text("th1.yaml",
             "now: 2026-03-01\nthresholds: {red: null, yellow: 60, blue: 50}\n"
             "cases:\n"
             "  - name: score 50 is blue when yellow needs 60 and red is off\n"
             "    passes: [full, regional]\n"
             "    person: {id: P-1, grid: T01-V01-G01, attrs: {n: 2}}\n"
             "    expect: {colour: blue}\n",
             &s);
    run_text("th2.yaml",
             "now: 2026-03-01\nthresholds: {red: 50}\n"
             "cases:\n"
             "  - name: score 50 is red when red needs 50\n"
             "    passes: [full, regional]\n"
             "    person: {id: P-1, grid: T01-V01-G01, attrs: {n: 2}}\n"
             "    expect: {colour: red, feedback: [early, quick, detailed]}\n"
             "  - name: targeted keeps a prior red with nothing fired, no detailed feedback\n"
             "    prior: {colour: red, suspect: true}\n"
             "    passes: [targeted]\n"
             "    person: {id: P-2, grid: T01-V01-G01, attrs: {n: 0}}\n"
             "    expect: {colour: red, feedback: []}\n",
             &s);
    assert_int_equal(s.n, 3);
    for (size_t i = 0; i < s.n; i++)
        if (!s.passed[i])
            print_error("case '%s' failed: 0x%x\n", s.name[i], s.failed[i]);
    assert_int_equal(s.actual_colour[0], TS_COLOUR_BLUE);
    assert_int_equal(s.actual_colour[1], TS_COLOUR_RED);
    assert_int_equal(s.actual_colour[2], TS_COLOUR_RED);
    assert_true(s.passed[0] && s.passed[1] && s.passed[2]);

    ts_err err;
    size_t n = 0;
    assert_int_equal(add_text("th3.yaml", "thresholds: {blue: x, red: -1}\ncases: []\n", &err, &n),
                     TS_INVALID);
    assert_non_null(strstr(err.msg, "thresholds.red")); /* checked red, yellow, blue */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_reports_pass_fail_and_coverage),
        cmocka_unit_test(test_bad_record_names_file_and_line),
        cmocka_unit_test(test_bad_case_shapes),
        cmocka_unit_test(test_dir_runs_files_in_name_order),
        cmocka_unit_test(test_scan_protected),
        cmocka_unit_test(test_thresholds_by_colour_and_no_fall),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
