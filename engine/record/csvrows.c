/* record/csvrows.c — CSV rows over the bounded line source (csvrows.h). Uses libcsv
 * (strict RFC 4180 mode) and record/src.
 *
 * libcsv reports fields and row ends through callbacks but not positions, so the source
 * is fed in pieces that each end at one line terminator ('\n' or a bare '\r'): a piece
 * completes at most one row, and the line a row starts on is the line of the first
 * piece with content after the previous row ended. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "base/limits.h"
#include "record/csvrows.h"
#include "record/src.h"

#define CSV_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL)

struct ts__csvrows {
    ts__src src;
    struct csv_parser p;
    bool p_init;
    /* the row being assembled */
    char *data;  /* field bytes, each followed by a NUL */
    size_t used; /* bytes used in data */
    size_t dcap; /* bytes allocated in data (grows up to the row cap) */
    size_t *off; /* field offsets, TS_LIMIT_CSV_COLUMNS */
    size_t *flen;
    char **fptr;
    size_t nf;
    bool too_many;   /* more than TS_LIMIT_CSV_COLUMNS fields */
    bool oom;        /* a field could not be stored */
    char over[96];   /* the first field past the limit (truncated), for the message */
    char error[200]; /* the message of a row with too many fields */
    bool row_done;   /* a row end was reported by libcsv */
    bool need_start; /* no row is in progress */
    uint64_t row_line;
    size_t row_bytes; /* bytes fed since the row started */
    char *raw;        /* TS_LIMIT_FIELD bytes */
    size_t raw_len;
    /* the physical line being fed */
    const char *piece;
    size_t piece_left;
    bool at_eof;
    bool finished;
};

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static bool parser_init(ts__csvrows *c)
{
    if (csv_init(&c->p, CSV_OPTS) != 0)
        return false;
    csv_set_space_func(&c->p, no_space);
    csv_set_blk_size(&c->p, 64u * 1024u);
    c->p_init = true;
    return true;
}

static void row_reset(ts__csvrows *c)
{
    c->used = 0;
    c->nf = 0;
    c->too_many = false;
    c->oom = false;
    c->over[0] = '\0';
    c->row_done = false;
    c->row_bytes = 0;
    c->raw_len = 0;
}

static void on_field(void *s, size_t len, void *data)
{
    ts__csvrows *c = data;
    if (c->nf >= TS_LIMIT_CSV_COLUMNS) {
        if (!c->too_many) {
            size_t k = len < 64 ? len : 64;
            memcpy(c->over, s, k);
            c->over[k] = '\0';
            for (size_t i = 0; i < k; i++)
                if ((unsigned char)c->over[i] < 0x20)
                    c->over[i] = '?';
        }
        c->too_many = true;
        return;
    }
    size_t need = c->used + len + 1;
    if (need > c->dcap) {
        size_t ncap = c->dcap ? c->dcap : 4096;
        while (ncap < need)
            ncap *= 2;
        char *nd = realloc(c->data, ncap);
        if (!nd) {
            c->oom = true; /* reported as a malformed row; memory is what failed */
            return;
        }
        c->data = nd;
        c->dcap = ncap;
    }
    if (len)
        memcpy(c->data + c->used, s, len);
    c->data[c->used + len] = '\0';
    c->off[c->nf] = c->used;
    c->flen[c->nf] = len;
    c->nf++;
    c->used += len + 1;
}

static void on_row(int term, void *data)
{
    (void)term;
    ts__csvrows *c = data;
    c->row_done = true;
}

static ts_status open_common(ts__csvrows *c, ts_err *err)
{
    c->off = malloc(TS_LIMIT_CSV_COLUMNS * sizeof *c->off);
    c->flen = malloc(TS_LIMIT_CSV_COLUMNS * sizeof *c->flen);
    c->fptr = malloc(TS_LIMIT_CSV_COLUMNS * sizeof *c->fptr);
    c->raw = malloc(TS_LIMIT_FIELD);
    if (!c->off || !c->flen || !c->fptr || !c->raw || !parser_init(c))
        return ts_err_set(err, TS_NOMEM, c->src.name, "cannot allocate the CSV parser");
    c->need_start = true;
    return TS_OK;
}

ts_status ts__csvrows_open_file(const char *path, ts__csvrows **out, ts_err *err)
{
    ts__csvrows *c = calloc(1, sizeof *c);
    if (!c)
        return ts_err_set(err, TS_NOMEM, path, "out of memory");
    ts_status rc = ts__src_open_file(&c->src, path, TS_LIMIT_LINE, err);
    if (rc != TS_OK) {
        free(c);
        return rc;
    }
    rc = open_common(c, err);
    if (rc != TS_OK) {
        ts__csvrows_free(c);
        return rc;
    }
    *out = c;
    return TS_OK;
}

ts_status ts__csvrows_open_mem(const char *name, const void *mem, size_t len, ts__csvrows **out,
                               ts_err *err)
{
    ts__csvrows *c = calloc(1, sizeof *c);
    if (!c)
        return ts_err_set(err, TS_NOMEM, name, "out of memory");
    ts_status rc = ts__src_open_mem(&c->src, name, mem, len, TS_LIMIT_LINE, err);
    if (rc != TS_OK) {
        free(c);
        return rc;
    }
    rc = open_common(c, err);
    if (rc != TS_OK) {
        ts__csvrows_free(c);
        return rc;
    }
    *out = c;
    return TS_OK;
}

