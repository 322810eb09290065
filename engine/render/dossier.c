/* render/dossier.c — the dossier as JSON (render/render_lists.h), written through
 * ts_jsonw from the typed ts_dossier; the same document for the CLI and GET /v1/persons. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/jsonw.h"
#include "triscreen/vocab.h"
#include "render/render_lists.h"

/* A number attribute as the record's JSON writes it: an integral value as an integer,
 * else json-c's "%.17g" double form (".0" added when it reads as an integer). */
const char *ts__render_number(double d, char buf[static 40])
{
    if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
        snprintf(buf, 40, "%lld", (long long)d);
        return buf;
    }
    snprintf(buf, 40, "%.17g", d);
    if (!strpbrk(buf, ".eE") && isfinite(d))
        strcat(buf, ".0");
    return buf;
}

void ts__render_reasons_json(ts_jsonw *w, const ts_rulepack *pack, const ts_reason *v, size_t n)
{
    ts_jsonw_arr(w);
    for (size_t i = 0; i < n; i++) {
        if (v[i].bare) {
            ts_jsonw_str(w, v[i].id);
            continue;
        }
        ts_jsonw_obj(w);
        if (v[i].id) {
            ts_jsonw_kstr(w, "id", v[i].id);
            ts_jsonw_kstr(w, "title", ts_rulepack_title(pack, v[i].id));
        }
        if (v[i].evidence)
            ts_jsonw_kstr(w, "evidence", v[i].evidence);
        if (v[i].snoozed) {
            char id[32];
            snprintf(id, sizeof id, "S-%lld", (long long)v[i].snoozed);
            ts_jsonw_kstr(w, "snoozed", id);
        }
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

static void strs_json(ts_jsonw *w, const char *key, const char *const *v, size_t n)
{
    ts_jsonw_key(w, key);
    ts_jsonw_arr(w);
    for (size_t i = 0; i < n; i++)
        ts_jsonw_str(w, v[i]);
    ts_jsonw_arr_end(w);
}

static void kint_or_null(ts_jsonw *w, const char *key, bool present, int64_t v)
{
    if (present)
        ts_jsonw_kint(w, key, v);
    else
        ts_jsonw_knull(w, key);
}

static void grid_json(ts_jsonw *w, const ts_dossier *d)
{
    ts_jsonw_key(w, "grid");
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "group", d->record.grid);
    ts_jsonw_kstr(w, "village", d->village);
    ts_jsonw_kstr(w, "town", d->town);
    if (d->cell) {
        ts_jsonw_key(w, "officers");
        ts_jsonw_arr(w);
        for (size_t i = 0; i < d->cell->n_officers; i++)
            ts_jsonw_str(w, d->cell->officers[i].id);
        ts_jsonw_arr_end(w);
    }
    ts_jsonw_obj_end(w);
}

static void record_json(ts_jsonw *w, const ts_person *p)
{
    char date[11], num[40];
    ts_jsonw_key(w, "record");
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "id", p->id ? p->id : "");
    ts_jsonw_kstr(w, "name", p->name ? p->name : "");
    ts_jsonw_kstr(w, "grid", p->grid ? p->grid : "");
    if (p->born != TS_DATE_NONE) {
        ts_date_format(p->born, date);
        ts_jsonw_kstr(w, "born", date);
    } else {
        ts_jsonw_knull(w, "born");
    }
    strs_json(w, "categories", p->categories, p->n_categories);
    ts_jsonw_key(w, "attrs");
    ts_jsonw_obj(w);
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *at = &p->attrs[i];
        ts_jsonw_key(w, at->name);
        if (at->type == TS_ATTR_BOOL) {
            ts_jsonw_bool(w, at->b);
        } else if (at->type == TS_ATTR_NUM) {
            const char *t = ts__render_number(at->num, num);
            ts_jsonw_raw(w, t, strlen(t));
        } else {
            ts_jsonw_str(w, at->str ? at->str : "");
        }
    }
    ts_jsonw_obj_end(w);
    ts_jsonw_key(w, "relations");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < p->n_relations; i++) {
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "id", p->relations[i].other ? p->relations[i].other : "");
        ts_jsonw_kstr(w, "kind", p->relations[i].kind ? p->relations[i].kind : "");
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    ts_jsonw_kstr(w, "notes", p->notes ? p->notes : "");
    ts_jsonw_obj_end(w);
    ts_jsonw_key(w, "events");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *ev = &p->events[i];
        ts_date_format(ev->date, date);
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "type", ev->type ? ev->type : "");
        ts_jsonw_kstr(w, "date", date);
        if (ev->note && ev->note[0])
            ts_jsonw_kstr(w, "note", ev->note);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

