#!/usr/bin/env bash
# End-to-end (issue #12 E1): a flood of slow (slowloris) connections cannot make
# `triscreen serve` unavailable. Small caps from the config (service.max_connections,
# .max_connections_per_ip, .read_timeout_s): past a cap a request is answered 503 but
# /healthz is still answered; a client on another address gets through; every connection
# whose request does not arrive within the read deadline is closed by the server, however
# it trickles bytes. Clients bind 127.0.0.x source addresses (Linux loopback is /8).
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "FAIL: python3 is needed" >&2; exit 1; }
SERVICE_EXTRA="  max_connections: 12
  max_connections_per_ip: 4
  read_timeout_s: 5"
source "$(dirname "$0")/serve_lib.sh"
start_server
check "server listening" [ -n "$PORT" ]

timeout 120 python3 - "$PORT" "$ADMIN" >"$WORK/flood.out" 2>"$WORK/flood.err" <<'EOPY' || fail "flood script: $(cat "$WORK/flood.err")"
import socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]

def slow(src):
    """A slowloris connection: a request line, then one header byte every 0.2 s."""
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /v1/alerts HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return s

def request(src, path, tok=None, body=None):
    """One well-behaved request on a new connection: the status code (0 if refused)."""
    try:
        s = socket.socket()
        s.bind((src, 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", port))
        head = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % ("POST" if body else "GET", path)
        if tok:
            head += "Authorization: Bearer %s\r\n" % tok
        if body:
            head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        s.sendall(head.encode() + b"\r\n" + (body.encode() if body else b""))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    except OSError:
        return 0

def trickle(conns):
    """One more byte on every slow connection; the ones the server closed are dropped."""
    alive = []
    for s in conns:
        try:
            s.sendall(b"a")
            alive.append(s)
        except OSError:
            s.close()
    return alive

def closed_by_server(s):
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True

def refused(src, path, conns):
    """The status of a request that the caps should refuse. The server counts a connection
    when one of its pool threads accepts it, which on a loaded machine can come a little
    after the client's connect returned: ask a few times (keeping the slow connections
    alive) until the count has caught up, well inside the 5 s read deadline."""
    code = 0
    for _ in range(8):
        code = request(src, path, token)
        if code == 503:
            break
        time.sleep(0.25)
        conns[:] = [trickle(c) for c in conns]
    return code

out = {}
a = [slow("127.0.0.2") for _ in range(10)]  # 4 within the per-address cap, 6 past it
time.sleep(0.3)
a = trickle(a)
out["other_address_healthz"] = request("127.0.0.1", "/healthz")
out["other_address_write"] = request("127.0.0.1", "/v1/records", token, '{"id":"P-F1","grid":"T01-V01-G01"}')
held = [a]
out["flooding_address_request"] = refused("127.0.0.2", "/v1/alerts", held)
a = held[0]
out["flooding_address_healthz"] = request("127.0.0.2", "/healthz")
# the 6 past the address's cap have 2 s to send a request: wait until the server closed
# them, so the total below stays far from libmicrohttpd's own hard limit
t0 = time.time()
while time.time() - t0 < 4:
    a = trickle(a)
    if len([s for s in a if not closed_by_server(s)]) <= 4:
        break
    time.sleep(0.2)
a = [s for s in a if not closed_by_server(s)]
out["past_address_cap_closed_first"] = len(a)
# 12 more from three other addresses, 4 each: with the first address's 4 (if they are
# still open) or without them, the total cap (12) is now full whatever the timing was
b = [slow("127.0.0.%d" % (3 + i // 4)) for i in range(12)]
time.sleep(0.3)
a, b = trickle(a), trickle(b)
held = [a, b]
out["past_total_request"] = refused("127.0.0.1", "/v1/alerts", held)
a, b = held
out["past_total_healthz"] = request("127.0.0.1", "/healthz")
# keep trickling: the read deadline (5 s; 2 s past a cap) closes them all anyway
conns = a + b
t0 = time.time()
while time.time() - t0 < 9:
    conns = trickle(conns)
    time.sleep(0.2)
out["slow_still_open"] = sum(1 for s in conns if not closed_by_server(s))
out["after_flood_request"] = request("127.0.0.2", "/v1/alerts", token)
# a burst far past the caps from one address: most are closed at accept
burst = []
for _ in range(300):
    try:
        burst.append(slow("127.0.0.9"))
    except OSError:
        pass
out["burst_other_address_request"] = request("127.0.0.1", "/v1/alerts", token)
out["burst_healthz"] = request("127.0.0.1", "/healthz")
for s in burst:
    s.close()
for k, v in out.items():
    print("%s=%s" % (k, v))
EOPY
v() { grep "^$1=" "$WORK/flood.out" | cut -d= -f2; }
expect_eq "another address: /healthz" "$(v other_address_healthz)" 200
expect_eq "another address: a write gets through" "$(v other_address_write)" 200
expect_eq "the flooding address past its cap → 503" "$(v flooding_address_request)" 503
expect_eq "the flooding address still gets /healthz" "$(v flooding_address_healthz)" 200
check "the connections past the address's cap were closed first (2 s)" [ "$(v past_address_cap_closed_first)" -le 4 ]
expect_eq "past the total cap → 503" "$(v past_total_request)" 503
expect_eq "past the total cap /healthz still answers" "$(v past_total_healthz)" 200
expect_eq "the read deadline closed every slow connection" "$(v slow_still_open)" 0
expect_eq "after the flood the address is served again" "$(v after_flood_request)" 200
expect_eq "a 300-connection burst: another address gets through" "$(v burst_other_address_request)" 200
expect_eq "and /healthz answers" "$(v burst_healthz)" 200
expect_eq "P-F1 stored" "$(sql "$DB" "select count(*) from persons where id='P-F1'")" 1
req "$ADMIN" GET /metrics >/dev/null
check "timed-out connections counted" grep -q '^triscreen_http_connections_timed_out_total [1-9]' "$WORK/r.json"
check "503s counted" grep -q '^triscreen_http_over_capacity_total [1-9]' "$WORK/r.json"
t0=$(date +%s)
stop_server
check "SIGTERM after the flood exits promptly" [ $(( $(date +%s) - t0 )) -lt 30 ]
check "drained and stopped" grep -q "msg=stopped code=0" "$LOG"
no_sanitizer_report
finish
