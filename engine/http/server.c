/* http/server.c — the libmicrohttpd daemon (thread pool, epoll) on a listening socket of
 * its own (no port reuse), connection caps per client address and in total, the read
 * deadline of every request, the request lifecycle (route match, auth, body cap, content
 * type, dispatch, suspend/resume), long-poll parking, one log line per request, and the
 * metrics registry.
 * Uses include/triscreen/service.h; routes live in routes.c. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "triscreen/buf.h"
#include "triscreen/feedback.h"
#include "triscreen/jsonw.h"
#include "triscreen/service.h"
#include "triscreen/text.h"
#include "base/limits.h"
#include "http/http.h"

#define N_BUCKETS 14
static const double bucket_ms[N_BUCKETS] = {0.25, 0.5, 1,   2.5, 5,    10,   25,
                                            50,   100, 250, 500, 1000, 5000, 30000};
#define N_STATUS 14
static const unsigned status_codes[N_STATUS] = {200, 400, 401, 403, 404, 405, 409,
                                                413, 415, 429, 500, 503, 499, 0};
#define IP_BUCKETS 1024u
#define ALERT_METRICS_MS 5000u /* the alert figures of /metrics are at most this old */

/* One TCP connection (MHD's socket context): counted against the caps from accept to
 * close; `reading` while a request's headers or body are still arriving, since
 * phase_ms (the connection's start, or the end of its previous request). */
typedef struct conn_rec {
    int fd;
    unsigned char ip[16];
    unsigned ip_len;
    bool over;   /* opened past a cap: its requests are answered 503 (but /healthz) */
    bool reaped; /* shut down by the read deadline */
    atomic_bool reading;
    atomic_ullong phase_ms;
    struct conn_rec *prev, *next;
} conn_rec;

typedef struct ip_count {
    unsigned char ip[16];
    unsigned ip_len;
    unsigned n;
    struct ip_count *next;
} ip_count;

typedef struct route_metrics {
    atomic_ullong by_status[N_STATUS];
    atomic_ullong buckets[N_BUCKETS + 1];
    atomic_ullong sum_us;
} route_metrics;

struct ts_http {
    ts_service *svc;
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t mu; /* waiters, suspension of connections */
    ts__req *waiters;
    atomic_bool draining; /* read by every MHD thread, set once by ts__http_drain */
    bool stopped;
    int quiesced_fd; /* the listening socket MHD gave back; closed after MHD_stop_daemon */
    atomic_long active;
    route_metrics *rm; /* ts__n_routes + 1 (last: unknown routes) */
    /* connections: conn_mu guards the list, the per-address counts and n_conns */
    ts__http_opts opts;
    pthread_mutex_t conn_mu;
    conn_rec *conns;
    ip_count *ips[IP_BUCKETS];
    unsigned n_conns;
    unsigned n_within; /* connections within the caps (not `over`) */
    atomic_ullong last_reap_ms;
    atomic_ullong last_peek_ms; /* on_cursor's last look for clients gone */
    atomic_ullong timed_out, over_cap;
    /* the alert figures of /metrics (ts_alerts_stats_read), cached for a few seconds so
     * that scraping stays cheap: alerts_mu guards the text and its time */
    pthread_mutex_t alerts_mu;
    char *alerts_text;
    uint64_t alerts_ms;
};

uint64_t ts__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool ts__draining(const ts_http *h)
{
    return atomic_load(&h->draining);
}

/* ---- replies ----------------------------------------------------------------------- */

/* The headers of every response (API, static, errors, 304, 204): the console's
 * Content-Security-Policy and the browser hardening that goes with it. */
static void secure_headers(struct MHD_Response *resp)
{
    static const char *const h[][2] = {
        {"Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
         "frame-ancestors 'none'"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "no-referrer"},
        {"Cross-Origin-Opener-Policy", "same-origin"},
        {"Cross-Origin-Resource-Policy", "same-origin"},
        {"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"}};
    for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
        MHD_add_response_header(resp, h[i][0], h[i][1]);
}

/* Every response leaves through here: the security headers, the cookie a console route
 * set, the per-status headers, then the queue. */
static void respond(ts__req *r, unsigned status, struct MHD_Response *resp)
{
    secure_headers(resp);
    if (r->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"triscreen\"");
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (status == 429)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "60");
    if (status == 503)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    if (ts__draining(r->srv) || status == 503)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->status = (int)status;
    r->responded = true;
}

ts__hres ts__reply(ts__req *r, unsigned status, const char *ctype, const char *body, size_t len)
{
    if (r->responded)
        return TS__H_DONE;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return TS__H_DONE;
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    respond(r, status, resp);
    return TS__H_DONE;
}

ts__hres ts__reply_static(ts__req *r, const char *ctype, const void *data, size_t len,
                          const char *etag, bool not_modified)
{
    if (r->responded)
        return TS__H_DONE;
    /* the assets are constant data of the binary: no copy */
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        not_modified ? 0 : len, not_modified ? NULL : (void *)data, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return TS__H_DONE;
    if (!not_modified)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    respond(r, not_modified ? 304 : 200, resp);
    return TS__H_DONE;
}

