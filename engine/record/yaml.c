/* record/yaml.c — the YAML record reader: a sequence of person mappings (or a mapping
 * whose only key `persons:` holds it). Each item is converted to the json-c shape and
 * validated by the same code as a JSON line (record/json.c). Uses config/ytree, json-c.
 *
 * Typing: where the record wants a string (id, grid, name, notes, born, categories,
 * event and relation fields) a plain scalar is taken as its text, so `id: 123` and
 * `born: 1990-04-12` need no quotes; `~`/`null` there is absent. attrs values follow
 * the YAML 1.2 core schema (null, bool, int, float, else string); quoted scalars are
 * always strings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/limits.h"
#include "config/ytree.h"
#include "record/fields.h"
#include "record/json_int.h"
#include "record/yread.h"

struct ts__yread {
    ts_ydoc *doc;
    const ts_ynode *seq;
    size_t next;
    size_t text_len;
    /* Item by item (when the file does not load as a whole; see ts__yread_open): the
     * text, the offset and line of the next item, the indentation of item lines, and
     * the document of the item being read (line_base: its first line in the file). */
    bool itemwise;
    char *own_text; /* the file's bytes (a file reader); NULL for memory */
    const char *text;
    size_t pos;
    uint64_t pos_line;
    size_t indent;
    uint64_t line_base;
    char load_err[sizeof(((ts_err *)0)->msg) + 64];
};

enum { CTX_ANY, CTX_STR };

/* Deeper than any valid record (record → events → event → scalar): containers below
 * this depth are replaced by empty ones of the same type, which the validator rejects
 * by type anyway, so an alias-heavy document never expands here. */
#define Y_MAX_DEPTH 4

static json_object *scalar_value(const ts_ynode *n, int ctx);

/* json-c represents null as NULL: *oom tells it apart from a failed allocation. */
static json_object *scalar(const ts_ynode *n, int ctx, bool *oom)
{
    json_object *v = NULL;
    if (n->plain && ts_ynode_is_null(n))
        return NULL;
    v = scalar_value(n, ctx);
    if (!v)
        *oom = true;
    return v;
}

static json_object *scalar_value(const ts_ynode *n, int ctx)
{
    if (!n->plain)
        return json_object_new_string_len(n->str, (int)n->len);
    if (ctx == CTX_ANY) {
        bool b;
        int64_t i;
        double d;
        if (ts_ynode_bool(n, &b))
            return json_object_new_boolean(b);
        if (ts_ynode_int(n, &i))
            return json_object_new_int64(i);
        if (ts_ynode_number(n, &d))
            return json_object_new_double(d);
    }
    return json_object_new_string_len(n->str, (int)n->len);
}

/* key: the record key this node is the value of (depth 1), or inherited below. */
static json_object *y2j(const ts_ynode *n, int ctx, int depth, const char *key, bool *oom)
{
    if (n->type == TS_Y_SCALAR)
        return scalar(n, ctx, oom);
    if (n->type == TS_Y_SEQ) {
        json_object *arr = json_object_new_array();
        if (!arr)
            *oom = true;
        if (!arr || depth >= Y_MAX_DEPTH)
            return arr;
        for (size_t i = 0; i < n->n; i++) {
            /* items of categories, events, relations: strings / mappings of strings */
            json_object *v = y2j(n->items[i], ctx, depth + 1, key, oom);
            if (*oom || json_object_array_add(arr, v) != 0) {
                *oom = true;
                json_object_put(v);
                json_object_put(arr);
                return NULL;
            }
        }
        return arr;
    }
    json_object *obj = json_object_new_object();
    if (!obj)
        *oom = true;
    if (!obj || depth >= Y_MAX_DEPTH)
        return obj;
    for (size_t i = 0; i < n->n; i++) {
        const ts_ynode *k = n->items[2 * i];
        const ts_ynode *v = n->items[2 * i + 1];
        if (k->type != TS_Y_SCALAR)
            continue; /* ytree keys are scalars */
        /* the record key this value belongs to decides the typing (see the top) */
        const char *vkey = depth == 0 ? k->str : key;
        int vctx = vkey && strcmp(vkey, "attrs") == 0 ? CTX_ANY : CTX_STR;
        json_object *jv = y2j(v, vctx, depth + 1, vkey, oom);
        /* a NUL inside a key cannot be a json-c key: mark the text before it with a
         * control character, so the key is refused rather than silently matched */
        char kbuf[TS_LIMIT_ATTR_NAME * 2 + 8];
        const char *kk = k->str;
        if (strlen(k->str) != k->len) {
            snprintf(kbuf, sizeof kbuf, "%s\x01", k->str);
            kk = kbuf;
        }
        if (*oom || json_object_object_add(obj, kk, jv) != 0) {
            *oom = true;
            json_object_put(jv);
            json_object_put(obj);
            return NULL;
        }
    }
    return obj;
}

