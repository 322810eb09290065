/* tests/unit/ingest/test_ingest.c — ts_import_file on small temporary files: one good row
 * among bad rows (invalid JSON, missing id, unknown grid cell, bad date), the counts, the
 * reject lines (file, line, field), re-import (unchanged), and --dry-run (rolled back);
 * many batches through the pipeline written in file order; the WAL bounded during a long
 * import; ts_ingest_check_person, the
 * validation import and HTTP ingest share. */
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
#include <sqlite3.h>

#include "triscreen/buf.h"
#include "render/render_import.h"
#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "triscreen/ingest.h"
#include "triscreen/store.h"

typedef struct fixture {
    char dir[64], path[128];
    ts_config *cfg;
    ts_grid *grid;
    ts_store *s;
} fixture;

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

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    strcpy(fx->dir, "/tmp/ts_ingest_XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    const char *src = getenv("TS_SOURCE_DIR");
    char text[2048], cp[128], db[128];
    snprintf(text, sizeof text,
             "database: t.db\ngrid: %s/tests/unit/grid/data/grid.yaml\n"
             "problem_events: [threat_reported]\n",
             src ? src : ".");
    snprintf(cp, sizeof cp, "%s/triscreen.yaml", fx->dir);
    write_file(cp, text);
    snprintf(db, sizeof db, "%s/t.db", fx->dir);
    snprintf(fx->path, sizeof fx->path, "%s/in.jsonl", fx->dir);
    ts_err err;
    ok(ts_config_load(cp, &fx->cfg, &err), &err);
    ok(ts_grid_load(fx->cfg->grid, &fx->grid, &err), &err);
    ok(ts_store_open(db, TS_STORE_READWRITE, &fx->s, &err), &err);
    ok(ts_store_put_grid(fx->s, fx->grid, &err), &err);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    ts_store_close(fx->s);
    ts_grid_free(fx->grid);
    ts_config_free(fx->cfg);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int r = system(cmd);
    free(fx);
    return r == 0 ? 0 : -1;
}

static const char *rows = "{\"id\":\"P-1\",\"grid\":\"T01-V01-G01\",\"born\":\"1980-01-02\","
                          "\"events\":[{\"type\":\"threat_reported\",\"date\":\"2026-11-20\"}]}\n"
                          "{\"id\":\"P-2\",\"grid\":\n"
                          "{\"grid\":\"T01-V01-G01\"}\n"
                          "{\"id\":\"P-3\",\"grid\":\"T09-V09-G09\"}\n"
                          "{\"id\":\"P-4\",\"grid\":\"T01-V01-G01\",\"born\":\"2026-02-30\"}\n";

/* Imports fx->path; the reject lines land in *rej (malloc'd, NUL-terminated). */
static void collect_reject(void *ud, const ts_import_reject *r)
{
    assert_int_equal(ts__render_reject(ud, r), TS_OK);
}

static ts_import_stats import(fixture *fx, bool dry_run, char **rej)
{
    ts_buf b;
    ts_buf_init(&b, 1 << 20);
    ts_import_opts o = {.on_reject = collect_reject, .ud = &b, .dry_run = dry_run};
    ts_import_stats st = {0};
    ts_err err;
    ok(ts_import_file(fx->s, fx->grid, fx->cfg, fx->path, &o, &st, &err), &err);
    *rej = strdup(ts_buf_str(&b));
    ts_buf_release(&b);
    return st;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_good_and_bad_rows(void **state)
{
    fixture *fx = *state;
    write_file(fx->path, rows);
    char *rej = NULL;
    ts_import_stats st = import(fx, false, &rej);
    assert_int_equal(st.rows, 5);
    assert_int_equal(st.persons_new, 1);
    assert_int_equal(st.rejected, 4);
    assert_int_equal(st.events_new, 1);
    assert_int_equal(st.problem_events, 1);
    assert_int_equal(count_lines(rej), 4);
    /* each reject names the file, its line and (when known) the field */
    assert_non_null(strstr(rej, "in.jsonl"));
    assert_non_null(strstr(rej, "\"line\":2"));
    assert_non_null(strstr(rej, "\"line\":3"));
    assert_non_null(strstr(rej, "\"field\":\"id\""));
    assert_non_null(strstr(rej, "\"line\":4"));
    assert_non_null(strstr(rej, "\"field\":\"grid\""));
    assert_non_null(strstr(rej, "\"line\":5"));
    assert_non_null(strstr(rej, "\"field\":\"born\""));
    free(rej);

    ts_err err;
    ts_store_counts c;
    ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.persons, 1);
    assert_int_equal(c.events, 1);

    /* re-import converges: nothing new, the same rejects */
    st = import(fx, false, &rej);
    assert_int_equal(st.persons_new, 0);
    assert_int_equal(st.persons_unchanged, 1);
    assert_int_equal(st.events_new, 0);
    assert_int_equal(st.rejected, 4);
    free(rej);
}

