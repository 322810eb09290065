#!/usr/bin/env python3
"""The console's costs (issue 15; on demand, never part of `make test`):

1. Render: a page of 100 alerts in the feed (the town officer o-t01 of the screened
   samples, 170+ alerts in scope), loaded 10 times in headless Chromium. Per load the
   page's own measure from mark 'ts-feed-fetch' (set just before the fetch) to
   'ts-feed-rendered' (set after the list is built), and the same start to the next
   animation frame after it (style and layout included). Median against the 200 ms target.
2. Ingest: `wrk -t2 -c16 -d10s -s bench_serve.lua` (single-record POSTs, keep-alive) on a
   fresh database each run, three ways: no console; a console session long-polling for
   an officer whose cells the bench never writes to (o-t02-v02: each commit wakes its
   long-poll, nothing to send); a console of o-t01-v01, whose village gets a quarter of
   the records' alerts live (the browser re-renders on the same 2 cores). RUNS rounds,
   the modes interleaved; median requests/s per mode.

Usage: bench_console.py BUILD_DIR [RUNS (3)] [WRK_SECONDS (10)]
Needs what tests/browser needs (chromium, chromedriver, python3-selenium) and wrk.
"""
import hashlib
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "browser"))
os.environ.setdefault("TS_SOURCE_DIR", ROOT)
B = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build"))
os.environ["TRISCREEN"] = os.path.join(B, "triscreen")
os.environ.setdefault("TS_BUILD_DIR", B)
import test_console as tc  # noqa: E402 — the browser test's county, serve and browser
tc.BIN = os.environ["TRISCREEN"]

RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
WRK_S = int(sys.argv[3]) if len(sys.argv) > 3 else 10
LOADS = 10
TARGET_MS = 200

# after the page's 'ts-feed-rendered' mark: the next animation frame (layout done)
FRAME_JS = r"""
(function () {
  window.__tsFrame = null;
  if (!window.PerformanceObserver) return;
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) {
      if (e.name === 'ts-feed-rendered')
        requestAnimationFrame(function () { window.__tsFrame = performance.now(); });
    });
  }).observe({entryTypes: ['mark']});
})();
"""


def signin(b, token):
    b.open()
    b.wait(lambda: b.visible("form#signin") or b.visible("#whoami"), "the console")
    if b.visible("form#signin"):
        b.type("#token", token)
        b.click("#signin-btn")
    b.wait(lambda: (b.text("#whoami") or "").strip(), "#whoami")


def bench_render(tmp):
    c = tc.County(os.path.join(tmp, "render"))
    os.makedirs(c.tmp)
    c.build()
    out = c.cli("token", "add", "--officer", "o-t01", "--note", "bench")
    token = re.search(r"tso_[A-Za-z0-9_-]{43}", out).group(0)
    c.start()
    b = tc.Browser(c.tmp, c.base)
    try:
        b.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FRAME_JS})
        signin(b, token)
        marks, frames = [], []
        for _ in range(LOADS):
            b.d.get("about:blank")  # a new document each time (not a same-page hash move)
            b.d.get(c.base + "/#/feed")
            b.wait_js("performance.getEntriesByName('ts-feed-rendered').length > 0 && "
                      "window.__tsFrame !== null", "ts-feed-rendered", timeout=30)
            n = b.js("return document.querySelectorAll('#feed li.alert-item').length;")
            if n != 100:
                raise RuntimeError("the feed shows %d alerts, not a page of 100" % n)
            m = b.js("var m = performance.measure('ts-bench', 'ts-feed-fetch', "
                     "'ts-feed-rendered'); var f = performance.getEntriesByName("
                     "'ts-feed-fetch')[0].startTime; return [m.duration, window.__tsFrame - f];")
            marks.append(m[0])
            frames.append(m[1])
    finally:
        b.quit()
        c.stop()
    return marks, frames


class IngestCounty:
    """A fresh database as in RESULTS.md's service benchmarks, with two officer tokens."""

    def __init__(self, tmp, i):
        self.dir = os.path.join(tmp, "ingest%d" % i)
        os.makedirs(self.dir)
        shutil.copy(os.path.join(ROOT, "samples", "grid.yaml"), self.dir)
        self.admin = "adm-" + secrets.token_hex(12)
        with open(os.path.join(self.dir, "triscreen.yaml"), "w") as f:
            f.write("database: triscreen.db\ngrid: grid.yaml\nrules: %s/rules\nnow: 2026-11-25\n"
                    "problem_events: [incident_reported, threat_reported, absconded]\n"
                    "service:\n  tokens:\n    - {name: admin, sha256: %s, scopes: [all], "
                    "write: true}\n" % (ROOT, hashlib.sha256(self.admin.encode()).hexdigest()))
        self.c = tc.County(self.dir)
        self.c.dir = self.dir
        self.c.config = os.path.join(self.dir, "triscreen.yaml")
        self.c.env["TRISCREEN_CONFIG"] = self.c.config
        self.c.log = os.path.join(self.dir, "serve.log")
        self.c.cli("init")
        self.tokens = {}
        for o in ("o-t02-v02", "o-t01-v01"):
            out = self.c.cli("token", "add", "--officer", o, "--note", "bench")
            self.tokens[o] = re.search(r"tso_[A-Za-z0-9_-]{43}", out).group(0)


