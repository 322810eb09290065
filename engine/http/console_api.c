/* http/console_api.c — the reads and the write the officers' console adds to /v1: due
 * reviews (GET /v1/reviews/due), recording a review (POST /v1/persons/ID/review, a writer
 * job: triscreen/service.h ts_service_review) and the report (GET /v1/report: the same
 * ts_report_read + ts_alerts_stats_read + JSON renderer as `triscreen report --format
 * json`). Each answers only within the token's scopes. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "triscreen/app.h"
#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/jsonw.h"
#include "triscreen/lists.h"
#include "triscreen/report.h"
#include "triscreen/service.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "http/http.h"
#include "render/render_report.h"

/* The cells a console read covers: ?scope= (a cell within the token, or "all" for a
 * token that sees everything), else the token's own. *n 0 = everything. False when it
 * answered 400/403. */
static bool read_scope(ts__req *r, const ts_cell **cells, size_t cap, size_t *n)
{
    const ts_principal *p = r->who;
    const char *v = ts__query(r, "scope");
    *n = 0;
    if (v && *v && strcmp(v, "all")) {
        const ts_cell *c = ts_grid_find(ts_service_gen_grid(r->gen), v);
        if (!c)
            return ts__reply_field(r, 400, "scope", "scope: unknown grid cell '%.64s'", v), false;
        if (!ts_principal_sees(p, c))
            return ts__reply_field(r, 403, "scope", "scope %.64s is outside this token's scopes",
                                   v),
                   false;
        cells[(*n)++] = c;
        return true;
    }
    if (v && *v && !p->all)
        return ts__reply_field(r, 403, "scope", "scope all is outside this token's scopes"), false;
    if (p->all)
        return true;
    *n = ts__token_cells(p, cells, cap);
    if (*n == 0)
        return ts__reply_field(r, 403, "scope", "this token's scopes hold no cell of the grid"),
               false;
    return true;
}

/* The day a console read or review is for: ?now= or the config's now, else today. */
static bool read_day(ts__req *r, const char *flag, char day[11])
{
    int32_t d = 0;
    ts_err e;
    if (ts_app_resolve_now(flag, ts_service_gen_config(r->gen), &d, &e) != TS_OK)
        return ts__reply_field(r, 400, "now", "now: expected YYYY-MM-DD"), false;
    ts_date_format(d, day);
    return true;
}

/* ---- GET /v1/reviews/due ----------------------------------------------------------------- */

typedef struct due_acc {
    ts_jsonw *w;
    const ts_grid *grid;
    size_t n;
} due_acc;

static ts_status due_one(void *ud, const ts_due_entry *d, ts_err *err)
{
    (void)err;
    due_acc *a = ud;
    const ts_cell *c = d->grid ? ts_grid_find(a->grid, d->grid) : NULL;
    ts_jsonw_obj(a->w);
    ts_jsonw_kstr(a->w, "person", d->person);
    ts_jsonw_kstr(a->w, "grid", d->grid);
    ts_jsonw_kstr(a->w, "cell_name", c ? c->name : NULL);
    ts_jsonw_kstr(a->w, "colour", ts_colour_name(d->colour));
    ts_jsonw_kstr(a->w, "next_review", d->next_review);
    ts_jsonw_kint(a->w, "overdue_days", d->overdue_days);
    ts_jsonw_obj_end(a->w);
    a->n++;
    return a->w->st;
}

