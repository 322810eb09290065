/* http/routes.c — the route table of `triscreen serve` and its thin handlers: each one
 * checks scopes, reads through a pooled read connection or hands a job to the writer
 * (include/triscreen/service.h), and renders JSON. Nothing outside a token's scopes is
 * ever revealed: an out-of-scope person or alert answers exactly like an unknown one. */
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "triscreen/app.h"
#include "triscreen/date.h"
#include "triscreen/feedback.h"
#include "triscreen/jsonw.h"
#include "triscreen/lists.h"
#include "triscreen/service.h"
#include "triscreen/text.h"
#include "triscreen/store.h"
#include "base/limits.h"
#include "http/http.h"
#include "render/render_alerts.h"
#include "render/render_lists.h"

static const char *jflags_str(json_object *o)
{
    return json_object_to_json_string_ext(o,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

static ts__hres reply_json_obj(ts__req *r, unsigned status, json_object *o)
{
    const char *s = o ? jflags_str(o) : NULL;
    if (!s) {
        json_object_put(o);
        return ts__reply_error(r, 500, "out of memory");
    }
    ts__reply(r, status, "application/json", s, strlen(s));
    json_object_put(o);
    return TS__H_DONE;
}

/* Hands j to the writer; the request sleeps until the job is done. */
static ts__hres submit(ts__req *r, ts_svc_job *j)
{
    r->job = j;
    ts__req_suspend(r);
    ts_err e;
    if (ts_service_submit(r->svc, j, &e) != TS_OK) {
        r->submit_failed = true;
        ts__req_unsuspend(r);
    }
    return TS__H_SUSPEND;
}

/* A write job came back with a failure that has no route-specific meaning. */
static ts__hres job_failed(ts__req *r, ts_status rc, const ts_err *e)
{
    if (r->submit_failed || rc == TS_STATE)
        return ts__reply_error(r, 503, "the service is shutting down");
    /* the operator needs the cause; the client gets only the class of failure */
    fprintf(stderr, "msg=write-failed route=%s status=%s where=\"%s\" error=\"%s\"\n",
            r->route ? r->route->pattern : "-", ts_status_name(rc), e ? e->where : "",
            e ? e->msg : "");
    if (rc == TS_BUSY)
        return ts__reply_error(r, 503, "the database is busy; retry");
    return ts__reply_error(r, 500, "write failed: %s", ts_status_text(rc));
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Parses the body as one JSON object (an empty body is an empty object). On failure it
 * has answered 400 and returns NULL. */
static json_object *body_object(ts__req *r)
{
    if (blank(r->body, r->len))
        return json_object_new_object();
    json_tokener *tok = json_tokener_new_ex(16);
    if (!tok) {
        ts__reply_error(r, 500, "out of memory");
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, r->body, (int)r->len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!o || je != json_tokener_success || !blank(r->body + end, r->len - end)) {
        json_object_put(o);
        ts__reply_error(r, 400, "malformed JSON: %s at byte %zu",
                        je == json_tokener_continue  ? "unexpected end of input"
                        : je == json_tokener_success ? "unexpected data after the value"
                                                     : json_tokener_error_desc(je),
                        end);
        return NULL;
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        ts__reply_error(r, 400, "expected a JSON object");
        return NULL;
    }
    return o;
}

/* An optional string member of at most cap bytes of UTF-8 text (no NUL, no other control
 * character but tab and newline): true when absent or such a string; false (and 400)
 * otherwise. */
static bool opt_str(ts__req *r, json_object *o, const char *key, size_t cap, const char **out)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return true;
    if (!json_object_is_type(v, json_type_string)) {
        ts__reply_error(r, 400, "field %s: expected a string", key);
        return false;
    }
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n > cap) {
        ts__reply_error(r, 400, "field %s: longer than %zu bytes", key, cap);
        return false;
    }
    if (!ts_text_valid_utf8(s, n)) {
        ts__reply_error(r, 400, "field %s: not valid UTF-8", key);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
            ts__reply_error(r, 400, "field %s: control character (U+%04X) at byte %zu", key,
                            (unsigned)(unsigned char)s[i], i);
            return false;
        }
    *out = s;
    return true;
}

ts_store *ts__reader(ts__req *r)
{
    ts_store *s = NULL;
    ts_err e;
    if (ts_service_reader_get(r->svc, &s, &e) != TS_OK) {
        ts__reply_error(r, 503, "database unavailable");
        return NULL;
    }
    return s;
}

/* The cells a principal's queries are filtered by; n 0 with all = no filter. Cells nested
 * in another of the token's cells are dropped so nothing is listed twice. */
static size_t token_cells(const ts_principal *p, const ts_cell **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_cells && n < cap; i++) {
        bool nested = false;
        for (size_t k = 0; k < p->n_cells && !nested; k++)
            nested = k != i && ts_grid_in_scope(p->cells[i], p->cells[k]) &&
                     (p->cells[i] != p->cells[k] || k < i);
        if (!nested)
            out[n++] = p->cells[i];
    }
    return n;
}

/* The reader for r's token (NULL for an all-scopes token), over cells[cap]. */
static const ts_reader *token_reader(ts__req *r, const ts_cell **cells, size_t cap, ts_reader *out)
{
    if (r->who->all)
        return NULL;
    const ts_config *cfg = ts_service_gen_config(r->gen);
    *out =
        (ts_reader){.grid = ts_service_gen_grid(r->gen),
                    .cells = cells,
                    .n_cells = token_cells(r->who, cells, cap),
                    .reveal = cfg && cfg->reveal_outside_circle ? TS_REVEAL_NONE : TS_REVEAL_COUNT};
    return out;
}

