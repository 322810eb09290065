/* cli/cmd_serve.c — `triscreen serve`: the HTTP service. Owns the process side: signals
 * (a signalfd read by the main thread; no work in handlers), SIGHUP reload, SIGTERM
 * drain, the escalation timer and the lifecycle log lines. Uses service.h and http/. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/config.h"
#include "triscreen/service.h"
#include "cli/cli.h"
#include "http/http.h"

/* The clock sweep's period: the live config's sla.sweep_seconds (a reload may change it). */
static uint64_t sweep_every_ms(ts_service *svc)
{
    ts_service_gen *g = ts_service_acquire(svc);
    uint32_t s = ts_service_gen_config(g)->sla_sweep_seconds;
    ts_service_gen_release(g);
    return (uint64_t)(s ? s : 60u) * 1000u;
}

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *fmt, ...)
{
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct tm tm;
    gmtime_r(&wall.tv_sec, &tm);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, wall.tv_nsec / 1000000L,
            msg);
}

static void log_reload_error(const ts_err *e)
{
    char buf[800];
    ts_err_format(e, buf, sizeof buf);
    for (char *p = buf; *p; p++)
        if (*p == '"')
            *p = '\'';
    logline("msg=reload-failed kept=old error=\"%s\"", buf);
}

/* True when the reload under way is over (went live, failed or timed out; logged). */
static bool reload_settled(ts_service *svc)
{
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = ts_service_reload_poll(svc, &e);
    if (rc == TS_BUSY)
        return false;
    if (rc == TS_OK) {
        ts_service_gen *ng = ts_service_acquire(svc);
        logline("msg=reloaded generation=%llu rules=%s",
                (unsigned long long)ts_service_gen_number(ng),
                ts_rulepack_hash(ts_service_gen_pack(ng)));
        ts_service_gen_release(ng);
    } else if (rc != TS_NOTFOUND) {
        log_reload_error(&e);
    }
    return true;
}

/* Starts a reload on its thread; true when one is under way. */
static bool start_reload(ts_service *svc)
{
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = ts_service_reload_begin(svc, &e);
    if (rc == TS_OK) {
        logline("msg=reload-started");
        return true;
    }
    if (rc == TS_BUSY)
        return true;
    log_reload_error(&e);
    return false;
}

/* Room for the connection cap (plus the quarter answered 503, the database and the pool)
 * in the soft open-files limit, as far as the hard limit allows. */
static void raise_fd_limit(unsigned max_connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)max_connections + max_connections / 4 + 256;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
}

typedef struct serve_args {
    const char *cfg_arg, *listen;
    unsigned threads;
} serve_args;

/* Parses argv; returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, serve_args *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    *a = (serve_args){.threads = 2};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:l:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->cfg_arg = optarg;
            break;
        case 'l':
            a->listen = optarg;
            break;
        case 't': {
            int t = atoi(optarg);
            if (t < 1 || t > 64) {
                ts_cli_fail("serve: --threads must be 1..64");
                return TS_EXIT_USAGE;
            }
            a->threads = (unsigned)t;
            break;
        }
        case 'h':
            puts("usage: triscreen serve [-c CONFIG] [--listen ADDR:PORT] [--threads N]\n"
                 "  SIGHUP reloads the config and rules; SIGTERM drains and exits.");
            return TS_EXIT_OK;
        default:
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("serve: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    return -1;
}

/* Blocks the signals before any thread starts, so every thread inherits the mask and
 * only the returned signalfd ever sees them. -1 on failure (reported). */
static int signal_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGPIPE);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
        ts_cli_fail("serve: cannot block signals");
        return -1;
    }
    int sfd = signalfd(-1, &set, SFD_CLOEXEC);
    if (sfd < 0)
        ts_cli_fail("serve: signalfd: %s", strerror(errno));
    return sfd;
}

/* Starts HTTP on the live generation's address (or --listen) and logs it. Returns the
 * exit code; *drain_ms is the configured drain deadline. */
static int start_http(ts_service *svc, const serve_args *a, ts_http **http, unsigned *drain_ms)
{
    ts_service_gen *g = ts_service_acquire(svc);
    const ts_config *cfg = ts_service_gen_config(g);
    char addr[256];
    snprintf(addr, sizeof addr, "%s", a->listen ? a->listen : cfg->listen);
    char hash[80];
    snprintf(hash, sizeof hash, "%s", ts_rulepack_hash(ts_service_gen_pack(g)));
    *drain_ms = cfg->drain_timeout_s * 1000u;
    ts__http_opts ho = {.threads = a->threads,
                        .max_connections = cfg->max_connections,
                        .max_per_ip = cfg->max_connections_per_ip,
                        .read_timeout_s = cfg->read_timeout_s};
    ts_service_gen_release(g);
    raise_fd_limit(ho.max_connections);
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts__http_start(svc, addr, &ho, http, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return rc == TS_USAGE ? TS_EXIT_USAGE : TS_EXIT_FAILED; /* address in use: 2 */
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(addr, ':') - addr), addr);
    /* the officers' console is the page at / (sign in with an officer token) */
    logline("msg=listening addr=%s:%u threads=%u rules=%s console=http://%s:%u/", host,
            ts__http_port(*http), a->threads, hash, host, ts__http_port(*http));
    return TS_EXIT_OK;
}

