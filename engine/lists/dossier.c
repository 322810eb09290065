/* lists/dossier.c — ts_dossier_load (triscreen/lists.h): everything known about one
 * person — record, events, ledger history, list state and history, the circle (depth 1
 * and 2 with each related person's colour), reviews and alerts — as typed data for one
 * reader. Reads through ts_store_get_person and store/lists_query with the reader's cells
 * bound into the SQL; evidence and headlines are rendered for the reader by
 * lists/redact. Nothing here prints (engine/render does). */
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/lists.h"
#include "triscreen/rules_version.h"
#include "triscreen/record.h"
#include "base/limits.h"
#include "lists/lists_int.h"
#include "lists/redact.h"
#include "store/lists_query.h"

/* What the row callbacks fill, all in one arena. */
typedef struct loader {
    ts_store *s;
    ts_arena *a;
    const ts_reader *rd;
    const char *cells; /* the reader's cells as the SQL parameter, NULL = unscoped */
    bool ok;           /* false once an allocation failed */
    void *arr;         /* the array being filled */
    size_t n, cap;
} loader;

static const char *cp(loader *l, const char *s)
{
    if (!s)
        return NULL;
    char *d = ts_arena_strdup(l->a, s);
    if (!d)
        l->ok = false;
    return d;
}

/* The next free element of the array being filled (zeroed), NULL when out of memory. */
static void *next_slot(loader *l, size_t size)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        void *g = ts_arena_alloc(l->a, ncap * size);
        if (!g) {
            l->ok = false;
            return NULL;
        }
        if (l->n)
            memcpy(g, l->arr, l->n * size);
        l->arr = g;
        l->cap = ncap;
    }
    void *slot = (char *)l->arr + l->n++ * size;
    memset(slot, 0, size);
    return slot;
}

/* Starts filling a new array. */
static void begin(loader *l)
{
    l->arr = NULL;
    l->n = l->cap = 0;
}

static ts_status status_of(loader *l, ts_err *err, const char *what)
{
    return l->ok ? TS_OK : ts_err_set(err, TS_NOMEM, NULL, "dossier: %s", what);
}

/* ---- history sections ------------------------------------------------------------------- */

static ts_status ledger_row(void *ud, const ts__lq_ledger *r, ts_err *err)
{
    loader *l = ud;
    ts_dossier_ledger *o = next_slot(l, sizeof *o);
    if (!o)
        return status_of(l, err, "ledger");
    o->run = r->run;
    o->now = cp(l, r->now);
    o->grid = cp(l, r->grid);
    o->suspect = r->suspect;
    if (ts__reason_ids(r->gaps, l->a, &o->gaps, &o->n_gaps) != TS_OK ||
        ts__redact_reasons_typed(r->rules, l->rd, false, l->a, &o->rules, &o->n_rules) != TS_OK)
        l->ok = false;
    return status_of(l, err, "ledger");
}

static const char *colour_or_null(loader *l, const char *c)
{
    return c && strcmp(c, "none") ? cp(l, c) : NULL;
}

static ts_status transition_row(void *ud, const ts__lq_transition *t, ts_err *err)
{
    loader *l = ud;
    ts_dossier_change *o = next_slot(l, sizeof *o);
    if (!o)
        return status_of(l, err, "list history");
    o->at = cp(l, t->at);
    o->run = t->run;
    o->from = colour_or_null(l, t->from);
    o->to = colour_or_null(l, t->to);
    o->score = t->score;
    o->actor = cp(l, t->actor);
    if (ts__redact_reasons_typed(t->reasons, l->rd, false, l->a, &o->reasons, &o->n_reasons) !=
        TS_OK)
        l->ok = false;
    return status_of(l, err, "list history");
}

static ts_status review_row(void *ud, const ts__lq_review *r, ts_err *err)
{
    loader *l = ud;
    ts_dossier_review *o = next_slot(l, sizeof *o);
    if (o) {
        o->now = cp(l, r->now);
        o->at = cp(l, r->at);
        o->by = cp(l, r->by);
        o->outcome = cp(l, r->outcome);
        o->colour = cp(l, r->colour);
        o->until = cp(l, r->until);
        o->note = cp(l, r->note);
    }
    return status_of(l, err, "reviews");
}

