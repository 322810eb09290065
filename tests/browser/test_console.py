#!/usr/bin/env python3
"""The officers' console in a real browser (issue 15): headless Debian Chromium driven by
chromium-driver through python3-selenium, axe-core from tests/browser/node_modules.

Builds a county from samples/ in a temp dir (init, import, screen, a person named
`<img src=x onerror=alert(1)>` with a problem event in village T01-V01), makes an officer
token for o-t01-v01 and a configured write token, starts `triscreen serve` and runs the
cases of the issue's "Tests" section. Each case prints PASS or FAIL with its reason; the
script exits 1 on any failure, 0 when all pass, 77 (ctest: skipped) only when the browser
tools are missing and TS_SKIP_BROWSER=1 (TS_REQUIRE_BROWSER=1 makes that a failure too).
Screenshots of each page at 375 and 1280 px go to $TS_BUILD_DIR/browser-artifacts/.

Usage: test_console.py [TRISCREEN]   (env: TRISCREEN, TS_SOURCE_DIR, TS_BUILD_DIR;
TS_BROWSER_PORT to pin the port, TS_BROWSER_TIMEOUT seconds (240), TS_BROWSER_KEEP=1 keeps
the temp dir)
"""
import base64
import hashlib
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("TS_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TRISCREEN", "")
BUILD_DIR = os.environ.get("TS_BUILD_DIR") or (os.path.dirname(BIN) if BIN else ".")
ART = os.path.join(BUILD_DIR, "browser-artifacts")
AXE_JS = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
LIMIT_S = int(os.environ.get("TS_BROWSER_TIMEOUT", "240"))
WAIT_S = 10  # the longest any single wait in a case lasts

OFFICER = "o-t01-v01"
VILLAGE = "T01-V01"
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_ID = "P-900001"
CONSOLE_NOW = "2026-12-02"  # serve's config date: the red lists of 2026-11-25 come due

# design.md: on EVERY response
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
CHART_IDS = ["chart-cells", "chart-trend", "chart-kinds", "chart-times", "chart-closure",
             "chart-overdue"]

# Runs before every document's own scripts (CDP): counts the page's long-polls in flight
# (fetches with wait=) so the live case knows the feed is listening.
INSTRUMENT_JS = r"""
(function () {
  var f = window.fetch; window.__tsWaits = 0; window.__tsWaitsDone = 0;
  if (!f) return;
  function done() { window.__tsWaits--; window.__tsWaitsDone++; }
  window.fetch = function (input) {
    var u = String(input && input.url ? input.url : input);
    var w = /[?&]wait=/.test(u);
    if (w) window.__tsWaits++;
    var p = f.apply(this, arguments);
    if (w) p.then(done, done);
    return p;
  };
})();
"""


class Fail(Exception):
    """A case's check did not hold; the message is the reason printed with FAIL."""


class TimeLimit(BaseException):
    """The whole run passed LIMIT_S."""


def need(cond, reason):
    if not cond:
        raise Fail(reason)


# ---- prerequisites ------------------------------------------------------------------------


