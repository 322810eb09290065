/* tests/unit/record/test_jfast.c — the fast path of a JSON record (record/jfast.c)
 * against the json-c path (record/json.c) it stands in front of. The fast path may
 * decline anything, but what it accepts the json-c path must accept as the same person,
 * byte for byte (numbers by their bits). Checked on:
 *  - the sample population (samples/persons.jsonl), where the fast path must accept
 *    every record (else it would not be a fast path);
 *  - every JSONTestSuite document ($TS_TESTDATA/json) on its own, and spliced into a
 *    valid record as an attribute value, a note, an event type and a key — so every
 *    number, string, escape and broken token of the suite goes through both parsers;
 *  - 60,000 seeded mutations of hand-made records with escapes, nulls, numbers of every
 *    form, duplicates and nesting (bytes replaced, inserted, deleted, spans copied). */
#include "record/rec_test.h"
#include "testdata_req.h"

#include <dirent.h>
#include <json-c/json.h>

#include "record/json_int.h"
#include "record/person_eq.h"

typedef struct pair {
    ts__jfast *fast;
    struct json_tokener *tok;
    ts_arena a;
    size_t accepted, declined, both_ok;
} pair;

static void pair_init(pair *p)
{
    memset(p, 0, sizeof *p);
    p->fast = ts__jfast_new(true);
    p->tok = ts__rec_tokener_new();
    assert_non_null(p->fast);
    assert_non_null(p->tok);
    ts_arena_init(&p->a, 0);
}

static void pair_done(pair *p)
{
    ts__jfast_free(p->fast);
    json_tokener_free(p->tok);
    ts_arena_release(&p->a);
}

/* Both paths over buf; fails when the fast path accepts what json-c refuses or builds
 * another person. Returns whether the fast path accepted. */
static bool compare(pair *p, const char *buf, size_t len, const char *what)
{
    ts_arena_reset(&p->a);
    ts_person fast, slow;
    memset(&fast, 0, sizeof fast);
    bool ok = ts__jfast_parse(p->fast, buf, len, &p->a, &fast);
    ts_err err;
    err.code = TS_OK;
    ts_status rc = ts__rec_parse_json_tok(p->tok, NULL, buf, len, &p->a, &slow, &err);
    p->both_ok += ok && rc == TS_OK;
    if (!ok) {
        p->declined++;
        return false;
    }
    p->accepted++;
    if (rc != TS_OK)
        fail_msg("%s: the fast path accepted what json-c refuses (%s: %s): %.*s", what, err.where,
                 err.msg, (int)(len < 300 ? len : 300), buf);
    const char *d = differ(&fast, &slow);
    if (d)
        fail_msg("%s: the paths differ in %s: %.*s", what, d, (int)(len < 300 ? len : 300), buf);
    return true;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    size_t got = fread(b, 1, (size_t)n, f);
    fclose(f);
    b[got] = '\0';
    *len = got;
    return b;
}

static void test_samples_all_fast(void **state)
{
    (void)state;
    const char *src = getenv("TS_SOURCE_DIR");
    char path[1200];
    snprintf(path, sizeof path, "%s/samples/persons.jsonl", src ? src : ".");
    size_t len;
    char *b = slurp(path, &len);
    assert_non_null(b);
    pair p;
    pair_init(&p);
    size_t lines = 0;
    for (char *s = b; s < b + len;) {
        char *nl = memchr(s, '\n', (size_t)(b + len - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(b + len - s);
        if (n) {
            lines++;
            if (!compare(&p, s, n, "samples"))
                fail_msg("samples line %zu: the fast path declined a sample record", lines);
        }
        s += n + 1;
    }
    assert_true(lines >= 1000);
    assert_int_equal(p.accepted, lines);
    pair_done(&p);
    free(b);
}

/* The document spliced into records at each place a value or key can go. */
static void splice(pair *p, const char *doc, size_t n, const char *name)
{
    static const char *const pre[] = {
        "{\"id\":\"P-1\",\"grid\":\"T01-V01-G01\",\"attrs\":{\"x\":",
        "{\"id\":\"P-1\",\"grid\":\"T01-V01-G01\",\"notes\":",
        "{\"id\":\"P-1\",\"grid\":\"T01-V01-G01\",\"events\":[{\"date\":\"2026-01-02\",\"type\":",
        "{\"id\":\"P-1\",\"grid\":\"T01-V01-G01\",\"attrs\":{",
        "{\"grid\":\"T01-V01-G01\",\"id\":",
    };
    static const char *const post[] = {"}}", "}", "}]}", ":1}}", "}"};
    char *buf = malloc(n + 200);
    assert_non_null(buf);
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
        size_t a = strlen(pre[k]), c = strlen(post[k]);
        memcpy(buf, pre[k], a);
        memcpy(buf + a, doc, n);
        memcpy(buf + a + n, post[k], c);
        compare(p, buf, a + n + c, name);
    }
    free(buf);
}

static void test_json_test_suite(void **state)
{
    (void)state;
    const char *td = getenv("TS_TESTDATA");
    char dir[1200];
    snprintf(dir, sizeof dir, "%s/json", td ? td : "");
    DIR *d = td ? opendir(dir) : NULL;
    if (!d) {
        td_missing("no JSONTestSuite at $TS_TESTDATA/json");
        return;
    }
    pair p;
    pair_init(&p);
    size_t files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 6 || strcmp(e->d_name + nl - 5, ".json") != 0)
            continue;
        char path[2600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *b = slurp(path, &len);
        if (!b)
            continue;
        files++;
        compare(&p, b, len, e->d_name);
        splice(&p, b, len, e->d_name);
        /* most documents are a value in an array ("[1.5e3]"): that value alone too */
        size_t lo = 0, hi = len;
        while (lo < hi && (b[lo] == ' ' || b[lo] == '\t' || b[lo] == '\r' || b[lo] == '\n'))
            lo++;
        while (hi > lo &&
               (b[hi - 1] == ' ' || b[hi - 1] == '\t' || b[hi - 1] == '\r' || b[hi - 1] == '\n'))
            hi--;
        if (hi - lo >= 2 && b[lo] == '[' && b[hi - 1] == ']')
            splice(&p, b + lo + 1, hi - lo - 2, e->d_name);
        free(b);
    }
    closedir(d);
    assert_true(files > 200);
    /* the suite's numbers and strings reach the fast path inside a record */
    printf("    JSONTestSuite: %zu fast, %zu declined, %zu accepted by both\n", p.accepted,
           p.declined, p.both_ok);
    assert_true(p.accepted > 150);
    pair_done(&p);
}

