#!/usr/bin/env bash
# End-to-end: the HTTP side of the officers' console (issue 15) with curl — the security
# headers on every kind of response, the page's files with ETag/304 and HEAD, sign-in
# with an officer token into an HttpOnly SameSite=Strict cookie, cookie reads, CSRF and
# Origin on cookie writes, sign-out, a revoked token ending its session, the sign-in
# throttle, a village officer's cookie kept inside the village (alerts, persons, lists,
# report, due reviews, stats, actions), reviews over HTTP (recorded, audited, refused
# out of the officer's cells), the newest-first feed with `before`, and /metrics.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

DESK=dsk-$RANDOM$RANDOM
TOKENS_EXTRA+=$'\n'"    - {name: desk, sha256: $(h "$DESK"), scopes: [T01], officer: o-t01-v01}"
write_config
expect_code "import the sample persons" 0 "$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl"
expect_code "screen them" 0 "$TRISCREEN" screen

add_token() { # add_token OFFICER -> "SECRET ID"
    local out
    out=$("$TRISCREEN" token add --officer "$1" --note "test $1" 2>&1) || { echo "token add $1 failed: $out" >&2; return 1; }
    echo "$(grep -o 'tso_[A-Za-z0-9_-]\{43\}' <<<"$out" | head -1) $(grep -o 'tk-[0-9a-f]\{8\}' <<<"$out" | head -1)"
}
read -r V1 V1_ID <<<"$(add_token o-t01-v01)"
read -r V1B V1B_ID <<<"$(add_token o-t01-v01)"
read -r V2 V2_ID <<<"$(add_token o-t01-v02)"
check "officer tokens made" test -n "$V1" -a -n "$V1B" -a -n "$V2" -a -n "$V1B_ID"

start_server
check "server listening" [ -n "$PORT" ]
check "the log names the console's URL" grep -q "msg=listening .* console=http://127.0.0.1:$PORT/\$" "$LOG"

# ---- security headers on every response -----------------------------------------------------
CSP="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
# headers_ok WHAT CURL-ARGS...: every security header, with its exact value
headers_ok() {
    local what=$1; shift
    curl -s -o /dev/null -D "$WORK/h.txt" "$@"
    tr -d '\r' <"$WORK/h.txt" >"$WORK/h2.txt"
    local bad=""
    while IFS='|' read -r name value; do
        grep -qixF "$name: $value" "$WORK/h2.txt" || bad+="$name "
    done <<EOH
Content-Security-Policy|$CSP
X-Content-Type-Options|nosniff
X-Frame-Options|DENY
Referrer-Policy|no-referrer
Cross-Origin-Opener-Policy|same-origin
Cross-Origin-Resource-Policy|same-origin
Permissions-Policy|camera=(), microphone=(), geolocation=(), payment=()
EOH
    expect_eq "security headers on $what" "$bad" ""
}
status_line() { head -1 "$WORK/h2.txt" | cut -d' ' -f2; }
headers_ok "GET /" "$U/"
expect_eq "... which is the page (200)" "$(status_line)" 200
check "... served as HTML" grep -qi '^Content-Type: text/html' "$WORK/h2.txt"
headers_ok "a static file" "$U/console/index.html"
expect_eq "... 200" "$(status_line)" 200
headers_ok "an API 200" -H "Authorization: Bearer $ADMIN" "$U/v1/alerts?limit=1"
expect_eq "... 200" "$(status_line)" 200
check "... API answers are no-store" grep -qix 'Cache-Control: no-store' "$WORK/h2.txt"
headers_ok "a 404" "$U/console/no-such.js"
expect_eq "... 404" "$(status_line)" 404
check "... a JSON error" grep -qi '^Content-Type: application/json' "$WORK/h2.txt"
headers_ok "a 401" "$U/v1/alerts"
expect_eq "... 401" "$(status_line)" 401

