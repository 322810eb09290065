#!/usr/bin/env bash
# tests/cli/test_rules_stats.sh — `triscreen rules stats` on the sample county: every
# figure is checked against an independent sqlite3 query of the database; a review that
# confirms / clears moves the shares; an alert closed as false_positive counts; --since
# filters by the run's day; a rule that never fired is listed as silent.
source "$(dirname "$0")/lib.sh"

C=$WORK/county
new_county "$C"
cd "$C"
TS() { local cmd=$1; shift; "$TRISCREEN" "$cmd" -c "$C/triscreen.yaml" "$@"; }
RS() { "$TRISCREEN" rules stats -c "$C/triscreen.yaml" "$@"; }
DB=triscreen.db

expect_code "init" 0 TS init
expect_code "import" 0 TS import "$TS_SOURCE_DIR/samples/persons.jsonl"
expect_code "screen" 0 TS screen

stat() { # stat RULE FIELD [ARGS...]: one figure of the JSON report
    local r=$1 f=$2; shift 2
    RS --format json "$@" | jq -r --arg r "$r" --arg f "$f" \
        '.rules[] | select(.id == $r) | .[$f]'
}
# persons a rule fired for, from the tables themselves
FIRED_SQL="SELECT person FROM ledger l, json_each(l.rules) j WHERE json_extract(j.value, '\$.id') = :r
  UNION SELECT person FROM ledger l, json_each(l.gaps) j WHERE CASE j.type WHEN 'object' THEN json_extract(j.value, '\$.id') ELSE j.value END = :r
  UNION SELECT person FROM list_members m, json_each(m.reasons) j WHERE json_extract(j.value, '\$.id') = :r
  UNION SELECT person FROM list_transitions t, json_each(t.reasons) j WHERE json_extract(j.value, '\$.id') = :r"
q() { # q RULE SQL-using-fired(person)
    sql "$DB" "WITH fired(person) AS ($(printf %s "$FIRED_SQL" | sed "s/:r/'$1'/g")) $2"
}

# the report names every rule of the pack with its title
expect_eq "stats: one row per rule of the pack" "$(RS --format json | jq '.rules | length')" \
    "$(grep -c '^rule {' "$TS_SOURCE_DIR"/rules/*.lua | awk -F: '{s += $2} END {print s}')"
expect_eq "stats: title beside the id" "$(stat notes.violence title)" "Notes mention violence against others"
check "stats text: header and titles" grep -q '^notes.violence .*Notes mention violence against others$' <(RS)

for r in disputes.open notes.violence checkins.missed gap.home_visit threat.recent; do
    expect_eq "$r: persons" "$(stat $r persons)" "$(q $r 'SELECT count(*) FROM fired')"
    expect_eq "$r: listed" "$(stat $r listed)" \
        "$(q $r "SELECT count(*) FROM fired f WHERE EXISTS (SELECT 1 FROM list_members m WHERE m.person = f.person AND m.colour IN ('red','yellow','blue'))")"
    expect_eq "$r: alerts" "$(stat $r alerts)" \
        "$(sql $DB "SELECT count(*) FROM alert_causes WHERE cause = 'rule:$r'")"
done
expect_eq "full rule firings = run summary" "$(stat disputes.open firings)" \
    "$(sql $DB "SELECT sum(json_extract(summary, '\$.fired.\"disputes.open\"')) FROM runs")"
check "a share below one: disputes.open" test "$(stat disputes.open listed_share)" != 1

# reviews after the firing: a confirm and a clear
P1=$(q notes.violence "SELECT f.person FROM fired f JOIN list_members m ON m.person = f.person ORDER BY f.person LIMIT 1")
P2=$(q notes.violence "SELECT f.person FROM fired f JOIN list_members m ON m.person = f.person ORDER BY f.person LIMIT 1 OFFSET 1")
expect_eq "no review yet" "$(stat notes.violence confirmed)/$(stat notes.violence cleared)" "0/0"
expect_code "review confirm" 0 TS review "$P1" --by o-county --outcome confirm --note "seen" --now 2026-11-26
expect_code "review clear" 0 TS review "$P2" --by o-county --outcome clear --note "moved" --now 2026-11-26
n=$(stat notes.violence persons)
expect_eq "confirm counts" "$(stat notes.violence confirmed)" "1"
expect_eq "clear counts" "$(stat notes.violence cleared)" "1"
expect_eq "confirmed share" "$(stat notes.violence confirmed_share)" "$(jq -n "1 / $n")"
check "text shows the confirmed share" grep -q "^notes.violence .* 1 ($(awk "BEGIN {printf \"%.1f\", 100 / $n}")%)" <(RS)
# the cleared person left the lists: still counted as having reached a list (a transition)
expect_eq "listed counts the cleared person" "$(stat notes.violence listed)" "$n"
# a review dated before the firing does not count
expect_eq "reviews before the firing do not count" "$(stat disputes.open cleared)" \
    "$(q disputes.open "SELECT count(*) FROM fired f WHERE EXISTS (SELECT 1 FROM reviews v WHERE v.person = f.person AND v.outcome = 'clear')")"

