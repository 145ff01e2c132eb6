"""The history sent to the server, built from the entries of the active path.

One rule for both faces: the system prompt first; reasoning never sent; a reply that failed
without any text or call left out; neighbours of one role joined (strict servers reject two user
turns in a row, e.g. a question whose reply failed and the next one). Parts map to the OpenAI
chat format: a text-only message is a string; a message with attachments is a content array —
its text first, then the attachments in order (`text` for a text file, fenced and named;
`image_url` with a data URL for an image; `file` with a data URL for a PDF). An assistant turn
that called tools becomes an assistant message with `tool_calls`, one `role: "tool"` message per
result (cut to `tools.results.MODEL_LIMIT` for the model; history keeps it whole), then the text
that followed. A call that never got a result is not sent: servers refuse a call without its
answer.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aijora_tui.core.context import sent_entries
from aijora_tui.core.conversation import Entry
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.parts import (
    FilePart,
    ImagePart,
    Part,
    SummaryPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
)
from aijora_tui.core.tools.results import cut_for_model

SUMMARY_INTRO = "A summary of our conversation before this message:"
BlobReader = Callable[[str], bytes]
"""Returns the stored bytes with the given SHA-256 (the store's `blob()`)."""
Content = str | list[dict[str, Any]]


class MissingBlob(LookupError):
    """An attachment's bytes are neither in memory nor readable from the store."""


def has_attachments(entries: Iterable[Entry]) -> bool:
    return any(entry.attachments for entry in entries if entry.role == "user")


def needs_blobs(entries: Iterable[Entry]) -> bool:
    """Whether building the request must read attachment bytes from the store (do it off the
    UI thread then)."""
    return any(
        isinstance(part, FilePart | ImagePart) and part.data is None and part.sha256
        for entry in entries
        if entry.role == "user"
        for part in entry.parts
    )


def request_messages(
    entries: Sequence[Entry],
    system_prompt: str | None,
    blobs: BlobReader | None = None,
    *,
    attachments: bool = True,
) -> list[ChatMessage]:
    """The messages to send for the conversation `entries`, oldest first; without
    `attachments`, the files and images of the history are left out (a model that refused
    them)."""
    messages = [ChatMessage("system", system_prompt)] if system_prompt else []
    for entry in sent_entries(entries):
        if entry.role == "user":
            content = _user_content(entry.parts, blobs if attachments else None, attachments)
            _append(messages, ChatMessage("user", content))
        elif entry.role == "assistant":
            for message in _assistant_messages(entry.parts):
                _append(messages, message)
    return messages


def _append(messages: list[ChatMessage], message: ChatMessage) -> None:
    """Add `message`, joined to the previous one when both are of one role and plain content."""
    last = messages[-1] if messages else None
    if (
        last is None
        or last.role != message.role
        or message.role not in ("user", "assistant")
        or last.tool_calls
        or message.tool_calls
    ):
        messages.append(message)
        return
    messages[-1] = ChatMessage(message.role, _join(last.content, message.content, message.role))


def _join(first: Content | None, second: Content | None, role: str) -> Content:
    if isinstance(first, str) and isinstance(second, str):
        return first + ("" if role == "assistant" else "\n\n") + second
    return _as_array(first) + _as_array(second)


def _as_array(content: Content | None) -> list[dict[str, Any]]:
    if content is None or content == "":
        return []
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def _user_content(parts: Sequence[Part], blobs: BlobReader | None, attached: bool) -> Content:
    text = "".join(part.text for part in parts if isinstance(part, TextPart))
    summaries = [part.text for part in parts if isinstance(part, SummaryPart)]
    if summaries:
        text = f"{SUMMARY_INTRO}\n{chr(10).join(summaries)}\n\n{text}"
    attachments = [part for part in parts if isinstance(part, FilePart | ImagePart) and attached]
    if not attachments:
        return text
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    content += [_attachment(part, blobs) for part in attachments]
    return content


def _attachment(part: FilePart | ImagePart, blobs: BlobReader | None) -> dict[str, Any]:
    if isinstance(part, FilePart) and part.text is not None:
        return {"type": "text", "text": fenced_file(part.name, part.text)}
    if isinstance(part, ImagePart) and part.url and not (part.data or part.sha256):
        return {"type": "image_url", "image_url": {"url": part.url}}
    url = data_url(part.media_type, _bytes(part, blobs))
    if isinstance(part, ImagePart):
        return {"type": "image_url", "image_url": {"url": url}}
    return {"type": "file", "file": {"filename": part.name, "file_data": url}}


def _bytes(part: FilePart | ImagePart, blobs: BlobReader | None) -> bytes:
    if part.data is not None:
        return part.data
    if part.sha256 and blobs is not None:
        try:
            return blobs(part.sha256)
        except LookupError:
            pass
    raise MissingBlob(f"the bytes of {part.name or 'an attachment'} are missing from the history")


_BASE64_SLICE = 3 * 64 * 1024
"""Bytes encoded at a time by `data_url` (a multiple of 3, so the pieces join seamlessly)."""


def data_url(media_type: str, data: bytes) -> str:
    """`data:<media_type>;base64,...` of `data`, encoded a slice at a time into a buffer made
    once: binascii holds the GIL for a whole call, and a growing buffer is copied as it grows,
    so one call over 15 MB would stall the event loop for tens of milliseconds even from a
    worker thread; slices let the loop run in between (bench/bench_attach.py)."""
    prefix = f"data:{media_type};base64,".encode("ascii")
    encoded = bytearray(len(prefix) + (len(data) + 2) // 3 * 4)
    encoded[: len(prefix)] = prefix
    position = len(prefix)
    view = memoryview(data)
    for start in range(0, len(data), _BASE64_SLICE):
        piece = base64.b64encode(view[start : start + _BASE64_SLICE])
        encoded[position : position + len(piece)] = piece
        position += len(piece)
    return encoded.decode("ascii")


def fenced_file(name: str, text: str) -> str:
    """A text file as the model sees it: its name, then its text in a fence longer than any
    run of backticks inside, so the model sees exactly where the file starts and ends."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    newline = "" if text.endswith("\n") else "\n"
    return f"File: {name}\n{fence}\n{text}{newline}{fence}"


def _assistant_messages(parts: Sequence[Part]) -> list[ChatMessage]:
    """One assistant turn as wire messages: text and calls, then the calls' results, repeated
    for every round of tool calls the turn went through."""
    answered = {part.call_id for part in parts if isinstance(part, ToolResultPart)}
    messages: list[ChatMessage] = []
    text: list[str] = []
    calls: list[ToolCallPart] = []

    def close_round() -> None:
        if text or calls:
            wire_calls = tuple(_wire_call(call) for call in calls)
            messages.append(ChatMessage("assistant", "".join(text) or None, wire_calls))
        text.clear()
        calls.clear()

    for part in parts:
        if isinstance(part, TextPart | SummaryPart):
            if calls:
                close_round()
            text.append(part.text)
        elif isinstance(part, ToolCallPart) and part.id in answered:
            calls.append(part)
        elif isinstance(part, ToolResultPart):
            close_round()
            content = cut_for_model(part.content)
            messages.append(ChatMessage("tool", content, tool_call_id=part.call_id))
    close_round()
    return [message for message in messages if message.content or message.tool_calls]


def _wire_call(call: ToolCallPart) -> dict[str, Any]:
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }
