#!/usr/bin/env bash
# tests/cli/test_caps.sh — caps give clean errors (engine/base/limits.h): a rule pack
# whose files add up to more than TS_LIMIT_RULE_PACK is refused with a message naming
# the limit (a pack right at the limit still fits the pack's arena, TS_LIMIT_ARENA_PACK);
# a token with more than TS_LIMIT_TOKEN_SCOPES scopes is a config error, not a
# silently shortened scope list.
source "$(dirname "$0")/lib.sh"

# 64 files of 1 MiB (TS_LIMIT_RULE_FILE each) = 64 MiB, exactly TS_LIMIT_RULE_PACK:
# read in full (sparse files of NULs, which Lua then rejects file by file)
P=$WORK/pack
mkdir -p "$P"
for i in $(seq -w 1 64); do truncate -s 1M "$P/zz$i.lua"; done
expect_code "a pack of exactly TS_LIMIT_RULE_PACK bytes is read (its files are bad Lua)" 1 \
    "$TRISCREEN" rules check "$P"
check "... every file reaches the Lua parser" test "$(grep -c 'unexpected symbol' "$WORK/last.out" "$WORK/last.err" | awk -F: '{s += $2} END {print s}')" -eq 64
check "... no allocation failed" bash -c "! grep -qi 'out of memory' '$WORK/last.out' '$WORK/last.err'"
# one byte more (a 65th file) is past the limit
printf 'x' >"$P/zz65.lua"
expect_code "one byte past TS_LIMIT_RULE_PACK is refused" 1 "$TRISCREEN" rules check "$P"
check "... naming the file and the limit" \
    grep -q "zz65.lua: the pack's rule files add up to more than 67108864 bytes (the limit)" "$WORK/last.err"
# the sample rules plus 63 MiB of filler: over too, at the file that crosses
rm "$P/zz64.lua" "$P/zz65.lua"
cp "$TS_SOURCE_DIR"/rules/*.lua "$P/"
expect_code "the sample rules plus 63 MiB load up to the limit (bad Lua)" 1 "$TRISCREEN" rules check "$P"
check "... and are not refused for size" bash -c "! grep -q 'add up to more than' '$WORK/last.err'"

# a token with 257 scopes: a config error naming the key
C=$WORK/county
new_county "$C"
scopes=$(for i in $(seq 1 257); do printf 'V%03d,' "$i"; done)
cat >>"$C/triscreen.yaml" <<EOC
service:
  tokens:
    - {name: wide, sha256: $(printf '%064d' 0), scopes: [${scopes%,}], write: false}
EOC
expect_code "a token with 257 scopes is refused" 2 env TRISCREEN_CONFIG="$C/triscreen.yaml" "$TRISCREEN" lists
check "... naming the key and TS_LIMIT_TOKEN_SCOPES" \
    grep -q 'service.tokens\[0\].scopes: more than 256 scopes' "$WORK/last.err"
# 256 scopes are accepted (the codes need not be cells of the grid to be parsed)
scopes=$(for i in $(seq 1 256); do printf 'V%03d,' "$i"; done)
sed -i "s/scopes: \[[^]]*\]/scopes: [${scopes%,}]/" "$C/triscreen.yaml"
TRISCREEN_CONFIG=$C/triscreen.yaml "$TRISCREEN" init >/dev/null 2>"$WORK/init.err" || true
check "... 256 scopes are accepted" bash -c "! grep -q 'scopes' '$WORK/init.err'"

finish
