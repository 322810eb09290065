/* tests/unit/app/test_app.c — the app tier (triscreen/app.h) on a temporary county
 * (config + the sample grid + the default rules, a :memory: or a file database): each
 * combination of parts, the order in which `now` is resolved (flag > config > today)
 * and a bad --now, config and grid errors as TS_CONFIG naming file and line, a pack
 * without a rule for a pass, a scope, and one service generation. Run under ASan, every
 * close is checked for leaks. Needs TS_SOURCE_DIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "triscreen/app.h"
#include "triscreen/date.h"

static char g_dir[64];
static char g_home[4096];

/* Writes NAME in the county with the given text. */
static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    (void)state;
    const char *src = getenv("TS_SOURCE_DIR");
    if (!src || !getcwd(g_home, sizeof g_home))
        return -1;
    strcpy(g_dir, "/tmp/ts_app_XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cp '%s/samples/grid.yaml' '%s/' && cp -r '%s/rules' '%s/rules' && "
             "mkdir '%s/onepass' && cp '%s/rules/10_full.lua' '%s/onepass/'",
             src, g_dir, src, g_dir, g_dir, src, g_dir);
    if (system(cmd) != 0)
        return -1;
    /* relative paths: the config's directory is "." and ":memory:" reaches SQLite as is */
    if (chdir(g_dir) != 0)
        return -1;
    write_file("mem.yaml", "database: ':memory:'\ngrid: grid.yaml\nrules: rules\n"
                           "now: 2026-11-25\n");
    write_file("file.yaml", "database: county.db\ngrid: grid.yaml\nrules: rules\n");
    write_file("onepass.yaml", "database: ':memory:'\ngrid: grid.yaml\nrules: onepass\n");
    write_file("bad.yaml", "database: ':memory:'\ngrid: grid.yaml\n\nworkrs: 2\n");
    write_file("badgrid.yaml", "database: ':memory:'\ngrid: g2.yaml\n");
    write_file("g2.yaml", "county: x\n\n\ntowns: 3\n");
    write_file("broken.yaml", "database: ':memory:'\ngrid: grid.yaml\nrules: broken\n");
    if (system("mkdir broken") != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (chdir(g_home) != 0)
        return -1;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static ts_app *open_ok(const ts_app_opts *o)
{
    ts_app *app = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_app_open(o, &app, &err);
    if (rc != TS_OK)
        fail_msg("ts_app_open: %s: %s: %s", ts_status_name(rc), err.where, err.msg);
    assert_non_null(app);
    return app;
}

static int32_t day(const char *s)
{
    int32_t d;
    assert_true(ts_date_parse(s, strlen(s), &d));
    return d;
}

static void test_config_only(void **state)
{
    (void)state;
    ts_app_opts o = {.config_path = "mem.yaml"};
    ts_app *app = open_ok(&o);
    assert_non_null(ts_app_config(app));
    assert_string_equal(ts_app_config(app)->rules, "rules");
    assert_null(ts_app_grid(app));
    assert_null(ts_app_pack(app));
    assert_null(ts_app_store(app));
    assert_null(ts_app_feedback(app));
    assert_null(ts_app_scope(app));
    assert_int_equal(ts_app_now(app), day("2026-11-25"));
    assert_string_equal(ts_app_now_text(app), "2026-11-25");
    ts_app_close(app);
    ts_app_close(NULL);
}

static void test_every_part_memory(void **state)
{
    (void)state;
    ts_app_opts o = {.config_path = "mem.yaml",
                     .parts = TS_APP_GRID | TS_APP_PACK | TS_APP_STORE_WRITE | TS_APP_FEEDBACK,
                     .pack_passes = TS_PASS_ALL,
                     .scope = "T01-V01"};
    ts_app *app = open_ok(&o);
    assert_non_null(ts_app_grid(app));
    assert_true(ts_grid_count(ts_app_grid(app)) > 3);
    assert_non_null(ts_app_pack(app));
    assert_true(ts_rulepack_count_pass(ts_app_pack(app), TS_PASS_TARGETED) > 0);
    assert_non_null(ts_app_store(app));
    assert_non_null(ts_app_feedback(app));
    assert_non_null(ts_app_scope(app));
    assert_string_equal(ts_app_scope(app)->code, "T01-V01");
    /* the store is usable: the grid goes in, the schema is current */
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_store_put_grid(ts_app_store(app), ts_app_grid(app), &err), TS_OK);
    assert_true(ts_store_schema_version(ts_app_store(app)) > 0);
    ts_app_close(app);
}

static void test_feedback_and_scope_imply_grid(void **state)
{
    (void)state;
    ts_app_opts o = {.config_path = "mem.yaml", .parts = TS_APP_STORE_WRITE | TS_APP_FEEDBACK};
    ts_app *app = open_ok(&o);
    assert_non_null(ts_app_grid(app));
    assert_non_null(ts_app_feedback(app));
    assert_null(ts_app_pack(app));
    ts_app_close(app);
    ts_app_opts s = {.config_path = "mem.yaml", .scope = "T02"};
    app = open_ok(&s);
    assert_non_null(ts_app_grid(app));
    assert_string_equal(ts_app_scope(app)->code, "T02");
    assert_null(ts_app_store(app));
    ts_app_close(app);
}

