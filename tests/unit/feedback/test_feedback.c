/* tests/unit/feedback/test_feedback.c — the three feedbacks on a real SQLite database:
 * routing of each kind (incl. cells without officers), de-duplication, a rise in colour,
 * the detailed headline, escalation at an explicit time, the lifecycle and its errors,
 * the feed filters, the cursor contract under a concurrent writer, the JSON Lines sink
 * and the statistics. The database is inspected with sqlite3 where the API has no read. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "render/render_alerts.h"
#include "triscreen/grid.h"
#include "triscreen/store.h"

static const char grid_yaml[] =
    "county: Test County\n"
    "towns:\n"
    "  - code: T01\n"
    "    name: Town One\n"
    "    officers: [{id: o-t01, name: Town desk}]\n"
    "    villages:\n"
    "      - code: T01-V01\n"
    "        name: Village One\n"
    "        officers: [{id: o-t01-v01, name: Village head}]\n"
    "        groups:\n"
    "          - code: T01-V01-G01\n"
    "            officers: [{id: o-g01a, name: A}, {id: o-g01b, name: B}]\n"
    "          - code: T01-V01-G02\n"
    "            officers: []\n"
    "      - code: T01-V02\n"
    "        name: Village Two\n"
    "        officers: []\n"
    "        groups:\n"
    "          - code: T01-V02-G01\n"
    "            officers: []\n"
    "  - code: T02\n"
    "    name: Town Two\n"
    "    officers: [{id: o-t02, name: Town desk 2}]\n"
    "    villages:\n"
    "      - code: T02-V01\n"
    "        officers: [{id: o-t02-v01, name: V}]\n"
    "        groups:\n"
    "          - code: T02-V01-G01\n"
    "            officers: [{id: o-t02-v01-g01, name: G}]\n";

typedef struct fixture {
    char dir[64];
    char db[128];
    char sink[128];
    ts_grid *grid;
    ts_store *s;
    ts_config cfg;
    ts_feedback_ctx *fb;
} fixture;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void ok(ts_status rc, const ts_err *err)
{
    if (rc != TS_OK)
        print_error("%s: %s: %s\n", ts_status_name(rc), err->where, err->msg);
    assert_int_equal(rc, TS_OK);
}

static int setup_grid(void **state, const char *yaml)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts_fb_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    char grid_path[128];
    snprintf(grid_path, sizeof grid_path, "%s/grid.yaml", fx->dir);
    write_file(grid_path, yaml);
    snprintf(fx->db, sizeof fx->db, "%s/t.db", fx->dir);
    snprintf(fx->sink, sizeof fx->sink, "%s/alerts.jsonl", fx->dir);
    ts_err err;
    ok(ts_grid_load(grid_path, &fx->grid, &err), &err);
    ok(ts_store_open(fx->db, TS_STORE_READWRITE, &fx->s, &err), &err);
    ok(ts_store_put_grid(fx->s, fx->grid, &err), &err);
    fx->cfg.quick_ack_minutes = 30;
    ok(ts_feedback_open(&fx->cfg, fx->grid, "sha256:test", &fx->fb, &err), &err);
    *state = fx;
    return 0;
}

static int setup(void **state)
{
    return setup_grid(state, grid_yaml);
}

/* A group cell with 60 officers of 40-byte ids: its route (about 2.5 KiB) is longer than
 * the 1400-byte buffer the escalation detail once was cut to. */
static int setup_crowded(void **state)
{
    char *yaml = malloc(8192);
    assert_non_null(yaml);
    size_t n = (size_t)snprintf(yaml, 8192,
                                "county: Crowded\ntowns:\n  - code: T01\n    name: T\n"
                                "    officers: [{id: o-t01, name: T}]\n    villages:\n"
                                "      - code: T01-V01\n        name: V\n        officers: []\n"
                                "        groups:\n          - code: T01-V01-G01\n"
                                "            name: G\n            officers:\n");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(yaml + n, 8192 - n,
                              "              - {id: officer-of-the-crowded-group-%010d, name: O}\n",
                              i);
    int r = setup_grid(state, yaml);
    free(yaml);
    return r;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    ts_feedback_close(fx->fb);
    ts_store_close(fx->s);
    ts_grid_free(fx->grid);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int r = system(cmd);
    free(fx);
    return r == 0 ? 0 : -1;
}

/* ---- helpers ------------------------------------------------------------------------- */

/* Typed fired rules from their stored JSON (the test data is written as JSON). The
 * arena lives for the whole test binary: the rules are borrowed by each call only. */
static ts_arena g_rules_arena;

static const ts_fired_rule *T(const char *json, size_t *n)
{
    static bool init;
    if (!init) {
        ts_arena_init(&g_rules_arena, 0);
        init = true;
    }
    ts_fired_rule *v = NULL;
    ts_err err;
    assert_int_equal(ts_fired_rules_read(json, &g_rules_arena, &v, n, &err), TS_OK);
    return v;
}

#define TYPED(json) .rules = T((json), &tn_), .n_rules = tn_

static void screen_alert(fixture *fx, ts_feedback kind, const char *person, const char *grid,
                         ts_colour colour, const char *rules)
{
    ts_err err;
    size_t tn_ = 0;
    ts_screen_alert a = {.kind = kind,
                         .person = person,
                         .grid = grid,
                         .colour = colour,
                         TYPED(rules),
                         .why = "test",
                         .run = 7};
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
}

