"""`Store`: the conversation tree, active paths, titles, states, drafts, listing, errors."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from aijora_tui.core.async_store import AsyncStore
from aijora_tui.core.models import Role, Usage
from aijora_tui.core.records import StoredMessage
from aijora_tui.core.store import NotFound, Store, StoreError


def texts(messages: list[StoredMessage]) -> list[str]:
    return [message.content for message in messages]


def chat(store: Store, *contents: str) -> tuple[int, list[StoredMessage]]:
    """A conversation of alternating user/assistant messages, in one chain."""
    conversation = store.create_conversation(model="m1")
    parent = None
    messages = []
    for index, content in enumerate(contents):
        role: Role = "user" if index % 2 == 0 else "assistant"
        message = store.add_message(conversation, parent, role, content)
        messages.append(message)
        parent = message.id
    return conversation, messages


def test_add_message_builds_a_chain_and_moves_the_active_leaf(store: Store) -> None:
    conversation, messages = chat(store, "q1", "a1", "q2", "a2")
    assert texts(store.active_path(conversation)) == ["q1", "a1", "q2", "a2"]
    assert [m.parent_id for m in messages] == [None, *[m.id for m in messages[:-1]]]
    stored = store.get_conversation(conversation)
    assert stored is not None
    assert stored.active_leaf_id == messages[-1].id
    assert store.get_message(messages[1].id) == messages[1]


def test_a_new_conversation_has_an_empty_path_and_no_title(store: Store) -> None:
    conversation = store.create_conversation(system_prompt="be brief")
    assert store.active_path(conversation) == []
    stored = store.get_conversation(conversation)
    assert stored is not None
    assert (stored.title, stored.title_is_custom, stored.system_prompt) == ("", False, "be brief")


def test_regenerate_adds_a_sibling_and_the_path_follows_it(store: Store) -> None:
    conversation, (q1, a1) = chat(store, "q1", "a1")
    a1b = store.add_message(conversation, q1.id, "assistant", "a1 again")
    assert texts(store.active_path(conversation)) == ["q1", "a1 again"]
    assert [m.id for m in store.siblings(a1.id)] == [a1.id, a1b.id]
    assert [m.id for m in store.siblings(a1b.id)] == [a1.id, a1b.id]
    assert store.siblings(q1.id) == [q1]


def test_edit_and_resend_branches_at_the_root(store: Store) -> None:
    conversation, (q1, _a1, _q2, _a2) = chat(store, "q1", "a1", "q2", "a2")
    q1b = store.add_message(conversation, None, "user", "q1 edited")
    store.add_message(conversation, q1b.id, "assistant", "a1 for edited")
    assert texts(store.active_path(conversation)) == ["q1 edited", "a1 for edited"]
    assert texts(store.siblings(q1.id)) == ["q1", "q1 edited"]


def test_switch_to_follows_the_most_recent_child_down_to_a_leaf(store: Store) -> None:
    conversation, (q1, a1, q2, a2) = chat(store, "q1", "a1", "q2", "a2")
    a2b = store.add_message(conversation, q2.id, "assistant", "a2b")
    q1b = store.add_message(conversation, None, "user", "q1b")
    assert texts(store.active_path(conversation)) == ["q1b"]

    path = store.switch_to(q1.id)
    assert texts(path) == ["q1", "a1", "q2", "a2b"]
    assert path == store.active_path(conversation)
    assert texts(store.switch_to(a2.id)) == ["q1", "a1", "q2", "a2"]
    assert texts(store.switch_to(q1b.id)) == ["q1b"]
    assert texts(store.switch_to(a1.id)) == ["q1", "a1", "q2", "a2b"]
    stored = store.get_conversation(conversation)
    assert stored is not None
    assert stored.active_leaf_id == a2b.id


def test_sibling_positions_cover_every_branch_point_of_a_conversation(store: Store) -> None:
    conversation, (q1, a1, q2, a2) = chat(store, "q1", "a1", "q2", "a2")
    a2b = store.add_message(conversation, q2.id, "assistant", "a2b")
    q1b = store.add_message(conversation, None, "user", "q1b")
    other, _ = chat(store, "elsewhere", "reply")
    assert store.sibling_positions(conversation) == {
        q1.id: (0, 2),
        q1b.id: (1, 2),
        a2.id: (0, 2),
        a2b.id: (1, 2),
    }
    assert a1.id not in store.sibling_positions(conversation)
    assert store.sibling_positions(other) == {}


def test_siblings_are_per_conversation_for_roots(store: Store) -> None:
    first, (root_a, _) = chat(store, "a", "b")
    second, (root_b, _) = chat(store, "c", "d")
    assert store.siblings(root_a.id) == [root_a]
    assert store.siblings(root_b.id) == [root_b]
    assert first != second


def test_update_message_records_states_usage_and_errors(store: Store) -> None:
    conversation, (question,) = chat(store, "q")
    reply = store.add_message(conversation, question.id, "assistant", "", state="streaming")
    assert (reply.state, reply.usage) == ("streaming", None)
    store.update_message(reply.id, content="partial", reasoning="thinking")
    store.update_message(
        reply.id,
        content="partial answer",
        state="interrupted",
        error="the connection broke",
        usage=Usage(10, 5, 15),
    )
    stored = store.get_message(reply.id)
    assert stored is not None
    assert (stored.content, stored.reasoning, stored.state) == (
        "partial answer",
        "thinking",
        "interrupted",
    )
    assert (stored.error, stored.finish_reason) == ("the connection broke", None)
    assert stored.usage == Usage(10, 5, 15)
    assert stored.updated_at >= stored.created_at
    store.update_message(reply.id, state="completed", finish_reason="stop")
    stored = store.get_message(reply.id)
    assert stored is not None
    assert (stored.state, stored.finish_reason, stored.content) == (
        "completed",
        "stop",
        "partial answer",
    )


@pytest.mark.parametrize("state", ["completed", "streaming", "cancelled", "interrupted", "failed"])
def test_every_state_round_trips(store: Store, state: str) -> None:
    conversation = store.create_conversation()
    message = store.add_message(conversation, None, "assistant", "x", state=state)  # type: ignore[arg-type]
    assert message.state == state


def test_unknown_states_and_roles_are_refused(store: Store) -> None:
    conversation = store.create_conversation()
    with pytest.raises(ValueError, match="state"):
        store.add_message(conversation, None, "user", "x", state="done")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="role"):
        store.add_message(conversation, None, "tool", "x")  # type: ignore[arg-type]
    message = store.add_message(conversation, None, "user", "x")
    with pytest.raises(ValueError, match="state"):
        store.update_message(message.id, state="paused")  # type: ignore[arg-type]
    assert texts(store.active_path(conversation)) == ["x"]


def test_unknown_ids_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.add_message(999, None, "user", "x")
    with pytest.raises(NotFound):
        store.update_message(999, content="x")
    with pytest.raises(NotFound):
        store.active_path(999)
    with pytest.raises(NotFound):
        store.siblings(999)
    with pytest.raises(NotFound):
        store.switch_to(999)
    with pytest.raises(NotFound):
        store.rename_conversation(999, "x")
    with pytest.raises(NotFound):
        store.export_json(999)
    assert store.get_message(999) is None
    assert store.get_conversation(999) is None
    assert store.delete_conversation(999) is False


def test_a_parent_from_another_conversation_is_refused(store: Store) -> None:
    _, (other,) = chat(store, "elsewhere")
    conversation = store.create_conversation()
    with pytest.raises(StoreError, match="not in conversation"):
        store.add_message(conversation, other.id, "user", "x")
    assert store.active_path(conversation) == []


def test_title_comes_from_the_first_user_message(store: Store) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation, None, "system", "You are terse.")
    assert store.get_conversation(conversation).title == ""  # type: ignore[union-attr]
    long_line = "word " * 30
    first = store.add_message(conversation, None, "user", f"\n  \n  {long_line}\nsecond line")
    title = store.get_conversation(conversation).title  # type: ignore[union-attr]
    assert len(title) == 60 and title.endswith("…") and title.startswith("word word")
    store.add_message(conversation, first.id, "user", "a later message")
    assert store.get_conversation(conversation).title == title  # type: ignore[union-attr]


def test_a_blank_first_message_leaves_the_title_to_the_next(store: Store) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation, None, "user", "   ")
    store.add_message(conversation, None, "user", "Tabs\tand  spaces")
    assert store.get_conversation(conversation).title == "Tabs and spaces"  # type: ignore[union-attr]


def test_rename_keeps_the_title_and_an_empty_name_restores_the_automatic_one(
    store: Store,
) -> None:
    conversation = store.create_conversation()
    store.rename_conversation(conversation, "  My   plans ")
    store.add_message(conversation, None, "user", "What should I cook?")
    stored = store.get_conversation(conversation)
    assert stored is not None
    assert (stored.title, stored.title_is_custom) == ("My plans", True)
    store.rename_conversation(conversation, "  ")
    stored = store.get_conversation(conversation)
    assert stored is not None
    assert (stored.title, stored.title_is_custom) == ("What should I cook?", False)


def test_list_conversations_newest_first_with_totals(store: Store) -> None:
    first, (q1, _) = chat(store, "first", "reply")
    store.update_message(q1.id, usage=Usage(3, 4, 7))
    second, (q2,) = chat(store, "second")
    reply = store.add_message(second, q2.id, "assistant", "r", model="m2")
    store.update_message(reply.id, usage=Usage(10, 20, 30))
    store.add_message(second, q2.id, "assistant", "r again")  # a branch counts too
    empty = store.create_conversation()

    summaries = store.list_conversations()
    assert [s.id for s in summaries] == [empty, second, first]
    by_id = {s.id: s for s in summaries}
    assert (by_id[second].title, by_id[second].model) == ("second", "m2")
    assert (by_id[second].total_tokens, by_id[second].message_count) == (30, 3)
    assert (by_id[first].total_tokens, by_id[first].message_count) == (7, 2)
    assert (by_id[empty].total_tokens, by_id[empty].message_count) == (0, 0)
    assert [s.id for s in store.list_conversations(limit=1, offset=1)] == [second]
    assert len(store.list_conversations(limit=None)) == 3
    assert store.latest_conversation_id() == empty
    store.add_message(first, None, "user", "back to the first")
    assert store.latest_conversation_id() == first


def test_latest_conversation_is_none_when_empty(store: Store) -> None:
    assert store.latest_conversation_id() is None
    assert store.list_conversations() == []


def test_delete_cascades_to_messages_and_drafts(store: Store, db_path: Path) -> None:
    doomed, _ = chat(store, "q", "a", "q2")
    kept, _ = chat(store, "keep")
    store.save_draft(doomed, "unsent")
    assert store.delete_conversation(doomed) is True
    assert store.get_conversation(doomed) is None
    assert [s.id for s in store.list_conversations()] == [kept]
    assert store.load_draft(doomed) == ""
    with closing(sqlite3.connect(db_path)) as raw:
        counts = raw.execute(
            "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM drafts)"
        ).fetchone()
    assert counts == (1, 0)
    assert [hit.conversation_id for hit in store.search("q")] == []


def test_drafts_per_conversation_and_global(store: Store) -> None:
    conversation = store.create_conversation()
    assert store.load_draft(None) == store.load_draft(conversation) == ""
    store.save_draft(None, "global one")
    store.save_draft(conversation, "first")
    store.save_draft(conversation, "second\nline")
    store.save_draft(None, "global two")
    assert store.load_draft(None) == "global two"
    assert store.load_draft(conversation) == "second\nline"
    store.save_draft(conversation, "")
    assert store.load_draft(conversation) == ""
    assert store.load_draft(None) == "global two"


def test_a_draft_survives_reopening(store: Store, db_path: Path) -> None:
    store.save_draft(None, "half-typed question")
    with Store.open(db_path) as again:
        assert again.load_draft(None) == "half-typed question"


def test_a_closed_store_raises_store_error(db_path: Path) -> None:
    store = Store.open(db_path)
    store.close()
    with pytest.raises(StoreError):
        store.create_conversation()


def test_an_unusable_location_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open"):
        Store.open(blocker / "history.sqlite3")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot use"):
        Store.open(garbage)


async def test_async_store_runs_every_call_on_one_thread(db_path: Path) -> None:
    async with await AsyncStore.open(db_path) as store:
        conversation = await store.create_conversation(model="m")
        # Issued together: they must apply in order, on the store's one thread.
        question, reply = await asyncio.gather(
            store.add_message(conversation, None, "user", "hello"),
            store.add_message(conversation, None, "assistant", "", state="streaming"),
        )
        await store.update_message(reply.id, content="hi there", state="completed")
        assert texts(await store.active_path(conversation)) == ["hi there"]
        assert [m.id for m in await store.siblings(question.id)] == [question.id, reply.id]
        assert texts(await store.switch_to(question.id)) == ["hello"]
        await store.rename_conversation(conversation, "greeting")
        await store.save_draft(conversation, "draft")
        assert await store.load_draft(conversation) == "draft"
        assert [s.title for s in await store.list_conversations()] == ["greeting"]
        assert await store.latest_conversation_id() == conversation
        assert (await store.get_conversation(conversation)) is not None
        assert (await store.get_message(reply.id)) is not None
        assert [hit.message_id for hit in await store.search("there")] == [reply.id]
        assert "hello" in await store.export_markdown(conversation)
        assert (await store.export_json(conversation))["title"] == "greeting"
        with pytest.raises(NotFound):
            await store.active_path(12345)
        assert await store.delete_conversation(conversation) is True
    with pytest.raises(RuntimeError):  # closed: its thread is gone
        await store.latest_conversation_id()


async def test_async_store_open_failure_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        await AsyncStore.open(blocker / "db.sqlite3")
