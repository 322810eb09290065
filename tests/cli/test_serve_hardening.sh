#!/usr/bin/env bash
# End-to-end hardening of `triscreen serve` (issue #12): no existence oracle on writes
# (A3: same refusal, audited, rate-limited per token), a revoked token ends its long-poll
# (A4), typed text over HTTP is UTF-8 within caps (D), a second serve on the same port
# fails (E2), /metrics passes promtool (E3), HEAD /healthz, %00, cursor overflow, and a
# reload that changes the database or has a pass without rules is refused (E4, B7).
source "$(dirname "$0")/lib.sh"
CONFIG_EXTRA='protected_attributes: ["hob by"]'
source "$(dirname "$0")/serve_lib.sh"
# an officer token (issue 14: officers' actions need a token bound to an officer)
OUT=$("$TRISCREEN" token add --officer o-t01-v01-g01 2>&1)
G1=$(grep -o 'tso_[A-Za-z0-9_-]\{43\}' <<<"$OUT" | head -1)
start_server
check "server listening" [ -n "$PORT" ]
check "an officer token" [ -n "$G1" ]

# ---- E2: a second serve on the same port --------------------------------------------
expect_code "second serve on the same port exits 2" 2 timeout 20 "$BIN" serve --listen "127.0.0.1:$PORT"
check "it says the address is in use" grep -q "address in use" "$WORK/last.err"
expect_eq "the first one still answers" "$(req "" GET /healthz)" 200

# ---- E4: HEAD, %00, cursors ------------------------------------------------------------
expect_eq "HEAD /healthz → 200" "$(curl -s -o /dev/null -w '%{http_code}' -I --max-time 10 "$U/healthz")" 200
check "405 on a GET route allows HEAD" bash -c "curl -si -X PUT -H 'Authorization: Bearer $ADMIN' '$U/v1/alerts' | grep -qi '^Allow: GET, HEAD'"
expect_eq "%00 in the path → 400" "$(req "$ADMIN" GET '/v1/persons/P-1%00x')" 400
check "the message names the NUL" grep -q '%00' "$WORK/r.json"
expect_eq "%00 in a query → 400" "$(req "$ADMIN" GET '/v1/alerts?since=0%00')" 400
expect_eq "%00 on /healthz → 400" "$(req "" GET '/healthz?x=%00')" 400
expect_eq "a cursor that overflows → 400" "$(req "$ADMIN" GET '/v1/alerts?since=99999999999999999999')" 400
expect_eq "the largest cursor (past the head) → 400" "$(req "$ADMIN" GET '/v1/alerts?since=9223372036854775807')" 400
expect_eq "naming since, with the head" "$(J -c '[.field, (.cursor | type)]')" '["since","number"]'
expect_eq "a negative cursor → 400" "$(req "$ADMIN" GET '/v1/alerts?since=-1')" 400
expect_eq "a wait that overflows → 400" "$(req "$ADMIN" GET '/v1/alerts?wait=99999999999999999999')" 400
expect_eq "an alert id that overflows → 404" "$(req "$G1" POST /v1/alerts/A-99999999999999999999/ack '{}')" 404
expect_eq "bad UTF-8 echoed in an error → 400" "$(req "$ADMIN" GET '/v1/lists/red?scope=%FF%FE')" 400
check "and the answer is still valid JSON" jq -e .error "$WORK/r.json" >/dev/null