static void problem_event(fixture *fx, const char *person, const char *grid, const char *type,
                          const char *date, const char *note)
{
    ts_err err;
    ts_person p = {.id = person, .grid = grid, .name = "", .notes = ""};
    int32_t d;
    assert_true(ts_date_parse(date, strlen(date), &d));
    ts_event ev = {.type = type, .date = d, .note = note};
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_problem_event(fx->fb, fx->s, &p, &ev, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
}

#define MAX_SEEN 4096
typedef struct seen {
    json_object *obj[MAX_SEEN];
    int64_t cursor[MAX_SEEN];
    size_t n;
} seen;

static ts_status collect(void *ud, const char *json, int64_t cursor)
{
    seen *s = ud;
    if (s->n >= MAX_SEEN)
        return TS_LIMIT;
    s->obj[s->n] = json_tokener_parse(json);
    if (!s->obj[s->n])
        return TS_INVALID;
    s->cursor[s->n++] = cursor;
    return TS_OK;
}

static void seen_free(seen *s)
{
    for (size_t i = 0; i < s->n; i++)
        json_object_put(s->obj[i]);
    s->n = 0;
}

typedef struct typed_seen {
    size_t n, n_route;
    char id[24], route0[64], rule0[64];
    ts_feedback kind;
} typed_seen;

static ts_status typed_one(void *ud, const ts_alert *a)
{
    typed_seen *t = ud;
    t->n++;
    snprintf(t->id, sizeof t->id, "%s", a->id);
    t->kind = a->kind;
    t->n_route = a->n_route;
    snprintf(t->route0, sizeof t->route0, "%s", a->n_route ? a->route[0] : "");
    snprintf(t->rule0, sizeof t->rule0, "%s", a->n_rules ? a->rules[0].id : "");
    return TS_OK;
}

static void list(fixture *fx, const ts_alert_filter *f, seen *out)
{
    ts_err err;
    int64_t last = -1;
    seen_free(out);
    ok(ts_alerts_list(fx->s, fx->grid, f, collect, out, &last, &err), &err);
    if (out->n)
        assert_int_equal(last, out->cursor[out->n - 1]);
    else
        assert_int_equal(last, -1);
}

static const char *field(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

/* The route as "a,b,c". */
static const char *route_of(json_object *o, char *buf, size_t cap)
{
    json_object *r;
    assert_true(json_object_object_get_ex(o, "route", &r));
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < json_object_array_length(r); i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? "," : "",
                                json_object_get_string(json_object_array_get_idx(r, i)));
    return buf;
}

static int64_t sql_int(fixture *fx, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* ---- routing ------------------------------------------------------------------------- */

static void test_route_early(void **state)
{
    fixture *fx = *state;
    char buf[256];
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"disputes.many\",\"evidence\":\"open disputes: 3\"}]");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P2", "T01-V01-G02", TS_COLOUR_NONE,
                 "[{\"id\":\"disputes.many\",\"evidence\":\"open disputes: 2\"}]");
    seen s = {.n = 0};
    list(fx, NULL, &s);
    assert_int_equal(s.n, 2);
    json_object *a = s.obj[0], *b = s.obj[1];
    assert_string_equal(field(a, "id"), "A-000001");
    assert_string_equal(field(a, "kind"), "early");
    assert_string_equal(field(a, "person"), "P1");
    assert_string_equal(field(a, "grid"), "T01-V01-G01");
    assert_null(field(a, "colour"));
    assert_string_equal(field(a, "status"), "new");
    assert_string_equal(field(a, "run"), "7");
    assert_string_equal(field(a, "rules_version"), "sha256:test");
    assert_non_null(field(a, "created"));
    assert_int_equal(strlen(field(a, "created")), 20);
    assert_string_equal(route_of(a, buf, sizeof buf), "o-g01a,o-g01b");
    assert_null(field(a, "route_note"));
    assert_null(field(a, "headline"));
    assert_null(field(a, "level"));
    /* a vacant group routes to its village, and says so */
    assert_string_equal(route_of(b, buf, sizeof buf), "o-t01-v01");
    assert_non_null(
        strstr(field(b, "route_note"), "T01-V01-G02 has no officer: routed to T01-V01"));
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 2);
    seen_free(&s);
}

static void test_route_detailed(void **state)
{
    fixture *fx = *state;
    char buf[256];
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_RED,
                 "[{\"id\":\"violence\",\"evidence\":\"x\"}]");
    /* group and village both vacant: both go up to the town */
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P2", "T01-V02-G01", TS_COLOUR_YELLOW,
                 "[{\"id\":\"violence\",\"evidence\":\"x\"}]");
    seen s = {.n = 0};
    list(fx, NULL, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(route_of(s.obj[0], buf, sizeof buf), "o-g01a,o-g01b,o-t01-v01");
    assert_string_equal(field(s.obj[0], "colour"), "red");
    assert_null(field(s.obj[0], "route_note"));
    assert_non_null(field(s.obj[0], "headline"));
    assert_string_equal(route_of(s.obj[1], buf, sizeof buf), "o-t01");
    const char *note = field(s.obj[1], "route_note");
    assert_non_null(strstr(note, "T01-V02-G01 has no officer: routed to T01"));
    assert_non_null(strstr(note, "T01-V02 has no officer: routed to T01"));
    seen_free(&s);
}

