/* tests/unit/rulehost/test_hostile.c — the hostile-rules suite: every rule in
 * packs/hostile must end as a recorded rule error within its limit, the sentinel rules
 * ("ok.*") evaluated after them on the same host must give correct results, and nothing
 * may leak from one person to the next. Small limits (100000 instructions, 16 MiB). */
#include "rh_fixture.h"

static const fx_expect hostile[] = {
    {"h.loop", TS_BUDGET, NULL},
    {"h.pcall_loop", TS_BUDGET, NULL},
    {"h.xpcall_loop", TS_BUDGET, NULL},
    {"h.coroutine_loop", TS_BUDGET, NULL},
    {"h.coroutine_many", TS_OK, NULL}, /* budget, or memory from the threads */
    {"h.close_loop", TS_BUDGET, NULL},
    {"h.gc_loop", TS_RULE, "__gc"},
    {"h.rep_huge", TS_LIMIT, NULL},
    {"h.concat_double", TS_OK, NULL}, /* memory, or the budget charged by the bytes built */
    {"h.table_fill", TS_OK, NULL},
    {"h.recursion", TS_OK, NULL},
    {"h.recursion_pcall", TS_OK, NULL},
    {"h.os_execute", TS_RULE, "os"},
    {"h.io_open", TS_RULE, "io"},
    {"h.require", TS_RULE, "require"},
    {"h.debug", TS_RULE, "debug"},
    {"h.bytecode", TS_RULE, "load"},
    {"h.dofile", TS_RULE, "dofile"},
    {"h.collectgarbage", TS_RULE, "collectgarbage"},
    {"h.string_dump", TS_RULE, "dump"},
    {"h.lua_pattern", TS_RULE, "patterns are not available"},
    {"h.gsub", TS_RULE, "gsub"},
    {"h.string_mt", TS_RULE, NULL},
    {"h.string_lib", TS_RULE, "read-only"},
    {"h.rawset_env", TS_RULE, "table expected"},
    {"h.set_global", TS_RULE, "cannot set global 'leaked'"},
    {"h.set_p", TS_RULE, "read-only"},
    {"h.set_attrs", TS_RULE, "read-only"},
    {"h.set_categories", TS_RULE, "read-only"},
    {"h.set_ctx", TS_RULE, "read-only"},
    {"h.setmt_p", TS_RULE, NULL},
    {"h.regex_catastrophic", TS_LIMIT, "(a+)+$"},
    {"h.regex_nested", TS_LIMIT, "re.match"},
    {"h.regex_bad", TS_RULE, "(unclosed"},
    {"h.error_table", TS_RULE, "table value"},
    {"h.yield", TS_RULE, NULL},
};

static void check_person(const ts_rulepack *pack, ts_rulehost *h, const char *id)
{
    fx_person x;
    fx_person_init(&x, id);
    ts_subject s = fx_subject(&x);
    ts_eval_ctx c = fx_ctx(TS_PASS_REGIONAL);
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_eval_result r;
    ts_err err;
    double t0 = fx_now_s();
    assert_int_equal(ts_rulehost_eval(h, &c, &s, &a, &r, &err), TS_OK);
    double dt = fx_now_s() - t0;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        const ts_rule_error *e = fx_error(pack, &r, hostile[i].id);
        if (!e)
            fail_msg("%s: no rule error recorded", hostile[i].id);
        if (hostile[i].code != TS_OK && e->code != hostile[i].code)
            fail_msg("%s: code %s, want %s (%s: %s)", hostile[i].id, ts_status_name(e->code),
                     ts_status_name(hostile[i].code), e->where, e->msg);
        if (hostile[i].msg_has && !strstr(e->msg, hostile[i].msg_has))
            fail_msg("%s: message '%s' lacks '%s'", hostile[i].id, e->msg, hostile[i].msg_has);
        assert_non_null(strstr(e->where, "10_hostile.lua:"));
        assert_null(fx_fired(pack, &r, hostile[i].id));
    }
    /* where points at the failing line, inside the rule */
    const ts_rule_error *loop = fx_error(pack, &r, "h.loop");
    char want[64];
    snprintf(want, sizeof want, "10_hostile.lua:%d", ts_rulepack_rule(pack, 0)->line + 1);
    assert_string_equal(loop->where, want);

    const ts_fired *f = fx_fired(pack, &r, "ok.after_loop");
    assert_non_null(f);
    assert_string_equal(f->evidence, id);
    f = fx_fired(pack, &r, "ok.upper");
    assert_non_null(f);
    assert_string_equal(f->evidence, "ABC");
    f = fx_fired(pack, &r, "ok.global_unset");
    assert_non_null(f);
    assert_string_equal(f->evidence, "nil");
    f = fx_fired(pack, &r, "ok.p_intact");
    if (!f)
        fail_msg("ok.p_intact did not fire");
    f = fx_fired(pack, &r, "ok.regex");
    assert_non_null(f);
    assert_string_equal(f->evidence, "revenge");
    f = fx_fired(pack, &r, "h.selfref_evidence");
    assert_non_null(f);
    assert_string_equal(f->evidence, ""); /* tables give no evidence */
    f = fx_fired(pack, &r, "ok.last");
    assert_non_null(f);
    char last[64];
    snprintf(last, sizeof last, "%s@2026-11-24", id);
    assert_string_equal(f->evidence, last);
    size_t n_ok = 0;
    for (size_t i = 0; i < ts_rulepack_count(pack); i++)
        if (strncmp(ts_rulepack_rule(pack, i)->id, "ok.", 3) == 0)
            n_ok++;
    assert_int_equal(r.n_fired, n_ok + 1);
    assert_int_equal(r.n_errors, sizeof hostile / sizeof hostile[0]);
    fprintf(stderr, "  person %s: %zu errors, %zu fired in %.3f s\n", id, r.n_errors, r.n_fired,
            dt);
    ts_arena_release(&a);
}

