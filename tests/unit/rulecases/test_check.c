/* tests/unit/rulecases/test_check.c — ts_rulecases_check on packs written to a temp dir:
 * regex literals in every Lua string form (escapes, \z, \x, \u{}, long brackets) with the
 * column of the failing character, comments and concatenations that are not literals,
 * constants, person fields, schema references only when declared, scores against the
 * thresholds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "triscreen/rulecheck.h"
#include "triscreen/rulehost.h"

static char tmpdir[64];

typedef struct seen {
    char lines[32][400];
    size_t n;
} seen;

static void collect(void *ud, const ts_check_item *it)
{
    seen *s = ud;
    if (s->n < 32)
        snprintf(s->lines[s->n++], sizeof s->lines[0], "%s%s:%u:%u %s [%s] %s",
                 it->warning ? "W " : "", it->file, it->line, it->col, it->rule, it->what, it->msg);
}

/* Three passes covered and every threshold reachable: only what the test adds shows. */
static const char tail_src[] = "rule { id = 'z.r', pass = 'regional', title = 'R', list = 'red',\n"
                               "  score = 70, when = function(p, ctx) return false end }\n"
                               "rule { id = 'z.t', pass = 'targeted', title = 'T', score = 1,\n"
                               "  when = function(p, ctx) return false end }\n";

/* Writes src (plus the tail) as the pack, loads it, runs the check into *s. */
static void check_src(const char *src, const ts_config *cfg, seen *s, size_t *errors)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ts_check_XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    char path[128];
    snprintf(path, sizeof path, "%s/10_t.lua", tmpdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(src, f);
    fputs(tail_src, f);
    fclose(f);
    ts_rulepack *pack = NULL;
    ts_err err;
    ts_err_clear(&err);
    ts_rulehost_opts opts = {0};
    if (ts_rulepack_load(tmpdir, &opts, NULL, NULL, &pack, &err) != TS_OK)
        fail_msg("load: %s: %s", err.where, err.msg);
    memset(s, 0, sizeof *s);
    size_t w = 0;
    assert_int_equal(ts_rulecases_check(pack, cfg, collect, s, errors, &w, &err), TS_OK);
    ts_rulepack_free(pack);
    unlink(path);
    rmdir(tmpdir);
}

static bool has(const seen *s, const char *want)
{
    for (size_t i = 0; i < s->n; i++)
        if (strstr(s->lines[i], want))
            return true;
    for (size_t i = 0; i < s->n; i++)
        print_error("  got: %s\n", s->lines[i]);
    print_error("  want: %s\n", want);
    return false;
}

static void test_regex_string_forms(void **state)
{
    (void)state;
    seen s;
    size_t e = 0;
    check_src("rule { id = 'a', pass = 'full', title = 'A', when = function(p, ctx)\n"
              "  local ok = re.find('\\x28ab', p.notes) -- \\x28 is '(': col of the quote\n"
              "  ok = re.find(\"a\\z\n      (\", p.notes)\n"
              "  ok = re.match([==[x]]y{2,1}]==], p.notes)\n"
              "  ok = re.match('\\u{28}', p.notes)\n"
              "  -- re.find('(', p.notes) in a comment\n"
              "  --[[ re.find('(', p.notes) ]] ok = re.find('a' .. '(', p.notes)\n"
              "  ok = re.find('fine(x)', p.notes)\n"
              "  ok = re.find(\"x\\z\n     (yyyy)\", p.notes) -- \\z: (yyyy) is part of it\n"
              "  ok = re.find(\"x\\z\n     (yyyy\", p.notes)\n"
              "  return ok ~= nil end }\n",
              NULL, &s, &e);
    assert_int_equal(e, 5);
    /* after \z the pattern goes on: "x(yyyy" lacks its ')' at the closing quote */
    assert_true(has(&s, "10_t.lua:13:11 a [regex] regex does not compile: missing closing "
                        "parenthesis at pattern offset 6"));
    assert_true(has(&s, "10_t.lua:2:29 a [regex] regex does not compile: missing closing "
                        "parenthesis at pattern offset 3"));
    /* \z skips the newline and spaces: the '(' is on line 4 */
    assert_true(has(&s, "10_t.lua:4:8 a [regex] regex does not compile: missing closing "
                        "parenthesis at pattern offset 2"));
    assert_true(has(&s, "10_t.lua:5:29 a [regex] regex does not compile: numbers out of order"
                        " in {} quantifier at pattern offset 8"));
    assert_true(has(&s, "10_t.lua:6:24 a [regex] regex does not compile: missing closing "
                        "parenthesis at pattern offset 1"));
}

