/* tests/unit/feedback/test_feedback.c — the feedback core on a real SQLite database: routing
 * of each kind (incl. cells without officers), one alert per (person, kind) with its causes
 * (evidence on the open alert, nothing for known causes, a reopening for a new cause after a
 * close), a colour rise on a detailed alert, the clock sweep at explicit times (level by
 * level to the county desk, in batches, on the close clock once acknowledged), the
 * officers' actions and their refusals (audited), claim-next (incl. two writers at once),
 * the feed filters, one alert with its history, the cursor contract under a concurrent
 * writer, the JSON Lines sink and the closure statistics. The database is inspected with
 * sqlite3 where the API has no read. */
#include <pthread.h>
#include <sched.h>
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
#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/store.h"

/* T01-V01-G02, T01-V02 and T01-V02-G01 are vacant; o-desk is the county desk. */
static const char grid_yaml[] =
    "county: Test County\n"
    "officers: [{id: o-desk, name: Desk}]\n"
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
    "            name: Group One\n"
    "            officers: [{id: o-g01a, name: A}, {id: o-g01b, name: B}]\n"
    "          - code: T01-V01-G02\n"
    "            officers: []\n"
    "          - code: T01-V01-G03\n"
    "            officers: [{id: o-g03, name: C}]\n"
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
    /* the config's zeroes: the method's clocks (quick 30m/1d, detailed 1d/7d, early 3d/14d) */
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

static void screen_alert_from(fixture *fx, ts_feedback kind, const char *person, const char *grid,
                              ts_colour prior, ts_colour colour, const char *rules)
{
    ts_err err;
    size_t tn_ = 0;
    int32_t day;
    assert_true(ts_date_parse("2026-11-25", 10, &day));
    ts_screen_alert a = {.kind = kind,
                         .person = person,
                         .grid = grid,
                         .colour = colour,
                         .prior_colour = prior,
                         TYPED(rules),
                         .why = "test",
                         .run = 7,
                         .now = day};
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
}

