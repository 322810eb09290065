#!/usr/bin/env bash
# Read-side benchmark: N generated persons imported and screened, then every read
# command timed over the whole county (best of 3 runs, output to /dev/null), and the
# HTTP API's list and person endpoints. Usage: bench_read.sh BUILD_DIR [N]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); N=${2:-200000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=${TS_BENCH_DIR:-/tmp/ts-bench-read}/$(basename "$(dirname "$B")")-$(basename "$B"); mkdir -p "$W"
cp "$SRC/samples/grid.yaml" "$W/grid.yaml"
TOK=bench-read-token
H=$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)
cat >"$W/triscreen.yaml" <<EOC
database: bench.db
grid: grid.yaml
rules: $SRC/rules
now: 2026-11-25
service:
  tokens:
    - {name: bench, sha256: $H, scopes: [all], write: false}
EOC
export TRISCREEN_CONFIG=$W/triscreen.yaml
G=${TS_BENCH_DIR:-/tmp/ts-bench-read}/p$N.jsonl
[ -s "$G" ] || "$B/ts-gen" -n "$N" -s 1 -o "$G"
if [ ! -s "$W/bench.db" ]; then
    "$B/triscreen" init >/dev/null
    "$B/triscreen" import "$G" >/dev/null
    "$B/triscreen" screen >/dev/null
fi
best() { # best LABEL CMD...: the best wall time of 3 runs
    local label=$1; shift
    local b=
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
        local ms=$(((t1 - t0) / 1000000))
        if [ -z "$b" ] || [ "$ms" -lt "$b" ]; then b=$ms; fi
    done
    printf '%-34s %6d ms\n' "$label" "$b"
}
P=$("$B/triscreen" lists --colour red --format jsonl | head -200 | jq -r .person)
dossiers() { for p in $P; do "$B/triscreen" dossier "$p" --format json; done; }
best "lists (table)" "$B/triscreen" lists
best "lists --format jsonl" "$B/triscreen" lists --format jsonl
best "ledger --format csv" "$B/triscreen" ledger --format csv
best "due --format jsonl" "$B/triscreen" due --now 2026-12-31 --format jsonl
best "alerts --format jsonl" "$B/triscreen" alerts --format jsonl
best "report --format json" "$B/triscreen" report --format json
best "200 dossiers (json)" dossiers
"$B/triscreen" serve --listen 127.0.0.1:0 2>"$W/serve.log" &
SPID=$!
trap 'kill -TERM $SPID 2>/dev/null; wait $SPID 2>/dev/null || true' EXIT
source "$SRC/tests/bench/serve_port.sh"
PORT=$(serve_port "$W/serve.log")
get() { curl -sf -H "Authorization: Bearer $TOK" "http://127.0.0.1:$PORT$1"; }
persons() { for p in $P; do get "/v1/persons/$p"; done; }
best "GET /v1/lists/yellow" get /v1/lists/yellow
best "GET /v1/alerts?since=0" get "/v1/alerts?since=0"
best "200 × GET /v1/persons/ID" persons
