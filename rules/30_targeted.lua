-- 30_targeted.lua — targeted screening of listed persons: their circle (the people
-- related to them, with colours as the regional pass or a review set them) and what changed
-- since the last review. Targeted rules can only raise a colour: a vote raises it to
-- at least that colour, a score is added to the regional score.
-- Policy: no rule reads protected attributes; care needs never score or vote.

local function is_family(kind)
  return kind == "family" or kind == "spouse"
end

rule {
  id = "circle.red_relations",
  pass = "targeted",
  title = "Two or more direct relations on the red list",
  list = "yellow",
  feedback = "detailed",
  when = function(p, ctx)
    local red = {}
    for _, m in ipairs(p:circle { depth = 1 }) do
      if m.distance == 1 and m.colour == "red" then
        red[#red + 1] = m.id .. " (" .. m.relation .. ")"
      end
    end
    if #red >= 2 then
      return true, string.format("red relations: %d: %s", #red, table.concat(red, ", "))
    end
    return false
  end,
}

rule {
  id = "circle.family_problem",
  pass = "targeted",
  title = "A family member is red or absconded in the last 90 days",
  score = 15,
  when = function(p, ctx)
    for _, m in ipairs(p:circle { depth = 1 }) do
      if m.distance == 1 and is_family(m.relation) then
        if m.colour == "red" then
          return true, m.id .. " (" .. m.relation .. ") is red"
        end
        local gone = m:events { type = "absconded", within_days = 90 }
        if #gone > 0 then
          return true, m.id .. " (" .. m.relation .. ") absconded " .. gone[1].date
        end
      end
    end
    return false
  end,
}

-- Yellow persons are reviewed every 30 days (review_days in triscreen.yaml): two
-- escalations inside that window mean the situation worsened since the last review.
rule {
  id = "disputes.escalating_since_review",
  pass = "targeted",
  title = "Dispute escalated twice or more in the last 30 days",
  list = "yellow",
  when = function(p, ctx)
    if p:count_events("dispute_escalated", 30) < 2 then
      return false
    end
    local evs = p:events("dispute_escalated", 30)
    if #evs >= 2 then
      return true, string.format("dispute_escalated in 30 days: %d (%s … %s)", #evs,
        evs[#evs].date, evs[1].date)
    end
    return false
  end,
}
