/* tests/unit/store/test_alert_rows.c — the SQL behind the alerts (store/alerts_store.h):
 * a row inserted and read back column by column, the open and closed look-ups of
 * de-duplication, causes, evidence, state changes in place or to the head of the feed,
 * an escalation moving the row (same id, new seq), history with its token, the clock
 * sweep's candidates, claim-next's candidate (cells, kind, deadline, kind, age), the feed
 * query with every filter in seq order, statistics rows, and the list colour and member
 * reads. */
#include "store/store_fx.h"

#include "triscreen/vocab.h"
#include "store/alerts_store.h"

static ts__alert_row row(const char *kind, const char *person, const char *grid)
{
    static char dedup[8][64];
    static unsigned k;
    char *d = dedup[k++ % 8];
    snprintf(d, sizeof dedup[0], "%s|%s", kind, person);
    ts__alert_row r = {.kind = kind,
                       .person = person,
                       .grid = grid,
                       .rules = "[{\"id\":\"r.red\",\"evidence\":\"e\"}]",
                       .route = "[\"o-t01-v01-g01\",\"o-t01-v01\"]",
                       .created = "2026-12-01T08:00:00Z",
                       .status = "new",
                       .dedup = d,
                       .target_level = 3,
                       .due = "2026-12-01T08:30:00Z"};
    return r;
}

/* What a read saw: id, seq and a one-line summary of each row. */
typedef struct got {
    int64_t id[8], seq[8];
    char text[8][256];
    size_t n;
} got;

static ts_status collect(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    (void)stop;
    (void)err;
    got *g = ud;
    if (g->n == 8)
        return TS_LIMIT;
    g->id[g->n] = r->id;
    g->seq[g->n] = r->seq;
    snprintf(g->text[g->n], sizeof g->text[0], "%s %s %s %s t%d L%d due=%s by=%s", r->kind,
             r->person, r->grid, r->status, r->target_level, r->level, r->due ? r->due : "-",
             r->claimed_by ? r->claimed_by : "-");
    g->n++;
    return TS_OK;
}

/* Every column of one row, copied. */
typedef struct full {
    bool seen;
    ts__alert_row r;
    char s[32][160];
} full;

static const char *keep(full *f, int i, const char *v)
{
    if (!v)
        return NULL;
    snprintf(f->s[i], sizeof f->s[0], "%s", v);
    return f->s[i];
}

static ts_status collect_full(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    (void)err;
    full *f = ud;
    f->seen = true;
    f->r = *r;
    const char **p[] = {&f->r.kind,       &f->r.person,       &f->r.grid,       &f->r.colour,
                        &f->r.rules,      &f->r.route,        &f->r.route_note, &f->r.headline,
                        &f->r.created,    &f->r.status,       &f->r.dedup,      &f->r.escalated,
                        &f->r.due,        &f->r.claimed_by,   &f->r.claimed_at, &f->r.acked_at,
                        &f->r.closed_at,  &f->r.outcome,      &f->r.event_type, &f->r.event_date,
                        &f->r.event_text, &f->r.rules_version};
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++)
        *p[i] = keep(f, (int)i, *p[i]);
    *stop = true;
    return TS_OK;
}

static int64_t insert(ts__alert_db *d, const ts__alert_row *r)
{
    int64_t id = 0;
    ts_err err;
    fx_ok(ts__alert_db_insert(d, r, &id, &err), &err);
    return id;
}

/* Into the caller's *f: its pointers point into f->s, so f must not be copied. */
static void get(ts__alert_db *d, int64_t id, full *f)
{
    memset(f, 0, sizeof *f);
    ts_err err;
    fx_ok(ts__alert_db_get(d, id, collect_full, f, &err), &err);
}

