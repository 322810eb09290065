/* lists/dossier.c — `triscreen dossier` (ts_dossier_print): everything known about one
 * person — record, events, ledger history, list state and history, the circle (depth 1
 * and 2 with each related person's colour), reviews and alerts. The dossier is built
 * once as a json-c document and then printed as JSON or as text from that document.
 * Reads through ts_store_get_person and store/lists_query. */
#include <stdlib.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/lists.h"
#include "triscreen/record.h"
#include "lists/lists_int.h"
#include "lists/redact.h"
#include "store/lists_query.h"

/* Related persons shown at depth 2 at most (a hub's relations are cut there and the
 * dossier says so). (Candidate for engine/base/limits.h.) */
#define TS_LISTS_CIRCLE_MAX TS_LIMIT_CIRCLE

static void add(json_object *o, const char *key, json_object *v)
{
    if (json_object_object_add(o, key, v) != 0)
        json_object_put(v);
}

static void push(json_object *arr, json_object *v)
{
    if (json_object_array_add(arr, v) != 0)
        json_object_put(v);
}

/* ---- history sections ------------------------------------------------------------------- */

/* A history section being filled, for one reader (NULL = unscoped). */
typedef struct sect {
    json_object *arr;
    const ts_reader *rd;
} sect;

static ts_status ledger_row(void *ud, const ts__lq_ledger *l, ts_err *err)
{
    sect *sc = ud;
    json_object *o = json_object_new_object();
    if (!o)
        return ts_err_set(err, TS_NOMEM, l->person, NULL);
    add(o, "run", json_object_new_int64(l->run));
    add(o, "now", ts__json_str(l->now));
    add(o, "grid", ts__json_str(l->grid));
    add(o, "suspect", json_object_new_boolean(l->suspect));
    add(o, "gaps", ts__json_ids(l->gaps));
    add(o, "rules", ts__redact_reasons_text(l->rules, sc->rd));
    push(sc->arr, o);
    return TS_OK;
}

static ts_status transition_row(void *ud, const ts__lq_transition *t, ts_err *err)
{
    sect *sc = ud;
    json_object *o = json_object_new_object();
    if (!o)
        return ts_err_set(err, TS_NOMEM, NULL, "list history");
    add(o, "at", ts__json_str(t->at));
    add(o, "run", t->run ? json_object_new_int64(t->run) : NULL);
    add(o, "from", ts__json_str(t->from && strcmp(t->from, "none") ? t->from : NULL));
    add(o, "to", ts__json_str(t->to && strcmp(t->to, "none") ? t->to : NULL));
    add(o, "score", t->score >= 0 ? json_object_new_int64(t->score) : NULL);
    add(o, "actor", ts__json_str(t->actor));
    add(o, "reasons", ts__redact_reasons_text(t->reasons, sc->rd));
    push(sc->arr, o);
    return TS_OK;
}

static ts_status review_row(void *ud, const ts__lq_review *r, ts_err *err)
{
    json_object *o = json_object_new_object();
    if (!o)
        return ts_err_set(err, TS_NOMEM, NULL, "reviews");
    add(o, "now", ts__json_str(r->now));
    add(o, "at", ts__json_str(r->at));
    add(o, "by", ts__json_str(r->by));
    add(o, "outcome", ts__json_str(r->outcome));
    add(o, "colour", ts__json_str(r->colour));
    add(o, "until", ts__json_str(r->until));
    add(o, "note", ts__json_str(r->note));
    push(ud, o);
    return TS_OK;
}

static ts_status alert_event_row(void *ud, const ts__lq_alert_event *e, ts_err *err)
{
    json_object *o = json_object_new_object();
    if (!o)
        return ts_err_set(err, TS_NOMEM, NULL, "alert history");
    add(o, "status", ts__json_str(e->status));
    add(o, "by", ts__json_str(e->by));
    add(o, "at", ts__json_str(e->at));
    add(o, "note", ts__json_str(e->note));
    push(ud, o);
    return TS_OK;
}

typedef struct alerts_ctx {
    ts_store *s;
    json_object *arr;
    const ts_reader *rd;
} alerts_ctx;

