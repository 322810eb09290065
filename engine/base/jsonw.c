/* base/jsonw.c — the JSON encoder (triscreen/jsonw.h). */
#include "triscreen/jsonw.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

void ts_jsonw_init(ts_jsonw *w, ts_buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->st = TS_OK;
}

static void fail(ts_jsonw *w, ts_status st)
{
    if (w->st == TS_OK)
        w->st = st;
}

static void put(ts_jsonw *w, const char *s, size_t n)
{
    if (w->st != TS_OK)
        return;
    ts_buf *b = w->out;
    /* the common case inline: room already allocated and within the cap */
    if (b->data && n < b->alloc - b->len && n <= b->cap - b->len) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
        return;
    }
    ts_status st = ts_buf_append(b, s, n);
    if (st != TS_OK)
        fail(w, st);
}

/* Before a value: the comma between array items or top-level values; inside an object
 * a value needs its key first. */
static bool begin_value(ts_jsonw *w)
{
    if (w->st != TS_OK)
        return false;
    if (w->depth > 0 && w->is_object[w->depth]) {
        if (!w->after_key) {
            fail(w, TS_STATE);
            return false;
        }
        w->after_key = false;
        return true;
    }
    if (w->has_item[w->depth])
        put(w, w->depth > 0 ? "," : "\n", 1);
    w->has_item[w->depth] = true;
    return w->st == TS_OK;
}

static void open_container(ts_jsonw *w, bool object)
{
    if (!begin_value(w))
        return;
    if (w->depth >= TS_JSONW_MAX_DEPTH) {
        fail(w, TS_LIMIT);
        return;
    }
    put(w, object ? "{" : "[", 1);
    w->depth++;
    w->has_item[w->depth] = false;
    w->is_object[w->depth] = object;
}

static void close_container(ts_jsonw *w, bool object)
{
    if (w->st != TS_OK)
        return;
    if (w->depth == 0 || w->is_object[w->depth] != object || w->after_key) {
        fail(w, TS_STATE);
        return;
    }
    w->depth--;
    put(w, object ? "}" : "]", 1);
}

void ts_jsonw_obj(ts_jsonw *w)
{
    open_container(w, true);
}

void ts_jsonw_obj_end(ts_jsonw *w)
{
    close_container(w, true);
}

void ts_jsonw_arr(ts_jsonw *w)
{
    open_container(w, false);
}

void ts_jsonw_arr_end(ts_jsonw *w)
{
    close_container(w, false);
}

/* A byte copied into a JSON string as it is (printable ASCII other than '"' and '\\'). */
static inline bool json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

ts_status ts_json_quote(ts_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = b->len;
    size_t i = 0;
    while (i < n && json_plain((unsigned char)s[i]))
        i++;
    /* the quoted text is at least n + 2 bytes: one reservation covers the common case,
     * nothing to escape, and fails exactly when the whole would */
    ts_status st = n <= SIZE_MAX - 2 ? ts_buf_reserve(b, n + 2) : TS_LIMIT;
    if (st != TS_OK)
        return st;
    b->data[b->len++] = '"';
    if (i == n) {
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len++] = '"';
        b->data[b->len] = '\0';
        return TS_OK;
    }
    b->data[b->len] = '\0';
    size_t run = i;
    while (st == TS_OK && i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];
        size_t adv = 1;
        if (json_plain(c)) {
            /* copied with its run */
        } else if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            u[0] = '\\', u[1] = 'u', u[2] = '0', u[3] = '0', u[4] = hex[c >> 4], u[5] = hex[c & 15];
            u[6] = '\0';
            esc = u;
        } else {
            size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (k > 1 && i + k <= n && ts_utf8_valid(s + i, k, NULL))
                adv = k;
            else
                esc = "\\ufffd";
        }
        if (esc) {
            st = ts_buf_append(b, s + i - run, run);
            if (st == TS_OK)
                st = ts_buf_puts(b, esc);
            run = 0;
        } else {
            run += adv;
        }
        i += adv;
    }
    if (st == TS_OK)
        st = ts_buf_append(b, s + n - run, run);
    if (st == TS_OK)
        st = ts_buf_putc(b, '"');
    if (st != TS_OK) { /* leave b as it was */
        b->len = start;
        b->data[start] = '\0';
    }
    return st;
}

