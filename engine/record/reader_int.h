/* record/reader_int.h — internal to engine/record: the reader handle shared by the
 * JSONL (reader.c), CSV (csv.c) and YAML (yaml.c) readers. */
#ifndef TS_RECORD_READER_INT_H
#define TS_RECORD_READER_INT_H

#include "triscreen/record.h"
#include "record/csvrows.h"
#include "record/src.h"

struct json_tokener;
typedef struct ts__csvread ts__csvread;
typedef struct ts__yread ts__yread;

struct ts_reader {
    ts_format fmt;
    char *path;  /* owned copy (the name for a memory reader) */
    ts__src src; /* JSONL */
    bool src_open;
    struct json_tokener *tok; /* JSONL */
    ts__csvread *csv;         /* CSV */
    ts__yread *yaml;          /* YAML */
    const void *mem;          /* memory reader: the borrowed buffer */
    size_t mem_len;
    bool is_mem;
    bool defer; /* JSONL: return raw lines (ts_reader_defer) */
};

/* Fills a reject item: field and reason copied from err, raw truncated to TS_LIMIT_FIELD. */
ts_status ts__reader_reject(ts_arena *a, ts_item *out, uint64_t line, const char *field,
                            const char *reason, const char *raw, size_t raw_len,
                            ts_err *err) TS_MUST_CHECK;

ts_status ts__csvread_open(ts_reader *r, ts_err *err) TS_MUST_CHECK;
ts_status ts__csvread_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err) TS_MUST_CHECK;
void ts__csvread_progress(const ts_reader *r, uint64_t *done, uint64_t *total);
void ts__csvread_close(ts_reader *r);

ts_status ts__yread_open(ts_reader *r, ts_err *err) TS_MUST_CHECK;
ts_status ts__yread_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err) TS_MUST_CHECK;
void ts__yread_progress(const ts_reader *r, uint64_t *done, uint64_t *total);
void ts__yread_close(ts_reader *r);

#endif
