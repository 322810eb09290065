/* grid/grid.c — loads and validates the three-level grid file (towns → villages →
 * groups, officers per cell, the county desk's officers at the top) and resolves scopes.
 * Uses config/ytree, base/arena and base/text. A grid owns one arena; code lookup is an
 * open-addressing hash table, officer lookup a sorted index searched by bsearch. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "triscreen/jsonw.h"
#include "triscreen/arena.h"
#include "triscreen/config.h"
#include "triscreen/grid.h"
#include "base/limits.h"
#include "base/text.h"
#include "config/ytree.h"

/* One entry of the officer index: every officer of the file, sorted by id. */
typedef struct officer_ent {
    const char *id;
    const ts_officer *officer;
    const ts_cell *cell; /* NULL for the county desk */
    uint32_t line, col;  /* of the id in the grid file (for load-time errors) */
    size_t ord;          /* parse order: breaks ties (an alias repeats a list) */
} officer_ent;

struct ts_grid {
    ts_arena arena; /* cells, officers, strings, the hash table and the officer index */
    const char *county;
    ts_cell *cells; /* file order */
    size_t n;
    size_t *slots; /* hash table of cell index + 1 (0 = empty); capacity a power of 2 */
    size_t slot_mask;
    const ts_officer *desk; /* the county desk (top-level officers:) */
    size_t n_desk;
    officer_ent *index; /* every officer, sorted by id (unique once loaded) */
    size_t n_index;
};

typedef struct gctx {
    const ts_ydoc *doc;
    ts_err *err;
    ts_grid *g;
    size_t cap;  /* cells allocated */
    size_t ocap; /* officer index entries allocated */
} gctx;

static const char *const level_key[4] = {"", "towns", "villages", "groups"};

static ts_status fail(gctx *c, const ts_ynode *n, const char *fmt, ...) TS_PRINTF(3, 4);

