#!/usr/bin/env bash
# Alert latency: POST a problem event at RATE req/s and measure the time until a waiting
# long-poll (GET /v1/alerts?wait=) sees its alert. Prints p50/p99/max in ms.
# usage: bench_serve_latency.sh URL TOKEN [COUNT] [RATE]
set -euo pipefail
U=$1 TOK=$2 N=${3:-300} RATE=${4:-500}
exec python3 - "$U" "$TOK" "$N" "$RATE" <<'PY'
import http.client, json, sys, threading, time, urllib.parse
url, tok, n, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
u = urllib.parse.urlparse(url)
H = {"Authorization": "Bearer " + tok}
def conn(): return http.client.HTTPConnection(u.hostname, u.port, timeout=70)
c = conn(); c.request("GET", "/v1/alerts?since=0&wait=0", headers=H)
cursor = json.loads(c.getresponse().read())["cursor"]
sent, seen, lat = {}, {}, []
done = threading.Event()
def poller():
    global cursor
    pc = conn()
    while not done.is_set():
        pc.request("GET", "/v1/alerts?since=%d&wait=5" % cursor, headers=H)
        r = json.loads(pc.getresponse().read())
        t = time.perf_counter()
        for a in r["alerts"]:
            if a["kind"] == "quick" and a["person"] in sent and a["person"] not in seen:
                seen[a["person"]] = t
        cursor = r["cursor"]
        if len(seen) >= n: done.set()
th = threading.Thread(target=poller); th.start()
time.sleep(0.2)
wc = conn(); tag = "L%d" % int(time.time())
interval, t0 = 1.0 / rate, time.perf_counter()
for i in range(n):
    pid = "%s-%d" % (tag, i)
    body = json.dumps({"id": pid, "grid": "T01-V01-G01",
                       "events": [{"type": "incident_reported", "date": "2026-11-24", "note": pid}]})
    due = t0 + i * interval
    d = due - time.perf_counter()
    if d > 0: time.sleep(d)
    sent[pid] = time.perf_counter()
    wc.request("POST", "/v1/records", body=body, headers=dict(H, **{"Content-Type": "application/json"}))
    wc.getresponse().read()
elapsed = time.perf_counter() - t0
done.wait(30); done.set(); th.join()
lat = sorted((seen[p] - sent[p]) * 1000 for p in seen)
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
print("alert latency: %d/%d seen, offered %.0f req/s (achieved %.0f), p50 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (len(lat), n, rate, n / elapsed, q(0.5), q(0.99), lat[-1]))
PY
