#!/usr/bin/env bash
# tests/cli/test_near_miss.sh — `triscreen lists --near-miss POINTS` on the sample county:
# who is shown (checked against sqlite3 queries of list_members and marks with the
# config's thresholds 70/40/20), the gap and the threshold, the fired rules and the rules
# that would tip, scope, formats, the audit row, that nothing else changes, and a pack
# under which an off-list suspect's score cannot be known (not shown, counted on stderr).
source "$(dirname "$0")/lib.sh"

C=$WORK/county
new_county "$C"
cat >>"$C/triscreen.yaml" <<'EOC'
thresholds: {red: 70, yellow: 40, blue: 20}
EOC
cd "$C"
TS() { local cmd=$1; shift; "$TRISCREEN" "$cmd" -c "$C/triscreen.yaml" "$@"; }
jqe() { jq -e "$@" >/dev/null; }
NM() { "$TRISCREEN" lists -c "$C/triscreen.yaml" --near-miss "$@"; }
DB=triscreen.db

expect_code "init" 0 TS init
expect_code "import" 0 TS import "$TS_SOURCE_DIR/samples/persons.jsonl"
expect_code "screen" 0 TS screen

# the gap of a list row under the next threshold above its engine colour
GAP="CASE coalesce(engine_colour, colour) WHEN 'blue' THEN 40 - score WHEN 'yellow' THEN 70 - score
     WHEN 'red' THEN NULL ELSE 20 - score END"
listed_within() { sql $DB "SELECT count(*) FROM list_members WHERE run > 0 AND ($GAP) BETWEEN 1 AND $1"; }
offlist=$(sql $DB "SELECT count(*) FROM marks k WHERE suspect AND NOT EXISTS (SELECT 1 FROM list_members m WHERE m.person = k.person AND m.run > 0)")
check "the samples have suspects off the lists" test "$offlist" -gt 0

for p in 0 5 15 19; do
    expect_eq "near-miss $p: list rows within $p" "$(NM $p --format jsonl | wc -l)" "$(listed_within $p)"
done
check "near-miss 5 finds someone" test "$(listed_within 5)" -gt 0
# every regional score of the sample pack is >= 20 (the blue threshold): a suspect off
# the lists scored exactly 0, so at 20 points they are 20 under blue
expect_eq "near-miss 20: list rows + off-list suspects" "$(NM 20 --format jsonl | wc -l)" \
    "$(($(listed_within 20) + offlist))"
expect_eq "off-list suspects: score 0, under blue 20" \
    "$(NM 20 --format jsonl | jq -r 'select(.listed == false) | "\(.score) \(.under) \(.threshold) \(.gap) \(.colour)"' | sort -u)" \
    "0 blue 20 20 none"
check "no note when every score is known" test -z "$(NM 20 --format jsonl 2>&1 >/dev/null)"

# one person in detail: score, threshold, gap, fired rules and tips from the pack
P=$(sql $DB "SELECT person FROM list_members WHERE run > 0 AND ($GAP) BETWEEN 1 AND 5 ORDER BY person LIMIT 1")
row=$(NM 5 --format jsonl | jq -c --arg p "$P" 'select(.person == $p)')
expect_eq "score as stored" "$(jq .score <<<"$row")" "$(sql $DB "SELECT score FROM list_members WHERE person = '$P'")"
expect_eq "gap" "$(jq .gap <<<"$row")" "$(sql $DB "SELECT $GAP FROM list_members WHERE person = '$P'")"
expect_eq "fired = stored reasons" "$(jq -r '[.fired[].id] | join(",")' <<<"$row")" \
    "$(sql $DB "SELECT group_concat(json_extract(j.value, '\$.id'), ',') FROM list_members m, json_each(m.reasons) j WHERE m.person = '$P'")"
check "fired rules carry titles" jqe '[.fired[].title] | all(. != null)' <<<"$row"
gap=$(jq .gap <<<"$row")
under=$(jq -r .under <<<"$row")
check "tips: none of them fired" jqe '([.fired[].id] - ([.fired[].id] - [.tips[].id])) == []' <<<"$row"
check "tips: each closes the gap (points >= gap, or a vote)" \
    jqe --argjson g "$gap" '.tips | length > 0 and all(.score >= $g or .vote != null)' <<<"$row"
# a rule worth less than the gap is not a tip: circle.family_problem is +15
expect_eq "a +15 rule does not tip a gap of 20" \
    "$(NM 20 --format jsonl | jq -r 'select(.gap == 20 and .listed) | [.tips[].id] | index("circle.family_problem")' | sort -u)" "null"
