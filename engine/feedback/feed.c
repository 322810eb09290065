/* feedback/feed.c — reading alerts: the JSON of an alert, the feed by cursor with its
 * filters, the table row, the lifecycle (ack, close) and the statistics. Uses
 * store/alerts_store.h, triscreen/grid.h and json-c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "triscreen/date.h"
#include "feedback/fb_int.h"
#include "lists/redact.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* ---- JSON of an alert ------------------------------------------------------------------ */

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* A stored JSON text (rules, route, headline); `fallback` type when unreadable. */
static json_object *parsed(const char *s, json_type fallback)
{
    json_object *o = s ? json_tokener_parse(s) : NULL;
    if (!o)
        o = fallback == json_type_array ? json_object_new_array() : json_object_new_object();
    return o;
}

char *ts__fb_alert_json(const ts__alert_row *r, const ts_reader *reader)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    char name[24];
    ts__fb_alert_name(r->id, name);
    json_object_object_add(o, "id", json_object_new_string(name));
    json_object_object_add(o, "cursor", json_object_new_int64(r->cursor));
    json_object_object_add(o, "kind", str_or_null(r->kind));
    json_object_object_add(o, "person", str_or_null(r->person));
    json_object_object_add(o, "grid", str_or_null(r->grid));
    json_object_object_add(o, "colour", str_or_null(r->colour));
    json_object_object_add(o, "rules", ts__redact_alert_rules(r->rules, r->headline, reader));
    json_object_object_add(o, "route", parsed(r->route, json_type_array));
    if (r->route_note)
        json_object_object_add(o, "route_note", json_object_new_string(r->route_note));
    json_object_object_add(o, "created", str_or_null(r->created));
    json_object_object_add(o, "run", r->run ? json_object_new_int64(r->run) : NULL);
    json_object_object_add(o, "rules_version", str_or_null(r->rules_version));
    json_object_object_add(o, "status", str_or_null(r->status));
    if (r->level > 0) {
        json_object_object_add(o, "level", json_object_new_int(r->level));
        json_object_object_add(o, "escalated", str_or_null(r->escalated));
    }
    if (r->headline)
        json_object_object_add(o, "headline", ts__redact_headline_text(r->headline, reader));
    const char *txt = json_object_to_json_string_ext(o, JSON_FLAGS);
    char *out = txt ? strdup(txt) : NULL;
    json_object_put(o);
    return out;
}

/* ---- the feed -------------------------------------------------------------------------- */

typedef struct list_ctx {
    const ts_grid *grid;
    const ts_alert_filter *f;
    ts_alert_fn fn;
    void *ud;
    int64_t last;
    bool any;
    size_t count;
} list_ctx;

static bool in_scopes(const list_ctx *lc, const char *code)
{
    const ts_alert_filter *f = lc->f;
    if (!f->n_scopes || !lc->grid)
        return true; /* the SQL prefix test already applied */
    const ts_cell *cell = ts_grid_find(lc->grid, code);
    if (!cell)
        return false;
    for (size_t i = 0; i < f->n_scopes; i++)
        if (!f->scopes[i] || ts_grid_in_scope(cell, f->scopes[i]))
            return true;
    return false;
}

static ts_status list_row(void *ud, const ts__alert_row *r, bool *stop, ts_err *err)
{
    list_ctx *lc = ud;
    if (!in_scopes(lc, r->grid))
        return TS_OK;
    char *j = ts__fb_alert_json(r, lc->f->reader);
    if (!j)
        return ts_err_set(err, TS_NOMEM, "alerts", NULL);
    ts_status rc = lc->fn ? lc->fn(lc->ud, j, r->cursor) : TS_OK;
    free(j);
    if (rc != TS_OK)
        return ts_err_set(err, rc, "alerts", "the alert consumer stopped at cursor %lld",
                          (long long)r->cursor);
    lc->last = r->cursor;
    lc->any = true;
    if (lc->f->limit && ++lc->count >= lc->f->limit)
        *stop = true;
    return TS_OK;
}

