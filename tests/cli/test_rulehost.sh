#!/usr/bin/env bash
# End-to-end, issue 12 section B: an empty pack or a pass without rules is refused by
# `rules check` and `screen` (before any list is touched); `rules test` applies the
# config's limits exactly as `screen` does; a hostile pack trying every route to carry
# state between persons gives identical ledgers with 1 and 2 threads and with the
# records imported in reverse order, and none of its leak.* rules fires.
source "$(dirname "$0")/lib.sh"

# ---- B7: empty pack, pass without rules -------------------------------------------
C=$WORK/county
new_county "$C"
mkdir -p "$C/empty"
sed -i "s#^rules: .*#rules: $C/empty#" "$C/triscreen.yaml"
export TRISCREEN_CONFIG=$C/triscreen.yaml
"$TRISCREEN" init >/dev/null
"$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
expect_code "rules check refuses an empty pack" 1 "$TRISCREEN" rules check "$C/empty"
check "it names the pass" grep -q "no rule for the full pass" "$WORK/last.out"
runs0=$(sql "$C/triscreen.db" "select count(*) from runs")
expect_code "screen refuses an empty pack" 1 "$TRISCREEN" screen
check "screen names the pass" grep -q "no rule for the full pass" "$WORK/last.err"
expect_eq "screen touched nothing" "$(sql "$C/triscreen.db" "select count(*) from runs")" "$runs0"
mkdir -p "$C/fullonly"
cp "$TS_SOURCE_DIR/rules/10_full.lua" "$C/fullonly/"
expect_code "rules check refuses a pack without regional rules" 1 "$TRISCREEN" rules check "$C/fullonly"
check "it names the regional pass" grep -q "no rule for the regional pass" "$WORK/last.out"
sed -i "s#^rules: .*#rules: $C/fullonly#" "$C/triscreen.yaml"
expect_code "screen --pass full runs with full rules only" 0 "$TRISCREEN" screen --pass full
expect_code "screen --pass regional is refused" 1 "$TRISCREEN" screen --pass regional
check "it names the regional pass" grep -q "no rule for the regional pass" "$WORK/last.err"
expect_code "the default pack passes the check" 0 "$TRISCREEN" rules check "$TS_SOURCE_DIR/rules"
# a pack without targeted rules may run every pass: the targeted pass keeps each listed
# person at its regional colour, so what an earlier pack's targeted rules raised falls back
sed -i "s#^rules: .*#rules: $TS_SOURCE_DIR/rules#" "$C/triscreen.yaml"
expect_code "screen with the default pack" 0 "$TRISCREEN" screen
raised=$(sql "$C/triscreen.db" "select count(*) from list_members where override_colour is null and colour <> coalesce(regional_colour, '')")
check "the default pack's targeted rules raise somebody above the regional colour ($raised)" [ "$raised" -gt 0 ]
mkdir -p "$C/notargeted"
cp "$TS_SOURCE_DIR/rules/10_full.lua" "$TS_SOURCE_DIR/rules/20_regional.lua" "$C/notargeted/"
expect_code "rules check accepts a pack without targeted rules" 0 "$TRISCREEN" rules check "$C/notargeted"
sed -i "s#^rules: .*#rules: $C/notargeted#" "$C/triscreen.yaml"
expect_code "screen --pass targeted runs without targeted rules" 0 "$TRISCREEN" screen --pass targeted
expect_eq "every listed person is back at the regional colour" \
    "$(sql "$C/triscreen.db" "select count(*) from list_members where override_colour is null and colour <> coalesce(regional_colour, '')")" 0
expect_eq "and at the regional score" \
    "$(sql "$C/triscreen.db" "select count(*) from list_members where score <> regional_score")" 0
expect_eq "nobody left the lists" \
    "$(sql "$C/triscreen.db" "select count(*) from list_transitions t join runs r on r.id = t.run where r.pass = 'targeted' and t.to_colour is null")" 0
before=$(sql "$C/triscreen.db" "select person, colour, score, reasons from list_members order by person" | sha256sum)
expect_code "screen (all passes) with the pack without targeted rules" 0 "$TRISCREEN" screen
"$TRISCREEN" screen --pass targeted >/dev/null
expect_eq "a second targeted pass without rules changes nothing" \
    "$(sql "$C/triscreen.db" "select person, colour, score, reasons from list_members order by person" | sha256sum)" "$before"

# ---- B3: rules test and screen apply the same limits --------------------------------
L=$WORK/limits
new_county "$L"
mkdir -p "$L/pack/tests"
cat >"$L/pack/10_slow.lua" <<'EOL'
rule { id = "slow.loop", pass = "full", title = "counts to 5000",
  when = function(p) local n = 0 for i = 1, 5000 do n = n + i end return n > 0, "n" end }
