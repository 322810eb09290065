/* record/yaml.c — the YAML record reader: a sequence of person mappings (or a mapping
 * whose only key `persons:` holds it). Each item is converted to the json-c shape and
 * validated by the same code as a JSON line (record/json.c). Uses config/ytree, json-c.
 *
 * Typing: where the record wants a string (id, grid, name, notes, born, categories,
 * event and relation fields) a plain scalar is taken as its text, so `id: 123` and
 * `born: 1990-04-12` need no quotes; `~`/`null` there is absent. attrs values follow
 * the YAML 1.2 core schema (null, bool, int, float, else string); quoted scalars are
 * always strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/limits.h"
#include "config/ytree.h"
#include "record/rec_int.h"
#include "record/reader_int.h"

struct ts__yread {
    ts_ydoc *doc;
    const ts_ynode *seq;
    size_t next;
    size_t text_len;
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

ts_status ts__yread_open(ts_reader *r, ts_err *err)
{
    ts__yread *y = calloc(1, sizeof *y);
    if (!y)
        return ts_err_set(err, TS_NOMEM, r->path, "out of memory");
    r->yaml = y;
    ts_status rc = r->is_mem ? ts_ydoc_load_mem(r->path, r->mem, r->mem_len, &y->doc, err)
                             : ts_ydoc_load_file(r->path, &y->doc, err);
    if (rc != TS_OK)
        return rc == TS_NOMEM || rc == TS_IO ? rc : TS_PARSE;
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

void ts__yread_close(ts_reader *r)
{
    if (!r->yaml)
        return;
    ts_ydoc_free(r->yaml->doc);
    free(r->yaml);
    r->yaml = NULL;
}

void ts__yread_progress(const ts_reader *r, uint64_t *done, uint64_t *total)
{
    const ts__yread *y = r->yaml;
    *total = y->text_len;
    *done = 0;
    if (y->seq && y->next > 0)
        *done = y->next >= y->seq->n ? y->text_len : y->seq->items[y->next - 1]->end;
}

ts_status ts__yread_next(ts_reader *r, ts_arena *a, ts_item *out, ts_err *err)
{
    ts__yread *y = r->yaml;
    memset(out, 0, sizeof *out);
    if (!y->seq || y->next >= y->seq->n) {
        out->kind = TS_ITEM_END;
        return TS_OK;
    }
    const ts_ynode *n = y->seq->items[y->next++];
    out->line = n->line;
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
        return ts__reader_reject(a, out, n->line, e2.where, reason, text + s, e - s, err);
    }
    return ts_err_set(err, rc, r->path, "%s", e2.msg);
}
