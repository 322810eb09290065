/* cli/cli.c — helpers shared by the subcommands: errors, exit codes, config loading,
 * the terminal progress line and JSON string output. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/text.h"
#include "cli/cli.h"

void ts_cli_error(const ts_err *err)
{
    char buf[800];
    fprintf(stderr, "triscreen: %s\n", ts_err_format(err, buf, sizeof buf));
}

void ts_cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("triscreen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int ts_cli_exit_for(ts_status st)
{
    switch (st) {
    case TS_OK:
        return TS_EXIT_OK;
    case TS_USAGE:
    case TS_CONFIG:
        return TS_EXIT_USAGE;
    default:
        return TS_EXIT_FAILED;
    }
}

bool ts_cli_text_ok(const char *cmd, const char *flag, const char *s, size_t max, bool single_line)
{
    ts_err err;
    ts_err_clear(&err);
    if (ts_text_check(flag, s, max, single_line, &err) == TS_OK)
        return true;
    ts_cli_fail("%s: %s: %s", cmd, err.where, err.msg);
    return false;
}

ts_config *ts_cli_load_config(const char *cli_path)
{
    const char *path = ts_config_pick_path(cli_path);
    ts_config *cfg = NULL;
    ts_err err;
    ts_err_clear(&err);
    if (ts_config_load(path, &cfg, &err) != TS_OK) {
        ts_cli_error(&err);
        return NULL;
    }
    return cfg;
}

uint64_t ts_cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void ts_progress_init(ts_progress *p, const char *label)
{
    p->tty = isatty(STDERR_FILENO) == 1;
    p->label = label;
    p->last_ms = 0;
}

void ts_progress_update(ts_progress *p, uint64_t done, uint64_t total, const char *unit)
{
    if (!p->tty)
        return;
    uint64_t now = ts_cli_now_ms();
    if (now - p->last_ms < 100 && done < total)
        return;
    p->last_ms = now;
    if (total) {
        int pct = (int)(done * 100 / total);
        int bars = pct / 4;
        char bar[26];
        memset(bar, '#', (size_t)bars);
        memset(bar + bars, '.', (size_t)(25 - bars));
        bar[25] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%%", p->label, bar, pct);
    } else {
        fprintf(stderr, "\r%s %llu %s", p->label, (unsigned long long)done, unit ? unit : "");
    }
    fflush(stderr);
}

void ts_progress_done(ts_progress *p)
{
    if (p->tty && p->last_ms) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

void ts_cli_json_string(FILE *f, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    s = ts_text_utf8_view(s); /* JSON output is valid UTF-8 whatever the database holds */
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}
