/* tests/alloc/test_alloc.c — the allocation-failure loop (issue 13 item 9): the engine
 * is linked with -Wl,--wrap=malloc,calloc,realloc,strdup,strndup, so every allocation
 * the engine (and the static Lua library, whose allocator in rulehost/sandbox.c goes
 * through realloc) makes comes through the wrappers below. For each operation, the Nth
 * allocation fails, for N = 1, 2, ... until a run completes without reaching N. Every
 * run must return TS_OK or a clean error (a status with a message): no crash, no abort,
 * and — under ASan with leak checks (build-san) — no leak. Each operation is then run
 * once more without failures and must succeed, so a failure leaves nothing behind that
 * breaks the next call. The allocations of SQLite, json-c, libyaml and PCRE2 (shared
 * libraries) are not counted: their own failure handling is theirs to test.
 *
 * The operations: the loaders (config, grid, readers, rule pack), the writes (store,
 * import, screen, review, alert, ack/close), the read side on the screened template
 * (each typed query rendered into a ts_buf: lists, ledger, due, the dossier and the
 * alert feed for a scoped reader, alert statistics, the report) and the service's
 * ingest (one service for the loop; its writer and ticker threads count too). Ingest of
 * valid records must fail with TS_NOMEM, never as an invalid record.
 *
 * TS_ALLOC_ONLY=name runs one operation; TS_ALLOC_VERBOSE=1 prints each N. */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "render/render_alerts.h"
#include "render/render_lists.h"
#include "render/render_report.h"
#include "triscreen/arena.h"
#include "triscreen/buf.h"
#include "triscreen/config.h"
#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/grid.h"
#include "triscreen/ingest.h"
#include "triscreen/lists.h"
#include "triscreen/record.h"
#include "triscreen/report.h"
#include "triscreen/rulehost.h"
#include "triscreen/screen.h"
#include "triscreen/service.h"
#include "triscreen/store.h"

/* ---- the wrappers ------------------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static atomic_bool g_armed;
static atomic_long g_count;
static long g_fail_at;
static atomic_bool g_hit;

static bool alloc_fails(void)
{
    if (!atomic_load(&g_armed))
        return false;
    if (atomic_fetch_add(&g_count, 1) + 1 != g_fail_at)
        return false;
    atomic_store(&g_hit, true);
    errno = ENOMEM;
    return true;
}

void *__wrap_malloc(size_t n)
{
    return alloc_fails() ? NULL : __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size)
{
    return alloc_fails() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n)
{
    /* realloc(p, 0) frees (Lua frees through free(), but be safe) */
    if (n != 0 && alloc_fails())
        return NULL;
    return __real_realloc(p, n);
}
char *__wrap_strdup(const char *s)
{
    return alloc_fails() ? NULL : __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n)
{
    return alloc_fails() ? NULL : __real_strndup(s, n);
}

/* ---- the loop ----------------------------------------------------------------------- */

static char g_dir[64];
static bool g_verbose;
static int g_failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static void ok(ts_status rc, const ts_err *err, const char *what)
{
    CHECK(rc == TS_OK, "%s: %s: %s: %s", what, ts_status_name(rc), err->where, err->msg);
}

typedef struct op {
    const char *name;
    void (*prepare)(void); /* unarmed: puts the files the operation starts from in place */
    ts_status (*run)(ts_err *err);
    void (*finish)(void); /* unarmed, after the loop: releases what prepare kept */
} op;

/* Runs op with the Nth allocation failing for every N until it completes without
 * reaching N; returns the number of runs. */
static long fail_loop(const op *o)
{
    long n = 1;
    for (;; n++) {
        if (o->prepare)
            o->prepare();
        ts_err err;
        memset(&err, 0, sizeof err);
        atomic_store(&g_count, 0);
        atomic_store(&g_hit, false);
        g_fail_at = n;
        atomic_store(&g_armed, true);
        ts_status rc = o->run(&err);
        atomic_store(&g_armed, false);
        if (g_verbose)
            fprintf(stderr, "%s N=%ld: %s %s %s\n", o->name, n, ts_status_name(rc), err.where,
                    err.msg);
        if (!atomic_load(&g_hit)) {
            CHECK(rc == TS_OK, "%s: unfailed run N=%ld: %s: %s: %s", o->name, n, ts_status_name(rc),
                  err.where, err.msg);
            break;
        }
        if (rc != TS_OK && err.msg[0] == '\0') {
            fprintf(stderr, "%s: N=%ld: %s without a message\n", o->name, n, ts_status_name(rc));
            g_failures++;
        }
    }
    /* once more, nothing failing: the process is still fine */
    if (o->prepare)
        o->prepare();
    ts_err err;
    ok(o->run(&err), &err, o->name);
    if (o->finish)
        o->finish();
    return n;
}

