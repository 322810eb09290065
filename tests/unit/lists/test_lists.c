/* tests/unit/lists/test_lists.c — the read and review side of the lists
 * (triscreen/lists.h) against a real temporary database: lists filters, order and JSONL
 * shape; ledger latest-run semantics and --suspects; due with now; reviews (every
 * outcome, refusals, override expiry, one transaction, audit); the dossier (record,
 * events, ledger and list history, circle at depth 1 and 2 with colours, reviews,
 * alerts) and TS_NOTFOUND. Fixture rows go in through the store and through sqlite3. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "lists/lists_fx.h"
#include "triscreen/grid.h"
#include "triscreen/lists.h"
#include "triscreen/record.h"
#include "triscreen/store.h"
#include "render/render_lists.h"

typedef struct fixture {
    char dir[64];
    char db[96];
    ts_store *s;
    ts_grid *g;
} fixture;

static const int review_days[3] = {7, 30, 90};

static const char grid_yaml[] = "county: Test County\n"
                                "towns:\n"
                                "  - code: T01\n"
                                "    officers: [{id: o-t01}]\n"
                                "    villages:\n"
                                "      - code: T01-V01\n"
                                "        groups:\n"
                                "          - code: T01-V01-G01\n"
                                "            officers: [{id: o-g1}]\n"
                                "          - code: T01-V01-G02\n"
                                "  - code: T02\n"
                                "    villages:\n"
                                "      - code: T02-V01\n"
                                "        groups:\n"
                                "          - code: T02-V01-G01\n";

static const char *const persons[] = {
    ("{\"id\":\"P1\",\"name\":\"Li Ming\",\"grid\":\"T01-V01-G01\",\"born\":\"1990-04-12\","
     "\"categories\":[\"community_correction\"],\"attrs\":{\"open_disputes\":2},"
     "\"events\":[{\"type\":\"checkin_missed\",\"date\":\"2026-11-02\"},"
     "{\"type\":\"dispute_filed\",\"date\":\"2026-10-20\",\"note\":\"boundary\"}],"
     "\"relations\":[{\"id\":\"P2\",\"kind\":\"family\"},{\"id\":\"P9\",\"kind\":\"neighbour\"}]}"),
    ("{\"id\":\"P2\",\"name\":\"Wang Fang\",\"grid\":\"T01-V01-G02\","
     "\"relations\":[{\"id\":\"P3\",\"kind\":\"colleague\"},{\"id\":\"P4\",\"kind\":\"friend\"}]}"),
    "{\"id\":\"P3\",\"grid\":\"T02-V01-G01\"}",
    "{\"id\":\"P4\",\"grid\":\"T01-V01-G01\",\"relations\":[{\"id\":\"P9\",\"kind\":\"friend\"}]}",
    "{\"id\":\"P5\",\"grid\":\"T01-V01-G01\"}",
    "{\"id\":\"P6\",\"grid\":\"T01-V01-G02\"}",
};

static const char fixture_sql[] =
    "INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status) VALUES"
    " (1, 'full', 'all', '2026-11-01', 'h', 'c', 't', 'done'),"
    " (2, 'full', 'T01', '2026-11-10', 'h', 'c', 't', 'done'),"
    " (3, 'full', 'all', '2026-11-11', 'h', 'c', 't', 'running'),"
    " (4, 'regional', 'all', '2026-11-10', 'h', 'c', 't', 'done');"
    "INSERT INTO ledger(person, run, grid, suspect, gaps, rules, seq) VALUES"
    " ('P1', 1, 'T01-V01-G01', 1, '[]', '[{\"id\":\"s.one\",\"evidence\":\"e1\"}]', 1),"
    " ('P2', 1, 'T01-V01-G02', 0, '[\"gap.born\"]', '[{\"id\":\"gap.born\",\"evidence\":\"\"}]', "
    "2),"
    " ('P3', 1, 'T02-V01-G01', 1, '[]', '[{\"id\":\"s.two\",\"evidence\":\"e2\"}]', 3),"
    " ('P1', 2, 'T01-V01-G01', 0, '[]', '[]', 1),"
    " ('P2', 2, 'T01-V01-G02', 1, '[]', '[{\"id\":\"s.one\",\"evidence\":\"e3\"}]', 2),"
    " ('P1', 3, 'T01-V01-G01', 1, '[]', '[{\"id\":\"s.three\",\"evidence\":\"x\"}]', 1);"
    "INSERT INTO marks(person, suspect, run) VALUES ('P1', 0, 2), ('P2', 1, 2), ('P3', 1, 1);"
    "INSERT INTO list_members(person, colour, score, since, run, reasons, engine_colour,"
    " override_colour, override_until, override_by, next_review) VALUES"
    " ('P1', 'red', 80, '2026-11-10', 4,"
    "  '[{\"id\":\"r.a\",\"evidence\":\"x\"},{\"id\":\"r.b\",\"evidence\":\"y\"}]', 'red',"
    "  NULL, NULL, NULL, '2026-11-17'),"
    " ('P2', 'yellow', 45, '2026-11-10', 4, '[{\"id\":\"r.c\",\"evidence\":\"z\"}]', 'yellow',"
    "  NULL, NULL, NULL, '2026-12-10'),"
    " ('P3', 'blue', 20, '2026-11-01', 4, '[]', 'blue', NULL, NULL, NULL, '2026-11-05'),"
    " ('P4', 'red', 90, '2026-11-10', 4, '[{\"id\":\"r.a\",\"evidence\":\"q\"}]', 'red',"
    "  NULL, NULL, NULL, '2026-11-12'),"
    " ('P5', 'none', 30, '2026-11-10', 4, '[]', 'yellow', 'none', NULL, 'o-1', NULL);"
    "INSERT INTO list_transitions(person, run, from_colour, to_colour, score, reasons, at,"
    " actor) VALUES ('P1', 4, NULL, 'red', 80, '[{\"id\":\"r.a\",\"evidence\":\"x\"}]',"
    " '2026-11-10', 'engine');"
    "INSERT INTO alerts(kind, person, grid, colour, rules, route, created, dedup) VALUES"
    " ('detailed', 'P1', 'T01-V01-G01', 'red', '[{\"id\":\"r.a\",\"evidence\":\"x\"}]',"
    "  '[\"o-g1\",\"o-t01\"]', '2026-11-10T08:00:00Z', 'd1');"
    "INSERT INTO alert_history(alert, status, by, at, note) VALUES"
    " (1, 'acked', 'o-g1', '2026-11-10T09:00:00Z', 'seen');";

static void sql_exec(fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        print_error("sql: %s\n", msg);
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_int_equal(rc, SQLITE_OK);
}

static long long sql_int(fixture *f, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The text of column 0 of the first row, copied into buf ("" when NULL or no row). */
static const char *sql_text(fixture *f, const char *sql, char *buf, size_t cap)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    buf[0] = '\0';
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(buf, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return buf;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ts-lists-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    char gpath[96];
    snprintf(gpath, sizeof gpath, "%s/grid.yaml", f->dir);
    FILE *gf = fopen(gpath, "w");
    assert_non_null(gf);
    fputs(grid_yaml, gf);
    fclose(gf);
    lists_fx_open(gpath, f->db, persons, sizeof persons / sizeof persons[0], &f->g, &f->s);
    sql_exec(f, fixture_sql);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ts_store_close(f->s);
    ts_grid_free(f->g);
    char path[128];
    const char *const suffix[] = {"/t.db", "/t.db-wal", "/t.db-shm", "/grid.yaml"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s%s", f->dir, suffix[i]);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- query → render ------------------------------------------------------------------ */

typedef struct sink {
    ts__rows_render *r;
} sink;

static ts_status list_cb(void *ud, const ts_list_entry *e, ts_err *err)
{
    return ts__render_list_entry(((sink *)ud)->r, e, err);
}

static ts_status ledger_cb(void *ud, const ts_ledger_entry *e, ts_err *err)
{
    return ts__render_ledger_entry(((sink *)ud)->r, e, err);
}

static ts_status due_cb(void *ud, const ts_due_entry *e, ts_err *err)
{
    return ts__render_due_entry(((sink *)ud)->r, e, err);
}

/* Runs one of the three row queries into a renderer of fmt; the text (malloc'd). */
typedef enum { Q_LISTS, Q_LEDGER, Q_DUE } query_kind;
typedef struct query_args {
    ts_colour colour;
    const ts_cell *scope;
    bool suspects;
    const char *now;
} query_args;

static ts_status rows(fixture *f, query_kind q, const query_args *a, ts_out_format fmt, char **out,
                      ts_err *err)
{
    static const ts__rows_kind kinds[] = {TS__ROWS_LISTS, TS__ROWS_LEDGER, TS__ROWS_DUE};
    ts_buf b;
    ts_buf_init(&b, 1u << 20);
    sink k = {NULL};
    ts_status rc = ts__render_rows_new(kinds[q], fmt, NULL, &b, &k.r, err);
    if (rc == TS_OK && q == Q_LISTS)
        rc = ts_lists_query(f->s, f->g, a->colour, a->scope, list_cb, &k, err);
    else if (rc == TS_OK && q == Q_LEDGER)
        rc = ts_ledger_query(f->s, f->g, a->scope, a->suspects, ledger_cb, &k, err);
    else if (rc == TS_OK)
        rc = ts_due_query(f->s, f->g, a->scope, a->now, due_cb, &k, err);
    if (rc == TS_OK)
        rc = ts__render_rows_finish(k.r, err);
    ts__render_rows_free(k.r);
    *out = strdup(ts_buf_str(&b));
    ts_buf_release(&b);
    return rc;
}

static const ts_cell *scope_of(fixture *f, const char *code)
{
    const ts_cell *c = NULL;
    ts_err err;
    assert_int_equal(ts_grid_scope(f->g, code, &c, &err), TS_OK);
    return c;
}

static char *lists_out(fixture *f, ts_colour colour, const char *scope, ts_out_format fmt)
{
    ts_err err;
    ts_err_clear(&err);
    query_args a = {.colour = colour, .scope = scope ? scope_of(f, scope) : NULL};
    char *out = NULL;
    ts_status rc = rows(f, Q_LISTS, &a, fmt, &out, &err);
    if (rc != TS_OK)
        print_error("lists: %s %s\n", err.where, err.msg);
    assert_int_equal(rc, TS_OK);
    return out;
}

/* The "person" values of a JSONL text, joined with spaces. */
static void persons_of(const char *jsonl, char *buf, size_t cap)
{
    buf[0] = '\0';
    const char *p = jsonl;
    while (*p) {
        const char *nl = strchr(p, '\n');
        assert_non_null(nl);
        char *line = strndup(p, (size_t)(nl - p));
        json_object *o = json_tokener_parse(line);
        assert_non_null(o);
        json_object *id = NULL;
        assert_true(json_object_object_get_ex(o, "person", &id));
        size_t len = strlen(buf);
        snprintf(buf + len, cap - len, "%s%s", len ? " " : "", json_object_get_string(id));
        json_object_put(o);
        free(line);
        p = nl + 1;
    }
}

/* ---- lists ---------------------------------------------------------------------------- */

static void test_lists_order_and_filters(void **state)
{
    fixture *f = *state;
    char ids[256];
    char *out = lists_out(f, TS_COLOUR_NONE, NULL, TS_OUT_JSONL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P1 P4 P2 P3"); /* red, red, yellow, blue; P5 cleared */
    const char *first = "{\"person\":\"P1\",\"colour\":\"red\",\"grid\":\"T01-V01-G01\","
                        "\"score\":80,\"since\":\"2026-11-10\",\"rules\":[\"r.a\",\"r.b\"],"
                        "\"rule_titles\":[null,null]}\n";
    assert_memory_equal(out, first, strlen(first));
    free(out);

    out = lists_out(f, TS_COLOUR_RED, NULL, TS_OUT_JSONL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P1 P4");
    free(out);
    out = lists_out(f, TS_COLOUR_NONE, "T02", TS_OUT_JSONL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P3");
    free(out);
    out = lists_out(f, TS_COLOUR_NONE, "T01-V01-G02", TS_OUT_JSONL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P2");
    free(out);
    out = lists_out(f, TS_COLOUR_BLUE, "T01", TS_OUT_JSONL);
    assert_string_equal(out, "");
    free(out);
}

static void test_lists_table_and_csv(void **state)
{
    fixture *f = *state;
    char *out = lists_out(f, TS_COLOUR_NONE, NULL, TS_OUT_CSV);
    assert_string_equal(out, "colour,person,grid,score,since,next_review,rules,rule_titles\r\n"
                             "red,P1,T01-V01-G01,80,2026-11-10,2026-11-17,r.a;r.b,;\r\n"
                             "red,P4,T01-V01-G01,90,2026-11-10,2026-11-12,r.a,\r\n"
                             "yellow,P2,T01-V01-G02,45,2026-11-10,2026-12-10,r.c,\r\n"
                             "blue,P3,T02-V01-G01,20,2026-11-01,2026-11-05,,\r\n");
    free(out);
    out = lists_out(f, TS_COLOUR_YELLOW, NULL, TS_OUT_TABLE);
    assert_string_equal(out, "COLOUR  PERSON  GRID         SCORE  SINCE       REVIEW      RULES\n"
                             "yellow  P2      T01-V01-G02  45     2026-11-10  2026-12-10  r.c\n");
    free(out);
    ts_err err;
    query_args a = {.colour = TS_COLOUR_NONE};
    assert_int_equal(rows(f, Q_LISTS, &a, TS_OUT_JSON, &out, &err), TS_USAGE);
    assert_string_equal(out, "");
    free(out);
}

/* ---- ledger ----------------------------------------------------------------------------- */

static char *ledger_out(fixture *f, const char *scope, bool suspects, ts_out_format fmt)
{
    ts_err err;
    ts_err_clear(&err);
    query_args a = {.scope = scope ? scope_of(f, scope) : NULL, .suspects = suspects};
    char *out = NULL;
    assert_int_equal(rows(f, Q_LEDGER, &a, fmt, &out, &err), TS_OK);
    return out;
}

static void test_ledger_latest_run(void **state)
{
    fixture *f = *state;
    char *out = ledger_out(f, NULL, false, TS_OUT_JSONL);
    /* P1's run 3 is still running and run 4 is regional: run 2 is its latest full run;
     * P3 was not in run 2's scope, so run 1 stands for it */
    assert_string_equal(out,
                        "{\"person\":\"P1\",\"grid\":\"T01-V01-G01\",\"suspect\":false,"
                        "\"gaps\":[],\"rules\":[],\"rule_titles\":[],\"run\":2}\n"
                        "{\"person\":\"P2\",\"grid\":\"T01-V01-G02\",\"suspect\":true,"
                        "\"gaps\":[],\"rules\":[\"s.one\"],\"rule_titles\":[null],\"run\":2}\n"
                        "{\"person\":\"P3\",\"grid\":\"T02-V01-G01\",\"suspect\":true,"
                        "\"gaps\":[],\"rules\":[\"s.two\"],\"rule_titles\":[null],\"run\":1}\n");
    free(out);
    char ids[128];
    out = ledger_out(f, NULL, true, TS_OUT_JSONL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P2 P3");
    free(out);
    out = ledger_out(f, "T01", false, TS_OUT_JSONL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P1 P2");
    free(out);
    out = ledger_out(f, "T01", true, TS_OUT_CSV);
    assert_string_equal(out, "person,grid,suspect,run,gaps,rules,rule_titles\r\n"
                             "P2,T01-V01-G02,true,2,,s.one,\r\n");
    free(out);
    /* once run 3 completes it is P1's latest */
    sql_exec(f, "UPDATE runs SET status = 'done' WHERE id = 3");
    out = ledger_out(f, NULL, true, TS_OUT_JSONL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P1 P2 P3");
    free(out);
}

/* ---- due -------------------------------------------------------------------------------- */

static char *due_out(fixture *f, const char *now, const char *scope)
{
    ts_err err;
    ts_err_clear(&err);
    query_args a = {.scope = scope ? scope_of(f, scope) : NULL, .now = now};
    char *out = NULL;
    assert_int_equal(rows(f, Q_DUE, &a, TS_OUT_JSONL, &out, &err), TS_OK);
    return out;
}

static void test_due(void **state)
{
    fixture *f = *state;
    char *out = due_out(f, "2026-11-12", NULL);
    assert_string_equal(out, "{\"person\":\"P3\",\"colour\":\"blue\",\"grid\":\"T02-V01-G01\","
                             "\"next_review\":\"2026-11-05\",\"overdue_days\":7}\n"
                             "{\"person\":\"P4\",\"colour\":\"red\",\"grid\":\"T01-V01-G01\","
                             "\"next_review\":\"2026-11-12\",\"overdue_days\":0}\n");
    free(out);
    char ids[128];
    out = due_out(f, "2026-11-20", NULL);
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P3 P4 P1");
    free(out);
    out = due_out(f, "2026-11-20", "T01");
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P4 P1");
    free(out);
    out = due_out(f, "2026-11-04", NULL);
    assert_string_equal(out, "");
    free(out);
    ts_err err;
    query_args a = {.now = "2026-13-01"};
    assert_int_equal(rows(f, Q_DUE, &a, TS_OUT_JSONL, &out, &err), TS_USAGE);
    free(out);
}

/* ---- reviews ------------------------------------------------------------------------------ */

static ts_status review(fixture *f, const char *person, ts_review_outcome o, ts_colour colour,
                        const char *until, const char *note, const char *now)
{
    ts_review r = {.person = person,
                   .by = "o-1",
                   .outcome = o,
                   .colour = colour,
                   .until = until,
                   .note = note,
                   .now = now,
                   .review_days = review_days};
    ts_err err;
    ts_err_clear(&err);
    return ts_lists_review(f->s, &r, &err);
}

static const char *member(fixture *f, const char *person, const char *col, char *buf)
{
    char q[160];
    snprintf(q, sizeof q, "SELECT %s FROM list_members WHERE person = '%s'", col, person);
    return sql_text(f, q, buf, 256);
}

static void test_review_outcomes(void **state)
{
    fixture *f = *state;
    char b[256];
    long long audits = sql_int(f, "SELECT count(*) FROM audit WHERE action = 'review'");
    /* confirm: no colour change, next review from the red cadence */
    assert_int_equal(review(f, "P1", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, "ok", "2026-11-20"),
                     TS_OK);
    assert_string_equal(member(f, "P1", "colour", b), "red");
    assert_string_equal(member(f, "P1", "next_review", b), "2026-11-27");
    assert_int_equal(sql_int(f, "SELECT count(*) FROM list_transitions WHERE person = 'P1'"), 1);

    /* lower with an override until a date */
    assert_int_equal(
        review(f, "P1", TS_REVIEW_LOWER, TS_COLOUR_YELLOW, "2026-12-01", "calmer", "2026-11-20"),
        TS_OK);
    assert_string_equal(member(f, "P1", "colour", b), "yellow");
    assert_string_equal(member(f, "P1", "override_colour", b), "yellow");
    assert_string_equal(member(f, "P1", "override_until", b), "2026-12-01");
    assert_string_equal(member(f, "P1", "override_by", b), "o-1");
    assert_string_equal(member(f, "P1", "engine_colour", b), "red");
    assert_string_equal(member(f, "P1", "since", b), "2026-11-20");
    assert_string_equal(member(f, "P1", "next_review", b), "2026-12-20");
    assert_string_equal(
        sql_text(f,
                 "SELECT from_colour || '>' || to_colour || ' ' || actor || ' ' || at || ' '"
                 " || coalesce(run, 'null') || ' ' || reasons FROM list_transitions"
                 " WHERE person = 'P1' ORDER BY id DESC",
                 b, sizeof b),
        "red>yellow o-1 2026-11-20 null [{\"id\":\"review.lower\",\"evidence\":\"calmer\"}]");

    /* raise from nothing: a person the engine never listed */
    assert_int_equal(
        review(f, "P6", TS_REVIEW_RAISE, TS_COLOUR_YELLOW, NULL, "tip-off", "2026-11-20"), TS_OK);
    assert_string_equal(member(f, "P6", "colour", b), "yellow");
    assert_string_equal(member(f, "P6", "override_colour", b), "yellow");
    assert_string_equal(member(f, "P6", "next_review", b), "2026-12-20");
    char *out = lists_out(f, TS_COLOUR_YELLOW, NULL, TS_OUT_JSONL);
    char ids[128];
    persons_of(out, ids, sizeof ids);
    assert_string_equal(ids, "P1 P2 P6");
    free(out);

    /* raise an existing member */
    assert_int_equal(review(f, "P2", TS_REVIEW_RAISE, TS_COLOUR_RED, NULL, "worse", "2026-11-20"),
                     TS_OK);
    assert_string_equal(member(f, "P2", "colour", b), "red");
    assert_string_equal(member(f, "P2", "next_review", b), "2026-11-27");

    /* clear: off the lists, held by an override "none" */
    assert_int_equal(
        review(f, "P3", TS_REVIEW_CLEAR, TS_COLOUR_NONE, "2027-01-01", "moved away", "2026-11-20"),
        TS_OK);
    assert_string_equal(member(f, "P3", "override_colour", b), "none");
    assert_string_equal(member(f, "P3", "next_review", b), "");
    assert_string_equal(sql_text(f,
                                 "SELECT from_colour || '>' || coalesce(to_colour, 'off') FROM"
                                 " list_transitions WHERE person = 'P3' ORDER BY id DESC",
                                 b, sizeof b),
                        "blue>off");
    out = lists_out(f, TS_COLOUR_NONE, "T02", TS_OUT_JSONL);
    assert_string_equal(out, "");
    free(out);

    /* confirm after an override: the engine's colour is back, the override is gone */
    assert_int_equal(
        review(f, "P1", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, "back to engine", "2026-11-25"),
        TS_OK);
    assert_string_equal(member(f, "P1", "colour", b), "red");
    assert_string_equal(member(f, "P1", "override_colour", b), "");
    assert_string_equal(member(f, "P1", "since", b), "2026-11-25");

    /* confirm of a person the engine never listed takes them off the lists */
    assert_int_equal(
        review(f, "P6", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, "no basis", "2026-11-25"), TS_OK);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM list_members WHERE person = 'P6'"), 0);

    assert_int_equal(sql_int(f, "SELECT count(*) FROM reviews"), 7);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action = 'review'"), audits + 7);
    assert_string_equal(sql_text(f,
                                 "SELECT actor || ' ' || target || ' ' || detail FROM audit"
                                 " WHERE action = 'review' ORDER BY id LIMIT 1 OFFSET 1",
                                 b, sizeof b),
                        "o-1 P1 {\"outcome\":\"lower\",\"from\":\"red\",\"to\":\"yellow\","
                        "\"until\":\"2026-12-01\",\"now\":\"2026-11-20\",\"note\":\"calmer\"}");
}

static void test_review_refusals(void **state)
{
    fixture *f = *state;
    const char *now = "2026-11-20";
    assert_int_equal(review(f, "P1", TS_REVIEW_LOWER, TS_COLOUR_RED, NULL, "n", now), TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_LOWER, TS_COLOUR_RED, NULL, "n", now), TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_RAISE, TS_COLOUR_BLUE, NULL, "n", now), TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_RAISE, TS_COLOUR_YELLOW, NULL, "n", now),
                     TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_LOWER, TS_COLOUR_NONE, NULL, "n", now), TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_CONFIRM, TS_COLOUR_RED, NULL, "n", now), TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, "2026-12-01", "n", now),
                     TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, NULL, now),
                     TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, "  ", now),
                     TS_INVALID);
    assert_int_equal(review(f, "P2", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, "n", "11/20/2026"),
                     TS_INVALID);
    /* until is exclusive: an override until today would already have expired */
    assert_int_equal(review(f, "P1", TS_REVIEW_LOWER, TS_COLOUR_BLUE, now, "n", now), TS_INVALID);
    assert_int_equal(review(f, "P1", TS_REVIEW_LOWER, TS_COLOUR_BLUE, "2026-02-30", "n", now),
                     TS_INVALID);
    /* not listed: only raise may list someone; unknown persons are not found */
    assert_int_equal(review(f, "P6", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, "n", now),
                     TS_NOTFOUND);
    assert_int_equal(review(f, "P6", TS_REVIEW_LOWER, TS_COLOUR_BLUE, NULL, "n", now), TS_NOTFOUND);
    assert_int_equal(review(f, "PX", TS_REVIEW_RAISE, TS_COLOUR_RED, NULL, "n", now), TS_NOTFOUND);
    /* nothing of the refused reviews was written */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM reviews"), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM audit WHERE action = 'review'"), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM list_transitions"), 1);
    /* a cleared person (override "none") can be reviewed again */
    assert_int_equal(review(f, "P5", TS_REVIEW_CONFIRM, TS_COLOUR_NONE, NULL, "n", now), TS_OK);
    char b[256];
    assert_string_equal(member(f, "P5", "colour", b), "yellow");
    assert_string_equal(member(f, "P5", "override_colour", b), "");
}

