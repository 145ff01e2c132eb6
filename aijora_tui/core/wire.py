"""What the two chat clients share: everything about a request except its I/O loop.

`ChatClient` (asyncio, for the app) and `SyncChatClient` (for `aijora-tui ask`, which starts
faster without asyncio and anyio) each keep only their loop over the response. The request body,
the status and error-body check, a reply that is not SSE, the retry policy and the mapping of
httpx failures to `AijoraError`s live here once, so the two cannot drift apart. No asyncio here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import httpx

from aijora_tui import __version__
from aijora_tui.core.decode import decode_completion, error_message, parse_json
from aijora_tui.core.defaults import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_REPLY_CHARS,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_STALL_TIMEOUT,
)
from aijora_tui.core.errors import (
    AijoraError,
    ApiError,
    BadApiKey,
    ConfigError,
    NetworkError,
    RedirectRefused,
    StreamFailed,
    StreamInterrupted,
    StreamStalled,
    api_error_for,
    api_key_problem,
    redact_url,
    register_secret,
)
from aijora_tui.core.events import ChatEvent, RetryScheduled
from aijora_tui.core.guard import (
    BODY_LIMIT_EXTENSION,
    MAX_BODY_BYTES,
    PROGRESS_EXTENSION,
    Progress,
    guard_body,
)
from aijora_tui.core.keys import KeySource
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.retry import backoff_delay, parse_retry_after, should_retry

ERROR_BODY_LIMIT = 64 * 1024
BODY_LIMIT = {BODY_LIMIT_EXTENSION: MAX_BODY_BYTES}
"""Request extensions that bound a body other than an event stream (a whole reply, /models)."""
CHAT_PATH = "/chat/completions"
_TAGS = re.compile(r"<[^>]*>")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_STREAM_HEADERS = {
    "Accept": "text/event-stream",
    "Cache-Control": "no-store",
    # Compressed SSE is buffered whole by some proxies; ask for the bytes as they are.
    "Accept-Encoding": "identity",
}


class ClientOptions(TypedDict, total=False):
    """The keyword settings both clients take (see `ClientBase`)."""

    read_timeout: float
    connect_timeout: float
    max_retries: int
    stream_usage: bool
    stall_timeout: float
    max_reply_chars: int
    headers: Mapping[str, str]
    provider: str


class ClientBase:
    """The settings and the policy of a chat client; subclasses add the httpx client and I/O.

    Args:
        base_url: API root, e.g. `https://api.aijora.com/api/v1`.
        api_key: sent as `Authorization: Bearer ...`; omitted when None (local servers). A
            `KeySource` that must be read or run is resolved at the first request
            (`_key_pending`), so a key command runs only when the provider is used.
        read_timeout: seconds without any byte from the server before a stream is cut.
        max_retries: how many times a request that failed before any content is re-sent.
        stream_usage: send `stream_options.include_usage` (dropped again if the server refuses).
        stall_timeout: seconds without content (keep-alive comments and dripped bytes do not
            count) before a stream is given up (`guard.py`).
        max_reply_chars: most characters of text a reply may carry (`ReplyTooLong` past it).
        headers: extra headers for every request (a provider's `headers`).
        provider: the name of the provider this client talks to (shown, and remembered with a
            conversation); the key and headers are only ever sent to `base_url`'s origin.

    Raises:
        BadApiKey: the key cannot be sent in a header (a line break, a non-ASCII character).
        ConfigError: `base_url` is not an http(s) URL (checked here, so that a typo is reported
            as such rather than retried as a network failure).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | KeySource | None = None,
        *,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        connect_timeout: float = 10.0,
        max_retries: int = 2,
        stream_usage: bool = False,
        stall_timeout: float = DEFAULT_STALL_TIMEOUT,
        max_reply_chars: int = DEFAULT_MAX_REPLY_CHARS,
        headers: Mapping[str, str] | None = None,
        provider: str = "aijora",
    ) -> None:
        if isinstance(api_key, KeySource):
            self._key_pending = None if api_key.ready else api_key
            api_key = api_key.value if api_key.ready else None
        else:
            self._key_pending = None
        register_secret(api_key)
        if problem := api_key_problem(api_key):
            raise BadApiKey(problem)
        _check_base_url(base_url)
        register_secret(httpx.URL(base_url).password)
        sent = {"User-Agent": f"aijora-tui/{__version__}", **(headers or {})}
        if api_key:
            sent["Authorization"] = f"Bearer {api_key}"
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.stream_usage = stream_usage
        self.stall_timeout = stall_timeout
        self.max_reply_chars = max_reply_chars
        self._read_timeout = read_timeout
        self._http_options: dict[str, Any] = {
            "base_url": self.base_url,
            "headers": sent,
            "timeout": httpx.Timeout(connect=connect_timeout, read=read_timeout, write=30, pool=10),
            "follow_redirects": True,  # within the origin only: see `_on_response`
        }
        """Keyword arguments for the subclass's `httpx.Client` / `httpx.AsyncClient`."""
        self._stream_timeout = httpx.Timeout(
            connect=connect_timeout, read=min(read_timeout, stall_timeout), write=30, pool=10
        )
        """A stream's reads wait no longer than its no-progress deadline."""

    def _stream_options(self) -> tuple[Progress, dict[str, Any]]:
        """A chat request's `Progress`, and the keyword arguments that carry it and the body's
        bounds to httpx (`guard.py`)."""
        progress = Progress(self.stall_timeout)
        options = {
            "headers": _STREAM_HEADERS,
            "timeout": self._stream_timeout,
            "extensions": {**BODY_LIMIT, PROGRESS_EXTENSION: progress},
        }
        return progress, options

    def _on_response(self, response: httpx.Response, *, asynchronous: bool) -> None:
        """Every response, before its body is read: refuse a redirect to another origin, and
        bound the body (`guard.guard_body`)."""
        if response.has_redirect_location:
            source = response.request.url
            try:
                target = source.join(response.headers["location"])
            except httpx.InvalidURL:
                target = None
            if target is None or _origin(target) != _origin(source):
                raise RedirectRefused(redact_url(str(target or response.headers["location"])))
        guard_body(response, asynchronous=asynchronous)

    def _authorization(self) -> dict[str, str]:
        """Resolve a pending key source now (blocking): the header to add, if any.

        Raises:
            KeyUnavailable: the key could not be had (the source keeps failing the same way).
        """
        source = self._key_pending
        if source is None:
            return {}
        key = source.resolve()
        self._key_pending = None
        return {"Authorization": f"Bearer {key}"} if key else {}

    def _body(self, messages: Sequence[ChatMessage], model: str, **params: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": model,
            "messages": [message.to_wire() for message in messages],
            "stream": True,
        }
        body.update({key: value for key, value in params.items() if value is not None})
        body.pop("n", None)  # n > 1 is not allowed while streaming, and we show one choice
        if self.stream_usage:
            body["stream_options"] = {"include_usage": True}
        return body

    def _retry(
        self, error: ApiError | NetworkError, body: dict[str, Any], attempt: int
    ) -> RetryScheduled | None:
        """After failed attempt number `attempt` (0-based) of `body`: what to do next.

        Returns None to resend at once (the server refused `stream_options`, now dropped from
        `body`), or the `RetryScheduled` to announce and wait for. Raises `error` when final.
        """
        if isinstance(error, ApiError):
            if "stream_options" in body and _mentions_stream_options(error):
                # Stop asking this server for it: otherwise every request would pay one more
                # round trip for the same refusal.
                del body["stream_options"]
                self.stream_usage = False
                return None
            status, retry_after, retryable = error.status, error.retry_after, error.retryable
        else:
            status, retry_after, retryable = None, None, True
        attempt += 1
        delay = backoff_delay(attempt, retry_after) if retryable else None
        if delay is None or attempt > self.max_retries:
            raise error
        return RetryScheduled(attempt, self.max_retries, delay, _retry_reason(status))

    def _failure(
        self, error: httpx.HTTPError, started: bool, progress: Progress | None = None
    ) -> AijoraError:
        """The `AijoraError` for an httpx failure; `started`: the response headers had arrived;
        `progress`: the no-progress deadline of a streamed request.

        Only failures before any response (`NetworkError`) are retried; a broken stream is not.
        """
        if isinstance(error, httpx.TimeoutException):
            if not started and isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
                return transport_error(error, self.base_url)
            if progress is not None and progress.expired():
                return StreamStalled(self.stall_timeout)
            return StreamInterrupted(
                f"timed out waiting for the server (no data for {self._read_timeout:g} s)"
            )
        if isinstance(error, httpx.TransportError):
            if not started:
                return transport_error(error, self.base_url)
            return StreamInterrupted(
                f"the connection broke in the middle of the reply ({_reason(error)})"
            )
        # DecodingError (a corrupt gzip body), TooManyRedirects
        if not started:
            return AijoraError(f"the request failed: {_reason(error)}")
        return StreamInterrupted(f"the reply could not be read ({_reason(error)})")