static ts_status alert_row(void *ud, const ts__lq_alert *a, ts_err *err)
{
    alerts_ctx *c = ud;
    json_object *o = json_object_new_object(), *hist = json_object_new_array();
    if (!o || !hist) {
        json_object_put(o);
        json_object_put(hist);
        return ts_err_set(err, TS_NOMEM, NULL, "alerts");
    }
    char id[32];
    snprintf(id, sizeof id, "A-%06lld", (long long)a->cursor);
    add(o, "id", json_object_new_string(id));
    add(o, "cursor", json_object_new_int64(a->cursor));
    add(o, "kind", ts__json_str(a->kind));
    add(o, "grid", ts__json_str(a->grid));
    add(o, "colour", ts__json_str(a->colour));
    /* the headline is shown as its JSON text, rendered for this reader */
    json_object *hl = ts__redact_headline_text(a->headline, c->rd);
    add(o, "headline",
        ts__json_str(hl ? json_object_to_json_string_ext(hl, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE)
                        : NULL));
    json_object_put(hl);
    add(o, "rules", ts__redact_alert_rules(a->rules, a->headline, c->rd));
    add(o, "route", ts__json_array(a->route));
    add(o, "created", ts__json_str(a->created));
    add(o, "run", a->run ? json_object_new_int64(a->run) : NULL);
    add(o, "status", ts__json_str(a->status));
    ts_status rc = ts__lq_alert_history(c->s, a->cursor, alert_event_row, hist, err);
    add(o, "history", hist);
    push(c->arr, o);
    return rc;
}

/* ---- circle --------------------------------------------------------------------------------- */

typedef struct member {
    const char *other, *via, *kind; /* kind: the kinds joined with "," once grouped */
    const char *name, *grid, *colour;
    const char *via_grid; /* the depth-1 person's cell (depth 2) */
    bool stored;
} member;

typedef struct circle {
    ts_arena *a;
    const char *self;
    member *d1, *cand;
    size_t n1, cap1, ncand, capcand;
    const char *via, *via_grid; /* the depth-1 person being expanded, its cell */
    bool truncated;
} circle;

static ts_status grow(member **arr, size_t *cap, size_t n)
{
    if (n < *cap)
        return TS_OK;
    size_t ncap = *cap ? *cap * 2 : 16;
    member *g = realloc(*arr, ncap * sizeof *g);
    if (!g)
        return TS_NOMEM;
    *arr = g;
    *cap = ncap;
    return TS_OK;
}

static bool fill(ts_arena *a, member *m, const ts__lq_relation *r, const char *via)
{
    m->other = ts_arena_strdup(a, r->other);
    m->kind = ts_arena_strdup(a, r->kind);
    m->via = via;
    m->via_grid = NULL;
    m->stored = r->stored;
    m->name = r->name ? ts_arena_strdup(a, r->name) : NULL;
    m->grid = r->grid ? ts_arena_strdup(a, r->grid) : NULL;
    m->colour = r->colour ? ts_arena_strdup(a, r->colour) : NULL;
    return m->other && m->kind && (!r->name || m->name) && (!r->grid || m->grid) &&
           (!r->colour || m->colour);
}

/* Rows come ordered by other, then kind: a repeated other adds its kind. */
static ts_status depth1_row(void *ud, const ts__lq_relation *r, ts_err *err)
{
    circle *c = ud;
    if (!strcmp(r->other, c->self))
        return TS_OK;
    if (c->n1 && !strcmp(c->d1[c->n1 - 1].other, r->other)) {
        member *m = &c->d1[c->n1 - 1];
        m->kind = ts_arena_printf(c->a, "%s,%s", m->kind, r->kind);
        return m->kind ? TS_OK : ts_err_set(err, TS_NOMEM, NULL, "circle");
    }
    if (c->n1 >= TS_LISTS_CIRCLE_MAX) {
        c->truncated = true;
        return TS_OK;
    }
    if (grow(&c->d1, &c->cap1, c->n1) != TS_OK || !fill(c->a, &c->d1[c->n1], r, NULL))
        return ts_err_set(err, TS_NOMEM, NULL, "circle");
    c->n1++;
    return TS_OK;
}

static int by_other(const void *key, const void *elem)
{
    return strcmp(key, ((const member *)elem)->other);
}

