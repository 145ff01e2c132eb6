"""`SyncChatClient` (what `aijora-tui ask` streams with) against the fake server.

The protocol itself is proven on `ChatClient` (test_protocol_cases.py); here each scenario is
played to both clients and they must agree: same events, same error, same requests. Then what
only the blocking client has: closing on `close()` and on Ctrl+C inside the read, TLS context
loaded only for https (and verified there), and the import cost that `ask` saves with it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from aijora_tui.core.client import ChatClient
from aijora_tui.core.errors import AijoraError, NetworkError
from aijora_tui.core.events import ChatEvent, RetryScheduled, TextDelta
from aijora_tui.core.sync_client import SyncChatClient
from tests.core.helpers import (
    API_KEY,
    ROOT,
    SEED,
    SEED_EXPECTED,
    SEED_TEXT,
    USER,
    C,
    D,
    F,
    Outcome,
    collect,
    event,
    payload,
    seed_events,
    wait_until,
)
from tests.fake_server import Cut, FakeServer, Pause, Reset, Script, json_error

REFUSED_OPTIONS = Script(
    [payload({"error": {"message": "Unknown parameter: 'stream_options'"}})],
    status=400,
    headers={"content-type": "application/json"},
    chunked=False,
)
WHOLE_REPLY = {
    "choices": [{"message": {"content": "Whole answer"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    "model": "m-1",
}
SCENARIOS: dict[str, list[Script]] = {
    "seed": [Script(seed_events())],
    "bom and a wrong charset": [
        Script(
            [b"\xef\xbb\xbf" + SEED],
            headers={"content-type": "text/event-stream; charset=iso-8859-1"},
        )
    ],
    "reasoning, tool call, length": [
        Script(
            [
                event({"choices": [{"delta": {"reasoning_content": "think"}}]}),
                C("Answer"),
                event({"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "t"}]}}]}),
                b": keep-alive\n\n",
                b"data: not json\n\n",
                F("length"),
                D,
            ]
        )
    ],
    "401": [json_error(401, f"Invalid API key: {API_KEY}")],
    "500 not to be retried": [
        json_error(500, "down", kind="server_error", headers={"x-should-retry": "false"})
    ],
    "429, then the reply": [
        json_error(429, "slow down", headers={"retry-after-ms": "10"}),
        Script(seed_events()),
    ],
    "503 until the retries run out": [json_error(503, "busy", headers={"retry-after-ms": "10"})]
    * 3,
    "html error page": [
        Script(
            [b"<html><body><h1>502 Bad Gateway</h1></body></html>"],
            status=502,
            headers={"content-type": "text/html", "x-should-retry": "false"},
        )
    ],
    "stream cut": [Script([C("partial "), C("answer"), Cut()])],
    "connection reset": [Script([C("partial"), Reset()])],
    "no finish and no [DONE]": [Script([C("partial")])],
    "[DONE] alone": [Script([D])],
    "in-band error": [Script([C("Half"), b'data: {"error":{"message":"overloaded"}}\n\n', D])],
    "a whole JSON reply": [
        Script([payload(WHOLE_REPLY)], headers={"content-type": "application/json"}, chunked=False)
    ],
    "not JSON, not SSE": [
        Script([b"hello"], headers={"content-type": "text/plain"}, chunked=False)
    ],
    "stream_options refused": [REFUSED_OPTIONS, Script(seed_events())],
    "silence": [Script([C("partial"), Pause(5), F("stop"), D])],
}
BROKEN = "the connection broke in the middle of the reply"
OPTIONS: dict[str, Any] = {"read_timeout": 1.0, "max_retries": 2, "stream_usage": False}


def collect_sync(client: SyncChatClient, **params: Any) -> Outcome:
    """`helpers.collect()` for the blocking client."""
    outcome = Outcome()
    try:
        with closing(client.stream_chat(USER, "test-model", **params)) as events:
            outcome.events.extend(events)
    except AijoraError as error:
        outcome.error = error
    return outcome


def comparable(outcome: Outcome) -> tuple[list[ChatEvent], object, str]:
    """Events and error, without what differs by design: the jitter of retry delays, and how the
    socket layer words a broken connection (anyio: `ReadError`, blocking: the OS error)."""
    events = [
        replace(item, delay=round(item.delay, 1)) if isinstance(item, RetryScheduled) else item
        for item in outcome.events
    ]
    message = str(outcome.error)
    if message.startswith(BROKEN):
        message = BROKEN
    return events, type(outcome.error), message


# ---- the same answers as ChatClient ------------------------------------------------------------


@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_both_clients_agree(server: FakeServer, name: str) -> None:
    options = dict(OPTIONS, stream_usage=name == "stream_options refused")
    server.queue(*SCENARIOS[name])
    async with ChatClient(server.base_url, API_KEY, **options) as async_client:
        expected = await collect(async_client, temperature=0.5)
    sent_async = [request.json() for request in server.chat_requests()]

    server.queue(*SCENARIOS[name])
    with SyncChatClient(server.base_url, API_KEY, **options) as client:
        outcome = collect_sync(client, temperature=0.5)
        assert client.stream_usage == async_client.stream_usage
    sent = [request.json() for request in server.chat_requests()[len(sent_async) :]]

    assert comparable(outcome) == comparable(expected)
    assert sent == sent_async
    assert outcome.events or outcome.error, "every scenario ends one way or the other"


def test_the_seed_reply(server: FakeServer) -> None:
    """One scenario spelled out, so that agreeing on nothing cannot pass."""
    server.queue(Script(seed_events()))
    with SyncChatClient(server.base_url, API_KEY, max_retries=0) as client:
        outcome = collect_sync(client)
    assert outcome.events == SEED_EXPECTED
    assert outcome.text == SEED_TEXT
    [request] = server.chat_requests()
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with SyncChatClient(f"http://127.0.0.1:{port}/v1", "k", max_retries=1) as client:
        outcome = collect_sync(client)
    assert isinstance(outcome.error, NetworkError)
    assert str(outcome.error).startswith("cannot reach 127.0.0.1: ")
    [retry] = outcome.retries
    assert (retry.attempt, retry.max_attempts, retry.reason) == (1, 1, "could not connect")


# ---- stopping early ------------------------------------------------------------------------------


async def test_closing_the_generator_closes_the_response(server: FakeServer) -> None:
    server.queue(Script([C("a"), Pause(60), C("b"), F("stop"), D]))
    with SyncChatClient(server.base_url, API_KEY, max_retries=0) as client:
        events = client.stream_chat(USER, "m")
        assert next(events) == TextDelta("a")
        events.close()
        [request] = server.chat_requests()
        assert await wait_until(lambda: request.disconnected is not None), "the server saw no close"


@pytest.fixture
def interrupt_after() -> Iterator[Callable[[float], object]]:
    """Arm a Ctrl+C (`KeyboardInterrupt` from a signal handler, as Python's own) in N seconds."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    yield lambda seconds: signal.setitimer(signal.ITIMER_REAL, seconds)
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


async def test_ctrl_c_inside_the_read_closes_the_response(
    server: FakeServer, interrupt_after: Callable[[float], object]
) -> None:
    server.queue(Script([C("a"), Pause(60), C("b"), F("stop"), D]))
    received: list[ChatEvent] = []
    with SyncChatClient(server.base_url, API_KEY, max_retries=0) as client:
        with pytest.raises(KeyboardInterrupt):
            for item in client.stream_chat(USER, "m"):
                received.append(item)
                interrupt_after(0.2)  # lands in the blocking read of the next event
        [request] = server.chat_requests()
        # Still inside `with client`: the interrupt itself closed the response.
        assert await wait_until(lambda: request.disconnected is not None), "the server saw no close"
    assert received == [TextDelta("a")]


# ---- TLS only when needed, and verified ----------------------------------------------------------


@pytest.fixture
def ca_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every CA bundle loaded into any TLS context from now on."""
    loads: list[object] = []
    original = ssl.SSLContext.load_verify_locations

    def recording(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        original(context, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", recording)
    return loads


def test_plain_http_loads_no_ca_bundle(server: FakeServer, ca_loads: list[object]) -> None:
    server.queue(Script(seed_events()))
    with SyncChatClient(server.base_url, API_KEY, max_retries=0) as client:
        assert collect_sync(client).text == SEED_TEXT
    assert ca_loads == []


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An https server on 127.0.0.1 with a self-signed certificate; yields (base URL, cert)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(SEED)))
            self.end_headers()
            self.wfile.write(SEED)

        def log_message(self, format: str, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/v1", cert
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)


def test_https_rejects_an_unknown_certificate(
    tls_server: tuple[str, Path], ca_loads: list[object]
) -> None:
    base_url, _ = tls_server
    with SyncChatClient(base_url, API_KEY, max_retries=0) as client:
        outcome = collect_sync(client)
    assert isinstance(outcome.error, NetworkError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(outcome.error)
    assert ca_loads, "https must load a CA bundle"


def test_https_trusts_the_configured_ca(
    tls_server: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, cert = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # honoured as by httpx's own transport
    with SyncChatClient(base_url, API_KEY, max_retries=0) as client:
        outcome = collect_sync(client)
    assert outcome.error is None
    assert outcome.text == SEED_TEXT


# ---- what ask imports ----------------------------------------------------------------------------


def test_ask_imports_neither_asyncio_nor_sqlite_without_saving(
    server: FakeServer, tmp_path: Path
) -> None:
    server.queue(Script(seed_events()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIJORA_", "XDG_", "PYTHON"))}
    env.update(PYTHONPATH=str(ROOT), AIJORA_BASE_URL=server.base_url, AIJORA_API_KEY=API_KEY)
    env.update({f"XDG_{name}_HOME": str(tmp_path / name) for name in ("CONFIG", "DATA", "STATE")})
    command = [sys.executable, "-X", "importtime", "-m", "aijora_tui", "ask", "--no-save", "hi"]
    result = subprocess.run(
        command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, timeout=60
    )

    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == SEED_TEXT.encode()
    imported = {
        line.rpartition("|")[2].strip()
        for line in result.stderr.decode().splitlines()
        if line.startswith("import time:")
    }
    assert "httpx" in imported, "importtime must list what was imported"
    assert imported.isdisjoint({"asyncio", "sqlite3", "aijora_tui.core.store"})
    assert not (tmp_path / "DATA").exists(), "--no-save writes nothing"
