"""The conversation database: conversations as trees of messages, drafts, full-text search.

Headless (no Textual). `Store` is synchronous and belongs to the thread that opened it;
`async_store.AsyncStore` runs one on a dedicated thread for the UI. Records: `records.py`.

A conversation is a tree: a message's `parent_id` is the message it follows (None for the
first). Editing a message and resending, or regenerating a reply, adds a *sibling* (same
parent). The conversation shows one path, from a root down to its `active_leaf_id`.

Durability: WAL journal, a busy timeout, foreign keys on, and every write is its own committed
`BEGIN IMMEDIATE` transaction. A process killed mid-reply loses only what it had not yet passed
to `update_message`, and several processes can share the file. Schema: see `schema.py`.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, get_args

from aijora_tui import paths
from aijora_tui.core import schema, store_parts
from aijora_tui.core.models import Role, Usage
from aijora_tui.core.parts import Part, reasoning_of, text_of
from aijora_tui.core.records import MESSAGE_STATES, MessageState, StoredMessage
from aijora_tui.core.store_base import NotFound, StoreError, UnknownValue, guarded
from aijora_tui.core.store_conversations import ConversationTable
from aijora_tui.core.store_rows import MESSAGE_COLUMNS, check, message_from, rowid, title_from
from aijora_tui.core.store_search import SEARCH_WINDOW, SearchAndDrafts

__all__ = ["SEARCH_WINDOW", "NotFound", "Store", "StoreError", "UnknownValue"]

ROLES: frozenset[str] = frozenset(get_args(Role))
BUSY_TIMEOUT_MS = 5000
"""How long a write waits for another connection's transaction before giving up."""


