#!/usr/bin/env bash
# The peers workload (issue 17) side by side in one run, with the ratios the issue's
# targets are stated in: 1M generated persons and 15 rules, run by hand-written C (the
# floor), by a bare Lua 5.4 host and by triscreen (import, full, regional, targeted);
# the colour counts checked against the workload's expected.py. Needs the workload's
# folder (TS_PEERS_DIR, default ../shared/bench/peers beside the repository; skipped with
# a message when it is not there) and libjansson-dev, liblua5.4-dev, libpcre2-dev, bc
# (`make bench` installs them). TS_PEERS_FLOORS=1 also runs its floors (sqlite3 .import
# of the same rows flattened, parse and HTTP floors; needs wrk). Usage:
# peers.sh BUILD_DIR [N]
set -euo pipefail
B=$(cd "${1:-build}" && pwd); N=${2:-1000000}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
P=${TS_PEERS_DIR:-$SRC/../shared/bench/peers}
if [ ! -x "$P/run.sh" ]; then
    echo "peers: skipped: no peers workload at $P (set TS_PEERS_DIR)"
    exit 0
fi
export WORK=${WORK:-/tmp/triscreen-peers}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
bash "$P/run.sh" "$B/triscreen" "$N" 2>&1 | tee "$OUT"
field() { sed -n "s/^RESULT engine=$1 .*$2=\([0-9.]*\).*/\1/p" "$OUT" | head -1; }
step() { sed -n "s/^$1 *\([0-9.]*\) s$/\1/p" "$OUT" | head -1; }
hand=$(field hand.c cpu_s)
lua=$(sed -n 's/^RESULT engine=\([^ ]*\) .*cpu_s=\([0-9.]*\).*/\1 \2/p' "$OUT" | awk '$1 != "hand.c" { print $2; exit }')
imp=$(step import) full=$(step full) reg=$(step regional) tgt=$(step targeted)
rss=$(sed -n 's/.*peak RSS \([0-9]*\) KB.*/\1/p' "$OUT" | head -1)
echo "== peers: ratios in this run"
awk -v h="$hand" -v l="$lua" -v i="$imp" -v f="$full" -v r="$reg" -v t="$tgt" -v n="$N" -v m="${rss:-0}" 'BEGIN {
    p = f + r + t
    printf "floors: hand-written C %.2f s CPU, bare Lua host %.2f s CPU (%.1fx C)\n", h, l, l / h
    printf "three passes: %.2f s wall (full %.2f, regional %.2f, targeted %.2f) = %.2fx the Lua host (target <= 1.5x), %.0fx hand C\n", p, f, r, t, p / l, p / h
    printf "full pass again: peak RSS %.0f MB (target <= 512 MB)\n", m / 1024
    printf "import: %.2f s = %.0f records/s\n", i, n / i
}'
if [ "${TS_PEERS_FLOORS:-0}" = 1 ]; then
    bash "$P/floors/floors.sh" 2>&1 | tee "$OUT.floors"
    sq=$(sed -n 's/^sqlite3 .import .*wall_s=\([0-9.]*\).*/\1/p' "$OUT.floors" | sort -n | head -1)
    [ -n "$sq" ] && awk -v i="$imp" -v s="$sq" 'BEGIN { printf "import vs sqlite3 .import of the same rows flattened: %.2fx (target <= 2x)\n", i / s }'
    rm -f "$OUT.floors"
fi