static void test_route_quick(void **state)
{
    fixture *fx = *state;
    char buf[256];
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight at market");
    problem_event(fx, "P2", "T01-V01-G02", "absconded", "2026-11-21", "");
    screen_alert(fx, TS_FEEDBACK_QUICK, "P3", "T02-V01-G01", TS_COLOUR_RED,
                 "[{\"id\":\"threat.weapon\",\"evidence\":\"knife\"}]");
    seen s = {.n = 0};
    list(fx, NULL, &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(route_of(s.obj[0], buf, sizeof buf), "o-g01a,o-g01b,o-t01-v01,o-t01");
    assert_string_equal(field(s.obj[0], "kind"), "quick");
    assert_null(field(s.obj[0], "run"));
    json_object *rules, *r0;
    assert_true(json_object_object_get_ex(s.obj[0], "rules", &rules));
    assert_int_equal(json_object_array_length(rules), 1);
    r0 = json_object_array_get_idx(rules, 0);
    assert_string_equal(field(r0, "id"), "problem_event");
    assert_string_equal(field(r0, "evidence"), "incident_reported 2026-11-20 fight at market");
    assert_string_equal(route_of(s.obj[1], buf, sizeof buf), "o-t01-v01,o-t01");
    assert_non_null(strstr(field(s.obj[1], "route_note"), "T01-V01-G02 has no officer"));
    assert_true(json_object_object_get_ex(s.obj[1], "rules", &rules));
    assert_string_equal(field(json_object_array_get_idx(rules, 0), "evidence"),
                        "absconded 2026-11-21");
    assert_string_equal(route_of(s.obj[2], buf, sizeof buf), "o-t02-v01-g01,o-t02-v01,o-t02");
    assert_string_equal(field(s.obj[2], "colour"), "red");
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 3);
    seen_free(&s);
}

/* samples/grid.yaml: T03-V04-G04 is vacant. */
static void test_route_sample_grid(void **state)
{
    fixture *fx = *state;
    const char *src = getenv("TS_SOURCE_DIR");
    if (!src) {
        print_message("TS_SOURCE_DIR not set: skipping the sample grid\n");
        skip();
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/samples/grid.yaml", src);
    ts_grid *g = NULL;
    ts_err err;
    ok(ts_grid_load(path, &g, &err), &err);
    ts_feedback_ctx *fb = NULL;
    ok(ts_feedback_open(&fx->cfg, g, NULL, &fb, &err), &err);
    ts_person p = {.id = "P-9", .grid = "T03-V04-G04", .name = "", .notes = ""};
    ts_event ev = {.type = "threat_reported", .date = 20000, .note = ""};
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_problem_event(fb, fx->s, &p, &ev, &err), &err);
    size_t tn_ = 0;
    ts_screen_alert a = {.kind = TS_FEEDBACK_EARLY,
                         .person = "P-9",
                         .grid = "T03-V04-G04",
                         TYPED("[{\"id\":\"r\",\"evidence\":\"\"}]")};
    ok(ts_feedback_on_screen_alert(fb, fx->s, &a, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
    seen s = {.n = 0};
    ok(ts_alerts_list(fx->s, g, NULL, collect, &s, NULL, &err), &err);
    assert_int_equal(s.n, 2);
    char buf[256];
    assert_string_equal(route_of(s.obj[0], buf, sizeof buf), "o-t03-v04,o-t03");
    assert_non_null(
        strstr(field(s.obj[0], "route_note"), "T03-V04-G04 has no officer: routed to T03-V04"));
    assert_null(field(s.obj[0], "run"));
    assert_null(field(s.obj[0], "rules_version"));
    assert_string_equal(route_of(s.obj[1], buf, sizeof buf), "o-t03-v04");
    seen_free(&s);
    ts_feedback_close(fb);
    ts_grid_free(g);
}

/* ---- de-duplication ------------------------------------------------------------------ */

static void test_dedup(void **state)
{
    fixture *fx = *state;
    ts_err err;
    const char *ab = "[{\"id\":\"a\",\"evidence\":\"1\"},{\"id\":\"b\",\"evidence\":\"2\"}]";
    const char *ba = "[{\"id\":\"b\",\"evidence\":\"changed\"},{\"id\":\"a\",\"evidence\":\"x\"}]";
    for (int i = 0; i < 3; i++) /* re-running a pass on unchanged data raises nothing */
        screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, ab);
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, ba);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 1);
    /* another set of reasons, another person, another kind: new alerts */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"a\",\"evidence\":\"1\"}]");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P2", "T01-V01-G01", TS_COLOUR_NONE, ab);
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_NONE, ab);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 3);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 1);
    /* two calls in one transaction */
    size_t tn_ = 0;
    ts_screen_alert a = {
        .kind = TS_FEEDBACK_EARLY, .person = "P3", .grid = "T01-V01-G01", TYPED(ab), .run = 1};
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 4);
    /* an acknowledged alert is still open; once closed the same reasons alert again */
    ok(ts_alert_ack(fx->s, "A-000001", "o-g01a", NULL, &err), &err);
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, ab);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 4);
    ok(ts_alert_close(fx->s, "A-000001", "o-g01a", "talked to the family", &err), &err);
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, ab);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 5);

    /* the same problem event twice (a re-import, a retried request): one alert */
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 2);
    /* a second incident is its own alert */
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "another fight");
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-21", "fight");
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 4);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts"), 9);
}

