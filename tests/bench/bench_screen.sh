#!/usr/bin/env bash
# Screening benchmark: the three passes over N imported persons (run bench_import.sh
# first with the same N), with 1 and 2 threads. Usage: bench_screen.sh BUILD_DIR [N]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); N=${2:-1000000}
W=${TS_BENCH_DIR:-/tmp/ts-bench}
export TRISCREEN_CONFIG=$W/triscreen.yaml
[ -s "$W/bench.db" ] || { echo "run bench_import.sh $1 $N first" >&2; exit 2; }
for t in 1 2; do
    cp "$W/bench.db" "$W/screen$t.db"
    sed "s|^database:.*|database: screen$t.db|" "$W/triscreen.yaml" >"$W/screen$t.yaml"
    /usr/bin/time -f "%e %M" -o "$W/time$t.txt" "$B/triscreen" screen -c "$W/screen$t.yaml" --threads $t --format json >"$W/screen$t.json"
    read -r secs rss <"$W/time$t.txt"
    echo "threads $t: three passes in $secs s wall, peak RSS $((rss / 1024)) MB"
    jq -r '"  \(.pass): \(.persons) persons in \(.seconds) s (\((.persons / (.seconds + 1e-9)) | floor)/s), lists red \(.lists.red) yellow \(.lists.yellow) blue \(.lists.blue)"' "$W/screen$t.json"
    rm -f "$W/screen$t.db"*
done
