/* passes/jsonbuf.h — a small JSON text builder over an arena, for the ledger, list
 * reasons and alert rule lists the workers prepare. Not thread-safe (one per thread). */
#ifndef TS_PASSES_JSONBUF_H
#define TS_PASSES_JSONBUF_H

#include <stddef.h>

#include "triscreen/arena.h"

typedef struct ts_jbuf {
    char *p;
    size_t len, cap;
    int oom;
} ts_jbuf;

void ts__jbuf_init(ts_jbuf *b);
void ts__jbuf_release(ts_jbuf *b);
void ts__jbuf_reset(ts_jbuf *b);
void ts__jbuf_raw(ts_jbuf *b, const char *s, size_t n);
void ts__jbuf_lit(ts_jbuf *b, const char *s);
/* A JSON string literal, escaped; bytes of invalid UTF-8 are replaced by U+FFFD. */
void ts__jbuf_str(ts_jbuf *b, const char *s);
/* The same for the first n bytes of s. */
void ts__jbuf_strn(ts_jbuf *b, const char *s, size_t n);
void ts__jbuf_int(ts_jbuf *b, long long v);
/* Copies the text into arena (NULL on failure). */
char *ts__jbuf_dup(const ts_jbuf *b, ts_arena *a);

#endif
