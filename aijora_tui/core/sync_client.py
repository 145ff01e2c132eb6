"""`SyncChatClient`: `ChatClient.stream_chat()` on a blocking `httpx.Client`, for `aijora-tui ask`.

A one-shot command that awaits nothing else gains nothing from asyncio, and importing asyncio and
anyio costs it a large part of its start-up. Only the I/O loops below differ from `ChatClient`;
the request, error handling, retry policy and decoding are the shared pieces of `wire.py` and
`decode.py`. A Ctrl+C arrives as `KeyboardInterrupt` inside the read and closes the response on
its way out, as does `close()` on the generator. For the same start-up reason, the CA bundle is
loaded only when an https request is made (`_TLSOnDemand`); https is verified as httpx always does.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Generator, Sequence
from typing import Any, Self, Unpack

import httpx
from httpx_sse import EventSource

from aijora_tui.core import wire
from aijora_tui.core.decode import ChunkDecoder
from aijora_tui.core.errors import ApiError, NetworkError
from aijora_tui.core.events import ChatEvent
from aijora_tui.core.guard import Progress
from aijora_tui.core.keys import KeySource
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.wire import ClientBase, ClientOptions

Events = Generator[ChatEvent, None, None]


class SyncChatClient(ClientBase):
    """A blocking client for streamed `POST /chat/completions` on one base URL.

    Takes what `ChatClient` takes but a transport (`ClientBase` describes it).
    """

    def __init__(
        self, base_url: str, api_key: str | KeySource | None, **options: Unpack[ClientOptions]
    ) -> None:
        super().__init__(base_url, api_key, **options)
        self._http = httpx.Client(
            **self._http_options,
            transport=_TLSOnDemand(),
            event_hooks={"response": [self._hook]},
        )

    def _hook(self, response: httpx.Response) -> None:
        self._on_response(response, asynchronous=False)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stream_chat(self, messages: Sequence[ChatMessage], model: str, **params: Any) -> Events:
        """Stream a reply as typed events, ending with one `StreamCompleted`.

        The same events and errors as `ChatClient.stream_chat()`. To stop early, `close()` the
        generator (`contextlib.closing`): that closes the response at once.
        """
        body = self._body(messages, model, **params)
        self._http.headers.update(self._authorization())
        attempt = 0
        while True:
            try:
                yield from self._attempt(body)  # passes close() on to the response
                return
            except (ApiError, NetworkError) as error:
                retry = self._retry(error, body, attempt)
            if retry is not None:
                attempt = retry.attempt
                yield retry
                time.sleep(retry.delay)

    def _attempt(self, body: dict[str, Any]) -> Events:
        started = False
        progress, options = self._stream_options()
        try:
            with self._http.stream("POST", wire.CHAT_PATH, json=body, **options) as response:
                started = True
                if response.status_code >= 400:
                    raise _read_error(response)
                decoder = ChunkDecoder(self.max_reply_chars)
                if wire.is_event_stream(response):
                    yield from _iter_events(response, decoder, progress)
                else:
                    yield from wire.whole_reply(response, response.read(), self.max_reply_chars)
        except httpx.HTTPError as error:
            raise self._failure(error, started, progress) from None


def _iter_events(response: httpx.Response, decoder: ChunkDecoder, progress: Progress) -> Events:
    """The hot loop: SSE events -> chunk JSON -> typed events (as `client._iter_events`)."""
    response.encoding = "utf-8-sig"  # SSE is always UTF-8; also drops a leading BOM
    feed = decoder.feed
    done = False
    for sse in EventSource(response).iter_sse():
        data = sse.data
        if not data:
            continue  # `id:`-only blocks, bare `data` lines
        if data[0] == "[" and data.strip() == "[DONE]":
            done = True
            break
        events = feed(sse.event, data)
        if events:
            progress.made()
        yield from events
    yield decoder.finish(done)


def _read_error(response: httpx.Response) -> ApiError:
    raw = bytearray()
    for piece in response.iter_bytes():
        raw += piece
        if len(raw) >= wire.ERROR_BODY_LIMIT:
            break
    return wire.error_from_body(response, bytes(raw[: wire.ERROR_BODY_LIMIT]))


class _TLSOnDemand(httpx.BaseTransport):
    """httpx's default transport, built at the first https request: its CA bundle costs ~20 ms.

    Plain-http requests (a local server) go through a transport whose TLS context trusts no CA
    at all, so it could never accept a certificate, and which is never asked for TLS anyway.
    """

    def __init__(self) -> None:
        self._plain = httpx.HTTPTransport(verify=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
        self._tls: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return self._plain.handle_request(request)
        if self._tls is None:
            self._tls = httpx.HTTPTransport()  # verify=True: certifi, or SSL_CERT_FILE/DIR
        return self._tls.handle_request(request)

    def close(self) -> None:
        self._plain.close()
        if self._tls is not None:
            self._tls.close()
