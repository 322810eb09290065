#!/usr/bin/env bash
# End-to-end (issue 16 item 3): `triscreen diff --rules DIR` predicts exactly what a deploy
# then does. The samples are screened; a draft (the rules guide's change: an escalated
# dispute without work weighs 35) is diffed; then
#  - inputs changed after the screening (a new person, a changed record, a relation) do
#    not change the diff: it replays the screening over its inputs as they stood;
#  - the live side of the diff is what the live screening decided;
#  - on a copy of the database as it stood before the screening, deploying the draft and
#    screening gives exactly the diff's draft side: every person's colour, every list
#    member's score, every alert raised (person and kind);
#  - text, jsonl and html agree on the counts; --scope filters; the html is one page.
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
cp -r "$TS_SOURCE_DIR/rules" "$C/rules"
sed -i "s|^rules: .*|rules: rules|" "$C/triscreen.yaml"
export TRISCREEN_CONFIG=$C/triscreen.yaml TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"
DB=$C/triscreen.db
T=$TRISCREEN
"$T" init >/dev/null
"$T" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
sql "$DB" ".backup '$WORK/pre.db'"
"$T" screen >/dev/null
live_colours() { sql "$1" "select person || ' ' || colour from list_members order by person"; }
alerts() { sql "$1" "select distinct person || ' ' || kind from alerts where run in (select id from runs where scope <> 'ingest') order by 1" | sort; }
live_colours "$DB" >"$WORK/live_colours"
alerts "$DB" >"$WORK/live_alerts"

D=$WORK/draft
cp -r "$C/rules" "$D"
sed -i '/id = "disputes.escalated_unemployed"/,/score = 30/ s/score = 30/score = 35/' "$D/20_regional.lua"
sed -i 's/- name: revenge words plus an escalated dispute and no job reach 65, just short of red/- name: revenge words plus an escalated dispute and no job reach 70, red/;
        /reach 70, red/,/colour: yellow/ s/colour: yellow/colour: red/' "$D/tests/20_regional.yaml"

expect_code "diff jsonl" 0 "$T" diff --rules "$D" --format jsonl
cp "$WORK/last.out" "$WORK/d1.jsonl"
rows() { jq -c 'select(.person)' "$1"; }
check "the draft moves some persons" [ "$(rows "$WORK/d1.jsonl" | jq -s 'map(select(.before.colour != .after.colour)) | length')" -gt 0 ]
check "every row line and the totals line are JSON" jq -e . "$WORK/d1.jsonl" >/dev/null
expect_eq "the totals count every person screened" \
  "$(jq -s 'map(select(.totals)) | .[0].totals.towns | map(.persons) | add' "$WORK/d1.jsonl")" \
  "$(sql "$WORK/pre.db" "select count(*) from persons")"
check "the changed rule is among the differences" grep -q "disputes.escalated_unemployed" "$WORK/d1.jsonl"

# ---- inputs changed after the screening: the replay does not see them -------------------
cat >"$WORK/later.jsonl" <<'EOJ'
{"id":"P-NEW001","name":"Test Person","grid":"T01-V01-G01","born":"1990-01-01","categories":["released_prisoner"],"attrs":{"missed_checkins_30d":6,"open_disputes":3,"escalated_disputes":3,"petitions_12m":4,"employed":false,"debt_overdue":true,"lives_alone":true,"care_level":0,"contact_officer":"o-t01-v01-g01"},"events":[{"type":"incident","date":"2026-11-20"}],"relations":[{"id":"P-000001","kind":"spouse"}],"notes":"fictional"}
EOJ
head -1 "$TS_SOURCE_DIR/samples/persons.jsonl" | jq -c '.attrs.escalated_disputes = 3 | .attrs.employed = false | .events += [{"type":"incident","date":"2026-11-21"}]' >>"$WORK/later.jsonl"
"$T" import "$WORK/later.jsonl" >/dev/null
check "the later import changed the live inputs" [ "$(sql "$DB" "select count(*) from persons")" -gt "$(sql "$WORK/pre.db" "select count(*) from persons")" ]
expect_code "diff again after the import" 0 "$T" diff --rules "$D" --format jsonl
expect_eq "the replay is unchanged by later inputs" "$(sha256sum <"$WORK/last.out")" "$(sha256sum <"$WORK/d1.jsonl")"
check "the new person is not in it" sh -c '! grep -q P-NEW001 "$1"' _ "$WORK/last.out"

