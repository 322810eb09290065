#!/usr/bin/env bash
# End-to-end: `triscreen report` on the screened sample county — per-town list counts in
# text and JSON agree with `triscreen lists`, totals, reviews due, alert closure, scoped
# rows, the 12-week trend of live runs (what-if runs — into the future or of one
# person — never in it, empty weeks null, the last live run of a week picked), the HTML
# file (0600, one self-contained file: inline assets allowed by CSP hashes, the JSON data
# block), display-width alignment of the text, and usage errors.
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

# ---- the 12-week trend: live runs only ---------------------------------------------------
NOW=2026-11-25 # the config's now: the sample screening above
expect_eq "twelve weeks" "$(jq '.weeks | length' "$WORK/report.json")" 12
expect_eq "the last week ends at now" "$(jq -r '.weeks[-1].to' "$WORK/report.json")" "$NOW"
expect_eq "the first week starts 83 days before" "$(jq -r '.weeks[0].from' "$WORK/report.json")" \
    "$(date -u -d "$NOW -83 days" +%F)"
check "weeks are seven days each, back to back" jq_true '[.weeks[] | ((.to | strptime("%Y-%m-%d") | mktime) - (.from | strptime("%Y-%m-%d") | mktime))] | all(. == 6 * 86400)' "$WORK/report.json"
expect_eq "last week = the targeted run's summary" \
    "$(jq -c '.weeks[-1] | [.run, .pass, .lists.red, .lists.yellow, .lists.blue, .source]' "$WORK/report.json")" \
    "$(jq -c 'select(.pass == "targeted") | [.run, .pass, .lists.red, .lists.yellow, .lists.blue, "summary"]' "$WORK/screen.json")"
expect_eq "weeks without a run are null" \
    "$(jq -c '[.weeks[:-1][] | [.run, .lists]] | unique' "$WORK/report.json")" '[[null,null]]'
check "text shows the weeks, '-' for an empty one" grep -qE "^1 +$(date -u -d "$NOW -83 days" +%F) +$(date -u -d "$NOW -77 days" +%F) +- +- +- +- +- +-$" "$WORK/report.txt"
t1=$(jq -r '.cells[] | select(.level == "town") | .code' "$WORK/report.json" | head -1)
expect_eq "scoped week (rebuilt from transitions) = the town's lists" \
    "$("$TRISCREEN" report --scope "$t1" --format json | jq -c '.weeks[-1] | [.lists.red, .lists.yellow, .lists.blue, .source]')" \
    "$(jq -c --arg t "$t1" '.cells[] | select(.code == $t) | [.lists.red, .lists.yellow, .lists.blue, "transitions"]' "$WORK/report.json")"
expect_eq "the sample runs are live" "$(sql "$DB" "select group_concat(distinct kind) from runs")" live
# a later live run, then a --person run the same day: the week shows the live one
TODAY=$(date -u +%F)
FUTURE=$(date -u -d "+10 days" +%F)
expect_code "a live targeted run today" 0 "$TRISCREEN" screen --pass targeted --now "$TODAY" --format json
LIVE=$(jq -r '.run // .passes[0].run // empty' "$WORK/last.out")
[ -n "$LIVE" ] || LIVE=$(sql "$DB" "select max(id) from runs")
P1=$(jq -r 'select(.colour == "red") | .person' "$WORK/lists.jsonl" | head -1)
expect_code "a --person run today" 0 "$TRISCREEN" screen --person "$P1" --now "$TODAY"
PERSON_RUN=$(sql "$DB" "select max(id) from runs")
expect_eq "the --person run is whatif" "$(sql "$DB" "select kind from runs where id = $PERSON_RUN")" whatif
expect_eq "the live run is live" "$(sql "$DB" "select kind from runs where id = $LIVE")" live
"$TRISCREEN" report --now "$TODAY" --format json >"$WORK/today.json"
expect_eq "this week: the last live run, not the later --person run" \
    "$(jq '.weeks[-1].run' "$WORK/today.json")" "$LIVE"
expect_eq "no week shows the --person run" \
    "$(jq --argjson r "$PERSON_RUN" '[.weeks[] | select(.run == $r)] | length' "$WORK/today.json")" 0
# a run into the future is a what-if: it never shows, not even in the future's week
expect_code "a run into the future" 0 "$TRISCREEN" screen --now "$FUTURE"
expect_eq "runs into the future are whatif" \
    "$(sql "$DB" "select group_concat(distinct kind) from runs where now = '$FUTURE'")" whatif
"$TRISCREEN" report --now "$FUTURE" --format json >"$WORK/future.json"
expect_eq "no week shows a what-if run" \
    "$(jq -c '[.weeks[] | select(.run != null) | .run] | map(select(. > '"$PERSON_RUN"')) | length' "$WORK/future.json")" 0
