/* tests/unit/lists/test_redact.c — per-reader rendering of stored evidence parts and
 * headline circles (lists/redact.h, issue 12 A1): the unscoped reader gets the stored
 * text, a scoped one "a relative outside your scope" or "(withheld)", never an
 * out-of-scope id, name or cell, and never the stored parts or members. Uses the sample
 * grid (samples/grid.yaml). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "triscreen/grid.h"
#include "triscreen/store.h"
#include "lists/redact.h"

static const char reasons[] =
    "[{\"id\":\"circle.family_problem\",\"evidence\":\"P-9 (spouse) is red; see P-1\","
    "\"parts\":[{\"member\":\"P-9\",\"relation\":\"spouse\",\"grid\":\"T02-V01-G01\","
    "\"text\":\"P-9\"},\" (spouse) is red; see \",{\"member\":\"P-1\",\"relation\":"
    "\"family\",\"grid\":\"T01-V01-G02\",\"text\":\"P-1\"}]},"
    "{\"id\":\"plain\",\"evidence\":\"no member\"}]";

static const char headline[] =
    "{\"colour\":\"red\",\"score\":80,\"top_reasons\":[{\"id\":\"r\",\"evidence\":\"P-9\","
    "\"parts\":[{\"member\":\"P-9\",\"relation\":\"spouse\",\"grid\":\"T02-V01-G01\","
    "\"text\":\"P-9\"}]}],\"circle\":{\"size\":3,\"red\":1,\"yellow\":1,\"blue\":0,"
    "\"listed\":[{\"person\":\"P-1\",\"relation\":\"family\",\"colour\":\"yellow\"},"
    "{\"person\":\"P-9\",\"relation\":\"spouse\",\"colour\":\"red\"}],\"members\":["
    "{\"person\":\"P-1\",\"relation\":\"family\",\"colour\":\"yellow\",\"grid\":\"T01-V01-G02\"},"
    "{\"person\":\"P-9\",\"relation\":\"spouse\",\"colour\":\"red\",\"grid\":\"T02-V01-G01\"},"
    "{\"person\":\"P-5\",\"relation\":\"neighbour\",\"colour\":null,\"grid\":null}]},"
    "\"next_review\":\"2026-12-02\"}";

typedef struct fx {
    ts_grid *g;
    const ts_cell *t01;
    ts_reader rd;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char path[512];
    snprintf(path, sizeof path, "%s/samples/grid.yaml", getenv("TS_SOURCE_DIR"));
    ts_err err;
    assert_int_equal(ts_grid_load(path, &f->g, &err), TS_OK);
    assert_int_equal(ts_grid_scope(f->g, "T01", &f->t01, &err), TS_OK);
    f->rd = (ts_reader){.grid = f->g, .cells = &f->t01, .n_cells = 1, .reveal = TS_REVEAL_COUNT};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ts_grid_free(f->g);
    free(f);
    return 0;
}

static char *text_of(json_object *o)
{
    char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return s;
}

static void test_sees(void **state)
{
    fx *f = *state;
    assert_true(ts_reader_sees(NULL, "T02-V01-G01"));
    assert_true(ts_reader_sees(&f->rd, "T01-V01-G02"));
    assert_false(ts_reader_sees(&f->rd, "T02-V01-G01"));
    assert_false(ts_reader_sees(&f->rd, NULL));
    assert_false(ts_reader_sees(&f->rd, "NOWHERE"));
}

static void test_reasons_unscoped(void **state)
{
    (void)state;
    char *s = text_of(ts__redact_reasons_text(reasons, NULL));
    assert_string_equal(s, "[{\"id\":\"circle.family_problem\",\"evidence\":\"P-9 (spouse) is "
                           "red; see P-1\"},{\"id\":\"plain\",\"evidence\":\"no member\"}]");
    free(s);
}

static void test_reasons_count(void **state)
{
    fx *f = *state;
    char *s = text_of(ts__redact_reasons_text(reasons, &f->rd));
    assert_string_equal(s, "[{\"id\":\"circle.family_problem\",\"evidence\":\"a relative outside "
                           "your scope (spouse) is red; see P-1\"},{\"id\":\"plain\","
                           "\"evidence\":\"no member\"}]");
    free(s);
}

static void test_reasons_none(void **state)
{
    fx *f = *state;
    f->rd.reveal = TS_REVEAL_NONE;
    char *s = text_of(ts__redact_reasons_text(reasons, &f->rd));
    f->rd.reveal = TS_REVEAL_COUNT;
    assert_string_equal(s, "[{\"id\":\"circle.family_problem\",\"evidence\":\"(withheld)\"},"
                           "{\"id\":\"plain\",\"evidence\":\"no member\"}]");
    free(s);
}

static void test_headline(void **state)
{
    fx *f = *state;
    char *plain = text_of(ts__redact_headline_text(headline, NULL));
    assert_non_null(strstr(plain, "\"listed\":[{\"person\":\"P-1\""));
    assert_non_null(strstr(plain, "\"size\":3"));
    assert_null(strstr(plain, "members"));
    assert_null(strstr(plain, "parts"));
    free(plain);

    char *s = text_of(ts__redact_headline_text(headline, &f->rd));
    assert_null(strstr(s, "P-9"));
    assert_null(strstr(s, "P-5"));
    assert_null(strstr(s, "T02"));
    assert_null(strstr(s, "members"));
    assert_non_null(strstr(s, "\"circle\":{\"size\":1,\"red\":0,\"yellow\":1,\"blue\":0,"
                              "\"listed\":[{\"person\":\"P-1\",\"relation\":\"family\","
                              "\"colour\":\"yellow\"}],\"outside_scope\":{\"relatives\":2,"
                              "\"highest\":\"red\"}}"));
    assert_non_null(strstr(s, "\"evidence\":\"a relative outside your scope\""));
    free(s);

    f->rd.reveal = TS_REVEAL_NONE;
    s = text_of(ts__redact_headline_text(headline, &f->rd));
    f->rd.reveal = TS_REVEAL_COUNT;
    assert_null(strstr(s, "outside"));
    assert_null(strstr(s, "P-9"));
    free(s);

    /* a headline stored before members were kept shows a scoped reader no circle */
    s = text_of(ts__redact_headline_text(
        "{\"circle\":{\"size\":1,\"listed\":[{\"person\":\"P-9\"}]}}", &f->rd));
    assert_string_equal(s, "{\"circle\":null}");
    free(s);
    /* and its evidence is withheld from a scoped reader, whatever it says */
    static const char legacy[] = "{\"top_reasons\":[{\"id\":\"r\",\"evidence\":\"P-9 is red\"}],"
                                 "\"circle\":{\"size\":1}}";
    s = text_of(ts__redact_headline_text(legacy, &f->rd));
    assert_null(strstr(s, "P-9"));
    assert_non_null(strstr(s, "(withheld)"));
    free(s);
    s = text_of(
        ts__redact_alert_rules("[{\"id\":\"r\",\"evidence\":\"P-9 is red\"}]", legacy, &f->rd));
    assert_string_equal(s, "[{\"id\":\"r\",\"evidence\":\"(withheld)\"}]");
    free(s);
    s = text_of(
        ts__redact_alert_rules("[{\"id\":\"r\",\"evidence\":\"P-9 is red\"}]", legacy, NULL));
    assert_string_equal(s, "[{\"id\":\"r\",\"evidence\":\"P-9 is red\"}]");
    free(s);
}

