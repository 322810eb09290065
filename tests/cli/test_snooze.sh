#!/usr/bin/env bash
# End-to-end: snoozes on the sample county. P-000042 is yellow on incident.recent alone
# (score 40); snoozed before the regional pass it stays off the lists with no alert for
# the rule, while the ledger keeps the firing marked with the snooze; at a now past
# --until (the test clock) the rule votes again and the alert is raised. List, end, audit,
# the dossier, and every refusal leaving the table unchanged.
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
T=$TRISCREEN
"$T" init >/dev/null
"$T" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
P=P-000042 OFF=o-t03-v01-g02 # P-000042 lives in T03-V01-G02

# ---- a control county: without the snooze P-000042 is yellow with a detailed alert ----
C0=$WORK/control
new_county "$C0"
TRISCREEN_CONFIG=$C0/triscreen.yaml "$T" init >/dev/null
TRISCREEN_CONFIG=$C0/triscreen.yaml "$T" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
TRISCREEN_CONFIG=$C0/triscreen.yaml "$T" screen >/dev/null
expect_eq "control: $P is yellow on incident.recent" \
    "$(sql "$C0/triscreen.db" "select colour || ' ' || score || ' ' || json_extract(reasons, '\$[0].id') from list_members where person='$P'")" \
    "yellow 40 incident.recent"
expect_eq "control: a detailed alert for incident.recent" \
    "$(sql "$C0/triscreen.db" "select count(*) from alerts a, alert_causes c where c.alert = a.cursor and a.person='$P' and a.kind='detailed' and c.cause='rule:incident.recent'")" 1

# ---- refusals: each leaves the snoozes table unchanged --------------------------------
snoozes() { sql "$DB" "select count(*) || ':' || coalesce(group_concat(id || rule || until || coalesce(ended, '')), '') from snoozes"; }
audits() { sql "$DB" "select count(*) from audit where action like 'snooze.%'"; }
S0=$(snoozes)
expect_eq "no snoozes yet" "$S0" "0:"
add() { "$T" snooze "$@"; }
expect_code "past 180 days: usage" 2 add $P --rule incident.recent --until 2026-05-25 --by $OFF --note n --now 2025-11-25
expect_code "181 days after now: usage" 2 add $P --rule incident.recent --until 2027-05-25 --by $OFF --note n
check "  the message names --until and the cap" grep -q -- "--until: 2027-05-25 is more than 180 days after now (2026-11-25)" "$WORK/last.err"
expect_code "until in the past: usage" 2 add $P --rule incident.recent --until 2026-11-24 --by $OFF --note n
check "  says so" grep -q "in the past" "$WORK/last.err"
expect_code "until not a date: usage" 2 add $P --rule incident.recent --until soon --by $OFF --note n
expect_code "a non-officer: usage" 2 add $P --rule incident.recent --until 2026-12-05 --by mallory --note n
check "  names --by" grep -q -- "--by: 'mallory' is not an officer of the grid" "$WORK/last.err"
expect_code "an officer outside the person's cell: refused" 1 add $P --rule incident.recent --until 2026-12-05 --by o-t01-v01-g01 --note n
check "  says which cells" grep -q "o-t01-v01-g01 may snooze only persons in T01-V01-G01" "$WORK/last.err"
expect_code "an unknown rule: refused" 1 add $P --rule incident.nope --until 2026-12-05 --by $OFF --note n
check "  names the rule" grep -q "no rule 'incident.nope' in the live pack" "$WORK/last.err"
expect_code "an unknown person: refused" 1 add P-999999 --rule incident.recent --until 2026-12-05 --by o-county --note n
expect_code "no --note: usage" 2 add $P --rule incident.recent --until 2026-12-05 --by $OFF
expect_code "an option of another subcommand: usage" 2 add $P --rule incident.recent --until 2026-12-05 --by $OFF --note n --format json
expect_eq "the refusals changed nothing" "$(snoozes)" "$S0"
expect_eq "and audited nothing" "$(audits)" 0
expect_code "snooze --help" 0 "$T" snooze --help
check "  shows the three forms" [ "$(grep -c 'triscreen snooze' "$WORK/last.out")" -eq 3 ]