/* ---- shared with console.c (http.h) ------------------------------------------------- */

json_object *ts__body_object(ts__req *r)
{
    return body_object(r);
}

bool ts__opt_str(ts__req *r, json_object *o, const char *key, size_t cap, const char **out)
{
    return opt_str(r, o, key, cap, out);
}

ts__hres ts__submit(ts__req *r, ts_svc_job *j)
{
    return submit(r, j);
}

ts__hres ts__job_failed(ts__req *r, ts_status rc, const ts_err *e)
{
    return job_failed(r, rc, e);
}

const char *ts__query(ts__req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

size_t ts__token_cells(const ts_principal *p, const ts_cell **out, size_t cap)
{
    return token_cells(p, out, cap);
}

/* ---- POST /v1/records --------------------------------------------------------------- */

static ts__hres records_post(ts__req *r)
{
    if (r->resumed) {
        const char *json = NULL;
        ts_err e;
        ts_status rc = ts_svc_job_result(r->job, &json, &e);
        if (r->submit_failed || rc != TS_OK || !json)
            return job_failed(r, rc, &e);
        size_t a, inv, forb;
        ts_svc_job_counts(r->job, &a, &inv, &forb);
        ts_service_note_refusals(r->svc, r->who, forb);
        unsigned st = 200;
        if (a == 0 && inv + forb > 0)
            st = inv == 0 ? 403 : 400;
        return ts__reply(r, st, "application/json", json, strlen(json));
    }
    if (ts_service_throttled(r->svc, r->who))
        return ts__reply_error(r, 429,
                               "too many refused writes from this token; retry in a "
                               "minute");
    const char *ct = r->content_type ? r->content_type : "";
    bool single = !strncasecmp(ct, "application/json", 16) && (ct[16] == '\0' || ct[16] == ';');
    ts_svc_job *j = NULL;
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = ts_service_ingest(r->svc, r->gen, r->who, r->body, r->len, single,
                                     ts__req_job_done, r, &j, &e);
    if (rc == TS_PARSE || rc == TS_INVALID)
        return ts__reply_error(r, 400, "%s", e.msg);
    if (rc != TS_OK)
        return ts__reply_error(r, 500, "%s", ts_status_text(rc));
    return submit(r, j);
}

/* ---- GET /v1/alerts ----------------------------------------------------------------- */

static bool parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    if (!s || !*s)
        return false;
    if (*s == '-' && lo >= 0)
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno == ERANGE || v < lo || v > hi)
        return false; /* out of range is an error, never clamped */
    *out = v;
    return true;
}

