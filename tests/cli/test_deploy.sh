#!/usr/bin/env bash
# End-to-end: `triscreen rules deploy|versions|rollback` on a copy of the samples — a
# changed pack is checked, tested, diffed and stored as the active version (the folder
# in use before is kept as version 1); `screen` then runs it (its hash in the run);
# rollback goes back (screen runs the old hash); a draft that fails its check or its
# tests, and a rollback to an unknown hash, change nothing; a running `serve` picks a
# deploy and a rollback up by itself within a few seconds.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
T=$TRISCREEN
"$T" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
"$T" screen >/dev/null
run_hash() { sql "$DB" "select rules_hash from runs order by id desc limit 1"; }
versions() { sql "$DB" "select seq || ' ' || hash || ' ' || active || ' ' || by from rules_versions order by seq; select count(*) from rules_version_files;" | sha256sum; }
OLD=$(run_hash)

expect_code "versions with none stored" 0 "$T" rules versions
check "says the folder is used" grep -q "no version stored" "$WORK/last.out"
expect_code "versions json with none" 0 "$T" rules versions --format json
expect_eq "empty list" "$(jq -c .versions "$WORK/last.out")" "[]"

# ---- bad input: nothing stored ---------------------------------------------------------
D=$WORK/draft
cp -r "$WORK/rules" "$D"
sed -i 's/  score = 40,/  list = "red",/' "$D/20_regional.lua" # breaks a case of tests/
expect_code "a draft failing its own tests is refused" 1 "$T" rules deploy "$D" --by staff-1 --note "red"
check "the failing case is listed" grep -q "^FAIL .*20_regional.yaml" "$WORK/last.out"
check "refusal names the tests" grep -q "the pack's own tests fail" "$WORK/last.err"
expect_eq "no version stored after a failed test" "$(sql "$DB" "select count(*) from rules_versions")" 0
expect_code "diff --fail-on-move 0 on a draft that moves persons" 1 "$T" diff --rules "$D" --fail-on-move 0
check "names the count" grep -qE "[0-9]+ persons would change list, more than --fail-on-move 0" "$WORK/last.err"
expect_code "diff --fail-on-move with room" 0 "$T" diff --rules "$D" --fail-on-move 100000
expect_code "diff --fail-on-move not a number" 2 "$T" diff --rules "$D" --fail-on-move many
rm -rf "$D" && cp -r "$WORK/rules" "$D"
echo 'rule { id = "bad.regex", pass = "full", title = "x", list = "blue", when = function(p) return p:match("name", "([") end }' >"$D/90_bad.lua"
expect_code "a draft failing rules check is refused (-c given)" 1 "$T" rules deploy -c "$C/triscreen.yaml" "$D" --by staff-1 --note "bad" --fail-on-move 5
check "the check's problem is listed with its file" grep -q "90_bad.lua" "$WORK/last.out" "$WORK/last.err"
expect_eq "no version stored after a failed check" "$(sql "$DB" "select count(*) from rules_versions")" 0
expect_code "--by and --note are required" 2 "$T" rules deploy "$WORK/rules" --by staff-1
expect_code "deploy without DIR" 2 "$T" rules deploy --by a --note b
expect_eq "no audit row for refusals" "$(sql "$DB" "select count(*) from audit where action like 'rules.%'")" 0

# ---- deploy a changed pack ---------------------------------------------------------------
rm -rf "$D" && cp -r "$WORK/rules" "$D"
sed -i 's/title = "Incident reported in the last 90 days"/title = "Incident in the last 90 days (v2)"/' "$D/20_regional.lua"
expect_code "deploy a changed pack" 0 "$T" rules deploy "$D" --by staff-1 --note "shorter incident title" --fail-on-move 0
check "the diff's totals are printed" grep -q "^0 persons would change list" "$WORK/last.out"
NEW=$(sed -n 's/^deployed \(sha256:[0-9a-f]*\) .*/\1/p' "$WORK/last.out")
check "the new hash is printed" [ "${#NEW}" -eq 71 ]
check "the new pack differs from the old one" [ "$NEW" != "$OLD" ]
check "serve is told" grep -q "SIGHUP" "$WORK/last.out"
expect_code "versions" 0 "$T" rules versions --format json
expect_eq "two versions: the folder kept, then the deploy" "$(jq -r '[.versions[].hash] | join(" ")' "$WORK/last.out")" "$OLD $NEW"
expect_eq "one active, the new one" "$(jq -r '[.versions[] | select(.active) | .hash] | join(" ")' "$WORK/last.out")" "$NEW"
expect_eq "who and why" "$(jq -r '.versions[1] | .by + "|" + .note' "$WORK/last.out")" "staff-1|shorter incident title"
expect_code "versions text" 0 "$T" rules versions
check "text marks the active one" grep -qE "^\* +2 +${NEW:0:19} .*staff-1 +shorter incident title$" "$WORK/last.out"
expect_eq "deploy audited" "$(sql "$DB" "select actor || ' ' || target from audit where action = 'rules.deploy' order by id desc limit 1")" "staff-1 $NEW"
expect_code "deploying the same pack again is refused" 1 "$T" rules deploy "$D" --by staff-1 --note again