static void screen_alert(fixture *fx, ts_feedback kind, const char *person, const char *grid,
                         ts_colour colour, const char *rules)
{
    screen_alert_from(fx, kind, person, grid, TS_COLOUR_NONE, colour, rules);
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

/* One action; the status it returns (err receives the reason). */
static ts_status act(fixture *fx, const char *officer, const char *token, ts_alert_verb verb,
                     const char *id, ts_close_outcome outcome, const char *note, int64_t at,
                     ts_alert_state *st, ts_err *err)
{
    ts_actor who = {.officer = officer, .token = token};
    ts_alert_action a = {.verb = verb, .alert_id = id, .outcome = outcome, .note = note, .at = at};
    return ts_alert_act(fx->s, fx->grid, &fx->cfg, &who, &a, st, err);
}

/* The same, which must succeed. */
static void act_ok(fixture *fx, const char *officer, ts_alert_verb verb, const char *id,
                   ts_close_outcome outcome, const char *note, int64_t at)
{
    ts_err err;
    ok(act(fx, officer, NULL, verb, id, outcome, note, at, NULL, &err), &err);
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

/* The typed alerts a read saw: ids, cursors and a few fields of each. */
typedef struct typed_seen {
    size_t n;
    char id[16][24];
    int64_t cursor[16];
    ts_alert_state status[16];
    char title0[16][96], rule0[16][64];
    size_t n_route;
    char route0[64];
    ts_feedback kind;
    bool overdue[16];
} typed_seen;

static ts_status typed_one(void *ud, const ts_alert *a)
{
    typed_seen *t = ud;
    if (t->n < 16) {
        snprintf(t->id[t->n], sizeof t->id[0], "%s", a->id);
        t->cursor[t->n] = a->cursor;
        t->status[t->n] = a->status;
        t->overdue[t->n] = a->overdue;
        snprintf(t->rule0[t->n], sizeof t->rule0[0], "%s", a->n_rules ? a->rules[0].id : "");
        snprintf(t->title0[t->n], sizeof t->title0[0], "%s",
                 a->n_rules && a->rules[0].title ? a->rules[0].title : "-");
    }
    t->n++;
    t->kind = a->kind;
    t->n_route = a->n_route;
    snprintf(t->route0, sizeof t->route0, "%s", a->n_route ? a->route[0] : "");
    return TS_OK;
}

/* ts_alerts_read into t (reset first); the ids seen as "A-000001 A-000003". */
static const char *read_ids(fixture *fx, const ts_alert_filter *f, typed_seen *t, char *buf,
                            size_t cap)
{
    ts_err err;
    memset(t, 0, sizeof *t);
    ok(ts_alerts_read(fx->s, fx->grid, f, typed_one, t, NULL, &err), &err);
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < t->n && i < 16; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? " " : "", t->id[i]);
    return buf;
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
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The first column of the first row as text ("" for NULL) into buf. */
static const char *sql_text(fixture *fx, const char *sql, char *buf, size_t cap)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(fx->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(buf, cap, "%s", t ? (const char *)t : "");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

static void sql_exec(fixture *fx, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

static int64_t at_of(const char *ts)
{
    int64_t at;
    assert_true(ts_alert_parse_time(ts, &at));
    return at;
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
    assert_string_equal(field(a, "cursor"), "1");
    assert_string_equal(field(a, "kind"), "early");
    assert_string_equal(field(a, "person"), "P1");
    assert_string_equal(field(a, "grid"), "T01-V01-G01");
    assert_string_equal(field(a, "cell_name"), "Group One");
    assert_null(field(a, "colour"));
    assert_string_equal(field(a, "status"), "new");
    assert_string_equal(field(a, "run"), "7");
    assert_string_equal(field(a, "rules_version"), "sha256:test");
    assert_int_equal(strlen(field(a, "created")), 20);
    /* the officer on the hook starts at the group, on the early clock (3 days) */
    assert_string_equal(field(a, "target"), "group");
    assert_string_equal(field(a, "level"), "0");
    assert_null(field(a, "escalated"));
    assert_int_equal(at_of(field(a, "due")) - at_of(field(a, "created")), 3 * 86400);
    assert_string_equal(field(a, "overdue"), "false");
    assert_null(field(a, "event"));
    assert_null(field(a, "claimed_by"));
    assert_string_equal(route_of(a, buf, sizeof buf), "o-g01a,o-g01b");
    assert_null(field(a, "route_note"));
    assert_null(field(a, "headline"));
    /* a vacant group routes to its village, and says so */
    assert_string_equal(route_of(b, buf, sizeof buf), "o-t01-v01");
    assert_non_null(
        strstr(field(b, "route_note"), "T01-V01-G02 has no officer: routed to T01-V01"));
    assert_string_equal(field(b, "target"), "group");
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE target_level = 3"), 2);
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
    assert_string_equal(field(s.obj[0], "target"), "group");
    assert_int_equal(at_of(field(s.obj[0], "due")) - at_of(field(s.obj[0], "created")), 86400);
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
    /* the county desk is not on a quick alert's route until it escalates there */
    assert_string_equal(route_of(s.obj[0], buf, sizeof buf), "o-g01a,o-g01b,o-t01-v01,o-t01");
    assert_string_equal(field(s.obj[0], "kind"), "quick");
    assert_string_equal(field(s.obj[0], "target"), "group");
    assert_int_equal(at_of(field(s.obj[0], "due")) - at_of(field(s.obj[0], "created")), 30 * 60);
    assert_null(field(s.obj[0], "run"));
    json_object *rules, *r0, *ev;
    assert_true(json_object_object_get_ex(s.obj[0], "rules", &rules));
    assert_int_equal(json_object_array_length(rules), 1);
    r0 = json_object_array_get_idx(rules, 0);
    assert_string_equal(field(r0, "id"), "problem_event");
    assert_string_equal(field(r0, "evidence"), "incident_reported 2026-11-20 fight at market");
    /* the triggering event */
    assert_true(json_object_object_get_ex(s.obj[0], "event", &ev));
    assert_string_equal(field(ev, "type"), "incident_reported");
    assert_string_equal(field(ev, "date"), "2026-11-20");
    assert_string_equal(field(ev, "text"), "fight at market");
    assert_string_equal(route_of(s.obj[1], buf, sizeof buf), "o-t01-v01,o-t01");
    assert_non_null(strstr(field(s.obj[1], "route_note"), "T01-V01-G02 has no officer"));
    assert_true(json_object_object_get_ex(s.obj[1], "rules", &rules));
    assert_string_equal(field(json_object_array_get_idx(rules, 0), "evidence"),
                        "absconded 2026-11-21");
    assert_string_equal(route_of(s.obj[2], buf, sizeof buf), "o-t02-v01-g01,o-t02-v01,o-t02");
    assert_string_equal(field(s.obj[2], "colour"), "red");
    assert_null(field(s.obj[2], "event"));
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

/* ---- one alert per (person, kind) ------------------------------------------------------ */

typedef struct hist_seen {
    size_t n;
    char line[16][160]; /* "what by token note" */
} hist_seen;

static ts_status hist_alert(void *ud, const ts_alert *a)
{
    (void)ud;
    (void)a;
    return TS_OK;
}

static ts_status hist_event(void *ud, const ts_alert_event *e)
{
    hist_seen *h = ud;
    if (h->n < 16)
        snprintf(h->line[h->n], sizeof h->line[0], "%s %s %s %s", e->what, e->by,
                 e->token ? e->token : "-", e->note ? e->note : "");
    h->n++;
    return e->at && strlen(e->at) == 20 ? TS_OK : TS_INVALID;
}

static void history(fixture *fx, const char *id, hist_seen *h)
{
    ts_err err;
    memset(h, 0, sizeof *h);
    ok(ts_alert_show(fx->s, fx->grid, NULL, id, hist_alert, hist_event, h, &err), &err);
}

static void exec_sql(fixture *fx, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Raises a quick alert with two causes for each of persons P00..P(n-1), in one
 * transaction, between a batch's BEGIN and `end` when hold. */
static void raise_batch(fixture *fx, int n, bool hold, int end)
{
    ts_err err;
    int32_t day;
    assert_true(ts_date_parse("2026-11-25", 10, &day));
    ok(ts_store_begin(fx->s, &err), &err);
    if (hold)
        ok(ts_feedback_on_alert_batch(fx->fb, fx->s, TS_ALERT_BATCH_BEGIN, &err), &err);
    for (int i = 0; i < n; i++) {
        char person[16];
        snprintf(person, sizeof person, "P%03d", i);
        const char *rules = "[{\"id\":\"threat.recent\",\"evidence\":\"a\"},{\"id\":\"threat."
                            "weapon\",\"evidence\":\"b\"}]";
        size_t tn_ = 0;
        ts_screen_alert a = {.kind = TS_FEEDBACK_QUICK,
                             .person = person,
                             .grid = "T01-V01-G01",
                             .colour = TS_COLOUR_RED,
                             TYPED(rules),
                             .why = "test",
                             .run = 7,
                             .now = day};
        ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    }
    if (hold)
        ok(ts_feedback_on_alert_batch(fx->fb, fx->s, end, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
}

/* A pass's batch holds the causes of its new alerts and writes them at its end, 16
 * (alert, cause) pairs a statement: the same rows as written one alert at a time (and
 * early, when more are held than a batch may hold); an
 * aborted batch writes none and holds nothing afterwards, so a later alert outside a
 * batch writes its own at once. */
static void test_causes_held_for_a_batch(void **state)
{
    fixture *fx = *state;
    char held[4096], each[4096];
    raise_batch(fx, 19, true, TS_ALERT_BATCH_END);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_causes"), 38);
    sql_text(fx,
             "SELECT group_concat(alert || cause, ' ') FROM (SELECT * FROM alert_causes"
             " ORDER BY alert, cause)",
             held, sizeof held);
    exec_sql(fx, "DELETE FROM alert_causes; DELETE FROM alerts;");
    raise_batch(fx, 19, false, 0);
    sql_text(fx,
             "SELECT group_concat((alert - 19) || cause, ' ') FROM (SELECT * FROM alert_causes"
             " ORDER BY alert, cause)",
             each, sizeof each);
    assert_string_equal(held, each);
    /* more pairs than a batch holds (1,200 against 1,024): written early, all of them */
    exec_sql(fx, "DELETE FROM alert_causes; DELETE FROM alerts;");
    raise_batch(fx, 600, true, TS_ALERT_BATCH_END);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_causes"), 1200);
    assert_int_equal(sql_int(fx, "SELECT count(DISTINCT alert) FROM alert_causes"), 600);
    exec_sql(fx, "DELETE FROM alert_causes; DELETE FROM alerts;");
    raise_batch(fx, 3, true, TS_ALERT_BATCH_ABORT); /* its alerts committed, not its causes */
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts"), 3);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_causes"), 0);
    raise_batch(fx, 1, false, 0);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_causes"), 2);
}

/* A problem event and the default pack's threat.recent firing for the same person: one
 * quick alert with both causes; the same triggers again: nothing; after the close, the
 * same causes: nothing; a new cause: a new alert that reopens the closed one. */
static void test_dedup_causes(void **state)
{
    fixture *fx = *state;
    char buf[256];
    const char *recent = "[{\"id\":\"threat.recent\",\"evidence\":\"absconded 2026-11-20\"}]";
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-20", "");
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_RED, recent);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 1);
    assert_int_equal(ts_feedback_updated(fx->fb, TS_FEEDBACK_QUICK), 1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts"), 1);
    assert_string_equal(sql_text(fx,
                                 "SELECT group_concat(cause, '|') FROM (SELECT cause FROM"
                                 " alert_causes WHERE alert = 1 ORDER BY cause)",
                                 buf, sizeof buf),
                        "event:absconded 2026-11-20|rule:threat.recent");
    hist_seen h;
    history(fx, "A-000001", &h);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.line[0], "raised engine - ");
    assert_string_equal(h.line[1], "evidence engine - new evidence: rule:threat.recent");
    /* both entries are shown in the alert's rules */
    typed_seen t;
    read_ids(fx, NULL, &t, buf, sizeof buf);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.rule0[0], "problem_event");
    assert_int_equal(sql_int(fx, "SELECT json_array_length(rules) FROM alerts"), 2);

    /* the same triggers again (a re-import, a re-run pass): nothing */
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-20", "");
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_RED, recent);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 1);
    assert_int_equal(ts_feedback_updated(fx->fb, TS_FEEDBACK_QUICK), 1);
    assert_int_equal(ts_feedback_known(fx->fb, TS_FEEDBACK_QUICK), 2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history WHERE alert = 1"), 1);
    /* another kind for the same person is its own alert */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, recent);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_EARLY), 1);

    /* closed: the same causes raise nothing (counted as known) */
    int64_t now = (int64_t)time(NULL);
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "A-000001", TS_CLOSE_CONFIRMED, "went there", now);
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-20", "");
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_RED, recent);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 1);
    assert_int_equal(ts_feedback_known(fx->fb, TS_FEEDBACK_QUICK), 4);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE kind = 'quick'"), 1);

    /* a new event: a new alert that reopens the closed one */
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-24", "again");
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 2);
    assert_int_equal(sql_int(fx, "SELECT reopens FROM alerts WHERE cursor = 3"), 1);
    assert_int_equal(sql_int(fx, "SELECT status = 'new' FROM alerts WHERE cursor = 3"), 1);
    seen s = {.n = 0};
    list(fx, &(ts_alert_filter){.since = 2}, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(field(s.obj[0], "id"), "A-000003");
    assert_string_equal(field(s.obj[0], "reopens"), "A-000001");
    seen_free(&s);
    history(fx, "A-000001", &h);
    assert_int_equal(h.n, 4);
    assert_string_equal(h.line[2], "closed o-g01a - confirmed: went there");
    assert_string_equal(h.line[3], "reopened-as engine - A-000003");
    history(fx, "A-000003", &h);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.line[0], "raised engine - reopens A-000001");
    /* A-000003 knows what A-000001 knew: the rule firing again is no new evidence */
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_causes WHERE alert = 3"), 3);
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_RED, recent);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 2);
    assert_int_equal(ts_feedback_updated(fx->fb, TS_FEEDBACK_QUICK), 1);
    assert_int_equal(ts_feedback_known(fx->fb, TS_FEEDBACK_QUICK), 5);
    /* a rule new to both is evidence on it */
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_RED,
                 "[{\"id\":\"threat.weapon\",\"evidence\":\"knife\"}]");
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 2);
    assert_int_equal(ts_feedback_updated(fx->fb, TS_FEEDBACK_QUICK), 2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_causes WHERE alert = 3"), 4);

    /* an officer cannot reopen A-000001 while A-000003 is open for the same person and
     * kind (the open early alert A-000002, another kind, does not count); once A-000003
     * is closed the reopen goes through */
    ts_alert_state st;
    ts_err err;
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_REOPEN, "A-000001", TS_CLOSE_NONE, "back",
                         now + 60, &st, &err),
                     TS_STATE);
    assert_non_null(strstr(err.msg, "A-000003 is open for the same person and kind"));
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "A-000003", TS_CLOSE_CONFIRMED, "seen", now + 120);
    act_ok(fx, "o-g01a", TS_VERB_REOPEN, "A-000001", TS_CLOSE_NONE, "back", now + 180);
    assert_int_equal(sql_int(fx, "SELECT status = 'new' FROM alerts WHERE cursor = 1"), 1);
}

/* A reopening knows what the closed alert knew: a rule that fired for the first alert and
 * still fires after the reopening was closed is no new evidence. */
static void test_reopen_keeps_causes(void **state)
{
    fixture *fx = *state;
    int64_t now = (int64_t)time(NULL);
    const char *recent = "[{\"id\":\"threat.recent\",\"evidence\":\"absconded\"}]";
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-20", "");
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_RED, recent);
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "A-000001", TS_CLOSE_CONFIRMED, "seen", now);
    /* a new event: A-000002 reopens A-000001, and is closed the same day */
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-24", "");
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "A-000002", TS_CLOSE_DUPLICATE, "same", now);
    /* the night's pass: threat.recent still fires, as it did for A-000001 */
    screen_alert(fx, TS_FEEDBACK_QUICK, "P1", "T01-V01-G01", TS_COLOUR_RED, recent);
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-20", "");
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_QUICK), 2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_causes WHERE alert = 2"), 3);
}

