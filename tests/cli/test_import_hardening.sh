#!/usr/bin/env bash
# End-to-end (issue 12 C, F4, B8): imports reject the bad record, never the file —
# large records, wide CSV files, YAML files with a bad item, rejects files mode 0600,
# self-relations, raw rows on every reject, birth dates, protected attribute names.
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
"$TRISCREEN" init >/dev/null
db=$C/triscreen.db
count() { sql "$db" "select count(*) from persons where id like '$1'"; }

# ---- C1: records of any size up to TS_LIMIT_LINE (1 MiB) import --------------------------
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
with open(w + "/notes.jsonl", "w") as f:  # 6,000 records of 3.5 KB: more than one batch arena
    for i in range(6000):
        f.write(json.dumps({"id": "N-%05d" % i, "grid": "T01-V01-G01", "notes": "z" * 3500}) + "\n")
def big(pid, n_ev):
    evs = [{"type": "home_visit", "date": "2026-10-%02d" % (i + 1), "note": "q" * 60000}
           for i in range(n_ev)]
    return json.dumps({"id": pid, "grid": "T01-V01-G01", "notes": "w" * 60000, "events": evs})
near = big("BIG-1", 16)   # about 1.02 MB: under the cap
over = big("BIG-2", 17)   # about 1.08 MB: over the cap
assert len(near) < (1 << 20) < len(over)
with open(w + "/big.jsonl", "w") as f:
    f.write(json.dumps({"id": "BIG-0", "grid": "T01-V01-G01"}) + "\n")
    f.write(near + "\n" + over + "\n")
    f.write(json.dumps({"id": "BIG-3", "grid": "T01-V01-G01"}) + "\n")
PY
expect_code "6,000 records of 3.5 KB import" 0 "$TRISCREEN" import "$WORK/notes.jsonl"
expect_eq "all of them stored" "$(count 'N-%')" 6000
expect_code "a record over 1 MiB is rejected alone" 1 "$TRISCREEN" import "$WORK/big.jsonl"
expect_eq "the others are stored" "$(sql "$db" "select group_concat(id) from (select id from persons where id like 'BIG-%' order by id)")" "BIG-0,BIG-1,BIG-3"
expect_eq "the reject names line 3" "$(jq -r .line "$WORK/big.jsonl.rejects")" 3
check "the reject says the cap" grep -q "longer than 1048576 bytes" "$WORK/big.jsonl.rejects"
expect_eq "the reject names the field where the cap was reached" "$(jq -r .field "$WORK/big.jsonl.rejects")" "events"
expect_eq "the 1 MiB record kept its 16 events" "$(sql "$db" "select n_events from persons where id='BIG-1'")" 16

# ---- C2: wide CSV files (up to 2048 columns; a row fills at most 256 attrs) ----------------
python3 - "$WORK" <<'PY'
import sys
w = sys.argv[1]
n = 600
head = ["id", "grid"] + ["attrs.a%03d" % i for i in range(n)]
rows = [["W-1", "T01-V01-G01"] + [str(i) if i < 256 else "" for i in range(n)],      # 256 filled
        ["W-2", "T01-V01-G01"] + ["x" if i % 2 else "" for i in range(n)],           # 300 filled
        ["W-3", "T01-V01-G01"] + ["" if i < 590 else "true" for i in range(n)]]      # the last 10
with open(w + "/wide.csv", "w") as f:
    for r in [head] + rows:
        f.write(",".join(r) + "\n")
head = ["id", "grid"] + ["attrs.b%04d" % i for i in range(2100)]
with open(w + "/wider.csv", "w") as f:
    f.write(",".join(head) + "\n" + ",".join(["V-1", "T01-V01-G01"] + [""] * 2100) + "\n")
PY
expect_code "a 602-column CSV imports, one row rejected" 1 "$TRISCREEN" import "$WORK/wide.csv"
expect_eq "rows with up to 256 attrs stored" "$(sql "$db" "select group_concat(id) from (select id from persons where id like 'W-%' order by id)")" "W-1,W-3"
expect_eq "the 300-attr row's reject names the first column past the cap" "$(jq -r .field "$WORK/wide.csv.rejects")" "attrs.a513"
check "the reason gives the cap" grep -q "more than 256 attributes" "$WORK/wide.csv.rejects"
expect_code "a CSV with 2102 columns is refused" 1 "$TRISCREEN" import "$WORK/wider.csv"
check "the error names the first column past 2048" grep -q 'field 2049 ("attrs.b2046")' "$WORK/last.err"
check "the error names the file and line" grep -q "wider.csv:1: header" "$WORK/last.err"

# ---- C3: one bad item in a YAML file is that item's reject; the rest is kept ------------------
cat >"$WORK/y.yaml" <<'EOY'
# persons
- id: Y-1
  grid: T01-V01-G01
- id: Y-2
  id: Y-2b
  grid: T01-V01-G01
- id: Y-3
  grid: T01-V01-G01
  born: !!binary 2000-01-01
- id: Y-4
  grid: T01-V01-G01
  born: 1990-02-30
- id: Y-5
  grid: T01-V01-G01
  notes: "a quote that never closes
