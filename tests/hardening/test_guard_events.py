"""`BodyGuard` bounds an SSE event whatever way its bytes are cut into reads: an event's end
split between two reads still ends it, and a CRLF split between two reads does not."""

from __future__ import annotations

import itertools

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aijora_tui.core import guard
from aijora_tui.core.errors import StreamFailed

EVENT = httpx.Headers({"content-type": "text/event-stream"})


def feed_all(pieces: list[bytes]) -> guard.BodyGuard:
    body = guard.BodyGuard(EVENT, None, None)
    for piece in pieces:
        list(body.feed(piece))
    return body


def cut(data: bytes, points: list[int]) -> list[bytes]:
    edges = [0, *sorted(set(points)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


@given(st.lists(st.integers(min_value=1, max_value=59), max_size=8))
def test_the_size_counts_from_the_last_event_end_however_the_reads_fall(points: list[int]) -> None:
    stream = b"data: first\n\ndata: second\r\n\r\ndata: third\r\rdata: open"
    assert feed_all(cut(stream, points))._size == len(b"data: open")


def test_an_event_longer_than_the_bound_stops_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "MAX_EVENT_BYTES", 12)
    with pytest.raises(StreamFailed):
        feed_all([b"data: 1234", b"\r", b"\n56789", b"\r", b"\nmore"])  # CRLFs are not ends
    feed_all([b"data: 1234\n", b"\ndata: 12\r", b"\rdata: 1"])  # ends split between reads