/* A detailed alert's colour rise updates the open alert (colour and headline). */
static void test_colour_rise(void **state)
{
    fixture *fx = *state;
    char buf[256];
    const char *r = "[{\"id\":\"score\",\"evidence\":\"45\"}]";
    screen_alert_from(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_NONE,
                      TS_COLOUR_YELLOW, r);
    screen_alert_from(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_YELLOW,
                      TS_COLOUR_YELLOW, r);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_DETAILED), 1);
    assert_int_equal(ts_feedback_updated(fx->fb, TS_FEEDBACK_DETAILED), 1 - 1);
    screen_alert_from(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_YELLOW,
                      TS_COLOUR_RED, r);
    assert_int_equal(ts_feedback_raised(fx->fb, TS_FEEDBACK_DETAILED), 1);
    assert_int_equal(ts_feedback_updated(fx->fb, TS_FEEDBACK_DETAILED), 1);
    seen s = {.n = 0};
    list(fx, NULL, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(field(s.obj[0], "id"), "A-000001");
    assert_string_equal(field(s.obj[0], "colour"), "red");
    json_object *hl;
    assert_true(json_object_object_get_ex(s.obj[0], "headline", &hl));
    assert_string_equal(field(hl, "colour"), "red");
    seen_free(&s);
    assert_string_equal(
        sql_text(fx, "SELECT note FROM alert_history WHERE alert = 1", buf, sizeof buf),
        "new evidence: colour:red@2026-11-25");
    /* the same rise again the same day: nothing */
    screen_alert_from(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_YELLOW,
                      TS_COLOUR_RED, r);
    assert_int_equal(ts_feedback_updated(fx->fb, TS_FEEDBACK_DETAILED), 1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history"), 1);
    /* a lower colour never lowers the alert's */
    screen_alert_from(fx, TS_FEEDBACK_DETAILED, "P1", "T01-V01-G01", TS_COLOUR_NONE,
                      TS_COLOUR_YELLOW, "[{\"id\":\"other\",\"evidence\":\"\"}]");
    assert_string_equal(sql_text(fx, "SELECT colour FROM alerts", buf, sizeof buf), "red");
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts"), 1);
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

/* ---- the clock sweep ------------------------------------------------------------------- */

static uint64_t sweep(fixture *fx, int64_t at)
{
    ts_err err;
    uint64_t n = 99;
    ok(ts_feedback_escalate(fx->fb, fx->s, at, 0, &n, &err), &err);
    return n;
}

/* An early alert (3 days to acknowledge) climbs group → village → town → county desk on
 * the same id, one level per overdue deadline, and stays there. */
static void test_sweep_levels(void **state)
{
    fixture *fx = *state;
    char buf[512];
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"a\",\"evidence\":\"\"}]");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P2", "T02-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"a\",\"evidence\":\"\"}]");
    int64_t due = at_of(sql_text(fx, "SELECT due FROM alerts WHERE cursor = 1", buf, sizeof buf));
    /* P2's alert was raised later or in the same second: give it a later deadline */
    sql_exec(fx, "UPDATE alerts SET due = '2099-01-01T00:00:00Z' WHERE cursor = 2");
    assert_int_equal(sweep(fx, due - 1), 0);
    assert_int_equal(sql_int(fx, "SELECT target_level FROM alerts WHERE cursor = 1"), 3);
    /* due: the village */
    int64_t t1 = due + 60;
    assert_int_equal(sweep(fx, t1), 1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts"), 2); /* the same row */
    assert_int_equal(sql_int(fx, "SELECT target_level FROM alerts WHERE cursor = 1"), 2);
    assert_int_equal(sql_int(fx, "SELECT level FROM alerts WHERE cursor = 1"), 1);
    assert_int_equal(sql_int(fx, "SELECT seq FROM alerts WHERE cursor = 1"), 3); /* the head */
    seen s = {.n = 0};
    list(fx, &(ts_alert_filter){.since = 2}, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(field(s.obj[0], "id"), "A-000001");
    assert_int_equal(s.cursor[0], 3);
    assert_string_equal(field(s.obj[0], "target"), "village");
    assert_string_equal(field(s.obj[0], "level"), "1");
    assert_string_equal(route_of(s.obj[0], buf, sizeof buf), "o-g01a,o-g01b,o-t01-v01");
    char ts[21];
    snprintf(ts, sizeof ts, "%s", field(s.obj[0], "escalated"));
    assert_int_equal(at_of(ts), t1);
    assert_int_equal(at_of(field(s.obj[0], "due")), t1 + 3 * 86400); /* the clock restarts */
    seen_free(&s);
    hist_seen h;
    history(fx, "A-000001", &h);
    assert_int_equal(h.n, 2);
    assert_non_null(
        strstr(h.line[1], "escalated engine - not acknowledged in time to the village"));
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.escalate'"
                                 " AND target = 'A-000001' AND actor = 'engine'"),
                     1);
    /* not due again until the restarted clock runs out; reading never escalates */
    assert_int_equal(sweep(fx, t1 + 3 * 86400 - 1), 0);
    typed_seen t;
    read_ids(fx, &(ts_alert_filter){.now = t1 + 30 * 86400}, &t, buf, sizeof buf);
    assert_int_equal(t.n, 2);
    assert_true(t.overdue[1]); /* A-000001, now last in the feed */
    assert_string_equal(t.id[1], "A-000001");
    assert_int_equal(sql_int(fx, "SELECT level FROM alerts WHERE cursor = 1"), 1);
    ts_alert_stats st;
    ts_err err;
    ok(ts_alerts_stats_read(fx->s, fx->grid, &fx->cfg, &(ts_alert_filter){.now = t1 + 30 * 86400},
                            &st, &err),
       &err);
    ts_alert_stats_release(&st);
    assert_int_equal(sql_int(fx, "SELECT level FROM alerts WHERE cursor = 1"), 1);
    /* the town, then the county desk */
    int64_t t2 = t1 + 3 * 86400;
    assert_int_equal(sweep(fx, t2), 1);
    assert_int_equal(sql_int(fx, "SELECT target_level FROM alerts WHERE cursor = 1"), 1);
    assert_string_equal(sql_text(fx, "SELECT route FROM alerts WHERE cursor = 1", buf, sizeof buf),
                        "[\"o-g01a\",\"o-g01b\",\"o-t01-v01\",\"o-t01\"]");
    int64_t t3 = t2 + 3 * 86400;
    assert_int_equal(sweep(fx, t3), 1);
    assert_int_equal(sql_int(fx, "SELECT target_level FROM alerts WHERE cursor = 1"), 0);
    assert_int_equal(sql_int(fx, "SELECT level FROM alerts WHERE cursor = 1"), 3);
    assert_string_equal(sql_text(fx, "SELECT route FROM alerts WHERE cursor = 1", buf, sizeof buf),
                        "[\"o-g01a\",\"o-g01b\",\"o-t01-v01\",\"o-t01\",\"o-desk\"]");
    assert_int_equal(sql_int(fx, "SELECT seq FROM alerts WHERE cursor = 1"), 5);
    /* at the county desk it stays, overdue */
    int64_t t4 = t3 + 30 * 86400;
    assert_int_equal(sweep(fx, t4), 0);
    assert_int_equal(sql_int(fx, "SELECT level FROM alerts WHERE cursor = 1"), 3);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history WHERE alert = 1"
                                 " AND status = 'escalated'"),
                     3);
    read_ids(fx, &(ts_alert_filter){.since = 4, .now = t4}, &t, buf, sizeof buf);
    assert_int_equal(t.n, 1);
    assert_true(t.overdue[0]);
    ok(ts_alerts_stats_read(fx->s, fx->grid, &fx->cfg, &(ts_alert_filter){.now = t4}, &st, &err),
       &err);
    assert_int_equal(st.overdue_by_level[0], 1);
    assert_int_equal(st.overdue_by_level[TS_CELL_TOWN], 0);
    assert_int_equal(st.overdue_by_level[TS_CELL_GROUP], 0); /* P2: due in 2099 */
    assert_int_equal(st.all.overdue, 1);
    ts_alert_stats_release(&st);
    /* the county desk acts on it */
    act_ok(fx, "o-desk", TS_VERB_ACK, "A-000001", TS_CLOSE_NONE, "", t4);
    assert_int_equal(sql_int(fx, "SELECT status = 'acknowledged' FROM alerts WHERE cursor = 1"), 1);
}

/* The grid names no county desk: the town is the top, and the route says so. */
static void test_sweep_no_desk(void **state)
{
    fixture *fx = *state;
    char buf[512];
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    int64_t due = at_of(sql_text(fx, "SELECT due FROM alerts", buf, sizeof buf));
    assert_int_equal(sweep(fx, due), 1);
    assert_int_equal(sweep(fx, due + 1800), 1);
    assert_int_equal(sweep(fx, due + 3600), 1);
    assert_int_equal(sweep(fx, due + 7200), 0);
    assert_int_equal(sql_int(fx, "SELECT target_level FROM alerts"), 0);
    assert_non_null(strstr(sql_text(fx, "SELECT route_note FROM alerts", buf, sizeof buf),
                           "the grid names no county desk"));
}