def missing_tools():
    miss = []
    if not os.access(CHROMIUM, os.X_OK):
        miss.append("chromium (Debian package chromium)")
    if not os.access(CHROMEDRIVER, os.X_OK):
        miss.append("chromedriver (Debian package chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        miss.append("selenium for %s (Debian package python3-selenium)" % sys.executable)
    if not os.path.exists(AXE_JS):
        miss.append("axe-core (make browser-deps: npm ci in tests/browser)")
    return miss


def check_prerequisites():
    if not BIN or not os.access(BIN, os.X_OK):
        print("FAIL: set TRISCREEN (or pass the binary): got %r" % BIN)
        sys.exit(1)
    miss = missing_tools()
    if not miss:
        return
    why = "missing: " + "; ".join(miss)
    if os.environ.get("TS_REQUIRE_BROWSER") == "1":
        print("FAIL: the browser test is required (TS_REQUIRE_BROWSER=1) — " + why)
        sys.exit(1)
    if os.environ.get("TS_SKIP_BROWSER") == "1":
        print("SKIP: TS_SKIP_BROWSER=1 — " + why)
        sys.exit(77)
    print("FAIL: " + why + " (run `make deps browser-deps` as root, or set TS_SKIP_BROWSER=1 "
          "to report this test as skipped)")
    sys.exit(1)


# ---- the county, the tokens and serve -----------------------------------------------------


class County:
    """A copy of samples/ screened, with tokens, and a running `triscreen serve`."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.dir = os.path.join(tmp, "samples")
        self.config = os.path.join(self.dir, "triscreen.yaml")
        self.db = os.path.join(self.dir, "triscreen.db")
        self.env = dict(os.environ, TRISCREEN_CONFIG=self.config)
        self.serve = None
        self.base = None
        self.log = os.path.join(tmp, "serve.log")

    def cli(self, *args, ok=True):
        r = subprocess.run([BIN] + list(args), env=self.env, cwd=self.dir,
                           capture_output=True, text=True, timeout=120)
        if ok and r.returncode != 0:
            raise RuntimeError("triscreen %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                               r.stderr.strip()[-400:]))
        return r.stdout

    def jsonl(self, *args):
        return [json.loads(line) for line in self.cli(*args).splitlines() if line.strip()]

    def build(self):
        skip = shutil.ignore_patterns("*.db", "*.db-wal", "*.db-shm", "alerts.jsonl",
                                      "report.html", "out", "*.rejects")
        shutil.copytree(os.path.join(SRC, "samples"), self.dir, ignore=skip)
        shutil.copytree(os.path.join(SRC, "rules"), os.path.join(self.tmp, "rules"))
        self.cli("init")
        self.cli("import", "persons.jsonl")
        self.cli("screen")
        hostile = {"id": HOSTILE_ID, "name": HOSTILE, "grid": VILLAGE + "-G02",
                   "born": "1990-01-01", "categories": [], "attrs": {},
                   "events": [{"type": "threat_reported", "date": "2026-11-24",
                               "note": "<b>bold</b> threat"}], "relations": []}
        path = os.path.join(self.dir, "hostile.jsonl")
        with open(path, "w") as f:
            f.write(json.dumps(hostile, ensure_ascii=False) + "\n")
        self.cli("import", "hostile.jsonl")
        out = self.cli("token", "add", "--officer", OFFICER, "--note", "browser test")
        m = re.search(r"tso_[A-Za-z0-9_-]{43}", out)
        if not m:
            raise RuntimeError("no officer token in: " + out)
        self.officer_token = m.group(0)
        self.writer_token = "tsw-" + secrets.token_hex(16)
        self.overdue_id = self.make_overdue()
        self.write_config()

    def make_overdue(self):
        """One open early alert of the village made overdue (its deadline moved into the
        past; the config's sweep is set to an hour so serve does not escalate it)."""
        con = sqlite3.connect(self.db)
        try:
            row = con.execute("SELECT cursor FROM alerts WHERE kind='early' AND grid LIKE ? "
                              "AND status='new' ORDER BY cursor LIMIT 1",
                              (VILLAGE + "-%",)).fetchone()
            con.execute("UPDATE alerts SET due='2026-01-01T00:00:00Z' WHERE cursor=?", row)
            con.commit()
        finally:
            con.close()
        return "A-%06d" % row[0]

    def write_config(self):
        with open(self.config) as f:
            text = f.read()
        text = re.sub(r"(?m)^now: .*$", "now: " + CONSOLE_NOW, text)
        text = re.sub(r"(?m)^(\s*sweep_seconds:) *\d+", r"\1 3600", text)
        sha = hashlib.sha256(self.writer_token.encode()).hexdigest()
        text += ("\nservice:\n  tokens:\n    - {name: browser-writer, sha256: %s, "
                 "scopes: [all], write: true}\n" % sha)
        with open(self.config, "w") as f:
            f.write(text)

    def start(self):
        port = os.environ.get("TS_BROWSER_PORT", "0")
        logf = open(self.log, "w")
        self.serve = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:" + port],
                                      env=self.env, cwd=self.dir, stdout=logf, stderr=logf)
        logf.close()
        for _ in range(200):
            with open(self.log) as f:
                m = re.findall(r"msg=listening addr=127\.0\.0\.1:(\d+)", f.read())
            if m:
                self.base = "http://127.0.0.1:" + m[-1]
                return
            if self.serve.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("serve did not start: " + open(self.log).read()[-600:])

    def stop(self):
        if self.serve and self.serve.poll() is None:
            self.serve.send_signal(signal.SIGTERM)
            try:
                self.serve.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.serve.kill()
                self.serve.wait()


def http(base, method, path, body=None, token=None, headers=None):
    """(status, headers, body bytes) — 4xx/5xx answers are returned, not raised."""
    h = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def api(county, path, token=None):
    st, _, body = http(county.base, "GET", path, token=token or county.officer_token)
    need(st == 200, "GET %s → %d %s" % (path, st, body[:200]))
    return json.loads(body)


# ---- the browser ----------------------------------------------------------------------------


class Browser:
    """Headless Chromium through chromedriver, with the helpers the cases share."""

    def __init__(self, tmp, base):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        o = webdriver.ChromeOptions()
        o.binary_location = CHROMIUM
        args = ["--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--hide-scrollbars", "--window-size=1280,900",
                "--user-data-dir=" + os.path.join(tmp, "chromium-profile")]
        if os.geteuid() == 0:
            args.append("--no-sandbox")
        for a in args:
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        o.set_capability("unhandledPromptBehavior", "ignore")
        service = Service(executable_path=CHROMEDRIVER,
                          log_path=os.path.join(tmp, "chromedriver.log"))
        self.d = webdriver.Chrome(service=service, options=o)
        self.d.set_script_timeout(30)
        self.d.set_page_load_timeout(30)
        self.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                               {"source": INSTRUMENT_JS})
        self.base = base
        self.width = 1280
        self.severe = []  # (step, message) of every SEVERE log not allowed at that step
        self.step = "start"

    def quit(self):
        try:
            self.d.quit()
        except Exception:  # noqa: BLE001 — the driver may already be gone
            proc = getattr(getattr(self.d, "service", None), "process", None)
            if proc and proc.poll() is None:
                proc.kill()

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def wait(self, fn, what, timeout=WAIT_S, every=0.05):
        """Polls fn() until it is truthy, returns it; else Fail('timed out: what')."""
        end = time.time() + timeout
        last_err = None
        while time.time() < end:
            try:
                v = fn()
                if v:
                    return v
            except Fail:
                raise
            except Exception as e:  # noqa: BLE001 — the element may not exist yet
                last_err = e
            time.sleep(every)
        raise Fail("timed out after %ds waiting for %s%s" % (
            timeout, what, " (%s)" % str(last_err).splitlines()[0][:120] if last_err else ""))

    def wait_js(self, expr, what, timeout=WAIT_S):
        return self.wait(lambda: self.js("return (" + expr + ");"), what, timeout)

    def text(self, css):
        return self.js("var e=document.querySelector(arguments[0]);"
                       "return e ? e.textContent : null;", css)

    def visible(self, css):
        return self.js("var e=document.querySelector(arguments[0]);"
                       "return !!(e && e.getClientRects().length && "
                       "getComputedStyle(e).visibility !== 'hidden');", css)

    def open(self, hash_route=""):
        """Loads the console afresh at hash_route (a new document: a get() that only
        changes the fragment would stay in the same document)."""
        if self.d.current_url.startswith(self.base):
            self.d.get("about:blank")
        self.d.get(self.base + "/" + hash_route)

    def go(self, hash_route):
        """Moves within the page (hash routing), loading it first when needed."""
        if not self.d.current_url.startswith(self.base):
            self.open(hash_route)
        else:
            self.js("location.hash = arguments[0];", hash_route)

    def select(self, css, value):
        from selenium.webdriver.support.ui import Select
        el = self.d.find_element("css selector", css)
        values = [o.get_attribute("value") for o in Select(el).options]
        need(value in values, "%s has no option %r (has %s)" % (css, value, values))
        Select(el).select_by_value(value)

    def click(self, css):
        el = self.d.find_element("css selector", css)
        self.js("arguments[0].scrollIntoView({block:'center'});", el)
        el.click()

    def type(self, css, text):
        el = self.d.find_element("css selector", css)
        el.clear()
        el.send_keys(text)

    def no_dialog(self):
        """True when no alert()/confirm() dialog is open."""
        from selenium.common.exceptions import NoAlertPresentException
        try:
            a = self.d.switch_to.alert
            msg = a.text
            a.dismiss()
            raise Fail("a dialog opened: %r" % msg)
        except NoAlertPresentException:
            return True

    def set_width(self, width):
        height = 812 if width < 600 else 900
        self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1,
                                "mobile": False})
        self.width = width
        time.sleep(0.3)  # resize handlers (Chart.js resizes its canvases)

    def screenshot(self, name):
        os.makedirs(ART, exist_ok=True)
        m = self.d.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = m.get("cssContentSize") or m["contentSize"]
        clip = {"x": 0, "y": 0, "width": self.width,
                "height": max(1, min(int(size["height"]), 8000)), "scale": 1}
        r = self.d.execute_cdp_cmd("Page.captureScreenshot",
                                   {"format": "png", "captureBeyondViewport": True,
                                    "clip": clip})
        path = os.path.join(ART, "%s-%d.png" % (name, self.width))
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))
        return path

    def no_hscroll(self):
        w = self.js("return [document.documentElement.scrollWidth, window.innerWidth,"
                    " document.body ? document.body.scrollWidth : 0];")
        need(w[0] <= w[1] and w[2] <= w[1],
             "horizontal scroll at %d px: scrollWidth %d (body %d) > innerWidth %d; widest: %s"
             % (self.width, w[0], w[2], w[1], self.widest()))

    def widest(self):
        return self.js("""var out=[], W=window.innerWidth;
            document.querySelectorAll('body *').forEach(function(e){
              var r=e.getBoundingClientRect(); if (r.right > W + 0.5) out.push(
                e.tagName.toLowerCase()+(e.id?'#'+e.id:'')+
                (e.className&&typeof e.className==='string'?'.'+e.className.split(' ').join('.'):'')+
                ' right='+Math.round(r.right)); });
            return out.slice(0,4).join(', ');""")

    def axe(self):
        """Serious or critical axe-core violations on the current document."""
        if not self.js("return typeof window.axe === 'object';"):
            with open(AXE_JS) as f:
                self.js(f.read())
        res = self.d.execute_async_script("""var done = arguments[arguments.length-1];
            axe.run(document, {resultTypes: ['violations']}).then(function (r) {
              done(r.violations.map(function (v) { return {id: v.id, impact: v.impact,
                help: v.help, nodes: v.nodes.slice(0,3).map(function (n) {
                  return n.target.join(' '); })}; }));
            }, function (e) { done([{id: 'axe-error', impact: 'critical',
                                     help: String(e), nodes: []}]); });""")
        return [v for v in res if v["impact"] in ("serious", "critical")]

    def drain_logs(self, allow=()):
        """Moves the browser's SEVERE log entries into self.severe unless one of the
        regexes in allow matches (expected 401/404 answers, e.g. the sign-in page)."""
        for e in self.d.get_log("browser"):
            if e.get("level") != "SEVERE":
                continue
            msg = e.get("message", "")
            if any(re.search(a, msg) for a in allow):
                continue
            self.severe.append((self.step, msg))


