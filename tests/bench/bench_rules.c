/* tests/bench/bench_rules.c — rule evaluation throughput: a pack (argv[1], default
 * tests/bench/pack15) over N synthetic persons (argv[2], default 1,000,000) built in
 * memory from samples/VOCABULARY.md with a seeded PRNG, each person through the full and
 * regional passes with the sandbox on; then the same 15 rules hand-written in C.
 * Prints person-evaluations/s per core (one thread) for both and the ratio. Never
 * fails on time. Uses the public rule host API and regex/regex.h for the C version. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regex/regex.h"
#include "triscreen/date.h"
#include "triscreen/rulehost.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)((rng_state >> 11) % n);
}

static const char *const CATS[] = {
    "community_correction", "released_prisoner",    "drug_rehab", "mental_health_care",
    "minor_at_risk",        "elderly_living_alone", "petitioner", "dispute_party"};
static const char *const EVENTS[] = {"checkin_done",    "checkin_missed",    "home_visit",
                                     "dispute_filed",   "dispute_escalated", "dispute_resolved",
                                     "petition_filed",  "job_lost",          "job_started",
                                     "hospital_visit",  "police_call",       "incident_reported",
                                     "threat_reported", "absconded"};
static const char *const NOTES[] = {
    "visited at home, family present, nothing unusual to report this month",
    "works at the market, says the boundary dispute with the neighbour is ongoing",
    "asked about job training; follow up next visit",
    "threatened to take revenge on the neighbour after the hearing",
    "said he would not go on living if the house is taken",
    "邻里纠纷未解决，情绪激动，扬言报复",
    "最近失业，说不想活了",
    "neighbours report he carries a knife",
    "",
    "lives with daughter; health stable; attends check-ins regularly"};
static const char *const OFFICERS[] = {"o-1", "o-2", "o-3"};

typedef struct gen {
    ts_arena arena;
    ts_person *persons;
    size_t n;
} gen;

static void generate(gen *g, size_t n, int32_t now)
{
    ts_arena_init(&g->arena, (size_t)8 << 30);
    g->persons = calloc(n, sizeof *g->persons);
    g->n = n;
    for (size_t i = 0; i < n; i++) {
        ts_person *p = &g->persons[i];
        p->id = ts_arena_printf(&g->arena, "P-%07zu", i);
        p->name = "Sample Person";
        p->grid = "T01-V01-G01";
        uint32_t nr = rnd(100);
        /* 90%: ordinary notes (some empty); 10%: one of the warning phrases */
        p->notes = nr < 90 ? NOTES[nr % 7 == 0 ? 8 : nr % 7 == 1 ? 9 : nr % 3] : NOTES[3 + nr % 5];
        p->born = rnd(10) == 0 ? TS_DATE_NONE : now - (int32_t)(365 * 10 + rnd(365 * 80));
        size_t nc = rnd(3);
        const char **cats = ts_arena_alloc(&g->arena, (nc ? nc : 1) * sizeof *cats);
        for (size_t k = 0; k < nc; k++)
            cats[k] = CATS[rnd(8)];
        p->categories = cats;
        p->n_categories = nc;
        ts_attr *a = ts_arena_calloc(&g->arena, 9, sizeof *a);
        size_t na = 0;
        /* sorted by name */
        if (rnd(10) < 8)
            a[na++] = (ts_attr){.name = "care_level", .type = TS_ATTR_NUM, .num = rnd(4)};
        if (rnd(10) < 7)
            a[na++] =
                (ts_attr){.name = "contact_officer", .type = TS_ATTR_STR, .str = OFFICERS[rnd(3)]};
        a[na++] = (ts_attr){.name = "debt_overdue", .type = TS_ATTR_BOOL, .b = rnd(5) == 0};
        a[na++] = (ts_attr){.name = "employed", .type = TS_ATTR_BOOL, .b = rnd(3) != 0};
        if (rnd(2))
            a[na++] =
                (ts_attr){.name = "escalated_disputes", .type = TS_ATTR_NUM, .num = rnd(3) == 0};
        a[na++] = (ts_attr){.name = "lives_alone", .type = TS_ATTR_BOOL, .b = rnd(4) == 0};
        a[na++] = (ts_attr){.name = "missed_checkins_30d", .type = TS_ATTR_NUM, .num = rnd(5)};
        a[na++] = (ts_attr){.name = "open_disputes", .type = TS_ATTR_NUM, .num = rnd(4)};
        if (rnd(2))
            a[na++] = (ts_attr){.name = "petitions_12m", .type = TS_ATTR_NUM, .num = rnd(5)};
        p->attrs = a;
        p->n_attrs = na;
        size_t ne = rnd(7); /* 3 on average */
        ts_event *e = ts_arena_alloc(&g->arena, (ne ? ne : 1) * sizeof *e);
        for (size_t k = 0; k < ne; k++) {
            uint32_t t = rnd(100);
            const char *type = t < 92 ? EVENTS[t % 11] : EVENTS[11 + t % 3];
            e[k] = (ts_event){type, now - (int32_t)rnd(730), k % 2 ? "note" : ""};
        }
        p->events = e;
        p->n_events = ne;
    }
}