/* The escalation's history and audit detail hold the whole route, however long. */
static void test_sweep_long_route(void **state)
{
    fixture *fx = *state;
    char buf[64];
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    assert_int_equal(sweep(fx, at_of(sql_text(fx, "SELECT due FROM alerts", buf, sizeof buf))), 1);
    assert_int_equal(sql_int(fx, "select count(*) from audit where action = 'alert.escalate' "
                                 "and detail like '%officer-of-the-crowded-group-0000000059%'"
                                 " and detail like '%o-t01\"]%'"),
                     1);
    assert_true(sql_int(fx, "select max(length(detail)) from audit where action = "
                            "'alert.escalate'") > 2400);
    assert_true(sql_int(fx, "select max(length(note)) from alert_history where status = "
                            "'escalated'") > 2400);
}

/* Five overdue alerts, batch 2, in the caller's transaction: 2, 2, 1, then 0. */
static void test_sweep_batches(void **state)
{
    fixture *fx = *state;
    ts_err err;
    for (int i = 0; i < 5; i++) {
        char person[8];
        snprintf(person, sizeof person, "P%d", i);
        problem_event(fx, person, "T01-V01-G01", "absconded", "2026-11-20", "");
    }
    sql_exec(fx, "UPDATE alerts SET due = '2026-11-20T10:00:00Z'");
    int64_t at = at_of("2026-11-20T10:00:00Z");
    uint64_t n[4];
    ok(ts_store_begin(fx->s, &err), &err);
    for (int i = 0; i < 4; i++)
        ok(ts_feedback_escalate(fx->fb, fx->s, at, 2, &n[i], &err), &err);
    /* not committed yet: another connection sees nothing moved */
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE target_level = 2"), 0);
    ok(ts_store_commit(fx->s, &err), &err);
    assert_int_equal(n[0], 2);
    assert_int_equal(n[1], 2);
    assert_int_equal(n[2], 1);
    assert_int_equal(n[3], 0);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE target_level = 2"), 5);
    assert_int_equal(sql_int(fx, "SELECT count(DISTINCT seq) FROM alerts WHERE seq > 5"), 5);
    /* on its own: every batch in its own transaction, all of them counted */
    sql_exec(fx, "UPDATE alerts SET due = '2026-11-20T10:00:00Z'");
    uint64_t total = 0;
    ok(ts_feedback_escalate(fx->fb, fx->s, at, 2, &total, &err), &err);
    assert_int_equal(total, 5);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE target_level = 1"), 5);
}

/* Acknowledged: the close clock (quick: 1 day from the acknowledgement). */
static void test_sweep_close_clock(void **state)
{
    fixture *fx = *state;
    char buf[512];
    problem_event(fx, "P1", "T01-V01-G01", "incident_reported", "2026-11-20", "fight");
    int64_t raised = at_of(sql_text(fx, "SELECT created FROM alerts", buf, sizeof buf));
    act_ok(fx, "o-g01a", TS_VERB_ACK, "A-000001", TS_CLOSE_NONE, "on my way", raised + 300);
    assert_int_equal(at_of(sql_text(fx, "SELECT due FROM alerts", buf, sizeof buf)),
                     raised + 300 + 86400);
    assert_int_equal(sweep(fx, raised + 3600), 0); /* the ack clock no longer counts */
    assert_int_equal(sweep(fx, raised + 300 + 86400), 1);
    assert_int_equal(sql_int(fx, "SELECT status = 'acknowledged' FROM alerts"), 1);
    assert_int_equal(sql_int(fx, "SELECT target_level FROM alerts"), 2);
    assert_int_equal(at_of(sql_text(fx, "SELECT due FROM alerts", buf, sizeof buf)),
                     raised + 300 + 2 * 86400);
    assert_non_null(strstr(
        sql_text(fx, "SELECT note FROM alert_history WHERE status = 'escalated'", buf, sizeof buf),
        "not closed in time to the village"));
    /* closed: never again */
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "A-000001", TS_CLOSE_VALUABLE, "done", raised + 90000);
    assert_int_equal(sweep(fx, raised + 30 * 86400), 0);
    assert_int_equal(sql_int(fx, "SELECT due IS NULL FROM alerts"), 1);
}

/* ---- the officers' actions ------------------------------------------------------------- */

static int64_t audits(fixture *fx, const char *action)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s'", action);
    return sql_int(fx, sql);
}

static void test_actions(void **state)
{
    fixture *fx = *state;
    ts_err err;
    char buf[256];
    ts_alert_state st = (ts_alert_state)TS_ALERT_STATE_N;
    int64_t t = at_of("2026-11-25T08:00:00Z");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE,
                 "[{\"id\":\"a\",\"evidence\":\"\"}]");
    sql_exec(fx, "UPDATE alerts SET created = '2026-11-25T07:00:00Z'");
    /* not an officer of the grid */
    assert_int_equal(act(fx, "ghost", NULL, TS_VERB_ACK, "A-000001", 0, NULL, t, &st, &err),
                     TS_USAGE);
    assert_non_null(strstr(err.msg, "'ghost' is not an officer of the grid"));
    assert_int_equal(act(fx, NULL, NULL, TS_VERB_ACK, "A-000001", 0, NULL, t, &st, &err), TS_USAGE);
    assert_int_equal(st, (ts_alert_state)TS_ALERT_STATE_N); /* untouched on failure */
    /* an officer of another town */
    assert_int_equal(act(fx, "o-t02", NULL, TS_VERB_ACK, "A-000001", 0, NULL, t, &st, &err),
                     TS_DENIED);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.ack.refused'"
                                 " AND actor = 'o-t02' AND target = 'A-000001'"),
                     1);
    assert_int_equal(audits(fx, "alert.ack.refused"), 3); /* ghost, no one and o-t02 */
    assert_string_equal(sql_text(fx, "SELECT status FROM alerts", buf, sizeof buf), "new");
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history"), 0);
    /* unknown ids */
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_ACK, "A-000099", 0, NULL, t, &st, &err),
                     TS_NOTFOUND);
    assert_non_null(strstr(err.where, "A-000099"));
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_ACK, "bogus", 0, NULL, t, &st, &err),
                     TS_NOTFOUND);
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_ACK, "0", 0, NULL, t, &st, &err), TS_NOTFOUND);
    /* claim; a second claim by another officer is refused */
    ok(act(fx, "o-g01a", NULL, TS_VERB_CLAIM, "A-000001", 0, NULL, t, &st, &err), &err);
    assert_int_equal(st, TS_ALERT_CLAIMED);
    assert_string_equal(sql_text(fx,
                                 "SELECT status || ' ' || claimed_by || ' ' || claimed_at"
                                 " FROM alerts",
                                 buf, sizeof buf),
                        "claimed o-g01a 2026-11-25T08:00:00Z");
    assert_int_equal(act(fx, "o-g01b", NULL, TS_VERB_CLAIM, "A-000001", 0, NULL, t, &st, &err),
                     TS_STATE);
    assert_non_null(strstr(err.msg, "already claimed by o-g01a"));
    /* a group officer of another cell: out of their cells */
    assert_int_equal(act(fx, "o-g03", NULL, TS_VERB_ACK, "A-000001", 0, NULL, t, &st, &err),
                     TS_DENIED);
    assert_string_equal(sql_text(fx, "SELECT status FROM alerts", buf, sizeof buf), "claimed");
    /* the village officer over the group officer's claim, through a token */
    ok(act(fx, "o-t01-v01", "tk-0123abcd", TS_VERB_ACK, "a-1", 0, "seen", t + 60, &st, &err), &err);
    assert_int_equal(st, TS_ALERT_ACKED);
    assert_string_equal(sql_text(fx,
                                 "SELECT status || ' ' || claimed_by || ' ' || acked_at ||"
                                 " ' ' || acked_in_time FROM alerts",
                                 buf, sizeof buf),
                        "acknowledged o-g01a 2026-11-25T08:01:00Z 1"); /* within 3 days */
    assert_string_equal(sql_text(fx, "SELECT claimed_at FROM alerts", buf, sizeof buf),
                        "2026-11-25T08:00:00Z"); /* the claim stays on record */
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.ack' AND"
                                 " actor = 'o-t01-v01' AND token = 'tk-0123abcd'"
                                 " AND target = 'A-000001'"),
                     1);
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_ACK, "A-000001", 0, NULL, t, &st, &err),
                     TS_STATE);
    /* close needs an outcome and a note, each named */
    assert_int_equal(
        act(fx, "o-g01a", NULL, TS_VERB_CLOSE, "A-000001", TS_CLOSE_NONE, "done", t, &st, &err),
        TS_INVALID);
    assert_string_equal(err.where, "outcome");
    assert_int_equal(
        act(fx, "o-g01a", NULL, TS_VERB_CLOSE, "A-000001", TS_CLOSE_CONFIRMED, "", t, &st, &err),
        TS_INVALID);
    assert_string_equal(err.where, "note");
    assert_int_equal(
        act(fx, "o-g01a", NULL, TS_VERB_CLOSE, "A-000001", TS_CLOSE_CONFIRMED, NULL, t, &st, &err),
        TS_INVALID);
    assert_int_equal(audits(fx, "alert.close.refused"), 3);
    assert_string_equal(sql_text(fx, "SELECT status FROM alerts", buf, sizeof buf), "acknowledged");
    ok(act(fx, "o-g01a", NULL, TS_VERB_CLOSE, "A-000001", TS_CLOSE_FALSE_POSITIVE, "no threat",
           t + 120, &st, &err),
       &err);
    assert_int_equal(st, TS_ALERT_CLOSED);
    assert_string_equal(sql_text(fx,
                                 "SELECT status || ' ' || outcome || ' ' || closed_at ||"
                                 " ' ' || (due IS NULL) FROM alerts",
                                 buf, sizeof buf),
                        "closed false_positive 2026-11-25T08:02:00Z 1");
    assert_string_equal(sql_text(fx,
                                 "SELECT claimed_by || ' ' || claimed_at || ' ' || acked_at ||"
                                 " ' ' || acked_in_time FROM alerts",
                                 buf, sizeof buf),
                        "o-g01a 2026-11-25T08:00:00Z 2026-11-25T08:01:00Z 1");
    /* acting on a closed alert */
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_ACK, "A-000001", 0, NULL, t, &st, &err),
                     TS_STATE);
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_CLAIM, "A-000001", 0, NULL, t, &st, &err),
                     TS_STATE);
    assert_int_equal(
        act(fx, "o-g01a", NULL, TS_VERB_CLOSE, "A-000001", TS_CLOSE_CONFIRMED, "x", t, &st, &err),
        TS_STATE);
    /* reopen needs a note; then the alert is new again at a new cursor */
    assert_int_equal(act(fx, "o-desk", NULL, TS_VERB_REOPEN, "A-000001", 0, "", t, &st, &err),
                     TS_INVALID);
    assert_string_equal(err.where, "note");
    int64_t seq = sql_int(fx, "SELECT seq FROM alerts");
    ok(act(fx, "o-desk", "tk-desk0001", TS_VERB_REOPEN, "A-000001", 0, "new facts", t + 180, &st,
           &err),
       &err);
    assert_int_equal(st, TS_ALERT_NEW);
    assert_int_equal(sql_int(fx, "SELECT seq FROM alerts"), seq + 1);
    assert_string_equal(sql_text(fx,
                                 "SELECT status || ' ' || coalesce(claimed_by, '-') || ' ' ||"
                                 " coalesce(acked_at, '-') || ' ' || coalesce(outcome, '-') ||"
                                 " ' ' || due FROM alerts",
                                 buf, sizeof buf),
                        "new - - - 2026-11-28T08:03:00Z"); /* the early clock restarts */
    assert_int_equal(act(fx, "o-desk", NULL, TS_VERB_REOPEN, "A-000001", 0, "again", t, &st, &err),
                     TS_STATE);
    /* the history: who did what, with the token when one was given */
    hist_seen h;
    history(fx, "A-000001", &h);
    assert_int_equal(h.n, 5);
    assert_string_equal(h.line[0], "raised engine - ");
    assert_string_equal(h.line[1], "claimed o-g01a - ");
    assert_string_equal(h.line[2], "acknowledged o-t01-v01 tk-0123abcd seen");
    assert_string_equal(h.line[3], "closed o-g01a - false_positive: no threat");
    assert_string_equal(h.line[4], "reopened o-desk tk-desk0001 new facts");
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.reopen'"
                                 " AND actor = 'o-desk' AND token = 'tk-desk0001'"),
                     1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action IN ('alert.claim',"
                                 " 'alert.ack', 'alert.close', 'alert.reopen')"),
                     4);
    /* failed calls left no transaction open */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P3", "T01-V01-G01", TS_COLOUR_NONE, "[]");
}

