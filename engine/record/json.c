/* record/json.c — one person record from / to JSON (json-c): ts_record_parse_json, the
 * json-c → ts_person validator shared with the YAML reader, and ts_record_to_json.
 * Uses json-c, record/fields.c, base/limits.h. The rules are at the top of reader.c. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "triscreen/date.h"
#include "triscreen/record.h"
#include "base/limits.h"
#include "base/text.h"
#include "record/fields.h"
#include "record/json_int.h"

enum { K_UNKNOWN, K_ID, K_GRID, K_NAME, K_NOTES, K_BORN, K_CATS, K_ATTRS, K_EVENTS, K_RELS };

static int top_key(const char *k)
{
    switch (k[0]) {
    case 'i':
        return strcmp(k, "id") == 0 ? K_ID : K_UNKNOWN;
    case 'g':
        return strcmp(k, "grid") == 0 ? K_GRID : K_UNKNOWN;
    case 'n':
        if (strcmp(k, "name") == 0)
            return K_NAME;
        return strcmp(k, "notes") == 0 ? K_NOTES : K_UNKNOWN;
    case 'b':
        return strcmp(k, "born") == 0 ? K_BORN : K_UNKNOWN;
    case 'c':
        return strcmp(k, "categories") == 0 ? K_CATS : K_UNKNOWN;
    case 'a':
        return strcmp(k, "attrs") == 0 ? K_ATTRS : K_UNKNOWN;
    case 'e':
        return strcmp(k, "events") == 0 ? K_EVENTS : K_UNKNOWN;
    case 'r':
        return strcmp(k, "relations") == 0 ? K_RELS : K_UNKNOWN;
    default:
        return K_UNKNOWN;
    }
}

/* True when a key can be shown as a field name (valid UTF-8, no control characters). */
static bool key_printable(const char *k)
{
    size_t n = strlen(k);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f)
            return false;
    return ts_utf8_valid(k, n, NULL);
}

static ts_status unknown_key(ts_err *err, ts__fpath fp, const char *key, const char *expected)
{
    if (!key_printable(key)) {
        fp.b = NULL;
        if (fp.i < 0)
            fp.a = fp.a ? fp.a : "";
        return ts__rec_reject(err, fp, "a key is not valid UTF-8 or contains control characters");
    }
    if (fp.i < 0 && !fp.a)
        fp.a = key;
    else
        fp.b = key;
    return ts__rec_reject(err, fp, "unknown field (expected %s)", expected);
}

static ts_status jstr(ts_arena *a, ts__fpath fp, json_object *v, size_t max, bool ident,
                      const char **out, ts_err *err)
{
    if (!json_object_is_type(v, json_type_string))
        return ts__rec_reject(err, fp, "must be a string");
    return ts__rec_str(a, fp, json_object_get_string(v), (size_t)json_object_get_string_len(v), max,
                       ident, out, err);
}

static ts_status jdate(ts__fpath fp, json_object *v, int32_t *out, ts_err *err)
{
    if (!json_object_is_type(v, json_type_string))
        return ts__rec_reject(err, fp, "must be a string in the form YYYY-MM-DD");
    return ts__rec_date(fp, json_object_get_string(v), (size_t)json_object_get_string_len(v), out,
                        err);
}

static ts_status nomem(ts_err *err)
{
    return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
}

static ts_status conv_categories(json_object *v, ts_arena *a, ts_person *p, ts_err *err)
{
    if (!json_object_is_type(v, json_type_array))
        return ts__rec_reject(err, TS__FP("categories"), "must be an array of strings");
    size_t n = json_object_array_length(v);
    if (n > TS_LIMIT_CATEGORIES)
        return ts__rec_reject(err, TS__FP("categories"), "more than %u categories",
                              TS_LIMIT_CATEGORIES);
    const char **cats = ts_arena_alloc(a, (n ? n : 1) * sizeof *cats);
    if (!cats)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        ts_status rc =
            jstr(a, (ts__fpath){"categories", (long)i, NULL}, json_object_array_get_idx(v, i),
                 TS_LIMIT_ATTR_NAME, true, &cats[i], err);
        if (rc != TS_OK)
            return rc;
    }
    p->categories = cats;
    p->n_categories = n;
    return TS_OK;
}