# ---- static files: ETag, 304, HEAD ----------------------------------------------------------------
curl -s -D "$WORK/h.txt" -o "$WORK/index.html" "$U/index.html"
ETAG=$(tr -d '\r' <"$WORK/h.txt" | grep -i '^ETag:' | cut -d' ' -f2)
check "the page has an ETag" grep -q '^"[0-9a-f]\{16\}"$' <<<"$ETAG"
check "static files are no-cache" bash -c "tr -d '\r' <'$WORK/h.txt' | grep -qix 'Cache-Control: no-cache'"
check "/ and /index.html are the same file" cmp -s "$WORK/index.html" <(curl -s "$U/")
headers_ok "a 304" -H "If-None-Match: $ETAG" "$U/"
expect_eq "If-None-Match with the ETag → 304" "$(status_line)" 304
expect_eq "... with no body" "$(curl -s -H "If-None-Match: $ETAG" "$U/" | wc -c)" 0
expect_eq "another ETag → 200" "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "0000000000000000"' "$U/")" 200
curl -s -I -o /dev/null -D "$WORK/h.txt" "$U/"
check "HEAD / → 200" bash -c "head -1 '$WORK/h.txt' | grep -q ' 200'"
expect_eq "POST / → 405" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U/")" 405

# ---- sign-in ------------------------------------------------------------------------------------------
FAILS_SENT=0
# signin TOKEN [ORIGIN] -> status; cookie jar $WORK/jar, body $WORK/r.json, headers $WORK/h.txt
signin() {
    local args=(-s -o "$WORK/r.json" -D "$WORK/h.txt" -w '%{http_code}' -c "$WORK/jar"
        -H 'Content-Type: application/json' --data-binary "{\"token\":\"$1\"}")
    [ -n "${2-}" ] && args+=(-H "Origin: $2")
    curl "${args[@]}" "$U/console/session"
}
expect_eq "sign in with a village officer's token" "$(signin "$V1")" 200
SETC=$(tr -d '\r' <"$WORK/h.txt" | grep -i '^Set-Cookie:')
check "the cookie is ts_session, 43 random characters" grep -qE '^Set-Cookie: ts_session=[A-Za-z0-9_-]{43};' <<<"$SETC"
check "... HttpOnly" grep -q '; HttpOnly' <<<"$SETC"
check "... SameSite=Strict" grep -q '; SameSite=Strict' <<<"$SETC"
check "... Path=/ and Max-Age=43200" grep -q '; Path=/;.*Max-Age=43200' <<<"$SETC"
expect_eq "the session names the officer" "$(J .officer)" o-t01-v01
expect_eq "... its cell" "$(J '.cell + " " + .level')" "T01-V01 village"
expect_eq "... the token id (never the secret)" "$(J .token)" "$V1_ID"
check "... no secret in the answer" bash -c "! grep -q '$V1' '$WORK/r.json'"
expect_eq "... the config's now" "$(J .now)" 2026-11-25
expect_eq "... not the county desk" "$(J .county_desk)" false
CSRF=$(J .csrf)
check "... a 43-character CSRF token" grep -qE '^[A-Za-z0-9_-]{43}$' <<<"$CSRF"
cp "$WORK/jar" "$WORK/jar1"
SID=$(awk '$6=="ts_session" {print $7}' "$WORK/jar1")
expect_eq "the sign-in is audited with the officer and token" \
    "$(sql "$DB" "select count(*) from audit where action='console.signin' and actor='o-t01-v01' and token='$V1_ID'")" 1
check "the session id is not in the database" bash -c "! sqlite3 '$DB' .dump | grep -q '$SID'"

