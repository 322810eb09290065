/* record/reader_int.h — internal to engine/record: the reader handle shared by the
 * JSONL (reader.c), CSV (csv.c) and YAML (yaml.c) readers. Types only: the functions
 * of each reader are in its own header (csvread.h, yread.h). */
#ifndef TS_RECORD_READER_INT_H
#define TS_RECORD_READER_INT_H

#include "triscreen/record.h"
#include "record/json_int.h"
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
    ts__jfast *fast;          /* JSONL: the fast path's scratch */
    ts__csvread *csv;         /* CSV */
    ts__yread *yaml;          /* YAML */
    const void *mem;          /* memory reader: the borrowed buffer */
    size_t mem_len;
    bool is_mem;
    bool defer; /* JSONL: return raw lines (ts_reader_defer) */
};

#endif