void ts__csvrows_free(ts__csvrows *c)
{
    if (!c)
        return;
    if (c->p_init)
        csv_free(&c->p);
    ts__src_close(&c->src);
    free(c->data);
    free(c->off);
    free(c->flen);
    free(c->fptr);
    free(c->raw);
    free(c);
}

void ts__csvrows_progress(const ts__csvrows *c, uint64_t *done, uint64_t *total)
{
    *done = c->src.consumed;
    *total = c->src.total;
}

static void raw_add(ts__csvrows *c, const char *s, size_t n)
{
    size_t room = TS_LIMIT_FIELD - c->raw_len;
    if (n > room)
        n = room;
    memcpy(c->raw + c->raw_len, s, n);
    c->raw_len += n;
}

static void fill_row(ts__csvrows *c, ts__csvrow *row, const char *error)
{
    while (c->raw_len && (c->raw[c->raw_len - 1] == '\n' || c->raw[c->raw_len - 1] == '\r'))
        c->raw_len--;
    row->line = c->row_line;
    row->raw = c->raw;
    row->raw_len = c->raw_len;
    row->error = error;
    if (!error && c->too_many) {
        snprintf(c->error, sizeof c->error,
                 "the row has more than %u fields: field %u (\"%s\") and those after it are "
                 "past the limit",
                 TS_LIMIT_CSV_COLUMNS, TS_LIMIT_CSV_COLUMNS + 1, c->over);
        row->error = c->error;
    } else if (!error && c->oom) {
        row->error = "out of memory storing the row's fields";
    }
    row->n = row->error ? 0 : c->nf;
    for (size_t i = 0; i < row->n; i++)
        c->fptr[i] = c->data + c->off[i];
    row->f = c->fptr;
    row->len = c->flen;
}

/* Drops the parser's state after a malformed row; parsing resumes on the next line. */
static ts_status parser_restart(ts__csvrows *c, ts_err *err)
{
    csv_free(&c->p);
    c->p_init = false;
    if (!parser_init(c))
        return ts_err_set(err, TS_NOMEM, c->src.name, "cannot allocate the CSV parser");
    c->piece_left = 0;
    c->need_start = true;
    return TS_OK;
}

ts_status ts__csvrows_next(ts__csvrows *c, ts__csvrow *row, bool *got, ts_err *err)
{
    ts_status rc = TS_OK;
    *got = false;
    if (c->finished)
        return TS_OK;
    if (c->need_start)
        row_reset(c);
    for (;;) {
        if (c->piece_left == 0) {
            const char *p;
            size_t len;
            bool overlong, have;
            rc = ts__src_line(&c->src, &p, &len, &overlong, &have, err);
            if (rc != TS_OK)
                return rc;
            if (!have) {
                /* end of input: a last row without a line break, or an open quote */
                c->finished = true;
                int frc = csv_fini(&c->p, on_field, on_row, c);
                if (c->need_start)
                    return TS_OK;
                if (frc != 0) {
                    fill_row(c, row, "a quoted field is not closed before the end of the file");
                    *got = true;
                    return TS_OK;
                }
                fill_row(c, row, NULL);
                *got = c->row_done;
                return TS_OK;
            }
            if (overlong) {
                if (c->need_start) {
                    row_reset(c);
                    c->row_line = c->src.line;
                }
                raw_add(c, p, len);
                fill_row(c, row, "the row is longer than the limit of bytes per row");
                *got = true;
                return parser_restart(c, err);
            }
            c->piece = p;
            /* the '\n' is still in the buffer right after the line */
            c->piece_left = len + (c->src.had_nl ? 1 : 0);
        }
        /* one piece: up to and including the next '\r' or '\n' */
        const char *cr = memchr(c->piece, '\r', c->piece_left);
        size_t n = cr ? (size_t)(cr - c->piece) + 1 : c->piece_left;
        if (cr && n < c->piece_left && cr[1] == '\n')
            n++; /* keep CRLF together: the LF alone is no row end */
        const char *piece = c->piece;
        c->piece += n;
        c->piece_left -= n;
        if (c->need_start) {
            bool blank = true;
            for (size_t i = 0; i < n && blank; i++)
                blank = piece[i] == '\r' || piece[i] == '\n';
            if (blank)
                continue;
            row_reset(c);
            c->need_start = false;
            c->row_line = c->src.line;
        }
        c->row_bytes += n;
        raw_add(c, piece, n);
        size_t done = csv_parse(&c->p, piece, n, on_field, on_row, c);
        if (done < n || csv_error(&c->p) == CSV_EPARSE) {
            fill_row(c, row,
                     "malformed quoting (a quote inside an unquoted field, or text "
                     "after a closing quote)");
            *got = true;
            /* skip the rest of this physical line */
            return parser_restart(c, err);
        }
        if (c->row_done) {
            fill_row(c, row, NULL);
            c->need_start = true;
            *got = true;
            return TS_OK;
        }
        if (c->row_bytes > TS_LIMIT_LINE) {
            fill_row(c, row, "the row is longer than the limit of bytes per row");
            *got = true;
            return parser_restart(c, err);
        }
    }
}
