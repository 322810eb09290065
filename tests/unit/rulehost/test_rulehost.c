/* tests/unit/rulehost/test_rulehost.c — rule packs (loading, validation problems with
 * file:line, hash), the person object p, ctx, re, events and circle filters, read-only
 * p, evidence, tally and colours. */
#include "rh_fixture.h"

#include "base/text.h"

/* ---- loading -------------------------------------------------------------------- */

static void expect_problem(const char *text, const char *where, const char *msg_has)
{
    const char *files[] = {"10_rules.lua", text, NULL};
    char *dir = fx_pack_dir(files);
    ts_rulepack *pack = NULL;
    fx_problems pr;
    assert_int_equal(fx_load(dir, &pack, &pr), TS_RULE);
    assert_null(pack);
    if (!strstr(pr.text, where) || !strstr(pr.text, msg_has))
        fail_msg("want '%s' and '%s' in:\n%s", where, msg_has, pr.text);
    fx_rm_dir(dir);
}

#define OKR "id='a', pass='full', title='t', when=function() end"

static void test_validation_problems(void **state)
{
    (void)state;
    expect_problem("\n\nrule{" OKR ", colour='red'}", "10_rules.lua:3", "unknown field 'colour'");
    expect_problem("rule{pass='full', title='t', when=function() end}", "10_rules.lua:1",
                   "missing field 'id'");
    expect_problem("rule{id='a', title='t', when=function() end}", "10_rules.lua:1",
                   "missing field 'pass'");
    expect_problem("rule{id='a', pass='full', when=function() end}", "10_rules.lua:1",
                   "missing field 'title'");
    expect_problem("rule{id='a', pass='full', title='t'}", "10_rules.lua:1",
                   "missing field 'when'");
    expect_problem("rule{" OKR "}\n\nrule{" OKR "}", "10_rules.lua:3",
                   "duplicate rule id 'a' (first at 10_rules.lua:1)");
    expect_problem("rule{id='a', pass='weekly', title='t', when=function() end}", "10_rules.lua:1",
                   "field 'pass'");
    expect_problem("rule{" OKR ", list='green'}", "10_rules.lua:1", "field 'list'");
    expect_problem("rule{" OKR ", feedback='late'}", "10_rules.lua:1", "field 'feedback'");
    expect_problem("rule{" OKR ", kind='maybe'}", "10_rules.lua:1", "field 'kind'");
    expect_problem("rule{id='a', pass='regional', title='t', kind='gap', when=function() end}",
                   "10_rules.lua:1", "only allowed on full-pass rules");
    expect_problem("rule{id='a', pass='full', title='t', when=true}", "10_rules.lua:1",
                   "'when' must be a function");
    expect_problem("rule{" OKR ", score=1.5}", "10_rules.lua:1", "field 'score'");
    expect_problem("rule{id=7, pass='full', title='t', when=function() end}", "10_rules.lua:1",
                   "field 'id'");
    expect_problem("rule{id='has space', pass='full', title='t', when=function() end}",
                   "10_rules.lua:1", "field 'id'");
    expect_problem("rule('x')", "10_rules.lua:1", "expects one table");
    expect_problem("\nrule{" OKR "", "10_rules.lua:2", "expected");                /* syntax */
    expect_problem("local x = nil\nlocal y = x.field", "10_rules.lua:2", "index"); /* runtime */
}

static void test_all_problems_reported(void **state)
{
    (void)state;
    const char *files[] = {"10_a.lua",
                           "rule{" OKR
                           ", bogus=1}\nrule{id='b', pass='x', title='t', when=function() end}",
                           "20_b.lua", "rule{" OKR "}", NULL};
    char *dir = fx_pack_dir(files);
    ts_rulepack *pack = NULL;
    fx_problems pr;
    ts_rulehost_opts o = {.instructions = FX_BUDGET, .memory_bytes = FX_MEMORY};
    ts_err err;
    assert_int_equal(ts_rulepack_load(dir, &o, fx_on_problem, &pr, &pack, &err), TS_RULE);
    (void)pr;
    memset(&pr, 0, sizeof pr);
    assert_int_equal(ts_rulepack_load(dir, &o, fx_on_problem, &pr, &pack, &err), TS_RULE);
    /* a.lua:1 unknown field (rule skipped), a.lua:2 bad pass; b.lua's rule 'a' is fine */
    assert_int_equal(pr.n, 2);
    assert_int_equal(err.code, TS_RULE);
    assert_string_equal(err.where, "10_a.lua:1");
    assert_int_equal(ts_rulepack_load("/nonexistent/dir", &o, NULL, NULL, &pack, &err), TS_IO);
    fx_rm_dir(dir);
}

