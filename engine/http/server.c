/* http/server.c — the libmicrohttpd daemon (thread pool, epoll), the request lifecycle
 * (route match, auth, body cap, content type, dispatch, suspend/resume), long-poll
 * parking, one log line per request, and the metrics registry.
 * Uses include/triscreen/service.h; routes live in routes.c. */
#include <microhttpd.h>
#include <netdb.h>
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

#include "triscreen/service.h"
#include "base/limits.h"
#include "http/http.h"

#define N_BUCKETS 14
static const double bucket_ms[N_BUCKETS] = {0.25, 0.5, 1,   2.5, 5,    10,   25,
                                            50,   100, 250, 500, 1000, 5000, 30000};
#define N_STATUS 13
static const unsigned status_codes[N_STATUS] = {200, 400, 401, 403, 404, 405, 409,
                                                413, 415, 500, 503, 499, 0};

typedef struct route_metrics {
    atomic_ullong by_status[N_STATUS];
    atomic_ullong buckets[N_BUCKETS + 1];
    atomic_ullong sum_us;
} route_metrics;

struct ts_http {
    ts_service *svc;
    struct MHD_Daemon *d;
    unsigned port;
    pthread_mutex_t mu; /* waiters, draining, suspension of connections */
    ts__req *waiters;
    bool draining;
    bool stopped;
    atomic_long active;
    route_metrics *rm; /* ts__n_routes + 1 (last: unknown routes) */
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
    return h->draining;
}

/* ---- replies ----------------------------------------------------------------------- */

ts__hres ts__reply(ts__req *r, unsigned status, const char *ctype, const char *body, size_t len)
{
    if (r->responded)
        return TS__H_DONE;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return TS__H_DONE;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"triscreen\"");
    if (status == 405)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->srv->draining)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    r->status = (int)status;
    r->responded = true;
    return TS__H_DONE;
}

ts__hres ts__reply_error(ts__req *r, unsigned status, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(msg));
    json_object_object_add(o, "status", json_object_new_int((int)status));
    const char *s =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    ts__reply(r, status, "application/json", s, strlen(s));
    json_object_put(o);
    return TS__H_DONE;
}

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
    if (h->draining || ts_service_cursor(r->svc) > r->known || ts__now_ms() >= r->deadline_ms) {
        pthread_mutex_unlock(&h->mu);
        return false;
    }
    r->waiting = true;
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