# ---- the live side is what the live screening decided ------------------------------------
# every listed row's live colour is the live list's
bad=0
while read -r p c; do
  want=$(awk -v p="$p" '$1 == p { print $2 }' "$WORK/live_colours")
  [ "$c" == "$want" ] || { bad=$((bad + 1)); echo "  live $p: diff $c, lists $want" >&2; }
done < <(rows "$WORK/d1.jsonl" | jq -r '.person + " " + .before.colour')
expect_eq "the diff's live side matches the live lists" "$bad" 0

# ---- replay: deploy the draft on the database as it stood and screen -----------------------
R=$WORK/replay
mkdir -p "$R" && cp "$C/grid.yaml" "$C/triscreen.yaml" "$R/" && cp -r "$C/rules" "$R/rules"
cp "$WORK/pre.db" "$R/triscreen.db"
expect_code "deploy the draft on the copy" 0 "$T" rules deploy -c "$R/triscreen.yaml" "$D" --by policy-li --note "impact test"
expect_code "screen the copy with it" 0 "$T" screen -c "$R/triscreen.yaml"
# expected colours: the diff's draft side for listed rows, the live lists for the rest
jq -r 'select(.person) | .person + " " + .after.colour' "$WORK/d1.jsonl" | sort >"$WORK/listed"
{
  join -v 1 <(sort "$WORK/live_colours") <(cut -d' ' -f1 "$WORK/listed" | sort)
  awk '$2 != "none"' "$WORK/listed"
} | sort >"$WORK/expect_colours"
live_colours "$R/triscreen.db" | sort >"$WORK/got_colours"
expect_eq "every person's colour after the deploy is the diff's" \
  "$(diff "$WORK/expect_colours" "$WORK/got_colours" | head -5)" ""
jq -r 'select(.person and .after.colour != "none") | .person + " " + (.after.score | tostring)' "$WORK/d1.jsonl" | sort >"$WORK/exp_scores"
sql "$R/triscreen.db" "select person || ' ' || score from list_members order by person" | sort |
  join - <(cut -d' ' -f1 "$WORK/exp_scores") >"$WORK/got_scores"
expect_eq "every moved list member's score is the diff's" "$(diff "$WORK/exp_scores" "$WORK/got_scores" | head -5)" ""
jq -r 'select(.person) | .person as $p | .after.alerts[] | $p + " " + .' "$WORK/d1.jsonl" | sort -u >"$WORK/a_listed"
{
  join -v 1 "$WORK/live_alerts" <(cut -d' ' -f1 "$WORK/listed" | sort -u)
  cat "$WORK/a_listed"
} | sort -u >"$WORK/exp_alerts"
alerts "$R/triscreen.db" >"$WORK/got_alerts"
expect_eq "every alert the deploy raised is the diff's" "$(diff "$WORK/exp_alerts" "$WORK/got_alerts" | head -5)" ""

# ---- formats, scope, --fail-on-move ---------------------------------------------------------
expect_code "text" 0 "$T" diff --rules "$D"
moved=$(rows "$WORK/d1.jsonl" | jq -s 'map(select(.before.colour != .after.colour)) | length')
check "text names the count of moves" grep -qE "^$moved persons would change list" "$WORK/last.out"
check "text names the basis" grep -q "replayed over its inputs" "$WORK/last.out"
expect_code "html" 0 "$T" diff --rules "$D" --format html
check "one html page" grep -q "^<!doctype html>" "$WORK/last.out"
check "no scripts or outside links" sh -c '! grep -qiE "<script|https?://" "$1"' _ "$WORK/last.out"
expect_code "scope T01" 0 "$T" diff --rules "$D" --format jsonl --scope T01
check "only T01 rows" [ "$(jq -r 'select(.person) | .grid' "$WORK/last.out" | grep -vc '^T01' || true)" -eq 0 ]
expect_code "--fail-on-move below the moves" 1 "$T" diff --rules "$D" --fail-on-move $((moved - 1))
expect_code "--fail-on-move at the moves" 0 "$T" diff --rules "$D" --fail-on-move "$moved"
expect_code "an unknown format" 2 "$T" diff --rules "$D" --format xml
expect_eq "the temporary copies are gone" "$(ls -A "$TMPDIR" | wc -l)" 0
finish