static void test_pack_basics_and_hash(void **state)
{
    (void)state;
    const char *a = "rule{id='x.one', pass='full', title='One', kind='gap', when=function() end}\n";
    const char *b = "rule{id='x.two', pass='regional', title='Two', list='red', score=30,\n"
                    "     feedback='quick', when=function() end}\n"
                    "rule{id='x.three', pass='targeted', title='Three', when=function() end}\n";
    const char *files[] = {"20_b.lua", b, "10_a.lua", a, "README.md", "not lua", NULL};
    char *dir = fx_pack_dir(files);
    ts_rulepack *pack = NULL;
    fx_problems pr;
    assert_int_equal(fx_load(dir, &pack, &pr), TS_OK);
    assert_int_equal(ts_rulepack_count(pack), 3);
    const ts_rule_info *r0 = ts_rulepack_rule(pack, 0);
    assert_string_equal(r0->id, "x.one"); /* 10_a.lua loads first */
    assert_string_equal(r0->file, "10_a.lua");
    assert_int_equal(r0->line, 1);
    assert_int_equal(r0->kind, TS_RULE_GAP);
    const ts_rule_info *r1 = ts_rulepack_rule(pack, 1);
    assert_string_equal(r1->title, "Two");
    assert_int_equal(r1->line, 1);
    assert_int_equal(r1->list, TS_COLOUR_RED);
    assert_int_equal(r1->score, 30);
    assert_int_equal(r1->feedback, TS_FEEDBACK_QUICK);
    assert_int_equal(ts_rulepack_rule(pack, 2)->line, 3);
    assert_null(ts_rulepack_rule(pack, 3));
    assert_int_equal(ts_rulepack_find(pack, "x.three"), 2);
    assert_int_equal(ts_rulepack_find(pack, "nope"), -1);
    /* the one title lookup: a rule the pack lacks, a NULL id or pack have no title */
    assert_string_equal(ts_rulepack_title(pack, "x.three"), "Three");
    assert_ptr_equal(ts_rulepack_title(pack, "x.two"), r1->title);
    assert_null(ts_rulepack_title(pack, "nope"));
    assert_null(ts_rulepack_title(pack, NULL));
    assert_null(ts_rulepack_title(NULL, "x.one"));
    assert_int_equal(ts_rulepack_count_pass(pack, TS_PASS_FULL), 1);
    assert_int_equal(ts_rulepack_count_pass(pack, TS_PASS_REGIONAL), 1);
    assert_int_equal(ts_rulepack_count_pass(pack, TS_PASS_TARGETED), 1);
    assert_int_equal(ts_rulepack_opts(pack)->instructions, FX_BUDGET);
    assert_string_equal(ts_rulepack_dir(pack), dir);
    /* hash = sha256 over name NUL content, files in name order */
    ts_sha256 h;
    ts_sha256_init(&h);
    ts_sha256_update(&h, "10_a.lua", 9);
    ts_sha256_update(&h, a, strlen(a));
    ts_sha256_update(&h, "20_b.lua", 9);
    ts_sha256_update(&h, b, strlen(b));
    char hex[65], want[80];
    ts_sha256_hex(&h, hex);
    snprintf(want, sizeof want, "sha256:%s", hex);
    assert_string_equal(ts_rulepack_hash(pack), want);
    ts_rulepack_free(pack);
    ts_rulepack_free(NULL);
    ts_rulehost_free(NULL);
    fx_rm_dir(dir);
}

static void test_limits_on_files(void **state)
{
    (void)state;
    size_t big = TS_LIMIT_RULE_FILE + 10;
    char *text = malloc(big + 1);
    memset(text, '-', big);
    text[big] = '\0';
    const char *files[] = {"10_big.lua", text, NULL};
    char *dir = fx_pack_dir(files);
    ts_rulepack *pack = NULL;
    fx_problems pr;
    assert_int_equal(fx_load(dir, &pack, &pr), TS_RULE);
    assert_non_null(strstr(pr.text, "larger than"));
    fx_rm_dir(dir);
    free(text);
    /* more rules than TS_LIMIT_RULES */
    const char *many = "for i = 1, 1001 do rule{id='r'..i, pass='full', title='t', "
                       "when=function() end} end";
    expect_problem(many, "10_rules.lua:1", "more than 1000 rules");
}

/* ---- evaluation ----------------------------------------------------------------- */

typedef struct rig {
    char *dir;
    ts_rulepack *pack;
    ts_rulehost *host;
    ts_arena arena;
    fx_person x;
    ts_subject s;
    ts_eval_ctx ctx;
    ts_eval_result r;
} rig;

