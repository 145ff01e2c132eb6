"""Searching every message, drafts, and exports of the store (see `store.py`)."""

from __future__ import annotations

import time
from typing import Any

from aijora_tui.core import export
from aijora_tui.core.records import SearchHit, StoredConversation, StoredMessage
from aijora_tui.core.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    fts_query,
    highlighter,
    make_snippet,
)
from aijora_tui.core.store_base import NotFound, StoreBase, guarded
from aijora_tui.core.store_rows import role_of

SEARCH_WINDOW = 1000
"""How many of the most recent matching messages a search ranks."""


class SearchAndDrafts(StoreBase):
    """Full-text search, drafts and exports; `active_path`/`get_conversation` come from `Store`."""

    def get_conversation(self, conversation_id: int) -> StoredConversation | None:
        raise NotImplementedError

    def active_path(self, conversation_id: int) -> list[StoredMessage]:
        raise NotImplementedError

    @guarded
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
            " SELECT m.conversation_id, m.id, c.title, m.role,"
            " m.content || char(10) || m.search_extra, top.rank"
            " FROM top JOIN messages m USING (id) JOIN conversations c ON c.id = m.conversation_id"
            " ORDER BY top.rank",
            (match, SEARCH_WINDOW, limit),
        ).fetchall()
        pattern = highlighter(query)
        return [
            SearchHit(conversation, message, title, role_of(role), snippet, rank)
            for conversation, message, title, role, content, rank in rows
            for snippet in [make_snippet(content, pattern, start, end)]
        ]

    @guarded
    def save_draft(self, conversation_id: int | None, text: str) -> None:
        """Remember the unsent prompt of a conversation (None: a new one); empty text clears it."""
        with self._write() as conn:
            conn.execute("DELETE FROM drafts WHERE conversation_id IS ?", (conversation_id,))
            if text:
                conn.execute(
                    "INSERT INTO drafts (conversation_id, text, updated_at) VALUES (?, ?, ?)",
                    (conversation_id, text, time.time()),
                )

    @guarded
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

    def export_json(
        self, conversation_id: int, *, with_attachments: bool = False
    ) -> dict[str, Any]:
        """The active path as JSON-ready data (see `export.to_json` for the shape); with
        `with_attachments`, the attachments' bytes are embedded (base64).

        Raises:
            NotFound: no such conversation.
        """
        conversation, messages = self._exportable(conversation_id)
        return export.to_json(conversation, messages, self.blob if with_attachments else None)

    def blob(self, sha256: str) -> bytes:
        raise NotImplementedError

    def _exportable(self, conversation_id: int) -> tuple[StoredConversation, list[StoredMessage]]:
        conversation = self.get_conversation(conversation_id)
        if conversation is None:
            raise NotFound(f"no conversation with id {conversation_id}")
        return conversation, self.active_path(conversation_id)
