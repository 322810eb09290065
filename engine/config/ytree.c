/* config/ytree.c — the hardened YAML loader behind ytree.h: libyaml events become an
 * arena-allocated node DAG while every cap of the hostile-input policy is enforced.
 * Uses libyaml (the only user of yaml.h), base/arena, base/text and base/limits. */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "triscreen/arena.h"
#include "base/limits.h"
#include "base/text.h"
#include "config/ytree.h"

struct ts_ydoc {
    ts_arena arena; /* every node, item array and scalar text */
    char *name;     /* malloc'd copy of the name used in locations */
    char *text;     /* malloc'd copy of the source, NUL-terminated */
    size_t len;     /* bytes in text */
    const ts_ynode *root;
};

/* An anchor definition. `open` while its container is still being built: an alias to
 * it then would be a cycle. `weight` is the node count of its subtree, counting alias
 * expansions, known once it is closed. */
typedef struct yanchor {
    const char *name; /* arena */
    size_t name_len;
    ts_ynode *node;
    uint64_t weight;
    bool open;
} yanchor;

/* An open sequence or mapping. Its children so far are ctx->stack[base..sp). */
typedef struct yframe {
    ts_ynode *node;
    size_t base;
    uint64_t nodes_before; /* ctx->nodes before this container was charged */
    const char *anchor;    /* arena copy or NULL */
} yframe;

typedef struct yctx {
    ts_ydoc *doc;
    ts_err *err;
    yframe frames[TS_LIMIT_YAML_DEPTH];
    int depth;
    ts_ynode **stack; /* children of every open container, innermost last */
    size_t sp, scap;
    yanchor *anchors; /* open-addressing hash table, capacity a power of two */
    size_t n_anchors, acap;
    uint64_t nodes; /* nodes so far, counting alias expansions */
    size_t aliases;
    int docs;
    /* cursor translating libyaml's character index into a byte offset */
    size_t cur_char, cur_byte, bom;
} yctx;

enum { TAG_NONE, TAG_STR, TAG_INT, TAG_FLOAT, TAG_BOOL, TAG_NULL, TAG_MAP, TAG_SEQ, TAG_BAD };

/* ---- typed scalar text (YAML 1.2 core schema) ------------------------------------- */

static bool text_is_null(const char *s, size_t n)
{
    return n == 0 || (n == 1 && s[0] == '~') ||
           (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

static bool text_bool(const char *s, size_t n, bool *out)
{
    if (n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4))) {
        *out = true;
        return true;
    }
    if (n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5))) {
        *out = false;
        return true;
    }
    return false;
}

static int digit_val(char c)
{
    int v = ts_hex_digit(c);
    return v < 0 ? 99 : v;
}

/* [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+, refusing anything outside int64_t. */
static bool text_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    unsigned base = 10;
    if (n >= 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'x')) {
        base = s[1] == 'o' ? 8 : 16;
        i = 2;
    } else if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= n)
        return false;
    uint64_t v = 0;
    const uint64_t lim = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        int d = digit_val(s[i]);
        if (d < 0 || (unsigned)d >= base)
            return false;
        if (v > (lim - (uint64_t)d) / base)
            return false;
        v = v * base + (uint64_t)d;
    }
    if (neg)
        *out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
    else
        *out = (int64_t)v;
    return true;
}

static size_t skip_digits(const char *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF)
 * | \.(nan|NaN|NAN). Converted with strtod under the "C" locale. */
