#!/usr/bin/env bash
# End-to-end: init + import on real files and a real database — every kind of bad row,
# idempotent re-import, JSONL ≡ CSV, dry run, pending relations, exit codes.
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml

expect_code "init creates the database" 0 "$TRISCREEN" init
check "database file is mode 0600" [ "$(stat -c %a "$C/triscreen.db")" == 600 ]
expect_eq "grid cells stored" "$(sql "$C/triscreen.db" 'select count(*) from cells')" 63
expect_eq "schema version is the current one" "$(sql "$C/triscreen.db" "pragma user_version")" "$(sed -n "s/^#define TS_STORE_SCHEMA_VERSION //p" "$TS_SOURCE_DIR/include/triscreen/store.h")"
expect_eq "WAL mode" "$(sql "$C/triscreen.db" 'pragma journal_mode')" wal

# ---- every kind of bad row, between good ones -------------------------------------
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
{
  echo '{"id":"G-1","grid":"T01-V01-G01","name":"好人一","born":"1980-02-29"}'
  echo '{"id":"B-1","grid":"T01-V01-G01",'                                  # 2 invalid JSON
  echo '{"grid":"T01-V01-G01","name":"no id"}'                              # 3 missing id
  echo '{"id":"B-3","grid":"T09-V01-G01"}'                                  # 4 unknown grid
  echo '{"id":"B-4","grid":"T01-V01-G01","born":"1981-02-29"}'              # 5 bad date
  echo '{"id":"B-5","grid":"T01-V01-G01","attrs":{"open_disputes":[1]}}'    # 6 wrong type
  echo "{\"id\":\"B-6\",\"grid\":\"T01-V01-G01\",\"notes\":\"$big\"}"       # 7 oversize
  printf '{"id":"B-7","grid":"T01-V01-G01","name":"\xff\xfe"}\n'           # 8 invalid UTF-8
  echo '{"id":"B-8","grid":"T01-V01"}'                                      # 9 not a group
  echo '{"id":"G-2","grid":"T02-V01-G01","events":[{"type":"home_visit","date":"2026-10-01"}]}'
} >"$WORK/bad.jsonl"
expect_code "import with bad rows exits 1" 1 "$TRISCREEN" import "$WORK/bad.jsonl"
R=$WORK/bad.jsonl.rejects
check "rejects file written" [ -s "$R" ]
expect_eq "8 rejects" "$(wc -l <"$R")" 8
expect_eq "reject lines" "$(jq -r .line "$R" | tr '\n' ' ')" "2 3 4 5 6 7 8 9 "
expect_eq "reject fields" "$(jq -r .field "$R" | tr '\n' ' ')" " id grid born attrs.open_disputes notes name grid "
check "every reject names the file" [ "$(jq -r .file "$R" | sort -u)" == "$WORK/bad.jsonl" ]
check "rejects keep the raw row" grep -q '"raw":"{\\"id\\":\\"B-4\\"' "$R"
expect_eq "good rows landed" "$(sql "$C/triscreen.db" "select group_concat(id) from (select id from persons order by id)")" "G-1,G-2"
check "summary counts" grep -q "10 rows: 2 new, 0 updated, 0 unchanged, 8 rejected" "$WORK/last.out"

# ---- CSV: wrong column count, unknown header, quoted newlines -----------------------
printf 'id,name,grid,notes\r\nC-1,"Line ""one""\r\nline two",T01-V02-G01,ok\r\nC-2,x,T01-V02-G01\r\nC-3,y,T01-V02-G01,fine\r\n' >"$WORK/p.csv"
expect_code "CSV with a short row exits 1" 1 "$TRISCREEN" import "$WORK/p.csv"
expect_eq "CSV reject line (after a quoted newline)" "$(jq -r .line "$WORK/p.csv.rejects")" 4
check "CSV reject reason names the count" grep -q "expected 4 fields, got 3" "$WORK/p.csv.rejects"
expect_eq "quoted CRLF kept inside the field" "$(sql "$C/triscreen.db" "select hex(name) from persons where id='C-1'")" "$(printf 'Line "one"\r\nline two' | od -An -tx1 | tr -d ' \n' | tr a-f A-F)"
printf 'id,grid,colour\nX-1,T01-V01-G01,red\n' >"$WORK/unknown.csv"
expect_code "CSV with an unknown column is refused" 1 "$TRISCREEN" import "$WORK/unknown.csv"
check "unknown column named" grep -q "colour" "$WORK/last.err"
printf 'person_id,type,date,note\nG-1,checkin_missed,2026-11-20,\nNOBODY,checkin_missed,2026-11-20,\n' >"$WORK/ev.csv"
expect_code "events CSV with an unknown person exits 1" 1 "$TRISCREEN" import "$WORK/ev.csv"
check "unknown person reject names person_id" grep -q '"field":"person_id"' "$WORK/ev.csv.rejects"
printf 'person_id,other_id,kind\nG-1,LATER-1,family\n' >"$WORK/rel.csv"
expect_code "relation to a person not yet imported is kept" 0 "$TRISCREEN" import "$WORK/rel.csv"
expect_eq "pending relation stored" "$(sql "$C/triscreen.db" "select count(*) from relations where b='LATER-1' or a='LATER-1'")" 1
check "no rejects file when nothing was rejected" [ ! -e "$WORK/rel.csv.rejects" ]

