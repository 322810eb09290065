#!/usr/bin/env bash
# The service's two figures of issue 17 (target 4), on a fresh database each: single-record
# POSTs with evaluation (wrk -t2 -c16 -s bench_serve.lua for SECONDS, default 8; target
# >= 10,000 req/s) and the time from a problem event's POST to its alert in a waiting
# long-poll (1,000 events at 500/s through bench_latency; target p99 <= 20 ms). The
# setup is the "Service" recipe of RESULTS.md: the sample grid, the default rules, one
# admin token. Needs wrk. Usage: bench_serve.sh BUILD_DIR [SECONDS]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); S=${2:-8}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
source "$SRC/tests/bench/serve_port.sh"
command -v wrk >/dev/null || { echo "bench_serve: skipped: wrk is not installed"; exit 0; }
cmake --build "$B" --target triscreen bench_latency >/dev/null
TOK=bench-serve-token
W=${TS_BENCH_DIR:-/tmp/ts-bench-serve}
serve() { # serve: a fresh database in $W and a server on a free port ($PORT, $SPID)
    rm -rf "$W"; mkdir -p "$W"
    cp "$SRC/samples/grid.yaml" "$W/grid.yaml"
    cat >"$W/triscreen.yaml" <<EOC
database: triscreen.db
grid: grid.yaml
rules: $SRC/rules
now: 2026-11-25
problem_events: [incident_reported, threat_reported, absconded]
service:
  tokens:
    - {name: admin, sha256: $(printf %s "$TOK" | sha256sum | cut -d' ' -f1), scopes: [all], write: true}
EOC
    export TRISCREEN_CONFIG=$W/triscreen.yaml
    "$B/triscreen" init >/dev/null
    "$B/triscreen" serve --listen 127.0.0.1:0 2>"$W/serve.log" &
    SPID=$!
    PORT=$(serve_port "$W/serve.log")
    [ -n "$PORT" ] || { echo "bench_serve: the server did not start (see $W/serve.log)"; exit 1; }
}
stop() { kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; }
trap stop EXIT
serve
rate=$(TS_TOKEN=$TOK wrk -t2 -c16 -d"${S}s" -s "$SRC/tests/bench/bench_serve.lua" \
    "http://127.0.0.1:$PORT" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
stop
awk -v r="$rate" -v s="$S" 'BEGIN { printf "ingest: %.0f single-record POSTs/s over %d s (target >= 10000: %s)\n", r, s, (r >= 10000 ? "met" : "not met") }'
serve
"$B/bench_latency" "127.0.0.1:$PORT" "$TOK" 1000 500 "$(date +%s)$$" | tee "$W/latency.out"
stop
p99=$(sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p' "$W/latency.out")
[ -n "$p99" ] && awk -v p="$p99" 'BEGIN { printf "long-poll p99: %.2f ms (target <= 20: %s)\n", p, (p <= 20 ? "met" : "not met") }'
exit 0