# ---- the cases ------------------------------------------------------------------------------

CASES = []


def case(title, key=None, needs=()):
    """Registers a case; needs names the keys of earlier cases that must have passed (else
    FAIL at once, so one broken step does not spend the time limit on timeouts)."""
    def deco(fn):
        CASES.append((title, key, fn, needs))
        return fn
    return deco


def badge_number(b):
    t = b.text("#badge")
    m = re.search(r"\d+", t or "")
    return int(m.group(0)) if m else None


def stats_new(c):
    return api(c, "/v1/alerts/stats")["all"]["by_state"]["new"]


def feed_ids(b):
    return b.js("return Array.prototype.map.call(document.querySelectorAll("
                "'#feed li.alert-item'), function (li) { return li.dataset.id; });")


def feed_settled(b, want_ids, what):
    """Waits until ul#feed lists exactly want_ids (order aside)."""
    want = sorted(want_ids)
    try:
        b.wait(lambda: sorted(feed_ids(b)) == want, what, timeout=WAIT_S)
    except Fail:
        got = feed_ids(b)
        raise Fail("%s: feed has %d items, CLI %d; extra %s, missing %s" % (
            what, len(got), len(want), sorted(set(got) - set(want))[:5],
            sorted(set(want) - set(got))[:5]))


@case("security headers: CSP and the rest exactly as design.md, on every kind of response")
def case_headers(c, b, st):
    probes = [("GET", "/", None, 200), ("GET", "/index.html", None, 200),
              ("GET", "/console/app.js", None, 200), ("GET", "/console/chart.js", None, 200),
              ("HEAD", "/console/report.js", None, 200),
              ("GET", "/console/no-such.js", None, 404), ("GET", "/v1/alerts", None, 401),
              ("GET", "/v1/alerts?limit=1", c.officer_token, 200),
              ("GET", "/console/session", None, 401), ("GET", "/healthz", None, 200)]
    for method, path, tok, want in probes:
        code, h, _ = http(c.base, method, path, token=tok)
        need(code == want, "%s %s → %d, expected %d" % (method, path, code, want))
        for k, v in SECURITY_HEADERS.items():
            need(h.get(k) == v, "%s %s: %s is %r, expected %r" % (method, path, k, h.get(k), v))
    code, h, _ = http(c.base, "GET", "/console/app.js")
    need("no-cache" in (h.get("Cache-Control") or ""), "static Cache-Control %r" % h.get("Cache-Control"))
    etag = h.get("ETag")
    need(etag, "no ETag on /console/app.js")
    code, h, _ = http(c.base, "GET", "/console/app.js", headers={"If-None-Match": etag})
    need(code == 304, "If-None-Match → %d, expected 304" % code)
    for k, v in SECURITY_HEADERS.items():
        need(h.get(k) == v, "304: %s is %r" % (k, h.get(k)))
    _, h, _ = http(c.base, "GET", "/v1/alerts?limit=1", token=c.officer_token)
    need(h.get("Cache-Control") == "no-store", "API Cache-Control %r" % h.get("Cache-Control"))
    return "%d responses checked" % (len(probes) + 1)


@case("the page has no inline script, style or event handler (CSP-safe by construction)")
def case_no_inline(c, b, st):
    code, _, body = http(c.base, "GET", "/")
    html = body.decode("utf-8", "replace")
    need(code == 200, "GET / → %d" % code)
    for m in re.finditer(r"<script\b([^>]*)>", html, re.I):
        need(re.search(r"\bsrc\s*=", m.group(1)), "inline <script%s>" % m.group(1))
    need(not re.search(r"<style\b", html, re.I), "a <style> element in index.html")
    need(not re.search(r"\sstyle\s*=", html, re.I), "a style= attribute in index.html")
    ev = re.search(r"\son[a-z]+\s*=", html, re.I)
    need(not ev, "an inline event handler %r in index.html" % (ev and ev.group(0)))
    need(re.search(r'<meta[^>]+name="viewport"[^>]+width=device-width', html),
         "no <meta name=viewport content=width=device-width> (a phone would zoom out)")
    for name in ("app.js", "i18n.js", "report.js"):
        _, _, js = http(c.base, "GET", "/console/" + name)
        s = js.decode("utf-8", "replace")
        for bad in (r"\beval\s*\(", r"new\s+Function\s*\(", r"\.innerHTML\s*=\s*(?!\s*(''|\"\")\s*;)",
                    r"localStorage\.setItem\(\s*['\"](?!ts_lang)"):
            need(not re.search(bad, s), "%s matches %s" % (name, bad))
    return "index.html, app.js, i18n.js, report.js"


@case("sign-in page: form, Chinese by default, a wrong token refused", key="sign-in page")
def case_signin_page(c, b, st):
    b.step = "sign-in page"
    b.open()
    b.wait(lambda: b.visible("form#signin"), "form#signin")
    need(b.js("return !!document.querySelector('label[for=token]');"), "no label[for=token]")
    need(b.js("return document.getElementById('token').type;") == "password",
         "input#token is not type=password")
    lang = b.js("return document.documentElement.lang;")
    need(lang.lower().startswith("zh"), "html lang is %r, expected zh (Chinese by default)" % lang)
    layout_page(b, "signin", lambda: b.visible("form#signin"))
    b.type("#token", "tso_" + "x" * 43)
    b.click("#signin-btn")
    b.wait(lambda: (b.text("#signin-error") or "").strip(), "#signin-error after a wrong token")
    need(b.visible("form#signin"), "the form is gone after a wrong token")
    b.drain_logs(allow=[r"status of 401"])
    return "lang=%s; wrong token: %r" % (lang, b.text("#signin-error").strip()[:60])


@case("sign in as the village officer (HttpOnly SameSite=Strict cookie, nothing in storage)",
      key="sign-in", needs=["sign-in page"])
