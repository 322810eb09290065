#!/usr/bin/env bash
# The officers' loop at scale: N open alerts (default 1,000,000) over the sample county,
# all past their deadline, then (1) `triscreen escalate` moving every one of them up a
# level in batches, against the floor of one raw SQL UPDATE of the same rows; (2) ingest
# latency while serve's own clock sweep (sla.sweep_seconds: 1) moves them all up again:
# single-record POSTs the whole time — a sweep must not block a write for more than a
# batch; (3) the feed with filters (CLI and HTTP) against the floor of the same SELECT in
# sqlite3. Usage: bench_sweep.sh BUILD_DIR [N]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); N=${2:-1000000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=${TS_BENCH_DIR:-/tmp/ts-bench-sweep}; rm -rf "$W"; mkdir -p "$W"
cp "$SRC/samples/grid.yaml" "$W/grid.yaml"
TOK=bench-sweep-token; H=$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)
WTOK=bench-sweep-writer; WH=$(printf %s "$WTOK" | sha256sum | cut -d' ' -f1)
cat >"$W/triscreen.yaml" <<EOC
database: bench.db
grid: grid.yaml
rules: $SRC/rules
now: 2026-11-25
sla: {sweep_seconds: 1}
service:
  tokens:
    - {name: bench, sha256: $H, scopes: [all], write: false}
    - {name: writer, sha256: $WH, scopes: [all], write: true}
EOC
export TRISCREEN_CONFIG=$W/triscreen.yaml
T=$B/triscreen
"$T" init >/dev/null
"$T" import "$SRC/samples/persons.jsonl" >/dev/null
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
NOW=$(date +%s)
# N open quick alerts, one a person and cell of the samples in turn, all past their
# acknowledgement deadline at the group level
fill() {
    local base
    base=$(sqlite3 "$W/bench.db" "SELECT coalesce(max(seq), 0) FROM alerts")
    sqlite3 "$W/bench.db" >/dev/null <<EOS
PRAGMA journal_mode=WAL;
CREATE TEMP TABLE p AS SELECT row_number() OVER (ORDER BY id) - 1 AS k, id, grid FROM persons;
WITH RECURSIVE x(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM x WHERE i < $N)
INSERT INTO alerts(kind, person, grid, rules, route, created, status, dedup, level,
                   target_level, due, seq)
SELECT 'quick', p.id, p.grid, '[]', '[]', strftime('%Y-%m-%dT%H:%M:%SZ', $NOW - 7200, 'unixepoch'),
       'new', 'quick|' || p.id || '|' || x.i, 0, 3,
       strftime('%Y-%m-%dT%H:%M:%SZ', $NOW - 3600, 'unixepoch'), $base + x.i
FROM x JOIN p ON p.k = x.i % (SELECT count(*) FROM p);
EOS
}
t0=$(date +%s%N); fill; fill_ms=$(ms "$t0")
printf 'alerts generated: %d (%d ms)\n' "$N" "$fill_ms"
cp "$W/bench.db" "$W/floor.db"

cp "$W/bench.db" "$W/cli.db"
sed 's/^database: bench.db/database: cli.db/' "$W/triscreen.yaml" >"$W/cli.yaml"

# (1) the CLI sweep (nothing else running) and its floor
t0=$(date +%s%N)
sqlite3 "$W/floor.db" "UPDATE alerts SET level = level + 1, target_level = target_level - 1,
  route = '[\"o-x\"]', escalated = 'x', due = 'y', seq = seq + 10 * $N + 1000
  WHERE status <> 'closed' AND target_level > 0 AND due <= '9999';" >/dev/null
floor_ms=$(ms "$t0")
t0=$(date +%s%N)
"$T" escalate -c "$W/cli.yaml" --now "@$NOW" >"$W/sweep.out"
sweep_ms=$(ms "$t0")
escalated=$(grep -o '[0-9]\+' "$W/sweep.out" | head -1)
batches=$(( (escalated + 199) / 200 ))
printf 'escalate: %s alerts up one level in %d ms (%.0f alerts/s; %d batches of 200, each followed by a pause as long as it took); floor (one UPDATE) %d ms; ratio %.2f\n' \
    "$escalated" "$sweep_ms" "$(echo "$escalated * 1000 / $sweep_ms" | bc -l)" "$batches" "$floor_ms" \
    "$(echo "$sweep_ms / $floor_ms" | bc -l)"