def is_event_stream(response: httpx.Response) -> bool:
    """Whether the reply is SSE; if not, the server ignored `stream: true` (see `whole_reply`)."""
    return "text/event-stream" in response.headers.get("content-type", "")


def whole_reply(response: httpx.Response, raw: bytes, max_chars: int) -> list[ChatEvent]:
    """Events for a server that ignored `stream: true` and sent one JSON body `raw`."""
    try:
        body = parse_json(raw.decode("utf-8", "replace"))
    except ValueError:
        kind = response.headers.get("content-type", "").partition(";")[0] or "no content type"
        raise StreamFailed(f"the server sent an unexpected reply ({kind})") from None
    return decode_completion(body, max_chars)


def error_from_body(response: httpx.Response, raw: bytes) -> ApiError:
    """One `ApiError` from any error body: JSON of any known shape, HTML, text or nothing."""
    text = raw.decode("utf-8", "replace")
    try:
        parsed = parse_json(text)
    except ValueError:  # not JSON, or nested too deeply to read: shown as text
        parsed = None
    message, kind = error_message(parsed)
    if not message:
        message = " ".join(_TAGS.sub(" ", text).split())[:200] or response.reason_phrase
    return api_error_for(
        response.status_code,
        message or "no details",
        error_type=kind,
        retry_after=parse_retry_after(response.headers),
        retryable=should_retry(response.status_code, response.headers),
    )


