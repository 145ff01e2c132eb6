"""Widgets for the parts of a message beyond its text: a reply's tool activity (the text between
rounds, each call with its result) and a message's attachments (files listed, images drawn).

A reply that called tools is a list of parts in the order things happened (`core/parts.py`):
text, calls, their results, more text. `segments()` cuts it into the text runs and the calls
(each with its result, if it got one), which `MessageView` shows in that order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from aijora_tui.core.attachments import describe
from aijora_tui.core.errors import one_line
from aijora_tui.core.parts import FilePart, ImagePart, Part, TextPart, ToolCallPart, ToolResultPart
from aijora_tui.core.sanitize import sanitize
from aijora_tui.tui.widgets.image_view import BlobLoader, ImageView
from aijora_tui.tui.widgets.markdown_view import MarkdownView
from aijora_tui.tui.widgets.tool_result import ToolResultView


@dataclass(frozen=True)
class CallSegment:
    call: ToolCallPart
    result: ToolResultPart | None


Segment = str | CallSegment


def has_tool_activity(parts: Sequence[Part]) -> bool:
    return any(isinstance(part, ToolCallPart | ToolResultPart) for part in parts)


def segments(parts: Sequence[Part]) -> list[Segment]:
    """The text runs and calls of a reply, in order (reasoning is shown apart)."""
    results = {part.call_id: part for part in parts if isinstance(part, ToolResultPart)}
    found: list[Segment] = []
    for part in parts:
        if isinstance(part, TextPart):
            if found and isinstance(found[-1], str):
                found[-1] += part.text
            else:
                found.append(part.text)
        elif isinstance(part, ToolCallPart):
            found.append(CallSegment(part, results.get(part.id)))
    return found


def segment_widgets(parts: Sequence[Part], *, streaming: bool = False) -> list[Widget]:
    """Widgets for a reply with tool activity; while it `streaming`, without the text of the
    round in progress (its stream shows that)."""
    found = segments(parts)
    if streaming and found and isinstance(found[-1], str):
        found.pop()
    widgets: list[Widget] = []
    for segment in found:
        if isinstance(segment, str):
            if segment.strip():
                widgets.append(MarkdownView(segment, classes="message-body"))
        else:
            widgets.append(call_widget(segment.call, segment.result))
    return widgets


def attachment_widgets(parts: Sequence[Part], load: BlobLoader | None) -> list[Widget]:
    """A message's files (one line each: name, kind, size) and images (drawn, or a chip)."""
    widgets: list[Widget] = []
    for part in parts:
        if isinstance(part, ImagePart):
            widgets.append(ImageView(part, load))
        elif isinstance(part, FilePart):
            line = f"📎 {sanitize(one_line(part.name, 120))} · {describe(part)}"
            widgets.append(Static(Content(line), classes="attachment-line", markup=False))
    return widgets


def call_widget(
    call: ToolCallPart, result: ToolResultPart | None, seconds: float | None = None
) -> Widget:
    """A call's result, collapsed; a call that never got one says so."""
    if result is None:
        return Static(f"tool {one_line(call.name, 80)} was not run", classes="tool-not-run")
    return ToolResultView(call.name, result.content, is_error=result.is_error, seconds=seconds)