ts_status ts_alerts_list(ts_store *s, const ts_grid *grid, const ts_alert_filter *f, ts_alert_fn fn,
                         void *ud, int64_t *last, ts_err *err)
{
    static const ts_alert_filter all = {0};
    if (!f)
        f = &all;
    ts_alert_state want;
    if (f->status && !ts_alert_state_parse(f->status, &want))
        return ts_err_set(err, TS_INVALID, "status",
                          "alert status must be new, acked or closed, not '%s'", f->status);
    if ((unsigned)f->kind > TS_FEEDBACK_QUICK)
        return ts_err_set(err, TS_INVALID, "kind", "unknown alert kind %d", (int)f->kind);
    const char **prefixes = NULL;
    size_t n_prefixes = 0;
    bool all_scopes = f->n_scopes == 0;
    for (size_t i = 0; i < f->n_scopes; i++)
        all_scopes |= f->scopes[i] == NULL;
    if (!all_scopes) {
        prefixes = calloc(f->n_scopes, sizeof *prefixes);
        if (!prefixes)
            return ts_err_set(err, TS_NOMEM, "alerts", NULL);
        for (size_t i = 0; i < f->n_scopes; i++)
            prefixes[n_prefixes++] = f->scopes[i]->code;
    }
    ts_alert_filter eff = *f;
    if (all_scopes)
        eff.n_scopes = 0;
    ts__alert_query q = {.since = f->since,
                         .kind = f->kind ? ts_feedback_name(f->kind) : NULL,
                         .status = f->status,
                         .officer = f->officer,
                         .prefixes = prefixes,
                         .n_prefixes = n_prefixes};
    list_ctx lc = {.grid = grid, .f = &eff, .fn = fn, .ud = ud};
    ts_status rc = ts__alerts_query(s, &q, list_row, &lc, err);
    free(prefixes);
    if (rc == TS_OK && lc.any && last)
        *last = lc.last;
    return rc;
}

ts_status ts_alerts_max_cursor(ts_store *s, int64_t *out, ts_err *err)
{
    return ts__alerts_max(s, out, err);
}

/* ---- the table ------------------------------------------------------------------------- */

const char *ts_alert_table_header(void)
{
    return "ID        CURSOR    KIND      STATUS      LVL PERSON        GRID           COLOUR "
           " CREATED               ROUTE / RULES";
}

static const char *jstr(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v)
        return "-";
    return json_object_get_string(v);
}

/* Joins the strings of arr (or arr[i].key) with ','. */
static void join(json_object *o, const char *field, const char *key, char *buf, size_t cap)
{
    json_object *arr;
    size_t len = 0;
    buf[0] = '\0';
    if (!json_object_object_get_ex(o, field, &arr) || !json_object_is_type(arr, json_type_array))
        return;
    for (size_t i = 0; i < json_object_array_length(arr) && len < cap - 1; i++) {
        json_object *e = json_object_array_get_idx(arr, i), *v = e;
        if (key && !json_object_object_get_ex(e, key, &v))
            continue;
        int w = snprintf(buf + len, cap - len, "%s%s", len ? "," : "", json_object_get_string(v));
        len += w > 0 ? (size_t)w : 0;
    }
    if (len >= cap)
        buf[cap - 1] = '\0';
}