static void test_insert_read_back(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    assert_true(ts__alert_db_is_for(d, fx->s));
    assert_false(ts__alerts_in_tx(fx->s));
    fx_ok(ts_store_begin(fx->s, &err), &err);
    assert_true(ts__alerts_in_tx(fx->s));
    ts__alert_row r = row("quick", "P-1", "T01-V01-G01");
    r.colour = "red";
    r.route_note = "a note";
    r.headline = "{\"colour\":\"red\"}";
    r.run = 3;
    r.ingest = 9;
    r.rules_version = "sha256:abc";
    r.reopens = 0;
    r.event_type = "absconded";
    r.event_date = "2026-11-30";
    r.event_text = "left at night";
    r.id = 777; /* ignored on insert */
    r.seq = 777;
    int64_t a = insert(d, &r);
    assert_int_equal(a, 1);
    full f;
    get(d, a, &f);
    assert_true(f.seen);
    assert_int_equal(f.r.id, 1);
    assert_int_equal(f.r.seq, 1);
    assert_string_equal(f.r.kind, "quick");
    assert_string_equal(f.r.person, "P-1");
    assert_string_equal(f.r.grid, "T01-V01-G01");
    assert_string_equal(f.r.colour, "red");
    assert_string_equal(f.r.rules, "[{\"id\":\"r.red\",\"evidence\":\"e\"}]");
    assert_string_equal(f.r.route, "[\"o-t01-v01-g01\",\"o-t01-v01\"]");
    assert_string_equal(f.r.route_note, "a note");
    assert_string_equal(f.r.headline, "{\"colour\":\"red\"}");
    assert_string_equal(f.r.created, "2026-12-01T08:00:00Z");
    assert_int_equal(f.r.run, 3);
    assert_int_equal(f.r.ingest, 9);
    assert_string_equal(f.r.rules_version, "sha256:abc");
    assert_string_equal(f.r.status, "new");
    assert_string_equal(f.r.dedup, "quick|P-1");
    assert_int_equal(f.r.level, 0);
    assert_int_equal(f.r.target_level, 3);
    assert_null(f.r.escalated);
    assert_string_equal(f.r.due, "2026-12-01T08:30:00Z");
    assert_null(f.r.claimed_by);
    assert_null(f.r.claimed_at);
    assert_null(f.r.acked_at);
    assert_null(f.r.closed_at);
    assert_null(f.r.outcome);
    assert_int_equal(f.r.reopens, 0);
    assert_string_equal(f.r.event_type, "absconded");
    assert_string_equal(f.r.event_date, "2026-11-30");
    assert_string_equal(f.r.event_text, "left at night");
    assert_int_equal(f.r.acked_in_time, -1);
    /* optional columns stay NULL; the next insert takes the next id and seq */
    ts__alert_row b = row("early", "P-2", "T01-V01-G02");
    b.reopens = 1;
    int64_t id2 = insert(d, &b);
    assert_int_equal(id2, 2);
    get(d, id2, &f);
    assert_int_equal(f.r.seq, 2);
    assert_null(f.r.colour);
    assert_null(f.r.route_note);
    assert_null(f.r.headline);
    assert_null(f.r.rules_version);
    assert_null(f.r.event_type);
    assert_int_equal(f.r.run, 0);
    assert_int_equal(f.r.ingest, 0);
    assert_int_equal(f.r.reopens, 1);
    get(d, 99, &f);
    assert_false(f.seen); /* absent: fn not called */
    fx_ok(ts_store_commit(fx->s, &err), &err);
    /* read on the store's own reader too */
    memset(&f, 0, sizeof f);
    fx_ok(ts__alerts_get(fx->s, 1, collect_full, &f, &err), &err);
    assert_true(f.seen);
    assert_string_equal(f.r.event_text, "left at night");
    memset(&f, 0, sizeof f);
    fx_ok(ts__alerts_get(fx->s, 5, collect_full, &f, &err), &err);
    assert_false(f.seen);
    int64_t max = -1;
    fx_ok(ts__alerts_max(fx->s, &max, &err), &err);
    assert_int_equal(max, 2);
    ts__alert_db_close(d);
}

