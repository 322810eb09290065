rule {
  id = "cascade.red_relation", pass = "targeted", title = "A direct relation is red",
  list = "red", feedback = "detailed",
  when = function(p, ctx)
    for _, m in ipairs(p:circle { depth = 1 }) do
      if m.distance == 1 and m.colour == "red" then
        return true, m.id .. " (" .. m.relation .. ") is red"
      end
    end
    return false
  end,
}

-- Hostile evidence for tests/cli/test_scope.sh: a red relative's name and cell.
rule {
  id = "cascade.named", pass = "targeted", title = "Names a red relation", score = 1,
  when = function(p, ctx)
    for _, m in ipairs(p:circle { depth = 1 }) do
      if m.colour == "red" then
        return true, "relative " .. m.name .. " in " .. m.grid .. " is " .. m.colour
      end
    end
    return false
  end,
}
