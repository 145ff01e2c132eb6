"""The chat flow through the real app, driven by Pilot, against the local fake server."""

from __future__ import annotations

import json

import pytest
from textual.message import Message

from aijora_tui.config import Settings
from aijora_tui.core.conversation import Entry
from aijora_tui.tui.messages import StreamEvents
from aijora_tui.tui.widgets.markdown_view import MarkdownView
from aijora_tui.tui.widgets.prompt_input import PromptInput
from aijora_tui.tui.widgets.thinking import ThinkingView
from tests.fake_server import (
    DONE,
    Cut,
    FakeServer,
    Gate,
    Pause,
    Script,
    chunk,
    json_error,
    text_stream,
    usage,
)
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, log_of, send, wait_reply_done, wait_until


async def test_reply_streams_into_the_log_as_deltas(server: FakeServer, settings: Settings) -> None:
    server.queue(
        text_stream(["Hello ", "**world**", "\n\n```python\nprint(1)\n```"], usage_=usage(7, 5))
    )
    seen: list[Message] = []
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await pilot.press(*"hi there", "enter")
        await wait_reply_done(pilot, app)
        log = log_of(app)
        assert [e.role for e in log.entries] == ["user", "assistant"]
        reply = log.entries[1]
        assert reply.content == "Hello **world**\n\n```python\nprint(1)\n```"
        assert reply.state == "completed" and reply.finish_reason == "stop"
        assert reply.usage is not None and reply.usage.total_tokens == 12
        batches = [m for m in seen if isinstance(m, StreamEvents)]  # the worker's notes to the log
        assert batches and all(batch.entry is reply for batch in batches)
        body = server.chat_requests()[-1].json()
        assert body["messages"] == [{"role": "user", "content": "hi there"}]
        assert body["model"] == "gpt-4o-mini" and body["stream"] is True
        assert chat(app).prompt_input.text == ""
        view = log.view_for(reply)
        assert view is not None
        rendered = view.query_one(MarkdownView).rendered(60).content.plain
        assert "Hello world" in rendered and "print(1)" in rendered and "**" not in rendered


async def test_enter_sends_and_ctrl_j_inserts_a_newline(
    server: FakeServer, settings: Settings
) -> None:
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        assert isinstance(app.focused, PromptInput)
        await pilot.press("a", "ctrl+j", "b")
        assert chat(app).prompt_input.text == "a\nb"
        await pilot.press("enter")
        await wait_reply_done(pilot, app)
        assert log_of(app).entries[0].content == "a\nb"