static void test_dedup_causes_evidence(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    got g = {0};
    fx_ok(ts__alert_db_open_of(d, "P-1", "detailed", collect, &g, &err), &err);
    assert_int_equal(g.n, 0);
    ts__alert_row r = row("detailed", "P-1", "T01-V01-G01");
    r.colour = "yellow";
    int64_t a = insert(d, &r);
    fx_ok(ts__alert_db_open_of(d, "P-1", "detailed", collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.id[0], a);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_open_of(d, "P-1", "early", collect, &g, &err), &err);
    assert_int_equal(g.n, 0);
    /* causes: added once */
    bool added = false, has = true;
    fx_ok(ts__alert_db_cause_add(d, a, "rule:r.red", &added, &err), &err);
    assert_true(added);
    fx_ok(ts__alert_db_cause_add(d, a, "rule:r.red", &added, &err), &err);
    assert_false(added);
    fx_ok(ts__alert_db_cause_add(d, a, "colour:red@2026-12-01", NULL, &err), &err);
    fx_ok(ts__alert_db_cause_has(d, a, "rule:r.red", &has, &err), &err);
    assert_true(has);
    fx_ok(ts__alert_db_cause_has(d, a, "rule:other", &has, &err), &err);
    assert_false(has);
    fx_ok(ts__alert_db_cause_has(d, a + 1, "rule:r.red", &has, &err), &err);
    assert_false(has);
    /* a reopening takes the closed alert's causes (twice: no duplicates) */
    ts__alert_row other = row("early", "P-9", "T01-V01-G01");
    int64_t c = insert(d, &other);
    fx_ok(ts__alert_db_cause_add(d, c, "rule:own", NULL, &err), &err);
    fx_ok(ts__alert_db_causes_copy(d, a, c, &err), &err);
    fx_ok(ts__alert_db_causes_copy(d, a, c, &err), &err);
    fx_ok(ts__alert_db_cause_has(d, c, "colour:red@2026-12-01", &has, &err), &err);
    assert_true(has);
    fx_ok(ts__alert_db_cause_add(d, c, "rule:r.red", &added, &err), &err);
    assert_false(added);
    fx_ok(ts__alert_db_cause_has(d, a, "rule:own", &has, &err), &err);
    assert_false(has); /* one way only */
    /* evidence: NULL leaves a column as it is */
    fx_ok(ts__alert_db_set_evidence(d, a, "[]", "red", NULL, &err), &err);
    full f;
    get(d, a, &f);
    assert_string_equal(f.r.rules, "[]");
    assert_string_equal(f.r.colour, "red");
    assert_null(f.r.headline);
    fx_ok(ts__alert_db_set_evidence(d, a, NULL, NULL, "{\"h\":1}", &err), &err);
    get(d, a, &f);
    assert_string_equal(f.r.rules, "[]");
    assert_string_equal(f.r.colour, "red");
    assert_string_equal(f.r.headline, "{\"h\":1}");
    assert_int_equal(f.r.seq, 1); /* evidence does not move the alert */
    /* closed: no longer open, found by person and kind as the last closed one */
    ts__alert_row st = {.id = a,
                        .status = "closed",
                        .closed_at = "2026-12-01T09:00:00Z",
                        .outcome = "confirmed",
                        .acked_in_time = -1};
    fx_ok(ts__alert_db_set_state(d, &st, false, &err), &err);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_open_of(d, "P-1", "detailed", collect, &g, &err), &err);
    assert_int_equal(g.n, 0);
    fx_ok(ts__alert_db_closed_of(d, "P-1", "detailed", collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.id[0], a);
    /* a second closed one: the newest is found */
    int64_t b = insert(d, &r);
    st.id = b;
    fx_ok(ts__alert_db_set_state(d, &st, false, &err), &err);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_closed_of(d, "P-1", "detailed", collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.id[0], b);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_closed_of(d, "P-1", "quick", collect, &g, &err), &err);
    assert_int_equal(g.n, 0);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    ts__alert_db_close(d);
}

typedef struct hist {
    char line[8][128];
    size_t n;
} hist;

static ts_status on_hist(void *ud, const char *at, const char *what, const char *by,
                         const char *token, const char *note, ts_err *err)
{
    (void)err;
    hist *h = ud;
    if (h->n == 8)
        return TS_LIMIT;
    snprintf(h->line[h->n++], sizeof h->line[0], "%s %s %s %s %s", what, by, token ? token : "-",
             at, note);
    return TS_OK;
}

