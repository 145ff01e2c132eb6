"""`ChatClient`: one `httpx.AsyncClient` talking to an OpenAI-compatible server.

The pipeline for a streamed reply (PROTOCOL.md §4): POST `/chat/completions` with `stream: true`;
check the status and reduce an error body to one message *before* any SSE parsing; decode as
UTF-8 with a BOM stripped (`utf-8-sig`, whatever `charset` the server claims); let httpx-sse split
events; hand each payload to `ChunkDecoder`; stop at `[DONE]` without waiting for the socket to
close. Requests that fail before any content (connection refused, 408/409/429/5xx) are retried
a bounded number of times; a reply that already streamed is never re-sent behind the user's back.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncGenerator, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import EventSource

from aijora_tui import __version__
from aijora_tui.core.decode import ChunkDecoder, decode_completion, error_message
from aijora_tui.core.errors import (
    AijoraError,
    ApiError,
    ConfigError,
    NetworkError,
    StreamFailed,
    StreamInterrupted,
    api_error_for,
    register_secret,
)
from aijora_tui.core.events import (
    ChatEvent,
    FinishReported,
    ReasoningDelta,
    RetryScheduled,
    StreamCompleted,
    TextDelta,
    UsageReported,
)
from aijora_tui.core.models import ChatMessage, ModelInfo, Usage
from aijora_tui.core.retry import backoff_delay, parse_retry_after, should_retry

DEFAULT_BASE_URL = "https://api.aijora.com/api/v1"
DEFAULT_READ_TIMEOUT = 300.0
"""Seconds of silence (no byte at all, keep-alive comments included) before a stream is cut."""
ERROR_BODY_LIMIT = 64 * 1024
_TAGS = re.compile(r"<[^>]*>")
_STREAM_HEADERS = {
    "Accept": "text/event-stream",
    "Cache-Control": "no-store",
    # Compressed SSE is buffered whole by some proxies; ask for the bytes as they are.
    "Accept-Encoding": "identity",
}


@dataclass(slots=True)
class Completion:
    """A whole reply, as returned by `ChatClient.complete()`."""

    text: str = ""
    reasoning: str = ""
    usage: Usage | None = None
    finish_reason: str | None = None
    model: str | None = None
    notices: list[str] = field(default_factory=list)


class ChatClient:
    """Client for `POST /chat/completions` and `GET /models` on one base URL.

    Args:
        base_url: API root, e.g. `https://api.aijora.com/api/v1`.
        api_key: sent as `Authorization: Bearer ...`; omitted when None (local servers).
        read_timeout: seconds without any byte from the server before a stream is cut.
        max_retries: how many times a request that failed before any content is re-sent.
        stream_usage: send `stream_options.include_usage` (dropped again if the server refuses).
        transport: an httpx transport, for tests.

    Raises:
        ConfigError: `base_url` is not an http(s) URL (checked here, so that a typo is reported
            as such rather than retried as a network failure).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        *,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        connect_timeout: float = 10.0,
        max_retries: int = 2,
        stream_usage: bool = False,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        _check_base_url(base_url)
        register_secret(api_key)
        headers = {"User-Agent": f"aijora-tui/{__version__}"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.stream_usage = stream_usage
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(connect=connect_timeout, read=read_timeout, write=30, pool=10),
            transport=transport,
            follow_redirects=True,
        )
        self._read_timeout = read_timeout

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def list_models(self, timeout: float = 10.0) -> list[ModelInfo]:
        """The server's models from `GET /models` (OpenAI shape), sorted by id."""
        try:
            response = await self._http.get("/models", timeout=timeout)
        except httpx.HTTPError as error:
            raise _transport_error(error, self.base_url) from None
        if response.status_code >= 400:
            raise _error_from_body(response, response.content)
        try:
            body = response.json()
        except ValueError:
            raise AijoraError("the server's model list is not JSON") from None
        items = body.get("data") if isinstance(body, dict) else body
        models = [
            ModelInfo(id=item["id"], owned_by=item.get("owned_by"))
            for item in items or []
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        ]
        return sorted(models, key=lambda model: model.id)

    async def complete(
        self, messages: Sequence[ChatMessage], model: str, **params: Any
    ) -> Completion:
        """Send a non-streaming request and return the whole reply."""
        body = self._body(messages, model, stream=False, **params)
        result = Completion()
        async with aclosing(self._send(body, stream=False)) as events:
            async for event in events:
                _collect(result, event)
        return result

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
        body = self._body(messages, model, stream=True, **params)
        async with aclosing(self._send(body, stream=True)) as events:
            async for event in events:
                yield event

    def _body(
        self, messages: Sequence[ChatMessage], model: str, *, stream: bool, **params: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "messages": [message.to_wire() for message in messages],
            "stream": stream,
        }
        body.update({key: value for key, value in params.items() if value is not None})
        body.pop("n", None)  # n > 1 is not allowed while streaming, and we show one choice
        if stream and self.stream_usage:
            body["stream_options"] = {"include_usage": True}
        return body

    async def _send(self, body: dict[str, Any], *, stream: bool) -> AsyncGenerator[ChatEvent, None]:
        """POST the body, retrying failures that happen before any content arrived."""
        attempt = 0
        while True:
            try:
                # aclosing, here and below: an early aclose() must reach the response now,
                # not whenever the inner generators get finalized.
                async with aclosing(self._attempt(body, stream=stream)) as events:
                    async for event in events:
                        yield event
                return
            except ApiError as error:
                if "stream_options" in body and _mentions_stream_options(error):
                    # Resend without it, and stop asking this server for it: otherwise every
                    # request would pay one more round trip for the same refusal.
                    del body["stream_options"]
                    self.stream_usage = False
                    continue
                retry_status: int | None = error.status
                retry_after = error.retry_after
                retryable = error.retryable
                failure: AijoraError = error
            except NetworkError as error:
                retry_status, retry_after, retryable, failure = None, None, True, error
            attempt += 1
            delay = backoff_delay(attempt, retry_after) if retryable else None
            if delay is None or attempt > self.max_retries:
                raise failure
            yield RetryScheduled(attempt, self.max_retries, delay, _retry_reason(retry_status))
            await asyncio.sleep(delay)

    async def _attempt(
        self, body: dict[str, Any], *, stream: bool
    ) -> AsyncGenerator[ChatEvent, None]:
        started = False
        try:
            async with self._http.stream(
                "POST", "/chat/completions", json=body, headers=_STREAM_HEADERS if stream else None
            ) as response:
                started = True
                if response.status_code >= 400:
                    raise await _read_error(response)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" in content_type:
                    async with aclosing(_iter_events(response)) as events:
                        async for event in events:
                            yield event
                else:
                    for event in await _whole_reply(response, content_type):
                        yield event
        except httpx.TimeoutException as error:
            if not started and isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
                raise _transport_error(error, self.base_url) from None
            raise StreamInterrupted(
                f"timed out waiting for the server (no data for {self._read_timeout:g} s)"
            ) from None
        except httpx.TransportError as error:
            if not started:
                raise _transport_error(error, self.base_url) from None
            raise StreamInterrupted(
                f"the connection broke in the middle of the reply ({_reason(error)})"
            ) from None
        except httpx.HTTPError as error:  # DecodingError (a corrupt gzip body), TooManyRedirects
            if not started:
                raise AijoraError(f"the request failed: {_reason(error)}") from None
            raise StreamInterrupted(f"the reply could not be read ({_reason(error)})") from None


