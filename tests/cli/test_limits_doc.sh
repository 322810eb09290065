#!/usr/bin/env bash
# tests/cli/test_limits_doc.sh — caps in one place: every TS_LIMIT_ name is defined once,
# in engine/base/limits.h, and README.md's "Limits" table lists every one of them (and
# no name that limits.h lacks). Arenas created with cap 0 (= 1 GiB) are reported.
source "$(dirname "$0")/lib.sh"
LIMITS=$TS_SOURCE_DIR/engine/base/limits.h
README=$TS_SOURCE_DIR/README.md

limit_names() { grep -oE '^#define TS_LIMIT_[A-Z0-9_]+' "$1" | sed 's/^#define //' | sort -u; }
limits_section() { awk '/^## Limits/ {on = 1; next} on && /^## / {exit} on' "$1"; }
# doc_problems LIMITS README: one line per cap missing from the table or unknown to it
doc_problems() {
    local names doc
    names=$(limit_names "$1")
    doc=$(limits_section "$2" | grep -oE 'TS_LIMIT_[A-Z0-9_]+' | sort -u || true)
    comm -23 <(echo "$names") <(echo "$doc") | grep . | sed 's/^/missing from the README Limits table: /' || true
    comm -13 <(echo "$names") <(echo "$doc") | grep . | sed 's/^/in the README but not in limits.h: /' || true
}

n=$(limit_names "$LIMITS" | wc -l)
check "limits.h names its caps ($n)" test "$n" -gt 50
out=$(doc_problems "$LIMITS" "$README")
check "the README Limits table lists every cap of limits.h, and only those" test -z "$out"
[ -z "$out" ] || echo "$out" >&2

# the check itself: a README missing a cap, or naming an unknown one, is caught
grep -v 'TS_LIMIT_RULE_TITLE' "$README" | sed '/^## Limits/a | `TS_LIMIT_NO_SUCH` | a stale name | 1 |' >"$WORK/README.md"
out=$(doc_problems "$LIMITS" "$WORK/README.md")
check "... a table missing a cap is caught" grep -q 'missing from the README Limits table: TS_LIMIT_RULE_TITLE' <<<"$out"
check "... a table naming an unknown cap is caught" grep -q 'in the README but not in limits.h: TS_LIMIT_NO_SUCH' <<<"$out"

# one definition: no TS_LIMIT_ name is #defined anywhere else
others=$(grep -rnE '#[[:space:]]*define[[:space:]]+TS_LIMIT_' "$TS_SOURCE_DIR/engine" "$TS_SOURCE_DIR/include" \
    "$TS_SOURCE_DIR/tests" --include='*.[ch]' | grep -v '^[^:]*engine/base/limits.h:' || true)
check "no TS_LIMIT_ cap is defined outside limits.h" test -z "$others"
[ -z "$others" ] || echo "$others" >&2
dups=$(limit_names "$LIMITS" | while read -r nm; do
    c=$(grep -cE "^#define $nm\b" "$LIMITS"); [ "$c" -eq 1 ] || echo "$nm"; done)
check "each cap is defined once" test -z "$dups"

# every arena takes a named cap: none at cap 0 (1 GiB) or an inline number
unnamed=$(grep -rnE 'ts_arena_init\([^,]+, *(0|\(size_t\) *[0-9]+|[0-9]+u?)( *<<[^)]*)?\);' \
    "$TS_SOURCE_DIR/engine" --include='*.c' | sed "s|$TS_SOURCE_DIR/||" || true)
check "every arena is created with a named cap" test -z "$unnamed"
[ -z "$unnamed" ] || echo "$unnamed" >&2
# the check itself: cap 0 and an inline cap are caught
printf 'ts_arena_init(&a, 0);\nts_arena_init(&a, (size_t)64 << 20);\nts_arena_init(&a, TS_LIMIT_ARENA_JOB);\n' >"$WORK/arenas.c"
check "... an arena at cap 0 or an inline cap is caught" test "$(grep -cE 'ts_arena_init\([^,]+, *(0|\(size_t\) *[0-9]+|[0-9]+u?)( *<<[^)]*)?\);' "$WORK/arenas.c")" -eq 2

finish