static void rig_open(rig *g, const char *text)
{
    memset(g, 0, sizeof *g);
    g->pack = fx_pack1(text, &g->dir);
    ts_err err;
    assert_int_equal(ts_rulehost_new(g->pack, &g->host, &err), TS_OK);
    ts_arena_init(&g->arena, 0);
    fx_person_init(&g->x, "P-1");
    g->s = fx_subject(&g->x);
    g->ctx = fx_ctx(TS_PASS_FULL);
}

static void rig_eval(rig *g)
{
    ts_err err;
    assert_int_equal(ts_rulehost_eval(g->host, &g->ctx, &g->s, &g->arena, &g->r, &err), TS_OK);
    for (size_t i = 0; i < g->r.n_errors; i++)
        fprintf(stderr, "  rule error %s: %s: %s\n",
                ts_rulepack_rule(g->pack, g->r.errors[i].rule)->id, g->r.errors[i].where,
                g->r.errors[i].msg);
}

static void rig_close(rig *g)
{
    ts_arena_release(&g->arena);
    ts_rulehost_free(g->host);
    ts_rulepack_free(g->pack);
    fx_rm_dir(g->dir);
}

/* Each rule `id` must fire with the evidence `ev`. */
static void expect_fired(rig *g, const char *id, const char *ev)
{
    const ts_fired *f = fx_fired(g->pack, &g->r, id);
    if (!f)
        fail_msg("%s did not fire", id);
    if (ev && strcmp(f->evidence, ev) != 0)
        fail_msg("%s: evidence '%s', want '%s'", id, f->evidence, ev);
}

static void test_person_fields(void **state)
{
    (void)state;
    rig g;
    rig_open(
        &g,
        "local function R(id, f) rule{id=id, pass='full', title=id, when=f} end\n"
        "R('id', function(p) return true, p.id end)\n"
        "R('name', function(p) return true, p.name end)\n"
        "R('grid', function(p) return true, p.grid .. '|' .. p.village .. '|' .. p.town end)\n"
        "R('born', function(p) return true, p.born end)\n"
        "R('age', function(p) return true, p.age end)\n"
        "R('cats', function(p) local s = '' for i, c in ipairs(p.categories) do s = s .. i .. c .. "
        "';' end\n"
        "  return #p.categories == 2, s end)\n"
        "R('has', function(p) return p:has_category('dispute_party') and not p:has_category('x') "
        "end)\n"
        "R('attrs', function(p) local a = p.attrs\n"
        "  return true, a.missed_checkins_30d .. ' ' .. a.open_disputes .. ' ' .. "
        "tostring(a.employed)\n"
        "    .. ' ' .. a.contact_officer .. ' ' .. tostring(a.nope) .. ' ' .. "
        "math.type(a.missed_checkins_30d) end)\n"
        "R('notes', function(p) return true, p.notes end)\n"
        "R('colour', function(p) return true, p.colour end)\n"
        "R('suspect', function(p) return p.suspect == true end)\n"
        "R('nofield', function(p) return p.nothing == nil and p.relation == nil and p.distance == "
        "nil end)\n"
        "R('ctx', function(p, ctx) return true, ctx.now .. ' ' .. ctx.pass .. ' ' .. ctx.scope "
        "end)\n"
        "R('days', function(p, ctx) return true, ctx.days_between(p.born, ctx.now) end)\n"
        "R('days_neg', function(p, ctx) return true, ctx.days_between('2026-01-02', '2026-01-01') "
        "end)\n"
        "R('days_bad', function(p, ctx) return true, ctx.days_between('2026-02-30', ctx.now) end)\n"
        "R('re', function(p) return re.match('(?i)REVENGE', p.notes) and not re.match('^x', "
        "p.notes),\n"
        "  re.find('take \\\\w+', p.notes) .. '|' .. re.find('(\\\\w+) on the', p.notes) end)\n"
        "R('re_nil', function(p) return re.find('zzz', p.notes) == nil end)\n"
        "R('re_utf8', function(p) return re.match('扬言.报复', '他扬言要报复') and not "
        "re.match('扬言...报复', '他扬言要报复'), re.find('(?i)É+', 'aéÉb') end)\n"
        "R('plainfind', function(p) return true, tostring(p.notes:find('revenge', 1, true)) end)\n"
        "R('evnum', function(p) return true, 42 end)\n"
        "R('evbool', function(p) return 1, false end)\n"
        "R('evnone', function(p) return 'yes' end)\n"
        "R('nofire', function(p) return false, 'ignored' end)\n"
        "R('nilfire', function(p) return nil end)\n");
    rig_eval(&g);
    expect_fired(&g, "id", "P-1");
    expect_fired(&g, "name", "Li Ming");
    expect_fired(&g, "grid", "T01-V01-G01|T01-V01|T01");
    expect_fired(&g, "born", "1990-04-12");
    expect_fired(&g, "age", "36");
    expect_fired(&g, "cats", "1community_correction;2dispute_party;");
    expect_fired(&g, "has", "");
    expect_fired(&g, "attrs", "2 1.5 false o-1 nil integer");
    expect_fired(&g, "notes", g.x.p.notes);
    expect_fired(&g, "colour", "yellow");
    expect_fired(&g, "suspect", "");
    expect_fired(&g, "nofield", "");
    expect_fired(&g, "ctx", "2026-11-24 full T01");
    char days[32];
    snprintf(days, sizeof days, "%d", ts_date_from_civil(2026, 11, 24) - g.x.p.born);
    expect_fired(&g, "days", days);
    expect_fired(&g, "days_neg", "-1");
    expect_fired(&g, "re", "take revenge|revenge");
    expect_fired(&g, "re_nil", "");
    expect_fired(&g, "re_utf8", "éÉ");
    expect_fired(&g, "plainfind", "23");
    expect_fired(&g, "evnum", "42");
    expect_fired(&g, "evbool", "false");
    expect_fired(&g, "evnone", "");
    assert_null(fx_fired(g.pack, &g.r, "nofire"));
    assert_null(fx_fired(g.pack, &g.r, "nilfire"));
    assert_int_equal(g.r.n_errors, 1);
    const ts_rule_error *e = fx_error(g.pack, &g.r, "days_bad");
    assert_non_null(e);
    assert_int_equal(e->code, TS_RULE);
    assert_string_equal(e->where, "10_rules.lua:20");
    assert_non_null(strstr(e->msg, "bad date '2026-02-30'"));
    /* fired in pack order */
    for (size_t i = 1; i < g.r.n_fired; i++)
        assert_true(g.r.fired[i - 1].rule < g.r.fired[i].rule);

    /* a person without born, colour, notes, attrs, categories */
    ts_person bare = {
        .id = "P-9", .name = "", .grid = "T01-V01-G01", .notes = "", .born = TS_DATE_NONE};
    ts_subject s2 = {.person = &bare, .village = "T01-V01", .town = "T01"};
    ts_err err;
    assert_int_equal(ts_rulehost_eval(g.host, &g.ctx, &s2, &g.arena, &g.r, &err), TS_OK);
    expect_fired(&g, "born", ""); /* nil evidence: fired, no evidence */
    expect_fired(&g, "name", "");
    expect_fired(&g, "age", "");
    rig_close(&g);
}

