#!/usr/bin/env bash
# End-to-end: the officers' loop over HTTP (issue 14) — officer tokens from `triscreen
# token add --officer`, the actor taken from the token and never from the body, a T03
# officer refused on a T01 alert (403, nothing changed, audited), claim/ack/close/reopen
# with their 400/403/404/409, two concurrent claim-next calls getting different alerts,
# the feed's filters and cursor validation (400 with the head), one problem event → one
# quick alert in a waiting long-poll, GET /v1/alerts/ID with its history, /metrics, and
# the clock sweep on the serve timer.
source "$(dirname "$0")/lib.sh"
CONFIG_EXTRA=$'sla:\n  sweep_seconds: 1'
source "$(dirname "$0")/serve_lib.sh"

# officer tokens: the secret is printed once ("tso_…"), the id is "tk-…"
add_token() { # add_token OFFICER -> "SECRET ID"
    local out
    out=$("$TRISCREEN" token add --officer "$1" --note "test $1" 2>&1) || { echo "token add $1 failed: $out" >&2; return 1; }
    echo "$(grep -o 'tso_[A-Za-z0-9_-]\{43\}' <<<"$out" | head -1) $(grep -o 'tk-[0-9a-f]\{8\}' <<<"$out" | head -1)"
}
read -r G1 G1_ID <<<"$(add_token o-t01-v01-g01)"
read -r V1 V1_ID <<<"$(add_token o-t01-v01)"
read -r TWN1 TWN1_ID <<<"$(add_token o-t01)"
read -r T3 T3_ID <<<"$(add_token o-t03)"
all_set() { for v in "$@"; do [ -n "$v" ] || return 1; done; }
check "officer tokens made" all_set "$G1" "$G1_ID" "$V1" "$TWN1" "$T3" "$T3_ID"

start_server
check "server listening" [ -n "$PORT" ]

# ---- one problem event → exactly one quick alert, seen by a waiting long-poll --------------
req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null
HEAD=$(J .cursor)
curl -s -o "$WORK/lp.json" --max-time 90 -H "Authorization: Bearer $G1" "$U/v1/alerts?since=$HEAD&kind=quick&wait=60" &
LP=$!
sleep 0.3
check "the long-poll waits" kill -0 $LP
P1='{"id":"P-1","grid":"T01-V01-G01","events":[{"type":"threat_reported","date":"2026-11-20","note":"threat at the market"}]}'
expect_eq "POST a record with a problem event" "$(req "$ADMIN" POST /v1/records "$P1")" 200
for _ in $(seq 300); do kill -0 $LP 2>/dev/null || break; sleep 0.1; done
check "the long-poll was woken (not its 60 s wait)" bash -c "! kill -0 $LP 2>/dev/null"
wait $LP 2>/dev/null || true
expect_eq "the long-poll got exactly one quick alert" "$(jq -r '[.alerts[] | select(.kind=="quick")] | length' "$WORK/lp.json")" 1
expect_eq "for P-1" "$(jq -r '.alerts[0].person' "$WORK/lp.json")" P-1
A1=$(jq -r '.alerts[0].id' "$WORK/lp.json")
expect_eq "one quick alert stored for P-1 (the problem event and threat.recent share it)" \
    "$(sql "$DB" "select count(*) from alerts where person='P-1' and kind='quick'")" 1
check "the quick alert carries the ingest's run" [ "$(jq -r '.alerts[0].run' "$WORK/lp.json")" -gt 0 ]
check "the quick alert carries its triggering event" grep -q 'threat_reported' "$WORK/lp.json"

# more alerts in T01-V01 for claim-next, and one in T03
for i in 2 3 4; do
    req "$ADMIN" POST /v1/records "{\"id\":\"P-$i\",\"grid\":\"T01-V01-G0$i\",\"events\":[{\"type\":\"absconded\",\"date\":\"2026-11-2$i\"}]}" >/dev/null
done
req "$ADMIN" POST /v1/records '{"id":"P-30","grid":"T03-V01-G01","events":[{"type":"threat_reported","date":"2026-11-22"}]}' >/dev/null
A30=$(J '.records[0].alerts[] | select(.kind=="quick") | .id')
check "a T03 alert raised" [ -n "$A30" ]

