"""`aijora-tui serve` as a subprocess, and a headless Chromium (Debian's package, driven by
Playwright; nothing is downloaded) to open it.

The page's terminal is xterm.js drawing on a canvas, so its text is read from xterm.js's buffer:
an init script catches textual-serve's terminal object as its constructor stores the websocket
URL (textual.js keeps it in a closure), and `screen_text` reads the visible rows.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.cli_env import ROOT, cli_env
from tests.core.helpers import API_KEY
from tests.fake_server import FakeServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "websocket_url", {
  configurable: true,
  set(value) {
    window.__textualTerminal = this;
    Object.defineProperty(this, "websocket_url", {
      value, writable: true, configurable: true, enumerable: true,
    });
  },
});
"""
SCREEN_TEXT = """() => {
  const holder = window.__textualTerminal;
  if (!holder || !holder.terminal) return "";
  const terminal = holder.terminal, buffer = terminal.buffer.active, rows = [];
  for (let i = 0; i < terminal.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def children(parent: int, word: bytes) -> list[int]:
    """Live (not zombie) children of `parent` with `word` among their arguments, by pid."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, ppid = stat.read_text().rpartition(")")[2].split()[:2]
            argv = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if int(ppid) == parent and state != "Z" and any(word in arg for arg in argv):
            found.append(int(stat.parent.name))
    return found


class Serve:
    """One `aijora-tui serve` process; `url` is the line it printed."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aijora_tui", "serve", "--port", "0", *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, as a shell gives a command
        )
        self.url = self._first_line(20.0)

    def _first_line(self, timeout: float) -> str:
        stdout = self.process.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], timeout)
        line = stdout.readline().decode() if ready else ""
        if not line:
            self.stop(signal.SIGKILL)
            pytest.fail(f"serve printed no URL; stderr: {self.stderr()}")
        return line.strip()

    def app_processes(self) -> list[int]:
        """The app processes serve started (its children), by pid."""
        return children(self.process.pid, b"aijora_tui")

    def stop(self, signum: int = signal.SIGINT, timeout: float = 30.0, group: bool = False) -> int:
        """Signal serve (with `group`, its app processes too, as Ctrl+C in a terminal does)."""
        if self.process.poll() is None:
            if group:
                os.killpg(self.process.pid, signum)
            else:
                self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"serve did not stop within {timeout} s of signal {signum}")

    def stderr(self) -> str:
        return self._rest(self.process.stderr)

    def stdout(self) -> str:
        """What serve printed after the URL (once it has exited)."""
        return self._rest(self.process.stdout)

    def _rest(self, stream: IO[bytes] | None) -> str:
        assert stream is not None
        if self.process.poll() is None:
            return "(still running)"
        return stream.read().decode(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.stop(signal.SIGINT)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def serve_env(tmp_path: Path, server: FakeServer) -> dict[str, str]:
    return cli_env(tmp_path, server.base_url, API_KEY)


@pytest.fixture
def start_serve(serve_env: dict[str, str]) -> Iterator[Callable[..., Serve]]:
    started: list[Serve] = []

    def start(*args: str) -> Serve:
        started.append(Serve(list(args), serve_env))
        return started[-1]

    yield start
    for serve in started:
        serve.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium from the system's package; missing, the test fails (CI installs it)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need Debian's chromium "
            "package (apt-get install chromium; .ci/run does it)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 1100, "height": 700},
        permissions=["clipboard-read", "clipboard-write"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(CATCH_TERMINAL)
    yield context
    context.close()


def screen_text(page: Page) -> str:
    return str(page.evaluate(SCREEN_TEXT))


def wait_for_text(page: Page, text: str) -> None:
    """Wait until `text` is on the page's terminal screen; fail showing the screen if not."""
    try:
        page.wait_for_function(f"t => ({SCREEN_TEXT})().includes(t)", arg=text)
    except PlaywrightTimeout:
        pytest.fail(f"{text!r} never appeared; the screen shows:\n{screen_text(page)}")
