/* http/http.h — internal to the HTTP front end (engine/http, used by cli/cmd_serve.c):
 * the server (libmicrohttpd thread pool, suspend/resume for writes and long-polls,
 * request logs, metrics) and the route table that calls include/triscreen/service.h.
 *
 * Invariants: a request is answered exactly once; a request waiting on the writer or on
 * the alert feed is a suspended connection (no pool thread is blocked); every request
 * holds a reference on the generation it started with until it completes. */
#ifndef TS_HTTP_H
#define TS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/service.h"
#include "triscreen/status.h"

typedef struct ts_http ts_http;

typedef struct ts__http_opts {
    unsigned threads;         /* pool threads (0: 2) */
    unsigned max_connections; /* caps, 0: the defaults of base/limits.h */
    unsigned max_per_ip;
    unsigned read_timeout_s; /* headers + body of one request; also the idle limit */
} ts__http_opts;

/* Starts listening on "host:port" (port 0 picks a free one). TS_USAGE for a bad address or
 * one in use ("address in use"), TS_IO when the daemon does not start. */
ts_status ts__http_start(ts_service *svc, const char *listen, const ts__http_opts *opts,
                         ts_http **out, ts_err *err) TS_MUST_CHECK;
/* The bound port. */
unsigned ts__http_port(const ts_http *h);
/* Stops accepting, answers waiting long-polls, waits up to timeout_ms for in-flight
 * requests, then stops the daemon. Returns the requests still in flight (0 = clean); then
 * the daemon is left running (its requests wait on jobs) and the caller should exit. */
unsigned ts__http_drain(ts_http *h, unsigned timeout_ms);
/* Stops (if not drained) and frees. Accepts NULL. */
void ts__http_free(ts_http *h);

/* ---- shared between server.c and routes.c ------------------------------------------- */

struct MHD_Connection;
typedef struct ts__req ts__req;
typedef struct conn_rec conn_rec;

typedef enum { TS__H_DONE = 0, TS__H_SUSPEND = 1 } ts__hres;
typedef ts__hres (*ts__route_fn)(ts__req *r);

enum { TS__AUTH_NONE = 0, TS__AUTH_READ = 1, TS__AUTH_WRITE = 2 };

typedef struct ts__route {
    const char *method;
    const char *pattern; /* segments; "*" captures one segment into req->param */
    ts__route_fn fn;
    int auth;
    bool body_json; /* a body, when present, must be JSON (415 otherwise) */
} ts__route;

extern const ts__route ts__routes[];
extern const size_t ts__n_routes;

struct ts__req {
    ts_http *srv;
    ts_service *svc;
    struct MHD_Connection *conn;
    conn_rec *cr; /* its connection (caps, read deadline); may be NULL */
    bool started; /* the headers are in and the request was routed */
    bool bad_uri; /* the raw path or query holds %00 */
    char method[16];
    char allow[64];         /* 405: the methods the path accepts */
    const ts__route *route; /* NULL: unknown route */
    size_t route_idx;
    char param[256];
    uint64_t t0_ns;
    char *body;
    size_t len, cap;
    bool too_big;
    const char *content_type;
    ts_service_gen *gen;
    const ts_principal *who;
    int status;
    bool dispatched, responded, resumed;
    char *out; /* a response kept across a suspension (e.g. a dossier awaiting its audit) */
    size_t out_len;
    bool submit_failed;
    /* writer job */
    ts_svc_job *job;
    bool job_done;
    /* long-poll */
    int64_t since, known;
    uint64_t deadline_ms;
    bool waiting, suspended;
    uint64_t park_gen; /* the generation it was parked on (a reload wakes it) */
    uint64_t park_tok; /* the token epoch it was parked at (a token change wakes it) */
    bool gone;         /* its client closed the connection while it was parked */
    ts__req *wnext, *wprev;
    /* console: the session cookie (on /v1 and GET/DELETE /console/session) */
    bool cookie_ok;   /* this route takes the cookie */
    bool cookie_auth; /* r->who came from the session below (no bearer token) */
    ts_session sess;
    char sess_id[TS_SESSION_ID_LEN + 1];
    char set_cookie[160]; /* a Set-Cookie header for the answer, "" = none */
};