# ---- YAML records ------------------------------------------------------------------
cat >"$WORK/p.yaml" <<'EOY'
- id: Y-1
  grid: T03-V01-G01
  name: 山田
  events:
    - {type: home_visit, date: 2026-09-09}
- id: Y-2
  grid: T03-V01-G01
  born: not-a-date
EOY
expect_code "YAML import with a bad item exits 1" 1 "$TRISCREEN" import "$WORK/p.yaml"
expect_eq "YAML reject line" "$(jq -r .line "$WORK/p.yaml.rejects")" 6
expect_eq "YAML good item landed" "$(sql "$C/triscreen.db" "select name from persons where id='Y-1'")" 山田

# ---- generated data: idempotent re-import, dry run, JSONL ≡ CSV ---------------------
"$GEN" -n 3000 -s 7 -o "$WORK/gen.jsonl"
mkdir -p "$WORK/csv" && "$GEN" -n 3000 -s 7 --csv "$WORK/csv"
expect_code "dry run" 0 "$TRISCREEN" import --dry-run "$WORK/gen.jsonl"
expect_eq "dry run stores nothing" "$(sql "$C/triscreen.db" "select count(*) from persons where id like 'P-%'")" 0
expect_code "import generated JSONL" 0 "$TRISCREEN" import "$WORK/gen.jsonl"
check "3000 new" grep -q "3000 rows: 3000 new" "$WORK/last.out"
snap() { sql "$1" "select id, name, grid, born, notes, hex(extra), hex(events), n_events, digest from persons where id like 'P-%' order by id; select * from relations where a like 'P-%' order by 1,2,3;" | sha256sum; }
before=$(snap "$C/triscreen.db")
expect_code "re-import" 0 "$TRISCREEN" import "$WORK/gen.jsonl"
check "re-import changes nothing" grep -q "3000 rows: 0 new, 0 updated, 3000 unchanged, 0 rejected; 0 new events, 0 new relations" "$WORK/last.out"
expect_eq "re-import leaves identical content" "$(snap "$C/triscreen.db")" "$before"

C2=$WORK/county2
new_county "$C2"
TRISCREEN_CONFIG=$C2/triscreen.yaml "$TRISCREEN" init >/dev/null
expect_code "import the same data as CSV" 0 env TRISCREEN_CONFIG="$C2/triscreen.yaml" "$TRISCREEN" import "$WORK/csv/persons.csv" "$WORK/csv/events.csv" "$WORK/csv/relations.csv"
expect_eq "JSONL and CSV give the same database content" "$(snap "$C2/triscreen.db")" "$before"

# ---- the generator is deterministic and the committed samples are its output ----------
check "ts-gen: same seed, same bytes" cmp -s <("$GEN" -n 500 -s 42) <("$GEN" -n 500 -s 42)
check "ts-gen: another seed, other bytes" bash -c "! cmp -s <('$GEN' -n 500 -s 42) <('$GEN' -n 500 -s 43)"
check "samples/persons.jsonl is ts-gen -n 2000 -s 20261125" cmp -s <("$GEN" -n 2000 -s 20261125) "$TS_SOURCE_DIR/samples/persons.jsonl"

# ---- usage and config errors exit 2 --------------------------------------------------
expect_code "no file is a usage error" 2 "$TRISCREEN" import
expect_code "missing config" 2 env TRISCREEN_CONFIG=$WORK/nope.yaml "$TRISCREEN" init
check "missing config names the file" grep -q "nope.yaml" "$WORK/last.err"
finish