static void test_colour_rise(void **state)
{
    fixture *fx = *state;
    const char *r = "[{\"id\":\"score\",\"evidence\":\"45\"}]";
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_YELLOW, r);
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_YELLOW, r);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_DETAILED), 1);
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_RED, r);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_DETAILED), 2);
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_RED, r);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_DETAILED), 2);
    seen s = {.n = 0};
    list(fx, NULL, &s);
    assert_int_equal(s.n, 2);
    assert_string_equal(field(s.obj[0], "colour"), "yellow");
    assert_string_equal(field(s.obj[1], "colour"), "red");
    seen_free(&s);
}

static void test_headline(void **state)
{
    fixture *fx = *state;
    ts_err err;
    int32_t today;
    assert_true(ts_date_parse("2026-11-25", 10, &today));
    ts_list_row p1 = {.person = "P1",
                      .colour = TS_COLOUR_RED,
                      .engine_colour = TS_COLOUR_RED,
                      .regional_colour = TS_COLOUR_RED,
                      .override_colour = -1,
                      .override_until = TS_DATE_NONE,
                      .score = 85,
                      .regional_score = 85,
                      .since = today,
                      .next_review = today + 7,
                      .reasons = "[{\"id\":\"violence\",\"evidence\":\"2 incidents\"},"
                                 "{\"id\":\"disputes\",\"evidence\":\"3\"},"
                                 "{\"id\":\"checkins\",\"evidence\":\"missed 4\"},"
                                 "{\"id\":\"unemployed\",\"evidence\":\"\"}]",
                      .regional_reasons = "[]"};
    ts_list_row q = p1;
    q.person = "Q";
    q.colour = q.engine_colour = q.regional_colour = TS_COLOUR_YELLOW;
    q.reasons = "[]";
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_store_put_list(fx->s, &p1, 3, &err), &err);
    ok(ts_store_put_list(fx->s, &q, 3, &err), &err);
    bool ins;
    ok(ts_store_put_relation(fx->s, "P1", "Q", "family", &ins, &err), &err);
    ok(ts_store_put_relation(fx->s, "R", "P1", "neighbour", &ins, &err), &err);
    ok(ts_store_put_relation(fx->s, "P1", "R", "friend", &ins, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_RED,
                 "[{\"id\":\"violence\",\"evidence\":\"2 incidents\"}]");
    seen s = {.n = 0};
    list(fx, NULL, &s);
    assert_int_equal(s.n, 1);
    json_object *h, *top, *circle, *listed;
    assert_true(json_object_object_get_ex(s.obj[0], "headline", &h));
    assert_string_equal(field(h, "colour"), "red");
    assert_string_equal(field(h, "score"), "85");
    assert_string_equal(field(h, "next_review"), "2026-12-02");
    assert_true(json_object_object_get_ex(h, "top_reasons", &top));
    assert_int_equal(json_object_array_length(top), 3);
    assert_string_equal(field(json_object_array_get_idx(top, 0), "id"), "violence");
    assert_true(json_object_object_get_ex(h, "circle", &circle));
    assert_string_equal(field(circle, "size"), "2"); /* Q and R (R twice) */
    assert_string_equal(field(circle, "yellow"), "1");
    assert_string_equal(field(circle, "red"), "0");
    assert_true(json_object_object_get_ex(circle, "listed", &listed));
    assert_int_equal(json_object_array_length(listed), 1);
    assert_string_equal(field(json_object_array_get_idx(listed, 0), "person"), "Q");
    assert_string_equal(field(json_object_array_get_idx(listed, 0), "relation"), "family");
    assert_string_equal(field(json_object_array_get_idx(listed, 0), "colour"), "yellow");
    seen_free(&s);
    /* a quick alert for a listed person carries the list colour */
    problem_event(fx, "Q", "T01-V01-G01", "threat_reported", "2026-11-24", "");
    list(fx, &(ts_alert_filter){.kind = TS_FEEDBACK_QUICK}, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(field(s.obj[0], "colour"), "yellow");
    seen_free(&s);
}

/* ---- escalation ---------------------------------------------------------------------- */

/* The escalation's history and audit detail hold the whole route, however long. */
static void test_escalation_long_route(void **state)
{
    fixture *fx = *state;
    ts_err err;
    int64_t t0 = (int64_t)time(NULL);
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    unsigned n = 0;
    ok(ts_feedback_escalate(fx->fb, fx->s, t0 + 31 * 60, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_int_equal(sql_int(fx, "select count(*) from audit where action = 'alert.escalate' "
                                 "and detail like '%officer-of-the-crowded-group-0000000059%'"
                                 " and detail like '%o-t01\"]%'"),
                     1);
    assert_true(sql_int(fx, "select max(length(detail)) from audit where action = "
                            "'alert.escalate'") > 2400);
}

static void test_escalation(void **state)
{
    fixture *fx = *state;
    ts_err err;
    int64_t t0 = (int64_t)time(NULL);
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    problem_event(fx, "P2", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P3", "T01-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"a\",\"evidence\":\"\"}]");
    ok(ts_alert_ack(fx->s, "2", "o-g01a", "on my way", &err), &err); /* P2 acked: no escalation */
    unsigned n = 99;
    ok(ts_feedback_escalate(fx->fb, fx->s, t0 + 10 * 60, &n, &err), &err);
    assert_int_equal(n, 0);
    ok(ts_feedback_escalate(fx->fb, fx->s, t0 + 31 * 60, &n, &err), &err);
    assert_int_equal(n, 1);
    /* the same check again: nothing new is due */
    ok(ts_feedback_escalate(fx->fb, fx->s, t0 + 31 * 60, &n, &err), &err);
    assert_int_equal(n, 0);
    seen s = {.n = 0};
    list(fx, NULL, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(field(s.obj[0], "id"), "A-000001");
    assert_string_equal(field(s.obj[0], "status"), "superseded");
    json_object *e = s.obj[3];
    assert_string_equal(field(e, "id"), "A-000001");
    assert_int_equal(s.cursor[3], 4);
    assert_string_equal(field(e, "status"), "new");
    assert_string_equal(field(e, "level"), "1");
    assert_string_equal(field(e, "created"), field(s.obj[0], "created"));
    assert_non_null(field(e, "escalated"));
    assert_non_null(strstr(field(e, "route_note"), "escalation level 1"));
    char buf[256];
    assert_string_equal(route_of(e, buf, sizeof buf), "o-g01a,o-g01b,o-t01-v01,o-t01");
    /* a consumer at cursor 3 sees only the escalation */
    list(fx, &(ts_alert_filter){.since = 3}, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.cursor[0], 4);
    /* --status new shows the live row only */
    list(fx, &(ts_alert_filter){.status = "new"}, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.cursor[0], 3);
    assert_int_equal(s.cursor[1], 4);
    seen_free(&s);
    /* the next escalation counts from the last one */
    ok(ts_feedback_escalate(fx->fb, fx->s, t0 + 50 * 60, &n, &err), &err);
    assert_int_equal(n, 0);
    ok(ts_feedback_escalate(fx->fb, fx->s, t0 + 62 * 60, &n, &err), &err);
    assert_int_equal(n, 1);
    list(fx, &(ts_alert_filter){.since = 4}, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(field(s.obj[0], "id"), "A-000001");
    assert_string_equal(field(s.obj[0], "level"), "2");
    seen_free(&s);
    /* the alert is still open for de-duplication; acking by any of its cursors acts on
     * the live row, and an acked alert does not escalate */
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 2);
    ok(ts_alert_ack(fx->s, "4", "o-t01", "", &err), &err);
    assert_int_equal(ts_alert_ack(fx->s, "A-000001", "o-t01", "", &err), TS_STATE);
    ok(ts_feedback_escalate(fx->fb, fx->s, t0 + 600 * 60, &n, &err), &err);
    assert_int_equal(n, 0);
    assert_int_equal(sql_int(fx, "SELECT status = 'acked' FROM alerts WHERE cursor = 5"), 1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history WHERE alert = 1"
                                 " AND status = 'escalated' AND by = 'engine'"),
                     2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.escalate'"
                                 " AND target = 'A-000001'"),
                     2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history WHERE alert = 1"
                                 " AND status = 'acked' AND by = 'o-t01'"),
                     1);
}

/* ---- lifecycle ----------------------------------------------------------------------- */

static void test_lifecycle(void **state)
{
    fixture *fx = *state;
    ts_err err;
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"a\",\"evidence\":\"\"}]");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P2", "T01-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"a\",\"evidence\":\"\"}]");
    assert_int_equal(ts_alert_ack(fx->s, "A-000099", "o", NULL, &err), TS_NOTFOUND);
    assert_non_null(strstr(err.where, "A-000099"));
    assert_int_equal(ts_alert_ack(fx->s, "bogus", "o", NULL, &err), TS_NOTFOUND);
    assert_int_equal(ts_alert_ack(fx->s, "A-", "o", NULL, &err), TS_NOTFOUND);
    assert_int_equal(ts_alert_ack(fx->s, "0", "o", NULL, &err), TS_NOTFOUND);
    assert_int_equal(ts_alert_ack(fx->s, "A-000001", "", NULL, &err), TS_INVALID);
    assert_int_equal(ts_alert_close(fx->s, "A-000001", "o", NULL, &err), TS_INVALID);
    assert_non_null(strstr(err.msg, "note"));
    assert_int_equal(ts_alert_close(fx->s, "A-000001", "o", "", &err), TS_INVALID);
    ok(ts_alert_ack(fx->s, "a-1", "o-g01a", NULL, &err), &err);
    assert_int_equal(ts_alert_ack(fx->s, "A-000001", "o-g01a", NULL, &err), TS_STATE);
    assert_non_null(strstr(err.msg, "already acknowledged"));
    ok(ts_alert_close(fx->s, "A-000001", "o-g01a", "resolved", &err), &err);
    assert_int_equal(ts_alert_close(fx->s, "A-000001", "o-g01a", "again", &err), TS_STATE);
    assert_non_null(strstr(err.msg, "already closed"));
    assert_int_equal(ts_alert_ack(fx->s, "1", "o-g01a", NULL, &err), TS_STATE);
    /* closing straight from new is allowed */
    ok(ts_alert_close(fx->s, "2", "o-g01b", "duplicate of a known case", &err), &err);
    seen s = {.n = 0};
    list(fx, &(ts_alert_filter){.status = "closed"}, &s);
    assert_int_equal(s.n, 2);
    seen_free(&s);
    assert_int_equal(ts_alerts_list(fx->s, fx->grid, &(ts_alert_filter){.status = "open"}, collect,
                                    &s, NULL, &err),
                     TS_INVALID);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history WHERE alert = 1"), 2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history WHERE alert = 1 AND"
                                 " status = 'closed' AND note = 'resolved' AND by = 'o-g01a'"),
                     1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action LIKE 'alert.%'"), 3);
    /* failed calls left no transaction open */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P3", "T01-V01-G01", TS_COLOUR_NONE, "[]");
}