static ts_status depth2_row(void *ud, const ts__lq_relation *r, ts_err *err)
{
    circle *c = ud;
    if (!strcmp(r->other, c->self) || bsearch(r->other, c->d1, c->n1, sizeof *c->d1, by_other))
        return TS_OK;
    if (c->ncand >= TS_LISTS_CIRCLE_MAX) {
        c->truncated = true;
        return TS_OK;
    }
    if (grow(&c->cand, &c->capcand, c->ncand) != TS_OK ||
        !fill(c->a, &c->cand[c->ncand], r, c->via))
        return ts_err_set(err, TS_NOMEM, NULL, "circle");
    c->cand[c->ncand].via_grid = c->via_grid;
    c->ncand++;
    return TS_OK;
}

static int cand_cmp(const void *pa, const void *pb)
{
    const member *a = pa, *b = pb;
    int d = strcmp(a->other, b->other);
    if (!d)
        d = strcmp(a->via, b->via);
    if (!d)
        d = strcmp(a->kind, b->kind);
    return d;
}

/* One circle member for reader rd; NULL (counted in *outside, its colour in *highest)
 * when rd may not see the person. A link through a person rd may not see is not shown. */
static json_object *member_json(const member *m, int distance, const ts_reader *rd, size_t *outside,
                                int *highest)
{
    if (!ts_reader_sees(rd, m->grid)) {
        (*outside)++;
        int ci = ts__lists_colour_of(m->colour);
        if (ci > *highest)
            *highest = ci;
        return NULL;
    }
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    add(o, "person", json_object_new_string(m->other));
    add(o, "distance", json_object_new_int(distance));
    add(o, "relation", json_object_new_string(m->kind));
    if (m->via && ts_reader_sees(rd, m->via_grid))
        add(o, "via", json_object_new_string(m->via));
    add(o, "pending", json_object_new_boolean(!m->stored));
    add(o, "name", ts__json_str(m->name));
    add(o, "grid", ts__json_str(m->grid));
    add(o, "colour", ts__json_str(ts__lists_colour_of(m->colour) ? m->colour : NULL));
    return o;
}

/* The circle: depth 1 (direct relations) and depth 2 (their relations, without the
 * person and the depth-1 people), one entry per related person; at depth 2 the link
 * shown is through the first depth-1 person (by id) that leads there. */
static ts_status build_circle(ts_store *s, ts_arena *a, const char *self, const ts_reader *rd,
                              json_object *doc, ts_err *err)
{
    circle c = {.a = a, .self = self};
    size_t outside = 0;
    int highest = 0;
    json_object *arr = json_object_new_array();
    ts_status rc = arr ? TS_OK : ts_err_set(err, TS_NOMEM, self, "circle");
    if (rc == TS_OK)
        rc = ts__lq_relations_of(s, self, depth1_row, &c, err);
    for (size_t i = 0; rc == TS_OK && i < c.n1; i++) {
        c.via = c.d1[i].other;
        c.via_grid = c.d1[i].grid;
        rc = ts__lq_relations_of(s, c.via, depth2_row, &c, err);
    }
    if (rc != TS_OK)
        goto done;
    for (size_t i = 0; i < c.n1; i++) {
        json_object *mj = member_json(&c.d1[i], 1, rd, &outside, &highest);
        if (mj)
            push(arr, mj);
    }
    if (c.ncand)
        qsort(c.cand, c.ncand, sizeof *c.cand, cand_cmp);
    for (size_t i = 0; i < c.ncand;) {
        member m = c.cand[i];
        size_t j = i + 1;
        for (; j < c.ncand && !strcmp(c.cand[j].other, m.other); j++)
            if (!strcmp(c.cand[j].via, m.via) && strcmp(c.cand[j].kind, c.cand[j - 1].kind))
                m.kind = ts_arena_printf(a, "%s,%s", m.kind, c.cand[j].kind);
        if (!m.kind) {
            rc = ts_err_set(err, TS_NOMEM, self, "circle");
            goto done;
        }
        json_object *mj = member_json(&m, 2, rd, &outside, &highest);
        if (mj)
            push(arr, mj);
        i = j;
    }
    add(doc, "circle", arr);
    arr = NULL;
    if (rd && outside && rd->reveal == TS_REVEAL_COUNT) {
        json_object *x = json_object_new_object();
        if (x) {
            add(x, "relatives", json_object_new_int64((int64_t)outside));
            add(x, "highest", ts__json_str(highest ? ts_colour_name((ts_colour)highest) : NULL));
        }
        add(doc, "circle_outside_scope", x);
    }
    if (c.truncated)
        add(doc, "circle_truncated", json_object_new_boolean(true));
done:
    json_object_put(arr);
    free(c.d1);
    free(c.cand);
    return rc;
}