static ts_status alert_event_row(void *ud, const ts__lq_alert_event *e, ts_err *err)
{
    loader *l = ud;
    ts_dossier_alert_event *o = next_slot(l, sizeof *o);
    if (o)
        *o = (ts_dossier_alert_event){cp(l, e->status), cp(l, e->by), cp(l, e->at), cp(l, e->note)};
    return status_of(l, err, "alert history");
}

static ts_status alert_row(void *ud, const ts__lq_alert *a, ts_err *err)
{
    loader *l = ud;
    ts_dossier_alert *o = next_slot(l, sizeof *o);
    if (!o)
        return status_of(l, err, "alerts");
    o->cursor = a->cursor;
    o->run = a->run;
    o->kind = cp(l, a->kind);
    o->grid = cp(l, a->grid);
    o->colour = cp(l, a->colour);
    o->created = cp(l, a->created);
    o->status = cp(l, a->status);
    if (ts__redact_headline_json(a->headline, l->rd, l->a, &o->headline) != TS_OK ||
        ts__redact_alert_rules_typed(a->rules, a->headline, l->rd, l->a, &o->rules, &o->n_rules) !=
            TS_OK ||
        ts__reason_ids(a->route, l->a, &o->route, &o->n_route) != TS_OK)
        l->ok = false;
    return status_of(l, err, "alerts");
}

/* The alert events of every alert, after the alerts query (queries do not nest here). */
static ts_status alert_histories(loader *l, ts_dossier_alert *al, size_t n, ts_err *err)
{
    for (size_t i = 0; i < n; i++) {
        begin(l);
        ts_status rc = ts__lq_alert_history(l->s, al[i].cursor, alert_event_row, l, err);
        if (rc != TS_OK)
            return rc;
        al[i].history = l->arr;
        al[i].n_history = l->n;
    }
    return TS_OK;
}

/* ---- circle --------------------------------------------------------------------------------- */

/* Rows come ordered by distance, other, kind: a repeated person adds its kind. */
static ts_status circle_row(void *ud, const ts__lq_circle_row *r, ts_err *err)
{
    loader *l = ud;
    ts_dossier_relative *last = l->n ? (ts_dossier_relative *)l->arr + (l->n - 1) : NULL;
    if (last && last->distance == r->distance && !strcmp(last->person, r->other)) {
        last->relation = ts_arena_printf(l->a, "%s,%s", last->relation, r->kind);
        if (!last->relation)
            l->ok = false;
        return status_of(l, err, "circle");
    }
    ts_dossier_relative *o = next_slot(l, sizeof *o);
    if (!o)
        return status_of(l, err, "circle");
    o->person = cp(l, r->other);
    o->distance = r->distance;
    o->relation = cp(l, r->kind);
    o->via = r->via && r->via_visible ? cp(l, r->via) : NULL;
    o->pending = !r->stored;
    o->name = cp(l, r->name);
    o->grid = cp(l, r->grid);
    o->colour = cp(l, r->colour);
    return status_of(l, err, "circle");
}

static ts_status load_circle(loader *l, const char *id, ts_dossier *d, ts_err *err)
{
    begin(l);
    ts_status rc = ts__lq_circle(l->s, id, l->cells, TS_LIMIT_CIRCLE, circle_row, l, err);
    if (rc != TS_OK)
        return rc;
    d->circle = l->arr;
    d->n_circle = l->n;
    if ((rc = ts__lq_circle_truncated(l->s, id, TS_LIMIT_CIRCLE, &d->circle_truncated, err)) !=
        TS_OK)
        return rc;
    if (!l->rd || !l->cells || l->rd->reveal != TS_REVEAL_COUNT)
        return TS_OK;
    int highest = 0;
    rc = ts__lq_circle_outside(l->s, id, l->cells, TS_LIMIT_CIRCLE, &d->outside_relatives, &highest,
                               err);
    d->has_outside = rc == TS_OK && d->outside_relatives > 0;
    d->outside_highest = (ts_colour)highest;
    return rc;
}

