"""A question too long for the model's context window: the sidebar meter, and the three ways to
send it (whole, the latest turns only, compacted into a summary first)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Static

from aijora_tui.config import Settings
from aijora_tui.core.parts import SummaryPart
from aijora_tui.providers import ModelMeta
from aijora_tui.tui.widgets.context_card import ContextCard
from tests.fake_server import FakeServer, text_stream
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, log_of, send, wait_reply_done, wait_until

LONG = "word " * 160  # about 200 tokens


def small_window(settings: Settings) -> Settings:
    return replace(settings, model_meta={"gpt-4o-mini": ModelMeta(context=300)})


@pytest.mark.parametrize("key", ["s", "l", "c"])
async def test_a_question_too_long_waits_for_how_to_send_it(
    server: FakeServer, settings: Settings, key: str
) -> None:
    server.queue(text_stream([LONG]), text_stream(["summary of it"]), text_stream(["done"]))
    app = make_test_app(small_window(settings))
    async with app.run_test(size=(110, 40)) as pilot:
        await send(pilot, LONG)
        await wait_reply_done(pilot, app)
        meter = chat(app).query_one("#sidebar-context", Static)
        assert meter.display and "of 300" in str(meter.render())
        await send(pilot, "and one more question")
        log = log_of(app)
        await wait_until(pilot, lambda: log.context_card is not None)
        card = log.query_one(ContextCard)
        await wait_until(pilot, lambda: app.focused is card)  # focus moves after the mount
        assert len(server.chat_requests()) == 1  # nothing sent yet
        await pilot.press(key)
        await wait_reply_done(pilot, app, count=4)
        sent = server.chat_requests()[-1].json()["messages"]
        if key == "s":
            assert len(sent) == 3  # the whole conversation
        elif key == "l":
            assert sent == [{"role": "user", "content": "and one more question"}]
        else:
            summarize = server.chat_requests()[1].json()["messages"]
            assert summarize[-1]["content"].startswith("Summarize the conversation above")
            assert len(sent) == 1 and sent[0]["content"].endswith("and one more question")
            assert "summary of it" in sent[0]["content"]
            question = log.entries[2]
            assert isinstance(question.parts[0], SummaryPart)
            assert question.content == "and one more question"
        assert [e.content for e in log.entries[:2]] == [LONG, LONG]  # the history is whole
