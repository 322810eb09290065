-- Benchmark pack: 15 rules (8 scored, 4 voting, 3 gap), mirroring ANCHORS.md.
-- The same rules are hand-written in C in tests/bench/bench_rules.c.

rule { id = "gap.no_home_visit", pass = "full", kind = "gap", title = "No home visit in 180 days",
  when = function(p, ctx)
    return #p:events{type = "home_visit", within_days = 180} == 0, "no home_visit in 180 days"
  end }

rule { id = "gap.no_birth_date", pass = "full", kind = "gap", title = "No birth date",
  when = function(p) return p.born == nil end }

rule { id = "gap.no_contact_officer", pass = "full", kind = "gap", title = "No contact officer",
  when = function(p) return p.attrs.contact_officer == nil end }