def transport_error(error: httpx.HTTPError, base_url: str) -> NetworkError:
    """No connection could be made: name the host, not the whole URL."""
    host = httpx.URL(base_url).host or base_url
    if isinstance(error, httpx.TimeoutException):
        return NetworkError(f"cannot reach {host}: timed out")
    return NetworkError(f"cannot reach {host}: {_reason(error)}")


def _check_base_url(base_url: str) -> None:
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as error:
        raise ConfigError(f"invalid base URL {redact_url(base_url)!r}: {error}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(
            f"invalid base URL {redact_url(base_url)!r}: expected http(s)://host/path"
        )


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


def _mentions_stream_options(error: ApiError) -> bool:
    return error.status in (400, 422) and "stream_options" in error.server_message


def _retry_reason(status: int | None) -> str:
    if status is None:
        return "could not connect"
    if status == 429:
        return "rate limited (HTTP 429)"
    return f"HTTP {status}"


_PLAIN_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.RemoteProtocolError, "the server closed the connection"),
    (httpx.ReadError, "the connection was reset"),
    (httpx.WriteError, "the request could not be sent"),
    (httpx.ConnectError, "connection refused or host unknown"),
)
"""What to say when httpx gives an error without a message (it often does)."""


def _reason(error: Exception) -> str:
    if str(error):
        return str(error)
    return next((text for kind, text in _PLAIN_REASONS if isinstance(error, kind)), "network error")


LARGE_BODY = 256 * 1024
"""Characters of attachment data from which a request body is encoded off the event loop."""


def is_large(body: dict[str, Any]) -> bool:
    """Whether the body carries enough attachment data (base64 in data URLs, attached text)
    that encoding it would hold an event loop: 15 MB takes a fifth of a second."""
    size = 0
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, list):
            for part in content:
                image, file = part.get("image_url") or {}, part.get("file") or {}
                data = image.get("url") or file.get("file_data") or part.get("text") or ""
                size += len(data) if isinstance(data, str) else 0
    return size >= LARGE_BODY


def encoded(body: dict[str, Any]) -> bytes:
    """The body as JSON bytes, as httpx would send it."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
