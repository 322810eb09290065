#!/usr/bin/env bash
# End-to-end: `triscreen serve` on 127.0.0.1 with a free port, driven by curl + jq —
# every endpoint, 401/403 and scope-leak attempts on each, malformed JSON, oversize body,
# wrong content type, concurrent ingest (nothing lost or doubled), SIGHUP reload under
# load (broken pack keeps the old rules; good pack goes live), SIGTERM drain.
source "$(dirname "$0")/lib.sh"
command -v curl >/dev/null && command -v jq >/dev/null || { echo "skip: curl and jq needed"; exit 0; }
BIN=${TS_SERVE_BIN:-$TRISCREEN}
if ! "$BIN" serve --help >/dev/null 2>&1; then echo "skip: this triscreen has no serve command"; exit 0; fi

C=$WORK/county
new_county "$C"
cp -r "$TS_SOURCE_DIR/rules" "$WORK/rules"
sed -i "s|^rules: .*|rules: $WORK/rules|" "$C/triscreen.yaml"
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
ADMIN=adm-$RANDOM$RANDOM T01=t01-$RANDOM$RANDOM RO=ro-$RANDOM$RANDOM
cat >>"$C/triscreen.yaml" <<EOC
problem_events: [incident_reported, threat_reported, absconded]
service:
  tokens:
    - {name: admin, sha256: $(h "$ADMIN"), scopes: [all], write: true}
    - {name: town1, sha256: $(h "$T01"), scopes: [T01], write: true}
    - {name: reader2, sha256: $(h "$RO"), scopes: [T02], write: false}
EOC
export TRISCREEN_CONFIG=$C/triscreen.yaml
expect_code "init" 0 "$TRISCREEN" init
DB=$C/triscreen.db
LOG=$WORK/serve.log

