#!/usr/bin/env bash
# End-to-end (issue 16 item 5, at ingest): a shadow judges every record `serve` ingests,
# beside the live pack and over the same inputs, and leaves no trace in the live tables.
# Two copies of one screened county get the same POSTs; one has a shadow. Their lists,
# transitions, alerts, runs and rule errors come out identical; the shadow's judgements
# of the posted persons are stored under the ingest's run, with the draft's colours.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
"$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
"$TRISCREEN" screen >/dev/null
K=$WORK/control
cp -r "$C" "$K"
rm -f "$K"/triscreen.db-*
D=$WORK/draft
cp -r "$TS_SOURCE_DIR/rules" "$D"
sed -i 's/  score = 40,/  list = "red",/' "$D/20_regional.lua" # incidents vote red
expect_code "add a shadow" 0 "$TRISCREEN" shadow add "$D" --name strict --by policy-li
post_all() {
    expect_eq "$1: a new person" "$(req "$ADMIN" POST /v1/records '{"id":"P-SH1","name":"Test","grid":"T01-V01-G01","born":"1990-01-01","attrs":{"open_disputes":1,"employed":true},"events":[{"type":"incident_reported","date":"2026-11-20"}],"notes":"fictional"}')" 200
    expect_eq "$1: a changed person" "$(req "$ADMIN" POST /v1/records "$(head -1 "$TS_SOURCE_DIR/samples/persons.jsonl" | jq -c '.events += [{"type":"incident_reported","date":"2026-11-21"}]')")" 200
}
start_server
check "server with a shadow listening" [ -n "$PORT" ]
post_all "with a shadow"
req "$ADMIN" GET /metrics >/dev/null
check "shadow judgings counted ok" grep -q '^triscreen_shadow_judgings_total{result="ok"} [1-9]' "$WORK/r.json"
check "none failed" grep -q '^triscreen_shadow_judgings_total{result="failed"} 0$' "$WORK/r.json"
stop_server
no_sanitizer_report
export TRISCREEN_CONFIG=$K/triscreen.yaml
start_server
check "control server listening" [ -n "$PORT" ]
post_all "control"
stop_server
live() { sql "$1" "select person, colour, score, reasons from list_members order by person;
  select person, from_colour, to_colour, score, reasons from list_transitions order by id;
  select kind, person, colour, rules, route, status from alerts order by cursor;
  select id, pass, scope, persons, fired, errors from runs order by id;
  select run, person, rule, code from rule_errors order by id;" | sha256sum; }
expect_eq "the live tables are as without the shadow" "$(live "$C/triscreen.db")" "$(live "$K/triscreen.db")"
ingest_run=$(sql "$C/triscreen.db" "select max(id) from runs where scope = 'ingest' and pass = 'full'")
expect_eq "the shadow judged both posted persons under the ingest's run" \
  "$(sql "$C/triscreen.db" "select person || ' ' || run from shadow_judged where name = 'strict' and run = $ingest_run order by person")" \
  "P-000001 $ingest_run
P-SH1 $ingest_run"
expect_eq "the new person is red in the shadow (an incident votes red there)" \
  "$(sql "$C/triscreen.db" "select colour from shadow_judged where name = 'strict' and person = 'P-SH1'")" 3
expect_eq "its live side is the live list's" \
  "$(sql "$C/triscreen.db" "select s.live_colour = coalesce((select case l.colour when 'red' then 3 when 'yellow' then 2 when 'blue' then 1 end from list_members l where l.person = s.person), 0) from shadow_judged s where name = 'strict' and person = 'P-SH1'")" 1
export TRISCREEN_CONFIG=$C/triscreen.yaml
expect_code "report names the posted person" 0 "$TRISCREEN" shadow report strict --format jsonl
check "P-SH1 in the report" grep -q '"person":"P-SH1"' "$WORK/last.out"
finish
