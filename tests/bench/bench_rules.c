/* tests/bench/bench_rules.c — rule evaluation throughput: a pack over N synthetic
 * persons built in memory with a seeded PRNG, each person through the full and regional
 * passes with the sandbox on; then the same rules hand-written in C (the practical lower
 * bound). Prints person-evaluations/s per core (one thread) for both and the ratio.
 * Never fails on time; exits 1 when the fired counts per rule differ between Lua and C.
 *
 *   bench_rules [PACK_DIR [N]] [--population county|risky]
 *
 * PACK_DIR defaults to tests/bench/pack15, N to 1,000,000. The C version exists for
 * pack15 (15 rules) and for the default pack rules/ (recognised by its rule ids: its 9
 * full and 8 regional rules; the 3 targeted rules are not run by this bench).
 * Populations: "county" (default) = the records of `ts-gen -n N` (samples/gen/ts_gen.c
 * make(), seed 20261125, now 2026-11-25; events de-duplicated as the store does): most
 * people have no risk factor, ~15% are suspects. "risky" = the older generator where
 * every person has several risk attributes and 10% carry a warning phrase
 * (now 2026-11-24). Uses the public rule host API, regex/regex.h for pack15 and PCRE2
 * directly (compiled once, JIT) for the default pack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/limits.h"
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

static void generate_risky(gen *g, size_t n, int32_t now)
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

/* ---- the county population: samples/gen/ts_gen.c make(), draw for draw ----------- */

typedef struct cg_rng {
    uint64_t s;
} cg_rng;