/* A note past TS_LIMIT_ALERT_DETAIL: TS_LIMIT naming the note, nothing changed. */
static void test_action_long_note(void **state)
{
    fixture *fx = *state;
    ts_err err;
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");
    size_t n = (1u << 20) + 1;
    char *note = malloc(n + 1);
    assert_non_null(note);
    memset(note, 'x', n);
    note[n] = '\0';
    assert_int_equal(act(fx, "o-g01a", NULL, TS_VERB_CLOSE, "A-000001", TS_CLOSE_CONFIRMED, note,
                         at_of("2026-11-25"), NULL, &err),
                     TS_LIMIT);
    free(note);
    assert_string_equal(err.where, "note");
    assert_int_equal(sql_int(fx, "SELECT status = 'new' AND closed_at IS NULL FROM alerts"), 1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history"), 0);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.close'"), 0);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.close.refused'"),
                     1);
}

/* claim-next for officer at a fixed time (defined with the claim-next tests). */
static ts_status claim_next(fixture *fx, ts_store *s, const char *officer, ts_feedback kind,
                            char id[24], ts_err *err);

/* In the caller's transaction: the caller's commit or rollback decides, and a refusal is
 * left to the caller to audit. */
static void test_actions_in_caller_tx(void **state)
{
    fixture *fx = *state;
    ts_err err;
    int64_t t = at_of("2026-11-25T08:00:00Z");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");
    ok(ts_store_begin(fx->s, &err), &err);
    assert_int_equal(act(fx, "o-t02", NULL, TS_VERB_ACK, "A-000001", 0, NULL, t, NULL, &err),
                     TS_DENIED);
    ok(act(fx, "o-g01a", NULL, TS_VERB_CLAIM, "A-000001", 0, NULL, t, NULL, &err), &err);
    ts_store_rollback(fx->s);
    assert_int_equal(sql_int(fx, "SELECT status = 'new' FROM alerts"), 1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history"), 0);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action LIKE 'alert.%'"), 0);
    ok(ts_store_begin(fx->s, &err), &err);
    ok(act(fx, "o-g01a", NULL, TS_VERB_CLAIM, "A-000001", 0, NULL, t, NULL, &err), &err);
    ok(act(fx, "o-g01a", NULL, TS_VERB_ACK, "A-000001", 0, NULL, t + 60, NULL, &err), &err);
    ok(ts_store_commit(fx->s, &err), &err);
    assert_int_equal(sql_int(fx, "SELECT status = 'acknowledged' FROM alerts"), 1);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action LIKE 'alert.%'"), 2);
    /* claim-next in the caller's transaction too */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P2", "T01-V01-G01", TS_COLOUR_NONE, "[]");
    char id[24];
    ok(ts_store_begin(fx->s, &err), &err);
    ok(claim_next(fx, fx->s, "o-g01b", TS_FEEDBACK_NONE, id, &err), &err);
    assert_string_equal(id, "A-000002");
    ts_store_rollback(fx->s);
    assert_int_equal(sql_int(fx, "SELECT status = 'new' FROM alerts WHERE cursor = 2"), 1);
}

/* A closed alert that was reopened by a new cause (A-000002 open) must not be reopened
 * by hand as well: that would make two open alerts for one person and kind. */
static void test_reopen_keeps_one_open(void **state)
{
    fixture *fx = *state;
    ts_err err;
    int64_t t = at_of("2026-11-25T08:00:00Z");
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-20", "");
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "A-000001", TS_CLOSE_CONFIRMED, "found", t);
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-24", "");
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE status <> 'closed'"), 1);
    assert_int_equal(
        act(fx, "o-desk", NULL, TS_VERB_REOPEN, "A-000001", 0, "look again", t, NULL, &err),
        TS_STATE);
    assert_non_null(strstr(err.msg, "A-000002"));
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE status <> 'closed'"), 1);
    assert_int_equal(audits(fx, "alert.reopen.refused"), 1);
    /* once A-000002 is closed too, the older one may be reopened */
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "A-000002", TS_CLOSE_DUPLICATE, "same as 1", t);
    act_ok(fx, "o-desk", TS_VERB_REOPEN, "A-000001", TS_CLOSE_NONE, "look again", t);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE status <> 'closed'"), 1);
}

/* ---- claim-next ------------------------------------------------------------------------ */

static ts_status claim_next(fixture *fx, ts_store *s, const char *officer, ts_feedback kind,
                            char id[24], ts_err *err)
{
    ts_actor who = {.officer = officer};
    return ts_alert_claim_next(s, fx->grid, &who, kind, at_of("2026-11-25T09:00:00Z"), id, err);
}

