/* lists/near_miss.c — `triscreen lists --near-miss` (triscreen/lists.h): the candidates
 * come from store/lists_query with the scope bound into the SQL; the threshold a score
 * sits under comes from the one decision (ts_decide_threshold_above); the rules that
 * would tip a person come from the pack's rule table. Nothing here prints or writes. */
#include <stdlib.h>
#include <string.h>

#include "triscreen/decide.h"
#include "triscreen/lists.h"
#include "base/limits.h"
#include "lists/lists_int.h"
#include "lists/redact.h"
#include "store/lists_query.h"

typedef struct near_ctx {
    const ts_rulepack *pack;
    const ts_decide_policy *policy;
    int points;
    bool zero_exact; /* a suspect off the lists scored exactly 0 (see lists.h) */
    ts_arena scratch;
    const ts_rule_info **tips; /* one per rule of the pack */
    ts_near_miss_fn fn;
    void *ud;
    ts_near_miss_summary *sum;
} near_ctx;

/* Whether ri can move the person's colour: regional rules always; targeted rules only for
 * a listed person (the targeted pass judges only persons on a list). */
static bool lists_on(const ts_rule_info *ri, bool listed)
{
    return ri->pass == TS_PASS_REGIONAL || (listed && ri->pass == TS_PASS_TARGETED);
}

/* True when no regional rule can fire for a person without listing them: every score is
 * 0 or reaches the lowest enabled threshold (votes always list). The targeted pass never
 * judges a person off the lists. */
static bool pack_zero_exact(const ts_rulepack *pack, const ts_decide_policy *p)
{
    int lowest = -1;
    for (int c = 0; c < TS_COLOUR_N; c++)
        if (c != TS_COLOUR_NONE && p->threshold[c] >= 0 && (lowest < 0 || p->threshold[c] < lowest))
            lowest = p->threshold[c];
    if (lowest < 0)
        return false;
    for (size_t i = 0; i < ts_rulepack_count(pack); i++) {
        const ts_rule_info *ri = ts_rulepack_rule(pack, i);
        if (lists_on(ri, false) && ri->score != 0 && ri->score < lowest)
            return false;
    }
    return true;
}

static bool fired_has(const ts_reason *v, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].id && !strcmp(v[i].id, id))
            return true;
    return false;
}

/* The pack's rules that did not fire and would close the gap to `under` alone. */
static size_t tips_of(near_ctx *c, const ts_near_miss_entry *e)
{
    size_t n = 0;
    for (size_t i = 0; i < ts_rulepack_count(c->pack); i++) {
        const ts_rule_info *ri = ts_rulepack_rule(c->pack, i);
        if (!lists_on(ri, e->listed) || fired_has(e->fired, e->n_fired, ri->id))
            continue;
        if ((ri->score > 0 && ri->score >= e->gap) ||
            (ri->list != TS_COLOUR_NONE && ri->list >= e->under))
            c->tips[n++] = ri;
    }
    return n;
}

static ts_status near_row(void *ud, const ts__lq_near *m, ts_err *err)
{
    near_ctx *c = ud;
    c->sum->candidates++;
    if (!m->scored && !c->zero_exact) {
        c->sum->unscored++;
        return TS_OK;
    }
    ts_near_miss_entry e = {.person = m->person,
                            .grid = m->grid,
                            .colour = ts__lists_colour_of(m->engine_colour),
                            .listed = m->scored,
                            .score = m->score};
    if (m->score > INT32_MAX || m->score < INT32_MIN)
        return TS_OK;
    e.under = ts_decide_threshold_above(c->policy, e.colour, (int)m->score);
    if (e.under == TS_COLOUR_NONE)
        return TS_OK;
    e.threshold = c->policy->threshold[e.under];
    e.gap = (int)(e.threshold - m->score);
    if (e.gap > c->points)
        return TS_OK;
    ts_arena_reset(&c->scratch);
    if (m->reasons && ts__redact_reasons_typed(m->reasons, NULL, false, &c->scratch, &e.fired,
                                               &e.n_fired) != TS_OK)
        return ts_err_set(err, TS_NOMEM, m->person, "out of memory");
    e.n_tips = tips_of(c, &e);
    e.tips = c->tips;
    c->sum->shown++;
    return c->fn(c->ud, &e, err);
}

ts_status ts_near_miss_query(ts_store *s, const ts_grid *g, const ts_rulepack *pack,
                             const ts_decide_policy *policy, int points, const ts_cell *scope,
                             ts_near_miss_fn fn, void *ud, ts_near_miss_summary *sum, ts_err *err)
{
    memset(sum, 0, sizeof *sum);
    near_ctx c = {.pack = pack,
                  .policy = policy,
                  .points = points,
                  .zero_exact = pack_zero_exact(pack, policy),
                  .fn = fn,
                  .ud = ud,
                  .sum = sum};
    ts_arena_init(&c.scratch, TS_LIMIT_LINE * 4);
    ts_buf cells;
    ts_buf_init(&cells, TS_LIMIT_SCOPE_CELLS);
    const char *scope_json = NULL;
    ts_status rc = TS_OK;
    size_t n_rules = ts_rulepack_count(pack);
    c.tips = calloc(n_rules ? n_rules : 1, sizeof *c.tips);
    if (!c.tips)
        rc = ts_err_set(err, TS_NOMEM, NULL, "out of memory");
    if (rc == TS_OK &&
        (rc = ts__lists_scope_cells(g, &scope, 1, scope == NULL, &cells, &scope_json)) != TS_OK)
        rc = ts_err_set(err, rc, "scope", "cannot bind the scope");
    if (rc == TS_OK)
        rc = ts__lq_near_candidates(s, scope_json, near_row, &c, err);
    free(c.tips);
    ts_buf_release(&cells);
    ts_arena_release(&c.scratch);
    return rc;
}
