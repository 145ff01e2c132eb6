"""`EventQueue`: the stream worker tells the log once per batch of events, never loses one."""

from __future__ import annotations

from aijora_tui.core.events import TextDelta
from aijora_tui.tui.messages import EventQueue


def test_an_event_queue_tells_once_until_it_is_emptied() -> None:
    queue = EventQueue()
    assert queue.put(TextDelta("a")) and not queue.put(TextDelta("b"))
    assert queue.take() == [TextDelta("a"), TextDelta("b")]
    assert queue.take() == [] and queue.put(TextDelta("c"))
