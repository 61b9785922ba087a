"""`hft report`'s page in a real browser: headless Chromium, driven over the DevTools protocol (a websocket).

The page is opened from disk (file://) with the network unused: it must draw its charts with no console error,
and the mouse wheel, a drag and a double click must change the chart's visible time range as the page says.
Chromium is Debian's package (``apt-get install chromium``); where none is installed the tests skip, unless
``HFT_REQUIRE_BROWSER=1`` (CI), which makes a missing browser a failure. ``HFT_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hft_core import backtest
from hft_core.report import write_report
from websockets.sync.client import ClientConnection, connect

REQUIRE_ENV = "HFT_REQUIRE_BROWSER"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
    "--window-size=1200,900",
)


def _chromium() -> str:
    named = os.environ.get("HFT_CHROMIUM")
    found = [named] if named else [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    for candidate in found:
        if candidate and Path(candidate).exists():
            return candidate
    reason = "no Chromium here (apt-get install chromium, or HFT_CHROMIUM=/path/to/chrome)"
    if os.environ.get(REQUIRE_ENV, "").strip() == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
    pytest.skip(reason)


class Page:
    """One browser tab over the DevTools protocol: commands by id, and the events seen while waiting."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self._ids)
        self._socket.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=30))
            if message.get("id") == ident:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            if "method" in message:
                self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        if any(e["method"] == event for e in self.events):
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = json.loads(self._socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if "method" in message:
                self.events.append(message)
                if message["method"] == event:
                    return
        raise AssertionError(f"no {event} within {timeout} s")

    def value(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression in the page (an exception in it fails the test)."""
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in reply:
            raise AssertionError(f"{expression}: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def open(self, path: Path) -> None:
        self.events.clear()
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.value("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads the page produced so far."""
        found = []
        for event in self.events:
            method, params = event["method"], event.get("params", {})
            if method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
                found.append(" ".join(str(arg.get("value", arg.get("description"))) for arg in params["args"]))
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                found.append(params["entry"].get("text", ""))
        return found

    def mouse(self, kind: str, x: float, y: float, **extra: Any) -> None:
        self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    binary = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if process.poll() is not None:
                pytest.fail(f"{binary} exited with status {process.returncode} before it opened DevTools")
            if time.monotonic() > deadline:
                pytest.fail(f"{binary} did not open DevTools within 60 s")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=20) as reply:
            targets = json.loads(reply.read())
        tab = next(t for t in targets if t.get("type") == "page")
        with connect(tab["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024, open_timeout=20) as socket:
            connected = Page(socket)
            for domain in ("Page", "Runtime", "Log"):
                connected.send(f"{domain}.enable")
            metrics = {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}
            connected.send("Emulation.setDeviceMetricsOverride", **metrics)
            yield connected
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run's report: passive-mm on the simulated market for a minute of market time."""
    run_dir = tmp_path_factory.mktemp("run") / "passive-mm"
    backtest("passive-mm", seed=3, duration_s=60.0, out=run_dir)
    write_report(run_dir)
    return run_dir / "report.html"


def _visible(page: Page) -> tuple[float, float]:
    x0, x1 = page.value("[0, 1].map(i => Number(document.querySelector('svg.chart').dataset['x' + i]))")
    return float(x0), float(x1)


def test_the_console_check_sees_an_error(page: Page, tmp_path: Path) -> None:
    broken = tmp_path / "broken.html"
    broken.write_text("<!doctype html><title>x</title><script>console.error('boom'); undefinedName();</script>")
    page.open(broken)
    errors = page.errors()
    assert any("boom" in e for e in errors) and any("undefinedName" in e for e in errors), errors


def test_the_report_draws_its_charts_without_console_errors(page: Page, report: Path) -> None:
    page.open(report)
    assert page.errors() == []
    drawn = page.value(
        """Array.from(document.querySelectorAll('svg.chart')).map(svg => ({
            symbol: svg.dataset.symbol,
            paths: Object.fromEntries(Array.from(svg.querySelectorAll('path')).map(
                p => [p.getAttribute('class'), [p.getAttribute('d').length, p.getBBox().width, p.getBBox().height]])),
            labels: svg.querySelectorAll('text').length,
            width: svg.getBoundingClientRect().width}))"""
    )
    assert [chart["symbol"] for chart in drawn] == ["SIM"]
    chart = drawn[0]
    assert chart["width"] > 500
    assert chart["labels"] >= 6  # axis ticks and the axis title
    for name in ("mid", "buy-quotes", "sell-quotes", "buy-fills", "sell-fills"):
        length, width, height = chart["paths"][name]
        assert length > 0 and width > 0 and height > 0, (name, chart["paths"][name])
    assert chart["paths"]["mid"][1] > 0.8 * (1000 - 78 - 12)  # the mid spans the plot's width
    images = page.value("Array.from(document.images).map(i => [i.naturalWidth, i.complete])")
    assert len(images) == 3 and all(w > 100 and done for w, done in images)  # the PNG plots decode too
    assert page.value("document.querySelector('pre.config').textContent").startswith("# Resolved configuration")


def test_wheel_zoom_drag_pan_and_double_click_reset(page: Page, report: Path) -> None:
    page.open(report)
    page.value("document.querySelector('svg.chart').scrollIntoView({block: 'center'})")
    left, top, width, height = page.value(
        "(r => [r.left, r.top, r.width, r.height])(document.querySelector('svg.chart').getBoundingClientRect())"
    )
    full = _visible(page)
    assert full[0] == 0 and full[1] >= 59
    mid_before = page.value("document.querySelector('svg.chart path.mid').getAttribute('d')")
    x, y = left + width / 2, top + height / 2

    page.mouse("mouseWheel", x, y, deltaX=0, deltaY=-400)
    zoomed = _visible(page)
    assert zoomed[1] - zoomed[0] < 0.6 * (full[1] - full[0])
    assert full[0] < zoomed[0] < zoomed[1] < full[1]
    assert page.value("document.querySelector('svg.chart path.mid').getAttribute('d')") != mid_before
    assert f"{zoomed[0]:.3f} s to {zoomed[1]:.3f} s" in page.value("document.querySelector('.readout').textContent")

    page.mouse("mousePressed", x, y, button="left", buttons=1, clickCount=1)
    page.mouse("mouseMoved", x + 150, y, button="left", buttons=1)
    page.mouse("mouseReleased", x + 150, y, button="left", buttons=0, clickCount=1)
    panned = _visible(page)
    assert panned[0] < zoomed[0]  # dragging right brings earlier times into view
    assert panned[1] - panned[0] == pytest.approx(zoomed[1] - zoomed[0])

    page.mouse("mousePressed", x, y, button="left", buttons=1, clickCount=2)
    page.mouse("mouseReleased", x, y, button="left", buttons=0, clickCount=2)
    assert _visible(page) == full
    page.value("document.querySelector('.chart-bar button').click()")  # "zoom in"
    assert _visible(page)[1] - _visible(page)[0] == pytest.approx((full[1] - full[0]) / 2)
    assert page.errors() == []
