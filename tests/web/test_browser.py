"""`aijora-tui serve` in a real browser (headless Chromium): the chat works, the key stays on the
server, `--public` needs its token, and Ctrl+C stops every app process cleanly."""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocket
from yarl import URL

from tests.cli_env import ROOT
from tests.core.helpers import API_KEY
from tests.fake_server import FakeServer, Hold, Script, chunk
from tests.web.conftest import Serve, screen_text, wait_for, wait_for_text

pytestmark = pytest.mark.browser

PROMPT = "hello from the browser"
MODEL = "gpt-4o-mini; $(echo pwned) 'x\""
"""Passed by serve to each tab's app through /bin/sh, and sent as it is."""
PNG = b"\x89PNG\r\n\x1a\n"


class Tab:
    """A page with the app open in it, and every websocket frame it received."""

    def __init__(self, context: BrowserContext, url: str) -> None:
        self.frames: list[str] = []
        self.page: Page = context.new_page()
        self.page.on("websocket", self._watch)
        response = self.page.goto(url)
        assert response is not None and response.status == 200, "the page must load"
        wait_for_text(self.page, "Ask anything")
        self.page.focus(".xterm-helper-textarea")

    def _watch(self, websocket: WebSocket) -> None:
        def record(payload: str | bytes) -> None:
            text = payload if isinstance(payload, str) else payload.decode(errors="replace")
            self.frames.append(text)

        websocket.on("framereceived", record)

    def send(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")


def test_chat_in_the_browser(
    start_serve: Callable[..., Serve], context: BrowserContext, server: FakeServer, tmp_path: Path
) -> None:
    serve = start_serve("--model", MODEL)
    assert URL(serve.url).host == "127.0.0.1"
    assert URL(serve.url).query == {}, "no token on loopback without --public"
    tab = Tab(context, serve.url)
    wait_for_text(tab.page, "(the machine serving")

    tab.send(PROMPT)

    wait_for_text(tab.page, f"You said: {PROMPT}")
    (request,) = server.chat_requests()
    assert request.json()["messages"][-1] == {"role": "user", "content": PROMPT}
    assert request.json()["model"] == MODEL
    assert request.headers["authorization"] == f"Bearer {API_KEY}", "the app process has the key"
    shot = tmp_path / "serve.png"
    tab.page.screenshot(path=shot)
    assert shot.read_bytes().startswith(PNG)
    print(f"screenshot: {shot}")
    seen = [tab.page.url, tab.page.content(), *tab.frames]
    assert len(tab.frames) > 10, "the app's output must have come through the websocket"
    assert not [piece for piece in seen if API_KEY in piece], "the key reached the browser"


def test_copy_goes_to_the_browsers_clipboard(
    start_serve: Callable[..., Serve], context: BrowserContext
) -> None:
    tab = Tab(context, start_serve().url)
    tab.send(PROMPT)
    wait_for_text(tab.page, "print('hi')")

    tab.page.keyboard.press("Control+y")

    wait_for_text(tab.page, "to the browser's clipboard")
    copied = tab.page.evaluate("() => navigator.clipboard.readText()")
    assert copied.startswith(f"You said: **{PROMPT}**"), copied


def handshake(url: URL, target: str, **headers: str) -> int:
    """The status a websocket handshake for `target` gets (101 when it is accepted)."""
    connection = http.client.HTTPConnection(url.host or "", url.port, timeout=10)
    try:
        connection.request(
            "GET",
            target,
            headers={
                "Connection": "Upgrade",
                "Upgrade": "websocket",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
                **headers,
            },
        )
        return connection.getresponse().status
    finally:
        connection.close()


def status(url: URL, target: str) -> int:
    connection = http.client.HTTPConnection(url.host or "", url.port, timeout=10)
    try:
        connection.request("GET", target)
        return connection.getresponse().status
    finally:
        connection.close()


def test_public_needs_the_token(start_serve: Callable[..., Serve], context: BrowserContext) -> None:
    serve = start_serve("--public")
    url = URL(serve.url)
    token = url.query["token"]
    assert len(token) >= 32

    for target in ("/", "/?token=wrong", "/static/js/textual.js", f"/?token={token}x"):
        assert status(url, target) == 403, target
    assert handshake(url, "/ws") == 403
    assert handshake(url, "/ws?token=wrong") == 403
    assert handshake(url, f"/ws?token={token}", Origin="http://evil.example") == 403
    page = context.new_page()
    for target in ("/", "/?token=wrong"):
        response = page.goto(str(url.with_path("/").with_query(None)) + target.lstrip("/"))
        assert response is not None and response.status == 403, target
    assert handshake(url, f"/ws?token={token}") == 101, "the right token opens the websocket"

    tab = Tab(context, serve.url)  # the page's assets and websocket carry the token as a cookie

    (cookie,) = context.cookies()
    assert (cookie["value"], cookie["httpOnly"], cookie["sameSite"]) == (token, True, "Strict")
    tab.send(PROMPT)
    wait_for_text(tab.page, f"You said: {PROMPT}")


def export_json(env: dict[str, str]) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-m", "aijora_tui", "export", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=True,
    )
    exported: dict[str, object] = json.loads(result.stdout)
    return exported


@pytest.mark.parametrize("group", [False, True], ids=["serve", "terminal"])
def test_ctrl_c_stops_every_app_process_cleanly(
    group: bool,
    start_serve: Callable[..., Serve],
    context: BrowserContext,
    server: FakeServer,
    serve_env: dict[str, str],
) -> None:
    server.queue(Script([chunk("a reply that never ends"), Hold(60)]))
    serve = start_serve()
    streaming, idle = Tab(context, serve.url), Tab(context, serve.url)
    assert wait_for(lambda: len(serve.app_processes()) == 2), "one app process per tab"
    apps = serve.app_processes()
    streaming.send("go on forever")
    wait_for_text(streaming.page, "a reply that never ends")

    assert serve.stop(signal.SIGINT, group=group) == 130

    assert [pid for pid in apps if Path(f"/proc/{pid}").exists()] == [], "app left running"
    stderr = serve.stderr()
    assert "Traceback" not in stderr and API_KEY not in stderr, stderr
    assert serve.stdout() == "", "stdout holds the URL alone"
    for tab in (streaming, idle):
        tab.page.wait_for_function("() => document.body.classList.contains('-closed')")
    messages = export_json(serve_env)["messages"]
    assert isinstance(messages, list)
    reply = messages[-1]
    assert (reply["content"], reply["state"]) == ("a reply that never ends", "cancelled"), (
        screen_text(streaming.page)
    )
