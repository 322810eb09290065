/* feedback/feed.c — reading alerts: a stored row as a typed ts_alert for one reader (rule
 * titles from the pack, the cell's name, overdue at the reader's now), the alert JSON
 * encoder, the feed by cursor with its filters (scope in the SQL), and one alert with its
 * history. Uses store/alerts_store.h, triscreen/grid.h, triscreen/jsonw.h, and json-c
 * to read the stored JSON columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "triscreen/date.h"
#include "base/limits.h"
#include "feedback/fb_int.h"
#include "lists/redact.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* ---- a stored row as a typed alert ------------------------------------------------------- */

/* What a typed alert borrows beyond the row: parsed route, redacted rules and headline. */
typedef struct alert_mem {
    json_object *route, *rules, *headline;
    ts_alert_rule *rulev;
    const char **routev;
} alert_mem;

static void alert_mem_release(alert_mem *m)
{
    json_object_put(m->route);
    json_object_put(m->rules);
    json_object_put(m->headline);
    free(m->rulev);
    free(m->routev);
    memset(m, 0, sizeof *m);
}

static const char *member_str(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return NULL;
    return json_object_get_string(v);
}

/* The stored route (a JSON array of officer ids; unreadable text reads as []). */
static ts_status typed_route(const char *text, ts_alert *a, alert_mem *m, ts_err *err)
{
    m->route = text ? json_tokener_parse(text) : NULL;
    size_t n =
        json_object_is_type(m->route, json_type_array) ? json_object_array_length(m->route) : 0;
    m->routev = calloc(n ? n : 1, sizeof *m->routev);
    if (!m->routev)
        return ts_err_set(err, TS_NOMEM, "alerts", "route");
    for (size_t i = 0; i < n; i++) {
        const char *id = json_object_get_string(json_object_array_get_idx(m->route, i));
        if (id)
            m->routev[a->n_route++] = id;
    }
    a->route = m->routev;
    return TS_OK;
}

/* The rules behind the alert and its headline as `reader` may see them. */
static ts_status typed_rules(const ts__alert_row *r, const ts_reader *reader,
                             const ts_rulepack *pack, ts_alert *a, alert_mem *m, ts_err *err)
{
    m->rules = ts__redact_alert_rules(r->rules, r->headline, reader);
    if (!m->rules)
        return ts_err_set(err, TS_NOMEM, "alerts", "rules");
    size_t n = json_object_array_length(m->rules);
    m->rulev = calloc(n ? n : 1, sizeof *m->rulev);
    if (!m->rulev)
        return ts_err_set(err, TS_NOMEM, "alerts", "rules");
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(m->rules, i);
        if (!json_object_is_type(e, json_type_object))
            continue;
        m->rulev[a->n_rules].id = member_str(e, "id");
        m->rulev[a->n_rules].title = ts_rulepack_title(pack, m->rulev[a->n_rules].id);
        m->rulev[a->n_rules++].evidence = member_str(e, "evidence");
    }
    a->rules = m->rulev;
    if (r->headline) {
        m->headline = ts__redact_headline_text(r->headline, reader);
        a->headline = m->headline ? json_object_to_json_string_ext(m->headline, JSON_FLAGS) : NULL;
        if (!a->headline)
            return ts_err_set(err, TS_NOMEM, "alerts", "headline");
    }
    return TS_OK;
}

/* How a reader sees alerts: scope, rule titles, the grid for cell names, now. */
typedef struct view {
    const ts_reader *reader;
    const ts_rulepack *pack;
    const ts_grid *grid;
    char now[21]; /* "YYYY-MM-DDTHH:MM:SSZ" */
} view;

static void view_init(view *v, const ts_grid *g, const ts_alert_filter *f)
{
    v->reader = f ? f->reader : NULL;
    v->pack = f ? f->pack : NULL;
    v->grid = g;
    ts__fb_timestamp(f && f->now ? f->now : (int64_t)time(NULL), v->now);
}

static ts_cell_level target_of(int level)
{
    return level >= TS_CELL_TOWN && level <= TS_CELL_GROUP ? (ts_cell_level)level : 0;
}

/* Fills a from the row r as the view's reader may see it. TS_INVALID for a row whose
 * kind, colour, status or outcome is not of the vocabulary. */
