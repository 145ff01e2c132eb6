"""The conversation as the app holds it: entries with their streaming state.

`Entry` is mutable on purpose: an assistant entry grows while its reply streams. The request
history sent to the server is derived from the entries by `request_messages()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aijora_tui.core.models import ChatMessage, Role, Usage
from aijora_tui.core.records import MessageState, StoredMessage

EntryState = MessageState
"""How a message stands: `streaming` while it arrives, else how it ended (the store's states)."""
UNFINISHED_STATES: frozenset[str] = frozenset({"cancelled", "interrupted", "failed"})


@dataclass(eq=False)
class Entry:
    """One message of the open conversation."""

    role: Role
    content: str
    model: str | None = None
    reasoning: str = ""
    usage: Usage | None = None
    state: EntryState = "completed"
    finish_reason: str | None = None
    error: str | None = None
    """One-line reason for a failed/interrupted reply."""
    notice: str | None = None
    """One-line remark on a completed reply (truncated, malformed chunks skipped...)."""
    store_id: int | None = None
    """Row id in the conversation store, once saved."""
    sibling_index: int = 0
    sibling_count: int = 1

    @property
    def is_unfinished(self) -> bool:
        """A reply that stopped early (cancelled, cut, failed) and can be retried or continued."""
        return self.role == "assistant" and self.state in UNFINISHED_STATES


def request_messages(entries: Sequence[Entry], system_prompt: str | None) -> list[ChatMessage]:
    """The history to send: system prompt, then every entry with text; reasoning never included.

    Partial replies (cancelled, cut) are sent as they are, since the user saw them; replies that
    failed without any text are left out. Neighbours with the same role (a question whose reply
    failed, then the next one; a reply and its continuation) are joined into one message, since
    strict servers reject two turns of one role in a row.
    """
    messages = [ChatMessage("system", system_prompt)] if system_prompt else []
    for entry in entries:
        if entry.role == "system" or (entry.role == "assistant" and not entry.content):
            continue
        previous = messages[-1].content if messages else None
        if messages and messages[-1].role == entry.role and isinstance(previous, str):
            joiner = "" if entry.role == "assistant" else "\n\n"
            merged = previous + joiner + entry.content
            messages[-1] = ChatMessage(entry.role, merged)
        else:
            messages.append(ChatMessage(entry.role, entry.content))
    return messages


def entry_from_record(record: StoredMessage) -> Entry:
    """An entry for a saved message; a reply saved mid-stream (the app died) shows as cut."""
    state: EntryState = "interrupted" if record.state == "streaming" else record.state
    error = record.error
    if record.state == "streaming" and not error:
        error = "the app closed before the reply was complete"
    return Entry(
        role=record.role,
        content=record.content,
        model=record.model,
        reasoning=record.reasoning,
        usage=record.usage,
        state=state,
        finish_reason=record.finish_reason,
        error=error,
        store_id=record.id,
    )
