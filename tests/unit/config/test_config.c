/* tests/unit/config/test_config.c — triscreen.yaml: defaults, relative paths, every key,
 * every error class with its file:line:col and message, the config hash and the
 * path pick order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "triscreen/config.h"
#include "triscreen/vocab.h"
#include "base/text.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/ts_config_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes text to g_dir/name; returns the path in a static buffer. */
static const char *put(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static ts_config *load_ok(const char *text)
{
    const char *path = put("triscreen.yaml", text);
    ts_config *cfg = NULL;
    ts_err err;
    ts_status rc = ts_config_load(path, &cfg, &err);
    if (rc != TS_OK)
        print_error("unexpected: %s: %s\n", err.where, err.msg);
    assert_int_equal(rc, TS_OK);
    return cfg;
}

/* Asserts that text is refused with code at "<path>:line:col" and the exact message. */
static void refused(const char *text, ts_status code, const char *linecol, const char *msg)
{
    const char *path = put("bad.yaml", text);
    char where[300];
    snprintf(where, sizeof where, "%s:%s", path, linecol);
    ts_config *cfg = NULL;
    ts_err err;
    /* every load failure but exhaustion is TS_CONFIG (exit 2); the message keeps
     * the detail */
    code = code == TS_NOMEM ? code : TS_CONFIG;
    ts_status rc = ts_config_load(path, &cfg, &err);
    if (rc != code || strcmp(err.where, where) != 0 || strcmp(err.msg, msg) != 0)
        print_error("input %s\n  got %s %s: %s\n  want %s %s: %s\n", text, ts_status_name(rc),
                    err.where, err.msg, ts_status_name(code), where, msg);
    assert_null(cfg);
    assert_int_equal(rc, code);
    assert_string_equal(err.where, where);
    assert_string_equal(err.msg, msg);
}

static void test_defaults(void **state)
{
    (void)state;
    ts_config *cfg = load_ok("# nothing set\n");
    char want[300];
    snprintf(want, sizeof want, "%s/triscreen.yaml", g_dir);
    assert_string_equal(cfg->path, want);
    assert_string_equal(cfg->dir, g_dir);
    snprintf(want, sizeof want, "%s/triscreen.db", g_dir);
    assert_string_equal(cfg->database, want);
    snprintf(want, sizeof want, "%s/grid.yaml", g_dir);
    assert_string_equal(cfg->grid, want);
    snprintf(want, sizeof want, "%s/rules", g_dir);
    assert_string_equal(cfg->rules, want);
    assert_null(cfg->alerts_jsonl);
    assert_int_equal(cfg->thresholds[0], 70);
    assert_int_equal(cfg->thresholds[1], 40);
    assert_int_equal(cfg->thresholds[2], 20);
    assert_int_equal(cfg->review_days[0], 7);
    assert_int_equal(cfg->review_days[1], 30);
    assert_int_equal(cfg->review_days[2], 90);
    assert_int_equal(cfg->n_problem_events, 3);
    assert_string_equal(cfg->problem_events[0], "incident_reported");
    assert_string_equal(cfg->problem_events[1], "threat_reported");
    assert_string_equal(cfg->problem_events[2], "absconded");
    assert_true(ts_config_is_problem_event(cfg, "absconded"));
    assert_false(ts_config_is_problem_event(cfg, "moved"));
    assert_int_equal(cfg->instructions, 1000000);
    assert_int_equal(cfg->memory_mb, 64);
    assert_int_equal(cfg->quick_ack_minutes, 30);
    assert_int_equal(cfg->quick_max_age_days, 30);
    assert_int_equal(cfg->workers, 0);
    assert_string_equal(cfg->now, "");
    assert_string_equal(cfg->listen, "127.0.0.1:8080");
    assert_int_equal(cfg->n_tokens, 0);
    ts_config_free(cfg);
    ts_config_free(NULL);

    /* a completely empty file is all defaults too */
    cfg = load_ok("");
    assert_int_equal(cfg->thresholds[0], 70);
    ts_config_free(cfg);
}

static void test_full(void **state)
{
    (void)state;
    const char *text =
        "database: data/ts.db\n"
        "grid: /etc/triscreen/grid.yaml\n"
        "rules: ../rules\n"
        "thresholds: {red: 80, yellow: 50, blue: 10}\n"
        "review_days: {red: 3, yellow: 14, blue: 60}\n"
        "problem_events: [incident_reported, 走失]\n"
        "limits: {instructions: 5000, memory_mb: 16}\n"
        "quick_ack_minutes: 15          # escalate after this\n"
        "quick_max_age_days: 0\n"
        "now: 2024-05-01\n"
        "workers: 4\n"
        "alerts_jsonl: out/alerts.jsonl\n"
        "service:\n"
        "  listen: 0.0.0.0:9090\n"
        "  tokens:\n"
        "    - name: desk\n"
        "      sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
        "      scopes: [T01, T02-V01]\n"
        "      write: true\n"
        "    - name: auditor\n"
        "      sha256: 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752\n"
        "      scopes: [all]\n";
    ts_config *cfg = load_ok(text);
    char want[300];
    snprintf(want, sizeof want, "%s/data/ts.db", g_dir);
    assert_string_equal(cfg->database, want);
    assert_string_equal(cfg->grid, "/etc/triscreen/grid.yaml");
    snprintf(want, sizeof want, "%s/../rules", g_dir);
    assert_string_equal(cfg->rules, want);
    snprintf(want, sizeof want, "%s/out/alerts.jsonl", g_dir);
    assert_string_equal(cfg->alerts_jsonl, want);
    assert_int_equal(cfg->thresholds[0], 80);
    assert_int_equal(cfg->thresholds[1], 50);
    assert_int_equal(cfg->thresholds[2], 10);
    assert_int_equal(cfg->review_days[0], 3);
    assert_int_equal(cfg->review_days[2], 60);
    assert_int_equal(cfg->n_problem_events, 2);
    assert_true(ts_config_is_problem_event(cfg, "走失"));
    assert_false(ts_config_is_problem_event(cfg, "absconded"));
    assert_int_equal(cfg->instructions, 5000);
    assert_int_equal(cfg->memory_mb, 16);
    assert_int_equal(cfg->quick_ack_minutes, 15);
    assert_int_equal(cfg->quick_max_age_days, 0);
    assert_string_equal(cfg->now, "2024-05-01");
    assert_int_equal(cfg->workers, 4);
    assert_string_equal(cfg->listen, "0.0.0.0:9090");
    assert_int_equal(cfg->n_tokens, 2);
    assert_string_equal(cfg->tokens[0].name, "desk");
    assert_int_equal(cfg->tokens[0].n_scopes, 2);
    assert_string_equal(cfg->tokens[0].scopes[1], "T02-V01");
    assert_true(cfg->tokens[0].write);
    assert_false(cfg->tokens[1].write);
    assert_string_equal(cfg->tokens[1].scopes[0], "all");
    assert_string_equal(cfg->tokens[1].sha256,
                        "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752");
    char hex[65];
    ts_sha256_hex_of(text, strlen(text), hex);
    assert_string_equal(cfg->sha256, hex);
    ts_config_free(cfg);
}

static void test_partial_thresholds(void **state)
{
    (void)state;
    /* a colour left out keeps its default; null switches a colour off */
    ts_config *cfg = load_ok("thresholds: {red: 90, blue: ~}\n");
    assert_int_equal(cfg->thresholds[0], 90);
    assert_int_equal(cfg->thresholds[1], 40);
    assert_int_equal(cfg->thresholds[2], -1);
    ts_config_free(cfg);
    cfg = load_ok("thresholds: {yellow: null}\nproblem_events: []\n");
    assert_int_equal(cfg->thresholds[1], -1);
    assert_int_equal(cfg->n_problem_events, 0);
    assert_false(ts_config_is_problem_event(cfg, "absconded"));
    ts_config_free(cfg);
}

static void test_relative_config_path(void **state)
{
    (void)state;
    put("rel.yaml", "grid: g.yaml\ndatabase: /abs/x.db\n");
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(g_dir), 0);
    ts_config *cfg = NULL;
    ts_err err;
    assert_int_equal(ts_config_load("rel.yaml", &cfg, &err), TS_OK);
    assert_string_equal(cfg->dir, ".");
    assert_string_equal(cfg->grid, "g.yaml");
    assert_string_equal(cfg->database, "/abs/x.db");
    assert_string_equal(cfg->rules, "rules");
    ts_config_free(cfg);
    assert_int_equal(chdir(cwd), 0);
}