class Store(ConversationTable, SearchAndDrafts):
    """All conversations in one SQLite file; use `Store.open()`, then `close()`."""

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        """Open (creating if needed, mode 0600) and upgrade the database.

        Args:
            path: the database file; default `paths.database_file()` (honours XDG_DATA_HOME).

        Raises:
            StoreError: the file cannot be created or opened, or is from a newer version.
        """
        path = path or paths.database_file()
        try:
            _create_private_file(path)
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        except Exception as error:  # OSError, sqlite3.Error, ValueError (a NUL in the path)
            raise StoreError(f"cannot open the conversation database {path}: {error}") from None
        try:
            _configure(conn)
            schema.upgrade(conn)
        except Exception as error:  # sqlite3.Error, schema.NewerSchemaError
            conn.close()
            raise StoreError(f"cannot use the conversation database {path}: {error}") from None
        return cls(conn, path)

    @classmethod
    def open_readonly(cls, path: Path) -> Store:
        """Open an existing database only to read it: nothing is created, upgraded or written,
        so `history`, `export` and `doctor` work in a read-only directory or filesystem.

        SQLite reads a WAL database through a `-shm` file it may need to create; where it
        cannot, the file is read as immutable (no other process can be writing it there).

        Raises:
            StoreError: missing, unreadable, not a database, or at a schema version this
                aijora-tui cannot read as it is (newer; or older, which needs one opening with
                write access to be upgraded).
        """
        uri = f"{path.absolute().as_uri()}?mode=ro"
        conn: sqlite3.Connection | None = None
        try:
            try:
                conn = _connect(uri)
                version = schema.user_version(conn)
            except sqlite3.OperationalError:
                if conn is not None:
                    conn.close()
                conn = _connect(uri + "&immutable=1")
                version = schema.user_version(conn)
        except Exception as error:  # sqlite3.Error, OSError
            if conn is not None:
                conn.close()
            raise StoreError(f"cannot read the conversation database {path}: {error}") from None
        if version != schema.LATEST_VERSION:
            conn.close()
            why = (
                "newer than this aijora-tui knows; upgrade aijora-tui"
                if version > schema.LATEST_VERSION
                else "older, and upgrading it needs write access: start aijora-tui once"
            )
            raise StoreError(f"cannot read the conversation database {path}: its schema is {why}")
        return cls(conn, path)

    @classmethod
    def open_to_read(cls, path: Path) -> Store:
        """Open an existing database for a command that only reads it: as `open()` where the
        file and its directory are writable (an older schema gets upgraded), read-only
        (`open_readonly`) where they are not."""
        if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
            return cls.open(path)
        return cls.open_readonly(path)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- messages --

    @guarded
    def add_message(
        self,
        conversation_id: int,
        parent_id: int | None,
        role: Role,
        content: str,
        *,
        model: str | None = None,
        state: MessageState = "completed",
        reasoning: str = "",
        parts: Sequence[Part] | None = None,
    ) -> StoredMessage:
        """Save a message under `parent_id` and make it the conversation's active leaf.

        The first user message also titles the conversation (unless it was renamed). With
        `parts`, the message is those parts (`content` and `reasoning` are then taken from them).

        Raises:
            NotFound: no such conversation.
            StoreError: the parent belongs to another conversation.
            ValueError: unknown role or state.
        """
        check(role, ROLES, "role")
        check(state, MESSAGE_STATES, "state")
        if parts is not None:
            content, reasoning = text_of(parts), reasoning_of(parts)
        now = time.time()
        with self._write() as conn:
            title_missing = self._title_missing(conn, conversation_id)
            if parent_id is not None:
                self._require_parent(conn, conversation_id, parent_id)
            cursor = conn.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, content, reasoning,"
                " model, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conversation_id, parent_id, role, content, reasoning, model, state, now, now),
            )
            message_id = rowid(cursor)
            if parts is not None:
                store_parts.write_parts(conn, message_id, parts)
            conn.execute(
                "UPDATE conversations SET active_leaf_id = ?, updated_at = ?,"
                " model = coalesce(?, model) WHERE id = ?",
                (message_id, now, model, conversation_id),
            )
            if title_missing and role == "user":
                conn.execute(
                    "UPDATE conversations SET title = ? WHERE id = ?",
                    (title_from(content), conversation_id),
                )
        return self._message(message_id)

    @guarded
    def update_message(
        self,
        message_id: int,
        *,
        content: str | None = None,
        reasoning: str | None = None,
        state: MessageState | None = None,
        finish_reason: str | None = None,
        error: str | None = None,
        usage: Usage | None = None,
        parts: Sequence[Part] | None = None,
    ) -> None:
        """Change the given fields of a message (None leaves a field as it is) and commit.

        `parts` replaces the message's parts (and its `content` and `reasoning` with theirs).
        Progress saved in pieces is dropped when `parts` are given (they hold it) or the state
        ends the reply (the final content given here holds it).
        """
        if state is not None:
            check(state, MESSAGE_STATES, "state")
        if parts is not None:
            content, reasoning = text_of(parts), reasoning_of(parts)
        values: dict[str, Any] = {
            "content": content,
            "reasoning": reasoning,
            "state": state,
            "finish_reason": finish_reason,
            "error": error,
        }
        if usage is not None:
            values |= {
                "prompt_tokens": usage.prompt_tokens,
                "completion_tokens": usage.completion_tokens,
                "total_tokens": usage.total_tokens,
                "cost": usage.cost,
            }
        changes = {column: value for column, value in values.items() if value is not None}
        changes["updated_at"] = time.time()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._write() as conn:
            cursor = conn.execute(
                f"UPDATE messages SET {assignments} WHERE id = ?", (*changes.values(), message_id)
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no message with id {message_id}")
            if parts is not None:
                store_parts.write_parts(conn, message_id, parts)
            if parts is not None or (state is not None and state != "streaming"):
                store_parts.clear_progress(conn, message_id)

    @guarded
    def append_progress(self, message_id: int, text: str, reasoning: str = "") -> None:
        """Save more of a streaming reply: appended, not rewritten, so a long reply costs each
        save only its new text (read back by `active_path` until the final `update_message`)."""
        if not text and not reasoning:
            return
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE messages SET updated_at = ? WHERE id = ?", (time.time(), message_id)
            )
            if cursor.rowcount == 0:
                raise NotFound(f"no message with id {message_id}")
            store_parts.append_progress(conn, message_id, text, reasoning)

    @guarded
    def blob(self, sha256: str) -> bytes:
        """The stored bytes of an attachment.

        Raises:
            NotFound: no bytes with that address.
        """
        data = store_parts.read_blob(self._conn, sha256)
        if data is None:
            raise NotFound(f"no stored attachment {sha256[:12]}")
        return data

    @guarded
    def get_message(self, message_id: int) -> StoredMessage | None:
        row = self._conn.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return store_parts.with_parts(self._conn, [message_from(row)])[0] if row else None

    @guarded
    def active_path(self, conversation_id: int) -> list[StoredMessage]:
        """The messages shown: from the root down to the active leaf.

        Raises:
            NotFound: no such conversation.
        """
        self._require_conversation(self._conn, conversation_id)
        rows = self._conn.execute(
            # A scalar subquery per step: a join here is planned ~15x slower.
            "WITH RECURSIVE path(id, depth) AS ("
            " SELECT active_leaf_id, 0 FROM conversations WHERE id = ?"
            " UNION ALL SELECT (SELECT parent_id FROM messages WHERE id = path.id), depth + 1"
            " FROM path WHERE path.id IS NOT NULL)"
            f" SELECT {MESSAGE_COLUMNS} FROM path JOIN messages USING (id)"
            " ORDER BY path.depth DESC",
            (conversation_id,),
        ).fetchall()
        return store_parts.with_parts(self._conn, [message_from(row) for row in rows])

    @guarded
    def siblings(self, message_id: int) -> list[StoredMessage]:
        """The message and its alternatives (same parent), oldest first; includes itself."""
        message = self._message(message_id)
        rows = self._conn.execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages"
            " WHERE conversation_id = ? AND parent_id IS ? ORDER BY id",
            (message.conversation_id, message.parent_id),
        ).fetchall()
        return [message_from(row) for row in rows]

    @guarded
    def sibling_positions(self, conversation_id: int) -> dict[int, tuple[int, int]]:
        """For every message with alternatives: its (position, count) among its siblings.

        One query for a whole conversation, so a long path gets its `2/3` badges cheaply.
        """
        rows = self._conn.execute(
            "SELECT id, parent_id FROM messages WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        ).fetchall()
        groups: dict[int | None, list[int]] = {}
        for message_id, parent_id in rows:
            groups.setdefault(parent_id, []).append(message_id)
        return {
            message_id: (position, len(ids))
            for ids in groups.values()
            if len(ids) > 1
            for position, message_id in enumerate(ids)
        }

    @guarded
    def switch_to(self, message_id: int) -> list[StoredMessage]:
        """Make the active path go through a message; returns the new active path.

        Below the message, the path follows the most recent child at each step.
        """
        message = self._message(message_id)
        with self._write() as conn:
            row = conn.execute(
                "WITH RECURSIVE down(id, depth) AS (SELECT ?, 0"
                " UNION ALL SELECT (SELECT max(c.id) FROM messages c WHERE c.parent_id = down.id),"
                " down.depth + 1 FROM down WHERE down.id IS NOT NULL)"
                " SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1",
                (message_id,),
            ).fetchone()
            conn.execute(
                "UPDATE conversations SET active_leaf_id = ? WHERE id = ?",
                (row[0], message.conversation_id),
            )
        return self.active_path(message.conversation_id)

    def _message(self, message_id: int) -> StoredMessage:
        message = self.get_message(message_id)
        if message is None:
            raise NotFound(f"no message with id {message_id}")
        return message

    @staticmethod
    def _require_parent(conn: sqlite3.Connection, conversation_id: int, parent_id: int) -> None:
        row = conn.execute(
            "SELECT conversation_id FROM messages WHERE id = ?", (parent_id,)
        ).fetchone()
        if row is None or row[0] != conversation_id:
            raise StoreError(f"message {parent_id} is not in conversation {conversation_id}")


def _create_private_file(path: Path) -> None:
    """Create the directory and an empty file readable only by the owner, if missing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def _connect(uri: str) -> sqlite3.Connection:
    return sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
