#!/usr/bin/env bash
# bench_callgrind.sh BUILD_DIR SRC_DIR OUT: (on demand; needs valgrind) instruction counts (callgrind, repeatable) of import, each
# pass and the read commands over 20k generated persons.
set -eu
B=$1; SRC=$2; OUT=$3
W=$(mktemp -d /tmp/cg.XXXX)
cp "$SRC/samples/grid.yaml" "$W/"
printf 'database: cg.db\ngrid: grid.yaml\nrules: %s/rules\nnow: 2026-11-25\n' "$SRC" >"$W/triscreen.yaml"
export TRISCREEN_CONFIG=$W/triscreen.yaml
[ -s /tmp/cg-p20k.jsonl ] || "$B/ts-gen" -n 20000 -s 1 -o /tmp/cg-p20k.jsonl
cd "$W"
"$B/triscreen" init >/dev/null
ir() { # ir LABEL CMD...
    local label=$1; shift
    valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$@" >/dev/null 2>"$W/vg.err" || true
    local n
    n=$(grep -o 'Collected : [0-9]*' "$W/vg.err" | awk '{print $3}')
    printf '%-28s %14s\n' "$label" "$n" | tee -a "$OUT"
}
: >"$OUT"
ir import "$B/triscreen" import /tmp/cg-p20k.jsonl
ir "screen full" "$B/triscreen" screen --pass full --threads 1
ir "screen regional" "$B/triscreen" screen --pass regional --threads 1
ir "screen targeted" "$B/triscreen" screen --pass targeted --threads 1
ir "lists jsonl" "$B/triscreen" lists --format jsonl
ir "lists table" "$B/triscreen" lists
ir "ledger csv" "$B/triscreen" ledger --format csv
ir "due jsonl" "$B/triscreen" due --now 2026-12-31 --format jsonl
ir "alerts jsonl" "$B/triscreen" alerts --format jsonl
ir "report json" "$B/triscreen" report --format json
P=$("$B/triscreen" lists --colour red --format jsonl | head -1 | jq -r .person)
ir "dossier json" "$B/triscreen" dossier "$P" --format json
ir "dossier text" "$B/triscreen" dossier "$P"
rm -rf "$W"