# an alert closed as false_positive
A=$(sql $DB "SELECT a.cursor || ' ' || a.grid FROM alerts a JOIN alert_causes c ON c.alert = a.cursor
  WHERE c.cause = 'rule:notes.violence' AND a.status <> 'closed' ORDER BY a.cursor LIMIT 1")
ID=$(printf 'A-%06d' "${A%% *}")
OFF=o-$(printf %s "${A#* }" | tr 'A-Z' 'a-z')
expect_eq "no false positive yet" "$(stat notes.violence false_positive)" "0"
expect_code "close false_positive" 0 TS close "$ID" --by "$OFF" --outcome false_positive --note "no threat"
expect_eq "false positive counts" "$(stat notes.violence false_positive)" "1"
expect_eq "false positives = closed rows" "$(stat notes.violence false_positive)" \
    "$(sql $DB "SELECT count(*) FROM alerts a JOIN alert_causes c ON c.alert = a.cursor WHERE c.cause = 'rule:notes.violence' AND a.status = 'closed' AND a.outcome = 'false_positive'")"

# --since: a later run (now 2026-11-28) and a window that starts after the first
expect_code "second screen" 0 TS screen --now 2026-11-28
expect_eq "since after every run: nobody" "$(RS --format json --since 2026-11-29 | jq '[.rules[].persons] | add')" "0"
expect_eq "since the second run: its full-pass persons" "$(stat disputes.open persons --since 2026-11-27)" \
    "$(sql $DB "SELECT count(DISTINCT person) FROM ledger l JOIN runs r ON r.id = l.run, json_each(l.rules) j
      WHERE r.now >= '2026-11-27' AND json_extract(j.value, '\$.id') = 'disputes.open'")"
expect_eq "since the second run: firings" "$(stat disputes.open firings --since 2026-11-27)" \
    "$(sql $DB "SELECT sum(json_extract(summary, '\$.fired.\"disputes.open\"')) FROM runs WHERE now >= '2026-11-27'")"
expect_eq "since: alerts of the window" "$(stat threat.recent alerts --since 2026-11-27)" \
    "$(sql $DB "SELECT count(*) FROM alert_causes c JOIN alerts a ON a.cursor = c.alert LEFT JOIN runs r ON r.id = a.run
      WHERE c.cause = 'rule:threat.recent' AND coalesce(r.now, substr(a.created, 1, 10)) >= '2026-11-27'")"
expect_eq "since: the confirm of 11-26 is before the window" "$(stat notes.violence confirmed --since 2026-11-27)" "0"

# silent rules: never fired → silent; a rule that fired → not
never=$(sql $DB "SELECT count(*) FROM runs WHERE json_extract(summary, '\$.fired.\"petitions.with_dispute\"') > 0")
expect_eq "petitions.with_dispute never fired in the samples" "$never" "0"
expect_eq "a rule that never fired is silent" \
    "$(RS --format json | jq -r '.silent[] | select(.id == "petitions.with_dispute") | .last_fired')" "null"
expect_eq "a rule that fired is not silent" \
    "$(RS --format json | jq -r '[.silent[].id] | index("notes.violence")')" "null"
check "text lists the silent rule" grep -q '^petitions.with_dispute .*last fired never' <(RS)
# 90 days on, every rule is silent
expect_eq "now + 91 days: all silent" \
    "$(sed 's/^now: .*/now: 2027-02-27/' triscreen.yaml >later.yaml && "$TRISCREEN" rules stats -c later.yaml --format json | jq '.silent | length')" \
    "$(RS --format json | jq '.rules | length')"

# bad input
expect_code "bad --since" 2 RS --since 2026-02-30
expect_code "bad --format" 2 RS --format xml
expect_code "extra argument" 2 RS extra
expect_code "--help" 0 RS --help
sed 's/^database: .*/database: nope.db/' triscreen.yaml >nodb.yaml
expect_code "no database" 1 "$TRISCREEN" rules stats -c nodb.yaml
finish