static ts_status alert_from_row(const ts__alert_row *r, const view *v, ts_alert *a, alert_mem *m,
                                ts_err *err)
{
    memset(a, 0, sizeof *a);
    memset(m, 0, sizeof *m);
    ts__fb_alert_name(r->id, a->id);
    a->cursor = r->seq;
    if (!r->kind || !ts_feedback_parse(r->kind, &a->kind) || a->kind == TS_FEEDBACK_NONE ||
        !ts_alert_state_parse(r->status ? r->status : "", &a->status) ||
        (r->colour && !ts_colour_parse(r->colour, &a->colour)) ||
        (r->outcome && !ts_close_outcome_parse(r->outcome, &a->outcome)))
        return ts_err_set(err, TS_INVALID, a->id,
                          "stored alert has an unknown kind, colour, status or outcome");
    const ts_cell *cell = v->grid && r->grid ? ts_grid_find(v->grid, r->grid) : NULL;
    a->person = r->person;
    a->grid = r->grid;
    a->cell_name = cell ? cell->name : "";
    a->route_note = r->route_note;
    a->created = r->created;
    a->run = r->run;
    a->ingest = r->ingest;
    a->rules_version = r->rules_version;
    a->rules_note = r->rules_note;
    a->rules_by = r->rules_by;
    a->level = r->level;
    a->escalated = r->escalated;
    a->target = target_of(r->target_level);
    a->due = a->status == TS_ALERT_CLOSED ? NULL : r->due;
    a->overdue = a->due && strcmp(a->due, v->now) <= 0;
    a->claimed_by = r->claimed_by;
    a->claimed_at = r->claimed_at;
    a->acked_at = r->acked_at;
    a->closed_at = r->closed_at;
    if (r->reopens)
        ts__fb_alert_name(r->reopens, a->reopens);
    a->event_type = r->event_type;
    a->event_date = r->event_date;
    a->event_text = r->event_text;
    ts_status rc = typed_route(r->route, a, m, err);
    if (rc == TS_OK)
        rc = typed_rules(r, v->reader, v->pack, a, m, err);
    return rc;
}

/* ---- the alert JSON encoder ---------------------------------------------------------------- */

static void kint_or_null(ts_jsonw *w, const char *key, int64_t v)
{
    if (v)
        ts_jsonw_kint(w, key, v);
    else
        ts_jsonw_knull(w, key);
}

void ts_alert_write_json(ts_jsonw *w, const ts_alert *a)
{
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "id", a->id);
    ts_jsonw_kint(w, "cursor", a->cursor);
    ts_jsonw_kstr(w, "kind", ts_feedback_name(a->kind));
    ts_jsonw_kstr(w, "person", a->person);
    ts_jsonw_kstr(w, "grid", a->grid);
    ts_jsonw_kstr(w, "cell_name", a->cell_name ? a->cell_name : "");
    ts_jsonw_kstr(w, "colour", a->colour != TS_COLOUR_NONE ? ts_colour_name(a->colour) : NULL);
    ts_jsonw_key(w, "rules");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < a->n_rules; i++) {
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "id", a->rules[i].id);
        ts_jsonw_kstr(w, "title", a->rules[i].title);
        ts_jsonw_kstr(w, "evidence", a->rules[i].evidence);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    ts_jsonw_key(w, "event");
    if (a->event_type) {
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "type", a->event_type);
        ts_jsonw_kstr(w, "date", a->event_date);
        ts_jsonw_kstr(w, "text", a->event_text ? a->event_text : "");
        ts_jsonw_obj_end(w);
    } else {
        ts_jsonw_null(w);
    }
    ts_jsonw_key(w, "route");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < a->n_route; i++)
        ts_jsonw_str(w, a->route[i]);
    ts_jsonw_arr_end(w);
    if (a->route_note)
        ts_jsonw_kstr(w, "route_note", a->route_note);
    ts_jsonw_kstr(w, "created", a->created);
    kint_or_null(w, "run", a->run);
    kint_or_null(w, "ingest", a->ingest);
    ts_jsonw_kstr(w, "rules_version", a->rules_version);
    if (a->rules_note) {
        ts_jsonw_kstr(w, "rules_note", a->rules_note);
        ts_jsonw_kstr(w, "rules_by", a->rules_by);
    }
    ts_jsonw_kstr(w, "status", ts_alert_state_name(a->status));
    ts_jsonw_kint(w, "level", a->level);
    ts_jsonw_kstr(w, "escalated", a->escalated);
    ts_jsonw_kstr(w, "target", ts_grid_level_name((int)a->target));
    ts_jsonw_kstr(w, "due", a->due);
    ts_jsonw_kbool(w, "overdue", a->overdue);
    ts_jsonw_kstr(w, "claimed_by", a->claimed_by);
    ts_jsonw_kstr(w, "acked_at", a->acked_at);
    ts_jsonw_kstr(w, "closed_at", a->closed_at);
    ts_jsonw_kstr(w, "outcome", a->outcome ? ts_close_outcome_name(a->outcome) : NULL);
    ts_jsonw_kstr(w, "reopens", a->reopens[0] ? a->reopens : NULL);
    if (a->headline) {
        ts_jsonw_key(w, "headline");
        ts_jsonw_raw(w, a->headline, strlen(a->headline));
    }
    ts_jsonw_obj_end(w);
}

