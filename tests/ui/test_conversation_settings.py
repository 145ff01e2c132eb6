"""This conversation's settings (F8) and presets that carry sampling: sent from the next
request, stored with the conversation, out-of-range values refused in the form."""

from __future__ import annotations

from dataclasses import replace

from textual.widgets import Input, Static, TextArea

from aijora_tui.config import Settings
from aijora_tui.core.sampling import Preset
from aijora_tui.core.store import Store
from aijora_tui.tui.screens.conversation_settings import ConversationSettingsScreen
from tests.fake_server import FakeServer
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, log_of, send, wait_reply_done, wait_until


async def test_f8_sets_this_conversations_prompt_and_sampling(
    server: FakeServer, settings: Settings
) -> None:
    app = make_test_app(replace(settings, temperature=0.7))
    async with app.run_test(size=(110, 40)) as pilot:
        await send(pilot, "first")
        await wait_reply_done(pilot, app)
        assert server.chat_requests()[0].json()["temperature"] == 0.7
        await pilot.press("f8")
        await wait_until(pilot, lambda: isinstance(app.screen, ConversationSettingsScreen))
        form = app.screen
        form.query_one("#conv-temperature", Input).value = "9"
        await pilot.press("ctrl+s")
        error = form.query_one("#conversation-settings-error", Static)
        assert "temperature must be a number from 0 to 2" in str(error.render())
        form.query_one("#conv-temperature", Input).value = "0.2"
        form.query_one("#conv-max_tokens", Input).value = "64"
        form.query_one("#conv-system_prompt", TextArea).load_text("Answer in French.")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConversationSettingsScreen))
        await send(pilot, "second")
        await wait_reply_done(pilot, app, count=4)
        body = server.chat_requests()[1].json()
        assert (body["temperature"], body["max_tokens"]) == (0.2, 64)
        assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
        conversation = log_of(app).session.conversation.id
        assert conversation is not None
    with Store.open() as store:
        saved = store.get_conversation(conversation)
    assert saved is not None
    assert saved.system_prompt == "Answer in French."
    assert dict(saved.settings) == {"temperature": 0.2, "max_tokens": 64, "provider": "aijora"}


async def test_a_preset_with_sampling_applies_to_the_conversation(
    server: FakeServer, settings: Settings
) -> None:
    reviewer = Preset(system_prompt="Review code.", temperature=0.1, reasoning_effort="high")
    app = make_test_app(replace(settings, presets={"reviewer": reviewer}))
    async with app.run_test(size=(110, 40)) as pilot:
        chat(app).use_preset("reviewer")
        await send(pilot, "look at this")
        await wait_reply_done(pilot, app)
        body = server.chat_requests()[0].json()
        assert (body["temperature"], body["reasoning_effort"]) == (0.1, "high")
        assert body["messages"][0]["content"] == "Review code."