static void test_store_file_modes(void **state)
{
    (void)state;
    unlink("county.db");
    ts_err err;
    ts_err_clear(&err);
    ts_app *app = NULL;
    /* read-only needs an existing database: nothing is created, nothing stays open */
    ts_app_opts ro = {.config_path = "file.yaml", .parts = TS_APP_GRID | TS_APP_STORE_READ};
    assert_int_not_equal(ts_app_open(&ro, &app, &err), TS_OK);
    assert_null(app);
    assert_int_not_equal(access("county.db", F_OK), 0);
    /* read-write creates it; then read-only opens it */
    ts_app_opts rw = {.config_path = "file.yaml", .parts = TS_APP_STORE_WRITE};
    app = open_ok(&rw);
    assert_null(ts_app_grid(app));
    assert_non_null(ts_app_store(app));
    ts_app_close(app);
    assert_int_equal(access("county.db", F_OK), 0);
    app = open_ok(&ro);
    assert_non_null(ts_app_store(app));
    ts_app_close(app);
    /* both bits: read-write */
    ts_app_opts both = {.config_path = "file.yaml",
                        .parts = TS_APP_STORE_READ | TS_APP_STORE_WRITE | TS_APP_GRID};
    app = open_ok(&both);
    assert_int_equal(ts_store_put_grid(ts_app_store(app), ts_app_grid(app), &err), TS_OK);
    ts_app_close(app);
}

static void test_now_order(void **state)
{
    (void)state;
    /* flag > config */
    ts_app_opts o = {.config_path = "mem.yaml", .now = "2027-01-31"};
    ts_app *app = open_ok(&o);
    assert_int_equal(ts_app_now(app), day("2027-01-31"));
    assert_string_equal(ts_app_now_text(app), "2027-01-31");
    ts_app_close(app);
    /* config > today */
    ts_app_opts c = {.config_path = "mem.yaml"};
    app = open_ok(&c);
    assert_int_equal(ts_app_now(app), day("2026-11-25"));
    ts_app_close(app);
    /* no flag, no now: in the config: today (read around the call, for midnight) */
    ts_app_opts t = {.config_path = "file.yaml"};
    int32_t before = ts_date_today();
    app = open_ok(&t);
    int32_t after = ts_date_today();
    assert_true(ts_app_now(app) >= before && ts_app_now(app) <= after);
    ts_app_close(app);
    /* the function itself */
    int32_t d = 0;
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_app_resolve_now("2026-02-28", NULL, &d, &err), TS_OK);
    assert_int_equal(d, day("2026-02-28"));
    before = ts_date_today();
    assert_int_equal(ts_app_resolve_now(NULL, NULL, &d, &err), TS_OK);
    assert_true(d >= before && d <= ts_date_today());
}

static void test_bad_now(void **state)
{
    (void)state;
    const char *bad[] = {"2026-02-30", "tomorrow", "2026-1-5", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ts_err err;
        ts_err_clear(&err);
        int32_t d = 7;
        assert_int_equal(ts_app_resolve_now(bad[i], NULL, &d, &err), TS_USAGE);
        assert_int_equal(d, 7); /* outputs only on success */
        assert_string_equal(err.where, "--now");
        char want[64];
        snprintf(want, sizeof want, "'%s' is not a date (YYYY-MM-DD)", bad[i]);
        assert_string_equal(err.msg, want);
        /* the flag is checked before anything is read: even a config that does not
         * exist reports the bad --now */
        ts_app *app = NULL;
        ts_err_clear(&err);
        ts_app_opts o = {.config_path = "nope.yaml", .now = bad[i], .parts = TS_APP_GRID};
        assert_int_equal(ts_app_open(&o, &app, &err), TS_USAGE);
        assert_null(app);
        assert_string_equal(err.where, "--now");
    }
    /* a config's now: that is not a date (only a hand-made config can hold one) */
    ts_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char path[] = "hand.yaml";
    cfg.path = path;
    strcpy(cfg.now, "2026-13-01");
    ts_err err;
    ts_err_clear(&err);
    int32_t d;
    assert_int_equal(ts_app_resolve_now(NULL, &cfg, &d, &err), TS_CONFIG);
    assert_string_equal(err.where, "hand.yaml");
    assert_non_null(strstr(err.msg, "now:"));
    /* a flag overrides even that */
    assert_int_equal(ts_app_resolve_now("2026-12-01", &cfg, &d, &err), TS_OK);
    assert_int_equal(d, day("2026-12-01"));
}

