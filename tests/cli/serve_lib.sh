# tests/cli/serve_lib.sh — helpers for the `triscreen serve` end-to-end tests (sourced
# after lib.sh): a county with tokens, a server on a free port, requests with curl.
command -v curl >/dev/null && command -v jq >/dev/null || { echo "FAIL: curl and jq are needed" >&2; exit 1; }
BIN=${TS_SERVE_BIN:-$TRISCREEN}

C=$WORK/county
new_county "$C"
cp -r "$TS_SOURCE_DIR/rules" "$WORK/rules"
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
ADMIN=adm-$RANDOM$RANDOM T01=t01-$RANDOM$RANDOM RO=ro-$RANDOM$RANDOM
PROBER=prb-$RANDOM$RANDOM TEMP=tmp-$RANDOM$RANDOM
SERVICE_EXTRA=${SERVICE_EXTRA:-}
CONFIG_EXTRA=${CONFIG_EXTRA:-}
DATABASE=triscreen.db
TOKENS_EXTRA="    - {name: temp, sha256: $(h "$TEMP"), scopes: [T01], write: false}"
# write_config: (re)writes the county's config from DATABASE, CONFIG_EXTRA (top-level
# keys), SERVICE_EXTRA and TOKENS_EXTRA
write_config() {
    cat >"$C/triscreen.yaml" <<EOC
database: $DATABASE
grid: grid.yaml
rules: $WORK/rules
now: 2026-11-25
problem_events: [incident_reported, threat_reported, absconded]
$CONFIG_EXTRA
service:
$SERVICE_EXTRA
  tokens:
    - {name: admin, sha256: $(h "$ADMIN"), scopes: [all], write: true}
    - {name: town1, sha256: $(h "$T01"), scopes: [T01], write: true}
    - {name: reader2, sha256: $(h "$RO"), scopes: [T02], write: false}
    - {name: prober, sha256: $(h "$PROBER"), scopes: [T01], write: true}
$TOKENS_EXTRA
EOC
}
write_config
export TRISCREEN_CONFIG=$C/triscreen.yaml
expect_code "init" 0 "$TRISCREEN" init
DB=$C/triscreen.db
LOG=$WORK/serve.log

start_server() {
    : >"$LOG"
    "$BIN" serve --listen 127.0.0.1:0 2>>"$LOG" &
    SPID=$!
    PORT=
    for _ in $(seq 200); do
        PORT=$(grep -o 'msg=listening addr=127.0.0.1:[0-9]*' "$LOG" | tail -1 | cut -d: -f2 || true)
        [ -n "$PORT" ] && break
        sleep 0.05
    done
    U=http://127.0.0.1:$PORT
}
stop_server() { kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; }
trap 'stop_server; rm -rf "$WORK"' EXIT

# req TOKEN METHOD PATH [BODY [CONTENT-TYPE]] -> body in $WORK/r.json, status echoed
req() {
    local tok=$1 m=$2 p=$3 body=${4-} ct=${5:-application/json}
    local args=(-s -o "$WORK/r.json" -w '%{http_code}' -X "$m" --max-time 60)
    [ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
    [ -n "$body" ] && args+=(-H "Content-Type: $ct" --data-binary "$body")
    curl "${args[@]}" "$U$p"
}
# reqf TOKEN PATH FILE: POSTs FILE as JSON
reqf() {
    curl -s -o "$WORK/r.json" -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $1" \
        -H 'Content-Type: application/json' --data-binary @"$3" "$U$2"
}
J() { jq -r "$@" "$WORK/r.json"; }
# no_sanitizer_report: the server's log holds no ASan/LSan/UBSan report
no_sanitizer_report() { check "no sanitizer report in the server log" bash -c "! grep -q 'Sanitizer\|runtime error' '$LOG'"; }
# wait_log PATTERN [TENTHS]: waits until the server log holds PATTERN
wait_log() {
    for _ in $(seq "${2:-100}"); do grep -q "$1" "$LOG" && return 0; sleep 0.1; done
    return 1
}
