#!/usr/bin/env bash
# `diff --rules DIR` benchmark (issue 16): over N imported persons (run bench_import.sh
# first with the same N), the time of a live full + regional pass (the floor, 2 threads),
# then of `diff` replaying that screening with a draft that changes one rule's score;
# prints both, diff's peak RSS and the ratio (target: within 2x). Usage:
# bench_diff.sh BUILD_DIR [N]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); N=${2:-1000000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=${TS_BENCH_DIR:-/tmp/ts-bench}
[ -s "$W/bench.db" ] || { echo "run bench_import.sh $1 $N first" >&2; exit 2; }
cp "$W/bench.db" "$W/diff.db"
sed "s|^database:.*|database: diff.db|" "$W/triscreen.yaml" >"$W/diff.yaml"
export TRISCREEN_CONFIG=$W/diff.yaml TMPDIR=$W
/usr/bin/time -f "%e %M" -o "$W/time_live.txt" "$B/triscreen" screen --threads 2 --pass full --pass regional >/dev/null
"$B/triscreen" screen --threads 2 --pass targeted >/dev/null
rm -rf "$W/draft" && cp -r "$SRC/rules" "$W/draft" && rm -f "$W/draft/README.md"
sed -i '/id = "disputes.escalated_unemployed"/,/score = 30/ s/score = 30/score = 35/' "$W/draft/20_regional.lua"
/usr/bin/time -f "%e %M" -o "$W/time_diff.txt" "$B/triscreen" diff --rules "$W/draft" --format jsonl >"$W/diff.jsonl"
read -r live live_rss <"$W/time_live.txt"
read -r secs rss <"$W/time_diff.txt"
moved=$(tail -1 "$W/diff.jsonl" | jq .totals.moved)
echo "live full + regional pass: $live s wall, peak RSS $((live_rss / 1024)) MB"
echo "diff (replay of full + regional + targeted, both packs): $secs s wall, peak RSS $((rss / 1024)) MB, $moved persons move"
awk -v d="$secs" -v l="$live" 'BEGIN { printf "diff / live full + regional = %.2fx (target <= 2x)\n", d / l }'
rm -f "$W"/diff.db* "$W/diff.jsonl"
