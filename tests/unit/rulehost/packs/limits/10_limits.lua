-- Rules that do their work in C (few instructions, much work), catch limits, or print
-- addresses. Run by test_limits.c with a budget of 100000 instructions and 16 MiB:
-- each "l.*" rule must end as the rule error the test names; "ok.*" rules must fire.

local MB = string.rep("a", 1 << 19) -- 512 KiB, made once at load time

local function r(id, f)
  rule { id = id, pass = "regional", title = id, when = f }
end

r("l.move", function() table.move({}, 1, 1 << 40, 1); return true, "moved" end)
r("l.find_plain", function()
  for _ = 1, 200 do string.find(MB, "b", 1, true) end
  return true, "searched"
end)
r("l.rep_pcall", function() pcall(string.rep, "x", 1 << 40); return true, "swallowed" end)
r("l.concat", function()
  local t = { string.byte(MB, 1, 60000) }
  for _ = 1, 100 do table.concat(t, ",") end
  return true, "joined"
end)
r("l.sort_big", function()
  local t = { string.byte(MB, 1, 60000) }
  table.sort(t)
  return true, "sorted"
end)
r("l.sort_hostile", function()
  local t = { string.byte(MB, 1, 3000) }
  for i = 1, #t do t[i] = i end
  table.sort(t, function(a, b) return (a * 7919) % 13 < (b * 31) % 17 end)
  return true, "sorted"
end)
r("l.unpack", function() local n = select("#", table.unpack({}, 1, 1000000)); return true, n end)
r("l.byte_all", function() local n = select("#", string.byte(MB, 1, -1)); return true, n end)
r("l.upper_loop", function()
  for _ = 1, 100 do string.upper(MB) end
  return true, "upper"
end)
r("l.format_loop", function()
  for _ = 1, 100 do string.format("%s%s", MB, MB) end
  return true, "formatted"
end)
r("l.utf8_len", function()
  for _ = 1, 100 do utf8.len(MB) end
  return true, "counted"
end)
r("l.sub_loop", function()
  for _ = 1, 100 do MB:sub(2) end
  return true, "cut"
end)
r("l.pcall_regex", function()
  local ok = pcall(re.match, "(a+)+$", string.rep("a", 5000) .. "b")
  return true, "swallowed " .. tostring(ok)
end)
r("l.xpcall_regex", function()
  local ok = xpcall(re.match, function(e) return e end, "(a+)+$", string.rep("a", 5000) .. "b")
  return true, "swallowed " .. tostring(ok)
end)
r("l.xpcall_handler_loop", function()
  xpcall(function() error("x") end, function(e) while true do end end)
  return true, "handled"
end)
r("l.coroutine_regex", function()
  local co = coroutine.create(function() return re.match("(a+)+$", string.rep("a", 5000) .. "b") end)
  local ok = coroutine.resume(co)
  return true, "swallowed " .. tostring(ok)
end)
r("l.coroutine_budget", function()
  local co = coroutine.wrap(function() while true do end end)
  pcall(co)
  return true, "swallowed"
end)
r("l.format_width", function() return true, string.format("%999999999s", "x") end)
r("l.format_p", function() return true, string.format("%p", {}) end)

-- F3: no addresses in evidence
r("ok.tostring", function(p)
  return true, tostring({}) .. " " .. tostring(print or tostring) .. " " .. tostring(p) .. " " ..
      string.format("%s %s", {}, coroutine.create(function() end)) .. " " .. tostring(string)
end)
r("ok.sort", function()
  local t = { 5, 3, 9, 1, 7 }
  table.sort(t)
  local u = { "b", "a", "c" }
  table.sort(u, function(a, b) return a > b end)
  return true, table.concat(t, ",") .. " " .. table.concat(u, ",")
end)
r("ok.pcall", function()
  local ok, e = pcall(error, "plain", 0)
  local ok2, e2 = xpcall(function() error("x", 0) end, function(m) return "handled " .. m end)
  local ok3, v = pcall(function(a, b) return a + b end, 1, 2)
  return true, tostring(ok) .. " " .. e .. " " .. tostring(ok2) .. " " .. e2 .. " " .. tostring(ok3) .. " " .. v
end)
r("ok.small_work", function()
  return true, ("abc"):upper() .. ("x"):rep(3, "-") .. ("hello"):sub(2, 3) .. string.byte("A") ..
      utf8.len("é") .. table.concat({ 1, 2 }, "+") .. #table.pack(1, 2, 3) .. select("#", table.unpack({ 1, 2 }))
end)
-- pairs in a fixed order (the hash order depends on a per-state seed)
local GREEK = { alpha = 1, beta = 2, gamma = 3, delta = 4, epsilon = 5, zeta = 6, [2] = "two", [1] = "one", [true] = 0 }
r("ok.pairs", function()
  local k = {}
  for n in pairs(GREEK) do k[#k + 1] = tostring(n) end
  local u = {}
  for n in pairs({ z = 1, y = 2, x = 3, w = 4, [10] = 5, [-1.5] = 6 }) do u[#u + 1] = tostring(n) end
  return true, table.concat(k, ",") .. " " .. table.concat(u, ",")
end)