static void test_missing_values(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "rule{id='m', pass='full', title='t', when=function(p)\n"
                 "  return p.born == nil and p.age == nil and p.colour == nil and p.notes == ''\n"
                 "    and #p.categories == 0 and p.attrs.x == nil and not p.suspect\n"
                 "    and #p:events() == 0 and #p:circle{depth=2} == 0, p.id end}\n");
    ts_person bare = {.id = "P-9", .grid = "T01-V01-G01", .born = TS_DATE_NONE};
    g.s = (ts_subject){.person = &bare};
    rig_eval(&g);
    expect_fired(&g, "m", "P-9");
    /* then a full person on the same host: nothing left from the bare one and back */
    fx_person_init(&g.x, "P-1");
    g.s = fx_subject(&g.x);
    rig_eval(&g);
    assert_null(fx_fired(g.pack, &g.r, "m"));
    rig_close(&g);
}

/* p.attrs fills itself as rules read it, and p:num; nothing of one person's attributes
 * is left for the next, whichever way they were read. */
static void test_attrs_lazy_and_num(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "local function R(id, f) rule{id=id, pass='full', title=id, when=f} end\n"
                 "R('num', function(p) return true, p:num('missed_checkins_30d') .. ' ' ..\n"
                 "  p:num('open_disputes') .. ' ' .. p:num('employed') .. ' ' .. p:num('nope') ..\n"
                 "  ' ' .. p:num('nope', -1) .. ' ' .. p:num('contact_officer', 7) .. ' ' ..\n"
                 "  math.type(p:num('missed_checkins_30d')) end)\n"
                 "R('one', function(p) return true, tostring(p.attrs.employed) end)\n"
                 "R('pairs', function(p) local k = {}\n"
                 "  for name, v in pairs(p.attrs) do k[#k + 1] = name .. '=' .. tostring(v) end\n"
                 "  table.sort(k) return true, table.concat(k, ',') end)\n"
                 "R('again', function(p) return true, tostring(p.attrs.missed_checkins_30d) ..\n"
                 "  ' ' .. tostring(p.attrs.x) end)\n"
                 "R('num_bad', function(p) return p:num('x', 'a') end)\n"
                 "R('num_ro', function(p) p.attrs.x = 1 end)\n");
    rig_eval(&g);
    expect_fired(&g, "num", "2 1.5 0 0 -1 7 integer");
    expect_fired(&g, "one", "false");
    expect_fired(&g, "pairs",
                 "contact_officer=o-1,employed=false,missed_checkins_30d=2,open_disputes=1.5");
    expect_fired(&g, "again", "2 nil");
    assert_int_equal(g.r.n_errors, 2);
    assert_non_null(fx_error(g.pack, &g.r, "num_bad"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "num_ro")->msg, "read-only"));

    /* the next person has one attribute, x: nothing of the first is visible */
    ts_attr one = {.name = "x", .type = TS_ATTR_NUM, .num = 5};
    ts_person next = {.id = "P-2",
                      .grid = "T01-V01-G01",
                      .notes = "",
                      .born = TS_DATE_NONE,
                      .attrs = &one,
                      .n_attrs = 1};
    g.s = (ts_subject){.person = &next};
    rig_eval(&g);
    expect_fired(&g, "num", "0 0 0 0 -1 7 integer");
    expect_fired(&g, "one", "nil");
    expect_fired(&g, "pairs", "x=5");
    expect_fired(&g, "again", "nil 5");
    rig_close(&g);
}

