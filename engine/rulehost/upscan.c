/* rulehost/upscan.c — does a compiled rule file ever assign a file-level local from
 * inside a function? Reads the binary chunk lua_dump gives for the file's main function
 * (Lua 5.4 format, see ldump.c) and looks for OP_SETUPVAL in every nested function.
 * Only such an instruction (or the debug library, which rules do not have) can change
 * an upvalue after the file has loaded, so a file without one needs no upvalues
 * restored before its rules run (sandbox.c, rh_isolate). The main function's own code
 * runs once, at load time, and is not looked at. Anything unexpected in the chunk
 * answers "yes": the host then restores every upvalue, which is always safe.
 * Uses nothing but the chunk bytes. */
#include <stdint.h>
#include <string.h>

#include "rulehost/upscan.h"

/* Lua 5.4 (lopcodes.h): OP_SETUPVAL is the 11th opcode; an instruction's opcode is its
 * low 7 bits. Checked by test_file_upvalues_replaced and the upscan unit test. */
enum { OP_SETUPVAL_54 = 10, OPCODE_MASK = 0x7f };
/* constant tags (lobject.h makevariant) */
enum { K_NIL = 0, K_FALSE = 1, K_TRUE = 17, K_INT = 3, K_FLT = 19, K_SHRSTR = 4, K_LNGSTR = 20 };

typedef struct rd {
    const unsigned char *p, *end;
    bool bad;
} rd;

static bool rd_skip(rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    r->p += n;
    return true;
}

static unsigned rd_byte(rd *r)
{
    if (r->bad || r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

/* ldump.c dumpSize: 7 bits a byte, most significant first, the last byte has 0x80. */
static size_t rd_size(rd *r)
{
    size_t x = 0;
    for (int i = 0; i < 10; i++) {
        unsigned b = rd_byte(r);
        if (r->bad)
            return 0;
        if (x > (SIZE_MAX >> 7)) {
            r->bad = true;
            return 0;
        }
        x = (x << 7) | (b & 0x7f);
        if (b & 0x80)
            return x;
    }
    r->bad = true;
    return 0;
}

static void rd_string(rd *r)
{
    size_t n = rd_size(r);
    if (n > 0)
        rd_skip(r, n - 1);
}

/* One function; sets *found when a nested one (depth > 0) has OP_SETUPVAL. */
static void rd_function(rd *r, int depth, bool *found)
{
    if (depth > 200) { /* the parser's own nesting limit is far below this */
        r->bad = true;
        return;
    }
    rd_string(r);  /* source */
    rd_size(r);    /* linedefined */
    rd_size(r);    /* lastlinedefined */
    rd_skip(r, 3); /* numparams, is_vararg, maxstacksize */
    size_t ncode = rd_size(r);
    if (r->bad || ncode > (size_t)(r->end - r->p) / 4) {
        r->bad = true;
        return;
    }
    for (size_t i = 0; i < ncode; i++) {
        uint32_t ins;
        memcpy(&ins, r->p + 4 * i, 4);
        if (depth > 0 && (ins & OPCODE_MASK) == OP_SETUPVAL_54)
            *found = true;
    }
    r->p += 4 * ncode;
    size_t nk = rd_size(r);
    for (size_t i = 0; i < nk && !r->bad; i++) {
        switch (rd_byte(r)) {
        case K_NIL:
        case K_FALSE:
        case K_TRUE:
            break;
        case K_INT:
        case K_FLT:
            rd_skip(r, 8);
            break;
        case K_SHRSTR:
        case K_LNGSTR:
            rd_string(r);
            break;
        default:
            r->bad = true;
        }
    }
    size_t nup = rd_size(r);
    if (nup > (size_t)(r->end - r->p) / 3)
        r->bad = true;
    else
        rd_skip(r, 3 * nup); /* instack, idx, kind */
    size_t np = rd_size(r);
    for (size_t i = 0; i < np && !r->bad; i++)
        rd_function(r, depth + 1, found);
    /* debug information (empty when stripped, but read it either way) */
    size_t nline = rd_size(r);
    rd_skip(r, nline);
    size_t nabs = rd_size(r);
    for (size_t i = 0; i < nabs && !r->bad; i++) {
        rd_size(r);
        rd_size(r);
    }
    size_t nloc = rd_size(r);
    for (size_t i = 0; i < nloc && !r->bad; i++) {
        rd_string(r);
        rd_size(r);
        rd_size(r);
    }
    size_t nupn = rd_size(r);
    for (size_t i = 0; i < nupn && !r->bad; i++)
        rd_string(r);
}

bool ts__rh_chunk_sets_upvalues(const void *chunk, size_t len)
{
    static const unsigned char head[] = {0x1b, 'L',  'u',  'a',  0x54, 0, 0x19, 0x93,
                                         '\r', '\n', 0x1a, '\n', 4,    8, 8};
    rd r = {chunk, (const unsigned char *)chunk + len, false};
    if (len < sizeof head + 16 + 1 || memcmp(chunk, head, sizeof head) != 0)
        return true;
    r.p += sizeof head;
    int64_t i;
    double d;
    memcpy(&i, r.p, 8);
    memcpy(&d, r.p + 8, 8);
    if (i != 0x5678 || d != 370.5) /* LUAC_INT, LUAC_NUM: same byte order and format */
        return true;
    r.p += 16;
    rd_byte(&r); /* number of upvalues of the main function */
    bool found = false;
    rd_function(&r, 0, &found);
    return found || r.bad || r.p != r.end;
}
