#!/usr/bin/env bash
# The whole product on the sample county: a fresh database, the grid, 2,000 fictional
# persons, then a summary. Usage: samples/demo.sh PATH/TO/triscreen
set -euo pipefail
TS=${1:-build/triscreen}
TS=$(cd "$(dirname "$TS")" && pwd)/$(basename "$TS")
cd "$(dirname "$0")"
export TRISCREEN_CONFIG=$PWD/triscreen.yaml
rm -f triscreen.db triscreen.db-wal triscreen.db-shm

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "triscreen init"
"$TS" init
step "triscreen import persons.jsonl"
"$TS" import persons.jsonl
step "triscreen rules check"
"$TS" rules check ../rules
