"""Exports of the active path: JSON that reads back to the same messages, Markdown with each."""

from __future__ import annotations

import json
from datetime import datetime

from aijora_tui.core.export import JSON_FORMAT, JSON_VERSION
from aijora_tui.core.models import Usage
from aijora_tui.core.records import StoredMessage
from aijora_tui.core.store import Store


def build(store: Store) -> tuple[int, list[StoredMessage]]:
    """A conversation with a system prompt, reasoning, usage, a failure and a hidden branch."""
    conversation = store.create_conversation(model="m1", system_prompt="Answer in French.")
    q1 = store.add_message(conversation, None, "user", "Bonjour?\n\nLine two with `code`.")
    store.add_message(conversation, q1.id, "assistant", "hidden branch reply")
    a1 = store.add_message(conversation, q1.id, "assistant", "", model="m2", state="streaming")
    store.update_message(
        a1.id,
        content="Salut! Voici:\n\n```py\nprint('ok')\n```",
        reasoning="The user greets me.",
        state="completed",
        finish_reason="length",
        usage=Usage(12, 34, 46),
    )
    q2 = store.add_message(conversation, a1.id, "user", "Et après ?")
    a2 = store.add_message(conversation, q2.id, "assistant", "Je", model="m2", state="streaming")
    store.update_message(a2.id, state="failed", error="HTTP 500: server error (boom)")
    return conversation, store.active_path(conversation)


def message_from_json(data: dict[str, object]) -> dict[str, object]:
    """The fields a JSON message carries, converted back to the store's types."""
    usage = data["usage"]
    return {
        "id": data["id"],
        "parent_id": data["parent_id"],
        "role": data["role"],
        "content": data["content"],
        "reasoning": data["reasoning"],
        "model": data["model"],
        "usage": Usage(**usage) if isinstance(usage, dict) else None,
        "state": data["state"],
        "finish_reason": data["finish_reason"],
        "error": data["error"],
        "created_at": datetime.fromisoformat(str(data["created"])),
        "updated_at": datetime.fromisoformat(str(data["updated"])),
    }


def stored_fields(message: StoredMessage) -> dict[str, object]:
    return {
        "id": message.id,
        "parent_id": message.parent_id,
        "role": message.role,
        "content": message.content,
        "reasoning": message.reasoning,
        "model": message.model,
        "usage": message.usage,
        "state": message.state,
        "finish_reason": message.finish_reason,
        "error": message.error,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
    }


def test_json_export_reads_back_to_the_same_messages(store: Store) -> None:
    conversation, path = build(store)
    data = json.loads(json.dumps(store.export_json(conversation)))
    assert (data["format"], data["version"]) == (JSON_FORMAT, JSON_VERSION)
    assert (data["id"], data["title"], data["model"], data["system_prompt"]) == (
        conversation,
        "Bonjour?",
        "m2",
        "Answer in French.",
    )
    stored = store.get_conversation(conversation)
    assert stored is not None
    assert datetime.fromisoformat(data["created"]) == stored.created_at
    assert [message_from_json(m) for m in data["messages"]] == [stored_fields(m) for m in path]
    assert "hidden branch reply" not in json.dumps(data)


def test_markdown_export_contains_each_message_of_the_active_path(store: Store) -> None:
    conversation, path = build(store)
    text = store.export_markdown(conversation)
    assert text.startswith("# Bonjour?\n")
    assert "Answer in French." in text
    for message in path:
        assert message.content in text
    assert "The user greets me." in text
    assert "Tokens: 12 prompt, 34 completion, 46 total" in text
    assert "Finish reason: length" in text
    assert "The request failed." in text and "HTTP 500: server error (boom)" in text
    assert "hidden branch reply" not in text
    assert text.index("Bonjour?\n\nLine two") < text.index("Salut!") < text.index("Et après ?")
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_empty_and_untitled_conversations_export(store: Store) -> None:
    conversation = store.create_conversation()
    assert store.export_json(conversation)["messages"] == []
    assert store.export_markdown(conversation).startswith("# Untitled conversation\n")