static void test_dry_run(void **state)
{
    fixture *fx = *state;
    write_file(fx->path, "{\"id\":\"P-9\",\"grid\":\"T01-V02-G01\"}\n");
    char *rej = NULL;
    ts_import_stats st = import(fx, true, &rej);
    assert_int_equal(st.persons_new, 1);
    assert_int_equal(st.rejected, 0);
    assert_string_equal(rej, "");
    free(rej);
    ts_err err;
    ts_store_counts c;
    ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.persons, 0); /* rolled back */
}

static void test_missing_file(void **state)
{
    fixture *fx = *state;
    ts_import_opts o = {0};
    ts_import_stats st = {0};
    ts_err err;
    char p[160];
    snprintf(p, sizeof p, "%s/absent.jsonl", fx->dir);
    assert_int_equal(ts_import_file(fx->s, fx->grid, fx->cfg, p, &o, &st, &err), TS_IO);
    assert_non_null(strstr(err.where, "absent.jsonl"));
}

/* Several batches (TS_LIMIT_IMPORT_BATCH rows each) through the parser threads: the
 * writer sees the rows in file order (the problem-event hook runs on the writer, in
 * order), progress only grows, every row lands. */
typedef struct order_probe {
    long last;
    bool in_order;
    uint64_t done;
    bool progress_grows;
    int calls;
} order_probe;

static ts_status on_event(void *ud, ts_store *s, const ts_person *p, const ts_event *ev,
                          ts_err *err)
{
    (void)s, (void)ev, (void)err;
    order_probe *op = ud;
    long n = strtol(p->id + 2, NULL, 10);
    op->in_order &= n == op->last + 1;
    op->last = n;
    return TS_OK;
}

static void on_progress(void *ud, const char *path, uint64_t done, uint64_t total)
{
    (void)path, (void)total;
    order_probe *op = ud;
    op->progress_grows &= done >= op->done;
    op->done = done;
    op->calls++;
}

#define MANY 12001

static void test_many_batches_in_order(void **state)
{
    fixture *fx = *state;
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    for (long i = 1; i <= MANY; i++)
        fprintf(f,
                "{\"id\":\"P-%06ld\",\"grid\":\"T01-V01-G0%ld\",\"events\":"
                "[{\"type\":\"threat_reported\",\"date\":\"2026-11-20\"}]}\n",
                i, 1 + i % 2);
    fclose(f);
    order_probe op = {.in_order = true, .progress_grows = true};
    ts_import_opts o = {.on_problem_event = on_event, .progress = on_progress, .ud = &op};
    ts_import_stats st = {0};
    ts_err err;
    ok(ts_import_file(fx->s, fx->grid, fx->cfg, fx->path, &o, &st, &err), &err);
    assert_int_equal(st.rows, MANY);
    assert_int_equal(st.persons_new, MANY);
    assert_int_equal(st.problem_events, MANY);
    assert_true(op.in_order);
    assert_int_equal(op.last, MANY);
    assert_true(op.progress_grows);
    assert_true(op.calls >= 3); /* at least three batches */
    ts_store_counts c;
    ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.persons, MANY);
}

/* The WAL stays bounded during a long import: a passive checkpoint beside a writer that
 * commits without pause never copies the whole log, so SQLite never starts it over; the
 * import's checkpointer parks the writer between two transactions and restarts it once
 * it passes 32 MiB. 50,000 rows of 3 KB notes write about 160 MB of pages: without the
 * restart the WAL file (its size is its high-water mark while the connection is open)
 * grows past that, with it it stays within 32 MiB and a few batches. */
#define WAL_ROWS 50000
static void write_noted_rows(const char *path)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    char note[3001];
    for (long i = 1; i <= WAL_ROWS; i++) {
        for (int k = 0; k < 3000; k++) /* varied text: pages do not repeat */
            note[k] = (char)('a' + (i * 7 + k * 13 + k / 7) % 26);
        note[3000] = '\0';
        fprintf(f, "{\"id\":\"P-%06ld\",\"grid\":\"T01-V01-G01\",\"notes\":\"%s\"}\n", i, note);
    }
    fclose(f);
}

static void test_wal_bounded(void **state)
{
    fixture *fx = *state;
    write_noted_rows(fx->path);
    ts_import_opts o = {0};
    ts_import_stats st = {0};
    ts_err err;
    ok(ts_import_file(fx->s, fx->grid, fx->cfg, fx->path, &o, &st, &err), &err);
    assert_int_equal(st.persons_new, WAL_ROWS);
    char wal[160];
    snprintf(wal, sizeof wal, "%s/t.db-wal", fx->dir);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    if (sb.st_size > (off_t)96 << 20)
        fail_msg("the WAL grew to %lld bytes during the import", (long long)sb.st_size);
}