/* ---- fixtures ----------------------------------------------------------------------- */

static char g_cfg[128], g_rules[128], g_db[128], g_tmpl[128], g_listed[128];
static char g_jsonl[128], g_csv[128], g_yaml[128];
static char g_grid[1024];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL, "%s", path);
    CHECK(fputs(text, f) >= 0 && fclose(f) == 0, "%s", path);
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    CHECK(in != NULL, "%s", from);
    unlink(to);
    FILE *out = fopen(to, "wb");
    CHECK(out != NULL, "%s", to);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        CHECK(fwrite(buf, 1, n, out) == n, "%s", to);
    fclose(in);
    CHECK(fclose(out) == 0, "%s", to);
}

static void remove_db(const char *db)
{
    char p[160];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
}

static const char *pack_lua =
    "rule { id = 'f.any', pass = 'full', title = 'suspect unless P-N',\n"
    "       feedback = 'early',\n"
    "       when = function(p) return p.id ~= 'P-N', 'id ' .. p.id end }\n"
    "rule { id = 'r.red', pass = 'regional', title = 'votes red', list = 'red',\n"
    "       when = function(p) return p.id == 'P-R', 'red vote' end }\n"
    "rule { id = 'r.score', pass = 'regional', title = 'scores by disputes', score = 40,\n"
    "       when = function(p) return p:num('open_disputes') > 1, 'disputes' end }\n"
    "rule { id = 't.keep', pass = 'targeted', title = 'keeps the red', list = 'red',\n"
    "       feedback = 'detailed',\n"
    "       when = function(p) return p.id == 'P-R', 'still red' end }\n";

static const char *persons_jsonl =
    "{\"id\":\"P-N\",\"name\":\"张伟\",\"grid\":\"T01-V01-G01\",\"born\":\"1980-05-06\","
    "\"attrs\":{\"open_disputes\":0},\"events\":[{\"type\":\"visit\",\"date\":\"2026-10-01\"}]}\n"
    "{\"id\":\"P-R\",\"name\":\"李强\",\"grid\":\"T01-V01-G01\",\"categories\":[\"petitioner\"],"
    "\"relations\":[{\"id\":\"P-N\",\"kind\":\"family\"},{\"id\":\"P-B\",\"kind\":\"work\"}]}\n"
    "{\"id\":\"P-Y\",\"grid\":\"T01-V01-G02\",\"attrs\":{\"open_disputes\":3},"
    "\"events\":[{\"type\":\"threat_reported\",\"date\":\"2026-11-30\",\"note\":\"n\"}]}\n"
    "{\"id\":\"P-B\",\"grid\":\"T01-V02-G01\",\"notes\":\"x\"}\n"
    "{\"id\":\"P-X\",\"grid\":\"T01-V01-G02\",\"attrs\":{\"open_disputes\":2}}\n";

static const char *persons_csv =
    "id,name,grid,born,categories,notes,attrs.open_disputes,attrs.employed\n"
    "P-1,Li Ming,T01-V01-G01,1990-04-12,petitioner;released_prisoner,\"a, b\",2,false\n"
    "P-2,Wang,T01-V01-G02,,,,,\n";

static const char *persons_yaml = "- id: P-7\n"
                                  "  name: 王芳\n"
                                  "  grid: T01-V01-G01\n"
                                  "  attrs: {open_disputes: 2, employed: true}\n"
                                  "  events: [{type: visit, date: 2026-11-01}]\n"
                                  "- id: P-8\n"
                                  "  grid: T01-V02-G01\n";