static ts_status fail(gctx *c, const ts_ynode *n, const char *fmt, ...)
{
    char where[256];
    ts_ynode_where(c->doc, n, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    ts_err_vset(c->err, TS_CONFIG, where, fmt, ap);
    va_end(ap);
    return TS_CONFIG;
}

/* Formats a field path such as "towns[0].villages[2].code" (truncated if very long). */
/* The field paths of error messages ("towns[0].villages[2].code"), made for every node
 * as the file is walked: appended by hand, which the grid of a large county (30k cells)
 * measured at a tenth of snprintf's cost (270 M instructions a load). buf = field, then
 * sep, then at most max bytes of part; cut to cap - 1 bytes as snprintf would. */
static void path_cat(char *buf, size_t cap, const char *field, char sep, const char *part,
                     size_t max)
{
    size_t n = strnlen(field, cap - 1);
    memmove(buf, field, n);
    if (n < cap - 1)
        buf[n++] = sep;
    size_t k = strnlen(part, max);
    if (k > cap - 1 - n)
        k = cap - 1 - n;
    memcpy(buf + n, part, k);
    buf[n + k] = '\0';
}

/* buf = field + "." + at most max bytes of key. */
static void path_key(char *buf, size_t cap, const char *field, const char *key, size_t max)
{
    path_cat(buf, cap, field, '.', key, max);
}

/* buf = field + "[" + i + "]". */
static void path_index(char *buf, size_t cap, const char *field, size_t i)
{
    char num[24], *e = num + sizeof num - 1;
    *e = '\0';
    *--e = ']';
    do
        *--e = (char)('0' + i % 10);
    while ((i /= 10) > 0);
    path_cat(buf, cap, field, '[', e, sizeof num);
}

static ts_status nomem(gctx *c)
{
    return ts_err_set(c->err, TS_NOMEM, ts_ydoc_name(c->doc), "out of memory");
}

static bool key_is(const ts_ynode *k, const char *s)
{
    return k->len == strlen(s) && memcmp(k->str, s, k->len) == 0;
}

static const char *kind_of(const ts_ynode *n)
{
    if (n->type == TS_Y_MAP)
        return "a mapping";
    if (n->type == TS_Y_SEQ)
        return "a list";
    if (ts_ynode_is_null(n))
        return "null";
    return "a scalar";
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h;
}

/* A text field: a non-null scalar without NUL bytes, at most max bytes. */
static ts_status want_text(gctx *c, const char *field, const ts_ynode *n, size_t max,
                           const char **out)
{
    if (!ts_ynode_is_str(n))
        return fail(c, n, "%s: expected a string, got %s", field, kind_of(n));
    if (n->len > max)
        return fail(c, n, "%s: longer than %zu bytes", field, max);
    if (!ts_utf8_valid(n->str, n->len, NULL))
        return fail(c, n, "%s: not valid UTF-8", field);
    *out = n->str;
    return TS_OK;
}

static ts_status parse_code(gctx *c, const char *field, const ts_ynode *n, const char **out)
{
    const char *s;
    ts_status rc = want_text(c, field, n, TS_LIMIT_ID, &s);
    if (rc != TS_OK)
        return rc;
    if (n->len == 0)
        return fail(c, n, "%s: must not be empty", field);
    for (const char *p = s; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return fail(c, n, "%s: '%.64s' may contain only letters A-Z a-z, digits, '-' and '_'",
                        field, s);
    }
    if (strcmp(s, "all") == 0)
        return fail(c, n, "%s: 'all' is reserved for the whole county", field);
    *out = s;
    return TS_OK;
}

/* An officer id: what `--by` and tokens name, so it is kept to a safe alphabet. */
static ts_status parse_officer_id(gctx *c, const char *field, const ts_ynode *n, const char **out)
{
    const char *id;
    ts_status rc = want_text(c, field, n, TS_LIMIT_ID, &id);
    if (rc != TS_OK)
        return rc;
    if (n->len == 0)
        return fail(c, n, "%s: must not be empty", field);
    for (const char *p = id; *p; p++) {
        char ch = *p;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return fail(c, n,
                        "%s: '%.64s' may contain only letters A-Z a-z, digits, '-', '_' and '.'",
                        field, id);
    }
    *out = id;
    return TS_OK;
}

/* Parses the officers list at n (of cell, NULL for the county desk) into *out / *n_out and
 * adds each officer to the index (uniqueness across the file is checked once all are in). */
static ts_status parse_officers(gctx *c, const char *field, const ts_ynode *n, const ts_cell *cell,
                                const ts_officer **out, size_t *n_out)
{
    if (ts_ynode_is_null(n))
        return TS_OK;
    if (n->type != TS_Y_SEQ)
        return fail(c, n, "%s: expected a list of {id, name}, got %s", field, kind_of(n));
    if (n->n == 0)
        return TS_OK;
    ts_officer *o = ts_arena_calloc(&c->g->arena, n->n, sizeof *o);
    if (!o)
        return nomem(c);
    for (size_t i = 0; i < n->n; i++) {
        const ts_ynode *on = n->items[i];
        char f[256];
        path_index(f, sizeof f, field, i);
        if (on->type != TS_Y_MAP)
            return fail(c, on, "%s: expected a mapping {id, name}, got %s", f, kind_of(on));
        const char *id = NULL, *name = "";
        const ts_ynode *id_node = NULL;
        for (size_t k = 0; k < on->n; k++) {
            const ts_ynode *key = ts_ynode_key(on, k), *val = ts_ynode_val(on, k);
            char sub[256];
            path_key(sub, sizeof sub, f, key->str, 20);
            ts_status rc;
            if (key_is(key, "id")) {
                if ((rc = parse_officer_id(c, sub, val, &id)) != TS_OK)
                    return rc;
                id_node = val;
            } else if (key_is(key, "name")) {
                if (!ts_ynode_is_null(val) &&
                    (rc = want_text(c, sub, val, TS_LIMIT_FIELD, &name)) != TS_OK)
                    return rc;
            } else {
                return fail(c, key, "%s: unknown key (expected id, name)", sub);
            }
        }
        if (!id)
            return fail(c, on, "%s: missing required key 'id'", f);
        for (size_t j = 0; j < i; j++)
            if (strcmp(o[j].id, id) == 0)
                return fail(c, on, "%s.id: duplicate officer '%.64s' in this cell", f, id);
        o[i].id = ts_arena_strdup(&c->g->arena, id);
        o[i].name = ts_arena_strdup(&c->g->arena, name);
        if (!o[i].id || !o[i].name)
            return nomem(c);
        if (c->g->n_index >= c->ocap) /* cannot happen: ocap counts every officer */
            return nomem(c);
        size_t e = c->g->n_index++;
        c->g->index[e] = (officer_ent){.id = o[i].id,
                                       .officer = &o[i],
                                       .cell = cell,
                                       .line = id_node->line,
                                       .col = id_node->col,
                                       .ord = e};
    }
    *out = o;
    *n_out = n->n;
    return TS_OK;
}

static int ent_cmp(const void *a, const void *b)
{
    const officer_ent *x = a, *y = b;
    int d = strcmp(x->id, y->id);
    if (d)
        return d;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static const char *ent_where(const officer_ent *e)
{
    return e->cell ? e->cell->code : "the county desk";
}

/* Sorts the officer index and refuses an id used twice in the file, reporting the first
 * repetition in file order at its own location. */
static ts_status index_officers(gctx *c)
{
    ts_grid *g = c->g;
    if (g->n_index == 0)
        return TS_OK;
    qsort(g->index, g->n_index, sizeof *g->index, ent_cmp);
    const officer_ent *dup = NULL;
    for (size_t i = 1; i < g->n_index; i++) {
        const officer_ent *e = &g->index[i];
        if (strcmp(e->id, g->index[i - 1].id) == 0 &&
            (!dup || e->line < dup->line || (e->line == dup->line && e->col < dup->col)))
            dup = e;
    }
    if (!dup)
        return TS_OK;
    /* the first use of the id: the run of equal ids starts with it */
    const officer_ent *first = dup;
    while (first > g->index && strcmp(first[-1].id, dup->id) == 0)
        first--;
    char where[300];
    snprintf(where, sizeof where, "%s:%u:%u", ts_ydoc_name(c->doc), (unsigned)dup->line,
             (unsigned)dup->col);
    ts_err_set(c->err, TS_CONFIG, where,
               "officers of %s: duplicate officer id '%s' (first used on line %u, by %s); ids "
               "are unique across the grid file",
               ent_where(dup), dup->id, (unsigned)first->line, ent_where(first));
    return TS_CONFIG;
}

/* Adds cell i to the hash table; refuses a code already present. */
static ts_status index_cell(gctx *c, size_t i, const ts_ynode *code_node, const char *field)
{
    ts_grid *g = c->g;
    for (size_t s = (size_t)hash_str(g->cells[i].code) & g->slot_mask;;
         s = (s + 1) & g->slot_mask) {
        if (!g->slots[s]) {
            g->slots[s] = i + 1;
            return TS_OK;
        }
        const ts_cell *o = &g->cells[g->slots[s] - 1];
        if (strcmp(o->code, g->cells[i].code) == 0)
            return fail(c, code_node, "%s: duplicate code '%s' (first used on line %zu)", field,
                        o->code, o->line);
    }
}

static ts_status parse_cells(gctx *c, const char *field, const ts_ynode *seq, ts_cell_level level,
                             const ts_cell *parent);

static ts_status parse_cell(gctx *c, const char *field, const ts_ynode *n, ts_cell_level level,
                            const ts_cell *parent)
{
    if (n->type != TS_Y_MAP)
        return fail(c, n, "%s: expected a mapping with a code, got %s", field, kind_of(n));
    if (c->g->n >= c->cap) /* cannot happen: cap counts every list item */
        return nomem(c);
    size_t idx = c->g->n++;
    ts_cell *cell = &c->g->cells[idx];
    cell->level = level;
    cell->parent = parent;
    cell->index = idx;
    cell->line = n->line;
    cell->name = "";
    const ts_ynode *code_node = NULL, *officers = NULL, *children = NULL;
    const char *child_key = level < TS_CELL_GROUP ? level_key[level + 1] : NULL;
    char sub[256];
    ts_status rc;
    for (size_t k = 0; k < n->n; k++) {
        const ts_ynode *key = ts_ynode_key(n, k), *val = ts_ynode_val(n, k);
        path_key(sub, sizeof sub, field, key->str, 20);
        if (key_is(key, "code")) {
            if ((rc = parse_code(c, sub, val, &cell->code)) != TS_OK)
                return rc;
            code_node = val;
        } else if (key_is(key, "name")) {
            const char *name = "";
            if (!ts_ynode_is_null(val) &&
                (rc = want_text(c, sub, val, TS_LIMIT_FIELD, &name)) != TS_OK)
                return rc;
            cell->name = name;
        } else if (key_is(key, "officers")) {
            officers = val;
        } else if (child_key && key_is(key, child_key)) {
            children = val;
        } else {
            return fail(c, key, "%s: unknown key (expected code, name, officers%s%s)", sub,
                        child_key ? ", " : "", child_key ? child_key : "");
        }
    }
    if (!code_node)
        return fail(c, n, "%s: missing required key 'code'", field);
    path_key(sub, sizeof sub, field, "code", 4);
    if (parent) {
        size_t pl = strlen(parent->code);
        if (strncmp(cell->code, parent->code, pl) != 0 || strlen(cell->code) <= pl)
            return fail(c, code_node,
                        "%s: '%s' must start with its parent's code '%s' (and be longer)", sub,
                        cell->code, parent->code);
    }
    if (!(cell->code = ts_arena_strdup(&c->g->arena, cell->code)) ||
        !(cell->name = ts_arena_strdup(&c->g->arena, cell->name)))
        return nomem(c);
    if ((rc = index_cell(c, idx, code_node, sub)) != TS_OK)
        return rc;
    if (officers) {
        path_key(sub, sizeof sub, field, "officers", 8);
        if ((rc = parse_officers(c, sub, officers, cell, &cell->officers, &cell->n_officers)) !=
            TS_OK)
            return rc;
    }
    if (children && !ts_ynode_is_null(children)) {
        path_key(sub, sizeof sub, field, child_key, SIZE_MAX);
        if ((rc = parse_cells(c, sub, children, (ts_cell_level)(level + 1), cell)) != TS_OK)
            return rc;
    }
    return TS_OK;
}

static ts_status parse_cells(gctx *c, const char *field, const ts_ynode *seq, ts_cell_level level,
                             const ts_cell *parent)
{
    if (seq->type != TS_Y_SEQ)
        return fail(c, seq, "%s: expected a list, got %s", field, kind_of(seq));
    for (size_t i = 0; i < seq->n; i++) {
        char f[256];
        path_index(f, sizeof f, field, i);
        ts_status rc = parse_cell(c, f, seq->items[i], level, parent);
        if (rc != TS_OK)
            return rc;
    }
    return TS_OK;
}

/* An upper bound of the cells: every item of every towns/villages/groups list. */
static size_t count_cells(const ts_ynode *seq, int level)
{
    if (!seq || seq->type != TS_Y_SEQ)
        return 0;
    size_t n = seq->n;
    if (level < TS_CELL_GROUP)
        for (size_t i = 0; i < seq->n; i++)
            n += count_cells(ts_ynode_get(seq->items[i], level_key[level + 1]), level + 1);
    return n;
}

static size_t seq_len(const ts_ynode *n)
{
    return n && n->type == TS_Y_SEQ ? n->n : 0;
}

/* An upper bound of the officers in the cells of seq (and below). */
static size_t count_officers(const ts_ynode *seq, int level)
{
    size_t n = 0;
    for (size_t i = 0; i < seq_len(seq); i++) {
        n += seq_len(ts_ynode_get(seq->items[i], "officers"));
        if (level < TS_CELL_GROUP)
            n += count_officers(ts_ynode_get(seq->items[i], level_key[level + 1]), level + 1);
    }
    return n;
}

/* Allocates the cells, the code hash table and the officer index for the file, then parses
 * the county desk and the towns. */
static ts_status parse_grid(gctx *c, const ts_ynode *desk, const ts_ynode *towns)
{
    ts_grid *g = c->g;
    c->cap = count_cells(towns, TS_CELL_TOWN);
    c->ocap = seq_len(desk) + count_officers(towns, TS_CELL_TOWN);
    size_t slots = 16;
    while (slots < 2 * c->cap)
        slots *= 2;
    g->cells = ts_arena_calloc(&g->arena, c->cap ? c->cap : 1, sizeof *g->cells);
    g->slots = ts_arena_calloc(&g->arena, slots, sizeof *g->slots);
    g->index = ts_arena_calloc(&g->arena, c->ocap ? c->ocap : 1, sizeof *g->index);
    if (!g->cells || !g->slots || !g->index)
        return nomem(c);
    g->slot_mask = slots - 1;
    ts_status rc = TS_OK;
    if (desk)
        rc = parse_officers(c, "officers", desk, NULL, &g->desk, &g->n_desk);
    if (rc == TS_OK)
        rc = parse_cells(c, "towns", towns, TS_CELL_TOWN, NULL);
    if (rc == TS_OK)
        rc = index_officers(c);
    return rc;
}

ts_status ts_grid_load(const char *path, ts_grid **out, ts_err *err)
{
    ts_ydoc *doc = NULL;
    ts_grid *g = NULL;
    ts_status rc = ts_ydoc_load_file_ex(path, TS_YDOC_REQUIRE_DOC, &doc, err);
    if (rc != TS_OK)
        goto done;
    g = calloc(1, sizeof *g);
    if (!g) {
        rc = ts_err_set(err, TS_NOMEM, path, "out of memory");
        goto done;
    }
    ts_arena_init(&g->arena, TS_LIMIT_ARENA_GRID);
    gctx c = {.doc = doc, .err = err, .g = g};
    const ts_ynode *root = ts_ydoc_root(doc);
    if (root->type != TS_Y_MAP) {
        rc = fail(&c, root, "expected a mapping with county and towns at the top level, got %s",
                  kind_of(root));
        goto done;
    }
    const ts_ynode *county = NULL, *towns = NULL, *desk = NULL;
    for (size_t k = 0; k < root->n; k++) {
        const ts_ynode *key = ts_ynode_key(root, k), *val = ts_ynode_val(root, k);
        if (key_is(key, "county")) {
            county = val;
        } else if (key_is(key, "towns")) {
            towns = val;
        } else if (key_is(key, "officers")) {
            desk = val;
        } else {
            rc = fail(&c, key, "%.64s: unknown key (expected county, officers, towns)", key->str);
            goto done;
        }
    }
    if (!county) {
        rc = fail(&c, root, "county: missing required key");
        goto done;
    }
    const char *cname;
    if ((rc = want_text(&c, "county", county, TS_LIMIT_FIELD, &cname)) != TS_OK)
        goto done;
    if (county->len == 0) {
        rc = fail(&c, county, "county: must not be empty");
        goto done;
    }
    if (!(g->county = ts_arena_strdup(&g->arena, cname))) {
        rc = nomem(&c);
        goto done;
    }
    if (!towns) {
        rc = fail(&c, root, "towns: missing required key");
        goto done;
    }
    if (towns->type == TS_Y_SEQ && towns->n == 0) {
        rc = fail(&c, towns, "towns: the grid needs at least one town");
        goto done;
    }
    if ((rc = parse_grid(&c, desk, towns)) != TS_OK)
        goto done;
    *out = g;
    g = NULL;
done:
    ts_grid_free(g);
    ts_ydoc_free(doc);
    return ts_config_status(rc, err);
}

void ts_grid_free(ts_grid *g)
{
    if (!g)
        return;
    ts_arena_release(&g->arena);
    free(g);
}

const char *ts_grid_county(const ts_grid *g)
{
    return g ? g->county : NULL;
}

size_t ts_grid_count(const ts_grid *g)
{
    return g ? g->n : 0;
}

const ts_cell *ts_grid_cell(const ts_grid *g, size_t i)
{
    return g && i < g->n ? &g->cells[i] : NULL;
}

size_t ts_grid_county_officers(const ts_grid *g, const ts_officer **out)
{
    if (out)
        *out = g ? g->desk : NULL;
    return g ? g->n_desk : 0;
}

static int ent_key_cmp(const void *key, const void *ent)
{
    return strcmp(key, ((const officer_ent *)ent)->id);
}

const ts_officer *ts_grid_officer(const ts_grid *g, const char *id, const ts_cell **cell)
{
    if (!g || !id || g->n_index == 0)
        return NULL;
    const officer_ent *e = bsearch(id, g->index, g->n_index, sizeof *g->index, ent_key_cmp);
    if (!e)
        return NULL;
    if (cell)
        *cell = e->cell;
    return e->officer;
}

bool ts_grid_officer_covers(const ts_cell *officer_cell, const ts_cell *cell)
{
    if (!officer_cell)
        return true; /* the county desk */
    return cell && ts_grid_in_scope(cell, officer_cell);
}

const ts_cell *ts_grid_find(const ts_grid *g, const char *code)
{
    if (!g || !code || !g->slots)
        return NULL;
    for (size_t s = (size_t)hash_str(code) & g->slot_mask;; s = (s + 1) & g->slot_mask) {
        if (!g->slots[s])
            return NULL;
        const ts_cell *cell = &g->cells[g->slots[s] - 1];
        if (strcmp(cell->code, code) == 0)
            return cell;
    }
}

ts_status ts_grid_scope(const ts_grid *g, const char *scope, const ts_cell **out, ts_err *err)
{
    if (!scope || strcmp(scope, "all") == 0) {
        *out = NULL;
        return TS_OK;
    }
    const ts_cell *cell = ts_grid_find(g, scope);
    if (!cell)
        return ts_err_set(err, TS_NOTFOUND, "scope", "unknown grid cell '%.64s'", scope);
    *out = cell;
    return TS_OK;
}

bool ts_grid_in_scope(const ts_cell *cell, const ts_cell *scope)
{
    if (!scope)
        return true;
    for (; cell; cell = cell->parent)
        if (cell == scope)
            return true;
    return false;
}

const ts_cell *ts_grid_ancestor(const ts_cell *cell, ts_cell_level level)
{
    while (cell && cell->level > level)
        cell = cell->parent;
    return cell && cell->level == level ? cell : NULL;
}

ts_status ts_grid_cells_json(const ts_grid *g, const ts_cell *const *scopes, size_t n, ts_buf *out)
{
    ts_jsonw w;
    ts_jsonw_init(&w, out);
    ts_jsonw_arr(&w);
    size_t count = g ? ts_grid_count(g) : 0;
    for (size_t i = 0; i < count; i++) {
        const ts_cell *c = ts_grid_cell(g, i);
        for (size_t k = 0; k < n; k++) {
            if (ts_grid_in_scope(c, scopes[k])) {
                ts_jsonw_str(&w, c->code);
                break;
            }
        }
    }
    for (size_t k = 0; !g && k < n; k++)
        ts_jsonw_str(&w, scopes[k]->code);
    ts_jsonw_arr_end(&w);
    return ts_jsonw_finish(&w);
}

const char *ts_grid_level_name(int level)
{
    switch (level) {
    case TS_CELL_GROUP:
        return "group";
    case TS_CELL_VILLAGE:
        return "village";
    case TS_CELL_TOWN:
        return "town";
    case 0:
        return "county";
    default:
        return "";
    }
}
