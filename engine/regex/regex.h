/* regex/regex.h — PCRE2 (8-bit, UTF) behind explicit limits and a bounded compiled-
 * pattern cache. Internal API for the rule host; the only user of pcre2.h is regex.c.
 *
 * Invariants: every search is bounded by TS_LIMIT_REGEX_* (pattern and subject length,
 * match steps, depth, heap, nesting); a limit hit is reported as TS_LIMIT, never as "no
 * match". A cache holds at most its cap compiled patterns (least recently used evicted).
 * A cache is not thread-safe: one per rule host. No process-global state. */
#ifndef TS_REGEX_REGEX_H
#define TS_REGEX_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "triscreen/status.h"

typedef struct ts_regex_cache ts_regex_cache;

/* Outcome of one search. When found: [off, off+len) is the first capture group if the
 * pattern has one and it took part in the match, else the whole match. */
typedef struct ts_regex_match {
    bool found;
    size_t off, len;
} ts_regex_match;

/* Creates a cache of at most cap compiled patterns (0 = TS_LIMIT_REGEX_CACHE).
 * TS_NOMEM when PCRE2 contexts cannot be made. */
ts_status ts__regex_cache_new(size_t cap, ts_regex_cache **out) TS_MUST_CHECK;
/* Frees every compiled pattern. Accepts NULL. */
void ts__regex_cache_free(ts_regex_cache *c);

/* Searches subj for pat (compiled once and cached). Status: TS_OK (see m->found),
 * TS_INVALID (bad pattern, invalid UTF-8 pattern or subject), TS_LIMIT (pattern or
 * subject too long, match/depth/heap/JIT-stack limit hit), TS_NOMEM. On failure msg
 * (capacity msgcap, may be NULL) receives a one-line reason. */
ts_status ts__regex_search(ts_regex_cache *c, const char *pat, size_t plen, const char *subj,
                           size_t slen, ts_regex_match *m, char *msg, size_t msgcap) TS_MUST_CHECK;

/* Compiles pat with the options and compile limits of ts__regex_search and frees it:
 * TS_OK when it compiles; TS_INVALID (syntax, invalid UTF-8) or TS_LIMIT (too long, too
 * deeply nested) with msg = PCRE2's message and *offset = the byte offset in pat where
 * compiling stopped; TS_NOMEM. Thread-safe (no cache, no shared state). */
ts_status ts__regex_check(const char *pat, size_t plen, char *msg, size_t msgcap,
                          size_t *offset) TS_MUST_CHECK;

/* Number of patterns currently cached (tests). */
size_t ts__regex_cache_size(const ts_regex_cache *c);
/* True when PCRE2 JIT is compiled in and worked for the last compiled pattern (bench). */
bool ts__regex_jit_active(const ts_regex_cache *c);

#endif
