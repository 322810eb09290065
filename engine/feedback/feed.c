/* feedback/feed.c — reading alerts: a stored row as a typed ts_alert for one reader, the
 * alert JSON encoder, the feed by cursor with its filters (scope in the SQL), the
 * lifecycle (ack, close) and the statistics. Uses store/alerts_store.h,
 * triscreen/grid.h, triscreen/jsonw.h, and json-c to read the stored JSON columns. */
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
static ts_status typed_rules(const ts__alert_row *r, const ts_reader *reader, ts_alert *a,
                             alert_mem *m, ts_err *err)
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

/* Fills a from the row r as `reader` may see it. TS_INVALID for a row whose kind, colour
 * or status is not of the vocabulary. */
static ts_status alert_from_row(const ts__alert_row *r, const ts_reader *reader, ts_alert *a,
                                alert_mem *m, ts_err *err)
{
    memset(a, 0, sizeof *a);
    memset(m, 0, sizeof *m);
    ts__fb_alert_name(r->id, a->id);
    a->cursor = r->cursor;
    if (!r->kind || !ts_feedback_parse(r->kind, &a->kind) || a->kind == TS_FEEDBACK_NONE ||
        !ts_alert_state_parse(r->status ? r->status : "", &a->status) ||
        (r->colour && !ts_colour_parse(r->colour, &a->colour)))
        return ts_err_set(err, TS_INVALID, a->id,
                          "stored alert has an unknown kind, colour or status");
    a->person = r->person;
    a->grid = r->grid;
    a->route_note = r->route_note;
    a->created = r->created;
    a->run = r->run;
    a->rules_version = r->rules_version;
    a->level = r->level;
    a->escalated = r->escalated;
    ts_status rc = typed_route(r->route, a, m, err);
    if (rc == TS_OK)
        rc = typed_rules(r, reader, a, m, err);
    return rc;
}

/* ---- the alert JSON encoder ---------------------------------------------------------------- */

void ts_alert_write_json(ts_jsonw *w, const ts_alert *a)
{
    ts_jsonw_obj(w);
    ts_jsonw_kstr(w, "id", a->id);
    ts_jsonw_kint(w, "cursor", a->cursor);
    ts_jsonw_kstr(w, "kind", ts_feedback_name(a->kind));
    ts_jsonw_kstr(w, "person", a->person);
    ts_jsonw_kstr(w, "grid", a->grid);
    ts_jsonw_kstr(w, "colour", a->colour != TS_COLOUR_NONE ? ts_colour_name(a->colour) : NULL);
    ts_jsonw_key(w, "rules");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < a->n_rules; i++) {
        ts_jsonw_obj(w);
        ts_jsonw_kstr(w, "id", a->rules[i].id);
        ts_jsonw_kstr(w, "evidence", a->rules[i].evidence);
        ts_jsonw_obj_end(w);
    }
    ts_jsonw_arr_end(w);
    ts_jsonw_key(w, "route");
    ts_jsonw_arr(w);
    for (size_t i = 0; i < a->n_route; i++)
        ts_jsonw_str(w, a->route[i]);
    ts_jsonw_arr_end(w);
    if (a->route_note)
        ts_jsonw_kstr(w, "route_note", a->route_note);
    ts_jsonw_kstr(w, "created", a->created);
    if (a->run)
        ts_jsonw_kint(w, "run", a->run);
    else
        ts_jsonw_knull(w, "run");
    ts_jsonw_kstr(w, "rules_version", a->rules_version);
    ts_jsonw_kstr(w, "status", ts_alert_state_name(a->status));
    if (a->level > 0) {
        ts_jsonw_kint(w, "level", a->level);
        ts_jsonw_kstr(w, "escalated", a->escalated);
    }
    if (a->headline) {
        ts_jsonw_key(w, "headline");
        ts_jsonw_raw(w, a->headline, strlen(a->headline));
    }
    ts_jsonw_obj_end(w);
}