# (2) serve sweeps the N overdue alerts on its timer while single-record POSTs arrive
"$T" serve --listen 127.0.0.1:0 2>"$W/serve.log" &
SPID=$!
trap 'kill -TERM $SPID 2>/dev/null; wait $SPID 2>/dev/null || true' EXIT
source "$SRC/tests/bench/serve_port.sh"
PORT=$(serve_port "$W/serve.log" 400)
[ -n "$PORT" ] || { echo "serve did not start" >&2; cat "$W/serve.log" >&2; exit 1; }
left() { sqlite3 "$W/bench.db" "SELECT count(*) FROM alerts WHERE target_level = 3 AND due <= strftime('%Y-%m-%dT%H:%M:%SZ', $NOW, 'unixepoch')"; }
rm -f "$W/post.times"
t0=$(date +%s%N); i=0
while :; do
    i=$((i + 1))
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $WTOK" \
        -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$PORT/v1/records" \
        --data "{\"id\":\"BENCH-$i\",\"grid\":\"T01-V01-G01\",\"name\":\"x\"}" >>"$W/post.times"
    if [ $((i % 200)) = 0 ]; then
        [ "$(left)" = 0 ] && break
        [ "$(ms "$t0")" -gt 900000 ] && { echo "serve's sweep did not finish in 15 minutes" >&2; break; }
    fi
done
serve_ms=$(ms "$t0")
printf "serve's sweep: %d alerts up one level within %d ms while POSTing\n" "$N" "$serve_ms"
sort -n "$W/post.times" | awk '{v[NR] = $1}
    END {
        if (!NR) { print "ingest during the sweep: no POST completed"; exit }
        k = int(NR * 0.99) + 1; if (k > NR) k = NR
        printf "ingest during the sweep: %d POSTs, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, v[int(NR * 0.5) + 1] * 1000, v[k] * 1000, v[NR] * 1000
    }'
# the floor for the POSTs: the same POSTs with no sweep running
rm -f "$W/post0.times"
for i in $(seq 2000); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $WTOK" \
        -H 'Content-Type: application/json' -X POST "http://127.0.0.1:$PORT/v1/records" \
        --data "{\"id\":\"IDLE-$i\",\"grid\":\"T01-V01-G01\",\"name\":\"x\"}" >>"$W/post0.times"
done
sort -n "$W/post0.times" | awk '{v[NR] = $1}
    END { k = int(NR * 0.99) + 1; if (k > NR) k = NR
        printf "floor: the same POSTs with no sweep: %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n", NR, v[int(NR * 0.5) + 1] * 1000, v[k] * 1000, v[NR] * 1000 }'

# (3) the feed with filters
best() { # best LABEL CMD...: the best wall time of 3 runs
    local label=$1; shift
    local b=
    for _ in 1 2 3; do
        local t1; t1=$(date +%s%N); "$@" >/dev/null; local m; m=$(ms "$t1")
        if [ -z "$b" ] || [ "$m" -lt "$b" ]; then b=$m; fi
    done
    printf '%-52s %6d ms\n' "$label" "$b"
}
get() { curl -sf -H "Authorization: Bearer $TOK" "http://127.0.0.1:$PORT$1"; }
HEAD=$(sqlite3 "$W/bench.db" "SELECT max(seq) FROM alerts")
best "alerts --scope T01-V01 --state new --limit 100" "$T" alerts --scope T01-V01 --state new --limit 100 --format jsonl
best "alerts --officer o-t01-v01-g01 --limit 100" "$T" alerts --officer o-t01-v01-g01 --limit 100 --format jsonl
best "alerts --kind quick --since HEAD-1000 (the last 1000)" "$T" alerts --kind quick --since $((HEAD - 1000)) --format jsonl
best "GET /v1/alerts?scope=T01-V01&state=new&limit=100" get "/v1/alerts?scope=T01-V01&state=new&limit=100"
best "GET /v1/alerts?since=HEAD-1000&kind=quick" get "/v1/alerts?since=$((HEAD - 1000))&kind=quick"
best "floor: sqlite3 SELECT of 100 rows of T01-V01" sqlite3 "$W/bench.db" \
    "SELECT * FROM alerts WHERE grid LIKE 'T01-V01-%' AND status = 'new' ORDER BY seq LIMIT 100"
best "alerts --stats over all $N" "$T" alerts --stats