static ts_status conv_attrs(json_object *v, ts_arena *a, ts_person *p, size_t *pairs, ts_err *err)
{
    if (!json_object_is_type(v, json_type_object))
        return ts__rec_reject(err, TS__FP("attrs"), "must be an object");
    size_t n = (size_t)json_object_object_length(v);
    *pairs += n;
    if (n > TS_LIMIT_ATTRS)
        return ts__rec_reject(err, TS__FP("attrs"), "more than %u attributes", TS_LIMIT_ATTRS);
    ts_attr *attrs = ts_arena_alloc(a, (n ? n : 1) * sizeof *attrs);
    if (!attrs)
        return nomem(err);
    size_t k = 0;
    for (struct lh_entry *e = lh_table_head(json_object_get_object(v)); e; e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        json_object *val = (json_object *)lh_entry_v(e);
        ts_attr *at = &attrs[k];
        ts_status rc = ts__rec_attr_name(a, key, strlen(key), &at->name, err);
        if (rc != TS_OK)
            return rc;
        ts__fpath fp = {"attrs", -1, at->name};
        switch (json_object_get_type(val)) {
        case json_type_null:
            continue; /* null = absent */
        case json_type_boolean:
            at->type = TS_ATTR_BOOL;
            at->b = json_object_get_boolean(val);
            break;
        case json_type_int:
        case json_type_double:
            at->type = TS_ATTR_NUM;
            at->num = json_object_get_double(val);
            if (!isfinite(at->num))
                return ts__rec_reject(err, fp, "not a finite number");
            break;
        case json_type_string:
            at->type = TS_ATTR_STR;
            rc = jstr(a, fp, val, TS_LIMIT_FIELD, false, &at->str, err);
            if (rc != TS_OK)
                return rc;
            break;
        default:
            return ts__rec_reject(err, fp,
                                  "must be a number, boolean or string (nested values are "
                                  "not accepted)");
        }
        if (at->type != TS_ATTR_STR)
            at->str = NULL;
        k++;
    }
    ts_status rc = ts__rec_attrs_finish(attrs, k, err);
    if (rc != TS_OK)
        return rc;
    p->attrs = attrs;
    p->n_attrs = k;
    return TS_OK;
}

static ts_status conv_events(json_object *v, ts_arena *a, ts_person *p, size_t *pairs, ts_err *err)
{
    if (!json_object_is_type(v, json_type_array))
        return ts__rec_reject(err, TS__FP("events"), "must be an array of objects");
    size_t n = json_object_array_length(v);
    if (n > TS_LIMIT_EVENTS)
        return ts__rec_reject(err, TS__FP("events"), "more than %u events", TS_LIMIT_EVENTS);
    ts_event *evs = ts_arena_alloc(a, (n ? n : 1) * sizeof *evs);
    if (!evs)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(v, i);
        ts__fpath fp = {"events", (long)i, NULL};
        if (!json_object_is_type(o, json_type_object))
            return ts__rec_reject(err, fp, "must be an object");
        *pairs += (size_t)json_object_object_length(o);
        ts_event *ev = &evs[i];
        ev->type = NULL;
        ev->date = TS_DATE_NONE;
        ev->note = "";
        ts_status rc = TS_OK;
        for (struct lh_entry *e = lh_table_head(json_object_get_object(o)); e;
             e = lh_entry_next(e)) {
            const char *key = lh_entry_k(e);
            json_object *val = (json_object *)lh_entry_v(e);
            fp.b = key;
            if (strcmp(key, "type") == 0)
                rc = jstr(a, fp, val, TS_LIMIT_ID, true, &ev->type, err);
            else if (strcmp(key, "date") == 0)
                rc = jdate(fp, val, &ev->date, err);
            else if (strcmp(key, "note") == 0) {
                if (!json_object_is_type(val, json_type_null))
                    rc = jstr(a, fp, val, TS_LIMIT_FIELD, false, &ev->note, err);
            } else
                rc =
                    unknown_key(err, (ts__fpath){"events", (long)i, NULL}, key, "type, date, note");
            if (rc != TS_OK)
                return rc;
        }
        if (!ev->type)
            return ts__rec_reject(err, (ts__fpath){"events", (long)i, "type"},
                                  "required field is missing");
        if (ev->date == TS_DATE_NONE)
            return ts__rec_reject(err, (ts__fpath){"events", (long)i, "date"},
                                  "required field is missing");
    }
    p->events = evs;
    p->n_events = n;
    return TS_OK;
}