static void test_state_level_history(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    ts__alert_row r = row("quick", "P-1", "T01-V01-G01");
    int64_t a = insert(d, &r);
    int64_t b = insert(d, &(ts__alert_row){.kind = "early",
                                           .person = "P-2",
                                           .grid = "T01",
                                           .rules = "[]",
                                           .route = "[]",
                                           .created = "2026-12-01T08:00:00Z",
                                           .dedup = "e|P-2"});
    /* in place: the lifecycle columns, the seq unchanged */
    ts__alert_row claim = {.id = a,
                           .status = "claimed",
                           .claimed_by = "o-t01-v01-g01",
                           .claimed_at = "2026-12-01T08:05:00Z",
                           .due = "2026-12-01T08:30:00Z",
                           .acked_in_time = -1};
    fx_ok(ts__alert_db_set_state(d, &claim, false, &err), &err);
    full f;
    get(d, a, &f);
    assert_int_equal(f.r.seq, 1);
    assert_string_equal(f.r.status, "claimed");
    assert_string_equal(f.r.claimed_by, "o-t01-v01-g01");
    assert_string_equal(f.r.claimed_at, "2026-12-01T08:05:00Z");
    assert_int_equal(f.r.acked_in_time, -1);
    ts__alert_row ack = claim;
    ack.status = "acknowledged";
    ack.acked_at = "2026-12-01T08:10:00Z";
    ack.due = "2026-12-02T08:10:00Z";
    ack.acked_in_time = 1;
    fx_ok(ts__alert_db_set_state(d, &ack, false, &err), &err);
    get(d, a, &f);
    assert_int_equal(f.r.acked_in_time, 1);
    assert_string_equal(f.r.acked_at, "2026-12-01T08:10:00Z");
    assert_string_equal(f.r.due, "2026-12-02T08:10:00Z");
    ack.acked_in_time = 0;
    fx_ok(ts__alert_db_set_state(d, &ack, false, &err), &err);
    get(d, a, &f);
    assert_int_equal(f.r.acked_in_time, 0);
    /* with move: to the head of the feed (a reopen) */
    ts__alert_row reopen = {
        .id = a, .status = "new", .due = "2026-12-03T00:00:00Z", .acked_in_time = -1};
    fx_ok(ts__alert_db_set_state(d, &reopen, true, &err), &err);
    get(d, a, &f);
    assert_int_equal(f.r.seq, 3);
    assert_null(f.r.claimed_by);
    assert_null(f.r.acked_at);
    assert_int_equal(f.r.acked_in_time, -1);
    /* escalation: level, target, route, note, time, due; the same id at a new seq */
    ts__alert_row lv = {.id = b,
                        .level = 1,
                        .target_level = 2,
                        .route = "[\"o-t01-v01\"]",
                        .route_note = "up",
                        .escalated = "2026-12-01T09:00:00Z",
                        .due = "2026-12-01T09:30:00Z"};
    fx_ok(ts__alert_db_set_level(d, &lv, &err), &err);
    get(d, b, &f);
    assert_int_equal(f.r.id, b);
    assert_int_equal(f.r.seq, 4);
    assert_int_equal(f.r.level, 1);
    assert_int_equal(f.r.target_level, 2);
    assert_string_equal(f.r.route, "[\"o-t01-v01\"]");
    assert_string_equal(f.r.route_note, "up");
    assert_string_equal(f.r.escalated, "2026-12-01T09:00:00Z");
    assert_string_equal(f.r.due, "2026-12-01T09:30:00Z");
    lv.route_note = NULL;
    lv.level = 2;
    fx_ok(ts__alert_db_set_level(d, &lv, &err), &err);
    get(d, b, &f);
    assert_int_equal(f.r.seq, 5);
    assert_null(f.r.route_note);
    /* history with and without a token */
    fx_ok(ts__alert_db_history(d, a, "claimed", "o-t01-v01-g01", "tk-00000001",
                               "2026-12-01T08:05:00Z", "mine", &err),
          &err);
    fx_ok(
        ts__alert_db_history(d, b, "escalated", "engine", NULL, "2026-12-01T09:00:00Z", NULL, &err),
        &err);
    fx_ok(ts__alert_db_history(d, a, "acknowledged", "o-t01-v01", NULL, "2026-12-01T08:10:00Z", "",
                               &err),
          &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    int64_t max = 0;
    fx_ok(ts__alerts_max(fx->s, &max, &err), &err);
    assert_int_equal(max, 5);
    hist h = {0};
    fx_ok(ts__alerts_history(fx->s, a, on_hist, &h, &err), &err);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.line[0], "claimed o-t01-v01-g01 tk-00000001 2026-12-01T08:05:00Z mine");
    assert_string_equal(h.line[1], "acknowledged o-t01-v01 - 2026-12-01T08:10:00Z ");
    memset(&h, 0, sizeof h);
    fx_ok(ts__alerts_history(fx->s, b, on_hist, &h, &err), &err);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.line[0], "escalated engine - 2026-12-01T09:00:00Z ");
    h.n = 8; /* a callback's status stops the read and is returned */
    assert_int_equal(ts__alerts_history(fx->s, a, on_hist, &h, &err), TS_LIMIT);
    ts__alert_db_close(d);
}