static void test_override_expiry(void **state)
{
    fixture *f = *state;
    char b[256];
    assert_int_equal(
        review(f, "P4", TS_REVIEW_LOWER, TS_COLOUR_YELLOW, "2026-12-01", "n", "2026-11-20"), TS_OK);
    /* the day before until the override holds: yellow is not lower than yellow */
    assert_int_equal(review(f, "P4", TS_REVIEW_LOWER, TS_COLOUR_YELLOW, NULL, "n", "2026-11-30"),
                     TS_INVALID);
    /* on until it has expired: the engine's red applies again, so yellow is lower */
    assert_int_equal(
        review(f, "P4", TS_REVIEW_LOWER, TS_COLOUR_YELLOW, NULL, "again", "2026-12-01"), TS_OK);
    assert_string_equal(member(f, "P4", "colour", b), "yellow");
    assert_string_equal(member(f, "P4", "override_until", b), "");
    /* no transition: the stored colour was yellow and stays yellow */
    assert_int_equal(sql_int(f, "SELECT count(*) FROM list_transitions WHERE person = 'P4'"), 1);
    assert_string_equal(member(f, "P4", "since", b), "2026-11-20");
}

/* ---- dossier ----------------------------------------------------------------------------------
 */

/* The dossier of id for reader (NULL = unscoped) rendered as JSON or text (malloc'd). */
static ts_status dossier_render(fixture *f, const char *id, const ts_reader *reader, bool json,
                                char **out, ts_err *err)
{
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_buf b;
    ts_buf_init(&b, 1u << 20);
    ts_dossier d;
    ts_status rc = ts_dossier_load(f->s, f->g, id, reader, &a, &d, err);
    if (rc == TS_OK)
        rc = json ? ts__render_dossier_json(&d, NULL, &b, err)
                  : ts__render_dossier_text(&d, NULL, &b, err);
    *out = strdup(ts_buf_str(&b));
    ts_buf_release(&b);
    ts_arena_release(&a);
    return rc;
}

