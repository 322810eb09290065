#!/usr/bin/env bash
# End-to-end: HTTP ingest honours snoozes. POST /v1/records re-evaluates the person
# inline (ts_screen_inline); a rule snoozed for that person (by the CLI, beside the
# running server) neither votes nor alerts, while the same record without a snooze is
# listed and alerted; the ledger keeps the firing marked; the dossier shows the snooze.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
start_server
check "the server listens" [ -n "$PORT" ]
# two persons of T01-V01-G01, stored first without events
for id in P-SZ1 P-SZ2; do
    expect_eq "POST $id" "$(req "$ADMIN" POST /v1/records "{\"id\":\"$id\",\"grid\":\"T01-V01-G01\"}")" 200
done
expect_code "snooze incident.recent for P-SZ1" 0 "$TRISCREEN" snooze P-SZ1 --rule incident.recent \
    --until 2026-12-10 --by o-t01-v01-g01 --note "reported twice, one incident"
EV='"events":[{"type":"incident_reported","date":"2026-11-20"}]'
for id in P-SZ1 P-SZ2; do
    expect_eq "POST $id with an incident" "$(req "$ADMIN" POST /v1/records "{\"id\":\"$id\",\"grid\":\"T01-V01-G01\",$EV}")" 200
done
expect_eq "P-SZ2 (no snooze) is yellow on incident.recent" \
    "$(sql "$DB" "select colour || ' ' || score || ' ' || json_extract(reasons, '\$[0].id') from list_members where person='P-SZ2'")" \
    "yellow 40 incident.recent"
expect_eq "and alerted for it" \
    "$(sql "$DB" "select count(*) from alerts a, alert_causes c where c.alert = a.cursor and a.person='P-SZ2' and c.cause='rule:incident.recent'")" 1
expect_eq "P-SZ1 (snoozed) is not listed" \
    "$(sql "$DB" "select count(*) from list_members where person='P-SZ1' and colour <> 'none'")" 0
expect_eq "and has no alert for the rule" \
    "$(sql "$DB" "select count(*) from alerts a, alert_causes c where c.alert = a.cursor and a.person='P-SZ1' and c.cause='rule:incident.recent'")" 0
expect_eq "the ledger keeps P-SZ1's firing, marked" \
    "$(sql "$DB" "select count(*) from ledger where person='P-SZ1' and json_extract(rules, '\$[0].id')='incident.recent' and json_extract(rules, '\$[0].snoozed')=1")" 1
expect_eq "GET /v1/persons/P-SZ1" "$(req "$ADMIN" GET /v1/persons/P-SZ1)" 200
expect_eq "  the dossier shows the snooze" "$(J -c '[.snoozes[] | [.id, .rule, .until]]')" '[["S-1","incident.recent","2026-12-10"]]'
expect_eq "  and marks the ledger" "$(J -r '[.ledger[].rules[] | select(.snoozed) | .snoozed] | unique | join(",")')" "S-1"
# ended, the next ingest of the person votes again
expect_code "end S-1" 0 "$TRISCREEN" snooze end S-1 --by o-t01-v01-g01
expect_eq "POST P-SZ1 again" "$(req "$ADMIN" POST /v1/records "{\"id\":\"P-SZ1\",\"grid\":\"T01-V01-G01\",$EV}")" 200
expect_eq "P-SZ1 is yellow now" "$(sql "$DB" "select colour from list_members where person='P-SZ1'")" yellow
stop_server
no_sanitizer_report
finish
