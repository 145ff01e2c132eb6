"""Property: however a valid stream is cut into TCP writes, the client yields the same events.

Each write is one HTTP chunk, and h11 hands chunk boundaries through to httpx, so a cut inside
a UTF-8 sequence, a CRLF, a `data:` prefix or a JSON string really reaches the decoder as a split
read. One server serves the whole module; each example runs a fresh client in `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aijora_tui.core.client import ChatClient
from aijora_tui.core.events import (
    ChatEvent,
    FinishReported,
    StreamCompleted,
    TextDelta,
    UsageReported,
)
from aijora_tui.core.models import Usage
from tests.core.helpers import API_KEY, SEED, SEED_EXPECTED, collect, payload
from tests.fake_server import FakeServer, Script, Step


@dataclass(frozen=True)
class Stream:
    data: bytes
    expected: list[ChatEvent]
    content_type: str = "text/event-stream"


PIECES = ["Привет", ", мир\u2028", "строка\u0085два", " \U0001f600 ", "\u2029конец"]
USAGE = Usage(3, 5, 8)


def expected_for(pieces: list[str]) -> list[ChatEvent]:
    return [
        *(TextDelta(piece) for piece in pieces),
        FinishReported("stop"),
        UsageReported(USAGE),
        StreamCompleted("stop", USAGE),
    ]


def build(pieces: list[str], newline: bytes, *, prefix: bytes = b"data: ") -> bytes:
    """A stream of `pieces` with the given line ending, comments between events."""
    out = b""
    for piece in pieces:
        body = {"id": "c", "choices": [{"index": 0, "delta": {"content": piece}}]}
        out += prefix + payload(body) + newline * 2
        out += b": keep-alive" + newline * 2
    finish = {
        "id": "c",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
    }
    out += prefix + payload(finish) + newline * 2
    return out + prefix + b"[DONE]" + newline * 2


def multiline() -> bytes:
    """BOM, no space after `data:`, `id:` lines, and one JSON object spread over three lines."""
    return (
        b"\xef\xbb\xbfid: 1\ndata:"
        + payload({"choices": [{"delta": {"content": PIECES[0]}}]})
        + b"\n\n"
        + b'data: {"choices":[\ndata: {"delta":{"content":'
        + payload(PIECES[1])
        + b"}}\ndata: ]}\n\n"
        + b"".join(
            b"data:" + payload({"choices": [{"delta": {"content": piece}}]}) + b"\n\n"
            for piece in PIECES[2:]
        )
        + build([], b"\n", prefix=b"data:")
    )


STREAMS = {
    "seed": Stream(SEED, SEED_EXPECTED),
    "lf": Stream(build(PIECES, b"\n"), expected_for(PIECES)),
    "crlf": Stream(build(PIECES, b"\r\n"), expected_for(PIECES)),
    "cr": Stream(build(PIECES, b"\r"), expected_for(PIECES)),
    "bom-multiline": Stream(multiline(), expected_for(PIECES)),
    "wrong-charset": Stream(
        build(PIECES, b"\n"), expected_for(PIECES), "text/event-stream; charset=iso-8859-1"
    ),
}


@pytest.fixture(scope="module")
def module_server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


def replay(server: FakeServer, stream: Stream, pieces: list[bytes]) -> list[ChatEvent]:
    steps: list[Step] = list(pieces)
    server.queue(Script(steps, headers={"content-type": stream.content_type}))

    async def run() -> list[ChatEvent]:
        async with ChatClient(server.base_url, API_KEY, read_timeout=10, max_retries=0) as client:
            outcome = await collect(client)
        assert outcome.error is None, outcome.error
        return outcome.events

    return asyncio.run(run())


def split(data: bytes, cuts: set[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


@st.composite
def split_stream(draw: st.DrawFn) -> tuple[str, list[bytes]]:
    name = draw(st.sampled_from(sorted(STREAMS)))
    data = STREAMS[name].data
    cuts = draw(st.sets(st.integers(1, len(data) - 1), max_size=40))
    return name, split(data, cuts)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=split_stream())
def test_any_split_gives_the_same_events(
    module_server: FakeServer, case: tuple[str, list[bytes]]
) -> None:
    name, pieces = case
    assert b"".join(pieces) == STREAMS[name].data
    assert replay(module_server, STREAMS[name], pieces) == STREAMS[name].expected


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_one_byte_per_write(module_server: FakeServer, name: str) -> None:
    stream = STREAMS[name]
    pieces = [stream.data[i : i + 1] for i in range(len(stream.data))]
    assert replay(module_server, stream, pieces) == stream.expected


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_one_write(module_server: FakeServer, name: str) -> None:
    stream = STREAMS[name]
    assert replay(module_server, stream, [stream.data]) == stream.expected