static json_object *dossier(fixture *f, const char *id)
{
    ts_err err;
    ts_err_clear(&err);
    char *text = NULL;
    ts_status rc = dossier_render(f, id, NULL, true, &text, &err);
    if (rc != TS_OK)
        print_error("dossier: %s %s\n", err.where, err.msg);
    assert_int_equal(rc, TS_OK);
    json_object *doc = json_tokener_parse(text);
    assert_non_null(doc);
    free(text);
    return doc;
}

static json_object *at(json_object *o, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    json_object *cur = o;
    for (char *tok = strtok(buf, "."); tok; tok = strtok(NULL, ".")) {
        if (json_object_is_type(cur, json_type_array)) {
            cur = json_object_array_get_idx(cur, (size_t)atoi(tok));
        } else {
            json_object *next = NULL;
            if (!json_object_object_get_ex(cur, tok, &next))
                fail_msg("no %s in dossier path %s", tok, path);
            cur = next;
        }
    }
    return cur;
}

static const char *str_at(json_object *o, const char *path)
{
    json_object *v = at(o, path);
    return v ? json_object_get_string(v) : "(null)";
}

static void test_dossier_json(void **state)
{
    fixture *f = *state;
    assert_int_equal(
        review(f, "P1", TS_REVIEW_LOWER, TS_COLOUR_YELLOW, "2026-12-01", "calmer", "2026-11-20"),
        TS_OK);
    json_object *d = dossier(f, "P1");
    assert_string_equal(str_at(d, "person"), "P1");
    assert_string_equal(str_at(d, "record.name"), "Li Ming");
    assert_string_equal(str_at(d, "record.attrs.open_disputes"), "2");
    assert_string_equal(str_at(d, "grid.town"), "T01");
    assert_string_equal(str_at(d, "grid.officers.0"), "o-g1");
    assert_int_equal(json_object_array_length(at(d, "events")), 2);
    assert_string_equal(str_at(d, "events.0.type"), "checkin_missed");
    assert_string_equal(str_at(d, "events.1.note"), "boundary");
    assert_false(json_object_get_boolean(at(d, "suspect")));
    /* ledger history: completed runs only */
    assert_int_equal(json_object_array_length(at(d, "ledger")), 2);
    assert_string_equal(str_at(d, "ledger.0.rules.0.evidence"), "e1");
    assert_string_equal(str_at(d, "ledger.1.run"), "2");
    assert_string_equal(str_at(d, "list.colour"), "yellow");
    assert_string_equal(str_at(d, "list.engine_colour"), "red");
    assert_string_equal(str_at(d, "list.override.until"), "2026-12-01");
    assert_string_equal(str_at(d, "list.reasons.1.id"), "r.b");
    assert_int_equal(json_object_array_length(at(d, "list_history")), 2);
    assert_null(at(d, "list_history.0.from"));
    assert_string_equal(str_at(d, "list_history.0.to"), "red");
    assert_string_equal(str_at(d, "list_history.0.reasons.0.evidence"), "x");
    assert_string_equal(str_at(d, "list_history.1.actor"), "o-1");
    assert_null(at(d, "list_history.1.run"));
    assert_string_equal(str_at(d, "reviews.0.outcome"), "lower");
    assert_string_equal(str_at(d, "reviews.0.note"), "calmer");
    assert_string_equal(str_at(d, "alerts.0.id"), "A-000001");
    assert_string_equal(str_at(d, "alerts.0.route.1"), "o-t01");
    assert_string_equal(str_at(d, "alerts.0.history.0.status"), "acked");

    /* circle: P2 (family, yellow) and P9 (neighbour, not imported) at depth 1; through P2
     * P3 (colleague, blue) and P4 (friend, red) at depth 2 — P4 also reaches P9, who is
     * depth 1 already, and nobody lists P1 itself */
    json_object *c = at(d, "circle");
    assert_int_equal(json_object_array_length(c), 4);
    assert_string_equal(str_at(c, "0.person"), "P2");
    assert_string_equal(str_at(c, "0.distance"), "1");
    assert_string_equal(str_at(c, "0.relation"), "family");
    assert_string_equal(str_at(c, "0.colour"), "yellow");
    assert_false(json_object_get_boolean(at(c, "0.pending")));
    assert_string_equal(str_at(c, "1.person"), "P9");
    assert_true(json_object_get_boolean(at(c, "1.pending")));
    assert_null(at(c, "1.colour"));
    assert_string_equal(str_at(c, "2.person"), "P3");
    assert_string_equal(str_at(c, "2.distance"), "2");
    assert_string_equal(str_at(c, "2.relation"), "colleague");
    assert_string_equal(str_at(c, "2.via"), "P2");
    assert_string_equal(str_at(c, "2.colour"), "blue");
    assert_string_equal(str_at(c, "3.person"), "P4");
    assert_string_equal(str_at(c, "3.via"), "P2");
    assert_string_equal(str_at(c, "3.colour"), "red");
    json_object_put(d);

    /* from P4: P2 and P9 at depth 1, P1 and P3 at depth 2 (P1 through both: P2 first) */
    d = dossier(f, "P4");
    c = at(d, "circle");
    assert_int_equal(json_object_array_length(c), 4);
    assert_string_equal(str_at(c, "2.person"), "P1");
    assert_string_equal(str_at(c, "2.via"), "P2");
    assert_string_equal(str_at(c, "2.relation"), "family");
    assert_string_equal(str_at(c, "2.colour"), "yellow");
    assert_null(at(d, "suspect"));
    json_object_put(d);

    /* a person without list row, ledger, reviews or alerts */
    d = dossier(f, "P6");
    assert_null(at(d, "list"));
    assert_int_equal(json_object_array_length(at(d, "ledger")), 0);
    assert_int_equal(json_object_array_length(at(d, "circle")), 0);
    json_object_put(d);
}