# ---- who may act ---------------------------------------------------------------------------
audit_n() { sql "$DB" "select count(*) from audit"; }
STATE() { req "$ADMIN" GET "/v1/alerts/$1" >/dev/null; J .alert.status; }
N0=$(audit_n)
expect_eq "T03 officer acks a T01 alert → 403" "$(req "$T3" POST "/v1/alerts/$A1/ack" '{"note":"mine"}')" 403
expect_eq "the refusal names the alert" "$(J .field)" alert
expect_eq "the alert is unchanged" "$(STATE "$A1")" new
check "the refused attempt is audited with the officer and the token" \
    [ "$(sql "$DB" "select count(*) from audit where actor='o-t03' and token='$T3_ID' and action like 'alert.ack.refused%' and target='$A1'")" -ge 1 ]
expect_eq "a token without an officer → 403" "$(req "$ADMIN" POST "/v1/alerts/$A1/claim" '{}')" 403
expect_eq "naming the token" "$(J .field)" token
expect_eq "… and its message" "$(J .error)" "this token is not bound to an officer"
expect_eq "claim with a body naming someone else → 200" "$(req "$G1" POST "/v1/alerts/$A1/claim" '{"by":"o-t03","note":"taking it"}')" 200
expect_eq "the answer gives the state" "$(J .state)" claimed
expect_eq "the actor is the token's officer, not the body's" "$(J .alert.claimed_by)" o-t01-v01-g01
check "audited as the officer with the token id" \
    [ "$(sql "$DB" "select count(*) from audit where actor='o-t01-v01-g01' and token='$G1_ID' and target='$A1'")" -ge 1 ]
expect_eq "nothing audited for the body's name" "$(sql "$DB" "select count(*) from audit where actor='o-t03' and target='$A1' and action not like '%refused%'")" 0
expect_eq "claim again → 409" "$(req "$G1" POST "/v1/alerts/$A1/claim" '{}')" 409
expect_eq "unknown alert → 404" "$(req "$G1" POST /v1/alerts/A-999999/ack '{}')" 404
expect_eq "bad outcome → 400" "$(req "$G1" POST "/v1/alerts/$A1/close" '{"outcome":"maybe","note":"x"}')" 400
expect_eq "naming outcome" "$(J .field)" outcome
expect_eq "ack → 200" "$(req "$G1" POST "/v1/alerts/$A1/ack" '{"note":"on my way"}')" 200
expect_eq "acknowledged" "$(J .state)" acknowledged
expect_eq "close without an outcome → 400" "$(req "$G1" POST "/v1/alerts/$A1/close" '{"note":"done"}')" 400
expect_eq "naming outcome" "$(J .field)" outcome
expect_eq "close without a note → 400" "$(req "$G1" POST "/v1/alerts/$A1/close" '{"outcome":"confirmed"}')" 400
expect_eq "naming note" "$(J .field)" note
expect_eq "still acknowledged" "$(STATE "$A1")" acknowledged
expect_eq "close → 200" "$(req "$G1" POST "/v1/alerts/$A1/close" '{"outcome":"confirmed","note":"talked to him"}')" 200
expect_eq "closed" "$(J .state)" closed
expect_eq "ack of a closed alert → 409" "$(req "$G1" POST "/v1/alerts/$A1/ack" '{}')" 409
expect_eq "reopen without a note → 400" "$(req "$V1" POST "/v1/alerts/$A1/reopen" '{}')" 400
expect_eq "naming note" "$(J .field)" note
expect_eq "reopen by the village officer → 200" "$(req "$V1" POST "/v1/alerts/$A1/reopen" '{"note":"he is back"}')" 200
expect_eq "new again" "$(J .state)" new

# ---- GET /v1/alerts/ID -------------------------------------------------------------------
expect_eq "show → 200" "$(req "$G1" GET "/v1/alerts/$A1")" 200
expect_eq "show gives the alert" "$(J .alert.id)" "$A1"
expect_eq "and its history, who did what" "$(J '[.history[] | .what] | join(",")' | sed 's/,evidence//g')" "raised,claimed,acknowledged,closed,reopened"
check "the history names the officers" [ "$(J '[.history[] | select(.what=="claimed") | .by][0]')" == o-t01-v01-g01 ]
expect_eq "show out of the token's scope → 404" "$(req "$T3" GET "/v1/alerts/$A1")" 404
NF=$(cat "$WORK/r.json")
expect_eq "the same answer as an unknown alert" "$(req "$T3" GET /v1/alerts/A-999999 >/dev/null; cat "$WORK/r.json")" "$NF"

