"""A tool call's outcome as text: whole for history, cut for the model.

An MCP result is a list of content blocks. Text blocks (and the text of embedded resources) are
joined with newlines; anything else (an image, audio, a binary resource, a link) is described in
one bracketed line, since the chat format has no place for it in a `role: "tool"` message. A
result with no blocks but structured content is that content as JSON.

History keeps the whole text up to `HISTORY_LIMIT`; the model gets at most `MODEL_LIMIT` bytes
with a marker saying how much was left out, so one verbose tool cannot fill the context window.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aijora_tui.core.attachments import human_size
from aijora_tui.core.parts import ToolCallPart, ToolResultPart

MODEL_LIMIT = 100 * 1024
"""Bytes (UTF-8) of a result sent to the model."""
HISTORY_LIMIT = 16 * 1024 * 1024
"""Bytes of a result kept in history: a bound on what a server can make us store."""
DENIED = "denied by the user"
"""What the model receives for a call the user (or `ask` without consent) refused."""


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    """What one call produced, with what the views show about it."""

    call: ToolCallPart
    content: str
    """The whole result text (history, copy, the expanded view)."""
    is_error: bool
    seconds: float
    """Wall time of the call itself (0 for a call that never ran)."""
    server: str | None = None
    """The MCP server that ran it, when one did."""

    @property
    def part(self) -> ToolResultPart:
        """The result as a message part, as saved in history."""
        return ToolResultPart(self.call.id, self.content, self.is_error)

    @property
    def for_model(self) -> str:
        """The text sent back as the `role: "tool"` message (cut at `MODEL_LIMIT`)."""
        return cut_for_model(self.content)


def cut_for_model(text: str, limit: int = MODEL_LIMIT) -> str:
    """`text`, or its first `limit` bytes and a marker saying how much was left out."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    kept = data[:limit].decode("utf-8", "ignore")
    left = len(data) - len(kept.encode("utf-8", "surrogatepass"))
    whole = human_size(len(data))
    return f"{kept}\n[… result cut for the model: {human_size(left)} more of {whole}]"


def keep_for_history(text: str) -> str:
    """`text` bounded by `HISTORY_LIMIT`, with the same kind of marker."""
    return cut_for_model(text, HISTORY_LIMIT)


def result_text(blocks: list[Any], structured: Any = None) -> str:
    """The text of an MCP `CallToolResult`'s content blocks (or its structured content)."""
    pieces = [_block_text(block) for block in blocks]
    if not pieces and structured is not None:
        return json.dumps(structured, ensure_ascii=False, indent=2)
    return "\n".join(pieces)


def _block_text(block: Any) -> str:
    kind = getattr(block, "type", None)
    if kind == "text":
        return str(block.text)
    if kind in ("image", "audio"):
        size = _decoded_size(block.data)
        return f"[{kind}: {block.mime_type}, {human_size(size)}, not shown to the model]"
    if kind == "resource_link":
        return f"[resource link: {block.name} {block.uri}]"
    if kind == "resource":
        resource = block.resource
        text = getattr(resource, "text", None)
        if isinstance(text, str):
            return text
        mime = resource.mime_type or "unknown type"
        size = _decoded_size(getattr(resource, "blob", ""))
        return f"[resource {resource.uri}: {mime}, {human_size(size)}, not shown to the model]"
    return f"[{kind or 'unknown'} content, not shown to the model]"


def _decoded_size(data: str) -> int:
    """Bytes a base64 text stands for (without decoding it)."""
    data = data.strip()
    return len(data) * 3 // 4 - len(data) + len(data.rstrip("="))
