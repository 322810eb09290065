/* triscreen/arena.h — bump allocator for per-record and per-batch scratch memory.
 *
 * Invariants: everything allocated from an arena is freed together by ts_arena_reset
 * or ts_arena_release; an arena never grows past the cap given at init (allocation
 * then returns NULL). Not thread-safe: one arena per thread. */
#ifndef TRISCREEN_ARENA_H
#define TRISCREEN_ARENA_H

#include <stddef.h>

typedef struct ts_arena_chunk ts_arena_chunk;

typedef struct ts_arena {
    ts_arena_chunk *head; /* newest chunk first */
    size_t used;          /* bytes handed out since the last reset, incl. padding */
    size_t reserved;      /* bytes held in chunks */
    size_t cap;           /* maximum bytes the arena may reserve */
    size_t chunk_size;    /* default chunk size */
} ts_arena;

/* Caller-embedded lifecycle: init takes the cap in bytes (0 = 1 GiB). */
void ts_arena_init(ts_arena *a, size_t cap);
/* Frees every chunk; the arena may be reused after ts_arena_init. Accepts NULL. */
void ts_arena_release(ts_arena *a);
/* Forgets every allocation but keeps the first chunk for reuse. */
void ts_arena_reset(ts_arena *a);

/* 16-byte aligned, uninitialised; NULL when the cap or malloc refuses. */
void *ts_arena_alloc(ts_arena *a, size_t n);
/* Zeroed. */
void *ts_arena_calloc(ts_arena *a, size_t count, size_t size);
/* Copies n bytes and appends a NUL. */
char *ts_arena_strndup(ts_arena *a, const char *s, size_t n);
char *ts_arena_strdup(ts_arena *a, const char *s);
/* printf into the arena. */
char *ts_arena_printf(ts_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