# ---- claim-next: two at once get different alerts -------------------------------------------
curl -s -o "$WORK/cn1.json" -w '%{http_code}' -H "Authorization: Bearer $TWN1" -H 'Content-Type: application/json' --data-binary '{"kind":"quick"}' "$U/v1/alerts/claim-next" >"$WORK/cn1.code" &
C1=$!
curl -s -o "$WORK/cn2.json" -w '%{http_code}' -H "Authorization: Bearer $V1" -H 'Content-Type: application/json' --data-binary '{"kind":"quick"}' "$U/v1/alerts/claim-next" >"$WORK/cn2.code" &
C2=$!
wait $C1 $C2
expect_eq "both claim-next calls → 200" "$(cat "$WORK/cn1.code") $(cat "$WORK/cn2.code")" "200 200"
ID1=$(jq -r .id "$WORK/cn1.json") ID2=$(jq -r .id "$WORK/cn2.json")
check "they got different alerts ($ID1, $ID2)" [ -n "$ID1" -a "$ID1" != null -a "$ID1" != "$ID2" ]
expect_eq "each claimed by its caller" "$(jq -r .alert.claimed_by "$WORK/cn1.json") $(jq -r .alert.claimed_by "$WORK/cn2.json")" "o-t01 o-t01-v01"
check "neither got the T03 alert" [ "$ID1" != "$A30" -a "$ID2" != "$A30" ]
expect_eq "claim-next with a bad kind → 400" "$(req "$G1" POST /v1/alerts/claim-next '{"kind":"urgent"}')" 400
expect_eq "naming kind" "$(J .field)" kind
for _ in 1 2 3 4 5 6; do req "$G1" POST /v1/alerts/claim-next '{}' >/dev/null; done
expect_eq "claim-next when none is left in the officer's cells → 404" "$(req "$G1" POST /v1/alerts/claim-next '{}')" 404
check "it says so" grep -q "no unclaimed alert in the cells of o-t01-v01-g01" "$WORK/r.json"