- id: Y-6
  grid: T01-V01-G01
EOY
expect_code "YAML with bad items" 1 "$TRISCREEN" import "$WORK/y.yaml"
expect_eq "good items kept, before and after the bad ones" "$(sql "$db" "select group_concat(id) from (select id from persons where id like 'Y-%' order by id)")" "Y-1,Y-6"
expect_eq "each bad item rejected at its line" "$(jq -r .line "$WORK/y.yaml.rejects" | tr '\n' ' ')" "4 7 10 13 "
check "the duplicate key is named" grep -q "duplicate key 'id'" "$WORK/y.yaml.rejects"
check "the bad tag is named" grep -q "tag:yaml.org,2002:binary" "$WORK/y.yaml.rejects"
check "the syntax error is reported" grep -q "while scanning a quoted scalar" "$WORK/y.yaml.rejects"
check "rejects carry the item's text" grep -q '"raw":"- id: Y-2\\n  id: Y-2b' "$WORK/y.yaml.rejects"
printf 'persons:\n  - {id: Y-7, grid: T01-V01-G01}\n  - {id: Y-8, grid: T01-V01-G01, grid: x}\n  - {id: Y-9, grid: T01-V01-G01}\n' >"$WORK/yp.yaml"
expect_code "YAML persons: form with a bad item" 1 "$TRISCREEN" import "$WORK/yp.yaml"
expect_eq "persons: form keeps the good items" "$(sql "$db" "select group_concat(id) from (select id from persons where id in ('Y-7','Y-8','Y-9') order by id)")" "Y-7,Y-9"

# ---- C4: rejects files are mode 0600, new or already there --------------------------------
printf '{"id":"R-1","grid":"T01-V01-G01","born":"x"}\n' >"$WORK/r.jsonl"
expect_code "import with a reject" 1 "$TRISCREEN" import "$WORK/r.jsonl"
expect_eq "per-input rejects file is 0600" "$(stat -c %a "$WORK/r.jsonl.rejects")" 600
touch "$WORK/shared.rejects" && chmod 644 "$WORK/shared.rejects"
expect_code "import with --rejects" 1 "$TRISCREEN" import --rejects "$WORK/shared.rejects" "$WORK/r.jsonl"
expect_eq "an existing --rejects file becomes 0600" "$(stat -c %a "$WORK/shared.rejects")" 600
check "the shared rejects file has the row" grep -q '"field":"born"' "$WORK/shared.rejects"
(umask 000 && "$TRISCREEN" import "$WORK/r.jsonl" >/dev/null 2>&1 || true)
expect_eq "0600 even under umask 000" "$(stat -c %a "$WORK/r.jsonl.rejects")" 600
expect_eq "database is 0600" "$(stat -c %a "$db")" 600
for f in "$db-wal" "$db-shm"; do
  [ -e "$f" ] && expect_eq "$(basename "$f") is 0600" "$(stat -c %a "$f")" 600
done
C3=$WORK/county3
new_county "$C3"
(umask 000 && TRISCREEN_CONFIG=$C3/triscreen.yaml "$TRISCREEN" init >/dev/null)
expect_eq "database created under umask 000 is 0600" "$(stat -c %a "$C3/triscreen.db")" 600

# ---- C5: a self-relation is rejected; every reject carries the raw row --------------------
{
  echo '{"id":"S-1","grid":"T01-V01-G01","relations":[{"id":"S-2","kind":"spouse"},{"id":"S-1","kind":"self"}]}'
  echo '{"id":"S-2","grid":"T09-V09-G09"}'
  echo '{"id":"S-3","grid":"T01-V01-G01"}'
} >"$WORK/self.jsonl"
expect_code "self-relation and unknown grid rejected" 1 "$TRISCREEN" import "$WORK/self.jsonl"
R=$WORK/self.jsonl.rejects
expect_eq "self-relation field" "$(jq -r 'select(.line==1).field' "$R")" "relations[1].id"
expect_eq "self-relation reason" "$(jq -r 'select(.line==1).reason' "$R")" "a person cannot be related to themself"
check "self-relation reject has the raw row" [ "$(jq -r 'select(.line==1).raw' "$R")" == "$(sed -n 1p "$WORK/self.jsonl")" ]
check "unknown-grid reject (JSONL) has the raw row" [ "$(jq -r 'select(.line==2).raw' "$R")" == "$(sed -n 2p "$WORK/self.jsonl")" ]
expect_eq "S-1 not stored, S-3 stored" "$(sql "$db" "select group_concat(id) from persons where id like 'S-%'")" "S-3"
printf 'id,grid\nQ-1,T09-V09-G09\n' >"$WORK/grid.csv"
expect_code "CSV person in an unknown cell" 1 "$TRISCREEN" import "$WORK/grid.csv"
expect_eq "unknown-grid reject (CSV) has the raw row" "$(jq -r .raw "$WORK/grid.csv.rejects")" "Q-1,T09-V09-G09"
printf 'person_id,type,date\nNOBODY,home_visit,2026-10-01\n' >"$WORK/ev.csv"
expect_code "events CSV for an unknown person" 1 "$TRISCREEN" import "$WORK/ev.csv"
expect_eq "unknown-person reject (events CSV) has the raw row" "$(jq -r .raw "$WORK/ev.csv.rejects")" "NOBODY,home_visit,2026-10-01"
printf 'person_id,other_id,kind\nS-3,S-3,self\n' >"$WORK/rel.csv"
expect_code "relations CSV with a self-relation" 1 "$TRISCREEN" import "$WORK/rel.csv"
expect_eq "self-relation reject (relations CSV) has the raw row" "$(jq -r .raw "$WORK/rel.csv.rejects")" "S-3,S-3,self"
printf -- '- id: Y-9\n  grid: T09-V09-G09\n' >"$WORK/grid.yaml"
expect_code "YAML person in an unknown cell" 1 "$TRISCREEN" import "$WORK/grid.yaml"
check "unknown-grid reject (YAML) has the raw item" grep -q '"raw":"id: Y-9' "$WORK/grid.yaml.rejects"
check "no reject line has an empty raw" bash -c "! cat '$WORK'/*.rejects | jq -e 'select(.raw == \"\")' >/dev/null"