/* The service's cursor listener: wakes the long-polls that have something to look at. */
static void on_cursor(void *ud, int64_t cursor)
{
    ts_http *h = ud;
    uint64_t now = ts__now_ms();
    pthread_mutex_lock(&h->mu);
    for (ts__req *r = h->waiters, *next; r; r = next) {
        next = r->wnext;
        if (h->draining || cursor > r->known || now >= r->deadline_ms) {
            unlink_waiter(h, r);
            resume_locked(r);
        }
    }
    pthread_mutex_unlock(&h->mu);
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

/* First call of a request: route, auth, declared size and content type. Returns true
 * when it answered already. */
static bool start(ts__req *r, const char *url, const char *method)
{
    bool path_known = false;
    char allow[64] = "";
    for (size_t i = 0; i < ts__n_routes; i++) {
        char param[sizeof r->param];
        if (!match(ts__routes[i].pattern, url, param, sizeof param))
            continue;
        path_known = true;
        if (strcmp(ts__routes[i].method, method)) {
            if (!strstr(allow, ts__routes[i].method))
                snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
                         allow[0] ? ", " : "", ts__routes[i].method);
            continue;
        }
        r->route = &ts__routes[i];
        r->route_idx = i;
        memcpy(r->param, param, sizeof param);
        break;
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
    size_t slen = 0;
    const char *secret = bearer(r->conn, &slen);
    r->who = secret ? ts_service_gen_auth(r->gen, secret, slen) : NULL;
    if (r->route->auth != TS__AUTH_NONE) {
        if (!r->who)
            return ts__reply_error(r, 401, secret ? "invalid token" : "a bearer token is required"),
                   true;
        if (r->route->auth == TS__AUTH_WRITE && !r->who->write)
            return ts__reply_error(r, 403, "this token may not write"), true;
    }
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

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    ts_http *h = cls;
    ts__req *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->srv = h;
        r->svc = h->svc;
        r->conn = conn;
        r->t0_ns = now_ns();
        snprintf(r->method, sizeof r->method, "%s", method);
        atomic_fetch_add(&h->active, 1);
        *con_cls = r;
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

char *ts__metrics_text(ts_http *h)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
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
            "# HELP triscreen_alerts_escalated_total Quick alerts escalated by the timer.\n"
            "# TYPE triscreen_alerts_escalated_total counter\n"
            "triscreen_alerts_escalated_total %llu\n"
            "# HELP triscreen_group_commits_total Write transactions and the jobs they carried.\n"
            "# TYPE triscreen_group_commits_total counter\n"
            "triscreen_group_commits_total %llu\n"
            "triscreen_group_commit_jobs_total %llu\n"
            "# HELP triscreen_reloads_total Configuration reloads by result.\n"
            "# TYPE triscreen_reloads_total counter\n"
            "triscreen_reloads_total{result=\"ok\"} %llu\n"
            "triscreen_reloads_total{result=\"failed\"} %llu\n",
            (unsigned long long)st.records_accepted, (unsigned long long)st.records_rejected,
            (unsigned long long)st.rule_errors, (unsigned long long)st.alerts[1],
            (unsigned long long)st.alerts[2], (unsigned long long)st.alerts[3],
            (unsigned long long)st.escalated, (unsigned long long)st.commits,
            (unsigned long long)st.jobs_committed, (unsigned long long)st.reloads_ok,
            (unsigned long long)st.reloads_failed);
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
    ts_service_gen_release(g);
    fclose(f);
    return buf;
}

/* ---- lifecycle --------------------------------------------------------------------- */

ts_status ts__http_start(ts_service *svc, const char *listen, unsigned threads, ts_http **out,
                         ts_err *err)
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
    ts_http *h = calloc(1, sizeof *h);
    if (!h || !(h->rm = calloc(ts__n_routes + 1, sizeof *h->rm))) {
        free(h);
        freeaddrinfo(ai);
        return ts_err_set(err, TS_NOMEM, NULL, NULL);
    }
    h->svc = svc;
    pthread_mutex_init(&h->mu, NULL);
    atomic_init(&h->active, 0);
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, h, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_THREAD_POOL_SIZE, threads ? threads : 2u,
                            MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT, 4096u,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_NOTIFY_COMPLETED,
                            completed, h, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!h->d) {
        pthread_mutex_destroy(&h->mu);
        free(h->rm);
        free(h);
        return ts_err_set(err, TS_IO, "listen", "cannot listen on %s", listen);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = di ? di->port : 0;
    ts_service_set_listener(svc, on_cursor, h);
    *out = h;
    return TS_OK;
}

unsigned ts__http_port(const ts_http *h)
{
    return h->port;
}

unsigned ts__http_drain(ts_http *h, unsigned timeout_ms)
{
    if (!h || h->stopped)
        return 0;
    pthread_mutex_lock(&h->mu);
    h->draining = true;
    pthread_mutex_unlock(&h->mu);
    MHD_socket ls = MHD_quiesce_daemon(h->d);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    on_cursor(h, ts_service_cursor(h->svc)); /* answer the long-polls now */
    uint64_t until = ts__now_ms() + timeout_ms;
    while (atomic_load(&h->active) > 0 && ts__now_ms() < until) {
        on_cursor(h, ts_service_cursor(h->svc));
        usleep(5000);
    }
    long left = atomic_load(&h->active);
    ts_service_set_listener(h->svc, NULL, NULL);
    MHD_stop_daemon(h->d);
    h->stopped = true;
    return left > 0 ? (unsigned)left : 0;
}

void ts__http_free(ts_http *h)
{
    if (!h)
        return;
    if (!h->stopped)
        ts__http_drain(h, 0);
    pthread_mutex_destroy(&h->mu);
    free(h->rm);
    free(h);
}
