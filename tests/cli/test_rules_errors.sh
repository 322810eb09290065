#!/usr/bin/env bash
# End-to-end (issue 16 item 1): `triscreen rules errors` lists the rule errors past runs
# recorded, by rule, with the pack's titles, counts, run dates and person ids (capped),
# filtered by --since, --rule and --scope, never with the stored message (it quotes record
# values); `screen` ends with one line per failing rule (text and JSON).
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
"$TRISCREEN" init >/dev/null
"$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null

expect_code "rules errors on a database without errors" 0 "$TRISCREEN" rules errors
expect_eq "no errors: one line says so" "$(cat "$WORK/last.out")" "no rule errors"
expect_code "rules errors --format json without errors" 0 "$TRISCREEN" rules errors --format json
expect_eq "no errors: empty JSON" "$(cat "$WORK/last.out")" '{"rules":[],"errors":0}'

# ---- a pack copy with a rule that errors on two persons, quoting the record -----------
R=$WORK/rules
mkdir -p "$R" && cp "$TS_SOURCE_DIR"/rules/*.lua "$R/"
cat >"$R/99_leaky.lua" <<'EOL'
rule {
  id = "broken.leaky", pass = "full", title = "Errors for two persons",
  when = function(p, ctx)
    if p.id == "P-000007" or p.id == "P-000011" then
      error("bad record: " .. p.name .. " secret-note")
    end
    return false
  end,
}
EOL
sed -i "s|^rules:.*|rules: $R|" "$C/triscreen.yaml"
NAME7=$(sql "$DB" "select json_extract(record, '\$.name') from persons where id = 'P-000007'" 2>/dev/null || true)
[ -n "$NAME7" ] || NAME7=$(jq -r 'select(.id=="P-000007") | .name' "$TS_SOURCE_DIR/samples/persons.jsonl")
check "the sample person has a name to leak" [ -n "$NAME7" ]
no_record() { # no_record FILE...: none of the stored message's record values
    ! grep -q -e "$NAME7" -e secret-note -e "bad record" "$@"
}

expect_code "screen with the failing rule exits 1" 1 "$TRISCREEN" screen
expect_eq "screen ends with the failing rule's line" "$(tail -1 "$WORK/last.out")" \
  "rule errors: broken.leaky 2 persons (Errors for two persons)"
expect_eq "one line per failing rule" "$(grep -c '^rule errors: ' "$WORK/last.out")" 1
check "screen's output holds no record value" no_record "$WORK/last.out" "$WORK/last.err"
expect_code "screen --format json with the failing rule" 1 "$TRISCREEN" screen --pass full --format json
expect_eq "the pass JSON has the rule's count and title" \
  "$(jq -c '.rule_errors_by_rule[] | [.rule, .title, .persons, .person_ids]' "$WORK/last.out")" \
  '["broken.leaky","Errors for two persons",2,["P-000007","P-000011"]]'
check "screen's JSON holds no record value" no_record "$WORK/last.out"
check "the full message stays in rule_errors" \
  [ "$(sql "$DB" "select count(*) from rule_errors where message like '%secret-note%'")" -eq 4 ]

expect_code "rules errors lists the rule" 0 "$TRISCREEN" rules errors
cp "$WORK/last.out" "$WORK/errs1.txt"
expect_eq "text: rule, title, counts, dates, kind, ids" "$(cat "$WORK/errs1.txt")" \
"broken.leaky (Errors for two persons)
  errors 4, persons 2, first 2026-11-25, last 2026-11-25, kind RULE
  persons: P-000007, P-000011
1 rule, 4 errors"
check "rules errors holds no record value" no_record "$WORK/errs1.txt" "$WORK/last.err"

# ---- a second run, later, with another rule failing on 200 persons ---------------------
rm "$R/99_leaky.lua"
cat >"$R/99_late.lua" <<'EOL'
rule {
  id = "broken.late", pass = "full", title = "Errors on every tenth person",
  when = function(p, ctx)
    if string.sub(p.id, -1) == "3" then error("late " .. p.name) end
    return false
  end,
}
EOL
expect_code "screen a month later with another failing rule" 1 "$TRISCREEN" screen --now 2026-12-20
expect_eq "screen's line names only this run's failing rule" "$(grep '^rule errors: ' "$WORK/last.out")" \
  "rule errors: broken.late 200 persons (Errors on every tenth person)"

expect_code "rules errors --format json" 0 "$TRISCREEN" rules errors --format json
J=$WORK/last.out
expect_eq "both rules, by id" "$(jq -r '[.rules[].rule] | join(" ")' "$J")" "broken.late broken.leaky"
expect_eq "a rule the pack no longer has: title null" \
  "$(jq -c '.rules[] | select(.rule == "broken.leaky") | .title' "$J")" null
expect_eq "the late rule: title, counts, dates, kinds" \
  "$(jq -c '.rules[] | select(.rule == "broken.late") | [.title, .errors, .persons, .first, .last, .kinds]' "$J")" \
  '["Errors on every tenth person",200,200,"2026-12-20","2026-12-20",["RULE"]]'
expect_eq "ids capped at 20, the rest counted" \
  "$(jq -c '.rules[] | select(.rule == "broken.late") | [(.person_ids | length), .person_ids[0], .more]' "$J")" \
  '[20,"P-000003",180]'
check "JSON holds no record value" no_record "$J"
expect_code "text form of the capped rule" 0 "$TRISCREEN" rules errors --rule broken.late
check "text: the first 20 ids and how many more" grep -q '^  persons: P-000003, P-000013, .*, P-000193 and 180 more$' "$WORK/last.out"
check "text: the unknown rule is not listed under --rule" bash -c "! grep -q broken.leaky '$WORK/last.out'"

expect_code "--since keeps later runs only" 0 "$TRISCREEN" rules errors --since 2026-12-01 --format json
expect_eq "--since 2026-12-01: only the late rule" "$(jq -r '[.rules[].rule] | join(" ")' "$WORK/last.out")" broken.late
expect_code "--since after every run" 0 "$TRISCREEN" rules errors --since 2027-01-01
expect_eq "--since after every run: none" "$(cat "$WORK/last.out")" "no rule errors"
expect_code "--rule keeps one rule" 0 "$TRISCREEN" rules errors --rule broken.leaky
expect_eq "--rule broken.leaky: the id alone (no title any more)" "$(head -1 "$WORK/last.out")" broken.leaky
expect_code "--rule of a rule without errors" 0 "$TRISCREEN" rules errors --rule nope.none
expect_eq "--rule without errors: none" "$(cat "$WORK/last.out")" "no rule errors"

# --scope: only persons of the scope's cells
TOWN=$(sql "$DB" "select substr(grid, 1, 3) from persons where id = 'P-000007'")
WANT=$(sql "$DB" "select group_concat(id, ',') from (select id from persons where id in ('P-000007','P-000011') and grid like '$TOWN-%' order by id)")
expect_code "--scope a town" 0 "$TRISCREEN" rules errors --rule broken.leaky --scope "$TOWN" --format json
expect_eq "--scope: only that town's persons" "$(jq -r '.rules[0].person_ids | join(",")' "$WORK/last.out")" "$WANT"
LATE_IN=$(sql "$DB" "select count(*) from persons where substr(id, -1) = '3' and grid like '$TOWN-%'")
expect_code "--scope with the late rule" 0 "$TRISCREEN" rules errors --rule broken.late --scope "$TOWN" --format json
expect_eq "--scope: the persons count is the town's" "$(jq -r '.rules[0].persons' "$WORK/last.out")" "$LATE_IN"

# ---- a pack that cannot load: still listed, without titles -----------------------------
echo 'rule { id = 1 }' >"$R/98_bad.lua"
expect_code "rules errors with a pack that does not load" 0 "$TRISCREEN" rules errors --format json
expect_eq "no titles, never a failure" "$(jq -c '[.rules[].title]' "$WORK/last.out")" '[null,null]'
rm "$R/98_bad.lua"

# ---- usage ----------------------------------------------------------------------------
expect_code "--help" 0 "$TRISCREEN" rules errors --help
check "--help names the flags" grep -q -- "--since YYYY-MM-DD" "$WORK/last.out"
expect_code "--since not a date" 2 "$TRISCREEN" rules errors --since 2026-13-45
check "--since error names the flag" grep -q -- "--since: '2026-13-45' is not a date" "$WORK/last.err"
expect_code "--format not text or json" 2 "$TRISCREEN" rules errors --format csv
check "--format error names the flag" grep -q -- "--format must be text or json" "$WORK/last.err"
expect_code "an unexpected argument" 2 "$TRISCREEN" rules errors extra
expect_code "an unknown scope" 2 "$TRISCREEN" rules errors --scope NOPE
expect_code "rules without errors subcommand lists it in the usage" 2 "$TRISCREEN" rules nope
check "the usage names rules errors" grep -q "rules errors" "$WORK/last.err"
finish