static void setup_files(void)
{
    /* SQLite syncs on every commit: a memory file system keeps a thousand runs fast */
    strcpy(g_dir,
           access("/dev/shm", W_OK) == 0 ? "/dev/shm/ts_alloc_XXXXXX" : "/tmp/ts_alloc_XXXXXX");
    CHECK(mkdtemp(g_dir) != NULL, "mkdtemp");
    const char *src = getenv("TS_SOURCE_DIR");
    snprintf(g_grid, sizeof g_grid, "%s/tests/unit/grid/data/grid.yaml", src ? src : ".");
    snprintf(g_rules, sizeof g_rules, "%s/rules", g_dir);
    CHECK(mkdir(g_rules, 0700) == 0, "%s", g_rules);
    char p[160];
    snprintf(p, sizeof p, "%s/10_pack.lua", g_rules);
    write_file(p, pack_lua);
    char text[2048];
    snprintf(text, sizeof text,
             "database: t.db\ngrid: %s\nrules: rules\n"
             "thresholds: {red: 70, yellow: 40, blue: 20}\n"
             "review_days: {red: 7, yellow: 30, blue: 90}\n"
             "problem_events: [threat_reported]\n"
             "limits: {instructions: 100000, memory_mb: 16}\n"
             "quick_ack_minutes: 30\nnow: 2026-12-01\nworkers: 1\n",
             g_grid);
    snprintf(g_cfg, sizeof g_cfg, "%s/triscreen.yaml", g_dir);
    write_file(g_cfg, text);
    snprintf(g_db, sizeof g_db, "%s/t.db", g_dir);
    snprintf(g_tmpl, sizeof g_tmpl, "%s/imported.db", g_dir);
    snprintf(g_listed, sizeof g_listed, "%s/listed.db", g_dir);
    snprintf(g_jsonl, sizeof g_jsonl, "%s/persons.jsonl", g_dir);
    write_file(g_jsonl, persons_jsonl);
    snprintf(g_csv, sizeof g_csv, "%s/persons.csv", g_dir);
    write_file(g_csv, persons_csv);
    snprintf(g_yaml, sizeof g_yaml, "%s/persons.yaml", g_dir);
    write_file(g_yaml, persons_yaml);
}

static void teardown_files(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
}

/* ---- the operations ----------------------------------------------------------------- */

static ts_status op_config(ts_err *err)
{
    ts_config *cfg = NULL;
    ts_status rc = ts_config_load(g_cfg, &cfg, err);
    ts_config_free(cfg);
    return rc;
}

static ts_status op_grid(ts_err *err)
{
    ts_grid *g = NULL;
    ts_status rc = ts_grid_load(g_grid, &g, err);
    ts_grid_free(g);
    return rc;
}

/* Reads every item of path; with defer, JSON Lines are parsed by a ts_record_parser. */
static ts_status read_all(const char *path, bool defer, ts_err *err)
{
    ts_reader *r = NULL;
    ts_record_parser *parser = NULL;
    ts_status rc = ts_reader_open(path, TS_FORMAT_AUTO, &r, err);
    if (rc == TS_OK && defer) {
        ts_reader_defer(r, true);
        rc = ts_record_parser_new(&parser);
        if (rc != TS_OK)
            ts_err_set(err, rc, "parser", "cannot create the record parser");
    }
    ts_arena a;
    ts_arena_init(&a, 0);
    size_t persons = 0;
    while (rc == TS_OK) {
        ts_item it;
        rc = ts_reader_next(r, &a, &it, err);
        if (rc == TS_OK && it.kind == TS_ITEM_RAW)
            rc = ts_record_parse_item(parser, &a, &it, err);
        if (rc != TS_OK || it.kind == TS_ITEM_END)
            break;
        persons += it.kind == TS_ITEM_PERSON;
    }
    if (rc == TS_OK && persons != 2 && persons != 5)
        rc = ts_err_set(err, TS_STATE, path, "read %zu persons", persons);
    ts_arena_release(&a);
    ts_record_parser_free(parser);
    ts_reader_close(r);
    return rc;
}

static ts_status op_jsonl(ts_err *err)
{
    return read_all(g_jsonl, false, err);
}
static ts_status op_jsonl_deferred(ts_err *err)
{
    return read_all(g_jsonl, true, err);
}
static ts_status op_csv(ts_err *err)
{
    return read_all(g_csv, false, err);
}
static ts_status op_yaml(ts_err *err)
{
    return read_all(g_yaml, false, err);
}

static ts_status op_rules(ts_err *err)
{
    ts_rulepack *pack = NULL;
    ts_rulehost *h = NULL;
    ts_rulehost_opts ro = {0};
    ts_status rc = ts_rulepack_load(g_rules, &ro, NULL, NULL, &pack, err);
    if (rc == TS_OK)
        rc = ts_rulehost_new(pack, &h, err);
    ts_arena a;
    ts_arena_init(&a, 0);
    if (rc == TS_OK) {
        ts_attr attr = {.name = "open_disputes", .type = TS_ATTR_NUM, .num = 3};
        ts_person p = {.id = "P-Y",
                       .name = "",
                       .grid = "T01-V01-G02",
                       .notes = "",
                       .born = TS_DATE_NONE,
                       .attrs = &attr,
                       .n_attrs = 1};
        ts_subject s = {.person = &p, .village = "T01-V01", .town = "T01", .suspect = true};
        ts_eval_ctx ctx = {
            .now = ts_date_from_civil(2026, 12, 1), .pass = TS_PASS_REGIONAL, .scope = "all"};
        ts_eval_result res;
        rc = ts_rulehost_eval(h, &ctx, &s, &a, &res, err);
        if (rc == TS_OK && (res.n_fired != 1 || res.n_errors != 0))
            rc = ts_err_set(err, TS_STATE, "eval", "fired %zu, errors %zu", res.n_fired,
                            res.n_errors);
    }
    ts_arena_release(&a);
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    return rc;
}

