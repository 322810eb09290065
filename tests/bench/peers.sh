#!/usr/bin/env bash
# The peers workload (issue 17) side by side in one run, with the ratios the issue's
# targets are stated in: N generated persons (default 1M) and 15 rules, run by
# hand-written C (the floor), by a bare Lua 5.4 host and by triscreen (import, then the
# full, regional and targeted passes), the colour counts checked against the
# workload's expected.py. The workload's folder: TS_PEERS_DIR, default
# ../shared/bench/peers beside the repository (skipped with a message when absent).
# Needs libjansson-dev, liblua5.4-dev, libpcre2-dev, bc (`make bench` installs them).
# TS_PEERS_FLOORS=1 also runs its floors (sqlite3 .import of the same rows flattened,
# parse and HTTP floors; needs wrk). tests/bench/store_floor.sh adds the store's own floor:
# SQLite writing the rows the passes write, in bulk statements. Usage: peers.sh BUILD_DIR [N]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); N=${2:-1000000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
P=${TS_PEERS_DIR:-$SRC/../shared/bench/peers}
if [ ! -x "$P/run.sh" ]; then
    echo "peers: skipped: no peers workload at $P (set TS_PEERS_DIR)"
    exit 0
fi
W=${WORK:-/tmp/triscreen-peers}
mkdir -p "$W/build" "$W/data" "$W/ts"
data=$W/data/persons_${N}_42.jsonl
[ -s "$data" ] || python3 "$P/gen.py" "$N" 42 >"$data"
cf="-O2 -Wall -Wextra"
gcc $cf -o "$W/build/hand" "$P/hand.c" "$P/persons.c" $(pkg-config --cflags --libs jansson libpcre2-8)
gcc $cf -o "$W/build/luahost" "$P/luahost.c" "$P/persons.c" $(pkg-config --cflags --libs jansson libpcre2-8 lua5.4)
cpu() { sed -n 's/.*cpu_s=\([0-9.]*\).*/\1/p' | head -1; }
echo "== hand-written C"
"$W/build/hand" "$data" | tee "$W/hand.out"
echo "== bare Lua host"
"$W/build/luahost" "$data" "$P/rules.lua" --marshal=table | tee "$W/lua.out"
hand=$(cpu <"$W/hand.out") lua=$(cpu <"$W/lua.out")
cd "$W/ts"
cp "$P/triscreen/triscreen.yaml" . && rm -rf rules && cp -r "$P/triscreen/rules" .
[ -s grid.yaml ] || python3 "$P/triscreen/make-grid.py" >grid.yaml
rm -f peers.db peers.db-*
T=$B/triscreen
timed() { # timed LABEL COMMAND...: wall seconds and peak RSS (KB) into $LABEL.time
    local l=$1; shift
    /usr/bin/time -f "%e %M" -o "$l.time" "$@" >/dev/null
    read -r s m <"$l.time"
    printf '%-10s %7.2f s wall, peak RSS %d MB\n' "$l" "$s" $((m / 1024))
}
echo "== triscreen ($N persons)"
"$T" init -c triscreen.yaml >/dev/null
timed import "$T" import -c triscreen.yaml "$data"
# the store's own floor under the passes: SQLite writing the same rows in bulk (on a copy)
floor=$(bash "$SRC/tests/bench/store_floor.sh" peers.db)
echo "$floor"
sf_full=$(echo "$floor" | sed -n 's/.*full \([0-9.]*\) s.*/\1/p')
sf_reg=$(echo "$floor" | sed -n 's/.*regional \([0-9.]*\) s.*/\1/p')
# one command a pass, so each has its own time and peak RSS (the workload's pack has no
# targeted rule: that pass re-decides the listed persons from their regional colours)
passes=""
for pass in full regional targeted; do
    timed "$pass" "$T" screen -c triscreen.yaml --pass "$pass" --now 2026-11-20
    passes="$passes $pass"
done
"$T" lists -c triscreen.yaml --format jsonl | python3 -c '
import json, sys
c = {"red": 0, "yellow": 0, "blue": 0}
for l in sys.stdin:
    c[json.loads(l)["colour"]] += 1
print("triscreen (red yellow blue listed):", c["red"], c["yellow"], c["blue"], sum(c.values()))'
echo "expected  (red yellow blue listed gaps): $(python3 "$P/triscreen/expected.py" "$data")"
echo "== peers: ratios in this run"
sum=0 rss=0
for p in $passes; do
    read -r s m <"$p.time"
    sum=$(echo "$sum + $s" | bc)
    [ "$m" -gt "$rss" ] && rss=$m
done
read -r imp _ <import.time
awk -v h="$hand" -v l="$lua" -v p="$sum" -v i="$imp" -v n="$N" -v m="$rss" -v ps="$passes" \
    -v sf="$sf_full" -v sr="$sf_reg" 'BEGIN {
    printf "floors: hand-written C %.2f s CPU, bare Lua host %.2f s CPU (%.1fx C), the store writing the passes'"'"' rows in bulk %.2f s\n", h, l, l / h, sf + sr
    printf "passes (%s): %.2f s wall = %.2fx the Lua host (target <= 1.5x), %.0fx hand C; peak RSS %.0f MB (target <= 512)\n", substr(ps, 2), p, p / l, p / h, m / 1024
    printf "passes against the store floor plus the Lua host on 2 threads (%.2f s): %.2fx\n", sf + sr + l / 2, p / (sf + sr + l / 2)
    printf "import: %.2f s = %.0f records/s\n", i, n / i
}'
if [ "${TS_PEERS_FLOORS:-0}" = 1 ]; then
    WORK=$W bash "$P/floors/floors.sh" 2>&1 | tee "$W/floors.out"
    sq=$(sed -n 's/^sqlite3 .import .*wall_s=\([0-9.]*\).*/\1/p' "$W/floors.out" | sort -n | head -1)
    [ -n "$sq" ] && awk -v i="$imp" -v s="$sq" 'BEGIN { printf "import vs sqlite3 .import of the same rows flattened: %.2fx (target <= 2x)\n", i / s }'
fi
