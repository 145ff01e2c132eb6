"""Message parts: a message is an ordered list of typed parts.

A plain chat message is one `TextPart`. A reply may also carry `ReasoningPart`s (never sent back
to the model), `ToolCallPart`s and, after the calls ran, `ToolResultPart`s — one assistant turn
can hold several call/result rounds, in the order they happened. A user message may carry
`FilePart`s and `ImagePart`s (attachments). A `SummaryPart` stands in for older turns that were
compacted. Bytes (images, PDFs) are stored once in the conversation store, addressed by their
SHA-256 (`sha256`); in memory a part may also hold them in `data` until they are saved.

`request.py` maps parts to the OpenAI chat format; `store.py` saves and loads them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class TextPart:
    """Answer or prompt text (Markdown)."""

    text: str
    kind: Literal["text"] = field(default="text", init=False)


@dataclass(frozen=True, slots=True)
class ReasoningPart:
    """The model's reasoning (`reasoning_content` / `reasoning`): shown apart, never sent back."""

    text: str
    kind: Literal["reasoning"] = field(default="reasoning", init=False)


@dataclass(frozen=True, slots=True)
class FilePart:
    """An attached file: a text file is sent inline (`text`); other files as stored bytes."""

    name: str
    """The file's name as the user gave it (no directories), shown and sent to the model."""
    media_type: str
    size: int
    """Bytes of the original file."""
    text: str | None = None
    """A text file's content (UTF-8); None for a binary file such as a PDF."""
    sha256: str | None = None
    """Address of the stored bytes of a binary file."""
    data: bytes | None = field(default=None, repr=False, compare=False)
    """The bytes, while they are in memory (before saving, or loaded to send)."""
    kind: Literal["file"] = field(default="file", init=False)


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image: attached by the user, or generated; stored bytes, or a URL."""

    media_type: str
    size: int = 0
    name: str | None = None
    sha256: str | None = None
    url: str | None = None
    data: bytes | None = field(default=None, repr=False, compare=False)
    kind: Literal["image"] = field(default="image", init=False)


@dataclass(frozen=True, slots=True)
class ToolCallPart:
    """A call the model asked for: `arguments` is the JSON text exactly as the model wrote it."""

    id: str
    name: str
    arguments: str
    kind: Literal["tool_call"] = field(default="tool_call", init=False)


@dataclass(frozen=True, slots=True)
class ToolResultPart:
    """What a tool call returned (or why it did not run), sent back as a `role: "tool"` message."""

    call_id: str
    content: str
    is_error: bool = False
    kind: Literal["tool_result"] = field(default="tool_result", init=False)


@dataclass(frozen=True, slots=True)
class SummaryPart:
    """A summary of older turns, sent instead of them (the originals stay in history)."""

    text: str
    kind: Literal["summary"] = field(default="summary", init=False)


Part = TextPart | ReasoningPart | FilePart | ImagePart | ToolCallPart | ToolResultPart | SummaryPart
BLOB_KINDS: frozenset[str] = frozenset({"file", "image"})
"""Kinds whose bytes may live in the store's blob table."""


def sha256_of(data: bytes) -> str:
    """The content address of stored bytes."""
    return hashlib.sha256(data).hexdigest()


def text_of(parts: Iterable[Part]) -> str:
    """The message text: its text parts joined (what search, titles and copies use)."""
    return "".join(part.text for part in parts if isinstance(part, TextPart))


def reasoning_of(parts: Iterable[Part]) -> str:
    """The reasoning parts joined."""
    return "".join(part.text for part in parts if isinstance(part, ReasoningPart))


def is_plain(parts: Sequence[Part]) -> bool:
    """Whether `parts` say no more than a text and a reasoning column can: at most one reasoning
    part followed by at most one text part. Such messages need no rows of their own in the
    store's `parts` table (every message written by 0.1 is plain)."""
    kinds = [part.kind for part in parts]
    return kinds in ([], ["text"], ["reasoning"], ["reasoning", "text"])


def plain_parts(text: str, reasoning: str = "") -> list[Part]:
    """The parts of a plain message: its reasoning (if any), then its text (if any)."""
    parts: list[Part] = []
    if reasoning:
        parts.append(ReasoningPart(reasoning))
    if text:
        parts.append(TextPart(text))
    return parts


def grow(parts: list[Part], text: str, reasoning: str = "") -> None:
    """Add streamed text and reasoning to a message's parts, in place.

    Text grows the last part when it is text, else starts one. Reasoning grows the reasoning
    part being written: the last part, or the one just before a text part that is still
    growing (reasoning that arrives after the answer began belongs with the reasoning);
    otherwise it starts one before that text.
    """
    if reasoning:
        last = parts[-1] if parts else None
        if isinstance(last, ReasoningPart):
            parts[-1] = ReasoningPart(last.text + reasoning)
        elif isinstance(last, TextPart):
            before = parts[-2] if len(parts) > 1 else None
            if isinstance(before, ReasoningPart):
                parts[-2] = ReasoningPart(before.text + reasoning)
            else:
                parts.insert(len(parts) - 1, ReasoningPart(reasoning))
        else:
            parts.append(ReasoningPart(reasoning))
    if text:
        last = parts[-1] if parts else None
        if isinstance(last, TextPart):
            parts[-1] = TextPart(last.text + text)
        else:
            parts.append(TextPart(text))


_KINDS: dict[str, type[Part]] = {
    "text": TextPart,
    "reasoning": ReasoningPart,
    "file": FilePart,
    "image": ImagePart,
    "tool_call": ToolCallPart,
    "tool_result": ToolResultPart,
    "summary": SummaryPart,
}


def part_fields(part: Part) -> dict[str, Any]:
    """A part as JSON-ready fields: everything but its kind and its bytes."""
    return {
        name: getattr(part, name)
        for name in part.__dataclass_fields__
        if name not in ("kind", "data")
    }


def part_from_fields(kind: str, fields: dict[str, Any]) -> Part:
    """The part `part_fields()` described; unknown fields are ignored (a newer version's).

    Raises:
        ValueError: an unknown kind, or fields that do not make that kind of part.
    """
    cls = _KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown part kind {kind!r}")
    known = {name: value for name, value in fields.items() if name in _INIT_FIELDS[kind]}
    try:
        return cls(**known)
    except TypeError as error:
        raise ValueError(f"a {kind} part without {error}") from None


_INIT_FIELDS: dict[str, frozenset[str]] = {
    kind: frozenset(name for name, f in cls.__dataclass_fields__.items() if f.init)
    for kind, cls in _KINDS.items()
}