# ---- the feed: filters and cursors ------------------------------------------------------------
req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null
HEAD=$(J .cursor)
expect_eq "a malformed cursor → 400" "$(req "$ADMIN" GET '/v1/alerts?since=abc')" 400
expect_eq "naming since" "$(J .field)" since
expect_eq "with the head" "$(J .cursor)" "$HEAD"
expect_eq "a cursor past the head → 400" "$(req "$G1" GET "/v1/alerts?since=$((HEAD + 1))")" 400
expect_eq "with the head" "$(J .cursor)" "$HEAD"
expect_eq "the head itself → 200" "$(req "$G1" GET "/v1/alerts?since=$HEAD")" 200
expect_eq "and nothing after it" "$(J .count)" 0
# close one alert (the town officer's) so that every state is there to filter
expect_eq "ack ID1" "$(req "$TWN1" POST "/v1/alerts/$ID1/ack" '{}')" 200
expect_eq "close ID1" "$(req "$TWN1" POST "/v1/alerts/$ID1/close" '{"outcome":"false_positive","note":"not him"}')" 200
req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null
check "the unfiltered feed holds several kinds" [ "$(J '[.alerts[].kind] | unique | length')" -ge 2 ]
check "and several states" [ "$(J '[.alerts[].status] | unique | length')" -ge 3 ]
ALLN=$(J .count)
expect_eq "kind=quick → 200" "$(req "$ADMIN" GET '/v1/alerts?kind=quick')" 200
check "only quick alerts, fewer than all" [ "$(J '[.alerts[] | select(.kind!="quick")] | length')" -eq 0 -a "$(J .count)" -ge 5 -a "$(J .count)" -lt "$ALLN" ]
expect_eq "kind=early" "$(req "$ADMIN" GET '/v1/alerts?kind=early' >/dev/null; J '[.alerts[] | select(.kind!="early")] | length')" 0
expect_eq "a bad kind → 400 naming kind" "$(req "$ADMIN" GET '/v1/alerts?kind=urgent'; J .field)" "400kind"
req "$ADMIN" GET '/v1/alerts?state=claimed' >/dev/null
check "state=claimed: only claimed alerts" [ "$(J '[.alerts[] | select(.status!="claimed")] | length')" -eq 0 -a "$(J .count)" -ge 2 ]
expect_eq "state=acked is acknowledged" "$(req "$ADMIN" GET '/v1/alerts?state=acked'; J '[.alerts[] | select(.status!="acknowledged")] | length')" "2000"
expect_eq "a bad state → 400 naming state" "$(req "$ADMIN" GET '/v1/alerts?state=done'; J .field)" "400state"
req "$ADMIN" GET '/v1/alerts?state=open&kind=quick' >/dev/null
check "state=open: none closed" [ "$(J '[.alerts[] | select(.status=="closed")] | length')" -eq 0 -a "$(J .count)" -ge 1 ]
expect_eq "state=closed: the one closed" "$(req "$ADMIN" GET '/v1/alerts?state=closed' >/dev/null; J '[.alerts[].id] | join(",")')" "$ID1"
expect_eq "its outcome" "$(J '.alerts[0].outcome')" false_positive
expect_eq "limit=1 → one alert" "$(req "$ADMIN" GET '/v1/alerts?limit=1' >/dev/null; J .count)" 1
C1ST=$(J .cursor)
expect_eq "its cursor is that alert's" "$C1ST" "$(J '.alerts[0].cursor')"
expect_eq "limit=0 → 400 naming limit" "$(req "$ADMIN" GET '/v1/alerts?limit=0'; J .field)" "400limit"
req "$ADMIN" GET '/v1/alerts?officer=o-t01-v01&state=claimed' >/dev/null
check "officer=: alerts routed to or claimed by that officer" [ "$(J .count)" -ge 1 ]
expect_eq "an unknown officer → 400" "$(req "$ADMIN" GET '/v1/alerts?officer=ghost'; J .field)" "400officer"
expect_eq "scope=T03 for a T01 officer → 403" "$(req "$G1" GET '/v1/alerts?scope=T03'; J .field)" "403scope"
req "$ADMIN" GET '/v1/alerts?scope=T03' >/dev/null
expect_eq "scope=T03 for admin: only T03" "$(J '[.alerts[].grid[0:3]] | unique | join(",")')" T03
req "$T3" GET '/v1/alerts?since=0' >/dev/null
expect_eq "a T03 officer's feed holds only T03" "$(J '[.alerts[].grid[0:3]] | unique | join(",")')" T03
expect_eq "created_since in the future → nothing" "$(req "$ADMIN" GET '/v1/alerts?created_since=2999-01-01' >/dev/null; J .count)" 0
expect_eq "a bad created_since → 400" "$(req "$ADMIN" GET '/v1/alerts?created_since=yesterday'; J .field)" "400created_since"
req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null
check "feed entries carry the rule titles" jq -e '[.alerts[].rules[]?.title | select(. != null)] | length > 0' "$WORK/r.json"

# ---- /metrics and the clock sweep on the serve timer -----------------------------------------
expect_eq "metrics → 200" "$(req "$ADMIN" GET /metrics)" 200
check "overdue per level" grep -q '^triscreen_alerts_overdue{level="county"} ' "$WORK/r.json"
check "overdue per level (group)" grep -q '^triscreen_alerts_overdue{level="group"} ' "$WORK/r.json"
check "closure ratio" grep -q '^triscreen_alerts_closure_ratio ' "$WORK/r.json"
check "open per kind and state" grep -q '^triscreen_alerts_open{kind="quick",state="claimed"} [1-9]' "$WORK/r.json"
sweeps() { req "$ADMIN" GET /metrics >/dev/null; grep '^triscreen_alert_sweeps_total{result="ok"} ' "$WORK/r.json" | cut -d' ' -f2; }
S0=$(sweeps)
for _ in $(seq 100); do [ "$(sweeps)" -gt "${S0:-0}" ] && break; sleep 0.1; done
check "the serve timer runs the clock sweep (sla.sweep_seconds: 1)" [ "$(sweeps)" -gt "${S0:-0}" ]
expect_eq "an officer token may not read /metrics" "$(req "$G1" GET /metrics)" 403
expect_eq "nor ingest" "$(req "$G1" POST /v1/records '{"id":"P-40","grid":"T01-V01-G01"}')" 403

no_sanitizer_report
finish