static void test_events(void **state)
{
    (void)state;
    rig g;
    rig_open(
        &g,
        "local function list(ev) local s = {} for _, e in ipairs(ev) do\n"
        "  s[#s + 1] = e.type .. '@' .. e.date .. (e.note ~= '' and ('/' .. e.note) or '') end\n"
        "  return table.concat(s, ',') end\n"
        "local function R(id, f) rule{id=id, pass='full', title=id, when=f} end\n"
        "R('all', function(p) return true, list(p:events()) end)\n"
        "R('all2', function(p) return true, list(p:events{}) end)\n"
        "R('type', function(p) return true, list(p:events{type='checkin_missed'}) end)\n"
        "R('types', function(p) return true, list(p:events{type={'home_visit', 'dispute_filed'}}) "
        "end)\n"
        "R('within', function(p) return true, list(p:events{within_days=22}) end)\n"
        "R('within0', function(p) return true, #p:events{within_days=0} end)\n"
        "R('within4', function(p) return true, list(p:events{within_days=4, "
        "type='checkin_missed'}) end)\n"
        "R('fresh', function(p) local a = p:events() a[1].type = 'x' a[5] = 1\n"
        "  return p:events()[1].type == 'home_visit' and #p:events() == 4 end)\n"
        "R('typo', function(p) return true, #p:events{typ='x'} end)\n"
        "R('badwithin', function(p) return true, #p:events{within_days=-1} end)\n"
        "R('short', function(p) return true, list(p:events('checkin_missed', 4)) end)\n"
        "R('count', function(p) local n, d = p:count_events{type='checkin_missed'}\n"
        "  local m, e = p:count_events('checkin_missed', 22)\n"
        "  local z, y = p:count_events('absconded', 30)\n"
        "  return true, n .. ':' .. d .. ':' .. m .. ':' .. e .. ':' .. z .. ':' .. tostring(y) "
        "end)\n"
        "R('countall', function(p) return true, p:count_events() .. ':' .. "
        "p:count_events(nil, 22) end)\n"
        "R('badshort', function(p) return true, p:count_events('x', -3) end)\n"
        /* the filter table's forms: a frozen file-level list, a table with a metatable
         * (read through it), a list with __len/__index; and the errors, in the order
         * the keys, then the type, then the window are checked */
        "local HV = {'home_visit', 'dispute_filed'}\n"
        "R('frozen', function(p) return true, list(p:events{type = HV}) end)\n"
        "R('frozen_n', function(p) return true, p:count_events{type = HV, within_days = 60} end)\n"
        "R('meta', function(p) return true, list(p:events(setmetatable({},\n"
        "  {__index = {type = 'checkin_missed'}}))) end)\n"
        "R('metalist', function(p) return true, list(p:events{type = setmetatable({},\n"
        "  {__len = function() return 1 end, __index = function(_, i) return 'home_visit' end})})\n"
        "  end)\n"
        "R('bad_type', function(p) return p:events{type = 5} end)\n"
        "R('bad_list', function(p) return p:events{type = {'home_visit', 3}} end)\n"
        "R('key_first', function(p) return p:events{type = 5, zzz = 1} end)\n"
        "R('type_first', function(p) return p:events{within_days = -1, type = 5} end)\n"
        "R('frac_days', function(p) return p:count_events{within_days = 1.5} end)\n"
        "R('num_key', function(p) return p:events{[2] = 'home_visit'} end)\n");
    /* an event in the future is kept without a window, dropped with one */
    g.x.events[3].date = ts_date_from_civil(2026, 12, 1);
    rig_eval(&g);
    expect_fired(&g, "all",
                 "home_visit@2026-12-01,checkin_missed@2026-11-20/again,"
                 "checkin_missed@2026-11-02,dispute_filed@2026-10-20/boundary");
    expect_fired(&g, "all2",
                 "home_visit@2026-12-01,checkin_missed@2026-11-20/again,"
                 "checkin_missed@2026-11-02,dispute_filed@2026-10-20/boundary");
    expect_fired(&g, "type", "checkin_missed@2026-11-20/again,checkin_missed@2026-11-02");
    expect_fired(&g, "types", "home_visit@2026-12-01,dispute_filed@2026-10-20/boundary");
    /* 2026-11-24 minus 22 days = 2026-11-02, inclusive */
    expect_fired(&g, "within", "checkin_missed@2026-11-20/again,checkin_missed@2026-11-02");
    expect_fired(&g, "within0", "0");
    expect_fired(&g, "within4", "checkin_missed@2026-11-20/again");
    expect_fired(&g, "fresh", "");
    /* the short forms are the same filters */
    expect_fired(&g, "short", "checkin_missed@2026-11-20/again");
    expect_fired(&g, "count", "2:2026-11-20:2:2026-11-20:0:nil");
    /* the future home_visit counts without a window and not with one */
    expect_fired(&g, "countall", "4:2");
    assert_non_null(strstr(fx_error(g.pack, &g.r, "badshort")->msg, "within_days"));
    expect_fired(&g, "frozen", "home_visit@2026-12-01,dispute_filed@2026-10-20/boundary");
    expect_fired(&g, "frozen_n", "1");
    expect_fired(&g, "meta", "checkin_missed@2026-11-20/again,checkin_missed@2026-11-02");
    expect_fired(&g, "metalist", "home_visit@2026-12-01");
    assert_non_null(strstr(fx_error(g.pack, &g.r, "bad_type")->msg, "type must be a string"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "bad_list")->msg, "must hold strings"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "key_first")->msg, "unknown filter 'zzz'"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "type_first")->msg, "type must be a string"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "frac_days")->msg, "within_days"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "num_key")->msg, "unknown filter 'number'"));
    assert_int_equal(g.r.n_errors, 9);
    assert_non_null(strstr(fx_error(g.pack, &g.r, "typo")->msg, "unknown filter 'typ'"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "badwithin")->msg, "within_days"));
    rig_close(&g);
}