static void test_claim_next(void **state)
{
    fixture *fx = *state;
    ts_err err;
    char id[24];
    char buf[128];
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");   /* 1: 3d */
    problem_event(fx, "P2", "T01-V01-G01", "absconded", "2026-11-20", "");            /* 2: 30m */
    problem_event(fx, "P3", "T02-V01-G01", "absconded", "2026-11-20", "");            /* 3 */
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P4", "T01-V01-G03", TS_COLOUR_RED, "[]"); /* 4: 1d */
    assert_int_equal(claim_next(fx, fx->s, "ghost", TS_FEEDBACK_NONE, id, &err), TS_USAGE);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.claim.refused'"
                                 " AND actor = 'ghost' AND target = 'claim-next'"),
                     1);
    /* the earliest deadline first, in the officer's cells only */
    ok(claim_next(fx, fx->s, "o-g01a", TS_FEEDBACK_NONE, id, &err), &err);
    assert_string_equal(id, "A-000002");
    assert_string_equal(sql_text(fx,
                                 "SELECT status || ' ' || claimed_by FROM alerts"
                                 " WHERE cursor = 2",
                                 buf, sizeof buf),
                        "claimed o-g01a");
    assert_int_equal(claim_next(fx, fx->s, "o-g01a", TS_FEEDBACK_QUICK, id, &err), TS_NOTFOUND);
    assert_non_null(strstr(err.msg, "no unclaimed alert in the cells of o-g01a"));
    ok(claim_next(fx, fx->s, "o-g01b", TS_FEEDBACK_NONE, id, &err), &err);
    assert_string_equal(id, "A-000001"); /* A-000004 is in G03 */
    assert_int_equal(claim_next(fx, fx->s, "o-g01b", TS_FEEDBACK_NONE, id, &err), TS_NOTFOUND);
    /* the village sees its groups; the town desk of T02 its own */
    ok(claim_next(fx, fx->s, "o-t01-v01", TS_FEEDBACK_NONE, id, &err), &err);
    assert_string_equal(id, "A-000004");
    ok(claim_next(fx, fx->s, "o-t02", TS_FEEDBACK_QUICK, id, &err), &err);
    assert_string_equal(id, "A-000003");
    assert_int_equal(claim_next(fx, fx->s, "o-desk", TS_FEEDBACK_NONE, id, &err), TS_NOTFOUND);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE status = 'claimed'"), 4);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM audit WHERE action = 'alert.claim'"), 4);
    /* the county desk takes any cell's */
    problem_event(fx, "P5", "T02-V01-G01", "absconded", "2026-11-21", "");
    ok(claim_next(fx, fx->s, "o-desk", TS_FEEDBACK_NONE, id, &err), &err);
    assert_string_equal(id, "A-000005");
}

/* The same deadline: quick before detailed before early, then the oldest. */
static void test_claim_next_ties(void **state)
{
    fixture *fx = *state;
    ts_err err;
    char id[24];
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");   /* 1 */
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P2", "T01-V01-G01", TS_COLOUR_RED, "[]"); /* 2 */
    problem_event(fx, "P3", "T01-V01-G01", "absconded", "2026-11-20", "");            /* 3 */
    problem_event(fx, "P4", "T01-V01-G01", "absconded", "2026-11-20", "");            /* 4 */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P5", "T01-V01-G01", TS_COLOUR_NONE, "[]");   /* 5 */
    sql_exec(fx, "UPDATE alerts SET due = '2026-11-26T00:00:00Z'");
    sql_exec(fx, "UPDATE alerts SET due = '2026-11-25T00:00:00Z' WHERE cursor = 5");
    const char *want[] = {"A-000005", "A-000003", "A-000004", "A-000002", "A-000001"};
    for (size_t i = 0; i < 5; i++) {
        ok(claim_next(fx, fx->s, "o-g01a", TS_FEEDBACK_NONE, id, &err), &err);
        assert_string_equal(id, want[i]);
    }
}

/* Two threads, each with its own connection, call claim-next at once (a barrier before
 * every call) until none is left: each call of a round gets a different alert, and every
 * alert is claimed exactly once. */
typedef struct claimer_arg {
    fixture *fx;
    const char *officer;
    int rounds;
    char ids[64][24];
    size_t n, none;
    ts_status rc;
    char msg[800];
    pthread_barrier_t *round;
} claimer_arg;

static void *claimer(void *p)
{
    claimer_arg *ca = p;
    ts_err err;
    ts_store *s = NULL;
    ca->rc = ts_store_open(ca->fx->db, TS_STORE_READWRITE, &s, &err);
    if (ca->rc != TS_OK)
        snprintf(ca->msg, sizeof ca->msg, "%s: %s", err.where, err.msg);
    for (int r = 0; r < ca->rounds; r++) {
        pthread_barrier_wait(ca->round); /* keep in step even after an error */
        if (ca->rc != TS_OK || ca->n == 64)
            continue;
        ts_status rc = claim_next(ca->fx, s, ca->officer, TS_FEEDBACK_NONE, ca->ids[ca->n], &err);
        if (rc == TS_OK)
            ca->n++;
        else if (rc == TS_NOTFOUND)
            ca->none++;
        else {
            ca->rc = rc;
            snprintf(ca->msg, sizeof ca->msg, "%s: %s", err.where, err.msg);
        }
    }
    ts_store_close(s);
    return NULL;
}

static void test_claim_next_concurrent(void **state)
{
    fixture *fx = *state;
    enum { N = 40 };
    ts_err err;
    ok(ts_store_begin(fx->s, &err), &err);
    for (int i = 0; i < N; i++) {
        char person[16];
        snprintf(person, sizeof person, "C%03d", i);
        ts_person p = {.id = person, .grid = "T01-V01-G01", .name = "", .notes = ""};
        ts_event ev = {.type = "absconded", .date = 20000, .note = ""};
        ok(ts_feedback_on_problem_event(fx->fb, fx->s, &p, &ev, &err), &err);
    }
    ok(ts_store_commit(fx->s, &err), &err);
    pthread_barrier_t round;
    assert_int_equal(pthread_barrier_init(&round, NULL, 2), 0);
    claimer_arg a = {.fx = fx, .officer = "o-g01a", .rounds = N / 2 + 1, .round = &round};
    claimer_arg b = {.fx = fx, .officer = "o-g01b", .rounds = N / 2 + 1, .round = &round};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, claimer, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, claimer, &b), 0);
    assert_int_equal(pthread_join(ta, NULL), 0);
    assert_int_equal(pthread_join(tb, NULL), 0);
    pthread_barrier_destroy(&round);
    if (a.rc != TS_OK || b.rc != TS_OK)
        print_error("claimers: %s / %s\n", a.msg, b.msg);
    assert_int_equal(a.rc, TS_OK); /* no TS_BUSY: the store waits for the other writer */
    assert_int_equal(b.rc, TS_OK);
    /* every round but the last had two alerts for two callers */
    assert_int_equal(a.n, N / 2);
    assert_int_equal(b.n, N / 2);
    assert_int_equal(a.none + b.none, 2);
    for (size_t i = 0; i < a.n; i++)
        for (size_t k = 0; k < b.n; k++)
            assert_string_not_equal(a.ids[i], b.ids[k]);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE claimed_by = 'o-g01a'"), N / 2);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alerts WHERE status = 'claimed'"), N);
    assert_int_equal(sql_int(fx, "SELECT count(*) FROM alert_history WHERE status = 'claimed'"), N);
}

/* ---- the feed -------------------------------------------------------------------------- */

