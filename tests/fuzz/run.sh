#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS
# (default 60) over the conformance suites as seed corpora. On demand only; never part
# of `make test`. Usage: tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-60}
OUT=${TS_FUZZ_DIR:-/tmp/ts-fuzz}; mkdir -p "$OUT"
TD=../shared/testdata
SRC="engine/record/[a-z]*.c engine/base/[a-z]*.c engine/config/[a-z]*.c engine/grid/[a-z]*.c"
LIBS="$(pkg-config --cflags --libs json-c yaml-0.1 nettle) -lcsv -lunistring -lm"
for t in jsonl csv yaml jfast; do
    # shellcheck disable=SC2086
    clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
        -Iinclude -Iengine -Itests/unit "tests/fuzz/fuzz_$t.c" $SRC $LIBS -o "$OUT/fuzz_$t"
done
mkdir -p "$OUT/corpus_jsonl" "$OUT/corpus_csv" "$OUT/corpus_yaml" "$OUT/corpus_jfast"
"$OUT/fuzz_jfast" -max_total_time="$SECS" -max_len=4096 "$OUT/corpus_jfast" "$TD/json" samples
"$OUT/fuzz_jsonl" -max_total_time="$SECS" -max_len=4096 "$OUT/corpus_jsonl" "$TD/json"
"$OUT/fuzz_csv"   -max_total_time="$SECS" -max_len=4096 "$OUT/corpus_csv" "$TD/csv"
"$OUT/fuzz_yaml"  -max_total_time="$SECS" -max_len=4096 "$OUT/corpus_yaml" "$TD/yaml/valid" "$TD/yaml/invalid"
# the rule host's bytecode scan: only upscan.c, no Lua library needed at link time
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Iengine $(pkg-config --cflags lua5.4 libpcre2-8) \
    tests/fuzz/fuzz_upscan.c engine/rulehost/upscan.c -o "$OUT/fuzz_upscan"
mkdir -p "$OUT/corpus_upscan"
"$OUT/fuzz_upscan" -max_total_time="$SECS" -max_len=4096 "$OUT/corpus_upscan"
# rule files: the whole rule host (Lua statically when Debian's archive is there), seeds
# from the default pack and the hostile test packs
LUA_LIB=$(pkg-config --variable=libdir lua5.4)/liblua5.4.a
[ -f "$LUA_LIB" ] || LUA_LIB=$(pkg-config --libs lua5.4)
# shellcheck disable=SC2046,SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
    -Iinclude -Iengine $(pkg-config --cflags lua5.4 libpcre2-8 nettle) \
    tests/fuzz/fuzz_rules.c engine/rulehost/[a-z]*.c engine/regex/[a-z]*.c engine/base/[a-z]*.c \
    engine/config/[a-z]*.c \
    $LUA_LIB $(pkg-config --libs libpcre2-8 nettle yaml-0.1) -lunistring -lm -ldl -o "$OUT/fuzz_rules"
mkdir -p "$OUT/corpus_rules" "$OUT/seed_rules"
cp rules/*.lua tests/unit/rulehost/packs/*/*.lua "$OUT/seed_rules/"
"$OUT/fuzz_rules" -max_total_time="$SECS" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    "$OUT/corpus_rules" "$OUT/seed_rules"
