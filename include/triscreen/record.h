/* triscreen/record.h — person records, events and relations, and the streaming readers
 * for JSON Lines, CSV and YAML import files.
 *
 * Invariants: every string in a ts_person / ts_item is NUL-terminated valid UTF-8 and
 * lives in the arena passed to ts_reader_next (or ts_record_decode); it is valid until
 * that arena is reset. Dates are days since 1970-01-01 (triscreen/date.h). */
#ifndef TRISCREEN_RECORD_H
#define TRISCREEN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/arena.h"
#include "triscreen/status.h"

typedef enum { TS_ATTR_NUM = 1, TS_ATTR_BOOL = 2, TS_ATTR_STR = 3 } ts_attr_type;

typedef struct ts_attr {
    const char *name;
    ts_attr_type type;
    double num;      /* TS_ATTR_NUM */
    bool b;          /* TS_ATTR_BOOL */
    const char *str; /* TS_ATTR_STR */
} ts_attr;

typedef struct ts_event {
    const char *type;
    int32_t date;     /* days since epoch */
    const char *note; /* "" when absent */
} ts_event;

typedef struct ts_relation {
    const char *other; /* the related person's id */
    const char *kind;
} ts_relation;

typedef struct ts_person {
    const char *id;
    const char *name;  /* "" when absent */
    const char *grid;  /* group cell code */
    const char *notes; /* "" when absent */
    int32_t born;      /* TS_DATE_NONE when absent */
    const char **categories;
    size_t n_categories;
    ts_attr *attrs; /* sorted by name, names unique */
    size_t n_attrs;
    ts_event *events; /* as given; the store de-duplicates */
    size_t n_events;
    ts_relation *relations;
    size_t n_relations;
} ts_person;

/* ---- readers ------------------------------------------------------------------------ */

typedef enum { TS_FORMAT_AUTO = 0, TS_FORMAT_JSONL, TS_FORMAT_CSV, TS_FORMAT_YAML } ts_format;

typedef enum {
    TS_ITEM_END = 0,  /* no more items */
    TS_ITEM_PERSON,   /* item.person */
    TS_ITEM_EVENT,    /* a row of an events CSV: item.person_id + item.event */
    TS_ITEM_RELATION, /* a row of a relations CSV: item.person_id + item.relation */
    TS_ITEM_REJECT,   /* a bad row: item.field, item.reason, item.raw */
    TS_ITEM_RAW,      /* deferred (ts_reader_defer): a JSONL line in item.raw, not parsed */
} ts_item_kind;

typedef struct ts_item {
    ts_item_kind kind;
    uint64_t line; /* 1-based line where the item starts */
    ts_person person;
    const char *person_id;
    ts_event event;
    ts_relation relation;
    /* TS_ITEM_REJECT: field is "" when the row as a whole is bad (e.g. invalid JSON);
     * reason is a sentence. raw is the row as read for every kind but TS_ITEM_END (so
     * a reject made later, e.g. for an unknown grid cell, can quote it); it may be
     * truncated to TS_LIMIT_FIELD bytes (a TS_ITEM_RAW line never is) and may be
     * invalid UTF-8: escape it before printing. */
    const char *field;
    const char *reason;
    const char *raw;
    size_t raw_len;
} ts_item;

typedef struct ts_reader ts_reader;

/* Opens path for streaming. TS_FORMAT_AUTO picks by extension (.jsonl/.ndjson/.json →
 * JSONL, .csv → CSV, .yaml/.yml → YAML). A CSV file's kind (persons, events,
 * relations) is recognised from its header. Status: TS_IO (cannot open),
 * TS_PARSE (unusable header / whole-file YAML error), TS_USAGE (unknown extension),
 * TS_NOMEM. Thread-safe for distinct readers. */
ts_status ts_reader_open(const char *path, ts_format fmt, ts_reader **out,
                         ts_err *err) TS_MUST_CHECK;

/* Like ts_reader_open over a memory buffer (an HTTP body, a fuzzer input): name is used
 * for the format (by extension, with TS_FORMAT_AUTO) and in messages; buf is borrowed
 * and must stay valid until ts_reader_close. YAML is parsed whole at open. Same
 * statuses as ts_reader_open except TS_IO. Thread-safe for distinct readers. */
ts_status ts_reader_open_mem(const char *name, const void *buf, size_t len, ts_format fmt,
                             ts_reader **out, ts_err *err) TS_MUST_CHECK;

/* Reads the next item into *out, allocating from arena. Bad rows come back as
 * TS_ITEM_REJECT with TS_OK; only I/O failure or memory exhaustion returns an error. */
ts_status ts_reader_next(ts_reader *r, ts_arena *arena, ts_item *out, ts_err *err) TS_MUST_CHECK;

/* Deferred parsing (JSON Lines only; other formats ignore it): ts_reader_next then
 * returns each non-blank line as TS_ITEM_RAW (raw copied into the arena) and the caller
 * parses it with ts_record_parse_item, possibly on another thread. Over-long lines are
 * still returned as rejects. */
void ts_reader_defer(ts_reader *r, bool on);

/* A JSON record parser for ts_record_parse_item; one per thread. */
typedef struct ts_record_parser ts_record_parser;
ts_status ts_record_parser_new(ts_record_parser **out) TS_MUST_CHECK;
void ts_record_parser_free(ts_record_parser *p);
/* Turns a TS_ITEM_RAW item into TS_ITEM_PERSON or TS_ITEM_REJECT in place, allocating
 * from arena. Other kinds are left alone. TS_NOMEM only on exhaustion. */
ts_status ts_record_parse_item(ts_record_parser *p, ts_arena *arena, ts_item *it,
                               ts_err *err) TS_MUST_CHECK;

/* Bytes consumed so far and the file size (0 if unknown), for progress bars. */
void ts_reader_progress(const ts_reader *r, uint64_t *done, uint64_t *total);
const char *ts_reader_path(const ts_reader *r);
ts_format ts_reader_format(const ts_reader *r);
void ts_reader_close(ts_reader *r);

/* Parses one JSON record (one JSONL line; no trailing newline needed). On a bad record
 * returns TS_INVALID with err->where = field name ("" for the whole row) and
 * err->msg = reason. Used by the readers and by the HTTP ingest. */
ts_status ts_record_parse_json(const char *buf, size_t len, ts_arena *arena, ts_person *out,
                               ts_err *err) TS_MUST_CHECK;

/* ---- compact binary form (the store keeps attrs and categories this way) ------------ */

/* Encodes categories and attrs of p into a malloc'd blob (*out, *out_len; caller frees). */
ts_status ts_record_encode_extra(const ts_person *p, unsigned char **out,
                                 size_t *out_len) TS_MUST_CHECK;
/* Decodes a blob made by ts_record_encode_extra into p->categories and p->attrs. */
ts_status ts_record_decode_extra(const unsigned char *blob, size_t len, ts_arena *arena,
                                 ts_person *p) TS_MUST_CHECK;

/* Protected attributes (ethnicity, religion, politics, 民族, 宗教, ...): true when name,
 * once normalised (see ts_attr_name_protected in triscreen/config.h, which also takes
 * the config's protected_attributes), is one of the built-in ones or their plural. The
 * readers reject such attrs and `rules check` flags rules that read them. The readers
 * store every attribute name in that normal form (NFKC, case-folded, spacing and
 * zero-width characters removed: "Open Disputes" is stored as "opendisputes"). */
bool ts_record_attr_protected(const char *name);

/* Writes p as one JSON object (no newline) into a malloc'd string; caller frees. */
ts_status ts_record_to_json(const ts_person *p, char **out) TS_MUST_CHECK;

#endif