static uint64_t cg_next(cg_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cg_below(cg_rng *r, int n)
{
    return (int)(cg_next(r) % (uint64_t)n);
}

static int cg_chance(cg_rng *r, int per_mille)
{
    return cg_below(r, 1000) < per_mille;
}

static const char *const CG_SURNAMES[] = {"王", "李", "张", "刘", "陈", "杨", "黄",
                                          "赵", "吴", "周", "徐", "孙", "马", "朱",
                                          "胡", "郭", "何", "高", "林", "罗"};
static const char *const CG_GIVEN[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
                                       "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
                                       "刚", "桂", "英", "华", "建", "国", "兰", "春", "文", "辉"};
static const char *const CG_PLAIN[] = {"",
                                       "",
                                       "",
                                       "",
                                       "Lives with parents; works seasonal jobs.",
                                       "Attends weekly check-ins.",
                                       "邻里关系一般。",
                                       "在村里做零工。",
                                       "Helps at the family shop.",
                                       "子女在外地打工。",
                                       "Recently moved within the village.",
                                       "家庭经济困难，已申请救助。"};
static const char *const CG_WARNING[] = {
    "Threatened to take revenge on the neighbour after the boundary dispute.",
    "Said he would not go on living after losing the job.",
    "扬言要报复村干部。",
    "多次说不想活了，情绪低落。",
    "Was seen carrying a knife at the market.",
    "与邻居争吵时扬言要动刀。"};
static const char *const CG_KINDS[] = {"family", "spouse", "neighbour", "associate",
                                       "co_defendant"};

/* One person of make() (i of n) into the arena. Events: record order, exact duplicates
 * (same type, date and note) dropped as ts_store_person_prepare does — the screen sees
 * the stored person. */
static void county_person(cg_rng *r, long i, long n, int32_t now, ts_arena *ar, ts_person *p)
{
    memset(p, 0, sizeof *p);
    p->id = ts_arena_printf(ar, "P-%06ld", i + 1);
    const char *s1 = CG_SURNAMES[cg_below(r, 20)], *g1 = CG_GIVEN[cg_below(r, 30)];
    p->name =
        ts_arena_printf(ar, "%s%s%s", s1, g1, cg_chance(r, 600) ? CG_GIVEN[cg_below(r, 30)] : "");
    int t = cg_below(r, 3) + 1, v = cg_below(r, 4) + 1, g = cg_below(r, 4) + 1;
    p->grid = ts_arena_printf(ar, "T%02d-V%02d-G%02d", t, v, g);
    p->born = TS_DATE_NONE;
    if (!cg_chance(r, 40)) {
        int32_t years = 365 * (16 + cg_below(r, 70));
        p->born = now - years - cg_below(r, 365);
    }

    int risk = cg_below(r, 1000);
    const char **cats = ts_arena_alloc(ar, 4 * sizeof *cats);
    size_t nc = 0;
    if (cg_chance(r, 90))
        cats[nc++] = "community_correction";
    if (cg_chance(r, 40))
        cats[nc++] = "released_prisoner";
    if (cg_chance(r, 30))
        cats[nc++] = "drug_rehab";
    if (cg_chance(r, 40))
        cats[nc++] = "mental_health_care";
    if (nc < 4 && cg_chance(r, 60))
        cats[nc++] = cg_chance(r, 500) ? "petitioner" : "dispute_party";
    p->categories = cats;
    p->n_categories = nc;

    int employed = !cg_chance(r, 250);
    int debt = cg_chance(r, 80);
    int alone = cg_chance(r, 120);
    int care = cg_chance(r, 100) ? 1 + cg_below(r, 3) : 0;
    int has_officer = !cg_chance(r, 60);
    int hot = risk < 10;
    int missed = (hot || cg_chance(r, 50)) ? 1 + cg_below(r, 4) : 0;
    int disputes = (hot || cg_chance(r, 60)) ? 1 + cg_below(r, 3) : 0;
    int escalated = disputes && cg_chance(r, hot ? 700 : 250) ? 1 + cg_below(r, disputes) : 0;
    int petitions = cg_chance(r, 40) ? 1 + cg_below(r, 4) : 0;

    /* ts-gen writes every attribute (contact_officer only when there is one); sorted */
    ts_attr *a = ts_arena_calloc(ar, 9, sizeof *a);
    size_t na = 0;
    a[na++] = (ts_attr){.name = "care_level", .type = TS_ATTR_NUM, .num = care};
    if (has_officer)
        a[na++] = (ts_attr){.name = "contact_officer",
                            .type = TS_ATTR_STR,
                            .str = ts_arena_printf(ar, "o-t%02d-v%02d-g%02d", t, v, g)};
    a[na++] = (ts_attr){.name = "debt_overdue", .type = TS_ATTR_BOOL, .b = debt};
    a[na++] = (ts_attr){.name = "employed", .type = TS_ATTR_BOOL, .b = employed};
    a[na++] = (ts_attr){.name = "escalated_disputes", .type = TS_ATTR_NUM, .num = escalated};
    a[na++] = (ts_attr){.name = "lives_alone", .type = TS_ATTR_BOOL, .b = alone};
    a[na++] = (ts_attr){.name = "missed_checkins_30d", .type = TS_ATTR_NUM, .num = missed};
    a[na++] = (ts_attr){.name = "open_disputes", .type = TS_ATTR_NUM, .num = disputes};
    a[na++] = (ts_attr){.name = "petitions_12m", .type = TS_ATTR_NUM, .num = petitions};
    p->attrs = a;
    p->n_attrs = na;

    ts_event ev[24];
    size_t ne = 0;
#define ADD_EV(type_, date_, note_)                                                                \
    do {                                                                                           \
        int32_t d_ = (date_);                                                                      \
        if (ne < 24)                                                                               \
            ev[ne++] = (ts_event){(type_), d_, (note_)};                                           \
    } while (0)
    if (!cg_chance(r, 130))
        ADD_EV("home_visit", now - cg_below(r, 170), "");
    if (cg_chance(r, 300))
        ADD_EV("home_visit", now - 180 - cg_below(r, 200), "");
    for (int k = 0; k < missed; k++)
        ADD_EV("checkin_missed", now - cg_below(r, 30), "");
    if (cg_chance(r, 250))
        ADD_EV("checkin_done", now - cg_below(r, 60), "");
    for (int k = 0; k < disputes; k++) {
        int32_t d = now - cg_below(r, 120);
        ADD_EV("dispute_filed", d, cg_chance(r, 500) ? "boundary dispute" : "debt dispute");
    }
    for (int k = 0; k < escalated; k++)
        ADD_EV("dispute_escalated", now - cg_below(r, 30), "");
    for (int k = 0; k < petitions; k++)
        ADD_EV("petition_filed", now - cg_below(r, 365), "");
    if (!employed && cg_chance(r, 400))
        ADD_EV("job_lost", now - cg_below(r, 90), "");
    if (risk < 5 || (risk >= 10 && risk < 12))
        ADD_EV("threat_reported", now - cg_below(r, 60), "threat against a neighbour");
    else if (risk < 10 || (risk >= 12 && risk < 24))
        ADD_EV("incident_reported", now - cg_below(r, 80), "fight at the market");
    if (risk >= 24 && risk < 27)
        ADD_EV("absconded", now - cg_below(r, 40), "");
    if (cg_chance(r, 30))
        ADD_EV("police_call", now - cg_below(r, 200), "");
    if (care && cg_chance(r, 300))
        ADD_EV("hospital_visit", now - cg_below(r, 120), "");
#undef ADD_EV
    ts_event *e = ts_arena_alloc(ar, (ne ? ne : 1) * sizeof *e);
    size_t kept = 0;
    for (size_t k = 0; k < ne; k++) {
        bool dup = false;
        for (size_t j = 0; j < kept && !dup; j++)
            dup = e[j].date == ev[k].date && strcmp(e[j].type, ev[k].type) == 0 &&
                  strcmp(e[j].note, ev[k].note) == 0;
        if (!dup)
            e[kept++] = ev[k];
    }
    p->events = e;
    p->n_events = kept;

    p->notes = hot || cg_chance(r, 20) ? CG_WARNING[cg_below(r, 6)] : CG_PLAIN[cg_below(r, 12)];

    ts_relation *rel = ts_arena_alloc(ar, 2 * sizeof *rel);
    size_t nr = 0;
    if (i > 0 && cg_chance(r, 450)) {
        rel[nr].other = ts_arena_printf(ar, "P-%06ld", i);
        rel[nr++].kind = cg_chance(r, 300) ? "spouse" : "family";
    }
    if (cg_chance(r, 80) && n > 1) {
        long other = (long)(cg_next(r) % (uint64_t)n);
        if (other != i) {
            rel[nr].other = ts_arena_printf(ar, "P-%06ld", other + 1);
            rel[nr++].kind = CG_KINDS[2 + cg_below(r, 3)];
        }
    }
    p->relations = rel;
    p->n_relations = nr;
}

static void generate_county(gen *g, size_t n, int32_t now)
{
    ts_arena_init(&g->arena, (size_t)8 << 30);
    g->persons = calloc(n, sizeof *g->persons);
    g->n = n;
    cg_rng r = {20261125}; /* ts-gen's default seed */
    for (size_t i = 0; i < n; i++)
        county_person(&r, (long)i, (long)n, now, &g->arena, &g->persons[i]);
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

/* ---- the default pack (rules/) in C: its 9 full and 8 regional rules -------------- */

enum {
    D_CHECKINS_MISSED,
    D_DISPUTES_OPEN,
    D_NOTES_WARNING,
    D_EVENTS_PROBLEM,
    D_PETITIONS_REPEATED,
    D_GAP_HOME_VISIT,
    D_GAP_BORN,
    D_GAP_CONTACT_OFFICER,
    D_GAP_CARE_VISIT,
    D_THREAT_RECENT,
    D_INCIDENT_RECENT,
    D_CHECKINS_PERSISTENT,
    D_CHECKINS_REPEATED,
    D_DISPUTES_ESCALATED_UNEMPLOYED,
    D_DISPUTES_SEVERAL_OPEN,
    D_NOTES_VIOLENCE,
    D_PETITIONS_WITH_DISPUTE,
    D_N
};

static const char *const D_IDS[D_N] = {"checkins.missed",
                                       "disputes.open",
                                       "notes.warning",
                                       "events.problem",
                                       "petitions.repeated",
                                       "gap.home_visit",
                                       "gap.born",
                                       "gap.contact_officer",
                                       "gap.care_visit",
                                       "threat.recent",
                                       "incident.recent",
                                       "checkins.persistent",
                                       "checkins.repeated",
                                       "disputes.escalated_unemployed",
                                       "disputes.several_open",
                                       "notes.violence",
                                       "petitions.with_dispute"};

/* The two patterns exactly as in 10_full.lua (WARNING) and 20_regional.lua (VIOLENCE). */
static const char D_WARNING[] =
    "(?i)(revenge|take it out on|\\bkill (?:him|her|them|you|myself|himself|herself)\\b|"
    "not go on living|end (?:it all|my life|his life|her life)|suicid(?:e|al)|"
    "\\bkni(?:fe|ves)\\b|报复|不想活|活不下去|同归于尽|轻生|刀)";
static const char D_VIOLENCE[] =
    "(?i)(revenge|take it out on|\\bkill (?:him|her|them|you)\\b|\\bkni(?:fe|ves)\\b|报复|"
    "同归于尽|刀)";

/* PCRE2 as the rule host sets it up (UTF, no \C, same match/depth/heap/JIT-stack
 * limits, no PCRE2_NO_UTF_CHECK), each pattern compiled and JIT-compiled once. */
typedef struct drx {
    pcre2_code *warning, *violence;
    pcre2_match_context *mctx;
    pcre2_match_data *md;
    pcre2_jit_stack *jstack;
    bool jit;
} drx;

static pcre2_code *drx_compile(const char *pat, bool *jit)
{
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)pat, strlen(pat), PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C,
                                  &ecode, &eoff, NULL);
    if (!c) {
        PCRE2_UCHAR buf[160];
        pcre2_get_error_message(ecode, buf, sizeof buf);
        fprintf(stderr, "pcre2_compile at %zu: %s\n", (size_t)eoff, (const char *)buf);
        exit(1);
    }
    *jit = *jit && pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0;
    return c;
}

