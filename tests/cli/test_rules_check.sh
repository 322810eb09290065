#!/usr/bin/env bash
# tests/cli/test_rules_check.sh — `triscreen rules check` compiles what it can: a regex
# literal that PCRE2 rejects (its message, FILE:LINE:COL, the pattern offset), a person
# field that does not exist, attributes / event types / relations the config's schema
# does not declare, scores that do nothing and an unreachable threshold (warnings, exit
# 0); a valid pack and the repository's rules/ pass unchanged.
# Env: TRISCREEN (the binary), TS_SOURCE_DIR (the repository root).
set -euo pipefail

: "${TRISCREEN:?set TRISCREEN to the triscreen binary}"
: "${TS_SOURCE_DIR:?set TS_SOURCE_DIR to the repository root}"

source "$(dirname "$0")/rules_lib.sh"

# a config with the optional schema (grid and database are not opened by rules check)
cp "$TS_SOURCE_DIR/samples/grid.yaml" "$work/grid.yaml"
cat >"$work/schema.yaml" <<'YAML'
database: t.db
grid: grid.yaml
thresholds: {red: 70, yellow: 40, blue: 20}
problem_events: [incident_reported, threat_reported, absconded]
schema:
  attributes: {open_disputes: number, employed: bool, contact_officer: text}
  relations: [spouse, parent, child, sibling]
  events: [checkin_missed, dispute_escalated]
YAML
mkdir good
cat >good/10_a.lua <<'LUA'
local PAT = [[(?i)\bthreat\b]]
rule { id = "a.full", pass = "full", title = "Full",
  when = function(p, ctx) return p:num("open_disputes") > 0 or re.match(PAT, p.notes) end }
rule { id = "a.reg", pass = "regional", title = "Reg", list = "red", score = 80,
  when = function(p, ctx)
    if p.attrs.employed == false and p:count_events({ "incident_reported", "checkin_missed" }, 30) > 0 then
      return true
    end
    for _, m in ipairs(p:circle { depth = 1, kind = "spouse" }) do
      if m.relation == "spouse" then return true end
    end
    return re.find("x(y)", p.notes) ~= nil
  end }
rule { id = "a.tgt", pass = "targeted", title = "Tgt", score = 5,
  when = function(p, ctx) return p:count_events("dispute_escalated", 30) > 1 end }
LUA
run good 0 "$TRISCREEN" rules check -c schema.yaml good
has good '^3 rules \(full 1, regional 1, targeted 1\), pack sha256:'
hasnt good 'warning|problem|rule a\.'

# the repository's pack, with and without a config
run repo 0 "$TRISCREEN" rules check "$TS_SOURCE_DIR/rules"
hasnt repo 'problem|warning'
run samples 0 "$TRISCREEN" rules check -c "$TS_SOURCE_DIR/samples/triscreen.yaml"
hasnt samples 'problem|warning'

# the repository's pack against a schema of what the samples hold: clean; without
# care_level in the schema, its reads are errors naming the rules
cat >"$work/samples_schema.yaml" <<YAML
database: t.db
grid: grid.yaml
rules: $TS_SOURCE_DIR/rules
problem_events: [incident_reported, threat_reported, absconded]
schema:
  attributes: {care_level: number, contact_officer: text, debt_overdue: bool, employed: bool,
               escalated_disputes: number, lives_alone: bool, missed_checkins_30d: number,
               open_disputes: number, petitions_12m: number}
  relations: [associate, co_defendant, family, neighbour, spouse]
  events: [checkin_done, checkin_missed, dispute_escalated, dispute_filed, home_visit,
           hospital_visit, job_lost, petition_filed, police_call]
YAML
run repo_schema 0 "$TRISCREEN" rules check -c samples_schema.yaml
hasnt repo_schema 'problem|warning'
sed 's/care_level: number, //' samples_schema.yaml >no_care.yaml
run repo_nocare 1 "$TRISCREEN" rules check -c no_care.yaml
has repo_nocare "^10_full\.lua:[0-9]+:[0-9]+: rule gap\.care_visit: attribute 'care_level' is not in schema\.attributes"

# ---- a regex that cannot compile: PCRE2's message, the column, the pattern offset ----
mkdir rx
cat >rx/10_rx.lua <<'LUA'
local BAD = "ab(cd"
rule { id = "rx.open", pass = "full", title = "Open group",
  when = function(p, ctx) return re.find(BAD, p.notes) ~= nil end }
rule { id = "rx.lit", pass = "full", title = "Bad repeat",
  when = function(p, ctx)
    return re.match("ok|\\d+(?<n>x)*+{2,1}", p.notes) end }
rule { id = "rx.long", pass = "full", title = "Long bracket",
  when = function(p, ctx) return re.match([[a[z-a]b]], p.notes) end }
rule { id = "rx.vote", pass = "regional", title = "Vote", list = "red", score = 70,
  when = function(p, ctx) return false end }
rule { id = "rx.tgt", pass = "targeted", title = "Tgt", score = 1,
  when = function(p, ctx) return false end }
LUA
run rx 1 "$TRISCREEN" rules check rx
# "ab(cd": missing ) at offset 5 = the closing quote, column 19
has rx '^10_rx\.lua:1:19: rule rx\.open: regex does not compile: missing closing parenthesis at pattern offset 5$'
# offset 19 of the decoded pattern is column 42: the escaped backslash is two source characters
has rx '^10_rx\.lua:6:42: rule rx\.lit: regex does not compile: numbers out of order in \{\} quantifier at pattern offset 19$'
has rx '^10_rx\.lua:8:49: rule rx\.long: regex does not compile: range out of order in character class at pattern offset 4$'
has rx '^3 problems$'
hasnt rx 'warning'