# ---- A3: no existence oracle -----------------------------------------------------------
expect_eq "admin stores P-2 in T02" "$(req "$ADMIN" POST /v1/records '{"id":"P-2","grid":"T02-V01-G01"}')" 200
# B8 over HTTP: a name the config protects is refused like on import, in any spelling
req "$ADMIN" POST /v1/records '{"id":"P-PROT","grid":"T01-V01-G01","attrs":{"HOBBY":1}}' >/dev/null
expect_eq "a config-protected attribute is rejected over HTTP" "$(J -c '.records[0] | [.status, .field]')" '["rejected","attrs.hobby"]'
expect_eq "and not stored" "$(sql "$DB" "select count(*) from persons where id='P-PROT'")" 0
HELD=$(req "$T01" POST /v1/records '{"id":"P-2","grid":"T01-V01-G01"}'; echo; jq -c 'del(.records[0].id)' "$WORK/r.json")
OUTC=$(req "$T01" POST /v1/records '{"id":"P-NEW","grid":"T02-V01-G01"}'; echo; jq -c 'del(.records[0].id)' "$WORK/r.json")
check "an id held in another cell is refused 403" [ "${HELD:0:3}" == 403 ]
expect_eq "exactly like a record placed in an out-of-scope cell" "$HELD" "$OUTC"
printf %s "$HELD" >"$WORK/held.txt"
check "the refusal names no cell" bash -c "! grep -q 'T0[0-9]\|cell' '$WORK/held.txt'"
NOREC=$(req "$T01" POST /v1/records '{"id":"P-NEW2","grid":"T02-V02-G01"}'; echo; jq -c 'del(.records[0].id)' "$WORK/r.json")
expect_eq "and like a refused unknown id" "$NOREC" "$OUTC"
expect_eq "P-2 untouched" "$(sql "$DB" "select grid from persons where id='P-2'")" T02-V01-G01
expect_eq "an unknown alert → 404" "$(req "$G1" POST /v1/alerts/A-999999/ack '{}')" 404
refused_alerts() { sql "$DB" "select count(*) from audit where actor='o-t01-v01-g01' and action='alert.ack.refused' and target='A-999999'"; }
for _ in $(seq 50); do [ "$(refused_alerts)" == 1 ] && break; sleep 0.1; done
expect_eq "audited too" "$(refused_alerts)" 1
expect_eq "refusals audited with the token name" "$(sql "$DB" "select count(*) from audit where actor='town1' and action='http.write-refused'")" 3
check "the audit says why (for the operator)" [ "$(sql "$DB" "select count(*) from audit where actor='town1' and target='P-2' and detail like '%id held%'")" -eq 1 ]
# rate limit per token: TS_LIMIT_HTTP_REFUSALS (30) refused writes a minute, then 429
codes=""
for i in $(seq 1 30); do codes+="$(req "$PROBER" POST /v1/records "{\"id\":\"X-$i\",\"grid\":\"T02-V01-G01\"}") "; done
expect_eq "30 refusals answer 403" "$(tr ' ' '\n' <<<"$codes" | sort -u | tr '\n' ' ')" " 403 "
expect_eq "the 31st write of that token → 429" "$(req "$PROBER" POST /v1/records '{"id":"X-31","grid":"T02-V01-G01"}')" 429
expect_eq "even an in-scope write of that token → 429" "$(req "$PROBER" POST /v1/records '{"id":"P-OK","grid":"T01-V01-G01"}')" 429
check "429 carries Retry-After" bash -c "curl -si -H 'Authorization: Bearer $PROBER' -H 'Content-Type: application/json' -d '{\"id\":\"X\",\"grid\":\"T01-V01-G01\"}' '$U/v1/records' | grep -qi '^Retry-After: 60'"
expect_eq "another token is not throttled" "$(req "$T01" POST /v1/records '{"id":"P-OK","grid":"T01-V01-G01"}')" 200
expect_eq "P-OK stored once, by town1" "$(sql "$DB" "select count(*) from persons where id='P-OK'")" 1