/* Answers with a body (copied). */
ts__hres ts__reply(ts__req *r, unsigned status, const char *ctype, const char *body, size_t len);
/* Answers a static file (data is constant: not copied) with its ETag and Cache-Control
 * no-cache; not_modified: 304 without a body. */
ts__hres ts__reply_static(ts__req *r, const char *ctype, const void *data, size_t len,
                          const char *etag, bool not_modified);
/* True when the request has no Origin header or one that is http(s)://<its Host>. */
bool ts__origin_ok(ts__req *r);
/* The client address of r (4 or 16 bytes); false when unknown. */
bool ts__req_ip(const ts__req *r, const unsigned char **key, size_t *len);
/* Answers {"error": msg, "status": status} (msg formatted). */
ts__hres ts__reply_error(ts__req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with "field": the request field at fault (a query or body key, "token",
 * "alert"). */
ts__hres ts__reply_field(ts__req *r, unsigned status, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with "field" and "cursor" (the feed's current head, for a bad `since`). */
ts__hres ts__reply_cursor(ts__req *r, unsigned status, const char *field, int64_t cursor,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Suspends r until `job` is done (the job's done callback resumes it). Call before
 * submitting, pass ts__req_job_done / r as done / ud; after submitting store the job with
 * ts__req_set_job; when the submit fails call ts__req_unsuspend. */
void ts__req_suspend(ts__req *r);
void ts__req_job_done(void *ud);
void ts__req_unsuspend(ts__req *r);
/* Long-poll: parks (suspends) r until the cursor passes r->known or r->deadline_ms
 * passes; false (not parked) when that is already so, or when draining. */
bool ts__req_park(ts__req *r);
bool ts__draining(const ts_http *h);
/* After a reload: moves r to the live generation and re-authenticates its bearer token
 * (or its console session);
 * false (and answered 401) when the token is gone or lost the right the route needs. */
bool ts__req_reauth(ts__req *r);
uint64_t ts__now_ms(void);

/* ---- shared by the handlers of routes.c and console.c ----------------------------------- */

struct json_object;
/* The body as one JSON object (empty body: {}); NULL when it answered 400. */
struct json_object *ts__body_object(ts__req *r);
/* An optional string member (at most cap bytes of text); false when it answered 400. */
bool ts__opt_str(ts__req *r, struct json_object *o, const char *key, size_t cap, const char **out);
/* Hands j to the writer; r sleeps until it is done (then its handler runs again with
 * r->resumed). */
ts__hres ts__submit(ts__req *r, ts_svc_job *j);
/* A write job that failed without a route-specific meaning: 503 or 500. */
ts__hres ts__job_failed(ts__req *r, ts_status rc, const ts_err *e);
/* A query parameter, or NULL. */
const char *ts__query(ts__req *r, const char *key);
/* A read connection of the service, or NULL after answering 503; give it back with
 * ts_service_reader_put. */
ts_store *ts__reader(ts__req *r);
/* The cells a principal's queries are filtered by (nested ones dropped). */
size_t ts__token_cells(const ts_principal *p, const ts_cell **out, size_t cap);

/* The console's handlers (console.c): static files, the session, and the console's
 * reads and review. */
ts__hres ts__static_get(ts__req *r);
ts__hres ts__session_post(ts__req *r);
ts__hres ts__session_get(ts__req *r);
ts__hres ts__session_delete(ts__req *r);
/* console_api.c: GET /v1/reviews/due, POST /v1/persons/ID/review, GET /v1/report. */
ts__hres ts__reviews_due(ts__req *r);
ts__hres ts__person_review(ts__req *r);
ts__hres ts__report_get(ts__req *r);
/* Metrics text (Prometheus exposition format), malloc'd. */
char *ts__metrics_text(ts_http *h);

#endif
