/* record/extra.c — the compact binary form of a person's categories and attrs, kept by
 * the store. Uses base/text (UTF-8), base/limits.
 *
 * Layout (all counts and lengths unsigned LEB128, at most 5 bytes):
 *   'X' 0x01                      magic and version
 *   ncat  { len bytes }*ncat      categories, in order
 *   nattr { len name type value }*nattr   attrs, sorted by name, unique
 *       type 1 number: 8 bytes IEEE-754 little-endian; 2 bool: 1 byte 0|1;
 *       type 3 string: len bytes
 * Decoding checks every bound (counts against the limits, lengths against the bytes
 * left), the types, name order, and that strings are UTF-8 without NUL: a corrupt blob
 * is TS_INVALID, never a read past its end. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/record.h"
#include "base/limits.h"
#include "base/text.h"

#define EXTRA_MAGIC 'X'
#define EXTRA_VERSION 1

static size_t uv_size(size_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static unsigned char *uv_put(unsigned char *p, size_t v)
{
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    return p;
}

ts_status ts_record_encode_extra(const ts_person *p, unsigned char **out, size_t *out_len)
{
    if (p->n_categories > TS_LIMIT_CATEGORIES || p->n_attrs > TS_LIMIT_ATTRS)
        return TS_INVALID;
    size_t size = 2 + uv_size(p->n_categories) + uv_size(p->n_attrs);
    for (size_t i = 0; i < p->n_categories; i++) {
        size_t n = strlen(p->categories[i]);
        size += uv_size(n) + n;
    }
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *a = &p->attrs[i];
        size_t n = strlen(a->name);
        size += uv_size(n) + n + 1;
        if (a->type == TS_ATTR_NUM)
            size += 8;
        else if (a->type == TS_ATTR_BOOL)
            size += 1;
        else if (a->type == TS_ATTR_STR) {
            size_t sl = a->str ? strlen(a->str) : 0;
            size += uv_size(sl) + sl;
        } else
            return TS_INVALID;
    }
    if (size > TS_LIMIT_EXTRA_BLOB)
        return TS_INVALID;
    unsigned char *buf = malloc(size);
    if (!buf)
        return TS_NOMEM;
    unsigned char *w = buf;
    *w++ = EXTRA_MAGIC;
    *w++ = EXTRA_VERSION;
    w = uv_put(w, p->n_categories);
    for (size_t i = 0; i < p->n_categories; i++) {
        size_t n = strlen(p->categories[i]);
        w = uv_put(w, n);
        memcpy(w, p->categories[i], n);
        w += n;
    }
    w = uv_put(w, p->n_attrs);
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *a = &p->attrs[i];
        size_t n = strlen(a->name);
        w = uv_put(w, n);
        memcpy(w, a->name, n);
        w += n;
        *w++ = (unsigned char)a->type;
        if (a->type == TS_ATTR_NUM) {
            uint64_t bits;
            memcpy(&bits, &a->num, 8);
            for (int k = 0; k < 8; k++)
                *w++ = (unsigned char)(bits >> (8 * k));
        } else if (a->type == TS_ATTR_BOOL) {
            *w++ = a->b ? 1 : 0;
        } else {
            size_t sl = a->str ? strlen(a->str) : 0;
            w = uv_put(w, sl);
            if (sl)
                memcpy(w, a->str, sl);
            w += sl;
        }
    }
    *out = buf;
    *out_len = (size_t)(w - buf);
    return TS_OK;
}

typedef struct {
    const unsigned char *p, *end;
} rd;

static bool uv_get(rd *r, size_t *out)
{
    size_t v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (r->p >= r->end)
            return false;
        unsigned char b = *r->p++;
        v |= (size_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* A length-prefixed string, copied into the arena. TS_INVALID / TS_NOMEM. */
static ts_status str_get(rd *r, ts_arena *a, size_t max, const char **out)
{
    size_t n;
    if (!uv_get(r, &n) || n > max || n > (size_t)(r->end - r->p))
        return TS_INVALID;
    const char *s = (const char *)r->p;
    if (memchr(s, '\0', n) || !ts_utf8_valid(s, n, NULL))
        return TS_INVALID;
    char *d = ts_arena_strndup(a, s, n);
    if (!d)
        return TS_NOMEM;
    r->p += n;
    *out = d;
    return TS_OK;
}

ts_status ts_record_decode_extra(const unsigned char *blob, size_t len, ts_arena *arena,
                                 ts_person *p)
{
    if (!blob || len < 4 || blob[0] != EXTRA_MAGIC || blob[1] != EXTRA_VERSION)
        return TS_INVALID;
    rd r = {blob + 2, blob + len};
    size_t nc, na;
    if (!uv_get(&r, &nc) || nc > TS_LIMIT_CATEGORIES)
        return TS_INVALID;
    const char **cats = ts_arena_alloc(arena, (nc ? nc : 1) * sizeof *cats);
    if (!cats)
        return TS_NOMEM;
    ts_status rc;
    for (size_t i = 0; i < nc; i++)
        if ((rc = str_get(&r, arena, TS_LIMIT_ATTR_NAME, &cats[i])) != TS_OK)
            return rc;
    if (!uv_get(&r, &na) || na > TS_LIMIT_ATTRS)
        return TS_INVALID;
    ts_attr *attrs = ts_arena_alloc(arena, (na ? na : 1) * sizeof *attrs);
    if (!attrs)
        return TS_NOMEM;
    for (size_t i = 0; i < na; i++) {
        ts_attr *a = &attrs[i];
        if ((rc = str_get(&r, arena, TS_LIMIT_ATTR_NAME, &a->name)) != TS_OK)
            return rc;
        if (a->name[0] == '\0' || (i > 0 && strcmp(attrs[i - 1].name, a->name) >= 0))
            return TS_INVALID;
        if (r.p >= r.end)
            return TS_INVALID;
        unsigned t = *r.p++;
        a->type = (ts_attr_type)t;
        a->str = NULL;
        a->num = 0;
        a->b = false;
        if (a->type == TS_ATTR_NUM) {
            if (r.end - r.p < 8)
                return TS_INVALID;
            uint64_t bits = 0;
            for (int k = 0; k < 8; k++)
                bits |= (uint64_t)r.p[k] << (8 * k);
            r.p += 8;
            memcpy(&a->num, &bits, 8);
            if (!isfinite(a->num))
                return TS_INVALID;
        } else if (a->type == TS_ATTR_BOOL) {
            if (r.p >= r.end || *r.p > 1)
                return TS_INVALID;
            a->b = *r.p++ == 1;
        } else if (a->type == TS_ATTR_STR) {
            if ((rc = str_get(&r, arena, TS_LIMIT_FIELD, &a->str)) != TS_OK)
                return rc;
        } else {
            return TS_INVALID;
        }
    }
    if (r.p != r.end)
        return TS_INVALID;
    p->categories = cats;
    p->n_categories = nc;
    p->attrs = attrs;
    p->n_attrs = na;
    return TS_OK;
}