start_server() {
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
start_server
check "server listening" [ -n "$PORT" ]

# req TOKEN METHOD PATH [BODY [CONTENT-TYPE]] -> body in $WORK/r.json, status echoed
req() {
    local tok=$1 m=$2 p=$3 body=${4-} ct=${5:-application/json}
    local args=(-s -o "$WORK/r.json" -w '%{http_code}' -X "$m")
    [ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
    [ -n "$body" ] && args+=(-H "Content-Type: $ct" --data-binary "$body")
    curl "${args[@]}" "$U$p"
}
J() { jq -r "$@" "$WORK/r.json"; }

# ---- health, auth --------------------------------------------------------------------
expect_eq "healthz without a token" "$(req "" GET /healthz)" 200
expect_eq "healthz database ok" "$(J .database.status)" ok
HASH=$(J .rules_version)
check "healthz shows the live pack hash" [ "${HASH:0:7}" == "sha256:" ]
for ep in "GET /v1/alerts" "GET /v1/persons/P-1" "GET /v1/lists/red" "GET /metrics" \
          "POST /v1/records" "POST /v1/alerts/A-000001/ack" "POST /v1/alerts/A-000001/close" "POST /v1/screen"; do
    set -- $ep
    expect_eq "$ep without a token → 401" "$(req "" "$1" "$2")" 401
    expect_eq "$ep with a bad token → 401" "$(req wrong-secret "$1" "$2")" 401
done
check "401 carries WWW-Authenticate" bash -c "curl -si '$U/v1/alerts' | grep -qi '^WWW-Authenticate: Bearer'"
for ep in "POST /v1/records" "POST /v1/alerts/A-000001/ack" "POST /v1/alerts/A-000001/close" "POST /v1/screen"; do
    set -- $ep
    expect_eq "$ep with a read-only token → 403" "$(req "$RO" "$1" "$2" '{}')" 403
done
expect_eq "unknown route → 404" "$(req "$ADMIN" GET /v1/nothing)" 404
expect_eq "wrong method → 405" "$(req "$ADMIN" DELETE /v1/records)" 405
check "405 names the allowed method" bash -c "curl -si -X PUT -H 'Authorization: Bearer $ADMIN' '$U/v1/alerts' | grep -qi '^Allow: GET'"

# ---- ingest ----------------------------------------------------------------------------
P1='{"id":"P-1","grid":"T01-V01-G01","events":[{"type":"incident_reported","date":"2026-11-20","note":"fight"}]}'
expect_eq "POST one record" "$(req "$ADMIN" POST /v1/records "$P1")" 200
expect_eq "record accepted as new" "$(J '.records[0].status + " " + .records[0].result')" "accepted new"
check "a quick alert before the response" [ "$(J '[.records[0].alerts[] | select(.kind=="quick")] | length')" -ge 1 ]
check "colour change reported" [ "$(J '.records[0].colour_change.from')" == none ]
QUICK1=$(J '.records[0].alerts[] | select(.kind=="quick") | .id')
expect_eq "same record again: unchanged, no new quick alert" "$(req "$ADMIN" POST /v1/records "$P1"; J '.records[0].result + " " + ([.records[0].alerts[] | select(.kind=="quick")] | length | tostring)')" "200unchanged 0"
JL=$'{"id":"P-2","grid":"T02-V01-G01","events":[{"type":"absconded","date":"2026-11-21"}]}\n{"id":"P-3","grid":"T09-V01-G01"}\n{"id":"P-4",\n\n{"id":"P-5","grid":"T01-V01"}\n{"id":"P-6","grid":"T01-V02-G01"}\n'
expect_eq "JSON Lines with bad lines → 200" "$(req "$ADMIN" POST /v1/records "$JL" application/x-ndjson)" 200
expect_eq "per-line verdicts" "$(J '[.records[] | .status] | join(",")')" "accepted,rejected,rejected,rejected,accepted"
expect_eq "rejected lines and fields" "$(J '[.records[] | select(.status=="rejected") | "\(.line):\(.field)"] | join(" ")')" "2:grid 3: 5:grid"
expect_eq "malformed single JSON → 400" "$(req "$ADMIN" POST /v1/records '{"id":')" 400
check "malformed message says so" grep -q "malformed JSON" "$WORK/r.json"
expect_eq "not an object → 400" "$(req "$ADMIN" POST /v1/records '[1,2]')" 400
expect_eq "empty body → 400" "$(req "$ADMIN" POST /v1/records ' ')" 400
expect_eq "wrong content type → 415" "$(req "$ADMIN" POST /v1/records "$P1" text/plain)" 415
head -c 4200000 /dev/zero | tr '\0' 'x' >"$WORK/big"
expect_eq "oversize body → 413" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' --data-binary @"$WORK/big" "$U/v1/records")" 413
expect_eq "oversize chunked body → 413" "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/big" "$U/v1/records")" 413
# scopes on ingest
expect_eq "record outside the token's scope → 403" "$(req "$T01" POST /v1/records '{"id":"P-9","grid":"T02-V01-G01"}')" 403
expect_eq "per-record code 403" "$(J '.records[0].code')" 403
expect_eq "moving an out-of-scope person in → 403" "$(req "$T01" POST /v1/records '{"id":"P-2","grid":"T01-V01-G01"}')" 403
expect_eq "out-of-scope person untouched" "$(sql "$DB" "select grid from persons where id='P-2'")" T02-V01-G01
expect_eq "P-9 not stored" "$(sql "$DB" "select count(*) from persons where id='P-9'")" 0

# ---- feed ------------------------------------------------------------------------------
expect_eq "feed (admin)" "$(req "$ADMIN" GET '/v1/alerts?since=0')" 200
ALL=$(J '.count'); MAX=$(J '.cursor')
check "admin sees alerts of both towns" [ "$(J '[.alerts[].grid[0:3]] | unique | join(",")')" == "T01,T02" ]
req "$T01" GET '/v1/alerts?since=0' >/dev/null
expect_eq "town1 feed holds only T01" "$(J '[.alerts[].grid[0:3]] | unique | join(",")')" T01
check "town1 count is smaller (no leak in counts)" [ "$(J .count)" -lt "$ALL" ]
req "$RO" GET '/v1/alerts?since=0' >/dev/null
expect_eq "reader2 feed holds only T02" "$(J '[.alerts[].grid[0:3]] | unique | join(",")')" T02
expect_eq "bad since → 400" "$(req "$ADMIN" GET '/v1/alerts?since=x')" 400
expect_eq "empty long-poll (wait=1) ends with 200" "$(req "$T01" GET "/v1/alerts?since=$MAX&wait=1")" 200
expect_eq "and returns nothing" "$(J .count)" 0
# a long-poll returns as soon as an alert arrives; an out-of-scope alert does not wake it with data
# wait=60 (the server's maximum): the poll can only end within 30 s by being woken, so that
# proves the wake-up without timing it (a did-not-wait-out bound, not a latency figure)
curl -s -o "$WORK/lp.json" -H "Authorization: Bearer $T01" "$U/v1/alerts?since=$MAX&wait=60" &
LP=$!
sleep 0.3
req "$ADMIN" POST /v1/records '{"id":"P-20","grid":"T02-V02-G01","events":[{"type":"threat_reported","date":"2026-11-22"}]}' >/dev/null
sleep 0.3
check "out-of-scope alert does not answer town1's poll" kill -0 $LP
req "$ADMIN" POST /v1/records '{"id":"P-21","grid":"T01-V03-G01","events":[{"type":"threat_reported","date":"2026-11-22"}]}' >/dev/null
for _ in $(seq 300); do kill -0 $LP 2>/dev/null || break; sleep 0.1; done
lp_ended() { ! kill -0 "$1" 2>/dev/null; }
check "long-poll was woken by the in-scope alert (not its 60 s wait)" lp_ended $LP
kill $LP 2>/dev/null || true
wait $LP 2>/dev/null || true
expect_eq "long-poll got P-21 only" "$(jq -r '[.alerts[].person] | unique | join(",")' "$WORK/lp.json")" P-21

# ---- ack / close (issue 14: the actor is the token's officer) --------------------------------
OUT=$("$TRISCREEN" token add --officer o-t01-v01-g01 --note "test_serve" 2>&1)
G1=$(grep -o 'tso_[A-Za-z0-9_-]\{43\}' <<<"$OUT" | head -1) G1_ID=$(grep -o 'tk-[0-9a-f]\{8\}' <<<"$OUT" | head -1)
check "an officer token for T01-V01-G01" [ -n "$G1" -a -n "$G1_ID" ]
# a running serve takes a new token within about a second
for _ in $(seq 100); do [ "$(req "$G1" GET '/v1/alerts?limit=1')" == 200 ] && break; sleep 0.1; done
expect_eq "the running server accepts the new token" "$(req "$G1" GET '/v1/alerts?limit=1')" 200
QUICK2=$(req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null; J '[.alerts[] | select(.person=="P-2" and .kind=="quick")][0].id')
expect_eq "ack of an alert outside the officer's cells → 403" "$(req "$G1" POST "/v1/alerts/$QUICK2/ack" '{}')" 403
expect_eq "naming the alert" "$(J .field)" alert
expect_eq "unknown alert → 404" "$(req "$G1" POST /v1/alerts/A-999999/ack '{}')" 404
expect_eq "a token without an officer → 403" "$(req "$T01" POST "/v1/alerts/$QUICK1/ack" '{"by":"o-t01-v01-g01"}')" 403
expect_eq "naming the token" "$(J .field)" token
expect_eq "ack malformed JSON → 400" "$(req "$G1" POST "/v1/alerts/$QUICK1/ack" '{"note":')" 400
expect_eq "ack → 200" "$(req "$G1" POST "/v1/alerts/$QUICK1/ack" '{"note":"on it"}')" 200
expect_eq "acknowledged" "$(J .state)" acknowledged
expect_eq "ack again → 409" "$(req "$G1" POST "/v1/alerts/$QUICK1/ack" '{}')" 409
expect_eq "close without note → 400" "$(req "$G1" POST "/v1/alerts/$QUICK1/close" '{"outcome":"confirmed"}')" 400
expect_eq "close → 200" "$(req "$G1" POST "/v1/alerts/$QUICK1/close" '{"outcome":"confirmed","note":"resolved"}')" 200
expect_eq "close again → 409" "$(req "$G1" POST "/v1/alerts/$QUICK1/close" '{"outcome":"confirmed","note":"x"}')" 409
check "ack and close audited with the officer and the token id" [ "$(sql "$DB" "select count(*) from audit where actor='o-t01-v01-g01' and token='$G1_ID' and target='$QUICK1'")" -ge 2 ]

# ---- dossier ----------------------------------------------------------------------------
expect_eq "dossier in scope → 200" "$(req "$T01" GET /v1/persons/P-1)" 200
expect_eq "dossier JSON" "$(J .person)" P-1
NF=$(req "$T01" GET /v1/persons/P-NOPE; cat "$WORK/r.json")
OUT=$(req "$T01" GET /v1/persons/P-2; cat "$WORK/r.json")
expect_eq "out-of-scope dossier answers exactly like an unknown one" "$OUT" "$NF"
check "unknown person is 404" [ "${NF:0:3}" == 404 ]
check "dossier reads audited with the token name" [ "$(sql "$DB" "select count(*) from audit where actor='town1' and target='P-1'")" -ge 1 ]

# ---- lists ------------------------------------------------------------------------------
expect_eq "lists (admin)" "$(req "$ADMIN" GET /v1/lists/yellow)" 200
ALLN=$(J .count)
req "$T01" GET /v1/lists/yellow >/dev/null
expect_eq "town1 lists only T01" "$(J '[.members[].grid[0:3]] | unique | join(",")')" T01
check "town1 count no larger than admin's" [ "$(J .count)" -le "$ALLN" ]
expect_eq "lists scope outside the token → 403" "$(req "$T01" GET '/v1/lists/yellow?scope=T02')" 403
expect_eq "lists scope all for a scoped token → 403" "$(req "$T01" GET '/v1/lists/red?scope=all')" 403
expect_eq "lists scope inside → 200" "$(req "$T01" GET '/v1/lists/yellow?scope=T01-V01')" 200
expect_eq "unknown colour → 404" "$(req "$ADMIN" GET /v1/lists/purple)" 404

# ---- screen -----------------------------------------------------------------------------
expect_eq "screen outside scope → 403" "$(req "$T01" POST /v1/screen '{"scope":"T02"}')" 403
expect_eq "screen malformed → 400" "$(req "$ADMIN" POST /v1/screen '{"pass":')" 400
expect_eq "screen bad pass → 400" "$(req "$ADMIN" POST /v1/screen '{"pass":"sideways"}')" 400
expect_eq "screen (town1, its scope)" "$(req "$T01" POST /v1/screen '{"pass":"full"}')" 200
expect_eq "screen summary" "$(J '.runs[0].pass + " " + .runs[0].scope')" "full T01"
# two at once: one of them gets 409
PIDS=()
for i in 1 2 3 4 5 6; do
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{}' "$U/v1/screen" >"$WORK/sc$i.code" &
    PIDS+=($!)
done
wait "${PIDS[@]}"
expect_eq "concurrent screens answer 200 or 409 only" "$(cat "$WORK"/sc*.code | sort -u | tr '\n' ' ')" "200 409 "

# ---- metrics ----------------------------------------------------------------------------
expect_eq "metrics (admin)" "$(req "$ADMIN" GET /metrics)" 200
check "metrics by route and status" grep -q 'triscreen_http_requests_total{method="POST",route="/v1/records",status="200"}' "$WORK/r.json"
check "latency histogram" grep -q 'triscreen_http_request_duration_seconds_bucket' "$WORK/r.json"
check "records ingested" grep -q '^triscreen_records_ingested_total [1-9]' "$WORK/r.json"
check "alerts by kind" grep -q 'triscreen_alerts_raised_total{kind="quick"} [1-9]' "$WORK/r.json"
check "live pack hash label" grep -q "triscreen_rules_info{hash=\"$HASH\"" "$WORK/r.json"
expect_eq "metrics with a scoped token → 403" "$(req "$T01" GET /metrics)" 403

# ---- concurrent ingest: nothing lost, nothing doubled ------------------------------------
BEFORE=$(sql "$DB" "select count(*) from persons")
req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null; CUR0=$(J .cursor)
PIDS=()
for c in 1 2 3 4; do
    (
        for i in $(seq 1 40); do
            g=T0$(( (i % 3) + 1 ))-V01-G0$(( (i % 4) + 1 ))
            curl -s -o /dev/null -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
                -d "{\"id\":\"C$c-$i\",\"grid\":\"$g\",\"events\":[{\"type\":\"incident_reported\",\"date\":\"2026-11-23\",\"note\":\"c$c\"}]}" \
                "$U/v1/records"
        done
    ) &
    PIDS+=($!)
done
wait "${PIDS[@]}"
expect_eq "160 persons stored" "$(( $(sql "$DB" "select count(*) from persons") - BEFORE ))" 160
curl -s -H "Authorization: Bearer $ADMIN" "$U/v1/alerts?since=$CUR0" >"$WORK/feed.json"
expect_eq "one quick alert per new problem event" "$(jq '[.alerts[] | select(.kind=="quick" and (.person|startswith("C")))] | length' "$WORK/feed.json")" 160
expect_eq "no alert twice in the feed" "$(jq '[.alerts[].cursor] | (length - (unique|length))' "$WORK/feed.json")" 0
expect_eq "quick alerts distinct persons" "$(jq '[.alerts[] | select(.kind=="quick" and (.person|startswith("C"))) | .person] | unique | length' "$WORK/feed.json")" 160
# the ingest runs' counts are gathered per transaction and their next ledger number kept
# in memory (ts_screen_opts.inline_tally): a full run's count still matches its ledger
# rows (one a person; a number used twice would have failed a POST on the ledger's key)
IR="select id from runs where scope = 'ingest' and pass = 'full'"
expect_eq "ingest runs count every evaluated person" \
    "$(sql "$DB" "select sum(persons) from runs where scope = 'ingest' and pass = 'full'")" \
    "$(sql "$DB" "select count(*) from ledger where run in ($IR)")"
check "ingest full runs counted persons" [ "$(sql "$DB" "select sum(persons) from runs where scope = 'ingest' and pass = 'full'")" -ge 160 ]

# ---- SIGHUP reload under load --------------------------------------------------------------
load() { for i in $(seq 1 60); do curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d "{\"id\":\"R$1-$i\",\"grid\":\"T01-V02-G02\"}" "$U/v1/records"; done >"$WORK/load$1"; }
load 1 & L1=$!
echo 'rule { id = "broken", pass = "full", when = function(p) return end' >"$WORK/rules/99_broken.lua"
kill -HUP "$SPID"; sleep 0.5
req "" GET /healthz >/dev/null
expect_eq "broken pack: old rules stay live" "$(J .rules_version)" "$HASH"
check "broken pack: /healthz shows the reload error" [ "$(J .reload_error)" != null ]
check "reload error logged" grep -q "msg=reload-failed" "$LOG"
rm "$WORK/rules/99_broken.lua"
echo '-- a harmless change' >>"$WORK/rules/10_full.lua"
load 2 & L2=$!
kill -HUP "$SPID"; sleep 0.5
req "" GET /healthz >/dev/null
check "good pack: new hash live" [ "$(J .rules_version)" != "$HASH" ]
expect_eq "good pack: error cleared" "$(J .reload_error)" null
wait $L1 $L2
expect_eq "no request failed during reloads" "$(cat "$WORK/load1" "$WORK/load2" | sort -u | tr '\n' ' ')" "200 "
expect_eq "all 120 reload-time records stored" "$(sql "$DB" "select count(*) from persons where id like 'R%'")" 120

# ---- SIGTERM drain ----------------------------------------------------------------------
req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null; CUR=$(J .cursor)
( curl -s -o "$WORK/drain_lp.json" -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$U/v1/alerts?since=$CUR&wait=30" >"$WORK/drain_lp.code" ) &
LP=$!
load 3 & L3=$!
sleep 0.3
kill -TERM "$SPID"
code=0; wait "$SPID" || code=$?
expect_eq "SIGTERM: exit 0" "$code" 0
wait $LP || true; wait $L3 || true
expect_eq "waiting long-poll answered on drain" "$(cat "$WORK/drain_lp.code")" 200
check "drain logged" grep -q "msg=stopped code=0" "$LOG"
check "no 5xx during drain" bash -c "! grep -q '^5' '$WORK/load3'"
expect_eq "every acknowledged record is stored" "$(grep -c '^200$' "$WORK/load3")" "$(sql "$DB" "select count(*) from persons where id like 'R3-%'")"
expect_eq "database intact" "$(sql "$DB" 'pragma integrity_check')" ok
check "log lines never hold record contents" bash -c "! grep -q 'incident_reported\|fight' '$LOG'"
check "one log line per request with route pattern" grep -q 'route=/v1/persons/\* status=200 ms=[0-9.]* token=town1' "$LOG"
finish
