#!/usr/bin/env bash
# The whole product on the sample county: a fresh database, the grid, 2,000 fictional
# persons, the rule pack checked and tested, the three screenings, the lists by town,
# a few dossier headlines and the alert feed. Usage: samples/demo.sh PATH/TO/triscreen
set -eu
TS=${1:-build/triscreen}
TS=$(cd "$(dirname "$TS")" && pwd)/$(basename "$TS")
cd "$(dirname "$0")"
export TRISCREEN_CONFIG=$PWD/triscreen.yaml
rm -f triscreen.db triscreen.db-wal triscreen.db-shm alerts.jsonl

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "triscreen init                       (database + the grid of 演示县)"
"$TS" init
step "triscreen import persons.jsonl       (2,000 fictional persons)"
"$TS" import persons.jsonl
step "triscreen rules check ../rules && triscreen rules test ../rules"
"$TS" rules check ../rules
"$TS" rules test ../rules | tail -2
step "triscreen screen                     (full → regional → targeted)"
"$TS" screen
step "the lists by town"
for town in T01 T02 T03; do
    name=$(grep -A1 "code: $town\$" grid.yaml | sed -n 's/ *name: //p' | head -1)
    printf '%s %-8s' "$town" "$name"
    for c in red yellow blue; do
        printf '  %s %3d' "$c" "$("$TS" lists --colour $c --scope $town --format jsonl | wc -l)"
    done
    echo
done
step "triscreen lists --colour red         (every placement with its rules)"
"$TS" lists --colour red | head -12
step "dossier headlines of three red persons"
for p in $("$TS" lists --colour red --format jsonl | head -3 | jq -r .person); do
    "$TS" dossier "$p" | sed -n '1p;/^  list/p;/^  reasons/p'
    echo
done
step "triscreen due --now 2026-12-02        (reviews due a week later)"
"$TS" due --now 2026-12-02 | head -6
P=$("$TS" lists --colour red --format jsonl | head -1 | jq -r .person)
step "people decide: an officer reviews $P and lowers it to yellow until 2026-12-31"
"$TS" review "$P" --by o-t01-v01-g01 --outcome lower --colour yellow --until 2026-12-31 \
    --note "family support in place; weekly calls agreed" --now 2026-11-25
"$TS" dossier "$P" | sed -n '/^  list/p;/^  override/p'
step "triscreen alerts --kind detailed --limit 5   (the officers' feed)"
"$TS" alerts --kind detailed --limit 5
A=$("$TS" alerts --kind quick --format jsonl --limit 1 | jq -r .id)
G=$("$TS" alerts --kind quick --format jsonl --limit 1 | jq -r .grid)
O=o-$(printf %s "$G" | tr 'A-Z' 'a-z')   # the sample grid names each group's officer so
step "the officers' loop on quick alert $A (cell $G): claim-next → ack → close"
"$TS" claim-next --by "$O" --kind quick
"$TS" ack "$A" --by "$O" --note "called the family"
"$TS" close "$A" --by "$O" --outcome valuable --note "visited; dispute mediated"
step "an officer of another town may not touch it, and a name that is no officer is refused"
OT=o-t02; [ "${G#T02}" != "$G" ] && OT=o-t03
"$TS" reopen "$A" --by "$OT" --note "not mine" || echo "(exit $?: refused and audited)"
"$TS" ack "$A" --by ghost || echo "(exit $?: not an officer of the grid)"
step "triscreen alerts show $A                     (who did what, when)"
"$TS" alerts show "$A"
step "the clock: 40 minutes on, unacknowledged quick alerts climb a level"
"$TS" escalate --now "@$(($(date +%s) + 2400))"
step "triscreen alerts --stats                     (closure against the 99% target)"
"$TS" alerts --stats | head -8
step "triscreen report                     (per-cell counts, closure rate; --html for a page)"
"$TS" report
"$TS" report --html report.html
printf '\nReport page: %s/report.html (counts only, no person data)\n' "$PWD"
printf '\nDatabase: %s/triscreen.db — try: %s dossier %s\n' "$PWD" "$TS" "$P"

step "the officers' console: an officer token (printed once; only its hash is stored)"
TOKEN=$("$TS" token add --officer o-t01-v01 --note "demo: village head of 桃源村" 2>/dev/null |
        sed -n 's/^token: //p')
LISTEN=${DEMO_LISTEN:-127.0.0.1:8080}
printf 'Console:  http://%s/\n' "$LISTEN"
printf 'Sign in as o-t01-v01 (桃源村网格长, village T01-V01) with the token:\n  %s\n' "$TOKEN"
if [ -t 0 ] && [ -t 1 ] && [ "${DEMO_SERVE:-1}" != 0 ]; then
    printf '\nServing the demo database; press Ctrl-C to stop.\n'
    exec "$TS" serve --listen "$LISTEN"
fi
printf 'Start it with:  TRISCREEN_CONFIG=%s/triscreen.yaml %s serve --listen %s\n' \
    "$PWD" "$TS" "$LISTEN"
