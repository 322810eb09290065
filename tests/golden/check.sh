#!/usr/bin/env bash
# Runs the golden scenario (run.sh) and compares every output with tests/golden/expected/.
# A difference fails with a unified diff. After an intended change named in the README's
# changelog: tests/golden/check.sh PATH/TO/triscreen --update
set -eu
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$HERE/run.sh" "$BIN" "$OUT" >/dev/null
if [ "${2-}" = --update ]; then
    rm -rf "$HERE/expected" && cp -r "$OUT" "$HERE/expected"
    echo "golden: expected outputs updated ($(ls "$HERE/expected" | wc -l) files)"
    exit 0
fi
if diff -ru "$HERE/expected" "$OUT" >"$OUT.diff"; then
    echo "golden: $(ls "$OUT" | wc -l) outputs identical to tests/golden/expected"
    rm -f "$OUT.diff"
else
    head -200 "$OUT.diff"
    echo "FAIL: golden outputs differ (full diff above, first 200 lines)" >&2
    rm -f "$OUT.diff"
    exit 1
fi
