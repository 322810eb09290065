#!/usr/bin/env bash
# Golden outputs: one fixed scenario on the samples (fixed dates), every read command in
# every format, written to OUT_DIR with wall-clock times masked. `check.sh` compares them
# with tests/golden/expected/. Usage: tests/golden/run.sh PATH/TO/triscreen OUT_DIR
set -eu
TS=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cp "$ROOT/samples/grid.yaml" "$ROOT/samples/persons.jsonl" "$W/"
sed -e "s#\.\./rules#$ROOT/rules#" "$ROOT/samples/triscreen.yaml" >"$W/triscreen.yaml"
cd "$W"
export TRISCREEN_CONFIG=$W/triscreen.yaml
# Mask what depends on the wall clock or the machine: timestamps, durations, temp paths.
mask() {
    sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})?/<TIME>/g' \
        -e 's/[0-9]+(\.[0-9]+)? ?(ms|s|records\/s|rec\/s)\b/<DUR>/g' \
        -e 's/rules [0-9]+ persons\/s per core/rules <RATE> persons\/s per core/g' \
        -e 's/(median time to [a-z]+: +)[0-9]+\.[0-9]+ min/\1#.# min/' \
        -e 's/"median_hours_to_close":[0-9.]+/"median_hours_to_close":"#.#"/g' \
        -e 's/(%  +)[0-9]+\.[0-9]( )/\1#.#\2/' -e 's#(%</td><td>)[0-9]+\.[0-9]</td>#\1\#.\#</td>#g' \
        -e 's/tk-[0-9a-f]{8}/tk-<ID>/g' \
        -e 's#[0-9]+\.[0-9]( ?)/( ?)[0-9]+\.[0-9]#\#.\#\1/\2\#.\##g' \
        -e 's/"(ack|close)_p(50|90)_minutes":[0-9.]+/"\1_p\2_minutes":"#.#"/g' -e "s#$W#<WORK>#g" -e "s#$ROOT#<ROOT>#g"
}
run() { # run NAME CMD...: stdout+exit code to NAME
    local name=$1; shift
    local rc=0
    "$TS" "$@" >"$W/.out" 2>"$W/.err" || rc=$?
    { mask <"$W/.out"; echo "# exit $rc"; } >"$OUT/$name"
}
run 00-init init
run 01-import import persons.jsonl
run 02-rules-check rules check "$ROOT/rules"
run 03-rules-test rules test "$ROOT/rules"
run 04-screen screen --now 2026-11-20
for f in table jsonl csv; do
    run 10-lists.$f lists --format $f
    run 11-lists-red-T01.$f lists --colour red --scope T01 --format $f
    run 12-ledger.$f ledger --format $f
    run 13-ledger-suspects.$f ledger --suspects --format $f
    run 14-due.$f due --now 2026-12-02 --format $f
done
i=0
for p in $("$TS" lists --format jsonl | jq -r .person | awk 'NR%97==1' | head -12); do
    i=$((i + 1))
    run 20-dossier-$i.text dossier "$p" --format text
    run 20-dossier-$i.json dossier "$p" --format json
done
P=$("$TS" lists --colour red --format jsonl | head -1 | jq -r .person)
run 30-review review "$P" --by o-t01-v01-g01 --outcome lower --colour yellow --until 2026-12-31 \
    --note "family support in place" --now 2026-11-25
run 31-dossier-reviewed dossier "$P" --format json
run 32-screen-targeted screen --pass targeted --now 2026-11-26
run 33-ledger-after ledger --format jsonl
run 40-alerts.jsonl alerts --format jsonl
run 41-alerts.table alerts --format table
run 42-alerts-quick alerts --kind quick --format jsonl
run 43-alerts-T02 alerts --scope T02 --format jsonl
# the officers' loop on the first quick alert, by the group officer of its cell
A=$("$TS" alerts --kind quick --format jsonl | head -1 | jq -r .id)
G=$("$TS" alerts --kind quick --format jsonl | head -1 | jq -r .grid)
O=o-$(printf %s "$G" | tr 'A-Z' 'a-z')
OTHER=o-t02; [ "${G#T02}" != "$G" ] && OTHER=o-t03
run 44-claim claim "$A" --by "$O"
run 44-ack ack "$A" --by "$O" --note "called the family"
run 44-refused-other-town ack "$A" --by "$OTHER"
run 44-refused-ghost ack "$A" --by ghost
run 45-close-no-outcome close "$A" --by "$O" --note "visited"
run 45-close close "$A" --by "$O" --outcome valuable --note "visited"
run 45-show alerts show "$A"
run 45-show.json alerts show "$A" --format json
run 46-alerts-stats alerts --stats
run 47-claim-next claim-next --by o-county --kind detailed
# the clock 40 minutes on: every open quick alert climbs to the village
run 48-escalate escalate --now "@$(($(date +%s) + 2400))"
run 48-alerts-quick-after alerts --kind quick --state open --format jsonl
run 49-alerts-stats.json alerts --stats --format json
run 50-report.text report --now 2026-11-26
run 51-report.json report --now 2026-11-26 --format json
run 52-report-T01 report --scope T01 --now 2026-11-26
"$TS" report --now 2026-11-26 --html "$W/report.html" >/dev/null
# the inlined report.css, Chart.js and report.js (and the CSP hashes of them) are the
# build's assets, not the report: kept out of the golden page
mask <"$W/report.html" | perl -0pe 's#(<(script|style) data-asset="[^"]+">).*?(</\2>)#$1<ASSET>$3#gs; s#sha256-[A-Za-z0-9+/=]{44}#sha256-<HASH>#g' >"$OUT/53-report.html"
# A draft pack: the default pack with one threshold moved.
cp -r "$ROOT/rules" "$W/draft"
sed -i '58s/score = 40/score = 25/;109s/score = 20/score = 45/' "$W/draft/20_regional.lua"
run 60-diff diff --rules "$W/draft" --now 2026-11-26
run 61-diff-T01 diff --rules "$W/draft" --scope T01 --now 2026-11-26
run 62-diff-replay.jsonl diff --rules "$W/draft" --format jsonl