# the stored version is what runs, even with the folder gone or changed
echo '-- a change in the folder only' >>"$WORK/rules/10_full.lua"
expect_code "screen" 0 "$T" screen
expect_eq "screen runs the deployed version" "$(run_hash)" "$NEW"
rm -rf "$D"
# a person listed before the deploy: judged by the kept folder version
FIRST=$(sql "$DB" "select person from list_members order by person limit 1")
expect_code "dossier of a person judged before" 0 "$T" dossier "$FIRST" --format json
expect_eq "its version is its list run's" "$(jq -r .rules_version "$WORK/last.out")" "$(sql "$DB" "select r.rules_hash from list_members m join runs r on r.id = m.run where m.person = '$FIRST'")"
expect_eq "with that version's note" "$(jq -r .rules_by "$WORK/last.out")" "config"
# a new person listed by the deployed version: its dossier names the deploy's note
grep '"P-000281"' "$TS_SOURCE_DIR/samples/persons.jsonl" | sed 's/"P-000281"/"Z-000001"/' >"$WORK/new.jsonl"
"$T" import "$WORK/new.jsonl" >/dev/null
expect_code "screen the new person" 0 "$T" screen
expect_code "dossier" 0 "$T" dossier Z-000001 --format json
expect_eq "listed" "$(jq -r .list.colour "$WORK/last.out")" red
expect_eq "dossier names the deployed version" "$(jq -r .rules_version "$WORK/last.out")" "$NEW"
expect_eq "dossier names the version's note" "$(jq -r .rules_note "$WORK/last.out")" "shorter incident title"
expect_eq "dossier names who deployed it" "$(jq -r .rules_by "$WORK/last.out")" "staff-1"
expect_code "dossier text" 0 "$T" dossier Z-000001
check "text has the rules line" grep -qF "$NEW (deployed by staff-1: shorter incident title)" "$WORK/last.out"
AID=$(sql "$DB" "select cursor from alerts where person = 'Z-000001' and rules_version = '$NEW' limit 1")
check "an alert was raised for the new person under the deployed version" [ -n "$AID" ]
expect_code "alerts show" 0 "$T" alerts show "$AID"
check "alerts show names the version's note" grep -qE "^rules note +shorter incident title \(deployed by staff-1\)$" "$WORK/last.out"
expect_code "alerts show json" 0 "$T" alerts show "$AID" --format json
expect_eq "json rules_note" "$(jq -r '.alert.rules_note + "|" + .alert.rules_by' "$WORK/last.out")" "shorter incident title|staff-1"

# ---- rollback ----------------------------------------------------------------------------
before=$(versions)
expect_code "rollback to an unknown hash" 1 "$T" rules rollback ffffff --by staff-2 --note x
check "clear error" grep -q "no stored rules version has the hash ffffff" "$WORK/last.err"
expect_code "rollback to a malformed hash" 2 "$T" rules rollback "zz" --by staff-2 --note x
expect_code "rollback to the active version" 1 "$T" rules rollback "$NEW" --by staff-2 --note x
expect_eq "nothing changed by the refused rollbacks" "$(versions)" "$before"
expect_code "rollback by a hash prefix" 0 "$T" rules rollback "${OLD:7:10}" --by staff-2 --note "title review pending"
expect_code "screen after rollback" 0 "$T" screen
expect_eq "screen runs the old hash" "$(run_hash)" "$OLD"
expect_eq "rollback audited" "$(sql "$DB" "select actor || ' ' || target || ' ' || detail from audit where action = 'rules.rollback'")" "staff-2 $OLD from=$NEW title review pending"

# ---- a running serve picks the active version up ------------------------------------------
start_server
req "" GET /healthz >/dev/null
expect_eq "serve starts on the active version" "$(J .rules_version)" "$OLD"
expect_code "rollback while serving" 0 "$T" rules rollback "$NEW" --by staff-2 --note "title approved"
live=""
for _ in $(seq 100); do
    req "" GET /healthz >/dev/null
    live=$(J .rules_version)
    [ "$live" == "$NEW" ] && break
    sleep 0.1
done
expect_eq "serve picked the new active version up without SIGHUP" "$live" "$NEW"
check "logged" grep -q "msg=rules-version-changed" "$LOG"
stop_server
finish
