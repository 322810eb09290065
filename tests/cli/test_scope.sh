#!/usr/bin/env bash
# End-to-end (issue 12 A1, A2): what a scoped token can see and change through the
# service. A2: a relation a T01 writer declares to a T02 person counts in the T01
# person's circle but does not move the T02 person until a writer covering T02 (or an
# import) confirms it; the POST response says it is pending. A1: a T01 reader learns
# nothing about an out-of-scope relative — no id, name, colour or cell — in the alert
# feed, the dossier, the POST response or the lists; only the count (and the highest
# colour) when service.reveal_outside_circle is count, nothing when none.
# Pack: tests/cli/data/cascade (seeds red, listed blue, red relation raises to red).
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null && command -v jq >/dev/null || { echo "skip: curl and jq needed"; exit 0; }
BIN=${TS_SERVE_BIN:-$TRISCREEN}
if ! "$BIN" serve --help >/dev/null 2>&1; then echo "skip: this triscreen has no serve command"; exit 0; fi

C=$WORK/county
new_county "$C"
sed -i "s|^rules:.*|rules: $TS_SOURCE_DIR/tests/cli/data/cascade|" "$C/triscreen.yaml"
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
ADMIN=adm-$RANDOM$RANDOM W1=w1-$RANDOM$RANDOM W2=w2-$RANDOM$RANDOM R1=r1-$RANDOM$RANDOM
cat >>"$C/triscreen.yaml" <<EOC
service:
  tokens:
    - {name: admin, sha256: $(h "$ADMIN"), scopes: [all], write: true}
    - {name: town1-writer, sha256: $(h "$W1"), scopes: [T01], write: true}
    - {name: town2-writer, sha256: $(h "$W2"), scopes: [T02], write: true}
    - {name: town1-reader, sha256: $(h "$R1"), scopes: [T01], write: false}
EOC
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
LOG=$WORK/serve.log
"$TRISCREEN" init >/dev/null
# Y-T2 lives in T02 and is listed blue; Z-T2 is T02 and red (a seed)
cat >"$WORK/base.jsonl" <<'EOJ'
{"id":"Y-T2","name":"Yuki Outside","grid":"T02-V01-G01","attrs":{"listed":1}}
{"id":"Z-T2","name":"Zed Outside","grid":"T02-V01-G01","attrs":{"seed":1}}
EOJ
"$TRISCREEN" import "$WORK/base.jsonl" >/dev/null
"$TRISCREEN" screen >/dev/null
colour() { sql "$DB" "select ifnull((select colour from list_members where person='$1'), 'none')"; }
expect_eq "Y-T2 starts blue" "$(colour Y-T2)" blue

start_server() {
    : >"$LOG"
    "$BIN" serve --listen 127.0.0.1:0 2>>"$LOG" &
    SPID=$!
    for _ in $(seq 100); do
        PORT=$(grep -o 'msg=listening addr=127.0.0.1:[0-9]*' "$LOG" | tail -1 | cut -d: -f2 || true)
        [ -n "$PORT" ] && break
        sleep 0.05
    done
    U=http://127.0.0.1:$PORT
}
stop_server() { kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; }
trap 'stop_server; rm -rf "$WORK"' EXIT
req() {
    local tok=$1 m=$2 p=$3 body=${4-}
    local args=(-s -o "$WORK/r.json" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $tok")
    [ -n "$body" ] && args+=(-H "Content-Type: application/json" --data-binary "$body")
    curl "${args[@]}" "$U$p"
}
J() { jq -r "$@" "$WORK/r.json"; }
start_server
check "server listening" [ -n "$PORT" ]

# ---- A2: a scoped write cannot move an out-of-scope person -----------------------------
X='{"id":"X-T1","name":"Xavier Inside","grid":"T01-V01-G01","attrs":{"seed":1},"relations":[{"id":"Y-T2","kind":"family"}]}'
expect_eq "town1 posts X-T1 naming Y-T2 (T02) as family" "$(req "$W1" POST /v1/records "$X")" 200
expect_eq "the response says the relation is pending" "$(J -c '.records[0].relations_pending')" \
  '[{"id":"Y-T2","kind":"family","status":"pending"}]'
N='{"id":"N-T1","name":"Nobody Yet","grid":"T01-V01-G02","relations":[{"id":"NOT-STORED","kind":"family"}]}'
expect_eq "town1 posts a relation to a person not stored" "$(req "$W1" POST /v1/records "$N")" 200
expect_eq "pending too: the answer does not tell whether the id exists" \
  "$(J -c '[.records[0].relations_pending[].id]')" '["NOT-STORED"]'
expect_code "screen after the scoped write" 0 "$TRISCREEN" screen
expect_eq "Y-T2 did not move" "$(colour Y-T2)" blue
expect_eq "the relation counts in X-T1's circle" \
  "$("$TRISCREEN" dossier X-T1 --format json | jq -r '[.circle[].person] | join(",")')" "Y-T2"
expect_eq "but not in Y-T2's" "$("$TRISCREEN" dossier Y-T2 --format json | jq -r '.circle | length')" 0

T1B='{"id":"X-T1","name":"Xavier Inside","grid":"T01-V01-G01","attrs":{"seed":1},"relations":[{"id":"Y-T2","kind":"family"}]}'
expect_eq "town1 posting it again does not confirm it" "$(req "$W1" POST /v1/records "$T1B")" 200
expect_eq "still pending" "$(J -r '.records[0].relations_pending[0].status')" pending
Y='{"id":"Y-T2","name":"Yuki Outside","grid":"T02-V01-G01","attrs":{"listed":1},"relations":[{"id":"X-T1","kind":"family"}]}'
expect_eq "town2 (covers Y-T2) declares the relation too" "$(req "$W2" POST /v1/records "$Y")" 200
expect_eq "town2's response has nothing pending" "$(J -r '.records[0].relations_pending // "none"')" none
expect_code "screen after the confirmation" 0 "$TRISCREEN" screen
expect_eq "confirmed: Y-T2 now sees X-T1" "$(colour Y-T2)" red

# an import confirms too
cat >"$WORK/n.jsonl" <<'EOJ'
{"id":"NOT-STORED","name":"Now Stored","grid":"T03-V01-G01","relations":[{"id":"N-T1","kind":"family"}]}
EOJ
"$TRISCREEN" import "$WORK/n.jsonl" >/dev/null
expect_eq "an import confirms a pending relation" \
  "$(sql "$DB" "select count(*) from relations where pending_for is not null")" 0
finish