/* {"error": msg, "status": status[, "field": field][, "cursor": cursor]}. */
static ts__hres vreply_error(ts__req *r, unsigned status, const char *field, bool has_cursor,
                             int64_t cursor, const char *fmt, va_list ap)
{
    ts_buf raw, body;
    ts_buf_init(&raw, TS_LIMIT_HTTP_ERROR);
    ts_status rc = ts_buf_vprintf(&raw, fmt, ap);
    /* messages may echo what the client sent (a path, a scope): bad bytes become U+FFFD
     * so that the answer stays valid JSON */
    char *msg = rc == TS_OK ? ts_text_utf8_sanitize(raw.data, raw.len, NULL) : NULL;
    ts_buf_release(&raw);
    char longer[96];
    snprintf(longer, sizeof longer, "error (its message is longer than %u bytes)",
             TS_LIMIT_HTTP_ERROR);
    /* a JSON string takes at most 6 bytes per byte of text (\u00XX) */
    ts_buf_init(&body, (size_t)TS_LIMIT_HTTP_ERROR * 6 + 128);
    ts_jsonw w;
    ts_jsonw_init(&w, &body);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "error", msg ? msg : rc == TS_LIMIT ? longer : "error");
    ts_jsonw_kint(&w, "status", (int64_t)status);
    if (field)
        ts_jsonw_kstr(&w, "field", field);
    if (has_cursor)
        ts_jsonw_kint(&w, "cursor", cursor);
    ts_jsonw_obj_end(&w);
    free(msg);
    if (ts_jsonw_finish(&w) == TS_OK) {
        ts__reply(r, status, "application/json", body.data, body.len);
    } else {
        static const char oom[] = "{\"error\":\"out of memory\",\"status\":500}";
        ts__reply(r, 500, "application/json", oom, sizeof oom - 1);
    }
    ts_buf_release(&body);
    return TS__H_DONE;
}

ts__hres ts__reply_error(ts__req *r, unsigned status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreply_error(r, status, NULL, false, 0, fmt, ap);
    va_end(ap);
    return TS__H_DONE;
}

ts__hres ts__reply_field(ts__req *r, unsigned status, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreply_error(r, status, field, false, 0, fmt, ap);
    va_end(ap);
    return TS__H_DONE;
}

ts__hres ts__reply_cursor(ts__req *r, unsigned status, const char *field, int64_t cursor,
                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreply_error(r, status, field, true, cursor, fmt, ap);
    va_end(ap);
    return TS__H_DONE;
}

static const char *bearer(struct MHD_Connection *c, size_t *len);
static const ts_principal *resolve(ts__req *r, ts_service_gen *g, bool *had);

/* ---- suspension -------------------------------------------------------------------- */

void ts__req_suspend(ts__req *r)
{
    pthread_mutex_lock(&r->srv->mu);
    r->suspended = true;
    MHD_suspend_connection(r->conn);
    pthread_mutex_unlock(&r->srv->mu);
}

static void resume_locked(ts__req *r)
{
    if (r->suspended) {
        r->suspended = false;
        MHD_resume_connection(r->conn);
    }
}

/* r may be completed and freed as soon as it is resumed and the lock is let go: keep h. */
void ts__req_job_done(void *ud)
{
    ts__req *r = ud;
    ts_http *h = r->srv;
    pthread_mutex_lock(&h->mu);
    r->job_done = true;
    resume_locked(r);
    pthread_mutex_unlock(&h->mu);
}

void ts__req_unsuspend(ts__req *r)
{
    ts_http *h = r->srv;
    pthread_mutex_lock(&h->mu);
    resume_locked(r);
    pthread_mutex_unlock(&h->mu);
}

static void unlink_waiter(ts_http *h, ts__req *r)
{
    if (!r->waiting)
        return;
    if (r->wprev)
        r->wprev->wnext = r->wnext;
    else
        h->waiters = r->wnext;
    if (r->wnext)
        r->wnext->wprev = r->wprev;
    r->wnext = r->wprev = NULL;
    r->waiting = false;
}

bool ts__req_park(ts__req *r)
{
    ts_http *h = r->srv;
    pthread_mutex_lock(&h->mu);
    if (ts__draining(h) || ts_service_cursor(r->svc) > r->known || ts__now_ms() >= r->deadline_ms) {
        pthread_mutex_unlock(&h->mu);
        return false;
    }
    r->waiting = true;
    r->park_gen = ts_service_gen_number(r->gen);
    r->park_tok = ts_service_tokens_epoch(r->svc);
    r->wprev = NULL;
    r->wnext = h->waiters;
    if (h->waiters)
        h->waiters->wprev = r;
    h->waiters = r;
    r->suspended = true;
    MHD_suspend_connection(r->conn);
    pthread_mutex_unlock(&h->mu);
    return true;
}

/* Shuts down the connections whose request has not arrived within the read deadline
 * (a connection opened past a cap gets at most 2 s). shutdown() and not close(): the fd
 * stays MHD's, which sees end of file and closes it. Safe under conn_mu because MHD
 * reports a connection closed (conn_closed below) before it closes the fd. */
static void reap(ts_http *h, uint64_t now)
{
    unsigned long long last = atomic_load(&h->last_reap_ms);
    if (now < last + 100 || !atomic_compare_exchange_strong(&h->last_reap_ms, &last, now))
        return;
    uint64_t full = (uint64_t)h->opts.read_timeout_s * 1000u;
    uint64_t over = full < 2000 ? full : 2000;
    pthread_mutex_lock(&h->conn_mu);
    for (conn_rec *c = h->conns; c; c = c->next) {
        if (c->reaped || !atomic_load(&c->reading))
            continue;
        if (now >= atomic_load(&c->phase_ms) + (c->over ? over : full)) {
            c->reaped = true;
            shutdown(c->fd, SHUT_RDWR);
            atomic_fetch_add(&h->timed_out, 1);
        }
    }
    pthread_mutex_unlock(&h->conn_mu);
}

/* The service's cursor listener (after commits and every ~100 ms): wakes the long-polls
 * that have something to look at — a new alert, their deadline, the drain, or a reload
 * (their token may be gone) — and enforces the read deadline. */
/* True when the client of a parked request has closed its end (a page that moved on
 * aborts its long-poll): peeking at the idle socket reads end-of-file. A suspended
 * connection is not read by libmicrohttpd, so nothing else would notice before the
 * deadline, and the connection would keep counting against the caps. */