def case_signin(c, b, st):
    b.step = "sign-in"
    b.type("#token", c.officer_token)
    b.click("#signin-btn")
    who = b.wait(lambda: OFFICER in (b.text("#whoami") or "") and b.text("#whoami"),
                 "#whoami naming " + OFFICER)
    need("桃源村" in who, "#whoami %r does not name the cell 桃源村" % who)
    cookies = {k["name"]: k for k in b.d.get_cookies()}
    ck = cookies.get("ts_session")
    need(ck, "no ts_session cookie (cookies: %s)" % list(cookies))
    need(ck.get("httpOnly") is True, "ts_session is not HttpOnly")
    need(ck.get("sameSite") == "Strict", "ts_session SameSite is %r" % ck.get("sameSite"))
    need(len(ck["value"]) == 43, "session id has %d chars, expected 43" % len(ck["value"]))
    need("ts_session" not in b.js("return document.cookie;"), "document.cookie shows ts_session")
    stored = b.js("var o=[]; [localStorage, sessionStorage].forEach(function(s){"
                  "for (var i=0;i<s.length;i++){o.push(s.key(i)+'='+s.getItem(s.key(i)));}});"
                  "return o.join('\\n');")
    for secret in (c.officer_token, ck["value"]):
        need(secret not in stored, "the token or session id is in web storage: %r" % stored[:100])
    b.drain_logs(allow=[r"/console/session.*status of 401"])
    st["signed_in"] = True
    return "whoami %r" % who.strip()[:60]


@case("feed: only the village's alerts, newest first, filters, overdue marked",
      needs=["sign-in"])
def case_feed(c, b, st):
    b.step = "feed"
    b.go("#/feed")
    b.wait_js("document.querySelectorAll('#feed li.alert-item').length > 0", "feed items")
    checked = []
    for kind, state, cli in (("all", "all", []), ("all", "open", ["--state", "open"]),
                             ("quick", "all", ["--kind", "quick"]),
                             ("early", "new", ["--kind", "early", "--state", "new"])):
        b.select("#filter-kind", kind)
        b.select("#filter-state", state)
        rows = c.jsonl("alerts", "--scope", VILLAGE, "--format", "jsonl", "--limit", "1000", *cli)
        feed_settled(b, [r["id"] for r in rows], "kind=%s state=%s" % (kind, state))
        for r in rows:
            need(r["grid"].startswith(VILLAGE), "CLI scope leak %s" % r["id"])
        checked.append("%s/%s=%d" % (kind, state, len(rows)))
    b.select("#filter-kind", "all")
    b.select("#filter-state", "all")
    rows = c.jsonl("alerts", "--scope", VILLAGE, "--format", "jsonl", "--limit", "1000")
    feed_settled(b, [r["id"] for r in rows], "all/all again")
    want = [r["id"] for r in sorted(rows, key=lambda r: -r["cursor"])][:100]
    need(feed_ids(b)[:len(want)] == want, "not newest first: %s… vs %s…" % (feed_ids(b)[:4], want[:4]))
    allrows = c.jsonl("alerts", "--format", "jsonl", "--limit", "1000")
    need(len(allrows) > len(rows), "the county has no alerts outside the village")
    count = b.text("#feed-count") or ""
    need(str(len(rows)) in count, "#feed-count %r does not say %d" % (count, len(rows)))
    od = b.js("var li=document.querySelector('#feed li.alert-item[data-id=\"'+arguments[0]+'\"]');"
              "return li ? [li.dataset.overdue || '', li.textContent] : null;", c.overdue_id)
    need(od, "overdue alert %s not in the feed" % c.overdue_id)
    need(od[0] == "true", "%s is overdue but data-overdue=%r" % (c.overdue_id, od[0]))
    need("逾期" in od[1], "%s has no visible 逾期 mark: %r" % (c.overdue_id, od[1][:80]))
    nod = b.js("return document.querySelectorAll('#feed li[data-overdue=\"true\"]').length;")
    need(nod == 1, "%d items marked overdue, expected 1" % nod)
    items = b.js("return Array.prototype.map.call(document.querySelectorAll('#feed li.alert-item'),"
                 "function(li){return !!li.querySelector('a[href=\"#/alert/'+li.dataset.id+'\"]');});")
    need(all(items), "a feed item without a link to #/alert/ID")
    words = {"red": "红", "yellow": "黄", "blue": "蓝"}
    texts = b.js("var o={}; document.querySelectorAll('#feed li.alert-item').forEach(function(li)"
                 "{o[li.dataset.id]=li.textContent;}); return o;")
    for r in rows:
        if r.get("colour") in words and r["id"] in texts:
            need(words[r["colour"]] in texts[r["id"]], "%s is %s but its item does not say %s"
                 % (r["id"], r["colour"], words[r["colour"]]))
    b.drain_logs()
    return "; ".join(checked) + "; of %d in the county" % len(allrows)


def alert_state(c, aid):
    rows = [r for r in c.jsonl("alerts", "--format", "jsonl", "--limit", "1000") if r["id"] == aid]
    return rows[0] if rows else None


def wait_badge(b, c, what):
    """Waits until #badge shows the API's count of new alerts; returns it."""
    want = stats_new(c)
    try:
        b.wait(lambda: badge_number(b) == want, what)
    except Fail:
        raise Fail("%s: #badge %r, API all.by_state.new %d" % (what, b.text("#badge"), want))
    return want


@case("claim-next, acknowledge, close with an outcome; the feed and the badge follow",
      needs=["sign-in"])
