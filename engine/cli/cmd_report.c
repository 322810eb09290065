/* cli/cmd_report.c — `triscreen report`: per-cell counts, list trends and alert closure
 * as text or JSON on stdout and/or a self-contained HTML file. Calls ts_report_print
 * (triscreen/lists.h); shares the setup of the list commands (cmd_lists.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd_lists.h"

static const char usage[] =
    "usage: triscreen report [-c CONFIG] [--scope CODE] [--now DATE] [--format text|json]\n"
    "                        [--html FILE]\n"
    "With --html and no --format, only the HTML file is written (mode 0600).";

/* Writes the HTML report to path: a temporary file (mkstemp: mode 0600) next to it,
 * renamed over path once complete, so a reader never sees half a page and an existing
 * file (or a symlink) at path is replaced, not written through. */
static int write_html(const ts__cli_lists_env *e, const char *path)
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
    FILE *f = NULL;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        ts_cli_fail("report: cannot create '%s': %s", path, strerror(errno));
        free(tmp);
        return TS_EXIT_FAILED;
    }
    if (fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
        ts_cli_fail("report: cannot write '%s': %s", tmp, strerror(errno));
        close(fd);
        code = TS_EXIT_FAILED;
        goto done;
    }
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_report_print(e->store, e->grid, e->scope, e->now, TS_REPORT_HTML, f, &err);
    int closed = fclose(f);
    if (rc != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(rc);
    } else if (closed != 0) {
        ts_cli_fail("report: cannot write '%s': %s", tmp, strerror(errno));
        code = TS_EXIT_FAILED;
    } else if (rename(tmp, path) != 0) {
        ts_cli_fail("report: cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        code = TS_EXIT_FAILED;
    }
done:
    if (code != TS_EXIT_OK)
        unlink(tmp);
    free(tmp);
    return code;
}

int ts__cli_report(int argc, char **argv)
{
    const char *cfg_path = NULL, *scope = NULL, *now = NULL, *html = NULL;
    ts_report_format fmt = TS_REPORT_TEXT;
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
                fmt = TS_REPORT_TEXT;
            } else if (!strcmp(optarg, "json")) {
                fmt = TS_REPORT_JSON;
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
    if (code == TS_EXIT_OK && (fmt_given || !html)) {
        ts_err err;
        ts_err_clear(&err);
        ts_status rc = ts_report_print(e.store, e.grid, e.scope, e.now, fmt, stdout, &err);
        if (rc != TS_OK) {
            ts_cli_error(&err);
            code = ts_cli_exit_for(rc);
        }
    }
    if (code == TS_EXIT_OK && html)
        code = write_html(&e, html);
    ts__cli_lists_close(&e);
    return code;
}