ts_status ts_alert_table_row(const char *json, char *buf, size_t cap)
{
    json_object *o = json ? json_tokener_parse(json) : NULL;
    if (!o)
        return TS_INVALID;
    char route[512], rules[512];
    join(o, "route", NULL, route, sizeof route);
    join(o, "rules", "id", rules, sizeof rules);
    json_object *lv;
    int level = json_object_object_get_ex(o, "level", &lv) ? json_object_get_int(lv) : 0;
    const char *colour = jstr(o, "colour");
    snprintf(buf, cap, "%-9s %-9s %-9s %-11s %3d %-13s %-14s %-7s %-21s %s / %s", jstr(o, "id"),
             jstr(o, "cursor"), jstr(o, "kind"), jstr(o, "status"), level, jstr(o, "person"),
             jstr(o, "grid"), colour, jstr(o, "created"), route[0] ? route : "(nobody)", rules);
    json_object_put(o);
    return TS_OK;
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

/* Slots: the states new, acked and closed; any other status (superseded) counts as "other". */
enum {
    ST_NEW = TS_ALERT_NEW,
    ST_ACKED = TS_ALERT_ACKED,
    ST_CLOSED = TS_ALERT_CLOSED,
    ST_OTHER,
    ST__N
};

static const char *stat_name(int st)
{
    return st == ST_OTHER ? "other" : ts_alert_state_name((ts_alert_state)st);
}

typedef struct stats_ctx {
    const ts_grid *grid;
    uint64_t by[TS_FEEDBACK_N][ST__N]; /* [ts_feedback][status] */
    double *ack, *close;               /* minutes */
    size_t n_ack, n_close, cap_ack, cap_close;
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
    ts_feedback k;
    if (!kind || !ts_feedback_parse(kind, &k))
        k = TS_FEEDBACK_NONE;
    ts_alert_state as;
    int st = ts_alert_state_parse(status, &as) && (int)as < ST_OTHER ? (int)as : ST_OTHER;
    sc->by[k][st]++;
    int64_t c, t;
    ts_status rc = TS_OK;
    if (parse_ts(created, &c)) {
        if (parse_ts(acked, &t))
            rc = push_minutes(&sc->ack, &sc->n_ack, &sc->cap_ack, (double)(t - c) / 60.0, err);
        if (rc == TS_OK && parse_ts(closed, &t))
            rc =
                push_minutes(&sc->close, &sc->n_close, &sc->cap_close, (double)(t - c) / 60.0, err);
    }
    const ts_cell *cell = sc->grid && grid ? ts_grid_find(sc->grid, grid) : NULL;
    const ts_cell *town = cell ? ts_grid_ancestor(cell, TS_CELL_TOWN) : NULL;
    size_t slot = town ? town->index : sc->n_cells;
    sc->town_total[slot]++;
    sc->town_closed[slot] += st == ST_CLOSED;
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

static void print_json(const stats_ctx *sc, double mack, double mclose, FILE *out)
{
    json_object *o = json_object_new_object(), *kinds = json_object_new_object(),
                *statuses = json_object_new_object(), *towns = json_object_new_array();
    uint64_t total = 0, by_status[ST__N] = {0};
    for (int k = TS_FEEDBACK_NONE; k <= TS_FEEDBACK_QUICK; k++) {
        uint64_t kt = 0;
        json_object *ko = json_object_new_object();
        for (int s = 0; s < ST__N; s++) {
            kt += sc->by[k][s];
            by_status[s] += sc->by[k][s];
            if (s != ST_OTHER || sc->by[k][s])
                json_object_object_add(ko, stat_name(s),
                                       json_object_new_int64((int64_t)sc->by[k][s]));
        }
        json_object_object_add(ko, "total", json_object_new_int64((int64_t)kt));
        total += kt;
        if (k == TS_FEEDBACK_NONE && !kt)
            json_object_put(ko);
        else
            json_object_object_add(kinds, k ? ts_feedback_name((ts_feedback)k) : "unknown", ko);
    }
    for (int s = 0; s < ST__N; s++)
        if (s != ST_OTHER || by_status[s])
            json_object_object_add(statuses, stat_name(s),
                                   json_object_new_int64((int64_t)by_status[s]));
    json_object_object_add(o, "total", json_object_new_int64((int64_t)total));
    json_object_object_add(o, "by_kind", kinds);
    json_object_object_add(o, "by_status", statuses);
    json_object_object_add(o, "median_minutes_to_ack",
                           mack >= 0 ? json_object_new_double(mack) : NULL);
    json_object_object_add(o, "acked_count", json_object_new_int64((int64_t)sc->n_ack));
    json_object_object_add(o, "median_minutes_to_close",
                           mclose >= 0 ? json_object_new_double(mclose) : NULL);
    json_object_object_add(o, "closed_count", json_object_new_int64((int64_t)sc->n_close));
    for (size_t i = 0; i <= sc->n_cells; i++) {
        if (!sc->town_total[i])
            continue;
        const ts_cell *c = i < sc->n_cells ? ts_grid_cell(sc->grid, i) : NULL;
        json_object *t = json_object_new_object();
        json_object_object_add(t, "town", json_object_new_string(c ? c->code : "unknown"));
        json_object_object_add(t, "name", json_object_new_string(c ? c->name : ""));
        json_object_object_add(t, "alerts", json_object_new_int64((int64_t)sc->town_total[i]));
        json_object_object_add(t, "closed", json_object_new_int64((int64_t)sc->town_closed[i]));
        json_object_object_add(
            t, "closure_rate",
            json_object_new_double((double)sc->town_closed[i] / (double)sc->town_total[i]));
        json_object_array_add(towns, t);
    }
    json_object_object_add(o, "closure_by_town", towns);
    fprintf(out, "%s\n", json_object_to_json_string_ext(o, JSON_FLAGS));
    json_object_put(o);
}

static void print_text(const stats_ctx *sc, double mack, double mclose, FILE *out)
{
    uint64_t total = 0, by_status[ST__N] = {0};
    fprintf(out, "%-10s %8s %8s %8s %8s\n", "kind", "new", "acked", "closed", "total");
    for (int k = TS_FEEDBACK_NONE; k <= TS_FEEDBACK_QUICK; k++) {
        uint64_t kt = 0;
        for (int s = 0; s < ST__N; s++) {
            kt += sc->by[k][s];
            by_status[s] += sc->by[k][s];
        }
        total += kt;
        if (k == TS_FEEDBACK_NONE && !kt)
            continue;
        fprintf(out, "%-10s %8llu %8llu %8llu %8llu\n",
                k ? ts_feedback_name((ts_feedback)k) : "unknown",
                (unsigned long long)sc->by[k][ST_NEW], (unsigned long long)sc->by[k][ST_ACKED],
                (unsigned long long)sc->by[k][ST_CLOSED], (unsigned long long)kt);
    }
    fprintf(out, "%-10s %8llu %8llu %8llu %8llu\n", "all", (unsigned long long)by_status[ST_NEW],
            (unsigned long long)by_status[ST_ACKED], (unsigned long long)by_status[ST_CLOSED],
            (unsigned long long)total);
    if (mack >= 0)
        fprintf(out, "median time to acknowledge: %.1f min (%zu alerts)\n", mack, sc->n_ack);
    else
        fputs("median time to acknowledge: - (none acknowledged)\n", out);
    if (mclose >= 0)
        fprintf(out, "median time to close:       %.1f min (%zu alerts)\n", mclose, sc->n_close);
    else
        fputs("median time to close:       - (none closed)\n", out);
    fputs("closure rate by town:\n", out);
    for (size_t i = 0; i <= sc->n_cells; i++) {
        if (!sc->town_total[i])
            continue;
        const ts_cell *c = i < sc->n_cells ? ts_grid_cell(sc->grid, i) : NULL;
        fprintf(out, "  %-8s %-20s %6llu / %-6llu %5.1f%%\n", c ? c->code : "unknown",
                c ? c->name : "", (unsigned long long)sc->town_closed[i],
                (unsigned long long)sc->town_total[i],
                100.0 * (double)sc->town_closed[i] / (double)sc->town_total[i]);
    }
}

ts_status ts_alerts_stats(ts_store *s, const ts_grid *grid, bool json, FILE *out, ts_err *err)
{
    stats_ctx sc = {.grid = grid, .n_cells = grid ? ts_grid_count(grid) : 0};
    ts_status rc = TS_OK;
    sc.town_total = calloc(sc.n_cells + 1, sizeof *sc.town_total);
    sc.town_closed = calloc(sc.n_cells + 1, sizeof *sc.town_closed);
    if (!sc.town_total || !sc.town_closed) {
        rc = ts_err_set(err, TS_NOMEM, "alerts", "stats");
        goto done;
    }
    if ((rc = ts__alerts_stat_rows(s, on_stat, &sc, err)) != TS_OK)
        goto done;
    double mack = median(sc.ack, sc.n_ack), mclose = median(sc.close, sc.n_close);
    if (json)
        print_json(&sc, mack, mclose, out);
    else
        print_text(&sc, mack, mclose, out);
    if (fflush(out) != 0 || ferror(out))
        rc = ts_err_set(err, TS_IO, "alerts", "cannot write the statistics");
done:
    free(sc.ack);
    free(sc.close);
    free(sc.town_total);
    free(sc.town_closed);
    return rc;
}