def cpu_ms(pid):
    """User + system CPU time of a process so far, in ms (/proc/PID/stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def wrk(base, token):
    r = subprocess.run(["wrk", "-t2", "-c16", "-d%ds" % WRK_S, "-s",
                        os.path.join(HERE, "bench_serve.lua"), base],
                       env=dict(os.environ, TS_TOKEN=token), capture_output=True, text=True,
                       timeout=WRK_S + 60)
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", r.stdout).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", r.stdout)
    n = int(re.search(r"(\d+) requests in", r.stdout).group(1))
    return rate, n, int(bad.group(1)) if bad else 0


def one_ingest(tmp, i, mode, b):
    ic = IngestCounty(tmp, i)
    ic.c.start()
    try:
        shown = None
        if mode != "none":
            b.base = ic.c.base
            b.d.delete_all_cookies()
            signin(b, ic.tokens["o-t02-v02" if mode == "idle" else "o-t01-v01"])
            b.go("#/feed")
            b.wait_js("window.__tsWaits > 0", "the console's long-poll", timeout=15)
        cpu0 = cpu_ms(ic.c.serve.pid)
        rate, n, bad = wrk(ic.c.base, ic.admin)
        cpu_us = (cpu_ms(ic.c.serve.pid) - cpu0) * 1000.0 / max(n, 1)
        if mode != "none":
            b.wait_js("window.__tsWaits > 0", "the long-poll still armed after wrk", timeout=15)
            shown = b.js("return document.querySelectorAll('#feed li.alert-item').length;")
        return rate, cpu_us, bad, shown
    finally:
        if mode != "none":
            b.d.get("about:blank")
        ic.c.stop()


def bench_ingest(tmp):
    rates = {"none": [], "idle": [], "live": []}
    cpus = {"none": [], "idle": [], "live": []}
    probe = tc.County(os.path.join(tmp, "probe"))
    os.makedirs(probe.tmp)
    b = tc.Browser(probe.tmp, "http://127.0.0.1:1")
    i = 0
    try:
        for rnd in range(RUNS):
            for mode in ("none", "idle", "live"):
                i += 1
                rate, cpu_us, bad, shown = one_ingest(tmp, i, mode, b)
                rates[mode].append(rate)
                cpus[mode].append(cpu_us)
                print("  round %d %-4s %8.0f req/s  serve CPU %5.0f µs/request  non-2xx %d%s" % (
                    rnd + 1, mode, rate, cpu_us, bad, "" if shown is None else
                    "  (feed shows %d alerts)" % shown), flush=True)
    finally:
        b.quit()
    return rates, cpus


def main():
    miss = tc.missing_tools()
    miss = [m for m in miss if not m.startswith("axe-core")]
    if not shutil.which("wrk"):
        miss.append("wrk (Debian package wrk)")
    if miss:
        print("bench_console: missing " + "; ".join(miss))
        return 2
    tmp = tempfile.mkdtemp(prefix="ts-bench-console.")
    try:
        print("== render a page of 100 alerts (%d loads, headless Chromium)" % LOADS)
        marks, frames = bench_render(tmp)
        print("  ts-feed-fetch → ts-feed-rendered: median %.1f ms (min %.1f, max %.1f) over "
              "%d loads; target < %d ms: %s" % (statistics.median(marks), min(marks), max(marks),
                                               len(marks), TARGET_MS,
                                               "met" if statistics.median(marks) < TARGET_MS
                                               else "NOT met"))
        print("  ts-feed-fetch → next frame after it: median %.1f ms (min %.1f, max %.1f)" % (
            statistics.median(frames), min(frames), max(frames)))
        print("== ingest with and without a console session (wrk -t2 -c16 -d%ds, %d rounds, "
              "fresh database each run)" % (WRK_S, RUNS))
        rates, cpus = bench_ingest(tmp)
        base = statistics.median(rates["none"])
        cbase = statistics.median(cpus["none"])
        for mode, what in (("none", "no console"), ("idle", "console open, o-t02-v02 (no alerts)"),
                           ("live", "console open, o-t01-v01 (live alerts)")):
            med = statistics.median(rates[mode])
            cpu = statistics.median(cpus[mode])
            print("  %-40s median %6.0f req/s (%+5.1f%%; runs %s); serve CPU %4.0f µs/request "
                  "(%+5.1f%%)" % (what, med, 100.0 * (med - base) / base,
                                  ", ".join("%.0f" % r for r in rates[mode]), cpu,
                                  100.0 * (cpu - cbase) / cbase))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    t0 = time.time()
    rc = main()
    print("bench_console: %.0f s" % (time.time() - t0))
    sys.exit(rc)
