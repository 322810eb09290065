#!/usr/bin/env bash
# End-to-end: the officers' loop on the command line over the samples (issue 14) — only
# officers of the grid act (a ghost is refused with exit 2 and nothing changes), only in
# their cells (a T03 officer on a T01 alert: exit 1, audited as refused); one problem
# event is one quick alert even when the default pack's threat.recent fires too;
# re-running every pass raises nothing; an unacknowledged quick alert climbs group →
# village → town → county desk on a test clock (`escalate --now`) on one id and stays
# there counted as overdue, while reading the feed escalates nothing; claim → ack →
# close with an outcome moves the statistics; close and reopen need their note and
# outcome; two concurrent `claim-next` get different alerts; `alerts show` gives the
# history with who and when.
source "$(dirname "$0")/lib.sh"

C=$WORK/county
new_county "$C"
# the county desk (samples/grid.yaml names it; a grid without it gets it here)
grep -q 'id: o-county' "$C/grid.yaml" ||
    sed -i '0,/^towns:/s//officers: [{id: o-county, name: 演示县综治中心}]\ntowns:/' "$C/grid.yaml"
cat >>"$C/triscreen.yaml" <<EOC
problem_events: [incident_reported, threat_reported, absconded]
quick_max_age_days: 30
EOC
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
T=$TRISCREEN

expect_code "init" 0 "$T" init
expect_code "import the samples" 0 "$T" import "$TS_SOURCE_DIR/samples/persons.jsonl"
# two persons of our own in T01-V01-G01, each with one recent threat
cat >"$WORK/ours.jsonl" <<'EOR'
{"id":"P-OFF-1","grid":"T01-V01-G01","events":[{"type":"threat_reported","date":"2026-11-20","note":"at the well"}]}
{"id":"P-OFF-2","grid":"T01-V01-G01","events":[{"type":"threat_reported","date":"2026-11-21","note":"at the market"}]}
EOR
expect_code "import two problem events" 0 "$T" import "$WORK/ours.jsonl"
for pass in full regional targeted; do
    expect_code "screen --pass $pass" 0 "$T" screen --pass "$pass"
done

# ---- one problem event, one quick alert -------------------------------------------------
q1() { sql "$DB" "select count(*) from alerts where person = '$1' and kind = 'quick'"; }
expect_eq "one quick alert for P-OFF-1" "$(q1 P-OFF-1)" 1
expect_eq "one quick alert for P-OFF-2" "$(q1 P-OFF-2)" 1
A1=$(sql "$DB" "select printf('A-%06d', cursor) from alerts where person = 'P-OFF-1' and kind = 'quick'")
A2=$(sql "$DB" "select printf('A-%06d', cursor) from alerts where person = 'P-OFF-2' and kind = 'quick'")
expect_code "alerts show $A1" 0 "$T" alerts show "$A1"
check "the rule of the pack is on the same alert" grep -q '^  threat.recent  ' "$WORK/last.out"
check "the problem event is its trigger" grep -q '^event      threat_reported 2026-11-20: at the well' "$WORK/last.out"
check "target is the group" grep -q '^target     group$' "$WORK/last.out"
check "the history says raised" grep -Eq '^[0-9TZ:-]+ +raised +engine' "$WORK/last.out"

# ---- re-running every pass raises nothing -----------------------------------------------
head_seq() { sql "$DB" "select max(seq) from alerts"; }
S0=$(head_seq)
N0=$(sql "$DB" "select count(*) from alerts")
for pass in full regional targeted; do
    expect_code "screen --pass $pass again" 0 "$T" screen --pass "$pass"
done
expect_code "re-import raises nothing" 0 "$T" import "$WORK/ours.jsonl"
expect_eq "max cursor unchanged after re-running every pass" "$(head_seq)" "$S0"
expect_eq "no new alert" "$(sql "$DB" "select count(*) from alerts")" "$N0"