/* ---- the document -----------------------------------------------------------------------------
 */

static json_object *list_json(const ts__lq_member *m, const ts_reader *rd)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    bool on = ts__lists_colour_of(m->colour) != TS_COLOUR_NONE;
    add(o, "colour", ts__json_str(on ? m->colour : NULL));
    add(o, "engine_colour",
        ts__json_str(ts__lists_colour_of(m->engine_colour) ? m->engine_colour : NULL));
    add(o, "score", json_object_new_int64(m->score));
    add(o, "since", ts__json_str(m->since));
    add(o, "run", m->run ? json_object_new_int64(m->run) : NULL);
    add(o, "next_review", ts__json_str(m->next_review));
    add(o, "reasons", ts__redact_reasons_text(m->reasons, rd));
    json_object *ov = NULL;
    if (m->override_colour && (ov = json_object_new_object())) {
        add(ov, "colour", json_object_new_string(m->override_colour));
        add(ov, "until", ts__json_str(m->override_until));
        add(ov, "by", ts__json_str(m->override_by));
    }
    add(o, "override", ov);
    return o;
}

static ts_status section(json_object *doc, const char *key, json_object **arr, ts_err *err)
{
    *arr = json_object_new_array();
    if (!*arr)
        return ts_err_set(err, TS_NOMEM, NULL, "%s", key);
    add(doc, key, *arr);
    return TS_OK;
}

/* Drops from the record's relations those naming a person rd may not see. */
static ts_status scope_relations(ts_store *s, json_object *rec, const ts_reader *rd, ts_err *err)
{
    json_object *rels = NULL;
    if (!rd || !json_object_object_get_ex(rec, "relations", &rels) ||
        !json_object_is_type(rels, json_type_array))
        return TS_OK;
    json_object *kept = json_object_new_array();
    if (!kept)
        return ts_err_set(err, TS_NOMEM, NULL, "relations");
    for (size_t i = 0; i < json_object_array_length(rels); i++) {
        json_object *r = json_object_array_get_idx(rels, i), *jid;
        const char *other =
            json_object_object_get_ex(r, "id", &jid) ? json_object_get_string(jid) : NULL;
        char grid[128];
        bool found = false;
        ts_status rc =
            other ? ts_store_person_grid(s, other, grid, sizeof grid, &found, err) : TS_OK;
        if (rc != TS_OK) {
            json_object_put(kept);
            return rc;
        }
        if (found && ts_reader_sees(rd, grid))
            push(kept, json_object_get(r));
    }
    add(rec, "relations", kept);
    return TS_OK;
}

