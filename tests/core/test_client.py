"""`ChatClient` beyond the numbered cases: a BOM, a wrong charset, request shape,
connection failures, bad configuration, corrupt bodies and `list_models()`.
"""

from __future__ import annotations

import socket
import zlib
from typing import Any

import pytest

from aijora_tui.core.client import ChatClient
from aijora_tui.core.errors import (
    AijoraError,
    ApiError,
    ConfigError,
    NetworkError,
    StreamFailed,
    StreamInterrupted,
)
from aijora_tui.core.events import FinishReported, StreamCompleted, TextDelta, UsageReported
from aijora_tui.core.models import ChatMessage, ModelInfo
from tests.core.conftest import ClientFactory
from tests.core.helpers import API_KEY, SEED_EXPECTED, SEED_TEXT, C, D, F, collect, seed_events
from tests.fake_server import FakeServer, Script, json_error, text_stream


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_leading_bom_does_not_lose_the_first_event(
    server: FakeServer, make_client: ClientFactory
) -> None:
    events = seed_events()
    assert isinstance(events[1], bytes)
    server.queue(Script([b"\xef\xbb\xbf" + events[1], *events[2:]]))
    outcome = await collect(make_client())
    assert outcome.events == SEED_EXPECTED


async def test_charset_in_content_type_is_ignored(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(
        Script(seed_events(), headers={"content-type": "text/event-stream; charset=iso-8859-1"})
    )
    outcome = await collect(make_client())
    assert outcome.text == SEED_TEXT


async def test_unicode_line_separators_inside_json(
    server: FakeServer, make_client: ClientFactory
) -> None:
    tricky = "a\u2028b\u2029c\x85d\x0be\x0cf\x1cg"
    server.queue(Script([C(tricky), F("stop"), D]))
    outcome = await collect(make_client())
    assert outcome.text == tricky


async def test_request_body_and_headers(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(text_stream(["ok"]))
    messages = [ChatMessage("system", "Be brief."), ChatMessage("user", "Привет")]
    await collect(
        make_client(), messages, model="claude-sonnet-4.5", temperature=0.2, max_tokens=None, n=3
    )
    [request] = server.chat_requests()
    assert request.path == "/v1/chat/completions"
    assert request.json() == {
        "model": "claude-sonnet-4.5",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Привет"},
        ],
        "stream": True,
        "temperature": 0.2,
    }
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("aijora-tui/")


async def test_no_authorization_header_without_a_key(server: FakeServer) -> None:
    server.queue(text_stream(["ok"]))
    async with ChatClient(server.base_url, None) as client:
        outcome = await collect(client)
    assert outcome.text == "ok"
    assert "authorization" not in server.chat_requests()[0].headers


async def test_connection_refused_is_retried_then_reported() -> None:
    port = closed_port()
    async with ChatClient(f"http://127.0.0.1:{port}/v1", "k", max_retries=1) as client:
        outcome = await collect(client)

    assert isinstance(outcome.error, NetworkError)
    assert str(outcome.error).startswith("cannot reach 127.0.0.1: ")
    [retry] = outcome.retries
    assert (retry.attempt, retry.max_attempts, retry.reason) == (1, 1, "could not connect")
    assert outcome.events == [retry]


@pytest.mark.parametrize(
    "base_url",
    ["http://[::1", "ftp://example.com/v1", "example.com/v1", "http://"],
)
def test_bad_base_url_is_a_config_error(base_url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ChatClient(base_url, "k")
    assert str(caught.value).startswith(f"invalid base URL {base_url!r}")


async def test_corrupt_gzip_body_is_an_interrupted_stream(
    server: FakeServer, make_client: ClientFactory
) -> None:
    compressor = zlib.compressobj(wbits=31)
    good = compressor.compress(C("a")) + compressor.flush(zlib.Z_SYNC_FLUSH)
    server.queue(
        Script(
            [good, b"\x00garbage that is not deflate"],
            headers={"content-type": "text/event-stream", "content-encoding": "gzip"},
        )
    )
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamInterrupted)
    assert str(outcome.error).startswith("the reply could not be read (")
    assert outcome.text == "a"


async def test_unexpected_content_type(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(Script([b"<html>hello</html>"], headers={"content-type": "text/html"}))
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamFailed)
    assert str(outcome.error) == "the server sent an unexpected reply (text/html)"


async def test_error_json_with_status_200(server: FakeServer, make_client: ClientFactory) -> None:
    server.queue(
        Script(
            [b'{"error":{"message":"model not found"}}'],
            headers={"content-type": "application/json"},
            chunked=False,
        )
    )
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamFailed)
    assert str(outcome.error) == "the server reported an error: model not found"


