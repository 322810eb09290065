-- A pack for tests/cli/test_circle.sh: seeds go red, listed persons blue, and a
-- targeted circle rule raises anyone with a red direct relation to red.
rule {
  id = "cascade.suspect", pass = "full", title = "Seed or listed",
  when = function(p, ctx)
    return p:num("seed") > 0 or p:num("listed") > 0, "flagged"
  end,
}
