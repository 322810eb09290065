/* cli/cmd_report.c — `triscreen report`: per-cell counts, list trends and alert closure
 * as text or JSON on stdout and/or a self-contained HTML file: ts_report_read
 * (triscreen/report.h) and ts_alerts_stats_read (triscreen/feedback.h: the Alerts
 * section) → engine/render/render_report.h; shares the setup of the list
 * commands (cmd_lists.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/buf.h"
#include "triscreen/feedback.h"
#include "triscreen/report.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "cli/cmd_lists.h"
#include "render/render_report.h"

static const char usage[] =
    "usage: triscreen report [-c CONFIG] [--scope CODE] [--now DATE] [--format text|json]\n"
    "                        [--html FILE]\n"
    "With --html and no --format, only the HTML file is written (mode 0600).";

typedef enum { REPORT_TEXT, REPORT_JSON } report_format;

/* Writes all of b to fd; false with errno set when it cannot. */
static bool write_all(int fd, const ts_buf *b)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = write(fd, ts_buf_str(b) + off, b->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

/* Writes the rendered HTML page to path: a temporary file (mkstemp: mode 0600) next to
 * it, renamed over path once complete, so a reader never sees half a page and an
 * existing file (or a symlink) at path is replaced, not written through. */
static int write_html(const ts_buf *page, const char *path)
{
    size_t len = strlen(path);
    char *tmp = malloc(len + sizeof ".XXXXXX");
    if (!tmp) {
        ts_cli_fail("report: out of memory");
        return TS_EXIT_FAILED;
    }
    memcpy(tmp, path, len);
    memcpy(tmp + len, ".XXXXXX", sizeof ".XXXXXX");
    int code = TS_EXIT_OK;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ts_cli_fail("report: cannot create '%s': %s", path, strerror(errno));
        free(tmp);
        return TS_EXIT_FAILED;
    }
    if (fchmod(fd, 0600) != 0 || !write_all(fd, page)) {
        ts_cli_fail("report: cannot write '%s': %s", tmp, strerror(errno));
        close(fd);
        code = TS_EXIT_FAILED;
    } else if (close(fd) != 0) {
        ts_cli_fail("report: cannot write '%s': %s", tmp, strerror(errno));
        code = TS_EXIT_FAILED;
    } else if (rename(tmp, path) != 0) {
        ts_cli_fail("report: cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        code = TS_EXIT_FAILED;
    }
    if (code != TS_EXIT_OK)
        unlink(tmp);
    free(tmp);
    return code;
}

/* Reads the report and the alert figures once and renders them to stdout (when `to_stdout`) and/or
 * html. */
static int report_out(const ts__cli_lists_env *e, bool to_stdout, report_format fmt,
                      const char *html, bool now_flag)
{
    ts_err err;
    ts_err_clear(&err);
    ts_report r;
    ts_status rc = ts_report_read(e->store, e->grid, e->scope, e->now, &r, &err);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        return ts_cli_exit_for(rc);
    }
    /* the officers' loop in the report's scope: overdue now (the alert clocks run on the
     * wall clock), or at the end of the day given with --now */
    const ts_cell *scopes[1] = {e->scope};
    ts_alert_filter f = {.scopes = e->scope ? scopes : NULL, .n_scopes = e->scope ? 1 : 0};
    ts_alert_stats st;
    bool have_stats = false;
    if (now_flag && !ts_alert_parse_time(e->now, &f.now)) {
        rc = ts_err_set(&err, TS_USAGE, "now", "'%s' is not a date (YYYY-MM-DD)", e->now);
    } else {
        f.now = now_flag ? f.now + 86400 - 1 : (int64_t)time(NULL);
        rc = ts_alerts_stats_read(e->store, e->grid, e->cfg, &f, &st, &err);
        have_stats = rc == TS_OK;
    }
    if (rc != TS_OK) {
        ts_cli_error(&err);
        ts_report_release(&r);
        return ts_cli_exit_for(rc);
    }
    r.alerts = &st;
    int code = TS_EXIT_OK;
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_REPORT_BYTES);
    if (to_stdout) {
        rc = fmt == REPORT_JSON ? ts_render_report_json(&b, &r) : ts_render_report_text(&b, &r);
        if (rc == TS_OK && (fwrite(ts_buf_str(&b), 1, b.len, stdout) != b.len ||
                            fflush(stdout) != 0 || ferror(stdout)))
            rc = TS_IO;
    }
    if (rc == TS_OK && html) {
        ts_buf_reset(&b);
        if ((rc = ts_render_report_html(&b, &r)) == TS_OK)
            code = write_html(&b, html);
    }
    if (rc != TS_OK) {
        ts_err_set(&err, rc, "report", rc == TS_IO ? "cannot write the output" : "rendering");
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
    }
    ts_buf_release(&b);
    if (have_stats)
        ts_alert_stats_release(&st);
    ts_report_release(&r);
    return code;
}

int ts__cli_report(int argc, char **argv)
{
    const char *cfg_path = NULL, *scope = NULL, *now = NULL, *html = NULL;
    report_format fmt = REPORT_TEXT;
    bool fmt_given = false;
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"scope", required_argument, NULL, 's'},
                                         {"now", required_argument, NULL, 'n'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"html", required_argument, NULL, 'H'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 's':
            scope = optarg;
            break;
        case 'n':
            now = optarg;
            break;
        case 'f':
            if (!strcmp(optarg, "text")) {
                fmt = REPORT_TEXT;
            } else if (!strcmp(optarg, "json")) {
                fmt = REPORT_JSON;
            } else {
                ts_cli_fail("report: --format must be text or json, not '%s'", optarg);
                return TS_EXIT_USAGE;
            }
            fmt_given = true;
            break;
        case 'H':
            if (!optarg[0]) {
                ts_cli_fail("report: --html needs a file name");
                return TS_EXIT_USAGE;
            }
            html = optarg;
            break;
        case 'h':
            puts(usage);
            return TS_EXIT_OK;
        default:
            fprintf(stderr, "%s\n", usage);
            return TS_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        ts_cli_fail("report: unexpected argument '%s'", argv[optind]);
        return TS_EXIT_USAGE;
    }
    ts__cli_lists_env e;
    int code = ts__cli_lists_open(&e, cfg_path, scope, now, false);
    if (code == TS_EXIT_OK)
        code = report_out(&e, fmt_given || !html, fmt, html, now != NULL);
    ts__cli_lists_close(&e);
    return code;
}
