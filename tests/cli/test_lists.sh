#!/usr/bin/env bash
# tests/cli/test_lists.sh — `triscreen lists|ledger|due|review|dossier` end to end on a
# real database: the sample records are imported, screening results are written with
# sqlite3 (so this test does not depend on the rule pack), then the commands' outputs,
# exit codes, review effects and audit rows are checked.
source "$(dirname "$0")/lib.sh"

C=$WORK/county
new_county "$C"
cd "$C"
TS() { local cmd=$1; shift; "$TRISCREEN" "$cmd" -c "$C/triscreen.yaml" "$@"; }

expect_code "init" 0 TS init
head -60 "$TS_SOURCE_DIR/samples/persons.jsonl" >p.jsonl
expect_code "import" 0 TS import p.jsonl

sql triscreen.db <<'SQL'
INSERT INTO runs(id, pass, scope, now, rules_hash, config_hash, started, status) VALUES
  (1, 'full', 'all', '2026-11-20', 'h', 'c', 't', 'done'),
  (2, 'full', 'all', '2026-11-24', 'h', 'c', 't', 'running');
INSERT INTO ledger(run, seq, person, grid, suspect, gaps, rules) SELECT 1, pk, id, grid, pk % 3 = 0, '[]', '[{"id":"x.y","evidence":"e"}]' FROM persons;
INSERT INTO ledger(run, seq, person, grid, suspect, gaps, rules) SELECT 2, pk, id, grid, 1, '[]', '[]' FROM persons;
INSERT INTO list_members(person, colour, score, since, run, reasons, engine_colour, next_review)
  SELECT id, CASE pk % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'yellow' ELSE 'blue' END, pk,
         '2026-11-20', 1, '[{"id":"x.y","evidence":"e"}]',
         CASE pk % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'yellow' ELSE 'blue' END,
         date('2026-11-20', '+' || (pk % 10) || ' days')
  FROM persons WHERE pk % 4 = 0;
SQL

# lists: counts per colour, order, shape
n_listed=$(sql triscreen.db "SELECT count(*) FROM list_members")
TS lists --format jsonl >lists.jsonl
expect_eq "lists: one line per member" "$(wc -l <lists.jsonl)" "$n_listed"
n_red=$(sql triscreen.db "SELECT count(*) FROM list_members WHERE colour = 'red'")
expect_eq "lists --colour red" "$(TS lists --colour red --format jsonl | wc -l)" "$n_red"
expect_eq "lists: red first" "$(head -1 lists.jsonl | grep -c '"colour":"red"')" "1"
# x.y is no rule of the pack: its title is null, never an error (issue 16)
check "lists: JSONL keys" grep -q '^{"person":"P-[0-9]*","colour":"[a-z]*","grid":"T0[0-9VG-]*","score":[0-9]*,"since":"2026-11-20","rules":\["x.y"\],"rule_titles":\[null\]}$' lists.jsonl
n_t01=$(sql triscreen.db "SELECT count(*) FROM list_members m JOIN persons p ON p.id = m.person WHERE p.grid LIKE 'T01-%'")
expect_eq "lists --scope T01" "$(TS lists --scope T01 --format csv | tail -n +2 | wc -l)" "$n_t01"
expect_code "lists: bad colour" 2 TS lists --colour pink
expect_code "lists: bad scope" 2 TS lists --scope NOPE
expect_code "lists: bad format" 2 TS lists --format xml

# ledger: run 2 is not done, so run 1 is everyone's latest
expect_eq "ledger rows" "$(TS ledger --format jsonl | grep -c '"run":1}$')" "60"
n_susp=$(sql triscreen.db "SELECT count(*) FROM ledger WHERE run = 1 AND suspect")
expect_eq "ledger --suspects" "$(TS ledger --suspects --format jsonl | wc -l)" "$n_susp"

# due at a date
n_due=$(sql triscreen.db "SELECT count(*) FROM list_members WHERE next_review <= '2026-11-23'")
expect_eq "due --now" "$(TS due --now 2026-11-23 --format jsonl | wc -l)" "$n_due"
expect_code "due: bad date" 2 TS due --now 2026-02-30

# review: lower a red member, refusals, then the dossier shows it
P=$(sql triscreen.db "SELECT person FROM list_members WHERE colour = 'red' ORDER BY person LIMIT 1")
expect_code "review lower" 0 TS review "$P" --by o-county --outcome lower --colour blue \
    --until 2026-12-20 --note "visited" --now 2026-11-25
expect_eq "review: colour" "$(sql triscreen.db "SELECT colour || ' ' || override_colour || ' ' || next_review FROM list_members WHERE person = '$P'")" "blue blue 2027-02-23"
expect_code "review: not lower" 2 TS review "$P" --by o-county --outcome lower --colour red --note x
expect_code "review: no note" 2 TS review "$P" --by o-county --outcome confirm
expect_code "review: unknown person" 1 TS review P-NOPE --by o-county --outcome raise --colour red --note x
expect_eq "review audited" "$(sql triscreen.db "SELECT count(*) FROM audit WHERE action = 'review' AND target = '$P'")" "1"

expect_code "dossier text" 0 TS dossier "$P"
check "dossier: override shown" grep -q "override    blue by o-county until 2026-12-20 (engine: red)" "$WORK/last.out"
expect_code "dossier json" 0 TS dossier "$P" --format json
check "dossier: JSON parses with override, history and ledger" jq -e '.list.colour == "blue" and .list_history[-1].actor == "o-county" and (.ledger | length) == 1' "$WORK/last.out"
expect_code "dossier: unknown" 1 TS dossier P-NOPE
expect_eq "dossier reads audited" "$(sql triscreen.db "SELECT count(*) FROM audit WHERE action = 'dossier' AND actor = 'cli' AND target = '$P'")" "2"

finish