static ts_status shape_error(ts_reader *r, const ts_ydoc *d, const ts_ynode *n, ts_err *err,
                             const char *msg)
{
    char where[sizeof err->where];
    if (n)
        ts_ynode_where(d, n, where, sizeof where);
    else
        snprintf(where, sizeof where, "%s:1:1", r->path);
    return ts_err_set(err, TS_PARSE, where, "%s", msg);
}

/* Reads a whole file (at most TS_LIMIT_YAML_FILE bytes) into a malloc'd buffer. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        if (cap > TS_LIMIT_YAML_FILE) {
            free(buf);
            buf = NULL;
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* The line starting at text[i]: its indentation, the offset after it, and whether it
 * is blank or a comment. */
static size_t line_end(const char *t, size_t len, size_t i)
{
    const char *nl = memchr(t + i, '\n', len - i);
    return nl ? (size_t)(nl - t) + 1 : len;
}

static bool is_item_line(const char *t, size_t len, size_t i, size_t indent)
{
    size_t k = 0;
    while (i + k < len && t[i + k] == ' ')
        k++;
    if (k != indent || i + k >= len || t[i + k] != '-')
        return false;
    char c = i + k + 1 < len ? t[i + k + 1] : '\n';
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Finds the first item line of a record file whose whole-file load failed: after
 * comments, directives, a `---`, and an optional `persons:` line. False when there is
 * none (the file is not a sequence of records at all). */
static bool find_items(ts__yread *y, size_t len)
{
    const char *t = y->text;
    uint64_t line = 1;
    size_t i = 0;
    if (len >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (; i < len; i = line_end(t, len, i), line++) {
        size_t k = i;
        while (k < len && t[k] == ' ')
            k++;
        if (k >= len || t[k] == '\n' || t[k] == '\r' || t[k] == '#' || t[k] == '%')
            continue;
        if (k == i && len - k >= 3 && memcmp(t + k, "---", 3) == 0)
            continue;
        if (k == i && len - k >= 8 && memcmp(t + k, "persons:", 8) == 0)
            continue;
        if (t[k] != '-' || !is_item_line(t, len, i, k - i))
            return false;
        y->indent = k - i;
        y->pos = i;
        y->pos_line = line;
        return true;
    }
    return false;
}

ts_status ts__yread_open(ts_reader *r, ts_err *err)
{
    ts__yread *y = calloc(1, sizeof *y);
    if (!y)
        return ts_err_set(err, TS_NOMEM, r->path, "out of memory");
    r->yaml = y;
    ts_status rc = r->is_mem ? ts_ydoc_load_mem(r->path, r->mem, r->mem_len, &y->doc, err)
                             : ts_ydoc_load_file(r->path, &y->doc, err);
    if (rc == TS_NOMEM || rc == TS_IO)
        return rc;
    if (rc != TS_OK) {
        /* One bad item (a duplicate key, a bad tag, a syntax error, an alias bomb) must
         * not cost the whole file: read the items one by one instead, each its own YAML
         * document, so every item that loads is kept and each one that does not is a
         * reject at its line. A file with no item lines at all keeps the error. */
        size_t len = r->mem_len;
        if (r->is_mem) {
            y->text = r->mem;
        } else if (!(y->own_text = slurp(r->path, &len))) {
            return rc;
        } else {
            y->text = y->own_text;
        }
        if (len > TS_LIMIT_YAML_FILE || !find_items(y, len))
            return TS_PARSE;
        ts_err_clear(err);
        y->itemwise = true;
        y->text_len = len;
        return TS_OK;
    }
    (void)ts_ydoc_text(y->doc, &y->text_len);
    const ts_ynode *root = ts_ydoc_root(y->doc);
    if (!root)
        return TS_OK; /* an empty document: no records */
    if (root->type == TS_Y_MAP) {
        const ts_ynode *persons = ts_ynode_get(root, "persons");
        if (!persons || root->n != 1)
            return shape_error(r, y->doc, root, err,
                               "expected a sequence of person records, or a mapping with the "
                               "single key `persons:` holding one");
        if (ts_ynode_is_null(persons))
            return TS_OK;
        root = persons;
    }
    if (root->type != TS_Y_SEQ)
        return shape_error(r, y->doc, root, err,
                           "expected a sequence of person records, or a mapping with the "
                           "single key `persons:` holding one");
    y->seq = root;
    return TS_OK;
}

/* Item by item: loads the next item's text as its own document into y->doc / y->seq,
 * or returns a reject for an item that does not load. *done when no item is left. */
static ts_status next_chunk(ts_reader *r, ts__yread *y, ts_arena *a, ts_item *out, bool *done,
                            ts_err *err)
{
    *done = false;
    ts_ydoc_free(y->doc);
    y->doc = NULL;
    y->seq = NULL;
    y->next = 0;
    if (y->pos >= y->text_len) {
        *done = true;
        return TS_OK;
    }
    const char *t = y->text;
    size_t start = y->pos, end = line_end(t, y->text_len, start);
    uint64_t line = y->pos_line, next_line = line + 1;
    while (end < y->text_len && !is_item_line(t, y->text_len, end, y->indent)) {
        end = line_end(t, y->text_len, end);
        next_line++;
    }
    y->pos = end;
    y->pos_line = next_line;
    y->line_base = line;
    ts_err e;
    ts_err_clear(&e);
    ts_status rc = ts_ydoc_load_mem(r->path, t + start, end - start, &y->doc, &e);
    if (rc == TS_NOMEM)
        return ts_err_set(err, rc, r->path, "%s", e.msg);
    const ts_ynode *root = rc == TS_OK ? ts_ydoc_root(y->doc) : NULL;
    if (rc == TS_OK && root && root->type == TS_Y_SEQ) {
        y->seq = root;
        return TS_OK;
    }
    /* where is "name:L:C" relative to the item: say it in file lines */
    unsigned long el = 0, ec = 0;
    const char *colon = strrchr(e.where, ':');
    if (rc != TS_OK && colon && colon > e.where) {
        const char *p = colon - 1;
        while (p > e.where && *p != ':')
            p--;
        if (sscanf(p, ":%lu:%lu", &el, &ec) != 2)
            el = ec = 0;
    }
    if (rc != TS_OK && el)
        snprintf(y->load_err, sizeof y->load_err, "not valid YAML at line %llu, column %lu: %s",
                 (unsigned long long)(line + el - 1), ec, e.msg);
    else if (rc != TS_OK)
        snprintf(y->load_err, sizeof y->load_err, "not valid YAML: %s", e.msg);
    else
        snprintf(y->load_err, sizeof y->load_err, "the item is not a person record");
    ts_ydoc_free(y->doc);
    y->doc = NULL;
    size_t raw_end = end;
    while (raw_end > start && (t[raw_end - 1] == '\n' || t[raw_end - 1] == '\r'))
        raw_end--;
    return ts__reader_reject(a, out, line, "", y->load_err, t + start, raw_end - start, err);
}

void ts__yread_close(ts_reader *r)
{
    if (!r->yaml)
        return;
    ts_ydoc_free(r->yaml->doc);
    free(r->yaml->own_text);
    free(r->yaml);
    r->yaml = NULL;
}

void ts__yread_progress(const ts_reader *r, uint64_t *done, uint64_t *total)
{
    const ts__yread *y = r->yaml;
    *total = y->text_len;
    *done = 0;
    if (y->itemwise) {
        *done = y->pos;
        return;
    }
    if (y->seq && y->next > 0)
        *done = y->next >= y->seq->n ? y->text_len : y->seq->items[y->next - 1]->end;
}

ts_status ts__yread_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err)
{
    ts__yread *y = r->yaml;
    memset(out, 0, sizeof *out);
    while (y->itemwise && (!y->seq || y->next >= y->seq->n)) {
        bool done = false;
        ts_status crc = next_chunk(r, y, a, out, &done, err);
        if (crc != TS_OK || out->kind == TS_ITEM_REJECT)
            return crc;
        if (done)
            break;
    }
    if (!y->seq || y->next >= y->seq->n) {
        out->kind = TS_ITEM_END;
        return TS_OK;
    }
    const ts_ynode *n = y->seq->items[y->next++];
    /* item by item, the document is one item's text: lines count from its first line */
    uint64_t n_line = y->itemwise ? n->line + y->line_base - 1 : n->line;
    out->line = n_line;
    size_t tlen;
    const char *text = ts_ydoc_text(y->doc, &tlen);
    size_t s = n->start <= tlen ? n->start : tlen;
    size_t e = n->end <= tlen && n->end >= s ? n->end : s;
    bool oom = false;
    json_object *o = y2j(n, CTX_ANY, 0, NULL, &oom);
    if (oom)
        return ts_err_set(err, TS_NOMEM, r->path, "out of memory converting a YAML record");
    ts_err e2;
    ts_err_clear(&e2);
    size_t pairs = 0;
    ts_status rc = ts__rec_from_json(o, a, &out->person, &pairs, &e2);
    json_object_put(o);
    if (rc == TS_OK) {
        out->kind = TS_ITEM_PERSON;
        size_t rl = e - s < TS_LIMIT_FIELD ? e - s : TS_LIMIT_FIELD;
        out->raw = ts_arena_strndup(a, text + s, rl); /* for a later reject (grid) */
        out->raw_len = rl;
        if (!out->raw)
            return ts_err_set(err, TS_NOMEM, r->path, "out of memory");
        return TS_OK;
    }
    if (rc == TS_INVALID) {
        const char *reason = e2.msg;
        if (n->type != TS_Y_MAP && e2.where[0] == '\0')
            reason = "the item is not a mapping (a person record)";
        return ts__reader_reject(a, out, n_line, e2.where, reason, text + s, e - s, err);
    }
    return ts_err_set(err, rc, r->path, "%s", e2.msg);
}