static void prepare_no_db(void)
{
    remove_db(g_db);
}

static ts_status op_store(ts_err *err)
{
    ts_store *s = NULL;
    ts_status rc = ts_store_open(g_db, TS_STORE_READWRITE, &s, err);
    ts_arena a;
    ts_arena_init(&a, 0);
    if (rc == TS_OK)
        rc = ts_store_begin(s, err);
    if (rc == TS_OK) {
        ts_event ev = {.type = "visit", .date = ts_date_from_civil(2026, 11, 1), .note = "n"};
        ts_relation rel = {.other = "P-2", .kind = "family"};
        ts_person p = {.id = "P-1",
                       .name = "张伟",
                       .grid = "T01-V01-G01",
                       .notes = "",
                       .born = TS_DATE_NONE,
                       .events = &ev,
                       .n_events = 1,
                       .relations = &rel,
                       .n_relations = 1};
        ts_upsert res;
        uint32_t *idx = NULL;
        size_t n = 0;
        rc = ts_store_put_person(s, &p, &a, &res, &idx, &n, err);
        if (rc == TS_OK)
            rc = ts_store_commit(s, err);
        else
            ts_store_rollback(s);
    }
    ts_arena_release(&a);
    ts_store_close(s);
    return rc;
}

/* What the commands open: config, grid, store on cfg->database, feedback router and
 * (want_pack) the rule pack. */
typedef struct world {
    ts_config *cfg;
    ts_grid *grid;
    ts_store *s;
    ts_feedback_ctx *fb;
    ts_rulepack *pack;
} world;

static ts_status world_open(world *w, bool want_pack, ts_err *err)
{
    memset(w, 0, sizeof *w);
    ts_status rc = ts_config_load(g_cfg, &w->cfg, err);
    if (rc == TS_OK)
        rc = ts_grid_load(w->cfg->grid, &w->grid, err);
    if (rc == TS_OK)
        rc = ts_store_open(w->cfg->database, TS_STORE_READWRITE, &w->s, err);
    if (rc == TS_OK && want_pack) {
        ts_rulehost_opts ro = ts_rulehost_opts_for(w->cfg);
        rc = ts_rulepack_load(w->cfg->rules, &ro, NULL, NULL, &w->pack, err);
    }
    if (rc == TS_OK)
        rc = ts_feedback_open(w->cfg, w->grid, want_pack ? ts_rulepack_hash(w->pack) : NULL, &w->fb,
                              err);
    return rc;
}

static void world_close(world *w)
{
    ts_feedback_close(w->fb);
    ts_rulepack_free(w->pack);
    ts_store_close(w->s);
    ts_grid_free(w->grid);
    ts_config_free(w->cfg);
}

/* An empty database with the grid (unarmed). */
static void prepare_grid_db(void)
{
    remove_db(g_db);
    ts_err err;
    ts_grid *g = NULL;
    ts_store *s = NULL;
    ok(ts_grid_load(g_grid, &g, &err), &err, "grid");
    ok(ts_store_open(g_db, TS_STORE_READWRITE, &s, &err), &err, "store");
    ok(ts_store_put_grid(s, g, &err), &err, "put grid");
    ts_store_close(s);
    ts_grid_free(g);
}

static ts_status op_import(ts_err *err)
{
    world w;
    ts_status rc = world_open(&w, false, err);
    if (rc == TS_OK) {
        ts_import_opts io = {.on_problem_event = ts_feedback_on_problem_event, .ud = w.fb};
        ts_import_stats st = {0};
        rc = ts_import_file(w.s, w.grid, w.cfg, g_jsonl, &io, &st, err);
        if (rc == TS_OK)
            rc = ts_feedback_flush(w.fb, w.s, err);
        if (rc == TS_OK && st.persons_new != 5)
            rc = ts_err_set(err, TS_STATE, "import", "%llu new persons",
                            (unsigned long long)st.persons_new);
    }
    world_close(&w);
    return rc;
}

static void prepare_imported(void)
{
    remove_db(g_db), copy_file(g_tmpl, g_db);
}
static void prepare_listed(void)
{
    remove_db(g_db), copy_file(g_listed, g_db);
}

