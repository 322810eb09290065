#!/usr/bin/env bash
# End-to-end: a running `serve` picks up a `rules deploy` made beside it, and what it
# judges with the deployed version carries the deploy's note and deployer over HTTP: in
# the person's dossier (GET /v1/persons/ID) and in the alert feed (GET /v1/alerts).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
start_server
check "the server listens" [ -n "$PORT" ]
D=$WORK/draft
cp -r "$WORK/rules" "$D"
sed -i 's/title = "Incident reported in the last 90 days"/title = "Incident in the last 90 days (v2)"/' "$D/20_regional.lua"
expect_code "deploy beside the running server" 0 "$TRISCREEN" rules deploy "$D" --by staff-7 --note "retitled the incident rule"
NEW=$(sed -n 's/^deployed \(sha256:[0-9a-f]*\) .*/\1/p' "$WORK/last.out")
ok=0
for _ in $(seq 50); do
    req "$ADMIN" GET /healthz >/dev/null
    [ "$(J -r .rules_version)" = "$NEW" ] && ok=1 && break
    sleep 0.1
done
check "serve runs the deployed version within 5 s" [ "$ok" = 1 ]
EV='"events":[{"type":"incident_reported","date":"2026-11-20"}]'
expect_eq "POST a person with an incident" "$(req "$ADMIN" POST /v1/records "{\"id\":\"P-DH1\",\"grid\":\"T01-V01-G01\",$EV}")" 200
expect_eq "it is listed" "$(sql "$DB" "select colour from list_members where person='P-DH1'")" yellow
expect_eq "GET /v1/persons/P-DH1" "$(req "$ADMIN" GET /v1/persons/P-DH1)" 200
expect_eq "  the dossier names the deployed version" "$(J -r .rules_version)" "$NEW"
expect_eq "  with its note and deployer" "$(J -r '.rules_note + "|" + .rules_by')" "retitled the incident rule|staff-7"
expect_eq "  and the new title" "$(J -r '[.list.reasons[]? | select(.id == "incident.recent") | .title] | first')" "Incident in the last 90 days (v2)"
expect_eq "GET /v1/alerts" "$(req "$ADMIN" GET '/v1/alerts?person=P-DH1')" 200
expect_eq "  the alert carries the note" \
    "$(J -r '[.alerts[] | select(.person == "P-DH1") | .rules_note + "|" + .rules_by] | unique | join(",")')" \
    "retitled the incident rule|staff-7"
stop_server
no_sanitizer_report
finish
