/* tests/unit/render/test_report_render.c — the report on a small store: persons,
 * suspects, list members, due reviews and alerts per cell summed up the grid (group →
 * village → town → county), a scope narrowing the rows, rows outside the grid left out;
 * the 12-week trend (live regional/targeted done runs only, the last of each week,
 * empty weeks null); then the text, JSON and HTML renderers of those aggregates
 * (escaping, fixed decimals, no person-level data, the data block of the HTML file). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "render/render_report.h"

typedef struct fixture {
    char dir[64], db[96];
    ts_grid *grid;
    ts_store *s;
} fixture;

static void ok(ts_status rc, const ts_err *err)
{
    if (rc != TS_OK)
        fail_msg("%s: %s: %s", ts_status_name(rc), err->where, err->msg);
}

static const char rows_sql[] =
    "INSERT INTO persons(id, name, grid, digest, created, updated) VALUES"
    " ('P1','Secret Name','T01-V01-G01',1,'x','x'),('P2','n','T01-V01-G01',1,'x','x'),"
    " ('P3','n','T01-V01-G02',1,'x','x'),('P4','n','NOWHERE',1,'x','x');"
    "INSERT INTO marks VALUES('P1',1,1),('P3',1,1),('P4',1,1);"
    "INSERT INTO list_members(person, colour, score, since, run, reasons, next_review) VALUES"
    " ('P1','red',60,'2026-11-01',1,'[]','2026-11-10'),"
    " ('P3','blue',20,'2026-11-01',1,'[]','2027-01-10'),"
    " ('P4','red',60,'2026-11-01',1,'[]','2026-11-10');"
    "INSERT INTO alerts(kind, person, grid, rules, route, created, status, dedup, closed_at,"
    " seq) VALUES"
    " ('early','P1','T01-V01-G01','[]','[]','2026-11-01T00:00:00Z','closed','a',"
    "  '2026-11-01T03:00:00Z',1),"
    " ('quick','P2','T01-V01-G01','[]','[]','2026-11-01T00:00:00Z','new','b',NULL,2);"
    "INSERT INTO alert_history(alert, status, by, at) VALUES"
    " (1,'closed','o','2026-11-01T03:00:00Z');";

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts_report_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->db, sizeof fx->db, "%s/t.db", fx->dir);
    const char *src = getenv("TS_SOURCE_DIR");
    char gp[1024];
    snprintf(gp, sizeof gp, "%s/tests/unit/grid/data/grid.yaml", src ? src : ".");
    ts_err err;
    ok(ts_grid_load(gp, &fx->grid, &err), &err);
    ok(ts_store_open(fx->db, TS_STORE_READWRITE, &fx->s, &err), &err);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, rows_sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s", msg);
    sqlite3_close(db);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    ts_store_close(fx->s);
    ts_grid_free(fx->grid);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int r = system(cmd);
    free(fx);
    return r == 0 ? 0 : -1;
}

static const ts_report_row *row_of(const ts_report *r, const char *code)
{
    for (size_t i = 0; i < r->n_rows; i++)
        if (!strcmp(r->rows[i].code, code))
            return &r->rows[i];
    return NULL;
}

static void test_aggregates(void **state)
{
    fixture *fx = *state;
    ts_report r;
    ts_err err;
    ok(ts_report_read(fx->s, fx->grid, NULL, "2026-11-26", &r, &err), &err);
    const ts_report_row *t01 = row_of(&r, "T01"), *v01 = row_of(&r, "T01-V01");
    assert_non_null(t01);
    assert_non_null(v01);
    assert_null(row_of(&r, "T01-V01-G01")); /* unscoped: towns and villages only */
    assert_int_equal(v01->c.persons, 3);
    assert_int_equal(v01->c.suspects, 2);
    assert_int_equal(v01->c.lists[TS_COLOUR_RED], 1);
    assert_int_equal(v01->c.lists[TS_COLOUR_BLUE], 1);
    assert_int_equal(v01->c.due, 1);
    assert_int_equal(t01->c.alerts, 2);
    assert_int_equal(t01->c.open, 1);
    assert_int_equal(t01->c.closed, 1);
    assert_true(t01->median_hours > 2.99 && t01->median_hours < 3.01);
    /* the person whose cell is not in the grid is not counted anywhere */
    assert_int_equal(r.total.c.persons, 3);
    assert_int_equal(r.total.c.lists[TS_COLOUR_RED], 1);
    assert_string_equal(r.total.code, "all");
    /* no run: twelve empty weeks ending at now */
    assert_string_equal(r.weeks[0].from, "2026-09-04");
    assert_string_equal(r.weeks[0].to, "2026-09-10");
    assert_string_equal(r.weeks[11].from, "2026-11-20");
    assert_string_equal(r.weeks[11].to, "2026-11-26");
    for (size_t k = 0; k < TS_REPORT_WEEKS; k++)
        assert_int_equal(r.weeks[k].run, 0);
    ts_report_release(&r);
    /* a village scope: the village, then its groups */
    const ts_cell *v = ts_grid_find(fx->grid, "T01-V01");
    ok(ts_report_read(fx->s, fx->grid, v, "2026-11-26", &r, &err), &err);
    assert_string_equal(r.rows[0].code, "T01-V01");
    assert_non_null(row_of(&r, "T01-V01-G02"));
    assert_int_equal(row_of(&r, "T01-V01-G01")->c.persons, 2);
    assert_int_equal(r.total.c.persons, 3);
    ts_report_release(&r);
    assert_int_equal(ts_report_read(fx->s, fx->grid, NULL, "26.11.2026", &r, &err), TS_USAGE);
}