static ts_status screen_all(world *w, ts_err *err)
{
    ts_screen_opts o = {.cfg = w->cfg,
                        .grid = w->grid,
                        .pack = w->pack,
                        .passes = 0,
                        .now = ts_date_from_civil(2026, 12, 1),
                        .threads = 1,
                        .on_alert = ts_feedback_on_screen_alert,
                        .alert_ud = w->fb};
    ts_screen_result r;
    memset(&r, 0, sizeof r);
    ts_status rc = ts_screen_run(w->s, w->cfg->database, &o, &r, err);
    if (rc == TS_OK)
        rc = ts_feedback_flush(w->fb, w->s, err);
    else
        ts_feedback_discard(w->fb);
    ts_screen_result_release(&r);
    return rc;
}

static ts_status op_screen(ts_err *err)
{
    world w;
    ts_status rc = world_open(&w, true, err);
    if (rc == TS_OK)
        rc = screen_all(&w, err);
    world_close(&w);
    return rc;
}

static const int k_review_days[3] = {7, 30, 90};

static ts_status op_review(ts_err *err)
{
    ts_store *s = NULL;
    ts_status rc = ts_store_open(g_db, TS_STORE_READWRITE, &s, err);
    if (rc == TS_OK) {
        ts_review r = {.person = "P-R",
                       .by = "o-t01-v01-g01",
                       .outcome = TS_REVIEW_LOWER,
                       .colour = TS_COLOUR_YELLOW,
                       .until = "2026-12-20",
                       .note = "seen at home",
                       .now = "2026-12-01",
                       .review_days = k_review_days};
        rc = ts_lists_review(s, &r, err);
    }
    ts_store_close(s);
    return rc;
}

static ts_status op_alert(ts_err *err)
{
    world w;
    ts_status rc = world_open(&w, false, err);
    if (rc == TS_OK)
        rc = ts_store_begin(w.s, err);
    if (rc == TS_OK) {
        /* a rule no pass fired: new evidence, on P-Y's open detailed alert or a new one */
        static const ts_fired_rule fired[] = {{.id = "r.alloc-only", .evidence = "disputes"}};
        ts_screen_alert a = {.kind = TS_FEEDBACK_DETAILED,
                             .person = "P-Y",
                             .grid = "T01-V01-G02",
                             .colour = TS_COLOUR_RED,
                             .prior_colour = TS_COLOUR_YELLOW,
                             .rules = fired,
                             .n_rules = 1,
                             .why = "rose yellow→red",
                             .run = 0};
        rc = ts_feedback_on_screen_alert(w.fb, w.s, &a, err);
        if (rc == TS_OK)
            rc = ts_store_commit(w.s, err);
        else
            ts_store_rollback(w.s);
        if (rc == TS_OK)
            rc = ts_feedback_flush(w.fb, w.s, err);
        else
            ts_feedback_discard(w.fb);
    }
    if (rc == TS_OK && ts_feedback_raised(w.fb, TS_FEEDBACK_DETAILED) +
                               ts_feedback_updated(w.fb, TS_FEEDBACK_DETAILED) !=
                           1)
        rc = ts_err_set(err, TS_STATE, "alert", "no detailed alert raised or updated");
    world_close(&w);
    return rc;
}

/* The first alert of the screened template (an early alert of the screen) is claimed,
 * acknowledged, closed with an outcome and reopened by the county desk; then claim-next. */
static ts_status op_ack_close(ts_err *err)
{
    ts_store *s = NULL;
    ts_grid *g = NULL;
    ts_status rc = ts_grid_load(g_grid, &g, err);
    if (rc == TS_OK)
        rc = ts_store_open(g_db, TS_STORE_READWRITE, &s, err);
    const ts_actor desk = {.officer = "o-county", .token = "tk-00000001"};
    const ts_alert_action acts[] = {
        {.verb = TS_VERB_CLAIM, .alert_id = "A-000001", .at = 1796000000},
        {.verb = TS_VERB_ACK, .alert_id = "A-000001", .note = "on my way", .at = 1796000060},
        {.verb = TS_VERB_CLOSE,
         .alert_id = "A-000001",
         .outcome = TS_CLOSE_CONFIRMED,
         .note = "visited, all well",
         .at = 1796000120},
        {.verb = TS_VERB_REOPEN, .alert_id = "A-000001", .note = "new call", .at = 1796000180},
    };
    for (size_t i = 0; rc == TS_OK && i < sizeof acts / sizeof acts[0]; i++)
        rc = ts_alert_act(s, g, NULL, &desk, &acts[i], NULL, err);
    char id[24];
    if (rc == TS_OK)
        rc = ts_alert_claim_next(s, g, &desk, TS_FEEDBACK_NONE, 1796000240, id, err);
    ts_store_close(s);
    ts_grid_free(g);
    return rc;
}