static bool peer_gone(const ts__req *r)
{
    char b;
    return r->cr && recv(r->cr->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static void on_cursor(void *ud, int64_t cursor)
{
    ts_http *h = ud;
    uint64_t now = ts__now_ms();
    uint64_t gen = ts_service_generation(h->svc);
    uint64_t tok = ts_service_tokens_epoch(h->svc);
    /* at most every 500 ms: one recv per parked request */
    unsigned long long last = atomic_load(&h->last_peek_ms);
    bool peek = now >= last + 500 && atomic_compare_exchange_strong(&h->last_peek_ms, &last, now);
    pthread_mutex_lock(&h->mu);
    for (ts__req *r = h->waiters, *next; r; r = next) {
        next = r->wnext;
        if (ts__draining(h) || cursor > r->known || now >= r->deadline_ms || gen != r->park_gen ||
            tok != r->park_tok || (peek && (r->gone = peer_gone(r)))) {
            unlink_waiter(h, r);
            resume_locked(r);
        }
    }
    pthread_mutex_unlock(&h->mu);
    reap(h, now);
}

bool ts__req_reauth(ts__req *r)
{
    /* a reload, or officer tokens added or revoked since it parked: resolve it again */
    if (ts_service_generation(r->svc) == ts_service_gen_number(r->gen) &&
        ts_service_tokens_epoch(r->svc) == r->park_tok)
        return true;
    ts_service_gen *live = ts_service_acquire(r->svc);
    bool had = false;
    const ts_principal *who = resolve(r, live, &had);
    if (!who || (r->route && r->route->auth == TS__AUTH_WRITE && !who->write)) {
        ts_service_gen_release(live);
        r->who = NULL;
        ts__reply_error(r, 401, "the token was revoked");
        return false;
    }
    ts_service_gen_release(r->gen);
    r->gen = live;
    r->who = who;
    return true;
}

/* ---- routing ----------------------------------------------------------------------- */

/* Matches path against pattern ("*" = one segment, copied into param). */
static bool match(const char *pattern, const char *path, char *param, size_t cap)
{
    const char *p = pattern, *u = path;
    while (*p && *u) {
        if (*p == '*') {
            const char *e = strchr(u, '/');
            size_t n = e ? (size_t)(e - u) : strlen(u);
            if (n == 0 || n >= cap)
                return false;
            memcpy(param, u, n);
            param[n] = '\0';
            u += n;
            p++;
            continue;
        }
        if (*p != *u)
            return false;
        p++;
        u++;
    }
    return *p == '\0' && *u == '\0';
}

static bool json_content_type(const char *ct)
{
    if (!ct)
        return false;
    static const char *const ok[] = {"application/json",       "application/x-ndjson",
                                     "application/jsonl",      "application/x-jsonlines",
                                     "application/json-lines", "application/ndjson"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = strlen(ok[i]);
        if (!strncasecmp(ct, ok[i], n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

static const char *bearer(struct MHD_Connection *c, size_t *len)
{
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!a || strncasecmp(a, "Bearer ", 7))
        return NULL;
    a += 7;
    while (*a == ' ')
        a++;
    size_t n = strlen(a);
    while (n && a[n - 1] == ' ')
        n--;
    *len = n;
    return n ? a : NULL;
}

/* r's principal on generation g: the bearer token when there is one (it wins), else on
 * the routes that take it (r->cookie_ok) the console session of the cookie, whose token
 * is re-resolved from its hash, so that a revoked token (or one whose officer left the
 * grid) ends its sessions at once. *had: a token or a session cookie was sent. */
static const ts_principal *resolve(ts__req *r, ts_service_gen *g, bool *had)
{
    size_t slen = 0;
    const char *secret = bearer(r->conn, &slen);
    r->cookie_auth = false;
    *had = secret != NULL;
    if (secret)
        return ts_service_gen_auth(g, secret, slen);
    const char *sid =
        r->cookie_ok ? MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "ts_session") : NULL;
    if (!sid || !*sid)
        return NULL;
    *had = true;
    ts_sessions *t = ts_service_sessions(r->svc);
    if (!ts_sessions_lookup(t, sid, (int64_t)time(NULL), &r->sess))
        return NULL;
    const ts_principal *p = ts_service_gen_auth_sha256(g, r->sess.token_sha256);
    if (!p || !p->officer || !p->officer[0]) {
        ts_sessions_drop_token(t, r->sess.token_sha256);
        return NULL;
    }
    snprintf(r->sess_id, sizeof r->sess_id, "%s", sid);
    r->cookie_auth = true;
    return p;
}

bool ts__origin_ok(ts__req *r)
{
    const char *o = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    if (!o)
        return true;
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host || !*host)
        return false;
    if (!strncmp(o, "http://", 7))
        o += 7;
    else if (!strncmp(o, "https://", 8))
        o += 8;
    else
        return false;
    return !strcmp(o, host);
}

/* A cookie-authenticated request that changes something must carry the session's CSRF
 * token and, when the browser says where it comes from, come from this host. True when
 * it answered 403. */
static bool cross_site(ts__req *r, const char *method)
{
    if (!r->cookie_auth || !strcmp(method, "GET"))
        return false;
    const char *tok = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    if (!ts_session_csrf_ok(&r->sess, tok))
        return ts__reply_field(r, 403, "csrf", "missing or wrong X-CSRF-Token"), true;
    if (!ts__origin_ok(r))
        return ts__reply_field(r, 403, "origin", "the request comes from another origin"), true;
    return false;
}

bool ts__req_ip(const ts__req *r, const unsigned char **key, size_t *len)
{
    if (!r->cr || !r->cr->ip_len)
        return false;
    *key = r->cr->ip;
    *len = r->cr->ip_len;
    return true;
}

/* First call of a request: route, auth, declared size and content type. Returns true
 * when it answered already. */
static bool start(ts__req *r, const char *url, const char *method)
{
    if (r->bad_uri)
        return ts__reply_error(r, 400, "the path or query holds an encoded NUL (%%00)"), true;
    bool path_known = false;
    char allow[64] = "";
    /* HEAD is answered wherever GET is (libmicrohttpd sends no body for it) */
    const char *as = strcmp(method, "HEAD") ? method : "GET";
    for (size_t i = 0; i < ts__n_routes; i++) {
        char param[sizeof r->param];
        if (!match(ts__routes[i].pattern, url, param, sizeof param))
            continue;
        path_known = true;
        if (strcmp(ts__routes[i].method, as)) {
            if (!strstr(allow, ts__routes[i].method))
                snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s%s",
                         allow[0] ? ", " : "", ts__routes[i].method,
                         strcmp(ts__routes[i].method, "GET") ? "" : ", HEAD");
            continue;
        }
        r->route = &ts__routes[i];
        r->route_idx = i;
        memcpy(r->param, param, sizeof param);
        break;
    }
    if (r->cr && r->cr->over && !(r->route && !strcmp(r->route->pattern, "/healthz"))) {
        atomic_fetch_add(&r->srv->over_cap, 1);
        return ts__reply_error(r, 503, "too many connections; retry later"), true;
    }
    if (!r->route) {
        r->route_idx = ts__n_routes;
        if (!path_known)
            return ts__reply_error(r, 404, "no such endpoint: %s %s", method, url), true;
        snprintf(r->allow, sizeof r->allow, "%s", allow);
        return ts__reply_error(r, 405, "method %s not allowed here (allowed: %s)", method, allow),
               true;
    }
    r->gen = ts_service_acquire(r->svc);
    /* the session cookie authenticates the API and the session itself (not a sign-in) */
    r->cookie_ok =
        !strncmp(url, "/v1/", 4) || (!strcmp(url, "/console/session") && strcmp(method, "POST"));
    bool had = false;
    r->who = resolve(r, r->gen, &had);
    if (r->route->auth != TS__AUTH_NONE) {
        if (!r->who)
            return ts__reply_error(r, 401,
                                   had ? "invalid token or session"
                                       : "a bearer token or a console session is required"),
                   true;
        if (r->route->auth == TS__AUTH_WRITE && !r->who->write)
            return ts__reply_error(r, 403, "this token may not write"), true;
    }
    if (cross_site(r, as))
        return true;
    const char *cl =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
    if (declared > TS_LIMIT_HTTP_BODY)
        return ts__reply_error(r, 413, "request body larger than %u bytes", TS_LIMIT_HTTP_BODY),
               true;
    r->content_type =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    bool has_body = declared > 0 || te != NULL;
    if (has_body && r->route->body_json && !json_content_type(r->content_type))
        return ts__reply_error(r, 415,
                               "expected Content-Type application/json or "
                               "application/x-ndjson, got %s",
                               r->content_type ? r->content_type : "none"),
               true;
    return false;
}

static ts__req *req_new(ts_http *h, struct MHD_Connection *conn, const char *raw_uri)
{
    ts__req *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->srv = h;
    r->svc = h->svc;
    r->conn = conn;
    r->route_idx = ts__n_routes;
    r->t0_ns = now_ns();
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->cr = ci ? ci->socket_context : NULL;
    /* libmicrohttpd decodes %00 into a NUL that silently cuts the path or a query value */
    for (const char *p = raw_uri; p && (p = strchr(p, '%')); p++)
        if (p[1] == '0' && p[2] == '0')
            r->bad_uri = true;
    return r;
}

/* Called with the raw request line's URI before it is decoded: the request starts here. */
static void *uri_log(void *cls, const char *uri, struct MHD_Connection *conn)
{
    return req_new(cls, conn, uri);
}

static bool ip_key(struct MHD_Connection *conn, unsigned char key[16], unsigned *len)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET) {
        memcpy(key, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        *len = 4;
        return true;
    }
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        *len = 16;
        return true;
    }
    *len = 0;
    return false;
}