def case_loop(c, b, st):
    b.step = "officers' loop"
    b.go("#/feed")
    b.wait_js("document.querySelectorAll('#feed li.alert-item').length > 0", "feed items")
    new0 = wait_badge(b, c, "badge before claim-next")
    before = {r["id"] for r in c.jsonl("alerts", "--scope", VILLAGE, "--state", "claimed",
                                       "--format", "jsonl")}
    b.click("#claim-next")

    def claimed():
        now = [r for r in c.jsonl("alerts", "--scope", VILLAGE, "--state", "claimed",
                                  "--format", "jsonl") if r["id"] not in before]
        return now[0] if now else None
    a = b.wait(claimed, "an alert claimed by claim-next (CLI)", every=0.2)
    need(a["claimed_by"] == OFFICER, "claimed by %r, expected %s" % (a["claimed_by"], OFFICER))
    aid = a["id"]
    b.wait(lambda: b.js("return location.hash;") == "#/alert/" + aid or b.js(
        "var li=document.querySelector('#feed li[data-id=\"'+arguments[0]+'\"]');"
        "return li && li.dataset.status === 'claimed';", aid),
        "the page showing %s claimed (its page or its feed item)" % aid)
    need(stats_new(c) == new0 - 1, "API new count did not drop by one")
    wait_badge(b, c, "badge after claim-next")
    b.go("#/alert/" + aid)
    b.wait_js("(function(s){return s && s.dataset.id===%s;})(document.querySelector('section#alert'))"
              % json.dumps(aid), "section#alert[data-id=%s]" % aid)
    s0 = b.wait(lambda: (b.text("#alert-status") or "").strip(), "#alert-status")
    b.wait(lambda: b.visible("#act-ack"), "button#act-ack")
    b.type("#ack-note", "on my way (browser test)")
    b.click("#act-ack")
    b.wait(lambda: alert_state(c, aid)["status"] == "acknowledged", "CLI: %s acknowledged" % aid, every=0.2)
    s1 = b.wait(lambda: (lambda t: t != s0 and t)((b.text("#alert-status") or "").strip()),
                "#alert-status to change after ack")
    b.wait(lambda: b.visible("#act-close"), "button#act-close")
    b.select("#close-outcome", "valuable")
    b.type("#close-note", "visited; dispute mediated (browser test)")
    b.click("#act-close")
    b.wait(lambda: alert_state(c, aid)["status"] == "closed", "CLI: %s closed" % aid, every=0.2)
    need(alert_state(c, aid)["outcome"] == "valuable", "outcome is not valuable")
    s2 = b.wait(lambda: (lambda t: t != s1 and t)((b.text("#alert-status") or "").strip()),
                "#alert-status to change after close")
    hist = b.wait(lambda: (lambda t: "dispute mediated" in t and t)(b.text("#alert-history") or ""),
                  "the close note in #alert-history")
    need("on my way" in hist, "the ack note is not in #alert-history")
    need(b.js("return document.querySelectorAll('#alert-history li').length;") >= 3,
         "#alert-history has fewer than 3 entries (claim, ack, close)")
    b.wait(lambda: b.visible("#act-reopen"), "button#act-reopen on a closed alert")
    need(not b.visible("#act-ack"), "act-ack still shown on a closed alert")
    b.go("#/feed")
    b.select("#filter-kind", "all")
    b.select("#filter-state", "closed")
    b.wait_js("(function(li){return li && li.dataset.status==='closed';})(document.querySelector("
              "'#feed li[data-id=%s]'))" % json.dumps(aid), "%s in the closed feed" % aid)
    b.select("#filter-state", "open")
    feed_settled(b, [r["id"] for r in c.jsonl("alerts", "--scope", VILLAGE, "--state", "open",
                                              "--format", "jsonl", "--limit", "1000")],
                 "open feed after close")
    need(aid not in feed_ids(b), "%s still in the open feed" % aid)
    closed = api(c, "/v1/alerts/stats")["all"]["by_state"]["closed"]
    need(closed >= 1, "stats closed = %d after a close" % closed)
    b.drain_logs()
    st["closed_alert"] = aid
    return "%s: %s → %s → %s; badge %d → %d" % (aid, s0, s1, s2, new0, new0 - 1)


@case("a new quick alert appears live within 1 s of the POST of a problem event",
      needs=["sign-in"])
def case_live(c, b, st):
    b.step = "live feed"
    b.go("#/feed")
    b.select("#filter-kind", "all")
    b.select("#filter-state", "open")
    feed_settled(b, [r["id"] for r in c.jsonl("alerts", "--scope", VILLAGE, "--state", "open",
                                              "--format", "jsonl", "--limit", "1000")],
                 "open feed before the POST")
    new0 = wait_badge(b, c, "badge before the POST")
    b.wait_js("window.__tsWaits > 0", "a long-poll (GET /v1/alerts…wait=) in flight")
    b.js("""window.__tsSeen = {};
        new MutationObserver(function (ms) { var t = Date.now();
          ms.forEach(function (m) { m.addedNodes.forEach(function (n) {
            if (n.nodeType !== 1) return;
            var all = [n].concat(Array.prototype.slice.call(n.querySelectorAll('li.alert-item')));
            all.forEach(function (e) { if (e.matches && e.matches('#feed li.alert-item') &&
              !(e.dataset.id in window.__tsSeen)) window.__tsSeen[e.dataset.id] = t; }); }); });
        }).observe(document.body, {childList: true, subtree: true});""")
    rec = {"id": "P-900002", "name": "李建国", "grid": VILLAGE + "-G03", "born": "1980-05-05",
           "events": [{"type": "threat_reported", "date": "2026-12-01", "note": "live test"}]}
    code, _, body = http(c.base, "POST", "/v1/records", rec, token=c.writer_token)
    t_resp = time.time() * 1000
    need(code == 200, "POST /v1/records → %d %s" % (code, body[:200]))
    raised = [a for r in json.loads(body)["records"] for a in r.get("alerts", [])]
    quick = [a["id"] for a in raised if a.get("kind") == "quick"]
    need(len(quick) == 1, "the POST raised %d quick alerts" % len(quick))
    aid = quick[0]
    seen = b.wait(lambda: b.js("return window.__tsSeen[arguments[0]];", aid),
                  "%s in the feed" % aid, timeout=5)
    ms = seen - t_resp
    need(ms <= 1000, "%s appeared %.0f ms after the POST's answer (limit 1000)" % (aid, ms))
    ids = {a["id"] for a in raised}  # the quick alert and any the re-screening raised
    b.wait(lambda: set(feed_ids(b)[:len(ids)]) == ids, "the POST's %d alerts %s at the head"
           " of the feed (newest first; head is %s)" % (len(ids), sorted(ids), feed_ids(b)[:4]),
           timeout=5)
    need(b.js("return document.querySelectorAll('#feed li[data-id=\"'+arguments[0]+'\"]').length;",
              aid) == 1, "the live alert is listed twice")
    n = wait_badge(b, c, "badge after the live alert")
    need(n == new0 + len(ids), "badge %d, expected %d" % (n, new0 + len(ids)))
    b.drain_logs()
    st["live_alert"] = aid
    return "%s shown %.0f ms after the POST's answer (%d alerts raised); badge %d → %d" % (
        aid, max(ms, 0), len(ids), new0, n)


@case("#live-status says connected while the feed's first long-poll is waiting",
      needs=["sign-in"])
def case_live_status(c, b, st):
    b.step = "live status"
    for _ in range(3):
        b.open("#/feed")
        b.wait_js("document.querySelectorAll('#feed li.alert-item').length > 0", "feed items")
        b.wait_js("window.__tsWaits > 0", "a long-poll in flight")
        need(b.js("return document.getElementById('live-status').getAttribute('aria-live');")
             == "polite", "#live-status is not aria-live=polite")
        time.sleep(2)
        state = b.js("return [window.__tsWaits, window.__tsWaitsDone, document.getElementById("
                     "'live-status').dataset.state, document.getElementById('live-status')"
                     ".textContent.trim()];")
        if state[0] > 0 and state[1] == 0:
            break  # 2 s into the first long-poll of the page, nothing answered yet
    else:
        raise Fail("no quiet 2 s on the first long-poll in 3 tries (%s)" % state)
    need(state[2] == "on", "the feed's long-poll has been waiting 2 s (connected) but "
         "#live-status says %r (data-state=%r) until its first answer (up to wait=25 s)"
         % (state[3], state[2]))
    b.drain_logs()
    return state[3]


@case("keyboard: Tab reaches every control of the feed with a visible focus; Enter opens an alert",
      needs=["sign-in"])
