/* ts_gen — deterministic generator of fictional person records for the sample county
 * (3 towns × 4 villages × 4 groups, codes T01-V01-G01 …). The same seed and count give
 * the same bytes. Used by samples/, the tests and the benchmarks.
 *
 *   ts-gen [-n COUNT] [-s SEED] [--now YYYY-MM-DD] [--csv DIR] [-o FILE]
 *
 * JSON Lines to stdout (or -o FILE); with --csv DIR, the same data as DIR/persons.csv,
 * DIR/events.csv and DIR/relations.csv. Everything here is invented: names are random
 * combinations of common characters; no real person is described. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int below(rng *r, int n)
{
    return (int)(next(r) % (uint64_t)n);
}

static int chance(rng *r, int per_mille)
{
    return below(r, 1000) < per_mille;
}

/* ---- dates ---- */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + (int)doe - 719468);
}

static void civil(int32_t z32, char out[11])
{
    long z = (long)z32 + 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned long doe = (unsigned long)(z - era * 146097);
    unsigned long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = (long)yoe + era * 400;
    unsigned long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned long mp = (5 * doy + 2) / 153;
    unsigned long d = doy - (153 * mp + 2) / 5 + 1;
    unsigned long m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)(y + (m <= 2)) % 10000u, (unsigned)(m % 100),
             (unsigned)(d % 100));
}

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                                       "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
                                    "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞", "平",
                                    "刚", "桂", "英", "华", "建", "国", "兰", "春", "文", "辉"};

