#!/usr/bin/env bash
# End-to-end, issue 12 B8: a protected attribute is unreachable by rules whatever the
# access path, even when the database already holds it (a name added to the config's
# protected_attributes after the import, or a database from before normalisation).
# The importer refuses the same name in every spelling. (Circle members' attributes go
# through the same check: tests/unit/rulehost/test_limits.c, test_hidden_attrs.)
source "$(dirname "$0")/lib.sh"
C=$WORK/county
new_county "$C"
mkdir -p "$C/pack"
cat >"$C/pack/10_probe.lua" <<'EOL'
-- every way a rule could read the attribute "hobby"
rule { id = "probe.index", pass = "full", title = "p.attrs.hobby",
  when = function(p) return p.attrs.hobby ~= nil, "index" end }
rule { id = "probe.num", pass = "full", title = "p:num",
  when = function(p) return p:num("hobby", -1) ~= -1, "num" end }
rule { id = "probe.dynamic", pass = "full", title = "a computed key",
  when = function(p) local k = string.lower("HOB") .. "by" return p.attrs[k] ~= nil, "dyn" end }
rule { id = "probe.pairs", pass = "full", title = "pairs(p.attrs)",
  when = function(p)
    for k in pairs(p.attrs) do if k == "hobby" then return true, "pairs" end end
    return false
  end }
rule { id = "probe.other", pass = "full", title = "a visible attribute",
  when = function(p) return p.attrs.shoe ~= nil, "shoe" end }
rule { id = "probe.reg", pass = "regional", title = "r", when = function() return false end }
rule { id = "probe.tgt", pass = "targeted", title = "t", when = function() return false end }
EOL
sed -i "s#^rules: .*#rules: $C/pack#" "$C/triscreen.yaml"
export TRISCREEN_CONFIG=$C/triscreen.yaml
cat >"$C/p.jsonl" <<'EOJ'
{"id":"P-1","grid":"T01-V01-G01","attrs":{"hobby":3,"shoe":42},"relations":[{"id":"P-2","kind":"family"}]}
{"id":"P-2","grid":"T01-V01-G01","attrs":{"hobby":1,"shoe":40}}
EOJ
"$TRISCREEN" init >/dev/null
expect_code "import (hobby is not protected yet)" 0 "$TRISCREEN" import "$C/p.jsonl"
fired() { sql "$C/triscreen.db" "select rules from ledger where run = (select max(run) from ledger) order by person" | tr -d '\n'; }
expect_code "screen before" 0 "$TRISCREEN" screen --pass full
check "before: the rules see hobby" bash -c "[[ '$(fired)' == *probe.index* && '$(fired)' == *probe.pairs* && '$(fired)' == *probe.num* && '$(fired)' == *probe.dynamic* ]]"

# now the county protects it: the rows already stored must be unreachable
printf 'protected_attributes: ["Hob by"]\n' >>"$C/triscreen.yaml"
expect_code "screen after the config protects hobby" 0 "$TRISCREEN" screen --pass full
f=$(fired)
for r in probe.index probe.num probe.dynamic probe.pairs; do
    check "after: $r does not fire" bash -c "[[ '$f' != *'\"$r\"'* && '$f' != *'$r'* ]]"
done
check "after: a visible attribute still is" bash -c "[[ '$f' == *probe.other* ]]"
expect_code "rules check still passes the pack (its lint does not know hobby)" 0 "$TRISCREEN" rules check "$C/pack"

# the importer refuses the name in every spelling
cat >"$C/q.jsonl" <<'EOJ'
{"id":"P-3","grid":"T01-V01-G01","attrs":{"HOBBY":"x"}}
{"id":"P-4","grid":"T01-V01-G01","attrs":{"ｈｏｂｂｙ":"x"}}
{"id":"P-5","grid":"T01-V01-G01","attrs":{"hob\u200bby":"x"}}
{"id":"P-6","grid":"T01-V01-G01","attrs":{"宗教":"x"}}
{"id":"P-7","grid":"T01-V01-G01","attrs":{"Religions":"x"}}
EOJ
expect_code "import of protected spellings" 1 "$TRISCREEN" import "$C/q.jsonl"
expect_eq "each one rejected" "$(wc -l <"$C/q.jsonl.rejects")" 5
expect_eq "none stored" "$(sql "$C/triscreen.db" "select count(*) from persons where id in ('P-3','P-4','P-5','P-6','P-7')")" 0
finish