static void drx_init(drx *x)
{
    memset(x, 0, sizeof *x);
    x->jit = true;
    x->warning = drx_compile(D_WARNING, &x->jit);
    x->violence = drx_compile(D_VIOLENCE, &x->jit);
    x->mctx = pcre2_match_context_create(NULL);
    x->md = pcre2_match_data_create(2, NULL);
    x->jstack = pcre2_jit_stack_create(32 * 1024, TS_LIMIT_REGEX_JIT_STACK, NULL);
    if (!x->mctx || !x->md || !x->jstack) {
        fprintf(stderr, "pcre2: out of memory\n");
        exit(1);
    }
    pcre2_set_depth_limit(x->mctx, TS_LIMIT_REGEX_DEPTH);
    pcre2_set_heap_limit(x->mctx, TS_LIMIT_REGEX_HEAP_KB);
    pcre2_jit_stack_assign(x->mctx, NULL, x->jstack);
}

static void drx_free(drx *x)
{
    pcre2_code_free(x->warning);
    pcre2_code_free(x->violence);
    pcre2_match_data_free(x->md);
    pcre2_match_context_free(x->mctx);
    pcre2_jit_stack_free(x->jstack);
}

/* re.find: 1 and the phrase (group 1, else the whole match) when found, 0 when not,
 * -1 on an error (a limit, invalid UTF-8: the rule host records a rule error). */