static const char runs_sql[] =
    "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status, kind,"
    " summary) VALUES"
    /* before the first week, after now: outside */
    " (3,'regional','all','2026-09-03','r','c','x','done','live','{\"lists\":{\"red\":9,"
    "  \"yellow\":9,\"blue\":9}}'),"
    " (15,'regional','all','2026-11-27','r','c','x','done','live','{\"lists\":{\"red\":9,"
    "  \"yellow\":9,\"blue\":9}}'),"
    /* week 10 (11-13..11-19): one live regional run */
    " (5,'regional','all','2026-11-14','r','c','x','done','live','{\"lists\":{\"red\":1,"
    "  \"yellow\":2,\"blue\":3}}'),"
    /* week 9: only a what-if (a --person run) */
    " (6,'targeted','all','2026-11-10','r','c','x','done','whatif','{\"lists\":{\"red\":8,"
    "  \"yellow\":8,\"blue\":8}}'),"
    /* week 11: a regional, then a later targeted (counted); a later what-if into the
     * future, a failed one and a full pass are not */
    " (10,'regional','all','2026-11-20','r','c','x','done','live','{\"lists\":{\"red\":5,"
    "  \"yellow\":6,\"blue\":7}}'),"
    " (11,'targeted','all','2026-11-22','r','c','x','done','live','{\"lists\":{\"red\":4,"
    "  \"yellow\":6,\"blue\":8}}'),"
    " (12,'regional','all','2026-11-25','r','c','x','done','whatif','{\"lists\":{\"red\":99,"
    "  \"yellow\":99,\"blue\":99}}'),"
    " (13,'targeted','all','2026-11-24','r','c','x','failed','live',NULL),"
    " (14,'full','all','2026-11-24','r','c','x','done','live',NULL);";

