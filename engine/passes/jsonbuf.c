/* passes/jsonbuf.c — see jsonbuf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "passes/jsonbuf.h"

void ts__jbuf_init(ts_jbuf *b)
{
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

void ts__jbuf_release(ts_jbuf *b)
{
    free(b->p);
    ts__jbuf_init(b);
}

void ts__jbuf_reset(ts_jbuf *b)
{
    b->len = 0;
    b->oom = 0;
}

void ts__jbuf_raw(ts_jbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void ts__jbuf_lit(ts_jbuf *b, const char *s)
{
    ts__jbuf_raw(b, s, strlen(s));
}

void ts__jbuf_str(ts_jbuf *b, const char *s)
{
    ts__jbuf_strn(b, s, strlen(s));
}

void ts__jbuf_strn(ts_jbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    ts__jbuf_raw(b, "\"", 1);
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        size_t adv = 1;
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            snprintf(u, sizeof u, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
            esc = u;
        } else if (c >= 0x80) {
            size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (k > 1 && i + k <= n && ts_utf8_valid(s + i, k, NULL))
                adv = k;
            else
                esc = "\\ufffd";
        }
        if (esc) {
            ts__jbuf_raw(b, s + i - run, run);
            run = 0;
            ts__jbuf_lit(b, esc);
            i += adv;
        } else {
            run += adv;
            i += adv;
        }
    }
    ts__jbuf_raw(b, s + n - run, run);
    ts__jbuf_raw(b, "\"", 1);
}

void ts__jbuf_int(ts_jbuf *b, long long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", v);
    ts__jbuf_raw(b, tmp, (size_t)n);
}

char *ts__jbuf_dup(const ts_jbuf *b, ts_arena *a)
{
    if (b->oom)
        return NULL;
    return ts_arena_strndup(a, b->p ? b->p : "", b->len);
}
