"""Messages the stream worker posts to the message log: the events, and how the stream ended.

They carry the `Entry` of the reply they belong to, so a late message from a cancelled stream
can never touch another reply. Events wait in an `EventQueue`: the worker posts a message only
when the queue was empty, and the log takes everything queued by then, so a burst of thousands
of deltas costs a few messages, not thousands, and nothing waits longer than the log is busy.
Only the log handles them: no bubbling.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from aijora_tui.core.conversation import Entry, EntryState
from aijora_tui.core.events import ChatEvent


class EventQueue:
    """Events of one stream waiting for the log, in order."""

    def __init__(self) -> None:
        self._events: list[ChatEvent] = []

    def put(self, event: ChatEvent) -> bool:
        """Queue `event`; True when the queue was empty (then the log must be told)."""
        self._events.append(event)
        return len(self._events) == 1

    def take(self) -> list[ChatEvent]:
        """Everything queued, in order; the queue is empty after."""
        events, self._events = self._events, []
        return events


@dataclass
class StreamEvents(Message, bubble=False):
    """Events of the reply's stream wait in `queue`, for the session to apply."""

    entry: Entry
    queue: EventQueue


@dataclass
class StreamStopped(Message, bubble=False):
    """The stream ended without completing: cancelled by the user, cut, or failed."""

    entry: Entry
    state: EntryState
    error: str | None