char *ts__fb_alert_json(const ts__alert_row *r, const ts_reader *reader)
{
    ts_alert a;
    alert_mem m;
    ts_err err;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    char *out = NULL;
    if (alert_from_row(r, reader, &a, &m, &err) == TS_OK) {
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
    ts_status rc = alert_from_row(r, lc->f->reader, &a, &m, err);
    if (rc == TS_OK && lc->fn && (rc = lc->fn(lc->ud, &a)) != TS_OK)
        rc = ts_err_set(err, rc, "alerts", "the alert consumer stopped at cursor %lld",
                        (long long)r->cursor);
    alert_mem_release(&m);
    if (rc != TS_OK)
        return rc;
    lc->last = r->cursor;
    lc->any = true;
    if (lc->f->limit && ++lc->count >= lc->f->limit)
        *stop = true;
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

ts_status ts_alerts_read(ts_store *s, const ts_grid *grid, const ts_alert_filter *f,
                         ts_alert_row_fn fn, void *ud, int64_t *last, ts_err *err)
{
    static const ts_alert_filter all_alerts = {0};
    if (!f)
        f = &all_alerts;
    ts_alert_state want;
    if (f->status && !ts_alert_state_parse(f->status, &want))
        return ts_err_set(err, TS_INVALID, "status",
                          "alert status must be new, acked or closed, not '%s'", f->status);
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
    ts__alert_query q = {.since = f->since,
                         .kind = f->kind ? ts_feedback_name(f->kind) : NULL,
                         .status = f->status,
                         .officer = f->officer,
                         .cells = all ? NULL : ts_buf_str(&cells)};
    list_ctx lc = {.f = f, .fn = fn, .ud = ud};
    rc = ts__alerts_query(s, &q, list_row, &lc, err);
    ts_buf_release(&cells);
    if (rc == TS_OK && lc.any && last)
        *last = lc.last;
    return rc;
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

/* ---- lifecycle ------------------------------------------------------------------------- */

static bool parse_alert_id(const char *s, int64_t *out)
{
    if (!s)
        return false;
    if ((s[0] == 'A' || s[0] == 'a') && s[1] == '-')
        s += 2;
    if (!*s)
        return false;
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (*s - '0');
    }
    if (v <= 0)
        return false;
    *out = v;
    return true;
}

typedef struct live_copy {
    bool found;
    int64_t cursor, id;
    char status[16];
} live_copy;

static ts_status on_live(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    live_copy *lc = ud;
    lc->found = true;
    lc->cursor = r->cursor;
    lc->id = r->id;
    snprintf(lc->status, sizeof lc->status, "%s", r->status ? r->status : "");
    *stop = true;
    return TS_OK;
}

static ts_status set_status(ts_store *s, const char *alert_id, const char *by, const char *note,
                            bool close_it, ts_err *err)
{
    ts_close_outcome how = close_it ? TS_CLOSE_CLOSE : TS_CLOSE_ACK;
    const char *verb = ts_close_outcome_name(how);
    int64_t n;
    if (!parse_alert_id(alert_id, &n))
        return ts_err_set(err, TS_NOTFOUND, alert_id ? alert_id : "",
                          "no such alert: expected an id like A-000042 or a cursor number");
    if (!by || !by[0])
        return ts_err_set(err, TS_INVALID, "by", "%s needs the officer who acts (--by)", verb);
    if (close_it && (!note || !note[0]))
        return ts_err_set(err, TS_INVALID, "note", "closing an alert needs a note (--note)");
    bool own = !ts__alerts_in_tx(s);
    ts__alert_db *d = NULL;
    ts_status rc = TS_OK;
    if (own && (rc = ts_store_begin(s, err)) != TS_OK)
        return rc;
    if ((rc = ts__alert_db_open(s, &d, err)) != TS_OK)
        goto done;
    live_copy lc = {.found = false};
    if ((rc = ts__alert_db_live(d, n, on_live, &lc, err)) != TS_OK)
        goto done;
    char name[24];
    ts__fb_alert_name(lc.found ? lc.id : n, name);
    if (!lc.found) {
        rc = ts_err_set(err, TS_NOTFOUND, name, "no such alert");
        goto done;
    }
    ts_alert_state now_st = TS_ALERT_NEW;
    bool known = ts_alert_state_parse(lc.status, &now_st);
    if (known && now_st == TS_ALERT_CLOSED) {
        rc = ts_err_set(err, TS_STATE, name, "the alert is already closed");
        goto done;
    }
    if (!close_it && known && now_st == TS_ALERT_ACKED) {
        rc = ts_err_set(err, TS_STATE, name, "the alert is already acknowledged");
        goto done;
    }
    const char *to = ts_alert_state_name(ts_close_outcome_state(how));
    char at[21];
    ts__fb_timestamp((int64_t)time(NULL), at);
    if ((rc = ts__alert_db_set_status(d, lc.cursor, to, err)) != TS_OK ||
        (rc = ts__alert_db_history(d, lc.id, to, by, at, note, err)) != TS_OK ||
        (rc = ts_store_audit(s, by, close_it ? "alert.close" : "alert.ack", name, note ? note : "",
                             err)) != TS_OK)
        goto done;
    if (own)
        rc = ts_store_commit(s, err);
done:
    ts__alert_db_close(d);
    if (rc != TS_OK && own)
        ts_store_rollback(s);
    return rc;
}

ts_status ts_alert_ack(ts_store *s, const char *alert_id, const char *by, const char *note,
                       ts_err *err)
{
    return set_status(s, alert_id, by, note, false, err);
}

ts_status ts_alert_close(ts_store *s, const char *alert_id, const char *by, const char *note,
                         ts_err *err)
{
    return set_status(s, alert_id, by, note, true, err);
}

/* ---- statistics ------------------------------------------------------------------------ */

typedef struct stats_ctx {
    const ts_grid *grid;
    ts_alert_stats *st;
    double *ack, *close; /* minutes */
    size_t cap_ack, cap_close;
    uint64_t *town_total, *town_closed; /* by town cell index; last slot = unknown */
    size_t n_cells;
} stats_ctx;

static bool parse_ts(const char *s, int64_t *out)
{
    return s && ts_alert_parse_time(s, out);
}

static ts_status push_minutes(double **v, size_t *n, size_t *cap, double x, ts_err *err)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        double *p = realloc(*v, c * sizeof *p);
        if (!p)
            return ts_err_set(err, TS_NOMEM, "alerts", "stats");
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = x;
    return TS_OK;
}

static ts_status on_stat(void *ud, const char *kind, const char *grid, const char *status,
                         const char *created, const char *acked, const char *closed, ts_err *err)
{
    stats_ctx *sc = ud;
    ts_alert_stats *st = sc->st;
    ts_feedback k;
    if (!kind || !ts_feedback_parse(kind, &k))
        k = TS_FEEDBACK_NONE;
    ts_alert_state as;
    bool known = status && ts_alert_state_parse(status, &as) && as != TS_ALERT_SUPERSEDED;
    if (known)
        st->by[k][as]++;
    else
        st->other[k]++;
    int64_t c, t;
    ts_status rc = TS_OK;
    if (parse_ts(created, &c)) {
        if (parse_ts(acked, &t))
            rc = push_minutes(&sc->ack, &st->n_ack, &sc->cap_ack, (double)(t - c) / 60.0, err);
        if (rc == TS_OK && parse_ts(closed, &t))
            rc =
                push_minutes(&sc->close, &st->n_close, &sc->cap_close, (double)(t - c) / 60.0, err);
    }
    const ts_cell *cell = sc->grid && grid ? ts_grid_find(sc->grid, grid) : NULL;
    const ts_cell *town = cell ? ts_grid_ancestor(cell, TS_CELL_TOWN) : NULL;
    size_t slot = town ? town->index : sc->n_cells;
    sc->town_total[slot]++;
    sc->town_closed[slot] += known && as == TS_ALERT_CLOSED;
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median, or a negative number when there is no value. */
static double median(double *v, size_t n)
{
    if (!n)
        return -1;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The towns with alerts, in grid order, the unknown slot last. */
static ts_status stat_towns(const stats_ctx *sc, ts_err *err)
{
    ts_alert_stats *st = sc->st;
    st->towns = calloc(sc->n_cells + 1, sizeof *st->towns);
    if (!st->towns)
        return ts_err_set(err, TS_NOMEM, "alerts", "stats");
    for (size_t i = 0; i <= sc->n_cells; i++) {
        if (!sc->town_total[i])
            continue;
        const ts_cell *c = i < sc->n_cells ? ts_grid_cell(sc->grid, i) : NULL;
        st->towns[st->n_towns++] = (ts_alert_town_stat){.code = c ? c->code : NULL,
                                                        .name = c ? c->name : "",
                                                        .alerts = sc->town_total[i],
                                                        .closed = sc->town_closed[i]};
    }
    return TS_OK;
}

ts_status ts_alerts_stats_read(ts_store *s, const ts_grid *grid, ts_alert_stats *out, ts_err *err)
{
    memset(out, 0, sizeof *out);
    stats_ctx sc = {.grid = grid, .st = out, .n_cells = grid ? ts_grid_count(grid) : 0};
    ts_status rc = TS_OK;
    sc.town_total = calloc(sc.n_cells + 1, sizeof *sc.town_total);
    sc.town_closed = calloc(sc.n_cells + 1, sizeof *sc.town_closed);
    if (!sc.town_total || !sc.town_closed) {
        rc = ts_err_set(err, TS_NOMEM, "alerts", "stats");
        goto done;
    }
    if ((rc = ts__alerts_stat_rows(s, on_stat, &sc, err)) != TS_OK)
        goto done;
    out->median_ack = median(sc.ack, out->n_ack);
    out->median_close = median(sc.close, out->n_close);
    rc = stat_towns(&sc, err);
done:
    free(sc.ack);
    free(sc.close);
    free(sc.town_total);
    free(sc.town_closed);
    if (rc != TS_OK)
        ts_alert_stats_release(out);
    return rc;
}

void ts_alert_stats_release(ts_alert_stats *st)
{
    if (!st)
        return;
    free(st->towns);
    memset(st, 0, sizeof *st);
}
