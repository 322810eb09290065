/* tests/unit/rulehost/test_limits.c — findings B1, B2, B5, B6 (coroutines, metatables,
 * global functions), B7, B8 and F3 of issue 12: work done in C is charged, a limit
 * cannot be caught, the per-person deadline, deep tables, hidden attributes, the pass
 * check and evidence without addresses. Budget 100000 instructions, 16 MiB. */
#include "rh_fixture.h"

static const fx_expect limits[] = {
    {"l.move", TS_BUDGET, NULL},
    {"l.find_plain", TS_BUDGET, NULL},
    {"l.rep_pcall", TS_LIMIT, "memory"},
    {"l.concat", TS_BUDGET, NULL},
    {"l.sort_big", TS_BUDGET, NULL},
    {"l.sort_hostile", TS_BUDGET, NULL},
    {"l.unpack", TS_BUDGET, NULL},
    {"l.byte_all", TS_BUDGET, NULL},
    {"l.upper_loop", TS_BUDGET, NULL},
    {"l.format_loop", TS_BUDGET, NULL},
    {"l.utf8_len", TS_BUDGET, NULL},
    {"l.sub_loop", TS_BUDGET, NULL},
    {"l.pcall_regex", TS_LIMIT, "(a+)+$"},
    {"l.xpcall_regex", TS_LIMIT, "(a+)+$"},
    {"l.xpcall_handler_loop", TS_BUDGET, NULL},
    {"l.coroutine_regex", TS_LIMIT, "(a+)+$"},
    {"l.coroutine_budget", TS_BUDGET, NULL},
    {"l.format_width", TS_RULE, "invalid conversion"}, /* Lua 5.4: two digits at most */
    {"l.format_p", TS_RULE, "%p"},
};

static void eval1(ts_rulehost *h, ts_pass pass, const fx_person *x, ts_arena *a, ts_eval_result *r)
{
    ts_subject s = fx_subject(x);
    ts_eval_ctx c = fx_ctx(pass);
    ts_err err;
    assert_int_equal(ts_rulehost_eval(h, &c, &s, a, r, &err), TS_OK);
}

static void test_c_work_and_sticky_limits(void **state)
{
    (void)state;
    ts_rulepack *pack = NULL;
    fx_problems pr;
    ts_status st = fx_load(fx_pack_path("limits"), &pack, &pr);
    if (st != TS_OK)
        fail_msg("limits pack problems:\n%s", pr.text);
    ts_rulehost *h = NULL;
    ts_err err;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    for (int round = 0; round < 2; round++) {
        fx_person x;
        fx_person_init(&x, round ? "P-2" : "P-1");
        ts_arena a;
        ts_arena_init(&a, 0);
        ts_eval_result r;
        double t0 = fx_now_s();
        eval1(h, TS_PASS_REGIONAL, &x, &a, &r);
        double dt = fx_now_s() - t0;
        for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
            const ts_rule_error *e = fx_error(pack, &r, limits[i].id);
            if (!e) {
                const ts_fired *f = fx_fired(pack, &r, limits[i].id);
                fail_msg("%s: no rule error (fired: %s)", limits[i].id, f ? f->evidence : "no");
            }
            if (e->code != limits[i].code)
                fail_msg("%s: code %s, want %s (%s: %s)", limits[i].id, ts_status_name(e->code),
                         ts_status_name(limits[i].code), e->where, e->msg);
            if (limits[i].msg_has && !strstr(e->msg, limits[i].msg_has))
                fail_msg("%s: message '%s' lacks '%s'", limits[i].id, e->msg, limits[i].msg_has);
            assert_non_null(strstr(e->where, "10_limits.lua:"));
        }
        const ts_fired *f = fx_fired(pack, &r, "ok.tostring");
        assert_non_null(f);
        assert_string_equal(f->evidence, "table function person table thread table");
        f = fx_fired(pack, &r, "ok.sort");
        assert_non_null(f);
        assert_string_equal(f->evidence, "1,3,5,7,9 c,b,a");
        f = fx_fired(pack, &r, "ok.pcall");
        assert_non_null(f);
        assert_string_equal(f->evidence, "false plain false handled x true 3");
        f = fx_fired(pack, &r, "ok.small_work");
        assert_non_null(f);
        assert_string_equal(f->evidence, "ABCx-x-xel6511+232");
        assert_int_equal(r.n_errors, sizeof limits / sizeof limits[0]);
        f = fx_fired(pack, &r, "ok.pairs");
        assert_non_null(f);
        assert_string_equal(f->evidence, "true,1,2,alpha,beta,delta,epsilon,gamma,zeta "
                                         "-1.5,10,w,x,y,z");
        assert_int_equal(r.n_fired, 5);
        fprintf(stderr, "  round %d: %zu errors in %.3f s\n", round, r.n_errors, dt);
        assert_true(dt < 30.0); /* did not hang */
        ts_arena_release(&a);
    }
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
}