/* The typed side renders the same evidence from the parsed parts. */
static void test_typed(void **state)
{
    fx *f = *state;
    ts_arena a;
    ts_arena_init(&a, 0);
    const ts_reason *v = NULL;
    size_t n = 0;
    assert_int_equal(ts__redact_reasons_typed(reasons, NULL, false, &a, &v, &n), TS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].evidence, "P-9 (spouse) is red; see P-1");
    assert_int_equal(ts__redact_reasons_typed(reasons, &f->rd, false, &a, &v, &n), TS_OK);
    assert_string_equal(v[0].id, "circle.family_problem");
    assert_string_equal(v[0].evidence, TS_REDACT_OUTSIDE " (spouse) is red; see P-1");
    assert_string_equal(v[1].evidence, "no member");
    ts_reader none = f->rd;
    none.reveal = TS_REVEAL_NONE;
    assert_int_equal(ts__redact_reasons_typed(reasons, &none, false, &a, &v, &n), TS_OK);
    assert_string_equal(v[0].evidence, TS_REDACT_WITHHELD);
    assert_string_equal(v[1].evidence, "no member");
    /* a legacy detailed headline withholds every evidence from a scoped reader */
    static const char legacy[] = "{\"circle\":{\"size\":1}}";
    assert_int_equal(ts__redact_alert_rules_typed(reasons, legacy, &f->rd, &a, &v, &n), TS_OK);
    assert_string_equal(v[1].evidence, TS_REDACT_WITHHELD);
    assert_int_equal(ts__redact_alert_rules_typed(reasons, legacy, NULL, &a, &v, &n), TS_OK);
    assert_string_equal(v[1].evidence, "no member");
    /* ids of both stored shapes; unreadable text gives none */
    const char *const *ids = NULL;
    assert_int_equal(ts__reason_ids("[\"g.a\",{\"id\":\"g.b\"},{\"x\":1},7]", &a, &ids, &n), TS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ids[1], "g.b");
    assert_int_equal(ts__reason_ids("not json", &a, &ids, &n), TS_OK);
    assert_int_equal(n, 0);
    /* the headline text for the reader: no members, no unseen person */
    const char *h = NULL;
    assert_int_equal(ts__redact_headline_json(headline, &f->rd, &a, &h), TS_OK);
    assert_non_null(h);
    assert_null(strstr(h, "members"));
    assert_null(strstr(h, "P-9"));
    assert_int_equal(ts__redact_headline_json(NULL, &f->rd, &a, &h), TS_OK);
    assert_null(h);
    ts_arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sees),          cmocka_unit_test(test_reasons_unscoped),
        cmocka_unit_test(test_reasons_count), cmocka_unit_test(test_reasons_none),
        cmocka_unit_test(test_headline),      cmocka_unit_test(test_typed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