static const char *query(ts__req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

/* The filters of one feed or alert request, for r's token (the scope cells and the
 * reader's cells live here, so the filter's pointers stay valid while q does). */
typedef struct feed_q {
    ts_alert_filter f;
    const ts_cell *cells[TS_LIMIT_TOKEN_SCOPES];
    const ts_cell *rcells[TS_LIMIT_TOKEN_SCOPES];
    ts_reader rd;
    char status[16];
    bool none; /* a scoped token without a cell of the grid: nothing to read */
} feed_q;

/* The token's own scopes (and reader, rule titles, clock) in q. */
static void token_filter(ts__req *r, feed_q *q)
{
    const ts_principal *p = r->who;
    memset(q, 0, sizeof *q);
    q->f.pack = ts_service_gen_pack(r->gen);
    q->f.now = (int64_t)time(NULL);
    q->f.limit = TS_LIMIT_HTTP_FEED;
    if (!p->all) {
        q->f.n_scopes = token_cells(p, q->cells, TS_LIMIT_TOKEN_SCOPES);
        q->none = q->f.n_scopes == 0;
    }
    q->f.scopes = q->cells;
    q->f.reader = token_reader(r, q->rcells, TS_LIMIT_TOKEN_SCOPES, &q->rd);
}

/* The feed's state filter: a state name, "open", or the input alias "acked". */
static bool feed_state(ts__req *r, feed_q *q, const char *v)
{
    ts_alert_state st;
    if (!strcmp(v, "open")) {
        snprintf(q->status, sizeof q->status, "open");
    } else if (!strcmp(v, "acked") || ts_alert_state_parse(v, &st)) {
        snprintf(q->status, sizeof q->status, "%s",
                 strcmp(v, "acked") ? ts_alert_state_name(st) : "acknowledged");
    } else {
        ts__reply_field(r, 400, "state",
                        "state: expected new, claimed, acknowledged, closed or open");
        return false;
    }
    q->f.status = q->status;
    return true;
}

/* The feed's scope filter: a cell within the token's scopes (or "all" for a token that
 * sees everything); absent = the token's scopes. */
static bool feed_scope(ts__req *r, feed_q *q, const char *v)
{
    const ts_principal *p = r->who;
    if (!strcmp(v, "all")) {
        if (!p->all) {
            ts__reply_field(r, 403, "scope", "scope all is outside this token's scopes");
            return false;
        }
        q->f.n_scopes = 0;
        return true;
    }
    const ts_cell *c = ts_grid_find(ts_service_gen_grid(r->gen), v);
    if (!c) {
        ts__reply_field(r, 400, "scope", "scope: unknown grid cell '%.64s'", v);
        return false;
    }
    if (!ts_principal_sees(p, c)) {
        ts__reply_field(r, 403, "scope", "scope %.64s is outside this token's scopes", v);
        return false;
    }
    q->cells[0] = c;
    q->f.n_scopes = 1;
    q->none = false;
    return true;
}

/* order=oldest|newest and before=CURSOR (the console's feed, newest first, paged back
 * with before); newest does not wait (the page long-polls with since for what is new). */
static bool feed_order(ts__req *r, feed_q *q)
{
    const char *v = query(r, "order");
    if (v && strcmp(v, "oldest") && strcmp(v, "newest"))
        return ts__reply_field(r, 400, "order", "order: expected oldest or newest"), false;
    q->f.newest_first = v && !strcmp(v, "newest");
    if (q->f.newest_first && query(r, "wait"))
        return ts__reply_field(r, 400, "wait",
                               "wait: not with order=newest (long-poll with since)"),
               false;
    if ((v = query(r, "before")) && !parse_i64(v, 1, INT64_MAX, &q->f.before))
        return ts__reply_field(r, 400, "before", "before: expected a cursor (a whole number > 0)"),
               false;
    return true;
}

/* Every filter of GET /v1/alerts (the same as `triscreen alerts`); false when it has
 * answered 400/403 naming the field. */
static bool feed_query(ts__req *r, feed_q *q)
{
    token_filter(r, q);
    q->f.since = r->since;
    const char *v = query(r, "kind");
    if (v && *v && !ts_feedback_parse(v, &q->f.kind))
        return ts__reply_field(r, 400, "kind", "kind: expected early, detailed or quick"), false;
    if (!(v = query(r, "state")))
        v = query(r, "status");
    if (v && *v && !feed_state(r, q, v))
        return false;
    if ((v = query(r, "officer")) && *v) {
        if (!ts_grid_officer(ts_service_gen_grid(r->gen), v, NULL))
            return ts__reply_field(r, 400, "officer",
                                   "officer: '%.64s' is not an officer of the grid", v),
                   false;
        q->f.officer = v;
    }
    if ((v = query(r, "created_since")) && *v && !ts_alert_parse_time(v, &q->f.created_since))
        return ts__reply_field(r, 400, "created_since",
                               "created_since: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or "
                               "@UNIXSECONDS"),
               false;
    int64_t limit = 0;
    if ((v = query(r, "limit"))) {
        if (!parse_i64(v, 1, TS_LIMIT_HTTP_FEED, &limit))
            return ts__reply_field(r, 400, "limit", "limit: expected a whole number from 1 to %u",
                                   TS_LIMIT_HTTP_FEED),
                   false;
        q->f.limit = (size_t)limit;
    }
    if ((v = query(r, "scope")) && *v && !feed_scope(r, q, v))
        return false;
    return feed_order(r, q);
}

/* The feed's head: the highest cursor committed (the database's, or the service's when
 * that is ahead). False when it answered 503. */
static bool feed_head(ts__req *r, int64_t *head)
{
    ts_store *s = ts__reader(r);
    if (!s)
        return false;
    ts_err e;
    int64_t c = 0;
    ts_status rc = ts_alerts_max_cursor(s, &c, &e);
    ts_service_reader_put(r->svc, s);
    if (rc != TS_OK) {
        ts__reply_error(r, 503, "database unavailable");
        return false;
    }
    int64_t known = ts_service_cursor(r->svc);
    *head = c > known ? c : known;
    return true;
}

/* The feed response {"alerts":[...],"count":N,"cursor":C} is written as it is read. */
typedef struct feed_acc {
    ts_jsonw w;
    size_t n;
    int64_t last;
} feed_acc;

static ts_status feed_one(void *ud, const ts_alert *al)
{
    feed_acc *a = ud;
    ts_alert_write_json(&a->w, al);
    a->n++;
    a->last = al->cursor;
    return ts_jsonw_finish(&a->w) == TS_LIMIT ? TS_LIMIT : TS_OK;
}

/* Runs the feed query; true when it answered. The answer's cursor is the last alert's
 * when the limit cut it, else the head read before the query: every alert up to it has
 * been looked at (those that do not match the filters too), so a filtered feed does not
 * look at them again. */
static bool feed_answer(ts__req *r, const feed_q *q, bool force)
{
    ts_buf out;
    ts_buf_init(&out, TS_LIMIT_RULES_JSON);
    feed_acc acc = {.n = 0, .last = r->since};
    ts_jsonw_init(&acc.w, &out);
    ts_jsonw_obj(&acc.w);
    ts_jsonw_key(&acc.w, "alerts");
    ts_jsonw_arr(&acc.w);
    ts_status rc = TS_OK;
    ts_err e;
    int64_t head = r->since;
    if (!q->none) {
        ts_store *s = ts__reader(r);
        if (!s) {
            ts_buf_release(&out);
            return true;
        }
        rc = ts_alerts_max_cursor(s, &head, &e);
        ts_alert_filter f = q->f;
        f.since = r->since;
        int64_t last = r->since;
        if (rc == TS_OK)
            rc = ts_alerts_read(s, ts_service_gen_grid(r->gen), &f, feed_one, &acc, &last, &e);
        ts_service_reader_put(r->svc, s);
    }
    int64_t cursor = acc.n == q->f.limit ? acc.last : head > acc.last ? head : acc.last;
    if (q->f.newest_first) /* newest first: the page goes on from the head with since */
        cursor = head > r->since ? head : r->since;
    if (rc == TS_OK && acc.n == 0 && !force) {
        r->since = cursor; /* nothing up to the head matches: wait for what comes after */
        ts_buf_release(&out);
        return false;
    }
    ts_jsonw_arr_end(&acc.w);
    ts_jsonw_kint(&acc.w, "count", (int64_t)acc.n);
    ts_jsonw_kint(&acc.w, "cursor", cursor);
    ts_jsonw_obj_end(&acc.w);
    if (rc == TS_OK)
        rc = ts_jsonw_finish(&acc.w);
    if (rc != TS_OK)
        ts__reply_error(r, 500, "feed failed: %s", ts_status_text(rc));
    else
        ts__reply(r, 200, "application/json", ts_buf_str(&out), out.len);
    ts_buf_release(&out);
    return true;
}

/* since and wait of a first call: a malformed since, or one past the head, is 400 with
 * the head. False when it answered. */
static bool feed_start(ts__req *r)
{
    int64_t since = 0, wait = 0, head = 0;
    const char *qs = query(r, "since"), *qw = query(r, "wait");
    if (!feed_head(r, &head))
        return false;
    if (qs && !parse_i64(qs, 0, INT64_MAX, &since))
        return ts__reply_cursor(r, 400, "since", head,
                                "since: expected a cursor (a whole number from 0 to the head, "
                                "%lld)",
                                (long long)head),
               false;
    if (since > head)
        return ts__reply_cursor(r, 400, "since", head,
                                "since: cursor %lld is past the head of the feed (%lld)",
                                (long long)since, (long long)head),
               false;
    if (qw && !parse_i64(qw, 0, 86400, &wait))
        return ts__reply_field(r, 400, "wait",
                               "wait: expected seconds (a whole number from 0 to 86400)"),
               false;
    if (wait > TS_LIMIT_HTTP_FEED_WAIT_S)
        wait = TS_LIMIT_HTTP_FEED_WAIT_S;
    r->since = since;
    r->deadline_ms = ts__now_ms() + (uint64_t)wait * 1000u;
    return true;
}

static ts__hres alerts_get(ts__req *r)
{
    if (!r->resumed) {
        if (!feed_start(r))
            return TS__H_DONE;
    } else if (!ts__req_reauth(r)) {
        return TS__H_DONE; /* the token went away in a reload while it waited */
    }
    feed_q q;
    if (!feed_query(r, &q))
        return TS__H_DONE;
    for (;;) {
        r->known = ts_service_cursor(r->svc);
        bool last_chance = ts__draining(r->srv) || ts__now_ms() >= r->deadline_ms || r->gone;
        if (feed_answer(r, &q, last_chance))
            return TS__H_DONE;
        if (ts__req_park(r))
            return TS__H_SUSPEND;
    }
}

/* ---- GET /v1/alerts/stats ----------------------------------------------------------- */

/* `alerts --stats --format json` for the token's scope (or ?scope= within it). */
static ts__hres alerts_stats(ts__req *r)
{
    feed_q q;
    token_filter(r, &q);
    const char *v = query(r, "scope");
    if (v && *v && !feed_scope(r, &q, v))
        return TS__H_DONE;
    if (q.none)
        return ts__reply_field(r, 403, "scope", "this token's scopes hold no cell of the grid");
    ts_store *s = ts__reader(r);
    if (!s)
        return TS__H_DONE;
    ts_alert_stats st;
    ts_err e;
    ts_status rc = ts_alerts_stats_read(s, ts_service_gen_grid(r->gen),
                                        ts_service_gen_config(r->gen), &q.f, &st, &e);
    ts_service_reader_put(r->svc, s);
    if (rc != TS_OK)
        return ts__reply_error(r, 500, "statistics failed: %s", ts_status_text(rc));
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RENDER);
    rc = ts_render_alert_stats_json(&b, &st);
    ts_alert_stats_release(&st);
    if (rc == TS_OK)
        ts__reply(r, 200, "application/json", ts_buf_str(&b), b.len);
    else
        ts__reply_error(r, 500, "statistics failed: %s", ts_status_text(rc));
    ts_buf_release(&b);
    return TS__H_DONE;
}