/* ---- the read side: the typed queries and their renderers on the listed template -- */

/* What the read commands open: config, grid and the store read-only. */
typedef struct view {
    ts_config *cfg;
    ts_grid *grid;
    ts_store *s;
    ts_buf out;
} view;

static ts_status view_open(view *v, ts_err *err)
{
    memset(v, 0, sizeof *v);
    ts_buf_init(&v->out, 1u << 20);
    ts_status rc = ts_config_load(g_cfg, &v->cfg, err);
    if (rc == TS_OK)
        rc = ts_grid_load(v->cfg->grid, &v->grid, err);
    if (rc == TS_OK)
        rc = ts_store_open(v->cfg->database, TS_STORE_READONLY, &v->s, err);
    return rc;
}

/* Closes v; TS_STATE unless the output of a successful run holds `want`. */
static ts_status view_close(view *v, ts_status rc, const char *want, ts_err *err)
{
    if (rc == TS_OK && (v->out.len == 0 || !strstr(ts_buf_str(&v->out), want)))
        rc = ts_err_set(err, TS_STATE, "output", "no \"%s\" in \"%s\"", want,
                        v->out.len ? ts_buf_str(&v->out) : "");
    ts_buf_release(&v->out);
    ts_store_close(v->s);
    ts_grid_free(v->grid);
    ts_config_free(v->cfg);
    return rc;
}

static ts_status rows_list(void *ud, const ts_list_entry *e, ts_err *err)
{
    return ts__render_list_entry(ud, e, err);
}
static ts_status rows_ledger(void *ud, const ts_ledger_entry *e, ts_err *err)
{
    return ts__render_ledger_entry(ud, e, err);
}
static ts_status rows_due(void *ud, const ts_due_entry *e, ts_err *err)
{
    return ts__render_due_entry(ud, e, err);
}

/* One typed query of `kind` (scope: a cell code or NULL) rendered in fmt. */
static ts_status rows_op(ts__rows_kind kind, ts_out_format fmt, const char *scope, const char *want,
                         ts_err *err)
{
    view v;
    ts__rows_render *r = NULL;
    const ts_cell *cell = NULL;
    ts_status rc = view_open(&v, err);
    if (rc == TS_OK && scope)
        rc = ts_grid_scope(v.grid, scope, &cell, err);
    if (rc == TS_OK)
        rc = ts__render_rows_new(kind, fmt, NULL, &v.out, &r, err);
    if (rc == TS_OK && kind == TS__ROWS_LISTS)
        rc = ts_lists_query(v.s, v.grid, TS_COLOUR_NONE, cell, rows_list, r, err);
    else if (rc == TS_OK && kind == TS__ROWS_LEDGER)
        rc = ts_ledger_query(v.s, v.grid, cell, false, rows_ledger, r, err);
    else if (rc == TS_OK)
        rc = ts_due_query(v.s, v.grid, cell, "2027-01-01", rows_due, r, err);
    if (rc == TS_OK)
        rc = ts__render_rows_finish(r, err);
    ts__render_rows_free(r);
    return view_close(&v, rc, want, err);
}

static ts_status op_lists(ts_err *err)
{
    return rows_op(TS__ROWS_LISTS, TS_OUT_TABLE, "T01", "P-R", err);
}
static ts_status op_ledger(ts_err *err)
{
    return rows_op(TS__ROWS_LEDGER, TS_OUT_CSV, NULL, "P-Y", err);
}
static ts_status op_due(ts_err *err)
{
    return rows_op(TS__ROWS_DUE, TS_OUT_JSONL, "T01-V01", "\"P-R\"", err);
}

/* The dossier of P-R for a reader of its village only (P-B, a relative, is outside),
 * rendered as JSON and as text. */
static ts_status op_dossier(ts_err *err)
{
    view v;
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_status rc = view_open(&v, err);
    const ts_cell *cell = NULL;
    if (rc == TS_OK)
        rc = ts_grid_scope(v.grid, "T01-V01", &cell, err);
    if (rc == TS_OK) {
        const ts_cell *cells[1] = {cell};
        ts_reader reader = {
            .grid = v.grid, .cells = cells, .n_cells = 1, .reveal = TS_REVEAL_COUNT};
        ts_dossier d;
        rc = ts_dossier_load(v.s, v.grid, "P-R", &reader, &a, &d, err);
        if (rc == TS_OK && (!d.has_outside || d.outside_relatives != 1))
            rc = ts_err_set(err, TS_STATE, "dossier", "the outside relative is not counted");
        if (rc == TS_OK)
            rc = ts__render_dossier_json(&d, NULL, &v.out, err);
        if (rc == TS_OK)
            rc = ts__render_dossier_text(&d, NULL, &v.out, err);
    }
    ts_arena_release(&a);
    return view_close(&v, rc, "P-N", err);
}

