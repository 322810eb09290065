/* cli/cmd_rules_deploy.c — `triscreen rules deploy DIR --by WHO --note WHY`, `rules
 * versions [--format text|json]` and `rules rollback HASH --by WHO --note WHY`: stored
 * rule pack versions (triscreen/rules_version.h). A deploy runs `rules check`, the
 * pack's own tests (`rules test`) and `diff --rules DIR` first and stores nothing when
 * any of them fails; the new version is what every command and `serve` load from then
 * on (ts_app_load_pack). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/app.h"
#include "triscreen/buf.h"
#include "triscreen/jsonw.h"
#include "triscreen/rulehost.h"
#include "triscreen/rules_version.h"
#include "base/limits.h"
#include "cli/cli.h"
#include "render/render_alerts.h"

static const char usage[] =
    "usage: triscreen rules deploy [-c CONFIG] DIR --by WHO --note TEXT [--fail-on-move N]\n"
    "       triscreen rules versions [-c CONFIG] [--format text|json]\n"
    "       triscreen rules rollback [-c CONFIG] HASH --by WHO --note TEXT\n"
    "deploy   runs `rules check DIR`, `rules test DIR` and `diff --rules DIR`, then stores\n"
    "         DIR's pack as a new version (named by its hash) and makes it the active one;\n"
    "         nothing is stored when the check or a test fails (or, with --fail-on-move N,\n"
    "         when more than N persons would change list)\n"
    "versions the stored versions, oldest first; * marks the active one\n"
    "rollback makes an earlier version (its hash, or at least 6 hex digits of it) active\n"
    "Every command loads the active version; a running `serve` picks it up within a\n"
    "second (or send it SIGHUP). Exit: 0 done, 1 refused or not found, 2 usage.";

typedef struct dep_args {
    const char *cfg_path, *by, *note, *format, *arg;
    const char *fail_on_move; /* deploy: passed to `diff --fail-on-move` */
} dep_args;

/* Parses argv (argv[0] the subcommand); want_arg: DIR / HASH is required. -1 to go on. */
static int parse_args(int argc, char **argv, bool want_arg, bool want_by, dep_args *a)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"by", required_argument, NULL, 'b'},
                                         {"note", required_argument, NULL, 'n'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"fail-on-move", required_argument, NULL, 'm'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset(a, 0, sizeof *a);
    optind = 0;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (c == 'c')
            a->cfg_path = optarg;
        else if (c == 'b')
            a->by = optarg;
        else if (c == 'n')
            a->note = optarg;
        else if (c == 'f')
            a->format = optarg;
        else if (c == 'm' && strcmp(argv[0], "deploy") == 0)
            a->fail_on_move = optarg;
        else if (c == 'h') {
            puts(usage);
            return TS_EXIT_OK;
        } else
            return TS_EXIT_USAGE;
    }
    const char *cmd = argv[0];
    if (want_arg && optind + 1 != argc) {
        ts_cli_fail("rules %s: expected one %s argument\n%s", cmd,
                    strcmp(cmd, "deploy") == 0 ? "DIR" : "HASH", usage);
        return TS_EXIT_USAGE;
    }
    if (!want_arg && optind != argc) {
        ts_cli_fail("rules %s: unexpected argument '%s'", cmd, argv[optind]);
        return TS_EXIT_USAGE;
    }
    a->arg = want_arg ? argv[optind] : NULL;
    if (want_by && (!a->by || !a->by[0] || !a->note || !a->note[0])) {
        ts_cli_fail("rules %s: --by WHO and --note TEXT are required (who and why)", cmd);
        return TS_EXIT_USAGE;
    }
    if (!ts_cli_text_ok(cmd, "--by", a->by, 64, true) ||
        !ts_cli_text_ok(cmd, "--note", a->note, TS_LIMIT_NOTE, false))
        return TS_EXIT_USAGE;
    if (a->format && strcmp(a->format, "text") && strcmp(a->format, "json")) {
        ts_cli_fail("rules %s: --format must be text or json", cmd);
        return TS_EXIT_USAGE;
    }
    return -1;
}

/* Runs one step of the deploy (a `rules` subcommand or `diff`) on DIR; its exit code. */
static int step(const char *title, int (*fn)(int, char **), const char *const *words,
                const dep_args *a)
{
    char *argv[12];
    int n = 0;
    while (*words)
        argv[n++] = (char *)*words++;
    argv[n++] = (char *)a->arg; /* right after the words: `diff --rules DIR` */
    if (a->cfg_path) {
        argv[n++] = (char *)"-c";
        argv[n++] = (char *)a->cfg_path;
    }
    if (a->fail_on_move && fn == ts__cli_diff) {
        argv[n++] = (char *)"--fail-on-move";
        argv[n++] = (char *)a->fail_on_move;
    }
    argv[n] = NULL;
    printf("== %s\n", title);
    fflush(stdout);
    int code = fn(n, argv);
    fflush(stdout);
    fflush(stderr);
    return code;
}