static void test_constants_and_rules(void **state)
{
    (void)state;
    seen s;
    size_t e = 0;
    check_src("local P = [[a(]]\nlocal Q = 'b(' .. ')'\n"
              "rule { id = 'one', pass = 'full', title = 'A', when = function(p, ctx)\n"
              "  return re.find(P, p.notes) ~= nil or re.find(Q, p.notes) ~= nil end }\n"
              "rule { id = 'two', pass = 'full', title = 'B', when = function(p, ctx)\n"
              "  return re.match(P, p.notes) end }\n",
              NULL, &s, &e);
    /* P is reported once, at its definition, for the first rule that uses it; Q is
     * built by a concatenation and is not a literal */
    assert_int_equal(e, 1);
    assert_true(has(&s, "10_t.lua:1:15 one [regex]"));
}

static void test_fields_and_schema(void **state)
{
    (void)state;
    static const char src[] =
        "rule { id = 'f', pass = 'full', title = 'F', when = function(q, ctx)\n"
        "  local m = q.attrs['size'] or q:num('age_x') or q.colour or q.nosuch\n"
        "  for _, r in ipairs(q:circle{ depth = 1, kind = 'uncle' }) do\n"
        "    if r.relation ~= 'spouse' then return true end end\n"
        "  return q:count_events{ type = { 'a_ev', 'b_ev' }, days = 3 } > 0 end }\n";
    seen s;
    size_t e = 0;
    check_src(src, NULL, &s, &e);
    assert_int_equal(e, 1); /* no schema: only the field */
    assert_true(has(&s, "10_t.lua:2:64 f [field] q.nosuch is not a field of a person"));

    char *attrs[] = {"size"}, *rels[] = {"spouse"}, *evs[] = {"a_ev"}, *pe[] = {"b_ev"};
    ts_schema_type types[] = {TS_SCHEMA_NUMBER};
    ts_config cfg = {.thresholds = {70, 40, 20},
                     .problem_events = pe,
                     .n_problem_events = 1,
                     .schema = {.has_attributes = true,
                                .has_relations = true,
                                .has_events = true,
                                .attributes = attrs,
                                .attr_types = types,
                                .n_attributes = 1,
                                .relations = rels,
                                .n_relations = 1,
                                .events = evs,
                                .n_events = 1}};
    check_src(src, &cfg, &s, &e);
    assert_int_equal(e, 3);
    assert_true(has(&s, "10_t.lua:2:38 f [attribute] attribute 'age_x' is not in"));
    assert_true(has(&s, "10_t.lua:3:50 f [relation] relation 'uncle' is not in"));
    assert_true(has(&s, "q.nosuch"));
    /* declared lists: spouse, a_ev (schema) and b_ev (problem_events) pass */
    cfg.schema.has_relations = false;
    check_src(src, &cfg, &s, &e);
    assert_int_equal(e, 2);
}

static void test_scores(void **state)
{
    (void)state;
    seen s;
    size_t e = 0;
    check_src("rule { id = 'g', pass = 'full', title = 'G', kind = 'gap', list = 'blue',\n"
              "  when = function(p, ctx) return false end }\n",
              NULL, &s, &e);
    assert_int_equal(e, 0);
    assert_int_equal(s.n, 1);
    assert_true(has(&s, "W 10_t.lua:1:0 g [score] a gap rule only lists a hole"));
    /* red is voted by z.r, so its threshold is never reported; yellow has no vote and
     * the positive scores add up to 71 */
    ts_config cfg = {.thresholds = {200, 100, -1}, .path = "c.yaml"};
    check_src("", &cfg, &s, &e);
    assert_int_equal(s.n, 1);
    assert_true(has(&s, "W c.yaml:0:0  [threshold] thresholds.yellow = 100 cannot be reached: "
                        "the pack's positive scores add up to 71 and no rule votes yellow"));
    cfg.thresholds[1] = 71;
    check_src("", &cfg, &s, &e);
    assert_int_equal(s.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regex_string_forms),
        cmocka_unit_test(test_constants_and_rules),
        cmocka_unit_test(test_fields_and_schema),
        cmocka_unit_test(test_scores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
