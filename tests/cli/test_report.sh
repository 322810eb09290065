#!/usr/bin/env bash
# End-to-end: `triscreen report` on the screened sample county — per-town list counts in
# text and JSON agree with `triscreen lists`, totals, reviews due, alert closure, scoped
# rows, trends against the runs' summaries, the HTML file (0600, self-contained, no
# person id), and usage errors.
source "$(dirname "$0")/lib.sh"
if ! "$TRISCREEN" --help 2>/dev/null | grep -qw report; then
    echo "SKIP: this triscreen has no 'report' command yet"
    exit 0
fi
jq_true() { jq -e "$@" >/dev/null; } # jq_true FILTER FILE: the filter yields true
C=$WORK/county
new_county "$C"
export TRISCREEN_CONFIG=$C/triscreen.yaml
DB=$C/triscreen.db
"$TRISCREEN" init >/dev/null
"$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl" >/dev/null
expect_code "screen the sample county" 0 "$TRISCREEN" screen --format json
cp "$WORK/last.out" "$WORK/screen.json"

expect_code "report (text)" 0 "$TRISCREEN" report
cp "$WORK/last.out" "$WORK/report.txt"
expect_code "report (json)" 0 "$TRISCREEN" report --format json
cp "$WORK/last.out" "$WORK/report.json"
check "json report is one object" [ "$(jq -s 'length' "$WORK/report.json")" -eq 1 ]
"$TRISCREEN" lists --format jsonl >"$WORK/lists.jsonl"

