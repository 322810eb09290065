/* tests/bench/bench_parse.c — JSONL parse throughput: ts_reader_next into ts_person on one
 * core, beside json-c's bare parse of the same lines (the floor this path builds on).
 *
 *   cmake --build build --target bench_parse
 *   ./build/bench_parse                # 300,000 generated persons, in memory
 *   ./build/bench_parse -n 1000000     # more
 *   ./build/bench_parse persons.jsonl  # a file, streamed through the reader
 *   ./build/bench_parse -w out.jsonl   # write the generated lines to a file and stop
 *
 * Prints figures; never fails on time. CPU time is per thread (CLOCK_THREAD_CPUTIME_ID),
 * so other load on the machine moves the figures less than wall time would. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "triscreen/record.h"

static double now_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state = 42;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

static const char *ev_types[] = {"checkin_done",  "checkin_missed", "home_visit",
                                 "dispute_filed", "petition_filed", "job_lost"};
static const char *cats[] = {"community_correction", "released_prisoner", "petitioner",
                             "dispute_party", "elderly_living_alone"};

/* Appends one synthetic person line (about 420 bytes, 0..6 events, 3 on average). */
static size_t gen_line(char *b, size_t cap, unsigned i)
{
    size_t n = (size_t)snprintf(
        b, cap,
        "{\"id\":\"P-%07u\",\"name\":\"Person %u\",\"grid\":\"T0%u-V0%u-G0%u\",\"born\":\"19%02u-"
        "%02u-%02u\",\"categories\":[\"%s\"],\"attrs\":{\"missed_checkins_30d\":%u,"
        "\"open_disputes\":%u,\"employed\":%s,\"contact_officer\":\"o-%u\"},\"events\":[",
        i, i, 1 + rnd(3), 1 + rnd(4), 1 + rnd(4), 40 + rnd(60), 1 + rnd(12), 1 + rnd(28),
        cats[rnd(5)], rnd(4), rnd(3), rnd(2) ? "true" : "false", rnd(100));
    unsigned ne = rnd(7);
    for (unsigned e = 0; e < ne; e++)
        n += (size_t)snprintf(b + n, cap - n, "%s{\"type\":\"%s\",\"date\":\"2026-%02u-%02u\"%s}",
                              e ? "," : "", ev_types[rnd(6)], 1 + rnd(12), 1 + rnd(28),
                              rnd(3) == 0 ? ",\"note\":\"follow-up by the grid worker\"" : "");
    n += (size_t)snprintf(b + n, cap - n,
                          "],\"relations\":[{\"id\":\"P-%07u\",\"kind\":\"family\"}],\"notes\":"
                          "\"free text written by the grid worker\"}\n",
                          rnd(1000000));
    return n;
}

int main(int argc, char **argv)
{
    unsigned n = 300000;
    const char *file = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
            out = argv[++i];
        else
            file = argv[i];
    }
    char *buf = NULL;
    size_t len = 0;
    if (!file) {
        size_t cap = (size_t)n * 900 + 1024;
        buf = malloc(cap);
        if (!buf)
            return 2;
        for (unsigned i = 0; i < n; i++)
            len += gen_line(buf + len, cap - len, i);
        printf("generated %u persons, %.1f MB, %.0f bytes/line\n", n, (double)len / 1e6,
               (double)len / n);
        if (out) {
            FILE *f = fopen(out, "wb");
            if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
                return 2;
            free(buf);
            return 0;
        }
    }

    ts_arena arena;
    ts_arena_init(&arena, 0);
    ts_reader *r = NULL;
    ts_err err;
    ts_status rc = file ? ts_reader_open(file, TS_FORMAT_JSONL, &r, &err)
                        : ts_reader_open_mem("bench.jsonl", buf, len, TS_FORMAT_JSONL, &r, &err);
    if (rc != TS_OK) {
        char m[800];
        fprintf(stderr, "bench_parse: %s\n", ts_err_format(&err, m, sizeof m));
        return 2;
    }
    uint64_t persons = 0, rejects = 0, events = 0;
    double c0 = now_cpu(), w0 = now_wall();
    for (;;) {
        ts_item it;
        if (ts_reader_next(r, &arena, &it, &err) != TS_OK)
            return 2;
        if (it.kind == TS_ITEM_END)
            break;
        if (it.kind == TS_ITEM_PERSON) {
            persons++;
            events += it.person.n_events;
        } else {
            rejects++;
        }
        ts_arena_reset(&arena);
    }
    double cpu = now_cpu() - c0, wall = now_wall() - w0;
    uint64_t bytes = 0, total = 0;
    ts_reader_progress(r, &bytes, &total);
    ts_reader_close(r);
    uint64_t items = persons + rejects;
    printf("ts_reader_next (JSONL -> ts_person): %llu persons, %llu rejects, %llu events\n",
           (unsigned long long)persons, (unsigned long long)rejects, (unsigned long long)events);
    printf("  %.0f records/s (cpu %.3f s), %.0f records/s wall, %.1f MB/s\n", items / cpu, cpu,
           items / wall, (double)bytes / 1e6 / cpu);

    if (buf) {
        /* the floor: json-c alone on the same lines, one tokener reused */
        struct json_tokener *tok = json_tokener_new_ex(16);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        uint64_t ok = 0;
        c0 = now_cpu();
        for (size_t off = 0; off < len;) {
            const char *nl = memchr(buf + off, '\n', len - off);
            size_t l = nl ? (size_t)(nl - (buf + off)) : len - off;
            json_tokener_reset(tok);
            json_object *o = json_tokener_parse_ex(tok, buf + off, (int)l);
            ok += o != NULL;
            json_object_put(o);
            off += l + 1;
        }
        cpu = now_cpu() - c0;
        json_tokener_free(tok);
        printf("json-c parse only (json_tokener_parse_ex + json_object_put): %llu objects\n",
               (unsigned long long)ok);
        printf("  %.0f records/s (cpu %.3f s)\n", ok / cpu, cpu);
    }
    ts_arena_release(&arena);
    free(buf);
    return 0;
}
