#!/usr/bin/env bash
# End-to-end (issue 14, officers): `triscreen token add|list|revoke` and officer tokens in
# a running `serve`. The secret is printed once and only its SHA-256 is stored (nowhere
# else: not in the list, the audit or the database file); the officer must be one of the
# grid; a T03 group officer's token reads its own cell and gets the service's
# out-of-scope answers for T01 (the dossier answers like an unknown person, a T01 list
# scope is 403); it may not ingest; a token added or revoked while serve runs is taken
# up / refused within a few seconds without a reload; config tokens' `officer:` is
# checked against the grid.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

OFF=o-t03-v01-g01 # group officer of T03-V01-G01 (一组网格员)
expect_code "import the samples" 0 "$TRISCREEN" import "$TS_SOURCE_DIR/samples/persons.jsonl"
expect_code "screen" 0 "$TRISCREEN" screen
P3=$(sql "$DB" "select id from persons where grid = 'T03-V01-G01' order by id limit 1")
P3OUT=$(sql "$DB" "select id from persons where grid like 'T03-V02-%' order by id limit 1")
P1=$(sql "$DB" "select id from persons where grid like 'T01-V01-%' order by id limit 1")
check "sample persons in T03-V01-G01, T03-V02 and T01-V01" test -n "$P3" -a -n "$P3OUT" -a -n "$P1"

# ---- token add --------------------------------------------------------------------------
expect_code "token add for a ghost → 2" 2 "$TRISCREEN" token add --officer ghost
check "... says it is not an officer of the grid" grep -q "'ghost' is not an officer of the grid" "$WORK/last.err"
expect_eq "... stored nothing" "$(sql "$DB" "select count(*) from tokens")" 0
expect_code "token add without --officer → 2" 2 "$TRISCREEN" token add
expect_code "token with no subcommand → 2" 2 "$TRISCREEN" token
expect_code "token frobnicate → 2" 2 "$TRISCREEN" token frobnicate

expect_code "token add --officer $OFF" 0 "$TRISCREEN" token add --officer "$OFF" --note "phone 1" --by chief
cp "$WORK/last.out" "$WORK/add.out"
SECRET=$(sed -n 's/^token: //p' "$WORK/add.out")
TID=$(sed -n 's/^id: \(tk-[0-9a-f]*\) .*/\1/p' "$WORK/add.out")
check "the secret is tso_ + 43 base64url characters" grep -qE '^tso_[A-Za-z0-9_-]{43}$' <<<"$SECRET"
check "the id is tk- + 8 hex digits" grep -qE '^tk-[0-9a-f]{8}$' <<<"$TID"
expect_eq "the secret is printed once" "$(grep -c -- "$SECRET" "$WORK/add.out")" 1
check "a warning says it is not shown again" grep -q "shown only now" "$WORK/last.err"
expect_eq "the database keeps its SHA-256" "$(sql "$DB" "select sha256 from tokens where id = '$TID'")" "$(h "$SECRET")"
expect_eq "the audit names the creator and the token id" \
  "$(sql "$DB" "select actor || ' ' || action || ' ' || token from audit where action = 'token.add'")" \
  "chief token.add $TID"
check "the secret is nowhere in the database files" bash -c "! cat '$DB'* | grep -aqF -- '$SECRET'"

# ---- token list ----------------------------------------------------------------------------
HASH=$(h "$SECRET")
expect_code "token list" 0 "$TRISCREEN" token list
check "the table names the id, the officer, its name and the note" \
  grep -q "^$TID  *$OFF .* chief .*一组网格员  phone 1$" "$WORK/last.out"
check "... neither the secret nor the hash" bash -c "! grep -qe '$SECRET' -e '$HASH' '$WORK/last.out'"
expect_code "token list --format jsonl" 0 "$TRISCREEN" token list --format jsonl
expect_eq "one JSON line with the fields" "$(jq -c '[.id, .officer, .officer_name, .created_by, .note, .revoked]' "$WORK/last.out")" \
  "[\"$TID\",\"$OFF\",\"一组网格员\",\"chief\",\"phone 1\",null]"
check "... no hash, no secret" bash -c "! grep -qe '$SECRET' -e '$HASH' -e sha256 '$WORK/last.out'"
expect_code "token list --format csv → 2" 2 "$TRISCREEN" token list --format csv

