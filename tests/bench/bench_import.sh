#!/usr/bin/env bash
# Import benchmark: N generated persons (default 1,000,000) from JSON Lines into a fresh
# database. Prints records/s and peak RSS. Usage: bench_import.sh BUILD_DIR [N]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); N=${2:-1000000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=${TS_BENCH_DIR:-/tmp/ts-bench}; mkdir -p "$W"
cp "$SRC/samples/grid.yaml" "$W/grid.yaml"
printf 'database: bench.db\ngrid: grid.yaml\nrules: %s/rules\nnow: 2026-11-25\n' "$SRC" >"$W/triscreen.yaml"
export TRISCREEN_CONFIG=$W/triscreen.yaml
[ -s "$W/p$N.jsonl" ] || "$B/ts-gen" -n "$N" -s 1 -o "$W/p$N.jsonl"
rm -f "$W"/bench.db*
"$B/triscreen" init >/dev/null
/usr/bin/time -f "%e %M" -o "$W/time.txt" "$B/triscreen" import "$W/p$N.jsonl" >"$W/import.out"
read -r secs rss <"$W/time.txt"
cat "$W/import.out"
awk -v n="$N" -v s="$secs" -v r="$rss" 'BEGIN { printf "import: %d records in %.2f s = %.0f records/s, peak RSS %.0f MB\n", n, s, n / s, r / 1024 }'