def case_keyboard(c, b, st):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    b.step = "keyboard"
    b.open("#/feed")
    b.wait_js("document.querySelectorAll('#feed li.alert-item a').length > 0", "feed links")
    b.js("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);")
    want = ["lang-toggle", "signout", "filter-kind", "filter-state", "claim-next"]
    navs = ["#/feed", "#/reviews", "#/lists", "#/report"]
    seen, unfocused, first_alert = [], [], None
    for _ in range(80):  # the whole page's tab order, wherever the page put the focus
        ActionChains(b.d).send_keys(Keys.TAB).perform()
        info = b.js("""var e = document.activeElement, cs = getComputedStyle(e);
            return [e.id || '', e.getAttribute('href') || '', e.tagName.toLowerCase(),
                    (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) ||
                    cs.boxShadow !== 'none'];""")
        seen.append(info)
        if not info[3] and info[2] in ("a", "button", "select", "input", "textarea"):
            unfocused.append(info[0] or info[1] or info[2])
        if info[1].startswith("#/alert/") and not first_alert:
            first_alert = info[1]
    ids = {i[0] for i in seen}
    hrefs = {i[1] for i in seen}
    need(all(w in ids for w in want), "Tab never reached %s" % [w for w in want if w not in ids])
    need(all(n in hrefs for n in navs), "Tab never reached %s" % [n for n in navs if n not in hrefs])
    need(first_alert, "Tab never reached an alert link in 80 presses")
    need(not unfocused, "no visible focus on %s" % sorted(set(unfocused))[:5])
    b.js("document.querySelector('#feed a[href=\"' + arguments[0] + '\"]').focus();", first_alert)
    ActionChains(b.d).send_keys(Keys.ENTER).perform()
    b.wait(lambda: b.js("return location.hash;") == first_alert, "Enter to open " + first_alert)
    b.wait_js("!!document.querySelector('section#alert[data-id]')", "the alert page")
    b.drain_logs()
    return "%d distinct tab stops; Enter opened %s" % (len({tuple(i[:2]) for i in seen}),
                                                       first_alert)


@case("a hostile name shows as text, no script runs", needs=["sign-in"])
def case_hostile(c, b, st):
    b.step = "hostile name"
    rows = [r for r in c.jsonl("alerts", "--format", "jsonl", "--limit", "1000")
            if r["person"] == HOSTILE_ID]
    need(rows, "no alert for %s" % HOSTILE_ID)
    aid = rows[0]["id"]
    b.go("#/alert/" + aid)
    txt = b.wait(lambda: (lambda t: HOSTILE_ID in t and t)(b.text("#alert-person") or ""),
                 "#alert-person naming %s" % HOSTILE_ID)
    b.wait(lambda: HOSTILE in (b.text("#alert-person") or ""),
           "the characters %r in #alert-person (got %r)" % (HOSTILE, txt[:80]))
    need(b.js("return Array.prototype.filter.call(document.querySelectorAll('img'),"
              "function(i){return i.getAttribute('src')==='x';}).length;") == 0,
         "an <img src=x> element exists in the page")
    ev = b.text("#alert-event") or ""
    need("<b>bold</b>" in ev, "#alert-event %r does not show '<b>bold</b>' as text" % ev[:80])
    need(b.js("return document.querySelectorAll('#alert-event b, #alert-rules b').length;") == 0,
         "a <b> element was made from the event's note")
    b.no_dialog()
    need(b.js("return document.querySelectorAll('[onerror]').length;") == 0,
         "an element with an onerror attribute exists")
    b.drain_logs()
    st["hostile_alert"] = aid
    return "%s shows %r" % (aid, HOSTILE)


def page_fetch(b, method, path, csrf=True, body=None):
    """A request from the page itself (the session cookie; the CSRF header when csrf)."""
    return b.d.execute_async_script("""var done = arguments[arguments.length-1];
        var m = arguments[0], p = arguments[1], withCsrf = arguments[2], body = arguments[3];
        fetch('/console/session', {credentials: 'same-origin'}).then(function (r) {
          return r.ok ? r.json() : {}; }).then(function (s) {
          var h = {'Content-Type': 'application/json'};
          if (withCsrf && s.csrf) h['X-CSRF-Token'] = s.csrf;
          var o = {method: m, credentials: 'same-origin', headers: h};
          if (m !== 'GET' && m !== 'HEAD') o.body = JSON.stringify(body || {});
          return fetch(p, o); }).then(function (r) { return r.text().then(function (t) {
            done([r.status, t]); }); }, function (e) { done([0, String(e)]); });""",
        method, path, csrf, body)


@case("an out-of-scope alert opened by URL shows #alert-missing and no data; by hand too",
      needs=["sign-in"])
def case_out_of_scope(c, b, st):
    b.step = "out of scope"
    other = [r for r in c.jsonl("alerts", "--scope", "T03", "--format", "jsonl", "--limit", "50")]
    need(other, "no T03 alert to try")
    o = other[0]
    b.go("#/feed")
    b.go("#/alert/" + o["id"])
    b.wait(lambda: b.visible("#alert-missing") and (b.text("#alert-missing") or "").strip(),
           "#alert-missing with a text")
    body = b.js("return document.body.innerText;")
    for leak in (o["person"], o["grid"], o.get("cell_name") or "\0"):
        need(leak not in body, "the page shows %r of the out-of-scope alert" % leak)
    for css in ("#alert-person", "#alert-cell", "#alert-event"):
        need(not (b.text(css) or "").strip() or not b.visible(css),
             "%s shows %r" % (css, (b.text(css) or "")[:60]))
    need(b.js("return document.querySelectorAll('#alert-rules li, #alert-history li').length;") == 0,
         "rules or history listed for an out-of-scope alert")
    tries = [("GET", "/v1/alerts/" + o["id"], True, (404,)),
             ("POST", "/v1/alerts/%s/claim" % o["id"], True, (403, 404)),
             ("GET", "/v1/persons/" + o["person"], True, (403, 404)),
             ("GET", "/v1/lists/red?scope=T03", True, (403,)),
             ("GET", "/v1/alerts/stats?scope=T03", True, (403,)),
             ("POST", "/v1/alerts/claim-next", False, (403,))]
    for method, path, csrf, want in tries:
        code, text = page_fetch(b, method, path, csrf)
        need(code in want, "from the page %s %s%s → %d %s" % (
            method, path, "" if csrf else " (no CSRF header)", code, text[:120]))
        if not csrf:
            need(json.loads(text).get("field") == "csrf", "no-CSRF refusal names %r" % text[:80])
    b.drain_logs(allow=[r"status of 40[34]"])
    return "%s (%s) refused; %d requests by hand refused" % (o["id"], o["grid"], len(tries))