# ---- the token in serve -----------------------------------------------------------------
start_server
check "server listening" [ -n "$PORT" ]
expect_eq "the officer reads a person of its cell → 200" "$(req "$SECRET" GET "/v1/persons/$P3")" 200
expect_eq "... the dossier" "$(J .person)" "$P3"
NF=$(req "$SECRET" GET /v1/persons/P-NOPE; cat "$WORK/r.json")
OUT1=$(req "$SECRET" GET "/v1/persons/$P1"; cat "$WORK/r.json")
OUT3=$(req "$SECRET" GET "/v1/persons/$P3OUT"; cat "$WORK/r.json")
check "an unknown person is 404" [ "${NF:0:3}" == 404 ]
expect_eq "a T01 person answers exactly like an unknown one" "$OUT1" "$NF"
expect_eq "so does a T03 person outside the officer's group" "$OUT3" "$NF"
expect_eq "lists of the officer's cell → 200" "$(req "$SECRET" GET /v1/lists/red)" 200
expect_eq "... only T03-V01-G01 members" "$(J '[.members[].grid] | unique | join(",")')" T03-V01-G01
check "... as many as the database holds there" [ "$(J .count)" -eq "$(sql "$DB" "select count(*) from list_members m join persons p on p.id = m.person where m.colour = 'red' and p.grid = 'T03-V01-G01'")" ]
expect_eq "lists with scope T01 → 403" "$(req "$SECRET" GET '/v1/lists/red?scope=T01')" 403
expect_eq "lists with scope T03 (above the officer) → 403" "$(req "$SECRET" GET '/v1/lists/red?scope=T03')" 403
expect_eq "lists with the officer's own scope → 200" "$(req "$SECRET" GET '/v1/lists/red?scope=T03-V01-G01')" 200
expect_eq "an officer token may not ingest → 403" \
  "$(req "$SECRET" POST /v1/records "{\"id\":\"$P3\",\"name\":\"x\",\"grid\":\"T03-V01-G01\"}")" 403
expect_eq "a wrong secret → 401" "$(req "${SECRET%?}x" GET "/v1/persons/$P3")" 401
expect_eq "config tokens still work" "$(req "$ADMIN" GET "/v1/persons/$P1")" 200

# poll_status TOKEN PATH WANT: up to 5 s until GET PATH answers WANT
poll_status() {
    local got=
    for _ in $(seq 50); do
        got=$(req "$1" GET "$2")
        [ "$got" == "$3" ] && break
        sleep 0.1
    done
    echo "$got"
}
expect_code "a second token while serve runs" 0 "$TRISCREEN" token add --officer o-t01-v01
SECRET2=$(sed -n 's/^token: //p' "$WORK/last.out")
TID2=$(sed -n 's/^id: \(tk-[0-9a-f]*\) .*/\1/p' "$WORK/last.out")
expect_eq "serve accepts it within 5 s, no reload" "$(poll_status "$SECRET2" "/v1/persons/$P1" 200)" 200
expect_eq "... for its own village only" "$(req "$SECRET2" GET "/v1/persons/$P3")" 404

expect_code "token revoke $TID" 0 "$TRISCREEN" token revoke "$TID" --by chief
check "... says so" grep -q "^$TID revoked by chief$" "$WORK/last.out"
expect_eq "serve refuses the revoked token within 5 s → 401" "$(poll_status "$SECRET" "/v1/persons/$P3" 401)" 401
expect_eq "the other token still works" "$(req "$SECRET2" GET "/v1/persons/$P1")" 200
expect_code "revoke it again → 1" 1 "$TRISCREEN" token revoke "$TID"
check "... already revoked" grep -q "already revoked" "$WORK/last.err"
expect_code "revoke an unknown id → 1" 1 "$TRISCREEN" token revoke tk-00000000
expect_eq "the revocation is audited once, with the token id" \
  "$(sql "$DB" "select count(*) from audit where action = 'token.revoke' and actor = 'chief' and token = '$TID'")" 1
expect_code "token list after the revocation" 0 "$TRISCREEN" token list --format jsonl
expect_eq "lists only the active token" "$(jq -r .id "$WORK/last.out")" "$TID2"
expect_code "token list --all" 0 "$TRISCREEN" token list --all --format jsonl
expect_eq "--all shows the revoked one with who revoked it" \
  "$(jq -r "select(.id == \"$TID\") | .revoked_by" "$WORK/last.out")" chief
stop_server
no_sanitizer_report

# ---- config tokens naming an officer --------------------------------------------------------
GHOSTTOK=gh-$RANDOM$RANDOM
TOKENS_EXTRA="    - {name: haunted, sha256: $(h "$GHOSTTOK"), scopes: [T01], officer: ghost}"
write_config
expect_code "serve with a config token naming a ghost officer → refused" 2 "$BIN" serve --listen 127.0.0.1:0
check "... naming the token and the officer" grep -q "token 'haunted' names officer 'ghost'" "$WORK/last.err"
OFFTOK=of-$RANDOM$RANDOM
TOKENS_EXTRA="    - {name: desk1, sha256: $(h "$OFFTOK"), scopes: [T01], officer: o-t01}"
write_config
start_server
expect_eq "a config token bound to an officer authenticates" "$(req "$OFFTOK" GET "/v1/persons/$P1")" 200
stop_server
finish