def _check_base_url(base_url: str) -> None:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as error:
        raise ConfigError(f"invalid base URL {base_url!r}: {error}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"invalid base URL {base_url!r}: expected http(s)://host/path")


async def _iter_events(response: httpx.Response) -> AsyncGenerator[ChatEvent, None]:
    """The hot loop: SSE events -> chunk JSON -> typed events."""
    response.encoding = "utf-8-sig"  # SSE is always UTF-8; also drops a leading BOM
    decoder = ChunkDecoder()
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
            for event in feed(sse.event, data):
                yield event
    yield decoder.finish(done)


async def _whole_reply(response: httpx.Response, content_type: str) -> list[ChatEvent]:
    """Events for a server that ignored `stream: true` and sent one JSON body."""
    raw = await response.aread()
    try:
        body = json.loads(raw)
    except ValueError:
        kind = content_type.partition(";")[0] or "no content type"
        raise StreamFailed(f"the server sent an unexpected reply ({kind})") from None
    return decode_completion(body)


async def _read_error(response: httpx.Response) -> ApiError:
    raw = bytearray()
    async for piece in response.aiter_bytes():
        raw += piece
        if len(raw) >= ERROR_BODY_LIMIT:
            break
    return _error_from_body(response, bytes(raw[:ERROR_BODY_LIMIT]))


def _error_from_body(response: httpx.Response, raw: bytes) -> ApiError:
    """One `ApiError` from any error body: JSON of any known shape, HTML, text or nothing."""
    text = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    message, kind = error_message(parsed)
    if not message:
        message = " ".join(_TAGS.sub(" ", text).split())[:200] or response.reason_phrase
    retry_after = parse_retry_after(response.headers)
    return api_error_for(
        response.status_code,
        message or "no details",
        error_type=kind,
        retry_after=retry_after,
        retryable=should_retry(response.status_code, response.headers),
    )


def _mentions_stream_options(error: ApiError) -> bool:
    return error.status in (400, 422) and "stream_options" in error.server_message


def _retry_reason(status: int | None) -> str:
    if status is None:
        return "could not connect"
    if status == 429:
        return "rate limited (HTTP 429)"
    return f"HTTP {status}"


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def _transport_error(error: httpx.HTTPError, base_url: str) -> NetworkError:
    host = httpx.URL(base_url).host or base_url
    if isinstance(error, httpx.TimeoutException):
        return NetworkError(f"cannot reach {host}: timed out")
    return NetworkError(f"cannot reach {host}: {_reason(error)}")


def _collect(result: Completion, event: ChatEvent) -> None:
    if isinstance(event, TextDelta):
        result.text += event.text
    elif isinstance(event, ReasoningDelta):
        result.reasoning += event.text
    elif isinstance(event, UsageReported):
        result.usage = event.usage
    elif isinstance(event, FinishReported):
        result.finish_reason = event.reason
    elif isinstance(event, StreamCompleted):
        result.model = event.model
        if event.notice:
            result.notices.append(event.notice)