/* ---- the same 15 rules in C ----------------------------------------------------- */

static const ts_attr *attr(const ts_person *p, const char *name)
{
    size_t lo = 0, hi = p->n_attrs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(p->attrs[mid].name, name);
        if (c == 0)
            return &p->attrs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static double num(const ts_person *p, const char *name)
{
    const ts_attr *a = attr(p, name);
    return a && a->type == TS_ATTR_NUM ? a->num : 0;
}

static int boolv(const ts_person *p, const char *name) /* -1 absent */
{
    const ts_attr *a = attr(p, name);
    return a && a->type == TS_ATTR_BOOL ? a->b : -1;
}

static size_t count_events(const ts_person *p, const char *const *types, size_t nt, int32_t now,
                           int32_t days, const ts_event **newest)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *e = &p->events[i];
        if (e->date > now || e->date < now - days)
            continue;
        for (size_t t = 0; t < nt; t++)
            if (strcmp(e->type, types[t]) == 0) {
                if (newest && (!*newest || e->date > (*newest)->date))
                    *newest = e;
                n++;
                break;
            }
    }
    return n;
}

static bool has_cat(const ts_person *p, const char *c)
{
    for (size_t i = 0; i < p->n_categories; i++)
        if (strcmp(p->categories[i], c) == 0)
            return true;
    return false;
}

typedef struct cres {
    uint32_t fired[15];
    size_t n;
    char ev[15][128];
} cres;

#define FIRE(i, ...)                                                                               \
    do {                                                                                           \
        snprintf(r->ev[r->n], sizeof r->ev[0], __VA_ARGS__);                                       \
        r->fired[r->n++] = (i);                                                                    \
    } while (0)

static const char WARNING[] = "(?i)revenge|not go on living|carries a knife|扬言报复|不想活了";

static void c_full(const ts_person *p, int32_t now, cres *r)
{
    static const char *const hv[] = {"home_visit"};
    r->n = 0;
    if (count_events(p, hv, 1, now, 180, NULL) == 0)
        FIRE(0, "no home_visit in 180 days");
    if (p->born == TS_DATE_NONE)
        FIRE(1, "%s", "");
    if (!attr(p, "contact_officer"))
        FIRE(2, "%s", "");
}