static void test_type_errors(void **state)
{
    (void)state;
    refused("thresholds:\n  red: high\n", TS_CONFIG, "2:8",
            "thresholds.red: expected an integer, got \"high\"");
    refused("thresholds: {red: 1.5}\n", TS_CONFIG, "1:19",
            "thresholds.red: expected an integer, got \"1.5\"");
    refused("thresholds: {red: '70'}\n", TS_CONFIG, "1:19",
            "thresholds.red: expected an integer, got \"70\"");
    refused("thresholds: [70, 40]\n", TS_CONFIG, "1:13",
            "thresholds: expected a mapping, got a list");
    refused("database: ~\n", TS_CONFIG, "1:11", "database: expected a string, got null");
    refused("database: ''\n", TS_CONFIG, "1:11", "database: must not be empty");
    refused("grid: [a]\n", TS_CONFIG, "1:7", "grid: expected a string, got a list");
    refused("rules: true\n", TS_CONFIG, "1:8", "rules: expected a string, got \"true\"");
    refused("problem_events: incident\n", TS_CONFIG, "1:17",
            "problem_events: expected a list, got \"incident\"");
    refused("problem_events: [a, {b: c}]\n", TS_CONFIG, "1:21",
            "problem_events[1]: expected a string, got a mapping");
    refused("workers: many\n", TS_CONFIG, "1:10", "workers: expected an integer, got \"many\"");
    refused("service: {tokens: [{name: a, sha256: "
            "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752, scopes: [all], "
            "write: yes}]}\n",
            TS_CONFIG, "1:126", "service.tokens[0].write: expected true or false, got \"yes\"");
    refused("- a\n- b\n", TS_CONFIG, "1:1",
            "expected a mapping of settings at the top level, got a list");
    refused("~\n", TS_CONFIG, "1:1", "expected a mapping of settings at the top level, got null");
    char long_name[200];
    snprintf(long_name, sizeof long_name, "workers: \"%s\"\n",
             "a very long rules directory name that goes on and on");
    refused(long_name, TS_CONFIG, "1:10",
            "workers: expected an integer, got \"a very long rules "
            "directory name that go...\"");
}

