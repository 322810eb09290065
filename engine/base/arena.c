/* base/arena.c — the bump allocator behind triscreen/arena.h. Uses only libc. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/arena.h"

struct ts_arena_chunk {
    ts_arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t off;
    _Alignas(16) unsigned char data[];
};

#define ARENA_ALIGN 16u
#define ARENA_DEFAULT_CHUNK (64u * 1024u)

void ts_arena_init(ts_arena *a, size_t cap)
{
    a->head = NULL;
    a->used = 0;
    a->reserved = 0;
    a->cap = cap ? cap : ((size_t)1 << 30);
    a->chunk_size = a->cap < ARENA_DEFAULT_CHUNK ? a->cap : ARENA_DEFAULT_CHUNK;
}

void ts_arena_release(ts_arena *a)
{
    if (!a)
        return;
    ts_arena_chunk *c = a->head;
    while (c) {
        ts_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->used = 0;
    a->reserved = 0;
}

void ts_arena_reset(ts_arena *a)
{
    if (!a || !a->head)
        return;
    /* keep the oldest chunk (the tail): it is usually the default size */
    ts_arena_chunk *c = a->head, *keep = NULL;
    while (c) {
        ts_arena_chunk *next = c->next;
        if (!next)
            keep = c;
        else
            free(c);
        c = next;
    }
    keep->next = NULL;
    keep->off = 0;
    a->head = keep;
    a->reserved = keep->size;
    a->used = 0;
}

void *ts_arena_alloc(ts_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    ts_arena_chunk *c = a->head;
    if (!c || c->size - c->off < need) {
        size_t size = need > a->chunk_size ? need : a->chunk_size;
        if (a->reserved + size > a->cap)
            return NULL;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->off = 0;
        c->next = a->head;
        a->head = c;
        a->reserved += size;
    }
    void *p = c->data + c->off;
    c->off += need;
    a->used += need;
    return p;
}

void *ts_arena_calloc(ts_arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = ts_arena_alloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

char *ts_arena_strndup(ts_arena *a, const char *s, size_t n)
{
    char *p = ts_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ts_arena_strdup(ts_arena *a, const char *s)
{
    return ts_arena_strndup(a, s, strlen(s));
}

char *ts_arena_printf(ts_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = ts_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