# ---- only officers of the grid, only in their cells -------------------------------------
audits() { sql "$DB" "select count(*) from audit"; }
state_of() { sql "$DB" "select status || '/' || coalesce(claimed_by, '-') from alerts where cursor = ${1#A-}+0"; }
AU=$(audits)
expect_code "a ghost may not claim" 2 "$T" claim "$A1" --by ghost
check "says ghost is not an officer" grep -q "'ghost' is not an officer of the grid" "$WORK/last.err"
expect_code "a ghost may not ack" 2 "$T" ack "$A1" --by ghost
expect_code "a ghost may not close" 2 "$T" close "$A1" --by ghost --outcome confirmed --note x
expect_code "a ghost may not reopen" 2 "$T" reopen "$A1" --by ghost --note x
expect_code "a ghost may not claim-next" 2 "$T" claim-next --by ghost
expect_code "alerts --officer ghost" 2 "$T" alerts --officer ghost
expect_eq "ghost: alert unchanged" "$(state_of "$A1")" "new/-"
expect_eq "ghost: nothing audited" "$(audits)" "$AU"
expect_code "a T03 officer may not claim a T01 alert" 1 "$T" claim "$A1" --by o-t03
expect_code "nor acknowledge it" 1 "$T" ack "$A1" --by o-t03-v01-g01 --note x
expect_eq "T03: alert unchanged" "$(state_of "$A1")" "new/-"
expect_eq "T03: refusals audited" \
    "$(sql "$DB" "select group_concat(actor || ' ' || action, ', ') from audit where target = '$A1'")" \
    "o-t03 alert.claim.refused, o-t03-v01-g01 alert.ack.refused"

