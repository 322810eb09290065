-- wrk script: POST one distinct small person record per request (keep-alive).
-- usage: TS_TOKEN=secret wrk -t2 -c16 -d10s -s bench_serve.lua http://127.0.0.1:PORT
local token = os.getenv("TS_TOKEN") or "bench"
local counter = 0
local tid = 0
local threads = {}
function setup(thread)
    tid = tid + 1
    thread:set("tid", tid)
    table.insert(threads, thread)
end
function init(args)
    counter = 0
    wrk.method = "POST"
    wrk.path = "/v1/records"
    wrk.headers["Content-Type"] = "application/json"
    wrk.headers["Authorization"] = "Bearer " .. token
end
local grids = {"T01-V01-G01", "T01-V02-G02", "T02-V01-G03", "T03-V04-G04"}
function request()
    counter = counter + 1
    local body = string.format(
        '{"id":"B%d-%d","grid":"%s","born":"1980-01-01","attrs":{"open_disputes":%d},' ..
        '"events":[{"type":"home_visit","date":"2026-11-01"}]}',
        tid, counter, grids[(counter % 4) + 1], counter % 3)
    return wrk.format(nil, nil, nil, body)
end
