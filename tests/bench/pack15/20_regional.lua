local WARNING = "(?i)revenge|not go on living|carries a knife|扬言报复|不想活了"
local DISPUTES = {"dispute_filed", "dispute_escalated"}
local PROBLEMS = {"incident_reported", "threat_reported", "absconded"}

rule { id = "checkins.missed", pass = "regional", score = 20, title = "Missed check-ins",
  when = function(p)
    local n = p.attrs.missed_checkins_30d or 0
    return n >= 2, "missed check-ins: " .. n
  end }

rule { id = "disputes.open", pass = "regional", score = 15, title = "Two or more open disputes",
  when = function(p)
    local n = p.attrs.open_disputes or 0
    return n >= 2, "open disputes: " .. n
  end }

rule { id = "disputes.escalated", pass = "regional", score = 25, title = "Escalated dispute",
  when = function(p)
    local n = p.attrs.escalated_disputes or 0
    return n >= 1, "escalated disputes: " .. n
  end }

rule { id = "petitions.many", pass = "regional", score = 10, title = "Three or more petitions",
  when = function(p)
    local n = p.attrs.petitions_12m or 0
    return n >= 3, "petitions in 12 months: " .. n
  end }

rule { id = "money.pressure", pass = "regional", score = 10, title = "Out of work with overdue debt",
  when = function(p)
    return p.attrs.employed == false and p.attrs.debt_overdue == true, "unemployed, debt overdue"
  end }

rule { id = "notes.warning", pass = "regional", score = 30, title = "Warning phrase in notes",
  when = function(p)
    local w = re.find(WARNING, p.notes)
    return w ~= nil, w
  end }

rule { id = "checkins.recent", pass = "regional", score = 15, title = "Missed check-ins in 30 days",
  when = function(p)
    local n = #p:events{type = "checkin_missed", within_days = 30}
    return n >= 2, "checkin_missed in 30 days: " .. n
  end }

rule { id = "disputes.recent", pass = "regional", score = 10, title = "Disputes in 90 days",
  when = function(p)
    local n = #p:events{type = DISPUTES, within_days = 90}
    return n >= 2, "disputes in 90 days: " .. n
  end }

rule { id = "problem.recent", pass = "regional", list = "red", feedback = "quick",
  title = "Problem event in 30 days",
  when = function(p)
    local ev = p:events{type = PROBLEMS, within_days = 30}
    if #ev > 0 then return true, ev[1].type .. " " .. ev[1].date end
    return false
  end }

rule { id = "correction.missed", pass = "regional", list = "yellow",
  title = "Community correction with missed check-ins",
  when = function(p)
    return p:has_category("community_correction") and (p.attrs.missed_checkins_30d or 0) >= 3
  end }

rule { id = "care.alone", pass = "regional", list = "blue", title = "Elderly, alone, care need",
  when = function(p)
    local age = p.age
    return p.attrs.lives_alone == true and (p.attrs.care_level or 0) >= 2 and age ~= nil and age >= 70
  end }

rule { id = "minor.at_risk", pass = "regional", list = "yellow", title = "Minor at risk",
  when = function(p)
    local age = p.age
    return age ~= nil and age < 18 and p:has_category("minor_at_risk")
  end }