# ---- D: typed text over HTTP -------------------------------------------------------------
req "$ADMIN" POST /v1/records '{"id":"P-Q","grid":"T01-V01-G01","events":[{"type":"incident_reported","date":"2026-11-24"}]}' >/dev/null
QA=$(J '.records[0].alerts[] | select(.kind=="quick") | .id')
check "a quick alert to act on" [ -n "$QA" ]
printf '{"note":"ok \xc3\x28"}' >"$WORK/bad_note.json"
expect_eq "ack with invalid UTF-8 in the note → 400" "$(reqf "$G1" "/v1/alerts/$QA/ack" "$WORK/bad_note.json")" 400
check "the message names the field" grep -q 'note: not valid UTF-8' "$WORK/r.json"
printf '{"note":"\xed\xa0\x80"}' >"$WORK/surrogate.json"
expect_eq "an encoded surrogate → 400" "$(reqf "$G1" "/v1/alerts/$QA/ack" "$WORK/surrogate.json")" 400
expect_eq "a NUL in a note → 400" "$(req "$G1" POST "/v1/alerts/$QA/ack" '{"note":"a\u0000b"}')" 400
check "the message names the control character" grep -q 'control character' "$WORK/r.json"
jq -n --arg n "$(head -c 4097 /dev/zero | tr '\0' 'n')" '{outcome:"confirmed", note:$n}' >"$WORK/long.json"
expect_eq "a note past 4096 bytes → 400" "$(reqf "$G1" "/v1/alerts/$QA/close" "$WORK/long.json")" 400
check "the message names the cap" grep -q 'note: longer than 4096 bytes' "$WORK/r.json"
expect_eq "nothing was acked so far" "$(sql "$DB" "select count(*) from audit where target='$QA' and action not like '%refused%'")" 0
printf '{"by":"o-\xff\xfe"}' >"$WORK/bad_by.json"
expect_eq "a \"by\" in the body is ignored, even invalid UTF-8 → 200" "$(reqf "$G1" "/v1/alerts/$QA/claim" "$WORK/bad_by.json")" 200
expect_eq "the actor is the token's officer" "$(J .alert.claimed_by)" o-t01-v01-g01
expect_eq "a valid UTF-8 note → 200" "$(req "$G1" POST "/v1/alerts/$QA/ack" '{"note":"已处理 ✓"}')" 200
expect_eq "the dossier stays valid JSON" "$(req "$ADMIN" GET /v1/persons/P-Q; jq -r .person "$WORK/r.json")" "200P-Q"

