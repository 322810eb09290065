/* tests/fuzz/fuzz_jsonl.c — libFuzzer target for the JSON Lines reader and
 * ts_record_to_json / encode / decode on whatever it accepts. Not part of the default
 * build. Build and run (from the
 * repository root) as below. */
//   SRC="engine/record/[a-z]*.c engine/base/[a-z]*.c engine/config/ytree.c"
//   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -Iinclude -Iengine
//     tests/fuzz/fuzz_jsonl.c $SRC $(pkg-config --cflags --libs json-c yaml-0.1 nettle)
//     -lcsv -lm -o fuzz_jsonl          (one command line)
//   ./fuzz_jsonl -max_len=4096 ../shared/testdata/json

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "triscreen/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_reader *r = NULL;
    ts_err err;
    if (ts_reader_open_mem("fuzz.jsonl", data, size, TS_FORMAT_JSONL, &r, &err) != TS_OK)
        return 0;
    ts_arena a;
    ts_arena_init(&a, 64u << 20);
    for (;;) {
        ts_item it;
        if (ts_reader_next(r, &a, &it, &err) != TS_OK || it.kind == TS_ITEM_END)
            break;
        if (it.kind == TS_ITEM_PERSON) {
            char *js = NULL;
            if (ts_record_to_json(&it.person, &js) == TS_OK) {
                ts_person q;
                size_t jl = __builtin_strlen(js);
                /* what we print we must read back */
                if (jl < (1u << 20) && ts_record_parse_json(js, jl, &a, &q, &err) != TS_OK)
                    abort();
                free(js);
            }
            unsigned char *blob = NULL;
            size_t len = 0;
            if (ts_record_encode_extra(&it.person, &blob, &len) == TS_OK) {
                ts_person q;
                if (ts_record_decode_extra(blob, len, &a, &q) != TS_OK ||
                    q.n_attrs != it.person.n_attrs)
                    abort();
                free(blob);
            }
        }
        ts_arena_reset(&a);
    }
    ts_reader_close(r);
    ts_arena_release(&a);
    return 0;
}