# ---- B8: attribute names are stored normalised; protected ones are rejected in any disguise -
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
names = ["Re li gion", "RELIGION", "religion\u200b", "\uff52\uff45\uff4c\uff49\uff47\uff49\uff4f\uff4e",
         "religions", "r\u0435ligion", "\u6c11\u65cf", "\u5b97\u6559\u4fe1\u4ef0", "\u653f\u6cbb\u9762\u8c8c",
         "\u515a\u5458", "Political_Affiliation", "caste"]
with open(w + "/prot.jsonl", "w") as f:
    for i, n in enumerate(names):
        f.write(json.dumps({"id": "PR-%02d" % i, "grid": "T01-V01-G01", "attrs": {n: "x"}}) + "\n")
    f.write(json.dumps({"id": "PR-99", "grid": "T01-V01-G01", "attrs": {"Open Disputes": 2, "EMPLOYED": True}}) + "\n")
PY
expect_code "protected attributes rejected" 1 "$TRISCREEN" import "$WORK/prot.jsonl"
R=$WORK/prot.jsonl.rejects
expect_eq "every disguise but the unconfigured 'caste' is rejected" "$(wc -l <"$R")" 11
check "each reject names the attrs field" bash -c "[ \"\$(jq -r .field '$R' | grep -c '^attrs\.')\" == 11 ]"
check "reasons say protected" bash -c "[ \"\$(jq -r .reason '$R' | grep -c 'protected attribute is not accepted')\" == 11 ]"
expect_eq "stored attribute names are the normal form" "$(sql "$db" "select count(*) from persons where id='PR-99'")" 1
"$TRISCREEN" dossier PR-99 --format json >"$WORK/pr99.json" 2>/dev/null || true
check "the dossier shows normalised names" bash -c "jq -e '.. | objects | select(has(\"employed\") and has(\"opendisputes\"))' '$WORK/pr99.json' >/dev/null"
# the config adds names of its own
echo 'protected_attributes: [caste, "户籍"]' >>"$C/triscreen.yaml"
printf '{"id":"PR-50","grid":"T01-V01-G01","attrs":{"Castes":"x"}}\n{"id":"PR-51","grid":"T01-V01-G01","attrs":{"户籍":"x"}}\n{"id":"PR-52","grid":"T01-V01-G01","attrs":{"employed":true}}\n' >"$WORK/prot2.jsonl"
expect_code "config protected_attributes rejected" 1 "$TRISCREEN" import "$WORK/prot2.jsonl"
expect_eq "both configured names rejected" "$(jq -r .field "$WORK/prot2.jsonl.rejects" | tr '\n' ' ')" "attrs.castes attrs.户籍 "
expect_eq "the ordinary record stored" "$(sql "$db" "select count(*) from persons where id='PR-52'")" 1
printf 'id,grid,attrs.Caste\nPR-60,T01-V01-G01,x\n' >"$WORK/prot.csv"
expect_code "config protected_attributes rejected in CSV" 1 "$TRISCREEN" import "$WORK/prot.csv"
check "CSV reject names the column" grep -q '"field":"attrs.caste"' "$WORK/prot.csv.rejects"
sed -i '$d' "$C/triscreen.yaml"

# ---- F4: a birth date that is not accepted says why ----------------------------------------
printf '{"id":"D-1","grid":"T01-V01-G01","born":"0001-01-01"}\n{"id":"D-2","grid":"T01-V01-G01","born":"1990-02-29"}\n' >"$WORK/born.jsonl"
expect_code "bad birth dates are rejected" 1 "$TRISCREEN" import "$WORK/born.jsonl"
expect_eq "0001-01-01 says the year is too early" "$(jq -r .reason "$WORK/born.jsonl.rejects" | head -1)" "not a real date: year 0001 is before 1000, the earliest year accepted"
expect_eq "1990-02-29 says how long February is" "$(jq -r .reason "$WORK/born.jsonl.rejects" | tail -1)" "not a real date: 1990-02-29, February 1990 has 28 days"

finish