static void test_circle(void **state)
{
    (void)state;
    rig g;
    rig_open(&g,
             "local function list(c) local s = {} for _, m in ipairs(c) do\n"
             "  s[#s + 1] = m.id .. ':' .. m.relation .. ':' .. m.distance .. ':' .. "
             "tostring(m.colour)\n"
             "    .. ':' .. tostring(m.suspect) .. ':' .. m.town .. ':' .. "
             "tostring(m.attrs.open_disputes)\n"
             "    .. ':' .. #m.categories .. ':' .. #m:events() end\n"
             "  return table.concat(s, ',') end\n"
             "local function R(id, f) rule{id=id, pass='targeted', title=id, when=f} end\n"
             "R('d1', function(p) return true, list(p:circle()) end)\n"
             "R('d2', function(p) return true, list(p:circle{depth=2}) end)\n"
             "R('kind', function(p) return true, list(p:circle{depth=2, kind='neighbour'}) end)\n"
             "R('reds', function(p) local n = 0 for _, m in ipairs(p:circle{depth=2}) do\n"
             "  if m.colour == 'red' then n = n + 1 end end return n >= 2, n end)\n"
             "R('ro', function(p) p:circle()[1].colour = 'blue' end)\n"
             "R('ro2', function(p) p:circle()[1].attrs.x = 1 end)\n"
             "R('nested', function(p) return true, #p:circle()[1]:circle() end)\n"
             "R('depth3', function(p) return true, #p:circle{depth=3} end)\n"
             "R('mnum', function(p) local s = {} for _, m in ipairs(p:circle{depth=2}) do\n"
             "  s[#s + 1] = m:num('open_disputes') .. '/' .. p:num('open_disputes', 9) end\n"
             "  return true, table.concat(s, ',') end)\n");
    fx_person m1, m2;
    fx_person_init(&m1, "P-2");
    fx_person_init(&m2, "P-3");
    m2.p.n_attrs = 0;
    ts_circle_member circle[2] = {
        {.person = &m1.p,
         .village = "T01-V01",
         .town = "T01",
         .relation = "family",
         .distance = 1,
         .colour = TS_COLOUR_RED,
         .suspect = true},
        {.person = &m2.p,
         .village = "T01-V02",
         .town = "T01",
         .relation = "neighbour",
         .distance = 2,
         .colour = TS_COLOUR_RED},
    };
    g.s.circle = circle;
    g.s.n_circle = 2;
    g.ctx = fx_ctx(TS_PASS_TARGETED);
    rig_eval(&g);
    expect_fired(&g, "d1", "P-2:family:1:red:true:T01:1.5:2:4");
    expect_fired(&g, "d2",
                 "P-2:family:1:red:true:T01:1.5:2:4,P-3:neighbour:2:red:false:T01:nil:2:4");
    expect_fired(&g, "kind", "P-3:neighbour:2:red:false:T01:nil:2:4");
    expect_fired(&g, "reds", "2");
    /* a member's p:num reads the member; the subject's reads the subject */
    expect_fired(&g, "mnum", "1.5/1.5,0/1.5");
    expect_fired(&g, "nested", "0");
    assert_non_null(strstr(fx_error(g.pack, &g.r, "ro")->msg, "read-only"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "ro2")->msg, "read-only"));
    assert_non_null(strstr(fx_error(g.pack, &g.r, "depth3")->msg, "depth must be 1 or 2"));
    rig_close(&g);
}