static ts_status conv_relations(json_object *v, ts_arena *a, ts_person *p, size_t *pairs,
                                ts_err *err)
{
    if (!json_object_is_type(v, json_type_array))
        return ts__rec_reject(err, TS__FP("relations"), "must be an array of objects");
    size_t n = json_object_array_length(v);
    if (n > TS_LIMIT_RELATIONS)
        return ts__rec_reject(err, TS__FP("relations"), "more than %u relations",
                              TS_LIMIT_RELATIONS);
    ts_relation *rels = ts_arena_alloc(a, (n ? n : 1) * sizeof *rels);
    if (!rels)
        return nomem(err);
    for (size_t i = 0; i < n; i++) {
        json_object *o = json_object_array_get_idx(v, i);
        ts__fpath fp = {"relations", (long)i, NULL};
        if (!json_object_is_type(o, json_type_object))
            return ts__rec_reject(err, fp, "must be an object");
        *pairs += (size_t)json_object_object_length(o);
        ts_relation *r = &rels[i];
        r->other = NULL;
        r->kind = NULL;
        ts_status rc = TS_OK;
        for (struct lh_entry *e = lh_table_head(json_object_get_object(o)); e;
             e = lh_entry_next(e)) {
            const char *key = lh_entry_k(e);
            json_object *val = (json_object *)lh_entry_v(e);
            fp.b = key;
            if (strcmp(key, "id") == 0)
                rc = jstr(a, fp, val, TS_LIMIT_ID, true, &r->other, err);
            else if (strcmp(key, "kind") == 0)
                rc = jstr(a, fp, val, TS_LIMIT_ID, true, &r->kind, err);
            else
                rc = unknown_key(err, (ts__fpath){"relations", (long)i, NULL}, key, "id, kind");
            if (rc != TS_OK)
                return rc;
        }
        if (!r->other)
            return ts__rec_reject(err, (ts__fpath){"relations", (long)i, "id"},
                                  "required field is missing");
        if (!r->kind)
            return ts__rec_reject(err, (ts__fpath){"relations", (long)i, "kind"},
                                  "required field is missing");
    }
    p->relations = rels;
    p->n_relations = n;
    return TS_OK;
}

static ts_status conv_top(json_object *root, ts_arena *a, ts_person *p, size_t *pairs,
                          bool *seen_id, ts_err *err)
{
    ts__rec_person_init(p);
    *pairs = (size_t)json_object_object_length(root);
    bool seen_grid = false;
    for (struct lh_entry *e = lh_table_head(json_object_get_object(root)); e;
         e = lh_entry_next(e)) {
        const char *key = lh_entry_k(e);
        json_object *v = (json_object *)lh_entry_v(e);
        int k = top_key(key);
        ts_status rc = TS_OK;
        /* null is "absent" for every field; for id and grid that means missing */
        if (k != K_UNKNOWN && json_object_is_type(v, json_type_null))
            continue;
        switch (k) {
        case K_ID:
            rc = jstr(a, TS__FP("id"), v, TS_LIMIT_ID, true, &p->id, err);
            *seen_id = true;
            break;
        case K_GRID:
            rc = jstr(a, TS__FP("grid"), v, TS_LIMIT_ID, true, &p->grid, err);
            seen_grid = true;
            break;
        case K_NAME:
            rc = jstr(a, TS__FP("name"), v, TS_LIMIT_FIELD, false, &p->name, err);
            break;
        case K_NOTES:
            rc = jstr(a, TS__FP("notes"), v, TS_LIMIT_FIELD, false, &p->notes, err);
            break;
        case K_BORN:
            rc = jdate(TS__FP("born"), v, &p->born, err);
            break;
        case K_CATS:
            rc = conv_categories(v, a, p, err);
            break;
        case K_ATTRS:
            rc = conv_attrs(v, a, p, pairs, err);
            break;
        case K_EVENTS:
            rc = conv_events(v, a, p, pairs, err);
            break;
        case K_RELS:
            rc = conv_relations(v, a, p, pairs, err);
            break;
        default:
            rc = unknown_key(err, (ts__fpath){NULL, -1, NULL}, key,
                             "id, grid, name, born, categories, attrs, events, relations, "
                             "notes");
            break;
        }
        if (rc != TS_OK)
            return rc;
    }
    if (!*seen_id)
        return ts__rec_reject(err, TS__FP("id"), "required field is missing");
    if (!seen_grid)
        return ts__rec_reject(err, TS__FP("grid"), "required field is missing");
    return TS_OK;
}

