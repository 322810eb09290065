/* base/buf.c — the capped growable buffer (triscreen/buf.h). */
#include "triscreen/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ts_buf_init(ts_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void ts_buf_release(ts_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

void ts_buf_reset(ts_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Room for len + extra bytes and the NUL. */
static ts_status reserve(ts_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra)
        return TS_LIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return TS_OK;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (n > b->cap + 1)
        n = b->cap + 1;
    char *p = realloc(b->data, n);
    if (!p)
        return TS_NOMEM;
    b->data = p;
    b->alloc = n;
    return TS_OK;
}

ts_status ts_buf_reserve(ts_buf *b, size_t extra)
{
    return reserve(b, extra);
}

ts_status ts_buf_append(ts_buf *b, const void *p, size_t n)
{
    ts_status st = reserve(b, n);
    if (st != TS_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TS_OK;
}

ts_status ts_buf_puts(ts_buf *b, const char *s)
{
    return ts_buf_append(b, s, strlen(s));
}

ts_status ts_buf_putc(ts_buf *b, char c)
{
    return ts_buf_append(b, &c, 1);
}

ts_status ts_buf_vprintf(ts_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return TS_INVALID;
    ts_status st = reserve(b, (size_t)n);
    if (st != TS_OK)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return TS_OK;
}

ts_status ts_buf_printf(ts_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_status st = ts_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

const char *ts_buf_str(const ts_buf *b)
{
    return b->data ? b->data : "";
}

char *ts_buf_take(ts_buf *b)
{
    char *p = b->len ? b->data : NULL;
    if (!p)
        free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return p;
}