/* Inserts alert kind/person in grid with deadline due, status and target level. */
static int64_t put(ts__alert_db *d, const char *kind, const char *person, const char *grid,
                   const char *due, const char *status, int target)
{
    ts__alert_row r = row(kind, person, grid);
    r.due = due;
    r.target_level = target;
    int64_t id = insert(d, &r);
    if (strcmp(status, "new") != 0) {
        ts__alert_row st = {.id = id,
                            .status = status,
                            .due = due,
                            .acked_in_time = -1,
                            .claimed_by = strcmp(status, "claimed") ? NULL : "o-x"};
        ts_err err;
        fx_ok(ts__alert_db_set_state(d, &st, false, &err), &err);
    }
    return id;
}

static void test_overdue_and_next(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    put(d, "early", "P-1", "T01-V01-G01", "2026-12-01T08:30:00Z", "new", 3);          /* 1 */
    put(d, "early", "P-2", "T01-V01-G02", "2026-12-01T08:10:00Z", "acknowledged", 2); /* 2 */
    put(d, "quick", "P-3", "T01-V01-G01", "2026-12-01T08:00:00Z", "closed", 3);       /* 3 */
    put(d, "quick", "P-4", "T01-V01-G01", "2026-12-01T07:00:00Z", "new", 0);          /* 4 */
    put(d, "detailed", "P-5", "T01-V02-G01", "2026-12-01T09:00:00Z", "new", 3);       /* 5 */
    put(d, "quick", "P-6", "T01-V01-G01", "2026-12-01T08:30:00Z", "new", 3);          /* 6 */
    put(d, "detailed", "P-7", "T01-V01-G01", "2026-12-01T08:30:00Z", "claimed", 1);   /* 7 */
    /* the sweep's candidates: open, below the county desk, due at or before `at`, earliest
     * first, at most limit */
    got g = {0};
    fx_ok(ts__alert_db_overdue(d, "2026-12-01T08:09:59Z", 10, collect, &g, &err), &err);
    assert_int_equal(g.n, 0);
    fx_ok(ts__alert_db_overdue(d, "2026-12-01T08:30:00Z", 10, collect, &g, &err), &err);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.id[0], 2);
    for (size_t i = 1; i < 4; i++)
        assert_true(g.id[i] == 1 || g.id[i] == 6 || g.id[i] == 7);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_overdue(d, "2026-12-01T10:00:00Z", 2, collect, &g, &err), &err);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.id[0], 2);
    /* claim-next: "new" only, earliest deadline, then quick/detailed/early, then oldest */
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_next_new(d, NULL, NULL, collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.id[0], 4); /* the county desk's alert is still unclaimed */
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_next_new(d, "[\"T01-V01-G01\"]", "early", collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.id[0], 1);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_next_new(d, "[\"T01-V02-G01\",\"T01-V02\"]", NULL, collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.id[0], 5);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_next_new(d, "[\"T01-V01-G02\"]", NULL, collect, &g, &err), &err);
    assert_int_equal(g.n, 0); /* P-2's is acknowledged */
    /* P-4 claimed: the tie at 08:30 goes to the quick one, then the early one */
    ts__alert_row st = {.id = 4, .status = "claimed", .claimed_by = "o-x", .acked_in_time = -1};
    fx_ok(ts__alert_db_set_state(d, &st, false, &err), &err);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_next_new(d, "[\"T01-V01-G01\"]", NULL, collect, &g, &err), &err);
    assert_int_equal(g.id[0], 6);
    st.id = 6;
    fx_ok(ts__alert_db_set_state(d, &st, false, &err), &err);
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_next_new(d, "[\"T01-V01-G01\"]", NULL, collect, &g, &err), &err);
    assert_int_equal(g.id[0], 1);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    ts__alert_db_close(d);
}

