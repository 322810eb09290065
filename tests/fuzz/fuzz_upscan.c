/* tests/fuzz/fuzz_upscan.c — libFuzzer target for the rule host's bytecode scan
 * (engine/rulehost/upscan.c): arbitrary bytes, both as they come and behind a valid
 * Lua 5.4 chunk header (so that the fuzzer explores the function bodies rather than
 * the header check). It must never crash, overread or hang. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rulehost/upscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)ts__rh_chunk_sets_upvalues(data, size);
    static const unsigned char head[] = {0x1b, 'L',  'u',  'a',  0x54, 0, 0x19, 0x93,
                                         '\r', '\n', 0x1a, '\n', 4,    8, 8};
    int64_t i = 0x5678;
    double d = 370.5;
    size_t hl = sizeof head + 16;
    unsigned char *buf = malloc(hl + size);
    if (!buf)
        return 0;
    memcpy(buf, head, sizeof head);
    memcpy(buf + sizeof head, &i, 8);
    memcpy(buf + sizeof head + 8, &d, 8);
    if (size)
        memcpy(buf + hl, data, size);
    (void)ts__rh_chunk_sets_upvalues(buf, hl + size);
    free(buf);
    return 0;
}
