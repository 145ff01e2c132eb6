"""A history written by aijora-tui 0.1.0 opens unchanged in this version.

`tests/fixtures/history-v2.sqlite3` was written by 0.1.0's own store (schema version 2; see
`tests/fixtures/make_history_v2.py` for what it holds): titles, branches, every state, usage,
reasoning, drafts. Each test works on a copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aijora_tui.core import schema
from aijora_tui.core.conversation import CLOSED_EARLY
from aijora_tui.core.loading import load_conversation
from aijora_tui.core.models import ChatMessage, Usage
from aijora_tui.core.parts import ReasoningPart, TextPart
from aijora_tui.core.request import request_messages
from aijora_tui.core.store import Store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "history-v2.sqlite3"


@pytest.fixture
def old(tmp_path: Path) -> Path:
    copy = tmp_path / "history.sqlite3"
    shutil.copyfile(FIXTURE, copy)
    return copy


def test_the_fixture_is_a_version_2_database() -> None:
    import sqlite3

    with sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True) as conn:
        assert schema.user_version(conn) == 2


def test_conversations_keep_titles_models_prompts_and_token_totals(old: Path) -> None:
    with Store.open(old) as store:
        assert schema.user_version(store._conn) == schema.LATEST_VERSION
        summaries = {s.id: s for s in store.list_conversations()}
        assert summaries[1].title == "How do I reverse a list in Python?"
        assert (summaries[1].message_count, summaries[1].total_tokens) == (7, 39)
        assert summaries[2].title == "Хайку"
        first = store.get_conversation(1)
        assert first is not None
        assert (first.system_prompt, first.model, first.settings) == (
            "Answer briefly.",
            "gpt-4o-mini",
            {},
        )
        second = store.get_conversation(2)
        assert second is not None and second.title_is_custom


def test_the_active_branch_states_usage_and_reasoning_come_back(old: Path) -> None:
    with Store.open(old) as store:
        path = store.active_path(1)
        assert [m.id for m in path] == [1, 2, 4, 5]
        question, reply, _, cut = path
        assert reply.content == "Use `xs[::-1]` or `xs.reverse()`."
        assert reply.reasoning == "The user wants idioms."
        assert reply.parts == (
            ReasoningPart("The user wants idioms."),
            TextPart("Use `xs[::-1]` or `xs.reverse()`."),
        )
        assert (reply.usage, reply.finish_reason, reply.state) == (
            Usage(12, 9, 21),
            "stop",
            "completed",
        )
        assert (cut.state, cut.error, cut.content) == (
            "interrupted",
            "the connection broke",
            "`v.reverse()` rev",
        )
        assert question.parts == (TextPart("How do I reverse a list in Python?"),)
        assert store.sibling_positions(1) == {2: (0, 2), 3: (1, 2), 4: (0, 2), 6: (1, 2)}


def test_a_session_opens_it_with_branches_and_a_reply_cut_by_a_crash(old: Path) -> None:
    with Store.open(old) as store:
        loaded = load_conversation(store, 1)
        assert [(e.role, e.sibling_index, e.sibling_count) for e in loaded.entries] == [
            ("user", 0, 1),
            ("assistant", 0, 2),
            ("user", 0, 2),
            ("assistant", 0, 1),
        ]
        assert request_messages(loaded.entries, loaded.conversation.system_prompt) == [
            ChatMessage("system", "Answer briefly."),
            ChatMessage("user", "How do I reverse a list in Python?"),
            ChatMessage("assistant", "Use `xs[::-1]` or `xs.reverse()`."),
            ChatMessage("user", "And in Rust?"),
            ChatMessage("assistant", "`v.reverse()` rev"),
        ]
        crashed = load_conversation(store, 2).entries[1]
        assert (crashed.state, crashed.error, crashed.content) == ("interrupted", CLOSED_EARLY, "")


def test_drafts_search_and_exports_keep_their_meaning(old: Path) -> None:
    with Store.open(old) as store:
        assert store.load_draft(None) == "an unsent thought"
        assert store.load_draft(1) == "a draft of this conversation"
        hits = store.search("rust")
        assert [(h.conversation_id, h.message_id) for h in hits] == [(1, 4)]
        assert [h.message_id for h in store.search("хайку")] == [8]
        exported = store.export_json(1)
        reply = exported["messages"][1]
        assert {
            k: reply[k] for k in ("id", "parent_id", "role", "content", "reasoning", "state")
        } == {
            "id": 2,
            "parent_id": 1,
            "role": "assistant",
            "content": "Use `xs[::-1]` or `xs.reverse()`.",
            "reasoning": "The user wants idioms.",
            "state": "completed",
        }
        assert reply["usage"] == {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
        assert "And in Rust?" in store.export_markdown(1)


def test_the_upgraded_database_takes_new_messages_and_parts(old: Path) -> None:
    with Store.open(old) as store:
        added = store.add_message(1, 5, "user", "", parts=[TextPart("and Go?")])
        assert store.active_path(1)[-1] == added
        assert added.content == "and Go?"
    with Store.open(old) as again:  # opening twice does not upgrade twice
        assert [m.id for m in again.active_path(1)][-1] == added.id
