"""`ConversationKeeper`: keeps the open conversation's entries saved in the store.

The chat screen calls it at each step of a turn: a new entry is saved before anything is sent
(`save_new`), a streaming reply is saved while it grows (`save_progress`, at least once a second)
and when it ends (`save_final`). Opening a conversation and flipping between branches come back
as entries. Store failures never stop the chat: they are reported once through `on_error`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aijora_tui.core.async_store import AsyncStore
from aijora_tui.core.conversation import Entry, entry_from_record
from aijora_tui.core.records import StoredMessage
from aijora_tui.core.store import NotFound, StoreError


class ConversationKeeper:
    """Saves one open conversation at a time; `store=None` keeps nothing (history is off)."""

    def __init__(self, store: AsyncStore | None, on_error: Callable[[str], None]) -> None:
        self.store = store
        self.conversation_id: int | None = None
        self.system_prompt: str | None = None
        """The system prompt saved with the conversation last opened."""
        self._on_error = on_error
        self._saved: dict[Entry, tuple[int, int]] = {}
        """Lengths of content and reasoning last saved for a streaming entry."""

    def _failed(self, error: StoreError) -> None:
        self._on_error(f"Could not save the conversation: {error}")

    def new_conversation(self) -> None:
        """The next saved entry starts a new conversation."""
        self.conversation_id = None

    async def save_new(self, entries: Sequence[Entry], entry: Entry, system: str | None) -> None:
        """Save `entry` (already in `entries`) under the entry before it."""
        if self.store is None:
            return
        index = entries.index(entry)
        parent = entries[index - 1].store_id if index > 0 else None
        try:
            if self.conversation_id is None:
                self.conversation_id = await self.store.create_conversation(
                    model=entry.model, system_prompt=system
                )
            record = await self.store.add_message(
                self.conversation_id,
                parent,
                entry.role,
                entry.content,
                model=entry.model,
                state=entry.state,
                reasoning=entry.reasoning,
            )
            entry.store_id = record.id
            siblings = await self.store.siblings(record.id)
        except StoreError as error:
            self._failed(error)
            return
        entry.sibling_count = len(siblings)
        entry.sibling_index = len(siblings) - 1
        self._saved[entry] = (len(entry.content), len(entry.reasoning))

    async def save_progress(self, entry: Entry) -> None:
        """Save a streaming reply's text if it grew since the last save."""
        if self.store is None or entry.store_id is None:
            return
        lengths = (len(entry.content), len(entry.reasoning))
        if self._saved.get(entry) == lengths:
            return
        self._saved[entry] = lengths
        try:
            await self.store.update_message(
                entry.store_id, content=entry.content, reasoning=entry.reasoning
            )
        except NotFound:
            pass  # the user deleted the conversation while the reply streamed
        except StoreError as error:
            self._failed(error)

    async def save_final(self, entry: Entry) -> None:
        """Save a finished reply in whatever state it ended."""
        self._saved.pop(entry, None)
        if self.store is None or entry.store_id is None:
            return
        try:
            await self.store.update_message(
                entry.store_id,
                content=entry.content,
                reasoning=entry.reasoning,
                state=entry.state,
                finish_reason=entry.finish_reason,
                error=entry.error,
                usage=entry.usage,
            )
        except NotFound:
            pass  # deleted while it streamed
        except StoreError as error:
            self._failed(error)

    async def open(
        self, conversation_id: int, message_id: int | None = None
    ) -> tuple[list[Entry], int | None]:
        """The active path of a conversation (switched to go through `message_id` if given),
        and the index of that message in it."""
        if self.store is None:
            return [], None
        try:
            conversation = await self.store.get_conversation(conversation_id)
            path = await self.store.active_path(conversation_id)
            if message_id is not None and all(record.id != message_id for record in path):
                path = await self.store.switch_to(message_id)
            entries = await self._entries(path)
        except StoreError as error:
            self._failed(error)
            return [], None
        self.conversation_id = conversation_id
        self.system_prompt = conversation.system_prompt if conversation else None
        focus = next((i for i, r in enumerate(path) if r.id == message_id), None)
        return entries, focus

    async def switch_sibling(self, entry: Entry, step: int) -> list[Entry] | None:
        """The path through `entry`'s previous (-1) or next (+1) sibling; None if there is none.

        The returned entries replace `entry` and everything after it.
        """
        if self.store is None or entry.store_id is None:
            return None
        try:
            ids = [record.id for record in await self.store.siblings(entry.store_id)]
            target = ids.index(entry.store_id) + step
            if not 0 <= target < len(ids):
                return None
            path = await self.store.switch_to(ids[target])
            start = next(i for i, record in enumerate(path) if record.id == ids[target])
            return await self._entries(path, start)
        except StoreError as error:
            self._failed(error)
            return None

    async def _entries(self, path: Sequence[StoredMessage], start: int = 0) -> list[Entry]:
        assert self.store is not None
        entries = [entry_from_record(record) for record in path[start:]]
        if path:
            positions = await self.store.sibling_positions(path[0].conversation_id)
            for entry in entries:
                if entry.store_id in positions:
                    entry.sibling_index, entry.sibling_count = positions[entry.store_id]
        return entries