static void test_hostile_pack(void **state)
{
    (void)state;
    ts_rulepack *pack = NULL;
    fx_problems pr;
    ts_status st = fx_load(fx_pack_path("hostile"), &pack, &pr);
    if (st != TS_OK)
        fail_msg("hostile pack problems:\n%s", pr.text);
    ts_rulehost *h = NULL;
    ts_err err;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    check_person(pack, h, "P-1");
    check_person(pack, h, "P-2"); /* the same host, nothing left over */
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
}

static void test_bytecode_file_refused(void **state)
{
    (void)state;
    ts_rulepack *pack = NULL;
    fx_problems pr;
    assert_int_equal(fx_load(fx_pack_path("bytecode"), &pack, &pr), TS_RULE);
    assert_null(pack);
    assert_int_equal(pr.n, 1);
    assert_non_null(strstr(pr.text, "10_binary.lua"));
    assert_non_null(strstr(pr.text, "binary"));
}

/* Top-level code of a file runs under the same limits. */
static void test_hostile_top_level(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"while true do end", "budget"},
        /* memory, or the budget charged by the bytes built */
        {"local s = 'x' for i = 1, 40 do s = s .. s end", "exceeded while loading"},
        {"os.exit(1)", "os"},
        {"string.upper = nil", "read-only"},
        {"rule{id='a', pass='full', title='t', when=function() end}\n"
         "local f; f = function() return f() + 1 end f()",
         ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *files[] = {"10_top.lua", cases[i][0], NULL};
        char *dir = fx_pack_dir(files);
        ts_rulepack *pack = NULL;
        fx_problems pr;
        assert_int_equal(fx_load(dir, &pack, &pr), TS_RULE);
        if (!strstr(pr.text, cases[i][1]) || !strstr(pr.text, "10_top.lua:"))
            fail_msg("case %zu: %s", i, pr.text);
        fx_rm_dir(dir);
    }
}

/* A rule file's globals are frozen: tables defined at top level cannot be changed by
 * one person's evaluation to influence the next. */
static void test_frozen_file_globals(void **state)
{
    (void)state;
    char *dir;
    ts_rulepack *pack = fx_pack1(
        "WORDS = {'revenge', nested = {1, 2}}\n"
        "rule{id='w.mut', pass='full', title='t', when=function(p)\n"
        "  WORDS[1] = 'changed' end}\n"
        "rule{id='w.mut2', pass='full', title='t', when=function(p)\n"
        "  WORDS.nested[1] = 9 end}\n"
        "rule{id='w.read', pass='full', title='t', when=function(p)\n"
        "  local n = 0 for _ in pairs(WORDS) do n = n + 1 end\n"
        "  return WORDS[1] == 'revenge' and WORDS.nested[1] == 1 and #WORDS == 1 and n == 2,"
        "  WORDS[1] end}\n",
        &dir);
    ts_rulehost *h = NULL;
    ts_err err;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    fx_person x;
    fx_person_init(&x, "P-1");
    ts_subject s = fx_subject(&x);
    ts_eval_ctx c = fx_ctx(TS_PASS_FULL);
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_eval_result r;
    assert_int_equal(ts_rulehost_eval(h, &c, &s, &a, &r, &err), TS_OK);
    assert_int_equal(r.n_errors, 2);
    assert_non_null(fx_fired(pack, &r, "w.read"));
    ts_arena_release(&a);
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
}