ts_status ts__rec_from_json(json_object *root, ts_arena *a, ts_person *p, size_t *pairs,
                            ts_err *err)
{
    if (!json_object_is_type(root, json_type_object))
        return ts__rec_reject(err, TS__FP(""), "top-level value is not an object");
    bool seen_id = false;
    ts_status rc = conv_top(root, a, p, pairs, &seen_id, err);
    for (size_t i = 0; rc == TS_OK && i < p->n_relations; i++)
        if (strcmp(p->relations[i].other, p->id) == 0)
            rc = ts__rec_reject(err, (ts__fpath){"relations", (long)i, "id"},
                                "a person cannot be related to themself");
    /* A missing id outranks every other problem: it is what makes a row unusable, and
     * the report should say so even when an earlier key was bad too. */
    if (rc == TS_INVALID && !seen_id) {
        json_object *id = NULL;
        if (!json_object_object_get_ex(root, "id", &id) || json_object_is_type(id, json_type_null))
            return ts__rec_reject(err, TS__FP("id"), "required field is missing");
    }
    return rc;
}

/* What json-c 0.16 lets through that JSON does not allow, found in one pass over the
 * raw text of a record json-c accepted: key separators (':' outside strings), to
 * compare with the pairs json-c kept (json-c keeps the last of duplicate keys
 * silently); a \u0000 escape (json-c truncates keys at it); raw control characters in
 * strings; single-quoted strings. */
enum { SCAN_OK, SCAN_NUL, SCAN_CTRL, SCAN_QUOTE };

/* SWAR: a nonzero result when some byte of x is '"', '\\' or below 0x20 (exact for
 * the zero test, which is all the caller uses). */
static inline uint64_t string_stop(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    return ((q - ones) & ~q & high) | ((b - ones) & ~b & high) | ((x - ones * 0x20) & ~x & high);
}

static int json_scan(const char *s, size_t n, size_t *colons)
{
    size_t c = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)s[i++];
        if (ch == '"') {
            for (;;) {
                /* most string bytes are ordinary: skip them eight at a time */
                while (i + 8 <= n) {
                    uint64_t w;
                    memcpy(&w, s + i, 8);
                    if (string_stop(w))
                        break;
                    i += 8;
                }
                if (i >= n)
                    break;
                ch = (unsigned char)s[i];
                if (ch == '"') {
                    i++;
                    break;
                }
                if (ch == '\\') {
                    if (i + 5 < n && s[i + 1] == 'u' && s[i + 2] == '0' && s[i + 3] == '0' &&
                        s[i + 4] == '0' && s[i + 5] == '0')
                        return SCAN_NUL;
                    i += 2;
                    continue;
                }
                if (ch < 0x20)
                    return SCAN_CTRL;
                i++;
            }
        } else if (ch == ':') {
            c++;
        } else if (ch == '\'') {
            return SCAN_QUOTE;
        }
    }
    *colons = c;
    return SCAN_OK;
}

