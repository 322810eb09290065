/* tests/unit/render/test_alerts_render.c — the alert renderers on hand-built typed rows:
 * display widths (CJK two columns), the table line (every column, "-" for absent
 * values, the overdue marker, columns in line after a CJK cell name), the JSON Lines
 * form and the buffer's cap, `alerts show` as text (headline lines, rules with titles
 * and evidence, event, route, history rows), the statistics in text and JSON (closure
 * against the target, percentiles, overdue by level, null for untimed), and the
 * report's Alerts section in text, JSON and HTML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "render/render_alerts.h"
#include "render/render_report.h"

static ts_alert sample(void)
{
    static const ts_alert_rule rules[] = {
        {.id = "r.one", .title = "Repeated disputes", .evidence = "said \"x\"\n"},
        {.id = "r.two", .evidence = "清水镇"}};
    static const char *const route[] = {"o-a", "o-b"};
    ts_alert a = {.cursor = 42,
                  .kind = TS_FEEDBACK_DETAILED,
                  .person = "P-1",
                  .grid = "T01-V01-G01",
                  .cell_name = "清水镇一村一组",
                  .colour = TS_COLOUR_RED,
                  .rules = rules,
                  .n_rules = 2,
                  .route = route,
                  .n_route = 2,
                  .created = "2026-11-20T08:00:00Z",
                  .run = 3,
                  .rules_version = "sha256:ab",
                  .status = TS_ALERT_CLAIMED,
                  .target = TS_CELL_VILLAGE,
                  .level = 1,
                  .escalated = "2026-11-21T08:00:00Z",
                  .due = "2026-11-22T08:00:00Z",
                  .overdue = true,
                  .claimed_by = "o-t01-v01",
                  .claimed_at = "2026-11-21T09:00:00Z"};
    snprintf(a.id, sizeof a.id, "A-000042");
    return a;
}

/* Display column at which `needle` starts in line (code points, CJK counted twice). */
static size_t column_of(const char *line, const char *needle)
{
    const char *p = strstr(line, needle);
    assert_non_null(p);
    char pre[4096];
    size_t n = (size_t)(p - line);
    assert_true(n < sizeof pre);
    memcpy(pre, line, n);
    pre[n] = '\0';
    return ts_render_text_width(pre);
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(ts_render_text_width(NULL), 0);
    assert_int_equal(ts_render_text_width("abc"), 3);
    assert_int_equal(ts_render_text_width("清水镇"), 6);
    assert_int_equal(ts_render_text_width("a\xff"), 2); /* an invalid byte: one column */
    ts_buf b;
    ts_buf_init(&b, 256);
    assert_int_equal(ts_render_pad(&b, "清水", 6, true), TS_OK);
    assert_string_equal(ts_buf_str(&b), "清水  ");
    ts_buf_reset(&b);
    assert_int_equal(ts_render_pad(&b, "清水镇", 4, true), TS_OK); /* too wide: one space */
    assert_string_equal(ts_buf_str(&b), "清水镇 ");
    ts_buf_reset(&b);
    assert_int_equal(ts_render_pad(&b, NULL, 2, false), TS_OK);
    assert_string_equal(ts_buf_str(&b), "- ");
    ts_buf_release(&b);
}

static void test_table(void **state)
{
    (void)state;
    ts_buf h, b;
    ts_buf_init(&h, 4096);
    ts_buf_init(&b, 4096);
    assert_int_equal(ts_render_alert_table_header(&h), TS_OK);
    const char *head = ts_buf_str(&h);
    assert_non_null(strstr(head, "ID        CURSOR  KIND     STATE        TARGET      DUE"));
    ts_alert a = sample();
    assert_int_equal(ts_render_alert_table_row(&b, &a), TS_OK);
    const char *row = ts_buf_str(&b);
    assert_non_null(strstr(row, "A-000042  42      detailed claimed      village     "
                                "2026-11-22T08:00:00Z overdue o-t01-v01       P-1"));
    /* a rule with a known title shows it beside its id; one without shows the id alone */
    assert_non_null(strstr(row, " o-a,o-b / r.one (Repeated disputes),r.two\n"));
    /* the columns after the CJK cell name stay under their headings */
    assert_int_equal(column_of(row, "清水镇"), column_of(head, "CELL"));
    assert_int_equal(column_of(row, "red"), column_of(head, "COLOUR"));
    assert_int_equal(column_of(row, "2026-11-20T08:00:00Z"), column_of(head, "CREATED"));
    ts_buf_reset(&b);
    a.n_route = 0;
    a.n_rules = 0;
    a.colour = TS_COLOUR_NONE;
    a.person = NULL;
    a.claimed_by = NULL;
    a.overdue = false;
    a.target = 0;
    a.cell_name = "";
    assert_int_equal(ts_render_alert_table_row(&b, &a), TS_OK);
    row = ts_buf_str(&b);
    assert_non_null(strstr(
        row,
        " county      2026-11-22T08:00:00Z         -               -             T01-V01-G01  "));
    assert_null(strstr(row, "overdue"));
    assert_non_null(strstr(row, "(nobody) / \n"));
    ts_buf_release(&h);
    ts_buf_release(&b);
}

