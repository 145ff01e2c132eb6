"""Conversation exports: Markdown to read, JSON to keep or process.

Both take what the store holds for the active path and nothing else; no setting (API key,
base URL) ever reaches an export. Times are UTC, ISO 8601 in JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aijora_tui.core.attachments import describe
from aijora_tui.core.parts import (
    FilePart,
    ImagePart,
    Part,
    SummaryPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    part_fields,
)
from aijora_tui.core.records import StoredConversation, StoredMessage

BlobReader = Callable[[str], bytes]

JSON_FORMAT = "aijora-tui.conversation"
JSON_VERSION = 1
UNTITLED = "Untitled conversation"
_STATE_NOTES = {
    "streaming": "The reply was still being written when this was exported.",
    "cancelled": "The reply was cancelled; the text above is partial.",
    "interrupted": "The connection broke; the text above is partial.",
    "failed": "The request failed.",
}


def to_json(
    conversation: StoredConversation,
    messages: list[StoredMessage],
    attachments: BlobReader | None = None,
) -> dict[str, Any]:
    """The conversation as plain JSON data (`json.dumps` it); messages root first.

    Each message keeps the fields of version 1 (`content` is its text, `reasoning` its
    reasoning) and lists its `parts` in order, each with its `kind`; a file or image part names
    its bytes by `sha256`, and with `attachments` (a reader of stored bytes) embeds them as
    base64 `data`.
    """
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "id": conversation.id,
        "title": conversation.title,
        "model": conversation.model,
        "system_prompt": conversation.system_prompt,
        "created": _iso(conversation.created_at),
        "updated": _iso(conversation.updated_at),
        "messages": [_message_json(message, attachments) for message in messages],
    }


def _message_json(message: StoredMessage, attachments: BlobReader | None) -> dict[str, Any]:
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "model": message.model,
        "usage": message.usage.to_dict() if message.usage else None,
        "state": message.state,
        "finish_reason": message.finish_reason,
        "error": message.error,
        "created": _iso(message.created_at),
        "updated": _iso(message.updated_at),
        "parts": [_part_json(part, attachments) for part in message.parts],
    }


def _part_json(part: Part, attachments: BlobReader | None) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": part.kind, **part_fields(part)}
    if isinstance(part, FilePart | ImagePart) and attachments is not None and part.sha256:
        try:
            data["data"] = base64.b64encode(attachments(part.sha256)).decode("ascii")
        except LookupError:
            data["data"] = None  # the bytes are gone from the database
    return data


def to_markdown(conversation: StoredConversation, messages: list[StoredMessage]) -> str:
    """The conversation as a Markdown document: a header, then one section per message."""
    lines = [f"# {_one_line(conversation.title) or UNTITLED}", ""]
    if conversation.model:
        lines.append(f"- Model: {conversation.model}")
    lines += [f"- Created: {_stamp(conversation.created_at)}", ""]
    if conversation.system_prompt:
        lines += ["## System prompt", "", conversation.system_prompt, ""]
    for message in messages:
        lines += _message_markdown(message)
    return "\n".join(lines).rstrip("\n") + "\n"


def _message_markdown(message: StoredMessage) -> list[str]:
    heading = [message.role.capitalize()]
    if message.role == "assistant" and message.model:
        heading.append(message.model)
    heading.append(_stamp(message.created_at))
    lines = ["---", "", f"## {' · '.join(heading)}", ""]
    if message.reasoning:
        lines += ["<details><summary>Reasoning</summary>", "", message.reasoning, "", "</details>"]
        lines.append("")
    lines += _parts_markdown(message.parts)
    notes = [f"*{note}*" for note in _notes(message)]
    return [*lines, *notes, ""] if notes else lines


def _parts_markdown(parts: tuple[Part, ...]) -> list[str]:
    """The message's text in order with its tool calls and results; then its attachments."""
    lines: list[str] = []
    text: list[str] = []

    def close_text() -> None:
        joined = "".join(text).strip("\n")
        if joined:
            lines.extend([joined, ""])
        text.clear()

    for part in parts:
        if isinstance(part, TextPart | SummaryPart):
            text.append(part.text)
        elif isinstance(part, ToolCallPart):
            close_text()
            lines += [f"**Tool call** `{part.name}` ({part.id})", "", *_fenced(part.arguments)]
        elif isinstance(part, ToolResultPart):
            close_text()
            label = "Tool error" if part.is_error else "Tool result"
            lines += [f"**{label}** ({part.call_id})", "", *_fenced(part.content)]
    close_text()
    files = [part for part in parts if isinstance(part, FilePart | ImagePart)]
    if files:
        lines += ["Attachments:", ""]
        lines += [f"- {_attachment_line(part)}" for part in files]
        lines.append("")
    return lines or [""]


def _attachment_line(part: FilePart | ImagePart) -> str:
    name = part.name or (part.url if isinstance(part, ImagePart) and part.url else "image")
    return f"{_one_line(name)} ({describe(part)})"


def _fenced(text: str) -> list[str]:
    longest = max((len(run) for run in text.split("\n") if set(run) == {"`"}), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text.rstrip("\n"), fence, ""]


def _notes(message: StoredMessage) -> list[str]:
    notes = []
    if message.state in _STATE_NOTES:
        notes.append(_STATE_NOTES[message.state])
    if message.error:
        notes.append(f"Error: {_one_line(message.error)}")
    if message.finish_reason and message.finish_reason != "stop":
        notes.append(f"Finish reason: {message.finish_reason}")
    if message.usage:
        usage = message.usage
        notes.append(
            f"Tokens: {usage.prompt_tokens} prompt, {usage.completion_tokens} completion, "
            f"{usage.total_tokens} total"
        )
    return notes


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