@case("due reviews of the village; record a review", needs=["sign-in"])
def case_review(c, b, st):
    b.step = "reviews"
    # the page lists the reviews due within the coming week of the session's date
    due_by = (datetime.date.fromisoformat(CONSOLE_NOW) + datetime.timedelta(days=7)).isoformat()
    due = c.jsonl("due", "--scope", VILLAGE, "--now", due_by, "--format", "jsonl")
    need(due, "the CLI lists no review due in %s by %s" % (VILLAGE, due_by))
    b.go("#/reviews")
    want = sorted(r["person"] for r in due)
    got = b.wait(lambda: (lambda v: v == want and v)(sorted(b.js(
        "return Array.prototype.map.call(document.querySelectorAll('#due tr.due-row'),"
        "function(r){return r.dataset.person;});"))), "table#due listing %s" % want)
    p = got[0]
    b.click('#due tr.due-row[data-person="%s"] button.review-btn' % p)
    b.wait(lambda: b.visible("form#review-form"), "form#review-form")
    b.select("#review-outcome", "confirm")
    b.type("#review-note", "visited; situation unchanged (browser test)")
    b.click("#review-submit")
    b.wait(lambda: (b.text("#review-done") or "").strip(), "#review-done")
    need(not (b.text("#review-error") or "").strip(), "#review-error %r" % b.text("#review-error"))
    con = sqlite3.connect("file:%s?mode=ro" % c.db, uri=True)
    try:
        n = con.execute("SELECT count(*) FROM reviews WHERE person=? AND by=? AND outcome='confirm'",
                        (p, OFFICER)).fetchone()[0]
    finally:
        con.close()
    need(n == 1, "%d confirm reviews of %s by %s stored" % (n, p, OFFICER))
    # the review moves the person's next review on (now + review_days of the colour):
    # off the coming week's list, or still on it with a later date (red: 7 days)
    before = next(r["next_review"] for r in due if r["person"] == p)
    later = [r["next_review"] for r in c.jsonl("due", "--scope", VILLAGE, "--now", due_by,
                                               "--format", "jsonl") if r["person"] == p]
    need(not later or later[0] > before, "%s still due on %s after its review" % (p, before))
    b.wait(lambda: b.js("var r=document.querySelector('#due tr.due-row[data-person=\"'+arguments[0]+"
                        "'\"]'); return !r || r.textContent.indexOf(arguments[1]) < 0;", p, before),
           "%s to leave table#due or show its new date" % p)
    b.drain_logs()
    return "%d due; reviewed %s: %r" % (len(due), p, b.text("#review-done").strip()[:60])


@case("lists by cell: colour counts as the report says; a cell's red list", needs=["sign-in"])
def case_lists(c, b, st):
    b.step = "lists"
    rep = json.loads(c.cli("report", "--scope", VILLAGE, "--format", "json"))
    cells = {x["code"]: x["lists"] for x in rep["cells"]}
    b.go("#/lists")
    b.wait_js("document.querySelectorAll('#cells tr.cell-row').length > 0", "table#cells rows")
    rows = b.js("""return Array.prototype.map.call(document.querySelectorAll('#cells tr.cell-row'),
        function (r) { function n(c) { var e = r.querySelector('td.' + c);
          return e ? e.textContent.trim() : null; }
          return [r.dataset.code, n('n-red'), n('n-yellow'), n('n-blue')]; });""")
    need({r[0] for r in rows} == set(cells), "rows %s, report cells %s" % (
        sorted(r[0] for r in rows), sorted(cells)))
    for code, red, yellow, blue in rows:
        want = cells[code]
        got = [re.sub(r"\D", "", v or "") for v in (red, yellow, blue)]
        need(got == [str(want["red"]), str(want["yellow"]), str(want["blue"])],
             "%s shows %s, report %s" % (code, got, want))
    heads = b.js("return document.querySelector('#cells').textContent;")
    for word in ("红", "黄", "蓝"):
        need(word in heads, "table#cells does not say %s as text" % word)
    code = next((k for k, v in cells.items() if v["red"] > 0), None)
    need(code, "no cell with a red list")
    sel = '#cells tr.cell-row[data-code="%s"] td.n-red' % code
    ctl = b.js("var t=document.querySelector(arguments[0]);"
               "return t && t.querySelector('button, a') ? 1 : 0;", sel)
    b.click(sel + (" button, " + sel + " a" if ctl else ""))
    members = c.jsonl("lists", "--colour", "red", "--scope", code, "--format", "jsonl")
    b.wait_js("document.querySelectorAll('#list-members li').length === %d" % len(members),
              "ul#list-members with the %d red persons of %s" % (len(members), code))
    text = b.text("#list-members")
    for m in members:
        need(m["person"] in text, "%s missing from ul#list-members" % m["person"])
    b.drain_logs()
    return "%d cells match; %s red: %d" % (len(rows), code, len(members))


CHARTS_JS = """var ids = arguments[0], out = {};
    ids.forEach(function (id) {
      var cv = document.getElementById(id);
      if (!cv) { out[id] = {missing: true}; return; }
      var r = {w: cv.width, h: cv.height, role: cv.getAttribute('role'),
               label: cv.getAttribute('aria-label') || '', painted: 0, chart: false};
      var fig = cv.closest('figure');
      r.caption = fig && fig.querySelector('figcaption') ?
        fig.querySelector('figcaption').textContent.trim() : '';
      try {
        var d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
        for (var i = 3; i < d.length; i += 16) if (d[i] > 0) r.painted++;
      } catch (e) { r.error = String(e); }
      var ch = window.Chart && Chart.getChart ? Chart.getChart(cv) : null;
      if (ch) {
        r.chart = true; r.type = ch.config.type; r.labels = ch.data.labels.length;
        r.datasets = ch.data.datasets.map(function (s) {
          return {label: String(s.label), type: s.type || ch.config.type, data: s.data}; });
      }
      out[id] = r; });
    return out;"""


def check_charts(b, where):
    charts = b.wait(lambda: (lambda o: all(not v.get("missing") and v["chart"] and v["painted"]
                                           for v in o.values()) and o)(
        b.js(CHARTS_JS, CHART_IDS)), "six rendered charts in %s" % where)
    for cid, r in charts.items():
        need(r["w"] > 0 and r["h"] > 0, "%s canvas is %dx%d" % (cid, r["w"], r["h"]))
        need(r["role"] == "img" and r["label"].strip(), "%s lacks role=img/aria-label" % cid)
        need(r["caption"], "%s has no <figcaption>" % cid)
    line = [s for s in charts["chart-closure"]["datasets"] if "99%" in s["label"]]
    need(line, "chart-closure has no dataset labelled 99%%: %s" % [
        s["label"] for s in charts["chart-closure"]["datasets"]])
    ds = line[0]
    n = charts["chart-closure"]["labels"]
    need(n >= 1 and len(ds["data"]) == n and all(v == 99 for v in ds["data"]),
         "the 99%% line is %s over %d towns" % (ds["data"], n))
    need(ds["type"] == "line", "the 99%% dataset is drawn as %r, not a line" % ds["type"])
    need(charts["chart-trend"]["labels"] == 12, "chart-trend has %d points, expected 12 weeks"
         % charts["chart-trend"]["labels"])
    return charts


@case("the report: six charts rendered (canvas non-empty) and the 99% line",
      needs=["sign-in"])
def case_report(c, b, st):
    b.step = "report"
    b.go("#/report")
    charts = check_charts(b, "section#report")
    need(b.js("return !!document.querySelector('section#report #chart-cells');"),
         "the charts are not inside section#report")
    b.drain_logs()
    return ", ".join("%s %dpx²" % (k, v["painted"]) for k, v in charts.items())[:160]