static void test_jsonl(void **state)
{
    (void)state;
    ts_buf b, j;
    ts_buf_init(&b, 8192);
    ts_buf_init(&j, 8192);
    ts_alert a = sample();
    assert_int_equal(ts_render_alert_jsonl(&b, &a), TS_OK);
    assert_int_equal(ts_render_alert_json(&j, &a), TS_OK);
    /* the line is the encoder's object and a newline */
    assert_int_equal(b.len, j.len + 1);
    assert_memory_equal(ts_buf_str(&b), ts_buf_str(&j), j.len);
    assert_int_equal(ts_buf_str(&b)[j.len], '\n');
    assert_non_null(strstr(ts_buf_str(&j), "\"id\":\"A-000042\""));
    ts_buf_release(&b);
    ts_buf_release(&j);
    /* past the cap: an error, never a cut line */
    ts_buf small;
    ts_buf_init(&small, 40);
    assert_int_equal(ts_render_alert_jsonl(&small, &a), TS_LIMIT);
    ts_buf_release(&small);
}

static void test_show(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 8192);
    ts_alert a = sample();
    a.kind = TS_FEEDBACK_QUICK;
    a.event_type = "dispute";
    a.event_date = "2026-11-20";
    a.event_text = "quarrel over land";
    a.route_note = "no officers in T01-V01-G01: sent to T01-V01";
    assert_int_equal(ts_render_alert_show_text(&b, &a), TS_OK);
    const char *t = ts_buf_str(&b);
    assert_non_null(strstr(t, "A-000042  quick alert, claimed (cursor 42)\n"));
    assert_non_null(strstr(t, "person     P-1 in T01-V01-G01 (清水镇一村一组)\n"));
    assert_non_null(
        strstr(t, "target     village (escalated 1 time, last 2026-11-21T08:00:00Z)\n"));
    assert_non_null(strstr(t, "due        2026-11-22T08:00:00Z (overdue)\n"));
    assert_non_null(strstr(t, "raised     2026-11-20T08:00:00Z, run 3, rules sha256:ab\n"));
    assert_non_null(strstr(t, "claimed    by o-t01-v01 at 2026-11-21T09:00:00Z\n"));
    assert_non_null(strstr(t, "event      dispute 2026-11-20: quarrel over land\n"));
    assert_non_null(strstr(t, "rules\n  r.one  Repeated disputes\n    evidence: said \"x\"\n"));
    assert_non_null(strstr(t, "  r.two\n    evidence: 清水镇\n"));
    assert_non_null(strstr(t, "route      o-a, o-b (no officers in T01-V01-G01: sent to "
                              "T01-V01)\n"));
    assert_non_null(strstr(t, "\nhistory\nAT                    WHAT         BY               "
                              "TOKEN        NOTE\n"));
    assert_null(strstr(t, "closed "));
    ts_buf_reset(&b);
    a.status = TS_ALERT_CLOSED;
    a.closed_at = "2026-11-23T08:00:00Z";
    a.outcome = TS_CLOSE_FALSE_POSITIVE;
    a.due = NULL;
    snprintf(a.reopens, sizeof a.reopens, "A-000017");
    assert_int_equal(ts_render_alert_show_text(&b, &a), TS_OK);
    t = ts_buf_str(&b);
    assert_non_null(strstr(t, "closed     2026-11-23T08:00:00Z, outcome false_positive\n"));
    assert_non_null(strstr(t, "reopens    A-000017\n"));
    assert_null(strstr(t, "due "));
    ts_buf_reset(&b);
    ts_alert_event e = {.at = "2026-11-21T09:00:00Z",
                        .what = "claimed",
                        .by = "o-t01-v01",
                        .token = "tk-0123abcd",
                        .note = "on my way"};
    assert_int_equal(ts_render_alert_event_row(&b, &e), TS_OK);
    assert_string_equal(ts_buf_str(&b), "2026-11-21T09:00:00Z  claimed      o-t01-v01        "
                                        "tk-0123abcd  on my way\n");
    ts_buf_reset(&b);
    e.token = NULL;
    e.note = "";
    e.by = "engine";
    e.what = "escalated";
    assert_int_equal(ts_render_alert_event_row(&b, &e), TS_OK);
    assert_string_equal(ts_buf_str(&b), "2026-11-21T09:00:00Z  escalated    engine           "
                                        "-            -\n");
    ts_buf_release(&b);
}

