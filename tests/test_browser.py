"""The management reports in a real browser: headless Chromium, offline, through the DevTools protocol.

Each management HTML of the shared test run (tests/notebooks/runs.py) and the index pages are
opened from disk in headless Chromium. The test records every request the page makes (and
blocks any to another host), every console error and uncaught exception, checks that the
report text is there, and saves a full-page screenshot (PNG) into the test's temporary folder.

Needs /usr/bin/chromium (Debian's ``chromium`` package, installed by ``make test``) and the
``websocket-client`` package (the ``test`` extra). Skipped when either is missing, except in a
CI run (``tests.ci.in_ci``), where that is a failure.

The DevTools websocket has no read timeout: its reader thread waits for as long as the suite
takes to build the reports between two pages (a read timeout there once killed the reader
and failed the next call). Each call has its own deadline instead.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from tests.ci import require
from tests.notebooks.runs import shared_run

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--remote-allow-origins=*", "--remote-debugging-port=0", "--window-size=1280,900"]
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:", "chrome-error:")
#: a desktop browser and a phone (CSS pixels)
WIDTHS = (1280, 390)


def artifacts_dir(*parts: str) -> Path:
    """Where the browser tests keep their screenshots: ``KIT_TEST_ARTIFACTS``, else
    ``outputs/test-artifacts/`` of the project (ignored by git), so that a run's screenshots
    can be looked at after the test's temporary folders are gone."""
    default = Path(__file__).resolve().parents[1] / "outputs" / "test-artifacts"
    base = Path(os.environ.get("KIT_TEST_ARTIFACTS") or default)
    folder = base.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assert_no_horizontal_overflow(got: dict, where: str) -> None:
    """Nothing sticks out of the page sideways (wide tables scroll inside their own box)."""
    o = got["overflow"]
    assert o["scroll"] <= o["view"] + 1 and not o["wide"], \
        f"{where}: the page is {o['scroll']} px wide in a {o['view']} px window; too wide: {o['wide']}"


def _require_chromium() -> None:
    require(CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK),
            "no /usr/bin/chromium (apt-get install chromium; make test installs it)")


def _require_websocket() -> None:
    try:
        import websocket  # noqa: F401  (websocket-client, the test extra)
    except ImportError:
        require(False, "no websocket-client: pip install -e '.[test]' (make test does)")