static ts_status alert_row(void *ud, const ts_alert *a)
{
    return ts_render_alert_table_row(ud, a);
}

/* The feed of village T01-V01 for a reader of that village, as a table. */
static ts_status op_alerts(ts_err *err)
{
    view v;
    ts_status rc = view_open(&v, err);
    const ts_cell *cell = NULL;
    if (rc == TS_OK)
        rc = ts_grid_scope(v.grid, "T01-V01", &cell, err);
    if (rc == TS_OK) {
        const ts_cell *cells[1] = {cell};
        ts_reader reader = {
            .grid = v.grid, .cells = cells, .n_cells = 1, .reveal = TS_REVEAL_COUNT};
        ts_alert_filter f = {.scopes = cells, .n_scopes = 1, .reader = &reader};
        int64_t last = 0;
        rc = ts_render_alert_table_header(&v.out);
        if (rc != TS_OK)
            ts_err_set(err, rc, "alerts", "cannot render the header");
        if (rc == TS_OK)
            rc = ts_alerts_read(v.s, v.grid, &f, alert_row, &v.out, &last, err);
        if (rc == TS_OK && last == 0)
            rc = ts_err_set(err, TS_STATE, "alerts", "no alert read");
    }
    return view_close(&v, rc, "A-000001", err);
}

static ts_status op_alert_stats(ts_err *err)
{
    view v;
    ts_alert_stats st;
    memset(&st, 0, sizeof st);
    ts_status rc = view_open(&v, err);
    if (rc == TS_OK)
        rc = ts_alerts_stats_read(v.s, v.grid, v.cfg, NULL, &st, err);
    if (rc == TS_OK && (rc = ts_render_alert_stats_text(&v.out, &st)) != TS_OK)
        ts_err_set(err, rc, "stats", "cannot render the statistics");
    ts_alert_stats_release(&st);
    return view_close(&v, rc, "T01", err);
}

static ts_status op_report(ts_err *err)
{
    view v;
    ts_report r;
    memset(&r, 0, sizeof r);
    ts_status rc = view_open(&v, err);
    if (rc == TS_OK)
        rc = ts_report_read(v.s, v.grid, NULL, "2026-12-01", &r, err);
    if (rc == TS_OK) {
        if ((rc = ts_render_report_json(&v.out, &r)) == TS_OK)
            rc = ts_render_report_html(&v.out, &r);
        if (rc != TS_OK)
            ts_err_set(err, rc, "report", "cannot render the report");
        ts_report_release(&r);
    }
    return view_close(&v, rc, "T01", err);
}

/* ---- the service: POST /v1/persons as the HTTP front end makes it ---------------------- */

/* One service on the listed template for the whole loop (opened unarmed): each run
 * ingests a new person with a problem event (a quick alert, the inline re-evaluation)
 * through ts_service_ingest and the writer thread. The writer and ticker threads
 * allocate through the same wrappers, so their failures count too. */
static ts_service *g_svc;
static long g_ingested;

static void prepare_service(void)
{
    if (g_svc)
        return;
    prepare_listed();
    ts_err err;
    ok(ts_service_open(g_cfg, &g_svc, &err), &err, "service open");
}

static void finish_service(void)
{
    ts_service_close(g_svc);
    g_svc = NULL;
}

static void ingest_done(void *ud)
{
    atomic_store((atomic_bool *)ud, true);
}

static ts_status ingest_wait(ts_svc_job *j, atomic_bool *done, size_t want, ts_err *err)
{
    ts_err submit_err;
    ts_err_clear(&submit_err);
    if (ts_service_submit(g_svc, j, &submit_err) != TS_OK) {
        ts_svc_job_free(j);
        *err = submit_err;
        return err->code;
    }
    while (!atomic_load(done))
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    const char *json = NULL;
    ts_status rc = ts_svc_job_result(j, &json, err);
    size_t accepted = 0, invalid = 0, forbidden = 0;
    ts_svc_job_counts(j, &accepted, &invalid, &forbidden);
    if (rc == TS_OK && (accepted != want || !json || !strstr(json, "\"accepted\""))) {
        /* a record turned away because an allocation failed is a wrong answer (the
         * client would fix a valid record), not a clean error */
        fprintf(stderr, "ingest N=%ld: accepted %zu, invalid %zu, forbidden %zu: %s\n", g_fail_at,
                accepted, invalid, forbidden, json ? json : "(no result)");
        g_failures++;
    }
    ts_svc_job_free(j);
    return rc;
}

