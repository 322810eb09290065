#!/usr/bin/env bash
# End-to-end (issue 16 item 5): `triscreen shadow add|list|report|remove`. A shadow is
# judged beside the live pack on every screening: the live lists, transitions and alerts
# come out exactly as in a county screened without it (it never alerts, never touches a
# live list); its report is the same per-person comparison `diff` gives for the same
# draft over the same screening; several run at once; add and remove are audited; bad
# names, a taken name, a broken pack and removing an unknown one change nothing.
source "$(dirname "$0")/lib.sh"
T=$TRISCREEN
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"
county() { # county DIR: the samples imported and screened once
  new_county "$1"
  "$T" init -c "$1/triscreen.yaml" >/dev/null
  "$T" import -c "$1/triscreen.yaml" "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
  "$T" screen -c "$1/triscreen.yaml" --now 2026-11-24 >/dev/null
}
C=$WORK/live K=$WORK/control
county "$C"
county "$K"
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db

D=$WORK/draft
cp -r "$TS_SOURCE_DIR/rules" "$D"
sed -i '/id = "disputes.escalated_unemployed"/,/score = 30/ s/score = 30/score = 35/' "$D/20_regional.lua"
sed -i 's/  score = 40,/  list = "red",/' "$D/20_regional.lua" # incidents vote red: many move

expect_code "shadow list with none" 0 "$T" shadow list
check "says none" grep -q "^no shadows" "$WORK/last.out"
expect_code "add a shadow" 0 "$T" shadow add "$D" --name strict --by policy-li --note "incidents vote red"
check "names its hash" grep -qE "^shadow strict added: sha256:[0-9a-f]{64}" "$WORK/last.out"
expect_code "add a second one (the live pack itself)" 0 "$T" shadow add "$TS_SOURCE_DIR/rules" --name same --by policy-li
expect_code "list" 0 "$T" shadow list
check "both listed, none judged yet" [ "$(grep -c "none yet" "$WORK/last.out")" -eq 2 ]
expect_eq "audited with who" "$(sql "$DB" "select actor || ' ' || target from audit where action = 'shadow.add' order by id")" "policy-li strict
policy-li same"

# ---- bad input: nothing changes --------------------------------------------------------
count() { sql "$DB" "select count(*) from shadows; select count(*) from shadow_files; select count(*) from audit;" | tr '\n' ' '; }
before=$(count)
expect_code "a taken name" 1 "$T" shadow add "$D" --name strict --by policy-li
check "says so" grep -q "exists" "$WORK/last.err"
expect_code "a bad name" 1 "$T" shadow add "$D" --name "bad name!" --by policy-li
expect_code "no --by" 2 "$T" shadow add "$D" --name other
mkdir -p "$WORK/broken" && echo 'rule { id = 1 }' >"$WORK/broken/10_x.lua"
expect_code "a broken pack" 1 "$T" shadow add "$WORK/broken" --name broken --by policy-li
check "names the file" grep -q "10_x.lua" "$WORK/last.err"
expect_code "remove an unknown one" 1 "$T" shadow remove nope --by policy-li
expect_code "report on an unknown one" 1 "$T" shadow report nope
expect_eq "nothing stored by the refusals" "$(count)" "$before"

# ---- a screening: the live side is untouched ---------------------------------------------
expect_code "screen with two shadows" 0 "$T" screen --now 2026-11-25
check "says the shadows were judged" grep -q "2 shadows judged" "$WORK/last.err"
"$T" screen -c "$K/triscreen.yaml" --now 2026-11-25 >/dev/null
live() { sql "$1" "select person, colour, score, reasons from list_members order by person;
  select person, from_colour, to_colour, score, reasons from list_transitions order by id;
  select kind, person, colour, rules, route, status from alerts order by cursor;" | sha256sum; }
expect_eq "live lists, transitions and alerts as without shadows" "$(live "$DB")" "$(live "$K/triscreen.db")"
expect_code "list after the screening" 0 "$T" shadow list
check "each judged every person" [ "$(grep -cE " 2000 run [0-9]+$" "$WORK/last.out")" -eq 2 ]

# ---- the report is the diff of the same draft over the same screening ---------------------
expect_code "report jsonl" 0 "$T" shadow report strict --format jsonl
jq -c 'select(.person)' "$WORK/last.out" >"$WORK/shadow_rows"
check "the shadow moves persons" [ "$(jq -s 'map(select(.before.colour != .after.colour)) | length' "$WORK/shadow_rows")" -gt 0 ]
expect_code "diff of the same draft" 0 "$T" diff --rules "$D" --format jsonl
jq -c 'select(.person)' "$WORK/last.out" >"$WORK/diff_rows"
expect_eq "report rows = diff rows" "$(sha256sum <"$WORK/shadow_rows")" "$(sha256sum <"$WORK/diff_rows")"
expect_code "the live pack as a shadow" 0 "$T" shadow report same --format jsonl
expect_eq "differs in nobody" "$(jq -c 'select(.person)' "$WORK/last.out" | wc -l)" 0
expect_code "report text" 0 "$T" shadow report strict
check "names the shadow" grep -q "shadow strict" "$WORK/last.out"
expect_code "report html" 0 "$T" shadow report strict --format html
check "one page" grep -q "^<!doctype html>" "$WORK/last.out"
expect_code "report in a scope" 0 "$T" shadow report strict --format jsonl --scope T02
check "only T02" [ "$(jq -r 'select(.person) | .grid' "$WORK/last.out" | grep -vc '^T02' || true)" -eq 0 ]
expect_eq "no alert rows from shadows" "$(sql "$DB" "select count(*) from alerts")" "$(sql "$K/triscreen.db" "select count(*) from alerts")"

# ---- remove --------------------------------------------------------------------------------
expect_code "remove" 0 "$T" shadow remove strict --by policy-li
expect_eq "its judgements are gone" "$(sql "$DB" "select count(*) from shadow_judged where name = 'strict'")" 0
expect_eq "remove audited" "$(sql "$DB" "select actor from audit where action = 'shadow.remove' and target = 'strict'")" "policy-li"
expect_code "screen with one shadow" 0 "$T" screen --now 2026-11-26
check "one judged" grep -q "1 shadow judged" "$WORK/last.err"
expect_code "screen --person judges no shadow" 0 "$T" screen --person P-000001 --pass targeted
check "no shadow line" sh -c "! grep -q shadow \"\$1\"" _ "$WORK/last.err"
expect_eq "the temporary copies are gone" "$(ls -A "$TMPDIR" | wc -l)" 0
finish
