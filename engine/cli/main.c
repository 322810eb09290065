/* cli/main.c — the subcommand table and dispatch. Each subcommand lives in
 * cmd_<name>.c and calls the library through include/triscreen/. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

typedef struct command {
    const char *name;
    ts_cli_fn fn;
    const char *usage;
} command;

static const command commands[] = {
    {"init", ts__cli_init,
     "init     [-c CONFIG]              create/migrate the database, load the grid"},
    {"import", ts__cli_import,
     "import   [-c CONFIG] FILE...      JSONL / CSV / YAML; --rejects FILE, --dry-run"},
    {"screen", ts__cli_screen,
     "screen   [-c CONFIG] [--pass P] [--scope CODE] [--due] [--person ID] [--now DATE] "
     "[--strict]"},
    {"lists", ts__cli_lists,
     "lists    [-c CONFIG] [--colour red|yellow|blue] [--scope CODE] [--format table|jsonl|csv]"},
    {"ledger", ts__cli_ledger,
     "ledger   [-c CONFIG] [--scope CODE] [--suspects] [--format table|jsonl|csv]"},
    {"dossier", ts__cli_dossier, "dossier  [-c CONFIG] ID [--format text|json]"},
    {"review", ts__cli_review,
     "review   [-c CONFIG] ID --by OFFICER --outcome confirm|lower|raise|clear [--colour C] "
     "[--until DATE] --note TEXT [--now DATE]"},
    {"due", ts__cli_due,
     "due      [-c CONFIG] [--scope CODE] [--now DATE] [--format table|jsonl|csv]"},
    {"alerts", ts__cli_alerts,
     "alerts   [-c CONFIG] [--since CURSOR] [--kind K] [--state S] [--officer O] [--scope CODE]\n"
     "           [--created-since TIME] [--limit N] [--follow] [--stats] [--now TIME]"},
    {"alerts show", ts__cli_alerts,
     "alerts show ID [--format text|json]  one alert and its history"},
    {"claim", ts__cli_claim, "claim    ALERT-ID --by OFFICER [--note TEXT] [--now TIME]"},
    {"ack", ts__cli_ack, "ack      ALERT-ID --by OFFICER [--note TEXT] [--now TIME]"},
    {"close", ts__cli_close,
     "close    ALERT-ID --by OFFICER --outcome confirmed|false_positive|valuable|duplicate "
     "--note TEXT"},
    {"reopen", ts__cli_reopen, "reopen   ALERT-ID --by OFFICER --note TEXT"},
    {"claim-next", ts__cli_claim_next,
     "claim-next --by OFFICER [--kind K]    claim the most urgent unclaimed alert in my cells"},
    {"escalate", ts__cli_escalate,
     "escalate [-c CONFIG] [--now TIME] [--batch N]  run the alert clocks once (for cron)"},
    {"token", ts__cli_token,
     "token    add --officer ID [--note T] | list [--all] [--format table|jsonl] | revoke ID"},
    {"serve", ts__cli_serve,
     "serve    [-c CONFIG] [--listen ADDR:PORT]  HTTP API (SIGHUP reload, SIGTERM drain)"},
    {"diff", ts__cli_diff,
     "diff     [-c CONFIG] --rules DIR [--format text|jsonl|html] [--fail-on-move N]  what a "
     "draft would change, person by person"},
    {"shadow", ts__cli_shadow,
     "shadow   add DIR --name N --by WHO | list | report N [--format F] | remove N --by WHO"},
    {"report", ts__cli_report,
     "report   [-c CONFIG] [--scope CODE] [--now DATE] [--format text|json] [--html FILE]"},
    {"snooze", ts__cli_snooze,
     "snooze   PERSON --rule R --until DATE --by OFFICER --note T | list [--scope S] | end ID"},
    {"rules", ts__cli_rules,
     "rules    check|test [DIR]         validate the rule pack / run its cases"},
};

static void usage(FILE *f)
{
    fputs("usage: triscreen COMMAND [OPTIONS]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %s\n", commands[i].usage);
    fputs("\n-c CONFIG defaults to $TRISCREEN_CONFIG, else ./triscreen.yaml.\n"
          "Exit codes: 0 success, 1 the work ran but something was rejected or failed,\n"
          "2 usage or configuration error.\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return TS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return TS_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        puts("triscreen 0.1.0");
        return TS_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    ts_cli_fail("unknown command '%s' (see triscreen --help)", argv[1]);
    return TS_EXIT_USAGE;
}