/* B1: the per-person deadline ends the evaluation with a rule error, whatever the
 * budget; the later rules do not run; the next person is evaluated normally. */
static void test_deadline(void **state)
{
    (void)state;
    const char *files[] = {
        "10_rules.lua",
        "rule{id='slow', pass='regional', title='t', when=function(p)\n"
        "  if p.id == 'P-1' then while true do end end return true, 'quick' end}\n"
        "rule{id='after', pass='regional', title='t', when=function() return true, 'ran' end}\n",
        NULL};
    char *dir = fx_pack_dir(files);
    ts_rulehost_opts o = {
        .instructions = 1000000000u, .memory_bytes = FX_MEMORY, .ms_per_person = 50};
    ts_rulepack *pack = NULL;
    ts_err err;
    assert_int_equal(ts_rulepack_load(dir, &o, NULL, NULL, &pack, &err), TS_OK);
    ts_rulehost *h = NULL;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    fx_person x;
    fx_person_init(&x, "P-1");
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_eval_result r;
    double t0 = fx_now_s();
    eval1(h, TS_PASS_REGIONAL, &x, &a, &r);
    double dt = fx_now_s() - t0;
    assert_int_equal(r.n_errors, 1);
    assert_int_equal(r.errors[0].code, TS_LIMIT);
    assert_non_null(strstr(r.errors[0].msg, "time limit exceeded (ms_per_person 50 ms)"));
    assert_string_equal(r.errors[0].where, "10_rules.lua:2");
    assert_int_equal(r.n_fired, 0); /* 'after' did not run */
    assert_true(dt < 20.0);
    fx_person_init(&x, "P-2");
    eval1(h, TS_PASS_REGIONAL, &x, &a, &r);
    assert_int_equal(r.n_errors, 0);
    assert_int_equal(r.n_fired, 2);
    ts_arena_release(&a);
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
}

/* B5: deep tables in a rule file are a load problem naming file and line, never a
 * crash; in a global, in a file-level local, as a key, behind a metatable. */
static void test_deep_tables(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"local t = {} local c = t for i = 1, 40 do c[1] = {} c = c[1] end\n"
         "rule{id='a', pass='full', title='t', when=function() return t ~= nil end}\n",
         "10_rules.lua:2: table nested deeper than 32"},
        {"deep = {} local c = deep for i = 1, 40 do c.x = {} c = c.x end\n"
         "rule{id='a', pass='full', title='t', when=function() return true end}\n",
         "10_rules.lua:3: table nested deeper than 32"},
        {"local t = {} local c = t for i = 1, 40 do local k = {} c[k] = 1 c = k end\n"
         "rule{id='a', pass='full', title='t', when=function() return t ~= nil end}\n",
         "table nested deeper than 32"},
        {"local t = {} local c = t for i = 1, 40 do local m = {} setmetatable(c, {__index = m}) c "
         "= m end\n"
         "rule{id='a', pass='full', title='t', when=function() return t.x end}\n",
         "nested deeper than 32"},
        {"local t = {} local c = t for i = 1, 5000 do c[1] = {} c = c[1] end\n"
         "rule{id='a', pass='full', title='t', when=function() return t ~= nil end}\n",
         "table nested deeper than 32"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *files[] = {"10_rules.lua", cases[i][0], NULL};
        char *dir = fx_pack_dir(files);
        ts_rulepack *pack = NULL;
        fx_problems pr;
        ts_status st = fx_load(dir, &pack, &pr);
        if (st != TS_RULE || !strstr(pr.text, cases[i][1]))
            fail_msg("case %zu: status %s, problems: %s", i, ts_status_name(st), pr.text);
        ts_rulepack_free(pack);
        fx_rm_dir(dir);
    }
}

