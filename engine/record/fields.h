/* record/fields.h — internal to engine/record: the field validators shared by the
 * JSON, YAML and CSV paths, and the reject items they produce (fields.c).
 * Nothing here is API; names carry the ts__ prefix. */
#ifndef TS_RECORD_FIELDS_H
#define TS_RECORD_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/record.h"

/* A field path formatted only when an error is reported: "a", "a.b", "a[i]", "a[i].b". */
typedef struct ts__fpath {
    const char *a;
    long i;        /* < 0: no index */
    const char *b; /* NULL: no sub-field */
} ts__fpath;

#define TS__FP(name) ((ts__fpath){(name), -1, NULL})

/* Sets err to TS_INVALID with where = the formatted path, msg = the printf reason. */
ts_status ts__rec_reject(ts_err *err, ts__fpath fp, const char *fmt, ...) TS_PRINTF(3, 4);

/* Validates a string and copies it into the arena.
 * ident: 1..max bytes, no control characters (ids, grid, types, kinds, categories);
 * otherwise (free text): 0..max bytes. Both: valid UTF-8, no NUL. */
ts_status ts__rec_str(ts_arena *a, ts__fpath fp, const char *s, size_t len, size_t max, bool ident,
                      const char **out, ts_err *err) TS_MUST_CHECK;
/* Validates "YYYY-MM-DD" (a real date). */
ts_status ts__rec_date(ts__fpath fp, const char *s, size_t len, int32_t *out,
                       ts_err *err) TS_MUST_CHECK;
/* Validates an attribute name (1..TS_LIMIT_ATTR_NAME bytes, UTF-8, no control characters,
 * not protected); field on error is "attrs.NAME" (or "attrs" if the name is unprintable). */
ts_status ts__rec_attr_name(ts_arena *a, const char *s, size_t len, const char **out,
                            ts_err *err) TS_MUST_CHECK;
/* Sorts attrs by name; TS_INVALID naming the attribute when a name repeats. */
ts_status ts__rec_attrs_finish(ts_attr *attrs, size_t n, ts_err *err) TS_MUST_CHECK;
/* An empty person: name/notes "", born TS_DATE_NONE, no lists. */
void ts__rec_person_init(ts_person *p);

/* Fills a reject item: field and reason copied from err, raw truncated to TS_LIMIT_FIELD
 * (the item quotes the start of a rejected line; the reason names the limit). */
ts_status ts__reader_reject(ts_arena *a, ts_item *out, uint64_t line, const char *field,
                            const char *reason, const char *raw, size_t raw_len,
                            ts_err *err) TS_MUST_CHECK;

#endif
