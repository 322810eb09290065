/* record/reader.c — the streaming record readers (triscreen/record.h): format dispatch
 * and the JSON Lines reader. CSV is in csv.c/csvrows.c, YAML in yaml.c, the per-record
 * validation in json.c/fields.c. Uses json-c, libcsv (via csv.c), config/ytree.
 *
 * Semantics (every format):
 *  - id: required string, 1..TS_LIMIT_ID bytes, no control characters. grid: required
 *    string, 1..TS_LIMIT_ID bytes (the importer checks it is a group cell). name, notes:
 *    optional strings <= TS_LIMIT_FIELD ("" when absent). born: optional real date
 *    "YYYY-MM-DD". categories: array of strings (1..TS_LIMIT_ATTR_NAME bytes, no control
 *    characters), at most TS_LIMIT_CATEGORIES. attrs: object of number | boolean |
 *    string (<= TS_LIMIT_FIELD); null = absent; nested values, non-finite numbers and
 *    protected names (ts_record_attr_protected) are rejected as field `attrs.NAME`;
 *    names are stored in normal form (base/attrname.h: NFKC, case-folded, spacing and
 *    zero-width characters removed), and two keys with one normal form are duplicates;
 *    at most TS_LIMIT_ATTRS; returned sorted by name, unique. events: array of
 *    {type (required, <= TS_LIMIT_ID), date (required date), note (optional)}, at most
 *    TS_LIMIT_EVENTS. relations: array of {id, kind} (both required, <= TS_LIMIT_ID), at
 *    most TS_LIMIT_RELATIONS. A null value is the same as an absent field.
 *  - Unknown keys are rejected, at the top level and inside events and relations, naming
 *    the key, so a typo never drops data silently.
 *  - Every string must be valid UTF-8 without NUL ("contains a NUL character"); lone
 *    \uD800-style escapes are turned into U+FFFD by json-c and accepted.
 *  - Duplicate keys in a JSON object are rejected (json-c keeps the last one; a count
 *    of the key separators in the raw line finds them in one pass). Non-object JSON is
 *    rejected "top-level value is not an object". A missing id is reported before any
 *    other problem of the row. JSON that json-c's strict mode still lets through
 *    (single quotes, raw control characters in strings) is rejected.
 *  - A reject carries the field ("born", "events[2].date" with 0-based indexes,
 *    "attrs.employed", "" for the whole row), a reason sentence, and the raw row
 *    (truncated to TS_LIMIT_FIELD bytes).
 *  - JSONL: read through a bounded buffer (src.c); a line over TS_LIMIT_LINE bytes is one
 *    reject and is skipped without being buffered whole; blank lines are skipped; CRLF,
 *    a UTF-8 BOM at the start and a last line without newline are accepted. Lines are
 *    1-based.
 *  - CSV (RFC 4180, libcsv strict): the header decides the kind — persons (id, grid
 *    required; name, born, categories, notes, attrs.NAME optional; any order), events
 *    (person_id, type, date, [note]) or relations (person_id, other_id, kind). An unknown,
 *    repeated or missing column is TS_PARSE naming the file and the column. A row with
 *    the wrong number of fields is rejected "expected N fields, got M". Empty cells are
 *    absent; categories split on ';' (trimmed, empty parts skipped); attrs cells: "" →
 *    absent, true/false → boolean, a finite decimal number → number, else string. The
 *    line of an item is the line its row starts on; an unclosed quote at the end of the
 *    file is a reject.
 *  - YAML (yaml.c): a sequence of person mappings or {persons: [...]}; each item is
 *    validated as above; a bad item is a reject at its line with its source text as raw.
 *    A file that does not load as a whole (a duplicate key, a bad tag, a syntax error,
 *    an alias past the limits in one item) is read item by item, each item (the lines
 *    from one `- ` at the items' indentation to the next) its own document: the items
 *    that load are kept, each that does not is a reject "not valid YAML at line L,
 *    column C: ..."; anchors then do not reach across items. A file with no item lines
 *    (not YAML at all, or not record-shaped) is TS_PARSE with file:line:col. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "triscreen/record.h"
#include "base/limits.h"
#include "record/csvread.h"
#include "record/fields.h"
#include "record/json_int.h"
#include "record/reader_int.h"
#include "record/yread.h"

static ts_format format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return TS_FORMAT_AUTO;
    char ext[8];
    size_t n = strlen(dot + 1);
    if (n == 0 || n >= sizeof ext)
        return TS_FORMAT_AUTO;
    for (size_t i = 0; i < n && i < sizeof ext - 1; i++)
        ext[i] = (char)tolower((unsigned char)dot[1 + i]);
    ext[n] = '\0';
    if (!strcmp(ext, "jsonl") || !strcmp(ext, "ndjson") || !strcmp(ext, "json"))
        return TS_FORMAT_JSONL;
    if (!strcmp(ext, "csv"))
        return TS_FORMAT_CSV;
    if (!strcmp(ext, "yaml") || !strcmp(ext, "yml"))
        return TS_FORMAT_YAML;
    return TS_FORMAT_AUTO;
}

static ts_status reader_open(const char *path, const void *mem, size_t len, bool is_mem,
                             ts_format fmt, ts_reader **out, ts_err *err)
{
    if (fmt == TS_FORMAT_AUTO) {
        fmt = format_of(path);
        if (fmt == TS_FORMAT_AUTO)
            return ts_err_set(err, TS_USAGE, path,
                              "unknown file type (expected .jsonl, .ndjson, .json, .csv, "
                              ".yaml or .yml)");
    }
    if (fmt != TS_FORMAT_JSONL && fmt != TS_FORMAT_CSV && fmt != TS_FORMAT_YAML)
        return ts_err_set(err, TS_USAGE, path, "unknown record format %d", (int)fmt);
    ts_status rc = TS_NOMEM;
    ts_reader *r = calloc(1, sizeof *r);
    if (!r)
        return ts_err_set(err, TS_NOMEM, path, "out of memory");
    r->fmt = fmt;
    r->is_mem = is_mem;
    r->mem = mem;
    r->mem_len = len;
    r->path = strdup(path);
    if (!r->path) {
        rc = ts_err_set(err, TS_NOMEM, path, "out of memory");
        goto done;
    }
    switch (fmt) {
    case TS_FORMAT_JSONL:
        r->tok = ts__rec_tokener_new();
        r->fast = ts__jfast_new(true);
        if (!r->tok || !r->fast) {
            rc = ts_err_set(err, TS_NOMEM, path, "cannot allocate a JSON tokener");
            goto done;
        }
        rc = is_mem ? ts__src_open_mem(&r->src, r->path, mem, len, TS_LIMIT_LINE, err)
                    : ts__src_open_file(&r->src, r->path, TS_LIMIT_LINE, err);
        r->src_open = rc == TS_OK;
        break;
    case TS_FORMAT_CSV:
        rc = ts__csvread_open(r, err);
        break;
    default:
        rc = ts__yread_open(r, err);
        break;
    }
done:
    if (rc != TS_OK) {
        ts_reader_close(r);
        return rc;
    }
    *out = r;
    return TS_OK;
}

ts_status ts_reader_open(const char *path, ts_format fmt, ts_reader **out, ts_err *err)
{
    return reader_open(path, NULL, 0, false, fmt, out, err);
}

ts_status ts_reader_open_mem(const char *name, const void *buf, size_t len, ts_format fmt,
                             ts_reader **out, ts_err *err)
{
    return reader_open(name, buf ? buf : "", buf ? len : 0, true, fmt, out, err);
}

void ts_reader_close(ts_reader *r)
{
    if (!r)
        return;
    if (r->src_open)
        ts__src_close(&r->src);
    if (r->tok)
        json_tokener_free(r->tok);
    ts__jfast_free(r->fast);
    ts__csvread_close(r);
    ts__yread_close(r);
    free(r->path);
    free(r);
}

const char *ts_reader_path(const ts_reader *r)
{
    return r->path;
}

ts_format ts_reader_format(const ts_reader *r)
{
    return r->fmt;
}

void ts_reader_progress(const ts_reader *r, uint64_t *done, uint64_t *total)
{
    uint64_t d = 0, t = 0;
    if (r->fmt == TS_FORMAT_JSONL) {
        d = r->src.consumed;
        t = r->src.total;
    } else if (r->fmt == TS_FORMAT_CSV && r->csv) {
        ts__csvread_progress(r, &d, &t);
    } else if (r->fmt == TS_FORMAT_YAML && r->yaml) {
        ts__yread_progress(r, &d, &t);
    }
    if (done)
        *done = d;
    if (total)
        *total = t;
}

/* For a line cut at TS_LIMIT_LINE: the top-level key whose value was being read at the
 * cut (the field that made the record too long), from the first bytes of the line;
 * "" when it cannot be told (not an object, or a key that is not plain text). */