static ip_count **ip_slot(ts_http *h, const unsigned char *key, unsigned len)
{
    unsigned hash = 2166136261u;
    for (unsigned i = 0; i < len; i++)
        hash = (hash ^ key[i]) * 16777619u;
    ip_count **pp = &h->ips[hash % IP_BUCKETS];
    while (*pp && ((*pp)->ip_len != len || memcmp((*pp)->ip, key, len)))
        pp = &(*pp)->next;
    return pp;
}

/* Counts connections against the caps (MHD_OPTION_NOTIFY_CONNECTION). */
static void conn_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                        enum MHD_ConnectionNotificationCode toe)
{
    ts_http *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_rec *c = calloc(1, sizeof *c);
        if (!c)
            return;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        c->fd = ci ? ci->connect_fd : -1;
        ip_key(conn, c->ip, &c->ip_len);
        atomic_init(&c->reading, c->fd >= 0);
        atomic_init(&c->phase_ms, ts__now_ms());
        pthread_mutex_lock(&h->conn_mu);
        ip_count **pp = ip_slot(h, c->ip, c->ip_len);
        if (!*pp && (*pp = calloc(1, sizeof **pp))) {
            memcpy((*pp)->ip, c->ip, c->ip_len);
            (*pp)->ip_len = c->ip_len;
        }
        unsigned per_ip = *pp ? ++(*pp)->n : 0;
        h->n_conns++;
        /* a connection past its address's cap does not count against the total: one
         * address cannot crowd the others out */
        c->over = per_ip > h->opts.max_per_ip || h->n_within >= h->opts.max_connections;
        h->n_within += !c->over;
        c->next = h->conns;
        if (h->conns)
            h->conns->prev = c;
        h->conns = c;
        pthread_mutex_unlock(&h->conn_mu);
        *socket_context = c;
        return;
    }
    conn_rec *c = *socket_context;
    if (!c)
        return;
    *socket_context = NULL;
    pthread_mutex_lock(&h->conn_mu);
    ip_count **pp = ip_slot(h, c->ip, c->ip_len);
    if (*pp && --(*pp)->n == 0) {
        ip_count *dead = *pp;
        *pp = dead->next;
        free(dead);
    }
    h->n_conns--;
    h->n_within -= !c->over;
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&h->conn_mu);
    free(c);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    ts_http *h = cls;
    ts__req *r = *con_cls;
    if (!r && !(r = *con_cls = req_new(h, conn, NULL)))
        return MHD_NO;
    if (!r->started) {
        r->started = true;
        r->t0_ns = now_ns();
        snprintf(r->method, sizeof r->method, "%s", method);
        atomic_fetch_add(&h->active, 1);
        start(r, url, method);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->responded || r->too_big)
            return MHD_YES;
        if (r->len + n > TS_LIMIT_HTTP_BODY) {
            r->too_big = true;
            return MHD_YES;
        }
        if (r->len + n + 1 > r->cap) {
            size_t cap = r->cap ? r->cap : 4096;
            while (cap < r->len + n + 1)
                cap *= 2;
            char *b = realloc(r->body, cap);
            if (!b) {
                r->too_big = true;
                return MHD_YES;
            }
            r->body = b;
            r->cap = cap;
        }
        memcpy(r->body + r->len, upload_data, n);
        r->len += n;
        r->body[r->len] = '\0';
        return MHD_YES;
    }
    if (r->responded)
        return MHD_YES;
    if (r->too_big) {
        ts__reply_error(r, 413, "request body larger than %u bytes", TS_LIMIT_HTTP_BODY);
        return MHD_YES;
    }
    if (!r->body) {
        r->body = calloc(1, 1);
        if (!r->body)
            return MHD_NO;
    }
    if (r->dispatched)
        r->resumed = true;
    else if (r->cr)
        atomic_store(&r->cr->reading, false); /* the request is in: no read deadline */
    r->dispatched = true;
    r->route->fn(r);
    return MHD_YES;
}