/* ---- the feed ------------------------------------------------------------------------ */

static void test_filters(void **state)
{
    fixture *fx = *state;
    ts_err err;
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");   /* 1 */
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P2", "T01-V01-G02", TS_COLOUR_RED, "[]"); /* 2 */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P3", "T01-V02-G01", TS_COLOUR_NONE, "[]");   /* 3 */
    problem_event(fx, "P4", "T02-V01-G01", "absconded", "2026-11-01", "");            /* 4 */
    seen s = {.n = 0};
    list(fx, &(ts_alert_filter){.kind = TS_FEEDBACK_EARLY}, &s);
    assert_int_equal(s.n, 2);
    const ts_cell *v01 = ts_grid_find(fx->grid, "T01-V01"), *t02 = ts_grid_find(fx->grid, "T02");
    const ts_cell *one[] = {v01}, *two[] = {v01, t02}, *all[] = {NULL};
    list(fx, &(ts_alert_filter){.scopes = one, .n_scopes = 1}, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.cursor[0], 1);
    assert_int_equal(s.cursor[1], 2);
    list(fx, &(ts_alert_filter){.scopes = two, .n_scopes = 2}, &s);
    assert_int_equal(s.n, 3);
    list(fx, &(ts_alert_filter){.scopes = all, .n_scopes = 1}, &s);
    assert_int_equal(s.n, 4);
    list(fx, &(ts_alert_filter){.officer = "o-t01-v01"}, &s); /* 2 (detailed) only */
    assert_int_equal(s.n, 1);
    assert_int_equal(s.cursor[0], 2);
    list(fx, &(ts_alert_filter){.officer = "o-t01"}, &s); /* 3 routed to the town */
    assert_int_equal(s.n, 1);
    assert_int_equal(s.cursor[0], 3);
    list(fx, &(ts_alert_filter){.since = 1, .limit = 2}, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.cursor[0], 2);
    assert_int_equal(s.cursor[1], 3);
    list(fx, &(ts_alert_filter){.since = 4}, &s);
    assert_int_equal(s.n, 0);
    int64_t max = -1;
    ok(ts_alerts_max_cursor(fx->s, &max, &err), &err);
    assert_int_equal(max, 4);
    /* the typed row */
    typed_seen ts = {0};
    int64_t last = 0;
    ok(ts_alerts_read(fx->s, fx->grid, &(ts_alert_filter){.since = 3}, typed_one, &ts, &last, &err),
       &err);
    assert_int_equal(ts.n, 1);
    assert_int_equal(last, 4);
    assert_string_equal(ts.id, "A-000004");
    assert_int_equal(ts.kind, TS_FEEDBACK_QUICK);
    assert_int_equal(ts.n_route, 3);
    assert_string_equal(ts.route0, "o-t02-v01-g01");
    assert_string_equal(ts.rule0, "problem_event");
    seen_free(&s);
    int64_t at;
    assert_true(ts_alert_parse_time("2026-11-25", &at));
    assert_int_equal(at, 1795564800);
    assert_true(ts_alert_parse_time("2026-11-25T08:30:15Z", &at));
    assert_int_equal(at, 1795564800 + 8 * 3600 + 30 * 60 + 15);
    assert_true(ts_alert_parse_time("2026-11-25 08:30", &at));
    assert_true(ts_alert_parse_time("@1234", &at));
    assert_int_equal(at, 1234);
    assert_false(ts_alert_parse_time("2026-11-25X", &at));
    assert_false(ts_alert_parse_time("tomorrow", &at));
}

