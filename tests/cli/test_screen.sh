#!/usr/bin/env bash
# End-to-end: the three screenings on the sample county — exact list counts, 1 vs 2
# threads identical, idempotent re-runs, overrides and their expiry, --due, a person
# leaving the lists, a rule error recorded and counted, a killed run.
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
"$TRISCREEN" init >/dev/null
"$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null

expect_code "screen the sample county (2 threads)" 0 "$TRISCREEN" screen --threads 2 --format json
cp "$WORK/last.out" "$WORK/run1.json"
check "three passes summarised" [ "$(wc -l <"$WORK/run1.json")" -eq 3 ]
counts() { sql "$DB" "select colour, count(*) from list_members where colour <> 'none' group by colour order by colour" | tr '\n' ' '; }
GOLDEN_LISTS=$(cat "$TS_SOURCE_DIR/tests/cli/data/sample_lists.txt")
expect_eq "sample list counts (golden, see tests/cli/data/sample_lists.txt)" "$(counts)" "$GOLDEN_LISTS"
expect_eq "summary list counts match the database" \
  "$(jq -r 'select(.pass=="targeted") | "blue|\(.lists.blue) red|\(.lists.red) yellow|\(.lists.yellow) "' "$WORK/run1.json")" "$(counts)"
expect_eq "one ledger row per person" "$(sql "$DB" "select count(*) from ledger where run = 1")" 2000
check "every listed person has reasons" [ "$(sql "$DB" "select count(*) from list_members where colour <> 'none' and reasons = '[]'")" -eq 0 ]
check "every transition has reasons and a run" [ "$(sql "$DB" "select count(*) from list_transitions where run is null or reasons = '[]'")" -eq 0 ]
check "runs record the pack hash" [ "$(sql "$DB" "select count(distinct rules_hash) from runs where rules_hash like 'sha256:%'")" -eq 1 ]

# ---- idempotent: the same data and now make no new transitions -----------------------
before=$(sql "$DB" "select count(*) from list_transitions")
expect_code "re-run" 0 "$TRISCREEN" screen --format json
expect_eq "re-run makes no transitions" "$(sql "$DB" "select count(*) from list_transitions")" "$before"
expect_eq "re-run lists unchanged" "$(counts)" "$GOLDEN_LISTS"