# ---- snooze, then screen at the same now ----------------------------------------------
"$T" screen --pass full >/dev/null
expect_code "the officer of the group snoozes incident.recent" 0 \
    add $P --rule incident.recent --until 2026-12-05 --by $OFF --note "incident settled, visit booked"
expect_eq "  prints the id" "$(cat "$WORK/last.out")" "snooze S-1: rule incident.recent silenced for $P through 2026-12-05, by $OFF"
expect_eq "  audited with the officer" \
    "$(sql "$DB" "select actor || ' ' || action || ' ' || target || ' ' || detail from audit where action='snooze.add'")" \
    "$OFF snooze.add $P S-1 rule=incident.recent until=2026-12-05"
expect_code "the town's officer may snooze in its groups" 0 \
    add P-000060 --rule disputes.several_open --until 2026-12-01 --by o-t02 --note "mediation under way"
"$T" screen --pass regional >/dev/null
"$T" screen --pass targeted >/dev/null
expect_eq "$P is off the lists" "$(sql "$DB" "select count(*) from list_members where person='$P' and colour <> 'none'")" 0
expect_eq "P-000060 too (its one rule snoozed)" "$(sql "$DB" "select count(*) from list_members where person='P-000060' and colour <> 'none'")" 0
expect_eq "no alert for the snoozed rule" \
    "$(sql "$DB" "select count(*) from alerts a, alert_causes c where c.alert = a.cursor and a.person='$P' and c.cause='rule:incident.recent'")" 0
expect_eq "no detailed alert for $P" "$(sql "$DB" "select count(*) from alerts where person='$P' and kind='detailed'")" 0
REG=$(sql "$DB" "select max(id) from runs where pass='regional'")
expect_eq "the ledger keeps the firing, marked with the snooze" \
    "$(sql "$DB" "select json_extract(rules, '\$[0].id') || ' ' || json_extract(rules, '\$[0].snoozed') from ledger where person='$P' and run=$REG")" \
    "incident.recent 1"
expect_eq "the run still counts the firing" \
    "$(sql "$DB" "select json_extract(summary, '\$.fired.\"incident.recent\"') > 0 from runs where id=$REG")" 1
expect_eq "others are untouched: the same lists as the control but the two persons" \
    "$(sql "$DB" "select count(*) from list_members where colour <> 'none'")" \
    "$(( $(sql "$C0/triscreen.db" "select count(*) from list_members where colour <> 'none'") - 2 ))"

# ---- list ----------------------------------------------------------------------------
expect_code "snooze list" 0 "$T" snooze list
check "  the header" grep -q "^ID  *PERSON  *RULE  *UNTIL  *BY  *CREATED  *TITLE — NOTE" "$WORK/last.out"
check "  S-1 with the title and the note" grep -q "^S-1  *$P  *incident.recent  *2026-12-05 $OFF .*Incident reported in the last 90 days — incident settled, visit booked" "$WORK/last.out"
check "  the count" grep -q "^2 active snoozes on 2026-11-25" "$WORK/last.out"
expect_code "snooze list --format json" 0 "$T" snooze list --format json
expect_eq "  every field" "$(jq -c '.[0] | [.id, .person, .rule, .title, .until, .by, .note, .now, (.created | test("^2[0-9-]+T[0-9:]+Z$"))]' "$WORK/last.out")" \
    "[\"S-1\",\"$P\",\"incident.recent\",\"Incident reported in the last 90 days\",\"2026-12-05\",\"$OFF\",\"incident settled, visit booked\",\"2026-11-25\",true]"
expect_code "snooze list --scope T03" 0 "$T" snooze list --scope T03 --format json
expect_eq "  only T03's" "$(jq -r '[.[].id] | join(",")' "$WORK/last.out")" "S-1"
expect_code "snooze list --scope T02" 0 "$T" snooze list --scope T02 --format json
expect_eq "  only T02's" "$(jq -r '[.[].id] | join(",")' "$WORK/last.out")" "S-2"
expect_code "snooze list --scope T01" 0 "$T" snooze list --scope T01 --format json
expect_eq "  none" "$(cat "$WORK/last.out")" "[]"
expect_code "an unknown scope: usage" 2 "$T" snooze list --scope T99
expect_code "a bad format: usage" 2 "$T" snooze list --format csv
expect_code "on 2026-12-02 S-2 has expired" 0 "$T" snooze list --now 2026-12-02 --format json
expect_eq "  only S-1 is active" "$(jq -r '[.[].id] | join(",")' "$WORK/last.out")" "S-1"

