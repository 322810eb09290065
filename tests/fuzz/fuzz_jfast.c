/* tests/fuzz/fuzz_jfast.c — libFuzzer target holding the JSON record fast path
 * (engine/record/jfast.c) to the json-c path: whatever the fast path accepts, json-c
 * must accept as the same person (tests/unit/record/person_eq.h), else abort. The input
 * is one line; it is also tried spliced into a record as an attribute value and as the
 * notes. Not part of the default build; tests/fuzz/run.sh builds and runs it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "record/json_int.h"
#include "record/person_eq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(ts__jfast *f, struct json_tokener *tok, ts_arena *a, const char *buf, size_t n)
{
    ts_arena_reset(a);
    ts_person fast, slow;
    if (!ts__jfast_parse(f, buf, n, a, &fast))
        return;
    ts_err err;
    if (ts__rec_parse_json_tok(tok, NULL, buf, n, a, &slow, &err) != TS_OK || differ(&fast, &slow))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const pre[] = {"{\"id\":\"P-1\",\"grid\":\"G\",\"attrs\":{\"x\":",
                                      "{\"id\":\"P-1\",\"grid\":\"G\",\"notes\":"};
    static const char *const post[] = {"}}", "}"};
    ts__jfast *f = ts__jfast_new(true);
    struct json_tokener *tok = ts__rec_tokener_new();
    char *buf = malloc(size + 64);
    if (!f || !tok || !buf)
        abort();
    ts_arena a;
    ts_arena_init(&a, 64u << 20);
    check(f, tok, &a, (const char *)data, size);
    for (int k = 0; k < 2; k++) {
        size_t p = strlen(pre[k]), q = strlen(post[k]);
        memcpy(buf, pre[k], p);
        memcpy(buf + p, data, size);
        memcpy(buf + p + size, post[k], q);
        check(f, tok, &a, buf, p + size + q);
    }
    ts_arena_release(&a);
    free(buf);
    json_tokener_free(tok);
    ts__jfast_free(f);
    return 0;
}
