/* store/events.c — the canonical event blob kept in each person row.
 * Layout: u32 count, then per event: i32 date, u16 type length, type bytes,
 * u32 note length, note bytes (little endian). Order: date descending, then type,
 * then note (so rules get "newest first" without sorting). */
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "store/store_int.h"

static int ev_cmp(const void *pa, const void *pb)
{
    const ts_event *a = pa, *b = pb;
    if (a->date != b->date)
        return a->date > b->date ? -1 : 1;
    int c = strcmp(a->type, b->type);
    if (c)
        return c;
    return strcmp(a->note ? a->note : "", b->note ? b->note : "");
}

void ts__events_canon(ts_evlist *list)
{
    if (list->n < 2)
        return;
    qsort(list->ev, list->n, sizeof *list->ev, ev_cmp);
    size_t w = 1;
    for (size_t i = 1; i < list->n; i++) {
        if (ev_cmp(&list->ev[w - 1], &list->ev[i]) != 0)
            list->ev[w++] = list->ev[i];
    }
    list->n = w;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

ts_status ts__events_encode(const ts_evlist *list, unsigned char **out, size_t *len)
{
    size_t total = 4;
    for (size_t i = 0; i < list->n; i++)
        total +=
            4 + 2 + strlen(list->ev[i].type) + 4 + strlen(list->ev[i].note ? list->ev[i].note : "");
    unsigned char *buf = malloc(total);
    if (!buf)
        return TS_NOMEM;
    unsigned char *p = buf;
    put32(p, (uint32_t)list->n);
    p += 4;
    for (size_t i = 0; i < list->n; i++) {
        const ts_event *e = &list->ev[i];
        size_t tl = strlen(e->type), nl = strlen(e->note ? e->note : "");
        put32(p, (uint32_t)e->date);
        p += 4;
        p[0] = (unsigned char)tl;
        p[1] = (unsigned char)(tl >> 8);
        p += 2;
        memcpy(p, e->type, tl);
        p += tl;
        put32(p, (uint32_t)nl);
        p += 4;
        if (nl)
            memcpy(p, e->note, nl);
        p += nl;
    }
    *out = buf;
    *len = total;
    return TS_OK;
}

static ts_status grow(ts_evlist *list, size_t need, ts_arena *arena)
{
    if (need <= list->cap)
        return TS_OK;
    size_t cap = list->cap ? list->cap * 2 : 16;
    while (cap < need)
        cap *= 2;
    ts_event *ev = ts_arena_alloc(arena, cap * sizeof *ev);
    if (!ev)
        return TS_NOMEM;
    if (list->n)
        memcpy(ev, list->ev, list->n * sizeof *ev);
    list->ev = ev;
    list->cap = cap;
    return TS_OK;
}

ts_status ts__events_decode(const unsigned char *blob, size_t len, ts_arena *arena, ts_evlist *list)
{
    if (!blob || len == 0)
        return TS_OK;
    if (len < 4)
        return TS_INVALID;
    uint32_t n = get32(blob);
    if (n > (len - 4) / 10)
        return TS_INVALID;
    if (grow(list, list->n + n, arena) != TS_OK)
        return TS_NOMEM;
    size_t off = 4;
    for (uint32_t i = 0; i < n; i++) {
        if (len - off < 6)
            return TS_INVALID;
        int32_t date = (int32_t)get32(blob + off);
        size_t tl = (size_t)blob[off + 4] | (size_t)blob[off + 5] << 8;
        off += 6;
        if (len - off < tl + 4)
            return TS_INVALID;
        const char *type = ts_arena_strndup(arena, (const char *)blob + off, tl);
        off += tl;
        size_t nl = get32(blob + off);
        off += 4;
        if (len - off < nl)
            return TS_INVALID;
        const char *note = ts_arena_strndup(arena, (const char *)blob + off, nl);
        off += nl;
        if (!type || !note)
            return TS_NOMEM;
        list->ev[list->n++] = (ts_event){.type = type, .date = date, .note = note};
    }
    return off == len ? TS_OK : TS_INVALID;
}