static void field_at_cut(const char *p, size_t len, char *out, size_t cap)
{
    int depth = 0;
    size_t ks = 0, kl = 0, last_s = 0, last_l = 0;
    bool have = false;
    out[0] = '\0';
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '"') {
            size_t b = ++i;
            while (i < len && p[i] != '"')
                i += p[i] == '\\' ? 2 : 1;
            ks = b;
            kl = (i < len ? i : len) - b;
            size_t j = i + 1;
            while (j < len && (p[j] == ' ' || p[j] == '\t'))
                j++;
            if (depth == 1 && j < len && p[j] == ':') {
                last_s = ks;
                last_l = kl;
                have = true;
            }
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    if (!have || last_l == 0 || last_l >= cap)
        return;
    for (size_t i = 0; i < last_l; i++) {
        unsigned char c = (unsigned char)p[last_s + i];
        if (c < 0x20 || c == '\\' || c >= 0x80)
            return;
    }
    memcpy(out, p + last_s, last_l);
    out[last_l] = '\0';
}

static ts_status jsonl_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err)
{
    for (;;) {
        const char *p;
        size_t len;
        bool overlong, got;
        ts_status rc = ts__src_line(&r->src, &p, &len, &overlong, &got, err);
        if (rc != TS_OK)
            return rc;
        if (!got) {
            memset(out, 0, sizeof *out);
            out->kind = TS_ITEM_END;
            return TS_OK;
        }
        if (overlong) {
            char reason[120], field[TS_LIMIT_ID + 1];
            field_at_cut(p, len, field, sizeof field);
            snprintf(reason, sizeof reason,
                     "the line is longer than %u bytes (the limit of one record)%s", TS_LIMIT_LINE,
                     field[0] ? "; the limit was reached in this field" : "");
            return ts__reader_reject(a, out, r->src.line, field, reason, p, len, err);
        }
        if (len && p[len - 1] == '\r')
            len--;
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
            i++;
        if (i == len)
            continue; /* blank line */
        if (r->defer) {
            memset(out, 0, sizeof *out);
            out->kind = TS_ITEM_RAW;
            out->line = r->src.line;
            out->raw = ts_arena_strndup(a, p, len);
            out->raw_len = len;
            if (!out->raw)
                return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
            return TS_OK;
        }
        ts_err e;
        e.code = TS_OK;
        memset(out, 0, sizeof *out);
        rc = ts__rec_parse_json_tok(r->tok, r->fast, p, len, a, &out->person, &e);
        if (rc == TS_OK) {
            out->kind = TS_ITEM_PERSON;
            out->line = r->src.line;
            out->raw = ts_arena_strndup(a, p, len < TS_LIMIT_FIELD ? len : TS_LIMIT_FIELD);
            out->raw_len = len < TS_LIMIT_FIELD ? len : TS_LIMIT_FIELD;
            if (!out->raw)
                return ts_err_set(err, TS_NOMEM, NULL, "record arena exhausted");
            return TS_OK;
        }
        if (rc == TS_INVALID)
            return ts__reader_reject(a, out, r->src.line, e.where, e.msg, p, len, err);
        return ts_err_set(err, rc, r->path, "line %llu: %s", (unsigned long long)r->src.line,
                          e.msg);
    }
}

