#!/usr/bin/env bash
# End-to-end: SIGKILL in the middle of a 200k-row import leaves a consistent database,
# and re-running the same import converges to the same content as a clean import.
source "$(dirname "$0")/lib.sh"
N=${TS_KILL_ROWS:-200000}
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
"$TRISCREEN" init >/dev/null
"$GEN" -n "$N" -s 11 -o "$WORK/big.jsonl"

"$TRISCREEN" import "$WORK/big.jsonl" >"$WORK/import1.out" 2>&1 &
pid=$!
# wait until some batches are committed, then kill without warning
for _ in $(seq 1 600); do
    n=$(sql "$C/triscreen.db" "select count(*) from persons" 2>/dev/null || echo 0)
    [ "${n:-0}" -ge 10000 ] && break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
partial=$(sql "$C/triscreen.db" "select count(*) from persons")
echo "killed after $partial persons were committed"
check "killed mid-way (some but not all rows committed)" [ "$partial" -gt 0 ] 
expect_eq "integrity check after SIGKILL" "$(sql "$C/triscreen.db" 'pragma integrity_check')" ok
BATCH=$(sed -n 's/^#define TS_LIMIT_IMPORT_BATCH \([0-9]*\)u.*/\1/p' "$TS_SOURCE_DIR/engine/base/limits.h")
check "committed batches are whole (multiple of the batch size $BATCH, or all)" [ $((partial % BATCH)) -eq 0 -o "$partial" -eq "$N" ]

expect_code "re-run of the same import" 0 "$TRISCREEN" import "$WORK/big.jsonl"
expect_eq "re-run converges to all rows" "$(sql "$C/triscreen.db" "select count(*) from persons")" "$N"

C2=$WORK/clean
new_county "$C2"
TRISCREEN_CONFIG=$C2/triscreen.yaml "$TRISCREEN" init >/dev/null
TRISCREEN_CONFIG=$C2/triscreen.yaml "$TRISCREEN" import "$WORK/big.jsonl" >/dev/null
snap() { sql "$1" "select id, digest from persons order by id; select count(*) from relations;" | sha256sum; }
expect_eq "same content as an uninterrupted import" "$(snap "$C/triscreen.db")" "$(snap "$C2/triscreen.db")"
finish