static int drx_find(drx *x, pcre2_code *code, const char *s, const char **ph, size_t *phlen)
{
    size_t slen = strlen(s);
    if (slen > TS_LIMIT_REGEX_SUBJECT)
        return -1;
    uint64_t per = TS_LIMIT_REGEX_TOTAL / ((uint64_t)slen + 1);
    if (per > TS_LIMIT_REGEX_MATCH)
        per = TS_LIMIT_REGEX_MATCH;
    if (per < TS_LIMIT_REGEX_MATCH_MIN)
        per = TS_LIMIT_REGEX_MATCH_MIN;
    pcre2_set_match_limit(x->mctx, (uint32_t)per);
    int rc = pcre2_match(code, (PCRE2_SPTR)s, slen, 0, 0, x->md, x->mctx);
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc < 0)
        return -1;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
    if (ov[2] != PCRE2_UNSET && ov[3] >= ov[2]) {
        *ph = s + ov[2];
        *phlen = ov[3] - ov[2];
    } else {
        *ph = s + ov[0];
        *phlen = ov[1] >= ov[0] ? ov[1] - ov[0] : 0;
    }
    return 1;
}

/* p:count_events{type = types, within_days = days} (days < 0: no window, every date),
 * and the newest date in *newest. */
static size_t d_count(const ts_person *p, const char *const *types, size_t nt, int32_t now,
                      int32_t days, int32_t *newest)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *e = &p->events[i];
        if (days >= 0 && (e->date > now || (int64_t)e->date < (int64_t)now - days))
            continue;
        for (size_t t = 0; t < nt; t++)
            if (strcmp(e->type, types[t]) == 0) {
                if (n++ == 0 || e->date > *newest)
                    *newest = e->date;
                break;
            }
    }
    return n;
}