/* B6: rule state cannot pass from one person to the next through a global function's
 * upvalue, a file-level coroutine, a metatable whose __index writes, a table key. */
static void test_isolation_routes(void **state)
{
    (void)state;
    const char *text =
        "local n = 0\n"
        "function bump() n = n + 1 return n end\n"
        "local co = coroutine.wrap(function() local i = 0 while true do i = i + 1 "
        "coroutine.yield(i) end end)\n"
        "local cache = setmetatable({}, {__index = function(t, k) rawset(t, k, (rawget(t, 'n') or "
        "0) + 1) return 1 end})\n"
        "local cache2 = setmetatable({}, {__index = function(t, k) t[k] = 5 return 1 end})\n"
        "local K = {} local keyed = {[K] = 1}\n"
        "M = {f = function() n = n + 10 return n end}\n"
        "rule{id='g', pass='regional', title='t', when=function() return true, bump() end}\n"
        "rule{id='m', pass='regional', title='t', when=function() return true, M.f() end}\n"
        "rule{id='co', pass='regional', title='t', when=function() return true, co() end}\n"
        "rule{id='idx', pass='regional', title='t', when=function() return true, cache.x end}\n"
        "rule{id='idx2', pass='regional', title='t', when=function() return true, cache2.y end}\n"
        "rule{id='key', pass='regional', title='t', when=function()\n"
        "  for k in pairs(keyed) do k.seen = (k.seen or 0) + 1 end return true, 'k' end}\n"
        "rule{id='co2', pass='regional', title='t', when=function()\n"
        "  local c = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end)\n"
        "  return true, c() + c() end}\n";
    char *dir = NULL;
    ts_rulepack *pack = fx_pack1(text, &dir);
    ts_rulehost *h = NULL;
    ts_err err;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    for (int round = 0; round < 3; round++) {
        fx_person x;
        fx_person_init(&x, "P-1");
        ts_arena a;
        ts_arena_init(&a, 0);
        ts_eval_result r;
        eval1(h, TS_PASS_REGIONAL, &x, &a, &r);
        const ts_fired *f = fx_fired(pack, &r, "g");
        assert_non_null(f);
        assert_string_equal(f->evidence, "1");
        f = fx_fired(pack, &r, "m");
        assert_non_null(f);
        assert_string_equal(f->evidence, "10");
        const ts_rule_error *e = fx_error(pack, &r, "co");
        assert_non_null(e);
        assert_non_null(strstr(e->msg, "made before the current evaluation"));
        f = fx_fired(pack, &r, "idx");
        assert_null(f); /* rawset on the read-only proxy: an error */
        assert_non_null(fx_error(pack, &r, "idx"));
        assert_null(fx_fired(pack, &r, "idx2"));
        assert_non_null(fx_error(pack, &r, "idx2"));
        assert_null(fx_fired(pack, &r, "key"));
        assert_non_null(fx_error(pack, &r, "key"));
        f = fx_fired(pack, &r, "co2");
        assert_non_null(f);
        assert_string_equal(f->evidence, "3");
        ts_arena_release(&a);
    }
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
}

/* B7: a pack without a rule for the full or regional pass about to run is refused. */
static void test_check_passes(void **state)
{
    (void)state;
    char *dir = NULL;
    ts_rulepack *pack =
        fx_pack1("rule{id='a', pass='full', title='t', when=function() end}\n", &dir);
    ts_err err;
    ts_err_clear(&err);
    assert_int_equal(ts_rulepack_check_passes(pack, TS_PASS_BIT(TS_PASS_FULL), &err), TS_OK);
    assert_int_equal(ts_rulepack_check_passes(pack, TS_PASS_ALL, &err), TS_RULE);
    assert_non_null(strstr(err.msg, "no rule for the regional pass"));
    /* the targeted pass may have no rule (it keeps the regional colour) */
    assert_int_equal(ts_rulepack_check_passes(pack, TS_PASS_BIT(TS_PASS_TARGETED), &err), TS_OK);
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
    const char *none[] = {"README.txt", "no rules here", NULL};
    dir = fx_pack_dir(none);
    fx_problems pr;
    assert_int_equal(fx_load(dir, &pack, &pr), TS_OK);
    assert_int_equal(ts_rulepack_check_passes(pack, TS_PASS_BIT(TS_PASS_FULL), &err), TS_RULE);
    assert_non_null(strstr(err.msg, "no rule for the full pass"));
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
}