@case("report --html FILE: one self-contained file with the same charts and the 99% line")
def case_report_html(c, b, st):
    b.step = "report --html"
    path = os.path.join(c.tmp, "report.html")
    c.cli("report", "--html", path)
    with open(path, encoding="utf-8") as f:
        html = f.read()
    for m in re.finditer(r"<(script|link)\b[^>]*(src|href)\s*=\s*['\"]?([^'\" >]+)", html, re.I):
        need(m.group(3).startswith("#") or m.group(3).startswith("data:"),
             "report.html loads %r (not self-contained)" % m.group(3))
    url = b.d.current_url
    b.d.get("file://" + path)
    try:
        charts = check_charts(b, "report.html")
        lang = b.js("return document.documentElement.lang;")
        need(lang.lower().startswith("zh"), "report.html lang %r, expected zh" % lang)
        b.set_width(375)
        b.no_hscroll()
        b.screenshot("report-file")
        b.set_width(1280)
        b.screenshot("report-file")
        b.drain_logs()
    finally:
        b.set_width(1280)
        b.d.get(url)
    return "%d charts; %d bytes" % (len(charts), len(html))


@case("English switch, remembered in localStorage ts_lang; back to Chinese", needs=["sign-in"])
def case_lang(c, b, st):
    b.step = "language"
    b.go("#/feed")
    b.wait(lambda: (b.text("#lang-toggle") or "").strip() == "English",
           "button#lang-toggle saying English (got %r)" % b.text("#lang-toggle"))
    b.click("#lang-toggle")
    b.wait(lambda: (b.text("#lang-toggle") or "").strip() == "中文", "lang-toggle saying 中文")
    need(b.js("return document.documentElement.lang;").lower().startswith("en"), "html lang not en")
    need(b.js("return localStorage.getItem('ts_lang');") == "en", "ts_lang not 'en'")
    b.click("#lang-toggle")
    b.wait(lambda: (b.text("#lang-toggle") or "").strip() == "English", "back to Chinese")
    b.drain_logs()
    return "zh → en → zh"


def layout_page(b, name, ready):
    """At 375 and 1280 px: ready(), no horizontal scroll, a screenshot, axe-core."""
    problems = []
    for w in (375, 1280):
        b.set_width(w)
        b.wait(ready, "%s ready at %d px" % (name, w))
        try:
            b.no_hscroll()
        except Fail as e:
            problems.append(str(e))
        b.screenshot(name)
        for v in b.axe():
            problems.append("axe %s at %dpx: %s %s (%s)" % (v["impact"], w, v["id"], v["help"],
                                                         "; ".join(v["nodes"])))
    b.set_width(1280)
    need(not problems, " | ".join(problems))


PAGES = [("feed", "#/feed", "document.querySelectorAll('#feed li.alert-item').length > 0"),
         ("alert", None, "!!document.querySelector('section#alert[data-id]') && "
                         "document.querySelectorAll('#alert-history li').length > 0"),
         ("reviews", "#/reviews", "!!document.querySelector('table#due')"),
         ("lists", "#/lists", "document.querySelectorAll('#cells tr.cell-row').length > 0"),
         ("report", "#/report", "!!(window.Chart && document.getElementById('chart-closure') "
                                "&& Chart.getChart(document.getElementById('chart-closure')))")]


def make_layout_case(name, route, ready):
    @case("%s page at 375 and 1280 px: no horizontal scroll, axe-core, screenshots" % name,
          needs=["sign-in"])
    def layout(c, b, st):
        b.step = "layout " + name
        r = route or "#/alert/" + (st.get("hostile_alert") or st.get("closed_alert") or "")
        b.go(r)
        layout_page(b, name, lambda: b.js("return (" + ready + ");"))
        b.drain_logs()
        return "%s-375.png, %s-1280.png" % (name, name)
    return layout


for _p in PAGES:
    make_layout_case(*_p)


@case("sign out: the session ends, back to the sign-in form", needs=["sign-in"])
def case_signout(c, b, st):
    b.step = "sign-out"
    b.go("#/feed")
    b.wait(lambda: b.visible("#signout"), "button#signout")
    b.click("#signout")
    b.wait(lambda: b.visible("form#signin"), "form#signin after sign-out")
    code, _ = page_fetch(b, "GET", "/console/session")
    need(code == 401, "GET /console/session after sign-out → %d" % code)
    need(not any(k["name"] == "ts_session" and k["value"] for k in b.d.get_cookies()),
         "the ts_session cookie is still set")
    b.drain_logs(allow=[r"status of 401"])
    return "signed out"


@case("the browser console has no SEVERE entry (CSP violations, script errors)")
def case_severe(c, b, st):
    b.step = "end"
    b.drain_logs()
    need(not b.severe, "%d: %s" % (len(b.severe), " | ".join(
        "[%s] %s" % (s, m[:200]) for s, m in b.severe[:6])))
    return "none"


# ---- the run --------------------------------------------------------------------------------


def run_cases(county, browser):
    results, state, passed = [], {}, set()
    current = [None]

    def on_alarm(*_):
        raise TimeLimit()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(max(1, int(LIMIT_S - (time.time() - START))))
    try:
        for title, key, fn, needs in CASES:
            current[0] = title
            t0 = time.time()
            missing = [n for n in needs if n not in passed]
            if missing:
                ok, why = False, "not run: needs the %s case, which failed" % ", ".join(missing)
            else:
                try:
                    ok, why = True, fn(county, browser, state) or ""
                except Fail as e:
                    ok, why = False, str(e)
                except Exception as e:  # noqa: BLE001 — any error is this case's failure
                    ok, why = False, "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:300]
                                                 if str(e) else "")
                    traceback.print_exc(file=sys.stdout)
            if ok and key:
                passed.add(key)
            if not ok and not missing:
                browser.step = title  # the failed case's log entries, under its name
                browser.drain_logs()
            results.append((title, ok, why))
            print("%s: %s — %s (%.1fs)" % ("PASS" if ok else "FAIL", title, why,
                                          time.time() - t0), flush=True)
    except TimeLimit:
        results.append((current[0], False, "the %d s time limit passed" % LIMIT_S))
        print("FAIL: %s — the %d s time limit passed" % (current[0], LIMIT_S), flush=True)
        done = {r[0] for r in results}
        for title, _, _, _ in CASES:
            if title not in done:
                results.append((title, False, "not run (time limit)"))
                print("FAIL: %s — not run (time limit)" % title)
    finally:
        signal.alarm(0)
    return results


START = time.time()


def main():
    check_prerequisites()
    tmp = tempfile.mkdtemp(prefix="ts-browser.")
    county, browser, results = County(tmp), None, []
    try:
        shutil.rmtree(ART, ignore_errors=True)
        county.build()
        county.start()
        print("serve at %s; county in %s; screenshots in %s" % (county.base, tmp, ART))
        browser = Browser(tmp, county.base)
        results = run_cases(county, browser)
    except (Exception, TimeLimit) as e:  # noqa: BLE001 — set-up failed: the run fails
        traceback.print_exc(file=sys.stdout)
        results.append(("set-up", False, str(e)[:300]))
        print("FAIL: set-up — %s" % str(e)[:300])
    finally:
        if browser:
            browser.quit()
        county.stop()
        if os.path.exists(county.log):
            os.makedirs(ART, exist_ok=True)
            shutil.copy(county.log, os.path.join(ART, "serve.log"))
        if os.environ.get("TS_BROWSER_KEEP") == "1":
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    failed = [r for r in results if not r[1]]
    print("%d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
