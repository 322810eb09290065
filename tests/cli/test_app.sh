#!/usr/bin/env bash
# tests/cli/test_app.sh — what every command gets from the app tier (triscreen/app.h):
# one resolution of `now` (--now, else the config's now:, else today) with one error
# message for a bad --now, checked before the config is read; an unknown --scope as a
# usage error; and a command that opens the store read-only never creates it.
source "$(dirname "$0")/lib.sh"

C=$WORK/county
new_county "$C"
cd "$C"
TS() { local cmd=$1; shift; "$TRISCREEN" "$cmd" -c "$C/triscreen.yaml" "$@"; }

# read-only commands on a county without a database: an error, and no file is created
expect_code "lists before init" 1 TS lists
check "lists before init created no database" test ! -e triscreen.db

expect_code "init" 0 TS init
head -40 "$TS_SOURCE_DIR/samples/persons.jsonl" >p.jsonl
expect_code "import" 0 TS import p.jsonl

# now: the config's now: (2026-11-25), else --now
expect_code "screen (config now)" 0 TS screen --pass full
check "screen ran at the config's now" grep -q " now 2026-11-25 " "$WORK/last.out"
expect_code "screen --now" 0 TS screen --pass full --now 2026-12-01
check "screen ran at --now" grep -q " now 2026-12-01 " "$WORK/last.out"
expect_eq "runs recorded with both days" \
  "$(sql triscreen.db "select group_concat(now, ' ') from (select now from runs order by id)")" \
  "2026-11-25 2026-12-01"
# and today when the config has no now:
sed '/^now:/d' triscreen.yaml >nonow.yaml
expect_code "screen without any now" 0 "$TRISCREEN" screen -c "$C/nonow.yaml" --pass full
check "screen ran today" grep -q " now $(date -u +%F) " "$WORK/last.out"

# one message for a bad --now, exit 2, for every command that takes --now
want="triscreen: --now: '2026-02-30' is not a date (YYYY-MM-DD)"
for cmd in "screen" "due" "report" "diff --rules $TS_SOURCE_DIR/rules" \
  "review P-000001 --by o-t01 --outcome confirm --note ok"; do
  read -r -a argv <<<"$cmd"
  expect_code "$cmd --now 2026-02-30" 2 TS "${argv[0]}" "${argv[@]:1}" --now 2026-02-30
  expect_eq "$cmd: the one --now message" "$(cat "$WORK/last.err")" "$want"
  # checked before the config is read
  expect_code "$cmd --now bad, no config" 2 "$TRISCREEN" "${argv[0]}" -c "$WORK/nope.yaml" \
    "${argv[@]:1}" --now 2026-02-30
  expect_eq "$cmd: --now reported first" "$(cat "$WORK/last.err")" "$want"
done

# an unknown scope is a usage error naming the cell
for cmd in lists ledger due report alerts; do
  expect_code "$cmd --scope T99" 2 TS "$cmd" --scope T99
  check "$cmd --scope T99 names the cell" grep -q "scope: unknown grid cell 'T99'" "$WORK/last.err"
done
finish