/* ---- GET /v1/alerts/ID -------------------------------------------------------------- */

/* {"alert":{…},"history":[…]} (history only when with_history), written as it is read. */
typedef struct show_acc {
    ts_jsonw *w;
    bool seen, with_history;
} show_acc;

static ts_status show_alert(void *ud, const ts_alert *a)
{
    show_acc *acc = ud;
    acc->seen = true;
    ts_jsonw_key(acc->w, "alert");
    ts_alert_write_json(acc->w, a);
    if (acc->with_history) {
        ts_jsonw_key(acc->w, "history");
        ts_jsonw_arr(acc->w);
    }
    return acc->w->st;
}

static ts_status show_event(void *ud, const ts_alert_event *e)
{
    show_acc *acc = ud;
    if (acc->with_history)
        ts_alert_event_write_json(acc->w, e);
    return acc->w->st;
}

/* Writes the alert id as r's token may see it into w (an object is open on w).
 * TS_NOTFOUND when it is unknown or outside the token's scopes. */
static ts_status write_alert(ts__req *r, const char *id, bool with_history, ts_jsonw *w)
{
    feed_q q;
    token_filter(r, &q);
    if (q.none)
        return TS_NOTFOUND;
    ts_err e;
    ts_store *s = NULL;
    if (ts_service_reader_get(r->svc, &s, &e) != TS_OK)
        return TS_STORE;
    show_acc acc = {.w = w, .with_history = with_history};
    ts_status rc =
        ts_alert_show(s, ts_service_gen_grid(r->gen), &q.f, id, show_alert, show_event, &acc, &e);
    ts_service_reader_put(r->svc, s);
    if (rc == TS_OK && !acc.seen)
        rc = TS_NOTFOUND;
    if (rc == TS_OK && with_history)
        ts_jsonw_arr_end(w);
    return rc;
}

