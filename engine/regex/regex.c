/* regex/regex.c — the PCRE2 wrapper: compile with UTF and a nesting cap, JIT when it
 * works, match under explicit match/depth/heap limits, a bounded LRU cache of compiled
 * patterns per cache object. The only user of pcre2.h; uses base/limits.h. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "regex/regex.h"

typedef struct rx_entry {
    char *pat; /* owned copy, NUL-terminated */
    size_t plen;
    uintptr_t seen; /* address the caller last passed for this pattern (a hint only) */
    uint64_t hash;
    uint64_t used; /* LRU tick */
    pcre2_code *code;
    bool has_group;
} rx_entry;

struct ts_regex_cache {
    rx_entry *e;
    size_t n, cap;
    uint64_t tick;
    size_t last; /* index of the last hit: rules reuse one pattern in a row */
    bool jit_active;
    pcre2_compile_context *cctx;
    pcre2_match_context *mctx;
    pcre2_match_data *md; /* 2 pairs: whole match and group 1 */
    pcre2_jit_stack *jstack;
};

/* The options and compile limits of every pattern: ts__regex_check compiles as the
 * cache does, so `rules check` accepts exactly what the rules can run. */
#define RX_COMPILE_OPTIONS (PCRE2_UTF | PCRE2_NEVER_BACKSLASH_C)

static void rx_compile_limits(pcre2_compile_context *cctx)
{
    pcre2_set_parens_nest_limit(cctx, TS_LIMIT_REGEX_NEST);
    pcre2_set_max_pattern_length(cctx, TS_LIMIT_REGEX_PATTERN);
}

static uint64_t rx_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

ts_status ts__regex_cache_new(size_t cap, ts_regex_cache **out)
{
    ts_regex_cache *c = calloc(1, sizeof *c);
    if (!c)
        return TS_NOMEM;
    c->cap = cap ? cap : TS_LIMIT_REGEX_CACHE;
    c->e = calloc(c->cap, sizeof *c->e);
    c->cctx = pcre2_compile_context_create(NULL);
    c->mctx = pcre2_match_context_create(NULL);
    c->md = pcre2_match_data_create(2, NULL);
    if (!c->e || !c->cctx || !c->mctx || !c->md) {
        ts__regex_cache_free(c);
        return TS_NOMEM;
    }
    rx_compile_limits(c->cctx);
    pcre2_set_match_limit(c->mctx, TS_LIMIT_REGEX_MATCH);
    pcre2_set_depth_limit(c->mctx, TS_LIMIT_REGEX_DEPTH);
    pcre2_set_heap_limit(c->mctx, TS_LIMIT_REGEX_HEAP_KB);
    uint32_t jit = 0;
    if (pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit) {
        /* A missing JIT stack only means the default 32 KiB machine stack is used. */
        c->jstack = pcre2_jit_stack_create(32 * 1024, TS_LIMIT_REGEX_JIT_STACK, NULL);
        if (c->jstack)
            pcre2_jit_stack_assign(c->mctx, NULL, c->jstack);
    }
    *out = c;
    return TS_OK;
}

void ts__regex_cache_free(ts_regex_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        pcre2_code_free(c->e[i].code);
        free(c->e[i].pat);
    }
    free(c->e);
    pcre2_match_data_free(c->md);
    pcre2_match_context_free(c->mctx);
    pcre2_compile_context_free(c->cctx);
    pcre2_jit_stack_free(c->jstack);
    free(c);
}

size_t ts__regex_cache_size(const ts_regex_cache *c)
{
    return c ? c->n : 0;
}

bool ts__regex_jit_active(const ts_regex_cache *c)
{
    return c && c->jit_active;
}

static void rx_msg(char *msg, size_t cap, const char *fmt, const char *detail)
{
    if (msg && cap)
        snprintf(msg, cap, fmt, detail);
}

static void rx_pcre_msg(char *msg, size_t cap, int code)
{
    PCRE2_UCHAR buf[160];
    if (pcre2_get_error_message(code, buf, sizeof buf) < 0)
        snprintf((char *)buf, sizeof buf, "pcre2 error %d", code);
    rx_msg(msg, cap, "%s", (const char *)buf);
}

