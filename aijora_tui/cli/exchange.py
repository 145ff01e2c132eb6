"""One `aijora-tui ask` exchange: the request history, and its saving in the conversation store.

The user's message is committed before the request is sent; the reply is committed as it streams
(at most once a second) and once more with its final state, usage, finish reason or error. When
the database fails, one warning goes to stderr and saving stops: the answer on stdout comes
first, and the exit code stays that of the reply. Imports no Textual, and the store (SQLite)
only when it is used: `ask --no-save` does not pay for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aijora_tui.config import Settings
from aijora_tui.core.conversation import Entry, request_messages
from aijora_tui.core.errors import AijoraError, StreamInterrupted, one_line
from aijora_tui.core.events import (
    ChatEvent,
    FinishReported,
    ReasoningDelta,
    StreamCompleted,
    TextDelta,
    UsageReported,
)
from aijora_tui.core.models import ChatMessage, Usage
from aijora_tui.core.records import MessageState, StoredConversation, StoredMessage

if TYPE_CHECKING:
    from aijora_tui.core.store import Store

SAVE_INTERVAL = 1.0
"""Seconds between saves of a streaming reply: what a crash can lose at most."""
Warn = Callable[[str], None]


class CannotContinue(Exception):
    """`--continue` was asked and the latest conversation cannot be read."""


class Exchange:
    """The messages to send for one prompt, and the saving of the prompt and its reply.

    Build with `Exchange.prepare()`; feed every stream event to `observe()`, then end with
    `fail()` or `cancel()` if the stream did not complete, and always `close()`.
    """

    def __init__(self, messages: list[ChatMessage], store: Store | None, warn: Warn) -> None:
        self.messages = messages
        """The request history, ending with the new prompt."""
        self._store = store
        self._warn = warn
        self._reply_id: int | None = None
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._usage: Usage | None = None
        self._finish_reason: str | None = None
        self._saved_at = time.monotonic()
        self._finished = False

    @classmethod
    def prepare(
        cls,
        settings: Settings,
        prompt: str,
        *,
        save: bool,
        resume: bool,
        warn: Warn,
        content: list[dict[str, Any]] | None = None,
    ) -> Exchange:
        """Open the store as needed, read the conversation to resume, save the prompt.

        Args:
            save: store the exchange (a database that cannot be opened is only warned about).
            resume: continue the most recent conversation: send its active path as history.
            content: the user message as sent when it is more than `prompt` (attachments); the
                store keeps `prompt` alone until it can hold parts.

        Raises:
            CannotContinue: `resume` was asked and the conversation cannot be read.
        """
        store = _open_store(required=resume, wanted=save or resume, warn=warn)
        conversation, earlier = _latest(store) if resume and store else (None, [])
        if resume and conversation is None:
            warn("no earlier conversation to continue; starting a new one")
        system_prompt = _system_prompt(settings, conversation)
        entries = [Entry(message.role, message.content) for message in earlier]
        messages = [
            *request_messages(entries, system_prompt),
            ChatMessage("user", content or prompt),
        ]
        if store is not None and not save:
            store.close()
            store = None
        exchange = cls(messages, store, warn)
        parent = earlier[-1].id if earlier else None
        exchange._begin(conversation.id if conversation else None, parent, prompt, settings)
        return exchange

    def observe(self, event: ChatEvent) -> None:
        """Take one stream event; saves the reply so far when the last save is a second old."""
        if isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, ReasoningDelta):
            self._reasoning.append(event.text)
        elif isinstance(event, UsageReported):
            self._usage = event.usage
        elif isinstance(event, FinishReported):
            self._finish_reason = event.reason
        elif isinstance(event, StreamCompleted):
            self._finish_reason = event.finish_reason or self._finish_reason
            self._usage = event.usage or self._usage
            self._end("completed")
            return
        if time.monotonic() - self._saved_at >= SAVE_INTERVAL:
            self._save_reply()

    def fail(self, error: AijoraError) -> None:
        """The request failed, or the stream broke: keep the partial reply, marked."""
        self._end(
            "interrupted" if isinstance(error, StreamInterrupted) else "failed", error.message
        )

    def cancel(self) -> None:
        """The user stopped the reply (Ctrl+C, or the reader of stdout went away)."""
        self._end("cancelled")

    def close(self) -> None:
        """Mark a reply that never ended as interrupted, and close the store."""
        if not self._finished:
            self._end("interrupted", "aijora-tui stopped before the reply ended")
        if self._store is not None:
            self._store.close()
            self._store = None

    def _begin(
        self, conversation_id: int | None, parent_id: int | None, prompt: str, settings: Settings
    ) -> None:
        def begin(store: Store) -> None:
            conversation = conversation_id or store.create_conversation(
                model=settings.model, system_prompt=_system_prompt(settings, None)
            )
            question = store.add_message(conversation, parent_id, "user", prompt)
            reply = store.add_message(
                conversation, question.id, "assistant", "", model=settings.model, state="streaming"
            )
            self._reply_id = reply.id

        self._safely(begin)

    def _save_reply(self) -> None:
        self._saved_at = time.monotonic()
        self._safely(
            lambda store: store.update_message(
                self._reply(), content="".join(self._text), reasoning="".join(self._reasoning)
            )
        )

    def _end(self, state: MessageState, error: str = "") -> None:
        """Save the reply's final state, once."""
        if self._finished:
            return
        self._finished = True
        self._safely(
            lambda store: store.update_message(
                self._reply(),
                content="".join(self._text),
                reasoning="".join(self._reasoning),
                state=state,
                finish_reason=self._finish_reason,
                error=error or None,
                usage=self._usage,
            )
        )

    def _reply(self) -> int:
        assert self._reply_id is not None  # set by `_begin` whenever a store is kept
        return self._reply_id

    def _safely(self, action: Callable[[Store], object]) -> None:
        """Run a write; on failure warn once and stop saving."""
        if self._store is None:
            return
        from aijora_tui.core.store import StoreError  # loaded already: there is a store

        try:
            action(self._store)
        except StoreError as error:
            self._warn(f"the conversation could not be saved: {one_line(str(error))}")
            self._store.close()
            self._store = None


def _open_store(*, required: bool, wanted: bool, warn: Warn) -> Store | None:
    """The store, imported only now; None when unwanted or (unless `required`) unusable."""
    if not wanted:
        return None
    from aijora_tui.core.store import Store, StoreError

    try:
        return Store.open()
    except StoreError as error:
        if required:
            raise CannotContinue(error) from None
        warn(f"the conversation will not be saved: {one_line(str(error))}")
        return None


def _latest(store: Store) -> tuple[StoredConversation | None, list[StoredMessage]]:
    """The most recent conversation and its active path."""
    from aijora_tui.core.store import StoreError  # loaded already: there is a store

    try:
        conversation_id = store.latest_conversation_id()
        if conversation_id is None:
            return None, []
        return store.get_conversation(conversation_id), store.active_path(conversation_id)
    except StoreError as error:
        store.close()
        raise CannotContinue(error) from None


def _system_prompt(settings: Settings, conversation: StoredConversation | None) -> str | None:
    """A `--system` flag wins; otherwise a resumed conversation keeps its own prompt."""
    if conversation is None or settings.sources.get("system_prompt") == "flag":
        return settings.system_prompt
    return conversation.system_prompt or settings.system_prompt
