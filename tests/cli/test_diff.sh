#!/usr/bin/env bash
# End-to-end: `triscreen diff --rules DIR` — the deployed pack against itself changes
# nothing, a stricter candidate names exactly who would move, and the real database is
# never written (its lists, runs and alerts stay as they were).
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
"$TRISCREEN" init >/dev/null
"$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
"$TRISCREEN" screen >/dev/null
state() { sql "$DB" "select * from list_members order by person; select count(*) from runs; select count(*) from alerts;" | sha256sum; }
before=$(state)
export TMPDIR=$WORK/tmp && mkdir -p "$TMPDIR"

expect_code "diff of the deployed pack with itself" 0 "$TRISCREEN" diff --rules "$TS_SOURCE_DIR/rules"
check "nothing would change" grep -q "^0 persons would change list" "$WORK/last.out"

R=$WORK/strict
mkdir -p "$R" && cp "$TS_SOURCE_DIR"/rules/*.lua "$R/"
# a candidate where every incident votes red
sed -i 's/  score = 40,/  list = "red",/' "$R/20_regional.lua"
expect_code "diff with a candidate pack" 0 "$TRISCREEN" diff --rules "$R" --format jsonl
moves() { jq -c 'select(.person and .before.colour != .after.colour)' "$WORK/last.out"; }
n=$(moves | wc -l)
check "the candidate moves some persons" [ "$n" -gt 0 ]
check "every move is a rise to red with incident.recent among its rules" \
  [ "$(moves | jq -c 'select(.after.colour != "red" or (.after.rules | index("incident.recent")) == null)' | wc -l)" -eq 0 ]
expect_code "table form" 0 "$TRISCREEN" diff --rules "$R" --scope T01
check "summary line" grep -qE "^[0-9]+ persons would change list: 0 enter, 0 leave, [0-9]+ rise, 0 fall" "$WORK/last.out"
expect_eq "the real database was not written" "$(state)" "$before"
expect_eq "the temporary copies are gone" "$(ls -A "$TMPDIR" | wc -l)" 0
expect_code "a broken candidate is refused with file:line" 1 bash -c "echo 'rule { id = 1 }' >'$R/99_bad.lua'; '$TRISCREEN' diff --rules '$R'"
check "the problem names the file" grep -q "99_bad.lua:1" "$WORK/last.err"
expect_code "--rules is required" 2 "$TRISCREEN" diff
finish
