"""Messages the stream worker posts to the message log: each event, and how the stream ended.

They carry the `Entry` of the reply they belong to, so a late message from a cancelled stream
can never touch another reply. Events are frequent and only the log handles them: no bubbling.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from aijora_tui.core.conversation import Entry, EntryState
from aijora_tui.core.events import ChatEvent


@dataclass
class StreamEvent(Message, bubble=False):
    """One event of the reply's stream, for the session to apply."""

    entry: Entry
    event: ChatEvent


@dataclass
class StreamStopped(Message, bubble=False):
    """The stream ended without completing: cancelled by the user, cut, or failed."""

    entry: Entry
    state: EntryState
    error: str | None
