#!/usr/bin/env bash
# End-to-end (issue 12 D): text a person types on the CLI is checked (UTF-8, length,
# control characters; exit 2 naming the flag), and a database that already holds bad
# bytes renders them as U+FFFD in JSON instead of breaking the output.
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
db=$C/triscreen.db
"$TRISCREEN" init >/dev/null
"$GEN" -n 400 -s 11 -o "$WORK/p.jsonl"
"$TRISCREEN" import "$WORK/p.jsonl" >/dev/null
"$TRISCREEN" screen >/dev/null || true
P=$(sql "$db" "select person from list_members order by person limit 1")
check "someone is listed" [ -n "$P" ]
A=$(sql "$db" "select printf('A-%06d', cursor) from alerts order by cursor limit 1")
check "some alert exists" [ -n "$A" ]
BAD=$(printf 'visited\xff\xfe')
LONG=$(head -c 4097 /dev/zero | tr '\0' 'n')

# ---- the CLI refuses bad text, exit 2, naming the flag ------------------------------------
expect_code "review --note with invalid UTF-8" 2 "$TRISCREEN" review "$P" --by o-t01 --outcome confirm --note "$BAD"
check "the error names --note and the offset" grep -q -- "--note: not valid UTF-8 (bad byte 0xff at offset 7)" "$WORK/last.err"
expect_code "review --by with invalid UTF-8" 2 "$TRISCREEN" review "$P" --by "o$(printf '\xc3')" --outcome confirm --note ok
check "the error names --by" grep -q -- "review: --by: not valid UTF-8" "$WORK/last.err"
expect_code "review --note over 4096 bytes" 2 "$TRISCREEN" review "$P" --by o-t01 --outcome confirm --note "$LONG"
check "the error gives the cap" grep -q -- "--note: longer than 4096 bytes" "$WORK/last.err"
expect_code "review --by with a line break" 2 "$TRISCREEN" review "$P" --by "$(printf 'o-t01\nx')" --outcome confirm --note ok
expect_code "dossier ID with invalid UTF-8 (it goes to the audit trail)" 2 "$TRISCREEN" dossier "P$(printf '\xff')"
check "dossier names the ID" grep -q -- "dossier: ID: not valid UTF-8" "$WORK/last.err"
expect_code "ack --by with invalid UTF-8" 2 "$TRISCREEN" ack "$A" --by "$BAD"
check "ack names --by" grep -q -- "ack: --by: not valid UTF-8" "$WORK/last.err"
expect_code "ack --note with invalid UTF-8" 2 "$TRISCREEN" ack "$A" --by o-t01 --note "$BAD"
expect_code "close --note with invalid UTF-8" 2 "$TRISCREEN" close "$A" --by o-t01 --note "$BAD"
check "close names --note" grep -q -- "close: --note: not valid UTF-8" "$WORK/last.err"
expect_code "close --note over 4096 bytes" 2 "$TRISCREEN" close "$A" --by o-t01 --note "$LONG"
expect_eq "nothing was stored" "$(sql "$db" "select count(*) from reviews")" 0
expect_code "a note with line breaks and CJK is fine" 0 "$TRISCREEN" review "$P" --by o-t01 --outcome confirm --note "$(printf '走访\n已核实')"
expect_code "ack with good text" 0 "$TRISCREEN" ack "$A" --by o-county --note "电话联系"

# ---- a file name that is not UTF-8 is audited as valid text --------------------------------
cp "$WORK/p.jsonl" "$WORK/$(printf 'odd\xff').jsonl"
expect_code "import a file whose name is not UTF-8" 0 "$TRISCREEN" import "$WORK/$(printf 'odd\xff').jsonl"
expect_eq "the audit row holds valid text" "$(sql "$db" "select count(*) from audit where action='import' and hex(target) like '%EFBFBD%'")" 1

# ---- bad bytes already in the database come out as U+FFFD ---------------------------------
sql "$db" "update reviews set note = cast(note || x'fffe' as text), by = cast(by || x'c0' as text);
           update alert_history set note = cast(coalesce(note,'') || x'ff' as text), by = cast(by || x'ed' as text);
           update persons set notes = cast(x'e4bda0ff' as text), name = cast(x'ff' as text) where id = '$P';"
check "the database now holds bad bytes" [ "$(sql "$db" "select count(*) from reviews where hex(note) like '%FFFE'")" == 1 ]
expect_code "dossier --format json still works" 0 "$TRISCREEN" dossier "$P" --format json
check "dossier JSON parses" jq -e . "$WORK/last.out" >/dev/null
check "dossier JSON shows U+FFFD for the bad bytes" grep -q "$(printf '\xef\xbf\xbd')" "$WORK/last.out"
check "dossier JSON is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$WORK/last.out" -o /dev/null
expect_code "alerts --format jsonl still works" 0 "$TRISCREEN" alerts --format jsonl
check "alerts JSON parses" jq -e . "$WORK/last.out" >/dev/null
check "alerts JSON is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$WORK/last.out" -o /dev/null
expect_code "lists --format jsonl still works" 0 "$TRISCREEN" lists --format jsonl
check "lists JSON parses" jq -e . "$WORK/last.out" >/dev/null
check "lists JSON is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$WORK/last.out" -o /dev/null
finish