static void test_weeks(void **state)
{
    fixture *fx = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, runs_sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s", msg);
    sqlite3_close(db);
    ts_report r;
    ts_err err;
    ok(ts_report_read(fx->s, fx->grid, NULL, "2026-11-26", &r, &err), &err);
    for (size_t k = 0; k < TS_REPORT_WEEKS; k++)
        if (k != 10 && k != 11)
            assert_int_equal(r.weeks[k].run, 0); /* week 9 had only a what-if run */
    assert_int_equal(r.weeks[10].run, 5);
    assert_int_equal(r.weeks[10].lists[TS_COLOUR_BLUE], 3);
    assert_int_equal(r.weeks[11].run, 11);
    assert_string_equal(r.weeks[11].pass, "targeted");
    assert_string_equal(r.weeks[11].now, "2026-11-22");
    assert_true(r.weeks[11].from_summary);
    assert_int_equal(r.weeks[11].lists[TS_COLOUR_RED], 4);
    assert_int_equal(r.weeks[11].lists[TS_COLOUR_YELLOW], 6);
    assert_int_equal(r.weeks[11].lists[TS_COLOUR_BLUE], 8);
    ts_buf b;
    ts_buf_init(&b, 1 << 20);
    assert_int_equal(ts_render_report_json(&b, &r), TS_OK);
    const char *j = ts_buf_str(&b);
    assert_non_null(strstr(j, "\"weeks\":[{\"from\":\"2026-09-04\",\"to\":\"2026-09-10\","
                              "\"run\":null,\"pass\":null,\"now\":null,\"lists\":null,"
                              "\"source\":null}"));
    assert_non_null(strstr(j, "{\"from\":\"2026-11-20\",\"to\":\"2026-11-26\",\"run\":11,"
                              "\"pass\":\"targeted\",\"now\":\"2026-11-22\",\"lists\":{\"red\":4,"
                              "\"yellow\":6,\"blue\":8},\"source\":\"summary\"}]"));
    assert_null(strstr(j, "99"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_report_text(&b, &r), TS_OK);
    assert_non_null(strstr(ts_buf_str(&b), "\n12    2026-11-20  2026-11-26  11   targeted  "
                                           "2026-11-22  4    6       8\n"));
    assert_non_null(strstr(ts_buf_str(&b), "\n1     2026-09-04  2026-09-10  -    -         -  "));
    ts_buf_release(&b);
    ts_report_release(&r);
    /* a scope other than the runs': rebuilt from the list transitions (none here) */
    const ts_cell *v = ts_grid_find(fx->grid, "T01-V01");
    ok(ts_report_read(fx->s, fx->grid, v, "2026-11-26", &r, &err), &err);
    assert_int_equal(r.weeks[11].run, 11);
    assert_false(r.weeks[11].from_summary);
    assert_int_equal(r.weeks[11].lists[TS_COLOUR_RED], 0);
    ts_report_release(&r);
    /* a week later: week 10 is the one ending 2026-11-26 */
    ok(ts_report_read(fx->s, fx->grid, NULL, "2026-12-03", &r, &err), &err);
    assert_int_equal(r.weeks[10].run, 11);
    assert_int_equal(r.weeks[11].run, 15);
    ts_report_release(&r);
}

static void test_renderers(void **state)
{
    fixture *fx = *state;
    ts_report r;
    ts_err err;
    ok(ts_report_read(fx->s, fx->grid, NULL, "2026-11-26", &r, &err), &err);
    ts_buf b;
    ts_buf_init(&b, 1 << 20);
    assert_int_equal(ts_render_report_text(&b, &r), TS_OK);
    const char *t = ts_buf_str(&b);
    assert_non_null(strstr(t, "清河县: report for all, now 2026-11-26\n\nCELL "));
    assert_non_null(strstr(t, "\nTrend: lists after the last live regional or targeted run"));
    assert_non_null(strstr(t, "50.0%"));
    assert_null(strstr(t, "Secret Name"));
    assert_null(strstr(t, "P1"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_report_json(&b, &r), TS_OK);
    const char *j = ts_buf_str(&b);
    assert_non_null(strstr(j, "{\"county\":\"清河县\",\"scope\":\"all\",\"now\":\"2026-11-26\","
                              "\"cells\":[{\"code\":\"T01\""));
    assert_non_null(strstr(j, "\"alerts\":{\"total\":2,\"open\":1,\"closed\":1,\"closure_rate\":"
                              "0.5000,\"median_hours_to_close\":3.00}"));
    assert_non_null(strstr(j, "\"closure_rate\":null,\"median_hours_to_close\":null"));
    assert_non_null(strstr(j, "\"weeks\":[{\"from\":\"2026-09-04\""));
    assert_non_null(strstr(j, "\"source\":null}]}\n"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_report_html(&b, &r), TS_OK);
    const char *h = ts_buf_str(&b);
    assert_non_null(strstr(h, "<title>清河县 · 风险筛查报告</title>"));
    assert_non_null(strstr(h, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
                              "'none'; script-src 'sha256-"));
    assert_non_null(strstr(h, "<main id=\"report\" class=\"ts-report\" data-standalone=\"true\">"));
    assert_non_null(strstr(h, "<script type=\"application/json\" id=\"report-data\">{\"county\":"
                              "\"清河县\""));
    assert_non_null(strstr(h, "<script data-asset=\"report.js\">"));
    assert_non_null(strstr(h, "<style data-asset=\"report.css\">"));
    assert_non_null(strstr(h, "</html>\n"));
    assert_null(strstr(h, "Secret Name"));
    assert_null(strstr(h, "\"P1\""));
    ts_buf_release(&b);
    /* a county name that is markup: escaped in the title, and its '<' never closes the
     * data block */
    r.county = "</script><img src=x onerror=alert(1)>&";
    ts_buf_init(&b, 1 << 20);
    assert_int_equal(ts_render_report_html(&b, &r), TS_OK);
    h = ts_buf_str(&b);
    assert_non_null(strstr(h, "<title>&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&amp; · "));
    assert_non_null(
        strstr(h, "{\"county\":\"\\u003c/script>\\u003cimg src=x onerror=alert(1)>&\""));
    assert_null(strstr(h, "<img"));
    ts_buf_release(&b);
    /* past the cap: an error */
    ts_buf_init(&b, 64);
    assert_int_equal(ts_render_report_text(&b, &r), TS_LIMIT);
    ts_buf_release(&b);
    ts_report_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weeks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renderers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