static void test_range_errors(void **state)
{
    (void)state;
    refused("thresholds: {red: 100001}\n", TS_CONFIG, "1:19",
            "thresholds.red: 100001 is out of range (0..100000)");
    refused("thresholds: {blue: -1}\n", TS_CONFIG, "1:20",
            "thresholds.blue: -1 is out of range (0..100000)");
    refused("thresholds: {red: 50, yellow: 50}\n", TS_CONFIG, "1:19",
            "thresholds.red: 50 must be greater than thresholds.yellow (50)");
    refused("thresholds: {yellow: 10}\n", TS_CONFIG, "1:22",
            "thresholds.yellow: 10 must be greater than thresholds.blue (20)");
    refused("review_days: {red: 0}\n", TS_CONFIG, "1:20",
            "review_days.red: 0 is out of range (1..3650)");
    refused("review_days: {blue: 3651}\n", TS_CONFIG, "1:21",
            "review_days.blue: 3651 is out of range (1..3650)");
    refused("limits:\n  instructions: 999\n", TS_CONFIG, "2:17",
            "limits.instructions: 999 is out of range (1000..1000000000)");
    refused("limits: {memory_mb: 4097}\n", TS_CONFIG, "1:21",
            "limits.memory_mb: 4097 is out of range (1..4096)");
    refused("quick_max_age_days: -1\n", TS_CONFIG, "1:21",
            "quick_max_age_days: -1 is out of range (0..36500)");
    refused("quick_ack_minutes: 0\n", TS_CONFIG, "1:20",
            "quick_ack_minutes: 0 is out of range (1..10080)");
    refused("workers: 257\n", TS_CONFIG, "1:10", "workers: 257 is out of range (0..256)");
    refused("now: 2024-02-30\n", TS_CONFIG, "1:6",
            "now: expected a date YYYY-MM-DD, got \"2024-02-30\"");
    refused("now: 20240501\n", TS_CONFIG, "1:6",
            "now: expected a date YYYY-MM-DD, got \"20240501\"");
    refused("service: {listen: localhost}\n", TS_CONFIG, "1:19",
            "service.listen: expected \"host:port\", got \"localhost\"");
    refused("service: {listen: 'h:70000'}\n", TS_CONFIG, "1:19",
            "service.listen: expected \"host:port\", got \"h:70000\"");
    ts_config *cfg = load_ok("service: {listen: '[::1]:8443'}\nthresholds: {red: 100000}\n");
    assert_string_equal(cfg->listen, "[::1]:8443");
    ts_config_free(cfg);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    refused("database: x.db\ncolour: red\n", TS_CONFIG, "2:1",
            "colour: unknown key (expected one of: database, grid, rules, thresholds, "
            "review_days, problem_events, limits, quick_ack_minutes, quick_max_age_days, now, "
            "workers, alerts_jsonl, service, protected_attributes, sla, schema)");
    refused("thresholds: {red: 70, purple: 5}\n", TS_CONFIG, "1:23",
            "thresholds.purple: unknown key (expected one of: red, yellow, blue)");
    refused("limits: {cpu: 1}\n", TS_CONFIG, "1:10",
            "limits.cpu: unknown key (expected one of: instructions, memory_mb, ms_per_person)");
    refused("service:\n  port: 80\n", TS_CONFIG, "2:3",
            "service.port: unknown key (expected one of: listen, tokens, reveal_outside_circle, "
            "max_connections, max_connections_per_ip, read_timeout_s, reload_timeout_s, "
            "drain_timeout_s)");
    refused("service:\n  tokens:\n    - name: a\n      secret: x\n", TS_CONFIG, "4:7",
            "service.tokens[0].secret: unknown key (expected one of: name, sha256, scopes, "
            "write, officer)");
}

