#!/usr/bin/env bash
# The rules guide's walkthrough (rules/README.md, "Changing the pack, step by step") shows
# real output: tests/guide/walkthrough.sh runs its commands on the samples and the
# transcript must equal the guide's block between the walkthrough markers, once what
# changes between runs (timestamps, temporary paths, timings) is masked on both sides by
# tests/guide/mask.sed. After a deliberate change (a rule of the default pack, an output
# format), refresh the guide with TS_GUIDE_UPDATE=1 and read the diff.
source "$(dirname "$0")/lib.sh"
G=$TS_SOURCE_DIR/rules/README.md
M=$TS_SOURCE_DIR/tests/guide/mask.sed
bash "$TS_SOURCE_DIR/tests/guide/walkthrough.sh" "$TRISCREEN" "$TS_SOURCE_DIR" >"$WORK/transcript"
check "the walkthrough ran" [ -s "$WORK/transcript" ]
block() { sed -n '/^<!-- walkthrough:begin -->$/,/^<!-- walkthrough:end -->$/p' "$G" | sed '1,2d;$d' | sed '$d'; }
if [ "${TS_GUIDE_UPDATE:-}" = 1 ]; then
    python3 - "$G" "$WORK/transcript" <<'PY'
import sys
g, t = sys.argv[1], open(sys.argv[2]).read().rstrip("\n")
s = open(g).read()
b, e = "<!-- walkthrough:begin -->\n", "<!-- walkthrough:end -->"
i, j = s.index(b) + len(b), s.index(e)
open(g, "w").write(s[:i] + "```\n" + t + "\n```\n" + s[j:])
PY
    echo "updated $G"
fi
sed -f "$M" "$WORK/transcript" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$WORK/got"
block | sed -f "$M" >"$WORK/want"
if diff -u "$WORK/want" "$WORK/got" >"$WORK/d"; then pass "the guide's walkthrough is the real output"; else
    fail "the guide's walkthrough differs from the real output (TS_GUIDE_UPDATE=1 to refresh):"; head -60 "$WORK/d" >&2
fi
finish
