/* cli/cmd_rules_check.c — the output of `rules check`: the deep checks of
 * triscreen/rulecheck.h, and with --format jsonl every problem of the command (load,
 * protected attributes, deep checks) as one JSON object a line, then a summary. Text:
 * one line per problem, "FILE:LINE[:COL]: [warning: ]rule ID: what is wrong". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/buf.h"
#include "triscreen/jsonw.h"
#include "triscreen/rulecheck.h"
#include "base/limits.h"
#include "cli/cli.h"

static void print_text(const ts_check_item *it)
{
    if (it->file[0] && it->line && it->col)
        printf("%s:%u:%u: ", it->file, it->line, it->col);
    else if (it->file[0] && it->line)
        printf("%s:%u: ", it->file, it->line);
    else if (it->file[0])
        printf("%s: ", it->file);
    printf("%s", it->warning ? "warning: " : "");
    if (it->rule[0])
        printf("rule %s: ", it->rule);
    printf("%s\n", it->msg);
}

void ts_cli_check_jsonl(const ts_check_item *it)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "severity", it->warning ? "warning" : "error");
    ts_jsonw_kstr(&w, "check", it->what);
    ts_jsonw_kstr(&w, "file", it->file[0] ? it->file : NULL);
    if (it->line)
        ts_jsonw_kint(&w, "line", it->line);
    else
        ts_jsonw_knull(&w, "line");
    if (it->col)
        ts_jsonw_kint(&w, "col", it->col);
    else
        ts_jsonw_knull(&w, "col");
    ts_jsonw_kstr(&w, "rule", it->rule[0] ? it->rule : NULL);
    ts_jsonw_kstr(&w, "message", it->msg);
    ts_jsonw_obj_end(&w);
    if (ts_jsonw_finish(&w) == TS_OK && ts_buf_putc(&b, '\n') == TS_OK)
        fputs(ts_buf_str(&b), stdout);
    else
        ts_cli_fail("rules check: a problem too long for one JSON line (%s)", it->what);
    ts_buf_release(&b);
}

void ts_cli_check_where(const char *where, const char *msg, bool warning, const char *what)
{
    char file[TS_LIMIT_PATH];
    snprintf(file, sizeof file, "%s", where ? where : "");
    unsigned line = 0;
    char *colon = strrchr(file, ':');
    if (colon && colon[1] >= '0' && colon[1] <= '9') {
        line = (unsigned)strtoul(colon + 1, NULL, 10);
        *colon = '\0';
    }
    ts_check_item it = {
        .warning = warning, .file = file, .line = line, .rule = "", .what = what, .msg = msg};
    ts_cli_check_jsonl(&it);
}

static void on_item(void *ud, const ts_check_item *it)
{
    if (*(const bool *)ud)
        ts_cli_check_jsonl(it);
    else
        print_text(it);
}

int ts_cli_rules_deep_check(const ts_rulepack *pack, const ts_config *cfg, bool jsonl,
                            size_t *errors, size_t *warnings)
{
    ts_err err;
    ts_err_clear(&err);
    size_t e = 0, w = 0;
    ts_status st = ts_rulecases_check(pack, cfg, on_item, &jsonl, &e, &w, &err);
    if (st != TS_OK) {
        ts_cli_error(&err);
        return ts_cli_exit_for(st);
    }
    *errors += e;
    *warnings += w;
    return TS_EXIT_OK;
}

void ts_cli_check_summary_jsonl(const ts_rulepack *pack, size_t errors, size_t warnings)
{
    ts_buf b;
    ts_buf_init(&b, TS_LIMIT_LINE);
    ts_jsonw w;
    ts_jsonw_init(&w, &b);
    ts_jsonw_obj(&w);
    ts_jsonw_kstr(&w, "summary", "rules check");
    if (pack) {
        ts_jsonw_kint(&w, "rules", (int64_t)ts_rulepack_count(pack));
        ts_jsonw_kint(&w, "full", (int64_t)ts_rulepack_count_pass(pack, TS_PASS_FULL));
        ts_jsonw_kint(&w, "regional", (int64_t)ts_rulepack_count_pass(pack, TS_PASS_REGIONAL));
        ts_jsonw_kint(&w, "targeted", (int64_t)ts_rulepack_count_pass(pack, TS_PASS_TARGETED));
        ts_jsonw_kstr(&w, "pack", ts_rulepack_hash(pack));
    } else {
        ts_jsonw_knull(&w, "pack");
    }
    ts_jsonw_kint(&w, "errors", (int64_t)errors);
    ts_jsonw_kint(&w, "warnings", (int64_t)warnings);
    ts_jsonw_obj_end(&w);
    if (ts_jsonw_finish(&w) == TS_OK && ts_buf_putc(&b, '\n') == TS_OK)
        fputs(ts_buf_str(&b), stdout);
    ts_buf_release(&b);
}