/* ---- completion: log + metrics ------------------------------------------------------- */

static size_t status_slot(int status)
{
    for (size_t i = 0; i < N_STATUS - 1; i++)
        if ((int)status_codes[i] == status)
            return i;
    return N_STATUS - 1;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    ts_http *h = cls;
    ts__req *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    if (r->cr) { /* the next request on this connection has its own read deadline */
        atomic_store(&r->cr->phase_ms, ts__now_ms());
        atomic_store(&r->cr->reading, true);
    }
    if (!r->started) { /* the headers never arrived: nothing to log or count */
        free(r);
        return;
    }
    pthread_mutex_lock(&h->mu);
    unlink_waiter(h, r);
    pthread_mutex_unlock(&h->mu);
    if (!r->responded)
        r->status = 499; /* the client went away first */
    double ms = (double)(now_ns() - r->t0_ns) / 1e6;
    route_metrics *m = &h->rm[r->route_idx];
    atomic_fetch_add(&m->by_status[status_slot(r->status)], 1);
    size_t b = 0;
    while (b < N_BUCKETS && ms > bucket_ms[b])
        b++;
    atomic_fetch_add(&m->buckets[b], 1);
    atomic_fetch_add(&m->sum_us, (unsigned long long)(ms * 1000.0));

    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct tm tm;
    gmtime_r(&wall.tv_sec, &tm);
    fprintf(stderr,
            "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ msg=request method=%s route=%s status=%d "
            "ms=%.3f token=%s\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
            wall.tv_nsec / 1000000L, r->method, r->route ? r->route->pattern : "unknown", r->status,
            ms, r->who ? r->who->name : "-");
    ts_svc_job_free(r->job);
    ts_service_gen_release(r->gen);
    free(r->body);
    free(r->out);
    free(r);
    atomic_fetch_sub(&h->active, 1);
}

/* ---- metrics ---------------------------------------------------------------------- */

/* Requests by route and status. */
static void metrics_requests(ts_http *h, FILE *f)
{
    fputs("# HELP triscreen_http_requests_total HTTP requests by route and status.\n"
          "# TYPE triscreen_http_requests_total counter\n",
          f);
    for (size_t i = 0; i <= ts__n_routes; i++) {
        const char *route = i < ts__n_routes ? ts__routes[i].pattern : "unknown";
        const char *method = i < ts__n_routes ? ts__routes[i].method : "";
        for (size_t s = 0; s < N_STATUS; s++) {
            unsigned long long v = atomic_load(&h->rm[i].by_status[s]);
            if (v)
                fprintf(f,
                        "triscreen_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} "
                        "%llu\n",
                        method, route, status_codes[s], v);
        }
    }
}