static void list_json(ts_jsonw *w, const ts_rulepack *pack, const ts_dossier_list *l)
{
    ts_jsonw_key(w, "list");
    if (!l) {
        ts_jsonw_null(w);
        return;
    }
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "colour", l->colour);
    ts_jsonw_kstr(w, "engine_colour", l->engine_colour);
    ts_jsonw_kint(w, "score", l->score);
    ts_jsonw_kstr(w, "since", l->since);
    kint_or_null(w, "run", l->run != 0, l->run);
    ts_jsonw_kstr(w, "next_review", l->next_review);
    ts_jsonw_key(w, "reasons");
    ts__render_reasons_json(w, pack, l->reasons, l->n_reasons);
    ts_jsonw_key(w, "override");
    if (l->override_colour) {
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "colour", l->override_colour);
        ts_jsonw_kstr(w, "until", l->override_until);
        ts_jsonw_kstr(w, "by", l->override_by);
        ts_jsonw_obj_end(w);
    } else {
        ts_jsonw_null(w);
    }
    ts_jsonw_obj_end(w);
}

/* The person's active snoozes (triscreen/snooze.h). */
static void snoozes_json(ts_jsonw *w, const ts_rulepack *pack, const ts_dossier *d)
{
    ts_jsonw_key(w, "snoozes");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < d->n_snoozes; i++) {
        const ts_snooze_row *z = &d->snoozes[i];
        char id[32];
        snprintf(id, sizeof id, "S-%lld", (long long)z->id);
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "id", id);
        ts_jsonw_kstr(w, "rule", z->rule);
        ts_jsonw_kstr(w, "title", ts_rulepack_title(pack, z->rule));
        ts_jsonw_kstr(w, "until", z->until);
        ts_jsonw_kstr(w, "by", z->by);
        ts_jsonw_kstr(w, "note", z->note);
        ts_jsonw_kstr(w, "created", z->created);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

static void history_json(ts_jsonw *w, const ts_rulepack *pack, const ts_dossier *d)
{
    ts_jsonw_key(w, "ledger");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < d->n_ledger; i++) {
        const ts_dossier_ledger *l = &d->ledger[i];
        ts_jsonw_obj(w);
        ts_jsonw_kint(w, "run", l->run);
        ts_jsonw_kstr(w, "now", l->now);
        ts_jsonw_kstr(w, "grid", l->grid);
        ts_jsonw_kbool(w, "suspect", l->suspect);
        strs_json(w, "gaps", l->gaps, l->n_gaps);
        ts_jsonw_key(w, "rules");
        ts__render_reasons_json(w, pack, l->rules, l->n_rules);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    ts_jsonw_key(w, "list_history");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < d->n_history; i++) {
        const ts_dossier_change *t = &d->history[i];
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "at", t->at);
        kint_or_null(w, "run", t->run != 0, t->run);
        ts_jsonw_kstr(w, "from", t->from);
        ts_jsonw_kstr(w, "to", t->to);
        kint_or_null(w, "score", t->score >= 0, t->score);
        ts_jsonw_kstr(w, "actor", t->actor);
        ts_jsonw_key(w, "reasons");
        ts__render_reasons_json(w, pack, t->reasons, t->n_reasons);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
}

