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
