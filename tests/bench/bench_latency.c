/* bench_latency — alert latency of `triscreen serve` (loopback benchmark, issue 6 item 7).
 *
 * usage: bench_latency HOST:PORT TOKEN N RATE [TAG]
 *
 * One keep-alive connection long-polls GET /v1/alerts?since=CURSOR&wait=30 (re-issued with
 * the returned cursor after every answer). A second keep-alive connection POSTs, at RATE
 * requests/s on a fixed schedule, N records each carrying a new problem event:
 *   {"id":"LAT-<i>","grid":"T01-V01-G01","events":[{"type":"incident_reported",...}]}
 * (with TAG the ids are LAT-<TAG>-<i>, so that repeated runs on one database make new
 * persons). For each post the latency is the time from just before the request is written
 * to the moment the long-poll answer holding an alert for that person has been read.
 * Prints count, p50, p90, p99 and max in ms. Plain POSIX sockets, no dependencies. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static const char *g_host, *g_port, *g_token;
static char g_prefix[96]; /* "LAT-" or "LAT-<TAG>-" */
static size_t g_n;
static _Atomic int64_t *g_sent; /* ns, 0 = not yet sent */
static int64_t *g_seen;         /* ns, 0 = not yet seen; written by the poller only */
static atomic_size_t g_n_seen;
static atomic_bool g_stop;
static int64_t g_cursor;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_latency: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static int connect_to(void)
{
    struct addrinfo hints = {0}, *res, *ai;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(g_host, g_port, &hints, &res);
    if (rc) {
        fprintf(stderr, "bench_latency: %s:%s: %s\n", g_host, g_port, gai_strerror(rc));
        exit(1);
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("send");
        }
        p += w;
        n -= (size_t)w;
    }
}

/* A keep-alive connection with a receive buffer (bytes past one response are kept). */
typedef struct conn {
    int fd;
    char *buf;
    size_t len, cap;
} conn;

/* Reads more bytes; returns false on timeout (only when stop_flag is set) — dies on EOF. */
static bool fill(conn *c, bool watch_stop)
{
    if (c->cap - c->len < 4096) {
        c->cap = c->cap ? c->cap * 2 : 65536;
        c->buf = realloc(c->buf, c->cap + 1);
        if (!c->buf)
            die("realloc");
    }
    for (;;) {
        if (watch_stop) {
            struct pollfd pfd = {c->fd, POLLIN, 0};
            int pr = poll(&pfd, 1, 50);
            if (pr < 0 && errno != EINTR)
                die("poll");
            if (pr <= 0) {
                if (atomic_load(&g_stop))
                    return false;
                continue;
            }
        }
        ssize_t r = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("recv");
        if (r == 0) {
            errno = 0;
            die("server closed the connection");
        }
        c->len += (size_t)r;
        c->buf[c->len] = 0;
        return true;
    }
}

