/* render/dossier_text.c — the dossier as text (render/render_lists.h): one function per
 * section, writing into a ts_buf with stored text escaped for the terminal. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "triscreen/date.h"
#include "render/render_lists.h"
#include "render/term.h"

/* A text writer with a sticky status: after the first failure every call does nothing. */
typedef struct tw {
    ts_buf *out;
    ts_status rc;
    const ts_rulepack *pack; /* titles beside rule ids; NULL: ids alone */
} tw;

static void raw(tw *w, const char *s)
{
    if (w->rc == TS_OK)
        w->rc = ts_buf_puts(w->out, s);
}

static void fmt(tw *w, const char *f, ...) TS_PRINTF(2, 3);
static void fmt(tw *w, const char *f, ...)
{
    if (w->rc != TS_OK)
        return;
    va_list ap;
    va_start(ap, f);
    w->rc = ts_buf_vprintf(w->out, f, ap);
    va_end(ap);
}

/* Writes s with control characters escaped, so stored text cannot drive the terminal. */
static void text(tw *w, const char *s)
{
    if (w->rc == TS_OK)
        w->rc = ts__render_term_text(w->out, s);
}

static const char *or_none(const char *s)
{
    return s ? s : "none";
}

static void label(tw *w, const char *l)
{
    fmt(w, "  %-12s", l);
}

static void field(tw *w, const char *l, const char *value)
{
    label(w, l);
    text(w, value && value[0] ? value : "-");
    raw(w, "\n");
}

/* "id [title] (evidence); id2" — "-" when there are none; the title only when the pack
 * has the rule (the parentheses hold the evidence, as they always have). */
static void rules(tw *w, const ts_reason *v, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            raw(w, sep);
        text(w, v[i].id);
        const char *title = ts_rulepack_title(w->pack, v[i].id);
        if (title) {
            raw(w, " [");
            text(w, title);
            raw(w, "]");
        }
        if (!v[i].bare && v[i].evidence && v[i].evidence[0]) {
            raw(w, " (");
            text(w, v[i].evidence);
            raw(w, ")");
        }
        if (v[i].snoozed)
            fmt(w, " [snoozed S-%lld]", (long long)v[i].snoozed);
    }
    if (!n)
        raw(w, "-");
}

static void ids(tw *w, const char *const *v, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            raw(w, sep);
        text(w, v[i]);
    }
    if (!n)
        raw(w, "-");
}

static void head(tw *w, const ts_dossier *d)
{
    const ts_person *p = &d->record;
    raw(w, "dossier ");
    text(w, p->id);
    if (p->name && p->name[0]) {
        raw(w, "  ");
        text(w, p->name);
    }
    raw(w, "\n");
    label(w, "grid");
    text(w, p->grid);
    if (d->village) {
        raw(w, " (village ");
        text(w, d->village);
        raw(w, ", town ");
        text(w, d->town);
        raw(w, ")");
    }
    raw(w, "\n");
    char born[11] = "";
    if (p->born != TS_DATE_NONE)
        ts_date_format(p->born, born);
    field(w, "born", born);
    label(w, "categories");
    ids(w, p->categories, p->n_categories, ", ");
    raw(w, "\n");
    label(w, "attrs");
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *at = &p->attrs[i];
        char num[40];
        raw(w, i ? ", " : "");
        text(w, at->name);
        raw(w, "=");
        text(w, at->type == TS_ATTR_BOOL  ? (at->b ? "true" : "false")
                : at->type == TS_ATTR_NUM ? ts__render_number(at->num, num)
                                          : at->str);
    }
    raw(w, p->n_attrs ? "\n" : "-\n");
    field(w, "notes", p->notes);
    label(w, "suspect");
    raw(w, d->suspect < 0 ? "never screened" : d->suspect ? "yes" : "no");
    if (d->suspect >= 0)
        fmt(w, " (run %lld)", (long long)d->suspect_run);
    raw(w, "\n");
}

static void list_state(tw *w, const ts_dossier_list *l)
{
    label(w, "list");
    if (!l) {
        raw(w, "not listed\n");
        return;
    }
    text(w, or_none(l->colour));
    fmt(w, ", score %lld, since ", (long long)l->score);
    text(w, l->since);
    if (l->next_review) {
        raw(w, ", next review ");
        text(w, l->next_review);
    }
    raw(w, "\n");
    if (l->override_colour) {
        label(w, "override");
        text(w, l->override_colour);
        raw(w, " by ");
        text(w, l->override_by);
        if (l->override_until) {
            raw(w, " until ");
            text(w, l->override_until);
        }
        raw(w, " (engine: ");
        text(w, or_none(l->engine_colour));
        raw(w, ")\n");
    }
    label(w, "reasons");
    rules(w, l->reasons, l->n_reasons, "; ");
    raw(w, "\n");
}

static void events(tw *w, const ts_person *p)
{
    fmt(w, "\nevents (%zu)\n", p->n_events);
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *e = &p->events[i];
        char date[11];
        ts_date_format(e->date, date);
        raw(w, "  ");
        text(w, date);
        raw(w, "  ");
        text(w, e->type);
        if (e->note && e->note[0]) {
            raw(w, "  ");
            text(w, e->note);
        }
        raw(w, "\n");
    }
}