static const char *const plain_notes[] = {"",
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
static const char *const warning_notes[] = {
    "Threatened to take revenge on the neighbour after the boundary dispute.",
    "Said he would not go on living after losing the job.",
    "扬言要报复村干部。",
    "多次说不想活了，情绪低落。",
    "Was seen carrying a knife at the market.",
    "与邻居争吵时扬言要动刀。"};
static const char *const kinds[] = {"family", "spouse", "neighbour", "associate", "co_defendant"};

typedef struct ev {
    const char *type;
    int32_t date;
    const char *note;
} ev;

typedef struct person {
    char id[24];
    char name[32];
    char grid[48];
    char born[11];
    int has_born;
    const char *cats[4];
    int n_cats;
    int missed, disputes, escalated, petitions, employed, debt, alone, care, has_officer;
    char officer[64];
    const char *notes;
    ev evs[24];
    int n_evs;
    char rel_id[4][24];
    const char *rel_kind[4];
    int n_rel;
} person;

static void add_ev(person *p, const char *type, int32_t date, const char *note)
{
    if (p->n_evs < 24)
        p->evs[p->n_evs++] = (ev){type, date, note};
}

static void make(rng *r, long i, long n, int32_t now, person *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->id, sizeof p->id, "P-%06ld", i + 1);
    /* Drawn in this order (the order gcc evaluated the arguments in when the samples
     * were made): argument order is unspecified in C and clang differs. */
    const char *second = chance(r, 600) ? given[below(r, 30)] : "";
    const char *first = given[below(r, 30)];
    const char *surname = surnames[below(r, 20)];
    snprintf(p->name, sizeof p->name, "%s%s%s", surname, first, second);
    int t = below(r, 3) + 1, v = below(r, 4) + 1, g = below(r, 4) + 1;
    snprintf(p->grid, sizeof p->grid, "T%02d-V%02d-G%02d", t, v, g);
    p->has_born = !chance(r, 40);
    if (p->has_born)
        civil(now - 365 * (16 + below(r, 70)) - below(r, 365), p->born);

    /* categories and the facts that go with them */
    int risk = below(r, 1000); /* 0 = the most worrying */
    if (chance(r, 90))
        p->cats[p->n_cats++] = "community_correction";
    if (chance(r, 40))
        p->cats[p->n_cats++] = "released_prisoner";
    if (chance(r, 30))
        p->cats[p->n_cats++] = "drug_rehab";
    if (chance(r, 40))
        p->cats[p->n_cats++] = "mental_health_care";
    if (p->n_cats < 4 && chance(r, 60))
        p->cats[p->n_cats++] = chance(r, 500) ? "petitioner" : "dispute_party";

    p->employed = !chance(r, 250);
    p->debt = chance(r, 80);
    p->alone = chance(r, 120);
    p->care = chance(r, 100) ? 1 + below(r, 3) : 0;
    p->has_officer = !chance(r, 60);
    if (p->has_officer)
        snprintf(p->officer, sizeof p->officer, "o-t%02d-v%02d-g%02d", t, v, g);

    /* risk factors are drawn independently, so most people have none, some one, and a
     * few (the "hot" 1%) several — a pyramid of blue > yellow > red */
    int hot = risk < 10;
    p->missed = (hot || chance(r, 50)) ? 1 + below(r, 4) : 0;
    p->disputes = (hot || chance(r, 60)) ? 1 + below(r, 3) : 0;
    p->escalated = p->disputes && chance(r, hot ? 700 : 250) ? 1 + below(r, p->disputes) : 0;
    p->petitions = chance(r, 40) ? 1 + below(r, 4) : 0;
    /* events, dated relative to now */
    if (!chance(r, 130))
        add_ev(p, "home_visit", now - below(r, 170), "");
    if (chance(r, 300))
        add_ev(p, "home_visit", now - 180 - below(r, 200), "");
    for (int k = 0; k < p->missed; k++)
        add_ev(p, "checkin_missed", now - below(r, 30), "");
    if (chance(r, 250))
        add_ev(p, "checkin_done", now - below(r, 60), "");
    for (int k = 0; k < p->disputes; k++) {
        int32_t d = now - below(r, 120);
        add_ev(p, "dispute_filed", d, chance(r, 500) ? "boundary dispute" : "debt dispute");
    }
    for (int k = 0; k < p->escalated; k++)
        add_ev(p, "dispute_escalated", now - below(r, 30), "");
    for (int k = 0; k < p->petitions; k++)
        add_ev(p, "petition_filed", now - below(r, 365), "");
    if (!p->employed && chance(r, 400))
        add_ev(p, "job_lost", now - below(r, 90), "");
    if (risk < 5 || (risk >= 10 && risk < 12))
        add_ev(p, "threat_reported", now - below(r, 60), "threat against a neighbour");
    else if (risk < 10 || (risk >= 12 && risk < 24))
        add_ev(p, "incident_reported", now - below(r, 80), "fight at the market");
    if (risk >= 24 && risk < 27)
        add_ev(p, "absconded", now - below(r, 40), "");
    if (chance(r, 30))
        add_ev(p, "police_call", now - below(r, 200), "");
    if (p->care && chance(r, 300))
        add_ev(p, "hospital_visit", now - below(r, 120), "");

    p->notes = hot || chance(r, 20) ? warning_notes[below(r, 6)] : plain_notes[below(r, 12)];

    /* relations: households of neighbours in id order, plus a few associates */
    if (i > 0 && chance(r, 450)) {
        snprintf(p->rel_id[p->n_rel], sizeof p->rel_id[0], "P-%06ld", i);
        p->rel_kind[p->n_rel++] = chance(r, 300) ? "spouse" : "family";
    }
    if (chance(r, 80) && n > 1) {
        long other = (long)(next(r) % (uint64_t)n);
        if (other != i) {
            snprintf(p->rel_id[p->n_rel], sizeof p->rel_id[0], "P-%06ld", other + 1);
            p->rel_kind[p->n_rel++] = kinds[2 + below(r, 3)];
        }
    }
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void emit_jsonl(FILE *f, const person *p)
{
    fputs("{\"id\":", f);
    json_str(f, p->id);
    fputs(",\"name\":", f);
    json_str(f, p->name);
    fputs(",\"grid\":", f);
    json_str(f, p->grid);
    if (p->has_born)
        fprintf(f, ",\"born\":\"%s\"", p->born);
    fputs(",\"categories\":[", f);
    for (int k = 0; k < p->n_cats; k++)
        fprintf(f, "%s\"%s\"", k ? "," : "", p->cats[k]);
    fprintf(f,
            "],\"attrs\":{\"missed_checkins_30d\":%d,\"open_disputes\":%d,"
            "\"escalated_disputes\":%d,\"petitions_12m\":%d,\"employed\":%s,"
            "\"debt_overdue\":%s,\"lives_alone\":%s,\"care_level\":%d",
            p->missed, p->disputes, p->escalated, p->petitions, p->employed ? "true" : "false",
            p->debt ? "true" : "false", p->alone ? "true" : "false", p->care);
    if (p->has_officer)
        fprintf(f, ",\"contact_officer\":\"%s\"", p->officer);
    fputs("},\"events\":[", f);
    for (int k = 0; k < p->n_evs; k++) {
        char d[11];
        civil(p->evs[k].date, d);
        fprintf(f, "%s{\"type\":\"%s\",\"date\":\"%s\"", k ? "," : "", p->evs[k].type, d);
        if (p->evs[k].note[0]) {
            fputs(",\"note\":", f);
            json_str(f, p->evs[k].note);
        }
        fputc('}', f);
    }
    fputs("],\"relations\":[", f);
    for (int k = 0; k < p->n_rel; k++)
        fprintf(f, "%s{\"id\":\"%s\",\"kind\":\"%s\"}", k ? "," : "", p->rel_id[k], p->rel_kind[k]);
    fputs("],\"notes\":", f);
    json_str(f, p->notes);
    fputs("}\n", f);
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void emit_csv(FILE *pf, FILE *ef, FILE *rf, const person *p)
{
    csv_field(pf, p->id);
    fputc(',', pf);
    csv_field(pf, p->name);
    fprintf(pf, ",%s,%s,", p->grid, p->has_born ? p->born : "");
    for (int k = 0; k < p->n_cats; k++)
        fprintf(pf, "%s%s", k ? ";" : "", p->cats[k]);
    fputc(',', pf);
    csv_field(pf, p->notes);
    fprintf(pf, ",%d,%d,%d,%d,%s,%s,%s,%d,%s\n", p->missed, p->disputes, p->escalated, p->petitions,
            p->employed ? "true" : "false", p->debt ? "true" : "false", p->alone ? "true" : "false",
            p->care, p->has_officer ? p->officer : "");
    for (int k = 0; k < p->n_evs; k++) {
        char d[11];
        civil(p->evs[k].date, d);
        fprintf(ef, "%s,%s,%s,", p->id, p->evs[k].type, d);
        csv_field(ef, p->evs[k].note);
        fputc('\n', ef);
    }
    for (int k = 0; k < p->n_rel; k++)
        fprintf(rf, "%s,%s,%s\n", p->id, p->rel_id[k], p->rel_kind[k]);
}

int main(int argc, char **argv)
{
    long n = 2000;
    uint64_t seed = 20261125;
    const char *now_s = "2026-11-25", *csv_dir = NULL, *out = NULL;
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},  {"seed", required_argument, NULL, 's'},
        {"now", required_argument, NULL, 'N'},    {"csv", required_argument, NULL, 'C'},
        {"output", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:s:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            n = atol(optarg);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        case 'N':
            now_s = optarg;
            break;
        case 'C':
            csv_dir = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        default:
            fprintf(stderr, "usage: ts-gen [-n COUNT] [-s SEED] [--now DATE] [--csv DIR] "
                            "[-o FILE]\n");
            return 2;
        }
    }
    int y, m, d;
    if (n < 1 || sscanf(now_s, "%4d-%2d-%2d", &y, &m, &d) != 3) {
        fprintf(stderr, "ts-gen: bad count or --now\n");
        return 2;
    }
    int32_t now = days_from_civil(y, m, d);
    rng r = {seed};
    person p;
    if (csv_dir) {
        char path[4096];
        FILE *f[3];
        const char *names[3] = {"persons.csv", "events.csv", "relations.csv"};
        for (int k = 0; k < 3; k++) {
            snprintf(path, sizeof path, "%s/%s", csv_dir, names[k]);
            if (!(f[k] = fopen(path, "w"))) {
                perror(path);
                return 1;
            }
        }
        fputs("id,name,grid,born,categories,notes,attrs.missed_checkins_30d,"
              "attrs.open_disputes,attrs.escalated_disputes,attrs.petitions_12m,"
              "attrs.employed,attrs.debt_overdue,attrs.lives_alone,attrs.care_level,"
              "attrs.contact_officer\n",
              f[0]);
        fputs("person_id,type,date,note\n", f[1]);
        fputs("person_id,other_id,kind\n", f[2]);
        for (long i = 0; i < n; i++) {
            make(&r, i, n, now, &p);
            emit_csv(f[0], f[1], f[2], &p);
        }
        for (int k = 0; k < 3; k++)
            fclose(f[k]);
        return 0;
    }
    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        perror(out);
        return 1;
    }
    static char buf[1 << 16];
    setvbuf(f, buf, _IOFBF, sizeof buf);
    for (long i = 0; i < n; i++) {
        make(&r, i, n, now, &p);
        emit_jsonl(f, &p);
    }
    if (out)
        fclose(f);
    return 0;
}
