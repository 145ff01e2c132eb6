"""What the conversation store hands out: frozen records, apart from the rows they come from.

Used by `store.py` (which builds them), `export.py`, the CLI and the UI; no SQL here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from aijora_tui.core.models import Role, Usage
from aijora_tui.core.parts import Part

MessageState = Literal["completed", "streaming", "cancelled", "interrupted", "failed"]
"""`streaming` while a reply arrives; the others are how it ended."""
MESSAGE_STATES: frozenset[str] = frozenset(get_args(MessageState))


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One saved message: a node of its conversation's tree."""

    id: int
    conversation_id: int
    parent_id: int | None
    role: Role
    content: str
    reasoning: str
    model: str | None
    usage: Usage | None
    state: MessageState
    finish_reason: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    parts: tuple[Part, ...] = ()
    """The message's parts in order; `content` is their text and `reasoning` their reasoning."""


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """A conversation's own fields; its messages come from `Store.active_path()`."""

    id: int
    title: str
    """Empty until the first user message names it (or the user renames it)."""
    title_is_custom: bool
    system_prompt: str | None
    model: str | None
    """The model of the most recent message that named one."""
    active_leaf_id: int | None
    created_at: datetime
    updated_at: datetime
    """When the last message was added."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Per-conversation settings (provider, sampling...), as saved with it."""


@dataclass(frozen=True, slots=True)
class ConversationSummary:
    """One line of the conversation list."""

    id: int
    title: str
    created_at: datetime
    updated_at: datetime
    model: str | None
    total_tokens: int
    """Tokens of every stored reply, all branches included: what the conversation cost."""
    message_count: int
    """Messages in every branch."""


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message that matches a search."""

    conversation_id: int
    message_id: int
    title: str
    role: Role
    snippet: str
    """Text around the match, with each matched term between the two marker strings."""
    rank: float
    """BM25 score from FTS5: lower is a better match."""