static ts_status build(ts_store *s, const ts_grid *g, const char *id, const ts_reader *rd,
                       ts_arena *a, json_object **out, ts_err *err)
{
    ts_person p;
    ts_status rc = ts_store_get_person(s, id, a, &p, err);
    if (rc != TS_OK)
        return rc;
    char *text = NULL;
    json_object *doc = json_object_new_object(), *rec = NULL, *arr = NULL;
    if (!doc || ts_record_to_json(&p, &text) != TS_OK || !(rec = json_tokener_parse(text))) {
        rc = ts_err_set(err, TS_NOMEM, id, "dossier");
        goto done;
    }
    add(doc, "person", json_object_new_string(p.id));
    json_object *grid = json_object_new_object();
    if (grid) {
        const ts_cell *cell = g ? ts_grid_find(g, p.grid) : NULL;
        const ts_cell *village = cell ? ts_grid_ancestor(cell, TS_CELL_VILLAGE) : NULL;
        const ts_cell *town = cell ? ts_grid_ancestor(cell, TS_CELL_TOWN) : NULL;
        add(grid, "group", json_object_new_string(p.grid));
        add(grid, "village", ts__json_str(village ? village->code : NULL));
        add(grid, "town", ts__json_str(town ? town->code : NULL));
        if (cell) {
            json_object *off = json_object_new_array();
            for (size_t i = 0; off && i < cell->n_officers; i++)
                push(off, json_object_new_string(cell->officers[i].id));
            add(grid, "officers", off);
        }
    }
    add(doc, "grid", grid);
    /* the events get their own section; the record keeps everything else */
    json_object *events = NULL;
    if (json_object_object_get_ex(rec, "events", &events))
        json_object_get(events);
    json_object_object_del(rec, "events");
    if ((rc = scope_relations(s, rec, rd, err)) != TS_OK)
        goto done;
    add(doc, "record", rec);
    rec = NULL;
    add(doc, "events", events ? events : json_object_new_array());

    int suspect;
    int64_t mark_run;
    if ((rc = ts__lq_mark_get(s, id, &suspect, &mark_run, err)) != TS_OK)
        goto done;
    add(doc, "suspect", suspect < 0 ? NULL : json_object_new_boolean(suspect));
    add(doc, "suspect_run", suspect < 0 ? NULL : json_object_new_int64(mark_run));

    ts__lq_member m;
    bool found = false;
    if ((rc = ts__lq_member_get(s, id, a, &m, &found, err)) != TS_OK)
        goto done;
    add(doc, "list", found ? list_json(&m, rd) : NULL);

    sect sc = {NULL, rd};
    if ((rc = section(doc, "ledger", &sc.arr, err)) != TS_OK ||
        (rc = ts__lq_ledger_of(s, id, ledger_row, &sc, err)) != TS_OK)
        goto done;
    if ((rc = section(doc, "list_history", &sc.arr, err)) != TS_OK ||
        (rc = ts__lq_transitions_of(s, id, transition_row, &sc, err)) != TS_OK)
        goto done;
    if ((rc = build_circle(s, a, id, rd, doc, err)) != TS_OK)
        goto done;
    if ((rc = section(doc, "reviews", &arr, err)) != TS_OK ||
        (rc = ts__lq_reviews_of(s, id, review_row, arr, err)) != TS_OK)
        goto done;
    if ((rc = section(doc, "alerts", &arr, err)) != TS_OK)
        goto done;
    alerts_ctx ac = {s, arr, rd};
    rc = ts__lq_alerts_of(s, id, alert_row, &ac, err);
done:
    free(text);
    json_object_put(rec);
    if (rc != TS_OK) {
        json_object_put(doc);
        return rc;
    }
    *out = doc;
    return TS_OK;
}

/* ---- text -------------------------------------------------------------------------------------
 */

/* Writes s with control characters escaped, so stored text cannot drive the terminal. */
static void put_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
}

static const char *get_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

static size_t len_of(json_object *arr)
{
    return json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
}

/* "id (evidence), id2" from a [{"id","evidence"}] array. */
static void put_rules(FILE *f, json_object *arr, const char *sep)
{
    for (size_t i = 0; i < len_of(arr); i++) {
        json_object *r = json_object_array_get_idx(arr, i);
        if (i)
            fputs(sep, f);
        if (json_object_is_type(r, json_type_string)) {
            put_text(f, json_object_get_string(r));
            continue;
        }
        put_text(f, get_str(r, "id"));
        const char *ev = get_str(r, "evidence");
        if (ev && ev[0]) {
            fputs(" (", f);
            put_text(f, ev);
            fputc(')', f);
        }
    }
    if (!len_of(arr))
        fputc('-', f);
}

static void field(FILE *f, const char *label, const char *value)
{
    fprintf(f, "  %-12s", label);
    put_text(f, value && value[0] ? value : "-");
    fputc('\n', f);
}

static const char *or_none(const char *s)
{
    return s ? s : "none";
}