/* The latency histogram of each route. */
static void metrics_latency(ts_http *h, FILE *f)
{
    fputs("# HELP triscreen_http_request_duration_seconds Request latency by route.\n"
          "# TYPE triscreen_http_request_duration_seconds histogram\n",
          f);
    for (size_t i = 0; i <= ts__n_routes; i++) {
        const char *route = i < ts__n_routes ? ts__routes[i].pattern : "unknown";
        const char *method = i < ts__n_routes ? ts__routes[i].method : "";
        unsigned long long cum = 0;
        for (size_t b = 0; b <= N_BUCKETS; b++) {
            cum += atomic_load(&h->rm[i].buckets[b]);
            if (b < N_BUCKETS)
                fprintf(f,
                        "triscreen_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                        "le=\"%g\"} %llu\n",
                        method, route, bucket_ms[b] / 1000.0, cum);
            else
                fprintf(f,
                        "triscreen_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                        "le=\"+Inf\"} %llu\n",
                        method, route, cum);
        }
        fprintf(f, "triscreen_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
                method, route, (double)atomic_load(&h->rm[i].sum_us) / 1e6);
        fprintf(f,
                "triscreen_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
                method, route, cum);
    }
}

/* The service's counters, the live pack, connections. */
static void metrics_service(ts_http *h, FILE *f)
{
    ts_service_stats st;
    ts_service_stats_get(h->svc, &st);
    fprintf(f,
            "# HELP triscreen_records_ingested_total Records accepted by POST /v1/records.\n"
            "# TYPE triscreen_records_ingested_total counter\n"
            "triscreen_records_ingested_total %llu\n"
            "# HELP triscreen_records_rejected_total Records rejected by POST /v1/records.\n"
            "# TYPE triscreen_records_rejected_total counter\n"
            "triscreen_records_rejected_total %llu\n"
            "# HELP triscreen_rule_errors_total Rule errors during inline and requested passes.\n"
            "# TYPE triscreen_rule_errors_total counter\n"
            "triscreen_rule_errors_total %llu\n"
            "# HELP triscreen_alerts_raised_total Alerts raised by this process, by kind.\n"
            "# TYPE triscreen_alerts_raised_total counter\n"
            "triscreen_alerts_raised_total{kind=\"early\"} %llu\n"
            "triscreen_alerts_raised_total{kind=\"detailed\"} %llu\n"
            "triscreen_alerts_raised_total{kind=\"quick\"} %llu\n"
            "# HELP triscreen_alerts_escalated_total Alerts moved up a level by the clock "
            "sweeps.\n"
            "# TYPE triscreen_alerts_escalated_total counter\n"
            "triscreen_alerts_escalated_total %llu\n"
            "# HELP triscreen_alert_sweeps_total Clock sweeps (sla.sweep_seconds) by result.\n"
            "# TYPE triscreen_alert_sweeps_total counter\n"
            "triscreen_alert_sweeps_total{result=\"ok\"} %llu\n"
            "triscreen_alert_sweeps_total{result=\"failed\"} %llu\n"
            "# HELP triscreen_group_commits_total Write transactions of the writer thread.\n"
            "# TYPE triscreen_group_commits_total counter\n"
            "triscreen_group_commits_total %llu\n"
            "# HELP triscreen_group_commit_jobs_total Jobs carried by the group commits.\n"
            "# TYPE triscreen_group_commit_jobs_total counter\n"
            "triscreen_group_commit_jobs_total %llu\n"
            "# HELP triscreen_reloads_total Configuration reloads by result.\n"
            "# TYPE triscreen_reloads_total counter\n"
            "triscreen_reloads_total{result=\"ok\"} %llu\n"
            "triscreen_reloads_total{result=\"failed\"} %llu\n"
            "# HELP triscreen_shadow_judgings_total Shadow packs judged beside screen jobs, by "
            "result.\n"
            "# TYPE triscreen_shadow_judgings_total counter\n"
            "triscreen_shadow_judgings_total{result=\"ok\"} %llu\n"
            "triscreen_shadow_judgings_total{result=\"failed\"} %llu\n",
            (unsigned long long)st.records_accepted, (unsigned long long)st.records_rejected,
            (unsigned long long)st.rule_errors, (unsigned long long)st.alerts[1],
            (unsigned long long)st.alerts[2], (unsigned long long)st.alerts[3],
            (unsigned long long)st.escalated, (unsigned long long)st.sweeps,
            (unsigned long long)st.sweeps_failed, (unsigned long long)st.commits,
            (unsigned long long)st.jobs_committed, (unsigned long long)st.reloads_ok,
            (unsigned long long)st.reloads_failed, (unsigned long long)st.shadows_ok,
            (unsigned long long)st.shadows_failed);
    ts_service_gen *g = ts_service_acquire(h->svc);
    fprintf(f,
            "# HELP triscreen_rules_info The live rule pack.\n"
            "# TYPE triscreen_rules_info gauge\n"
            "triscreen_rules_info{hash=\"%s\",generation=\"%llu\"} 1\n"
            "# HELP triscreen_http_in_flight Requests in flight.\n"
            "# TYPE triscreen_http_in_flight gauge\n"
            "triscreen_http_in_flight %ld\n",
            ts_rulepack_hash(ts_service_gen_pack(g)), (unsigned long long)ts_service_gen_number(g),
            atomic_load(&h->active));
    pthread_mutex_lock(&h->conn_mu);
    unsigned open_conns = h->n_conns;
    pthread_mutex_unlock(&h->conn_mu);
    fprintf(f,
            "# HELP triscreen_http_connections Open client connections.\n"
            "# TYPE triscreen_http_connections gauge\n"
            "triscreen_http_connections %u\n"
            "# HELP triscreen_http_connections_timed_out_total Connections closed because a "
            "request did not arrive within the read deadline.\n"
            "# TYPE triscreen_http_connections_timed_out_total counter\n"
            "triscreen_http_connections_timed_out_total %llu\n"
            "# HELP triscreen_http_over_capacity_total Requests answered 503 because their "
            "connection was past a connection cap.\n"
            "# TYPE triscreen_http_over_capacity_total counter\n"
            "triscreen_http_over_capacity_total %llu\n",
            open_conns, (unsigned long long)atomic_load(&h->timed_out),
            (unsigned long long)atomic_load(&h->over_cap));
    uint64_t ok = 0, failed = 0;
    ts_sessions *sess = ts_service_sessions(h->svc);
    ts_sessions_counts(sess, &ok, &failed);
    fprintf(f,
            "# HELP triscreen_console_signins_total Console sign-ins (POST /console/session) by "
            "result.\n"
            "# TYPE triscreen_console_signins_total counter\n"
            "triscreen_console_signins_total{result=\"ok\"} %llu\n"
            "triscreen_console_signins_total{result=\"failed\"} %llu\n"
            "# HELP triscreen_console_sessions Console sessions alive.\n"
            "# TYPE triscreen_console_sessions gauge\n"
            "triscreen_console_sessions %zu\n",
            (unsigned long long)ok, (unsigned long long)failed,
            ts_sessions_active(sess, (int64_t)time(NULL)));
    ts_service_gen_release(g);
}

