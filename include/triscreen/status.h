/* triscreen/status.h — status codes and the error detail struct shared by every module.
 *
 * Invariants: TS_OK is 0; every fallible public function returns ts_status, writes its
 * outputs only on success, and fills the optional ts_err with a location and message.
 * Reporting an error never allocates. */
#ifndef TRISCREEN_STATUS_H
#define TRISCREEN_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#define TS_MUST_CHECK __attribute__((warn_unused_result))
#define TS_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* One list generates the enum, the names and the messages. */
#define TS_STATUS_MAP(X)                                                                           \
    X(OK, "success")                                                                               \
    X(NOMEM, "out of memory")                                                                      \
    X(IO, "input/output error")                                                                    \
    X(USAGE, "usage error")                                                                        \
    X(CONFIG, "configuration error")                                                               \
    X(PARSE, "parse error")                                                                        \
    X(INVALID, "invalid data")                                                                     \
    X(LIMIT, "limit exceeded")                                                                     \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(STORE, "database error")                                                                     \
    X(BUSY, "database busy")                                                                       \
    X(RULE, "rule error")                                                                          \
    X(BUDGET, "instruction budget exceeded")                                                       \
    X(STATE, "invalid state")                                                                      \
    X(DENIED, "permission denied")                                                                 \
    X(INTERRUPTED, "interrupted")

typedef enum {
#define TS__STATUS_ENUM(name, text) TS_##name,
    TS_STATUS_MAP(TS__STATUS_ENUM)
#undef TS__STATUS_ENUM
        TS__STATUS_COUNT
} ts_status;

/* Error detail. `where` is a location such as "rules/disputes.lua:14" or
 * "records.csv:1203: field born"; `msg` the human-readable reason. Both are always
 * NUL-terminated; long texts are truncated. */
typedef struct ts_err {
    ts_status code;
    char where[256];
    char msg[512];
} ts_err;

/* "OK", "NOMEM", ... Never NULL. */
const char *ts_status_name(ts_status st);
/* "success", "out of memory", ... Never NULL. */
const char *ts_status_text(ts_status st);

/* Clears err (accepts NULL). */
void ts_err_clear(ts_err *err);
/* Sets err (accepts NULL) and returns code, so callers can `return ts_err_set(...)`.
 * `where` may be NULL. Never allocates. */
ts_status ts_err_set(ts_err *err, ts_status code, const char *where, const char *fmt, ...)
    TS_PRINTF(4, 5);
ts_status ts_err_vset(ts_err *err, ts_status code, const char *where, const char *fmt, va_list ap);
/* Formats "where: msg" (or just msg) into buf of size cap; returns buf. */
const char *ts_err_format(const ts_err *err, char *buf, size_t cap);

#endif
