/* tests/fuzz/fuzz_rules.c — libFuzzer target for rule files: the input is the text of
 * one rule file, loaded as a pack (compile, run the top level under the limits, freeze
 * and isolate the file-level values), then, when it loads, evaluated on a sample person
 * in every pass. Small limits (20000 instructions, 8 MiB, 200 ms a person) keep each
 * run short; nothing may crash, leak, overflow the C stack or hang. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "triscreen/date.h"
#include "triscreen/rulehost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void fuzz_rm(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/10_fuzz.lua", dir);
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/ts_fuzz_rules_XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(fuzz_rm);
    }
    char path[128];
    snprintf(path, sizeof path, "%s/10_fuzz.lua", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    ts_rulehost_opts o = {.instructions = 20000, .memory_bytes = 8u << 20, .ms_per_person = 200};
    ts_rulepack *pack = NULL;
    ts_err err;
    if (ts_rulepack_load(dir, &o, NULL, NULL, &pack, &err) != TS_OK)
        return 0;
    ts_rulehost *h = NULL;
    if (ts_rulehost_new(pack, &h, &err) == TS_OK) {
        ts_attr attrs[2] = {{.name = "n", .type = TS_ATTR_NUM, .num = 2},
                            {.name = "s", .type = TS_ATTR_STR, .str = "x"}};
        ts_event ev[1] = {{"checkin_missed", ts_date_from_civil(2026, 11, 2), "late"}};
        const char *cats[1] = {"dispute_party"};
        ts_person p = {.id = "P-1",
                       .name = "N",
                       .grid = "T01-V01-G01",
                       .notes = "note",
                       .born = ts_date_from_civil(1990, 1, 1),
                       .attrs = attrs,
                       .n_attrs = 2,
                       .events = ev,
                       .n_events = 1,
                       .categories = cats,
                       .n_categories = 1};
        ts_person q = p;
        q.id = "P-2";
        ts_circle_member m = {.person = &q,
                              .village = "T01-V01",
                              .town = "T01",
                              .relation = "family",
                              .distance = 1,
                              .colour = TS_COLOUR_RED};
        ts_subject s = {.person = &p,
                        .village = "T01-V01",
                        .town = "T01",
                        .colour = TS_COLOUR_YELLOW,
                        .suspect = true,
                        .circle = &m,
                        .n_circle = 1};
        ts_arena a;
        ts_arena_init(&a, 0);
        for (int pass = 0; pass < 3; pass++) {
            ts_eval_ctx c = {
                .now = ts_date_from_civil(2026, 11, 24), .pass = (ts_pass)pass, .scope = "all"};
            ts_eval_result r;
            (void)ts_rulehost_eval(h, &c, &s, &a, &r, &err);
        }
        ts_arena_release(&a);
    }
    ts_rulehost_free(h);
    ts_rulepack_free(pack);
    return 0;
}
