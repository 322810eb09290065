/* app/judged.c — what a screening judged, per person and side (triscreen/judged.h):
 * an open-addressing table from person id to row; strings and rule-id arrays live in one
 * arena (rule ids interned, so a row's rules are pointers into a small table). */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "triscreen/arena.h"
#include "triscreen/fired.h"
#include "triscreen/judged.h"
#include "triscreen/rulehost.h"

struct ts_judged_set {
    const ts_grid *grid;
    ts_arena arena;   /* person ids, grids, interned rule ids, rule arrays */
    ts_arena scratch; /* one call's parsed rules */
    ts_impact_row *rows;
    size_t n, cap;
    uint32_t *slots; /* row index + 1, 0 = empty; cap_slots is a power of two */
    size_t cap_slots;
    const char **rule_ids; /* interned, open addressing */
    size_t n_rules, cap_rules;
    bool sorted;
    bool failed;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

ts_status ts_judged_set_new(const ts_grid *grid, ts_judged_set **out, ts_err *err)
{
    ts_judged_set *set = calloc(1, sizeof *set);
    if (!set)
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    set->grid = grid;
    ts_arena_init(&set->arena, TS_LIMIT_ARENA_JUDGED);
    ts_arena_init(&set->scratch, TS_LIMIT_RULES_JSON * 4);
    set->sorted = true;
    *out = set;
    return TS_OK;
}

void ts_judged_set_free(ts_judged_set *set)
{
    if (!set)
        return;
    ts_arena_release(&set->arena);
    ts_arena_release(&set->scratch);
    free(set->rows);
    free(set->slots);
    free(set->rule_ids);
    free(set);
}

static bool grow_slots(ts_judged_set *set)
{
    size_t cap = set->cap_slots ? set->cap_slots * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < set->n; i++) {
        size_t k = hash_str(set->rows[i].person) & (cap - 1);
        while (slots[k])
            k = (k + 1) & (cap - 1);
        slots[k] = (uint32_t)(i + 1);
    }
    free(set->slots);
    set->slots = slots;
    set->cap_slots = cap;
    return true;
}

/* The row of person (made when new); NULL out of memory. The table holds row indices,
 * so sorting (ts_judged_rows) rebuilds it. */
static ts_impact_row *row_for(ts_judged_set *set, const char *person, const char *grid)
{
    if (set->n * 2 >= set->cap_slots && !grow_slots(set))
        return NULL;
    size_t k = hash_str(person) & (set->cap_slots - 1);
    while (set->slots[k]) {
        ts_impact_row *r = &set->rows[set->slots[k] - 1];
        if (!strcmp(r->person, person))
            return r;
        k = (k + 1) & (set->cap_slots - 1);
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 1024;
        ts_impact_row *rows = realloc(set->rows, cap * sizeof *rows);
        if (!rows)
            return NULL;
        set->rows = rows;
        set->cap = cap;
    }
    ts_impact_row *r = &set->rows[set->n];
    memset(r, 0, sizeof *r);
    r->person = ts_arena_strdup(&set->arena, person);
    r->grid = ts_arena_strdup(&set->arena, grid ? grid : "");
    const ts_cell *cell = set->grid && grid ? ts_grid_find(set->grid, grid) : NULL;
    const ts_cell *town = cell ? ts_grid_ancestor(cell, TS_CELL_TOWN) : NULL;
    r->town = town ? town->code : "";
    if (!r->person || !r->grid)
        return NULL;
    if (set->n && strcmp(set->rows[set->n - 1].person, person) > 0)
        set->sorted = false;
    set->slots[k] = (uint32_t)(++set->n);
    return r;
}

static const char *intern_rule(ts_judged_set *set, const char *id)
{
    if (set->n_rules * 2 >= set->cap_rules) {
        size_t cap = set->cap_rules ? set->cap_rules * 2 : 64;
        const char **t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t i = 0; i < set->cap_rules; i++) {
            if (!set->rule_ids[i])
                continue;
            size_t k = hash_str(set->rule_ids[i]) & (cap - 1);
            while (t[k])
                k = (k + 1) & (cap - 1);
            t[k] = set->rule_ids[i];
        }
        free(set->rule_ids);
        set->rule_ids = t;
        set->cap_rules = cap;
    }
    size_t k = hash_str(id) & (set->cap_rules - 1);
    while (set->rule_ids[k]) {
        if (!strcmp(set->rule_ids[k], id))
            return set->rule_ids[k];
        k = (k + 1) & (set->cap_rules - 1);
    }
    const char *copy = ts_arena_strdup(&set->arena, id);
    if (copy) {
        set->rule_ids[k] = copy;
        set->n_rules++;
    }
    return copy;
}

static int cmp_ptr_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* all[0..k) sorted, duplicates dropped, becomes the side's rules. */
static void set_sorted(ts_impact_side *side, const char **all, size_t k)
{
    qsort(all, k, sizeof *all, cmp_ptr_str);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (!u || strcmp(all[u - 1], all[i]))
            all[u++] = all[i];
    side->rules = all;
    side->n_rules = u;
}

/* The ids of a JSON array of fired-rule objects → interned, sorted, unique,
 * merged with (when keep) the side's current rules. */
