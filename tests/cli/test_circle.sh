#!/usr/bin/env bash
# End-to-end (issue 12 G1, G2): a circle rule sees each relative's colour as the
# regional pass or a review set it, never a colour a targeted rule raised, so colour
# does not cascade through a family graph and a re-run over unchanged data writes no
# list change and no alert; the circle part of a detailed headline comes from the same
# view, whatever order persons are written in.
# Data: C-A is red (seed); C-B, C-C, C-D, C-E are blue; C-A—C-B—C-C—C-D is a family
# chain, C-E is C-A's spouse and C-B's neighbour (tests/cli/data/cascade*).
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
sed -i "s|^rules:.*|rules: $TS_SOURCE_DIR/tests/cli/data/cascade|" "$C/triscreen.yaml"
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
"$TRISCREEN" init >/dev/null
"$TRISCREEN" import "$TS_SOURCE_DIR/tests/cli/data/cascade.jsonl" >/dev/null
colours() { sql "$DB" "select person || '=' || colour from list_members order by person" | tr '\n' ' '; }
state() { sql "$DB" "select * from list_members order by person; select count(*) from list_transitions;
  select count(*) from alerts;" | sha256sum; }

expect_code "first screening" 0 "$TRISCREEN" screen --threads 2
expect_eq "red by association stops at the first degree" "$(colours)" \
  "C-A=red C-B=red C-C=blue C-D=blue C-E=red "
expect_eq "C-B's evidence names the seed" \
  "$(sql "$DB" "select json_extract(reasons, '\$[1].evidence') from list_members where person='C-B'")" "C-A (family) is red"

# G2: C-E's detailed alert lists C-B with the colour C-E's rules saw (blue), not the
# red C-B was raised to earlier in the same pass
headline() { sql "$DB" "select headline from alerts where person='$1' and kind='detailed' and colour='red' order by cursor desc limit 1"; }
expect_eq "headline circle: C-B as the pass saw it" \
  "$(headline C-E | jq -c '[.circle.listed[] | select(.person=="C-B") | .colour]')" '["blue"]'
expect_eq "headline circle: one red relation" "$(headline C-E | jq -r .circle.red)" 1

before=$(state)
for i in 1 2 3; do
    expect_code "re-run $i over unchanged data" 0 "$TRISCREEN" screen --threads 1
    expect_eq "re-run $i: no list change, no transition, no alert" "$(state)" "$before"
done
expect_eq "still first degree only" "$(colours)" "C-A=red C-B=red C-C=blue C-D=blue C-E=red "

# G2 again for a person added later: C-F (blue, related to C-A and C-B) is raised; its
# headline shows C-B blue, as its rules saw it, not the red C-B's own targeted rule gave
printf '%s\n' '{"id":"C-F","name":"Fifth","grid":"T01-V01-G01","attrs":{"listed":1},"relations":[{"id":"C-B","kind":"associate"},{"id":"C-A","kind":"associate"}]}' >"$WORK/f.jsonl"
"$TRISCREEN" import "$WORK/f.jsonl" >/dev/null
expect_code "screen with C-F" 0 "$TRISCREEN" screen
expect_eq "C-F raised by C-A only" "$(sql "$DB" "select colour from list_members where person='C-F'")" red
expect_eq "C-F headline: C-B as the pass saw it" \
  "$(headline C-F | jq -c '[.circle.listed[] | select(.person=="C-B") | .colour]')" '["blue"]'
expect_eq "C-F headline: one red relation" "$(headline C-F | jq -r .circle.red)" 1

# a review sets a colour the circle sees: C-C confirmed red by a person is seen by C-D
expect_code "review raises C-C to red" 0 "$TRISCREEN" review C-C --by o-t01 --outcome raise \
  --colour red --until 2027-01-31 --note "seen in person" --now 2026-11-25
expect_code "screen after the review" 0 "$TRISCREEN" screen
expect_eq "a reviewed colour counts in the circle" \
  "$(sql "$DB" "select colour from list_members where person='C-D'")" red
finish
