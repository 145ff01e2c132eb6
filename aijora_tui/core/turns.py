"""What a session hands its faces: a turn to stream, and the outcome of each step of one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aijora_tui.core.conversation import Entry
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.parts import FilePart, ImagePart
from aijora_tui.core.request import has_attachments


@dataclass
class Turn:
    """One request for a reply: the entry it streams into and what to send."""

    entry: Entry
    history: list[Entry]
    """The entries the request is built from (the path before the reply)."""
    model: str
    params: dict[str, Any]
    extra: list[ChatMessage] = field(default_factory=list)
    """Messages sent after the history but not stored (the continue instruction)."""
    attachments: bool = True
    """The history's files and images are sent (off after the model refused them)."""

    @property
    def offers_tools(self) -> bool:
        return "tools" in self.params

    @property
    def sends_attachments(self) -> bool:
        return self.attachments and has_attachments(self.history)


@dataclass(frozen=True)
class Prompt:
    """What the user sent: text and attachments (kept together while queued)."""

    text: str
    attachments: tuple[FilePart | ImagePart, ...] = ()


@dataclass(frozen=True)
class Sent:
    """A prompt became a user message; the entries from `cut` on were replaced (an edit)."""

    entry: Entry
    cut: int | None = None


@dataclass(frozen=True)
class Queued:
    """A prompt waits for the streaming reply to end."""

    count: int


@dataclass(frozen=True)
class Ended:
    """A reply ended; `next_prompt` is the queued prompt to send now, if any; `handed_back`
    is the queued text to give back to the user (the reply did not complete)."""

    entry: Entry
    next_prompt: Prompt | None = None
    handed_back: str = ""