/* A writer thread raises alerts in transactions of 1..5 on its own connection while this
 * thread reads the feed by cursor on another: every alert is seen exactly once, in
 * cursor order. */
typedef struct writer_arg {
    fixture *fx;
    int n;
    ts_status rc;
    char msg[800];
} writer_arg;

static void *writer(void *p)
{
    writer_arg *wa = p;
    ts_err err;
    ts_store *s = NULL;
    ts_feedback_ctx *fb = NULL;
    wa->rc = ts_store_open(wa->fx->db, TS_STORE_READWRITE, &s, &err);
    if (wa->rc == TS_OK)
        wa->rc = ts_feedback_open(&wa->fx->cfg, wa->fx->grid, NULL, &fb, &err);
    int raised = 0;
    for (int tx = 0; wa->rc == TS_OK && raised < wa->n; tx++) {
        wa->rc = ts_store_begin(s, &err);
        for (int k = 0; wa->rc == TS_OK && k <= tx % 5 && raised < wa->n; k++, raised++) {
            char person[32];
            snprintf(person, sizeof person, "W%05d", raised);
            static const ts_fired_rule w_rule = {.id = "w", .evidence = ""};
            ts_screen_alert a = {.kind = TS_FEEDBACK_EARLY,
                                 .person = person,
                                 .grid = "T01-V01-G01",
                                 .rules = &w_rule,
                                 .n_rules = 1};
            wa->rc = ts_feedback_on_screen_alert(fb, s, &a, &err);
        }
        if (wa->rc == TS_OK)
            wa->rc = ts_store_commit(s, &err);
        if (tx % 7 == 0)
            usleep(200);
    }
    if (wa->rc != TS_OK)
        snprintf(wa->msg, sizeof wa->msg, "%s: %s", err.where, err.msg);
    ts_feedback_close(fb);
    ts_store_close(s);
    return NULL;
}

