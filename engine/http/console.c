/* http/console.c — the officers' console routes of `triscreen serve`: the page's files
 * (render/assets.h) with ETag and 304, and the session cookie: sign-in with an officer
 * token, the session JSON, sign-out. The table itself is the service's (ts_sessions,
 * triscreen/service.h); this file only reads cookies and headers and answers. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "triscreen/app.h"
#include "triscreen/date.h"
#include "triscreen/jsonw.h"
#include "triscreen/service.h"
#include "base/limits.h"
#include "base/text.h"
#include "http/http.h"
#include "render/assets.h"

/* ---- static files ---------------------------------------------------------------------- */

/* True when the If-None-Match header names etag (or is "*"). */
static bool etag_matches(ts__req *r, const char *etag)
{
    const char *inm =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (!inm)
        return false;
    if (!strcmp(inm, "*"))
        return true;
    size_t n = strlen(etag);
    for (const char *p = inm; (p = strstr(p, etag)); p += n)
        if ((p == inm || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return true;
    return false;
}

ts__hres ts__static_get(ts__req *r)
{
    bool named = !strcmp(r->route->pattern, "/console/*");
    const ts_asset *a = ts_asset_find(named ? r->param : "index.html");
    if (!a)
        return ts__reply_error(r, 404, "no such file: %.64s", r->param);
    return ts__reply_static(r, a->ctype, a->data, a->len, a->etag, etag_matches(r, a->etag));
}

/* ---- the session ----------------------------------------------------------------------- */

static const char set_cookie_fmt[] = "ts_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%u";
static const char clear_cookie[] = "ts_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";

/* The session JSON of the contract: who the officer is, the CSRF token, when it ends,
 * and the date the page passes to due reviews. */
static ts_status session_json(ts__req *r, const ts_principal *p, const ts_session *s, ts_buf *b)
{
    const ts_grid *grid = ts_service_gen_grid(r->gen);
    const ts_officer *o = ts_grid_officer(grid, p->officer, NULL);
    const ts_cell *c = p->officer_cell;
    char expires[32] = "", today[11] = "";
    time_t t = (time_t)s->expires;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(expires, sizeof expires, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int32_t now = 0;
    ts_err e;
    if (ts_app_resolve_now(NULL, ts_service_gen_config(r->gen), &now, &e) == TS_OK)
        ts_date_format(now, today);
    ts_jsonw w;
    ts_jsonw_init(&w, b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "officer", p->officer);
    ts_jsonw_kstr(&w, "name", o && o->name ? o->name : "");
    if (c) {
        ts_jsonw_kstr(&w, "cell", c->code);
        ts_jsonw_kstr(&w, "cell_name", c->name);
        ts_jsonw_kstr(&w, "level", ts_grid_level_name(c->level));
    } else {
        ts_jsonw_knull(&w, "cell");
        ts_jsonw_knull(&w, "cell_name");
        ts_jsonw_knull(&w, "level");
    }
    ts_jsonw_kbool(&w, "county_desk", p->county_desk);
    ts_jsonw_kstr(&w, "token", p->token_id ? p->token_id : p->name);
    ts_jsonw_kstr(&w, "csrf", s->csrf);
    ts_jsonw_kstr(&w, "expires", expires);
    ts_jsonw_kstr(&w, "now", today);
    ts_jsonw_obj_end(&w);
    return ts_jsonw_finish(&w);
}

/* The answer (NULL: 204) kept in r->out while the audit entry is written. */
static ts__hres audit_then_answer(ts__req *r, const char *action, ts_buf *answer)
{
    if (answer) {
        r->out_len = answer->len;
        r->out = ts_buf_take(answer);
        if (!r->out)
            return ts__reply_error(r, 500, "out of memory");
    }
    ts_svc_job *j = NULL;
    ts_err e;
    const ts_principal *p = r->who;
    if (ts_service_audit_tok(r->svc, r->gen, p->officer, p->token_id ? p->token_id : p->name,
                             action, p->officer, NULL, ts__req_job_done, r, &j, &e) != TS_OK)
        return ts__reply_error(r, 500, "out of memory");
    return ts__submit(r, j);
}

/* After the audit job: the kept answer (204 when there is none). */
static ts__hres audited_answer(ts__req *r)
{
    ts_err e;
    ts_status rc = ts_svc_job_result(r->job, NULL, &e);
    if (r->submit_failed || rc != TS_OK)
        return ts__job_failed(r, r->submit_failed ? TS_STATE : rc, &e);
    if (!r->out_len)
        return ts__reply(r, 204, NULL, "", 0);
    return ts__reply(r, 200, "application/json", r->out, r->out_len);
}

/* The client's address for the sign-in throttle (one shared key when it is unknown). */
static const unsigned char *client_ip(ts__req *r, size_t *n)
{
    static const unsigned char none[1] = {0};
    const unsigned char *ip = NULL;
    if (ts__req_ip(r, &ip, n))
        return ip;
    *n = sizeof none;
    return none;
}

/* A failed sign-in: counted for the client address (and in /metrics), never audited. */
static void signin_failed(ts__req *r)
{
    size_t n = 0;
    const unsigned char *ip = client_ip(r, &n);
    ts_sessions_signin_failed(ts_service_sessions(r->svc), ip, n, (int64_t)time(NULL));
}

static bool signin_blocked(ts__req *r)
{
    size_t n = 0;
    const unsigned char *ip = client_ip(r, &n);
    return ts_sessions_signin_blocked(ts_service_sessions(r->svc), ip, n, (int64_t)time(NULL));
}

/* The principal of a sign-in body's token, or NULL when it answered. */
static const ts_principal *signin_token(ts__req *r, char hex[65])
{
    json_object *o = ts__body_object(r);
    if (!o)
        return NULL;
    const char *tok = NULL;
    const ts_principal *p = NULL;
    if (!ts__opt_str(r, o, "token", 512, &tok))
        goto done;
    if (!tok || !*tok) {
        ts__reply_field(r, 400, "token", "token: required");
        goto done;
    }
    p = ts_service_gen_auth(r->gen, tok, strlen(tok));
    if (!p) {
        signin_failed(r);
        ts__reply_field(r, 401, "token", "invalid token");
    } else if (!p->officer || !p->officer[0]) {
        signin_failed(r);
        ts__reply_field(r, 403, "token", "the console needs an officer token");
        p = NULL;
    } else {
        ts_sha256_hex_of(tok, strlen(tok), hex);
    }
done:
    json_object_put(o);
    return p;
}

ts__hres ts__session_post(ts__req *r)
{
    if (r->resumed)
        return audited_answer(r);
    if (!ts__origin_ok(r))
        return ts__reply_field(r, 403, "origin", "the request comes from another origin");
    if (signin_blocked(r))
        return ts__reply_error(r, 429,
                               "too many failed sign-ins from this address; retry in a "
                               "minute");
    char hex[65];
    const ts_principal *p = signin_token(r, hex);
    if (!p)
        return TS__H_DONE;
    char sid[TS_SESSION_ID_LEN + 1];
    ts_err e;
    if (ts_sessions_create(ts_service_sessions(r->svc), hex, (int64_t)time(NULL), sid, &r->sess,
                           &e) != TS_OK)
        return ts__reply_error(r, 500, "cannot make a session: %s", e.msg);
    /* a sign-in over an older session of this browser ends that one */
    const char *old = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "ts_session");
    if (old)
        ts_sessions_delete(ts_service_sessions(r->svc), old);
    r->who = p;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    if (session_json(r, p, &r->sess, &b) != TS_OK) {
        ts_buf_release(&b);
        return ts__reply_error(r, 500, "out of memory");
    }
    snprintf(r->set_cookie, sizeof r->set_cookie, set_cookie_fmt, sid,
             (unsigned)TS_LIMIT_HTTP_SESSION_S);
    return audit_then_answer(r, "console.signin", &b);
}

ts__hres ts__session_get(ts__req *r)
{
    if (!r->cookie_auth)
        return ts__reply_error(r, 401, "not signed in");
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    ts_status rc = session_json(r, r->who, &r->sess, &b);
    if (rc == TS_OK)
        ts__reply(r, 200, "application/json", ts_buf_str(&b), b.len);
    else
        ts__reply_error(r, 500, "out of memory");
    ts_buf_release(&b);
    return TS__H_DONE;
}

ts__hres ts__session_delete(ts__req *r)
{
    if (r->resumed)
        return audited_answer(r);
    snprintf(r->set_cookie, sizeof r->set_cookie, "%s", clear_cookie);
    if (!r->cookie_auth) /* the CSRF and Origin checks passed in start() */
        return ts__reply_error(r, 401, "not signed in");
    ts_sessions_delete(ts_service_sessions(r->svc), r->sess_id);
    return audit_then_answer(r, "console.signout", NULL);
}