void ts_alert_event_write_json(ts_jsonw *w, const ts_alert_event *e)
{
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "at", e->at);
    ts_jsonw_kstr(w, "what", e->what);
    ts_jsonw_kstr(w, "by", e->by);
    ts_jsonw_kstr(w, "token", e->token);
    ts_jsonw_kstr(w, "note", e->note ? e->note : "");
    ts_jsonw_obj_end(w);
}

char *ts__fb_alert_json(const ts__alert_row *r, const ts_grid *g, const ts_reader *reader)
{
    ts_alert a;
    alert_mem m;
    ts_err err;
    view v;
    ts_alert_filter f = {.reader = reader};
    view_init(&v, g, &f);
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    char *out = NULL;
    if (alert_from_row(r, &v, &a, &m, &err) == TS_OK) {
        ts_jsonw w;
        ts_jsonw_init(&w, &b);
        ts_alert_write_json(&w, &a);
        if (ts_jsonw_finish(&w) == TS_OK)
            out = ts_buf_take(&b);
    }
    alert_mem_release(&m);
    ts_buf_release(&b);
    return out;
}

/* ---- the feed -------------------------------------------------------------------------- */

typedef struct list_ctx {
    const ts_alert_filter *f;
    view v;
    ts_alert_row_fn fn;
    void *ud;
    int64_t last;
    bool any;
    size_t count;
} list_ctx;

static ts_status list_row(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    list_ctx *lc = ud;
    ts_alert a;
    alert_mem m;
    ts_status rc = alert_from_row(r, &lc->v, &a, &m, err);
    if (rc == TS_OK && lc->fn && (rc = lc->fn(lc->ud, &a)) != TS_OK)
        rc = ts_err_set(err, rc, "alerts", "the alert consumer stopped at cursor %lld",
                        (long long)r->seq);
    alert_mem_release(&m);
    if (rc != TS_OK)
        return rc;
    lc->last = r->seq;
    lc->any = true;
    (void)stop; /* the limit is in the SQL */
    return TS_OK;
}

/* The codes of every cell in the filter's scopes as a JSON array into b (the scope cells
 * themselves when there is no grid); *all true when some scope is "all". */
static ts_status scope_cells(const ts_grid *grid, const ts_alert_filter *f, ts_buf *b, bool *all)
{
    *all = f->n_scopes == 0;
    for (size_t i = 0; i < f->n_scopes; i++)
        *all |= f->scopes[i] == NULL;
    return *all ? TS_OK : ts_grid_cells_json(grid, f->scopes, f->n_scopes, b);
}

/* The status filter as stored: "acked" is taken for "acknowledged", "open" for any but
 * closed. false for anything else. */
static bool status_filter(const char *in, const char **out)
{
    ts_alert_state st;
    if (!strcmp(in, "open"))
        *out = "open";
    else if (!strcmp(in, "acked"))
        *out = ts_alert_state_name(TS_ALERT_ACKED);
    else if (ts_alert_state_parse(in, &st))
        *out = ts_alert_state_name(st);
    else
        return false;
    return true;
}

ts_status ts_alerts_read(ts_store *s, const ts_grid *grid, const ts_alert_filter *f,
                         ts_alert_row_fn fn, void *ud, int64_t *last, ts_err *err)
{
    static const ts_alert_filter all_alerts = {0};
    if (!f)
        f = &all_alerts;
    const char *status = NULL;
    if (f->status && !status_filter(f->status, &status))
        return ts_err_set(err, TS_INVALID, "status",
                          "alert state must be new, claimed, acknowledged, closed or open, not "
                          "'%.40s'",
                          f->status);
    if ((unsigned)f->kind > TS_FEEDBACK_QUICK)
        return ts_err_set(err, TS_INVALID, "kind", "unknown alert kind %d", (int)f->kind);
    ts_buf cells;
    ts_buf_init(&cells, TS_LIMIT_RULES_JSON);
    bool all;
    ts_status rc = scope_cells(grid, f, &cells, &all);
    if (rc != TS_OK) {
        ts_buf_release(&cells);
        return ts_err_set(err, rc, "alerts", "the scope's cells");
    }
    char since_ts[21];
    if (f->created_since)
        ts__fb_timestamp(f->created_since, since_ts);
    ts__alert_query q = {.since = f->since,
                         .kind = f->kind ? ts_feedback_name(f->kind) : NULL,
                         .status = status,
                         .officer = f->officer,
                         .cells = all ? NULL : ts_buf_str(&cells),
                         .created_since = f->created_since ? since_ts : NULL,
                         .limit = f->limit,
                         .before = f->before,
                         .newest = f->newest_first};
    list_ctx lc = {.f = f, .fn = fn, .ud = ud};
    view_init(&lc.v, grid, f);
    rc = ts__alerts_query(s, &q, list_row, &lc, err);
    ts_buf_release(&cells);
    if (rc == TS_OK && lc.any && last)
        *last = lc.last;
    return rc;
}