/* Shown only when the person has an active snooze. */
static void snoozes(tw *w, const ts_dossier *d)
{
    if (!d->n_snoozes)
        return;
    fmt(w, "\nsnoozes (%zu)\n", d->n_snoozes);
    for (size_t i = 0; i < d->n_snoozes; i++) {
        const ts_snooze_row *z = &d->snoozes[i];
        fmt(w, "  S-%lld  ", (long long)z->id);
        text(w, z->rule);
        raw(w, "  until ");
        text(w, z->until);
        raw(w, "  by ");
        text(w, z->by);
        raw(w, "  ");
        text(w, z->note);
        raw(w, "\n");
    }
}

static void ledger(tw *w, const ts_dossier *d)
{
    fmt(w, "\nledger (%zu)\n", d->n_ledger);
    for (size_t i = 0; i < d->n_ledger; i++) {
        const ts_dossier_ledger *l = &d->ledger[i];
        fmt(w, "  run %lld  ", (long long)l->run);
        text(w, l->now);
        fmt(w, "  %s  gaps: ", l->suspect ? "suspect" : "not suspect");
        ids(w, l->gaps, l->n_gaps, ", ");
        raw(w, "  rules: ");
        rules(w, l->rules, l->n_rules, "; ");
        raw(w, "\n");
    }
}

static void list_history(tw *w, const ts_dossier *d)
{
    fmt(w, "\nlist history (%zu)\n", d->n_history);
    for (size_t i = 0; i < d->n_history; i++) {
        const ts_dossier_change *t = &d->history[i];
        raw(w, "  ");
        text(w, t->at);
        raw(w, "  ");
        text(w, or_none(t->from));
        raw(w, " -> ");
        text(w, or_none(t->to));
        if (t->score >= 0)
            fmt(w, "  score %lld", (long long)t->score);
        if (t->run)
            fmt(w, "  run %lld", (long long)t->run);
        raw(w, "  by ");
        text(w, t->actor);
        raw(w, "\n      ");
        rules(w, t->reasons, t->n_reasons, "; ");
        raw(w, "\n");
    }
}

static void circle(tw *w, const ts_dossier *d)
{
    fmt(w, "\ncircle (%zu)%s\n", d->n_circle, d->circle_truncated ? " (truncated)" : "");
    for (size_t i = 0; i < d->n_circle; i++) {
        const ts_dossier_relative *m = &d->circle[i];
        fmt(w, "  %d  ", m->distance);
        text(w, m->person);
        raw(w, "  ");
        text(w, m->relation);
        if (m->via) {
            raw(w, " via ");
            text(w, m->via);
        }
        if (m->pending) {
            raw(w, "  pending (no record)\n");
            continue;
        }
        raw(w, "  ");
        text(w, or_none(m->colour));
        raw(w, "  ");
        text(w, m->grid);
        if (m->name && m->name[0]) {
            raw(w, "  ");
            text(w, m->name);
        }
        raw(w, "\n");
    }
}

static void reviews(tw *w, const ts_dossier *d)
{
    fmt(w, "\nreviews (%zu)\n", d->n_reviews);
    for (size_t i = 0; i < d->n_reviews; i++) {
        const ts_dossier_review *r = &d->reviews[i];
        raw(w, "  ");
        text(w, r->now);
        raw(w, "  ");
        text(w, r->by);
        raw(w, "  ");
        text(w, r->outcome);
        raw(w, " -> ");
        text(w, r->colour);
        if (r->until) {
            raw(w, " until ");
            text(w, r->until);
        }
        raw(w, ": ");
        text(w, r->note);
        raw(w, "\n");
    }
}

static void alerts(tw *w, const ts_dossier *d)
{
    fmt(w, "\nalerts (%zu)\n", d->n_alerts);
    for (size_t i = 0; i < d->n_alerts; i++) {
        const ts_dossier_alert *a = &d->alerts[i];
        fmt(w, "  A-%06lld  ", (long long)a->cursor);
        text(w, a->kind);
        raw(w, "  ");
        text(w, a->status);
        raw(w, "  ");
        text(w, a->created);
        raw(w, "  ");
        rules(w, a->rules, a->n_rules, "; ");
        raw(w, "\n");
    }
}

ts_status ts__render_dossier_text(const ts_dossier *d, const ts_rulepack *pack, ts_buf *out,
                                  ts_err *err)
{
    size_t start = out->len;
    tw w = {out, TS_OK, pack};
    head(&w, d);
    list_state(&w, d->list);
    if (d->rules_note) {
        label(&w, "rules");
        text(&w, d->rules_version);
        raw(&w, " (deployed by ");
        text(&w, d->rules_by);
        raw(&w, ": ");
        text(&w, d->rules_note);
        raw(&w, ")\n");
    }
    events(&w, &d->record);
    snoozes(&w, d);
    ledger(&w, d);
    list_history(&w, d);
    circle(&w, d);
    reviews(&w, d);
    alerts(&w, d);
    if (w.rc != TS_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return ts_err_set(err, w.rc, d->record.id, "cannot render the dossier");
    }
    return TS_OK;
}