/* ---- the document -----------------------------------------------------------------------------
 */

static ts_status load_list(loader *l, const char *id, ts_dossier *d, ts_err *err)
{
    ts__lq_member m;
    bool found = false;
    ts_status rc = ts__lq_member_get(l->s, id, l->a, &m, &found, err);
    if (rc != TS_OK || !found)
        return rc;
    ts_dossier_list *o = ts_arena_calloc(l->a, 1, sizeof *o);
    if (!o)
        return ts_err_set(err, TS_NOMEM, id, "dossier: list");
    o->colour = ts__lists_colour_of(m.colour) != TS_COLOUR_NONE ? m.colour : NULL;
    o->engine_colour = ts__lists_colour_of(m.engine_colour) ? m.engine_colour : NULL;
    o->score = m.score;
    o->run = m.run;
    o->since = m.since;
    o->next_review = m.next_review;
    o->override_colour = m.override_colour;
    o->override_until = m.override_until;
    o->override_by = m.override_by;
    if (ts__redact_reasons_typed(m.reasons, l->rd, false, l->a, &o->reasons, &o->n_reasons) !=
        TS_OK)
        return ts_err_set(err, TS_NOMEM, id, "dossier: reasons");
    d->list = o;
    return TS_OK;
}

/* Keeps of the record's relations those naming a person the reader may see. */
static ts_status scope_relations(loader *l, ts_person *p, ts_err *err)
{
    if (!l->cells)
        return TS_OK;
    size_t kept = 0;
    for (size_t i = 0; i < p->n_relations; i++) {
        bool visible = false;
        ts_status rc = ts__lq_person_visible(l->s, p->relations[i].other, l->cells, &visible, err);
        if (rc != TS_OK)
            return rc;
        if (visible)
            p->relations[kept++] = p->relations[i];
    }
    p->n_relations = kept;
    return TS_OK;
}

static void place(const ts_grid *g, ts_dossier *d)
{
    d->cell = g ? ts_grid_find(g, d->record.grid) : NULL;
    const ts_cell *village = d->cell ? ts_grid_ancestor(d->cell, TS_CELL_VILLAGE) : NULL;
    const ts_cell *town = d->cell ? ts_grid_ancestor(d->cell, TS_CELL_TOWN) : NULL;
    d->village = village ? village->code : NULL;
    d->town = town ? town->code : NULL;
}

/* The sections after the record, each one query. */
static ts_status load_sections(loader *l, const char *id, ts_dossier *d, ts_err *err)
{
    ts_status rc = ts__lq_mark_get(l->s, id, &d->suspect, &d->suspect_run, err);
    if (rc == TS_OK)
        rc = load_list(l, id, d, err);
    if (rc == TS_OK && (begin(l), rc = ts__lq_ledger_of(l->s, id, ledger_row, l, err)) == TS_OK) {
        d->ledger = l->arr;
        d->n_ledger = l->n;
    }
    if (rc == TS_OK &&
        (begin(l), rc = ts__lq_transitions_of(l->s, id, transition_row, l, err)) == TS_OK) {
        d->history = l->arr;
        d->n_history = l->n;
    }
    if (rc == TS_OK)
        rc = load_circle(l, id, d, err);
    if (rc == TS_OK && (begin(l), rc = ts__lq_reviews_of(l->s, id, review_row, l, err)) == TS_OK) {
        d->reviews = l->arr;
        d->n_reviews = l->n;
    }
    if (rc == TS_OK && (begin(l), rc = ts__lq_alerts_of(l->s, id, alert_row, l, err)) == TS_OK) {
        ts_dossier_alert *al = l->arr;
        d->alerts = al;
        d->n_alerts = l->n;
        rc = alert_histories(l, al, d->n_alerts, err);
    }
    return rc;
}

