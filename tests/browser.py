"""A real browser for the UI tests: headless Chromium driven over the DevTools protocol.

Chromium is Debian's ``chromium`` package (``make test`` installs it when it runs as
root with apt); the protocol is JSON over a WebSocket (``websockets``, which Prefect
already depends on), so no driver binary or browser download is needed. Only loopback
pages are opened: the flags turn off every background connection Chromium would make.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

__all__ = ["Browser", "chromium", "find_chromium"]

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--no-proxy-server",
    "--disable-default-apps", "--disable-extensions", "--window-size=1400,1800",
]


def find_chromium() -> str | None:
    """The Chromium binary: ``LOOKUP_CHROMIUM``, else ``chromium`` or ``chromium-browser`` on PATH."""
    given = os.environ.get("LOOKUP_CHROMIUM")
    if given:
        return given
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    """One page of a running Chromium, spoken to over its DevTools WebSocket."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events in between are skipped)."""
        number = next(self._ids)
        self._socket.send(json.dumps({"id": number, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=60))
            if message.get("id") == number:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def open(self, url: str) -> None:
        """Navigate the page to ``url``."""
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def text(self) -> str:
        """The page's visible text (``document.body.innerText``)."""
        return self.evaluate("document.body ? document.body.innerText : ''") or ""

    def wait_for(self, found: Callable[[Browser], Any], timeout: float = 60.0) -> Any:
        """Poll until ``found(self)`` is truthy, and return it; TimeoutError with the page text."""
        deadline = time.monotonic() + timeout
        while True:
            value = found(self)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"The page never showed what was awaited; it says:\n{self.text()}")
            time.sleep(0.5)

    def screenshot(self, path: Path) -> Path:
        """Save a PNG of the page as it is now."""
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path


@contextmanager
def chromium(binary: str, profile: Path, timeout: float = 60.0) -> Iterator[Browser]:
    """Start headless Chromium with a fresh profile folder; yield its page; stop it."""
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "DevToolsActivePort").unlink(missing_ok=True)  # a previous run's port
    log = open(profile.parent / "chromium.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
         "about:blank"],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        port = _debugging_port(profile, process, timeout)
        page = _page_socket(port, timeout)
        with connect(page, max_size=None, open_timeout=timeout, proxy=None) as socket:
            browser = Browser(socket)
            browser.call("Page.enable")
            yield browser
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def _debugging_port(profile: Path, process: subprocess.Popen, timeout: float) -> int:
    """The port Chromium chose, from the DevToolsActivePort file it writes in its profile."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Chromium exited with code {process.returncode}; see its log.")
        if marker.is_file() and marker.read_text().strip():
            return int(marker.read_text().splitlines()[0])
        time.sleep(0.2)
    raise TimeoutError("Chromium did not open its DevTools port in time.")


def _page_socket(port: int, timeout: float) -> str:
    """The WebSocket URL of Chromium's first page."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=5,
                                trust_env=False).json()
        except httpx.TransportError:  # not listening yet
            targets = []
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.2)
    raise TimeoutError("Chromium opened no page in time.")