static ts__hres alert_get(ts__req *r)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_status rc = write_alert(r, r->param, true, &w);
    ts_jsonw_obj_end(&w);
    if (rc == TS_OK)
        rc = ts_jsonw_finish(&w);
    if (rc == TS_OK)
        ts__reply(r, 200, "application/json", ts_buf_str(&b), b.len);
    else if (rc == TS_NOTFOUND)
        ts__reply_field(r, 404, "alert", "no such alert");
    else if (rc == TS_STORE)
        ts__reply_error(r, 503, "database unavailable");
    else
        ts__reply_error(r, 500, "alert failed: %s", ts_status_text(rc));
    ts_buf_release(&b);
    return TS__H_DONE;
}

/* ---- POST /v1/alerts/ID/claim|ack|close|reopen, POST /v1/alerts/claim-next ---------------- */

/* 200 {"id","state","alert":{…}} after an act or claim-next (the alert as it is now; left
 * out should it be unreadable for a moment). */
static ts__hres act_done(ts__req *r, const char *id, ts_alert_state state)
{
    ts_buf b;
    ts_jsonw w;
    ts_buf_init(&b, TS_LIMIT_RULES_JSON);
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "id", id);
    ts_jsonw_kstr(&w, "state", ts_alert_state_name(state));
    if (write_alert(r, id, false, &w) != TS_OK && w.st != TS_OK) {
        ts_buf_release(&b);
        return ts__reply_error(r, 500, "out of memory");
    }
    ts_jsonw_obj_end(&w);
    if (ts_jsonw_finish(&w) != TS_OK)
        ts__reply_error(r, 500, "out of memory");
    else
        ts__reply(r, 200, "application/json", ts_buf_str(&b), b.len);
    ts_buf_release(&b);
    return TS__H_DONE;
}

/* The body field a TS_INVALID act names: ts_alert_act puts it in err->where (or leads
 * its message with it). */
static const char *invalid_field(const ts_err *e)
{
    static const char *const fields[] = {"outcome", "note"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strstr(e->where, fields[i]) || !strncmp(e->msg, fields[i], strlen(fields[i])))
            return fields[i];
    return strstr(e->msg, "outcome") ? "outcome" : "note";
}

/* A finished act or claim-next job mapped to its answer. */
static ts__hres act_result(ts__req *r, bool claim_next)
{
    ts_err e;
    ts_status rc = ts_svc_job_result(r->job, NULL, &e);
    if (r->submit_failed)
        return job_failed(r, TS_STATE, &e);
    ts_alert_state st;
    const char *id = ts_svc_job_alert(r->job, &st);
    switch (rc) {
    case TS_OK:
        return act_done(r, id, st);
    case TS_NOTFOUND:
        if (claim_next)
            return ts__reply_field(r, 404, "alert", "no unclaimed alert in the cells of %s",
                                   r->who->officer);
        return ts__reply_field(r, 404, "alert", "no such alert");
    case TS_DENIED:
        ts_service_note_refusals(r->svc, r->who, 1);
        return ts__reply_field(r, 403, "alert", "%s", e.msg);
    case TS_USAGE: /* the token's officer left the grid in a reload */
        return ts__reply_field(r, 403, "token", "%s", e.msg);
    case TS_STATE:
        return ts__reply_field(r, 409, "alert", "%s", e.msg);
    case TS_INVALID:
        return ts__reply_field(r, 400, invalid_field(&e), "%s", e.msg);
    default:
        return job_failed(r, rc, &e);
    }
}

/* What every officer action checks first: a token bound to an officer, not throttled.
 * False when it answered. */
static bool officer_gate(ts__req *r)
{
    if (!r->who->officer || !r->who->officer[0])
        return ts__reply_field(r, 403, "token", "this token is not bound to an officer"), false;
    if (ts_service_throttled(r->svc, r->who))
        return ts__reply_error(r, 429,
                               "too many refused writes from this token; retry in a minute"),
               false;
    return true;
}

/* An officer's job, prepared with status rc: submitted, or 403 naming the token (not an
 * officer's token), or 500. */
static ts__hres submit_officer_job(ts__req *r, ts_status rc, ts_svc_job *j, const ts_err *e)
{
    if (rc == TS_DENIED)
        return ts__reply_field(r, 403, "token", "%s", e->msg);
    if (rc != TS_OK)
        return ts__reply_error(r, 500, "%s", ts_status_text(rc));
    return submit(r, j);
}

/* The actor is always the token's officer: a "by" in the body is ignored. */
static ts__hres alert_act(ts__req *r, ts_alert_verb verb)
{
    if (r->resumed)
        return act_result(r, false);
    if (!officer_gate(r))
        return TS__H_DONE;
    json_object *o = body_object(r);
    if (!o)
        return TS__H_DONE;
    const char *note = NULL, *outcome = NULL;
    ts_close_outcome oc = TS_CLOSE_NONE;
    ts__hres res = TS__H_DONE;
    if (!opt_str(r, o, "note", TS_LIMIT_HTTP_NOTE, &note) ||
        !opt_str(r, o, "outcome", 32, &outcome))
        goto done;
    if (outcome && *outcome && !ts_close_outcome_parse(outcome, &oc)) {
        res = ts__reply_field(r, 400, "outcome",
                              "outcome: expected confirmed, false_positive, valuable or duplicate");
        goto done;
    }
    ts_svc_job *j = NULL;
    ts_err e;
    ts_status rc = ts_service_alert_act(r->svc, r->gen, r->who, verb, r->param, oc, note,
                                        (int64_t)time(NULL), ts__req_job_done, r, &j, &e);
    res = submit_officer_job(r, rc, j, &e);
done:
    json_object_put(o);
    return res;
}

