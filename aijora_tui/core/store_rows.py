"""Rows of the store's tables as records, and the values written into them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from aijora_tui.core.models import Role, Usage
from aijora_tui.core.parts import plain_parts
from aijora_tui.core.records import (
    ConversationSummary,
    MessageState,
    StoredConversation,
    StoredMessage,
)
from aijora_tui.core.store_base import UnknownValue

TITLE_LENGTH = 60

CONVERSATION_COLUMNS = (
    "id, title, title_is_custom, system_prompt, model, active_leaf_id, created_at, updated_at,"
    " settings"
)
MESSAGE_COLUMNS = (
    "id, conversation_id, parent_id, role, content, reasoning, model, prompt_tokens,"
    " completion_tokens, total_tokens, state, finish_reason, error, created_at, updated_at, cost"
)


def conversation_from(row: tuple[Any, ...]) -> StoredConversation:
    id_, title, custom, system_prompt, model, leaf, created, updated, settings = row
    return StoredConversation(
        id_,
        title,
        bool(custom),
        system_prompt,
        model,
        leaf,
        time_from(created),
        time_from(updated),
        settings_from(settings),
    )


def settings_json(settings: Mapping[str, Any] | None) -> str | None:
    return json.dumps(dict(settings), ensure_ascii=False) if settings else None


def settings_from(text: str | None) -> dict[str, Any]:
    """Saved settings; anything unreadable counts as none (they are preferences, not data)."""
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def message_from(row: tuple[Any, ...]) -> StoredMessage:
    (id_, conversation_id, parent_id, role, content, reasoning, model) = row[:7]
    prompt, completion, total, state, finish_reason, error, created, updated, cost = row[7:]
    return StoredMessage(
        id=id_,
        conversation_id=conversation_id,
        parent_id=parent_id,
        role=role_of(role),
        content=content,
        reasoning=reasoning,
        model=model,
        usage=usage_from(prompt, completion, total, cost),
        state=cast(MessageState, state),
        finish_reason=finish_reason,
        error=error,
        created_at=time_from(created),
        updated_at=time_from(updated),
        parts=tuple(plain_parts(content, reasoning)),
    )


def summary_from(row: tuple[Any, ...]) -> ConversationSummary:
    id_, title, created, updated, model, tokens, count = row
    return ConversationSummary(
        id_, title, time_from(created), time_from(updated), model, tokens, count
    )


def usage_from(
    prompt: int | None, completion: int | None, total: int | None, cost: float | None = None
) -> Usage | None:
    if prompt is None and completion is None and total is None:
        return None
    prompt, completion = prompt or 0, completion or 0
    total = prompt + completion if total is None else total
    return Usage(prompt, completion, total, cost=cost)


def role_of(value: str) -> Role:
    """Roles are checked by the schema, so a stored one is always a `Role`."""
    return cast(Role, value)


def time_from(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def rowid(cursor: sqlite3.Cursor) -> int:
    assert cursor.lastrowid is not None  # set by every INSERT
    return cursor.lastrowid


def check(value: str, allowed: frozenset[str], what: str) -> None:
    if value not in allowed:
        raise UnknownValue(f"unknown message {what} {value!r}; expected one of {sorted(allowed)}")


def title_from(text: str) -> str:
    """The automatic title: the first non-blank line, whitespace collapsed, cut to 60 chars."""
    line = next((" ".join(line.split()) for line in text.splitlines() if line.strip()), "")
    if len(line) <= TITLE_LENGTH:
        return line
    return line[: TITLE_LENGTH - 1].rstrip() + "…"