static void test_token_errors(void **state)
{
    (void)state;
    const char *sha = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    char buf[512];
    snprintf(buf, sizeof buf, "service:\n  tokens:\n    - {sha256: %s, scopes: [all]}\n", sha);
    refused(buf, TS_CONFIG, "3:7", "service.tokens[0]: missing required key 'name'");
    refused("service:\n  tokens:\n    - {name: a, scopes: [all]}\n", TS_CONFIG, "3:7",
            "service.tokens[0]: missing required key 'sha256'");
    snprintf(buf, sizeof buf, "service:\n  tokens:\n    - {name: a, sha256: %s}\n", sha);
    refused(buf, TS_CONFIG, "3:7", "service.tokens[0]: missing required key 'scopes'");
    refused("service:\n  tokens:\n    - {name: a, sha256: ABC, scopes: [all]}\n", TS_CONFIG, "3:25",
            "service.tokens[0].sha256: expected 64 lowercase hex digits (the SHA-256 of the "
            "secret)");
    snprintf(buf, sizeof buf, "service:\n  tokens:\n    - {name: a, sha256: %s, scopes: []}\n",
             sha);
    refused(buf, TS_CONFIG, "3:99", "service.tokens[0].scopes: needs at least one scope");
    snprintf(buf, sizeof buf,
             "service:\n  tokens:\n    - {name: a, sha256: %s, scopes: ['T 01']}\n", sha);
    refused(buf, TS_CONFIG, "3:100",
            "service.tokens[0].scopes[0]: expected 'all' or a grid cell code, got \"T 01\"");
    snprintf(buf, sizeof buf,
             "service:\n  tokens:\n    - {name: a, sha256: %s, scopes: [all]}\n"
             "    - {name: a, sha256: %s, scopes: [all]}\n",
             sha, sha);
    refused(buf, TS_CONFIG, "4:7", "service.tokens[1].name: duplicate token name 'a'");
    refused("service: {tokens: {name: a}}\n", TS_CONFIG, "1:19",
            "service.tokens: expected a list, got a mapping");
}