static ts__hres alert_claim(ts__req *r)
{
    return alert_act(r, TS_VERB_CLAIM);
}

static ts__hres alert_ack(ts__req *r)
{
    return alert_act(r, TS_VERB_ACK);
}

static ts__hres alert_close(ts__req *r)
{
    return alert_act(r, TS_VERB_CLOSE);
}

static ts__hres alert_reopen(ts__req *r)
{
    return alert_act(r, TS_VERB_REOPEN);
}

static ts__hres alert_claim_next(ts__req *r)
{
    if (r->resumed)
        return act_result(r, true);
    if (!officer_gate(r))
        return TS__H_DONE;
    json_object *o = body_object(r);
    if (!o)
        return TS__H_DONE;
    const char *kind = NULL;
    ts_feedback k = TS_FEEDBACK_NONE;
    ts__hres res = TS__H_DONE;
    if (!opt_str(r, o, "kind", 16, &kind))
        goto done;
    if (kind && *kind && !ts_feedback_parse(kind, &k)) {
        res = ts__reply_field(r, 400, "kind", "kind: expected early, detailed or quick");
        goto done;
    }
    ts_svc_job *j = NULL;
    ts_err e;
    ts_status rc = ts_service_claim_next(r->svc, r->gen, r->who, k, (int64_t)time(NULL),
                                         ts__req_job_done, r, &j, &e);
    res = submit_officer_job(r, rc, j, &e);
done:
    json_object_put(o);
    return res;
}

/* ---- GET /v1/persons/ID ------------------------------------------------------------- */

static ts__hres person_get(ts__req *r)
{
    if (r->resumed) {
        ts_err e;
        ts_status rc = ts_svc_job_result(r->job, NULL, &e);
        if (r->submit_failed || rc != TS_OK)
            return job_failed(r, r->submit_failed ? TS_STATE : rc, &e);
        return ts__reply(r, 200, "application/json", r->out, r->out_len);
    }
    ts_store *s = ts__reader(r);
    if (!s)
        return TS__H_DONE;
    const ts_grid *grid = ts_service_gen_grid(r->gen);
    ts_arena a;
    ts_arena_init(&a, TS_LIMIT_ARENA_RECORD);
    ts_person p;
    ts_err e;
    ts_status rc = ts_store_get_person(s, r->param, &a, &p, &e);
    bool visible = rc == TS_OK && ts_principal_sees_code(r->who, grid, p.grid);
    ts_arena_release(&a);
    ts_buf out;
    ts_buf_init(&out, TS_LIMIT_RENDER);
    if (visible) {
        /* loaded for this token with its scope in the SQL, rendered from typed data */
        const ts_cell *cells[TS_LIMIT_TOKEN_SCOPES];
        ts_reader rd;
        const ts_reader *rdp = token_reader(r, cells, TS_LIMIT_TOKEN_SCOPES, &rd);
        ts_arena_init(&a, TS_LIMIT_DOSSIER_MEM);
        ts_dossier d;
        rc = ts_dossier_load(s, grid, r->param, rdp, &a, &d, &e);
        int32_t today = 0;
        char now[11];
        if (rc == TS_OK &&
            (rc = ts_app_resolve_now(NULL, ts_service_gen_config(r->gen), &today, &e)) == TS_OK) {
            ts_date_format(today, now);
            rc = ts_dossier_snoozes(s, r->param, now, &a, &d, &e);
            if (rc == TS_OK)
                rc = ts_dossier_rules_version(s, &a, &d, &e);
        }
        if (rc == TS_OK)
            rc = ts__render_dossier_json(&d, ts_service_gen_pack(r->gen), &out, &e);
        ts_arena_release(&a);
    }
    ts_service_reader_put(r->svc, s);
    if (!visible || rc == TS_NOTFOUND) {
        ts_buf_release(&out);
        if (rc != TS_OK && rc != TS_NOTFOUND)
            return ts__reply_error(r, 500, "person lookup failed");
        return ts__reply_error(r, 404, "no such person");
    }
    if (rc != TS_OK) {
        ts_buf_release(&out);
        return ts__reply_error(r, 500, "dossier failed: %s", ts_status_text(rc));
    }
    size_t len = out.len;
    char *buf = ts_buf_take(&out);
    r->out = buf;
    r->out_len = len;
    ts_svc_job *j = NULL;
    rc = ts_service_audit(r->svc, r->gen, r->who->name, "http.dossier", r->param, NULL,
                          ts__req_job_done, r, &j, &e);
    if (rc != TS_OK)
        return ts__reply_error(r, 500, "%s", ts_status_text(rc));
    return submit(r, j);
}

/* ---- GET /v1/lists/COLOUR ----------------------------------------------------------- */

/* The members of a lists answer, rendered as they are read. */
typedef struct list_acc {
    ts_buf members;
    ts_jsonw w;
    size_t count;
    const ts_rulepack *pack; /* rule titles beside the ids */
} list_acc;

static ts_status list_member(void *ud, const ts_list_entry *m, ts_err *err)
{
    list_acc *acc = ud;
    ts__render_list_entry_json(&acc->w, acc->pack, m);
    acc->count++;
    return acc->w.st; /* the writer's first failure (TS_LIMIT, TS_NOMEM), else TS_OK */
}