/* Ingests n new persons (n = 1: one JSON record, else JSON Lines). */
static ts_status ingest(size_t n, ts_err *err)
{
    static const ts_principal who = {.name = "alloc", .write = true, .all = true};
    char body[512];
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(
            body + len, sizeof body - len,
            "{\"id\":\"P-S%ld\",\"grid\":\"T01-V01-G02\",\"attrs\":{\"open_disputes\":3},"
            "\"events\":[{\"type\":\"threat_reported\",\"date\":\"2026-12-01\"}]}\n",
            ++g_ingested);
    ts_service_gen *g = ts_service_acquire(g_svc);
    atomic_bool done;
    atomic_init(&done, false);
    ts_svc_job *j = NULL;
    ts_status rc =
        ts_service_ingest(g_svc, g, &who, body, len, n == 1, ingest_done, &done, &j, err);
    if (rc == TS_OK)
        rc = ingest_wait(j, &done, n, err);
    ts_service_gen_release(g);
    if (rc != TS_OK && rc != TS_NOMEM) {
        /* the records are valid: a failed allocation is a server fault (HTTP 500), never
         * a 400 that tells the client to fix its record */
        fprintf(stderr, "ingest N=%ld: %s instead of NOMEM: %s: %s\n", g_fail_at,
                ts_status_name(rc), err->where, err->msg);
        g_failures++;
    }
    return rc;
}

static ts_status op_ingest(ts_err *err)
{
    return ingest(1, err);
}
static ts_status op_ingest_jsonl(ts_err *err)
{
    return ingest(2, err);
}

/* The templates the later operations start from: imported.db (grid and the 5 persons)
 * and listed.db (imported and screened: P-R red, P-Y yellow). */
static void make_templates(void)
{
    ts_err err;
    prepare_grid_db();
    ok(op_import(&err), &err, "template import");
    copy_file(g_db, g_tmpl);
    world w;
    ok(world_open(&w, true, &err), &err, "template open");
    ok(screen_all(&w, &err), &err, "template screen");
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_list_row row;
    bool found = false;
    ok(ts_store_list_get(w.s, "P-R", &a, &row, &found, &err), &err, "list get");
    CHECK(found && row.colour == TS_COLOUR_RED, "P-R is not red after the template screen");
    ts_arena_release(&a);
    world_close(&w);
    copy_file(g_db, g_listed);
}

int main(void)
{
    const op ops[] = {
        {"config", NULL, op_config, NULL},
        {"grid", NULL, op_grid, NULL},
        {"jsonl", NULL, op_jsonl, NULL},
        {"jsonl_deferred", NULL, op_jsonl_deferred, NULL},
        {"csv", NULL, op_csv, NULL},
        {"yaml", NULL, op_yaml, NULL},
        {"rules", NULL, op_rules, NULL},
        {"store", prepare_no_db, op_store, NULL},
        {"import", prepare_grid_db, op_import, NULL},
        {"screen", prepare_imported, op_screen, NULL},
        {"review", prepare_listed, op_review, NULL},
        {"alert", prepare_listed, op_alert, NULL},
        {"ack_close", prepare_listed, op_ack_close, NULL},
        {"lists", prepare_listed, op_lists, NULL},
        {"ledger", prepare_listed, op_ledger, NULL},
        {"due", prepare_listed, op_due, NULL},
        {"dossier", prepare_listed, op_dossier, NULL},
        {"alerts", prepare_listed, op_alerts, NULL},
        {"alert_stats", prepare_listed, op_alert_stats, NULL},
        {"report", prepare_listed, op_report, NULL},
        {"ingest", prepare_service, op_ingest, finish_service},
        {"ingest_jsonl", prepare_service, op_ingest_jsonl, finish_service},
    };
    const char *only = getenv("TS_ALLOC_ONLY");
    g_verbose = getenv("TS_ALLOC_VERBOSE") != NULL;
    setup_files();
    make_templates();
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (only && strcmp(only, ops[i].name) != 0)
            continue;
        long n = fail_loop(&ops[i]);
        printf("%-15s %ld allocations, each failed once\n", ops[i].name, n - 1);
        fflush(stdout);
    }
    teardown_files();
    if (g_failures) {
        fprintf(stderr, "%d runs failed a check (see above)\n", g_failures);
        return 1;
    }
    return 0;
}