/* Statistics with two quick alerts in T01 (one closed in time), one early alert in a
 * cell outside the grid, and overdue alerts at two levels. */
static ts_alert_stats stats_sample(ts_alert_cell_stat *towns, ts_alert_cell_stat *villages)
{
    ts_alert_figures quick = {.raised = 2,
                              .acked_in_time = 1,
                              .closed = 1,
                              .closure_rate = 0.5,
                              .ack_p50 = 12.5,
                              .ack_p90 = 30,
                              .close_p50 = 90,
                              .close_p90 = 90,
                              .overdue = 1};
    quick.by_state[TS_ALERT_NEW] = 1;
    quick.by_state[TS_ALERT_CLOSED] = 1;
    ts_alert_figures early = {
        .raised = 1, .ack_p50 = -1, .ack_p90 = -1, .close_p50 = -1, .close_p90 = -1, .overdue = 1};
    early.by_state[TS_ALERT_CLAIMED] = 1;
    ts_alert_figures all = quick;
    all.raised = 3;
    all.by_state[TS_ALERT_CLAIMED] = 1;
    all.closure_rate = 1.0 / 3.0;
    all.overdue = 2;
    ts_alert_stats st = {.all = all, .closure_target = 0.99};
    st.kinds[TS_FEEDBACK_QUICK] = quick;
    st.kinds[TS_FEEDBACK_EARLY] = early;
    st.kinds[TS_FEEDBACK_DETAILED] =
        (ts_alert_figures){.ack_p50 = -1, .ack_p90 = -1, .close_p50 = -1, .close_p90 = -1};
    towns[0] = (ts_alert_cell_stat){.code = "T01", .name = "清水镇", .fig = quick};
    towns[1] = (ts_alert_cell_stat){.code = NULL, .name = "", .fig = early};
    villages[0] = (ts_alert_cell_stat){.code = "T01-V01", .name = "一村", .fig = quick};
    st.towns = towns;
    st.n_towns = 2;
    st.villages = villages;
    st.n_villages = 1;
    st.overdue_by_level[TS_CELL_GROUP] = 1;
    st.overdue_by_level[0] = 1;
    return st;
}