class DevTools:
    """A tiny Chrome DevTools protocol client over one websocket (flattened sessions)."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        # The 30 s bound the handshake only. Reads wait without limit: the reader thread must
        # outlive any idle stretch (the reports of the next language take longer than 30 s to
        # build), and every call() has its own deadline.
        self.ws.settimeout(None)
        self.ids = itertools.count(1)
        self.events: queue.Queue[dict] = queue.Queue()
        self.replies: dict[int, dict] = {}
        self.lock = threading.Condition()
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while not self.closed:
            try:
                msg = json.loads(self.ws.recv())
            except Exception:
                self.closed = True
                with self.lock:
                    self.lock.notify_all()
                return
            if "id" in msg:
                with self.lock:
                    self.replies[msg["id"]] = msg
                    self.lock.notify_all()
            else:
                self.events.put(msg)

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        i = next(self.ids)
        msg = {"id": i, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        deadline = time.time() + timeout
        with self.lock:
            while i not in self.replies:
                left = deadline - time.time()
                if left <= 0 or self.closed:
                    raise TimeoutError(f"DevTools: no reply to {method}")
                self.lock.wait(left)
            reply = self.replies.pop(i)
        if "error" in reply:
            raise RuntimeError(f"DevTools {method}: {reply['error']}")
        return reply.get("result", {})

    def close(self) -> None:
        self.closed = True
        try:
            self.ws.close()
        except Exception:
            pass


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    _require_websocket()
    profile = Path(tempfile.mkdtemp(prefix="kit-chromium-"))
    proc = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    ws_url = None
    deadline = time.time() + 60
    while time.time() < deadline and ws_url is None:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        m = re.search(r"DevTools listening on (ws://\S+)", line)
        if m:
            ws_url = m.group(1)
    if ws_url is None:
        proc.kill()
        pytest.fail(f"Chromium did not start its DevTools endpoint (exit {proc.poll()})")
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # drain its log
    dt = DevTools(ws_url)
    try:
        yield dt
    finally:
        try:
            dt.call("Browser.close", timeout=5)
        except Exception:
            pass
        dt.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


OVERFLOW_JS = """(() => {
  const vw = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) continue;
    let clipped = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll' || o === 'hidden') && p.getBoundingClientRect().right <= vw + 1) {
        clipped = true; break; }
    }
    if (!clipped) wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
      ? '.' + el.className.split(' ')[0] : '') + ' ' + Math.round(r.right) + 'px');
  }
  return {scroll: document.documentElement.scrollWidth, view: vw, wide: wide.slice(0, 8)};
})()"""


def open_page(dt: DevTools, path: Path, screenshot: Path, width: int = 1280) -> dict:
    """Load a file in a new tab ``width`` CSS pixels wide (390: a phone); return its requests,
    blocked requests, errors, text, images, horizontal overflow and a full-page screenshot."""
    target = dt.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = dt.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    while not dt.events.empty():
        dt.events.get_nowait()
    for domain in ("Page", "Runtime", "Log", "Network"):
        dt.call(f"{domain}.enable", session=session)
    mobile = width < 600
    dt.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1,
                                                   "mobile": mobile}, session=session)
    # every request to the network is paused here and refused: a report must not need any
    dt.call("Fetch.enable", {"patterns": [{"urlPattern": "http*"}, {"urlPattern": "ws*"}, {"urlPattern": "ftp*"}]},
            session=session)
    url = path.resolve().as_uri()
    dt.call("Page.navigate", {"url": url}, session=session)
    requests, blocked, errors = [], [], []
    loaded = False
    quiet_since = None
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            ev = dt.events.get(timeout=0.2)
        except queue.Empty:
            if loaded:
                quiet_since = quiet_since or time.time()
                if time.time() - quiet_since > 1.0:
                    break
            continue
        quiet_since = None
        if ev.get("sessionId") != session:
            continue
        method, params = ev["method"], ev.get("params", {})
        if method == "Page.loadEventFired":
            loaded = True
        elif method == "Network.requestWillBeSent":
            requests.append(params["request"]["url"])
        elif method == "Fetch.requestPaused":
            blocked.append(params["request"]["url"])
            dt.call("Fetch.failRequest", {"requestId": params["requestId"], "errorReason": "BlockedByClient"},
                    session=session)
        elif method == "Runtime.exceptionThrown":
            errors.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
    assert loaded, f"{path.name} did not finish loading"
    text = dt.call("Runtime.evaluate", {"expression": "document.body.innerText", "returnByValue": True},
                   session=session)["result"]["value"]
    images = dt.call("Runtime.evaluate", {
        "expression": "Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.src.slice(0, 30)])",
        "returnByValue": True}, session=session)["result"]["value"]
    lang = dt.call("Runtime.evaluate", {"expression": "document.documentElement.lang", "returnByValue": True},
                   session=session)["result"]["value"]
    overflow = dt.call("Runtime.evaluate", {"expression": OVERFLOW_JS, "returnByValue": True},
                       session=session)["result"]["value"]
    metrics = dt.call("Page.getLayoutMetrics", session=session)
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    height = min(int(size["height"]) + 20, 8000)
    dt.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1,
                                                   "mobile": mobile}, session=session)
    shot = dt.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)
    screenshot.write_bytes(base64.b64decode(shot["data"]))
    dt.call("Target.closeTarget", {"targetId": target})
    return {"requests": requests, "blocked": blocked, "errors": errors, "text": text, "images": images, "lang": lang,
            "overflow": overflow}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return shared_run(str(tmp_path_factory.getbasetemp()))


def test_cjk_font_for_the_browser():
    _require_chromium()
    fc = shutil.which("fc-list")
    require(fc is not None, "no fc-list (apt-get install fontconfig; make test installs fonts-noto-cjk with it)")
    zh = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True).stdout
    assert zh.strip(), "no font for Chinese text: install fonts-noto-cjk (make test does)"


def test_management_reports_render_offline_without_errors(browser, shared, tmp_path_factory):
    assert shared.result.ok, shared.result.summary()
    shots = tmp_path_factory.mktemp("screenshots")
    pages = sorted(shared.out.glob("*/management/*.html"))
    assert len(pages) == 2
    for page in [*pages, shared.out / "2026Q3" / "index.html", shared.out / "index.html"]:
        name = "_".join(page.relative_to(shared.out).with_suffix(".png").parts)
        got = open_page(browser, page, shots / name)
        external = [u for u in got["requests"] + got["blocked"] if not u.startswith(LOCAL_SCHEMES)]
        assert external == [], f"{page}: requests to other hosts: {external}"
        assert got["blocked"] == [], page
        assert got["errors"] == [], f"{page}: console errors: {got['errors']}"
        assert got["lang"] == "zh"
        assert (shots / name).stat().st_size > 10_000
        if "management" in page.parts:
            # findings first; the parameters and data covered in a collapsed appendix at the end
            assert "附录:本季度采用的参数" in got["text"] and "本报告采用的参数" not in got["text"], page
            assert got["text"].index("各渠道的服务互动") < got["text"].index("附录:本季度采用的参数")
            assert "各渠道的服务互动" in got["text"] and "[已隐去]" in got["text"]
            assert "kit.report.begin" not in got["text"] and "import " not in got["text"]  # no code
            assert got["images"] and all(ok for ok, _ in got["images"]), got["images"]  # the chart is drawn
            assert all(src.startswith("data:image/") for _, src in got["images"])
    print(f"screenshots in {shots}")