static void test_yaml_errors(void **state)
{
    (void)state;
    refused("database: a.db\ndatabase: b.db\n", TS_PARSE, "2:1",
            "duplicate key 'database' (first at 1:1)");
    refused("a: [1\n", TS_PARSE, "2:1",
            "did not find expected ',' or ']' (while parsing a flow sequence started at 1:4)");
    refused("database: !env DB\n", TS_PARSE, "1:11",
            "tag '!env' is not allowed (only the YAML core tags !!str, !!int, !!float, !!bool, "
            "!!null, !!map and !!seq)");
    refused("workers: 1\n---\nworkers: 2\n", TS_PARSE, "2:1",
            "a second YAML document: only one document per file is allowed");
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[256];
    snprintf(path, sizeof path, "%s/nope.yaml", g_dir);
    ts_config *cfg = NULL;
    ts_err err;
    assert_int_equal(ts_config_load(path, &cfg, &err), TS_CONFIG);
    assert_null(cfg);
    assert_string_equal(err.where, path);
    assert_string_equal(err.msg, "cannot open: No such file or directory");
}

/* The service's connection caps and deadlines (issue #12 E1, B4). */
static void test_service_limits(void **state)
{
    (void)state;
    ts_config *cfg = load_ok("");
    assert_int_equal(cfg->max_connections, 1024);
    assert_int_equal(cfg->max_connections_per_ip, 64);
    assert_int_equal(cfg->read_timeout_s, 30);
    assert_int_equal(cfg->reload_timeout_s, 30);
    assert_int_equal(cfg->drain_timeout_s, 30);
    ts_config_free(cfg);
    cfg = load_ok("service:\n  max_connections: 12\n  max_connections_per_ip: 4\n"
                  "  read_timeout_s: 2\n  reload_timeout_s: 3\n  drain_timeout_s: 5\n");
    assert_int_equal(cfg->max_connections, 12);
    assert_int_equal(cfg->max_connections_per_ip, 4);
    assert_int_equal(cfg->read_timeout_s, 2);
    assert_int_equal(cfg->reload_timeout_s, 3);
    assert_int_equal(cfg->drain_timeout_s, 5);
    ts_config_free(cfg);
    refused("service: {max_connections: 0}\n", TS_CONFIG, "1:28",
            "service.max_connections: 0 is out of range (1..100000)");
    refused("service: {read_timeout_s: 3601}\n", TS_CONFIG, "1:27",
            "service.read_timeout_s: 3601 is out of range (1..3600)");
}

static void assert_sla(const ts_config *cfg, ts_feedback kind, uint32_t ack, uint32_t close)
{
    assert_int_equal(cfg->sla[kind].ack_minutes, ack);
    assert_int_equal(cfg->sla[kind].close_minutes, close);
}

