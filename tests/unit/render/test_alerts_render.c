/* tests/unit/render/test_alerts_render.c — the alert renderers on hand-built typed rows:
 * the table line (every column, "-" for absent values, "(nobody)" for an empty route),
 * the JSON object (escaping through the encoder, nulls, level/escalated only when
 * escalated, the headline as it is), the caps of the buffer, and the statistics in
 * text and JSON (json-c's number forms, "other" only when non-zero). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "render/render_alerts.h"

static ts_alert sample(void)
{
    static const ts_alert_rule rules[] = {{.id = "r.one", .evidence = "said \"x\"\n"},
                                          {.id = "r.two", .evidence = "清水镇"}};
    static const char *const route[] = {"o-a", "o-b"};
    ts_alert a = {.cursor = 42,
                  .kind = TS_FEEDBACK_DETAILED,
                  .person = "P-1",
                  .grid = "T01-V01-G01",
                  .colour = TS_COLOUR_RED,
                  .rules = rules,
                  .n_rules = 2,
                  .route = route,
                  .n_route = 2,
                  .created = "2026-11-20T08:00:00Z",
                  .run = 3,
                  .rules_version = "sha256:ab",
                  .status = TS_ALERT_ACKED,
                  .headline = "{\"colour\":\"red\"}"};
    snprintf(a.id, sizeof a.id, "A-000042");
    return a;
}

static void test_table(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 4096);
    assert_int_equal(ts_render_alert_table_header(&b), TS_OK);
    assert_string_equal(ts_buf_str(&b),
                        "ID        CURSOR    KIND      STATUS      LVL PERSON        GRID      "
                        "     COLOUR  CREATED               ROUTE / RULES\n");
    ts_buf_reset(&b);
    ts_alert a = sample();
    assert_int_equal(ts_render_alert_table_row(&b, &a), TS_OK);
    assert_string_equal(ts_buf_str(&b), "A-000042  42        detailed  acked         0 P-1        "
                                        "   T01-V01-G01    red     2026-11-20T08:00:00Z  o-a,o-b "
                                        "/ r.one,r.two\n");
    ts_buf_reset(&b);
    a.n_route = 0;
    a.n_rules = 0;
    a.colour = TS_COLOUR_NONE;
    a.person = NULL;
    assert_int_equal(ts_render_alert_table_row(&b, &a), TS_OK);
    assert_non_null(strstr(ts_buf_str(&b), " -             T01-V01-G01    -       "));
    assert_non_null(strstr(ts_buf_str(&b), "(nobody) / \n"));
    ts_buf_release(&b);
}

static void test_json(void **state)
{
    (void)state;
    ts_buf b;
    ts_buf_init(&b, 4096);
    ts_alert a = sample();
    assert_int_equal(ts_render_alert_jsonl(&b, &a), TS_OK);
    assert_string_equal(
        ts_buf_str(&b),
        "{\"id\":\"A-000042\",\"cursor\":42,\"kind\":\"detailed\",\"person\":\"P-1\",\"grid\":"
        "\"T01-V01-G01\",\"colour\":\"red\",\"rules\":[{\"id\":\"r.one\",\"evidence\":\"said "
        "\\\"x\\\"\\n\"},{\"id\":\"r.two\",\"evidence\":\"清水镇\"}],\"route\":[\"o-a\",\"o-b\"],"
        "\"created\":\"2026-11-20T08:00:00Z\",\"run\":3,\"rules_version\":\"sha256:ab\","
        "\"status\":\"acked\",\"headline\":{\"colour\":\"red\"}}\n");
    ts_buf_reset(&b);
    a.colour = TS_COLOUR_NONE;
    a.run = 0;
    a.rules_version = NULL;
    a.headline = NULL;
    a.level = 2;
    a.escalated = "2026-11-20T09:00:00Z";
    a.route_note = "no officers in T01-V01-G01: sent to T01-V01";
    assert_int_equal(ts_render_alert_json(&b, &a), TS_OK);
    const char *j = ts_buf_str(&b);
    assert_non_null(strstr(j, "\"colour\":null"));
    assert_non_null(strstr(j, "\"route_note\":\"no officers in T01-V01-G01: sent to T01-V01\","
                              "\"created\""));
    assert_non_null(strstr(j, "\"run\":null,\"rules_version\":null,\"status\":\"acked\","
                              "\"level\":2,\"escalated\":\"2026-11-20T09:00:00Z\"}"));
    assert_null(strstr(j, "headline"));
    ts_buf_release(&b);
    /* past the cap: an error, never a cut line */
    ts_buf small;
    ts_buf_init(&small, 40);
    a = sample();
    assert_int_equal(ts_render_alert_jsonl(&small, &a), TS_LIMIT);
    ts_buf_release(&small);
}

static void test_stats(void **state)
{
    (void)state;
    ts_alert_stats st = {.median_ack = 1.0 / 3.0, .median_close = -1, .n_ack = 3};
    st.by[TS_FEEDBACK_QUICK][TS_ALERT_NEW] = 2;
    st.by[TS_FEEDBACK_QUICK][TS_ALERT_ACKED] = 3;
    st.by[TS_FEEDBACK_EARLY][TS_ALERT_CLOSED] = 1;
    st.other[TS_FEEDBACK_EARLY] = 1;
    ts_alert_town_stat towns[] = {{.code = "T01", .name = "清水镇", .alerts = 4, .closed = 1},
                                  {.code = NULL, .name = "", .alerts = 3, .closed = 0}};
    st.towns = towns;
    st.n_towns = 2;
    ts_buf b;
    ts_buf_init(&b, 8192);
    assert_int_equal(ts_render_alert_stats_text(&b, &st), TS_OK);
    const char *t = ts_buf_str(&b);
    assert_non_null(strstr(t, "early             0        0        1        2\n"));
    assert_non_null(strstr(t, "quick             2        3        0        5\n"));
    assert_non_null(strstr(t, "all               2        3        1        7\n"));
    assert_null(strstr(t, "\nunknown")); /* no row of unknown kind */
    assert_non_null(strstr(t, "median time to acknowledge: 0.3 min (3 alerts)\n"));
    assert_non_null(strstr(t, "median time to close:       - (none closed)\n"));
    assert_non_null(strstr(t, "  T01      清水镇                 1 / 4       25.0%\n"));
    assert_non_null(strstr(t, "  unknown                            0 / 3        0.0%\n"));
    ts_buf_reset(&b);
    assert_int_equal(ts_render_alert_stats_json(&b, &st), TS_OK);
    const char *j = ts_buf_str(&b);
    assert_non_null(strstr(j, "{\"total\":7,\"by_kind\":{\"early\":{\"new\":0,\"acked\":0,"
                              "\"closed\":1,\"other\":1,\"total\":2},\"detailed\":{\"new\":0,"));
    assert_non_null(strstr(j, "\"by_status\":{\"new\":2,\"acked\":3,\"closed\":1,\"other\":1}"));
    /* json-c's forms: 17 significant digits, ".0" on a whole number */
    assert_non_null(strstr(j, "\"median_minutes_to_ack\":0.33333333333333331,\"acked_count\":3,"
                              "\"median_minutes_to_close\":null"));
    assert_non_null(strstr(j, "\"closure_rate\":0.25}"));
    assert_non_null(strstr(j, "{\"town\":\"unknown\",\"name\":\"\",\"alerts\":3,\"closed\":0,"
                              "\"closure_rate\":0.0}]}\n"));
    ts_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