ts__hres ts__reviews_due(ts__req *r)
{
    const ts_cell *cells[TS_LIMIT_TOKEN_SCOPES];
    size_t n = 0;
    char day[11];
    if (!read_scope(r, cells, TS_LIMIT_TOKEN_SCOPES, &n) || !read_day(r, ts__query(r, "now"), day))
        return TS__H_DONE;
    ts_store *s = ts__reader(r);
    if (!s)
        return TS__H_DONE;
    const ts_grid *grid = ts_service_gen_grid(r->gen);
    ts_buf items, out;
    ts_buf_init(&items, TS_LIMIT_RENDER);
    ts_jsonw w;
    ts_jsonw_init(&w, &items);
    ts_jsonw_arr(&w);
    due_acc acc = {.w = &w, .grid = grid};
    ts_err e;
    ts_status rc = TS_OK;
    if (n == 0)
        rc = ts_due_query(s, grid, NULL, day, due_one, &acc, &e);
    for (size_t i = 0; rc == TS_OK && i < n; i++)
        rc = ts_due_query(s, grid, cells[i], day, due_one, &acc, &e);
    ts_service_reader_put(r->svc, s);
    ts_jsonw_arr_end(&w);
    if (rc == TS_OK)
        rc = ts_jsonw_finish(&w);
    ts_buf_init(&out, TS_LIMIT_RENDER);
    ts_jsonw_init(&w, &out);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "now", day);
    ts_jsonw_kint(&w, "count", (int64_t)acc.n);
    ts_jsonw_key(&w, "due");
    ts_jsonw_raw(&w, ts_buf_str(&items), items.len);
    ts_jsonw_obj_end(&w);
    if (rc == TS_OK)
        rc = ts_jsonw_finish(&w);
    if (rc == TS_OK)
        ts__reply(r, 200, "application/json", ts_buf_str(&out), out.len);
    else
        ts__reply_error(r, 500, "due reviews failed: %s", ts_status_text(rc));
    ts_buf_release(&items);
    ts_buf_release(&out);
    return TS__H_DONE;
}

/* ---- POST /v1/persons/ID/review ----------------------------------------------------------- */

static ts__hres review_result(ts__req *r)
{
    const char *json = NULL;
    ts_err e;
    ts_status rc = ts_svc_job_result(r->job, &json, &e);
    if (r->submit_failed)
        return ts__job_failed(r, TS_STATE, &e);
    switch (rc) {
    case TS_OK:
        return ts__reply(r, 200, "application/json", json, strlen(json));
    case TS_NOTFOUND:
        return ts__reply_field(r, 404, "person", "%s", e.msg);
    case TS_DENIED:
        ts_service_note_refusals(r->svc, r->who, 1);
        return ts__reply_field(r, 403, "person", "%s", e.msg);
    case TS_USAGE: /* the token's officer left the grid in a reload */
        return ts__reply_field(r, 403, "token", "%s", e.msg);
    case TS_INVALID:
        return ts__reply_field(r, 400, strstr(e.where, "until") ? "until" : "colour", "%s", e.msg);
    default:
        return ts__job_failed(r, rc, &e);
    }
}

/* The body's fields, checked like `triscreen review` checks its flags; false when it
 * answered 400. */
typedef struct review_body {
    const char *outcome_s, *colour_s, *until, *note;
    ts_review_outcome outcome;
    ts_colour colour;
} review_body;

static bool review_fields(ts__req *r, json_object *o, review_body *b)
{
    if (!ts__opt_str(r, o, "outcome", 16, &b->outcome_s) ||
        !ts__opt_str(r, o, "colour", 16, &b->colour_s) ||
        !ts__opt_str(r, o, "until", 16, &b->until) ||
        !ts__opt_str(r, o, "note", TS_TEXT_NOTE_MAX, &b->note))
        return false;
    if (!b->outcome_s || !ts_review_outcome_parse(b->outcome_s, &b->outcome))
        return ts__reply_field(r, 400, "outcome",
                               "outcome: expected confirm, lower, raise or clear"),
               false;
    b->colour = TS_COLOUR_NONE;
    if (b->colour_s && *b->colour_s && !ts_colour_parse(b->colour_s, &b->colour))
        return ts__reply_field(r, 400, "colour", "colour: expected red, yellow or blue"), false;
    if ((b->outcome == TS_REVIEW_LOWER || b->outcome == TS_REVIEW_RAISE) &&
        b->colour == TS_COLOUR_NONE)
        return ts__reply_field(r, 400, "colour", "colour: required to lower or raise"), false;
    int32_t d;
    if (b->until && *b->until && !ts_date_parse(b->until, strlen(b->until), &d))
        return ts__reply_field(r, 400, "until", "until: expected YYYY-MM-DD"), false;
    if (b->until && !*b->until)
        b->until = NULL;
    ts_err e;
    if (!b->note || !*b->note)
        return ts__reply_field(r, 400, "note", "note: required"), false;
    if (ts_text_check("note", b->note, TS_TEXT_NOTE_MAX, false, &e) != TS_OK)
        return ts__reply_field(r, 400, "note", "note: %s", e.msg), false;
    return true;
}