static void test_sla(void **state)
{
    (void)state;
    /* the method's defaults */
    ts_config *cfg = load_ok("# nothing set\n");
    assert_sla(cfg, TS_FEEDBACK_QUICK, 30, 1440);
    assert_sla(cfg, TS_FEEDBACK_DETAILED, 1440, 7 * 1440);
    assert_sla(cfg, TS_FEEDBACK_EARLY, 3 * 1440, 14 * 1440);
    assert_int_equal(cfg->quick_ack_minutes, 30);
    assert_int_equal(cfg->closure_target_permille, 990);
    assert_int_equal(cfg->sla_sweep_seconds, 60);
    ts_config_free(cfg);

    /* every key; units m, h and d; quoted durations too */
    cfg = load_ok("sla:\n"
                  "  quick:    {ack: 45m, close: 2d}\n"
                  "  detailed: {ack: 12h, close: \"10d\"}\n"
                  "  early:    {ack: 1m, close: 90d}\n"
                  "  closure_target: 95%\n"
                  "  sweep_seconds: 3600\n");
    assert_sla(cfg, TS_FEEDBACK_QUICK, 45, 2 * 1440);
    assert_sla(cfg, TS_FEEDBACK_DETAILED, 720, 10 * 1440);
    assert_sla(cfg, TS_FEEDBACK_EARLY, 1, 90 * 1440);
    assert_int_equal(cfg->quick_ack_minutes, 45); /* follows sla.quick.ack */
    assert_int_equal(cfg->closure_target_permille, 950);
    assert_int_equal(cfg->sla_sweep_seconds, 3600);
    ts_config_free(cfg);

    /* a clock left out keeps its default; closure_target as a fraction or NN.N% */
    cfg = load_ok("sla:\n  detailed: {close: 3d}\n  closure_target: 0.99\n  sweep_seconds: 1\n");
    assert_sla(cfg, TS_FEEDBACK_DETAILED, 1440, 3 * 1440);
    assert_sla(cfg, TS_FEEDBACK_QUICK, 30, 1440);
    assert_int_equal(cfg->closure_target_permille, 990);
    assert_int_equal(cfg->sla_sweep_seconds, 1);
    ts_config_free(cfg);
    cfg = load_ok("sla: {closure_target: 99.5%}\n");
    assert_int_equal(cfg->closure_target_permille, 995);
    ts_config_free(cfg);
    cfg = load_ok("sla: {closure_target: 100%}\n");
    assert_int_equal(cfg->closure_target_permille, 1000);
    ts_config_free(cfg);
    cfg = load_ok("sla: {closure_target: 1}\n");
    assert_int_equal(cfg->closure_target_permille, 1000);
    ts_config_free(cfg);
    cfg = load_ok("sla: {closure_target: 0.875}\n");
    assert_int_equal(cfg->closure_target_permille, 875);
    ts_config_free(cfg);

    /* the older key still sets the quick acknowledgement clock, and only that */
    cfg = load_ok("quick_ack_minutes: 20\nsla: {quick: {close: 12h}}\n");
    assert_sla(cfg, TS_FEEDBACK_QUICK, 20, 720);
    assert_int_equal(cfg->quick_ack_minutes, 20);
    ts_config_free(cfg);
    cfg = load_ok("sla: {detailed: {ack: 2h}}\nquick_ack_minutes: 15\n");
    assert_sla(cfg, TS_FEEDBACK_QUICK, 15, 1440);
    assert_sla(cfg, TS_FEEDBACK_DETAILED, 120, 7 * 1440);
    ts_config_free(cfg);
}

