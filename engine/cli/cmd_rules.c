/* cli/cmd_rules.c — `triscreen rules check|test [DIR]`: validate a rule pack (and scan
 * it for protected attributes), or run its YAML cases and report coverage. Uses
 * triscreen/rulehost.h and triscreen/rulecases.h; prints, the library does not. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "triscreen/app.h"
#include "triscreen/rulecases.h"
#include "triscreen/rulehost.h"
#include "cli/cli.h"

static const char usage_text[] =
    "usage: triscreen rules check [-c CONFIG] [--format text|jsonl] [DIR]\n"
    "       triscreen rules test  [-c CONFIG] [-v] [--case FILE]... [DIR]\n"
    "       triscreen rules stats [-c CONFIG] [--since YYYY-MM-DD] [--format text|json]\n"
    "       triscreen rules errors [-c CONFIG] [--since DATE] [--rule ID] [--scope CODE]\n"
    "                              [--format text|json]\n"
    "       triscreen rules deploy [-c CONFIG] DIR --by WHO --note TEXT\n"
    "       triscreen rules versions [-c CONFIG] [--format text|json]\n"
    "       triscreen rules rollback [-c CONFIG] HASH --by WHO --note TEXT\n"
    "\n"
    "check  load and compile every rule of DIR, report each problem as file.lua:LINE[:COL],\n"
    "       compile regex literals, check fields, schema references and scores, flag\n"
    "       reads of protected attributes, print the pack's rule counts and hash\n"
    "test   run the cases DIR/tests/*.yaml (or only the --case files) under the\n"
    "       config's limits; print each failure and the rules no case makes fire\n"
    "stats  per rule of the config's pack: persons fired, shares listed / confirmed /\n"
    "       cleared, alerts and false positives, rules silent for 90 days\n"
    "errors the rule errors recorded by past runs, by rule: counts, run dates, person ids\n"
    "deploy check, test and diff DIR, then store it as the active version (hash, by, note)\n"
    "versions the stored versions (* active); rollback makes an earlier one active\n"
    "\n"
    "DIR defaults to `rules` of the config (-c, $TRISCREEN_CONFIG or ./triscreen.yaml\n"
    "when it exists), else ./rules. Exit: 0 clean (check: warnings only), 1 a problem or\n"
    "failure, 2 usage. check's schema references need the config's optional `schema:`.\n";

/* Where the pack is and the limits it runs under. */
typedef struct pack_setup {
    ts_app *app;          /* the config only; NULL when no config is used */
    const ts_config *cfg; /* ts_app_config(app), or NULL */
    const char *dir;
    ts_rulehost_opts opts;
} pack_setup;

/* Picks the pack folder and the limits: the config is used when given with -c, or when
 * the default config file exists. Returns an exit code (0 = go on). */
static int setup(const char *cfg_path, const char *dir_arg, pack_setup *ps)
{
    memset(ps, 0, sizeof *ps);
    bool use_cfg = cfg_path != NULL || access(ts_config_pick_path(NULL), F_OK) == 0;
    if (use_cfg) {
        ts_app_opts ao = {.config_path = cfg_path};
        int code = ts_cli_app_open(&ao, &ps->app);
        if (code != TS_EXIT_OK)
            return code;
        ps->cfg = ts_app_config(ps->app);
    }
    ps->opts = ts_rulehost_opts_for(ps->cfg);
    ps->dir = dir_arg ? dir_arg : ps->cfg && ps->cfg->rules ? ps->cfg->rules : "rules";
    return TS_EXIT_OK;
}

typedef struct problems {
    size_t n;
    size_t warnings;
    bool jsonl; /* check --format jsonl: one JSON object a problem (cmd_rules_check.c) */
} problems;

/* The protected-attribute lint is a warning: rules cannot see a protected attribute by
 * any path (the data is normalised and filtered), so such a rule simply never matches;
 * the warning tells its author why. */
static void print_warning(void *ud, const char *where, const char *msg)
{
    problems *pr = ud;
    pr->warnings++;
    if (pr->jsonl) {
        ts_cli_check_where(where, msg, true, "protected");
        return;
    }
    printf("%s: warning: %s (rules never see it: the rule cannot match on it)\n",
           where && where[0] ? where : "-", msg);
}

static void print_problem(void *ud, const char *where, const char *msg)
{
    problems *pr = ud;
    pr->n++;
    if (pr->jsonl)
        ts_cli_check_where(where, msg, false, "load");
    else if (where && where[0])
        printf("%s: %s\n", where, msg);
    else
        printf("%s\n", msg);
}

