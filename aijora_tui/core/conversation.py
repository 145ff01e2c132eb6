"""`Entry`: one message of the open conversation as the session holds it, parts and state.

Mutable on purpose: a reply grows while it streams (`reply.ReplyBuilder` applies the events).
Its text and reasoning are read from its parts; `request.request_messages()` turns entries into
the history sent to the server.
"""

from __future__ import annotations

from collections.abc import Sequence

from aijora_tui.core.models import Role, Usage
from aijora_tui.core.parts import (
    FilePart,
    ImagePart,
    Part,
    ToolCallPart,
    plain_parts,
    reasoning_of,
    text_of,
)
from aijora_tui.core.records import MessageState, StoredMessage

EntryState = MessageState
"""How a message stands: `streaming` while it arrives, else how it ended (the store's states)."""
UNFINISHED_STATES: frozenset[str] = frozenset({"cancelled", "interrupted", "failed"})
CLOSED_EARLY = "the app closed before the reply was complete"


class Entry:
    """One message of the open conversation."""

    __slots__ = (
        "error",
        "finish_reason",
        "model",
        "notice",
        "parts",
        "role",
        "sibling_count",
        "sibling_index",
        "state",
        "store_id",
        "usage",
    )

    def __init__(
        self,
        role: Role,
        content: str = "",
        *,
        parts: Sequence[Part] | None = None,
        reasoning: str = "",
        model: str | None = None,
        usage: Usage | None = None,
        state: EntryState = "completed",
        finish_reason: str | None = None,
        error: str | None = None,
        store_id: int | None = None,
    ) -> None:
        self.role = role
        self.parts: list[Part] = (
            list(parts) if parts is not None else plain_parts(content, reasoning)
        )
        self.model = model
        self.usage = usage
        self.state: EntryState = state
        self.finish_reason = finish_reason
        self.error = error
        """One-line reason for a failed/interrupted reply."""
        self.notice: str | None = None
        """One-line remark on a reply (truncated, malformed chunks skipped, a retry...)."""
        self.store_id = store_id
        """Row id in the conversation store, once saved."""
        self.sibling_index = 0
        self.sibling_count = 1

    def __repr__(self) -> str:
        return f"Entry({self.role!r}, {self.content[:30]!r}, state={self.state!r})"

    @property
    def content(self) -> str:
        """The message text (its text parts)."""
        return text_of(self.parts)

    @property
    def reasoning(self) -> str:
        return reasoning_of(self.parts)

    @property
    def attachments(self) -> list[FilePart | ImagePart]:
        return [part for part in self.parts if isinstance(part, FilePart | ImagePart)]

    @property
    def tool_calls(self) -> list[ToolCallPart]:
        return [part for part in self.parts if isinstance(part, ToolCallPart)]

    @property
    def is_unfinished(self) -> bool:
        """A reply that stopped early (cancelled, cut, failed) and can be retried or continued."""
        return self.role == "assistant" and self.state in UNFINISHED_STATES


def entry_from_record(record: StoredMessage) -> Entry:
    """An entry for a saved message; a reply saved mid-stream (the app died) shows as cut."""
    state: EntryState = "interrupted" if record.state == "streaming" else record.state
    error = record.error
    if record.state == "streaming" and not error:
        error = CLOSED_EARLY
    return Entry(
        role=record.role,
        parts=record.parts,
        model=record.model,
        usage=record.usage,
        state=state,
        finish_reason=record.finish_reason,
        error=error,
        store_id=record.id,
    )