# ---- claim → ack → close with an outcome; the statistics follow --------------------------
T0=$(date -u -d "$(sql "$DB" "select created from alerts where cursor = ${A1#A-}+0")" +%s)
at() { echo "@$((T0 + $1 * 60))"; } # at MINUTES: the test clock, minutes after the raise
fig() { # fig KEY: all.KEY of alerts --stats --format json
    "$T" alerts --stats --format json --now "$(at 25)" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["all"][sys.argv[1]])' "$1"
}
C0=$(fig closed)
I0=$(fig acked_in_time)
expect_code "claim" 0 "$T" claim "$A2" --by o-t01-v01-g01 --note "on my way" --now "$(at 5)"
expect_eq "claim prints one line" "$(cat "$WORK/last.out")" "$A2 claimed by o-t01-v01-g01"
expect_code "another officer may not ack it" 1 "$T" ack "$A2" --by o-t01-v01-g02 --now "$(at 6)"
expect_code "ack" 0 "$T" ack "$A2" --by o-t01-v01-g01 --now "$(at 10)"
expect_eq "ack prints one line" "$(cat "$WORK/last.out")" "$A2 acknowledged by o-t01-v01-g01"
expect_eq "stats: one more acknowledged in time" "$(fig acked_in_time)" "$((I0 + 1))"
expect_code "close without an outcome" 2 "$T" close "$A2" --by o-t01-v01-g01 --note done --now "$(at 19)"
expect_code "close without a note" 2 "$T" close "$A2" --by o-t01-v01-g01 --outcome confirmed --now "$(at 19)"
expect_code "close with a bad outcome" 2 "$T" close "$A2" --by o-t01-v01-g01 --outcome maybe --note x
expect_eq "still acknowledged" "$(state_of "$A2")" "acknowledged/o-t01-v01-g01"
expect_code "close" 0 "$T" close "$A2" --by o-t01-v01-g01 --outcome confirmed --note "talked to both families" --now "$(at 20)"
expect_eq "close prints the outcome" "$(cat "$WORK/last.out")" "$A2 closed by o-t01-v01-g01 (confirmed)"
expect_eq "closed, outcome stored" "$(sql "$DB" "select status || ' ' || outcome from alerts where cursor = ${A2#A-}+0")" "closed confirmed"
expect_eq "stats: one more closed" "$(fig closed)" "$((C0 + 1))"
expect_code "act on a closed alert" 1 "$T" ack "$A2" --by o-t01-v01-g01
expect_code "reopen without a note" 2 "$T" reopen "$A2" --by o-t01-v01-g01 --now "$(at 21)"
expect_eq "still closed" "$(state_of "$A2")" "closed/o-t01-v01-g01"
expect_code "alerts show --format json" 0 "$T" alerts show "$A2" --format json
check "json: alert and history" grep -q '^{"alert":{"id":"'"$A2"'".*},"history":\[{.*}\]}$' "$WORK/last.out"
expect_code "alerts show (text)" 0 "$T" alerts show "$A2"
check "history: claimed with who and note" grep -Eq '^[0-9TZ:-]+ +claimed +o-t01-v01-g01 +- +on my way$' "$WORK/last.out"
check "history: closed with the note" grep -Eq ' closed +o-t01-v01-g01 +- +.*talked to both families' "$WORK/last.out"
check "show: the outcome" grep -q '^closed     .*, outcome confirmed$' "$WORK/last.out"

# ---- the clocks: reading never escalates; the sweep climbs one level at a time ----------
S1=$(head_seq)
E0=$(sql "$DB" "select count(*) from audit where action like '%escalat%'")
expect_code "alerts far in the future" 0 "$T" alerts --now "$(at 100000)"
expect_code "alerts --stats far in the future" 0 "$T" alerts --stats --now "$(at 100000)"
expect_code "alerts show far in the future" 0 "$T" alerts show "$A1" --now "$(at 100000)"
check "…where it is overdue" grep -q '^due        .* (overdue)$' "$WORK/last.out"
expect_eq "reading moved no alert" "$(head_seq)" "$S1"
expect_eq "reading escalated nothing" "$(sql "$DB" "select count(*) from audit where action like '%escalat%'")" "$E0"
expect_eq "still at the group" "$(sql "$DB" "select target_level from alerts where cursor = ${A1#A-}+0")" 3
level_seq() { sql "$DB" "select target_level || ' ' || seq from alerts where cursor = ${A1#A-}+0"; }
before=$(level_seq)
expect_code "escalate before the deadline" 0 "$T" escalate --now "$(at 29)"
expect_eq "nothing due yet for $A1" "$(level_seq)" "$before"
prev=${before#* }
for step in "31 2 village" "62 1 town" "93 0 county desk"; do
    set -- $step
    expect_code "escalate at +$1 min" 0 "$T" escalate --now "$(at "$1")"
    check "prints how many" grep -Eq '^escalated [0-9]+ alerts? \([0-9]+ at the county desk\)$' "$WORK/last.out"
    read -r lvl seq <<<"$(level_seq)"
    expect_eq "$A1 reached the $3" "$lvl" "$2"
    check "$A1 moved to the head of the feed (seq $prev → $seq)" test "$seq" -gt "$prev"
    prev=$seq
done
expect_eq "one alert for life" "$(q1 P-OFF-1)" 1
expect_code "escalate again later" 0 "$T" escalate --now "$(at 200)"
expect_eq "it stays at the county desk, not moved again" "$(level_seq)" "0 $prev"
expect_code "alerts show $A1" 0 "$T" alerts show "$A1" --now "$(at 200)"
expect_eq "three escalations in its history" "$(grep -Ec '^[0-9TZ:-]+ +escalated +engine' "$WORK/last.out")" 3
check "target: the county desk" grep -q '^target     county desk (escalated 3 times' "$WORK/last.out"
check "the county desk is on its route" grep -q '^route      .*o-county' "$WORK/last.out"
check "and it is overdue" grep -q '^due        .* (overdue)$' "$WORK/last.out"
expect_code "alerts --stats at +200 min" 0 "$T" alerts --stats --now "$(at 200)"
check "overdue at the county desk counted" grep -Eq '^overdue now by level: .*county desk [1-9][0-9]*$' "$WORK/last.out"
expect_code "alerts --stats --format json" 0 "$T" alerts --stats --format json --now "$(at 200)"
check "json: overdue_by_level.county >= 1" grep -Eq '"overdue_by_level":\{"group":[0-9]+,"village":[0-9]+,"town":[0-9]+,"county":[1-9][0-9]*\}' "$WORK/last.out"
expect_code "the feed filtered to the county desk's open quick alerts" 0 "$T" alerts --kind quick --state open --officer o-county --format jsonl --now "$(at 200)"
check "$A1 is in it" grep -q '"id":"'"$A1"'"' "$WORK/last.out"
check "marked overdue" grep -q '"id":"'"$A1"'".*"overdue":true' "$WORK/last.out"
expect_code "--created-since after every raise" 0 "$T" alerts --created-since 2099-01-01 --format jsonl
expect_eq "nothing listed" "$(wc -l <"$WORK/last.out")" 0
expect_code "--created-since before" 0 "$T" alerts --created-since 2000-01-01 --kind quick --format jsonl
expect_eq "every quick alert listed" "$(wc -l <"$WORK/last.out")" "$(sql "$DB" "select count(*) from alerts where kind = 'quick'")"
expect_code "bad --now" 2 "$T" alerts --now yesterday
expect_code "bad --created-since" 2 "$T" alerts --created-since soon
expect_code "escalate --batch 0" 2 "$T" escalate --batch 0
expect_code "escalate with a bad --now" 2 "$T" escalate --now tomorrow
expect_code "claim without an id" 2 "$T" claim --by o-county
expect_code "claim of an unknown alert" 1 "$T" claim A-999999 --by o-county
expect_code "--limit 1" 0 "$T" alerts --state open --limit 1 --format jsonl
expect_eq "one line" "$(wc -l <"$WORK/last.out")" 1

# ---- reopen with a note -------------------------------------------------------------------
expect_code "reopen" 0 "$T" reopen "$A2" --by o-t01-v01-g01 --note "the quarrel is back" --now "$(at 210)"
expect_eq "reopen prints one line" "$(cat "$WORK/last.out")" "$A2 reopened by o-t01-v01-g01"
expect_eq "new again" "$(sql "$DB" "select status from alerts where cursor = ${A2#A-}+0")" new

# ---- claim-next: two at once get different alerts ----------------------------------------
for round in 1 2 3; do
    "$T" claim-next --by o-county --kind early >"$WORK/n1.out" 2>"$WORK/n1.err" & p1=$!
    "$T" claim-next --by o-county --kind early >"$WORK/n2.out" 2>"$WORK/n2.err" & p2=$!
    r1=0 r2=0
    wait $p1 || r1=$?
    wait $p2 || r2=$?
    expect_eq "round $round: both claimed" "$r1 $r2" "0 0"
    id1=$(cut -d' ' -f1 "$WORK/n1.out") id2=$(cut -d' ' -f1 "$WORK/n2.out")
    check "round $round: different alerts ($id1, $id2)" test -n "$id1" -a "$id1" != "$id2"
    check "round $round: prints kind, person and cell" grep -Eq '^A-[0-9]+ claimed by o-county: early alert for P-[0-9]+ in T0' "$WORK/n1.out"
done
expect_eq "six early alerts claimed by the desk" "$(sql "$DB" "select count(*) from alerts where claimed_by = 'o-county' and status = 'claimed'")" 6
# a group officer works through their own cells until none is left
G=o-t01-v01-g01
left=$(sql "$DB" "select count(*) from alerts where status = 'new' and grid = 'T01-V01-G01'")
got=0
for _ in $(seq 1 "$left"); do
    "$T" claim-next --by "$G" >/dev/null 2>&1 && got=$((got + 1))
done
expect_eq "claim-next took every new alert of the group" "$got" "$left"
expect_code "then none is left" 1 "$T" claim-next --by "$G"
check "says so" grep -q "no unclaimed alert in the cells of $G" "$WORK/last.err"
expect_eq "and nothing outside its cells was claimed by it" \
    "$(sql "$DB" "select count(*) from alerts where claimed_by = '$G' and grid <> 'T01-V01-G01'")" 0

finish