/* p:events{type = types, within_days = days}: the count, and its first k entries
 * (newest first, ties in record order) in top. */
static size_t d_events(const ts_person *p, const char *const *types, size_t nt, int32_t now,
                       int32_t days, const ts_event **top, size_t k)
{
    size_t n = 0, m = 0;
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *e = &p->events[i];
        if (e->date > now || (int64_t)e->date < (int64_t)now - days)
            continue;
        for (size_t t = 0; t < nt; t++)
            if (strcmp(e->type, types[t]) == 0) {
                n++;
                size_t j = m < k ? m++ : k;
                while (j > 0 && top[j - 1]->date < e->date) {
                    if (j < k)
                        top[j] = top[j - 1];
                    j--;
                }
                if (j < k)
                    top[j] = e;
                break;
            }
    }
    return n;
}

typedef struct dres {
    uint32_t fired[D_N];
    size_t n, errors;
    char ev[D_N][256];
} dres;

#define DFIRE(i, ...)                                                                              \
    do {                                                                                           \
        snprintf(r->ev[r->n], sizeof r->ev[0], __VA_ARGS__);                                       \
        r->fired[r->n++] = (i);                                                                    \
    } while (0)

static void d_full(const ts_person *p, int32_t now, drx *x, dres *r)
{
    static const char *const cm[] = {"checkin_missed"}, *const de[] = {"dispute_escalated"},
                             *const pf[] = {"petition_filed"}, *const hv[] = {"home_visit"},
                             *const pe[] = {"incident_reported", "threat_reported", "absconded"};
    r->n = 0;
    int32_t latest = 0;
    char d[11];
    size_t k;

    /* checkins.missed */
    double rec = num(p, "missed_checkins_30d");
    if (rec >= 2) {
        DFIRE(D_CHECKINS_MISSED, "missed check-ins in 30 days (recorded): %g", rec);
    } else if ((k = d_count(p, cm, 1, now, 30, &latest)) >= 2) {
        ts_date_format(latest, d);
        DFIRE(D_CHECKINS_MISSED, "checkin_missed events in 30 days: %zu, latest %s", k, d);
    }

    /* disputes.open */
    double open = num(p, "open_disputes"), esc = num(p, "escalated_disputes");
    if (open >= 1 || esc >= 1) {
        DFIRE(D_DISPUTES_OPEN, "open disputes: %g, escalated: %g", open, esc);
    } else if ((k = d_count(p, de, 1, now, 90, &latest)) >= 1) {
        ts_date_format(latest, d);
        DFIRE(D_DISPUTES_OPEN, "dispute_escalated in 90 days: %zu, latest %s", k, d);
    }

    /* notes.warning */
    if (p->notes[0]) {
        const char *ph;
        size_t phl;
        int f = drx_find(x, x->warning, p->notes, &ph, &phl);
        if (f > 0)
            DFIRE(D_NOTES_WARNING, "notes mention \"%.*s\"", (int)phl, ph);
        else if (f < 0)
            r->errors++;
    }

    /* events.problem */
    const ts_event *top[3];
    if ((k = d_events(p, pe, 3, now, 90, top, 3)) > 0) {
        char s[256];
        size_t len = 0;
        for (size_t i = 0; i < k && i < 3; i++) {
            ts_date_format(top[i]->date, d);
            len += (size_t)snprintf(s + len, sizeof s - len, "%s%s %s", i ? ", " : "", top[i]->type,
                                    d);
            if (len >= sizeof s)
                len = sizeof s - 1;
        }
        if (k > 3)
            snprintf(s + len, sizeof s - len, " (+%zu more)", k - 3);
        DFIRE(D_EVENTS_PROBLEM, "%s", s);
    }

    /* petitions.repeated */
    double pet = num(p, "petitions_12m");
    if (pet >= 3) {
        DFIRE(D_PETITIONS_REPEATED, "petitions in 12 months (recorded): %g", pet);
    } else if ((k = d_count(p, pf, 1, now, 365, &latest)) >= 3) {
        ts_date_format(latest, d);
        DFIRE(D_PETITIONS_REPEATED, "petition_filed events in 365 days: %zu, latest %s", k, d);
    }

    /* gap.home_visit */
    if (d_count(p, hv, 1, now, 180, &latest) == 0) {
        if (d_count(p, hv, 1, now, -1, &latest) == 0) {
            DFIRE(D_GAP_HOME_VISIT, "no home visit on record");
        } else {
            ts_date_format(latest, d);
            DFIRE(D_GAP_HOME_VISIT, "last home visit %s", d);
        }
    }

    /* gap.born */
    if (p->born == TS_DATE_NONE)
        DFIRE(D_GAP_BORN, "no birth date");

    /* gap.contact_officer */
    const ts_attr *off = attr(p, "contact_officer");
    if (!off || off->type != TS_ATTR_STR || !off->str || !off->str[0])
        DFIRE(D_GAP_CONTACT_OFFICER, "contact_officer missing");

    /* gap.care_visit */
    double level = num(p, "care_level");
    if ((level >= 2 || has_cat(p, "mental_health_care") || has_cat(p, "elderly_living_alone")) &&
        d_count(p, hv, 1, now, 60, &latest) == 0) {
        char last[40];
        if (d_count(p, hv, 1, now, -1, &latest) > 0) {
            ts_date_format(latest, d);
            snprintf(last, sizeof last, "last home visit %s", d);
        } else {
            snprintf(last, sizeof last, "no home visit on record");
        }
        if (level >= 2)
            DFIRE(D_GAP_CARE_VISIT, "care level %g; %s", level, last);
        else
            DFIRE(D_GAP_CARE_VISIT, "care category; %s", last);
    }
}