/* Loads the pack, printing every problem. NULL when it did not load (the exit code is
 * then in *code). */
static ts_rulepack *load_pack(const pack_setup *ps, problems *pr, int *code)
{
    ts_rulepack *pack = NULL;
    ts_err err;
    ts_err_clear(&err);
    size_t before = pr->n;
    ts_status st = ts_rulepack_load(ps->dir, &ps->opts, print_problem, pr, &pack, &err);
    if (st == TS_OK)
        return pack;
    if (st == TS_RULE) {
        if (pr->n == before) /* the loader reported only through err */
            print_problem(pr, err.where, err.msg);
        *code = TS_EXIT_FAILED;
    } else {
        ts_cli_error(&err);
        *code = ts_cli_exit_for(st);
    }
    return NULL;
}

static void print_summary(const ts_rulepack *pack)
{
    printf("%zu rules (full %zu, regional %zu, targeted %zu), pack %s\n", ts_rulepack_count(pack),
           ts_rulepack_count_pass(pack, TS_PASS_FULL),
           ts_rulepack_count_pass(pack, TS_PASS_REGIONAL),
           ts_rulepack_count_pass(pack, TS_PASS_TARGETED), ts_rulepack_hash(pack));
}

/* ---- check --------------------------------------------------------------------------- */

