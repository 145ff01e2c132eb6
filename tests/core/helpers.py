"""Shared helpers for the core tests: wire-format builders, a stream collector, a recording
transport. Byte builders: `C(x)` a content chunk, `F(r)` the finish chunk, `D` `[DONE]`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from aijora_tui.core.client import ChatClient
from aijora_tui.core.errors import AijoraError
from aijora_tui.core.events import (
    ChatEvent,
    FinishReported,
    ReasoningDelta,
    RetryScheduled,
    StreamCompleted,
    TextDelta,
    ToolCallDelta,
    UsageReported,
)
from aijora_tui.core.models import ChatMessage, Usage
from tests.fake_server import Step

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "tests" / "fixtures" / "seed.sse").read_bytes()
SEED_TEXT = "Привет! Как дела?"
API_KEY = "sk-test-Zq8vR2mK5pL0"
"""A fake key; tests assert it never shows up in messages."""
USER = (ChatMessage("user", "hi"),)
D = b"data: [DONE]\n\n"


def payload(obj: Any) -> bytes:
    """Compact JSON, UTF-8, the way most servers write it."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def C(text: str) -> bytes:
    """`C(x)`: one content chunk."""
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": None}
    return b"data: " + payload({"id": "c", "choices": [choice]}) + b"\n\n"


def F(reason: str) -> bytes:
    """`F(r)`: the finish chunk."""
    choice = {"index": 0, "delta": {}, "finish_reason": reason}
    return b"data: " + payload({"id": "c", "choices": [choice]}) + b"\n\n"


def event(obj: Any) -> bytes:
    """`data: <json>\\n\\n` for any object."""
    return b"data: " + payload(obj) + b"\n\n"


def seed_events() -> list[Step]:
    """The seed stream, one SSE event per element (each still ends with its blank line)."""
    return [part + b"\n\n" for part in SEED.split(b"\n\n") if part]


SEED_USAGE = Usage(10, 5, 15)
SEED_EXPECTED: list[ChatEvent] = [
    TextDelta("При"),
    TextDelta("вет"),
    TextDelta("! Как"),
    TextDelta(" дела"),
    TextDelta("?"),
    FinishReported("stop"),
    UsageReported(SEED_USAGE),
    StreamCompleted("stop", SEED_USAGE),
]


@dataclass
class Outcome:
    """Everything one `stream_chat()` call produced: its events and the error that ended it."""

    events: list[ChatEvent] = field(default_factory=list)
    error: AijoraError | None = None

    @property
    def text(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, TextDelta))

    @property
    def reasoning(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, ReasoningDelta))

    @property
    def completed(self) -> StreamCompleted | None:
        last = self.events[-1] if self.events else None
        return last if isinstance(last, StreamCompleted) else None

    @property
    def retries(self) -> list[RetryScheduled]:
        return [e for e in self.events if isinstance(e, RetryScheduled)]

    def of(self, kind: type[Any]) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    def tool_arguments(self) -> dict[int, str]:
        calls: dict[int, str] = {}
        for e in self.of(ToolCallDelta):
            calls[e.index] = calls.get(e.index, "") + e.arguments
        return calls


async def collect(
    client: ChatClient,
    messages: Sequence[ChatMessage] = USER,
    *,
    model: str = "test-model",
    timeout: float = 15.0,
    **params: Any,
) -> Outcome:
    """Run one streamed request to its end; an `AijoraError` is captured, anything else raises.

    `timeout` only guards against a hang (the test then fails with TimeoutError).
    """
    outcome = Outcome()
    try:
        async with asyncio.timeout(timeout):
            async with aclosing(client.stream_chat(messages, model, **params)) as events:
                async for item in events:
                    outcome.events.append(item)
    except AijoraError as error:
        outcome.error = error
    return outcome


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll `predicate` every 10 ms until it holds or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


class RecordedStream(httpx.AsyncByteStream):
    """A response body that remembers whether (and when) it was closed."""

    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner
        self.closed_at: float | None = None

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._inner.__aiter__()

    async def aclose(self) -> None:
        if self.closed_at is None:
            self.closed_at = time.monotonic()
        await self._inner.aclose()


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real httpx transport, plus a record of every response body and when it closed."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.streams: list[RecordedStream] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        stream = RecordedStream(response.stream)
        self.streams.append(stream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=stream,
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