static void test_config_errors(void **state)
{
    (void)state;
    ts_app *app = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_app_opts o = {.config_path = "bad.yaml", .parts = TS_APP_GRID | TS_APP_STORE_WRITE};
    assert_int_equal(ts_app_open(&o, &app, &err), TS_CONFIG);
    assert_null(app);
    assert_int_equal(err.code, TS_CONFIG);
    assert_non_null(strstr(err.where, "bad.yaml:4"));
    assert_non_null(strstr(err.msg, "workrs"));
    /* a config file that is not there */
    ts_app_opts n = {.config_path = "nope.yaml"};
    assert_int_equal(ts_app_open(&n, &app, &err), TS_CONFIG);
    assert_null(app);
    assert_non_null(strstr(err.where, "nope.yaml"));
    /* a grid that does not load: TS_CONFIG naming the grid file and line */
    ts_app_opts g = {.config_path = "badgrid.yaml", .parts = TS_APP_GRID};
    assert_int_equal(ts_app_open(&g, &app, &err), TS_CONFIG);
    assert_null(app);
    assert_non_null(strstr(err.where, "g2.yaml:4"));
    /* ... but a command that does not ask for the grid does not read it */
    ts_app_opts g0 = {.config_path = "badgrid.yaml", .parts = TS_APP_STORE_WRITE};
    app = open_ok(&g0);
    ts_app_close(app);
}

static void test_scope_errors(void **state)
{
    (void)state;
    ts_app *app = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_app_opts o = {.config_path = "mem.yaml", .scope = "T99", .parts = TS_APP_STORE_WRITE};
    assert_int_equal(ts_app_open(&o, &app, &err), TS_USAGE);
    assert_null(app);
    assert_int_equal(err.code, TS_USAGE);
    assert_string_equal(err.where, "scope");
    assert_non_null(strstr(err.msg, "T99"));
}

typedef struct problems {
    unsigned n;
} problems;

static void count_problem(void *ud, const char *where, const char *msg)
{
    ((problems *)ud)->n++;
}

static void test_pack_passes(void **state)
{
    (void)state;
    ts_app *app = NULL;
    ts_err err;
    ts_err_clear(&err);
    /* only a full-pass rule file: every pass asked for → TS_RULE naming the pass */
    ts_app_opts o = {.config_path = "onepass.yaml",
                     .parts = TS_APP_PACK | TS_APP_STORE_WRITE | TS_APP_FEEDBACK,
                     .pack_passes = TS_PASS_ALL};
    assert_int_equal(ts_app_open(&o, &app, &err), TS_RULE);
    assert_null(app);
    assert_non_null(strstr(err.msg, "regional"));
    /* the full pass only: fine; the router knows the pack */
    o.pack_passes = TS_PASS_BIT(TS_PASS_FULL);
    app = open_ok(&o);
    assert_int_equal(ts_rulepack_count_pass(ts_app_pack(app), TS_PASS_REGIONAL), 0);
    assert_non_null(ts_app_feedback(app));
    ts_app_close(app);
    /* no check asked for */
    o.pack_passes = 0;
    app = open_ok(&o);
    ts_app_close(app);
    /* loading problems go to the callback, the first also to err */
    write_file("broken/10_x.lua", "rule { id = 'x', pass = 'full' ");
    ts_app_opts b = {.config_path = "broken.yaml", .parts = TS_APP_PACK};
    problems pr = {0};
    b.on_problem = count_problem;
    b.problem_ud = &pr;
    ts_err_clear(&err);
    app = NULL;
    assert_int_equal(ts_app_open(&b, &app, &err), TS_RULE);
    assert_null(app);
    assert_true(pr.n >= 1);
    assert_non_null(strstr(err.where, "10_x.lua"));
}

static void test_gen_load(void **state)
{
    (void)state;
    ts_app_gen g;
    memset(&g, 0, sizeof g);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_app_gen_load("mem.yaml", &g, &err), TS_OK);
    assert_non_null(g.cfg);
    assert_non_null(g.grid);
    assert_non_null(g.pack);
    assert_string_equal(ts_rulepack_dir(g.pack), "rules");
    ts_app_gen_release(&g);
    assert_null(g.cfg);
    assert_null(g.grid);
    assert_null(g.pack);
    ts_app_gen_release(&g); /* a cleared one */
    ts_app_gen_release(NULL);
    /* a generation needs every pass; on failure the output is untouched */
    ts_app_gen keep = {.cfg = (ts_config *)&keep};
    assert_int_equal(ts_app_gen_load("onepass.yaml", &keep, &err), TS_RULE);
    assert_ptr_equal(keep.cfg, (ts_config *)&keep);
    assert_null(keep.grid);
    assert_int_equal(ts_app_gen_load("bad.yaml", &keep, &err), TS_CONFIG);
    assert_non_null(strstr(err.where, "bad.yaml:4"));
    assert_int_equal(ts_app_gen_load("badgrid.yaml", &keep, &err), TS_CONFIG);
    assert_non_null(strstr(err.where, "g2.yaml"));
    assert_ptr_equal(keep.cfg, (ts_config *)&keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_only),
        cmocka_unit_test(test_every_part_memory),
        cmocka_unit_test(test_feedback_and_scope_imply_grid),
        cmocka_unit_test(test_store_file_modes),
        cmocka_unit_test(test_now_order),
        cmocka_unit_test(test_bad_now),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_scope_errors),
        cmocka_unit_test(test_pack_passes),
        cmocka_unit_test(test_gen_load),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
