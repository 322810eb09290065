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

# ---- A1: a scoped reader learns nothing about an out-of-scope relative ----------------
# W-T1 (T01, blue) is family of Z-T2 (T02, red), by import (confirmed)
cat >"$WORK/w.jsonl" <<'EOJ'
{"id":"W-T1","name":"Wendy Inside","grid":"T01-V01-G01","attrs":{"listed":1},"relations":[{"id":"Z-T2","kind":"family"}]}
EOJ
"$TRISCREEN" import "$WORK/w.jsonl" >/dev/null
expect_code "screen with W-T1" 0 "$TRISCREEN" screen
expect_eq "W-T1 raised by its T02 relative" "$(colour W-T1)" red
leaks() { grep -c -e Z-T2 -e 'Zed Outside' -e 'T02-' "$1" || true; }  # T02-V…: a cell code, never a time like T02:15
# the alert feed
expect_eq "town1 reads the feed" "$(req "$R1" GET '/v1/alerts?since=0')" 200
cp "$WORK/r.json" "$WORK/feed1.json"
check "the feed has W-T1's detailed alert" grep -q '"person":"W-T1"' "$WORK/feed1.json"
expect_eq "the feed names no out-of-scope person, name or cell" "$(leaks "$WORK/feed1.json")" 0
check "the evidence says a relative outside your scope" grep -q 'a relative outside your scope (family) is red' "$WORK/feed1.json"
check "name and cell in hostile evidence are redacted too" grep -q 'relative a relative outside your scope in a relative outside your scope is red' "$WORK/feed1.json"
expect_eq "the headline counts the outside relative and its highest colour" \
  "$(jq -c '.alerts[] | select(.person=="W-T1" and .kind=="detailed" and .colour=="red") | .headline.circle.outside_scope' "$WORK/feed1.json" | tail -1)" '{"relatives":1,"highest":"red"}'
check "no stored parts or members reach a reader" bash -c "! grep -q -e '\"parts\"' -e '\"members\"' '$WORK/feed1.json'"
# the dossier
expect_eq "town1 reads W-T1's dossier" "$(req "$R1" GET /v1/persons/W-T1)" 200
cp "$WORK/r.json" "$WORK/dossier1.json"
expect_eq "the dossier names no out-of-scope person, name or cell" "$(leaks "$WORK/dossier1.json")" 0
expect_eq "the dossier circle shows nobody" "$(jq -r '.circle | length' "$WORK/dossier1.json")" 0
expect_eq "the record's relations show nobody" "$(jq -r '.record.relations | length' "$WORK/dossier1.json")" 0
expect_eq "the dossier counts the outside relative" "$(jq -c .circle_outside_scope "$WORK/dossier1.json")" '{"relatives":1,"highest":"red"}'
check "the list reasons say a relative outside your scope" grep -q 'a relative outside your scope (family) is red' "$WORK/dossier1.json"
check "no stored parts or members in the dossier" bash -c "! grep -q -e '\"parts\"' -e 'members' '$WORK/dossier1.json'"
# the county desk sees everything as before
expect_eq "admin's dossier names the relative" "$(req "$ADMIN" GET /v1/persons/W-T1; jq -r '.circle[0].person' "$WORK/r.json")" "200Z-T2"
check "admin's evidence is the rule's text" grep -q 'Z-T2 (family) is red' "$WORK/r.json"
"$TRISCREEN" dossier W-T1 --format json >"$WORK/cli.json"
check "the CLI dossier is unscoped" grep -q 'relative Zed Outside in T02-V01-G01 is red' "$WORK/cli.json"
check "no stored parts or members in the CLI dossier" bash -c "! grep -q -e '\"parts\"' -e 'members' '$WORK/cli.json'"
"$TRISCREEN" alerts --format jsonl >"$WORK/cli_alerts.json" 2>/dev/null || "$TRISCREEN" alerts --json >"$WORK/cli_alerts.json"
check "the CLI feed is unscoped" grep -q 'Z-T2 (family) is red' "$WORK/cli_alerts.json"
# the POST response: V-T1 (T01) names Z-T2; inline screening raises V-T1 with an alert
V='{"id":"V-T1","name":"Vera Inside","grid":"T01-V01-G01","attrs":{"listed":1},"relations":[{"id":"Z-T2","kind":"spouse"}]}'
expect_eq "town1 posts V-T1 naming Z-T2" "$(req "$W1" POST /v1/records "$V")" 200
jq -c '.records[0].alerts' "$WORK/r.json" >"$WORK/post_alerts.json"
check "the response carries V-T1's detailed alert" grep -q '"kind":"detailed"' "$WORK/post_alerts.json"
expect_eq "the response's alerts name no out-of-scope person" "$(leaks "$WORK/post_alerts.json")" 0
check "the response's evidence says a relative outside your scope" grep -q 'a relative outside your scope (spouse) is red' "$WORK/post_alerts.json"
stop_server

# ---- reveal_outside_circle: none ------------------------------------------------------
sed -i 's|^service:|service:\n  reveal_outside_circle: none|' "$C/triscreen.yaml"
start_server
expect_eq "town1 reads the feed (none)" "$(req "$R1" GET '/v1/alerts?since=0')" 200
cp "$WORK/r.json" "$WORK/feed2.json"
expect_eq "none: the feed names nobody outside" "$(leaks "$WORK/feed2.json")" 0
check "none: the evidence is withheld" grep -q '"evidence":"(withheld)"' "$WORK/feed2.json"
check "none: no outside count" bash -c "! grep -q -e outside_scope -e 'outside your scope' '$WORK/feed2.json'"
expect_eq "town1 reads W-T1's dossier (none)" "$(req "$R1" GET /v1/persons/W-T1)" 200
check "none: no outside count in the dossier" bash -c "! grep -q -e outside_scope -e 'outside your scope' '$WORK/r.json'"
expect_eq "none: the dossier names nobody outside" "$(leaks "$WORK/r.json")" 0
stop_server
printf 'service:\n  reveal_outside_circle: some\n' >"$WORK/bad.yaml"
sed -i 's|^  reveal_outside_circle: none|  reveal_outside_circle: maybe|' "$C/triscreen.yaml"
expect_code "a bad reveal_outside_circle is a config error" 2 "$TRISCREEN" lists
check "the error names the key" grep -q "service.reveal_outside_circle" "$WORK/last.err"
finish