static bool text_float(const char *s, size_t n, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (n > 0 && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    const char *r = s + i;
    size_t rn = n - i;
    if (rn == 4 && (!memcmp(r, ".inf", 4) || !memcmp(r, ".Inf", 4) || !memcmp(r, ".INF", 4))) {
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return true;
    }
    if (i == 0 && rn == 4 &&
        (!memcmp(r, ".nan", 4) || !memcmp(r, ".NaN", 4) || !memcmp(r, ".NAN", 4))) {
        *out = NAN;
        return true;
    }
    size_t j = i;
    if (j < n && s[j] == '.') {
        size_t k = skip_digits(s, j + 1, n);
        if (k == j + 1)
            return false;
        j = k;
    } else {
        size_t k = skip_digits(s, j, n);
        if (k == j)
            return false;
        j = k;
        if (j < n && s[j] == '.')
            j = skip_digits(s, j + 1, n);
    }
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
        j++;
        if (j < n && (s[j] == '-' || s[j] == '+'))
            j++;
        size_t k = skip_digits(s, j, n);
        if (k == j)
            return false;
        j = k;
    }
    if (j != n)
        return false;
    char buf[128];
    if (n >= sizeof buf) {
        /* a very long digit string: precision beyond 127 characters is meaningless */
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c ? uselocale(c) : (locale_t)0;
    *out = strtod(buf, NULL);
    if (c) {
        uselocale(old);
        freelocale(c);
    }
    return true;
}

/* ---- public node helpers ----------------------------------------------------------- */

static bool is_plain_scalar(const ts_ynode *n)
{
    return n && n->type == TS_Y_SCALAR && n->plain;
}

bool ts_ynode_is_null(const ts_ynode *n)
{
    return is_plain_scalar(n) && text_is_null(n->str, n->len);
}

bool ts_ynode_bool(const ts_ynode *n, bool *out)
{
    bool v;
    if (!is_plain_scalar(n) || !text_bool(n->str, n->len, &v))
        return false;
    if (out)
        *out = v;
    return true;
}

bool ts_ynode_int(const ts_ynode *n, int64_t *out)
{
    int64_t v;
    if (!is_plain_scalar(n) || !text_int(n->str, n->len, &v))
        return false;
    if (out)
        *out = v;
    return true;
}

bool ts_ynode_number(const ts_ynode *n, double *out)
{
    if (!is_plain_scalar(n))
        return false;
    int64_t i;
    double d;
    if (text_int(n->str, n->len, &i))
        d = (double)i;
    else if (!text_float(n->str, n->len, &d))
        return false;
    if (out)
        *out = d;
    return true;
}

bool ts_ynode_is_str(const ts_ynode *n)
{
    return n && n->type == TS_Y_SCALAR && !ts_ynode_is_null(n) && strlen(n->str) == n->len;
}

const ts_ynode *ts_ynode_get(const ts_ynode *map, const char *key)
{
    if (!map || map->type != TS_Y_MAP || !key)
        return NULL;
    size_t kl = strlen(key);
    for (size_t i = 0; i < map->n; i++) {
        const ts_ynode *k = map->items[2 * i];
        if (k->type == TS_Y_SCALAR && k->len == kl && memcmp(k->str, key, kl) == 0)
            return map->items[2 * i + 1];
    }
    return NULL;
}

const ts_ynode *ts_ynode_key(const ts_ynode *map, size_t i)
{
    if (!map || map->type != TS_Y_MAP || i >= map->n)
        return NULL;
    return map->items[2 * i];
}

const ts_ynode *ts_ynode_val(const ts_ynode *map, size_t i)
{
    if (!map || map->type != TS_Y_MAP || i >= map->n)
        return NULL;
    return map->items[2 * i + 1];
}

const char *ts_ynode_where(const ts_ydoc *d, const ts_ynode *n, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return buf;
    snprintf(buf, cap, "%s:%u:%u", d && d->name ? d->name : "?", n ? (unsigned)n->line : 0u,
             n ? (unsigned)n->col : 0u);
    return buf;
}

const ts_ynode *ts_ydoc_root(const ts_ydoc *d)
{
    return d ? d->root : NULL;
}

const char *ts_ydoc_text(const ts_ydoc *d, size_t *len)
{
    if (len)
        *len = d ? d->len : 0;
    return d ? d->text : NULL;
}

const char *ts_ydoc_name(const ts_ydoc *d)
{
    return d ? d->name : NULL;
}

void ts_ydoc_free(ts_ydoc *d)
{
    if (!d)
        return;
    ts_arena_release(&d->arena);
    free(d->name);
    free(d->text);
    free(d);
}

/* ---- loader ------------------------------------------------------------------------ */

static ts_status fail_at(yctx *c, ts_status code, size_t line, size_t col, const char *fmt, ...)
    TS_PRINTF(5, 6);

static ts_status fail_at(yctx *c, ts_status code, size_t line, size_t col, const char *fmt, ...)
{
    char where[256];
    snprintf(where, sizeof where, "%s:%zu:%zu", c->doc->name, line, col);
    va_list ap;
    va_start(ap, fmt);
    ts_err_vset(c->err, code, where, fmt, ap);
    va_end(ap);
    return code;
}

/* libyaml marks are 0-based; ours are 1-based. */
#define MARK_LC(m) ((m).line + 1), ((m).column + 1)

/* Line and column (1-based, counting characters) of a byte offset. */
static void offset_lc(const char *s, size_t len, size_t off, size_t *line, size_t *col)
{
    size_t l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (s[i] == '\n') {
            l++;
            c = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* Translates libyaml's character index (counted after a BOM) into a byte offset. The
 * text is known to be valid UTF-8; marks mostly advance, so the cursor walks a little. */
static size_t char_to_byte(yctx *c, size_t ci)
{
    const unsigned char *s = (const unsigned char *)c->doc->text;
    size_t len = c->doc->len;
    while (c->cur_char < ci && c->cur_byte < len) {
        c->cur_byte++;
        while (c->cur_byte < len && (s[c->cur_byte] & 0xC0) == 0x80)
            c->cur_byte++;
        c->cur_char++;
    }
    while (c->cur_char > ci && c->cur_byte > c->bom) {
        c->cur_byte--;
        while (c->cur_byte > c->bom && (s[c->cur_byte] & 0xC0) == 0x80)
            c->cur_byte--;
        c->cur_char--;
    }
    return c->cur_byte;
}

static int tag_kind(const char *tag)
{
    static const char core[] = "tag:yaml.org,2002:";
    if (!tag || strcmp(tag, "!") == 0)
        return TAG_NONE;
    if (strncmp(tag, core, sizeof core - 1) != 0)
        return TAG_BAD;
    const char *t = tag + sizeof core - 1;
    static const struct {
        const char *name;
        int kind;
    } tab[] = {{"str", TAG_STR},   {"int", TAG_INT}, {"float", TAG_FLOAT}, {"bool", TAG_BOOL},
               {"null", TAG_NULL}, {"map", TAG_MAP}, {"seq", TAG_SEQ}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(t, tab[i].name) == 0)
            return tab[i].kind;
    return TAG_BAD;
}

static ts_status bad_tag(yctx *c, const yaml_mark_t *m, const char *tag)
{
    return fail_at(c, TS_PARSE, MARK_LC(*m),
                   "tag '%.100s' is not allowed (only the YAML core tags !!str, !!int, "
                   "!!float, !!bool, !!null, !!map and !!seq)",
                   tag);
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return h;
}

static yanchor *anchor_find(yctx *c, const char *name, size_t n)
{
    if (!c->acap)
        return NULL;
    size_t mask = c->acap - 1;
    for (size_t i = (size_t)hash_bytes(name, n) & mask;; i = (i + 1) & mask) {
        yanchor *a = &c->anchors[i];
        if (!a->name)
            return NULL;
        if (a->name_len == n && memcmp(a->name, name, n) == 0)
            return a;
    }
}

static ts_status anchor_grow(yctx *c)
{
    size_t ncap = c->acap ? c->acap * 2 : 64;
    yanchor *t = calloc(ncap, sizeof *t);
    if (!t)
        return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory (anchors)");
    for (size_t i = 0; i < c->acap; i++) {
        yanchor *a = &c->anchors[i];
        if (!a->name)
            continue;
        size_t j = (size_t)hash_bytes(a->name, a->name_len) & (ncap - 1);
        while (t[j].name)
            j = (j + 1) & (ncap - 1);
        t[j] = *a;
    }
    free(c->anchors);
    c->anchors = t;
    c->acap = ncap;
    return TS_OK;
}

/* Defines (or, as YAML allows, redefines) an anchor. *name_out gets the arena copy. */
static ts_status anchor_define(yctx *c, const char *name, ts_ynode *node, uint64_t weight,
                               bool open, const char **name_out)
{
    size_t n = strlen(name);
    yanchor *a = anchor_find(c, name, n);
    if (!a) {
        if ((c->n_anchors + 1) * 2 > c->acap) {
            ts_status rc = anchor_grow(c);
            if (rc != TS_OK)
                return rc;
        }
        size_t mask = c->acap - 1;
        size_t i = (size_t)hash_bytes(name, n) & mask;
        while (c->anchors[i].name)
            i = (i + 1) & mask;
        a = &c->anchors[i];
        a->name = ts_arena_strndup(&c->doc->arena, name, n);
        if (!a->name)
            return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory (anchors)");
        a->name_len = n;
        c->n_anchors++;
    }
    a->node = node;
    a->weight = weight;
    a->open = open;
    if (name_out)
        *name_out = a->name;
    return TS_OK;
}

/* Counts w more nodes against the document budget. */
static ts_status charge(yctx *c, uint64_t w, const yaml_mark_t *m)
{
    c->nodes += w;
    if (c->nodes > TS_LIMIT_YAML_NODES)
        return fail_at(c, TS_LIMIT, MARK_LC(*m),
                       "document too large: more than %u nodes counting alias expansions",
                       (unsigned)TS_LIMIT_YAML_NODES);
    return TS_OK;
}

static ts_ynode *new_node(yctx *c, ts_ytype type, const yaml_event_t *ev)
{
    ts_ynode *n = ts_arena_calloc(&c->doc->arena, 1, sizeof *n);
    if (!n)
        return NULL;
    n->type = type;
    n->line = (uint32_t)(ev->start_mark.line + 1);
    n->col = (uint32_t)(ev->start_mark.column + 1);
    n->start = char_to_byte(c, ev->start_mark.index);
    n->end = char_to_byte(c, ev->end_mark.index);
    n->str = "";
    return n;
}

/* Attaches a finished (or, for containers, just opened) node to its parent. */
static ts_status add_child(yctx *c, ts_ynode *n, const yaml_mark_t *m)
{
    if (c->depth == 0) {
        c->doc->root = n;
        return TS_OK;
    }
    yframe *f = &c->frames[c->depth - 1];
    if (f->node->type == TS_Y_MAP && (c->sp - f->base) % 2 == 0 && n->type != TS_Y_SCALAR)
        return fail_at(c, TS_PARSE, MARK_LC(*m), "mapping keys must be scalars, not %s",
                       n->type == TS_Y_MAP ? "mappings" : "sequences");
    if (c->sp == c->scap) {
        size_t ncap = c->scap ? c->scap * 2 : 256;
        ts_ynode **s = realloc(c->stack, ncap * sizeof *s);
        if (!s)
            return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory");
        c->stack = s;
        c->scap = ncap;
    }
    c->stack[c->sp++] = n;
    return TS_OK;
}

static int cmp_key(const ts_ynode *a, const ts_ynode *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int r = memcmp(a->str, b->str, n);
    if (r)
        return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

static int cmp_key_pos(const void *pa, const void *pb)
{
    const ts_ynode *a = *(ts_ynode *const *)pa, *b = *(ts_ynode *const *)pb;
    int r = cmp_key(a, b);
    if (r)
        return r;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Refuses a mapping with two keys of the same text; names the later one. */
static ts_status check_dup_keys(yctx *c, const ts_ynode *map)
{
    size_t n = map->n;
    if (n < 2)
        return TS_OK;
    const ts_ynode *dup = NULL, *first = NULL;
    if (n <= 16) {
        for (size_t i = 1; i < n && !dup; i++)
            for (size_t j = 0; j < i; j++)
                if (cmp_key(map->items[2 * i], map->items[2 * j]) == 0) {
                    dup = map->items[2 * i];
                    first = map->items[2 * j];
                    break;
                }
    } else {
        ts_ynode **keys = malloc(n * sizeof *keys);
        if (!keys)
            return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory");
        for (size_t i = 0; i < n; i++)
            keys[i] = map->items[2 * i];
        qsort(keys, n, sizeof *keys, cmp_key_pos);
        for (size_t i = 1; i < n; i++)
            if (cmp_key(keys[i], keys[i - 1]) == 0 && (!dup || keys[i]->start < dup->start)) {
                dup = keys[i];
                first = keys[i - 1];
            }
        /* `first` must be the earliest occurrence of dup's text */
        for (size_t i = 0; dup && i < n; i++)
            if (cmp_key(keys[i], dup) == 0) {
                first = keys[i];
                break;
            }
        free(keys);
    }
    if (!dup)
        return TS_OK;
    /* An alias used as a key shares its node, so both "occurrences" may be one node. */
    return fail_at(c, TS_PARSE, dup->line, dup->col, "duplicate key '%.64s' (first at %u:%u)",
                   dup->str, (unsigned)first->line, (unsigned)first->col);
}

static ts_status on_scalar(yctx *c, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    const char *tag = (const char *)ev->data.scalar.tag;
    int kind = tag_kind(tag);
    if (kind == TAG_BAD || kind == TAG_MAP || kind == TAG_SEQ)
        return bad_tag(c, m, tag);
    size_t len = ev->data.scalar.length;
    if (len > TS_LIMIT_YAML_SCALAR)
        return fail_at(c, TS_LIMIT, MARK_LC(*m), "scalar too long: %zu bytes (limit %u)", len,
                       (unsigned)TS_LIMIT_YAML_SCALAR);
    ts_status rc = charge(c, 1, m);
    if (rc != TS_OK)
        return rc;
    ts_ynode *n = new_node(c, TS_Y_SCALAR, ev);
    char *s = n ? ts_arena_strndup(&c->doc->arena, (const char *)ev->data.scalar.value, len) : NULL;
    if (!s)
        return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory");
    n->str = s;
    n->len = len;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && kind == TAG_NONE && !tag;
    if (kind != TAG_NONE && kind != TAG_STR) {
        /* an explicit core tag: the text must read as that type; it is then typed as if
         * it were plain, whatever its quoting */
        bool ok, b;
        int64_t i;
        double d;
        switch (kind) {
        case TAG_INT:
            ok = text_int(s, len, &i);
            break;
        case TAG_FLOAT:
            ok = text_int(s, len, &i) || text_float(s, len, &d);
            break;
        case TAG_BOOL:
            ok = text_bool(s, len, &b);
            break;
        default:
            ok = text_is_null(s, len);
            break;
        }
        if (!ok)
            return fail_at(c, TS_PARSE, MARK_LC(*m), "value '%.64s' does not match its tag %s", s,
                           tag);
        n->plain = true;
    }
    if (ev->data.scalar.anchor) {
        rc = anchor_define(c, (const char *)ev->data.scalar.anchor, n, 1, false, NULL);
        if (rc != TS_OK)
            return rc;
    }
    return add_child(c, n, m);
}

static ts_status on_start(yctx *c, const yaml_event_t *ev, bool is_map)
{
    const yaml_mark_t *m = &ev->start_mark;
    const char *tag =
        (const char *)(is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag);
    const char *anchor =
        (const char *)(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor);
    int kind = tag_kind(tag);
    if (kind != TAG_NONE && kind != (is_map ? TAG_MAP : TAG_SEQ))
        return bad_tag(c, m, tag);
    if (c->depth >= TS_LIMIT_YAML_DEPTH)
        return fail_at(c, TS_LIMIT, MARK_LC(*m), "nesting too deep (limit %d levels)",
                       TS_LIMIT_YAML_DEPTH);
    uint64_t before = c->nodes;
    ts_status rc = charge(c, 1, m);
    if (rc != TS_OK)
        return rc;
    ts_ynode *n = new_node(c, is_map ? TS_Y_MAP : TS_Y_SEQ, ev);
    if (!n)
        return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory");
    rc = add_child(c, n, m);
    if (rc != TS_OK)
        return rc;
    yframe *f = &c->frames[c->depth++];
    f->node = n;
    f->base = c->sp;
    f->nodes_before = before;
    f->anchor = NULL;
    if (anchor)
        rc = anchor_define(c, anchor, n, 0, true, &f->anchor);
    return rc;
}

static ts_status on_end(yctx *c, const yaml_event_t *ev)
{
    yframe *f = &c->frames[--c->depth];
    ts_ynode *n = f->node;
    size_t count = c->sp - f->base;
    n->end = char_to_byte(c, ev->end_mark.index);
    if (count) {
        n->items = ts_arena_alloc(&c->doc->arena, count * sizeof *n->items);
        if (!n->items)
            return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory");
        memcpy(n->items, c->stack + f->base, count * sizeof *n->items);
    }
    c->sp = f->base;
    if (n->type == TS_Y_MAP) {
        n->n = count / 2; /* libyaml always pairs a key with a (possibly empty) value */
        ts_status rc = check_dup_keys(c, n);
        if (rc != TS_OK)
            return rc;
    } else {
        n->n = count;
    }
    if (f->anchor) {
        yanchor *a = anchor_find(c, f->anchor, strlen(f->anchor));
        if (a && a->node == n) { /* unless redefined inside the container */
            a->open = false;
            a->weight = c->nodes - f->nodes_before;
        }
    }
    return TS_OK;
}

static ts_status on_alias(yctx *c, const yaml_event_t *ev)
{
    const yaml_mark_t *m = &ev->start_mark;
    const char *name = (const char *)ev->data.alias.anchor;
    if (++c->aliases > TS_LIMIT_YAML_ALIASES)
        return fail_at(c, TS_LIMIT, MARK_LC(*m), "too many aliases (limit %u)",
                       (unsigned)TS_LIMIT_YAML_ALIASES);
    yanchor *a = anchor_find(c, name, strlen(name));
    if (!a)
        return fail_at(c, TS_PARSE, MARK_LC(*m), "alias '*%.64s' names no anchor defined before it",
                       name);
    if (a->open)
        return fail_at(c, TS_PARSE, MARK_LC(*m),
                       "alias '*%.64s' refers to a node that contains it (a cycle)", name);
    ts_status rc = charge(c, a->weight, m);
    if (rc != TS_OK)
        return rc;
    return add_child(c, a->node, m);
}

static ts_status parser_error(yctx *c, yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR)
        return ts_err_set(c->err, TS_NOMEM, c->doc->name, "out of memory (libyaml)");
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_READER_ERROR) {
        size_t line, col;
        offset_lc(c->doc->text, c->doc->len, p->problem_offset, &line, &col);
        return fail_at(c, TS_PARSE, line, col, "%s", problem);
    }
    if (p->context)
        return fail_at(c, TS_PARSE, MARK_LC(p->problem_mark), "%s (%s started at %zu:%zu)", problem,
                       p->context, MARK_LC(p->context_mark));
    return fail_at(c, TS_PARSE, MARK_LC(p->problem_mark), "%s", problem);
}

static ts_status on_event(yctx *c, const yaml_event_t *ev, unsigned flags)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++c->docs > 1)
            return fail_at(c, TS_PARSE, MARK_LC(ev->start_mark),
                           "a second YAML document: only one document per file is allowed");
        return TS_OK;
    case YAML_STREAM_END_EVENT:
        if (c->docs == 0 && (flags & TS_YDOC_REQUIRE_DOC))
            return fail_at(c, TS_PARSE, MARK_LC(ev->start_mark), "empty stream: no YAML document");
        return TS_OK;
    case YAML_SCALAR_EVENT:
        return on_scalar(c, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(c, ev, false);
    case YAML_MAPPING_START_EVENT:
        return on_start(c, ev, true);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(c, ev);
    case YAML_ALIAS_EVENT:
        return on_alias(c, ev);
    default:
        return TS_OK;
    }
}

/* Adopts text (malloc'd, NUL-terminated, len bytes) into a new document. */
static ts_status load_text(const char *name, char *text, size_t len, unsigned flags, ts_ydoc **out,
                           ts_err *err)
{
    ts_status rc = TS_OK;
    yaml_parser_t parser;
    bool parser_ok = false;
    yctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    ts_ydoc *d = calloc(1, sizeof *d);
    char *nm = strdup(name ? name : "<yaml>");
    if (!d || !nm) {
        free(text);
        free(nm);
        free(d);
        return ts_err_set(err, TS_NOMEM, name, "out of memory");
    }
    d->name = nm;
    d->text = text;
    d->len = len;
    ts_arena_init(&d->arena, TS_LIMIT_ARENA_YAML);
    c.doc = d;

    if (len > TS_LIMIT_YAML_FILE) {
        rc = ts_err_set(err, TS_LIMIT, d->name, "file too large: %zu bytes (limit %u)", len,
                        (unsigned)TS_LIMIT_YAML_FILE);
        goto done;
    }
    if (len >= 2 && (((unsigned char)text[0] == 0xFE && (unsigned char)text[1] == 0xFF) ||
                     ((unsigned char)text[0] == 0xFF && (unsigned char)text[1] == 0xFE))) {
        rc = fail_at(&c, TS_PARSE, 1, 1, "UTF-16 input: only UTF-8 is supported");
        goto done;
    }
    size_t bad;
    if (!ts_utf8_valid(text, len, &bad)) {
        size_t line, col;
        offset_lc(text, len, bad, &line, &col);
        rc = fail_at(&c, TS_PARSE, line, col, "invalid UTF-8 (byte offset %zu)", bad);
        goto done;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        c.bom = c.cur_byte = 3; /* libyaml skips the BOM before counting characters */

    if (!yaml_parser_initialize(&parser)) {
        rc = ts_err_set(err, TS_NOMEM, d->name, "out of memory (libyaml)");
        goto done;
    }
    parser_ok = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = parser_error(&c, &parser);
            goto done;
        }
        rc = on_event(&c, &ev, flags);
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (rc != TS_OK)
            goto done;
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    *out = d;
    d = NULL;
done:
    if (parser_ok)
        yaml_parser_delete(&parser);
    free(c.stack);
    free(c.anchors);
    ts_ydoc_free(d);
    return rc;
}

ts_status ts_ydoc_load_mem_ex(const char *name, const char *buf, size_t len, unsigned flags,
                              ts_ydoc **out, ts_err *err)
{
    if (len > TS_LIMIT_YAML_FILE)
        return ts_err_set(err, TS_LIMIT, name, "file too large: %zu bytes (limit %u)", len,
                          (unsigned)TS_LIMIT_YAML_FILE);
    char *text = malloc(len + 1);
    if (!text)
        return ts_err_set(err, TS_NOMEM, name, "out of memory");
    if (len)
        memcpy(text, buf, len);
    text[len] = '\0';
    return load_text(name, text, len, flags, out, err);
}

ts_status ts_ydoc_load_mem(const char *name, const char *buf, size_t len, ts_ydoc **out,
                           ts_err *err)
{
    return ts_ydoc_load_mem_ex(name, buf, len, 0, out, err);
}

ts_status ts_ydoc_load_file_ex(const char *path, unsigned flags, ts_ydoc **out, ts_err *err)
{
    ts_status rc = TS_OK;
    char *text = NULL;
    size_t len = 0, cap = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ts_err_set(err, TS_IO, path, "cannot open: %s", strerror(errno));
    /* A regular file over the cap is refused unread; otherwise read with the cap rather
     * than trusting the size: the file may be a pipe, or grow while we read. */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (uintmax_t)st.st_size > TS_LIMIT_YAML_FILE) {
        rc = ts_err_set(err, TS_LIMIT, path, "file too large: %jd bytes (limit %u)",
                        (intmax_t)st.st_size, (unsigned)TS_LIMIT_YAML_FILE);
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap > TS_LIMIT_YAML_FILE) {
                rc = ts_err_set(err, TS_LIMIT, path, "file too large (limit %u bytes)",
                                (unsigned)TS_LIMIT_YAML_FILE);
                goto done;
            }
            size_t ncap = cap ? cap * 2 : 64 * 1024;
            if (ncap > (size_t)TS_LIMIT_YAML_FILE + 1)
                ncap = (size_t)TS_LIMIT_YAML_FILE + 1;
            if (ncap == cap)
                ncap = cap + 1;
            char *t = realloc(text, ncap + 1);
            if (!t) {
                rc = ts_err_set(err, TS_NOMEM, path, "out of memory");
                goto done;
            }
            text = t;
            cap = ncap;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f)) {
                rc = ts_err_set(err, TS_IO, path, "cannot read: %s", strerror(errno));
                goto done;
            }
            break;
        }
    }
    if (len > TS_LIMIT_YAML_FILE) {
        rc = ts_err_set(err, TS_LIMIT, path, "file too large (limit %u bytes)",
                        (unsigned)TS_LIMIT_YAML_FILE);
        goto done;
    }
    if (!text) {
        text = malloc(1);
        if (!text) {
            rc = ts_err_set(err, TS_NOMEM, path, "out of memory");
            goto done;
        }
    }
    text[len] = '\0';
    fclose(f);
    f = NULL;
    rc = load_text(path, text, len, flags, out, err);
    text = NULL;
done:
    if (f)
        fclose(f);
    free(text);
    return rc;
}

ts_status ts_ydoc_load_file(const char *path, ts_ydoc **out, ts_err *err)
{
    return ts_ydoc_load_file_ex(path, 0, out, err);
}
