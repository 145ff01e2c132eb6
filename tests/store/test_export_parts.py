"""Attachments and tool activity are kept with their messages and exported.

`ask -a` saves a PNG and a text file with the question; the Markdown export lists them by name,
kind and size, the JSON export names their bytes by sha256 and, with `--with-attachments`,
embeds them — they read back to the very bytes sent, after the files themselves are gone.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from aijora_tui.core.parts import TextPart, ToolCallPart, ToolResultPart
from aijora_tui.core.store import Store
from tests.attach.samples import image_bytes
from tests.fake_server import FakeServer, text_stream
from tests.store.test_cli import cli, env

__all__ = ["env"]


def test_attachments_survive_their_files_and_export_with_their_bytes(
    server: FakeServer, env: dict[str, str], tmp_path: Path
) -> None:
    png = image_bytes("PNG")
    picture, notes = tmp_path / "shot.png", tmp_path / "notes.txt"
    picture.write_bytes(png)
    notes.write_text("line one\n", encoding="utf-8")
    server.queue(text_stream(["A red square."]))
    result = cli(env, "ask", "-a", str(picture), "-a", str(notes), "what is this?")
    assert result.returncode == 0, result.stderr
    picture.unlink()
    notes.unlink()

    markdown = cli(env, "export", "--format", "md")
    assert markdown.returncode == 0, markdown.stderr
    assert "what is this?" in markdown.stdout
    assert f"- shot.png (PNG image, {len(png)} B)" in markdown.stdout
    assert "- notes.txt (text, 9 B)" in markdown.stdout

    plain = json.loads(cli(env, "export", "--format", "json").stdout)
    question = plain["messages"][0]
    assert question["content"] == "what is this?"  # the 0.1 field keeps its meaning
    kinds = [part["kind"] for part in question["parts"]]
    assert kinds == ["text", "image", "file"]
    image = question["parts"][1]
    assert image["sha256"] == hashlib.sha256(png).hexdigest() and "data" not in image
    assert question["parts"][2]["text"] == "line one\n"

    full = json.loads(cli(env, "export", "--format", "json", "--with-attachments").stdout)
    embedded = full["messages"][0]["parts"][1]
    assert base64.b64decode(embedded["data"]) == png
    assert full["messages"][1]["parts"] == [{"kind": "text", "text": "A red square."}]


def test_tool_calls_and_results_are_exported_in_order(tmp_path: Path) -> None:
    with Store.open(tmp_path / "history.sqlite3") as store:
        conversation = store.create_conversation()
        question = store.add_message(conversation, None, "user", "weather in Oslo?")
        store.add_message(
            conversation,
            question.id,
            "assistant",
            "",
            parts=[
                TextPart("Checking."),
                ToolCallPart("call_1", "weather", '{"city": "Oslo"}'),
                ToolResultPart("call_1", "rain, 7 °C"),
                TextPart("It rains."),
            ],
        )
        markdown = store.export_markdown(conversation)
        data = store.export_json(conversation)
    assert markdown.index("Checking.") < markdown.index("**Tool call** `weather` (call_1)")
    assert markdown.index('{"city": "Oslo"}') < markdown.index("**Tool result** (call_1)")
    assert markdown.index("rain, 7 °C") < markdown.index("It rains.")
    reply = data["messages"][1]
    assert reply["content"] == "Checking.It rains."
    assert [part["kind"] for part in reply["parts"]] == ["text", "tool_call", "tool_result", "text"]
    assert reply["parts"][2] == {
        "kind": "tool_result",
        "call_id": "call_1",
        "content": "rain, 7 °C",
        "is_error": False,
    }
