"""Results as text: blocks joined, others described, cut for the model with a marker."""

from __future__ import annotations

import mcp.types as mcp_types

from aijora_tui.core.attachments import human_size
from aijora_tui.core.parts import ToolCallPart
from aijora_tui.core.tools.results import (
    ToolOutcome,
    cut_for_model,
    keep_for_history,
    result_text,
)


def test_short_text_unchanged() -> None:
    assert cut_for_model("hello", limit=5) == "hello"


def test_cut_counts_bytes_and_never_splits_a_character() -> None:
    text = "я" * 100  # two bytes each
    cut = cut_for_model(text, limit=51)
    kept, _, marker = cut.partition("\n")
    assert kept == "я" * 25
    assert marker == "[… result cut for the model: 150 B more of 200 B]"


def test_history_bound() -> None:
    assert keep_for_history("x" * 1000) == "x" * 1000


def test_outcome_part_whole_and_for_model_cut() -> None:
    text = "a" * (200 * 1024)
    outcome = ToolOutcome(ToolCallPart("c", "f", "{}"), text, False, 0.5, "s")
    assert outcome.part.content == text and outcome.part.call_id == "c"
    assert outcome.for_model == cut_for_model(text)
    assert outcome.for_model.endswith("[… result cut for the model: 100.0 KB more of 200.0 KB]")


def test_blocks_joined_and_described() -> None:
    blocks = [
        mcp_types.TextContent(type="text", text="first"),
        mcp_types.ImageContent(type="image", data="iVBORw0KGgo=", mime_type="image/png"),
        mcp_types.AudioContent(type="audio", data="AAAA", mime_type="audio/wav"),
        mcp_types.ResourceLink(type="resource_link", name="doc", uri="file:///d.txt"),
        mcp_types.EmbeddedResource(
            type="resource",
            resource=mcp_types.TextResourceContents(uri="file:///n.md", text="note text"),
        ),
        mcp_types.EmbeddedResource(
            type="resource",
            resource=mcp_types.BlobResourceContents(
                uri="file:///b.bin", blob="AAAAAA==", mime_type="application/octet-stream"
            ),
        ),
    ]
    assert result_text(blocks).splitlines() == [
        "first",
        "[image: image/png, 8 B, not shown to the model]",
        "[audio: audio/wav, 3 B, not shown to the model]",
        "[resource link: doc file:///d.txt]",
        "note text",
        "[resource file:///b.bin: application/octet-stream, 4 B, not shown to the model]",
    ]


def test_structured_content_when_there_are_no_blocks() -> None:
    assert result_text([], {"a": 1}) == '{\n  "a": 1\n}'
    assert result_text([]) == ""


def test_human_size() -> None:
    assert [human_size(n) for n in (0, 1023, 1024, 1536, 1024 * 1024)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "1.5 KB",
        "1.0 MB",
    ]
