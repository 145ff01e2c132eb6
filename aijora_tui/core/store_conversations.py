"""The conversations of the store: create, change, list, delete (see `store.py`)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from aijora_tui.core.records import ConversationSummary, StoredConversation
from aijora_tui.core.store_base import NotFound, StoreBase, guarded
from aijora_tui.core.store_rows import (
    CONVERSATION_COLUMNS,
    conversation_from,
    rowid,
    settings_json,
    summary_from,
    title_from,
)


class ConversationTable(StoreBase):
    """Conversations: one row each; their messages are `Store`'s."""

    @guarded
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
                (model, system_prompt, settings_json(settings), now, now),
            )
        return rowid(cursor)

    @guarded
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
                    (settings_json(settings), conversation_id),
                )

    @guarded
    def get_conversation(self, conversation_id: int) -> StoredConversation | None:
        row = self._conn.execute(
            f"SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?", (conversation_id,)
        ).fetchone()
        return conversation_from(row) if row else None

    @guarded
    def rename_conversation(self, conversation_id: int, title: str) -> None:
        """Give the conversation a title; an empty title goes back to the automatic one."""
        title = " ".join(title.split())
        custom = bool(title)
        with self._write() as conn:
            self._require_conversation(conn, conversation_id)
            if not custom:
                title = title_from(self._first_user_text(conn, conversation_id))
            conn.execute(
                "UPDATE conversations SET title = ?, title_is_custom = ? WHERE id = ?",
                (title, custom, conversation_id),
            )

    @guarded
    def delete_conversation(self, conversation_id: int) -> bool:
        """Delete a conversation with its messages and draft; False if there was none."""
        with self._write() as conn:
            cursor = conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cursor.rowcount > 0

    @guarded
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
        return [summary_from(row) for row in rows]

    @guarded
    def tokens_by_model(self) -> dict[int, list[tuple[str, int, int, float | None]]]:
        """Per conversation, (model, prompt tokens, completion tokens, reported cost) summed
        over its replies that reported usage, every branch included (each was paid for): the
        tokens of replies whose server reported no cost, and the costs servers reported."""
        rows = self._conn.execute(
            "SELECT conversation_id, coalesce(model, ''),"
            " coalesce(sum(CASE WHEN cost IS NULL THEN prompt_tokens END), 0),"
            " coalesce(sum(CASE WHEN cost IS NULL THEN completion_tokens END), 0),"
            " sum(cost) FROM messages"
            " WHERE role = 'assistant' AND prompt_tokens IS NOT NULL"
            " GROUP BY conversation_id, model"
        ).fetchall()
        sums: dict[int, list[tuple[str, int, int, float | None]]] = {}
        for conversation_id, model, prompt, completion, cost in rows:
            per_model = (model, int(prompt), int(completion), cost)
            sums.setdefault(int(conversation_id), []).append(per_model)
        return sums

    @guarded
    def latest_conversation_id(self) -> int | None:
        """The most recently active conversation, or None when there is none."""
        row = self._conn.execute(
            "SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1"
        ).fetchone()
        return int(row[0]) if row else None

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
    def _first_user_text(conn: sqlite3.Connection, conversation_id: int) -> str:
        row = conn.execute(
            "SELECT content FROM messages WHERE conversation_id = ? AND role = 'user'"
            " AND trim(content) != '' ORDER BY id LIMIT 1",
            (conversation_id,),
        ).fetchone()
        return str(row[0]) if row else ""