static int cmd_check(int argc, char **argv)
{
    const char *cfg_path = NULL, *format = "text";
    static const struct option lopts[] = {{"config", required_argument, NULL, 'c'},
                                          {"format", required_argument, NULL, 'f'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    optind = 0; /* glibc: 0 re-initialises getopt (argv was shifted by the dispatcher) */
    int c;
    while ((c = getopt_long(argc, argv, "c:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return TS_EXIT_OK;
        default:
            fputs(usage_text, stderr);
            return TS_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        ts_cli_fail("rules check: unexpected argument '%s'", argv[optind + 1]);
        return TS_EXIT_USAGE;
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "jsonl") != 0) {
        ts_cli_fail("rules check: --format must be text or jsonl, not '%s'", format);
        return TS_EXIT_USAGE;
    }
    pack_setup ps;
    int code = setup(cfg_path, optind < argc ? argv[optind] : NULL, &ps);
    if (code != TS_EXIT_OK)
        return code;

    problems pr = {.jsonl = strcmp(format, "jsonl") == 0};
    ts_rulepack *pack = load_pack(&ps, &pr, &code);
    if (!pack && pr.n == 0)
        goto done; /* the folder could not be read: already reported */

    size_t found = 0;
    ts_err err;
    ts_err_clear(&err);
    if (ts_rulecases_scan_protected(ps.dir, print_warning, &pr, &found, &err) != TS_OK) {
        ts_cli_error(&err);
        code = TS_EXIT_FAILED;
        goto done;
    }
    if (pack && (code = ts_cli_rules_deep_check(pack, ps.cfg, pr.jsonl, &pr.n, &pr.warnings)) != 0)
        goto done;
    if (pack) {
        if (!pr.jsonl)
            print_summary(pack);
        /* `screen` runs every pass: a pass without rules would delist everyone */
        if (ts_rulepack_check_passes(pack, TS_PASS_ALL, &err) != TS_OK)
            print_problem(&pr, err.where, err.msg);
    }
    if (pr.jsonl)
        ts_cli_check_summary_jsonl(pack, pr.n, pr.warnings);
    if (pr.warnings > 0 && !pr.jsonl)
        printf("%zu warning%s\n", pr.warnings, pr.warnings == 1 ? "" : "s");
    if (pr.n > 0 && !pr.jsonl)
        printf("%zu problem%s\n", pr.n, pr.n == 1 ? "" : "s");
    if (pr.n > 0) {
        code = TS_EXIT_FAILED;
    } else {
        code = TS_EXIT_OK;
    }
done:
    ts_rulepack_free(pack);
    ts_app_close(ps.app);
    return code;
}

/* ---- test ---------------------------------------------------------------------------- */

typedef struct test_out {
    const ts_rulepack *pack;
    bool verbose;
} test_out;

static void print_ids(const char *const *ids, size_t n)
{
    fputc('[', stdout);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", ids[i]);
    fputc(']', stdout);
}

static void print_feedback(unsigned set)
{
    static const ts_feedback kinds[] = {TS_FEEDBACK_EARLY, TS_FEEDBACK_DETAILED, TS_FEEDBACK_QUICK};
    fputc('[', stdout);
    bool first = true;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!(set & TS_FEEDBACK_BIT(kinds[i])))
            continue;
        printf("%s%s", first ? "" : ", ", ts_feedback_name(kinds[i]));
        first = false;
    }
    fputc(']', stdout);
}

static const char *colour_name(ts_colour c)
{
    return ts_colour_text(c);
}

static bool contains(const char *const *ids, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
}

static void print_fired_diff(const test_out *to, const ts_case_report *r)
{
    printf("  fired:    expected ");
    print_ids(r->expected_fired, r->n_expected_fired);
    printf("\n            actual   ");
    print_ids(r->actual_fired, r->n_actual_fired);
    fputc('\n', stdout);
    bool any = false;
    for (size_t i = 0; i < r->n_expected_fired; i++) {
        const char *id = r->expected_fired[i];
        if (contains(r->actual_fired, r->n_actual_fired, id))
            continue;
        printf(any ? ", %s" : "            missing  %s", id);
        if (ts_rulepack_find(to->pack, id) < 0)
            printf(" (no such rule)");
        any = true;
    }
    if (any)
        fputc('\n', stdout);
    any = false;
    for (size_t i = 0; i < r->n_actual_fired; i++) {
        const char *id = r->actual_fired[i];
        if (contains(r->expected_fired, r->n_expected_fired, id))
            continue;
        printf(any ? ", %s" : "            extra    %s", id);
        any = true;
    }
    if (any)
        fputc('\n', stdout);
}

static void print_case(void *ud, const ts_case_report *r)
{
    const test_out *to = ud;
    if (r->passed) {
        if (to->verbose)
            printf("ok   %s:%u: %s\n", r->file, r->line, r->name);
        return;
    }
    printf("FAIL %s:%u: %s\n", r->file, r->line, r->name);
    if (r->failed & TS_CASE_FIRED)
        print_fired_diff(to, r);
    if (r->failed & TS_CASE_COLOUR) {
        printf("  colour:   expected %s, actual %s (score %d; passes run:",
               colour_name(r->expected_colour), colour_name(r->actual_colour), r->score);
        bool any = false;
        for (int p = TS_PASS_FULL; p <= TS_PASS_TARGETED; p++)
            if (r->ran[p]) {
                printf(" %s", ts_pass_name((ts_pass)p));
                any = true;
            }
        printf("%s)\n", any ? "" : " none");
    }
    if (r->failed & TS_CASE_SUSPECT)
        printf("  suspect:  expected %s, actual %s\n", r->expected_suspect ? "true" : "false",
               r->actual_suspect ? "true" : "false");
    if (r->failed & TS_CASE_FEEDBACK) {
        printf("  feedback: expected ");
        print_feedback(r->expected_feedback);
        printf(", actual ");
        print_feedback(r->actual_feedback);
        fputc('\n', stdout);
    }
    if (r->failed & TS_CASE_ERRORS)
        printf("  errors:   expected %zu, actual %zu\n", r->expected_errors, r->n_errors);
    for (size_t i = 0; i < r->n_errors; i++)
        printf("    error in %s (%s pass) at %s: %s\n", r->errors[i].rule,
               ts_pass_name(r->errors[i].pass), r->errors[i].where, r->errors[i].msg);
    if (r->n_fires > 0) {
        printf("  evidence:\n");
        for (size_t i = 0; i < r->n_fires; i++)
            printf("    %s: %s\n", r->fires[i].rule, r->fires[i].evidence);
    }
}

/* The cases to run: the --case files, else the YAML files of DIR/tests. Returns the exit code;
 * *out is the caller's (ts_rulecases_free) whatever it returns. */
static int load_cases(const char *dir, const char *const *files, size_t n_files, ts_rulecases **out)
{
    ts_err err;
    ts_err_clear(&err);
    ts_status st = ts_rulecases_new(out, &err);
    char *tests_dir = NULL;
    if (st == TS_OK && n_files > 0) {
        for (size_t i = 0; i < n_files && st == TS_OK; i++)
            st = ts_rulecases_add_file(*out, files[i], &err);
    } else if (st == TS_OK) {
        size_t len = strlen(dir) + sizeof "/tests";
        if (!(tests_dir = malloc(len))) {
            ts_cli_fail("out of memory");
            return TS_EXIT_FAILED;
        }
        snprintf(tests_dir, len, "%s/tests", dir);
        st = ts_rulecases_add_dir(*out, tests_dir, NULL, &err);
    }
    if (st != TS_OK) {
        free(tests_dir);
        ts_cli_error(&err);
        return ts_cli_exit_for(st);
    }
    if (ts_rulecases_count(*out) == 0)
        printf("no cases in %s\n", tests_dir ? tests_dir : "the --case files");
    free(tests_dir);
    return TS_EXIT_OK;
}

/* The last lines of `rules test`; returns the exit code. Coverage is enforced only when
 * every case of the folder ran (not with --case). */
static int print_totals(const ts_rulecases_summary *sum, bool only_some)
{
    printf("%zu passed, %zu failed\n", sum->passed, sum->failed);
    if (sum->n_uncovered == 0) {
        printf("every rule is covered by a case\n");
    } else {
        printf("rules no case fires: ");
        for (size_t i = 0; i < sum->n_uncovered; i++)
            printf("%s%s", i ? ", " : "", sum->uncovered[i]);
        printf("%s\n", only_some ? " (not enforced with --case)" : "");
    }
    return sum->failed > 0 || (sum->n_uncovered > 0 && !only_some) ? TS_EXIT_FAILED : TS_EXIT_OK;
}

static int cmd_test(int argc, char **argv)
{
    const char *cfg_path = NULL;
    const char **case_files = NULL;
    size_t n_case_files = 0;
    bool verbose = false;
    static const struct option lopts[] = {{"config", required_argument, NULL, 'c'},
                                          {"case", required_argument, NULL, 'C'},
                                          {"verbose", no_argument, NULL, 'v'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
    case_files = calloc((size_t)argc + 1, sizeof *case_files);
    if (!case_files) {
        ts_cli_fail("out of memory");
        return TS_EXIT_FAILED;
    }
    int code = TS_EXIT_OK;
    pack_setup ps = {0};
    ts_rulepack *pack = NULL;
    ts_rulecases *rc = NULL;
    optind = 0; /* glibc: 0 re-initialises getopt (argv was shifted by the dispatcher) */
    int c;
    while ((c = getopt_long(argc, argv, "c:vh", lopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'C':
            case_files[n_case_files++] = optarg;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            goto done;
        default:
            fputs(usage_text, stderr);
            code = TS_EXIT_USAGE;
            goto done;
        }
    }
    if (argc - optind > 1) {
        ts_cli_fail("rules test: unexpected argument '%s'", argv[optind + 1]);
        code = TS_EXIT_USAGE;
        goto done;
    }
    if ((code = setup(cfg_path, optind < argc ? argv[optind] : NULL, &ps)) != TS_EXIT_OK)
        goto done;

    problems pr = {0};
    if (!(pack = load_pack(&ps, &pr, &code))) {
        if (pr.n > 0)
            printf("%zu problem%s in the pack; no case was run\n", pr.n, pr.n == 1 ? "" : "s");
        goto done;
    }

    if ((code = load_cases(ps.dir, case_files, n_case_files, &rc)) != TS_EXIT_OK)
        goto done;

    test_out to = {.pack = pack, .verbose = verbose};
    ts_rulecases_summary sum;
    ts_err err;
    ts_err_clear(&err);
    ts_status st = ts_rulecases_run(rc, pack, print_case, &to, &sum, &err);
    if (st != TS_OK) {
        ts_cli_error(&err);
        code = ts_cli_exit_for(st);
        goto done;
    }
    code = print_totals(&sum, n_case_files > 0);
done:
    ts_rulecases_free(rc);
    ts_rulepack_free(pack);
    ts_app_close(ps.app);
    free(case_files);
    return code;
}

int ts__cli_rules(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage_text, stderr);
        return TS_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        fputs(usage_text, stdout);
        return TS_EXIT_OK;
    }
    if (strcmp(sub, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(sub, "test") == 0)
        return cmd_test(argc - 1, argv + 1);
    if (strcmp(sub, "stats") == 0)
        return ts__cli_rules_stats(argc - 1, argv + 1);
    if (strcmp(sub, "errors") == 0)
        return ts__cli_rules_errors(argc - 1, argv + 1);
    if (strcmp(sub, "deploy") == 0)
        return ts__cli_rules_deploy(argc - 1, argv + 1);
    if (strcmp(sub, "versions") == 0)
        return ts__cli_rules_versions(argc - 1, argv + 1);
    if (strcmp(sub, "rollback") == 0)
        return ts__cli_rules_rollback(argc - 1, argv + 1);
    ts_cli_fail("rules: unknown subcommand '%s' (check, test, errors, stats, deploy, versions "
                "or rollback)",
                sub);
    fputs(usage_text, stderr);
    return TS_EXIT_USAGE;
}
