#!/usr/bin/env bash
# tests/cli/test_layout.sh — the source layout shows the architecture (tests/layout.py):
# no include cycle between the files of a module, no include of a higher floor; FILE *
# parameters below the renderers are reported (not failing yet). Also checks, on small
# made-up trees, that each rule catches what it should.
source "$(dirname "$0")/lib.sh"
LAYOUT=$TS_SOURCE_DIR/tests/layout.py

expect_code "the repository's layout" 0 python3 "$LAYOUT" "$TS_SOURCE_DIR"
sed 's/^/  | /' "$WORK/last.out"

# tree ROOT: an empty repository layout with base and record modules
tree() {
    mkdir -p "$1/include/triscreen" "$1/engine/base" "$1/engine/record" "$1/engine/store"
    printf 'int ts_base_fn(void);\n' >"$1/include/triscreen/base.h"
    printf '#include "triscreen/base.h"\nint ts_base_fn(void)\n{\n    return 0;\n}\n' \
        >"$1/engine/base/base.c"
}

T=$WORK/cycle
tree "$T"
printf 'int ts__a(void);\nint ts__b(void);\n' >"$T/engine/record/int.h"
printf '#include "record/int.h"\nint ts__a(void)\n{\n    return ts__b();\n}\n' >"$T/engine/record/a.c"
printf '#include "record/int.h"\nint ts__b(void)\n{\n    return ts__a();\n}\n' >"$T/engine/record/b.c"
expect_code "a cycle a.c <-> b.c through a shared header fails" 1 python3 "$LAYOUT" "$T"
check "... and names the cycle" grep -q 'include cycle in record/: a.c -> b.c -> a.c' "$WORK/last.out"
# one way only: b.c no longer calls back
printf '#include "record/int.h"\nint ts__b(void)\n{\n    return 1;\n}\n' >"$T/engine/record/b.c"
expect_code "the same files depending one way pass" 0 python3 "$LAYOUT" "$T"

T=$WORK/upward
tree "$T"
printf 'int ts_store_fn(void);\n' >"$T/include/triscreen/store.h"
printf '#include "triscreen/store.h"\nint ts_store_fn(void)\n{\n    return 0;\n}\n' \
    >"$T/engine/store/store.c"
printf '#include "triscreen/store.h"\nint ts_rec(void)\n{\n    return ts_store_fn();\n}\n' \
    >"$T/engine/record/rec.c"
expect_code "record including a store header fails" 1 python3 "$LAYOUT" "$T"
check "... and names the include" grep -q 'engine/record/rec.c (record) includes include/triscreen/store.h (store, a higher floor)' "$WORK/last.out"

T=$WORK/unknown
tree "$T"
mkdir -p "$T/engine/misc"
printf 'int ts_misc(void)\n{\n    return 0;\n}\n' >"$T/engine/misc/misc.c"
expect_code "a module missing from the floor table fails" 1 python3 "$LAYOUT" "$T"
check "... and says so" grep -q 'module misc is not in the floor table' "$WORK/last.out"

T=$WORK/fileparam
tree "$T"
printf '#include <stdio.h>\nvoid ts__dump(FILE *out);\n' >"$T/engine/record/dump.h"
expect_code "a FILE * parameter in record/ fails" 1 python3 "$LAYOUT" "$T"
check "... naming the header and line" grep -q 'FAIL: engine/record/dump.h:2: FILE \* parameter' "$WORK/last.out"
printf '#include <stdio.h>\nstatic void dump(int n, FILE *out) { (void)n; (void)out; }\n' >"$T/engine/record/dump.c"
rm "$T/engine/record/dump.h"
expect_code "... and in a .c file" 1 python3 "$LAYOUT" "$T"
printf '#include <stdio.h>\nint rd(const char *p) { FILE *f = fopen(p, "r"); return f ? fclose(f) : 1; }\n' >"$T/engine/record/dump.c"
expect_code "reading an input file is fine" 0 python3 "$LAYOUT" "$T"

finish