ts_status ts_dossier_load(ts_store *s, const ts_grid *g, const char *person_id,
                          const ts_reader *reader, ts_arena *arena, ts_dossier *out, ts_err *err)
{
    if (!person_id || !person_id[0])
        return ts_err_set(err, TS_USAGE, NULL, "a person id is required");
    ts_dossier d;
    memset(&d, 0, sizeof d);
    loader l = {.s = s, .a = arena, .rd = reader, .ok = true};
    ts_buf cells;
    ts_buf_init(&cells, TS_LIMIT_SCOPE_CELLS);
    ts_status rc = ts_store_get_person(s, person_id, arena, &d.record, err);
    if (rc != TS_OK)
        goto done;
    if (reader) {
        rc = ts__lists_scope_cells(reader->grid, reader->cells, reader->n_cells, false, &cells,
                                   &l.cells);
        if (rc != TS_OK) {
            rc = ts_err_set(err, rc, "scope", "cannot bind the reader's scope");
            goto done;
        }
        /* the text must outlive cells' buffer moves: copy it into the arena */
        if (l.cells && !(l.cells = ts_arena_strdup(arena, l.cells))) {
            rc = ts_err_set(err, TS_NOMEM, person_id, "dossier");
            goto done;
        }
    }
    place(g, &d);
    if ((rc = scope_relations(&l, &d.record, err)) == TS_OK)
        rc = load_sections(&l, person_id, &d, err);
done:
    ts_buf_release(&cells);
    if (rc == TS_OK)
        *out = d;
    return rc;
}

/* ---- snoozes (triscreen/snooze.h) ---------------------------------------------------------- */

typedef struct snooze_acc {
    ts_arena *a;
    ts_snooze_row *v;
    size_t n, cap;
} snooze_acc;

static const char *snz_dup(ts_arena *a, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    char *d = ts_arena_strdup(a, s);
    *ok = *ok && d;
    return d;
}

static ts_status snooze_row(void *ud, const ts_snooze_row *r)
{
    snooze_acc *c = ud;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        ts_snooze_row *v = ts_arena_alloc(c->a, cap * sizeof *v);
        if (!v)
            return TS_NOMEM;
        if (c->n)
            memcpy(v, c->v, c->n * sizeof *v);
        c->v = v;
        c->cap = cap;
    }
    bool ok = true;
    ts_snooze_row *o = &c->v[c->n];
    *o = (ts_snooze_row){.id = r->id,
                         .person = snz_dup(c->a, r->person, &ok),
                         .grid = snz_dup(c->a, r->grid, &ok),
                         .rule = snz_dup(c->a, r->rule, &ok),
                         .until = snz_dup(c->a, r->until, &ok),
                         .by = snz_dup(c->a, r->by, &ok),
                         .note = snz_dup(c->a, r->note, &ok),
                         .created = snz_dup(c->a, r->created, &ok),
                         .now = snz_dup(c->a, r->now, &ok)};
    if (!ok)
        return TS_NOMEM;
    c->n++;
    return TS_OK;
}

ts_status ts_dossier_snoozes(ts_store *s, const char *person, const char *now, ts_arena *arena,
                             ts_dossier *d, ts_err *err)
{
    snooze_acc c = {.a = arena};
    ts_status rc = ts_store_snooze_list_person(s, person, now, snooze_row, &c, err);
    if (rc == TS_NOMEM)
        return ts_err_set(err, TS_NOMEM, person, "dossier: snoozes");
    if (rc != TS_OK)
        return rc;
    d->snoozes = c.v;
    d->n_snoozes = c.n;
    return TS_OK;
}

ts_status ts_dossier_rules_version(ts_store *s, ts_arena *arena, ts_dossier *d, ts_err *err)
{
    char hash[TS_RULES_HASH_MAX];
    if (!d->list || !d->list->run)
        return TS_OK;
    ts_status rc = ts_store_run_rules_hash(s, d->list->run, hash, err);
    ts_rules_version_row v;
    bool found = false;
    if (rc == TS_OK && hash[0])
        rc = ts_store_rules_version_get(s, hash, arena, &v, &found, err);
    if (rc == TS_OK && found) {
        d->rules_version = v.hash;
        d->rules_note = v.note;
        d->rules_by = v.by;
    }
    return rc;
}
