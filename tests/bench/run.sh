#!/usr/bin/env bash
# Runs every benchmark (on demand; never part of `make test`). Usage: run.sh BUILD_DIR [N]
set -euo pipefail
B=${1:-build}; N=${2:-1000000}
D=$(dirname "$0")
cmake --build "$B" --target ts-gen triscreen bench_rules bench_parse >/dev/null
echo "== machine"; nproc; grep -m1 "model name" /proc/cpuinfo || true
echo "== import";  "$D/bench_import.sh" "$B" "$N"
echo "== screen";  "$D/bench_screen.sh" "$B" "$N"
echo "== diff --rules (replay of the last screening with a draft)"; "$D/bench_diff.sh" "$B" "$N"
echo "== read side (every read command, HTTP lists/persons)"; "$D/bench_read.sh" "$B" 200000
echo "== the officers' loop (clock sweep over 1M open alerts, ingest during it, the feed)"; "$D/bench_sweep.sh" "$B" "$N"
echo "== rules (in memory, default pack vs hand-written C)"; "$B/bench_rules" "$(dirname "$D")/../rules" || true
echo "== rules (in memory, pack15: 15 rules mirroring ANCHORS.md, vs hand-written C)"; "$B/bench_rules" "$D/pack15" || true
echo "== rules (the same two packs over a population where 94% are suspects)"
"$B/bench_rules" "$(dirname "$D")/../rules" 1000000 --population risky || true
"$B/bench_rules" "$D/pack15" 1000000 --population risky || true
echo "== the service (single-record POSTs with evaluation; problem event -> alert in a long-poll)"; "$D/bench_serve.sh" "$B"
echo "== the peers workload (1M persons where most are suspects; issue 17)"; "$D/peers.sh" "$B" "$N"
echo "== the console (a page of 100 alerts in Chromium; ingest with a console open)"; /usr/bin/python3 "$D/bench_console.py" "$B" || true