# ---- the dossier ------------------------------------------------------------------------
expect_code "dossier (text)" 0 "$T" dossier $P
check "  shows the active snooze" grep -q "^  S-1  incident.recent  until 2026-12-05  by $OFF  incident settled" "$WORK/last.out"
check "  marks the ledger's rule" grep -q "incident.recent \[.*\] (.*) \[snoozed S-1\]" "$WORK/last.out"
expect_code "dossier (json)" 0 "$T" dossier $P --format json
expect_eq "  snoozes" "$(jq -c '[.snoozes[] | [.id, .rule, .until, .by]]' "$WORK/last.out")" "[[\"S-1\",\"incident.recent\",\"2026-12-05\",\"$OFF\"]]"
expect_eq "  the ledger's rule marked" "$(jq -r '[.ledger[].rules[] | select(.snoozed) | .id + " " + .snoozed] | join(",")' "$WORK/last.out")" "incident.recent S-1"

# ---- expiry by the test clock: past --until the rule votes again -----------------------
"$T" screen --now 2026-12-05 >/dev/null
expect_eq "on the last day it is still snoozed" "$(sql "$DB" "select count(*) from list_members where person='$P' and colour <> 'none'")" 0
"$T" screen --now 2026-12-06 >/dev/null
expect_eq "the day after --until $P is yellow again" "$(sql "$DB" "select colour || ' ' || score from list_members where person='$P'")" "yellow 40"
expect_eq "and the alert for the rule is raised" \
    "$(sql "$DB" "select count(*) from alerts a, alert_causes c where c.alert = a.cursor and a.person='$P' and a.kind='detailed' and c.cause='rule:incident.recent'")" 1
LAST=$(sql "$DB" "select max(id) from runs where pass='regional'")
expect_eq "the ledger records no snooze once expired" "$(sql "$DB" "select count(*) from ledger where person='$P' and run=$LAST")" 0

# ---- end ---------------------------------------------------------------------------------
expect_code "end: a non-officer" 2 "$T" snooze end S-1 --by mallory
expect_code "end: an unknown id" 1 "$T" snooze end S-99 --by $OFF
expect_code "end: not an id" 2 "$T" snooze end nonsense --by $OFF
expect_code "end: an officer outside the cell" 1 "$T" snooze end S-1 --by o-t01
check "  says so" grep -q "o-t01 may end only snoozes of persons in T01" "$WORK/last.err"
expect_eq "nothing ended" "$(sql "$DB" "select count(*) from snoozes where ended is not null")" 0
expect_code "end S-1" 0 "$T" snooze end S-1 --by $OFF --note "no longer needed"
expect_eq "  audited" "$(sql "$DB" "select actor || ' ' || target || ' ' || detail from audit where action='snooze.end'")" "$OFF S-1 S-1 no longer needed"
expect_code "end S-1 again: refused" 1 "$T" snooze end 1 --by $OFF
check "  says so" grep -q "already ended" "$WORK/last.err"
expect_code "snooze list after the end (S-2 expired)" 0 "$T" snooze list --now 2026-12-06 --format json
expect_eq "  no active snooze" "$(cat "$WORK/last.out")" "[]"
# a fresh snooze, ended before the next run: the rule votes at once
add $P --rule incident.recent --until 2026-12-20 --by $OFF --note again --now 2026-12-07 >/dev/null
"$T" screen --now 2026-12-07 >/dev/null
expect_eq "a new snooze silences it again" "$(sql "$DB" "select count(*) from list_members where person='$P' and colour <> 'none'")" 0
"$T" snooze end S-3 --by $OFF --now 2026-12-08 >/dev/null
"$T" screen --now 2026-12-08 >/dev/null
expect_eq "ended, it votes again" "$(sql "$DB" "select colour from list_members where person='$P'")" yellow
finish