/* A reader on another connection that holds its snapshot through the whole import:
 * every restart of the log fails (it waits for that reader), so the import asks less
 * and less often (after 8, 16, 32 … commits) and completes with every row. */
static void test_wal_reader_held(void **state)
{
    fixture *fx = *state;
    write_noted_rows(fx->path);
    char db[160];
    snprintf(db, sizeof db, "%s/t.db", fx->dir);
    sqlite3 *rd = NULL;
    assert_int_equal(sqlite3_open_v2(db, &rd, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(rd, "BEGIN; SELECT count(*) FROM persons;", NULL, NULL, NULL),
                     SQLITE_OK);
    ts_import_opts o = {0};
    ts_import_stats st = {0};
    ts_err err;
    ok(ts_import_file(fx->s, fx->grid, fx->cfg, fx->path, &o, &st, &err), &err);
    assert_int_equal(st.persons_new, WAL_ROWS);
    assert_int_equal(sqlite3_exec(rd, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(rd);
    ts_store_counts c;
    ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.persons, WAL_ROWS);
}

/* A failing hook stops the import at that row: the batches before it are committed, the
 * failing one is rolled back, its error is returned. */
static ts_status fail_event(void *ud, ts_store *s, const ts_person *p, const ts_event *ev,
                            ts_err *err)
{
    (void)ud, (void)s, (void)ev;
    if (strcmp(p->id, "P-007000") == 0)
        return ts_err_set(err, TS_STATE, p->id, "hook refused");
    return TS_OK;
}

static void test_writer_error_stops(void **state)
{
    fixture *fx = *state;
    FILE *f = fopen(fx->path, "wb");
    assert_non_null(f);
    for (long i = 1; i <= MANY; i++)
        fprintf(f,
                "{\"id\":\"P-%06ld\",\"grid\":\"T01-V01-G01\",\"events\":"
                "[{\"type\":\"threat_reported\",\"date\":\"2026-11-20\"}]}\n",
                i);
    fclose(f);
    ts_import_opts o = {.on_problem_event = fail_event};
    ts_import_stats st = {0};
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_import_file(fx->s, fx->grid, fx->cfg, fx->path, &o, &st, &err), TS_STATE);
    assert_string_equal(err.msg, "hook refused");
    ts_store_counts c;
    ok(ts_store_counts_get(fx->s, &c, &err), &err);
    assert_int_equal(c.persons, 5000); /* the first batch; the second failed */
}

static void test_check_person(void **state)
{
    fixture *fx = *state;
    char cp[160];
    snprintf(cp, sizeof cp, "%s/protected.yaml", fx->dir);
    FILE *f = fopen(cp, "wb");
    assert_non_null(f);
    fprintf(f, "database: t.db\ngrid: %s\nprotected_attributes: [hobby]\n", fx->cfg->grid);
    fclose(f);
    ts_config *cfg = NULL;
    ts_err err;
    ok(ts_config_load(cp, &cfg, &err), &err);
    ts_arena a;
    ts_arena_init(&a, 1u << 20);
    ts_attr attrs[] = {{.name = "hobby", .type = TS_ATTR_BOOL, .b = true}};
    ts_person p = {.id = "P-1", .grid = "T01-V01-G01", .attrs = attrs, .n_attrs = 1};
    const char *field = NULL;
    const ts_cell *cell = NULL;

    assert_null(ts_ingest_check_person(fx->cfg, fx->grid, &p, &a, &field, &cell));
    assert_non_null(cell);
    assert_string_equal(cell->code, "T01-V01-G01");
    assert_string_equal(ts_ingest_check_person(cfg, fx->grid, &p, &a, &field, &cell),
                        TS_INGEST_PROTECTED_REASON);
    assert_string_equal(field, "attrs.hobby");
    p.grid = "T09-V09-G09"; /* the grid is checked first */
    assert_string_equal(ts_ingest_check_person(cfg, fx->grid, &p, &a, &field, NULL),
                        "unknown grid cell");
    assert_string_equal(field, "grid");
    p.grid = "T01-V01";
    assert_string_equal(ts_ingest_check_person(fx->cfg, fx->grid, &p, &a, &field, NULL),
                        "grid cell is not a group (a person belongs to a group cell)");
    assert_string_equal(field, "grid");
    ts_arena_release(&a);
    ts_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_and_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_batches_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_error_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_reader_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_person, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
