/* tests/unit/store/test_alert_rows.c — alert rows in the store: insert and read back,
 * de-duplication by key while an alert is open (not after close, not for a superseded
 * row), ack/close status changes with their history, an escalation row carrying the
 * alert's id (the live row), the feed in cursor order with its filters, and the max
 * cursor. */
#include "store/store_fx.h"

#include "store/alerts_store.h"
#include "store/lists_query.h"

static ts__alert_row row(const char *kind, const char *person, const char *grid, const char *dedup)
{
    ts__alert_row r = {.kind = kind,
                       .person = person,
                       .grid = grid,
                       .colour = "red",
                       .rules = "[{\"id\":\"r.red\",\"evidence\":\"e\"}]",
                       .route = "[\"o-t01-v01-g01\",\"o-t01-v01\"]",
                       .created = "2026-12-01T08:00:00Z",
                       .status = "new",
                       .dedup = dedup};
    return r;
}

typedef struct got {
    int64_t cursor[8], id[8];
    char text[8][96];
    size_t n;
} got;

static ts_status collect(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    (void)stop;
    (void)err;
    got *g = ud;
    if (g->n == 8)
        return TS_LIMIT;
    g->cursor[g->n] = r->cursor;
    g->id[g->n] = r->id;
    snprintf(g->text[g->n], sizeof g->text[0], "%s %s %s %s %s L%d%s%s", r->kind, r->person,
             r->grid, r->colour ? r->colour : "-", r->status, r->level, r->escalated ? " esc " : "",
             r->escalated ? r->escalated : "");
    g->n++;
    return TS_OK;
}

static int64_t insert(ts__alert_db *d, const ts__alert_row *r)
{
    int64_t cursor = 0;
    ts_err err;
    fx_ok(ts__alert_db_insert(d, r, &cursor, &err), &err);
    return cursor;
}

static bool dup_open(ts__alert_db *d, const char *dedup)
{
    bool open = true;
    ts_err err;
    fx_ok(ts__alert_db_dup_open(d, dedup, &open, &err), &err);
    return open;
}

static void test_insert_dedupe_states(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    assert_true(ts__alert_db_is_for(d, fx->s));
    assert_false(ts__alerts_in_tx(fx->s));
    fx_ok(ts_store_begin(fx->s, &err), &err);
    assert_true(ts__alerts_in_tx(fx->s));

    assert_false(dup_open(d, "detailed|P-1|r.red"));
    ts__alert_row r = row("detailed", "P-1", "T01-V01-G01", "detailed|P-1|r.red");
    r.run = 3;
    r.rules_version = "sha256:abc";
    r.headline = "{\"colour\":\"red\"}";
    int64_t c1 = insert(d, &r);
    assert_true(c1 > 0);
    assert_true(dup_open(d, "detailed|P-1|r.red"));
    assert_false(dup_open(d, "detailed|P-1|r.other"));

    /* read back: every column; the id of a first row is its own cursor */
    got g = {0};
    fx_ok(ts__alert_db_get(d, c1, collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.cursor[0], c1);
    assert_int_equal(g.id[0], c1);
    assert_string_equal(g.text[0], "detailed P-1 T01-V01-G01 red new L0");
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_get(d, c1 + 100, collect, &g, &err), &err);
    assert_int_equal(g.n, 0); /* absent: fn not called */

    /* ack, then close: the row changes in place, the history records both */
    fx_ok(ts__alert_db_set_status(d, c1, "acked", &err), &err);
    fx_ok(ts__alert_db_history(d, c1, "acked", "o-t01-v01-g01", "2026-12-01T09:00:00Z", "", &err),
          &err);
    assert_true(dup_open(d, "detailed|P-1|r.red")); /* acked is still open */
    fx_ok(ts__alert_db_set_status(d, c1, "closed", &err), &err);
    fx_ok(
        ts__alert_db_history(d, c1, "closed", "o-t01-v01", "2026-12-01T10:00:00Z", "visited", &err),
        &err);
    assert_false(dup_open(d, "detailed|P-1|r.red"));
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_live(d, c1, collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.text[0], "detailed P-1 T01-V01-G01 red closed L0");

    /* after close the same key may be raised again: a new alert */
    int64_t c2 = insert(d, &r);
    assert_true(c2 > c1);
    assert_true(dup_open(d, "detailed|P-1|r.red"));
    fx_ok(ts_store_commit(fx->s, &err), &err);
    ts__alert_db_close(d);
}

typedef struct hist {
    char line[4][96];
    size_t n;
} hist;

static ts_status on_event(void *ud, const ts__lq_alert_event *e, ts_err *err)
{
    (void)err;
    hist *h = ud;
    if (h->n == 4)
        return TS_LIMIT;
    snprintf(h->line[h->n++], sizeof h->line[0], "%s %s %s %s", e->status, e->by, e->at, e->note);
    return TS_OK;
}