typedef struct cursor_check {
    int64_t last;
    size_t n;
    bool order_ok;
} cursor_check;

static ts_status check_cursor(void *ud, const char *json, int64_t cursor)
{
    cursor_check *cc = ud;
    if (cursor <= cc->last)
        cc->order_ok = false;
    cc->last = cursor;
    cc->n++;
    return TS_OK;
}

static void test_cursor_concurrent(void **state)
{
    fixture *fx = *state;
    enum { N = 600 };
    writer_arg wa = {.fx = fx, .n = N};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, writer, &wa), 0);
    ts_store *r = NULL;
    ts_err err;
    ok(ts_store_open(fx->db, TS_STORE_READWRITE, &r, &err), &err);
    cursor_check cc = {.last = 0, .order_ok = true};
    int64_t since = 0;
    size_t polls = 0;
    while (cc.n < N && polls < 200000) {
        int64_t before = since;
        ok(ts_alerts_list(r, fx->grid, &(ts_alert_filter){.since = since, .limit = 37},
                          check_cursor, &cc, &since, &err),
           &err);
        assert_true(since >= before);
        polls++;
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    if (wa.rc != TS_OK)
        print_error("writer: %s\n", wa.msg);
    assert_int_equal(wa.rc, TS_OK);
    print_message("cursor test: %zu polls while the writer ran\n", polls);
    ok(ts_alerts_list(r, fx->grid, &(ts_alert_filter){.since = since}, check_cursor, &cc, &since,
                      &err),
       &err);
    assert_true(cc.order_ok);
    assert_int_equal(cc.n, N);
    /* no gap: cursors 1..N, each seen once */
    assert_int_equal(cc.last, N);
    int64_t max;
    ok(ts_alerts_max_cursor(r, &max, &err), &err);
    assert_int_equal(max, N);
    ts_store_close(r);
}

/* ---- the sink ------------------------------------------------------------------------ */

static size_t count_lines(const char *path, char *last, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char line[8192];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        n++;
        if (last)
            snprintf(last, cap, "%s", line);
    }
    fclose(f);
    return n;
}

static void test_sink(void **state)
{
    fixture *fx = *state;
    ts_err err;
    fx->cfg.alerts_jsonl = fx->sink;
    for (int i = 0; i < 3; i++) {
        char person[8];
        snprintf(person, sizeof person, "P%d", i);
        screen_alert(fx, TS_FEEDBACK_EARLY, person, "T01-V01-G01", TS_COLOUR_NONE, "[]");
    }
    assert_int_equal(count_lines(fx->sink, NULL, 0), 0); /* written by flush only */
    ok(ts_feedback_flush(fx->fb, fx->s, &err), &err);
    char last[8192];
    assert_int_equal(count_lines(fx->sink, last, sizeof last), 3);
    json_object *o = json_tokener_parse(last);
    assert_non_null(o);
    assert_string_equal(field(o, "id"), "A-000003");
    assert_string_equal(field(o, "person"), "P2");
    json_object_put(o);
    ok(ts_feedback_flush(fx->fb, fx->s, &err), &err);
    assert_int_equal(count_lines(fx->sink, NULL, 0), 3);
    /* a rolled-back batch never reaches the sink */
    ts_screen_alert a = {.kind = TS_FEEDBACK_EARLY, .person = "PX", .grid = "T01-V01-G01"};
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    ts_store_rollback(fx->s);
    ts_feedback_discard(fx->fb);
    ok(ts_feedback_flush(fx->fb, fx->s, &err), &err);
    assert_int_equal(count_lines(fx->sink, NULL, 0), 3);
    /* without the discard: the rolled-back cursor is reused by the next alert, which is
     * appended once, and the rolled-back alert never */
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    ts_store_rollback(fx->s);
    /* an escalation is appended by the escalation itself */
    problem_event(fx, "P9", "T01-V01-G01", "absconded", "2026-11-02", "");
    ok(ts_feedback_flush(fx->fb, fx->s, &err), &err);
    assert_int_equal(count_lines(fx->sink, last, sizeof last), 4);
    o = json_tokener_parse(last);
    assert_string_equal(field(o, "person"), "P9");
    assert_string_equal(field(o, "cursor"), "4");
    json_object_put(o);
    unsigned n;
    ok(ts_feedback_escalate(fx->fb, fx->s, (int64_t)time(NULL) + 3600, &n, &err), &err);
    assert_int_equal(n, 1);
    assert_int_equal(count_lines(fx->sink, last, sizeof last), 5);
    o = json_tokener_parse(last);
    assert_string_equal(field(o, "id"), "A-000004");
    assert_string_equal(field(o, "cursor"), "5");
    assert_string_equal(field(o, "level"), "1");
    json_object_put(o);
    fx->cfg.alerts_jsonl = NULL;
}

/* The scope is part of the feed's SQL: a row whose cell only starts like a scope cell
 * (T01X-…, not under T01) or is not in the grid at all is never read, and a reader's
 * scope counts every cell below it. */