/* Evaluates persons P-1 .. P-n (full pass) on one host, calling check after each. */
typedef void (*person_check)(const ts_rulepack *pack, const ts_eval_result *r);
static void eval_persons(const ts_rulepack *pack, int n, person_check check)
{
    ts_rulehost *h = NULL;
    ts_err err;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    ts_eval_ctx c = fx_ctx(TS_PASS_FULL);
    ts_arena a;
    ts_arena_init(&a, 0);
    for (int person = 1; person <= n; person++) {
        char id[16];
        snprintf(id, sizeof id, "P-%d", person);
        fx_person x;
        fx_person_init(&x, id);
        ts_subject s = fx_subject(&x);
        ts_eval_result r;
        assert_int_equal(ts_rulehost_eval(h, &c, &s, &a, &r, &err), TS_OK);
        check(pack, &r);
    }
    ts_arena_release(&a);
    ts_rulehost_free(h);
}

static void check_locals(const ts_rulepack *pack, const ts_eval_result *r)
{
    /* the counter starts from its file value for every rule and every person */
    assert_null(fx_fired(pack, r, "l.count"));
    assert_null(fx_fired(pack, r, "l.again"));
    /* the two table writes are errors; the tables keep their file values */
    assert_int_equal(r->n_errors, 2);
    assert_non_null(fx_fired(pack, r, "l.read"));
}

static void check_upvalues(const ts_rulepack *pack, const ts_eval_result *r)
{
    assert_int_equal(r->n_errors, 0);
    const ts_fired *f = fx_fired(pack, r, "u.read");
    assert_non_null(f);
    assert_string_equal(f->evidence, "file 1 A 1");
}

/* File-level locals are upvalues, which Lua cannot make read-only: counters are reset
 * before every rule call and tables are frozen, so nothing passes between rules or
 * persons (and a result never depends on which worker saw whom first). */
static void test_file_locals_isolated(void **state)
{
    (void)state;
    char *dir;
    ts_rulepack *pack =
        fx_pack1("local seen = 0\n"
                 "local cache = {hits = 0, list = {}}\n"
                 "local function bump() seen = seen + 1 return seen end\n"
                 "rule{id='l.count', pass='full', title='t', when=function(p)\n"
                 "  return bump() > 1, tostring(seen) end}\n"
                 "rule{id='l.again', pass='full', title='t', when=function(p)\n"
                 "  seen = seen + 10 return seen ~= 10, tostring(seen) end}\n"
                 "rule{id='l.table', pass='full', title='t', when=function(p)\n"
                 "  cache.hits = cache.hits + 1 end}\n"
                 "rule{id='l.nested', pass='full', title='t', when=function(p)\n"
                 "  cache.list[1] = p.id end}\n"
                 "rule{id='l.read', pass='full', title='t', when=function(p)\n"
                 "  return cache.hits == 0 and cache.list[1] == nil, 'clean' end}\n",
                 &dir);
    eval_persons(pack, 3, check_locals);
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
}

/* The upvalues themselves are restored too, whatever they hold: a rule that replaces a
 * helper function, a table or the file's _ENV cannot change what the next rule (or the
 * next person) sees. And a file that never assigns a file-level local from a function
 * (the bytecode has no SETUPVAL) needs no restoring at all: that is checked as well. */
static void test_file_upvalues_replaced(void **state)
{
    (void)state;
    char *dir;
    ts_rulepack *pack =
        fx_pack1("local function helper() return 'file' end\n"
                 "local limits = {n = 1}\n"
                 "local up = string.upper\n"
                 "rule{id='u.swap', pass='full', title='t', when=function(p)\n"
                 "  helper = function() return 'swapped' end\n"
                 "  limits = {n = 99}\n"
                 "  up = function() return 'hijacked' end\n"
                 "  _ENV = {tostring = function() return 'fake' end}\n"
                 "  return false end}\n"
                 "rule{id='u.read', pass='full', title='t', when=function(p)\n"
                 "  return true, helper() .. ' ' .. limits.n .. ' ' .. up('a') .. ' ' ..\n"
                 "    tostring(1) end}\n",
                 &dir);
    eval_persons(pack, 2, check_upvalues);
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_pack),         cmocka_unit_test(test_bytecode_file_refused),
        cmocka_unit_test(test_hostile_top_level),    cmocka_unit_test(test_frozen_file_globals),
        cmocka_unit_test(test_file_locals_isolated), cmocka_unit_test(test_file_upvalues_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