/* check, tests, diff: TS_EXIT_OK when the draft may be deployed. */
static int preflight(const dep_args *a)
{
    static const char *const check[] = {"rules", "check", NULL};
    static const char *const test[] = {"rules", "test", NULL};
    static const char *const diff[] = {"diff", "--rules", NULL};
    if (step("rules check", ts__cli_rules, check, a) != TS_EXIT_OK) {
        ts_cli_fail("rules deploy: refused: `rules check %s` found problems (listed above); "
                    "nothing was deployed",
                    a->arg);
        return TS_EXIT_FAILED;
    }
    if (step("rules test", ts__cli_rules, test, a) != TS_EXIT_OK) {
        ts_cli_fail("rules deploy: refused: the pack's own tests fail (listed above); "
                    "nothing was deployed");
        return TS_EXIT_FAILED;
    }
    if (step("diff --rules", ts__cli_diff, diff, a) != TS_EXIT_OK) {
        ts_cli_fail("rules deploy: refused: `diff --rules %s` failed (or moves more than "
                    "--fail-on-move); nothing was deployed",
                    a->arg);
        return TS_EXIT_FAILED;
    }
    return TS_EXIT_OK;
}

/* At the first deploy, the pack the commands ran until now (the config's folder) is kept
 * as a version first, so that `rules rollback` can go back to it. */
static ts_status keep_folder_pack(ts_app *app, const char *new_hash, ts_err *err)
{
    char active[TS_RULES_HASH_MAX];
    const ts_rulepack *cur = ts_app_pack(app);
    ts_status rc = ts_store_rules_active(ts_app_store(app), active, err);
    if (rc != TS_OK || active[0] || strcmp(ts_rulepack_hash(cur), new_hash) == 0)
        return rc;
    ts_arena ar;
    ts_arena_init(&ar, TS_LIMIT_ARENA_PACK);
    ts_rule_file *files = NULL;
    size_t n = 0;
    rc = ts_rulepack_files(cur, &ar, &files, &n, err);
    if (rc == TS_OK)
        rc = ts_store_rules_deploy(ts_app_store(app), ts_rulepack_hash(cur), files, n, "config",
                                   "the config's rules folder, kept at the first deploy", err);
    if (rc == TS_OK)
        printf("kept the pack in use until now as a version: %s (%s)\n", ts_rulepack_hash(cur),
               ts_rulepack_dir(cur));
    ts_arena_release(&ar);
    return rc;
}

static int store_pack(ts_app *app, const dep_args *a)
{
    ts_err err;
    ts_err_clear(&err);
    ts_rulehost_opts ro = ts_rulehost_opts_for(ts_app_config(app));
    ts_rulepack *pack = NULL;
    ts_arena ar;
    ts_arena_init(&ar, TS_LIMIT_ARENA_PACK);
    ts_rule_file *files = NULL;
    size_t n = 0;
    ts_status rc = ts_rulepack_load(a->arg, &ro, NULL, NULL, &pack, &err);
    if (rc == TS_OK)
        rc = ts_rulepack_files(pack, &ar, &files, &n, &err);
    if (rc == TS_OK)
        rc = keep_folder_pack(app, ts_rulepack_hash(pack), &err);
    if (rc == TS_OK)
        rc = ts_store_rules_deploy(ts_app_store(app), ts_rulepack_hash(pack), files, n, a->by,
                                   a->note, &err);
    if (rc == TS_OK) {
        printf("deployed %s (%zu files, %zu rules) by %s: %s\n", ts_rulepack_hash(pack), n,
               ts_rulepack_count(pack), a->by, a->note);
        puts("every command now loads this version; a running `triscreen serve` picks it up "
             "within a second (or send it SIGHUP)");
    } else {
        ts_cli_error(&err);
    }
    ts_rulepack_free(pack);
    ts_arena_release(&ar);
    return rc == TS_OK ? TS_EXIT_OK : ts_cli_exit_for(rc == TS_STATE ? TS_NOTFOUND : rc);
}

int ts__cli_rules_deploy(int argc, char **argv)
{
    dep_args a;
    int code = parse_args(argc, argv, true, true, &a);
    if (code >= 0)
        return code;
    if ((code = preflight(&a)) != TS_EXIT_OK)
        return code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a.cfg_path, .parts = TS_APP_STORE_WRITE | TS_APP_PACK};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    printf("== deploy\n");
    code = store_pack(app, &a);
    ts_app_close(app);
    return code;
}

