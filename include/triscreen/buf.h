/* triscreen/buf.h — a growable byte buffer with a cap: the replacement for fixed
 * char[] that could truncate. Appends past the cap fail (TS_LIMIT) and leave the
 * buffer as it was; nothing is ever cut silently.
 *
 * Invariants: data is NUL-terminated whenever it is non-NULL (len excludes the NUL);
 * one owner (the struct's embedder), freed by ts_buf_release. Not thread-safe. */
#ifndef TRISCREEN_BUF_H
#define TRISCREEN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "triscreen/status.h"

typedef struct ts_buf {
    char *data;   /* NULL until the first append */
    size_t len;   /* bytes used, excluding the terminating NUL */
    size_t alloc; /* bytes allocated */
    size_t cap;   /* most bytes len may reach (a named cap from limits.h) */
} ts_buf;

/* Caller-embedded lifecycle: cap is the most bytes the content may hold (> 0). */
void ts_buf_init(ts_buf *b, size_t cap);
/* Frees the content; the buffer may be reused after ts_buf_init. Accepts NULL. */
void ts_buf_release(ts_buf *b);
/* Empties the buffer and keeps its memory. */
void ts_buf_reset(ts_buf *b);

/* Appends n bytes (TS_LIMIT past the cap, TS_NOMEM; the buffer is unchanged on error). */
ts_status ts_buf_append(ts_buf *b, const void *p, size_t n) TS_MUST_CHECK;
ts_status ts_buf_puts(ts_buf *b, const char *s) TS_MUST_CHECK;
ts_status ts_buf_putc(ts_buf *b, char c) TS_MUST_CHECK;
/* Makes room for extra more bytes and the NUL, so that up to extra bytes may be written
 * at data + len (the writer then advances len and terminates); TS_LIMIT past the cap,
 * TS_NOMEM. The content is unchanged. */
ts_status ts_buf_reserve(ts_buf *b, size_t extra) TS_MUST_CHECK;
ts_status ts_buf_printf(ts_buf *b, const char *fmt, ...) TS_PRINTF(2, 3) TS_MUST_CHECK;
ts_status ts_buf_vprintf(ts_buf *b, const char *fmt, va_list ap) TS_MUST_CHECK;
/* The content as a C string: "" when empty, never NULL. Borrowed from b. */
const char *ts_buf_str(const ts_buf *b);
/* Hands the content to the caller (free() it; NULL when empty) and empties b. */
char *ts_buf_take(ts_buf *b);

#endif