static void test_stats_text(void **state)
{
    (void)state;
    ts_alert_cell_stat towns[2], villages[1];
    ts_alert_stats st = stats_sample(towns, villages);
    ts_buf b;
    ts_buf_init(&b, 16384);
    assert_int_equal(ts_render_alert_stats_text(&b, &st), TS_OK);
    const char *t = ts_buf_str(&b);
    assert_non_null(strstr(t,
                           "closure target 99.0%; IN-SLA: acknowledged within the kind's sla ack "
                           "time; times in minutes\n"));
    assert_non_null(
        strstr(t, "                            RAISED     NEW CLAIMED   ACKED  IN-SLA  "
                  "CLOSED  CLOSURE                  ACK P50/P90 CLOSE P50/P90  OVERDUE\n"));
    assert_non_null(
        strstr(t, "\nall                              3       1       1       0       1"
                  "       1  33.3% (target 99.0%)       12.5/30.0     90.0/90.0        2\n"));
    assert_non_null(strstr(t, "\n  quick                          2       1       0       0       1"
                              "       1  50.0% (target 99.0%)       12.5/30.0     90.0/90.0"
                              "        1\n"));
    assert_non_null(strstr(t, "\n  detailed                       0       0       0       0       0"
                              "       0  - (target 99.0%)                   -             -"
                              "        0\n"));
    assert_null(strstr(t, "unknown")); /* no row of unknown kind */
    /* the CJK town name keeps the numbers in line with the kinds' rows */
    assert_non_null(strstr(t, "by town\n  T01 清水镇                     2       1"));
    assert_non_null(strstr(t, "\n  (not in the grid)              1       0       1"));
    assert_non_null(strstr(t, "by village\n  T01-V01 一村"
                              "                   2"));
    assert_non_null(strstr(t, "\noverdue now by level: group 1, village 0, town 0, county desk "
                              "1\n"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_alert_stats_text_towns(&b, &st), TS_OK);
    assert_null(strstr(ts_buf_str(&b), "by village"));
    assert_non_null(strstr(ts_buf_str(&b), "by town\n"));
    ts_buf_release(&b);
}

static void test_stats_json(void **state)
{
    (void)state;
    ts_alert_cell_stat towns[2], villages[1];
    ts_alert_stats st = stats_sample(towns, villages);
    ts_buf b;
    ts_buf_init(&b, 16384);
    assert_int_equal(ts_render_alert_stats_json(&b, &st), TS_OK);
    const char *j = ts_buf_str(&b);
    assert_non_null(strstr(j, "{\"closure_target\":0.99,\"all\":{\"raised\":3,\"by_state\":"
                              "{\"new\":1,\"claimed\":1,\"acknowledged\":0,\"closed\":1},"
                              "\"acked_in_time\":1,\"closed\":1,\"closure_rate\":0.3333,"));
    assert_non_null(strstr(j, "\"by_kind\":{\"early\":{\"raised\":1,"));
    assert_non_null(strstr(j, "\"ack_p50_minutes\":null,\"ack_p90_minutes\":null,"
                              "\"close_p50_minutes\":null,\"close_p90_minutes\":null,"
                              "\"overdue\":1},\"detailed\":"));
    assert_non_null(strstr(j, "\"quick\":{\"raised\":2,"));
    assert_non_null(
        strstr(j, "\"ack_p50_minutes\":12.5,\"ack_p90_minutes\":30.0,\"close_p50_minutes\":90.0"));
    assert_null(strstr(j, "\"unknown\""));
    assert_non_null(strstr(j, "\"by_town\":[{\"code\":\"T01\",\"name\":\"清水镇\",\"raised\":2,"));
    assert_non_null(strstr(j, "{\"code\":null,\"name\":\"\",\"raised\":1,"));
    assert_non_null(strstr(j, "\"by_village\":[{\"code\":\"T01-V01\",\"name\":\"一村\","));
    assert_non_null(strstr(j, "\"overdue_by_level\":{\"group\":1,\"village\":0,\"town\":0,"
                              "\"county\":1}}\n"));
    ts_buf_release(&b);
}

static void test_report_section(void **state)
{
    (void)state;
    ts_alert_cell_stat towns[2], villages[1];
    ts_alert_stats st = stats_sample(towns, villages);
    towns[0].name = "<清水镇>";
    ts_report r = {.county = "演示县",
                   .now = "2026-11-26",
                   .total = {.code = "all", .name = "演示县", .level = "all", .median_hours = -1}};
    ts_buf b;
    ts_buf_init(&b, 1 << 20);
    /* without figures: no section */
    assert_int_equal(ts_render_report_text(&b, &r), TS_OK);
    assert_null(strstr(ts_buf_str(&b), "Alerts:"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_report_json(&b, &r), TS_OK);
    assert_null(strstr(ts_buf_str(&b), "alert_figures"));
    ts_buf_reset(&b);
    r.alerts = &st;
    assert_int_equal(ts_render_report_text(&b, &r), TS_OK);
    const char *t = ts_buf_str(&b);
    assert_non_null(strstr(t, "\nAlerts: the officers' loop, per kind and per town\n\n"
                              "closure target 99.0%"));
    assert_non_null(strstr(t, "  T01 <清水镇>"));
    assert_null(strstr(t, "by village"));
    assert_non_null(strstr(t, "overdue now by level: group 1, village 0, town 0, county desk 1\n"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_report_json(&b, &r), TS_OK);
    const char *j = ts_buf_str(&b);
    assert_non_null(strstr(j, ",\"alert_figures\":{\"closure_target\":0.99,\"all\":{"));
    assert_non_null(strstr(j, "\"overdue_by_level\":{\"group\":1,\"village\":0,\"town\":0,"
                              "\"county\":1}}}\n"));
    assert_null(strstr(j, "by_village"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_report_html(&b, &r), TS_OK);
    const char *h = ts_buf_str(&b);
    /* the page's data block carries the figures; report.js draws them */
    assert_non_null(strstr(h, ",\"alert_figures\":{\"closure_target\":0.99,\"all\":{"));
    assert_non_null(strstr(h, "{\"code\":\"T01\",\"name\":\"\\u003c清水镇>\",\"raised\":2,"));
    assert_non_null(strstr(h, "\"overdue_by_level\":{\"group\":1,\"village\":0,\"town\":0,"
                              "\"county\":1}}}</script>"));
    assert_null(strstr(h, "<清水镇>"));
    ts_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_width),          cmocka_unit_test(test_table),
        cmocka_unit_test(test_jsonl),          cmocka_unit_test(test_show),
        cmocka_unit_test(test_stats_text),     cmocka_unit_test(test_stats_json),
        cmocka_unit_test(test_report_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
