-- 10_full.lua — full screening: who shows suspicious information, and where the
-- record has gaps. Every person of the scope is checked by every rule here.
--   kind = "suspect" (the default): the person is marked suspect and goes on to the
--                                   regional pass, where they may be listed.
--   kind = "gap":                   a hole in the data, listed in the ledger for the grid
--                                   worker to fill; it never marks anyone suspect.
-- Policy: no rule reads ethnicity, religion, politics or any other protected attribute.
-- Care categories and care_level are read only as care needs (see care.visit_due).

-- p:num("NAME") is the number attribute NAME, or 0 when it is absent or not a number
-- (a bad value must not make the rule error for every person).

-- "3" rather than "3.0" for whole numbers: string.format("%g", n). The small whole
-- numbers most attributes hold are formatted once, here (%g costs ~2,000 instructions
-- a call, and some rules format their evidence for every person); 0 only as an
-- integer, since -0.0 == 0 but prints "-0".
local SMALL = {}
for i = 1, 99 do
  SMALL[i] = string.format("%g", i)
end
local function fmt(n)
  if n == 0 and math.type(n) == "integer" then
    return "0"
  end
  return SMALL[n] or string.format("%g", n)
end

-- Warning phrases in the grid worker's notes, English and Chinese. The outer group is
-- the only capturing one, so re.find returns the phrase that matched (shown in the
-- evidence). \b keeps "knife" from matching inside other words; "knitting" and
-- "revenue" do not match.
local WARNING = [[(?i)(revenge|take it out on|\bkill (?:him|her|them|you|myself|himself|herself)\b|not go on living|end (?:it all|my life|his life|her life)|suicid(?:e|al)|\bkni(?:fe|ves)\b|报复|不想活|活不下去|同归于尽|轻生|刀)]]

-- The problem event types (keep in step with problem_events in triscreen.yaml).
local PROBLEM_EVENTS = { "incident_reported", "threat_reported", "absconded" }

-- "type date, type date (+N more)" for the newest events of a list.
local function list_events(evs, max)
  local parts = {}
  for i = 1, math.min(#evs, max) do
    parts[i] = evs[i].type .. " " .. evs[i].date
  end
  local s = table.concat(parts, ", ")
  if #evs > max then
    s = s .. string.format(" (+%d more)", #evs - max)
  end
  return s
end

rule {
  id = "checkins.missed",
  pass = "full",
  title = "Two or more check-ins missed in the last 30 days",
  when = function(p, ctx)
    local recorded = p:num("missed_checkins_30d")
    if recorded >= 2 then
      return true, "missed check-ins in 30 days (recorded): " .. fmt(recorded)
    end
    local n, latest = p:count_events("checkin_missed", 30)
    if n >= 2 then
      return true, string.format("checkin_missed events in 30 days: %d, latest %s", n, latest)
    end
    return false
  end,
}

rule {
  id = "disputes.open",
  pass = "full",
  title = "Open or escalating dispute",
  when = function(p, ctx)
    local open = p:num("open_disputes")
    local escalated = p:num("escalated_disputes")
    if open >= 1 or escalated >= 1 then
      return true, "open disputes: " .. fmt(open) .. ", escalated: " .. fmt(escalated)
    end
    -- only when the attributes say nothing: the events cost more to read
    local n, latest = p:count_events("dispute_escalated", 90)
    if n >= 1 then
      return true, string.format("dispute_escalated in 90 days: %d, latest %s", n, latest)
    end
    return false
  end,
}

rule {
  id = "notes.warning",
  pass = "full",
  title = "Notes contain a warning phrase",
  feedback = "early",
  when = function(p, ctx)
    if p.notes == "" then
      return false
    end
    local phrase = re.find(WARNING, p.notes)
    if phrase then
      return true, 'notes mention "' .. phrase .. '"'
    end
    return false
  end,
}

rule {
  id = "events.problem",
  pass = "full",
  title = "Problem event (incident, threat, absconding) in the last 90 days",
  when = function(p, ctx)
    -- count first: building the event list only pays off when the rule fires
    -- the short list form (TYPES, DAYS) skips the filter table
    if p:count_events(PROBLEM_EVENTS, 90) == 0 then
      return false
    end
    return true, list_events(p:events(PROBLEM_EVENTS, 90), 3)
  end,
}

rule {
  id = "petitions.repeated",
  pass = "full",
  title = "Three or more petitions in the last 12 months",
  when = function(p, ctx)
    local recorded = p:num("petitions_12m")
    if recorded >= 3 then
      return true, "petitions in 12 months (recorded): " .. fmt(recorded)
    end
    local n, latest = p:count_events("petition_filed", 365)
    if n >= 3 then
      return true, string.format("petition_filed events in 365 days: %d, latest %s", n, latest)
    end
    return false
  end,
}

-- ---- data gaps ---------------------------------------------------------------------

rule {
  id = "gap.home_visit",
  pass = "full",
  kind = "gap",
  title = "No home visit in the last 180 days",
  when = function(p, ctx)
    if p:count_events("home_visit", 180) > 0 then
      return false
    end
    local n, latest = p:count_events("home_visit")
    if n == 0 then
      return true, "no home visit on record"
    end
    return true, "last home visit " .. latest
  end,
}

rule {
  id = "gap.born",
  pass = "full",
  kind = "gap",
  title = "Birth date missing",
  when = function(p, ctx)
    return p.born == nil, "no birth date"
  end,
}

rule {
  id = "gap.contact_officer",
  pass = "full",
  kind = "gap",
  title = "No contact officer",
  when = function(p, ctx)
    local officer = p.attrs.contact_officer
    if type(officer) ~= "string" or officer == "" then
      return true, "contact_officer missing"
    end
    return false
  end,
}

-- A care need (care level 2 or more, or a care category) without a home visit in 60
-- days. This is a gap for the grid worker to close with a visit: it never marks the
-- person suspect and no rule turns a care need into a list colour. The evidence does
-- not name the category.
rule {
  id = "gap.care_visit",
  pass = "full",
  kind = "gap",
  title = "Care need without a home visit in 60 days",
  when = function(p, ctx)
    local level = p:num("care_level")
    local need = level >= 2 or p:has_category("mental_health_care")
      or p:has_category("elderly_living_alone")
    if not need then
      return false
    end
    if p:count_events("home_visit", 60) > 0 then
      return false
    end
    local n, latest = p:count_events("home_visit")
    local last = n > 0 and ("last home visit " .. latest) or "no home visit on record"
    if level >= 2 then
      return true, "care level " .. fmt(level) .. "; " .. last
    end
    return true, "care category; " .. last
  end,
}