expect_eq "a +15 rule tips a listed gap of 5" \
    "$(NM 5 --format jsonl | jq -r 'select(.listed and ([.fired[].id] | index("circle.family_problem") == null)) | [.tips[].id] | index("circle.family_problem") != null' | sort -u)" "true"
expect_eq "targeted rules never tip a person off the lists" \
    "$(NM 20 --format jsonl | jq -r 'select(.listed == false) | [.tips[].id] | index("circle.family_problem")' | sort -u)" "null"
expect_eq "tips name their titles" "$(jq -r '.tips[] | select(.id == "incident.recent") | .title' <<<"$row")" \
    "Incident reported in the last 90 days"
check "table: header and the person" grep -q "^$P .* $under 40 .*incident.recent +40 (Incident reported in the last 90 days)" <(NM 5)
check "table: header" grep -q '^PERSON .*GRID .*SCORE .*UNDER .*GAP .*FIRED .*WOULD TIP$' <(NM 5)
expect_eq "csv: header" "$(NM 5 --format csv | head -1 | tr -d '\r')" \
    "person,grid,colour,score,under,threshold,gap,fired,fired_titles,tips,tips_titles"
expect_eq "csv: one record per person" "$(NM 5 --format csv | tail -n +2 | wc -l)" "$(listed_within 5)"

# scope
n_t01=$(sql $DB "SELECT count(*) FROM list_members m JOIN persons p ON p.id = m.person WHERE m.run > 0 AND ($GAP) BETWEEN 1 AND 15 AND p.grid LIKE 'T01-%'")
expect_eq "--scope T01" "$(NM 15 --scope T01 --format jsonl | wc -l)" "$n_t01"
expect_eq "--scope T01: only T01" "$(NM 20 --scope T01 --format jsonl | jq -r '.grid[0:4]' | sort -u)" "T01-"

# read-only: lists, transitions and alerts unchanged; one audit row per read
snap() { sql $DB "SELECT (SELECT group_concat(person || colour || score, ';') FROM list_members),
  (SELECT count(*) FROM list_transitions), (SELECT count(*) FROM alerts), (SELECT count(*) FROM alert_history)"; }
before=$(snap)
audits=$(sql $DB "SELECT count(*) FROM audit WHERE action = 'near-miss'")
NM 20 >/dev/null
NM 10 --scope T02 --format csv >/dev/null
expect_eq "lists, transitions and alerts unchanged" "$(snap)" "$before"
expect_eq "each read audited" "$(sql $DB "SELECT count(*) FROM audit WHERE action = 'near-miss'")" "$((audits + 2))"
expect_eq "audit row: actor, target, points, persons" \
    "$(sql $DB "SELECT actor || ' ' || target || ' ' || detail FROM audit WHERE action = 'near-miss' ORDER BY id DESC LIMIT 1")" \
    "cli T02 {\"points\":10,\"persons\":$(NM 10 --scope T02 --format jsonl | wc -l)}"

# a pack with a regional rule worth less than the blue threshold: an off-list suspect
# may have fired it, and no table keeps their score, so they are not shown
mkdir pack
cp -r "$TS_SOURCE_DIR/rules/." pack/
sed -i '/id = "disputes.several_open"/,/score =/s/score = 20/score = 10/' pack/20_regional.lua
check "the edited pack scores 10" grep -q 'score = 10' pack/20_regional.lua
sed "s#^rules: .*#rules: $C/pack#" triscreen.yaml >edited.yaml
"$TRISCREEN" lists -c edited.yaml --near-miss 20 --format jsonl >edited.jsonl 2>edited.err
expect_eq "edited pack: only list rows" "$(wc -l <edited.jsonl)" "$(listed_within 20)"
check "edited pack: the unknown scores are counted on stderr" \
    grep -q "^triscreen: lists: $offlist suspects off the lists not shown: the store keeps no score" edited.err

# bad input
expect_code "points not a number" 2 NM many
expect_code "negative points" 2 NM -5
expect_code "bad format" 2 NM 5 --format xml
expect_code "bad scope" 2 NM 5 --scope NOPE
expect_code "--colour is not a near-miss option" 2 NM 5 --colour red
expect_code "--help" 0 "$TRISCREEN" lists --near-miss 1 --help
expect_code "plain lists still work" 0 TS lists --colour red
finish