static ts__hres lists_get(ts__req *r)
{
    ts_colour colour;
    if (!ts_colour_parse(r->param, &colour))
        return ts__reply_error(r, 404, "no such list: expected red, yellow or blue");
    const ts_grid *grid = ts_service_gen_grid(r->gen);
    const ts_principal *p = r->who;
    const char *scope = query(r, "scope");
    const ts_cell *cells[TS_LIMIT_TOKEN_SCOPES];
    size_t n_cells = 0;
    bool all = false;
    if (scope && *scope && strcmp(scope, "all")) {
        const ts_cell *c = ts_grid_find(grid, scope);
        if (!c)
            return ts__reply_error(r, 400, "scope: unknown grid cell '%.64s'", scope);
        if (!ts_principal_sees(p, c))
            return ts__reply_error(r, 403, "scope %.64s is outside this token's scopes", scope);
        cells[n_cells++] = c;
    } else if (scope && !strcmp(scope, "all") && !p->all) {
        return ts__reply_error(r, 403, "scope all is outside this token's scopes");
    } else if (p->all) {
        all = true;
    } else {
        n_cells = token_cells(p, cells, TS_LIMIT_TOKEN_SCOPES);
    }
    ts_store *s = ts__reader(r);
    if (!s)
        return TS__H_DONE;
    /* the members are rendered first (the count leads the answer), then the envelope */
    list_acc acc = {.pack = ts_service_gen_pack(r->gen)};
    ts_buf_init(&acc.members, TS_LIMIT_RENDER);
    ts_jsonw_init(&acc.w, &acc.members);
    ts_jsonw_arr(&acc.w);
    ts_err e;
    ts_status rc = TS_OK;
    if (all)
        rc = ts_lists_query(s, grid, colour, NULL, list_member, &acc, &e);
    for (size_t i = 0; rc == TS_OK && i < n_cells; i++)
        rc = ts_lists_query(s, grid, colour, cells[i], list_member, &acc, &e);
    ts_service_reader_put(r->svc, s);
    ts_jsonw_arr_end(&acc.w);
    if (rc == TS_OK)
        rc = ts_jsonw_finish(&acc.w);
    ts_buf out;
    ts_buf_init(&out, TS_LIMIT_RENDER);
    ts_jsonw w;
    ts_jsonw_init(&w, &out);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "colour", ts_colour_name(colour));
    ts_jsonw_kstr(&w, "scope", scope && *scope ? scope : all ? "all" : "token");
    ts_jsonw_kint(&w, "count", (int64_t)acc.count);
    ts_jsonw_key(&w, "members");
    ts_jsonw_raw(&w, ts_buf_str(&acc.members), acc.members.len);
    ts_jsonw_obj_end(&w);
    if (rc == TS_OK)
        rc = ts_jsonw_finish(&w);
    ts_buf_release(&acc.members);
    if (rc == TS_OK)
        ts__reply(r, 200, "application/json", ts_buf_str(&out), out.len);
    ts_buf_release(&out);
    if (rc != TS_OK)
        return ts__reply_error(r, 500, "lists failed: %s", ts_status_text(rc));
    return TS__H_DONE;
}

/* ---- POST /v1/screen ---------------------------------------------------------------- */

static ts__hres screen_post(ts__req *r)
{
    if (r->resumed) {
        const char *json = NULL;
        ts_err e;
        ts_status rc = ts_svc_job_result(r->job, &json, &e);
        if (r->submit_failed)
            return job_failed(r, TS_STATE, &e);
        if (rc == TS_NOTFOUND || rc == TS_USAGE)
            return ts__reply_error(r, 400, "%s", e.msg);
        if (rc != TS_OK || !json)
            return ts__reply_error(r, 500, "screening failed: %s", ts_status_text(rc));
        size_t cap = strlen(json) + 16;
        char *out = malloc(cap);
        if (!out)
            return ts__reply_error(r, 500, "out of memory");
        int n = snprintf(out, cap, "{\"runs\":%s}", json);
        ts__reply(r, 200, "application/json", out, (size_t)n);
        free(out);
        return TS__H_DONE;
    }
    json_object *o = body_object(r);
    if (!o)
        return TS__H_DONE;
    const char *pass = NULL, *scope = NULL, *now_s = NULL;
    if (!opt_str(r, o, "pass", 16, &pass) || !opt_str(r, o, "scope", TS_LIMIT_ID, &scope) ||
        !opt_str(r, o, "now", 16, &now_s)) {
        json_object_put(o);
        return TS__H_DONE;
    }
    ts__hres res = TS__H_DONE;
    unsigned passes = 0;
    ts_pass ps;
    const ts_principal *p = r->who;
    const ts_grid *grid = ts_service_gen_grid(r->gen);
    const ts_config *cfg = ts_service_gen_config(r->gen);
    int32_t now;
    if (pass && strcmp(pass, "all")) {
        if (!ts_pass_parse(pass, &ps)) {
            res = ts__reply_error(r, 400, "pass: expected full, regional, targeted or all");
            goto done;
        }
        passes = 1u << ps;
    }
    if (!scope || !*scope) {
        if (p->all)
            scope = "all";
        else if (p->n_cells == 1)
            scope = p->cells[0]->code;
        else {
            res = ts__reply_error(r, 400, "scope: required for a token with several scopes");
            goto done;
        }
    }
    if (!strcmp(scope, "all")) {
        if (!p->all) {
            res = ts__reply_error(r, 403, "scope all is outside this token's scopes");
            goto done;
        }
    } else {
        const ts_cell *c = ts_grid_find(grid, scope);
        if (!c) {
            res = ts__reply_error(r, 400, "scope: unknown grid cell '%.64s'", scope);
            goto done;
        }
        if (!ts_principal_sees(p, c)) {
            res = ts__reply_error(r, 403, "scope %.64s is outside this token's scopes", scope);
            goto done;
        }
    }
    if (ts_app_resolve_now(now_s, cfg, &now, NULL) != TS_OK) {
        res = ts__reply_error(r, 400, "now: expected YYYY-MM-DD");
        goto done;
    }
    ts_svc_job *j = NULL;
    ts_err e;
    ts_status rc =
        ts_service_screen(r->svc, r->gen, p->name, passes, strcmp(scope, "all") ? scope : NULL, now,
                          ts__req_job_done, r, &j, &e);
    if (rc == TS_BUSY)
        res = ts__reply_error(r, 409, "a screening is already running");
    else if (rc != TS_OK)
        res = ts__reply_error(r, 500, "%s", ts_status_text(rc));
    else
        res = submit(r, j);
done:
    json_object_put(o);
    return res;
}

