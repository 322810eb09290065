-- 20_regional.lua — regional screening: sorts the suspects (and the people already on
-- a list) into red, yellow and blue. A rule either votes for a colour (list = ...) or
-- adds to the person's score (score = ...); the colour is the highest of the votes
-- and of the score against the thresholds in triscreen.yaml (default red 70,
-- yellow 40, blue 20). Nobody fired, score below 20: the person leaves the lists.
--
-- How the weights combine (default thresholds):
--   threat or absconding in 30 days                      red (vote)
--   incident in 90 days (40) + escalated dispute, no job (30)   = 70 red
--   incident in 90 days                                  40 yellow
--   three or more missed check-ins                       yellow (vote)
--   escalated dispute, no job (30) + several open (20)   50 yellow
--   violent words in notes (35), or a dispute with no job (30)  blue
--   two missed check-ins, several open disputes, petitions with an open dispute  20 blue
-- Policy: no rule reads protected attributes; care needs never score or vote.

-- string.format("%g", n), with the small whole numbers formatted once (see 10_full.lua).
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

-- Words of violence against others. Self-harm phrases ("不想活了") are a care matter:
-- they raise an early alert in the full pass (notes.warning) but add no score here.
local VIOLENCE = [[(?i)(revenge|take it out on|\bkill (?:him|her|them|you)\b|\bkni(?:fe|ves)\b|报复|同归于尽|刀)]]

local THREATS = { "threat_reported", "absconded" }

rule {
  id = "threat.recent",
  pass = "regional",
  title = "Threat reported or absconded in the last 30 days",
  list = "red",
  feedback = "quick",
  when = function(p, ctx)
    if p:count_events(THREATS, 30) == 0 then
      return false
    end
    local evs = p:events(THREATS, 30)
    local s = evs[1].type .. " " .. evs[1].date
    if #evs > 1 then
      s = s .. string.format(" (%d in 30 days)", #evs)
    end
    return true, s
  end,
}

rule {
  id = "incident.recent",
  pass = "regional",
  title = "Incident reported in the last 90 days",
  score = 40,
  when = function(p, ctx)
    local n, latest = p:count_events("incident_reported", 90)
    if n == 0 then
      return false
    end
    return true, string.format("incident_reported %s (%d in 90 days)", latest, n)
  end,
}

-- Missed check-ins: the recorded count or the checkin_missed events of the last 30
-- days, whichever is higher. The events are read only when the recorded count is below
-- `need` (reading them costs more than the attribute).
-- Returns the count and whether it came from the events; the evidence is built only
-- for a rule that fires (both rules below run for every person).
local function missed_checkins(p, need)
  local recorded = p:num("missed_checkins_30d")
  if recorded < need then
    local events = p:count_events("checkin_missed", 30)
    if events > recorded then
      return events, true
    end
  end
  return recorded, false
end

local function missed_evidence(n, from_events)
  if from_events then
    return "checkin_missed events in 30 days: " .. n
  end
  return "missed check-ins in 30 days (recorded): " .. fmt(n)
end

rule {
  id = "checkins.persistent",
  pass = "regional",
  title = "Three or more check-ins missed in the last 30 days",
  list = "yellow",
  when = function(p, ctx)
    local n, from_events = missed_checkins(p, 3)
    if n >= 3 then
      return true, missed_evidence(n, from_events)
    end
    return false
  end,
}

rule {
  id = "checkins.repeated",
  pass = "regional",
  title = "Two or more check-ins missed in the last 30 days",
  score = 20,
  when = function(p, ctx)
    local n, from_events = missed_checkins(p, 2)
    if n >= 2 then
      return true, missed_evidence(n, from_events)
    end
    return false
  end,
}

rule {
  id = "disputes.escalated_unemployed",
  pass = "regional",
  title = "Escalated dispute and no work",
  score = 30,
  when = function(p, ctx)
    if p.attrs.employed ~= false then
      return false
    end
    local escalated = p:num("escalated_disputes")
    local recent = p:count_events("dispute_escalated", 90)
    if escalated >= 1 or recent >= 1 then
      return true, string.format("escalated disputes: %s, dispute_escalated in 90 days: %d; employed: no",
        fmt(escalated), recent)
    end
    return false
  end,
}

rule {
  id = "disputes.several_open",
  pass = "regional",
  title = "Two or more open disputes",
  score = 20,
  when = function(p, ctx)
    local open = p:num("open_disputes")
    if open >= 2 then
      return true, "open disputes: " .. fmt(open)
    end
    return false
  end,
}

rule {
  id = "notes.violence",
  pass = "regional",
  title = "Notes mention violence against others",
  score = 35,
  when = function(p, ctx)
    if p.notes == "" then
      return false
    end
    local phrase = re.find(VIOLENCE, p.notes)
    if phrase then
      return true, 'notes mention "' .. phrase .. '"'
    end
    return false
  end,
}

rule {
  id = "petitions.with_dispute",
  pass = "regional",
  title = "Repeated petitions while a dispute is still open",
  score = 20,
  when = function(p, ctx)
    local open = p:num("open_disputes")
    if open < 1 then
      return false
    end
    local petitions = p:num("petitions_12m")
    if petitions < 3 then
      local filed = p:count_events("petition_filed", 365)
      if filed > petitions then
        petitions = filed
      end
    end
    if petitions >= 3 then
      return true, "petitions in 12 months: " .. fmt(petitions) .. ", open disputes: " .. fmt(open)
    end
    return false
  end,
}
