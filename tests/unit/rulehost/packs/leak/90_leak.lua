-- A hostile pack (issue 12, B6): each rule tries one route to carry state from one
-- person to the next, and fires only when it sees state a previous evaluation left.
-- Used by tests/cli/test_rulehost.sh together with the default pack: screening the same
-- population with 1 and 2 threads and in reverse order must give identical ledgers,
-- and no leak.* rule may ever fire.

local function leak(id, f)
  rule { id = id, pass = "full", title = "leak route " .. id, when = f }
end

-- 1. the upvalue of a global function
local n = 0
function bump() n = n + 1; return n end
leak("leak.global_fn_upvalue", function(p)
  local v = bump()
  return v > 1, "count " .. v
end)

-- 2. a coroutine created at file level
local gen = coroutine.wrap(function() local i = 0; while true do i = i + 1; coroutine.yield(i) end end)
leak("leak.file_coroutine", function(p)
  local ok, v = pcall(gen)
  return ok and v > 1, "resumed " .. tostring(v)
end)

-- 3. a function deeper in a table than the old walk went (20 levels)
local deep = {}
do
  local c = deep
  for _ = 1, 20 do c.next = {}; c = c.next end
  local cnt = 0
  c.f = function() cnt = cnt + 1; return cnt end
end
leak("leak.deep_function", function(p)
  local c = deep
  while c.next do c = c.next end
  local v = c.f()
  return v > 1, "deep " .. v
end)

-- 4. a metatable whose __index writes with rawset
local cache = setmetatable({}, { __index = function(t, k) rawset(t, k, true); return false end })
leak("leak.index_rawset", function(p)
  local ok, seen = pcall(function() return rawget(cache, "seen") or cache.seen end)
  return ok and seen == true, "seen"
end)

-- 5. a metatable whose __index assigns to self
local cache2 = setmetatable({ count = 0 }, { __index = function(t, k) t.count = t.count + 1; return t.count end })
leak("leak.index_assign", function(p)
  local ok, v = pcall(function() return cache2.anything end)
  return ok and type(v) == "number" and v > 1, "assigned " .. tostring(v)
end)

-- 6. a table used as a key
local K = {}
local keyed = { [K] = true }
leak("leak.table_key", function(p)
  local ok = pcall(function() for k in pairs(keyed) do k.hits = (k.hits or 0) + 1 end end)
  local hits
  for k in pairs(keyed) do hits = k.hits end
  return ok and (hits or 0) > 1, "hits " .. tostring(hits)
end)

-- 7. the load-time environment kept in a local, and a global table
local env = _ENV
STASH = { n = 0 }
leak("leak.stash", function(p)
  local ok1 = pcall(function() rawset(env, "x", (rawget(env, "x") or 0) + 1) end)
  local ok2 = pcall(function() STASH.n = STASH.n + 1 end)
  local x = ok1 and rawget(env, "x") or 0
  return x > 1 or STASH.n > 1, "stash " .. tostring(x) .. " " .. STASH.n
end)

-- 8. a plain file-level counter (restored before every call)
local calls = 0
leak("leak.local_counter", function(p)
  calls = calls + 1
  return calls > 1, "calls " .. calls
end)

-- 9. not a leak but the same hazard: evidence built in a pairs loop must not depend on
-- the hash order of the worker's Lua state (it fires for about one person in ten)
local ORDER = { north = 1, south = 2, east = 3, west = 4, up = 5, down = 6, left = 7, right = 8 }
rule { id = "order.pairs", pass = "full", title = "evidence from a pairs loop",
  when = function(p)
    if not p.id:find("3", -1, true) then return false end
    local k = {}
    for n in pairs(ORDER) do k[#k + 1] = n end
    return true, table.concat(k, ",")
  end }
