rule {
  id = "cascade.seed", pass = "regional", title = "A seed is red", list = "red",
  when = function(p, ctx) return p:num("seed") > 0, "seed" end,
}
rule {
  id = "cascade.listed", pass = "regional", title = "Listed is blue", list = "blue",
  when = function(p, ctx) return p:num("listed") > 0, "listed" end,
}
