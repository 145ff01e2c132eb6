"""The conversation database schema, as a list of upgrade steps.

`PRAGMA user_version` holds how many steps a database has received. `upgrade()` applies the
missing ones, each in its own `BEGIN IMMEDIATE` transaction, so that a failed step leaves the
database at the previous version and two processes opening a new database at the same time do
not both apply a step. Steps are history: never edit one that has shipped, append a new one.

| version | adds |
|---|---|
| 1 | conversations, messages (a tree per conversation), drafts |
| 2 | messages_fts: an FTS5 index over message text, kept current by triggers |
| 3 | parts (a message's typed parts, when it has more than text and reasoning), blobs (bytes of |
|   | attachments, stored once by SHA-256, deleted with their last part), progress (text of a |
|   | streaming reply saved in pieces), conversations.settings (JSON, per conversation), |
|   | messages.search_extra (attachments, tool calls and results) in the search index, |
|   | messages.cost (what the server said a reply cost) |
"""

from __future__ import annotations

import sqlite3

_V1_BASE_TABLES = (
    """
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        title_is_custom INTEGER NOT NULL DEFAULT 0,
        system_prompt TEXT,
        model TEXT,
        active_leaf_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    """
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content TEXT NOT NULL DEFAULT '',
        reasoning TEXT NOT NULL DEFAULT '',
        model TEXT,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        total_tokens INTEGER,
        state TEXT NOT NULL DEFAULT 'completed'
            CHECK (state IN ('completed', 'streaming', 'cancelled', 'interrupted', 'failed')),
        finish_reason TEXT,
        error TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    # Covers the per-conversation token sums and counts of the conversation list.
    "CREATE INDEX messages_by_conversation ON messages(conversation_id, total_tokens)",
    "CREATE INDEX messages_by_parent ON messages(parent_id)",
    "CREATE INDEX conversations_by_update ON conversations(updated_at, id)",
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE,
        text TEXT NOT NULL,
        updated_at REAL NOT NULL
    )
    """,
    # One draft per conversation, and one global draft (conversation_id NULL -> 0).
    "CREATE UNIQUE INDEX drafts_by_conversation ON drafts(ifnull(conversation_id, 0))",
)

_V2_FULL_TEXT_SEARCH = (
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END
    """,
    """
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
    END
    """,
    """
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content)
            VALUES ('delete', old.id, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
    END
    """,
    # Index the messages written before this version existed.
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
)

_V3_PARTS = (
    # `body` is the part as JSON (without its bytes); `blob` addresses the bytes of a file or
    # image part. A message without rows here is plain: its `content` and `reasoning` columns
    # say all (every message written by version 2 is).
    """
    CREATE TABLE parts (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        blob TEXT,
        PRIMARY KEY (message_id, position)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX parts_by_blob ON parts(blob) WHERE blob IS NOT NULL",
    """
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        media_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
    ) WITHOUT ROWID
    """,
    # Bytes go when the last part that refers to them goes (a deleted message or conversation
    # deletes its parts by cascade, which fires this too).
    """
    CREATE TRIGGER parts_release_blob AFTER DELETE ON parts WHEN old.blob IS NOT NULL BEGIN
        DELETE FROM blobs WHERE sha256 = old.blob
            AND NOT EXISTS (SELECT 1 FROM parts WHERE blob = old.blob);
    END
    """,
    # A streaming reply is saved by appending pieces here rather than rewriting (and
    # re-indexing) its whole text every second; its final save folds them into `content`.
    """
    CREATE TABLE progress (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        text TEXT NOT NULL,
        reasoning TEXT NOT NULL,
        PRIMARY KEY (message_id, seq)
    ) WITHOUT ROWID
    """,
    "ALTER TABLE conversations ADD COLUMN settings TEXT",
    # What search finds besides a message's text: its attachments' names and text, its tool
    # calls and their results. The index is made again over both columns.
    "ALTER TABLE messages ADD COLUMN search_extra TEXT NOT NULL DEFAULT ''",
    # What the server said a reply cost (`usage.cost`), kept beside its token counts.
    "ALTER TABLE messages ADD COLUMN cost REAL",
    "DROP TRIGGER messages_fts_insert",
    "DROP TRIGGER messages_fts_delete",
    "DROP TRIGGER messages_fts_update",
    "DROP TABLE messages_fts",
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        content, search_extra, content='messages', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content, search_extra)
            VALUES (new.id, new.content, new.search_extra);
    END
    """,
    """
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, search_extra)
            VALUES ('delete', old.id, old.content, old.search_extra);
    END
    """,
    """
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, search_extra ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content, search_extra)
            VALUES ('delete', old.id, old.content, old.search_extra);
        INSERT INTO messages_fts(rowid, content, search_extra)
            VALUES (new.id, new.content, new.search_extra);
    END
    """,
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
)

STEPS: tuple[tuple[str, ...], ...] = (_V1_BASE_TABLES, _V2_FULL_TEXT_SEARCH, _V3_PARTS)
"""Upgrade steps; step `i` takes a database from version `i` to version `i + 1`."""
LATEST_VERSION = len(STEPS)


class NewerSchemaError(Exception):
    """The database was written by a newer aijora-tui whose schema this one does not know."""


def user_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the database file (0 for a new file)."""
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def upgrade(
    conn: sqlite3.Connection,
    steps: tuple[tuple[str, ...], ...] = STEPS,
    target: int | None = None,
) -> None:
    """Bring the database up to `target` (default: the latest version).

    The connection must be in autocommit mode (`isolation_level=None`).

    Raises:
        NewerSchemaError: the database is at a version above the latest known one.
        sqlite3.Error: a step failed; that step is rolled back.
    """
    target = len(steps) if target is None else target
    version = user_version(conn)
    if version > len(steps):
        raise NewerSchemaError(
            f"the database has schema version {version}, newer than this aijora-tui knows "
            f"({len(steps)}); upgrade aijora-tui"
        )
    while version < target:
        _apply(conn, steps[version], version + 1)
        version = user_version(conn)


def _apply(conn: sqlite3.Connection, statements: tuple[str, ...], version: int) -> None:
    """Run one step in a transaction, unless another process applied it meanwhile."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if user_version(conn) == version - 1:
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # some errors (disk full) already rolled it back
            conn.execute("ROLLBACK")
        raise
