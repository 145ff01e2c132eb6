"""Messages the stream worker posts to the message log, one per stream event.

They carry the `Entry` of the reply they belong to, so a late message from a cancelled stream
can never touch another reply. Deltas are frequent and only the log handles them: no bubbling.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from aijora_tui.core.conversation import Entry, EntryState
from aijora_tui.core.events import StreamCompleted
from aijora_tui.core.models import Usage


@dataclass
class StreamDelta(Message, bubble=False):
    """More answer text."""

    entry: Entry
    text: str


@dataclass
class StreamReasoning(Message, bubble=False):
    """More reasoning text."""

    entry: Entry
    text: str


@dataclass
class StreamUsage(Message, bubble=False):
    """The server reported token usage for the reply."""

    entry: Entry
    usage: Usage


@dataclass
class StreamNotice(Message, bubble=False):
    """Something the user should know while the reply streams (a retry, a tool call)."""

    entry: Entry
    text: str


@dataclass
class StreamCompletedMessage(Message, bubble=False):
    """The reply is complete."""

    entry: Entry
    completed: StreamCompleted


@dataclass
class StreamStopped(Message, bubble=False):
    """The reply stopped early: cancelled by the user, cut, or failed with `error`."""

    entry: Entry
    state: EntryState
    error: str | None