ts__hres ts__person_review(ts__req *r)
{
    if (r->resumed)
        return review_result(r);
    if (!r->who->officer || !r->who->officer[0])
        return ts__reply_field(r, 403, "token", "this token is not bound to an officer");
    if (ts_service_throttled(r->svc, r->who))
        return ts__reply_error(r, 429,
                               "too many refused writes from this token; retry in a minute");
    json_object *o = ts__body_object(r);
    if (!o)
        return TS__H_DONE;
    review_body b = {0};
    char day[11];
    ts__hres res = TS__H_DONE;
    if (review_fields(r, o, &b) && read_day(r, NULL, day)) {
        ts_svc_job *j = NULL;
        ts_err e;
        ts_status rc = ts_service_review(r->svc, r->gen, r->who, r->param, b.outcome, b.colour,
                                         b.until, b.note, day, ts__req_job_done, r, &j, &e);
        if (rc == TS_DENIED)
            res = ts__reply_field(r, 403, "token", "%s", e.msg);
        else if (rc != TS_OK)
            res = ts__reply_error(r, 500, "%s", ts_status_text(rc));
        else
            res = ts__submit(r, j);
    }
    json_object_put(o);
    return res;
}

/* ---- GET /v1/report -------------------------------------------------------------------------- */

/* The report and its alert figures for one scope (NULL = the county), rendered as JSON. */
static ts_status report_render(ts__req *r, ts_store *s, const ts_cell *scope, const char *day,
                               ts_buf *b, ts_err *e)
{
    const ts_grid *grid = ts_service_gen_grid(r->gen);
    ts_report rep;
    ts_status rc = ts_report_read(s, grid, scope, day, &rep, e);
    if (rc != TS_OK)
        return rc;
    const ts_cell *scopes[1] = {scope};
    ts_alert_filter f = {
        .scopes = scope ? scopes : NULL, .n_scopes = scope ? 1 : 0, .now = (int64_t)time(NULL)};
    ts_alert_stats st;
    rc = ts_alerts_stats_read(s, grid, ts_service_gen_config(r->gen), &f, &st, e);
    if (rc == TS_OK) {
        rep.alerts = &st;
        rc = ts_render_report_json(b, &rep);
        ts_alert_stats_release(&st);
    }
    ts_report_release(&rep);
    return rc;
}

ts__hres ts__report_get(ts__req *r)
{
    const ts_cell *cells[TS_LIMIT_TOKEN_SCOPES];
    size_t n = 0;
    char day[11];
    if (!read_scope(r, cells, TS_LIMIT_TOKEN_SCOPES, &n) || !read_day(r, NULL, day))
        return TS__H_DONE;
    if (n > 1)
        return ts__reply_field(r, 400, "scope", "scope: required for a token with several scopes");
    ts_store *s = ts__reader(r);
    if (!s)
        return TS__H_DONE;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_REPORT_BYTES);
    ts_err e;
    ts_status rc = report_render(r, s, n ? cells[0] : NULL, day, &b, &e);
    ts_service_reader_put(r->svc, s);
    if (rc == TS_OK)
        ts__reply(r, 200, "application/json", ts_buf_str(&b), b.len);
    else
        ts__reply_error(r, 500, "report failed: %s", ts_status_text(rc));
    ts_buf_release(&b);
    return TS__H_DONE;
}
