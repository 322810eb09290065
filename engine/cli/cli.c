/* cli/cli.c — helpers shared by the subcommands: errors, exit codes, opening the app
 * tier, the terminal progress line and JSON string output (through triscreen/jsonw.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "triscreen/buf.h"
#include "triscreen/jsonw.h"
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

int ts_cli_app_open(const ts_app_opts *o, ts_app **out)
{
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_app_open(o, out, &err);
    if (rc == TS_OK)
        return TS_EXIT_OK;
    ts_cli_error(&err);
    return ts_cli_exit_for(rc);
}

ts_rulepack *ts_cli_titles_pack(const ts_config *cfg)
{
    if (!cfg || !cfg->rules)
        return NULL;
    ts_rulepack *pack = NULL;
    ts_err err;
    ts_err_clear(&err);
    /* the active stored version when there is one, as every command runs */
    if (ts_app_load_pack(cfg, NULL, NULL, &pack, &err) != TS_OK)
        return NULL;
    return pack;
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

bool ts_cli_json_string(FILE *f, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    ts_buf b;
    /* the longest escape is \ufffd (6 bytes) for one input byte, plus the quotes */
    ts_buf_init(&b, n * 6 + 3);
    bool ok = ts_json_quote(&b, s ? s : "", n) == TS_OK;
    if (ok)
        ok = fputs(ts_buf_str(&b), f) >= 0;
    ts_buf_release(&b);
    return ok;
}