/* missed_checkins(p, need) of 20_regional.lua */
static double d_missed(const ts_person *p, int32_t now, double need, char *ev, size_t cap)
{
    static const char *const cm[] = {"checkin_missed"};
    double rec = num(p, "missed_checkins_30d");
    if (rec < need) {
        int32_t latest = 0;
        size_t k = d_count(p, cm, 1, now, 30, &latest);
        if ((double)k > rec) {
            snprintf(ev, cap, "checkin_missed events in 30 days: %zu", k);
            return (double)k;
        }
    }
    snprintf(ev, cap, "missed check-ins in 30 days (recorded): %g", rec);
    return rec;
}

static void d_regional(const ts_person *p, int32_t now, drx *x, dres *r)
{
    static const char *const th[] = {"threat_reported", "absconded"},
                             *const ir[] = {"incident_reported"},
                             *const de[] = {"dispute_escalated"}, *const pf[] = {"petition_filed"};
    r->n = 0;
    int32_t latest = 0;
    char d[11];
    size_t k;

    /* threat.recent */
    const ts_event *top[1];
    if ((k = d_events(p, th, 2, now, 30, top, 1)) > 0) {
        ts_date_format(top[0]->date, d);
        if (k > 1)
            DFIRE(D_THREAT_RECENT, "%s %s (%zu in 30 days)", top[0]->type, d, k);
        else
            DFIRE(D_THREAT_RECENT, "%s %s", top[0]->type, d);
    }

    /* incident.recent */
    if ((k = d_count(p, ir, 1, now, 90, &latest)) > 0) {
        ts_date_format(latest, d);
        DFIRE(D_INCIDENT_RECENT, "incident_reported %s (%zu in 90 days)", d, k);
    }

    /* checkins.persistent, checkins.repeated: the evidence is built either way, as in Lua */
    char ev[128];
    if (d_missed(p, now, 3, ev, sizeof ev) >= 3)
        DFIRE(D_CHECKINS_PERSISTENT, "%s", ev);
    if (d_missed(p, now, 2, ev, sizeof ev) >= 2)
        DFIRE(D_CHECKINS_REPEATED, "%s", ev);

    /* disputes.escalated_unemployed: only when employed is the boolean false */
    const ts_attr *emp = attr(p, "employed");
    if (emp && emp->type == TS_ATTR_BOOL && !emp->b) {
        double esc = num(p, "escalated_disputes");
        size_t recent = d_count(p, de, 1, now, 90, &latest);
        if (esc >= 1 || recent >= 1)
            DFIRE(D_DISPUTES_ESCALATED_UNEMPLOYED,
                  "escalated disputes: %g, dispute_escalated in 90 days: %zu; employed: no", esc,
                  recent);
    }

    /* disputes.several_open */
    double open = num(p, "open_disputes");
    if (open >= 2)
        DFIRE(D_DISPUTES_SEVERAL_OPEN, "open disputes: %g", open);

    /* notes.violence */
    if (p->notes[0]) {
        const char *ph;
        size_t phl;
        int f = drx_find(x, x->violence, p->notes, &ph, &phl);
        if (f > 0)
            DFIRE(D_NOTES_VIOLENCE, "notes mention \"%.*s\"", (int)phl, ph);
        else if (f < 0)
            r->errors++;
    }

    /* petitions.with_dispute */
    if (open >= 1) {
        double pet = num(p, "petitions_12m");
        if (pet < 3) {
            size_t filed = d_count(p, pf, 1, now, 365, &latest);
            if ((double)filed > pet)
                pet = (double)filed;
        }
        if (pet >= 3)
            DFIRE(D_PETITIONS_WITH_DISPUTE, "petitions in 12 months: %g, open disputes: %g", pet,
                  open);
    }
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

static int usage(void)
{
    fprintf(stderr, "usage: bench_rules [PACK_DIR [N]] [--population county|risky]\n");
    return 2;
}

int main(int argc, char **argv)
{
    char def[1024];
    snprintf(def, sizeof def, "%s", __FILE__);
    char *slash = strrchr(def, '/');
    snprintf(slash ? slash + 1 : def, 64, "pack15");
    const char *pos[2] = {NULL, NULL};
    size_t npos = 0;
    bool county = true;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--population") == 0) {
            if (++i >= argc)
                return usage();
            v = argv[i];
        } else if (strncmp(argv[i], "--population=", 13) == 0) {
            v = argv[i] + 13;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage();
        } else if (npos < 2) {
            pos[npos++] = argv[i];
            continue;
        } else {
            return usage();
        }
        if (strcmp(v, "county") == 0)
            county = true;
        else if (strcmp(v, "risky") == 0)
            county = false;
        else
            return usage();
    }
    const char *dir = pos[0] && pos[0][0] ? pos[0] : def;
    size_t n = pos[1] ? strtoul(pos[1], NULL, 10) : 1000000;
    if (n == 0)
        return usage();
    bool is_pack15 = strstr(dir, "pack15") != NULL;
    /* county: ts-gen's default date, so the persons are those of `ts-gen -n N` */
    int32_t now = county ? ts_date_from_civil(2026, 11, 25) : ts_date_from_civil(2026, 11, 24);

    /* production options: 1e6 instructions, 64 MiB, 1 s a person, protected names hidden */
    ts_rulehost_opts opts = ts_rulehost_opts_for(NULL);
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
    size_t nrules = ts_rulepack_count(pack);
    /* the default pack, recognised by its rule ids; every C rule maps to a pack rule */
    bool is_rules = ts_rulepack_find(pack, "checkins.missed") >= 0 &&
                    ts_rulepack_find(pack, "threat.recent") >= 0;
    uint32_t dmap[D_N];
    for (size_t k = 0; is_rules && k < D_N; k++) {
        long idx = ts_rulepack_find(pack, D_IDS[k]);
        if (idx < 0) {
            fprintf(stderr, "pack looks like the default pack but has no rule %s: no C version\n",
                    D_IDS[k]);
            is_rules = false;
        } else {
            dmap[k] = (uint32_t)idx;
        }
    }

    double t0 = cpu_now();
    gen g;
    if (county)
        generate_county(&g, n, now);
    else
        generate_risky(&g, n, now);
    char nows[11];
    ts_date_format(now, nows);
    fprintf(stderr, "generated %zu persons (%s) in %.2f s\n", n, county ? "county" : "risky",
            cpu_now() - t0);

    size_t *lua_counts = calloc(nrules, sizeof *lua_counts);
    size_t errors = 0, suspects = 0;
    bool *is_suspect_rule = calloc(nrules, sizeof *is_suspect_rule);
    for (size_t k = 0; k < nrules; k++)
        is_suspect_rule[k] = ts_rulepack_rule(pack, k)->pass == TS_PASS_FULL &&
                             ts_rulepack_rule(pack, k)->kind == TS_RULE_SUSPECT;
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
            bool sus = false;
            for (size_t k = 0; k < r.n_fired; k++) {
                lua_counts[r.fired[k].rule]++;
                sus |= is_suspect_rule[r.fired[k].rule];
            }
            suspects += sus && pi == 0;
            errors += r.n_errors;
            if (errors && r.n_errors)
                fprintf(stderr, "rule error: %s: %s\n", r.errors[0].where, r.errors[0].msg);
            if ((i & 1023) == 0)
                ts_arena_reset(&a);
        }
    }
    double lua_s = cpu_now() - t0;

    size_t *c_counts = calloc(nrules, sizeof *c_counts);
    size_t c_errors = 0;
    double c_s = 0;
    const char *c_what = NULL;
    if (is_pack15 && nrules == 15) {
        c_what = "pack15";
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
    } else if (is_rules) {
        drx x;
        drx_init(&x);
        c_what = x.jit ? "default pack, PCRE2 JIT" : "default pack, PCRE2 (no JIT)";
        static dres r;
        r.errors = 0;
        t0 = cpu_now();
        for (size_t i = 0; i < n; i++) {
            d_full(&g.persons[i], now, &x, &r);
            for (size_t k = 0; k < r.n; k++)
                c_counts[dmap[r.fired[k]]]++;
        }
        for (size_t i = 0; i < n; i++) {
            d_regional(&g.persons[i], now, &x, &r);
            for (size_t k = 0; k < r.n; k++)
                c_counts[dmap[r.fired[k]]]++;
        }
        c_s = cpu_now() - t0;
        c_errors = r.errors;
        drx_free(&x);
    }

    printf("pack %s (%s): %zu rules, %zu persons, full + regional passes\n", dir,
           ts_rulepack_hash(pack), nrules, n);
    printf("population: %s (now %s)\n",
           county ? "county (ts-gen make() distribution, seed 20261125)"
                  : "risky (every person has risk attributes)",
           nows);
    printf("suspects (full pass): %zu (%.1f%%)\n", suspects, 100.0 * (double)suspects / (double)n);
    printf("lua  : %.3f s cpu, %.0f person-evaluations/s per core (%.2f us/person), "
           "%zu rule errors\n",
           lua_s, (double)n / lua_s, lua_s * 1e6 / (double)n, errors);
    bool same = true;
    if (c_s > 0) {
        printf("C    : %.3f s cpu, %.0f person-evaluations/s per core (%.2f us/person), %s", c_s,
               (double)n / c_s, c_s * 1e6 / (double)n, c_what);
        if (is_rules && !is_pack15)
            printf(", %zu regex errors", c_errors);
        printf("\n");
        printf("ratio: %.1fx hand-written C\n", lua_s / c_s);
        for (size_t k = 0; k < nrules; k++)
            if (lua_counts[k] != c_counts[k]) {
                same = false;
                printf("MISMATCH rule %s: lua %zu, C %zu\n", ts_rulepack_rule(pack, k)->id,
                       lua_counts[k], c_counts[k]);
            }
        printf("fired counts %s\n", same ? "identical in Lua and C" : "DIFFER");
    } else {
        printf("C    : no hand-written version of this pack\n");
    }
    for (size_t k = 0; k < nrules; k++)
        printf("  %-32s %-8s %zu\n", ts_rulepack_rule(pack, k)->id,
               ts_pass_name(ts_rulepack_rule(pack, k)->pass), lua_counts[k]);
    ts_arena_release(&a);
    ts_arena_release(&g.arena);
    free(g.persons);
    free(lua_counts);
    free(c_counts);
    free(is_suspect_rule);
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    if (!same) {
        fprintf(stderr, "bench_rules: fired counts differ between Lua and C\n");
        return 1;
    }
    return 0;
}