static void test_escalation_and_history(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    fx_ok(ts_store_begin(fx->s, &err), &err);
    ts__alert_row q = row("quick", "P-2", "T01-V01-G02", "quick|P-2|threat");
    q.colour = NULL;
    int64_t first = insert(d, &q);
    fx_ok(ts__alert_db_history(d, first, "new", "engine", q.created, "", &err), &err);

    /* the quick alert is due for escalation at a later cutoff only */
    got g = {0};
    fx_ok(ts__alert_db_due(d, "2026-12-01T07:59:59Z", collect, &g, &err), &err);
    assert_int_equal(g.n, 0);
    fx_ok(ts__alert_db_due(d, "2026-12-01T08:30:00Z", collect, &g, &err), &err);
    assert_int_equal(g.n, 1);

    /* escalation: a new row with the same id, level + 1; the old row superseded */
    ts__alert_row e = q;
    e.id = first;
    e.level = 1;
    e.route = "[\"o-t01-v01-g01\",\"o-t01-v01\",\"o-t01\"]";
    e.escalated = "2026-12-01T08:30:00Z";
    int64_t esc = insert(d, &e);
    assert_true(esc > first);
    fx_ok(ts__alert_db_set_status(d, first, "superseded", &err), &err);
    fx_ok(ts__alert_db_history(d, first, "escalated", "engine", e.escalated, "", &err), &err);
    /* the superseded row does not count as open; the live one does */
    assert_true(dup_open(d, "quick|P-2|threat"));

    /* the live row is found from the id or from any row's cursor */
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_live(d, first, collect, &g, &err), &err);
    fx_ok(ts__alert_db_live(d, esc, collect, &g, &err), &err);
    assert_int_equal(g.n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(g.cursor[i], esc);
        assert_int_equal(g.id[i], first);
        assert_string_equal(g.text[i], "quick P-2 T01-V01-G02 - new L1 esc 2026-12-01T08:30:00Z");
    }
    /* not due again before its escalation time is old enough */
    memset(&g, 0, sizeof g);
    fx_ok(ts__alert_db_due(d, "2026-12-01T08:29:00Z", collect, &g, &err), &err);
    assert_int_equal(g.n, 0);
    /* closing the live row closes the alert: the superseded row keeps no key open */
    fx_ok(ts__alert_db_set_status(d, esc, "closed", &err), &err);
    assert_false(dup_open(d, "quick|P-2|threat"));
    fx_ok(ts_store_commit(fx->s, &err), &err);

    /* the history of the alert, by id number, in order */
    hist h = {0};
    fx_ok(ts__lq_alert_history(fx->s, first, on_event, &h, &err), &err);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.line[0], "new engine 2026-12-01T08:00:00Z ");
    assert_string_equal(h.line[1], "escalated engine 2026-12-01T08:30:00Z ");
    ts__alert_db_close(d);
}

static void test_feed_cursor_order(void **state)
{
    store_fx *fx = *state;
    ts_err err;
    ts__alert_db *d = NULL;
    fx_ok(ts__alert_db_open(fx->s, &d, &err), &err);
    int64_t max = -1;
    fx_ok(ts__alerts_max(fx->s, &max, &err), &err);
    assert_int_equal(max, 0);

    fx_ok(ts_store_begin(fx->s, &err), &err);
    ts__alert_row rows[4] = {
        row("early", "P-1", "T01-V01-G01", "k1"),
        row("detailed", "P-2", "T01-V02-G01", "k2"),
        row("early", "P-3", "T01-V01-G02", "k3"),
        row("quick", "P-4", "T01-V01-G01", "k4"),
    };
    rows[1].route = "[\"o-t01\"]";
    int64_t c[4];
    for (size_t i = 0; i < 4; i++)
        c[i] = insert(d, &rows[i]);
    fx_ok(ts__alert_db_set_status(d, c[2], "acked", &err), &err);
    fx_ok(ts_store_commit(fx->s, &err), &err);
    for (size_t i = 1; i < 4; i++)
        assert_true(c[i] > c[i - 1]);
    fx_ok(ts__alerts_max(fx->s, &max, &err), &err);
    assert_int_equal(max, c[3]);

    /* everything, in cursor order */
    got g = {0};
    ts__alert_query all = {0};
    fx_ok(ts__alerts_query(fx->s, &all, collect, &g, &err), &err);
    assert_int_equal(g.n, 4);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(g.cursor[i], c[i]);

    /* resuming after a cursor sees only what follows */
    memset(&g, 0, sizeof g);
    ts__alert_query since = {.since = c[1]};
    fx_ok(ts__alerts_query(fx->s, &since, collect, &g, &err), &err);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.cursor[0], c[2]);
    assert_int_equal(g.cursor[1], c[3]);

    /* filters: kind, status, officer in the route, grid prefixes */
    memset(&g, 0, sizeof g);
    ts__alert_query early = {.kind = "early"};
    fx_ok(ts__alerts_query(fx->s, &early, collect, &g, &err), &err);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.cursor[0], c[0]);
    assert_int_equal(g.cursor[1], c[2]);
    memset(&g, 0, sizeof g);
    ts__alert_query acked = {.status = "acked"};
    fx_ok(ts__alerts_query(fx->s, &acked, collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.cursor[0], c[2]);
    memset(&g, 0, sizeof g);
    ts__alert_query officer = {.officer = "o-t01"};
    fx_ok(ts__alerts_query(fx->s, &officer, collect, &g, &err), &err);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.cursor[0], c[1]);
    memset(&g, 0, sizeof g);
    /* the cells in scope, exactly (the caller expands a scope to its cells) */
    ts__alert_query cells = {.cells = "[\"T01-V02\",\"T01-V02-G01\",\"T01-V01-G02\"]"};
    fx_ok(ts__alerts_query(fx->s, &cells, collect, &g, &err), &err);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.cursor[0], c[1]);
    assert_int_equal(g.cursor[1], c[2]);

    /* a callback's status stops the feed and is returned */
    g.n = 8;
    assert_int_equal(ts__alerts_query(fx->s, &all, collect, &g, &err), TS_LIMIT);
    ts__alert_db_close(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_insert_dedupe_states, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_escalation_and_history, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_feed_cursor_order, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
