#!/usr/bin/env bash
# tests/guide/walkthrough.sh TRISCREEN SOURCE_DIR — the policy staff's walkthrough of
# rules/README.md ("Changing the pack, step by step") run for real: a sample county is
# screened, a rule is changed in a draft, checked, tested, its case fixed, diffed,
# deployed, the county screened again and the deploy rolled back. Prints the transcript
# ("$ command" then its output) that the guide shows; tests/cli/test_guide.sh compares it
# with the guide. Exit status 0 even when a step fails (its output is in the transcript).
set -uo pipefail
T=$1 SRC=$2
W=$(mktemp -d "${TMPDIR:-/tmp}/ts-guide.XXXXXX")
trap 'rm -rf "$W"' EXIT
cd "$W"
cp "$SRC/samples/grid.yaml" grid.yaml
cp -r "$SRC/rules" rules
rm -f rules/README.md
cat >triscreen.yaml <<EOC
database: triscreen.db
grid: grid.yaml
rules: rules
now: 2026-11-25
EOC
export TRISCREEN_CONFIG=$W/triscreen.yaml TMPDIR=$W
triscreen() { "$T" "$@"; }
"$T" init >/dev/null && "$T" import "$SRC/samples/persons.jsonl" >/dev/null && "$T" screen >/dev/null
step() { # step COMMAND... : prints "$ COMMAND" (an argument with a space quoted) and its output
    local a line='$'
    for a in "$@"; do
        case $a in *' '*) line+=" \"$a\"" ;; *) line+=" $a" ;; esac
    done
    echo "$line"
    "$@" 2>&1
    local rc=$?
    [ "$rc" -eq 0 ] || echo "(exit status $rc)"
    echo
}
cp -r rules draft
sed -i '/id = "disputes.escalated_unemployed"/,/score = 30/ s/score = 30/score = 35/' draft/20_regional.lua
step triscreen rules check draft
step triscreen rules test draft
sed -i 's/- name: revenge words plus an escalated dispute and no job reach 65, just short of red/- name: revenge words plus an escalated dispute and no job reach 70, red/;
        /reach 70, red/,/colour: yellow/ s/colour: yellow/colour: red/' draft/tests/20_regional.yaml
step triscreen rules test draft
step triscreen diff --rules draft
step triscreen rules deploy draft --by policy-li --note "escalated dispute without work weighs 35: with violent words it is red"
step triscreen rules versions
step triscreen screen
first=$("$T" rules versions --format json | jq -r '.versions[0].hash' | cut -c1-19)
step triscreen rules rollback "$first" --by policy-li --note "back to the pack before the change"
step triscreen rules versions