rule { id = "slow.reg", pass = "regional", title = "r", when = function() return false end }
rule { id = "slow.tgt", pass = "targeted", title = "t", when = function() return false end }
EOL
cat >"$L/pack/tests/cases.yaml" <<'EOL'
now: 2026-11-25
cases:
  - name: slow fires
    passes: [full]
    person: {id: P-1, grid: T01-V01-G01}
    expect: {fired: [slow.loop]}
EOL
sed -i "s#^rules: .*#rules: $L/pack#" "$L/triscreen.yaml"
printf 'limits:\n  instructions: 2000\n  ms_per_person: 5000\n' >>"$L/triscreen.yaml"
# (exit 1 either way: two rules have no case)
expect_code "rules test without the config (default limits)" 1 env -u TRISCREEN_CONFIG \
    bash -c "cd '$WORK' && '$TRISCREEN' rules test '$L/pack'"
check "the case passes under the default budget" grep -q "^1 passed, 0 failed" "$WORK/last.out"
expect_code "rules test under the config's budget fails" 1 "$TRISCREEN" rules test -c "$L/triscreen.yaml" "$L/pack"
check "the case fails under the config's budget" grep -q "^0 passed, 1 failed" "$WORK/last.out"
check "rules test names the budget" grep -q "instruction budget exceeded (2000 instructions)" "$WORK/last.out"
TRISCREEN_CONFIG=$L/triscreen.yaml "$TRISCREEN" init >/dev/null
TRISCREEN_CONFIG=$L/triscreen.yaml "$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
expect_code "screen under the same config: rule errors" 1 env TRISCREEN_CONFIG=$L/triscreen.yaml "$TRISCREEN" screen --pass full
expect_eq "screen records the same budget" \
    "$(sql "$L/triscreen.db" "select distinct message from rule_errors")" "instruction budget exceeded (2000 instructions)"
printf 'database: x.db\ngrid: grid.yaml\nlimits:\n  ms_per_person: 0\n' >"$L/bad.yaml"
expect_code "limits.ms_per_person 0 is a configuration error" 2 "$TRISCREEN" rules test -c "$L/bad.yaml" "$L/pack"
check "the error names the key" grep -q "ms_per_person" "$WORK/last.err"

# ---- B6: the leak pack, 1 vs 2 threads vs reverse order ------------------------------
R=$WORK/leakpack
mkdir -p "$R" && cp "$TS_SOURCE_DIR"/rules/*.lua "$TS_SOURCE_DIR"/tests/unit/rulehost/packs/leak/*.lua "$R/"
expect_code "the leak pack loads" 0 "$TRISCREEN" rules check "$R"
tac "$TS_SOURCE_DIR/samples/persons.jsonl" >"$WORK/reversed.jsonl"
for v in one two rev; do
    new_county "$WORK/$v"
    sed -i "s#^rules: .*#rules: $R#" "$WORK/$v/triscreen.yaml"
    f=$TS_SOURCE_DIR/samples/persons.jsonl
    [ "$v" = rev ] && f=$WORK/reversed.jsonl
    TRISCREEN_CONFIG=$WORK/$v/triscreen.yaml "$TRISCREEN" init >/dev/null
    TRISCREEN_CONFIG=$WORK/$v/triscreen.yaml "$TRISCREEN" import "$f" >/dev/null
done
expect_code "leak pack, 1 thread" 0 env TRISCREEN_CONFIG=$WORK/one/triscreen.yaml timeout 300 "$TRISCREEN" screen --threads 1
expect_code "leak pack, 2 threads" 0 env TRISCREEN_CONFIG=$WORK/two/triscreen.yaml timeout 300 "$TRISCREEN" screen --threads 2
expect_code "leak pack, reverse order, 2 threads" 0 env TRISCREEN_CONFIG=$WORK/rev/triscreen.yaml timeout 300 "$TRISCREEN" screen --threads 2
ledger() { sql "$1" "select run, person, grid, suspect, gaps, rules from ledger order by run, person;
  select person, colour, score, since, run, reasons, engine_colour, regional_colour from list_members order by person;"; }
ledger "$WORK/one/triscreen.db" >"$WORK/one.txt"
ledger "$WORK/two/triscreen.db" >"$WORK/two.txt"
ledger "$WORK/rev/triscreen.db" >"$WORK/rev.txt"
check "the ledger is not empty" [ "$(wc -l <"$WORK/one.txt")" -gt 2000 ]
check "1 vs 2 threads: ledgers byte for byte" cmp -s "$WORK/one.txt" "$WORK/two.txt"
check "forward vs reverse order: ledgers byte for byte" cmp -s "$WORK/one.txt" "$WORK/rev.txt"
check "the pairs-order rule fired with a fixed order" grep -q 'down,east,left,north,right,south,up,west' "$WORK/one.txt"
expect_eq "no leak.* rule fired" "$(grep -c 'leak\.' "$WORK/one.txt" || true)" "0"
finish