static const char *ids(const got *g, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < g->n; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%lld", i ? " " : "", (long long)g->id[i]);
    return buf;
}

static const char *query(store_fx *fx, const ts__alert_query *q, char *buf, size_t cap)
{
    got g = {0};
    ts_err err;
    fx_ok(ts__alerts_query(fx->s, q, collect, &g, &err), &err);
    for (size_t i = 1; i < g.n; i++)
        assert_true(g.seq[i] > g.seq[i - 1]);
    return ids(&g, buf, cap);
}

static void test_feed_query(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    char buf[128];
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    put(d, "early", "P-1", "T01-V01-G01", "2026-12-02T00:00:00Z", "new", 3);          /* 1 */
    put(d, "detailed", "P-2", "T01-V02-G01", "2026-12-02T00:00:00Z", "claimed", 3);   /* 2 */
    put(d, "early", "P-3", "T01-V01-G02", "2026-12-02T00:00:00Z", "acknowledged", 3); /* 3 */
    put(d, "quick", "P-4", "T01-V01-G01", "2026-12-02T00:00:00Z", "closed", 3);       /* 4 */
    ts__alert_row r = row("quick", "P-5", "T01-V02-G01");
    r.route = "[\"o-t01\"]";
    r.created = "2026-12-03T00:00:00Z";
    insert(d, &r); /* 5 */
    /* 1 escalates: it moves to the head */
    ts__alert_row lv = {.id = 1,
                        .level = 1,
                        .target_level = 2,
                        .route = "[\"o-t01-v01-g01\",\"o-t01-v01\",\"o-t01\"]",
                        .due = "2026-12-03T00:00:00Z"};
    fx_ok(ts__alert_db_set_level(d, &lv, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_string_equal(query(fx, &(ts__alert_query){0}, buf, sizeof buf), "2 3 4 5 1");
    assert_string_equal(query(fx, &(ts__alert_query){.since = 4}, buf, sizeof buf), "5 1");
    assert_string_equal(query(fx, &(ts__alert_query){.since = 6}, buf, sizeof buf), "");
    assert_string_equal(query(fx, &(ts__alert_query){.kind = "early"}, buf, sizeof buf), "3 1");
    assert_string_equal(query(fx, &(ts__alert_query){.status = "claimed"}, buf, sizeof buf), "2");
    assert_string_equal(query(fx, &(ts__alert_query){.status = "open"}, buf, sizeof buf),
                        "2 3 5 1");
    assert_string_equal(
        query(fx, &(ts__alert_query){.status = "closed", .kind = "quick"}, buf, sizeof buf), "4");
    /* officer: in the route, or the claimer ("o-x" claimed 2) */
    assert_string_equal(query(fx, &(ts__alert_query){.officer = "o-t01"}, buf, sizeof buf), "5 1");
    assert_string_equal(query(fx, &(ts__alert_query){.officer = "o-x"}, buf, sizeof buf), "2");
    assert_string_equal(query(fx, &(ts__alert_query){.officer = "o-t01-v01"}, buf, sizeof buf),
                        "2 3 4 1");
    /* exactly the cells given (the caller expands a scope) */
    assert_string_equal(query(fx, &(ts__alert_query){.cells = "[\"T01-V02-G01\",\"T01-V01-G02\"]"},
                              buf, sizeof buf),
                        "2 3 5");
    assert_string_equal(query(fx, &(ts__alert_query){.cells = "[\"T01\"]"}, buf, sizeof buf), "");
    assert_string_equal(
        query(fx, &(ts__alert_query){.created_since = "2026-12-02T00:00:00Z"}, buf, sizeof buf),
        "5");
    assert_string_equal(query(fx, &(ts__alert_query){.limit = 2}, buf, sizeof buf), "2 3");
    assert_string_equal(query(fx,
                              &(ts__alert_query){.since = 2,
                                                 .status = "open",
                                                 .officer = "o-t01-v01",
                                                 .cells = "[\"T01-V01-G01\",\"T01-V01-G02\"]",
                                                 .limit = 5},
                              buf, sizeof buf),
                        "3 1");
    /* a callback's status stops the feed and is returned */
    got g = {.n = 8};
    assert_int_equal(ts__alerts_query(fx->s, &(ts__alert_query){0}, collect, &g, &err), TS_LIMIT);
    ts__alert_db_close(d);
}

typedef struct stat_seen {
    char line[8][160];
    size_t n;
} stat_seen;

static ts_status on_stat(void *ud, const ts__alert_stat_row *r, ts_err *err)
{
    (void)err;
    stat_seen *s = ud;
    if (s->n == 8)
        return TS_LIMIT;
    snprintf(s->line[s->n++], sizeof s->line[0], "%s %s %s %s %s %s %s t%d i%d", r->kind, r->grid,
             r->status, r->created, r->acked_at ? r->acked_at : "-",
             r->closed_at ? r->closed_at : "-", r->due ? r->due : "-", r->target_level,
             r->acked_in_time);
    return TS_OK;
}

static void test_stat_rows(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    put(d, "early", "P-1", "T01-V01-G01", "2026-12-02T00:00:00Z", "new", 3);
    int64_t b = put(d, "quick", "P-2", "T01-V02-G01", "2026-12-02T00:00:00Z", "new", 1);
    ts__alert_row st = {.id = b,
                        .status = "closed",
                        .acked_at = "2026-12-01T08:20:00Z",
                        .closed_at = "2026-12-01T09:00:00Z",
                        .outcome = "valuable",
                        .acked_in_time = 1};
    fx_ok(ts__alert_db_set_state(d, &st, false, &err), &err);
    /* an escalation moves the feed, not the statistics' id order */
    ts__alert_row lv = {
        .id = 1, .level = 1, .target_level = 2, .route = "[]", .due = "2026-12-03T00:00:00Z"};
    fx_ok(ts__alert_db_set_level(d, &lv, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    stat_seen s = {0};
    fx_ok(ts__alerts_stat_rows(fx->s, NULL, on_stat, &s, &err), &err);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.line[0], "early T01-V01-G01 new 2026-12-01T08:00:00Z - - "
                                   "2026-12-03T00:00:00Z t2 i-1");
    assert_string_equal(s.line[1], "quick T01-V02-G01 closed 2026-12-01T08:00:00Z "
                                   "2026-12-01T08:20:00Z 2026-12-01T09:00:00Z - t1 i1");
    memset(&s, 0, sizeof s);
    fx_ok(ts__alerts_stat_rows(fx->s, "[\"T01-V02-G01\"]", on_stat, &s, &err), &err);
    assert_int_equal(s.n, 1);
    assert_non_null(strstr(s.line[0], "quick T01-V02-G01"));
    s.n = 8;
    assert_int_equal(ts__alerts_stat_rows(fx->s, NULL, on_stat, &s, &err), TS_LIMIT);
    ts__alert_db_close(d);
}

typedef struct member_seen {
    bool seen;
    char colour[16], next_review[16], reasons[128];
    int64_t score;
} member_seen;

static ts_status on_member(void *ud, const char *colour, int64_t score, const char *next_review,
                           const char *reasons, ts_err *err)
{
    (void)err;
    member_seen *m = ud;
    m->seen = true;
    m->score = score;
    snprintf(m->colour, sizeof m->colour, "%s", colour ? colour : "-");
    snprintf(m->next_review, sizeof m->next_review, "%s", next_review ? next_review : "-");
    snprintf(m->reasons, sizeof m->reasons, "%s", reasons ? reasons : "-");
    return TS_OK;
}

static void test_colour_member(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    int32_t today = fx_day("2026-11-25");
    ts_list_row p = {.person = "P-1",
                     .colour = TS_COLOUR_YELLOW,
                     .engine_colour = TS_COLOUR_YELLOW,
                     .regional_colour = TS_COLOUR_YELLOW,
                     .override_colour = -1,
                     .override_until = TS_DATE_NONE,
                     .score = 55,
                     .regional_score = 55,
                     .since = today,
                     .next_review = today + 7,
                     .reasons = "[{\"id\":\"a\",\"evidence\":\"\"}]",
                     .regional_reasons = "[]"};
    fx_ok(ts_store_begin(fx->s, &err), &err);
    fx_ok(ts_store_put_list(fx->s, &p, 3, &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    char colour[16] = "";
    bool listed = false;
    fx_ok(ts__alert_db_colour(d, "P-1", colour, sizeof colour, &listed, &err), &err);
    assert_true(listed);
    assert_string_equal(colour, "yellow");
    fx_ok(ts__alert_db_colour(d, "P-9", colour, sizeof colour, &listed, &err), &err);
    assert_false(listed);
    member_seen m = {0};
    fx_ok(ts__alert_db_member(d, "P-1", on_member, &m, &err), &err);
    assert_true(m.seen);
    assert_string_equal(m.colour, "yellow");
    assert_int_equal(m.score, 55);
    assert_string_equal(m.next_review, "2026-12-02");
    assert_string_equal(m.reasons, "[{\"id\":\"a\",\"evidence\":\"\"}]");
    memset(&m, 0, sizeof m);
    fx_ok(ts__alert_db_member(d, "P-9", on_member, &m, &err), &err);
    assert_false(m.seen);
    /* the statements follow the connection they were opened on */
    assert_true(ts__alert_db_is_for(d, fx->s));
    ts__alert_db_close(d);
    ts__alert_db_close(NULL);
}

static int64_t seq_of(ts__alert_db *d, int64_t id)
{
    full f;
    get(d, id, &f);
    assert_true(f.seen);
    return f.r.seq;
}

/* Feed positions: counted by the store inside a write transaction (read once), computed
 * by the statement outside one; an update that finds no row takes none, a savepoint's
 * undo and another connection's writes between transactions are seen, so positions stay
 * consecutive and unique. */
static void test_feed_positions(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    ts__alert_row r = row("quick", "P-1", "T01-V01-G01");
    int64_t a = insert(d, &r), b = insert(d, &r);
    assert_int_equal(seq_of(d, a), 1);
    assert_int_equal(seq_of(d, b), 2);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    int64_t c = insert(d, &r);
    ts__alert_row mv = {.id = a, .status = "claimed", .acked_in_time = -1};
    fx_ok(ts__alert_db_set_state(d, &mv, true, &err), &err);
    ts__alert_row lv = {.id = b, .level = 1, .target_level = 2, .route = "[]"};
    fx_ok(ts__alert_db_set_level(d, &lv, &err), &err);
    mv.id = 999; /* no such alert: no position taken */
    fx_ok(ts__alert_db_set_state(d, &mv, true, &err), &err);
    int64_t e = insert(d, &r);
    fx_ok(ts_store_savepoint(fx->s, &err), &err);
    (void)insert(d, &r);
    fx_ok(ts_store_savepoint_undo(fx->s, &err), &err);
    int64_t f = insert(d, &r);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_int_equal(seq_of(d, c), 3);
    assert_int_equal(seq_of(d, a), 4);
    assert_int_equal(seq_of(d, b), 5);
    assert_int_equal(seq_of(d, e), 6);
    assert_int_equal(seq_of(d, f), 7);
    /* another connection writes between this one's transactions */
    ts_store *s2 = NULL;
    fx_ok(ts_store_open(fx->db, TS_STORE_READWRITE, &s2, &err), &err);
    ts__alert_db *d2 = NULL;
    fx_ok(ts__alert_db_open(s2, &d2, &err), &err);
    fx_ok(ts_store_begin(s2, &err), &err);
    int64_t g = insert(d2, &r);
    fx_ok(ts_store_commit(s2, &err), &err);
    ts__alert_db_close(d2);
    ts_store_close(s2);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    int64_t h = insert(d, &r);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    assert_int_equal(seq_of(d, g), 8);
    assert_int_equal(seq_of(d, h), 9);
    ts__alert_db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_read_back, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_dedup_causes_evidence, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_state_level_history, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_overdue_and_next, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_feed_query, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_stat_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_colour_member, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_feed_positions, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