/* Finds or compiles pat; NULL on failure with status in *st. */
static rx_entry *rx_get(ts_regex_cache *c, const char *pat, size_t plen, ts_status *st, char *msg,
                        size_t msgcap)
{
    /* Front cache by the caller's address: rules pass the same Lua string every call,
     * so a pointer compare finds the entry without hashing a long pattern byte by byte
     * (FNV-1a is a serial multiply chain, ~4 cycles a byte). The address is only a hint:
     * another pattern may later live there, so the contents are always compared.
     * Measured (callgrind, bench_rules): rx_get ~1,250 -> ~65 instructions a call,
     * ~1,600 fewer a person (wall time within the bench's noise). */
    for (size_t i = 0; i < c->n; i++) {
        rx_entry *e = &c->e[i];
        if (e->seen == (uintptr_t)pat && e->plen == plen && memcmp(e->pat, pat, plen) == 0) {
            e->used = ++c->tick;
            c->last = i;
            return e;
        }
    }
    uint64_t h = rx_hash(pat, plen);
    if (c->last < c->n) {
        rx_entry *e = &c->e[c->last];
        if (e->hash == h && e->plen == plen && memcmp(e->pat, pat, plen) == 0) {
            e->used = ++c->tick;
            e->seen = (uintptr_t)pat;
            return e;
        }
    }
    for (size_t i = 0; i < c->n; i++) {
        rx_entry *e = &c->e[i];
        if (e->hash == h && e->plen == plen && memcmp(e->pat, pat, plen) == 0) {
            e->used = ++c->tick;
            e->seen = (uintptr_t)pat;
            c->last = i;
            return e;
        }
    }
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pat, plen, RX_COMPILE_OPTIONS, &ecode, &eoff, c->cctx);
    if (!code) {
        char detail[200];
        PCRE2_UCHAR buf[160];
        if (pcre2_get_error_message(ecode, buf, sizeof buf) < 0)
            snprintf((char *)buf, sizeof buf, "pcre2 error %d", ecode);
        snprintf(detail, sizeof detail, "%s at offset %zu", (const char *)buf, (size_t)eoff);
        rx_msg(msg, msgcap, "%s", detail);
        *st = (ecode == PCRE2_ERROR_PARENTHESES_NEST_TOO_DEEP ||
               ecode == PCRE2_ERROR_PATTERN_TOO_LARGE ||
               ecode == PCRE2_ERROR_PATTERN_STRING_TOO_LONG || ecode == PCRE2_ERROR_HEAP_FAILED)
                  ? TS_LIMIT
                  : TS_INVALID;
        if (ecode == PCRE2_ERROR_HEAP_FAILED)
            *st = TS_NOMEM;
        return NULL;
    }
    /* JIT is an optimisation only: any failure falls back to the interpreter. */
    c->jit_active = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    uint32_t groups = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
    char *copy = malloc(plen + 1);
    if (!copy) {
        pcre2_code_free(code);
        *st = TS_NOMEM;
        rx_msg(msg, msgcap, "%s", "out of memory");
        return NULL;
    }
    memcpy(copy, pat, plen);
    copy[plen] = '\0';
    size_t slot = c->n;
    if (c->n == c->cap) { /* evict the least recently used */
        slot = 0;
        for (size_t i = 1; i < c->n; i++)
            if (c->e[i].used < c->e[slot].used)
                slot = i;
        pcre2_code_free(c->e[slot].code);
        free(c->e[slot].pat);
    } else {
        c->n++;
    }
    rx_entry *e = &c->e[slot];
    e->pat = copy;
    e->plen = plen;
    e->hash = h;
    e->seen = (uintptr_t)pat;
    e->used = ++c->tick;
    e->code = code;
    e->has_group = groups > 0;
    c->last = slot;
    return e;
}

