/* record/src.c — the bounded line source behind the JSONL and CSV readers (src.h).
 * Uses libc and POSIX read(2) only. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/limits.h"
#include "record/src.h"

static ts_status src_alloc(ts__src *s, size_t limit, ts_err *err)
{
    s->limit = limit;
    s->cap = limit + TS__SRC_BLOCK + 1;
    s->buf = malloc(s->cap);
    if (!s->buf)
        return ts_err_set(err, TS_NOMEM, s->name, "cannot allocate the line buffer");
    s->start = s->end = 0;
    s->eof = false;
    s->first = true;
    s->skipping = false;
    s->had_nl = false;
    s->line = 0;
    s->consumed = 0;
    return TS_OK;
}

ts_status ts__src_open_file(ts__src *s, const char *path, size_t limit, ts_err *err)
{
    memset(s, 0, sizeof *s);
    s->name = path;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0)
        return ts_err_set(err, TS_IO, path, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode))
        s->total = (uint64_t)st.st_size;
    ts_status rc = src_alloc(s, limit, err);
    if (rc != TS_OK) {
        close(s->fd);
        s->fd = -1;
    }
    return rc;
}

ts_status ts__src_open_mem(ts__src *s, const char *name, const void *mem, size_t len, size_t limit,
                           ts_err *err)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->fd = -1;
    s->mem = mem;
    s->mem_len = len;
    s->total = len;
    return src_alloc(s, limit, err);
}

void ts__src_close(ts__src *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->buf);
    s->buf = NULL;
}

/* Reads more bytes into buf[end..cap). Sets eof when the source is exhausted. */
static ts_status src_fill(ts__src *s, ts_err *err)
{
    size_t room = s->cap - s->end;
    if (room == 0 || s->eof)
        return TS_OK;
    size_t n;
    if (s->fd < 0) {
        n = s->mem_len - s->mem_off;
        if (n > room)
            n = room;
        if (n)
            memcpy(s->buf + s->end, s->mem + s->mem_off, n);
        s->mem_off += n;
    } else {
        ssize_t r;
        do {
            r = read(s->fd, s->buf + s->end, room > TS__SRC_BLOCK ? TS__SRC_BLOCK : room);
        } while (r < 0 && errno == EINTR);
        if (r < 0)
            return ts_err_set(err, TS_IO, s->name, "read failed: %s", strerror(errno));
        n = (size_t)r;
    }
    if (n == 0)
        s->eof = true;
    s->end += n;
    if (s->first && (s->end >= 3 || s->eof)) {
        s->first = false;
        if (s->end >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0) {
            s->start += 3;
            s->consumed += 3;
        }
    }
    return TS_OK;
}

static void src_compact(ts__src *s)
{
    if (s->start == 0)
        return;
    size_t n = s->end - s->start;
    if (n)
        memmove(s->buf, s->buf + s->start, n);
    s->start = 0;
    s->end = n;
}

ts_status ts__src_line(ts__src *s, const char **p, size_t *len, bool *overlong, bool *got,
                       ts_err *err)
{
    ts_status rc = TS_OK;
    *got = false;
    *overlong = false;
    while (s->skipping) {
        char *nl = memchr(s->buf + s->start, '\n', s->end - s->start);
        if (nl) {
            size_t adv = (size_t)(nl + 1 - (s->buf + s->start));
            s->consumed += adv;
            s->start += adv;
            s->skipping = false;
            break;
        }
        s->consumed += s->end - s->start;
        s->start = s->end = 0;
        if (s->eof) {
            s->skipping = false;
            return TS_OK;
        }
        if ((rc = src_fill(s, err)) != TS_OK)
            return rc;
    }
    while (s->first && !s->eof)
        if ((rc = src_fill(s, err)) != TS_OK)
            return rc;
    size_t scan = s->start;
    for (;;) {
        char *nl = memchr(s->buf + scan, '\n', s->end - scan);
        if (nl) {
            size_t n = (size_t)(nl - (s->buf + s->start));
            *p = s->buf + s->start;
            *len = n;
            if (n > s->limit) {
                *len = s->limit;
                *overlong = true;
            }
            s->consumed += n + 1;
            s->start += n + 1;
            s->had_nl = true;
            s->line++;
            *got = true;
            return TS_OK;
        }
        scan = s->end;
        if (s->end - s->start > s->limit) {
            *p = s->buf + s->start;
            *len = s->limit;
            *overlong = true;
            s->consumed += s->end - s->start;
            s->start = s->end;
            s->skipping = true;
            s->had_nl = false;
            s->line++;
            *got = true;
            return TS_OK;
        }
        if (s->eof) {
            if (s->end == s->start)
                return TS_OK;
            *p = s->buf + s->start;
            *len = s->end - s->start;
            s->consumed += *len;
            s->start = s->end;
            s->had_nl = false;
            s->line++;
            *got = true;
            return TS_OK;
        }
        size_t shift = s->start;
        src_compact(s);
        scan -= shift;
        if ((rc = src_fill(s, err)) != TS_OK)
            return rc;
    }
}
