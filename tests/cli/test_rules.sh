#!/usr/bin/env bash
# tests/cli/test_rules.sh — `triscreen rules check|test` end to end: the default pack is
# clean and every case passes and covers every rule; a broken pack, a failing case, a
# protected attribute and usage errors give the right exit codes and file:line output.
# Env: TRISCREEN (the binary), TS_SOURCE_DIR (the repo root).
set -euo pipefail

: "${TRISCREEN:?set TRISCREEN to the triscreen binary}"
: "${TS_SOURCE_DIR:?set TS_SOURCE_DIR to the repository root}"

source "$(dirname "$0")/rules_lib.sh"

# ---- the default pack ---------------------------------------------------------------
run check 0 "$TRISCREEN" rules check "$TS_SOURCE_DIR/rules"
has check '^[0-9]+ rules \(full [0-9]+, regional [0-9]+, targeted [0-9]+\), pack sha256:[0-9a-f]{64}$'
hasnt check 'problem'

run test 0 "$TRISCREEN" rules test "$TS_SOURCE_DIR/rules"
has test '^[0-9]+ passed, 0 failed$'
has test '^every rule is covered by a case$'
hasnt test '^FAIL'

# DIR defaults to ./rules without a config
mkdir -p "$work/cwd" && cp -r "$TS_SOURCE_DIR/rules" "$work/cwd/rules"
run default_dir 0 bash -c "cd '$work/cwd' && '$TRISCREEN' rules check"
has default_dir 'pack sha256:'

# the same hash twice (the pack identity is stable)
h1=$(grep -o 'sha256:[0-9a-f]*' "$work/check.out")
h2=$(grep -o 'sha256:[0-9a-f]*' "$work/default_dir.out")
[ "$h1" = "$h2" ] || fail "pack hash differs between two copies of the pack: $h1 vs $h2"

# ---- a broken pack ------------------------------------------------------------------
mkdir -p "$work/broken/tests"
cat >"$work/broken/10_a.lua" <<'EOF'
rule {
  id = "a.ok", pass = "full", title = "fine",
  when = function(p, ctx) return true, "ok" end,
}

rule {
  id = "a.typo", pass = "full", title = "typo", socre = 3,
  when = function(p, ctx) return false end,
}
EOF
cat >"$work/broken/20_b.lua" <<'EOF'
-- a syntax error on line 3
rule { id = "b.bad", pass = "regional", title = "bad",
  when = function(p, ctx) return p.attrs.n >> end }
EOF
run broken_check 1 "$TRISCREEN" rules check "$work/broken"
has broken_check '10_a\.lua:6: .*socre'
has broken_check '20_b\.lua:3: '
has broken_check '^[0-9]+ problems?$'
run broken_test 1 "$TRISCREEN" rules test "$work/broken"
has broken_test '10_a\.lua:6: '

# ---- protected attributes -----------------------------------------------------------
mkdir -p "$work/protected"
cat >"$work/protected/10_p.lua" <<'EOF'
-- attrs.religion in a comment is not a read
rule { id = "p.bad", pass = "full", title = "keys on a protected attribute",
  when = function(p, ctx) return p.attrs.religion == "x" end }
rule { id = "p.r", pass = "regional", title = "r", list = "red", score = 70,
  when = function() return false end }
rule { id = "p.t", pass = "targeted", title = "t", score = 1, when = function() return false end }
EOF
# a warning, not a problem: rules cannot see the attribute whatever they write
run protected 0 "$TRISCREEN" rules check "$work/protected"
has protected "10_p\.lua:3: warning: reads protected attribute 'religion'"
has protected "1 warning"
hasnt protected '10_p\.lua:1:'

# ---- a failing case and an uncovered rule -------------------------------------------
mkdir -p "$work/pack/tests"
cat >"$work/pack/10_x.lua" <<'EOF'
rule { id = "x.two", pass = "full", title = "two or more",
  when = function(p, ctx) local n = p.attrs.n or 0; return n >= 2, "n: " .. n end }
rule { id = "x.never", pass = "regional", title = "never", list = "red",
  when = function(p, ctx) return false end }
EOF
cat >"$work/pack/tests/cases.yaml" <<'EOF'
now: 2026-11-25
cases:
  - name: two fires
    passes: [full]
    person: {id: P-1, grid: T01-V01-G01, attrs: {n: 2}}
    expect: {fired: [x.two], suspect: true, feedback: [early]}
  - name: one is wrongly expected to fire
    passes: [full]
    person: {id: P-2, grid: T01-V01-G01, attrs: {n: 1}}
    expect: {fired: [x.two], suspect: true}
EOF
run failing 1 "$TRISCREEN" rules test "$work/pack"
has failing '^FAIL .*/tests/cases\.yaml:7: one is wrongly expected to fire$'
has failing 'missing +x\.two'
has failing 'suspect: +expected true, actual false'
has failing '^1 passed, 1 failed$'
has failing '^rules no case fires: x\.never$'

# --case runs one file; coverage is reported, not enforced
cat >"$work/only.yaml" <<'EOF'
now: 2026-11-25
cases:
  - name: two fires
    passes: [full]
    person: {id: P-1, grid: T01-V01-G01, attrs: {n: 2}}
    expect: {fired: [x.two]}
EOF
run only_case 0 "$TRISCREEN" rules test "$work/pack" --case "$work/only.yaml"
has only_case '^1 passed, 0 failed$'
has only_case 'x\.never \(not enforced with --case\)'

# a bad record in a case file names file:line
cat >"$work/badrec.yaml" <<'EOF'
now: 2026-11-25
cases:
  - name: bad birth date
    person:
      id: P-1
      grid: T01-V01-G01
      born: 1980-02-30
    expect: {fired: []}
EOF
run bad_record 1 "$TRISCREEN" rules test "$work/pack" --case "$work/badrec.yaml"
has bad_record 'badrec\.yaml:7:'

# ---- usage --------------------------------------------------------------------------
run usage_none 2 "$TRISCREEN" rules
run usage_sub 2 "$TRISCREEN" rules frobnicate
run usage_args 2 "$TRISCREEN" rules check a b
run usage_opt 2 "$TRISCREEN" rules test --bogus
run missing_dir 1 "$TRISCREEN" rules check "$work/does-not-exist"
run help 0 "$TRISCREEN" rules --help
has help 'rules check'

if [ "$fails" -ne 0 ]; then
    echo "test_rules: $fails check(s) failed" >&2
    exit 1
fi
echo "test_rules: ok"