# The HTTP API over the same database: a county-wide token, a town token and a reader.
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
cat >>"$W/triscreen.yaml" <<EOC
service:
  tokens:
    - {name: admin, sha256: $(h golden-admin), scopes: [all], write: true}
    - {name: town1, sha256: $(h golden-t01), scopes: [T01], write: true}
    - {name: reader2, sha256: $(h golden-t02), scopes: [T02], write: false}
EOC
# officer tokens: the group officer of the second quick alert's cell, and a town officer
# of another town
A2=$("$TS" alerts --kind quick --state open --format jsonl | head -1 | jq -r .id)
G2=$("$TS" alerts --kind quick --state open --format jsonl | head -1 | jq -r .grid)
O2=o-$(printf %s "$G2" | tr 'A-Z' 'a-z')
OT2=o-t02; [ "${G2#T02}" != "$G2" ] && OT2=o-t03
TOK_O=$("$TS" token add --officer "$O2" 2>/dev/null | sed -n 's/^token: //p')
TOK_T=$("$TS" token add --officer "$OT2" 2>/dev/null | sed -n 's/^token: //p')
"$TS" serve --listen 127.0.0.1:0 2>"$W/serve.log" &
SPID=$!
trap 'kill -TERM $SPID 2>/dev/null; wait $SPID 2>/dev/null; rm -rf "$W"' EXIT
PORT=
for _ in $(seq 200); do
    PORT=$(grep -o 'msg=listening addr=127.0.0.1:[0-9]*' "$W/serve.log" | tail -1 | cut -d: -f2 || true)
    [ -n "$PORT" ] && break
    sleep 0.05
done
[ -n "$PORT" ] || { echo "golden: serve did not start" >&2; cat "$W/serve.log" >&2; exit 1; }
http() { # http NAME TOKEN METHOD PATH [BODY]
    local name=$1 tok=$2 m=$3 path=$4 body=${5-}
    local args=(-s -o "$W/.out" -w '%{http_code}' -X "$m" --max-time 30 -H "Authorization: Bearer $tok")
    [ -n "$body" ] && args+=(-H "Content-Type: application/json" --data-binary "$body")
    local code
    code=$(curl "${args[@]}" "http://127.0.0.1:$PORT$path")
    { mask <"$W/.out"; echo; echo "# http $code"; } >"$OUT/$name"
}
for c in red yellow blue; do
    http 70-http-lists-$c golden-admin GET /v1/lists/$c
    http 71-http-lists-$c-T01 golden-t01 GET /v1/lists/$c
done
http 72-http-alerts golden-admin GET /v1/alerts
http 73-http-alerts-T02 golden-t02 GET "/v1/alerts?since=0"
i=0
for p in $("$TS" lists --format jsonl | jq -r .person | awk 'NR%61==1' | head -8); do
    i=$((i + 1))
    http 74-http-person-$i golden-admin GET /v1/persons/$p
    http 75-http-person-$i-T01 golden-t01 GET /v1/persons/$p
done
i=0
for p in $("$TS" lists --scope T01 --format jsonl | jq -r .person | awk 'NR%17==1' | head -5); do
    i=$((i + 1))
    http 75-http-person-T01-$i golden-t01 GET /v1/persons/$p
done
http 76-http-post golden-t01 POST /v1/records \
    '{"id":"P-GOLD-1","name":"金示例","grid":"T01-V01-G01","events":[{"type":"threat_reported","date":"2026-11-24","note":"threat"}]}'
http 77-http-person-new golden-t01 GET /v1/persons/P-GOLD-1
http 78-http-alerts-after golden-t01 GET "/v1/alerts?since=0"
http 79-http-refused golden-t01 POST /v1/records '{"id":"P-GOLD-2","name":"x","grid":"T02-V01-G01"}'
# the officers' loop over HTTP: the actor is the token's officer
http 80-http-alert-other-town "$TOK_T" GET "/v1/alerts/$A2"
http 80-http-ack-other-town "$TOK_T" POST "/v1/alerts/$A2/ack" '{"note":"not mine","by":"o-county"}'
http 81-http-claim "$TOK_O" POST "/v1/alerts/$A2/claim" '{}'
http 81-http-close-no-outcome "$TOK_O" POST "/v1/alerts/$A2/close" '{"note":"seen"}'
http 82-http-close "$TOK_O" POST "/v1/alerts/$A2/close" '{"outcome":"false_positive","note":"seen"}'
http 83-http-alert "$TOK_O" GET "/v1/alerts/$A2"
http 84-http-claim-next-none "$TOK_O" POST /v1/alerts/claim-next '{"kind":"quick"}'
http 85-http-cursor-future golden-admin GET "/v1/alerts?since=999999"
http 85-http-cursor-bad golden-admin GET "/v1/alerts?since=x1"
http 86-http-filters golden-admin GET "/v1/alerts?kind=quick&state=closed&limit=5"
http 87-http-config-token-acts golden-admin POST "/v1/alerts/$A2/reopen" '{"note":"again"}'
echo "golden: $(ls "$OUT" | wc -l) outputs in $OUT"