/* Slow path, only after a mismatch: names the first key repeated within one object. */
static ts_status report_duplicate(const char *s, size_t n, ts_err *err)
{
    /* Keys are compared in their raw (escaped) form; a key spelled two ways ("a" and
     * "\u0061") is still caught by the count, just named generically. */
    enum { MAXD = TS_LIMIT_JSON_DEPTH + 2, MAXK = 64 };
    struct {
        bool obj;
        size_t nk;
        size_t ks[MAXK], kl[MAXK];
    } *st = calloc(MAXD, sizeof *st);
    if (!st)
        return ts_err_set(err, TS_NOMEM, NULL, "out of memory");
    int d = -1;
    size_t top_ks = 0, top_kl = 0;
    ts_status rc = ts__rec_reject(err, TS__FP(""), "a key is given more than once");
    size_t i = 0;
    while (i < n) {
        char ch = s[i];
        if (ch == '{' || ch == '[') {
            if (++d >= MAXD)
                goto done;
            st[d].obj = ch == '{';
            st[d].nk = 0;
            i++;
        } else if (ch == '}' || ch == ']') {
            d--;
            i++;
        } else if (ch == '"') {
            size_t b = ++i;
            while (i < n && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            size_t len = i - b;
            i++;
            size_t j = i;
            while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
                j++;
            if (d < 0 || !st[d].obj || j >= n || s[j] != ':')
                continue;
            if (d == 0) {
                top_ks = b;
                top_kl = len;
            }
            for (size_t k = 0; k < st[d].nk; k++) {
                if (st[d].kl[k] == len && memcmp(s + st[d].ks[k], s + b, len) == 0) {
                    char key[128];
                    size_t kl = len < sizeof key - 1 ? len : sizeof key - 1;
                    memcpy(key, s + b, kl);
                    key[kl] = '\0';
                    char top[128];
                    size_t tl = top_kl < sizeof top - 1 ? top_kl : sizeof top - 1;
                    memcpy(top, s + top_ks, tl);
                    top[tl] = '\0';
                    if (d == 0)
                        rc = ts__rec_reject(err, TS__FP(key), "key is given more than once");
                    else
                        rc = ts__rec_reject(err, TS__FP(top), "key \"%s\" is given more than once",
                                            key);
                    goto done;
                }
            }
            if (st[d].nk < MAXK) {
                st[d].ks[st[d].nk] = b;
                st[d].kl[st[d].nk] = len;
                st[d].nk++;
            }
        } else {
            i++;
        }
    }
done:
    free(st);
    return rc;
}

struct json_tokener *ts__rec_tokener_new(void)
{
    struct json_tokener *tok = json_tokener_new_ex(TS_LIMIT_JSON_DEPTH);
    if (tok)
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    return tok;
}

ts_status ts__rec_parse_json_tok(struct json_tokener *tok, ts__jfast *fast, const char *buf,
                                 size_t len, ts_arena *a, ts_person *out, ts_err *err)
{
    if (fast && ts__jfast_parse(fast, buf, len, a, out))
        return TS_OK;
    if (len > TS_LIMIT_LINE)
        return ts__rec_reject(err, TS__FP(""), "record is longer than %u bytes", TS_LIMIT_LINE);
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!o && jerr == json_tokener_continue) {
        /* a bare number at the end needs a terminator to finish */
        o = json_tokener_parse_ex(tok, " ", 1);
        jerr = json_tokener_get_error(tok);
        end = len;
        if (!o && jerr == json_tokener_continue)
            return ts__rec_reject(err, TS__FP(""), "invalid JSON: the record ends too early");
    }
    if (!o && jerr == json_tokener_success) /* json-c's null is a NULL object */
        return ts__rec_reject(err, TS__FP(""), "top-level value is not an object");
    if (!o) {
        if (memchr(buf, '\0', len))
            return ts__rec_reject(err, TS__FP(""), "contains a NUL character");
        if (jerr == json_tokener_error_depth)
            return ts__rec_reject(err, TS__FP(""), "invalid JSON: nested deeper than %d levels",
                                  TS_LIMIT_JSON_DEPTH);
        return ts__rec_reject(err, TS__FP(""), "invalid JSON: %s (at byte %zu)",
                              json_tokener_error_desc(jerr), end + 1);
    }
    ts_status rc = TS_OK;
    for (size_t i = end; i < len; i++) {
        char c = buf[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            rc = ts__rec_reject(err, TS__FP(""),
                                "invalid JSON: unexpected text after the value (at byte %zu)",
                                i + 1);
            goto done;
        }
    }
    ts_person p;
    size_t pairs = 0;
    rc = ts__rec_from_json(o, a, &p, &pairs, err);
    if (rc != TS_OK)
        goto done;
    size_t colons = 0;
    switch (json_scan(buf, len, &colons)) {
    case SCAN_NUL:
        rc = ts__rec_reject(err, TS__FP(""), "contains a NUL character");
        goto done;
    case SCAN_CTRL:
        rc = ts__rec_reject(err, TS__FP(""),
                            "invalid JSON: a control character in a string is not escaped");
        goto done;
    case SCAN_QUOTE:
        rc = ts__rec_reject(err, TS__FP(""), "invalid JSON: single-quoted string");
        goto done;
    default:
        break;
    }
    if (colons != pairs) {
        rc = report_duplicate(buf, len, err);
        goto done;
    }
    *out = p;
done:
    json_object_put(o);
    return rc;
}

ts_status ts_record_parse_json(const char *buf, size_t len, ts_arena *arena, ts_person *out,
                               ts_err *err)
{
    /* the fast path first (its scratch made for this one record, no name memo), json-c
     * only when it declines */
    ts__jfast *fast = ts__jfast_new(false);
    bool done = fast && ts__jfast_parse(fast, buf, len, arena, out);
    ts__jfast_free(fast);
    if (done)
        return TS_OK;
    struct json_tokener *tok = ts__rec_tokener_new();
    if (!tok)
        return ts_err_set(err, TS_NOMEM, NULL, "cannot allocate a JSON tokener");
    ts_status rc = ts__rec_parse_json_tok(tok, NULL, buf, len, arena, out, err);
    json_tokener_free(tok);
    return rc;
}

