/* tests/unit/rulehost/rh_fixture.h — shared helpers of the rule host tests: packs
 * written to temp folders, a sample person, problem collection. */
#ifndef TS_TEST_RH_FIXTURE_H
#define TS_TEST_RH_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/date.h"
#include "triscreen/rulehost.h"
#include "base/limits.h"

#define FX_BUDGET 100000u
#define FX_MEMORY (16u << 20)

/* The path of packs/NAME beside these tests ($TS_SOURCE_DIR, else this file's folder);
 * a static buffer, valid until the next call. */
static inline char *fx_pack_path(const char *name)
{
    static char buf[1024];
    const char *src = getenv("TS_SOURCE_DIR");
    if (src)
        snprintf(buf, sizeof buf, "%s/tests/unit/rulehost/packs/%s", src, name);
    else {
        snprintf(buf, sizeof buf, "%s", __FILE__);
        char *slash = strrchr(buf, '/');
        snprintf(slash ? slash + 1 : buf, sizeof buf - (size_t)(slash ? slash + 1 - buf : 0),
                 "packs/%s", name);
    }
    return buf;
}

/* Monotonic seconds, for "did not hang" bounds only (never a speed assertion). */
static inline double fx_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One rule's expected outcome: its error code (TS_OK: any code) and a text its message
 * must hold (NULL: any). */
typedef struct fx_expect {
    const char *id;
    ts_status code;
    const char *msg_has;
} fx_expect;

typedef struct fx_problems {
    int n;
    char text[4096];
} fx_problems;

static void fx_on_problem(void *ud, const char *where, const char *msg)
{
    fx_problems *p = ud;
    size_t used = strlen(p->text);
    snprintf(p->text + used, sizeof p->text - used, "%s: %s\n", where, msg);
    p->n++;
}

/* Writes files (name, text pairs; NULL-terminated) into a fresh temp folder. */
static char *fx_pack_dir(const char *const *files)
{
    char tmpl[] = "/tmp/ts_rh_XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    dir = strdup(dir);
    for (size_t i = 0; files[i]; i += 2) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(files[i + 1], f);
        fclose(f);
    }
    return dir;
}

static void fx_rm_dir(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static ts_status fx_load(const char *dir, ts_rulepack **out, fx_problems *pr)
{
    /* the per-person deadline is tested on its own (test_limits.c); here it would trip
     * on a loaded machine before the rules these tests look at have run */
    ts_rulehost_opts o = {.instructions = FX_BUDGET,
                          .memory_bytes = FX_MEMORY,
                          .ms_per_person = TS_LIMIT_RULE_MS_PER_PERSON_MAX};
    ts_err err;
    memset(pr, 0, sizeof *pr);
    return ts_rulepack_load(dir, &o, fx_on_problem, pr, out, &err);
}

/* Loads a one-file pack from text; fails the test on problems. */
static ts_rulepack *fx_pack1(const char *text, char **dir_out)
{
    const char *files[] = {"10_rules.lua", text, NULL};
    char *dir = fx_pack_dir(files);
    ts_rulepack *pack = NULL;
    fx_problems pr;
    ts_status st = fx_load(dir, &pack, &pr);
    if (st != TS_OK)
        fprintf(stderr, "problems:\n%s", pr.text);
    assert_int_equal(st, TS_OK);
    *dir_out = dir;
    return pack;
}

/* A sample person: P-1, two categories, attrs, three events, notes. */
typedef struct fx_person {
    ts_person p;
    const char *cats[2];
    ts_attr attrs[4];
    ts_event events[4];
    ts_relation rels[1];
} fx_person;

static void fx_person_init(fx_person *x, const char *id)
{
    memset(x, 0, sizeof *x);
    x->p.id = id;
    x->p.name = "Li Ming";
    x->p.grid = "T01-V01-G01";
    x->p.notes = "he threatened to take revenge on the neighbour";
    x->p.born = ts_date_from_civil(1990, 4, 12);
    x->cats[0] = "community_correction";
    x->cats[1] = "dispute_party";
    x->p.categories = x->cats;
    x->p.n_categories = 2;
    /* sorted by name */
    x->attrs[0] = (ts_attr){.name = "contact_officer", .type = TS_ATTR_STR, .str = "o-1"};
    x->attrs[1] = (ts_attr){.name = "employed", .type = TS_ATTR_BOOL, .b = false};
    x->attrs[2] = (ts_attr){.name = "missed_checkins_30d", .type = TS_ATTR_NUM, .num = 2};
    x->attrs[3] = (ts_attr){.name = "open_disputes", .type = TS_ATTR_NUM, .num = 1.5};
    x->p.attrs = x->attrs;
    x->p.n_attrs = 4;
    x->events[0] = (ts_event){"checkin_missed", ts_date_from_civil(2026, 11, 2), ""};
    x->events[1] = (ts_event){"dispute_filed", ts_date_from_civil(2026, 10, 20), "boundary"};
    x->events[2] = (ts_event){"checkin_missed", ts_date_from_civil(2026, 11, 20), "again"};
    x->events[3] = (ts_event){"home_visit", ts_date_from_civil(2025, 1, 5), ""};
    x->p.events = x->events;
    x->p.n_events = 4;
    x->rels[0] = (ts_relation){"P-2", "family"};
    x->p.relations = x->rels;
    x->p.n_relations = 1;
}

static ts_eval_ctx fx_ctx(ts_pass pass)
{
    ts_eval_ctx c = {.now = ts_date_from_civil(2026, 11, 24), .pass = pass, .scope = "T01"};
    return c;
}

static ts_subject fx_subject(const fx_person *x)
{
    ts_subject s = {.person = &x->p,
                    .village = "T01-V01",
                    .town = "T01",
                    .colour = TS_COLOUR_YELLOW,
                    .suspect = true};
    return s;
}

static const ts_fired *fx_fired(const ts_rulepack *pack, const ts_eval_result *r, const char *id)
{
    long idx = ts_rulepack_find(pack, id);
    assert_true(idx >= 0);
    for (size_t i = 0; i < r->n_fired; i++)
        if (r->fired[i].rule == (uint32_t)idx)
            return &r->fired[i];
    return NULL;
}

static const ts_rule_error *fx_error(const ts_rulepack *pack, const ts_eval_result *r,
                                     const char *id)
{
    long idx = ts_rulepack_find(pack, id);
    assert_true(idx >= 0);
    for (size_t i = 0; i < r->n_errors; i++)
        if (r->errors[i].rule == (uint32_t)idx)
            return &r->errors[i];
    return NULL;
}

#endif
