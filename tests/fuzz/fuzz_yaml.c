/* tests/fuzz/fuzz_yaml.c — libFuzzer target for the hardened YAML loader
 * (config/ytree: ts_ydoc_load_mem and the typed scalar helpers). Not part of the
 * default CMake build.
 *
 * Build and run (from the repository root; clang with libFuzzer):
 *   clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Iengine \
 *     tests/fuzz/fuzz_yaml.c engine/config/ytree.c engine/base/arena.c \
 *     engine/base/text.c engine/base/status.c -lyaml -lnettle -o fuzz_yaml
 *   mkdir -p corpus && cp ../shared/testdata/yaml/valid/[0-9A-Z]*.yaml corpus/
 *   ./fuzz_yaml -max_len=65536 -timeout=5 -rss_limit_mb=512 corpus
 * Every input must either load or be refused with a location; nothing may crash,
 * hang, leak or grow memory with alias expansion. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/ytree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visits every node reachable from n once per path, bounded by the node budget the
 * loader enforced (aliases are shared, so a DAG walk is what consumers do). */
static size_t walk(const ts_ynode *n, int depth)
{
    if (!n || depth > 200)
        return 0;
    size_t count = 1;
    if (n->type == TS_Y_SCALAR) {
        bool b;
        int64_t i;
        double d;
        (void)ts_ynode_is_null(n);
        (void)ts_ynode_bool(n, &b);
        (void)ts_ynode_int(n, &i);
        (void)ts_ynode_number(n, &d);
        (void)ts_ynode_is_str(n);
        return count;
    }
    size_t items = n->type == TS_Y_MAP ? 2 * n->n : n->n;
    for (size_t k = 0; k < items && count < 100000; k++)
        count += walk(n->items[k], depth + 1);
    if (n->type == TS_Y_MAP && n->n)
        (void)ts_ynode_get(n, n->items[0]->str);
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ts_ydoc *d = NULL;
    ts_err err;
    unsigned flags = size && (data[0] & 1) ? TS_YDOC_REQUIRE_DOC : 0;
    ts_status rc = ts_ydoc_load_mem_ex("fuzz.yaml", (const char *)data, size, flags, &d, &err);
    if (rc == TS_OK) {
        const ts_ynode *root = ts_ydoc_root(d);
        (void)walk(root, 0);
        size_t len;
        const char *text = ts_ydoc_text(d, &len);
        if (root && (root->start > len || root->end > len || !text))
            __builtin_trap();
        char where[64];
        (void)ts_ynode_where(d, root, where, sizeof where);
        ts_ydoc_free(d);
    } else if (d != NULL || err.where[0] == '\0') {
        __builtin_trap(); /* a refusal writes no output and always names a location */
    }
    return 0;
}