/* SIGTERM/SIGINT: drains the requests, then the writer, within drain_ms. Returns only
 * when both finished; otherwise exits the process at once (every acknowledged write is
 * committed, so leaving now loses none). */
static void drain(ts_service *svc, ts_http *http, unsigned drain_ms, uint32_t signo)
{
    logline("msg=draining signal=%s", signo == SIGTERM ? "TERM" : "INT");
    uint64_t t0 = ts_cli_now_ms();
    unsigned left = ts__http_drain(http, drain_ms);
    uint64_t spent = ts_cli_now_ms() - t0;
    unsigned rest = spent < drain_ms ? drain_ms - (unsigned)spent : 0;
    /* the writer finishes the queued writes within what is left of the deadline; a
     * request or a job that outlives it (a hung rule) cannot hold the exit */
    if (ts_service_stop(svc, rest > 1000 ? rest : 1000) != TS_OK || left) {
        logline("msg=drain-timeout in_flight=%u writer=%s", left,
                ts_service_stop(svc, 0) == TS_OK ? "idle" : "busy");
        logline("msg=stopped code=%d", TS_EXIT_FAILED);
        fflush(stderr);
        _exit(TS_EXIT_FAILED);
    }
}

/* The main thread's loop: the escalation timer, reloads on SIGHUP (one at a time, one
 * queued), drain on SIGTERM/SIGINT. Returns the exit code. */
static int serve_loop(ts_service *svc, ts_http *http, int sfd, unsigned drain_ms)
{
    uint64_t next_escalation = ts_cli_now_ms() + sweep_every_ms(svc);
    bool reloading = false, reload_queued = false;
    for (;;) {
        uint64_t now = ts_cli_now_ms();
        if (now >= next_escalation) {
            (void)ts_service_escalate(svc, 0, 0); /* false: the last sweep is still running */
            next_escalation = now + sweep_every_ms(svc);
        }
        if (reloading && reload_settled(svc)) {
            reloading = false;
            if (reload_queued) { /* a SIGHUP came during that reload: the config may be newer */
                reload_queued = false;
                reloading = start_reload(svc);
            }
        }
        if (ts_service_rules_changed(svc)) { /* `rules deploy` / `rules rollback` */
            logline("msg=rules-version-changed");
            if (reloading)
                reload_queued = true;
            else
                reloading = start_reload(svc);
        }
        struct pollfd pfd = {.fd = sfd, .events = POLLIN};
        /* a reload runs on its own thread: look at it every 50 ms, answer signals at once;
         * the ticker's rules-version flag is looked at every 200 ms */
        int wait_ms = reloading ? 50 : (int)(next_escalation - now);
        if (wait_ms > 200)
            wait_ms = 200;
        int pr = poll(&pfd, 1, wait_ms);
        if (pr < 0 && errno != EINTR) {
            logline("msg=poll-failed error=\"%s\"", strerror(errno));
            return TS_EXIT_FAILED;
        }
        if (pr <= 0)
            continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
            continue;
        if (si.ssi_signo == SIGHUP) {
            if (reloading) {
                logline("msg=reload-queued reason=\"a reload is already under way\"");
                reload_queued = true;
            } else {
                reloading = start_reload(svc);
            }
        } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            drain(svc, http, drain_ms, si.ssi_signo);
            return TS_EXIT_OK;
        }
    }
}

int ts__cli_serve(int argc, char **argv)
{
    serve_args a;
    int code = parse_args(argc, argv, &a);
    if (code >= 0)
        return code;
    int sfd = signal_fd();
    if (sfd < 0)
        return TS_EXIT_FAILED;
    ts_err err;
    ts_err_clear(&err);
    ts_service *svc = NULL;
    ts_http *http = NULL;
    unsigned drain_ms = 0;
    ts_status rc = ts_service_open(ts_config_pick_path(a.cfg_arg), &svc, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = rc == TS_CONFIG || rc == TS_USAGE ? TS_EXIT_USAGE : TS_EXIT_FAILED;
        goto done;
    }
    if ((code = start_http(svc, &a, &http, &drain_ms)) == TS_EXIT_OK)
        code = serve_loop(svc, http, sfd, drain_ms);
done:
    ts__http_free(http);
    ts_service_close(svc); /* finishes the queued writes, then closes the database */
    if (svc)
        logline("msg=stopped code=%d", code);
    close(sfd);
    return code;
}