static void print_text(json_object *doc, FILE *f)
{
    json_object *rec = get(doc, "record"), *grid = get(doc, "grid");
    fputs("dossier ", f);
    put_text(f, get_str(doc, "person"));
    const char *name = get_str(rec, "name");
    if (name && name[0]) {
        fputs("  ", f);
        put_text(f, name);
    }
    fputc('\n', f);
    fprintf(f, "  %-12s", "grid");
    put_text(f, get_str(grid, "group"));
    if (get_str(grid, "village")) {
        fputs(" (village ", f);
        put_text(f, get_str(grid, "village"));
        fputs(", town ", f);
        put_text(f, get_str(grid, "town"));
        fputc(')', f);
    }
    fputc('\n', f);
    field(f, "born", get_str(rec, "born"));
    json_object *cats = get(rec, "categories");
    fprintf(f, "  %-12s", "categories");
    for (size_t i = 0; i < len_of(cats); i++) {
        fputs(i ? ", " : "", f);
        put_text(f, json_object_get_string(json_object_array_get_idx(cats, i)));
    }
    fputs(len_of(cats) ? "\n" : "-\n", f);
    fprintf(f, "  %-12s", "attrs");
    json_object *attrs = get(rec, "attrs");
    bool any = false;
    if (json_object_is_type(attrs, json_type_object)) {
        json_object_object_foreach(attrs, k, v)
        {
            fputs(any ? ", " : "", f);
            put_text(f, k);
            fputc('=', f);
            put_text(f, json_object_get_string(v));
            any = true;
        }
    }
    fputs(any ? "\n" : "-\n", f);
    field(f, "notes", get_str(rec, "notes"));
    json_object *susp = get(doc, "suspect");
    fprintf(f, "  %-12s%s", "suspect",
            !susp                           ? "never screened"
            : json_object_get_boolean(susp) ? "yes"
                                            : "no");
    if (susp)
        fprintf(f, " (run %s)", get_str(doc, "suspect_run"));
    fputc('\n', f);

    json_object *list = get(doc, "list");
    fprintf(f, "  %-12s", "list");
    if (!list) {
        fputs("not listed\n", f);
    } else {
        put_text(f, or_none(get_str(list, "colour")));
        fprintf(f, ", score %s, since ", get_str(list, "score"));
        put_text(f, get_str(list, "since"));
        if (get_str(list, "next_review")) {
            fputs(", next review ", f);
            put_text(f, get_str(list, "next_review"));
        }
        fputc('\n', f);
        json_object *ov = get(list, "override");
        if (ov) {
            fprintf(f, "  %-12s", "override");
            put_text(f, get_str(ov, "colour"));
            fputs(" by ", f);
            put_text(f, get_str(ov, "by"));
            if (get_str(ov, "until")) {
                fputs(" until ", f);
                put_text(f, get_str(ov, "until"));
            }
            fputs(" (engine: ", f);
            put_text(f, or_none(get_str(list, "engine_colour")));
            fputs(")\n", f);
        }
        fprintf(f, "  %-12s", "reasons");
        put_rules(f, get(list, "reasons"), "; ");
        fputc('\n', f);
    }

    json_object *arr = get(doc, "events");
    fprintf(f, "\nevents (%zu)\n", len_of(arr));
    for (size_t i = 0; i < len_of(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        fputs("  ", f);
        put_text(f, get_str(e, "date"));
        fputs("  ", f);
        put_text(f, get_str(e, "type"));
        if (get_str(e, "note")) {
            fputs("  ", f);
            put_text(f, get_str(e, "note"));
        }
        fputc('\n', f);
    }

    arr = get(doc, "ledger");
    fprintf(f, "\nledger (%zu)\n", len_of(arr));
    for (size_t i = 0; i < len_of(arr); i++) {
        json_object *l = json_object_array_get_idx(arr, i);
        fprintf(f, "  run %s  ", get_str(l, "run"));
        put_text(f, get_str(l, "now"));
        fprintf(f, "  %s  gaps: ",
                json_object_get_boolean(get(l, "suspect")) ? "suspect" : "not suspect");
        put_rules(f, get(l, "gaps"), ", ");
        fputs("  rules: ", f);
        put_rules(f, get(l, "rules"), "; ");
        fputc('\n', f);
    }

    arr = get(doc, "list_history");
    fprintf(f, "\nlist history (%zu)\n", len_of(arr));
    for (size_t i = 0; i < len_of(arr); i++) {
        json_object *t = json_object_array_get_idx(arr, i);
        fputs("  ", f);
        put_text(f, get_str(t, "at"));
        fputs("  ", f);
        put_text(f, or_none(get_str(t, "from")));
        fputs(" -> ", f);
        put_text(f, or_none(get_str(t, "to")));
        if (get_str(t, "score"))
            fprintf(f, "  score %s", get_str(t, "score"));
        if (get_str(t, "run"))
            fprintf(f, "  run %s", get_str(t, "run"));
        fputs("  by ", f);
        put_text(f, get_str(t, "actor"));
        fputs("\n      ", f);
        put_rules(f, get(t, "reasons"), "; ");
        fputc('\n', f);
    }

    arr = get(doc, "circle");
    fprintf(f, "\ncircle (%zu)%s\n", len_of(arr),
            get(doc, "circle_truncated") ? " (truncated)" : "");
    for (size_t i = 0; i < len_of(arr); i++) {
        json_object *m = json_object_array_get_idx(arr, i);
        fprintf(f, "  %s  ", get_str(m, "distance"));
        put_text(f, get_str(m, "person"));
        fputs("  ", f);
        put_text(f, get_str(m, "relation"));
        if (get_str(m, "via")) {
            fputs(" via ", f);
            put_text(f, get_str(m, "via"));
        }
        if (json_object_get_boolean(get(m, "pending"))) {
            fputs("  pending (no record)\n", f);
            continue;
        }
        fputs("  ", f);
        put_text(f, or_none(get_str(m, "colour")));
        fputs("  ", f);
        put_text(f, get_str(m, "grid"));
        const char *n = get_str(m, "name");
        if (n && n[0]) {
            fputs("  ", f);
            put_text(f, n);
        }
        fputc('\n', f);
    }

    arr = get(doc, "reviews");
    fprintf(f, "\nreviews (%zu)\n", len_of(arr));
    for (size_t i = 0; i < len_of(arr); i++) {
        json_object *r = json_object_array_get_idx(arr, i);
        fputs("  ", f);
        put_text(f, get_str(r, "now"));
        fputs("  ", f);
        put_text(f, get_str(r, "by"));
        fputs("  ", f);
        put_text(f, get_str(r, "outcome"));
        fputs(" -> ", f);
        put_text(f, get_str(r, "colour"));
        if (get_str(r, "until")) {
            fputs(" until ", f);
            put_text(f, get_str(r, "until"));
        }
        fputs(": ", f);
        put_text(f, get_str(r, "note"));
        fputc('\n', f);
    }

    arr = get(doc, "alerts");
    fprintf(f, "\nalerts (%zu)\n", len_of(arr));
    for (size_t i = 0; i < len_of(arr); i++) {
        json_object *al = json_object_array_get_idx(arr, i);
        fputs("  ", f);
        put_text(f, get_str(al, "id"));
        fputs("  ", f);
        put_text(f, get_str(al, "kind"));
        fputs("  ", f);
        put_text(f, get_str(al, "status"));
        fputs("  ", f);
        put_text(f, get_str(al, "created"));
        fputs("  ", f);
        put_rules(f, get(al, "rules"), "; ");
        fputc('\n', f);
    }
}

ts_status ts_dossier_print(ts_store *s, const ts_grid *g, const char *person_id, ts_out_format fmt,
                           FILE *out, ts_err *err)
{
    return ts_dossier_print_for(s, g, person_id, NULL, fmt, out, err);
}

ts_status ts_dossier_print_for(ts_store *s, const ts_grid *g, const char *person_id,
                               const ts_reader *reader, ts_out_format fmt, FILE *out, ts_err *err)
{
    if (fmt != TS_OUT_TEXT && fmt != TS_OUT_JSON)
        return ts_err_set(err, TS_USAGE, NULL, "dossier format must be text or json");
    if (!person_id || !person_id[0])
        return ts_err_set(err, TS_USAGE, NULL, "a person id is required");
    ts_arena a;
    ts_arena_init(&a, 0);
    json_object *doc = NULL;
    ts_status rc = build(s, g, person_id, reader, &a, &doc, err);
    if (rc == TS_OK) {
        if (fmt == TS_OUT_JSON) {
            rc = ts__json_line(out, doc, err);
            doc = NULL;
        } else {
            print_text(doc, out);
        }
    }
    json_object_put(doc);
    ts_arena_release(&a);
    if (rc == TS_OK)
        rc = ts__out_check(out, err);
    return rc;
}