async def test_escape_cancels_and_keeps_the_partial_reply(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(Script([chunk("Half an "), chunk("answer"), Pause(30), chunk("never"), DONE]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "tell me")
        log = log_of(app)
        await wait_until(
            pilot, lambda: len(log.entries) == 2 and "answer" in log.entries[1].content
        )
        await pilot.press("escape")
        await wait_reply_done(pilot, app)
        reply = log.entries[1]
        assert reply.state == "cancelled"
        assert reply.content == "Half an answer"
        request = server.chat_requests()[-1]
        await wait_until(pilot, lambda: request.disconnected is not None, timeout=5)
        # A new request works on the same client afterwards.
        server.queue(text_stream(["again"]))
        await send(pilot, "more")
        await wait_reply_done(pilot, app, count=4)
        assert log.entries[3].content == "again" and log.entries[3].state == "completed"


async def test_api_error_is_shown_in_place_and_retry_succeeds(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(json_error(401, "Invalid API key"))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "are you there?")
        await wait_reply_done(pilot, app)
        log = log_of(app)
        user, reply = log.entries
        assert user.content == "are you there?"
        assert reply.state == "failed" and reply.error is not None
        assert "AIJORA_API_KEY" in reply.error and (settings.api_key or "") not in reply.error
        view = log.view_for(reply)
        assert view is not None and view.has_class("-unfinished")
        server.queue(text_stream(["Yes."]))
        await pilot.press("ctrl+r")
        await wait_reply_done(pilot, app)
        assert [e.content for e in log.entries] == ["are you there?", "Yes."]
        assert log.entries[1].state == "completed"


async def test_cut_stream_is_interrupted_and_can_be_continued(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(Script([chunk("The first half"), Cut()]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "write")
        await wait_reply_done(pilot, app)
        log = log_of(app)
        reply = log.entries[1]
        assert reply.state == "interrupted" and reply.content == "The first half"
        server.queue(text_stream([" and the rest."]))
        await pilot.press("ctrl+g")
        await wait_reply_done(pilot, app, count=3)
        body = server.chat_requests()[-1].json()
        assert body["messages"][-2] == {"role": "assistant", "content": "The first half"}
        assert body["messages"][-1]["role"] == "user"
        assert log.entries[-1].content == " and the rest."


async def test_hostile_reply_is_inert(server: FakeServer, settings: Settings) -> None:
    hostile = "\x1b[2J\x1b]52;c;aGk=\x07[bold]x[/bold] [@click=app.quit]q[/] lonely [/]"
    server.queue(text_stream([hostile[:7], hostile[7:]]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "x")
        await wait_reply_done(pilot, app)
        reply = log_of(app).entries[1]
        assert "\x1b" not in reply.content and "\x07" not in reply.content
        assert reply.content == "[bold]x[/bold] [@click=app.quit]q[/] lonely [/]"
        view = log_of(app).view_for(reply)
        assert view is not None
        content = view.query_one(MarkdownView).rendered(80).content
        assert "[bold]x[/bold]" in content.plain and "[@click=app.quit]q[/]" in content.plain
        assert app.is_running


async def test_reasoning_is_kept_apart_and_not_sent_back(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(
        Script(
            [
                chunk(delta={"reasoning_content": "think "}),
                chunk(delta={"reasoning": "more"}),
                chunk("Answer"),
                chunk(finish="stop"),
                DONE,
            ]
        )
    )
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "q")
        await wait_reply_done(pilot, app)
        reply = log_of(app).entries[1]
        assert reply.reasoning == "think more" and reply.content == "Answer"
        view = log_of(app).view_for(reply)
        assert view is not None
        thinking = view.query_one(ThinkingView)
        assert not thinking.expanded
        await pilot.press("tab", "up", "t")
        assert thinking.expanded and "think more" in str(thinking.render())
        await send(pilot, "next")
        await wait_reply_done(pilot, app, count=4)
        sent = server.chat_requests()[-1].json()["messages"]
        assert {"role": "assistant", "content": "Answer"} in sent
        assert "think" not in json.dumps(sent)


async def test_prompt_sent_while_streaming_is_queued(
    server: FakeServer, settings: Settings
) -> None:
    gate = Gate()  # the first reply streams until the second prompt is queued
    server.queue(
        Script([chunk("slow"), gate, chunk(" reply"), chunk(finish="stop"), DONE]),
        text_stream(["second reply"]),
    )
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "first")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2)
        await send(pilot, "second")
        assert "1 queued" in str(chat(app).prompt_input.border_subtitle)
        assert len(server.chat_requests()) == 1
        gate.open()
        await wait_reply_done(pilot, app, count=4)
        assert [e.content for e in log.entries] == ["first", "slow reply", "second", "second reply"]
        assert not chat(app).prompt_input.border_subtitle


async def test_rate_limit_retry_is_announced(server: FakeServer, settings: Settings) -> None:
    server.queue(
        json_error(
            429, "Rate limit exceeded", kind="rate_limit_exceeded", headers={"retry-after": "1"}
        ),
        text_stream(["ok"]),
    )
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "hi")
        log = log_of(app)
        await wait_until(pilot, lambda: len(log.entries) == 2 and log.entries[1].notice is not None)
        notice = log.entries[1].notice or ""
        assert "429" in notice and "retrying in 1.0 s" in notice
        await wait_reply_done(pilot, app)
        assert log.entries[1].content == "ok" and log.entries[1].state == "completed"


async def test_footer_and_prompt_advertise_the_newline_key_the_terminal_can_send(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "xterm-kitty")
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "Shift+Enter adds a line" in str(chat(app).prompt_input.placeholder)
        footer = app.screen.query_one("Footer")
        assert "⇧⏎" in " ".join(str(key.render()) for key in footer.query("FooterKey"))
        await pilot.press("a", "shift+enter", "b")
        assert chat(app).prompt_input.text == "a\nb"


async def test_server_text_outside_replies_is_inert_too(
    server: FakeServer, settings: Settings
) -> None:
    server.models = ["good", "evil\x1b]0;PWNED\x07\x1b[2J"]
    tool = {
        "tool_calls": [
            {"index": 0, "id": "c", "function": {"name": "f\x1b]0;T\x07", "arguments": ""}}
        ]
    }
    server.queue(
        Script(
            [
                chunk("hi", model="resp\x1b]0;X\x07"),
                chunk(delta=tool),
                chunk(finish="stop"),
                DONE,
            ]
        )
    )
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        assert all("\x1b" not in model and "\x07" not in model for model in app.choice.models)
        await send(pilot, "q")
        await wait_reply_done(pilot, app)
        reply = log_of(app).entries[1]
        assert reply.model is not None and "\x1b" not in reply.model
        await log_of(app).load([Entry("user", "from a pipe \x1b]0;TITLE\x07 here")])
        await pilot.pause()
        for widget in app.screen.query("Static"):
            assert "\x1b" not in str(widget.render())
