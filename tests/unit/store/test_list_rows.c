/* tests/unit/store/test_list_rows.c — list rows in the store: list_members upsert and
 * read back (every column, the person's grid joined in, load order), the delete of a row
 * that is off the lists without an override, the override fields and next_review as a
 * review writes them, the due query by next_review, and list_transitions (engine and
 * human, in order, colours as names or off the lists). */
#include "store/store_fx.h"

#include "store/lists_query.h"
#include "triscreen/vocab.h"

static ts_list_row red_row(const char *person)
{
    ts_list_row r = {.person = person,
                     .colour = TS_COLOUR_RED,
                     .engine_colour = TS_COLOUR_RED,
                     .regional_colour = TS_COLOUR_YELLOW,
                     .override_colour = -1,
                     .override_until = TS_DATE_NONE,
                     .override_by = NULL,
                     .score = 75,
                     .regional_score = 45,
                     .since = fx_day("2026-11-01"),
                     .next_review = fx_day("2026-11-08"),
                     .reasons = "[{\"id\":\"r.red\",\"evidence\":\"e\"}]",
                     .regional_reasons = "[{\"id\":\"r.score\",\"evidence\":\"s\"}]"};
    return r;
}

static void put_list(store_fx *fx, const ts_list_row *row, int64_t run)
{
    ts_err err;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_list(fx->s, row, run, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
}

static bool get_list(store_fx *fx, const char *person, ts_list_row *row)
{
    ts_err err;
    bool found = true;
    fx_ok(ts_store_list_get(fx->s, person, &fx->arena, row, &found, &err), &err);
    return found;
}

static void test_list_row_roundtrip(void **state)
{
    store_fx *fx = *state;
    const char *ids[] = {"P-2", "P-1"};
    fx_persons(fx, ids, 2, "T01-V01-G02");
    ts_list_row in = red_row("P-2");
    put_list(fx, &in, 7);

    ts_list_row got;
    assert_true(get_list(fx, "P-2", &got));
    assert_string_equal(got.person, "P-2");
    assert_string_equal(got.grid, "T01-V01-G02");
    assert_int_equal(got.colour, TS_COLOUR_RED);
    assert_int_equal(got.engine_colour, TS_COLOUR_RED);
    assert_int_equal(got.regional_colour, TS_COLOUR_YELLOW);
    assert_int_equal(got.override_colour, -1);
    assert_int_equal(got.override_until, TS_DATE_NONE);
    assert_null(got.override_by);
    assert_int_equal(got.score, 75);
    assert_int_equal(got.regional_score, 45);
    assert_int_equal(got.since, fx_day("2026-11-01"));
    assert_int_equal(got.next_review, fx_day("2026-11-08"));
    assert_string_equal(got.reasons, in.reasons);
    assert_string_equal(got.regional_reasons, in.regional_reasons);
    assert_false(get_list(fx, "P-1", &got));

    /* an update replaces the row in place: one member, new values */
    in.colour = TS_COLOUR_YELLOW;
    in.engine_colour = TS_COLOUR_YELLOW;
    in.score = 50;
    in.reasons = NULL; /* stored as [] */
    in.next_review = TS_DATE_NONE;
    put_list(fx, &in, 8);
    assert_true(get_list(fx, "P-2", &got));
    assert_int_equal(got.colour, TS_COLOUR_YELLOW);
    assert_int_equal(got.score, 50);
    assert_string_equal(got.reasons, "[]");
    assert_int_equal(got.next_review, TS_DATE_NONE);

    /* load: ordered by person id */
    ts_list_row p1 = red_row("P-1");
    p1.colour = TS_COLOUR_BLUE;
    put_list(fx, &p1, 8);
    ts_list_row *rows = NULL;
    size_t n = 0;
    ts_err err;
    fx_ok(ts_store_lists_load(fx->s, &fx->arena, &rows, &n, &err), &err);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].person, "P-1");
    assert_int_equal(rows[0].colour, TS_COLOUR_BLUE);
    assert_string_equal(rows[1].person, "P-2");
    assert_int_equal(rows[1].colour, TS_COLOUR_YELLOW);
}

