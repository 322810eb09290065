/* cli/cli.h — shared pieces of the thin command-line front end: the subcommand
 * signature, exit codes, opening the app tier and terminal helpers. Only cli/ includes it.
 * The CLI uses only include/triscreen/ (plus this header); it decides what is printed
 * and how the process exits — the library never does. */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "triscreen/app.h"
#include "triscreen/config.h"
#include "triscreen/rulehost.h"
#include "triscreen/status.h"

/* Exit codes (DESIGN.md §Command line). */
enum { TS_EXIT_OK = 0, TS_EXIT_FAILED = 1, TS_EXIT_USAGE = 2 };

/* A subcommand: argv[0] is the subcommand's name; returns an exit code. */
typedef int (*ts_cli_fn)(int argc, char **argv);

/* Prints "triscreen: <where>: <msg>" to stderr. */
void ts_cli_error(const ts_err *err);
/* Prints "triscreen: " + formatted message to stderr. */
void ts_cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Exit code for a status: usage/config errors → 2, others → 1. */
int ts_cli_exit_for(ts_status st);

/* Checks a text the user typed for flag (e.g. "--note") of command cmd: valid UTF-8,
 * at most max bytes, no control characters (tab and line breaks allowed unless
 * single_line). Prints "triscreen: CMD: FLAG: reason" and returns false when it is not;
 * the caller exits TS_EXIT_USAGE. NULL passes (an absent optional flag). */
bool ts_cli_text_ok(const char *cmd, const char *flag, const char *s, size_t max, bool single_line);

/* Opens the app tier (triscreen/app.h) as o asks. Returns TS_EXIT_OK with *out set, or
 * prints the error and returns its exit code (ts_cli_exit_for: a config, grid, --now or
 * scope problem exits 2) with *out untouched. */
int ts_cli_app_open(const ts_app_opts *o, ts_app **out);

/* The config's rule pack loaded only for the titles shown beside rule ids
 * (ts_rulepack_title): NULL when cfg is NULL or the pack cannot be loaded, so a read never
 * fails for want of a title. The caller frees it (ts_rulepack_free). */
ts_rulepack *ts_cli_titles_pack(const ts_config *cfg);

/* A progress line on stderr, only when stderr is a terminal; throttled to ~10 Hz. */
typedef struct ts_progress {
    bool tty;
    const char *label;
    uint64_t last_ms;
} ts_progress;
void ts_progress_init(ts_progress *p, const char *label);
void ts_progress_update(ts_progress *p, uint64_t done, uint64_t total, const char *unit);
void ts_progress_done(ts_progress *p);

/* Milliseconds from a monotonic clock. */
uint64_t ts_cli_now_ms(void);

/* Writes s as a JSON string (with quotes, escaped by the one encoder, triscreen/jsonw.h;
 * invalid UTF-8 bytes as \ufffd). False when it could not be encoded (out of memory)
 * or written; nothing is written then. */
bool ts_cli_json_string(FILE *f, const char *s);

/* Subcommands (one file each: cmd_<name>.c). */
int ts__cli_init(int argc, char **argv);
int ts__cli_import(int argc, char **argv);
int ts__cli_rules(int argc, char **argv);
int ts__cli_rules_stats(int argc, char **argv);  /* cmd_rules_stats.c: `rules stats` */
int ts__cli_rules_errors(int argc, char **argv); /* `rules errors`, cmd_rules_errors.c */
/* `rules deploy|versions|rollback` (cmd_rules_deploy.c) */
int ts__cli_rules_deploy(int argc, char **argv);
int ts__cli_rules_versions(int argc, char **argv);
int ts__cli_rules_rollback(int argc, char **argv);
int ts__cli_lists(int argc, char **argv);
int ts__cli_ledger(int argc, char **argv);
int ts__cli_dossier(int argc, char **argv);
int ts__cli_review(int argc, char **argv);
int ts__cli_due(int argc, char **argv);
int ts__cli_screen(int argc, char **argv);
int ts__cli_diff(int argc, char **argv);
int ts__cli_serve(int argc, char **argv);
int ts__cli_alerts(int argc, char **argv);
int ts__cli_ack(int argc, char **argv);
int ts__cli_close(int argc, char **argv);
int ts__cli_claim(int argc, char **argv);
int ts__cli_reopen(int argc, char **argv);
int ts__cli_claim_next(int argc, char **argv);
int ts__cli_escalate(int argc, char **argv);
int ts__cli_report(int argc, char **argv);
int ts__cli_token(int argc, char **argv);
int ts__cli_snooze(int argc, char **argv);
int ts__cli_shadow(int argc, char **argv);

struct ts_check_item;
/* `rules check` (cmd_rules_check.c): prints the deep checks of a loaded pack as text or
 * JSON Lines, adding to the error and warning counts; returns an exit code (0 = the
 * checks ran). The JSONL writers: one problem given as "FILE:LINE" (what = its check:
 * load, protected), one item, the closing summary object (pack may be NULL). */
int ts_cli_rules_deep_check(const ts_rulepack *pack, const ts_config *cfg, bool jsonl,
                            size_t *errors, size_t *warnings);
void ts_cli_check_where(const char *where, const char *msg, bool warning, const char *what);
void ts_cli_check_jsonl(const struct ts_check_item *it);
void ts_cli_check_summary_jsonl(const ts_rulepack *pack, size_t errors, size_t warnings);

#endif
