/* tests/fuzz/fuzz_csv.c — libFuzzer target for the CSV readers (persons, events and
 * relations by header) and the raw row reader. Not part of the default build. Build and run
 * (from the repository root) as below. */
//   SRC="engine/record/[a-z]*.c engine/base/[a-z]*.c engine/config/ytree.c"
//   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -Iinclude -Iengine
//     tests/fuzz/fuzz_csv.c $SRC $(pkg-config --cflags --libs json-c yaml-0.1 nettle)
//     -lcsv -lm -o fuzz_csv          (one command line)
//   ./fuzz_csv -max_len=4096 ../shared/testdata/csv

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "triscreen/record.h"
#include "record/csvrows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_err err;
    ts__csvrows *c = NULL;
    if (ts__csvrows_open_mem("fuzz.csv", data, size, &c, &err) == TS_OK) {
        ts__csvrow row;
        bool got;
        uint64_t last = 0;
        while (ts__csvrows_next(c, &row, &got, &err) == TS_OK && got) {
            if (row.line < last || row.raw_len > 65536)
                abort(); /* rows come in order; raw is bounded */
            last = row.line;
            for (size_t i = 0; i < row.n; i++)
                if (row.f[i][row.len[i]] != '\0')
                    abort();
        }
        ts__csvrows_free(c);
    }
    ts_reader *r = NULL;
    if (ts_reader_open_mem("fuzz.csv", data, size, TS_FORMAT_CSV, &r, &err) != TS_OK)
        return 0;
    ts_arena a;
    ts_arena_init(&a, 64u << 20);
    for (;;) {
        ts_item it;
        if (ts_reader_next(r, &a, &it, &err) != TS_OK || it.kind == TS_ITEM_END)
            break;
        ts_arena_reset(&a);
    }
    ts_reader_close(r);
    ts_arena_release(&a);
    return 0;
}
