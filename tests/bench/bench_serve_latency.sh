#!/usr/bin/env bash
# Alert latency: POST a problem event at RATE req/s and measure the time until a waiting
# long-poll (GET /v1/alerts?wait=) sees its alert. Prints count, p50/p90/p99/max in ms.
# usage: bench_serve_latency.sh URL TOKEN [COUNT] [RATE]
# The client is tests/bench/bench_latency.c (C, keep-alive, no dependencies), built on demand
# in $TS_BUILD_DIR (default: build-lead under the repository root).
set -euo pipefail
U=$1 TOK=$2 N=${3:-300} RATE=${4:-500}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${TS_BUILD_DIR:-$ROOT/build-lead}
cmake --build "$B" --target bench_latency >/dev/null
HP=${U#*://}
HP=${HP%%/*}
# a per-run tag makes the person ids new, so repeated runs on one database raise alerts again
exec "$B/bench_latency" "$HP" "$TOK" "$N" "$RATE" "$(date +%s)$$"
