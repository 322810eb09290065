/* triscreen/jsonw.h — the JSON encoder: every JSON text triscreen produces is written
 * through this one module (the only place that escapes JSON strings).
 *
 * A streaming writer over a capped ts_buf: objects and arrays nest up to
 * TS_JSONW_MAX_DEPTH, commas and colons are placed by the writer, strings are escaped as
 * json-c's plain no-slash-escape output does (", \, \n, \r, \t as two characters, other
 * control bytes as \u00XX, '/' and non-ASCII kept) and invalid UTF-8 becomes \ufffd.
 * Errors are sticky: after the first failure (TS_LIMIT past the buffer's cap, TS_NOMEM,
 * TS_STATE for a misplaced call) every call does nothing and ts_jsonw_finish reports
 * it, so a caller writes a whole value and checks once. Not thread-safe. */
#ifndef TRISCREEN_JSONW_H
#define TRISCREEN_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/buf.h"
#include "triscreen/status.h"

#define TS_JSONW_MAX_DEPTH 32

typedef struct ts_jsonw {
    ts_buf *out;                            /* borrowed; appended to */
    ts_status st;                           /* first failure, TS_OK */
    unsigned depth;                         /* open containers */
    bool has_item[TS_JSONW_MAX_DEPTH + 1];  /* the container at depth already holds one */
    bool is_object[TS_JSONW_MAX_DEPTH + 1]; /* the container at depth is an object */
    bool after_key;                         /* a key was written; its value comes next */
} ts_jsonw;

/* Starts writing one or more top-level values at the end of out. */
void ts_jsonw_init(ts_jsonw *w, ts_buf *out);

void ts_jsonw_obj(ts_jsonw *w);
void ts_jsonw_obj_end(ts_jsonw *w);
void ts_jsonw_arr(ts_jsonw *w);
void ts_jsonw_arr_end(ts_jsonw *w);
/* An object member's key (only inside an object, before each value). */
void ts_jsonw_key(ts_jsonw *w, const char *key);

void ts_jsonw_str(ts_jsonw *w, const char *s); /* NULL writes null */
void ts_jsonw_strn(ts_jsonw *w, const char *s, size_t n);
void ts_jsonw_int(ts_jsonw *w, int64_t v);
/* A finite double as %.17g trimmed to its shortest round-tripping form; NaN/inf: null. */
void ts_jsonw_double(ts_jsonw *w, double v);
void ts_jsonw_bool(ts_jsonw *w, bool v);
void ts_jsonw_null(ts_jsonw *w);
/* A value that is already JSON text this encoder wrote (e.g. a stored column): copied
 * as it is. */
void ts_jsonw_raw(ts_jsonw *w, const char *json, size_t n);

/* Key-value shorthands. */
void ts_jsonw_kstr(ts_jsonw *w, const char *key, const char *s);
void ts_jsonw_kint(ts_jsonw *w, const char *key, int64_t v);
void ts_jsonw_kbool(ts_jsonw *w, const char *key, bool v);
void ts_jsonw_knull(ts_jsonw *w, const char *key);

/* Appends a string's escaped form, quotes included, to b (for writers that only need a
 * string literal). TS_LIMIT / TS_NOMEM; b unchanged on error. */
ts_status ts_json_quote(ts_buf *b, const char *s, size_t n) TS_MUST_CHECK;

/* TS_OK when every call succeeded and every container is closed; else the first
 * failure (TS_STATE when a container is left open). */
ts_status ts_jsonw_finish(const ts_jsonw *w) TS_MUST_CHECK;

#endif