# ---- E3: every metric has HELP and TYPE; promtool agrees --------------------------------
expect_eq "metrics (admin)" "$(req "$ADMIN" GET /metrics)" 200
cp "$WORK/r.json" "$WORK/metrics.txt"
missing=$(awk '/^# HELP /{help[$3]=1} /^# TYPE /{type[$3]=1}
    /^[a-z]/{n=$1; sub(/\{.*/,"",n); b=n; sub(/_(bucket|sum|count)$/,"",b)
        if (!((help[n]&&type[n]) || (help[b]&&type[b]))) print n}' "$WORK/metrics.txt" | sort -u | tr '\n' ' ')
expect_eq "every metric has # HELP and # TYPE" "$missing" ""
check "group commit jobs have help text" grep -q '^# HELP triscreen_group_commit_jobs_total ' "$WORK/metrics.txt"
check "labels hold no record contents" bash -c "! grep -q 'P-Q\|P-2\|已处理\|incident' '$WORK/metrics.txt'"
PROMTOOL=${PROMTOOL:-$(command -v promtool || true)}
if [ -n "$PROMTOOL" ]; then
    check "promtool check metrics passes" bash -c "'$PROMTOOL' check metrics <'$WORK/metrics.txt'"
elif [ "${CI:-}" == 1 ] || [ "${TS_REQUIRE_PROMTOOL:-}" == 1 ]; then
    fail "promtool is required (CI=1 or TS_REQUIRE_PROMTOOL=1) but not installed (Debian: prometheus)"
else
    echo "note: promtool not installed; skipped its check (set TS_REQUIRE_PROMTOOL=1 to require it)"
fi

# ---- A4: a revoked token ends its long-poll ----------------------------------------------
req "$ADMIN" GET '/v1/alerts?since=0' >/dev/null; MAX=$(J .cursor)
( curl -s -o "$WORK/lp.json" -w '%{http_code}' --max-time 60 -H "Authorization: Bearer $TEMP" "$U/v1/alerts?since=$MAX&wait=30" >"$WORK/lp.code" ) &
LP=$!
sleep 0.5
check "the long-poll is waiting" kill -0 $LP
TOKENS_EXTRA="" write_config
t0=$(date +%s)
kill -HUP "$SPID"
wait $LP || true
t1=$(date +%s)
expect_eq "the revoked token's long-poll ends with 401" "$(cat "$WORK/lp.code")" 401
check "well before its wait ran out" [ $((t1 - t0)) -lt 20 ]
expect_eq "the token is refused from now on" "$(req "$TEMP" GET '/v1/alerts?since=0')" 401
expect_eq "other tokens still work" "$(req "$T01" GET "/v1/alerts?since=$MAX")" 200
wait_log "msg=reloaded generation=2" || true
GEN=$(req "" GET /healthz >/dev/null; J .generation)
HASH=$(J .rules_version)

# ---- E4: a database change on SIGHUP is refused ------------------------------------------
DATABASE=other.db TOKENS_EXTRA="" write_config
kill -HUP "$SPID"
check "reload refused, reason logged" wait_log 'msg=reload-failed.*database'
req "" GET /healthz >/dev/null
check "/healthz shows why" bash -c "jq -r .reload_error '$WORK/r.json' | grep -q 'cannot switch databases'"
expect_eq "the generation did not change" "$(J .generation)" "$GEN"
check "no other database was created" [ ! -e "$C/other.db" ]
expect_eq "writes still go to the old database" "$(req "$ADMIN" POST /v1/records '{"id":"P-DB","grid":"T01-V02-G01"}'; sql "$DB" "select count(*) from persons where id='P-DB'")" "2001"
TOKENS_EXTRA="" write_config
# so are the keys that only a restart applies
n=$(grep -c 'msg=reload-failed' "$LOG" || true)
SERVICE_EXTRA="  listen: 127.0.0.1:1" TOKENS_EXTRA="" write_config
kill -HUP "$SPID"
for _ in $(seq 100); do [ "$(grep -c 'msg=reload-failed' "$LOG")" -gt "$n" ] && break; sleep 0.1; done
check "a listen change on SIGHUP is refused, reason logged" bash -c "grep 'msg=reload-failed' '$LOG' | tail -1 | grep -q 'service.listen: a reload cannot move'"
n=$(grep -c 'msg=reload-failed' "$LOG" || true)
SERVICE_EXTRA="  max_connections: 5" TOKENS_EXTRA="" write_config
kill -HUP "$SPID"
for _ in $(seq 100); do [ "$(grep -c 'msg=reload-failed' "$LOG")" -gt "$n" ] && break; sleep 0.1; done
check "a connection cap change on SIGHUP is refused" bash -c "grep 'msg=reload-failed' '$LOG' | tail -1 | grep -q 'apply at start only'"
expect_eq "the generation still did not change" "$(req "" GET /healthz >/dev/null; J .generation)" "$GEN"
TOKENS_EXTRA="" write_config

# ---- B7: a reload whose pack has no rule for a pass is refused ----------------------------
mv "$WORK/rules/20_regional.lua" "$WORK/20_regional.lua"
: >"$LOG.mark"; grep -c 'msg=reload-failed' "$LOG" >"$LOG.mark" || true
kill -HUP "$SPID"
for _ in $(seq 100); do [ "$(grep -c 'msg=reload-failed' "$LOG")" -gt "$(cat "$LOG.mark")" ] && break; sleep 0.1; done
check "a pack without regional rules is refused" bash -c "grep 'msg=reload-failed' '$LOG' | tail -1 | grep -q 'no rule for the regional pass'"
req "" GET /healthz >/dev/null
expect_eq "the old pack keeps serving" "$(J .rules_version)" "$HASH"
check "/healthz names the pass" bash -c "jq -r .reload_error '$WORK/r.json' | grep -q 'regional pass'"
mv "$WORK/20_regional.lua" "$WORK/rules/20_regional.lua"
echo '-- a harmless change' >>"$WORK/rules/10_full.lua"
kill -HUP "$SPID"
check "a good pack goes live" wait_log "msg=reloaded generation=3"
expect_eq "and clears the error" "$(req "" GET /healthz >/dev/null; J .reload_error)" null

stop_server
check "log lines never hold record contents" bash -c "! grep -q '已处理\|incident_reported' '$LOG'"
no_sanitizer_report
finish
