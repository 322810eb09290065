#!/usr/bin/env bash
# End-to-end (issue 12 F1): every command exits 2 on a configuration or grid error — a
# missing config file, a bad YAML tag in the config, a billion-laughs grid, a grid that
# does not load — and names the file.
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
TRISCREEN_CONFIG=$C/triscreen.yaml "$TRISCREEN" init >/dev/null
"$GEN" -n 50 -s 3 -o "$WORK/p.jsonl"
TRISCREEN_CONFIG=$C/triscreen.yaml "$TRISCREEN" import "$WORK/p.jsonl" >/dev/null

# a config whose YAML carries an unknown tag
sed 's/^now: .*/now: !!binary 2026-11-25/' "$C/triscreen.yaml" >"$C/tag.yaml"
# a billion-laughs grid, and a config pointing at it
{
  echo 'a: &a ["x","x","x","x","x","x","x","x","x","x"]'
  prev=a
  for l in b c d e f g h i j; do
    echo "$l: &$l [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
    prev=$l
  done
  echo 'county: x'
} >"$C/laughs.yaml"
sed 's/^grid: .*/grid: laughs.yaml/' "$C/triscreen.yaml" >"$C/laughs-cfg.yaml"
# a grid file that is missing, and one that is not a grid
sed 's/^grid: .*/grid: nogrid.yaml/' "$C/triscreen.yaml" >"$C/nogrid-cfg.yaml"
printf 'county: x\ntowns: 3\n' >"$C/badgrid.yaml"
sed 's/^grid: .*/grid: badgrid.yaml/' "$C/triscreen.yaml" >"$C/badgrid-cfg.yaml"

cmds=(
  "init"
  "import $WORK/p.jsonl"
  "screen"
  "lists"
  "ledger"
  "dossier P-000001"
  "review P-000001 --by o-t01 --outcome confirm --note ok"
  "due"
  "alerts"
  "ack A-000001 --by o-t01"
  "close A-000001 --by o-t01 --note done"
  "diff --rules $TS_SOURCE_DIR/rules"
  "report"
  "serve --listen 127.0.0.1:0"
)
for cfg in "$WORK/nope.yaml" "$C/tag.yaml" "$C/laughs-cfg.yaml" "$C/nogrid-cfg.yaml" "$C/badgrid-cfg.yaml"; do
  for cmd in "${cmds[@]}"; do
    read -r -a argv <<<"$cmd"
    # ack and close touch only the database: a grid problem is not theirs
    case "$cfg:${argv[0]}" in *-cfg.yaml:ack | *-cfg.yaml:close) continue ;; esac
    expect_code "$(basename "$cfg"): $cmd" 2 timeout 60 "$TRISCREEN" "${argv[0]}" -c "$cfg" "${argv[@]:1}"
    check "$(basename "$cfg"): $cmd names the file" grep -q "$(basename "$cfg" -cfg.yaml)" "$WORK/last.err"
  done
done
# rules check reads the config (limits) but not the grid
for cfg in "$WORK/nope.yaml" "$C/tag.yaml"; do
  expect_code "$(basename "$cfg"): rules check" 2 "$TRISCREEN" rules check -c "$cfg" "$TS_SOURCE_DIR/rules"
  check "$(basename "$cfg"): rules check names the file" grep -q "$(basename "$cfg")" "$WORK/last.err"
done
finish
