"""A conversation remembers its provider: opened again, it goes on with that provider's model,
whatever provider the app had switched to meanwhile."""

from __future__ import annotations

import pytest

from aijora_tui.core.store import Store
from aijora_tui.tui.app import AijoraApp
from tests.fake_server import FakeServer, text_stream
from tests.providers.helpers import LOCAL_KEY
from tests.providers.test_picker import configure
from tests.ui.helpers import chat, log_of, send, wait_reply_done


async def test_an_opened_conversation_goes_on_with_its_own_provider(
    server: FakeServer, local: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOCAL_TEST_KEY", LOCAL_KEY)
    settings = configure(server, local)
    local.queue(text_stream(["from local"]), text_stream(["local again"]))
    server.queue(text_stream(["from aijora"]))
    app = AijoraApp(settings)
    async with app.run_test(size=(110, 40)) as pilot:
        app.choice.select_model("llama3.2", "local")
        await send(pilot, "hello local")
        await wait_reply_done(pilot, app)
        local_conversation = log_of(app).session.conversation.id
        await chat(app).open_conversation(None)
        app.choice.select_model("gpt-4o-mini", "aijora")
        await send(pilot, "hello aijora")
        await wait_reply_done(pilot, app)
        assert local_conversation is not None
        await chat(app).open_conversation(local_conversation)
        assert (app.choice.provider, app.choice.model) == ("local", "llama3.2")
        await send(pilot, "more")
        await wait_reply_done(pilot, app, count=4)
    assert [r.json()["messages"][-1]["content"] for r in local.chat_requests()] == [
        "hello local",
        "more",
    ]
    assert len(server.chat_requests()) == 1
    with Store.open() as store:
        saved = store.get_conversation(local_conversation)
    assert saved is not None and saved.settings.get("provider") == "local"