expect_eq "the future's week has no live run" "$(jq -c '.weeks[-1].lists' "$WORK/future.json")" null
n_runs=$(sql "$DB" "select count(*) from runs")
expect_code "diff --rules" 0 "$TRISCREEN" diff --rules "$TS_SOURCE_DIR/rules" --now "$TODAY"
expect_eq "diff --rules writes no run into the live database" "$(sql "$DB" "select count(*) from runs")" "$n_runs"

# ---- text: columns aligned by display width -------------------------------------------------
# the NAME column starts at the same display column on every cells row (CJK = 2 columns)
check "text cells rows align by display width" python3 - "$WORK/report.txt" <<'PY'
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
rows = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")]
head = next(i for i, l in enumerate(rows) if l.startswith("CELL "))
body = rows[head:rows.index("", head)]
cols = {w(l[:l.rindex("  ") + 2]) for l in body}
sys.exit(0 if len(cols) == 1 else 1)
PY
check "text alert rows align by display width" python3 - "$WORK/report.txt" <<'PY'
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
rows = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")
        if l.startswith("  T0") and "(target" in l]
sys.exit(0 if rows and len({w(l) for l in rows}) == 1 else 1)
PY

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
check "HTML is Chinese by default" grep -q '<html lang="zh-CN">' "$H"
expect_eq "HTML names no person" "$(grep -c 'P-0' "$H" || true)" 0
"$TRISCREEN" report --format json >"$WORK/now.json"
check "HTML: one self-contained file, every inline block allowed by its CSP hash, the data = the JSON report" \
    python3 - "$H" "$WORK/now.json" <<'PY'
import base64, hashlib, json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
want = json.load(open(sys.argv[2], encoding="utf-8"))
def die(msg):
    print(msg, file=sys.stderr); sys.exit(1)
if re.search(r"<link|<img|<iframe|<object|<script[^>]*\ssrc=|@import", page, re.I) or \
        re.search(r"[^A-Za-z]url\(", page):
    die("external resource")
csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
if not csp or "default-src 'none'" not in csp.group(1) or "unsafe" in csp.group(1):
    die("no strict CSP meta")
pol = dict((d.split()[0], d.split()[1:]) for d in csp.group(1).split("; "))
blocks = re.findall(r'<(script|style)( [^>]*)?>(.*?)</\1>', page, re.S)
kinds = [(t, a or "") for t, a, _ in blocks]
for t, a, body in blocks:
    if 'type="application/json"' in (a or ""):
        continue
    h = "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"
    if h not in pol["script-src" if t == "script" else "style-src"]:
        die("inline %s %s not allowed by the CSP" % (t, a))
names = [re.search(r'data-asset="([^"]+)"', a).group(1) for t, a in kinds if "data-asset" in a]
if sorted(names) != ["chart.js", "report.css", "report.js"]:
    die("assets inlined: %s" % names)
data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S).group(1)
if "<" in data:
    die("a '<' in the data block")
got = json.loads(data)
# the alert clocks run on the wall clock: compare everything else
got.pop("alert_figures", None); want.pop("alert_figures", None)
if got != want:
    die("data block differs from report --format json")
PY
# a county name that is markup stays data: it can never close the data block
HC=$WORK/hostile
new_county "$HC"
sed -i 's#^county: .*#county: "</script><img src=x onerror=alert(1)>"#' "$HC/grid.yaml"
TRISCREEN_CONFIG=$HC/triscreen.yaml "$TRISCREEN" init >/dev/null
expect_code "report --html of a county named with markup" 0 env TRISCREEN_CONFIG="$HC/triscreen.yaml" "$TRISCREEN" report --html "$HC/r.html"
expect_eq "the markup is escaped in the title and the data" "$(grep -c '<img' "$HC/r.html" || true)" 0
check "the data block gives back the name" python3 -c '
import json, re, sys
d = re.search(r"id=\"report-data\">(.*?)</script>", open(sys.argv[1], encoding="utf-8").read(), re.S).group(1)
sys.exit(0 if json.loads(d)["county"] == "</script><img src=x onerror=alert(1)>" else 1)' "$HC/r.html"
expect_code "--html with --format json writes both" 0 "$TRISCREEN" report --html "$H" --format json
check "stdout is the JSON report" jq_true '.cells | length > 0' "$WORK/last.out"

# ---- usage errors ---------------------------------------------------------------------------
expect_code "unknown scope" 2 "$TRISCREEN" report --scope NO-SUCH-CELL
expect_code "bad format" 2 "$TRISCREEN" report --format csv
expect_code "bad --now" 2 "$TRISCREEN" report --now 2026-02-30
finish
