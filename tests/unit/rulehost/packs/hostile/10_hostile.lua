-- Hostile rules: each must end as a recorded rule error within its limit; the
-- sentinel rules (ids "ok.*") must still give correct results on the same host.
-- Every rule is on the regional pass; the test runs the pass twice on two persons.

local function sentinel(id, f)
  rule { id = id, pass = "regional", title = "sentinel " .. id, when = f }
end

rule { id = "h.loop", pass = "regional", title = "infinite loop",
  when = function(p, ctx) while true do end end }
sentinel("ok.after_loop", function(p) return true, p.id end)

rule { id = "h.pcall_loop", pass = "regional", title = "loop inside pcall",
  when = function(p, ctx)
    for _ = 1, 1000 do pcall(function() while true do end end) end
    return true, "swallowed"
  end }

rule { id = "h.xpcall_loop", pass = "regional", title = "loop inside xpcall",
  when = function(p, ctx)
    local ok = xpcall(function() while true do end end, function(e) return e end)
    while not ok do ok = xpcall(function() while true do end end, function(e) return e end) end
    return true, "swallowed"
  end }

rule { id = "h.coroutine_loop", pass = "regional", title = "loop inside coroutine.wrap",
  when = function(p, ctx)
    local f = coroutine.wrap(function() while true do end end)
    pcall(f)
    return true, "swallowed"
  end }

rule { id = "h.coroutine_many", pass = "regional", title = "many small coroutines",
  when = function(p, ctx)
    while true do
      local co = coroutine.create(function() for i = 1, 50 do end end)
      pcall(coroutine.resume, co)
    end
  end }

rule { id = "h.close_loop", pass = "regional", title = "loop inside a __close handler",
  when = function(p, ctx)
    local ok = pcall(function()
      local x <close> = setmetatable({}, { __close = function() while true do end end })
      error("leave")
    end)
    return true, "swallowed"
  end }

rule { id = "h.gc_loop", pass = "regional", title = "loop inside a __gc handler",
  when = function(p, ctx)
    setmetatable({}, { __gc = function() while true do end end })
    return true, "gc set"
  end }

rule { id = "h.rep_huge", pass = "regional", title = "string.rep 1<<30",
  when = function(p, ctx)
    local ok = pcall(string.rep, "x", 1 << 30)
    return true, "swallowed"
  end }

rule { id = "h.concat_double", pass = "regional", title = "s = s .. s",
  when = function(p, ctx)
    local s = "x"
    for _ = 1, 64 do s = s .. s end
    return true, #s
  end }

rule { id = "h.table_fill", pass = "regional", title = "table to 1e9",
  when = function(p, ctx)
    local t = {}
    for i = 1, 1e9 do t[i] = i end
    return true, #t
  end }

rule { id = "h.recursion", pass = "regional", title = "unbounded recursion",
  when = function(p, ctx)
    local function f(n) return 1 + f(n + 1) end
    return true, f(1)
  end }

rule { id = "h.recursion_pcall", pass = "regional", title = "recursion through pcall",
  when = function(p, ctx)
    local function f() pcall(f); return f() + 1 end
    return true, f()
  end }

rule { id = "h.os_execute", pass = "regional", title = "os.execute",
  when = function(p, ctx) return true, os.execute("echo pwned") end }
rule { id = "h.io_open", pass = "regional", title = "io.open",
  when = function(p, ctx) return true, io.open("/etc/passwd") end }
rule { id = "h.require", pass = "regional", title = "require",
  when = function(p, ctx) return true, require("os") end }
rule { id = "h.debug", pass = "regional", title = "debug.getregistry",
  when = function(p, ctx) return true, debug.getregistry() end }
rule { id = "h.bytecode", pass = "regional", title = "load of a binary chunk",
  when = function(p, ctx) return true, load("\27Lua\x54\0")() end }
rule { id = "h.dofile", pass = "regional", title = "dofile",
  when = function(p, ctx) return true, dofile("/etc/passwd") end }
rule { id = "h.collectgarbage", pass = "regional", title = "collectgarbage",
  when = function(p, ctx) return true, collectgarbage("count") end }
rule { id = "h.string_dump", pass = "regional", title = "string.dump",
  when = function(p, ctx) return true, string.dump(function() end) end }
rule { id = "h.lua_pattern", pass = "regional", title = "Lua pattern through find",
  when = function(p, ctx) return true, (("a"):rep(4096)):find(".-.-x") end }
rule { id = "h.gsub", pass = "regional", title = "gsub",
  when = function(p, ctx) return true, ("abc"):gsub("b", "x") end }

rule { id = "h.string_mt", pass = "regional", title = "unlock the string metatable",
  when = function(p, ctx) getmetatable("").__index.upper = nil end }
rule { id = "h.string_lib", pass = "regional", title = "change the string library",
  when = function(p, ctx) string.upper = nil end }
rule { id = "h.rawset_env", pass = "regional", title = "rawset into _ENV",
  when = function(p, ctx) rawset(_ENV, "leak", 1) end }
sentinel("ok.upper", function(p) return ("abc"):upper() == "ABC" and string.upper("x") == "X", ("abc"):upper() end)

rule { id = "h.set_global", pass = "regional", title = "assign a global",
  when = function(p, ctx) leaked = "yes"; return true, leaked end }
sentinel("ok.global_unset", function(p) return leaked == nil, tostring(leaked) end)

rule { id = "h.set_p", pass = "regional", title = "change p",
  when = function(p, ctx) p.id = "X" end }
rule { id = "h.set_attrs", pass = "regional", title = "change p.attrs",
  when = function(p, ctx) p.attrs.open_disputes = 99 end }
rule { id = "h.set_categories", pass = "regional", title = "change p.categories",
  when = function(p, ctx) table.insert(p.categories, "petitioner") end }
rule { id = "h.set_ctx", pass = "regional", title = "change ctx",
  when = function(p, ctx) ctx.now = "1999-01-01" end }
rule { id = "h.setmt_p", pass = "regional", title = "setmetatable on p",
  when = function(p, ctx) setmetatable(p, nil) end }
sentinel("ok.p_intact", function(p, ctx)
  return p.attrs.open_disputes ~= 99 and not p:has_category("petitioner")
         and #p.categories == 2 and ctx.now == "2026-11-24",
    p.id .. " " .. tostring(p.attrs.open_disputes) .. " " .. ctx.now
end)

rule { id = "h.regex_catastrophic", pass = "regional", title = "catastrophic regex",
  when = function(p, ctx) return re.match("(a+)+$", ("a"):rep(4096) .. "!") end }
rule { id = "h.regex_nested", pass = "regional", title = "300 nested groups",
  when = function(p, ctx) return re.match(("("):rep(300) .. "a" .. (")"):rep(300), "a") end }
rule { id = "h.regex_bad", pass = "regional", title = "bad pattern",
  when = function(p, ctx) return re.match("(unclosed", "x") end }
sentinel("ok.regex", function(p) return re.match("(?i)REVENGE", p.notes), re.find("take (\\w+)", p.notes) end)

rule { id = "h.selfref_evidence", pass = "regional", title = "self-referencing table as evidence",
  when = function(p, ctx) local t = {}; t.t = t; return true, t end }
rule { id = "h.error_table", pass = "regional", title = "error with a table value",
  when = function(p, ctx) local t = setmetatable({}, { __tostring = function() while true do end end }); error(t) end }
rule { id = "h.yield", pass = "regional", title = "yield outside a coroutine",
  when = function(p, ctx) coroutine.yield(1) end }

sentinel("ok.last", function(p, ctx) return true, p.id .. "@" .. ctx.now end)