static void test_read_only_and_no_leaks(void **state)
{
    (void)state;
    rig g;
    rig_open(
        &g, "local seen = nil\n"
            "local function R(id, f) rule{id=id, pass='full', title=id, when=f} end\n"
            "R('w1', function(p) p.name = 'x' end)\n"
            "R('w2', function(p) p.attrs.employed = true end)\n"
            "R('w3', function(p) p.categories[1] = 'x' end)\n"
            "R('w4', function(p) rawset(p, 'name', 'x') end)\n"
            "R('w5', function(p) getmetatable(p).__index = {} end)\n"
            "R('w6', function(p, ctx) ctx.pass = 'x' end)\n"
            "R('w7', function(p) math.pi = 3 end)\n"
            "R('w8', function(p) x_global = 1 end)\n"
            "R('check', function(p, ctx) return p.name == 'Li Ming' and p.attrs.employed == false\n"
            "  and p.categories[1] == 'community_correction' and ctx.pass == 'full'\n"
            "  and math.pi > 3.14 and x_global == nil and getmetatable(p) == false\n"
            "  and getmetatable('') == false and rawequal(string, string), p.id end)\n"
            "R('stale', function(p) if seen then return true, seen.id end seen = p:circle{}[1] or "
            "'none' end)\n");
    rig_eval(&g);
    for (int i = 1; i <= 8; i++) {
        char id[16];
        snprintf(id, sizeof id, "w%d", i);
        if (!fx_error(g.pack, &g.r, id))
            fail_msg("%s wrote without an error", id);
    }
    assert_non_null(strstr(fx_error(g.pack, &g.r, "w8")->msg, "cannot set global 'x_global'"));
    expect_fired(&g, "check", "P-1");
    fx_person_init(&g.x, "P-7");
    rig_eval(&g);
    expect_fired(&g, "check", "P-7");
    assert_int_equal(g.r.n_errors, 8);
    rig_close(&g);
}

static void test_evidence_limits(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "rule{id='long', pass='full', title='t', when=function(p)\n"
                 "  return true, ('é'):rep(400) end}\n"
                 "rule{id='bad', pass='full', title='t', when=function(p)\n"
                 "  return true, 'ok\\255rest' end}\n"
                 "rule{id='self', pass='full', title='t', when=function(p)\n"
                 "  local t = {} t[1] = t return true, t end}\n");
    rig_eval(&g);
    const ts_fired *f = fx_fired(g.pack, &g.r, "long");
    assert_non_null(f);
    assert_true(strlen(f->evidence) <= TS_LIMIT_RULE_EVIDENCE);
    assert_int_equal(strlen(f->evidence) % 2, 0); /* cut between 2-byte characters */
    assert_true(ts_utf8_valid(f->evidence, strlen(f->evidence), NULL));
    expect_fired(&g, "bad", "ok");
    expect_fired(&g, "self", "");
    rig_close(&g);
}