/* ---- GET /healthz, GET /metrics ------------------------------------------------------ */

static ts__hres healthz(ts__req *r)
{
    json_object *o = json_object_new_object(), *db = json_object_new_object();
    ts_store *s = NULL;
    ts_err e;
    ts_status rc = ts_service_reader_get(r->svc, &s, &e);
    int version = rc == TS_OK ? ts_store_schema_version(s) : -1;
    ts_service_reader_put(r->svc, s);
    bool ok = rc == TS_OK && version > 0;
    json_object_object_add(db, "status", json_object_new_string(ok ? "ok" : "unavailable"));
    if (ok)
        json_object_object_add(db, "schema", json_object_new_int(version));
    char rerr[TS_LIMIT_ERR_TEXT];
    bool has_err = ts_service_reload_error(r->svc, rerr, sizeof rerr);
    json_object_object_add(o, "status", json_object_new_string(ok ? "ok" : "degraded"));
    json_object_object_add(o, "rules_version",
                           json_object_new_string(ts_rulepack_hash(ts_service_gen_pack(r->gen))));
    json_object_object_add(o, "generation",
                           json_object_new_int64((int64_t)ts_service_gen_number(r->gen)));
    json_object_object_add(o, "database", db);
    json_object_object_add(o, "reload_error", has_err ? json_object_new_string(rerr) : NULL);
    json_object_object_add(o, "draining", json_object_new_boolean(ts__draining(r->srv)));
    return reply_json_obj(r, ok ? 200 : 503, o);
}

static ts__hres metrics(ts__req *r)
{
    /* the counters are process-wide: only a token that sees everything may read them */
    if (!r->who->all)
        return ts__reply_error(r, 403, "metrics need a token with scope all");
    char *text = ts__metrics_text(r->srv);
    if (!text)
        return ts__reply_error(r, 500, "out of memory");
    ts__reply(r, 200, "text/plain; version=0.0.4", text, strlen(text));
    free(text);
    return TS__H_DONE;
}

const ts__route ts__routes[] = {
    {"POST", "/v1/records", records_post, TS__AUTH_WRITE, true},
    {"GET", "/v1/alerts", alerts_get, TS__AUTH_READ, false},
    /* officers' actions need a token bound to an officer (officer_gate), not `write` */
    {"POST", "/v1/alerts/claim-next", alert_claim_next, TS__AUTH_READ, true},
    /* stats before the alert ids */
    {"GET", "/v1/alerts/stats", alerts_stats, TS__AUTH_READ, false},
    {"GET", "/v1/alerts/*", alert_get, TS__AUTH_READ, false},
    {"POST", "/v1/alerts/*/claim", alert_claim, TS__AUTH_READ, true},
    {"POST", "/v1/alerts/*/ack", alert_ack, TS__AUTH_READ, true},
    {"POST", "/v1/alerts/*/close", alert_close, TS__AUTH_READ, true},
    {"POST", "/v1/alerts/*/reopen", alert_reopen, TS__AUTH_READ, true},
    {"GET", "/v1/persons/*", person_get, TS__AUTH_READ, false},
    {"POST", "/v1/persons/*/review", ts__person_review, TS__AUTH_READ, true},
    {"GET", "/v1/reviews/due", ts__reviews_due, TS__AUTH_READ, false},
    {"GET", "/v1/report", ts__report_get, TS__AUTH_READ, false},
    {"GET", "/v1/lists/*", lists_get, TS__AUTH_READ, false},
    {"POST", "/v1/screen", screen_post, TS__AUTH_WRITE, true},
    {"GET", "/healthz", healthz, TS__AUTH_NONE, false},
    /* the officers' console: its files, and its session (cookie) */
    {"GET", "/", ts__static_get, TS__AUTH_NONE, false},
    {"GET", "/index.html", ts__static_get, TS__AUTH_NONE, false},
    {"POST", "/console/session", ts__session_post, TS__AUTH_NONE, true},
    {"GET", "/console/session", ts__session_get, TS__AUTH_NONE, false},
    {"DELETE", "/console/session", ts__session_delete, TS__AUTH_NONE, false},
    {"GET", "/console/*", ts__static_get, TS__AUTH_NONE, false},
    {"GET", "/metrics", metrics, TS__AUTH_READ, false},
};
const size_t ts__n_routes = sizeof ts__routes / sizeof ts__routes[0];
