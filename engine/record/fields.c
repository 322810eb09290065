/* record/fields.c — field validators shared by the JSON, YAML and CSV record paths, and
 * the protected-attribute list. Uses base/text (UTF-8) and triscreen/date. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/date.h"
#include "triscreen/record.h"
#include "base/attrname.h"
#include "base/limits.h"
#include "base/text.h"
#include "record/fields.h"

ts_status ts__rec_reject(ts_err *err, ts__fpath fp, const char *fmt, ...)
{
    char where[sizeof(((ts_err *)0)->where)];
    const char *a = fp.a ? fp.a : "";
    if (fp.i >= 0 && fp.b)
        snprintf(where, sizeof where, "%s[%ld].%s", a, fp.i, fp.b);
    else if (fp.i >= 0)
        snprintf(where, sizeof where, "%s[%ld]", a, fp.i);
    else if (fp.b)
        snprintf(where, sizeof where, "%s.%s", a, fp.b);
    else
        snprintf(where, sizeof where, "%s", a);
    va_list ap;
    va_start(ap, fmt);
    ts_err_vset(err, TS_INVALID, where, fmt, ap);
    va_end(ap);
    return TS_INVALID;
}

ts_status ts__rec_str(ts_arena *a, ts__fpath fp, const char *s, size_t len, size_t max, bool ident,
                      const char **out, ts_err *err)
{
    if (len > max)
        return ts__rec_reject(err, fp, "longer than %zu bytes", max);
    if (ident && len == 0)
        return ts__rec_reject(err, fp, "must not be empty");
    if (memchr(s, '\0', len))
        return ts__rec_reject(err, fp, "contains a NUL character");
    size_t bad;
    if (!ts_utf8_valid(s, len, &bad))
        return ts__rec_reject(err, fp, "not valid UTF-8 (bad byte at offset %zu)", bad);
    if (ident) {
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x20 || c == 0x7f)
                return ts__rec_reject(err, fp, "contains a control character");
        }
    }
    char *d = ts_arena_strndup(a, s, len);
    if (!d)
        return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
    *out = d;
    return TS_OK;
}

ts_status ts__rec_date(ts__fpath fp, const char *s, size_t len, int32_t *out, ts_err *err)
{
    if (ts_date_parse(s, len, out))
        return TS_OK;
    char why[160];
    return ts__rec_reject(err, fp, "%s", ts_date_problem(s, len, why, sizeof why));
}

bool ts_record_attr_protected(const char *name)
{
    return name && ts__attrname_protected(name, strlen(name), NULL, 0);
}

ts_status ts__rec_attr_name(ts_arena *a, const char *s, size_t len, const char **out, ts_err *err)
{
    ts__fpath fp = TS__FP("attrs");
    if (len == 0)
        return ts__rec_reject(err, fp, "an attribute name is empty");
    if (len > 4 * TS_LIMIT_ATTR_NAME)
        return ts__rec_reject(err, fp, "an attribute name is longer than %u bytes",
                              TS_LIMIT_ATTR_NAME);
    if (memchr(s, '\0', len))
        return ts__rec_reject(err, fp, "an attribute name contains a NUL character");
    if (!ts_utf8_valid(s, len, NULL))
        return ts__rec_reject(err, fp, "an attribute name is not valid UTF-8");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return ts__rec_reject(err, fp, "an attribute name contains a control character");
    }
    /* stored (and shown to rules) in normal form: NFKC, case-folded, no spacing or
     * invisible characters (base/attrname.h) */
    char norm[TS_ATTRNAME_BUF];
    size_t nl = 0;
    switch (ts__attrname_normalize(s, len, norm, &nl)) {
    case TS_ATTRNAME_OK:
        break;
    case TS_ATTRNAME_EMPTY:
        return ts__rec_reject(err, fp,
                              "an attribute name is empty once spaces and invisible characters "
                              "are removed");
    case TS_ATTRNAME_LONG:
        return ts__rec_reject(err, fp,
                              "an attribute name is longer than %u bytes (after Unicode NFKC "
                              "normalisation)",
                              TS_LIMIT_ATTR_NAME);
    default:
        return ts__rec_reject(err, fp, "an attribute name is not valid UTF-8");
    }
    char key[TS_ATTRNAME_BUF];
    ts__attrname_key(norm, key);
    if (ts__attrname_default_match(key)) {
        char given[TS_ATTRNAME_BUF];
        snprintf(given, sizeof given, "%.*s",
                 (int)(len < TS_LIMIT_ATTR_NAME ? len : TS_LIMIT_ATTR_NAME), s);
        return ts__rec_reject(err, (ts__fpath){"attrs", -1, given},
                              "protected attribute is not accepted (normalised name \"%s\")", norm);
    }
    char *d = ts_arena_strndup(a, norm, nl);
    if (!d)
        return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
    *out = d;
    return TS_OK;
}

static int attr_cmp(const void *x, const void *y)
{
    return strcmp(((const ts_attr *)x)->name, ((const ts_attr *)y)->name);
}

ts_status ts__rec_attrs_finish(ts_attr *attrs, size_t n, ts_err *err)
{
    if (n < 2)
        return TS_OK;
    /* Most files list attrs in a stable order, often already sorted: check first. */
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = strcmp(attrs[i - 1].name, attrs[i].name) < 0;
    if (!sorted && n <= 16) {
        for (size_t i = 1; i < n; i++) {
            ts_attr v = attrs[i];
            size_t j = i;
            for (; j > 0 && strcmp(attrs[j - 1].name, v.name) > 0; j--)
                attrs[j] = attrs[j - 1];
            attrs[j] = v;
        }
    } else if (!sorted) {
        qsort(attrs, n, sizeof *attrs, attr_cmp);
    }
    for (size_t i = 1; i < n; i++)
        if (strcmp(attrs[i - 1].name, attrs[i].name) == 0)
            return ts__rec_reject(err, (ts__fpath){"attrs", -1, attrs[i].name},
                                  "attribute given more than once");
    return TS_OK;
}

void ts__rec_person_init(ts_person *p)
{
    memset(p, 0, sizeof *p);
    p->name = "";
    p->notes = "";
    p->born = TS_DATE_NONE;
}

ts_status ts__reader_reject(ts_arena *a, ts_item *out, uint64_t line, const char *field,
                            const char *reason, const char *raw, size_t raw_len, ts_err *err)
{
    if (raw_len > TS_LIMIT_FIELD)
        raw_len = TS_LIMIT_FIELD;
    memset(out, 0, sizeof *out);
    out->kind = TS_ITEM_REJECT;
    out->line = line;
    out->field = ts_arena_strdup(a, field ? field : "");
    out->reason = ts_arena_strdup(a, reason);
    char *r = ts_arena_strndup(a, raw ? raw : "", raw ? raw_len : 0);
    out->raw = r;
    out->raw_len = raw ? raw_len : 0;
    if (!out->field || !out->reason || !r)
        return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
    return TS_OK;
}
