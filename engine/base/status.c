/* base/status.c — status names/texts and the ts_err helpers. Uses nothing else. */
#include <stdio.h>
#include <string.h>

#include "triscreen/status.h"

static const char *const names[] = {
#define TS__NAME(name, text) #name,
    TS_STATUS_MAP(TS__NAME)
#undef TS__NAME
};
static const char *const texts[] = {
#define TS__TEXT(name, text) text,
    TS_STATUS_MAP(TS__TEXT)
#undef TS__TEXT
};

const char *ts_status_name(ts_status st)
{
    return (unsigned)st < TS__STATUS_COUNT ? names[st] : "UNKNOWN";
}

const char *ts_status_text(ts_status st)
{
    return (unsigned)st < TS__STATUS_COUNT ? texts[st] : "unknown status";
}

void ts_err_clear(ts_err *err)
{
    if (!err)
        return;
    err->code = TS_OK;
    err->where[0] = '\0';
    err->msg[0] = '\0';
}

ts_status ts_err_vset(ts_err *err, ts_status code, const char *where, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->where, sizeof err->where, "%s", where ? where : "");
    if (fmt)
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    else
        snprintf(err->msg, sizeof err->msg, "%s", ts_status_text(code));
    return code;
}

ts_status ts_err_set(ts_err *err, ts_status code, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ts_status rc = ts_err_vset(err, code, where, fmt, ap);
    va_end(ap);
    return rc;
}

const char *ts_err_format(const ts_err *err, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    if (!err) {
        buf[0] = '\0';
        return buf;
    }
    if (err->where[0])
        snprintf(buf, cap, "%s: %s", err->where,
                 err->msg[0] ? err->msg : ts_status_text(err->code));
    else
        snprintf(buf, cap, "%s", err->msg[0] ? err->msg : ts_status_text(err->code));
    return buf;
}