/* ---- output ------------------------------------------------------------------------- */

static json_object *jnum(double d)
{
    if (d == floor(d) && fabs(d) <= 9007199254740992.0)
        return json_object_new_int64((int64_t)d);
    return json_object_new_double(d);
}

/* Adds v to o under key; false (and v freed) on failure. */
static bool put(json_object *o, const char *key, json_object *v)
{
    if (!v)
        return false;
    if (json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        return false;
    }
    return true;
}

static bool push(json_object *arr, json_object *v)
{
    if (!v)
        return false;
    if (json_object_array_add(arr, v) != 0) {
        json_object_put(v);
        return false;
    }
    return true;
}

static json_object *jstring(const char *s)
{
    return json_object_new_string(s ? s : "");
}

ts_status ts_record_to_json(const ts_person *p, char **out)
{
    ts_status rc = TS_NOMEM;
    json_object *o = json_object_new_object();
    json_object *cats = NULL, *attrs = NULL, *evs = NULL, *rels = NULL;
    if (!o)
        goto done;
    char date[11];
    if (!put(o, "id", jstring(p->id)) || !put(o, "name", jstring(p->name)) ||
        !put(o, "grid", jstring(p->grid)))
        goto done;
    if (p->born != TS_DATE_NONE) {
        ts_date_format(p->born, date);
        if (!put(o, "born", json_object_new_string(date)))
            goto done;
    } else if (json_object_object_add(o, "born", NULL) != 0) {
        goto done;
    }
    cats = json_object_new_array_ext((int)p->n_categories);
    if (!cats)
        goto done;
    for (size_t i = 0; i < p->n_categories; i++)
        if (!push(cats, jstring(p->categories[i])))
            goto done;
    bool ok = put(o, "categories", cats);
    cats = NULL;
    if (!ok)
        goto done;
    attrs = json_object_new_object();
    if (!attrs)
        goto done;
    for (size_t i = 0; i < p->n_attrs; i++) {
        const ts_attr *at = &p->attrs[i];
        json_object *v = at->type == TS_ATTR_BOOL  ? json_object_new_boolean(at->b)
                         : at->type == TS_ATTR_NUM ? jnum(at->num)
                                                   : jstring(at->str);
        if (!put(attrs, at->name, v))
            goto done;
    }
    ok = put(o, "attrs", attrs);
    attrs = NULL;
    if (!ok)
        goto done;
    evs = json_object_new_array_ext((int)p->n_events);
    if (!evs)
        goto done;
    for (size_t i = 0; i < p->n_events; i++) {
        const ts_event *ev = &p->events[i];
        json_object *e = json_object_new_object();
        if (!e)
            goto done;
        ts_date_format(ev->date, date);
        if (!put(e, "type", jstring(ev->type)) || !put(e, "date", json_object_new_string(date)) ||
            (ev->note && ev->note[0] && !put(e, "note", jstring(ev->note)))) {
            json_object_put(e);
            goto done;
        }
        if (!push(evs, e))
            goto done;
    }
    ok = put(o, "events", evs);
    evs = NULL;
    if (!ok)
        goto done;
    rels = json_object_new_array_ext((int)p->n_relations);
    if (!rels)
        goto done;
    for (size_t i = 0; i < p->n_relations; i++) {
        json_object *r = json_object_new_object();
        if (!r)
            goto done;
        if (!put(r, "id", jstring(p->relations[i].other)) ||
            !put(r, "kind", jstring(p->relations[i].kind))) {
            json_object_put(r);
            goto done;
        }
        if (!push(rels, r))
            goto done;
    }
    ok = put(o, "relations", rels);
    rels = NULL;
    if (!ok || !put(o, "notes", jstring(p->notes)))
        goto done;
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    if (!s)
        goto done;
    char *copy = malloc(len + 1);
    if (!copy)
        goto done;
    memcpy(copy, s, len + 1);
    *out = copy;
    rc = TS_OK;
done:
    json_object_put(cats);
    json_object_put(attrs);
    json_object_put(evs);
    json_object_put(rels);
    json_object_put(o);
    return rc;
}
