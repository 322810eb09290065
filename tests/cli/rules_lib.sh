# tests/cli/rules_lib.sh — sourced by the rule-pack tests (test_rules.sh,
# test_rules_check.sh): a scratch folder as the working directory (no triscreen.yaml
# there, so defaults apply unless a test writes one) and the checks they share.
# shellcheck shell=bash
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2
unset TRISCREEN_CONFIG

fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

# run NAME WANT_EXIT CMD...: runs CMD, keeps stdout+stderr in $work/NAME.out, checks the
# exit code.
run() {
    local name=$1 want=$2
    shift 2
    local got=0
    "$@" >"$work/$name.out" 2>&1 || got=$?
    if [ "$got" -ne "$want" ]; then
        fail "$name: exit $got, want $want; output:"
        sed 's/^/    /' "$work/$name.out" >&2
    fi
}

# has NAME PATTERN: the output of NAME matches the extended regex PATTERN.
has() {
    if ! grep -Eq -- "$2" "$work/$1.out"; then
        fail "$1: output lacks /$2/; output:"
        sed 's/^/    /' "$work/$1.out" >&2
    fi
}

# hasnt NAME PATTERN: it does not.
hasnt() {
    if grep -Eq -- "$2" "$work/$1.out"; then
        fail "$1: output has /$2/; output:"
        sed 's/^/    /' "$work/$1.out" >&2
    fi
}