int ts__cli_rules_rollback(int argc, char **argv)
{
    dep_args a;
    int code = parse_args(argc, argv, true, true, &a);
    if (code >= 0)
        return code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a.cfg_path, .parts = TS_APP_STORE_WRITE};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    ts_err err;
    ts_err_clear(&err);
    char hash[TS_RULES_HASH_MAX];
    ts_status rc = ts_store_rules_rollback(ts_app_store(app), a.arg, a.by, a.note, hash, &err);
    if (rc == TS_OK) {
        printf("active: %s (rolled back by %s: %s)\n", hash, a.by, a.note);
        puts("every command now loads this version; a running `triscreen serve` picks it up "
             "within a second (or send it SIGHUP)");
    } else {
        ts_cli_error(&err);
    }
    ts_app_close(app);
    return rc == TS_OK ? TS_EXIT_OK : ts_cli_exit_for(rc == TS_STATE ? TS_NOTFOUND : rc);
}

typedef struct list_out {
    bool json;
    ts_jsonw w;
    ts_buf line;
    size_t n;
} list_out;

static ts_status list_row(void *ud, const ts_rules_version_row *r)
{
    list_out *o = ud;
    o->n++;
    if (o->json) {
        ts_jsonw_obj(&o->w);
        ts_jsonw_kstr(&o->w, "hash", r->hash);
        ts_jsonw_kint(&o->w, "seq", r->seq);
        ts_jsonw_kbool(&o->w, "active", r->active);
        ts_jsonw_kstr(&o->w, "by", r->by);
        ts_jsonw_kstr(&o->w, "note", r->note);
        ts_jsonw_kstr(&o->w, "deployed_at", r->deployed_at);
        ts_jsonw_kint(&o->w, "files", (int64_t)r->n_files);
        ts_jsonw_kint(&o->w, "bytes", r->bytes);
        ts_jsonw_obj_end(&o->w);
        return TS_OK;
    }
    ts_buf_reset(&o->line);
    char head[128];
    snprintf(head, sizeof head, "%s %3lld  %-19.19s  %-20s  %5zu  ", r->active ? "*" : " ",
             (long long)r->seq, r->hash, r->deployed_at, r->n_files);
    ts_status rc = ts_buf_puts(&o->line, head);
    if (rc == TS_OK)
        rc = ts_render_pad(&o->line, r->by, 16, true);
    if (rc == TS_OK)
        rc = ts_buf_puts(&o->line, "  ");
    if (rc == TS_OK)
        rc = ts_buf_puts(&o->line, r->note);
    if (rc == TS_OK)
        printf("%s\n", ts_buf_str(&o->line));
    return rc;
}

int ts__cli_rules_versions(int argc, char **argv)
{
    dep_args a;
    int code = parse_args(argc, argv, false, false, &a);
    if (code >= 0)
        return code;
    ts_app *app = NULL;
    ts_app_opts ao = {.config_path = a.cfg_path, .parts = TS_APP_STORE_READ};
    if ((code = ts_cli_app_open(&ao, &app)) != TS_EXIT_OK)
        return code;
    list_out o = {.json = a.format && strcmp(a.format, "json") == 0};
    ts_buf out;
    ts_buf_init(&out, 1u << 24);
    ts_buf_init(&o.line, 1u << 16);
    if (o.json) {
        ts_jsonw_init(&o.w, &out);
        ts_jsonw_obj(&o.w);
        ts_jsonw_key(&o.w, "versions");
        ts_jsonw_arr(&o.w);
    } else {
        printf("A SEQ  %-19s  %-20s  FILES  %-16s  NOTE\n", "HASH", "DEPLOYED (UTC)", "BY");
    }
    ts_err err;
    ts_err_clear(&err);
    ts_status rc = ts_store_rules_versions(ts_app_store(app), list_row, &o, &err);
    if (o.json) {
        ts_jsonw_arr_end(&o.w);
        ts_jsonw_obj_end(&o.w);
        if (rc == TS_OK && (rc = ts_jsonw_finish(&o.w)) == TS_OK)
            printf("%s\n", ts_buf_str(&out));
    } else if (rc == TS_OK && o.n == 0) {
        printf("no version stored: commands load the config's rules folder (%s)\n",
               ts_app_config(app)->rules);
    }
    if (rc != TS_OK)
        ts_cli_error(&err);
    ts_buf_release(&out);
    ts_buf_release(&o.line);
    ts_app_close(app);
    return rc == TS_OK ? TS_EXIT_OK : ts_cli_exit_for(rc);
}