static void test_filters(void **state)
{
    fixture *fx = *state;
    ts_err err;
    char buf[256];
    typed_seen t;
    int64_t at = at_of("2026-11-25T08:00:00Z");
    screen_alert(fx, TS_FEEDBACK_EARLY, "P1", "T01-V01-G01", TS_COLOUR_NONE, "[]");   /* 1 */
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P2", "T01-V01-G02", TS_COLOUR_RED, "[]"); /* 2 */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P3", "T01-V02-G01", TS_COLOUR_NONE, "[]");   /* 3 */
    problem_event(fx, "P4", "T02-V01-G01", "absconded", "2026-11-01", "");            /* 4 */
    screen_alert(fx, TS_FEEDBACK_QUICK, "P5", "T01-V01-G03", TS_COLOUR_RED,           /* 5 */
                 "[{\"id\":\"threat.recent\",\"evidence\":\"threat_reported 2026-11-24\"}]");
    act_ok(fx, "o-g01a", TS_VERB_CLAIM, "1", TS_CLOSE_NONE, NULL, at);
    act_ok(fx, "o-t01", TS_VERB_CLAIM, "2", TS_CLOSE_NONE, NULL, at);
    act_ok(fx, "o-t01", TS_VERB_ACK, "3", TS_CLOSE_NONE, NULL, at);
    act_ok(fx, "o-t02", TS_VERB_CLOSE, "4", TS_CLOSE_CONFIRMED, "seen", at);

    assert_string_equal(read_ids(fx, NULL, &t, buf, sizeof buf),
                        "A-000001 A-000002 A-000003 A-000004 A-000005");
    assert_string_equal(
        read_ids(fx, &(ts_alert_filter){.kind = TS_FEEDBACK_EARLY}, &t, buf, sizeof buf),
        "A-000001 A-000003");
    /* status: each state, the "acked" alias, "open" = any but closed */
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.status = "new"}, &t, buf, sizeof buf),
                        "A-000005");
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.status = "claimed"}, &t, buf, sizeof buf),
                        "A-000001 A-000002");
    assert_string_equal(
        read_ids(fx, &(ts_alert_filter){.status = "acknowledged"}, &t, buf, sizeof buf),
        "A-000003");
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.status = "acked"}, &t, buf, sizeof buf),
                        "A-000003");
    assert_int_equal(t.status[0], TS_ALERT_ACKED);
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.status = "closed"}, &t, buf, sizeof buf),
                        "A-000004");
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.status = "open"}, &t, buf, sizeof buf),
                        "A-000001 A-000002 A-000003 A-000005");
    assert_string_equal(read_ids(fx,
                                 &(ts_alert_filter){.status = "open", .kind = TS_FEEDBACK_QUICK},
                                 &t, buf, sizeof buf),
                        "A-000005");
    assert_int_equal(ts_alerts_read(fx->s, fx->grid, &(ts_alert_filter){.status = "superseded"},
                                    typed_one, &t, NULL, &err),
                     TS_INVALID);
    assert_string_equal(err.where, "status");
    /* officer: routed to them or claimed by them */
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.officer = "o-g01a"}, &t, buf, sizeof buf),
                        "A-000001");
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.officer = "o-t01"}, &t, buf, sizeof buf),
                        "A-000002 A-000003 A-000005"); /* 2: claimed; 3, 5: routed */
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.officer = "o-desk"}, &t, buf, sizeof buf),
                        "");
    /* scopes: a cell and everything below it */
    const ts_cell *v01 = ts_grid_find(fx->grid, "T01-V01"), *t02 = ts_grid_find(fx->grid, "T02");
    const ts_cell *one[] = {v01}, *two[] = {v01, t02}, *all[] = {NULL};
    assert_string_equal(
        read_ids(fx, &(ts_alert_filter){.scopes = one, .n_scopes = 1}, &t, buf, sizeof buf),
        "A-000001 A-000002 A-000005");
    assert_string_equal(
        read_ids(fx, &(ts_alert_filter){.scopes = two, .n_scopes = 2}, &t, buf, sizeof buf),
        "A-000001 A-000002 A-000004 A-000005");
    assert_string_equal(
        read_ids(fx, &(ts_alert_filter){.scopes = all, .n_scopes = 1}, &t, buf, sizeof buf),
        "A-000001 A-000002 A-000003 A-000004 A-000005");
    /* created_since, since and limit */
    sql_exec(fx, "UPDATE alerts SET created = CASE WHEN cursor IN (1, 2)"
                 " THEN '2026-01-01T00:00:00Z' ELSE '2026-11-25T00:00:00Z' END");
    assert_string_equal(
        read_ids(fx, &(ts_alert_filter){.created_since = at_of("2026-06-01")}, &t, buf, sizeof buf),
        "A-000003 A-000004 A-000005");
    assert_string_equal(
        read_ids(fx, &(ts_alert_filter){.since = 1, .limit = 2}, &t, buf, sizeof buf),
        "A-000002 A-000003");
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.since = 5}, &t, buf, sizeof buf), "");
    int64_t last = -1;
    ok(ts_alerts_read(fx->s, fx->grid, &(ts_alert_filter){.since = 3}, typed_one, &t, &last, &err),
       &err);
    assert_int_equal(last, 5);
    last = -1;
    ok(ts_alerts_read(fx->s, fx->grid, &(ts_alert_filter){.since = 5}, typed_one, &t, &last, &err),
       &err);
    assert_int_equal(last, -1); /* unchanged when nothing was read */
    /* titles come from the pack when one is given */
    read_ids(fx, &(ts_alert_filter){.since = 4}, &t, buf, sizeof buf);
    assert_string_equal(t.rule0[0], "threat.recent");
    assert_string_equal(t.title0[0], "-");
    const char *src = getenv("TS_SOURCE_DIR");
    if (src) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/rules", src);
        ts_rulehost_opts o = {.instructions = 100000, .memory_bytes = 16u << 20};
        ts_rulepack *pack = NULL;
        ok(ts_rulepack_load(dir, &o, NULL, NULL, &pack, &err), &err);
        read_ids(fx, &(ts_alert_filter){.since = 4, .pack = pack}, &t, buf, sizeof buf);
        assert_string_equal(t.title0[0], "Threat reported or absconded in the last 30 days");
        ts_rulepack_free(pack);
    }
    /* the feed is in cursor (seq) order: an escalation moves an alert to the head */
    sql_exec(fx, "UPDATE alerts SET due = CASE cursor WHEN 1 THEN '2026-11-01T00:00:00Z'"
                 " ELSE '2099-01-01T00:00:00Z' END WHERE status <> 'closed'");
    assert_int_equal(sweep(fx, at), 1);
    assert_string_equal(read_ids(fx, NULL, &t, buf, sizeof buf),
                        "A-000002 A-000003 A-000004 A-000005 A-000001");
    assert_int_equal(t.cursor[4], 6);
    assert_string_equal(read_ids(fx, &(ts_alert_filter){.since = 5}, &t, buf, sizeof buf),
                        "A-000001");
    int64_t max = -1;
    ok(ts_alerts_max_cursor(fx->s, &max, &err), &err);
    assert_int_equal(max, 6);
    /* times */
    assert_int_equal(at_of("2026-11-25"), 1795564800);
    assert_int_equal(at_of("2026-11-25T08:30:15Z"), 1795564800 + 8 * 3600 + 30 * 60 + 15);
    assert_int_equal(at_of("2026-11-25 08:30"), 1795564800 + 8 * 3600 + 30 * 60);
    assert_int_equal(at_of("@1234"), 1234);
    int64_t x;
    assert_false(ts_alert_parse_time("2026-11-25X", &x));
    assert_false(ts_alert_parse_time("tomorrow", &x));
    assert_false(ts_alert_parse_time("2026-11-25T25:00", &x));
}

/* One alert and its history for a reader; out of scope and unknown answer alike. */
typedef struct show_seen {
    typed_seen alert;
    hist_seen hist;
} show_seen;

static ts_status show_alert(void *ud, const ts_alert *a)
{
    return typed_one(&((show_seen *)ud)->alert, a);
}

static ts_status show_event(void *ud, const ts_alert_event *e)
{
    return hist_event(&((show_seen *)ud)->hist, e);
}

static void test_show(void **state)
{
    fixture *fx = *state;
    ts_err err;
    int64_t at = at_of("2026-11-25T08:00:00Z");
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-20", "");
    act_ok(fx, "o-g01a", TS_VERB_CLAIM, "A-000001", TS_CLOSE_NONE, "mine", at);
    act_ok(fx, "o-g01a", TS_VERB_ACK, "A-000001", TS_CLOSE_NONE, NULL, at + 60);
    const ts_cell *v01 = ts_grid_find(fx->grid, "T01-V01"), *t02 = ts_grid_find(fx->grid, "T02");
    const ts_cell *in[] = {v01}, *out[] = {t02};
    show_seen s = {0};
    ok(ts_alert_show(fx->s, fx->grid, &(ts_alert_filter){.scopes = in, .n_scopes = 1}, "1",
                     show_alert, show_event, &s, &err),
       &err);
    assert_int_equal(s.alert.n, 1);
    assert_string_equal(s.alert.id[0], "A-000001");
    assert_int_equal(s.alert.status[0], TS_ALERT_ACKED);
    assert_int_equal(s.hist.n, 3);
    assert_string_equal(s.hist.line[0], "raised engine - ");
    assert_string_equal(s.hist.line[1], "claimed o-g01a - mine");
    assert_string_equal(s.hist.line[2], "acknowledged o-g01a - ");
    memset(&s, 0, sizeof s);
    assert_int_equal(ts_alert_show(fx->s, fx->grid,
                                   &(ts_alert_filter){.scopes = out, .n_scopes = 1}, "A-000001",
                                   show_alert, show_event, &s, &err),
                     TS_NOTFOUND);
    assert_int_equal(s.alert.n + s.hist.n, 0); /* nothing revealed */
    assert_int_equal(
        ts_alert_show(fx->s, fx->grid, NULL, "A-000002", show_alert, show_event, &s, &err),
        TS_NOTFOUND);
    assert_int_equal(ts_alert_show(fx->s, fx->grid, NULL, "nope", show_alert, show_event, &s, &err),
                     TS_NOTFOUND);
    assert_int_equal(s.alert.n + s.hist.n, 0);
}
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
            sched_yield(); /* let the reader in between transactions */
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

/* ---- the sink ------------------------------------------------------------------------ */

static void test_sink(void **state)
{
    fixture *fx = *state;
    ts_err err;
    char buf[64];
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
    /* without the discard: the rolled-back id is reused by the next alert, which is
     * appended once, and the rolled-back alert never */
    ok(ts_store_begin(fx->s, &err), &err);
    ok(ts_feedback_on_screen_alert(fx->fb, fx->s, &a, &err), &err);
    ts_store_rollback(fx->s);
    problem_event(fx, "P9", "T01-V01-G01", "absconded", "2026-11-02", "");
    ok(ts_feedback_flush(fx->fb, fx->s, &err), &err);
    assert_int_equal(count_lines(fx->sink, last, sizeof last), 4);
    o = json_tokener_parse(last);
    assert_string_equal(field(o, "person"), "P9");
    assert_string_equal(field(o, "cursor"), "4");
    json_object_put(o);
    /* an escalation is appended by the sweep itself, at its new cursor */
    int64_t due = at_of(sql_text(fx, "SELECT due FROM alerts WHERE cursor = 4", buf, sizeof buf));
    assert_int_equal(sweep(fx, due), 1);
    assert_int_equal(count_lines(fx->sink, last, sizeof last), 5);
    o = json_tokener_parse(last);
    assert_string_equal(field(o, "id"), "A-000004");
    assert_string_equal(field(o, "cursor"), "5");
    assert_string_equal(field(o, "level"), "1");
    assert_string_equal(field(o, "target"), "village");
    json_object_put(o);
    fx->cfg.alerts_jsonl = NULL;
}