# ---- per town: red/yellow/blue from `lists` ----------------------------------------------
towns=$(jq -r '.cells[] | select(.level == "town") | .code' "$WORK/report.json")
check "the report has the sample's three towns" [ "$(echo "$towns" | wc -w)" -eq 3 ]
for t in $towns; do
    want=$(jq -rs --arg t "$t" 'map(select(.grid | startswith($t + "-"))) as $m
        | [("red", "yellow", "blue") as $c | $m | map(select(.colour == $c)) | length] | join(" ")' \
        "$WORK/lists.jsonl")
    got_json=$(jq -r --arg t "$t" '.cells[] | select(.code == $t) | [.lists.red, .lists.yellow, .lists.blue] | join(" ")' \
        "$WORK/report.json")
    # text columns: CELL PERSONS SUSPECTS RED YELLOW BLUE ...
    got_text=$(awk -v t="$t" '$1 == t { print $4, $5, $6; exit }' "$WORK/report.txt")
    expect_eq "$t: json list counts agree with lists" "$got_json" "$want"
    expect_eq "$t: text list counts agree with lists" "$got_text" "$want"
done
expect_eq "total list counts agree with lists" \
    "$(jq -r '.total.lists | [.red, .yellow, .blue] | join(" ")' "$WORK/report.json")" \
    "$(jq -rs '[("red", "yellow", "blue") as $c | map(select(.colour == $c)) | length] | join(" ")' "$WORK/lists.jsonl")"
expect_eq "towns sum to the total" \
    "$(jq '[.cells[] | select(.level == "town") | .persons] | add' "$WORK/report.json")" \
    "$(jq '.total.persons' "$WORK/report.json")"
expect_eq "total persons" "$(jq '.total.persons' "$WORK/report.json")" "$(sql "$DB" "select count(*) from persons")"
expect_eq "total suspects" "$(jq '.total.suspects' "$WORK/report.json")" \
    "$(sql "$DB" "select count(*) from marks where suspect = 1")"
expect_eq "villages sum to their town" \
    "$(jq -c '[.cells[] | select(.level == "village") | {t: (.code | split("-")[0]), n: .lists.red}]
        | group_by(.t) | map(map(.n) | add)' "$WORK/report.json")" \
    "$(jq -c '[.cells[] | select(.level == "town") | .lists.red]' "$WORK/report.json")"
expect_eq "total alerts (superseded rows excluded)" "$(jq '.total.alerts.total' "$WORK/report.json")" \
    "$(sql "$DB" "select count(*) from alerts where status <> 'superseded'")"
check "text report ends with the counts-only footer" grep -q "no person-level data" "$WORK/report.txt"
expect_eq "text report names no person" "$(grep -c 'P-0' "$WORK/report.txt" || true)" 0

# ---- reviews due at a later date ---------------------------------------------------------
due_n=$("$TRISCREEN" due --now 2026-12-17 --format jsonl | wc -l)
expect_eq "reviews due agree with due" \
    "$("$TRISCREEN" report --now 2026-12-17 --format json | jq '.total.reviews_due')" "$due_n"

# ---- trends: the targeted run's summary ------------------------------------------------------
expect_eq "last trend point = the targeted run's summary" \
    "$(jq -c '.trends[-1] | [.pass, .lists.red, .lists.yellow, .lists.blue, .source]' "$WORK/report.json")" \
    "$(jq -c 'select(.pass == "targeted") | [.pass, .lists.red, .lists.yellow, .lists.blue, "summary"]' "$WORK/screen.json")"
t1=$(jq -r '.cells[] | select(.level == "town") | .code' "$WORK/report.json" | head -1)
expect_eq "scoped trend (rebuilt from transitions) = the town's lists" \
    "$("$TRISCREEN" report --scope "$t1" --format json | jq -c '.trends[-1] | [.lists.red, .lists.yellow, .lists.blue, .source]')" \
    "$(jq -c --arg t "$t1" '.cells[] | select(.code == $t) | [.lists.red, .lists.yellow, .lists.blue, "transitions"]' "$WORK/report.json")"

# ---- alert closure -------------------------------------------------------------------------
A=$(sql "$DB" "select cursor from alerts where status = 'new' order by cursor limit 1")
expect_code "close one alert" 0 "$TRISCREEN" close "$A" --by o-county --outcome confirmed --note "handled"
"$TRISCREEN" report --format json >"$WORK/closed.json"
expect_eq "one alert closed" "$(jq '.total.alerts.closed' "$WORK/closed.json")" 1
check "closure rate = closed / all" jq_true '.total.alerts | (.closure_rate - (.closed / .total) | fabs) < 0.0001' "$WORK/closed.json"
check "median hours to close is measured" jq_true '.total.alerts.median_hours_to_close >= 0' "$WORK/closed.json"
expect_eq "open = new + acked" "$(jq '.total.alerts.open' "$WORK/closed.json")" \
    "$(sql "$DB" "select count(*) from alerts where status in ('new', 'acked')")"

# ---- scope: a village shows its groups -------------------------------------------------------
V=$(sql "$DB" "select code from cells where level = 2 order by ord limit 1")
"$TRISCREEN" report --scope "$V" --format json >"$WORK/village.json"
expect_eq "village report: the village first" "$(jq -r '.cells[0].code' "$WORK/village.json")" "$V"
expect_eq "village report: then its groups" "$(jq -r '[.cells[1:][] | .level] | unique | join(",")' "$WORK/village.json")" group
expect_eq "village report: every group of the village" "$(jq '.cells | length - 1' "$WORK/village.json")" \
    "$(sql "$DB" "select count(*) from cells where parent = '$V'")"
expect_eq "village report agrees with the county report's row" \
    "$(jq -c '.total' "$WORK/village.json")" \
    "$(jq -c --arg v "$V" '.cells[] | select(.code == $v)' "$WORK/closed.json")"

# ---- HTML ---------------------------------------------------------------------------------
H=$WORK/report.html
echo old >"$H"
chmod 0644 "$H"
expect_code "report --html" 0 "$TRISCREEN" report --html "$H"
expect_eq "--html alone prints nothing" "$(cat "$WORK/last.out")" ""
check "HTML file exists" [ -s "$H" ]
expect_eq "HTML file is 0600" "$(stat -c %a "$H")" 600
COUNTY=$(sed -n 's/^county: *//p' "$C/grid.yaml" | head -1)
check "HTML has the county name" grep -qF "$COUNTY" "$H"
check "HTML declares UTF-8" grep -qi '<meta charset="utf-8">' "$H"
expect_eq "HTML names no person" "$(grep -c 'P-0' "$H" || true)" 0
expect_eq "HTML has no script or external resource" \
    "$(grep -ciE '<script|<link|src=|https?://|@import' "$H" || true)" 0
check "HTML has an SVG bar" grep -q '<svg' "$H"
check "HTML has the counts-only footer" grep -q "no person-level data" "$H"
expect_code "--html with --format json writes both" 0 "$TRISCREEN" report --html "$H" --format json
check "stdout is the JSON report" jq_true '.cells | length > 0' "$WORK/last.out"

# ---- usage errors ---------------------------------------------------------------------------
expect_code "unknown scope" 2 "$TRISCREEN" report --scope NO-SUCH-CELL
expect_code "bad format" 2 "$TRISCREEN" report --format csv
expect_code "bad --now" 2 "$TRISCREEN" report --now 2026-02-30
finish
