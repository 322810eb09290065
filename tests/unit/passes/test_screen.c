/* tests/unit/passes/test_screen.c — ts_screen_run over a tiny population with a tiny
 * rule pack in a temporary directory: the full pass writes one ledger row per person and
 * marks suspects; the regional pass lists by vote (red) and by score against the
 * thresholds (yellow); a person who is not suspect stays off the lists. */
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

#include "triscreen/config.h"
#include "triscreen/date.h"
#include "triscreen/grid.h"
#include "triscreen/rulehost.h"
#include "triscreen/screen.h"
#include "triscreen/store.h"

static void ok(ts_status rc, const ts_err *err)
{
    if (rc != TS_OK)
        fail_msg("%s: %s: %s", ts_status_name(rc), err->where, err->msg);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *pack_lua =
    "rule { id = 'f.any', pass = 'full', title = 'suspect unless P-N',\n"
    "       when = function(p) return p.id ~= 'P-N', 'id ' .. p.id end }\n"
    "rule { id = 'r.red', pass = 'regional', title = 'votes red', list = 'red',\n"
    "       when = function(p) return p.id == 'P-R', 'red vote' end }\n"
    "rule { id = 'r.score', pass = 'regional', title = 'scores 40', score = 40,\n"
    "       when = function(p) return p.id == 'P-Y', 'score 40' end }\n";

static int colour_of(ts_store *s, const char *id)
{
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_list_row row;
    bool found = false;
    ts_err err;
    ok(ts_store_list_get(s, id, &a, &row, &found, &err), &err);
    int c = found ? row.colour : TS_COLOUR_NONE;
    ts_arena_release(&a);
    return c;
}

static void test_full_and_regional(void **state)
{
    (void)state;
    char dir[64] = "/tmp/ts_passes_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char rules[128], path[160], db[128], cp[128], text[1024];
    snprintf(rules, sizeof rules, "%s/rules", dir);
    assert_int_equal(mkdir(rules, 0700), 0);
    snprintf(path, sizeof path, "%s/10_pack.lua", rules);
    write_file(path, pack_lua);
    const char *src = getenv("TS_SOURCE_DIR");
    snprintf(text, sizeof text,
             "database: t.db\ngrid: %s/tests/unit/grid/data/grid.yaml\nrules: rules\n"
             "thresholds: {red: 70, yellow: 40, blue: 20}\n",
             src ? src : ".");
    snprintf(cp, sizeof cp, "%s/triscreen.yaml", dir);
    write_file(cp, text);
    snprintf(db, sizeof db, "%s/t.db", dir);

    ts_err err;
    ts_config *cfg = NULL;
    ts_grid *grid = NULL;
    ts_store *s = NULL;
    ts_rulepack *pack = NULL;
    ok(ts_config_load(cp, &cfg, &err), &err);
    ok(ts_grid_load(cfg->grid, &grid, &err), &err);
    ok(ts_store_open(db, TS_STORE_READWRITE, &s, &err), &err);
    ok(ts_store_put_grid(s, grid, &err), &err);
    ts_rulehost_opts ro = {0};
    ok(ts_rulepack_load(rules, &ro, NULL, NULL, &pack, &err), &err);

    const char *ids[] = {"P-N", "P-R", "P-Y"};
    ts_arena a;
    ts_arena_init(&a, 0);
    ok(ts_store_begin(s, &err), &err);
    for (size_t i = 0; i < 3; i++) {
        ts_person p = {
            .id = ids[i], .name = "", .grid = "T01-V01-G01", .notes = "", .born = TS_DATE_NONE};
        ts_upsert res;
        uint32_t *idx;
        size_t n;
        ok(ts_store_put_person(s, &p, &a, &res, &idx, &n, &err), &err);
    }
    ok(ts_store_commit(s, &err), &err);
    ts_arena_release(&a);

    ts_screen_opts o = {.cfg = cfg,
                        .grid = grid,
                        .pack = pack,
                        .passes = TS_PASS_BIT(TS_PASS_FULL) | TS_PASS_BIT(TS_PASS_REGIONAL),
                        .now = ts_date_from_civil(2026, 12, 1),
                        .threads = 1};
    ts_screen_result r;
    ok(ts_screen_run(s, db, &o, &r, &err), &err);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.pass[0].pass, TS_PASS_FULL);
    assert_int_equal(r.pass[0].persons, 3);
    assert_int_equal(r.pass[0].suspects, 2);
    assert_int_equal(r.pass[0].rule_errors, 0);
    assert_int_equal(r.pass[1].pass, TS_PASS_REGIONAL);
    assert_int_equal(r.pass[1].persons, 2); /* the suspects only */
    assert_int_equal(r.pass[1].lists[TS_COLOUR_RED], 1);
    assert_int_equal(r.pass[1].lists[TS_COLOUR_YELLOW], 1);
    assert_int_equal(r.pass[1].entered, 2);

    /* the full run's ledger holds one row per person: sequence numbers 1..3 */
    int64_t next = -1;
    ok(ts_store_ledger_next_seq(s, r.pass[0].run, &next, &err), &err);
    assert_int_equal(next, 4);
    int suspect = -2;
    /* a person never found suspect has no mark row (-1), never a suspect mark */
    ok(ts_store_get_mark(s, "P-N", &suspect, &err), &err);
    assert_int_not_equal(suspect, 1);
    ok(ts_store_get_mark(s, "P-R", &suspect, &err), &err);
    assert_int_equal(suspect, 1);

    assert_int_equal(colour_of(s, "P-R"), TS_COLOUR_RED);
    assert_int_equal(colour_of(s, "P-Y"), TS_COLOUR_YELLOW);
    assert_int_equal(colour_of(s, "P-N"), TS_COLOUR_NONE);

    ts_screen_result_release(&r);
    ts_rulepack_free(pack);
    ts_store_close(s);
    ts_grid_free(grid);
    ts_config_free(cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_and_regional),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