static void circle_json(ts_jsonw *w, const ts_dossier *d)
{
    ts_jsonw_key(w, "circle");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < d->n_circle; i++) {
        const ts_dossier_relative *m = &d->circle[i];
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "person", m->person);
        ts_jsonw_kint(w, "distance", m->distance);
        ts_jsonw_kstr(w, "relation", m->relation);
        if (m->via)
            ts_jsonw_kstr(w, "via", m->via);
        ts_jsonw_kbool(w, "pending", m->pending);
        ts_jsonw_kstr(w, "name", m->name);
        ts_jsonw_kstr(w, "grid", m->grid);
        ts_jsonw_kstr(w, "colour", m->colour);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    if (d->has_outside) {
        ts_jsonw_key(w, "circle_outside_scope");
        ts_jsonw_obj(w);
        ts_jsonw_kint(w, "relatives", d->outside_relatives);
        ts_jsonw_kstr(w, "highest",
                      d->outside_highest != TS_COLOUR_NONE ? ts_colour_name(d->outside_highest)
                                                           : NULL);
        ts_jsonw_obj_end(w);
    }
    if (d->circle_truncated)
        ts_jsonw_kbool(w, "circle_truncated", true);
}

static void alert_json(ts_jsonw *w, const ts_rulepack *pack, const ts_dossier_alert *a)
{
    char id[32];
    snprintf(id, sizeof id, "A-%06lld", (long long)a->cursor);
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "id", id);
    ts_jsonw_kint(w, "cursor", a->cursor);
    ts_jsonw_kstr(w, "kind", a->kind);
    ts_jsonw_kstr(w, "grid", a->grid);
    ts_jsonw_kstr(w, "colour", a->colour);
    ts_jsonw_kstr(w, "headline", a->headline);
    ts_jsonw_key(w, "rules");
    ts__render_reasons_json(w, pack, a->rules, a->n_rules);
    strs_json(w, "route", a->route, a->n_route);
    ts_jsonw_kstr(w, "created", a->created);
    kint_or_null(w, "run", a->run != 0, a->run);
    ts_jsonw_kstr(w, "status", a->status);
    ts_jsonw_key(w, "history");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < a->n_history; i++) {
        const ts_dossier_alert_event *e = &a->history[i];
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "status", e->status);
        ts_jsonw_kstr(w, "by", e->by);
        ts_jsonw_kstr(w, "at", e->at);
        ts_jsonw_kstr(w, "note", e->note);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    ts_jsonw_obj_end(w);
}

ts_status ts__render_dossier_json(const ts_dossier *d, const ts_rulepack *pack, ts_buf *out,
                                  ts_err *err)
{
    size_t start = out->len;
    ts_jsonw w;
    ts_jsonw_init(&w, out);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "person", d->record.id);
    grid_json(&w, d);
    record_json(&w, &d->record);
    ts_jsonw_key(&w, "suspect");
    if (d->suspect < 0)
        ts_jsonw_null(&w);
    else
        ts_jsonw_bool(&w, d->suspect != 0);
    kint_or_null(&w, "suspect_run", d->suspect >= 0, d->suspect_run);
    list_json(&w, pack, d->list);
    if (d->rules_note) { /* the version that judged the list row, when one is stored */
        ts_jsonw_kstr(&w, "rules_version", d->rules_version);
        ts_jsonw_kstr(&w, "rules_note", d->rules_note);
        ts_jsonw_kstr(&w, "rules_by", d->rules_by);
    }
    snoozes_json(&w, pack, d);
    history_json(&w, pack, d);
    circle_json(&w, d);
    ts_jsonw_key(&w, "reviews");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < d->n_reviews; i++) {
        const ts_dossier_review *r = &d->reviews[i];
        ts_jsonw_obj(&w);
        ts_jsonw_kstr(&w, "now", r->now);
        ts_jsonw_kstr(&w, "at", r->at);
        ts_jsonw_kstr(&w, "by", r->by);
        ts_jsonw_kstr(&w, "outcome", r->outcome);
        ts_jsonw_kstr(&w, "colour", r->colour);
        ts_jsonw_kstr(&w, "until", r->until);
        ts_jsonw_kstr(&w, "note", r->note);
        ts_jsonw_obj_end(&w);
    }
    ts_jsonw_arr_end(&w);
    ts_jsonw_key(&w, "alerts");
    ts_jsonw_arr(&w);
    for (size_t i = 0; i < d->n_alerts; i++)
        alert_json(&w, pack, &d->alerts[i]);
    ts_jsonw_arr_end(&w);
    ts_jsonw_obj_end(&w);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc == TS_OK)
        rc = ts_buf_putc(out, '\n');
    if (rc != TS_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return ts_err_set(err, rc, d->record.id, "cannot render the dossier");
    }
    return TS_OK;
}
