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

import functools
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast, get_args

from aijora_tui import paths
from aijora_tui.core import export, schema, store_parts
from aijora_tui.core.models import Role, Usage
from aijora_tui.core.parts import Part, plain_parts, reasoning_of, text_of
from aijora_tui.core.records import (
    MESSAGE_STATES,
    ConversationSummary,
    MessageState,
    SearchHit,
    StoredConversation,
    StoredMessage,
)
from aijora_tui.core.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    fts_query,
    highlighter,
    make_snippet,
)

ROLES: frozenset[str] = frozenset(get_args(Role))
BUSY_TIMEOUT_MS = 5000
"""How long a write waits for another connection's transaction before giving up."""
TITLE_LENGTH = 60
SEARCH_WINDOW = 1000
"""How many of the most recent matching messages a search ranks."""

P = ParamSpec("P")
T = TypeVar("T")


class StoreError(Exception):
    """The conversation database could not be opened, read or written."""


class NotFound(StoreError, LookupError):
    """No conversation or message has the given id."""


class UnknownValue(ValueError):
    """A caller passed a role or state the schema does not have: a bug, not a store failure."""


def _guarded(method: Callable[P, T]) -> Callable[P, T]:
    """Report every failure of the database as `StoreError`, so callers need not know SQL exists.

    Not only `sqlite3.Error`: a value SQLite cannot take (an integer beyond 64 bits raises
    `OverflowError`, a lone surrogate `UnicodeEncodeError`) fails the write just the same, and a
    caller that saves must be able to keep its text and report one line whatever the cause.
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return method(*args, **kwargs)
        except (StoreError, UnknownValue):
            raise
        except Exception as error:
            raise StoreError(f"conversation database: {_reason(error)}") from error

    return wrapper


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, sqlite3.Error) else f"{type(error).__name__}: {error}"


class Store:
    """All conversations in one SQLite file; use `Store.open()`, then `close()`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path

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

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; IMMEDIATE so that it waits for other writers up front."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- conversations --

    @_guarded
    def create_conversation(
        self,
        *,
        model: str | None = None,
        system_prompt: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> int:
        """Start an empty conversation; returns its id."""
        now = time.time()
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO conversations (model, system_prompt, settings, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?)",
                (model, system_prompt, _settings_json(settings), now, now),
            )
        return _rowid(cursor)

    @_guarded
    def update_conversation(
        self,
        conversation_id: int,
        *,
        system_prompt: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """Change the conversation's system prompt and/or settings (None leaves one as it is;
        an empty prompt removes it)."""
        with self._write() as conn:
            self._require_conversation(conn, conversation_id)
            if system_prompt is not None:
                conn.execute(
                    "UPDATE conversations SET system_prompt = ? WHERE id = ?",
                    (system_prompt or None, conversation_id),
                )
            if settings is not None:
                conn.execute(
                    "UPDATE conversations SET settings = ? WHERE id = ?",
                    (_settings_json(settings), conversation_id),
                )

    @_guarded
    def get_conversation(self, conversation_id: int) -> StoredConversation | None:
        row = self._conn.execute(
            f"SELECT {_CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        return _conversation(row) if row else None

    @_guarded
    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Give the conversation a title; an empty title goes back to the automatic one."""
        title = " ".join(title.split())
        custom = bool(title)
        with self._write() as conn:
            self._require_conversation(conn, conversation_id)
            if not custom:
                title = _title_from(self._first_user_text(conn, conversation_id))
            conn.execute(
                "UPDATE conversations SET title = ?, title_is_custom = ? WHERE id = ?",
                (title, custom, conversation_id),
            )

    @_guarded
    def delete_conversation(self, conversation_id: int) -> bool:
        """Delete a conversation with its messages and draft; False if there was none."""
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cursor.rowcount > 0

    @_guarded
    def list_conversations(
        self, limit: int | None = 50, offset: int = 0
    ) -> list[ConversationSummary]:
        """Conversations, most recently active first; `limit=None` for all of them."""
        rows = self._conn.execute(
            "SELECT c.id, c.title, c.created_at, c.updated_at, c.model,"
            " (SELECT coalesce(sum(m.total_tokens), 0) FROM messages m"
            "  WHERE m.conversation_id = c.id),"
            " (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"
            " FROM conversations c ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?",
            (-1 if limit is None else limit, offset),
        ).fetchall()
        return [_summary(row) for row in rows]

    @_guarded
    def latest_conversation_id(self) -> int | None:
        """The most recently active conversation, or None when there is none."""
        row = self._conn.execute(
            "SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1"
        ).fetchone()
        return int(row[0]) if row else None

    # -- messages --

    @_guarded
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
        _check(role, ROLES, "role")
        _check(state, MESSAGE_STATES, "state")
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
            message_id = _rowid(cursor)
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
                    (_title_from(content), conversation_id),
                )
        return self._message(message_id)

    @_guarded
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
        A state other than `streaming` ends the reply: progress saved in pieces is dropped, as
        the final content given here holds it.
        """
        if state is not None:
            _check(state, MESSAGE_STATES, "state")
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
            if state is not None and state != "streaming":
                store_parts.clear_progress(conn, message_id)

    @_guarded
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

    @_guarded
    def blob(self, sha256: str) -> bytes:
        """The stored bytes of an attachment.

        Raises:
            NotFound: no bytes with that address.
        """
        data = store_parts.read_blob(self._conn, sha256)
        if data is None:
            raise NotFound(f"no stored attachment {sha256[:12]}")
        return data

    @_guarded
    def get_message(self, message_id: int) -> StoredMessage | None:
        row = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE id = ?", (message_id,)
        ).fetchone()
        return store_parts.with_parts(self._conn, [_message(row)])[0] if row else None

    @_guarded
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
            f" SELECT {_MESSAGE_COLUMNS} FROM path JOIN messages USING (id)"
            " ORDER BY path.depth DESC",
            (conversation_id,),
        ).fetchall()
        return store_parts.with_parts(self._conn, [_message(row) for row in rows])

    @_guarded
    def siblings(self, message_id: int) -> list[StoredMessage]:
        """The message and its alternatives (same parent), oldest first; includes itself."""
        message = self._message(message_id)
        rows = self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages"
            " WHERE conversation_id = ? AND parent_id IS ? ORDER BY id",
            (message.conversation_id, message.parent_id),
        ).fetchall()
        return [_message(row) for row in rows]

    @_guarded
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

    @_guarded
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

    # -- search, drafts, export --

    @_guarded
    def search(
        self,
        query: str,
        limit: int = 50,
        *,
        start: str = HIGHLIGHT_START,
        end: str = HIGHLIGHT_END,
    ) -> list[SearchHit]:
        """Messages of every conversation that contain every word of `query`.

        Words match literally, whatever FTS5 syntax they contain; the last one also as a prefix
        (see `fts_query`). Hits are the best BM25 matches among the most recent
        `SEARCH_WINDOW` matching messages, best first: that bounds the time a common word takes.

        Args:
            query: what the user typed.
            limit: most hits returned.
            start, end: strings put around each matched word in the snippets.
        """
        match = fts_query(query)
        if match is None:
            return []
        rows = self._conn.execute(
            "WITH recent AS (SELECT rowid AS id, rank FROM messages_fts"
            "  WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?),"
            " top AS (SELECT id, rank FROM recent ORDER BY rank LIMIT ?)"
            " SELECT m.conversation_id, m.id, c.title, m.role, m.content, top.rank"
            " FROM top JOIN messages m USING (id) JOIN conversations c ON c.id = m.conversation_id"
            " ORDER BY top.rank",
            (match, SEARCH_WINDOW, limit),
        ).fetchall()
        pattern = highlighter(query)
        return [
            SearchHit(conversation, message, title, _role(role), snippet, rank)
            for conversation, message, title, role, content, rank in rows
            for snippet in [make_snippet(content, pattern, start, end)]
        ]

    @_guarded
    def save_draft(self, conversation_id: int | None, text: str) -> None:
        """Remember the unsent prompt of a conversation (None: a new one); empty text clears it."""
        with self._write() as conn:
            conn.execute("DELETE FROM drafts WHERE conversation_id IS ?", (conversation_id,))
            if text:
                conn.execute(
                    "INSERT INTO drafts (conversation_id, text, updated_at) VALUES (?, ?, ?)",
                    (conversation_id, text, time.time()),
                )

    @_guarded
    def load_draft(self, conversation_id: int | None) -> str:
        """The saved draft, or "" when there is none."""
        row = self._conn.execute(
            "SELECT text FROM drafts WHERE conversation_id IS ?", (conversation_id,)
        ).fetchone()
        return str(row[0]) if row else ""

    def export_markdown(self, conversation_id: int) -> str:
        """The active path as a Markdown document.

        Raises:
            NotFound: no such conversation.
        """
        conversation, messages = self._exportable(conversation_id)
        return export.to_markdown(conversation, messages)

    def export_json(self, conversation_id: int) -> dict[str, Any]:
        """The active path as JSON-ready data (see `export.to_json` for the shape).

        Raises:
            NotFound: no such conversation.
        """
        conversation, messages = self._exportable(conversation_id)
        return export.to_json(conversation, messages)

    # -- helpers --

    def _exportable(self, conversation_id: int) -> tuple[StoredConversation, list[StoredMessage]]:
        conversation = self.get_conversation(conversation_id)
        if conversation is None:
            raise NotFound(f"no conversation with id {conversation_id}")
        return conversation, self.active_path(conversation_id)

    def _message(self, message_id: int) -> StoredMessage:
        message = self.get_message(message_id)
        if message is None:
            raise NotFound(f"no message with id {message_id}")
        return message

    @staticmethod
    def _require_conversation(conn: sqlite3.Connection, conversation_id: int) -> None:
        if not conn.execute(
            "SELECT 1 FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone():
            raise NotFound(f"no conversation with id {conversation_id}")

    @staticmethod
    def _title_missing(conn: sqlite3.Connection, conversation_id: int) -> bool:
        row = conn.execute(
            "SELECT title = '' AND NOT title_is_custom FROM conversations WHERE id = ?",
            (conversation_id,),
        ).fetchone()
        if row is None:
            raise NotFound(f"no conversation with id {conversation_id}")
        return bool(row[0])

    @staticmethod
    def _require_parent(conn: sqlite3.Connection, conversation_id: int, parent_id: int) -> None:
        row = conn.execute(
            "SELECT conversation_id FROM messages WHERE id = ?", (parent_id,)
        ).fetchone()
        if row is None or row[0] != conversation_id:
            raise StoreError(f"message {parent_id} is not in conversation {conversation_id}")

    @staticmethod
    def _first_user_text(conn: sqlite3.Connection, conversation_id: int) -> str:
        row = conn.execute(
            "SELECT content FROM messages WHERE conversation_id = ? AND role = 'user'"
            " AND trim(content) != '' ORDER BY id LIMIT 1",
            (conversation_id,),
        ).fetchone()
        return str(row[0]) if row else ""


_CONVERSATION_COLUMNS = (
    "id, title, title_is_custom, system_prompt, model, active_leaf_id, created_at, updated_at,"
    " settings"
)
_MESSAGE_COLUMNS = (
    "id, conversation_id, parent_id, role, content, reasoning, model, prompt_tokens,"
    " completion_tokens, total_tokens, state, finish_reason, error, created_at, updated_at"
)


def _conversation(row: tuple[Any, ...]) -> StoredConversation:
    id_, title, custom, system_prompt, model, leaf, created, updated, settings = row
    return StoredConversation(
        id_,
        title,
        bool(custom),
        system_prompt,
        model,
        leaf,
        _time(created),
        _time(updated),
        _settings_from(settings),
    )


def _settings_json(settings: Mapping[str, Any] | None) -> str | None:
    return json.dumps(dict(settings), ensure_ascii=False) if settings else None


def _settings_from(text: str | None) -> dict[str, Any]:
    """Saved settings; anything unreadable counts as none (they are preferences, not data)."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _message(row: tuple[Any, ...]) -> StoredMessage:
    (id_, conversation_id, parent_id, role, content, reasoning, model) = row[:7]
    prompt, completion, total, state, finish_reason, error, created, updated = row[7:]
    return StoredMessage(
        id=id_,
        conversation_id=conversation_id,
        parent_id=parent_id,
        role=_role(role),
        content=content,
        reasoning=reasoning,
        model=model,
        usage=_usage(prompt, completion, total),
        state=cast(MessageState, state),
        finish_reason=finish_reason,
        error=error,
        created_at=_time(created),
        updated_at=_time(updated),
        parts=tuple(plain_parts(content, reasoning)),
    )


def _summary(row: tuple[Any, ...]) -> ConversationSummary:
    id_, title, created, updated, model, tokens, count = row
    return ConversationSummary(id_, title, _time(created), _time(updated), model, tokens, count)


def _usage(prompt: int | None, completion: int | None, total: int | None) -> Usage | None:
    if prompt is None and completion is None and total is None:
        return None
    prompt, completion = prompt or 0, completion or 0
    return Usage(prompt, completion, prompt + completion if total is None else total)


def _role(value: str) -> Role:
    """Roles are checked by the schema, so a stored one is always a `Role`."""
    return cast(Role, value)


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _rowid(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None  # set by every INSERT
    return cursor.lastrowid


def _check(value: str, allowed: frozenset[str], what: str) -> None:
    if value not in allowed:
        raise UnknownValue(f"unknown message {what} {value!r}; expected one of {sorted(allowed)}")


def _title_from(text: str) -> str:
    """The automatic title: the first non-blank line, whitespace collapsed, cut to 60 chars."""
    line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    if len(line) <= TITLE_LENGTH:
        return line
    return line[: TITLE_LENGTH - 1].rstrip() + "…"


def _create_private_file(path: Path) -> None:
    """Create the directory and an empty file readable only by the owner, if missing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