ts_status ts__regex_search(ts_regex_cache *c, const char *pat, size_t plen, const char *subj,
                           size_t slen, ts_regex_match *m, char *msg, size_t msgcap)
{
    if (plen > TS_LIMIT_REGEX_PATTERN) {
        if (msg && msgcap)
            snprintf(msg, msgcap, "pattern longer than %u bytes", TS_LIMIT_REGEX_PATTERN);
        return TS_LIMIT;
    }
    if (slen > TS_LIMIT_REGEX_SUBJECT) {
        if (msg && msgcap)
            snprintf(msg, msgcap, "subject longer than %u bytes", TS_LIMIT_REGEX_SUBJECT);
        return TS_LIMIT;
    }
    ts_status st = TS_OK;
    rx_entry *e = rx_get(c, pat, plen, &st, msg, msgcap);
    if (!e)
        return st;
    uint64_t per = TS_LIMIT_REGEX_TOTAL / ((uint64_t)slen + 1);
    if (per > TS_LIMIT_REGEX_MATCH)
        per = TS_LIMIT_REGEX_MATCH;
    if (per < TS_LIMIT_REGEX_MATCH_MIN)
        per = TS_LIMIT_REGEX_MATCH_MIN;
    pcre2_set_match_limit(c->mctx, (uint32_t)per);
    /* No PCRE2_NO_UTF_CHECK: an invalid UTF-8 subject is reported, not matched. */
    int rc = pcre2_match(e->code, (PCRE2_SPTR)subj, slen, 0, 0, c->md, c->mctx);
    if (rc == PCRE2_ERROR_NOMATCH) {
        m->found = false;
        m->off = m->len = 0;
        return TS_OK;
    }
    if (rc < 0) {
        rx_pcre_msg(msg, msgcap, rc);
        switch (rc) {
        case PCRE2_ERROR_MATCHLIMIT:
        case PCRE2_ERROR_DEPTHLIMIT:
        case PCRE2_ERROR_HEAPLIMIT:
        case PCRE2_ERROR_JIT_STACKLIMIT:
            return TS_LIMIT;
        case PCRE2_ERROR_NOMEMORY:
            return TS_NOMEM;
        default:
            return TS_INVALID;
        }
    }
    /* rc == 0 means the ovector (2 pairs) was too small: pairs 0 and 1 are still set. */
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->md);
    m->found = true;
    if (e->has_group && ov[2] != PCRE2_UNSET && ov[3] >= ov[2]) {
        m->off = ov[2];
        m->len = ov[3] - ov[2];
    } else {
        m->off = ov[0];
        m->len = ov[1] >= ov[0] ? ov[1] - ov[0] : 0; /* \K can put the end first */
    }
    return TS_OK;
}

ts_status ts__regex_check(const char *pat, size_t plen, char *msg, size_t msgcap, size_t *offset)
{
    if (offset)
        *offset = 0;
    if (plen > TS_LIMIT_REGEX_PATTERN) {
        if (msg && msgcap)
            snprintf(msg, msgcap, "pattern longer than %u bytes", TS_LIMIT_REGEX_PATTERN);
        if (offset)
            *offset = TS_LIMIT_REGEX_PATTERN;
        return TS_LIMIT;
    }
    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    if (!cctx)
        return TS_NOMEM;
    rx_compile_limits(cctx);
    int ecode = 0;
    PCRE2_SIZE eoff = 0;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pat, plen, RX_COMPILE_OPTIONS, &ecode, &eoff, cctx);
    pcre2_compile_context_free(cctx);
    if (code) {
        pcre2_code_free(code);
        return TS_OK;
    }
    rx_pcre_msg(msg, msgcap, ecode);
    if (offset)
        *offset = (size_t)eoff;
    if (ecode == PCRE2_ERROR_HEAP_FAILED)
        return TS_NOMEM;
    return (ecode == PCRE2_ERROR_PARENTHESES_NEST_TOO_DEEP ||
            ecode == PCRE2_ERROR_PATTERN_TOO_LARGE || ecode == PCRE2_ERROR_PATTERN_STRING_TOO_LONG)
               ? TS_LIMIT
               : TS_INVALID;
}