# ---- unknown field, attribute, event, relation; type mismatch ------------------------
mkdir refs
cat >refs/10_refs.lua <<'LUA'
rule { id = "r.field", pass = "full", title = "Field",
  when = function(p, ctx) return p.nickname == "x" end }
rule { id = "r.attr", pass = "full", title = "Attr",
  when = function(p, ctx) return p.attrs.shoe_size == 44 or p:num("debts") > 1 end }
rule { id = "r.event", pass = "full", title = "Event",
  when = function(p, ctx) return p:count_events("parole_breach", 30) > 0 end }
rule { id = "r.rel", pass = "targeted", title = "Relation", score = 5,
  when = function(p, ctx)
    for _, m in ipairs(p:circle { kind = "cousin" }) do return true end
    return false
  end }
rule { id = "r.type", pass = "full", title = "Type",
  when = function(p, ctx) return p:num("contact_officer") > 0 end }
rule { id = "r.vote", pass = "regional", title = "Vote", list = "red", score = 70,
  when = function(p, ctx) return false end }
LUA
run refs 1 "$TRISCREEN" rules check -c schema.yaml refs
has refs "^10_refs\.lua:2:36: rule r\.field: p\.nickname is not a field of a person"
has refs "^10_refs\.lua:4:42: rule r\.attr: attribute 'shoe_size' is not in schema\.attributes"
has refs "^10_refs\.lua:4:67: rule r\.attr: attribute 'debts' is not in schema\.attributes"
has refs "^10_refs\.lua:6:49: rule r\.event: event type 'parole_breach' is not in schema\.events"
has refs "^10_refs\.lua:9:42: rule r\.rel: relation 'cousin' is not in schema\.relations"
has refs "^10_refs\.lua:13:40: warning: rule r\.type: p:num\(\"contact_officer\"\) reads an attribute schema\.attributes declares text"
has refs '^5 problems$'
has refs '^1 warning$'
# without a schema only the field is an error: attributes are free-form
run refs_noschema 1 "$TRISCREEN" rules check refs
has refs_noschema 'p\.nickname is not a field'
hasnt refs_noschema "shoe_size|parole_breach|cousin"
has refs_noschema '^1 problem$'

# ---- scores and thresholds: warnings, exit 0 -----------------------------------------
mkdir th
cat >th/10_th.lua <<'LUA'
rule { id = "t.full", pass = "full", title = "Full", score = 10,
  when = function(p, ctx) return false end }
rule { id = "t.none", pass = "regional", title = "Nothing",
  when = function(p, ctx) return false end }
rule { id = "t.small", pass = "regional", title = "Small", score = 36,
  when = function(p, ctx) return false end }
rule { id = "t.tgt", pass = "targeted", title = "Tgt", score = 5,
  when = function(p, ctx) return false end }
LUA
run th 0 "$TRISCREEN" rules check th
has th '^10_th\.lua:1: warning: rule t\.full: full-pass rules only mark suspect'
has th '^10_th\.lua:3: warning: rule t\.none: neither list nor score'
has th 'warning: thresholds\.red = 70 cannot be reached: the pack.s positive scores add up to 41 and no rule votes red'
hasnt th 'thresholds\.(yellow|blue)'
has th '^3 warnings$'
hasnt th 'problem'

# ---- the schema's own errors are config errors -----------------------------------------
sed 's/events: \[checkin_missed, dispute_escalated\]/events: {a: 1}/' schema.yaml >bad.yaml
run badschema 2 "$TRISCREEN" rules check -c bad.yaml good
has badschema 'schema\.events: expected a list'

# ---- --format jsonl: one object a problem, then the summary ----------------------------
run rx_jsonl 1 "$TRISCREEN" rules check --format jsonl rx
python3 - "$work/rx_jsonl.out" <<'PY' || fail "rx_jsonl: not the JSON lines wanted"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
errs = [r for r in rows if r.get("severity") == "error"]
assert len(errs) == 3, rows
first = errs[0]
assert (first["file"], first["line"], first["col"], first["rule"], first["check"]) == \
    ("10_rx.lua", 1, 19, "rx.open", "regex"), first
assert first["message"].endswith("at pattern offset 5"), first
assert rows[-1]["summary"] == "rules check" and rows[-1]["errors"] == 3, rows[-1]
assert rows[-1]["warnings"] == 0 and rows[-1]["pack"].startswith("sha256:"), rows[-1]
PY
run good_jsonl 0 "$TRISCREEN" rules check -c schema.yaml --format jsonl good
has good_jsonl '^\{"summary":"rules check","rules":3,"full":1,"regional":1,"targeted":1,"pack":"sha256:[0-9a-f]{64}","errors":0,"warnings":0\}$'
run badformat 2 "$TRISCREEN" rules check --format xml good
has badformat "--format must be text or jsonl, not 'xml'"

# a protected attribute stays the existing lint's warning, schema or not
mkdir prot
cat >prot/10_p.lua <<'LUA'
rule { id = "p.x", pass = "full", title = "P",
  when = function(p, ctx) return p.attrs.religion == "x" end }
rule { id = "p.r", pass = "regional", title = "R", list = "red", score = 70,
  when = function(p, ctx) return false end }
rule { id = "p.t", pass = "targeted", title = "T", score = 1,
  when = function(p, ctx) return false end }
LUA
run prot 0 "$TRISCREEN" rules check -c schema.yaml prot
has prot "^10_p\.lua:2: warning: reads protected attribute 'religion'"
hasnt prot "not in schema"
has prot '^1 warning$'

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "test_rules_check: ok"