/* ---- statistics ---------------------------------------------------------------------- */

static void test_stats(void **state)
{
    fixture *fx = *state;
    ts_err err;
    const char *T0 = "2026-11-01T00:00:00Z";
    int64_t t0 = at_of(T0);
    problem_event(fx, "P1", "T01-V01-G01", "absconded", "2026-11-01", "");            /* 1 */
    problem_event(fx, "P2", "T01-V01-G01", "absconded", "2026-11-01", "");            /* 2 */
    screen_alert(fx, TS_FEEDBACK_EARLY, "P3", "T01-V02-G01", TS_COLOUR_NONE, "[]");   /* 3 */
    screen_alert(fx, TS_FEEDBACK_DETAILED, "P4", "T02-V01-G01", TS_COLOUR_RED, "[]"); /* 4 */
    /* raised at T0 (the raise uses the wall clock: fix it before any action) */
    sql_exec(fx, "UPDATE alerts SET created = '2026-11-01T00:00:00Z',"
                 " due = strftime('%Y-%m-%dT%H:%M:%SZ', '2026-11-01', CASE kind"
                 " WHEN 'quick' THEN '+30 minutes' WHEN 'early' THEN '+3 days'"
                 " ELSE '+1 days' END)");
    act_ok(fx, "o-g01a", TS_VERB_ACK, "1", TS_CLOSE_NONE, NULL, t0 + 10 * 60); /* in time */
    act_ok(fx, "o-g01a", TS_VERB_CLOSE, "1", TS_CLOSE_CONFIRMED, "ok", t0 + 60 * 60);
    act_ok(fx, "o-g01b", TS_VERB_ACK, "2", TS_CLOSE_NONE, NULL, t0 + 40 * 60); /* late */
    act_ok(fx, "o-t02", TS_VERB_CLOSE, "4", TS_CLOSE_VALUABLE, "ok", t0 + 120 * 60);
    int64_t now = t0 + 4 * 86400; /* 2's close clock and 3's ack clock have run out */
    ts_alert_stats st;
    ok(ts_alerts_stats_read(fx->s, fx->grid, &fx->cfg, &(ts_alert_filter){.now = now}, &st, &err),
       &err);
    assert_int_equal(st.all.raised, 4);
    assert_int_equal(st.all.by_state[TS_ALERT_NEW], 1);
    assert_int_equal(st.all.by_state[TS_ALERT_CLAIMED], 0);
    assert_int_equal(st.all.by_state[TS_ALERT_ACKED], 1);
    assert_int_equal(st.all.by_state[TS_ALERT_CLOSED], 2);
    assert_int_equal(st.all.acked_in_time, 1);
    assert_int_equal(st.all.closed, 2);
    assert_true(st.all.closure_rate == 0.5);
    assert_true(st.all.ack_p50 == 10 && st.all.ack_p90 == 40);
    assert_true(st.all.close_p50 == 60 && st.all.close_p90 == 120);
    assert_int_equal(st.all.overdue, 2);
    assert_int_equal(st.overdue_by_level[TS_CELL_GROUP], 2);
    assert_int_equal(st.overdue_by_level[0] + st.overdue_by_level[TS_CELL_TOWN] +
                         st.overdue_by_level[TS_CELL_VILLAGE],
                     0);
    const ts_alert_figures *q = &st.kinds[TS_FEEDBACK_QUICK];
    assert_int_equal(q->raised, 2);
    assert_int_equal(q->acked_in_time, 1);
    assert_int_equal(q->closed, 1);
    assert_true(q->closure_rate == 0.5);
    assert_true(q->ack_p50 == 10 && q->ack_p90 == 40);
    assert_true(q->close_p50 == 60 && q->close_p90 == 60);
    assert_int_equal(q->overdue, 1);
    const ts_alert_figures *e = &st.kinds[TS_FEEDBACK_EARLY];
    assert_int_equal(e->raised, 1);
    assert_int_equal(e->overdue, 1);
    assert_true(e->ack_p50 < 0 && e->close_p90 < 0); /* nothing timed */
    assert_true(e->closure_rate == 0);
    const ts_alert_figures *d = &st.kinds[TS_FEEDBACK_DETAILED];
    assert_int_equal(d->raised, 1);
    assert_int_equal(d->closed, 1);
    assert_true(d->closure_rate == 1.0);
    assert_true(d->close_p50 == 120);
    assert_true(d->ack_p50 < 0); /* closed without an acknowledgement */
    /* per town and village, in grid order */
    assert_int_equal(st.n_towns, 2);
    assert_string_equal(st.towns[0].code, "T01");
    assert_string_equal(st.towns[0].name, "Town One");
    assert_int_equal(st.towns[0].fig.raised, 3);
    assert_int_equal(st.towns[0].fig.closed, 1);
    assert_int_equal(st.towns[0].fig.overdue, 2);
    assert_string_equal(st.towns[1].code, "T02");
    assert_true(st.towns[1].fig.closure_rate == 1.0);
    assert_int_equal(st.n_villages, 3);
    assert_string_equal(st.villages[0].code, "T01-V01");
    assert_int_equal(st.villages[0].fig.raised, 2);
    assert_int_equal(st.villages[0].fig.acked_in_time, 1);
    assert_string_equal(st.villages[1].code, "T01-V02");
    assert_int_equal(st.villages[1].fig.raised, 1);
    assert_int_equal(st.villages[1].fig.overdue, 1);
    assert_string_equal(st.villages[2].code, "T02-V01");
    assert_true(st.closure_target == 0.99); /* the default */
    ts_alert_stats_release(&st);
    /* earlier: nothing overdue yet */
    ok(ts_alerts_stats_read(fx->s, fx->grid, NULL, &(ts_alert_filter){.now = t0 + 20 * 60}, &st,
                            &err),
       &err);
    assert_int_equal(st.all.overdue, 0);
    assert_true(st.closure_target == 0.99);
    ts_alert_stats_release(&st);
    /* the configured target; a scope counts only its cells */
    fx->cfg.closure_target_permille = 950;
    const ts_cell *t02 = ts_grid_find(fx->grid, "T02");
    const ts_cell *sc[] = {t02};
    ok(ts_alerts_stats_read(fx->s, fx->grid, &fx->cfg,
                            &(ts_alert_filter){.now = now, .scopes = sc, .n_scopes = 1}, &st, &err),
       &err);
    assert_true(st.closure_target == 0.95);
    assert_int_equal(st.all.raised, 1);
    assert_int_equal(st.n_towns, 1);
    assert_string_equal(st.towns[0].code, "T02");
    assert_int_equal(st.all.overdue, 0);
    ts_alert_stats_release(&st);
    fx->cfg.closure_target_permille = 0;
    /* a row of a cell the grid does not have: a last town and village without a code; a row
     * of an unknown kind: kinds[NONE] */
    sql_exec(fx, "INSERT INTO alerts(kind, person, grid, rules, route, created, dedup, seq,"
                 " status) VALUES ('quick', 'PX', 'T09-V01-G01', '[]', '[]',"
                 " '2026-11-01T00:00:00Z', 'quick|PX', 90, 'new'), ('bogus', 'PY', 'T01-V01-G01',"
                 " '[]', '[]', '2026-11-01T00:00:00Z', 'bogus|PY', 91, 'new')");
    ok(ts_alerts_stats_read(fx->s, fx->grid, &fx->cfg, &(ts_alert_filter){.now = now}, &st, &err),
       &err);
    assert_int_equal(st.all.raised, 6);
    assert_int_equal(st.kinds[TS_FEEDBACK_NONE].raised, 1);
    assert_int_equal(st.kinds[TS_FEEDBACK_QUICK].raised, 3);
    assert_int_equal(st.n_towns, 3);
    assert_null(st.towns[2].code);
    assert_int_equal(st.towns[2].fig.raised, 1);
    assert_int_equal(st.towns[0].fig.raised, 4);
    assert_int_equal(st.n_villages, 4);
    assert_null(st.villages[3].code);
    ts_alert_stats_release(&st);
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
                                  " dedup, seq) VALUES('early','PX','T01X-V01-G01','[]','[]',"
                                  "'2026-11-01T00:00:00Z','x',3),('early','PY','T01-V09-G09',"
                                  "'[]','[]','2026-11-01T00:00:00Z','y',4)",
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

static int setup_nodesk(void **state)
{
    char yaml[sizeof grid_yaml];
    const char *desk = "officers: [{id: o-desk, name: Desk}]\n";
    const char *at = strstr(grid_yaml, desk);
    assert_non_null(at);
    size_t head = (size_t)(at - grid_yaml);
    memcpy(yaml, grid_yaml, head);
    snprintf(yaml + head, sizeof yaml - head, "%s", at + strlen(desk));
    return setup_grid(state, yaml);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_route_early, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_detailed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_quick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_sample_grid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dedup_causes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_causes_held_for_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_causes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_colour_rise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_no_desk, setup_nodesk, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_long_route, setup_crowded, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_close_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_actions_in_caller_tx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_action_long_note, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_keeps_one_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_next, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_next_ties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_next_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed_scope_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