/* ---- one alert and its history ---------------------------------------------------------- */

typedef struct show_ctx {
    const ts_alert_filter *f;
    view v;
    ts_alert_row_fn fn;
    ts_alert_event_fn ev;
    void *ud;
    bool found, hidden;
    ts_status frc;
} show_ctx;

static bool in_scopes(const ts_grid *g, const ts_alert_filter *f, const char *code)
{
    if (!f || f->n_scopes == 0)
        return true;
    const ts_cell *cell = g && code ? ts_grid_find(g, code) : NULL;
    for (size_t i = 0; i < f->n_scopes; i++)
        if (!f->scopes[i] || (cell && ts_grid_in_scope(cell, f->scopes[i])))
            return true;
    return false;
}

static ts_status show_row(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    show_ctx *sc = ud;
    *stop = true;
    if (!in_scopes(sc->v.grid, sc->f, r->grid)) {
        sc->hidden = true;
        return TS_OK;
    }
    sc->found = true;
    ts_alert a;
    alert_mem m;
    ts_status rc = alert_from_row(r, &sc->v, &a, &m, err);
    if (rc == TS_OK && sc->fn)
        rc = sc->fn(sc->ud, &a);
    /* the history starts with the raise itself (not a stored row) */
    ts_alert_event raised = {
        .at = a.created, .what = "raised", .by = "engine", .note = a.reopens[0] ? a.reopens : ""};
    char note[40];
    if (a.reopens[0]) {
        snprintf(note, sizeof note, "reopens %s", a.reopens);
        raised.note = note;
    }
    if (rc == TS_OK && sc->ev)
        rc = sc->ev(sc->ud, &raised);
    alert_mem_release(&m);
    return rc;
}

static ts_status show_hist(void *ud, const char *at, const char *what, const char *by,
                           const char *token, const char *note, ts_err *err)
{
    show_ctx *sc = ud;
    (void)err;
    ts_alert_event e = {.at = at, .what = what, .by = by, .token = token, .note = note};
    return sc->ev ? sc->ev(sc->ud, &e) : TS_OK;
}

ts_status ts_alert_show(ts_store *s, const ts_grid *grid, const ts_alert_filter *f,
                        const char *alert_id, ts_alert_row_fn fn, ts_alert_event_fn ev, void *ud,
                        ts_err *err)
{
    int64_t id;
    if (!ts__fb_parse_id(alert_id, &id))
        return ts_err_set(err, TS_NOTFOUND, "alert",
                          "no such alert: expected an id like A-000042 or its number");
    show_ctx sc = {.f = f, .fn = fn, .ev = ev, .ud = ud};
    view_init(&sc.v, grid, f);
    char name[24];
    ts__fb_alert_name(id, name);
    ts_status rc = ts__alerts_get(s, id, show_row, &sc, err);
    if (rc != TS_OK)
        return rc;
    if (!sc.found) /* unknown and out of scope answer alike */
        return ts_err_set(err, TS_NOTFOUND, name, "no such alert");
    return ts__alerts_history(s, id, show_hist, &sc, err);
}

typedef struct json_ctx {
    ts_alert_fn fn;
    void *ud;
    ts_buf b;
} json_ctx;

static ts_status json_row(void *ud, const ts_alert *a)
{
    json_ctx *jc = ud;
    ts_jsonw w;
    ts_buf_reset(&jc->b);
    ts_jsonw_init(&w, &jc->b);
    ts_alert_write_json(&w, a);
    ts_status rc = ts_jsonw_finish(&w);
    if (rc == TS_OK && jc->fn)
        rc = jc->fn(jc->ud, ts_buf_str(&jc->b), a->cursor);
    return rc;
}

ts_status ts_alerts_list(ts_store *s, const ts_grid *grid, const ts_alert_filter *f, ts_alert_fn fn,
                         void *ud, int64_t *last, ts_err *err)
{
    json_ctx jc = {.fn = fn, .ud = ud};
    ts_buf_init(&jc.b, TS_LIMIT_RULES_JSON);
    ts_status rc = ts_alerts_read(s, grid, f, json_row, &jc, last, err);
    ts_buf_release(&jc.b);
    return rc;
}

ts_status ts_alerts_max_cursor(ts_store *s, int64_t *out, ts_err *err)
{
    return ts__alerts_max(s, out, err);
}
