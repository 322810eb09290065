#!/usr/bin/env bash
# tests/cli/test_serve_errors.sh — error answers of the service are whole: the message
# that echoes a long path is not cut (it was cut at 768 bytes), bad bytes become U+FFFD
# and the body stays valid JSON ({"error": ..., "status": N}).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
start_server

long=$(printf 'x%.0s' $(seq 1 3000))
expect_eq "an unknown 3000-byte path → 404" "$(req "$ADMIN" GET "/v1/$long")" 404
expect_eq "... the message echoes the whole path" "$(J .error)" "no such endpoint: GET /v1/$long"
expect_eq "... and the status" "$(J .status)" 404
expect_eq "... the body is exactly the JSON of the two fields" "$(cat "$WORK/r.json")" \
    "{\"error\":\"no such endpoint: GET /v1/$long\",\"status\":404}"

expect_eq "an unknown path with a bad byte → 404" "$(req "$ADMIN" GET '/v1/a%FFb')" 404
expect_eq "... the bad byte becomes U+FFFD in valid JSON" "$(J .error)" "no such endpoint: GET /v1/a�b"
expect_eq "a wrong method → 405" "$(req "$ADMIN" DELETE /healthz)" 405
check "... names the allowed methods" grep -q '"error":"method DELETE not allowed here (allowed: GET, HEAD)","status":405}' "$WORK/r.json"
stop_server
no_sanitizer_report
finish