static void test_feed_scope_sql(void **state)
{
    fixture *fx = *state;
    ts_err err;
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P2", "T02-V01-G01", TS_COLOUR_NONE, "[]");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO alerts(kind, person, grid, rules, route, created,"
                                  " dedup) VALUES('early','PX','T01X-V01-G01','[]','[]',"
                                  "'2026-11-01T00:00:00Z','x'),('early','PY','T01-V09-G09',"
                                  "'[]','[]','2026-11-01T00:00:00Z','y')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    const ts_cell *t01 = ts_grid_find(fx->grid, "T01"), *v01 = ts_grid_find(fx->grid, "T01-V01");
    const ts_cell *one[] = {t01}, *village[] = {v01};
    typed_seen ts = {0};
    ok(ts_alerts_read(fx->s, fx->grid, &(ts_alert_filter){.scopes = one, .n_scopes = 1}, typed_one,
                      &ts, NULL, &err),
       &err);
    assert_int_equal(ts.n, 1); /* P1 only: not T01X, not the unknown T01-V09-G09 */
    assert_string_equal(ts.id, "A-000001");
    ts = (typed_seen){0};
    ok(ts_alerts_read(fx->s, fx->grid, &(ts_alert_filter){.scopes = village, .n_scopes = 1},
                      typed_one, &ts, NULL, &err),
       &err);
    assert_int_equal(ts.n, 1);
    ts = (typed_seen){0};
    ok(ts_alerts_read(fx->s, fx->grid, NULL, typed_one, &ts, NULL, &err), &err);
    assert_int_equal(ts.n, 4); /* unscoped: every row */
    /* a stored row outside the vocabulary is an error, not a guess */
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE alerts SET status = 'bogus' WHERE person = 'P1'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(ts_alerts_read(fx->s, fx->grid, NULL, typed_one, &ts, NULL, &err), TS_INVALID);
}

/* ---- statistics ---------------------------------------------------------------------- */

static void test_stats(void **state)
{
    fixture *fx = *state;
    ts_err err;
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P2", "T01-V02-G01", TS_COLOUR_RED, "[]");
    problem_event(fx, "P3", "T02-V01-G01", "absconded", "2026-11-01", "");
    problem_event(fx, "P4", "T02-V01-G01", "absconded", "2026-11-01", "");
    ok(ts_alert_ack(fx->s, "1", "o", NULL, &err), &err);
    ok(ts_alert_close(fx->s, "1", "o", "done", &err), &err);
    ok(ts_alert_ack(fx->s, "3", "o", NULL, &err), &err);
    unsigned n;
    ok(ts_feedback_escalate(fx->fb, fx->s, (int64_t)time(NULL) + 3600, &n, &err), &err);
    assert_int_equal(n, 1); /* P4's quick alert: counted once, not per row */
    ts_alert_stats st;
    ok(ts_alerts_stats_read(fx->s, fx->grid, &st, &err), &err);
    assert_int_equal(st.by[TS_FEEDBACK_QUICK][TS_ALERT_NEW], 1);
    assert_int_equal(st.n_towns, 2);
    ts_buf out;
    ts_buf_init(&out, 1 << 16);
    assert_int_equal(ts_render_alert_stats_json(&out, &st), TS_OK);
    char buf[8192];
    snprintf(buf, sizeof buf, "%s", ts_buf_str(&out));
    json_object *o = json_tokener_parse(buf), *by_kind, *quick, *by_status, *towns;
    assert_non_null(o);
    assert_string_equal(field(o, "total"), "4");
    assert_true(json_object_object_get_ex(o, "by_kind", &by_kind));
    assert_true(json_object_object_get_ex(by_kind, "quick", &quick));
    assert_string_equal(field(quick, "new"), "1");
    assert_string_equal(field(quick, "acked"), "1");
    assert_string_equal(field(quick, "total"), "2");
    assert_true(json_object_object_get_ex(o, "by_status", &by_status));
    assert_string_equal(field(by_status, "closed"), "1");
    assert_string_equal(field(by_status, "new"), "2");
    assert_string_equal(field(o, "acked_count"), "2");
    assert_string_equal(field(o, "closed_count"), "1");
    assert_non_null(field(o, "median_minutes_to_ack"));
    assert_true(json_object_object_get_ex(o, "closure_by_town", &towns));
    assert_int_equal(json_object_array_length(towns), 2);
    json_object *t1 = json_object_array_get_idx(towns, 0);
    assert_string_equal(field(t1, "town"), "T01");
    assert_string_equal(field(t1, "alerts"), "2");
    assert_string_equal(field(t1, "closed"), "1");
    assert_string_equal(field(t1, "closure_rate"), "0.5");
    json_object_put(o);
    ts_buf_reset(&out);
    assert_int_equal(ts_render_alert_stats_text(&out, &st), TS_OK);
    snprintf(buf, sizeof buf, "%s", ts_buf_str(&out));
    ts_buf_release(&out);
    ts_alert_stats_release(&st);
    assert_non_null(strstr(buf, "closure rate by town"));
    assert_non_null(strstr(buf, "T01"));
    assert_non_null(strstr(buf, "median time to close"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_route_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_detailed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_quick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_sample_grid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_colour_rise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escalation_long_route, setup_crowded, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed_scope_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