ts_status ts_reader_next(ts_reader *r, ts_arena *arena, ts_item *out, ts_err *err)
{
    switch (r->fmt) {
    case TS_FORMAT_JSONL:
        return jsonl_next(r, arena, out, err);
    case TS_FORMAT_CSV:
        return ts__csvread_next(r, arena, out, err);
    default:
        return ts__yread_next(r, arena, out, err);
    }
}

void ts_reader_defer(ts_reader *r, bool on)
{
    r->defer = on && r->fmt == TS_FORMAT_JSONL;
}

struct ts_record_parser {
    struct json_tokener *tok;
    ts__jfast *fast;
};

ts_status ts_record_parser_new(ts_record_parser **out)
{
    ts_record_parser *p = calloc(1, sizeof *p);
    if (!p || !(p->tok = ts__rec_tokener_new()) || !(p->fast = ts__jfast_new(true))) {
        if (p && p->tok)
            json_tokener_free(p->tok);
        free(p);
        return TS_NOMEM;
    }
    *out = p;
    return TS_OK;
}

void ts_record_parser_free(ts_record_parser *p)
{
    if (!p)
        return;
    json_tokener_free(p->tok);
    ts__jfast_free(p->fast);
    free(p);
}

ts_status ts_record_parse_item(ts_record_parser *p, ts_arena *a, ts_item *it, ts_err *err)
{
    if (it->kind != TS_ITEM_RAW)
        return TS_OK;
    const char *raw = it->raw;
    size_t len = it->raw_len;
    uint64_t line = it->line;
    ts_err e;
    e.code = TS_OK;
    ts_person person;
    memset(&person, 0, sizeof person);
    ts_status rc = ts__rec_parse_json_tok(p->tok, p->fast, raw, len, a, &person, &e);
    if (rc == TS_OK) {
        memset(it, 0, sizeof *it);
        it->kind = TS_ITEM_PERSON;
        it->line = line;
        it->person = person;
        it->raw = raw; /* kept for a later reject (unknown grid cell) */
        it->raw_len = len;
        return TS_OK;
    }
    if (rc == TS_INVALID)
        return ts__reader_reject(a, it, line, e.where, e.msg, raw, len, err);
    return ts_err_set(err, rc, NULL, "line %llu: %s", (unsigned long long)line, e.msg);
}
