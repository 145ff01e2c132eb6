"""Bounds on what a server can make us hold: the size of an event or a body, compression we did
not ask for, and time without progress.

Every response body passes through a `BodyGuard`, put in place by the clients' response hook
(`guard_body`), so that the stream, an error body, a whole reply and `/models` are all covered,
whatever reads them and whichever transport (a proxy too) brought them:

- Content encoding: httpx decodes gzip even when we asked for `identity`, and decodes a whole
  network read at once, so 300 KB of gzip became a gigabyte in one call. Here gzip and deflate are
  decoded at most `PIECE` bytes at a time, and any other encoding is refused.
- Size: an event stream may go on for ever, but no single event (bytes between blank lines, so a
  line too) may exceed `MAX_EVENT_BYTES`; any other body may not exceed the limit its request
  carries in its extensions (`BODY_LIMIT_EXTENSION`: `MAX_BODY_BYTES` for a chat reply or the
  model list); requests that read with their own cap (images) set none.
- Progress: a streamed request carries a `Progress` (in the request's extensions); the stream's
  reader marks it whenever an event decodes to something, and each arriving read checks it, so
  keep-alive comments or a byte dripped every few seconds cannot hold a request open for ever.
  Total silence is cut by the read timeout, which the client sets no longer than the deadline.

How much text a reply may carry is the decoder's bound (`decode.ChunkDecoder`).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import AsyncIterator, Iterable, Iterator

import httpx

from aijora_tui.core.errors import StreamFailed, StreamStalled

MAX_EVENT_BYTES = 16 * 1024 * 1024
MAX_BODY_BYTES = 16 * 1024 * 1024
PIECE = 64 * 1024
"""Most bytes a compressed read is inflated into at one time."""
PROGRESS_EXTENSION = "aijora_progress"
"""The request extension that carries a streamed request's `Progress`."""
BODY_LIMIT_EXTENSION = "aijora_body_limit"
"""The request extension that carries the most bytes a body other than an event stream may have."""
_DECODED = frozenset({"gzip", "x-gzip", "deflate"})
_SPLIT_ENDINGS = frozenset({b"\n\n", b"\r\r", b"\n\r"})
"""An event's end split between two reads: the last byte of one and the first of the next."""


class Progress:
    """The no-progress deadline of one streamed request: `stall_timeout` seconds of no content."""

    __slots__ = ("last", "stall_timeout")

    def __init__(self, stall_timeout: float) -> None:
        self.stall_timeout = stall_timeout
        self.last = time.monotonic()

    def made(self) -> None:
        """Content arrived."""
        self.last = time.monotonic()

    def expired(self) -> bool:
        return time.monotonic() - self.last >= self.stall_timeout

    def check(self) -> None:
        """Raise `StreamStalled` once the deadline has passed."""
        if self.expired():
            raise StreamStalled(self.stall_timeout)


class BodyGuard:
    """Decodes and bounds one response body, read by read (see the module's docstring)."""

    def __init__(
        self, headers: httpx.Headers, progress: Progress | None, body_limit: int | None
    ) -> None:
        encoding = headers.get("content-encoding", "").strip().lower()
        self._refused = encoding not in _DECODED and encoding not in ("", "identity")
        self._encoding = encoding
        # MAX_WBITS | 32: a gzip or a zlib header, whichever is there (servers mix up "deflate").
        self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in _DECODED else None
        self._events = "text/event-stream" in headers.get("content-type", "")
        self._limit = MAX_EVENT_BYTES if self._events else body_limit
        self._progress = progress
        self._size = 0
        """Bytes of the current event (event streams) or of the whole body."""
        self._last = b""

    def feed(self, raw: bytes) -> Iterable[bytes]:
        """The decoded bytes of one network read, in bounded pieces.

        A body that is not compressed is the read itself (a tuple: no generator for each of the
        thousands of reads of a stream); a compressed one is inflated piece by piece as the
        caller iterates.

        Raises:
            StreamStalled: the request's no-progress deadline has passed.
            StreamFailed: an encoding we do not read, or an event or body over its bound.
            httpx.DecodingError: the compressed data is corrupt.
        """
        if self._progress is not None:
            self._progress.check()
        if self._refused:
            raise StreamFailed(
                f"the server encoded its reply as {self._encoding!r}, which aijora-tui does not "
                "read (it asks for no encoding)"
            )
        if self._inflater is None:
            return (self._count(raw),)
        return self._inflate(raw)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        inflater = self._inflater
        assert inflater is not None
        while data:
            try:
                piece = inflater.decompress(data, PIECE)
            except zlib.error as error:
                raise httpx.DecodingError(f"corrupt {self._encoding} data: {error}") from None
            data = inflater.unconsumed_tail
            if piece:
                yield self._count(piece)

    def _count(self, piece: bytes) -> bytes:
        if self._events:
            # Where an SSE event ends: a line ending right after another (CRLF pairs contain no
            # other). This runs for every read: three calls, not a generator over the endings,
            # and no bytes copied (an ending split between two reads is checked on its own).
            end = max(piece.rfind(b"\n\n"), piece.rfind(b"\r\r"), piece.rfind(b"\n\r"))
            if end >= 0:
                self._size = len(piece) - end - 2
            elif self._last + piece[:1] in _SPLIT_ENDINGS:
                self._size = len(piece) - 1
            else:
                self._size += len(piece)
            self._last = piece[-1:]
        else:
            self._size += len(piece)
        if self._limit is not None and self._size > self._limit:
            what = "an event" if self._events else "a reply"
            raise StreamFailed(
                f"the server sent {what} larger than {self._limit // (1024 * 1024)} MB; "
                "stopped reading"
            )
        return piece


class _GuardedStream(httpx.SyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream, guard: BodyGuard) -> None:
        self._stream = stream
        self._guard = guard

    def __iter__(self) -> Iterator[bytes]:
        for raw in self._stream:
            yield from self._guard.feed(raw)

    def close(self) -> None:
        self._stream.close()


class _AsyncGuardedStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream, guard: BodyGuard) -> None:
        self._stream = stream
        self._guard = guard

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for raw in self._stream:
            for piece in self._guard.feed(raw):
                yield piece

    async def aclose(self) -> None:
        await self._stream.aclose()


def guard_body(response: httpx.Response, *, asynchronous: bool) -> None:
    """Route the body of `response` (not read yet) through a `BodyGuard`.

    Called from the clients' response hook, which sees every response (through a proxy too)
    before anything reads it. The guard decodes the content itself, so the encoding header goes.
    """
    extensions = response.request.extensions
    progress = extensions.get(PROGRESS_EXTENSION)
    limit = extensions.get(BODY_LIMIT_EXTENSION)
    guard = BodyGuard(
        response.headers,
        progress if isinstance(progress, Progress) else None,
        limit if isinstance(limit, int) else None,
    )
    stream = response.stream
    if asynchronous:
        assert isinstance(stream, httpx.AsyncByteStream)
        response.stream = _AsyncGuardedStream(stream, guard)
    else:
        assert isinstance(stream, httpx.SyncByteStream)
        response.stream = _GuardedStream(stream, guard)
    response.headers.pop("content-encoding", None)
