"""Keyboard browsing, copy, edit, regenerate, model switch, follow mode, setup."""

from __future__ import annotations

from aijora_tui.config import Settings
from aijora_tui.core.client import DEFAULT_BASE_URL
from aijora_tui.tui.app import AijoraApp
from aijora_tui.tui.screens.model_picker import ModelPicker
from aijora_tui.tui.screens.setup import SetupScreen
from aijora_tui.tui.widgets.markdown_view import MarkdownView
from aijora_tui.tui.widgets.message_log import MessageLog
from tests.fake_server import FakeServer, Gate, Script, chunk, text_stream
from tests.ui.conftest import make_test_app
from tests.ui.helpers import (
    chat,
    highlighted_command,
    log_of,
    send,
    settle,
    wait_reply_done,
    wait_until,
)

CODE_REPLY = "First:\n\n```python\nprint('a')\n```\n\nSecond:\n\n```sh\necho  b   # spaced\n```"


async def test_copy_latest_reply_and_code_block(server: FakeServer, settings: Settings) -> None:
    server.queue(text_stream([CODE_REPLY[:20], CODE_REPLY[20:]]))
    app = make_test_app(settings)
    async with app.run_test(notifications=True) as pilot:
        await send(pilot, "code please")
        await wait_reply_done(pilot, app)
        await pilot.press("ctrl+y")
        assert app.clipboard == CODE_REPLY
        await pilot.press("ctrl+o")
        assert app.clipboard == "echo  b   # spaced"
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("copied") and "OSC 52" in m for m in messages), messages


async def test_browse_messages_and_code_blocks_by_keyboard(
    server: FakeServer, settings: Settings
) -> None:
    server.queue(text_stream([CODE_REPLY]), text_stream(["plain answer"]))
    app = make_test_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "one")
        await wait_reply_done(pilot, app)
        await send(pilot, "two")
        await wait_reply_done(pilot, app, count=4)
        log = log_of(app)
        await pilot.press("tab")
        assert isinstance(app.focused, MessageLog)
        await pilot.press("up")
        assert log.selected == 3
        await pilot.press("up", "up")
        assert log.selected == 1
        await pilot.press("ctrl+y")
        assert app.clipboard == CODE_REPLY
        await pilot.press("left_square_bracket")
        assert log.selected_code is not None and log.selected_code.code == "echo  b   # spaced"
        await pilot.press("left_square_bracket")
        assert log.selected_code is not None and log.selected_code.code == "print('a')"
        await pilot.press("ctrl+o")
        assert app.clipboard == "print('a')"
        view = log.view_for(log.entries[1])
        assert view is not None and view.has_class("-selected")
        await pilot.press("end")
        assert log.selected is None and not view.has_class("-selected")


async def test_click_selects_a_message(server: FakeServer, settings: Settings) -> None:
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await wait_reply_done(pilot, app)
        log = log_of(app)
        user_view = log.view_for(log.entries[0])
        assert user_view is not None
        await pilot.click(user_view)
        assert log.selected == 0


async def test_edit_a_message_and_resend(server: FakeServer, settings: Settings) -> None:
    server.queue(text_stream(["reply one"]), text_stream(["reply two"]), text_stream(["edited"]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "first question")
        await wait_reply_done(pilot, app)
        await send(pilot, "second question")
        await wait_reply_done(pilot, app, count=4)
        log = log_of(app)
        await pilot.press("tab", "up", "up", "up", "up")
        assert log.selected == 0
        await pilot.press("e")
        prompt = chat(app).prompt_input
        assert prompt.text == "first question" and app.focused is prompt
        assert "Editing message 1" in str(prompt.border_title)
        prompt.load_text("better question")
        await pilot.press("enter")
        await wait_reply_done(pilot, app, count=2)
        await wait_until(pilot, lambda: log.entries[-1].content == "edited")
        assert [e.content for e in log.entries] == ["better question", "edited"]
        sent = server.chat_requests()[-1].json()["messages"]
        assert sent == [{"role": "user", "content": "better question"}]


async def test_regenerate_replaces_the_last_reply(server: FakeServer, settings: Settings) -> None:
    server.queue(text_stream(["take one"]), text_stream(["take two"]))
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await send(pilot, "q")
        await wait_reply_done(pilot, app)
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: log_of(app).entries[-1].content == "take two")
        await wait_reply_done(pilot, app)
        assert [e.content for e in log_of(app).entries] == ["q", "take two"]
        assert server.chat_requests()[-1].json()["messages"] == [{"role": "user", "content": "q"}]


