"""Reading a conversation back for a session: the active path as entries, and its branches.

Synchronous functions of a `Store`, run directly by `ask` and on the store's thread by the app
(`AsyncStore.run`), so both faces read a conversation by the same rules.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from aijora_tui.core.conversation import Entry, entry_from_record
from aijora_tui.core.records import StoredConversation, StoredMessage
from aijora_tui.core.store import NotFound, Store

LIVE_WINDOW = 10.0
"""Seconds since its last save within which a `streaming` reply counts as still being written
by another process (a writer saves at least once a second); older ones were cut off."""


@dataclass
class Loaded:
    """A conversation as a session opens it."""

    conversation: StoredConversation
    entries: list[Entry] = field(default_factory=list)
    focus: int | None = None
    """Index of the message asked for, when one was."""


def load_conversation(store: Store, conversation_id: int, message_id: int | None = None) -> Loaded:
    """The active path of a conversation, switched to go through `message_id` if given.

    Raises:
        NotFound: no such conversation.
        StoreError: the database failed.
    """
    conversation, path = _path(store, conversation_id)
    if message_id is not None and all(record.id != message_id for record in path):
        path = store.switch_to(message_id)
    focus = next((i for i, record in enumerate(path) if record.id == message_id), None)
    return Loaded(conversation, _entries(store, path), focus)


def load_for_continuing(store: Store) -> Loaded | None:
    """The most recent conversation, as a new message should follow it; None if there is none.

    A reply that another process is still writing is left out with the question it answers:
    this session's message then goes beside that question (a branch), so each writer's request
    is exactly the path the store records for it.
    """
    conversation_id = store.latest_conversation_id()
    if conversation_id is None:
        return None
    conversation, path = _path(store, conversation_id)
    return Loaded(conversation, _entries(store, _settled(path)))


def load_sibling(store: Store, entry: Entry, step: int) -> list[Entry] | None:
    """The path from `entry`'s previous (-1) or next (+1) version down; None if there is none.

    The entries returned replace `entry` and everything after it.
    """
    if entry.store_id is None:
        return None
    ids = [record.id for record in store.siblings(entry.store_id)]
    target = ids.index(entry.store_id) + step
    if not 0 <= target < len(ids):
        return None
    path = store.switch_to(ids[target])
    start = next(i for i, record in enumerate(path) if record.id == ids[target])
    return _entries(store, path)[start:]


def _path(store: Store, conversation_id: int) -> tuple[StoredConversation, list[StoredMessage]]:
    conversation = store.get_conversation(conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation with id {conversation_id}")
    return conversation, store.active_path(conversation_id)


def _entries(store: Store, path: Sequence[StoredMessage]) -> list[Entry]:
    entries = [entry_from_record(record) for record in path]
    if path:
        positions = store.sibling_positions(path[0].conversation_id)
        for entry in entries:
            if entry.store_id in positions:
                entry.sibling_index, entry.sibling_count = positions[entry.store_id]
    return entries


def _settled(path: list[StoredMessage]) -> list[StoredMessage]:
    """`path` cut before the question of a reply that is still being written elsewhere."""
    now = time.time()
    for index, record in enumerate(path):
        live = record.state == "streaming" and now - record.updated_at.timestamp() < LIVE_WINDOW
        if live and record.role == "assistant":
            start = index - 1 if index and path[index - 1].role == "user" else index
            return path[:start]
    return path
