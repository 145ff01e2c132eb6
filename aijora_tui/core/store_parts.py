"""The rows behind message parts, attachment bytes and streaming progress (schema version 3).

Helpers for `store.Store`, each given the connection inside the caller's transaction. A plain
message (text and reasoning only, see `parts.is_plain`) has no part rows: its `content` and
`reasoning` columns say it all, as they did before parts existed. Bytes are stored once per
SHA-256 in `blobs`; the schema's trigger deletes them with the last part that refers to them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import replace

from aijora_tui.core.parts import (
    BLOB_KINDS,
    FilePart,
    ImagePart,
    Part,
    ToolCallPart,
    ToolResultPart,
    grow,
    is_plain,
    part_fields,
    part_from_fields,
    sha256_of,
)
from aijora_tui.core.records import StoredMessage

SEARCH_PIECE = 64 * 1024
"""Characters of one attachment or tool text that search indexes (bounds the index)."""
_CHUNK = 500
"""Message ids per query (SQLite limits the number of bound parameters)."""


def write_parts(conn: sqlite3.Connection, message_id: int, parts: Sequence[Part]) -> None:
    """Replace the message's part rows (plain parts need none) and what search finds in them.
    Bytes held in memory are stored."""
    conn.execute("DELETE FROM parts WHERE message_id = ?", (message_id,))
    conn.execute(
        "UPDATE messages SET search_extra = ?1 WHERE id = ?2 AND search_extra != ?1",
        (search_extra(parts), message_id),
    )
    if is_plain(parts):
        return
    for position, part in enumerate(parts):
        blob = _store_bytes(conn, part) if part.kind in BLOB_KINDS else None
        fields = part_fields(part)
        if blob is not None:
            fields["sha256"] = blob
        conn.execute(
            "INSERT INTO parts (message_id, position, kind, body, blob) VALUES (?, ?, ?, ?, ?)",
            (message_id, position, part.kind, json.dumps(fields, ensure_ascii=False), blob),
        )


def search_extra(parts: Sequence[Part]) -> str:
    """The searchable words of a message beyond its text: file names and text files, tool
    names, arguments and results (each cut to `SEARCH_PIECE` characters)."""
    pieces: list[str] = []
    for part in parts:
        if isinstance(part, FilePart):
            pieces += [part.name, part.text or ""]
        elif isinstance(part, ImagePart):
            pieces.append(part.name or "")
        elif isinstance(part, ToolCallPart):
            pieces += [part.name, part.arguments]
        elif isinstance(part, ToolResultPart):
            pieces.append(part.content)
    return "\n".join(piece[:SEARCH_PIECE] for piece in pieces if piece)


def _store_bytes(conn: sqlite3.Connection, part: Part) -> str | None:
    assert isinstance(part, FilePart | ImagePart)
    if part.data is None:
        return part.sha256
    sha256 = part.sha256 or sha256_of(part.data)
    conn.execute(
        "INSERT OR IGNORE INTO blobs (sha256, media_type, size, data) VALUES (?, ?, ?, ?)",
        (sha256, part.media_type, len(part.data), part.data),
    )
    return sha256


def read_blob(conn: sqlite3.Connection, sha256: str) -> bytes | None:
    row = conn.execute("SELECT data FROM blobs WHERE sha256 = ?", (sha256,)).fetchone()
    return bytes(row[0]) if row else None


def with_parts(conn: sqlite3.Connection, records: Sequence[StoredMessage]) -> list[StoredMessage]:
    """`records` with the parts of those that have rows, and the saved progress of replies
    that were still streaming (the app stopped before their final save)."""
    stored = _read_parts(conn, [record.id for record in records])
    streaming = [record.id for record in records if record.state == "streaming"]
    progress = read_progress(conn, streaming) if streaming else {}
    result = []
    for record in records:
        parts = stored.get(record.id)
        text, reasoning = progress.get(record.id, ("", ""))
        if text or reasoning:
            parts = parts or list(record.parts)
            grow(parts, text, reasoning)
        if parts is not None:
            record = replace(
                record,
                parts=tuple(parts),
                content=record.content + text,
                reasoning=record.reasoning + reasoning,
            )
        result.append(record)
    return result


def _read_parts(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[Part]]:
    found: dict[int, list[Part]] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT message_id, kind, body FROM parts WHERE message_id IN ({marks})"
            " ORDER BY message_id, position",
            chunk,
        ).fetchall()
        for message_id, kind, body in rows:
            part = _part(kind, body)
            if part is not None:
                found.setdefault(message_id, []).append(part)
    return found


def _part(kind: str, body: str) -> Part | None:
    """A stored part; None for one this version cannot read (written by a newer one)."""
    try:
        fields = json.loads(body)
        return part_from_fields(kind, fields) if isinstance(fields, dict) else None
    except ValueError:
        return None


def append_progress(conn: sqlite3.Connection, message_id: int, text: str, reasoning: str) -> None:
    conn.execute(
        "INSERT INTO progress (message_id, seq, text, reasoning) VALUES (?,"
        " (SELECT coalesce(max(seq), 0) + 1 FROM progress WHERE message_id = ?), ?, ?)",
        (message_id, message_id, text, reasoning),
    )


def read_progress(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """The pieces saved for each streaming message, joined: (text, reasoning)."""
    found: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT message_id, group_concat(text, ''), group_concat(reasoning, '') FROM"
            f" (SELECT * FROM progress WHERE message_id IN ({marks}) ORDER BY message_id, seq)"
            " GROUP BY message_id",
            chunk,
        ).fetchall()
        found.update({row[0]: (row[1] or "", row[2] or "") for row in rows})
    return found


def clear_progress(conn: sqlite3.Connection, message_id: int) -> None:
    conn.execute("DELETE FROM progress WHERE message_id = ?", (message_id,))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
