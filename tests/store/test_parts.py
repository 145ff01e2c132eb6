"""Message parts in the store: round trips, bytes stored once and deleted with their last part,
a streaming reply saved in pieces."""

from __future__ import annotations

import pytest

from aijora_tui.core.parts import (
    FilePart,
    ImagePart,
    Part,
    ReasoningPart,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    sha256_of,
)
from aijora_tui.core.store import NotFound, Store

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def blob_count(store: Store) -> int:
    count: int = store._conn.execute("SELECT count(*) FROM blobs").fetchone()[0]
    return count


def test_every_kind_of_part_comes_back_in_order(store: Store) -> None:
    conversation = store.create_conversation()
    parts: list[Part] = [
        TextPart("look at this"),
        FilePart("notes.txt", "text/plain", 5, text="hello"),
        ImagePart("image/png", len(PNG), name="shot.png", data=PNG),
    ]
    question = store.add_message(conversation, None, "user", "", parts=parts)
    turn: list[Part] = [
        ReasoningPart("let me check"),
        TextPart("Checking."),
        ToolCallPart("call_1", "weather", '{"city": "Oslo"}'),
        ToolResultPart("call_1", "rain", is_error=False),
        TextPart(" It rains."),
    ]
    reply = store.add_message(conversation, question.id, "assistant", "", parts=turn)

    loaded_question, loaded_reply = store.active_path(conversation)
    assert loaded_question.content == "look at this"
    image = loaded_question.parts[2]
    assert isinstance(image, ImagePart) and image.sha256 == sha256_of(PNG) and image.data is None
    assert store.blob(sha256_of(PNG)) == PNG
    assert loaded_question.parts[:2] == tuple(parts[:2])
    assert loaded_reply.parts == tuple(turn)
    assert (loaded_reply.content, loaded_reply.reasoning) == ("Checking. It rains.", "let me check")
    assert store.get_message(reply.id) == loaded_reply
    assert [hit.message_id for hit in store.search("rains")] == [reply.id]


def test_plain_messages_need_no_part_rows(store: Store) -> None:
    conversation = store.create_conversation()
    store.add_message(conversation, None, "user", "", parts=[TextPart("hi")])
    store.add_message(
        conversation, None, "assistant", "", parts=[ReasoningPart("r"), TextPart("t")]
    )
    assert store._conn.execute("SELECT count(*) FROM parts").fetchone()[0] == 0


def test_bytes_are_stored_once_and_go_with_the_last_message_using_them(store: Store) -> None:
    first = store.create_conversation()
    second = store.create_conversation()
    image = ImagePart("image/png", len(PNG), data=PNG)
    a = store.add_message(first, None, "user", "", parts=[TextPart("a"), image])
    store.add_message(second, None, "user", "", parts=[TextPart("b"), image])
    assert blob_count(store) == 1

    store.delete_conversation(first)
    assert blob_count(store) == 1  # the second conversation still shows it
    store.delete_conversation(second)
    assert blob_count(store) == 0
    with pytest.raises(NotFound):
        store.blob(sha256_of(PNG))
    assert store.get_message(a.id) is None


def test_replacing_parts_releases_bytes_nobody_uses(store: Store) -> None:
    conversation = store.create_conversation()
    message = store.add_message(
        conversation,
        None,
        "user",
        "",
        parts=[TextPart("x"), ImagePart("image/png", 3, data=b"abc")],
    )
    store.update_message(message.id, parts=[TextPart("x only")])
    assert blob_count(store) == 0
    assert store.active_path(conversation)[0].content == "x only"


def test_a_streaming_reply_saved_in_pieces_reads_back_whole(store: Store) -> None:
    conversation = store.create_conversation()
    question = store.add_message(conversation, None, "user", "q")
    reply = store.add_message(conversation, question.id, "assistant", "", state="streaming")
    store.append_progress(reply.id, "Hel", "think")
    store.append_progress(reply.id, "lo", "ing")
    store.append_progress(reply.id, "", "")  # nothing new: no row

    crashed = store.active_path(conversation)[1]  # as the app finds it after a crash
    assert (crashed.content, crashed.reasoning, crashed.state) == ("Hello", "thinking", "streaming")
    assert crashed.parts == (ReasoningPart("thinking"), TextPart("Hello"))
    assert store.search("hello") == []  # indexed only once final

    store.update_message(
        reply.id, parts=[ReasoningPart("thinking"), TextPart("Hello!")], state="completed"
    )
    assert store._conn.execute("SELECT count(*) FROM progress").fetchone()[0] == 0
    final = store.active_path(conversation)[1]
    assert (final.content, final.state) == ("Hello!", "completed")
    assert [hit.message_id for hit in store.search("hello")] == [reply.id]


def test_progress_for_a_deleted_message_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.append_progress(12345, "text")


def test_conversation_settings_are_kept(store: Store) -> None:
    conversation = store.create_conversation(settings={"temperature": 0.2})
    store.update_conversation(conversation, system_prompt="Be terse.", settings={"top_p": 0.9})
    saved = store.get_conversation(conversation)
    assert saved is not None
    assert (saved.system_prompt, dict(saved.settings)) == ("Be terse.", {"top_p": 0.9})
    store.update_conversation(conversation, system_prompt="")
    again = store.get_conversation(conversation)
    assert again is not None and again.system_prompt is None


def test_search_finds_tool_results_and_attached_text(store: Store) -> None:
    conversation = store.create_conversation()
    question = store.add_message(
        conversation,
        None,
        "user",
        "",
        parts=[TextPart("read this"), FilePart("plan.txt", "text/plain", 9, text="zanzibar")],
    )
    reply = store.add_message(
        conversation,
        question.id,
        "assistant",
        "",
        parts=[ToolCallPart("c", "lookup", '{"q": "quokka"}'), ToolResultPart("c", "marsupial")],
    )
    assert [hit.message_id for hit in store.search("zanzibar")] == [question.id]
    assert [hit.message_id for hit in store.search("plan.txt")] == [question.id]
    [hit] = store.search("marsupial")
    assert hit.message_id == reply.id and "marsupial" in hit.snippet
    assert [hit.message_id for hit in store.search("quokka")] == [reply.id]
    store.update_message(reply.id, parts=[TextPart("nothing left")])
    assert store.search("marsupial") == []


def test_a_cost_the_server_reported_is_kept_with_the_reply(store: Store) -> None:
    from aijora_tui.core.models import Usage, add_usage

    conversation = store.create_conversation()
    reply = store.add_message(conversation, None, "assistant", "", state="streaming")
    both = add_usage(Usage(10, 5, 15, cost=0.25), Usage(20, 5, 25, cost=0.5))
    store.update_message(reply.id, state="completed", usage=both)
    [saved] = store.active_path(conversation)
    assert saved.usage == Usage(30, 10, 40, cost=0.75)