static const char *find_ci(const char *h, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = h; p + n <= end; p++)
        if (strncasecmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* Reads one response; *body (malloc'd, NUL-terminated) and the status. False when
 * watch_stop and the stop flag came up first. */
static bool read_response(conn *c, int *status, char **body, size_t *blen, bool watch_stop)
{
    char *eoh;
    while (!(eoh = c->len ? strstr(c->buf, "\r\n\r\n") : NULL))
        if (!fill(c, watch_stop))
            return false;
    size_t hlen = (size_t)(eoh - c->buf) + 4;
    if (sscanf(c->buf, "HTTP/1.%*d %d", status) != 1) {
        errno = 0;
        die("bad status line");
    }
    const char *cl = find_ci(c->buf, eoh, "\r\nContent-Length:");
    bool chunked = find_ci(c->buf, eoh, "\r\nTransfer-Encoding: chunked") != NULL;
    char *out = NULL;
    size_t olen = 0;
    if (!chunked) {
        size_t need = cl ? (size_t)strtoull(cl + 17, NULL, 10) : 0;
        while (c->len < hlen + need)
            if (!fill(c, false))
                return false;
        out = malloc(need + 1);
        memcpy(out, c->buf + hlen, need);
        out[need] = 0;
        olen = need;
        memmove(c->buf, c->buf + hlen + need, c->len - hlen - need);
        c->len -= hlen + need;
    } else {
        size_t pos = hlen;
        for (;;) {
            char *crlf;
            while (!(crlf = strstr(c->buf + pos, "\r\n")))
                fill(c, false);
            size_t sz = (size_t)strtoull(c->buf + pos, NULL, 16);
            size_t data = (size_t)(crlf - c->buf) + 2;
            if (sz == 0) { /* no trailers expected: final CRLF */
                while (c->len < data + 2)
                    fill(c, false);
                pos = data + 2;
                break;
            }
            while (c->len < data + sz + 2)
                fill(c, false);
            out = realloc(out, olen + sz + 1);
            memcpy(out + olen, c->buf + data, sz);
            olen += sz;
            out[olen] = 0;
            pos = data + sz + 2;
        }
        if (!out)
            out = calloc(1, 1);
        memmove(c->buf, c->buf + pos, c->len - pos);
        c->len -= pos;
    }
    if (c->buf)
        c->buf[c->len] = 0;
    *body = out;
    *blen = olen;
    return true;
}

static void send_feed(conn *c, int64_t since, int wait)
{
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET /v1/alerts?since=%lld&wait=%d HTTP/1.1\r\nHost: %s\r\n"
                     "Authorization: Bearer %s\r\n\r\n",
                     (long long)since, wait, g_host, g_token);
    write_all(c->fd, req, (size_t)n);
}

static int64_t json_cursor(const char *body)
{
    /* the top-level cursor comes last: {"alerts":[...each with its own "cursor"...],
     * "count":N,"cursor":C} */
    const char *p = NULL;
    for (const char *q = body; (q = strstr(q, "\"cursor\"")); q += 8)
        p = q;
    if (!p) {
        errno = 0;
        fprintf(stderr, "bench_latency: feed answer without a cursor: %.200s\n", body);
        exit(1);
    }
    p += 8;
    while (*p == ' ' || *p == ':')
        p++;
    return strtoll(p, NULL, 10);
}

/* Every "person": "<prefix><i>" in the feed answer marks post i as seen at time t. */
static void mark_seen(const char *body, int64_t t)
{
    size_t pl = strlen(g_prefix);
    for (const char *p = body; (p = strstr(p, "\"person\""));) {
        p += 8;
        while (*p == ' ' || *p == ':')
            p++;
        if (*p != '"' || strncmp(p + 1, g_prefix, pl) != 0)
            continue;
        char *end;
        unsigned long long i = strtoull(p + 1 + pl, &end, 10);
        if (*end != '"' || i >= g_n || g_seen[i])
            continue;
        if (atomic_load(&g_sent[i]) == 0)
            continue; /* not ours (an earlier run with the same ids) */
        g_seen[i] = t;
        atomic_fetch_add(&g_n_seen, 1);
    }
}

static void *poller(void *arg)
{
    conn *c = arg;
    while (!atomic_load(&g_stop) && atomic_load(&g_n_seen) < g_n) {
        send_feed(c, g_cursor, 30);
        int st;
        char *body;
        size_t blen;
        if (!read_response(c, &st, &body, &blen, true))
            break;
        int64_t t = now_ns();
        if (st != 200) {
            fprintf(stderr, "bench_latency: feed answered %d: %.300s\n", st, body);
            exit(1);
        }
        mark_seen(body, t);
        g_cursor = json_cursor(body);
        free(body);
    }
    return NULL;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double pct(const int64_t *v, size_t n, double p)
{
    size_t k = (size_t)(p * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return (double)v[k - 1] / 1e6;
}

static void sleep_until(int64_t t)
{
    struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: %s HOST:PORT TOKEN N RATE [TAG]\n", argv[0]);
        return 2;
    }
    static char hostbuf[256];
    snprintf(hostbuf, sizeof hostbuf, "%s", argv[1]);
    char *colon = strrchr(hostbuf, ':');
    if (!colon) {
        fprintf(stderr, "bench_latency: expected HOST:PORT, got %s\n", argv[1]);
        return 2;
    }
    *colon = 0;
    g_host = hostbuf;
    g_port = colon + 1;
    g_token = argv[2];
    long long n = atoll(argv[3]);
    double rate = atof(argv[4]);
    if (n <= 0 || rate <= 0) {
        fprintf(stderr, "bench_latency: N and RATE must be > 0\n");
        return 2;
    }
    g_n = (size_t)n;
    if (argc == 6)
        snprintf(g_prefix, sizeof g_prefix, "LAT-%s-", argv[5]);
    else
        snprintf(g_prefix, sizeof g_prefix, "LAT-");
    g_sent = calloc(g_n, sizeof *g_sent);
    g_seen = calloc(g_n, sizeof *g_seen);
    if (!g_sent || !g_seen)
        die("calloc");

    /* Find the head of the feed: page with wait=0 until an answer is empty. */
    conn fc = {connect_to(), NULL, 0, 0};
    for (;;) {
        int st;
        char *body;
        size_t blen;
        send_feed(&fc, g_cursor, 0);
        read_response(&fc, &st, &body, &blen, false);
        if (st != 200) {
            fprintf(stderr, "bench_latency: feed answered %d: %.300s\n", st, body);
            return 1;
        }
        int64_t cur = json_cursor(body);
        bool empty = strstr(body, "\"count\":0") != NULL || cur == g_cursor;
        g_cursor = cur;
        free(body);
        if (empty)
            break;
    }

    pthread_t th;
    if (pthread_create(&th, NULL, poller, &fc))
        die("pthread_create");
    struct timespec pause = {0, 200000000};
    nanosleep(&pause, NULL); /* let the long-poll park in the server */

    conn pc = {connect_to(), NULL, 0, 0};
    size_t hl = strlen(g_host) + strlen(g_token) + 512;
    char *req = malloc(hl + 512);
    int64_t interval = (int64_t)(1e9 / rate), t0 = now_ns(), worst_post = 0;
    size_t rejected = 0;
    for (size_t i = 0; i < g_n; i++) {
        char body[256];
        int bl = snprintf(body, sizeof body,
                          "{\"id\":\"%s%zu\",\"grid\":\"T01-V01-G01\",\"events\":[{\"type\":"
                          "\"incident_reported\",\"date\":\"2026-11-25\",\"note\":\"lat %zu\"}]}",
                          g_prefix, i, i);
        int rl = snprintf(req, hl + 512,
                          "POST /v1/records HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
                          "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
                          g_host, g_token, bl, body);
        sleep_until(t0 + (int64_t)i * interval);
        int64_t ts = now_ns();
        atomic_store(&g_sent[i], ts);
        write_all(pc.fd, req, (size_t)rl);
        int st;
        char *rb;
        size_t rbl;
        read_response(&pc, &st, &rb, &rbl, false);
        int64_t d = now_ns() - ts;
        if (d > worst_post)
            worst_post = d;
        if (st != 200 || strstr(rb, "\"status\":\"rejected\"")) {
            if (rejected++ < 3)
                fprintf(stderr, "bench_latency: POST %zu answered %d: %.300s\n", i, st, rb);
        }
        free(rb);
    }
    double elapsed = (double)(now_ns() - t0) / 1e9;

    /* Give the feed up to 10 s to catch up, then stop the poller. */
    int64_t deadline = now_ns() + 10 * (int64_t)1000000000;
    while (atomic_load(&g_n_seen) < g_n && now_ns() < deadline) {
        struct timespec tick = {0, 5000000};
        nanosleep(&tick, NULL);
    }
    atomic_store(&g_stop, true);
    pthread_join(th, NULL);

    int64_t *lat = malloc(g_n * sizeof *lat);
    size_t m = 0;
    for (size_t i = 0; i < g_n; i++)
        if (g_seen[i])
            lat[m++] = g_seen[i] - atomic_load(&g_sent[i]);
    if (m == 0) {
        fprintf(stderr, "bench_latency: no alert seen (%zu posts, %zu rejected)\n", g_n, rejected);
        return 1;
    }
    qsort(lat, m, sizeof *lat, cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < m; i++)
        sum += (double)lat[i];
    printf("alert latency: count %zu/%zu seen, offered %.0f req/s (achieved %.0f), "
           "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, mean %.2f ms "
           "(slowest POST round trip %.2f ms%s)\n",
           m, g_n, rate, (double)g_n / elapsed, pct(lat, m, 0.50), pct(lat, m, 0.90),
           pct(lat, m, 0.99), (double)lat[m - 1] / 1e6, sum / (double)m / 1e6,
           (double)worst_post / 1e6, rejected ? ", some POSTs rejected" : "");
    free(lat);
    free(req);
    free(pc.buf);
    free(fc.buf);
    close(pc.fd);
    close(fc.fd);
    free(g_sent);
    free(g_seen);
    return m == g_n ? 0 : 1;
}
