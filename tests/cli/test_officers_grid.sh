#!/usr/bin/env bash
# tests/cli/test_officers_grid.sh — only officers of the grid act: `triscreen review --by`
# refuses a name that is not an officer of the grid file (exit 2, nothing written: no
# review, no audit row, no list change) and accepts a cell's officer and the county desk
# (the grid file's top-level officers:). Also the grid file's officer-id checks at init.
source "$(dirname "$0")/lib.sh"

C=$WORK/county
new_county "$C"
cd "$C"
TS() { local cmd=$1; shift; "$TRISCREEN" "$cmd" -c "$C/triscreen.yaml" "$@"; }

expect_code "init" 0 TS init
head -20 "$TS_SOURCE_DIR/samples/persons.jsonl" >p.jsonl
expect_code "import" 0 TS import p.jsonl
sql triscreen.db <<'SQL'
INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status) VALUES
  (1, 'full', 'all', '2026-11-20', 'h', 'c', 't', 'done');
INSERT INTO list_members(person, colour, score, since, run, reasons, engine_colour, next_review)
  SELECT id, 'red', 80, '2026-11-20', 1, '[{"id":"x.y","evidence":"e"}]', 'red', '2026-11-27'
  FROM persons;
SQL
P=$(sql triscreen.db "SELECT id FROM persons ORDER BY id LIMIT 1")
G=$(sql triscreen.db "SELECT grid FROM persons WHERE id = '$P'")
# one officer of the person's group, from the grid file itself
O=$(awk -v g="code: $G" '$0 ~ g {f = 1; next} f && /id:/ {sub(/.*id: /, ""); sub(/,.*/, ""); print; exit}' grid.yaml)
check "the person's group has an officer ($G: $O)" test -n "$O"

state() { sql triscreen.db "SELECT (SELECT count(*) FROM reviews) || ' ' || (SELECT count(*) FROM audit WHERE action LIKE 'review%') || ' ' || (SELECT colour || '/' || ifnull(override_colour, '-') FROM list_members WHERE person = '$P')"; }
before=$(state)
expect_eq "nothing reviewed yet" "$before" "0 0 red/-"

# not officers of the grid: refused with exit 2, the id named, nothing written
expect_code "review --by ghost" 2 TS review "$P" --by ghost --outcome lower --colour blue --note "visited"
check "... names the id and the field" grep -qx "triscreen: review: --by: 'ghost' is not an officer of the grid" "$WORK/last.err"
expect_eq "... nothing written" "$(state)" "$before"
expect_code "review --by a cell code" 2 TS review "$P" --by "$G" --outcome confirm --note "x"
check "... is not an officer either" grep -q "'$G' is not an officer of the grid" "$WORK/last.err"
expect_code "review --by another case" 2 TS review "$P" --by "${O^^}" --outcome confirm --note "x"
expect_code "review --by with an escape sequence" 2 TS review "$P" --by "$(printf 'o\033[2Jx')" --outcome confirm --note "x"
check "... refused by the text check, never printed raw" test "$(grep -c $'\033' "$WORK/last.err")" = 0
# valid UTF-8 that a terminal acts on (C1 CSI, right-to-left override): escaped
expect_code "review --by with C1 and bidi characters" 2 TS review "$P" --by "$(printf 'o\xc2\x9bx\xe2\x80\xaey')" --outcome confirm --note "x"
check "... escaped in the message" grep -qF "review: --by: 'o\\xC2\\x9Bx\\xE2\\x80\\xAEy' is not an officer of the grid" "$WORK/last.err"
check "... and never printed raw" test "$(grep -c $'\xe2\x80\xae' "$WORK/last.err")" = 0
expect_code "review --by unknown for an unknown person" 2 TS review P-NOPE --by ghost --outcome confirm --note "x"
expect_eq "... nothing written by any refusal" "$(state)" "$before"

# an officer of the grid, but of another town: refused (exit 1), audited, nothing else
T=${G%%-*}; OT=o-t02; [ "$T" = T02 ] && OT=o-t03
expect_code "review by an officer of another town" 1 TS review "$P" --by "$OT" --outcome confirm --note "x"
check "... says whom it may review" grep -q "$OT may review only persons in" "$WORK/last.err"
expect_eq "... the refusal audited" "$(sql triscreen.db "SELECT count(*) FROM audit WHERE action = 'review.refused' AND actor = '$OT'")" 1
expect_eq "... no review written" "$(sql triscreen.db "SELECT count(*) FROM reviews")" 0
before=$(state)

# officers of the grid act: the group's officer, then the county desk
expect_code "review --by the group's officer" 0 TS review "$P" --by "$O" --outcome lower --colour blue --note "visited" --now 2026-11-25
check "... recorded" grep -q "review recorded: $P lower blue by $O on 2026-11-25" "$WORK/last.out"
expect_eq "... one review, one audit row" "$(state)" "1 2 blue/blue"
expect_eq "... by that officer" "$(sql triscreen.db "SELECT by FROM reviews")" "$O"
expect_code "review --by the county desk" 0 TS review "$P" --by o-county --outcome confirm --note "checked" --now 2026-11-26
expect_eq "... recorded too" "$(sql triscreen.db "SELECT count(*) || ' ' || max(by) FROM reviews WHERE by = 'o-county'")" "1 o-county"

# the grid file's officer ids: unique across the file, county desk included (init: exit 2)
sed 's/^officers: \[{id: o-county,/officers: [{id: o-t01,/' grid.yaml >grid2.yaml
sed 's#^grid: grid.yaml#grid: grid2.yaml#' triscreen.yaml >t2.yaml
expect_code "init: an officer id used twice" 2 "$TRISCREEN" init -c t2.yaml
check "... names the place and the id" grep -q "grid2.yaml:[0-9]*:[0-9]*: officers of T01: duplicate officer id 'o-t01' (first used on line 4, by the county desk)" "$WORK/last.err"
sed 's/^officers: \[{id: o-county,/officers: [{id: o county,/' grid.yaml >grid2.yaml
expect_code "init: an officer id with a space" 2 "$TRISCREEN" init -c t2.yaml
check "... is refused" grep -q "grid2.yaml:4:17: officers\[0\].id: 'o county' may contain only" "$WORK/last.err"

finish
