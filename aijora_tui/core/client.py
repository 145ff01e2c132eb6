"""`ChatClient`: one `httpx.AsyncClient` talking to an OpenAI-compatible server.

The pipeline for a streamed reply: POST `/chat/completions` with `stream: true`;
check the status and reduce an error body to one message *before* any SSE parsing; decode as
UTF-8 with a BOM stripped (`utf-8-sig`, whatever `charset` the server claims); let httpx-sse split
events; hand each payload to `ChunkDecoder`; stop at `[DONE]` without waiting for the socket to
close. Requests that fail before any content (connection refused, 408/409/429/5xx) are retried
a bounded number of times; a reply that already streamed is never re-sent behind the user's back.
All of that but the I/O loops is in `wire.py`, shared with `SyncChatClient` (`aijora-tui ask`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from typing import Any, Unpack

import httpx
from httpx_sse import EventSource

from aijora_tui.core import model_list, wire
from aijora_tui.core.decode import ChunkDecoder
from aijora_tui.core.defaults import DEFAULT_BASE_URL, DEFAULT_READ_TIMEOUT
from aijora_tui.core.errors import ApiError, NetworkError
from aijora_tui.core.events import ChatEvent
from aijora_tui.core.guard import Progress
from aijora_tui.core.keys import KeySource
from aijora_tui.core.models import ChatMessage, ModelInfo
from aijora_tui.core.wire import ClientBase, ClientOptions

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_READ_TIMEOUT", "ChatClient"]


class ChatClient(ClientBase):
    """Client for `POST /chat/completions` and `GET /models` on one base URL, for asyncio.

    Takes `base_url`, `api_key` and the `ClientOptions` described in `ClientBase` (which also
    lists what it raises); `transport` is an httpx transport, for tests.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | KeySource | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(base_url, api_key, **options)
        self._http = httpx.AsyncClient(
            **self._http_options, transport=transport, event_hooks={"response": [self._hook]}
        )

    async def _hook(self, response: httpx.Response) -> None:
        self._on_response(response, asynchronous=True)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _authorize(self) -> None:
        """Before a request: read or run a pending key source, off the event loop."""
        if self._key_pending is not None:
            self._http.headers.update(await asyncio.to_thread(self._authorization))

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def list_models(self, timeout: float = 10.0) -> list[ModelInfo]:
        """The server's models from `GET /models`, sorted by id (`model_list.py` reads them).

        Raises:
            ApiError: the server refused (401, 404...).
            NetworkError: it could not be reached.
            ModelListError: the answer is too large, not JSON, or not a list.
        """
        await self._authorize()
        try:
            async with self._http.stream(
                "GET", "/models", timeout=timeout, extensions=wire.BODY_LIMIT
            ) as response:
                if response.status_code >= 400:
                    raise await _read_error(response)
                raw = bytearray()
                async for piece in response.aiter_bytes():
                    raw += piece
                    if len(raw) > model_list.MAX_BODY_BYTES:
                        raise model_list.ModelListError(model_list.too_large_message())
        except httpx.HTTPError as error:
            raise wire.transport_error(error, self.base_url) from None
        return model_list.parse_model_list(bytes(raw))

    async def stream_chat(
        self, messages: Sequence[ChatMessage], model: str, **params: Any
    ) -> AsyncGenerator[ChatEvent, None]:
        """Stream a reply as typed events, ending with one `StreamCompleted`.

        To stop early, cancel the task or `aclose()` the generator (`contextlib.aclosing`):
        either closes the response at once, so the server sees the disconnect and stops.

        Args:
            messages: the conversation so far, oldest first.
            model: model id.
            **params: `temperature`, `max_tokens`, `top_p`...; None values are not sent.

        Raises:
            ApiError: the server refused the request (after the retries it allowed).
            NetworkError: no connection could be made.
            StreamError: the stream broke, failed in-band, or carried nothing.
        """
        body = self._body(messages, model, **params)
        async with aclosing(self._send(body)) as events:
            async for event in events:
                yield event

    async def _send(self, body: dict[str, Any]) -> AsyncGenerator[ChatEvent, None]:
        """POST the body, retrying failures that happen before any content arrived."""
        await self._authorize()
        attempt = 0
        while True:
            try:
                # aclosing, here and below: an early aclose() must reach the response now,
                # not whenever the inner generators get finalized.
                async with aclosing(self._attempt(body)) as events:
                    async for event in events:
                        yield event
                return
            except (ApiError, NetworkError) as error:
                retry = self._retry(error, body, attempt)
            if retry is not None:
                attempt = retry.attempt
                yield retry
                await asyncio.sleep(retry.delay)

    async def _attempt(self, body: dict[str, Any]) -> AsyncGenerator[ChatEvent, None]:
        started = False
        progress, options = self._stream_options()
        if wire.is_large(body):  # not on the event loop: see `wire.is_large`
            options["content"] = await asyncio.to_thread(wire.encoded, body)
            options["headers"] = {**options.get("headers", {}), "Content-Type": "application/json"}
        else:
            options["json"] = body
        try:
            async with self._http.stream("POST", wire.CHAT_PATH, **options) as response:
                started = True
                if response.status_code >= 400:
                    raise await _read_error(response)
                decoder = ChunkDecoder(self.max_reply_chars)
                if wire.is_event_stream(response):
                    async with aclosing(_iter_events(response, decoder, progress)) as events:
                        async for event in events:
                            yield event
                else:
                    raw = await response.aread()
                    for event in wire.whole_reply(response, raw, self.max_reply_chars):
                        yield event
        except httpx.HTTPError as error:
            raise self._failure(error, started, progress) from None


async def _iter_events(
    response: httpx.Response, decoder: ChunkDecoder, progress: Progress
) -> AsyncGenerator[ChatEvent, None]:
    """The hot loop: SSE events -> chunk JSON -> typed events; each one marks `progress`."""
    response.encoding = "utf-8-sig"  # SSE is always UTF-8; also drops a leading BOM
    feed = decoder.feed
    done = False
    async with aclosing(EventSource(response).aiter_sse()) as sse_events:
        async for sse in sse_events:
            data = sse.data
            if not data:
                continue  # `id:`-only blocks, bare `data` lines
            if data[0] == "[" and data.strip() == "[DONE]":
                done = True
                break
            events = feed(sse.event, data)
            if events:
                progress.made()
            for event in events:
                yield event
    yield decoder.finish(done)


async def _read_error(response: httpx.Response) -> ApiError:
    raw = bytearray()
    async for piece in response.aiter_bytes():
        raw += piece
        if len(raw) >= wire.ERROR_BODY_LIMIT:
            break
    return wire.error_from_body(response, bytes(raw[: wire.ERROR_BODY_LIMIT]))
