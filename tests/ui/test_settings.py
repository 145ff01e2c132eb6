"""The settings screen: saved atomically with mode 0600, env values left alone, applied live."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from aijora_tui import paths
from aijora_tui.config import Settings
from aijora_tui.tui.screens.settings import SettingsScreen
from tests.fake_server import FakeServer, text_stream, usage
from tests.ui.conftest import make_test_app
from tests.ui.helpers import chat, send, wait_reply_done, wait_until


def form(app_screen: object) -> SettingsScreen:
    assert isinstance(app_screen, SettingsScreen), app_screen
    return app_screen


async def test_settings_are_saved_and_applied(
    server: FakeServer, settings: Settings, tmp_path: Path
) -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True)
    config.write_text('future_option = "kept"\napi_key = "sk-test-0123456789"\n')
    settings = replace(settings, sources={"api_key": "config"})
    server.queue(text_stream(["priced"], usage_=usage(1000, 2000)))
    app = make_test_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f3")
        screen = form(app.screen)
        key_input = screen.query_one("#set-api_key", Input)
        assert key_input.value == "" and "saved" in key_input.placeholder
        screen.query_one("#set-temperature", Input).value = "0.3"
        screen.query_one("#set-max_tokens", Input).value = "500"
        screen.query_one("#set-presets", TextArea).load_text(
            'brief = "Answer in one line."\nreviewer = """\nYou review code.\nRules: be = terse"""'
        )
        screen.query_one("#set-prices", TextArea).load_text("gpt-4o-mini = 0.15, 0.6")
        screen.query_one("#key-copy-message", Input).value = "f5"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
        saved = tomllib.loads(config.read_text())
        assert saved["future_option"] == "kept"
        assert saved["api_key"] == "sk-test-0123456789"
        assert saved["temperature"] == 0.3 and saved["max_tokens"] == 500
        assert saved["presets"] == {
            "brief": "Answer in one line.",
            "reviewer": "You review code.\nRules: be = terse",
        }
        assert "read_timeout" not in saved and "theme" not in saved  # untouched: not written
        assert saved["prices"] == {"gpt-4o-mini": {"input": 0.15, "output": 0.6}}
        assert saved["keymap"] == {"copy-message": "f5"}
        assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
        chat(app).use_preset("brief")
        await send(pilot, "cost?")
        await wait_reply_done(pilot, app)
        body = server.chat_requests()[-1].json()
        assert body["temperature"] == 0.3 and body["max_tokens"] == 500
        assert body["messages"][0] == {"role": "system", "content": "Answer in one line."}
        totals = str(chat(app).query_one("#sidebar-totals").render())
        assert f"{(1000 * 0.15 + 2000 * 0.6) / 1e6:.4f}" in totals
        await pilot.press("f5")
        assert app.clipboard == "priced"


async def test_environment_values_are_shown_and_not_written(
    server: FakeServer, settings: Settings
) -> None:
    settings = replace(settings, sources={"base_url": "env", "api_key": "env"})
    app = make_test_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f3")
        screen = form(app.screen)
        base_url = screen.query_one("#set-base_url", Input)
        assert base_url.disabled and base_url.value == server.base_url
        assert screen.query_one("#set-api_key", Input).disabled
        labels = " ".join(str(label.render()) for label in screen.query("Label"))
        assert "AIJORA_BASE_URL" in labels
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen))
    saved = tomllib.loads(paths.config_file().read_text())
    assert "base_url" not in saved and "api_key" not in saved
    assert (settings.api_key or "-") not in paths.config_file().read_text()


async def test_a_bad_value_is_explained_and_nothing_is_saved(settings: Settings) -> None:
    app = make_test_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f3")
        screen = form(app.screen)
        screen.query_one("#set-temperature", Input).value = "warm"
        await pilot.press("ctrl+s")
        assert app.screen is screen
        assert "temperature must be a number" in str(screen.query_one("#settings-error").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, SettingsScreen)
    assert not paths.config_file().exists()


async def test_theme_from_flag_and_palette_is_remembered(settings: Settings) -> None:
    settings = Settings(
        api_key="k", base_url=settings.base_url, theme="aijora-nord", sources={"theme": "flag"}
    )
    app = make_test_app(settings)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "aijora-nord"
        assert tomllib.loads(paths.config_file().read_text())["theme"] == "aijora-nord"
        app.theme = "aijora-light"  # what the palette's theme picker does
        await pilot.pause()
        assert tomllib.loads(paths.config_file().read_text())["theme"] == "aijora-light"


async def test_setup_check_explains_a_refused_key(server: FakeServer) -> None:
    from aijora_tui.core.client import DEFAULT_BASE_URL
    from aijora_tui.tui.screens.setup import SetupScreen

    server.api_key = "sk-right"
    app = make_test_app(Settings(api_key=None, base_url=DEFAULT_BASE_URL))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        app.screen.query_one("#setup-url", Input).value = server.base_url
        app.screen.query_one("#setup-key", Input).value = "sk-wrong"
        await pilot.click("#setup-check")
        result = app.screen.query_one("#setup-result")
        await wait_until(pilot, lambda: "✗" in str(result.render()))
        text = str(result.render())
        assert "AIJORA_API_KEY" in text and "sk-wrong" not in text
        app.screen.query_one("#setup-key", Input).focus()
        await pilot.press("enter")  # Enter checks first: a refused key is not saved

        def checked_twice() -> bool:
            tries = [r for r in server.models_requests() if "sk-wrong" in str(r.headers)]
            checks = [w for w in app.workers if w.group == "setup-check"]
            return len(tries) == 2 and all(w.is_finished for w in checks)

        await wait_until(pilot, checked_twice)
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen) and not paths.config_file().exists()
        app.screen.query_one("#setup-key", Input).value = "sk-right"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, SetupScreen))
        saved = tomllib.loads(paths.config_file().read_text())
        assert saved == {"api_key": "sk-right", "base_url": server.base_url}
        assert app.settings.api_key == "sk-right"


async def test_a_broken_config_file_is_reported_not_crashed_on(
    server: FakeServer, settings: Settings
) -> None:
    config = paths.config_file()
    config.parent.mkdir(parents=True)
    config.write_text('api_key = "sk-old"\n[keymap\n')
    app = make_test_app(settings)
    async with app.run_test(notifications=True) as pilot:
        await wait_until(pilot, lambda: app.choice.models_loaded)
        app.choice.select_model("deepseek-r1")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("Settings not saved" in m and "not valid TOML" in m for m in messages)
        assert "sk-old" not in " ".join(messages)
        assert app.choice.model == "deepseek-r1" and app.is_running
    assert config.read_text() == 'api_key = "sk-old"\n[keymap\n'  # left as the user wrote it


async def test_setup_check_refuses_a_key_that_cannot_be_sent(server: FakeServer) -> None:
    from aijora_tui.core.client import DEFAULT_BASE_URL
    from aijora_tui.tui.screens.setup import SetupScreen

    app = make_test_app(Settings(api_key=None, base_url=DEFAULT_BASE_URL))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        app.screen.query_one("#setup-url", Input).value = server.base_url
        result = app.screen.query_one("#setup-result")
        for key, problem in (("sk-ключ", "non-ASCII character"), ("sk-a\nb", "line break")):
            app.screen.query_one("#setup-key", Input).value = key
            await pilot.click("#setup-check")
            expected = f"✗ the API key contains a {problem}"
            await wait_until(pilot, lambda: expected in str(result.render()))  # noqa: B023
            await pilot.click("#setup-save")
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen) and not paths.config_file().exists()
    assert server.requests == []


async def test_settings_form_refuses_a_key_that_cannot_be_sent(settings: Settings) -> None:
    app = make_test_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f3")
        screen = form(app.screen)
        screen.query_one("#set-api_key", Input).value = "sk-ключ"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        error = str(screen.query_one("#settings-error").render())
        assert "the API key contains a non-ASCII character" in error
    assert not paths.config_file().exists()


@pytest.mark.parametrize(
    ("field", "text", "says"),
    [
        ("temperature", "nan", "temperature must be a number from 0 to 2"),
        ("temperature", "inf", "temperature must be a number from 0 to 2"),
        ("read_timeout", "1e300", "read timeout must be a number more than 0 to 86400"),
        ("read_timeout", "0", "read timeout must be a number more than 0 to 86400"),
        ("stall_timeout", "-1", "stall timeout must be a number more than 0 to 86400"),
        ("max_reply_mb", "nan", "max reply mb must be a number more than 0 to 1024"),
        ("max_tokens", "0", "max tokens must be a whole number from 1 to 10000000"),
        ("base_url", "ftp://x", "base url must be an http(s)://host/path URL"),
    ],
)
async def test_settings_form_refuses_values_out_of_range(
    settings: Settings, field: str, text: str, says: str
) -> None:
    app = make_test_app(settings)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f3")
        screen = form(app.screen)
        screen.query_one(f"#set-{field}", Input).value = text
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert says in str(screen.query_one("#settings-error").render())
    assert not paths.config_file().exists()