static void test_dossier_text_and_notfound(void **state)
{
    fixture *f = *state;
    sql_exec(f, "INSERT INTO reviews(person, by, outcome, colour, note, at, now) VALUES"
                " ('P1', 'o-1', 'confirm', 'red', 'line1\nline2\x1b[31m', 't', '2026-11-20')");
    ts_err err;
    ts_err_clear(&err);
    char *out = NULL;
    assert_int_equal(dossier_render(f, "P1", NULL, false, &out, &err), TS_OK);
    assert_non_null(strstr(out, "dossier P1  Li Ming\n"));
    assert_non_null(strstr(out, "\nevents (2)\n  2026-11-02  checkin_missed\n"));
    assert_non_null(strstr(out, "\ncircle (4)\n"));
    assert_non_null(strstr(out, "  1  P9  neighbour  pending (no record)\n"));
    assert_non_null(strstr(out, "  2  P3  colleague via P2  blue  T02-V01-G01\n"));
    assert_non_null(strstr(out, "line1\\nline2\\x1b[31m"));
    assert_null(strchr(out, '\x1b'));
    free(out);

    ts_err_clear(&err);
    assert_int_equal(dossier_render(f, "NOPE", NULL, true, &out, &err), TS_NOTFOUND);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(dossier_render(f, "", NULL, true, &out, &err), TS_USAGE);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lists_order_and_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists_table_and_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ledger_latest_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_outcomes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_review_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_override_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dossier_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dossier_text_and_notfound, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
