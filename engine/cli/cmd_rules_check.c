/* cli/cmd_rules_check.c — prints the deep checks of `rules check` (triscreen/rulecheck.h):
 * one line per problem, "FILE:LINE[:COL]: [warning: ]rule ID: what is wrong". */
#include <stdio.h>

#include "triscreen/rulecheck.h"
#include "cli/cli.h"

static void print_item(void *ud, const ts_check_item *it)
{
    (void)ud;
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

int ts_cli_rules_deep_check(const ts_rulepack *pack, const ts_config *cfg, size_t *errors,
                            size_t *warnings)
{
    ts_err err;
    ts_err_clear(&err);
    size_t e = 0, w = 0;
    ts_status st = ts_rulecases_check(pack, cfg, print_item, NULL, &e, &w, &err);
    if (st != TS_OK) {
        ts_cli_error(&err);
        return ts_cli_exit_for(st);
    }
    *errors += e;
    *warnings += w;
    return TS_EXIT_OK;
}