static bool set_rules(ts_judged_set *set, ts_impact_side *side, const char *json, bool keep)
{
    ts_arena_reset(&set->scratch);
    size_t n = 0;
    const char **ids = NULL;
    ts_fired_rule *v = NULL;
    if (ts_fired_rules_read(json, &set->scratch, &v, &n, NULL) != TS_OK)
        n = 0; /* a rules text that does not parse counts no rules */
    ids = n ? ts_arena_alloc(&set->scratch, n * sizeof *ids) : NULL;
    if (n && !ids)
        return false;
    for (size_t i = 0; i < n; i++)
        ids[i] = v[i].id;
    size_t total = n + (keep ? side->n_rules : 0);
    if (!total) {
        side->rules = NULL;
        side->n_rules = 0;
        return true;
    }
    const char **all = ts_arena_alloc(&set->arena, total * sizeof *all);
    if (!all)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!(all[k++] = intern_rule(set, ids[i])))
            return false;
    if (keep)
        for (size_t i = 0; i < side->n_rules; i++)
            all[k++] = side->rules[i];
    set_sorted(side, all, k);
    return true;
}

/* The side's rules merged with the typed ones of a judgement (no JSON to parse). */
static bool add_fired(ts_judged_set *set, ts_impact_side *side, const ts_screen_judged *j)
{
    size_t total = j->n_fired + side->n_rules;
    if (!total)
        return true;
    const char **all = ts_arena_alloc(&set->arena, total * sizeof *all);
    if (!all)
        return false;
    size_t k = 0;
    for (size_t i = 0; i < j->n_fired; i++) {
        const ts_rule_info *ri = ts_rulepack_rule(j->pack, j->fired[i].rule);
        if (ri && !(all[k++] = intern_rule(set, ri->id)))
            return false;
    }
    for (size_t i = 0; i < side->n_rules; i++)
        all[k++] = side->rules[i];
    set_sorted(side, all, k);
    return true;
}

void ts_judged_collect(void *ud, const ts_screen_judged *j)
{
    ts_judged_sink *sink = ud;
    ts_judged_set *set = sink->set;
    if (set->failed)
        return;
    ts_impact_row *r = row_for(set, j->person, j->grid);
    if (!r) {
        set->failed = true;
        return;
    }
    ts_impact_side *side = sink->side ? &r->after : &r->before;
    side->colour = j->to;
    if (j->pass != TS_PASS_FULL)
        side->score = j->score;
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        side->alerts[k] = side->alerts[k] || j->alerts[k];
    bool ok = j->pack ? add_fired(set, side, j) : set_rules(set, side, j->rules, true);
    if (!ok)
        set->failed = true;
}

ts_status ts_judged_put(ts_judged_set *set, int side_ix, const char *person, const char *grid,
                        ts_colour colour, int score, const char *rules_json, unsigned alerts,
                        ts_err *err)
{
    ts_impact_row *r = row_for(set, person, grid);
    if (!r)
        return ts_err_set(err, TS_NOMEM, NULL, "out of memory (judgements)");
    ts_impact_side *side = side_ix ? &r->after : &r->before;
    side->colour = colour;
    side->score = score;
    for (int k = 0; k < TS_FEEDBACK_N; k++)
        side->alerts[k] = (alerts >> k) & 1u;
    if (!set_rules(set, side, rules_json, false))
        return ts_err_set(err, TS_NOMEM, NULL, "out of memory (judgements)");
    return TS_OK;
}

ts_status ts_judged_set_status(const ts_judged_set *set, ts_err *err)
{
    return set->failed ? ts_err_set(err, TS_NOMEM, NULL, "out of memory (judgements)") : TS_OK;
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const ts_impact_row *)a)->person, ((const ts_impact_row *)b)->person);
}

const ts_impact_row *ts_judged_rows(ts_judged_set *set, size_t *n)
{
    if (!set->sorted) {
        qsort(set->rows, set->n, sizeof *set->rows, cmp_row);
        set->sorted = true;
        /* the slots point at row indices: rebuild them */
        if (set->slots) {
            memset(set->slots, 0, set->cap_slots * sizeof *set->slots);
            for (size_t i = 0; i < set->n; i++) {
                size_t k = hash_str(set->rows[i].person) & (set->cap_slots - 1);
                while (set->slots[k])
                    k = (k + 1) & (set->cap_slots - 1);
                set->slots[k] = (uint32_t)(i + 1);
            }
        }
    }
    *n = set->n;
    return set->rows;
}

ts_status ts_judged_merge(ts_judged_set *before, ts_judged_set *after, ts_impact_row **rows,
                          size_t *n, ts_err *err)
{
    size_t nb = 0, na = 0;
    const ts_impact_row *b = ts_judged_rows(before, &nb);
    const ts_impact_row *a = ts_judged_rows(after, &na);
    ts_impact_row *out = malloc((nb + na ? nb + na : 1) * sizeof *out);
    *rows = out;
    *n = 0;
    if (!out)
        return ts_err_set(err, TS_NOMEM, NULL, "out of memory (judgements)");
    size_t i = 0, j = 0, k = 0;
    while (i < nb || j < na) {
        int c = i >= nb ? 1 : j >= na ? -1 : strcmp(b[i].person, a[j].person);
        ts_impact_row r = c <= 0 ? b[i] : a[j];
        r.before = c <= 0 ? b[i].before : (ts_impact_side){0};
        r.after = c >= 0 ? a[j].after : (ts_impact_side){0};
        out[k++] = r;
        i += c <= 0;
        j += c >= 0;
    }
    *n = k;
    return TS_OK;
}