async def test_list_models(server: FakeServer, make_client: ClientFactory) -> None:
    server.models = ["b-model", "a-model"]
    assert await make_client().list_models() == [
        ModelInfo("a-model", "fake"),
        ModelInfo("b-model", "fake"),
    ]


async def test_list_models_not_offered(server: FakeServer, make_client: ClientFactory) -> None:
    server.models = None
    with pytest.raises(ApiError) as caught:
        await make_client().list_models()
    assert caught.value.status == 404
    assert str(caught.value) == "HTTP 404: not found"


async def test_list_models_unreachable() -> None:
    async with ChatClient(f"http://127.0.0.1:{closed_port()}/v1") as client:
        with pytest.raises(NetworkError):
            await client.list_models(timeout=5)


async def test_in_band_error_after_usage_keeps_earlier_events(
    server: FakeServer, make_client: ClientFactory
) -> None:
    server.queue(
        Script([C("a"), F("length"), b'event: error\ndata: "overloaded"\n\n', D]),
    )
    outcome = await collect(make_client())

    assert isinstance(outcome.error, StreamFailed)
    assert str(outcome.error) == "the server reported an error: overloaded"
    assert outcome.events == [TextDelta("a"), FinishReported("length")]


async def test_every_error_is_an_aijora_error(
    server: FakeServer, make_client: ClientFactory
) -> None:
    """Whatever goes wrong, callers only ever need to catch `AijoraError`."""
    server.queue(
        json_error(400, "bad"),
        Script([b'data: {"choices": {"0": 1}}\n\n', b'data: {"choices": "x"}\n\n', D]),
        Script([b'data: {"choices":[{"delta":{"content":"\\udc00"}}]}\n\n', F("stop")]),
    )
    client = make_client()
    first = await collect(client)
    second = await collect(client)
    third = await collect(client)

    assert isinstance(first.error, ApiError)
    assert isinstance(second.error, AijoraError)
    assert third.error is None
    assert third.events == [
        TextDelta("\ufffd"),
        FinishReported("stop"),
        StreamCompleted("stop", None),
    ]
    assert not third.of(UsageReported)


async def test_a_body_with_a_large_image_is_sent_exactly(server: FakeServer) -> None:
    """Encoded on a thread (`wire.is_large`), the bytes on the wire are the same JSON."""
    import base64

    from aijora_tui.core import wire

    data = bytes(range(256)) * 2048  # 512 KB
    url = "data:image/png;base64," + base64.b64encode(data).decode()
    image: list[dict[str, Any]] = [
        {"type": "text", "text": "see"},
        {"type": "image_url", "image_url": {"url": url}},
    ]
    server.queue(Script([C("ok"), D]))
    async with ChatClient(server.base_url, API_KEY) as client:
        events = [e async for e in client.stream_chat([ChatMessage("user", image)], "m")]
    assert any(isinstance(e, TextDelta) and e.text == "ok" for e in events)
    [request] = server.chat_requests()
    assert request.headers["content-type"] == "application/json"
    assert request.json()["messages"][0]["content"][1]["image_url"]["url"] == url
    assert wire.is_large(request.json()) and not wire.is_large({"messages": []})