/* The alert figures of every alert as Prometheus text (malloc'd), or NULL when the
 * database cannot be read. */
static char *alert_figures_text(ts_http *h)
{
    ts_store *s = NULL;
    ts_err e;
    if (ts_service_reader_get(h->svc, &s, &e) != TS_OK)
        return NULL;
    ts_service_gen *g = ts_service_acquire(h->svc);
    ts_alert_filter f = {.now = (int64_t)time(NULL)};
    ts_alert_stats st;
    ts_status rc =
        ts_alerts_stats_read(s, ts_service_gen_grid(g), ts_service_gen_config(g), &f, &st, &e);
    ts_service_reader_put(h->svc, s);
    ts_service_gen_release(g);
    if (rc != TS_OK)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out) {
        static const char *const level[4] = {"county", "town", "village", "group"};
        fprintf(out, "# HELP triscreen_alerts_overdue Open alerts past their deadline now, by "
                     "the level of the grid on the hook.\n"
                     "# TYPE triscreen_alerts_overdue gauge\n");
        for (int l = 3; l >= 0; l--)
            fprintf(out, "triscreen_alerts_overdue{level=\"%s\"} %llu\n", level[l],
                    (unsigned long long)st.overdue_by_level[l]);
        fprintf(out,
                "# HELP triscreen_alerts_closure_ratio Closed alerts over raised alerts.\n"
                "# TYPE triscreen_alerts_closure_ratio gauge\n"
                "triscreen_alerts_closure_ratio %.6f\n"
                "# HELP triscreen_alerts_closure_target The configured closure target.\n"
                "# TYPE triscreen_alerts_closure_target gauge\n"
                "triscreen_alerts_closure_target %.6f\n"
                "# HELP triscreen_alerts_open Alerts not closed, by kind and state.\n"
                "# TYPE triscreen_alerts_open gauge\n",
                st.all.closure_rate, st.closure_target);
        for (int k = TS_FEEDBACK_EARLY; k <= TS_FEEDBACK_QUICK; k++)
            for (int a = TS_ALERT_NEW; a < TS_ALERT_CLOSED; a++)
                fprintf(out, "triscreen_alerts_open{kind=\"%s\",state=\"%s\"} %llu\n",
                        ts_feedback_name((ts_feedback)k), ts_alert_state_name((ts_alert_state)a),
                        (unsigned long long)st.kinds[k].by_state[a]);
        if (fclose(out) != 0) {
            free(buf);
            buf = NULL;
        }
    }
    ts_alert_stats_release(&st);
    return buf;
}

/* The alert figures, recomputed when older than ALERT_METRICS_MS (one scrape at a time
 * computes them; the others wait for it rather than read the database too). */
static void metrics_alerts(ts_http *h, FILE *f)
{
    uint64_t now = ts__now_ms();
    pthread_mutex_lock(&h->alerts_mu);
    if (!h->alerts_text || now >= h->alerts_ms + ALERT_METRICS_MS) {
        char *t = alert_figures_text(h);
        if (t) {
            free(h->alerts_text);
            h->alerts_text = t;
            h->alerts_ms = now;
        }
    }
    if (h->alerts_text)
        fputs(h->alerts_text, f);
    pthread_mutex_unlock(&h->alerts_mu);
}

char *ts__metrics_text(ts_http *h)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    metrics_requests(h, f);
    metrics_latency(h, f);
    metrics_service(h, f);
    metrics_alerts(h, f);
    fclose(f);
    return buf;
}

/* ---- lifecycle --------------------------------------------------------------------- */

/* A listening socket of our own: bind errors are told apart (EADDRINUSE above all), and
 * no SO_REUSEPORT, so a second service on the same port fails instead of splitting the
 * traffic. SO_REUSEADDR only lets a restart bind over connections in TIME_WAIT. */
static ts_status listen_on(const struct addrinfo *ai, const char *addr, int *out, ts_err *err)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return ts_err_set(err, TS_IO, "listen", "cannot listen on %s: %s", addr, strerror(errno));
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            return ts_err_set(err, TS_USAGE, "listen",
                              "cannot listen on %s: address in use (is another triscreen "
                              "serve running?)",
                              addr);
        return ts_err_set(err, e == EACCES || e == EADDRNOTAVAIL ? TS_USAGE : TS_IO, "listen",
                          "cannot listen on %s: %s", addr, strerror(e));
    }
    *out = fd;
    return TS_OK;
}