/* elements spread over lines are parenthesised: one string each, not a missing comma */
static const char *const SEEDS[] = {
    ("{\"id\":\"P-000001\",\"grid\":\"T01-V02-G03\",\"name\":\"Li "
     "\\\"Ming\\\"\",\"born\":\"1980-02-29\","
     "\"categories\":[\"petitioner\",\"dispute_party\"],\"attrs\":{\"open_disputes\":2,"
     "\"employed\":false,\"debt\":-12.5e1,\"Score\":0,\"note\":\"caf\\u00e9 \\u4e2d\\/\\n\"},"
     "\"events\":[{\"type\":\"dispute_filed\",\"date\":\"2026-11-01\",\"note\":\"\\t\"},"
     "{\"type\":\"home_visit\",\"date\":\"2026-10-02\",\"note\":null}],"
     "\"relations\":[{\"id\":\"P-000002\",\"kind\":\"spouse\"}],\"notes\":\"扬言报复\"}"),
    ("{\"id\":\"P-7\",\"grid\":\"T02-V01-G01\",\"attrs\":{\"a\":null,\"b\":true,\"c\":1.0,"
     "\"d\":-0,\"e\":1E+2,\"f\":123456789012345678,\"g\":\"\"},\"events\":[],\"relations\":[],"
     "\"categories\":[],\"born\":null,\"name\":null}"),
    " { \"grid\" : \"T03-V01-G02\" , \"id\" : \"P-\\u0041\" , \"notes\" : \"a\\\\b\" } \r\n",
    "{\"id\":\"P-9\",\"grid\":\"T01-V01-G01\",\"attrs\":{\"Age\":3,\"x\":[1],\"y\":{\"z\":1}}}",
    ("{\"id\":\"P-10\",\"grid\":\"T01-V01-G01\",\"events\":[{\"type\":\"a\",\"date\":\"2026-02-"
     "30\"}],"
     "\"relations\":[{\"id\":\"P-10\",\"kind\":\"self\"}],\"extra\":1}"),
};

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

static void test_mutations(void **state)
{
    (void)state;
    static const char ALPHA[] = "{}[]:,\"\\ntfu0123456789.eE+- \t\x01\x7f\xc3\xa9\xff'abcdADxyz";
    pair p;
    pair_init(&p);
    char buf[4096];
    size_t seeds_ok = 0;
    for (size_t s = 0; s < sizeof SEEDS / sizeof SEEDS[0]; s++)
        seeds_ok += compare(&p, SEEDS[s], strlen(SEEDS[s]), "seed");
    assert_true(seeds_ok >= 3); /* the first three are valid records */
    for (int round = 0; round < 60000; round++) {
        const char *seed = SEEDS[rnd(sizeof SEEDS / sizeof SEEDS[0])];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int edits = 1 + (int)rnd(3);
        for (int k = 0; k < edits && n > 2; k++) {
            size_t at = rnd((uint32_t)n);
            switch (rnd(4)) {
            case 0:
                buf[at] = ALPHA[rnd(sizeof ALPHA - 1)];
                break;
            case 1:
                if (n + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = ALPHA[rnd(sizeof ALPHA - 1)];
                    n++;
                }
                break;
            case 2:
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            default: { /* copy a span elsewhere: duplicate keys, nested values */
                size_t from = rnd((uint32_t)n), span = 1 + rnd(40);
                if (from + span > n)
                    span = n - from;
                if (n + span < sizeof buf) {
                    char tmp[64];
                    memcpy(tmp, buf + from, span);
                    memmove(buf + at + span, buf + at, n - at);
                    memcpy(buf + at, tmp, span);
                    n += span;
                }
                break;
            }
            }
        }
        compare(&p, buf, n, "mutation");
    }
    printf("    mutations: %zu fast, %zu declined\n", p.accepted, p.declined);
    /* both outcomes are exercised: mutated records the fast path takes and declines */
    assert_true(p.accepted > 1000);
    assert_true(p.declined > 1000);
    pair_done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samples_all_fast),
        cmocka_unit_test(test_json_test_suite),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
