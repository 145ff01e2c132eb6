"""The context window: what a conversation holds, the latest turns that fit, compaction."""

from __future__ import annotations

from pathlib import Path

from aijora_tui.core.context import (
    COMPACT_INSTRUCTION,
    conversation_use,
    entry_tokens,
    latest_start,
)
from aijora_tui.core.conversation import Entry
from aijora_tui.core.events import StreamCompleted, TextDelta
from aijora_tui.core.loading import load_conversation
from aijora_tui.core.models import ChatMessage, Usage
from aijora_tui.core.parts import ImagePart, SummaryPart, TextPart
from aijora_tui.core.request import SUMMARY_INTRO, request_messages
from aijora_tui.core.session import Session
from aijora_tui.core.store import Store
from aijora_tui.core.writes import Recorder


def test_the_last_usage_counts_and_what_came_after_is_estimated() -> None:
    entries = [
        Entry("user", "a" * 400),
        Entry("assistant", "b" * 400, usage=Usage(120, 100, 220)),
        Entry("user", "c" * 40),
    ]
    use = conversation_use(entries, "sys", 1000)
    assert (use.tokens, use.estimated, use.over) == (230, True, False)
    assert use.share == 0.23
    assert conversation_use(entries[:2], None, 200).over
    unknown = conversation_use(entries, None, None)
    assert unknown.share is None and not unknown.over and unknown.tokens == 230
    assert conversation_use(entries[:1], None, None).tokens == 100  # no usage: all estimated


def test_images_and_files_count_too() -> None:
    entry = Entry("user", parts=[TextPart("hi"), ImagePart("image/png", 10, data=b"x")])
    assert entry_tokens(entry) == 1 + 1000


def test_the_latest_turns_that_fit_start_at_a_question() -> None:
    entries = [
        Entry("user", "q" * 4000),  # 1,000 tokens
        Entry("assistant", "a" * 4000),
        Entry("user", "q" * 400),  # 100
        Entry("assistant", "a" * 400),
        Entry("user", "now"),
    ]
    assert latest_start(entries, None, 500) == 2
    assert latest_start(entries, None, 10_000) == 0
    assert latest_start(entries, None, 1) == 4  # the question alone, even if it does not fit


def test_a_summary_is_sent_instead_of_the_turns_before_it(tmp_path: Path) -> None:
    session = Session(model="m", system_prompt="sys")
    store = Store.open(tmp_path / "h.sqlite3")
    recorder = Recorder(store, lambda line: None)
    session.submit("first question")
    session.begin_reply()
    session.apply(TextDelta("first answer"))
    session.apply(StreamCompleted("stop", None))
    session.end_reply()
    session.submit("and now?")
    assert session.compaction() == [
        ChatMessage("system", "sys"),
        ChatMessage("user", "first question"),
        ChatMessage("assistant", "first answer"),
        ChatMessage("user", COMPACT_INSTRUCTION),
    ]
    session.add_summary("We talked about a first question.")
    turn = session.begin_reply()
    assert session.request(turn) == [
        ChatMessage("system", "sys"),
        ChatMessage("user", f"{SUMMARY_INTRO}\nWe talked about a first question.\n\nand now?"),
    ]
    recorder.flush(session.take_writes())
    with store:
        reopened = load_conversation(store, session.conversation.id or 0)
    question = reopened.entries[2]
    assert question.content == "and now?"  # shown as the user wrote it
    assert isinstance(question.parts[0], SummaryPart)
    assert request_messages(reopened.entries[:3], "sys")[1].content == (
        f"{SUMMARY_INTRO}\nWe talked about a first question.\n\nand now?"
    )
    assert [e.content for e in reopened.entries[:2]] == ["first question", "first answer"]