static void test_sla_errors(void **state)
{
    (void)state;
    refused("quick_ack_minutes: 20\nsla:\n  quick: {ack: 30m}\n", TS_CONFIG, "3:16",
            "sla.quick.ack: quick_ack_minutes and sla.quick.ack set the same clock: give only "
            "sla.quick.ack");
    refused("sla:\n  quick: {ack: 30m}\nquick_ack_minutes: 20\n", TS_CONFIG, "3:20",
            "quick_ack_minutes: quick_ack_minutes and sla.quick.ack set the same clock: give "
            "only sla.quick.ack");
    refused("sla: 30m\n", TS_CONFIG, "1:6", "sla: expected a mapping, got \"30m\"");
    refused("sla: {quick: 30m}\n", TS_CONFIG, "1:14", "sla.quick: expected a mapping, got \"30m\"");
    refused("sla: {urgent: {ack: 1m}}\n", TS_CONFIG, "1:7",
            "sla.urgent: unknown key (expected one of: quick, detailed, early, closure_target, "
            "sweep_seconds)");
    refused("sla: {early: {ack: 1d, respond: 2d}}\n", TS_CONFIG, "1:24",
            "sla.early.respond: unknown key (expected one of: ack, close)");
    /* durations: an integer and m, h or d, from 1 minute to 90 days */
    refused("sla: {quick: {ack: 30}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d (an integer and m, h or "
            "d), got \"30\"");
    refused("sla: {quick: {ack: 30s}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d (an integer and m, h or "
            "d), got \"30s\"");
    refused("sla: {quick: {ack: 30 m}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d (an integer and m, h or "
            "d), got \"30 m\"");
    refused("sla: {quick: {ack: -5m}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d (an integer and m, h or "
            "d), got \"-5m\"");
    refused("sla: {quick: {ack: 1.5h}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d (an integer and m, h or "
            "d), got \"1.5h\"");
    refused("sla: {quick: {ack: d}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d, got \"d\"");
    refused("sla: {quick: {ack: ~}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d, got null");
    refused("sla: {quick: {ack: [1m]}}\n", TS_CONFIG, "1:20",
            "sla.quick.ack: expected a duration such as 30m, 12h or 7d, got a list");
    refused("sla: {detailed: {close: 0m}}\n", TS_CONFIG, "1:25",
            "sla.detailed.close: \"0m\" is out of range (1m..90d)");
    refused("sla: {detailed: {close: 91d}}\n", TS_CONFIG, "1:25",
            "sla.detailed.close: \"91d\" is out of range (1m..90d)");
    refused("sla: {early: {close: 2161h}}\n", TS_CONFIG, "1:22",
            "sla.early.close: \"2161h\" is out of range (1m..90d)");
    refused("sla: {early: {close: 99999999999d}}\n", TS_CONFIG, "1:22",
            "sla.early.close: \"99999999999d\" is out of range (1m..90d)");
    refused("sla: {early: {close: 999999999999d}}\n", TS_CONFIG, "1:22",
            "sla.early.close: expected a duration such as 30m, 12h or 7d, got \"999999999999d\"");
    /* closure_target: NN% or a fraction, above 0 and at most 1 */
    refused("sla: {closure_target: 0%}\n", TS_CONFIG, "1:23",
            "sla.closure_target: \"0%\" is out of range (above 0%, at most 100%)");
    refused("sla: {closure_target: 101%}\n", TS_CONFIG, "1:23",
            "sla.closure_target: \"101%\" is out of range (above 0%, at most 100%)");
    refused("sla: {closure_target: 99}\n", TS_CONFIG, "1:23",
            "sla.closure_target: \"99\" is out of range (above 0, at most 1)");
    refused("sla: {closure_target: 0}\n", TS_CONFIG, "1:23",
            "sla.closure_target: \"0\" is out of range (above 0, at most 1)");
    refused("sla: {closure_target: -0.5}\n", TS_CONFIG, "1:23",
            "sla.closure_target: \"-0.5\" is out of range (above 0, at most 1)");
    refused("sla: {closure_target: 0.9999}\n", TS_CONFIG, "1:23",
            "sla.closure_target: \"0.9999\" is finer than 0.001 (0.1%)");
    refused("sla: {closure_target: 99.55%}\n", TS_CONFIG, "1:23",
            "sla.closure_target: expected a percentage such as 99% or a fraction such as 0.99, "
            "got \"99.55%\"");
    refused("sla: {closure_target: most}\n", TS_CONFIG, "1:23",
            "sla.closure_target: expected a percentage such as 99% or a fraction such as 0.99, "
            "got \"most\"");
    refused("sla: {closure_target: '%'}\n", TS_CONFIG, "1:23",
            "sla.closure_target: expected a percentage such as 99% or a fraction such as 0.99, "
            "got \"%\"");
    refused("sla: {sweep_seconds: 0}\n", TS_CONFIG, "1:22",
            "sla.sweep_seconds: 0 is out of range (1..3600)");
    refused("sla: {sweep_seconds: 3601}\n", TS_CONFIG, "1:22",
            "sla.sweep_seconds: 3601 is out of range (1..3600)");
    refused("sla: {sweep_seconds: 1m}\n", TS_CONFIG, "1:22",
            "sla.sweep_seconds: expected an integer, got \"1m\"");
}

static void test_pick_path(void **state)
{
    (void)state;
    unsetenv("TRISCREEN_CONFIG");
    assert_string_equal(ts_config_pick_path(NULL), "./triscreen.yaml");
    setenv("TRISCREEN_CONFIG", "/etc/ts.yaml", 1);
    assert_string_equal(ts_config_pick_path(NULL), "/etc/ts.yaml");
    assert_string_equal(ts_config_pick_path("cli.yaml"), "cli.yaml");
    setenv("TRISCREEN_CONFIG", "", 1);
    assert_string_equal(ts_config_pick_path(NULL), "./triscreen.yaml");
    unsetenv("TRISCREEN_CONFIG");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_partial_thresholds),
        cmocka_unit_test(test_relative_config_path),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_range_errors),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_token_errors),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_pick_path),
        cmocka_unit_test(test_service_limits),
        cmocka_unit_test(test_sla),
        cmocka_unit_test(test_sla_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