static void test_error_location(void **state)
{
    (void)state;
    rig g;
    rig_open(&g, "local function helper(x)\n"
                 "  return x.y.z\n"
                 "end\n"
                 "rule{id='e', pass='full', title='t', when=function(p)\n"
                 "  return helper({})\n"
                 "end}\n"
                 "rule{id='c', pass='full', title='t', when=function(p)\n"
                 "  error('custom failure')\n"
                 "end}\n"
                 "rule{id='ok', pass='full', title='t', when=function(p) return true end}\n");
    rig_eval(&g);
    const ts_rule_error *e = fx_error(g.pack, &g.r, "e");
    assert_string_equal(e->where, "10_rules.lua:2");
    assert_non_null(strstr(e->msg, "index"));
    e = fx_error(g.pack, &g.r, "c");
    assert_string_equal(e->where, "10_rules.lua:8");
    assert_string_equal(e->msg, "custom failure");
    expect_fired(&g, "ok", "");
    rig_close(&g);
}

static void test_budget_per_rule(void **state)
{
    (void)state;
    rig g;
    /* each rule uses ~60% of the budget: fine alone, so the budget is per rule */
    rig_open(&g,
             "local function spin() local n = 0 for i = 1, 25000 do n = n + i end return n end\n"
             "for i = 1, 4 do rule{id='b'..i, pass='full', title='t', when=function(p)\n"
             "  return spin() > 0 end} end\n"
             "rule{id='over', pass='full', title='t', when=function(p)\n"
             "  for i = 1, 3 do spin() end return true end}\n");
    rig_eval(&g);
    assert_int_equal(g.r.n_fired, 4);
    assert_int_equal(g.r.n_errors, 1);
    assert_int_equal(g.r.errors[0].code, TS_BUDGET);
    rig_close(&g);
}

/* ---- enums, tally, colours -------------------------------------------------------- */

static void test_enums_and_tally(void **state)
{
    (void)state;
    ts_pass p;
    ts_colour c;
    ts_feedback f;
    assert_true(ts_pass_parse("regional", &p) && p == TS_PASS_REGIONAL);
    assert_false(ts_pass_parse("Regional", &p));
    assert_true(ts_colour_parse("yellow", &c) && c == TS_COLOUR_YELLOW);
    assert_false(ts_colour_parse("", &c));
    assert_true(ts_feedback_parse("quick", &f) && f == TS_FEEDBACK_QUICK);
    assert_false(ts_feedback_parse("", &f));
    assert_string_equal(ts_pass_name(TS_PASS_TARGETED), "targeted");
    assert_string_equal(ts_colour_name(TS_COLOUR_NONE), "");
    assert_string_equal(ts_colour_name(TS_COLOUR_RED), "red");
    assert_string_equal(ts_feedback_name(TS_FEEDBACK_EARLY), "early");
    assert_string_equal(ts_feedback_name(TS_FEEDBACK_NONE), "");

    rig g;
    rig_open(
        &g, "rule{id='a', pass='regional', title='t', score=30, list='blue', when=function() "
            "return true end}\n"
            "rule{id='b', pass='regional', title='t', score=25, list='red', when=function() return "
            "true end}\n"
            "rule{id='c', pass='regional', title='t', score=99, when=function() return false end}\n"
            "rule{id='d', pass='regional', title='t', score=5, when=function() return true end}\n");
    g.ctx = fx_ctx(TS_PASS_REGIONAL);
    rig_eval(&g);
    ts_colour vote;
    int score;
    ts_rulepack_tally(g.pack, &g.r, &vote, &score);
    assert_int_equal(vote, TS_COLOUR_RED);
    assert_int_equal(score, 60);
    /* a pass with no rules */
    g.ctx = fx_ctx(TS_PASS_TARGETED);
    rig_eval(&g);
    assert_int_equal(g.r.n_fired, 0);
    ts_rulepack_tally(g.pack, &g.r, &vote, &score);
    assert_int_equal(vote, TS_COLOUR_NONE);
    assert_int_equal(score, 0);
    rig_close(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validation_problems),
        cmocka_unit_test(test_all_problems_reported),
        cmocka_unit_test(test_pack_basics_and_hash),
        cmocka_unit_test(test_limits_on_files),
        cmocka_unit_test(test_person_fields),
        cmocka_unit_test(test_missing_values),
        cmocka_unit_test(test_attrs_lazy_and_num),
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_circle),
        cmocka_unit_test(test_read_only_and_no_leaks),
        cmocka_unit_test(test_evidence_limits),
        cmocka_unit_test(test_error_location),
        cmocka_unit_test(test_budget_per_rule),
        cmocka_unit_test(test_enums_and_tally),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