static void c_regional(const ts_person *p, int32_t now, ts_regex_cache *rx, cres *r)
{
    static const char *const cm[] = {"checkin_missed"};
    static const char *const ds[] = {"dispute_filed", "dispute_escalated"};
    static const char *const pr[] = {"incident_reported", "threat_reported", "absconded"};
    r->n = 0;
    double n;
    if ((n = num(p, "missed_checkins_30d")) >= 2)
        FIRE(3, "missed check-ins: %g", n);
    if ((n = num(p, "open_disputes")) >= 2)
        FIRE(4, "open disputes: %g", n);
    if ((n = num(p, "escalated_disputes")) >= 1)
        FIRE(5, "escalated disputes: %g", n);
    if ((n = num(p, "petitions_12m")) >= 3)
        FIRE(6, "petitions in 12 months: %g", n);
    if (boolv(p, "employed") == 0 && boolv(p, "debt_overdue") == 1)
        FIRE(7, "unemployed, debt overdue");
    ts_regex_match m;
    if (ts__regex_search(rx, WARNING, sizeof WARNING - 1, p->notes, strlen(p->notes), &m, NULL,
                         0) == TS_OK &&
        m.found)
        FIRE(8, "%.*s", (int)m.len, p->notes + m.off);
    size_t k;
    if ((k = count_events(p, cm, 1, now, 30, NULL)) >= 2)
        FIRE(9, "checkin_missed in 30 days: %zu", k);
    if ((k = count_events(p, ds, 2, now, 90, NULL)) >= 2)
        FIRE(10, "disputes in 90 days: %zu", k);
    const ts_event *newest = NULL;
    if (count_events(p, pr, 3, now, 30, &newest) > 0) {
        char d[11];
        ts_date_format(newest->date, d);
        FIRE(11, "%s %s", newest->type, d);
    }
    if (has_cat(p, "community_correction") && num(p, "missed_checkins_30d") >= 3)
        FIRE(12, "%s", "");
    int age = p->born == TS_DATE_NONE ? -1 : ts_date_years_between(p->born, now);
    if (boolv(p, "lives_alone") == 1 && num(p, "care_level") >= 2 && age >= 70)
        FIRE(13, "%s", "");
    if (age >= 0 && age < 18 && has_cat(p, "minor_at_risk"))
        FIRE(14, "%s", "");
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_problem(void *ud, const char *where, const char *msg)
{
    (void)ud;
    fprintf(stderr, "%s: %s\n", where, msg);
}

int main(int argc, char **argv)
{
    char def[1024];
    snprintf(def, sizeof def, "%s", __FILE__);
    char *slash = strrchr(def, '/');
    snprintf(slash ? slash + 1 : def, 64, "pack15");
    const char *dir = argc > 1 && argv[1][0] ? argv[1] : def;
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
    bool is_default = strstr(dir, "pack15") != NULL;
    int32_t now = ts_date_from_civil(2026, 11, 24);

    ts_rulehost_opts opts = {0}; /* production defaults: 1e6 instructions, 64 MiB */
    ts_rulepack *pack = NULL;
    ts_err err;
    if (ts_rulepack_load(dir, &opts, on_problem, NULL, &pack, &err) != TS_OK) {
        fprintf(stderr, "cannot load %s: %s: %s\n", dir, err.where, err.msg);
        return 1;
    }
    ts_rulehost *h = NULL;
    if (ts_rulehost_new(pack, &h, &err) != TS_OK) {
        fprintf(stderr, "host: %s\n", err.msg);
        return 1;
    }
    double t0 = cpu_now();
    gen g;
    generate(&g, n, now);
    fprintf(stderr, "generated %zu persons in %.2f s\n", n, cpu_now() - t0);

    size_t nrules = ts_rulepack_count(pack);
    size_t *lua_counts = calloc(nrules, sizeof *lua_counts);
    size_t errors = 0;
    ts_arena a;
    ts_arena_init(&a, 0);
    const ts_pass passes[] = {TS_PASS_FULL, TS_PASS_REGIONAL};
    t0 = cpu_now();
    for (size_t pi = 0; pi < 2; pi++) {
        ts_eval_ctx ctx = {.now = now, .pass = passes[pi], .scope = "all"};
        for (size_t i = 0; i < n; i++) {
            ts_subject s = {.person = &g.persons[i], .village = "T01-V01", .town = "T01"};
            ts_eval_result r;
            if (ts_rulehost_eval(h, &ctx, &s, &a, &r, &err) != TS_OK) {
                fprintf(stderr, "eval: %s\n", err.msg);
                return 1;
            }
            for (size_t k = 0; k < r.n_fired; k++)
                lua_counts[r.fired[k].rule]++;
            errors += r.n_errors;
            if (errors && r.n_errors)
                fprintf(stderr, "rule error: %s: %s\n", r.errors[0].where, r.errors[0].msg);
            if ((i & 1023) == 0)
                ts_arena_reset(&a);
        }
    }
    double lua_s = cpu_now() - t0;

    size_t c_counts[15] = {0};
    double c_s = 0;
    if (is_default && nrules == 15) {
        ts_regex_cache *rx = NULL;
        if (ts__regex_cache_new(0, &rx) != TS_OK)
            return 1;
        cres r;
        t0 = cpu_now();
        for (size_t i = 0; i < n; i++) {
            c_full(&g.persons[i], now, &r);
            for (size_t k = 0; k < r.n; k++)
                c_counts[r.fired[k]]++;
        }
        for (size_t i = 0; i < n; i++) {
            c_regional(&g.persons[i], now, rx, &r);
            for (size_t k = 0; k < r.n; k++)
                c_counts[r.fired[k]]++;
        }
        c_s = cpu_now() - t0;
        ts__regex_cache_free(rx);
    }

    printf("pack %s (%s): %zu rules, %zu persons, full + regional passes\n", dir,
           ts_rulepack_hash(pack), nrules, n);
    printf("lua  : %.3f s cpu, %.0f person-evaluations/s per core (%.2f us/person), "
           "%zu rule errors\n",
           lua_s, (double)n / lua_s, lua_s * 1e6 / (double)n, errors);
    if (c_s > 0) {
        printf("C    : %.3f s cpu, %.0f person-evaluations/s per core (%.2f us/person)\n", c_s,
               (double)n / c_s, c_s * 1e6 / (double)n);
        printf("ratio: %.1fx hand-written C\n", lua_s / c_s);
        bool same = true;
        for (size_t k = 0; k < 15; k++)
            if (lua_counts[k] != c_counts[k]) {
                same = false;
                printf("MISMATCH rule %s: lua %zu, C %zu\n", ts_rulepack_rule(pack, k)->id,
                       lua_counts[k], c_counts[k]);
            }
        printf("fired counts %s\n", same ? "identical in Lua and C" : "DIFFER");
    }
    for (size_t k = 0; k < nrules; k++)
        printf("  %-24s %zu\n", ts_rulepack_rule(pack, k)->id, lua_counts[k]);
    ts_arena_release(&a);
    ts_arena_release(&g.arena);
    free(g.persons);
    free(lua_counts);
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    return 0;
}
