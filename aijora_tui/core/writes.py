"""What the session asks the store to do, and the one function that does it.

The session (`session.py`) never waits for the store: each step of a turn appends a `Write` to
its outbox. A face hands them to a recorder: `Recorder` for `ask` (calls the store directly),
`tui.recorder.AsyncRecorder` for the app (runs `perform` on the store's thread). Both run the
same `perform` in order and keep a failed write, and every write after it, to try again on the
next flush: the text stays in memory and nothing is saved out of order.

A write refers to entries, not row ids: the id of a message saved by an earlier write is
filled in when that write is done, before the next one runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aijora_tui.core.conversation import Entry, EntryState
from aijora_tui.core.errors import one_line
from aijora_tui.core.models import Usage
from aijora_tui.core.parts import Part

if TYPE_CHECKING:  # `ask --no-save` never loads the store (SQLite) at all
    from aijora_tui.core.store import Store, StoreError


@dataclass
class ConversationRef:
    """The conversation a session writes to; its id is known once its first message is saved."""

    id: int | None = None
    system_prompt: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Insert:
    """Save a new message under `parent` (the first message also creates the conversation)."""

    conversation: ConversationRef
    entry: Entry
    parent: Entry | None
    parts: tuple[Part, ...]
    state: EntryState


@dataclass(frozen=True)
class Progress:
    """Append text that arrived for a streaming reply."""

    entry: Entry
    text: str
    reasoning: str


@dataclass(frozen=True)
class Final:
    """Save how a reply ended: its parts, state, usage, finish reason, error."""

    entry: Entry
    parts: tuple[Part, ...]
    state: EntryState
    usage: Usage | None
    finish_reason: str | None
    error: str | None


@dataclass(frozen=True)
class Draft:
    """Remember the unsent prompt (the app's one draft)."""

    text: str


@dataclass(frozen=True)
class Settings:
    """Save the conversation's system prompt and per-conversation settings."""

    conversation: ConversationRef


Write = Insert | Progress | Final | Draft | Settings


@dataclass(frozen=True)
class Inserted:
    conversation_id: int
    message_id: int
    sibling_index: int
    sibling_count: int


def perform(store: Store, write: Write) -> Inserted | None:
    """Do one write on the store's own thread; the result is applied by `finish()`.

    Raises:
        StoreError: the write failed (a message deleted meanwhile is not a failure).
    """
    from aijora_tui.core.store import NotFound  # loaded already: there is a store

    try:
        if isinstance(write, Insert):
            return _insert(store, write)
        if isinstance(write, Draft):
            store.save_draft(None, write.text)
        elif isinstance(write, Settings):
            ref = write.conversation
            if ref.id is not None:
                store.update_conversation(
                    ref.id, system_prompt=ref.system_prompt or "", settings=ref.settings
                )
        elif write.entry.store_id is None:
            pass  # its message was never saved (history off when it began)
        elif isinstance(write, Progress):
            store.append_progress(write.entry.store_id, write.text, write.reasoning)
        else:
            store.update_message(
                write.entry.store_id,
                parts=write.parts,
                state=write.state,
                usage=write.usage,
                finish_reason=write.finish_reason,
                error=write.error,
            )
    except NotFound:
        pass  # the conversation was deleted while its reply streamed
    return None


def _insert(store: Store, write: Insert) -> Inserted:
    ref, entry = write.conversation, write.entry
    conversation_id = ref.id
    if conversation_id is None:
        conversation_id = store.create_conversation(
            model=entry.model, system_prompt=ref.system_prompt, settings=ref.settings
        )
    parent = write.parent.store_id if write.parent is not None else None
    record = store.add_message(
        conversation_id,
        parent,
        entry.role,
        "",
        model=entry.model,
        state=write.state,
        parts=write.parts,
    )
    siblings = store.siblings(record.id)
    return Inserted(conversation_id, record.id, len(siblings) - 1, len(siblings))


def finish(write: Write, result: Inserted | None) -> None:
    """Apply a done write's result to the entries, on the thread that owns them."""
    if isinstance(write, Insert) and result is not None:
        write.conversation.id = result.conversation_id
        write.entry.store_id = result.message_id
        write.entry.sibling_index = result.sibling_index
        write.entry.sibling_count = result.sibling_count


class Outbox:
    """Writes waiting to be done, in order; a failure stops the queue until the next flush."""

    def __init__(self, warn: Callable[[str], None]) -> None:
        self._pending: list[Write] = []
        self._warn = warn
        self._failing = False

    def add(self, writes: list[Write]) -> None:
        self._pending += writes

    def next(self) -> Write | None:
        return self._pending[0] if self._pending else None

    def done(self, write: Write, result: Inserted | None) -> None:
        finish(write, result)
        self._pending.pop(0)
        if self._failing and not self._pending:
            self._failing = False
            self._warn("the conversation is saved again")

    def failed(self, error: StoreError) -> None:
        """Keep the write for the next flush; say so once until saving works again."""
        if not self._failing:
            self._failing = True
            reason = one_line(str(error))
            self._warn(f"could not save the conversation ({reason}); kept in memory, retrying")

    @property
    def waiting(self) -> int:
        return len(self._pending)


class Recorder:
    """Does a session's writes on a synchronous `Store` (for `ask`); `store=None` keeps nothing."""

    def __init__(self, store: Store | None, warn: Callable[[str], None]) -> None:
        self.store = store
        self.outbox = Outbox(warn)

    def flush(self, writes: list[Write]) -> None:
        if self.store is None:
            return
        from aijora_tui.core.store import StoreError  # loaded already: there is a store

        self.outbox.add(writes)
        while (write := self.outbox.next()) is not None:
            try:
                result = perform(self.store, write)
            except StoreError as error:
                self.outbox.failed(error)
                return
            self.outbox.done(write, result)