static void test_list_row_off_and_override(void **state)
{
    store_fx *fx = *state;
    const char *ids[] = {"P-1", "P-2"};
    fx_persons(fx, ids, 2, "T01-V01-G01");
    ts_list_row r = red_row("P-1");
    put_list(fx, &r, 1);

    /* off the lists without an override: the row is deleted */
    r.colour = TS_COLOUR_NONE;
    put_list(fx, &r, 2);
    ts_list_row got;
    assert_false(get_list(fx, "P-1", &got));

    /* an override to "off the lists" (0) keeps the row, colour none */
    r = red_row("P-2");
    r.colour = TS_COLOUR_NONE;
    r.override_colour = 0;
    r.override_until = fx_day("2026-12-31");
    r.override_by = "o-t01-v01-g01";
    put_list(fx, &r, 3);
    assert_true(get_list(fx, "P-2", &got));
    assert_int_equal(got.colour, TS_COLOUR_NONE);
    assert_int_equal(got.engine_colour, TS_COLOUR_RED);
    assert_int_equal(got.override_colour, 0);
    assert_int_equal(got.override_until, fx_day("2026-12-31"));
    assert_string_equal(got.override_by, "o-t01-v01-g01");

    /* an override to a colour; then a review's write of the override columns */
    r.colour = TS_COLOUR_YELLOW;
    r.override_colour = TS_COLOUR_YELLOW;
    r.override_until = TS_DATE_NONE; /* held until the next review */
    put_list(fx, &r, 4);
    assert_true(get_list(fx, "P-2", &got));
    assert_int_equal(got.override_colour, TS_COLOUR_YELLOW);
    assert_int_equal(got.override_until, TS_DATE_NONE);

    ts_err err;
    ts__lq_member_set m = {.person = "P-2",
                           .colour = "blue",
                           .since = "2026-11-20",
                           .next_review = "2027-02-18",
                           .override_colour = "blue",
                           .override_until = "2027-01-01",
                           .override_by = "o-t01"};
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts__lq_member_update(fx->s, &m, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_true(get_list(fx, "P-2", &got));
    assert_int_equal(got.colour, TS_COLOUR_BLUE);
    assert_int_equal(got.since, fx_day("2026-11-20"));
    assert_int_equal(got.next_review, fx_day("2027-02-18"));
    assert_int_equal(got.override_colour, TS_COLOUR_BLUE);
    assert_int_equal(got.override_until, fx_day("2027-01-01"));
    assert_string_equal(got.override_by, "o-t01");
    /* columns a review does not set are left alone */
    assert_int_equal(got.engine_colour, TS_COLOUR_RED);
    assert_int_equal(got.score, 75);

    /* a confirm removes the override (NULL columns) */
    m.override_colour = m.override_until = m.override_by = NULL;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts__lq_member_update(fx->s, &m, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_true(get_list(fx, "P-2", &got));
    assert_int_equal(got.override_colour, -1);
    assert_int_equal(got.override_until, TS_DATE_NONE);
    assert_null(got.override_by);

    /* a person the engine never listed: inserted by a raise, engine colour none */
    const char *p3[] = {"P-3"};
    fx_persons(fx, p3, 1, "T01-V01-G01");
    ts__lq_member_set ins = {.person = "P-3",
                             .colour = "red",
                             .since = "2026-11-21",
                             .next_review = "2026-11-28",
                             .override_colour = "red",
                             .override_by = "o-t01"};
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts__lq_member_insert(fx->s, &ins, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_true(get_list(fx, "P-3", &got));
    assert_int_equal(got.colour, TS_COLOUR_RED);
    assert_int_equal(got.engine_colour, TS_COLOUR_NONE);
    assert_int_equal(got.score, 0);
    assert_string_equal(got.reasons, "[]");
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts__lq_member_delete(fx->s, "P-3", &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_false(get_list(fx, "P-3", &got));
}

typedef struct seen {
    char who[8][16];
    char what[8][64];
    int64_t num[8];
    size_t n;
} seen;

static ts_status on_member(void *ud, const ts__lq_member *m, ts_err *err)
{
    (void)err;
    seen *sn = ud;
    if (sn->n == 8)
        return TS_LIMIT;
    snprintf(sn->who[sn->n], sizeof sn->who[0], "%s", m->person);
    snprintf(sn->what[sn->n], sizeof sn->what[0], "%s", m->next_review ? m->next_review : "-");
    sn->n++;
    return TS_OK;
}

static void test_next_review_due(void **state)
{
    store_fx *fx = *state;
    const char *ids[] = {"P-1", "P-2", "P-3", "P-4"};
    fx_persons(fx, ids, 4, "T01-V01-G01");
    const char *reviews[] = {"2026-12-05", "2026-11-20", NULL, "2026-12-01"};
    for (size_t i = 0; i < 4; i++) {
        ts_list_row r = red_row(ids[i]);
        r.next_review = reviews[i] ? fx_day(reviews[i]) : TS_DATE_NONE;
        put_list(fx, &r, 1);
    }
    ts_err err;
    seen sn = {0};
    fx_ok(ts__lq_due(fx->s, "2026-12-01", NULL, on_member, &sn, &err), &err);
    /* due on or before now, by next_review; no date = never due */
    assert_int_equal(sn.n, 2);
    assert_string_equal(sn.who[0], "P-2");
    assert_string_equal(sn.what[0], "2026-11-20");
    assert_string_equal(sn.who[1], "P-4");
    assert_string_equal(sn.what[1], "2026-12-01");
    /* the scope is the exact list of cells (a JSON array): another cell sees none, the
     * persons' own cell sees them all */
    memset(&sn, 0, sizeof sn);
    fx_ok(ts__lq_due(fx->s, "2026-12-31", "[\"T01-V02\",\"T01-V02-G01\"]", on_member, &sn, &err),
          &err);
    assert_int_equal(sn.n, 0);
    memset(&sn, 0, sizeof sn);
    fx_ok(ts__lq_due(fx->s, "2026-12-31", "[\"T01-V01-G01\"]", on_member, &sn, &err), &err);
    assert_int_equal(sn.n, 3);
}

static ts_status on_transition(void *ud, const ts__lq_transition *t, ts_err *err)
{
    (void)err;
    seen *sn = ud;
    if (sn->n == 8)
        return TS_LIMIT;
    snprintf(sn->who[sn->n], sizeof sn->who[0], "%s", t->actor);
    snprintf(sn->what[sn->n], sizeof sn->what[0], "%s>%s %s %s", t->from ? t->from : "-",
             t->to ? t->to : "-", t->at, t->reasons);
    sn->num[sn->n] = t->run * 1000 + t->score;
    sn->n++;
    return TS_OK;
}

static void test_transitions(void **state)
{
    store_fx *fx = *state;
    const char *ids[] = {"P-1", "P-2"};
    fx_persons(fx, ids, 2, "T01-V01-G01");
    ts_err err;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    const ts_transition_put tr[] = {
        {"P-1", 3, TS_COLOUR_NONE, TS_COLOUR_YELLOW, 45, "[{\"id\":\"r.score\"}]", "2026-11-01",
         "engine"},
        {"P-2", 3, TS_COLOUR_NONE, TS_COLOUR_BLUE, 20, NULL, "2026-11-01", "engine"},
        {"P-1", 4, TS_COLOUR_YELLOW, TS_COLOUR_RED, 80, "[]", "2026-11-08", "engine"},
    };
    fx_ok(ts_store_put_transitions(fx->s, tr, 3, &err), &err);
    const ts_transition_put human = {"P-1", 0,    TS_COLOUR_RED, TS_COLOUR_NONE,
                                     80,    "[]", "2026-11-09",  "o-t01-v01-g01"};
    fx_ok(ts_store_put_transition(fx->s, &human, &err), &err);
    fx_ok(ts__lq_transition_add(fx->s, "P-1", NULL, "blue", 10, "[]", "2026-11-10", "o-t01", &err),
          &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);

    seen sn = {0};
    fx_ok(ts__lq_transitions_of(fx->s, "P-1", on_transition, &sn, &err), &err);
    assert_int_equal(sn.n, 4); /* P-2's is not among them; in insertion order */
    assert_string_equal(sn.what[0], "->yellow 2026-11-01 [{\"id\":\"r.score\"}]");
    assert_string_equal(sn.who[0], "engine");
    assert_int_equal(sn.num[0], 3045);
    assert_string_equal(sn.what[1], "yellow>red 2026-11-08 []");
    assert_int_equal(sn.num[1], 4080);
    assert_string_equal(sn.what[2], "red>- 2026-11-09 []");
    assert_string_equal(sn.who[2], "o-t01-v01-g01");
    assert_int_equal(sn.num[2], 80); /* run 0: a human action */
    assert_string_equal(sn.what[3], "->blue 2026-11-10 []");
    assert_string_equal(sn.who[3], "o-t01");
    assert_int_equal(sn.num[3], 10);

    memset(&sn, 0, sizeof sn);
    fx_ok(ts__lq_transitions_of(fx->s, "P-2", on_transition, &sn, &err), &err);
    assert_int_equal(sn.n, 1);
    assert_string_equal(sn.what[0], "->blue 2026-11-01 []"); /* NULL reasons = [] */

    /* a callback's status stops the query and is returned */
    sn.n = 8;
    assert_int_equal(ts__lq_transitions_of(fx->s, "P-1", on_transition, &sn, &err), TS_LIMIT);
}

/* 35 transitions in one call (two statements of 16 and three single ones) are stored
 * as 35 single calls would be: in order, every column bound to its own row. */
static void test_transitions_batched(void **state)
{
    store_fx *fx = *state;
    const char *ids[] = {"P-1", "P-2"};
    fx_persons(fx, ids, 2, "T01-V01-G01");
    ts_transition_put tr[35];
    char at[35][11];
    for (int i = 0; i < 35; i++) {
        snprintf(at[i], sizeof at[i], "2026-11-%02d", 1 + i % 28);
        tr[i] = (ts_transition_put){.person = i % 5 ? "P-2" : "P-1",
                                    .run = 1 + i,
                                    .from = i % 4,
                                    .to = (i + 1) % 4,
                                    .score = i,
                                    .reasons_json = i % 2 ? "[]" : NULL,
                                    .at = at[i],
                                    .actor = "engine"};
    }
    ts_err err;
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_transitions(fx->s, tr, 35, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    seen sn = {0};
    fx_ok(ts__lq_transitions_of(fx->s, "P-1", on_transition, &sn, &err), &err);
    assert_int_equal(sn.n, 7);
    for (int k = 0; k < 7; k++) {
        int i = 5 * k;
        assert_int_equal(sn.num[k], (1 + i) * 1000 + i);
        char want[512];
        snprintf(want, sizeof want, "%s>%s %s []", i % 4 ? ts_colour_name(i % 4) : "-",
                 (i + 1) % 4 ? ts_colour_name((i + 1) % 4) : "-", at[i]);
        assert_string_equal(sn.what[k], want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_row_roundtrip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_list_row_off_and_override, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_next_review_due, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_transitions, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_transitions_batched, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
