/* record/src.h — internal: a bounded line source over a file descriptor or a borrowed
 * memory buffer, shared by the JSONL and CSV readers. Uses only libc.
 *
 * Invariants: the source never holds more than TS_LIMIT_LINE + TS__SRC_BLOCK bytes; a
 * line longer than the limit comes back as its first `limit` bytes with *overlong set
 * and the rest of it is skipped (read and discarded, never buffered); a UTF-8 BOM at
 * the very start is dropped; a last line without a newline is still a line. */
#ifndef TS_RECORD_SRC_H
#define TS_RECORD_SRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/status.h"

#define TS__SRC_BLOCK (64u * 1024u) /* bytes read per read(2) */

typedef struct ts__src {
    int fd;          /* -1 for a memory source */
    const char *mem; /* memory source (borrowed) */
    size_t mem_len;
    size_t mem_off;
    char *buf; /* cap bytes */
    size_t cap;
    size_t limit;      /* longest line returned whole */
    size_t start, end; /* unconsumed bytes are buf[start..end) */
    bool eof;          /* nothing more to read */
    bool first;        /* nothing read yet (BOM check pending) */
    bool skipping;     /* discarding the tail of an over-long line */
    bool had_nl;       /* the line last returned ended with '\n' */
    uint64_t line;     /* 1-based number of the line last returned */
    uint64_t consumed; /* bytes consumed, for progress */
    uint64_t total;    /* source size, 0 if unknown */
    const char *name;  /* for error messages (borrowed) */
} ts__src;

/* Opens path (TS_IO on failure) or wraps mem; limit is the longest line (<= cap). */
ts_status ts__src_open_file(ts__src *s, const char *path, size_t limit, ts_err *err);
ts_status ts__src_open_mem(ts__src *s, const char *name, const void *mem, size_t len, size_t limit,
                           ts_err *err);
void ts__src_close(ts__src *s);

/* Next line without its '\n' (a '\r' before it is kept). *got is false at end of input.
 * The pointer is valid until the next call. TS_IO on a read error. */
ts_status ts__src_line(ts__src *s, const char **p, size_t *len, bool *overlong, bool *got,
                       ts_err *err);

#endif
