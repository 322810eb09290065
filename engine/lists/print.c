/* lists/print.c — the typed queries of `triscreen lists`, `ledger` and `due`
 * (triscreen/lists.h): the rows come from store/lists_query with the scope bound into the
 * SQL, and are handed over as typed entries; nothing here prints. Uses lists/redact for
 * the stored reasons. */
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/lists.h"
#include "base/limits.h"
#include "lists/lists_int.h"
#include "lists/redact.h"
#include "store/lists_query.h"

/* What every query carries through its row callback. */
typedef struct query_ctx {
    ts_arena scratch; /* per row, reset after each */
    ts_buf cells;     /* the scope parameter */
    const char *scope_json;
    int32_t now_days; /* due only */
    union {
        ts_list_entry_fn list;
        ts_ledger_entry_fn ledger;
        ts_due_entry_fn due;
    } fn;
    void *ud;
} query_ctx;

static ts_status ctx_start(query_ctx *c, const ts_grid *g, const ts_cell *scope, ts_err *err)
{
    memset(c, 0, sizeof *c);
    /* one row's parsed reasons: at most a stored row's text several times over */
    ts_arena_init(&c->scratch, TS_LIMIT_LINE * 4);
    ts_buf_init(&c->cells, TS_LIMIT_SCOPE_CELLS);
    ts_status rc = ts__lists_scope_cells(g, &scope, 1, scope == NULL, &c->cells, &c->scope_json);
    return rc == TS_OK ? TS_OK : ts_err_set(err, rc, "scope", "cannot bind the scope");
}

static ts_status ctx_finish(query_ctx *c, ts_status rc)
{
    ts_arena_release(&c->scratch);
    ts_buf_release(&c->cells);
    return rc;
}

static ts_status oom(ts_err *err, const char *person)
{
    return ts_err_set(err, TS_NOMEM, person, "out of memory");
}

/* ---- lists --------------------------------------------------------------------------------- */

static ts_status list_row(void *ud, const ts__lq_member *m, ts_err *err)
{
    query_ctx *c = ud;
    ts_list_entry e = {.person = m->person,
                       .colour = ts__lists_colour_of(m->colour),
                       .grid = m->grid,
                       .score = m->score,
                       .since = m->since,
                       .next_review = m->next_review,
                       .override_colour = m->override_colour,
                       .override_by = m->override_by};
    ts_arena_reset(&c->scratch);
    if (ts__redact_reasons_typed(m->reasons, NULL, false, &c->scratch, &e.rules, &e.n_rules) !=
        TS_OK)
        return oom(err, m->person);
    return c->fn.list(c->ud, &e, err);
}

ts_status ts_lists_query(ts_store *s, const ts_grid *g, ts_colour colour, const ts_cell *scope,
                         ts_list_entry_fn fn, void *ud, ts_err *err)
{
    query_ctx c;
    ts_status rc = ctx_start(&c, g, scope, err);
    c.fn.list = fn;
    c.ud = ud;
    if (rc == TS_OK)
        rc = ts__lq_members(s, colour == TS_COLOUR_NONE ? NULL : ts__lists_colour_text(colour),
                            c.scope_json, list_row, &c, err);
    return ctx_finish(&c, rc);
}

/* ---- ledger -------------------------------------------------------------------------------- */

static ts_status ledger_row(void *ud, const ts__lq_ledger *l, ts_err *err)
{
    query_ctx *c = ud;
    ts_ledger_entry e = {
        .person = l->person, .grid = l->grid, .suspect = l->suspect, .run = l->run};
    ts_arena_reset(&c->scratch);
    if (ts__reason_ids(l->gaps, &c->scratch, &e.gaps, &e.n_gaps) != TS_OK ||
        ts__redact_reasons_typed(l->rules, NULL, false, &c->scratch, &e.rules, &e.n_rules) != TS_OK)
        return oom(err, l->person);
    return c->fn.ledger(c->ud, &e, err);
}

ts_status ts_ledger_query(ts_store *s, const ts_grid *g, const ts_cell *scope, bool suspects,
                          ts_ledger_entry_fn fn, void *ud, ts_err *err)
{
    query_ctx c;
    ts_status rc = ctx_start(&c, g, scope, err);
    c.fn.ledger = fn;
    c.ud = ud;
    if (rc == TS_OK)
        rc = ts__lq_ledger_latest(s, c.scope_json, suspects, ledger_row, &c, err);
    return ctx_finish(&c, rc);
}

/* ---- due ----------------------------------------------------------------------------------- */

static ts_status due_row(void *ud, const ts__lq_member *m, ts_err *err)
{
    query_ctx *c = ud;
    int32_t due;
    ts_due_entry e = {.person = m->person,
                      .colour = ts__lists_colour_of(m->colour),
                      .grid = m->grid,
                      .next_review = m->next_review};
    if (m->next_review && ts_date_parse(m->next_review, strlen(m->next_review), &due))
        e.overdue_days = (int64_t)c->now_days - due;
    return c->fn.due(c->ud, &e, err);
}

ts_status ts_due_query(ts_store *s, const ts_grid *g, const ts_cell *scope, const char *now,
                       ts_due_entry_fn fn, void *ud, ts_err *err)
{
    int32_t now_days;
    if (!now || !ts_date_parse(now, strlen(now), &now_days))
        return ts_err_set(err, TS_USAGE, "now", "'%s' is not a date (YYYY-MM-DD)", now ? now : "");
    query_ctx c;
    ts_status rc = ctx_start(&c, g, scope, err);
    c.fn.due = fn;
    c.ud = ud;
    c.now_days = now_days;
    if (rc == TS_OK)
        rc = ts__lq_due(s, now, c.scope_json, due_row, &c, err);
    return ctx_finish(&c, rc);
}