ts_status ts__http_start(ts_service *svc, const char *listen, const ts__http_opts *opts,
                         ts_http **out, ts_err *err)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host || !colon[1])
        return ts_err_set(err, TS_USAGE, "listen", "expected HOST:PORT, got '%s'", listen);
    size_t hn = (size_t)(colon - listen);
    const char *hs = listen;
    if (hs[0] == '[' && hn >= 2 && hs[hn - 1] == ']') {
        hs++;
        hn -= 2;
    }
    memcpy(host, hs, hn);
    host[hn] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai != 0 || !ai)
        return ts_err_set(err, TS_USAGE, "listen", "cannot resolve '%s': %s", listen,
                          gai_strerror(gai));
    int lfd = -1;
    ts_status rc = listen_on(ai, listen, &lfd, err);
    bool v6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    if (rc != TS_OK)
        return rc;
    ts_http *h = calloc(1, sizeof *h);
    if (!h || !(h->rm = calloc(ts__n_routes + 1, sizeof *h->rm))) {
        free(h);
        close(lfd);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    h->svc = svc;
    h->opts = *opts;
    if (!h->opts.threads)
        h->opts.threads = 2;
    if (!h->opts.max_connections)
        h->opts.max_connections = TS_LIMIT_HTTP_CONNECTIONS;
    if (!h->opts.max_per_ip)
        h->opts.max_per_ip = TS_LIMIT_HTTP_CONNECTIONS_PER_IP;
    if (!h->opts.read_timeout_s)
        h->opts.read_timeout_s = TS_LIMIT_HTTP_READ_S;
    pthread_mutex_init(&h->mu, NULL);
    pthread_mutex_init(&h->conn_mu, NULL);
    pthread_mutex_init(&h->alerts_mu, NULL);
    atomic_init(&h->active, 0);
    atomic_init(&h->draining, false);
    h->quiesced_fd = -1;
    atomic_init(&h->last_reap_ms, 0);
    atomic_init(&h->last_peek_ms, 0);
    atomic_init(&h->timed_out, 0);
    atomic_init(&h->over_cap, 0);
    /* past the caps libmicrohttpd still accepts a quarter more (+8), whose requests get a
     * 503 (and 2 s to send it); past that it closes new connections at once */
    unsigned hard_total = h->opts.max_connections + h->opts.max_connections / 4 + 8;
    unsigned hard_ip = h->opts.max_per_ip + h->opts.max_per_ip / 4 + 8;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    if (v6)
        flags |= MHD_USE_IPv6;
    h->d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, h, MHD_OPTION_LISTEN_SOCKET, lfd,
        MHD_OPTION_THREAD_POOL_SIZE, h->opts.threads, MHD_OPTION_CONNECTION_TIMEOUT,
        h->opts.read_timeout_s, MHD_OPTION_CONNECTION_LIMIT, hard_total,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, hard_ip, MHD_OPTION_URI_LOG_CALLBACK, uri_log, h,
        MHD_OPTION_NOTIFY_CONNECTION, conn_notify, h, MHD_OPTION_NOTIFY_COMPLETED, completed, h,
        MHD_OPTION_END);
    if (!h->d) {
        close(lfd);
        pthread_mutex_destroy(&h->mu);
        pthread_mutex_destroy(&h->conn_mu);
        pthread_mutex_destroy(&h->alerts_mu);
        free(h->rm);
        free(h);
        return ts_err_set(err, TS_IO, "listen", "cannot listen on %s", listen);
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(lfd, (struct sockaddr *)&ss, &sl) == 0)
        h->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    ts_service_set_listener(svc, on_cursor, h);
    *out = h;
    return TS_OK;
}

unsigned ts__http_port(const ts_http *h)
{
    return h->port;
}

/* Stop accepting, answer what is in flight, then stop the daemon. MHD_quiesce_daemon hands
 * the listening socket back, but MHD's pool threads may still have it in their epoll sets
 * until MHD_stop_daemon returns, so it is not closed here: shutdown() takes it out of the
 * listening state (new connections are refused at once, as before) while the descriptor
 * stays valid, and close() comes only after MHD_stop_daemon. If requests are still in
 * flight past the timeout the daemon keeps running and the socket stays open until the
 * process exits. */
unsigned ts__http_drain(ts_http *h, unsigned timeout_ms)
{
    if (!h || h->stopped)
        return 0;
    pthread_mutex_lock(&h->mu);
    atomic_store(&h->draining, true);
    pthread_mutex_unlock(&h->mu);
    if (h->quiesced_fd < 0) {
        MHD_socket ls = MHD_quiesce_daemon(h->d);
        if (ls != MHD_INVALID_SOCKET) {
            h->quiesced_fd = ls;
            (void)shutdown(ls, SHUT_RDWR);
        }
    }
    on_cursor(h, ts_service_cursor(h->svc)); /* answer the long-polls now */
    uint64_t until = ts__now_ms() + timeout_ms;
    while (atomic_load(&h->active) > 0 && ts__now_ms() < until) {
        on_cursor(h, ts_service_cursor(h->svc));
        usleep(5000);
    }
    long left = atomic_load(&h->active);
    ts_service_set_listener(h->svc, NULL, NULL);
    if (left > 0)
        return (unsigned)left; /* requests still wait on jobs: the daemon cannot be stopped */
    MHD_stop_daemon(h->d);
    if (h->quiesced_fd >= 0)
        close(h->quiesced_fd);
    h->quiesced_fd = -1;
    h->stopped = true;
    return 0;
}

void ts__http_free(ts_http *h)
{
    if (!h)
        return;
    if (!h->stopped && ts__http_drain(h, 0) > 0)
        return; /* still in flight: left to the process's exit */
    pthread_mutex_destroy(&h->mu);
    pthread_mutex_destroy(&h->conn_mu);
    pthread_mutex_destroy(&h->alerts_mu);
    free(h->alerts_text);
    for (size_t i = 0; i < IP_BUCKETS; i++)
        for (ip_count *c = h->ips[i], *next; c; c = next) {
            next = c->next;
            free(c);
        }
    free(h->rm);
    free(h);
}
