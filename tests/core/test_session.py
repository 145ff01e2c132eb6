"""The conversation engine, headless: whole turns against the fake server and a real SQLite file.

Each test drives `Session` the way the faces do (submit, begin_reply, apply every event, end),
with `SyncChatClient` and the synchronous `Recorder`; nothing here involves Textual.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aijora_tui.core import notices
from aijora_tui.core.errors import AijoraError, ApiError, StreamInterrupted
from aijora_tui.core.events import RetryScheduled, StreamCompleted, TextDelta, ToolCallDelta
from aijora_tui.core.loading import load_conversation, load_for_continuing, load_sibling
from aijora_tui.core.models import ChatMessage, Usage
from aijora_tui.core.notices import CONTINUE_PROMPT
from aijora_tui.core.parts import ImagePart, ToolResultPart
from aijora_tui.core.request import request_messages
from aijora_tui.core.session import Session
from aijora_tui.core.store import Store, StoreError
from aijora_tui.core.sync_client import SyncChatClient
from aijora_tui.core.turns import Ended, Prompt, Queued, Sent, Turn
from aijora_tui.core.writes import Recorder
from tests.core.helpers import API_KEY, C, D, F, event
from tests.fake_server import (
    Call,
    Cut,
    FakeServer,
    Pause,
    Script,
    ToolScenario,
    chunk,
    json_error,
    text_stream,
    usage,
)


class Clock:
    """A clock the test moves by hand (the session's save cadence reads it)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "history.sqlite3") as opened:
        yield opened


@pytest.fixture
def client(server: FakeServer) -> Iterator[SyncChatClient]:
    with SyncChatClient(server.base_url, API_KEY, max_retries=1) as opened:
        yield opened


class Driver:
    """Runs turns the way `ask` does; collects warnings of the recorder."""

    def __init__(self, store: Store, client: SyncChatClient, clock: Clock | None = None) -> None:
        self.store = store
        self.client = client
        self.clock = clock or Clock()
        self.warnings: list[str] = []
        self.recorder = Recorder(store, self.warnings.append)
        self.session = Session(model="m1", system_prompt="Be brief.", clock=self.clock)

    def flush(self) -> None:
        self.recorder.flush(self.session.take_writes())

    def send(self, text: str) -> Ended:
        outcome = self.session.submit(text)
        assert isinstance(outcome, Sent)
        ended: Ended = self.run(self.session.begin_reply())
        return ended

    def run(self, turn: Turn, *, stop_after: int | None = None, end: bool = True) -> Any:
        """Stream `turn`; with `stop_after`, the user cancels after that many events; without
        `end`, a completed round is left open (for its tool calls) and None returned."""
        self.flush()
        messages = self.session.request(turn, self.store.blob)
        try:
            events = self.client.stream_chat(messages, turn.model, **turn.params)
            for count, event_ in enumerate(events, 1):
                self.session.apply(event_)
                if stop_after is not None and count >= stop_after:
                    events.close()
                    return self.end("cancelled")
        except AijoraError as error:
            cut = isinstance(error, StreamInterrupted)
            return self.end("interrupted" if cut else "failed", error.message)
        if not end:
            self.flush()
            return None
        return self.end(None)

    def end(self, state: Any, error: str | None = None) -> Ended:
        ended = self.session.end_reply(state, error)
        self.flush()
        return ended

    def stored(self) -> list[tuple[str, str, str]]:
        conversation = self.session.conversation.id
        assert conversation is not None
        return [(m.role, m.content, m.state) for m in self.store.active_path(conversation)]


def sent(server: FakeServer, index: int = -1) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = server.chat_requests()[index].json()["messages"]
    return messages


def test_a_turn_saves_the_question_before_sending_and_the_reply_whole(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    server.queue(
        Script(
            [
                event({"choices": [{"delta": {"reasoning_content": "hmm"}}]}),
                C("Hel"),
                C("lo"),
                chunk(finish="stop", usage=usage(9, 2)),
                D,
            ]
        )
    )
    driver = Driver(store, client)
    driver.session.submit("hi")
    turn = driver.session.begin_reply()
    driver.flush()
    assert driver.stored() == [("user", "hi", "completed"), ("assistant", "", "streaming")]
    assert server.chat_requests() == []  # saved first, then sent

    ended = driver.run(turn)
    assert ended == Ended(turn.entry)
    assert sent(server) == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]
    reply = store.active_path(driver.session.conversation.id or 0)[1]
    assert (reply.content, reply.reasoning, reply.state, reply.finish_reason) == (
        "Hello",
        "hmm",
        "completed",
        "stop",
    )
    assert reply.usage is not None and reply.usage.total_tokens == 11
    assert driver.warnings == []


@pytest.mark.parametrize(
    ("script", "state", "error"),
    [
        (Script([C("half"), Cut()]), "interrupted", "connection"),
        (json_error(400, "bad request"), "failed", "bad request"),
        (Script([C("half"), event({"error": {"message": "boom"}}), D]), "failed", "boom"),
        (Script([D]), "failed", "no content"),
    ],
)
def test_every_failure_keeps_what_arrived_marked(
    server: FakeServer,
    store: Store,
    client: SyncChatClient,
    script: Script,
    state: str,
    error: str,
) -> None:
    server.queue(script)
    driver = Driver(store, client)
    ended = driver.send("q")
    entry = ended.entry
    assert entry.state == state and entry.error is not None and error in entry.error
    stored = store.active_path(driver.session.conversation.id or 0)[1]
    assert (stored.content, stored.state, stored.error) == (entry.content, state, entry.error)
    assert driver.session.can_continue() == bool(entry.content)


def test_cancel_keeps_the_partial_reply_and_continue_goes_on_from_it(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    server.queue(Script([C("one "), C("two "), Pause(5), C("never")]), text_stream([" three"]))
    driver = Driver(store, client)
    driver.session.submit("count")
    ended = driver.run(driver.session.begin_reply(), stop_after=2)
    assert (ended.entry.content, ended.entry.state) == ("one two ", "cancelled")

    assert driver.session.can_continue()
    continued = driver.run(driver.session.continue_reply())
    assert sent(server)[-2:] == [
        {"role": "assistant", "content": "one two "},
        {"role": "user", "content": CONTINUE_PROMPT},
    ]
    assert continued.entry.content == " three"
    assert driver.stored() == [
        ("user", "count", "completed"),
        ("assistant", "one two ", "cancelled"),
        ("assistant", " three", "completed"),
    ]


def test_prompts_queued_while_streaming_go_out_in_order_or_come_back(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    server.queue(text_stream(["a"]), text_stream(["b"]), json_error(400, "refused"))
    driver = Driver(store, client)
    session = driver.session
    session.submit("first")
    turn = session.begin_reply()
    assert session.submit("second") == Queued(1)
    assert session.submit("third") == Queued(2)
    assert session.unsent("typing") == "second\n\nthird\n\ntyping"
    ended = driver.run(turn)
    assert ended.next_prompt == Prompt("second")
    ended = driver.send(ended.next_prompt.text)
    assert ended.next_prompt == Prompt("third")
    session.submit(ended.next_prompt.text)
    turn = session.begin_reply()
    session.submit("fourth")
    ended = driver.run(turn)  # the server fails this one
    assert (ended.next_prompt, ended.handed_back) == (None, "fourth")
    assert session.queued == []


def test_an_edit_becomes_a_new_version_and_the_old_branch_stays(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    server.queue(text_stream(["Paris"]), text_stream(["Rome"]))
    driver = Driver(store, client)
    driver.send("Capital of France?")
    question = driver.session.entries[0]
    assert driver.session.edit(question) == "Capital of France?"
    outcome = driver.session.submit("Capital of Italy?")
    assert isinstance(outcome, Sent) and outcome.cut == 0
    driver.run(driver.session.begin_reply())
    assert sent(server)[1:] == [{"role": "user", "content": "Capital of Italy?"}]
    new_question = driver.session.entries[0]
    assert (new_question.sibling_index, new_question.sibling_count) == (1, 2)

    older = load_sibling(store, new_question, -1)
    assert older is not None
    assert [e.content for e in older] == ["Capital of France?", "Paris"]
    assert load_sibling(store, older[0], -1) is None  # the first version


def test_regenerate_adds_a_version_of_the_reply_from_the_same_history(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    server.queue(text_stream(["one"]), text_stream(["two"]))
    driver = Driver(store, client)
    driver.send("pick a number")
    assert driver.session.can_regenerate()
    driver.run(driver.session.regenerate())
    assert sent(server, 0) == sent(server, 1)
    reply = driver.session.entries[-1]
    assert (reply.content, reply.sibling_index, reply.sibling_count) == ("two", 1, 2)
    conversation_id = driver.session.conversation.id or 0
    assert [e.content for e in load_conversation(store, conversation_id).entries] == [
        "pick a number",
        "two",
    ]


def test_a_retry_is_noticed_while_waiting_and_gone_once_the_reply_completes(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    server.queue(json_error(503, "busy", headers={"retry-after": "0"}), text_stream(["ok"]))
    driver = Driver(store, client)
    session = driver.session
    session.submit("q")
    turn = session.begin_reply()
    driver.flush()
    notices = []
    for event_ in client.stream_chat(session.request(turn), turn.model):
        change = session.apply(event_)
        if isinstance(event_, RetryScheduled):
            notices.append(change.notice)
            assert turn.entry.notice == change.notice
    assert notices == ["HTTP 503; retrying in 0.0 s (1/1)"]
    assert session.end_reply().entry.notice is None


def test_a_tool_call_notice_outlives_the_completion_when_tools_are_off(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "get_weather"}}
    more = {"index": 0, "function": {"arguments": '{"city":'}}
    server.queue(
        Script(
            [
                event({"choices": [{"delta": {"tool_calls": [call]}}]}),
                event({"choices": [{"delta": {"tool_calls": [more]}}]}),
                F("tool_calls"),
                D,
            ]
        )
    )
    driver = Driver(store, client)
    entry = driver.send("weather?").entry
    assert entry.state == "completed"
    assert entry.notice is not None and "'get_weather'" in entry.notice
    [stored_call] = [p for p in entry.parts if p.kind == "tool_call"]
    assert stored_call.arguments == '{"city":'
    # a call that never ran is not sent back (servers refuse a call without its result)
    assert request_messages(driver.session.entries, None) == [ChatMessage("user", "weather?")]


def test_a_streaming_reply_is_saved_at_the_cadence_and_survives_a_crash(
    store: Store, tmp_path: Path
) -> None:
    clock = Clock()
    recorder = Recorder(store, lambda line: None)
    session = Session(model="m", clock=clock, save_interval=0.5)
    session.submit("tell me")
    turn = session.begin_reply()
    recorder.flush(session.take_writes())
    session.apply(TextDelta("first "))
    clock.now += 0.4
    assert not session.progress_due()
    clock.now += 0.2
    assert session.progress_due()
    session.save_progress()
    session.apply(TextDelta("second"))
    session.save_progress()
    recorder.flush(session.take_writes())
    rows = store._conn.execute("SELECT text FROM progress ORDER BY seq").fetchall()
    assert rows == [("first ",), ("second",)]  # appended, never rewritten

    # the process dies here; the next one reads the reply back as cut off
    with Store.open(tmp_path / "history.sqlite3") as again:
        entry = load_conversation(again, session.conversation.id or 0).entries[1]
    assert (entry.content, entry.state) == ("first second", "interrupted")
    assert turn.entry.state == "streaming"


def test_a_failing_database_keeps_the_writes_and_retries_them(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    recorder = Recorder(store, warnings.append)
    session = Session(model="m")
    session.submit("q")
    session.begin_reply()
    original = store.add_message

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise StoreError("disk I/O error")

    monkeypatch.setattr(store, "add_message", broken)
    recorder.flush(session.take_writes())
    session.apply(TextDelta("answer"))
    session.apply(StreamCompleted("stop", None))
    session.end_reply()
    recorder.flush(session.take_writes())
    assert recorder.outbox.waiting == 3 and len(warnings) == 1
    assert "kept in memory" in warnings[0]

    monkeypatch.setattr(store, "add_message", original)
    recorder.flush([])
    assert recorder.outbox.waiting == 0
    assert warnings[1] == "the conversation is saved again"
    path = store.active_path(session.conversation.id or 0)
    assert [(m.content, m.state) for m in path] == [("q", "completed"), ("answer", "completed")]


def test_continuing_beside_a_reply_another_process_is_still_writing(store: Store) -> None:
    other = Session(model="m")
    other_recorder = Recorder(store, lambda line: None)
    other.submit("first")
    other.begin_reply()
    other.apply(TextDelta("done"))
    other.apply(StreamCompleted("stop", None))
    other.end_reply()
    other.submit("second")  # the other process is mid-reply on this one
    other.begin_reply()
    other_recorder.flush(other.take_writes())

    loaded = load_for_continuing(store)
    assert loaded is not None
    assert [e.content for e in loaded.entries] == ["first", "done"]
    mine = Session(model="m")
    mine.open(loaded)
    mine.submit("third")
    turn = mine.begin_reply()
    Recorder(store, lambda line: None).flush(mine.take_writes())
    assert [m.content for m in mine.request(turn) if m.role == "user"] == ["first", "third"]
    third = store.get_message(mine.entries[-2].store_id or 0)
    assert third is not None and third.parent_id == loaded.entries[-1].store_id


def test_events_of_a_reply_apply_only_while_it_streams() -> None:
    session = Session(model="m")
    session.submit("q")
    session.begin_reply()
    session.end_reply("cancelled")
    with pytest.raises(AssertionError):
        session.apply(TextDelta("late"))


def test_a_tool_round_continues_the_same_reply_and_saves_every_part(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    calls = [Call("call_1", "weather", '{"city":"Oslo"}'), Call("call_2", "time", "{}")]
    scenario = ToolScenario(
        calls, answer="Rain at noon.", results={"call_1": "rain", "call_2": "12:00"}
    )
    server.responder = scenario
    driver = Driver(store, client)
    session = driver.session
    session.tools = [{"type": "function", "function": {"name": "weather", "parameters": {}}}]
    session.submit("weather?")
    ended = driver.run(session.begin_reply(), end=False)
    assert ended is None and session.completed
    assert [c.arguments for c in session.tool_calls()] == [{"city": "Oslo"}, {}]
    session.add_tool_result(ToolResultPart("call_1", "rain"))
    session.add_tool_result(ToolResultPart("call_2", "12:00"))
    turn = session.next_round()
    assert turn is not None and turn.entry is session.entries[-1] and turn.params["tools"]
    ended = driver.run(turn)
    assert scenario.problems == []
    entry = ended.entry
    assert [p.kind for p in entry.parts] == [
        "tool_call",
        "tool_call",
        "tool_result",
        "tool_result",
        "text",
    ]
    assert entry.content == "Rain at noon."
    assert entry.usage == Usage(10, 5, 15)  # the first round's, kept: the answer reported none
    stored = store.active_path(session.conversation.id or 0)[-1]
    assert stored.parts == tuple(entry.parts) and stored.state == "completed"


def test_the_tool_loop_stops_after_max_tool_rounds() -> None:
    session = Session(model="m")
    session.max_tool_rounds = 1
    session.tools = [{"type": "function", "function": {"name": "f"}}]
    session.submit("go")
    session.begin_reply()
    session.apply(ToolCallDelta(0, "c1", "f", "{}"))
    session.apply(StreamCompleted("tool_calls", None))
    session.add_tool_result(ToolResultPart("c1", "ok"))
    assert session.next_round() is not None
    session.apply(ToolCallDelta(0, "c2", "f", "{}"))
    session.apply(StreamCompleted("tool_calls", None))
    session.add_tool_result(ToolResultPart("c2", "ok"))
    assert session.next_round() is None
    ended = session.end_reply()
    assert ended.entry.notice == "stopped after 1 rounds of tool calls (max_tool_rounds in [tools])"


def test_a_refused_attachment_is_said_so_and_can_be_left_out(
    server: FakeServer, store: Store, client: SyncChatClient
) -> None:
    png = b"\x89PNG\r\n\x1a\nrest"
    server.queue(json_error(400, "This model does not support image input"), text_stream(["ok"]))
    driver = Driver(store, client)
    session = driver.session
    session.submit("what is this?", [ImagePart("image/png", len(png), name="x.png", data=png)])
    turn = session.begin_reply()
    try:
        driver.flush()
        list(client.stream_chat(session.request(turn), turn.model))
    except ApiError as error:
        why = notices.failure(error, offered_tools=False, sent_attachments=turn.sends_attachments)
    assert why.startswith("the server refused the attachments (This model does not support")
    session.end_reply("failed", why)
    ended = driver.run(session.resend_without_attachments())
    assert ended.entry.content == "ok"
    assert sent(server)[-1] == {"role": "user", "content": "what is this?"}
    assert session.entries[0].attachments  # kept in the conversation
    stored = store.active_path(session.conversation.id or 0)[0]
    assert [part.kind for part in stored.parts] == ["text", "image"]


def test_failures_that_are_not_refusals_keep_their_own_words() -> None:
    refused = ApiError(400, "tools are not supported by this model")
    assert notices.failure(refused, offered_tools=True, sent_attachments=False).startswith(
        "the server refused the tools"
    )
    assert notices.failure(refused, offered_tools=False, sent_attachments=False) == refused.message
    server_error = ApiError(500, "image service down")
    assert notices.failure(server_error, offered_tools=False, sent_attachments=True) == (
        server_error.message
    )
