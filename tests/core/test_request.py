"""The request builder: parts to the OpenAI chat format, under one rule for both faces."""

from __future__ import annotations

import base64

import pytest

from aijora_tui.core.conversation import Entry
from aijora_tui.core.models import ChatMessage
from aijora_tui.core.parts import (
    FilePart,
    ImagePart,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    sha256_of,
)
from aijora_tui.core.request import MissingBlob, fenced_file, needs_blobs, request_messages

PNG = b"\x89PNG\r\n\x1a\n\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3"


def user(*parts: object) -> Entry:
    return Entry("user", parts=list(parts))  # type: ignore[arg-type]


def test_text_only_messages_are_strings_and_reasoning_is_never_sent() -> None:
    entries = [
        Entry("user", "first"),
        Entry("assistant", parts=[ReasoningPart("secret"), TextPart("answer")]),
    ]
    assert request_messages(entries, "sys") == [
        ChatMessage("system", "sys"),
        ChatMessage("user", "first"),
        ChatMessage("assistant", "answer"),
    ]


def test_attachments_make_a_content_array_prompt_first_then_in_order() -> None:
    entry = user(
        TextPart("compare these"),
        ImagePart("image/png", len(PNG), name="a.png", data=PNG),
        FilePart("notes.md", "text/markdown", 9, text="# notes\n"),
        FilePart("paper.pdf", "application/pdf", len(PDF), data=PDF),
    )
    [message] = request_messages([entry], None)
    assert message.role == "user"
    assert isinstance(message.content, list)
    text, image, notes, pdf = message.content
    assert text == {"type": "text", "text": "compare these"}
    assert image["type"] == "image_url"
    url = image["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.partition(",")[2]) == PNG
    assert notes == {"type": "text", "text": "File: notes.md\n```\n# notes\n```"}
    assert pdf["type"] == "file" and pdf["file"]["filename"] == "paper.pdf"
    assert base64.b64decode(pdf["file"]["file_data"].partition(",")[2]) == PDF


def test_stored_bytes_are_read_through_the_blob_reader() -> None:
    stored = ImagePart("image/png", len(PNG), sha256=sha256_of(PNG))
    entries = [user(TextPart("see"), stored)]
    assert needs_blobs(entries)
    [message] = request_messages(entries, None, {sha256_of(PNG): PNG}.__getitem__)
    assert isinstance(message.content, list)
    assert message.content[1]["image_url"]["url"].endswith(base64.b64encode(PNG).decode())
    with pytest.raises(MissingBlob):
        nothing: dict[str, bytes] = {}
        request_messages(entries, None, nothing.__getitem__)


def test_a_fence_is_longer_than_any_backtick_run_in_the_file() -> None:
    assert fenced_file("x.md", "a ```` b") == "File: x.md\n`````\na ```` b\n`````"


def test_tool_rounds_become_assistant_calls_and_tool_results() -> None:
    turn = Entry(
        "assistant",
        parts=[
            TextPart("Let me look."),
            ToolCallPart("c1", "weather", '{"city":"Oslo"}'),
            ToolCallPart("c2", "time", "{}"),
            ToolResultPart("c1", "rain"),
            ToolResultPart("c2", "denied by the user", is_error=True),
            ToolCallPart("c3", "weather", '{"city":"Rome"}'),
            ToolResultPart("c3", "sun"),
            TextPart("Rain in Oslo, sun in Rome."),
            ToolCallPart("c4", "never_ran", "{}"),
        ],
    )
    messages = [m.to_wire() for m in request_messages([Entry("user", "weather?"), turn], None)]
    assert messages == [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city":"Oslo"}'},
                },
                {"id": "c2", "type": "function", "function": {"name": "time", "arguments": "{}"}},
            ],
        },
        {"role": "tool", "content": "rain", "tool_call_id": "c1"},
        {"role": "tool", "content": "denied by the user", "tool_call_id": "c2"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c3",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city":"Rome"}'},
                },
            ],
        },
        {"role": "tool", "content": "sun", "tool_call_id": "c3"},
        {"role": "assistant", "content": "Rain in Oslo, sun in Rome."},
    ]


def test_neighbours_of_one_role_are_joined_arrays_too() -> None:
    entries = [
        Entry("user", "first"),
        Entry("assistant", "", state="failed"),
        user(TextPart("second"), ImagePart("image/png", 1, url="https://example.test/x.png")),
    ]
    [message] = request_messages(entries, None)
    assert message.content == [
        {"type": "text", "text": "first"},
        {"type": "text", "text": "second"},
        {"type": "image_url", "image_url": {"url": "https://example.test/x.png"}},
    ]
