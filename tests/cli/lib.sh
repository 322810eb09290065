# tests/cli/lib.sh — shared helpers for the end-to-end tests (sourced, not run).
set -euo pipefail
: "${TRISCREEN:?set TRISCREEN to the triscreen binary}"
: "${TS_SOURCE_DIR:?set TS_SOURCE_DIR to the repository root}"
TS_BUILD_DIR=${TS_BUILD_DIR:-$(dirname "$TRISCREEN")}
GEN=$TS_BUILD_DIR/ts-gen
WORK=$(mktemp -d "${TMPDIR:-/tmp}/ts-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }
check() { # check DESCRIPTION COMMAND... : passes when the command succeeds
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
expect_eq() { # expect_eq DESCRIPTION ACTUAL EXPECTED
    if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi
}
expect_code() { # expect_code DESCRIPTION EXPECTED_CODE COMMAND...
    local what=$1 want=$2; shift 2
    local got=0
    "$@" >"$WORK/last.out" 2>"$WORK/last.err" || got=$?
    if [ "$got" == "$want" ]; then pass "$what (exit $got)"; else
        fail "$what: exit $got, expected $want"; sed 's/^/  | /' "$WORK/last.out" "$WORK/last.err" >&2
    fi
}
# new_county DIR: a config + the sample grid in DIR
new_county() {
    mkdir -p "$1"
    cp "$TS_SOURCE_DIR/samples/grid.yaml" "$1/grid.yaml"
    cat >"$1/triscreen.yaml" <<EOC
database: triscreen.db
grid: grid.yaml
rules: $TS_SOURCE_DIR/rules
now: 2026-11-25
EOC
}
sql() { sqlite3 -batch -noheader "$@"; }
finish() {
    if [ "$FAILS" -ne 0 ]; then echo "$FAILS check(s) failed" >&2; exit 1; fi
    echo "all checks passed"
}