# ---- determinism: 1 thread and 2 threads give identical outputs ----------------------
C1=$WORK/one
new_county "$C1"
TRISCREEN_CONFIG=$C1/triscreen.yaml "$TRISCREEN" init >/dev/null
TRISCREEN_CONFIG=$C1/triscreen.yaml "$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
expect_code "screen with 1 thread" 0 env TRISCREEN_CONFIG=$C1/triscreen.yaml "$TRISCREEN" screen --threads 1
C2=$WORK/two
new_county "$C2"
TRISCREEN_CONFIG=$C2/triscreen.yaml "$TRISCREEN" init >/dev/null
TRISCREEN_CONFIG=$C2/triscreen.yaml "$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
expect_code "screen with 2 threads" 0 env TRISCREEN_CONFIG=$C2/triscreen.yaml "$TRISCREEN" screen --threads 2
dump() { sql "$1" "select * from ledger order by person, run; select * from list_members order by person;
  select id, person, run, from_colour, to_colour, score, reasons, at, actor from list_transitions order by id;
  select * from marks order by person; select cursor, kind, person, rules, route from alerts order by cursor;" | sha256sum; }
expect_eq "1 vs 2 threads: identical ledger, lists, transitions, alerts" "$(dump "$C1/triscreen.db")" "$(dump "$C2/triscreen.db")"

# ---- override and expiry; --due with --now ------------------------------------------
P=$(sql "$DB" "select person from list_members where colour='red' and engine_colour='red' order by person limit 1")
expect_code "review lowers a red person to blue until 2026-12-10" 0 "$TRISCREEN" review "$P" --by o-county \
  --outcome lower --colour blue --until 2026-12-10 --note "family support in place" --now 2026-11-25
expect_eq "override in force" "$(sql "$DB" "select colour || ' ' || engine_colour from list_members where person='$P'")" "blue red"
expect_code "screen while the override holds" 0 "$TRISCREEN" screen --now 2026-11-26
expect_eq "override still holds; the engine's view is recorded" "$(sql "$DB" "select colour || ' ' || engine_colour || ' ' || override_colour from list_members where person='$P'")" "blue red blue"
expect_code "screen on the expiry date" 0 "$TRISCREEN" screen --now 2026-12-10
expect_eq "expired override: back to the engine's colour" "$(sql "$DB" "select colour || ' ' || ifnull(override_colour, '-') from list_members where person='$P'")" "red -"
expect_eq "expiry is a transition by the engine" "$(sql "$DB" "select from_colour || '>' || to_colour || ' ' || actor from list_transitions where person='$P' order by id desc limit 1")" "blue>red engine"
due_n=$("$TRISCREEN" due --now 2026-12-17 --format jsonl | wc -l)
check "reviews are due a week after a red placement" [ "$due_n" -gt 0 ]
expect_code "targeted pass over the due persons" 0 "$TRISCREEN" screen --due --now 2026-12-17 --format json
expect_eq "only the due persons were reviewed" "$(jq -r .persons "$WORK/last.out")" "$due_n"
expect_eq "nothing is due right after the review" "$("$TRISCREEN" due --now 2026-12-17 --format jsonl | wc -l)" 0

# ---- a person leaves the lists when the data no longer supports it ------------------
P=$(sql "$DB" "select person from list_members where colour='blue' order by person limit 1")
G=$(sql "$DB" "select grid from persons where id='$P'")
echo "{\"id\":\"$P\",\"grid\":\"$G\",\"born\":\"1980-01-01\",\"attrs\":{\"contact_officer\":\"o-1\"}}" >"$WORK/calm.jsonl"
# re-import replaces attrs; the old events stay, so use a later `now` when they are stale
"$TRISCREEN" import "$WORK/calm.jsonl" >/dev/null
expect_code "screen a year later" 0 "$TRISCREEN" screen --now 2027-12-31 --format json
check "the person left the lists" [ -z "$(sql "$DB" "select person from list_members where person='$P'")" ]
expect_eq "the leaving is a transition to none" "$(sql "$DB" "select ifnull(to_colour,'none') from list_transitions where person='$P' order by id desc limit 1")" none

# ---- a rule error is recorded and counted; --strict makes it fatal -------------------
R=$WORK/rules
mkdir -p "$R" && cp "$TS_SOURCE_DIR"/rules/*.lua "$R/"
cat >"$R/99_broken.lua" <<'EOL'
rule {
  id = "broken.divide", pass = "full", title = "Errors for one person",
  when = function(p, ctx)
    if p.id == "P-000007" then error("boom") end
    return false
  end,
}
EOL
sed -i "s|^rules:.*|rules: $R|" "$C/triscreen.yaml"
expect_code "a rule error makes screen exit 1" 1 "$TRISCREEN" screen --pass full --format json
expect_eq "rule error counted in the summary" "$(jq -r .rule_errors "$WORK/last.out")" 1
expect_eq "rule error recorded with person, rule and file:line" \
  "$(sql "$DB" "select person || ' ' || rule || ' ' || location from rule_errors order by id desc limit 1")" "P-000007 broken.divide 99_broken.lua:4"
check "the run still wrote every ledger row" [ "$(sql "$DB" "select count(*) from ledger where run = (select max(id) from runs)")" -eq 2000 ]
expect_code "--strict makes it fatal" 1 "$TRISCREEN" screen --pass full --strict
check "--strict names the rule and place" grep -q "99_broken.lua:4" "$WORK/last.err"
expect_eq "--strict run is recorded as failed" "$(sql "$DB" "select status from runs order by id desc limit 1")" failed

# ---- the summary and stderr name ids and rules, never record contents (issue 12 F2) ---
cat >"$R/99_broken.lua" <<'EOL'
rule {
  id = "broken.leaky", pass = "full", title = "Errors with record values in the message",
  when = function(p, ctx)
    if p.id == "P-000007" then error("bad record: " .. p.name .. " secret-note") end
    return false
  end,
}
EOL
expect_code "a rule error whose message embeds the record" 1 "$TRISCREEN" screen --pass full
check "the text summary names person, rule and place" grep -q "person P-000007 rule broken.leaky 99_broken.lua:4: rule error" "$WORK/last.out"
check "the text summary holds no record value" bash -c "! grep -q -e '吴伟' -e secret-note '$WORK/last.out' '$WORK/last.err'"
expect_eq "the full message stays in rule_errors" \
  "$(sql "$DB" "select message like '%吴伟 secret-note%' from rule_errors order by id desc limit 1")" 1
expect_code "--strict with the leaky rule" 1 "$TRISCREEN" screen --pass full --strict
check "--strict names person, rule and place" grep -q "99_broken.lua:4.*P-000007.*broken.leaky" "$WORK/last.err"
check "--strict prints no record value" bash -c "! grep -q -e '吴伟' -e secret-note '$WORK/last.out' '$WORK/last.err'"
rm "$R/99_broken.lua"

# ---- --person of an unknown id (issue 12 F4) -----------------------------------------
expect_code "screen --person NOPE exits 1" 1 "$TRISCREEN" screen --person NOPE
check "screen --person NOPE says no such person" grep -q "no such person" "$WORK/last.err"
expect_code "screen --person of a known id still works" 0 "$TRISCREEN" screen --person P-000007

# ---- a killed run leaves the previous lists intact; a re-run completes ---------------
sed -i "s|^rules:.*|rules: $TS_SOURCE_DIR/rules|" "$C/triscreen.yaml"
K=$WORK/kill
new_county "$K"
export TRISCREEN_CONFIG=$K/triscreen.yaml
"$TRISCREEN" init >/dev/null
"$GEN" -n 60000 -s 3 -o "$WORK/k.jsonl"
"$TRISCREEN" import "$WORK/k.jsonl" >/dev/null
"$TRISCREEN" screen --threads 2 >/dev/null
lists_before=$(sql "$K/triscreen.db" "select person, colour, score from list_members order by person" | sha256sum)
"$TRISCREEN" screen --threads 2 --now 2027-06-01 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    [ "$(sql "$K/triscreen.db" "select count(*) from runs where status='running'" 2>/dev/null)" == 1 ] && break
    sleep 0.02
done
# into the run, well before its end: the three passes take about 0.7 s on a developer's
# machine (0.3 s here let a fast, idle one finish first)
sleep 0.1
killed_run=$(sql "$K/triscreen.db" "select id from runs where status='running'")
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
check "the kill hit a run in progress" [ -n "$killed_run" ]
expect_eq "integrity after a killed run" "$(sql "$K/triscreen.db" 'pragma integrity_check')" ok
expect_eq "previous lists intact after a killed run" "$(sql "$K/triscreen.db" "select person, colour, score from list_members order by person" | sha256sum)" "$lists_before"
expect_code "re-run after the kill completes" 0 "$TRISCREEN" screen --threads 2 --now 2027-06-01
expect_eq "the killed run is marked interrupted" "$(sql "$K/triscreen.db" "select status from runs where id = '${killed_run:-none}'")" interrupted
expect_eq "no run left running" "$(sql "$K/triscreen.db" "select count(*) from runs where status='running'")" 0
finish