async def test_switch_model_applies_to_next_request(server: FakeServer, settings: Settings) -> None:
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        await pilot.press("f2")
        assert isinstance(app.screen, ModelPicker)
        await pilot.press(*"claude", "enter")
        assert app.choice.model == "claude-sonnet-4.5"
        await send(pilot, "hi")
        await wait_reply_done(pilot, app)
        assert server.chat_requests()[-1].json()["model"] == "claude-sonnet-4.5"
        assert log_of(app).entries[1].model == "claude-sonnet-4.5"


async def test_model_list_unavailable_falls_back(server: FakeServer, settings: Settings) -> None:
    server.models = None
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: len(server.models_requests()) == 1)
        await settle(pilot)  # the refused list has been handled
        assert not app.choice.models_loaded
        await pilot.press("f2")
        assert isinstance(app.screen, ModelPicker)
        assert list(app.screen.rows.choices.values()) == []  # nothing listed, nothing cached
        await pilot.press(*"my-model", "enter")  # a model the server did not list
        assert app.choice.model == "my-model" and app.choice.provider == "aijora"


async def test_follow_mode_releases_on_scroll_up_and_end_follows_again(
    server: FakeServer, settings: Settings
) -> None:
    lines = [f"line {n}\n\n" for n in range(60)]
    gate = Gate()  # the reply waits half-way until the reader has scrolled up
    steps: list[bytes | Gate] = [chunk(line) for line in lines[:30]]
    steps += [gate] + [chunk(line) for line in lines[30:]]
    server.queue(Script([*steps, chunk(finish="stop"), b"data: [DONE]\n\n"]))
    app = make_test_app(settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "long")
        log = log_of(app)

        def first_half_shown() -> bool:
            view = log.view_for(log.entries[-1]) if len(log.entries) == 2 else None
            shown = view is not None and any(
                "line 29" in m.source for m in view.query(MarkdownView)
            )
            return shown and log.scroll_y == log.max_scroll_y > 0  # followed to the end

        await wait_until(pilot, first_half_shown)
        await settle(pilot, besides={"stream"})
        log.focus()
        await pilot.press("pageup")
        position = log.scroll_y
        assert position < log.max_scroll_y
        gate.open()
        await wait_reply_done(pilot, app)
        marker = chat(app).query_one("#lines-below")
        await wait_until(pilot, lambda: bool(marker.display))
        await settle(pilot)
        assert log.scroll_y == position  # never snapped back
        assert marker.display
        await pilot.press("end")
        await wait_until(pilot, lambda: log.scroll_y == log.max_scroll_y and not marker.display)


async def test_missing_key_opens_setup_and_check_reports(server: FakeServer) -> None:
    app = AijoraApp(Settings(api_key=None, base_url=DEFAULT_BASE_URL))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        app.screen.query_one("#setup-url").value = server.base_url  # type: ignore[attr-defined]
        app.screen.query_one("#setup-key").value = "sk-new-key"  # type: ignore[attr-defined]
        await pilot.click("#setup-check")
        result = app.screen.query_one("#setup-result")
        await wait_until(pilot, lambda: "accepted" in str(result.render()))
        await pilot.click("#setup-save")
        await pilot.pause()
        assert app.settings.api_key == "sk-new-key"
        assert app.settings.base_url == server.base_url
        server.queue(text_stream(["works"]))
        await send(pilot, "hello")
        await wait_reply_done(pilot, app)
        assert log_of(app).entries[1].content == "works"
        assert server.chat_requests()[-1].headers["authorization"] == "Bearer sk-new-key"


async def test_palette_switches_model_uses_a_preset_and_finds_conversations(
    server: FakeServer, settings: Settings
) -> None:
    from dataclasses import replace

    from textual.command import CommandPalette

    from aijora_tui.core.sampling import Preset

    settings = replace(settings, presets={"pirate": Preset("Talk like [a] pirate [/].")})
    server.queue(text_stream(["arr"]), text_stream(["found it"]))
    app = make_test_app(settings)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)

        async def palette(query: str, expected: str) -> None:
            await pilot.press("ctrl+p")
            await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*query)
            await wait_until(pilot, lambda: expected in highlighted_command(app))
            await pilot.press("enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette))

        await palette("Model: claude", "Model: claude-sonnet-4.5")
        assert app.choice.model == "claude-sonnet-4.5"
        await palette("Preset: pirate", "Preset: pirate")
        await send(pilot, "hello")
        await wait_reply_done(pilot, app)
        sent = server.chat_requests()[-1].json()
        assert sent["messages"][0] == {"role": "system", "content": "Talk like [a] pirate [/]."}
        assert sent["model"] == "claude-sonnet-4.5"
        await pilot.press("ctrl+n")
        await palette("hello", "Open: ")
        await wait_until(pilot, lambda: len(log_of(app).entries) == 2)
        assert log_of(app).entries[0].content == "hello"
