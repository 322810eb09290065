/* record/csvrows.h — internal: RFC 4180 rows and fields from a CSV file or buffer
 * (libcsv underneath), with the line where each row starts. The persons / events /
 * relations CSV reader is built on it; tests compare its fields to csv-spectrum.
 *
 * Invariants: fields are NUL-terminated copies, valid until the next call; a row is at
 * most TS_LIMIT_LINE bytes and TS_LIMIT_CSV_COLUMNS fields, otherwise it comes back
 * with `error` set and parsing resumes at the next physical line; blank lines are
 * skipped; a UTF-8 BOM at the start is dropped; quoted fields may hold newlines (CRLF
 * kept as is); unquoted fields are not trimmed. Lines are counted by '\n'. */
#ifndef TS_RECORD_CSVROWS_H
#define TS_RECORD_CSVROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/status.h"

typedef struct ts__csvrows ts__csvrows;

typedef struct ts__csvrow {
    uint64_t line;     /* 1-based line where the row starts */
    size_t n;          /* number of fields */
    char **f;          /* f[0..n), NUL-terminated (may hold NULs: use len) */
    const size_t *len; /* len[0..n) */
    const char *raw;   /* the row as read, without its line break; truncated to
                          TS_LIMIT_FIELD bytes */
    size_t raw_len;
    const char *error; /* non-NULL: the row is malformed (reason sentence); f/n unusable */
} ts__csvrow;

ts_status ts__csvrows_open_file(const char *path, ts__csvrows **out, ts_err *err) TS_MUST_CHECK;
/* mem is borrowed and must outlive the row reader. */
ts_status ts__csvrows_open_mem(const char *name, const void *mem, size_t len, ts__csvrows **out,
                               ts_err *err) TS_MUST_CHECK;
/* Next row; *got false at the end. TS_IO / TS_NOMEM only for real failures. */
ts_status ts__csvrows_next(ts__csvrows *c, ts__csvrow *row, bool *got, ts_err *err) TS_MUST_CHECK;
void ts__csvrows_progress(const ts__csvrows *c, uint64_t *done, uint64_t *total);
void ts__csvrows_free(ts__csvrows *c);

#endif
