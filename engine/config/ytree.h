/* config/ytree.h — a hardened YAML loader: libyaml events → an immutable node tree.
 * The only user of yaml.h. Used by config, grid, the YAML record reader and the rule
 * test cases.
 *
 * Hostile-input policy (libyaml 0.2.5 itself enforces none of these):
 *  - file size <= TS_LIMIT_YAML_FILE, nesting depth <= TS_LIMIT_YAML_DEPTH,
 *    scalar length <= TS_LIMIT_YAML_SCALAR, aliases <= TS_LIMIT_YAML_ALIASES,
 *    nodes (counting every alias as the full size of the node it names)
 *    <= TS_LIMIT_YAML_NODES, so a "billion laughs" file fails fast in flat memory;
 *  - an alias to an anchor whose node is still open (a cycle, `a: &x [*x]`) is refused;
 *  - duplicate keys in a mapping are refused;
 *  - at most one document; an empty stream (no document) loads with a NULL root,
 *    unless TS_YDOC_REQUIRE_DOC asks for it to be refused;
 *  - tags other than the YAML core ones (!!str, !!int, !!float, !!bool, !!null, !!map,
 *    !!seq) are refused.
 * Aliases share the anchored node (the tree is a DAG); nothing is copied. */
#ifndef TS_CONFIG_YTREE_H
#define TS_CONFIG_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "triscreen/status.h"

typedef enum { TS_Y_SCALAR = 1, TS_Y_SEQ = 2, TS_Y_MAP = 3 } ts_ytype;

typedef struct ts_ynode ts_ynode;
struct ts_ynode {
    ts_ytype type;
    uint32_t line, col; /* 1-based position of the node's start */
    size_t start, end;  /* byte offsets of the node's source text */
    /* scalar */
    const char *str; /* NUL-terminated (may contain NULs from escapes: use len) */
    size_t len;
    bool plain; /* an unquoted plain scalar (so `null`, `true`, `12` are typed) */
    /* sequence: items[0..n); mapping: items[2i] = key (a scalar), items[2i+1] = value */
    ts_ynode **items;
    size_t n; /* number of items (seq) or pairs (map) */
};

typedef struct ts_ydoc ts_ydoc;

/* Loads a file. `name` in errors is the path. Errors: "path:line:col: message". */
ts_status ts_ydoc_load_file(const char *path, ts_ydoc **out, ts_err *err) TS_MUST_CHECK;
/* Loads from memory; name is used in error locations. */
ts_status ts_ydoc_load_mem(const char *name, const char *buf, size_t len, ts_ydoc **out,
                           ts_err *err) TS_MUST_CHECK;
/* Load options (flags for the _ex variants; the plain loaders use flags 0).
 *  By default an empty stream (an empty file, or only comments and whitespace) loads
 *  successfully with ts_ydoc_root() == NULL. TS_YDOC_REQUIRE_DOC refuses it instead
 *  (TS_PARSE "empty stream: no YAML document"). A document that is present but empty
 *  (`---` alone, or `~`) never gives NULL: its root is a null scalar. */
#define TS_YDOC_REQUIRE_DOC 1u
ts_status ts_ydoc_load_file_ex(const char *path, unsigned flags, ts_ydoc **out,
                               ts_err *err) TS_MUST_CHECK;
ts_status ts_ydoc_load_mem_ex(const char *name, const char *buf, size_t len, unsigned flags,
                              ts_ydoc **out, ts_err *err) TS_MUST_CHECK;

/* The root node; NULL for an empty stream (no document at all). */
const ts_ynode *ts_ydoc_root(const ts_ydoc *d);
/* The document's source text (for slicing raw rows by start/end offsets). */
const char *ts_ydoc_text(const ts_ydoc *d, size_t *len);
const char *ts_ydoc_name(const ts_ydoc *d);
void ts_ydoc_free(ts_ydoc *d);

/* Mapping lookup; NULL when map is not a mapping or the key is absent. */
const ts_ynode *ts_ynode_get(const ts_ynode *map, const char *key);
/* Typed scalar readings (YAML 1.2 core schema for plain scalars). Return false if the
 * node is not a scalar of that type. */
bool ts_ynode_is_null(const ts_ynode *n);
bool ts_ynode_bool(const ts_ynode *n, bool *out);
bool ts_ynode_int(const ts_ynode *n, int64_t *out);
bool ts_ynode_number(const ts_ynode *n, double *out);
/* Formats "name:line:col" for n into buf (d or n may be NULL: "?" / line 0). */
const char *ts_ynode_where(const ts_ydoc *d, const ts_ynode *n, char *buf, size_t cap);

/* True when n is a non-null scalar whose text has no embedded NUL: a usable C string.
 * (A plain `null`, `~` or empty scalar is not a string; `"null"` and `""` are.) */
bool ts_ynode_is_str(const ts_ynode *n);
/* Mapping pair i: its key (a scalar node) and its value; NULL when i is out of range
 * or map is not a mapping. */
const ts_ynode *ts_ynode_key(const ts_ynode *map, size_t i);
const ts_ynode *ts_ynode_val(const ts_ynode *map, size_t i);

#endif