void ts_jsonw_key(ts_jsonw *w, const char *key)
{
    if (w->st != TS_OK)
        return;
    if (w->depth == 0 || !w->is_object[w->depth] || w->after_key) {
        fail(w, TS_STATE);
        return;
    }
    bool comma = w->has_item[w->depth];
    w->has_item[w->depth] = true;
    w->after_key = true;
    size_t n = strlen(key), i = 0;
    while (i < n && json_plain((unsigned char)key[i]))
        i++;
    ts_buf *b = w->out;
    if (i == n && n <= SIZE_MAX - 4) { /* a key needing no escape (every literal one) */
        ts_status st = ts_buf_reserve(b, n + 3 + comma);
        if (st != TS_OK) {
            fail(w, st);
            return;
        }
        char *p = b->data + b->len;
        if (comma)
            *p++ = ',';
        *p++ = '"';
        memcpy(p, key, n);
        p += n;
        *p++ = '"';
        *p++ = ':';
        *p = '\0';
        b->len = (size_t)(p - b->data);
        return;
    }
    if (comma)
        put(w, ",", 1);
    ts_status st = ts_json_quote(b, key, n);
    if (st != TS_OK)
        fail(w, st);
    put(w, ":", 1);
}

void ts_jsonw_strn(ts_jsonw *w, const char *s, size_t n)
{
    if (!begin_value(w))
        return;
    ts_status st = ts_json_quote(w->out, s, n);
    if (st != TS_OK)
        fail(w, st);
}

void ts_jsonw_str(ts_jsonw *w, const char *s)
{
    if (!s)
        ts_jsonw_null(w);
    else
        ts_jsonw_strn(w, s, strlen(s));
}

void ts_jsonw_int(ts_jsonw *w, int64_t v)
{
    if (!begin_value(w))
        return;
    /* by hand, not snprintf: integers are most of what the passes' JSON holds */
    char tmp[24];
    char *e = tmp + sizeof tmp, *p = e;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--p = '-';
    put(w, p, (size_t)(e - p));
}

void ts_jsonw_double(ts_jsonw *w, double v)
{
    if (!isfinite(v)) {
        ts_jsonw_null(w);
        return;
    }
    if (!begin_value(w))
        return;
    char tmp[32];
    int n = 0;
    for (int prec = 1; prec <= 17; prec++) { /* the shortest form that reads back as v */
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    put(w, tmp, (size_t)n);
}

void ts_jsonw_bool(ts_jsonw *w, bool v)
{
    if (begin_value(w))
        put(w, v ? "true" : "false", v ? 4 : 5);
}

void ts_jsonw_null(ts_jsonw *w)
{
    if (begin_value(w))
        put(w, "null", 4);
}

void ts_jsonw_raw(ts_jsonw *w, const char *json, size_t n)
{
    if (begin_value(w))
        put(w, json, n);
}

void ts_jsonw_kstr(ts_jsonw *w, const char *key, const char *s)
{
    ts_jsonw_key(w, key);
    ts_jsonw_str(w, s);
}

void ts_jsonw_kint(ts_jsonw *w, const char *key, int64_t v)
{
    ts_jsonw_key(w, key);
    ts_jsonw_int(w, v);
}

void ts_jsonw_kbool(ts_jsonw *w, const char *key, bool v)
{
    ts_jsonw_key(w, key);
    ts_jsonw_bool(w, v);
}

void ts_jsonw_knull(ts_jsonw *w, const char *key)
{
    ts_jsonw_key(w, key);
    ts_jsonw_null(w);
}

ts_status ts_jsonw_finish(const ts_jsonw *w)
{
    if (w->st != TS_OK)
        return w->st;
    return w->depth == 0 && !w->after_key ? TS_OK : TS_STATE;
}