# cj METHOD PATH [BODY] [extra curl args...] -> status, body in $WORK/r.json (cookie jar1)
cj() {
    local m=$1 p=$2 body=${3-}; shift 3 2>/dev/null || shift $#
    local args=(-s -o "$WORK/r.json" -w '%{http_code}' -X "$m" -b "$WORK/jar1")
    [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
    curl "${args[@]}" "$@" "$U$p"
}
expect_eq "GET /console/session with the cookie" "$(cj GET /console/session)" 200
expect_eq "... the same CSRF token" "$(J .csrf)" "$CSRF"
expect_eq "GET /console/session without → 401" "$(curl -s -o "$WORK/r.json" -w '%{http_code}' "$U/console/session")" 401
expect_eq "... not signed in" "$(J .error)" "not signed in"
expect_eq "the cookie reads the feed" "$(cj GET '/v1/alerts?limit=1000')" 200
N_V1=$(J .count)
check "... some alerts" test "$N_V1" -gt 0
expect_eq "... only the village's" "$(J '[.alerts[] | select(.grid | startswith("T01-V01") | not)] | length')" 0
expect_eq "... all of them" "$N_V1" "$(sql "$DB" "select count(*) from alerts where grid like 'T01-V01-%' or grid = 'T01-V01'")"

# ---- CSRF and Origin on cookie writes -------------------------------------------------------------
expect_eq "claim-next by cookie without X-CSRF-Token → 403" "$(cj POST /v1/alerts/claim-next '{}')" 403
expect_eq "... field csrf" "$(J .field)" csrf
expect_eq "... a wrong X-CSRF-Token → 403" "$(cj POST /v1/alerts/claim-next '{}' -H "X-CSRF-Token: ${CSRF%?}x")" 403
expect_eq "... field csrf" "$(J .field)" csrf
expect_eq "... a foreign Origin → 403" "$(cj POST /v1/alerts/claim-next '{}' -H "X-CSRF-Token: $CSRF" -H 'Origin: http://evil.example')" 403
expect_eq "... field origin" "$(J .field)" origin
expect_eq "... nothing was claimed" "$(sql "$DB" "select count(*) from alerts where status='claimed'")" 0
expect_eq "claim-next with the CSRF token and our Origin → 200" \
    "$(cj POST /v1/alerts/claim-next '{}' -H "X-CSRF-Token: $CSRF" -H "Origin: $U")" 200
CLAIMED=$(J .id)
expect_eq "... claimed by the session's officer, through its token" \
    "$(sql "$DB" "select actor || ' ' || token from audit where action='alert.claim' and target='$CLAIMED'")" "o-t01-v01 $V1_ID"
expect_eq "a bearer token wins over the cookie (claim-next as o-t01-v02)" \
    "$(cj POST /v1/alerts/claim-next '{}' -H "Authorization: Bearer $V2")" 200
check "... an alert of T01-V02" grep -q '"grid":"T01-V02' "$WORK/r.json"
expect_eq "sign-in from a foreign Origin → 403" "$(signin "$V1" http://evil.example)" 403
expect_eq "... field origin" "$(J .field)" origin
expect_eq "sign-in with text/plain → 415" "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary "{\"token\":\"$V1\"}" "$U/console/session")" 415

# ---- a village officer's cookie stays in the village ------------------------------------------------
OTHER_ALERT=$(sql "$DB" "select printf('A-%06d', cursor) from alerts where grid like 'T01-V02-%' limit 1")
OTHER_PERSON=$(sql "$DB" "select id from persons where grid like 'T01-V02-%' limit 1")
LISTED_OTHER=$(sql "$DB" "select m.person from list_members m join persons p on p.id = m.person where p.grid like 'T01-V02-%' limit 1" 2>/dev/null || true)
[ -n "$LISTED_OTHER" ] || LISTED_OTHER=$OTHER_PERSON
check "another village has alerts and persons" test -n "$OTHER_ALERT" -a -n "$OTHER_PERSON"
expect_eq "its alert → 404" "$(cj GET "/v1/alerts/$OTHER_ALERT")" 404
expect_eq "its person → 404" "$(cj GET "/v1/persons/$OTHER_PERSON")" 404
expect_eq "its list → 403" "$(cj GET '/v1/lists/red?scope=T01-V02')" 403
expect_eq "its report → 403" "$(cj GET '/v1/report?scope=T01-V02')" 403
expect_eq "its due reviews → 403" "$(cj GET '/v1/reviews/due?scope=T01-V02')" 403
expect_eq "its alert stats → 403" "$(cj GET '/v1/alerts/stats?scope=T01-V02')" 403
expect_eq "the county's report → 403" "$(cj GET '/v1/report?scope=all')" 403
code=$(cj POST "/v1/alerts/$OTHER_ALERT/claim" '{}' -H "X-CSRF-Token: $CSRF")
check "claiming its alert is refused ($code)" grep -qE '^40[34]$' <<<"$code"
expect_eq "reviewing its person → 404" \
    "$(cj POST "/v1/persons/$LISTED_OTHER/review" '{"outcome":"confirm","note":"x"}' -H "X-CSRF-Token: $CSRF")" 404
expect_eq "... no such person" "$(J .error)" "no such person"
expect_eq "... and nothing reviewed" "$(sql "$DB" "select count(*) from reviews where person='$LISTED_OTHER'")" 0

# ---- reports, stats and due reviews in the token's scope ------------------------------------------
expect_eq "the report of the village" "$(cj GET /v1/report)" 200
expect_eq "... scope T01-V01" "$(J .scope)" T01-V01
check "... counts only: no person id" bash -c "! grep -q '\"P-[0-9]' '$WORK/r.json'"
expect_eq "alert stats of the village" "$(cj GET /v1/alerts/stats)" 200
expect_eq "... raised = the village's alerts" "$(J .all.raised)" "$N_V1"
expect_eq "... the badge figure (new)" "$(J .all.by_state.new)" \
    "$(sql "$DB" "select count(*) from alerts where grid like 'T01-V01-%' and status='new'")"
req "$ADMIN" GET /v1/alerts/stats >/dev/null
expect_eq "admin's stats: every alert" "$(J .all.raised)" "$(sql "$DB" "select count(*) from alerts")"
expect_eq "due reviews at a later date" "$(cj GET '/v1/reviews/due?now=2027-01-01')" 200
DUE=$(J '.due[0].person')
check "... some due in the village" test "$(J .count)" -gt 0
expect_eq "... all in the village" "$(J '[.due[] | select(.grid | startswith("T01-V01") | not)] | length')" 0
expect_eq "... now echoed" "$(J .now)" 2027-01-01
expect_eq "due with a bad now → 400" "$(cj GET '/v1/reviews/due?now=soon')" 400

# ---- reviews over HTTP --------------------------------------------------------------------------------
expect_eq "a review without CSRF → 403" "$(cj POST "/v1/persons/$DUE/review" '{"outcome":"confirm","note":"seen"}')" 403
expect_eq "a review without a note → 400" \
    "$(cj POST "/v1/persons/$DUE/review" '{"outcome":"confirm"}' -H "X-CSRF-Token: $CSRF")" 400
expect_eq "... field note" "$(J .field)" note
expect_eq "lower without a colour → 400 colour" \
    "$(cj POST "/v1/persons/$DUE/review" '{"outcome":"lower","note":"x"}' -H "X-CSRF-Token: $CSRF"; J .field)" "400colour"
expect_eq "a bad outcome → 400 outcome" \
    "$(cj POST "/v1/persons/$DUE/review" '{"outcome":"maybe","note":"x"}' -H "X-CSRF-Token: $CSRF"; J .field)" "400outcome"
expect_eq "confirm a due review" \
    "$(cj POST "/v1/persons/$DUE/review" '{"outcome":"confirm","note":"visited, all well","by":"someone-else"}' -H "X-CSRF-Token: $CSRF")" 200
expect_eq "... by the session's officer (never the body's)" "$(J .review.by)" o-t01-v01
expect_eq "... the person and outcome" "$(J '.review.person + " " + .review.outcome')" "$DUE confirm"
check "... a next review date" grep -qE '^2026-[0-9]{2}-[0-9]{2}$' <<<"$(J .review.next_review)"
expect_eq "... recorded" "$(sql "$DB" "select by || ' ' || outcome from reviews where person='$DUE'")" "o-t01-v01 confirm"
expect_eq "... audited with the officer" "$(sql "$DB" "select count(*) from audit where action='review' and actor='o-t01-v01' and target='$DUE'")" 1
expect_eq "... and the token it came through" "$(sql "$DB" "select token from audit where action='review' and actor='o-t01-v01' and target='$DUE'")" "$V1_ID"
# a config token with an officer but wider scopes: the officer's cells still decide
IN_T01_V02=$(sql "$DB" "select m.person from list_members m join persons p on p.id = m.person where p.grid like 'T01-V02-%' limit 1" 2>/dev/null || true)
[ -n "$IN_T01_V02" ] || IN_T01_V02=$OTHER_PERSON
expect_eq "out of the officer's cells → 403" \
    "$(req "$DESK" POST "/v1/persons/$IN_T01_V02/review" '{"outcome":"confirm","note":"not mine"}')" 403
expect_eq "... field person" "$(J .field)" person
expect_eq "... audited review.refused with the officer and token" \
    "$(sql "$DB" "select actor || ' ' || token from audit where action='review.refused' and target='$IN_T01_V02'")" "o-t01-v01 desk"
expect_eq "... nothing recorded" "$(sql "$DB" "select count(*) from reviews where person='$IN_T01_V02'")" 0
expect_eq "a token without an officer may not review" \
    "$(req "$T01" POST "/v1/persons/$DUE/review" '{"outcome":"confirm","note":"x"}'; J .field)" "403token"

# ---- the newest-first feed ----------------------------------------------------------------------------
expect_eq "order=newest" "$(cj GET '/v1/alerts?order=newest&limit=5')" 200
C=$(J '[.alerts[].cursor] | map(tostring) | join(" ")')
expect_eq "... five, by cursor descending" "$(tr ' ' '\n' <<<"$C" | sort -rn | tr '\n' ' ' | sed 's/ $//')" "$C"
expect_eq "... five" "$(wc -w <<<"$C")" 5
HEADC=$(J .cursor)
FIRST=${C%% *} LAST=${C##* }
expect_eq "... the newest of the village first" "$FIRST" \
    "$(sql "$DB" "select max(cursor) from alerts where grid like 'T01-V01-%'")"
expect_eq "... cursor = the feed's head" "$HEADC" "$(sql "$DB" "select max(seq) from alerts")"
expect_eq "before=LAST" "$(cj GET "/v1/alerts?order=newest&limit=5&before=$LAST")" 200
check "... only older ones" test "$(J "[.alerts[] | select(.cursor >= $LAST)] | length")" -eq 0
check "... the next page" test "$(J '.count')" -gt 0
expect_eq "order=sideways → 400 order" "$(cj GET '/v1/alerts?order=sideways'; J .field)" "400order"
expect_eq "before=x → 400 before" "$(cj GET '/v1/alerts?order=newest&before=x'; J .field)" "400before"
expect_eq "order=newest with wait → 400 wait" "$(cj GET '/v1/alerts?order=newest&wait=5'; J .field)" "400wait"

# ---- sign-out -------------------------------------------------------------------------------------------
expect_eq "sign-out without CSRF → 403" "$(cj DELETE /console/session)" 403
curl -s -o /dev/null -D "$WORK/h.txt" -w '%{http_code}' -X DELETE -b "$WORK/jar1" -H "X-CSRF-Token: $CSRF" "$U/console/session" >"$WORK/code"
expect_eq "sign-out → 204" "$(cat "$WORK/code")" 204
check "... clears the cookie" bash -c "tr -d '\r' <'$WORK/h.txt' | grep -qx 'Set-Cookie: ts_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0'"
expect_eq "... the session is gone" "$(cj GET /console/session)" 401
expect_eq "... and reads nothing" "$(cj GET /v1/alerts)" 401
expect_eq "... audited" "$(sql "$DB" "select count(*) from audit where action='console.signout' and actor='o-t01-v01' and token='$V1_ID'")" 1

# ---- a revoked token ends its sessions ------------------------------------------------------------
expect_eq "sign in with a second token" "$(signin "$V1B")" 200
cp "$WORK/jar" "$WORK/jar1"
cp "$WORK/jar" "$WORK/jar-old"
expect_eq "... signing in again over it" \
    "$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/jar-old" -c "$WORK/jar1" -H 'Content-Type: application/json' --data-binary "{\"token\":\"$V1B\"}" "$U/console/session")" 200
expect_eq "... ends the older session" "$(curl -s -o /dev/null -w '%{http_code}' -b "$WORK/jar-old" "$U/console/session")" 401
expect_eq "... reads" "$(cj GET '/v1/alerts?limit=1')" 200
# a long-poll parked on the cookie re-authenticates after a reload, like a bearer one
cj GET '/v1/alerts?order=newest&limit=1' >/dev/null
HEADC=$(J .cursor)
curl -s -o "$WORK/lp1.json" -w '%{http_code}' --max-time 60 -b "$WORK/jar1" "$U/v1/alerts?since=$HEADC&wait=30" >"$WORK/lp1.code" &
LP=$!
sleep 0.3
kill -HUP "$SPID"
check "a reload" wait_log 'msg=reloaded generation=2' 50
req "$ADMIN" POST /v1/records '{"id":"P-LP1","grid":"T01-V01-G01","events":[{"type":"threat_reported","date":"2026-11-24"}]}' >/dev/null
wait $LP 2>/dev/null || true
expect_eq "... the cookie's long-poll survives the reload and gets the new alert" "$(cat "$WORK/lp1.code")" 200
expect_eq "... for P-LP1" "$(jq -r '.alerts[0].person' "$WORK/lp1.json")" P-LP1
cj GET '/v1/alerts?order=newest&limit=1' >/dev/null
HEADC=$(J .cursor)
curl -s -o "$WORK/lp2.json" -w '%{http_code}' --max-time 60 -b "$WORK/jar1" "$U/v1/alerts?since=$HEADC&wait=30" >"$WORK/lp2.code" &
LP=$!
sleep 0.3
expect_eq "revoke that token" "$("$TRISCREEN" token revoke "$V1B_ID" >/dev/null 2>&1; echo $?)" 0
st=200
for _ in $(seq 50); do st=$(cj GET '/v1/alerts?limit=1'); [ "$st" = 401 ] && break; sleep 0.1; done
expect_eq "the session ends once the service sees the revocation" "$st" 401
expect_eq "... for good" "$(cj GET /console/session)" 401
wait $LP 2>/dev/null || true
expect_eq "... and its parked long-poll is answered 401 (woken by the revocation, not its 30 s)" "$(cat "$WORK/lp2.code")" 401
# a long-poll whose client gave up is answered at once, not kept to its deadline (the
# service notices the closed socket; its log line comes within seconds, not 30 s)
HEAD2=$(curl -s -H "Authorization: Bearer $V2" "$U/v1/alerts?order=newest&limit=1" | jq -r .cursor)
sleep 0.3
n_before=$(grep -c "route=/v1/alerts status=.*token=$V2_ID" "$LOG" || true)
curl -s -o /dev/null --max-time 1 -H "Authorization: Bearer $V2" "$U/v1/alerts?since=$HEAD2&wait=30" || true
gone=no
for _ in $(seq 40); do
    [ "$(grep -c "route=/v1/alerts status=.*token=$V2_ID" "$LOG" || true)" -gt "$n_before" ] && { gone=yes; break; }
    sleep 0.1
done
expect_eq "an abandoned long-poll ends within seconds of its client leaving" "$gone" yes

# ---- sign-in refusals and the throttle ---------------------------------------------------------------
expect_eq "an unknown token → 401" "$(signin tso_nope)" 401
expect_eq "... field token" "$(J .field)" token
FAILS_SENT=$((FAILS_SENT + 1))
expect_eq "a config token without an officer → 403" "$(signin "$T01")" 403
expect_eq "... the console needs an officer token" "$(J '.field + ": " + .error')" "token: the console needs an officer token"
FAILS_SENT=$((FAILS_SENT + 1))
expect_eq "a revoked token → 401" "$(signin "$V1B")" 401
FAILS_SENT=$((FAILS_SENT + 1))
req "$ADMIN" GET /metrics >/dev/null
check "/metrics counts the sign-ins" grep -q '^triscreen_console_signins_total{result="ok"} 3$' "$WORK/r.json"
check "... and the failures" grep -q "^triscreen_console_signins_total{result=\"failed\"} $FAILS_SENT\$" "$WORK/r.json"
check "... and the sessions alive" grep -q '^triscreen_console_sessions 0$' "$WORK/r.json"
while [ "$FAILS_SENT" -lt 10 ]; do signin "tso_wrong$FAILS_SENT" >/dev/null; FAILS_SENT=$((FAILS_SENT + 1)); done
expect_eq "past 10 failures a minute even a good token → 429" "$(signin "$V2")" 429
check "... with Retry-After" bash -c "tr -d '\r' <'$WORK/h.txt' | grep -qi '^Retry-After: 60'"
expect_eq "... no session made" "$(sql "$DB" "select count(*) from audit where action='console.signin'")" 3

stop_server
no_sanitizer_report
finish