/* B8: a hidden attribute is unreachable by every access path. */
static bool hide_employed(void *ud, const char *name, size_t len)
{
    (*(int *)ud)++;
    return len == 8 && memcmp(name, "employed", 8) == 0;
}

static void test_hidden_attrs(void **state)
{
    (void)state;
    const char *files[] = {
        "10_rules.lua",
        "rule{id='direct', pass='regional', title='t', when=function(p)\n"
        "  return true, tostring(p.attrs.employed) .. ' ' .. tostring(p.attrs['empl' .. 'oyed']) "
        "end}\n"
        "rule{id='pairs', pass='regional', title='t', when=function(p)\n"
        "  local ks = {} for k, v in pairs(p.attrs) do ks[#ks + 1] = k end return true, "
        "table.concat(ks, ',') end}\n"
        "rule{id='num', pass='regional', title='t', when=function(p)\n"
        "  return true, p:num('employed', -1) .. ' ' .. p:num('missed_checkins_30d') end}\n"
        "rule{id='circle', pass='regional', title='t', when=function(p)\n"
        "  local out = {} for _, m in ipairs(p:circle{}) do\n"
        "    out[#out + 1] = tostring(m.attrs.employed)\n"
        "    for k in pairs(m.attrs) do out[#out + 1] = k end end\n"
        "  return true, table.concat(out, ',') end}\n",
        NULL};
    char *dir = fx_pack_dir(files);
    int calls = 0;
    ts_rulehost_opts o = {.instructions = FX_BUDGET,
                          .memory_bytes = FX_MEMORY,
                          .attr_hidden = hide_employed,
                          .attr_hidden_ud = &calls};
    ts_rulepack *pack = NULL;
    ts_err err;
    assert_int_equal(ts_rulepack_load(dir, &o, NULL, NULL, &pack, &err), TS_OK);
    ts_rulehost *h = NULL;
    assert_int_equal(ts_rulehost_new(pack, &h, &err), TS_OK);
    fx_person x, rel;
    fx_person_init(&x, "P-1");
    fx_person_init(&rel, "P-2");
    ts_circle_member m = {.person = &rel.p,
                          .village = "T01-V01",
                          .town = "T01",
                          .relation = "family",
                          .distance = 1,
                          .colour = TS_COLOUR_RED};
    ts_subject s = fx_subject(&x);
    s.circle = &m;
    s.n_circle = 1;
    ts_eval_ctx c = fx_ctx(TS_PASS_REGIONAL);
    ts_arena a;
    ts_arena_init(&a, 0);
    ts_eval_result r;
    assert_int_equal(ts_rulehost_eval(h, &c, &s, &a, &r, &err), TS_OK);
    assert_int_equal(r.n_errors, 0);
    assert_string_equal(fx_fired(pack, &r, "direct")->evidence, "nil nil");
    assert_string_equal(fx_fired(pack, &r, "pairs")->evidence,
                        "contact_officer,missed_checkins_30d,open_disputes");
    assert_string_equal(fx_fired(pack, &r, "num")->evidence, "-1 2");
    assert_string_equal(fx_fired(pack, &r, "circle")->evidence,
                        "nil,contact_officer,missed_checkins_30d,open_disputes");
    assert_true(calls > 0);
    ts_arena_release(&a);
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    fx_rm_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_c_work_and_sticky_limits),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_deep_tables),
        cmocka_unit_test(test_isolation_routes),
        cmocka_unit_test(test_check_passes),
        cmocka_unit_test(test_hidden_attrs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
